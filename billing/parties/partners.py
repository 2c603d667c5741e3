"""Creating partners and walking the agency tree."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput
from billing.parties.models import PARTNER_KINDS, Partner


def create_partner(
    session: Session, *, code: str, name: str, kind: str, parent: Partner | None = None, **brand
) -> Partner:
    """Add a partner; a sub-agent names its parent agency and inherits its tree."""
    if kind not in PARTNER_KINDS:
        raise InvalidInput(f"Unknown partner kind {kind!r}.")
    if parent is not None and parent.kind != "agency":
        raise InvalidInput("Only an agency can have sub-agents.")
    partner = Partner(code=code, name=name, kind=kind, parent=parent, **brand)
    session.add(partner)
    session.flush()
    partner.tree_path = f"{parent.tree_path if parent else '/'}{partner.id}/"
    session.flush()
    return partner


def ancestors(session: Session, partner: Partner) -> list[Partner]:
    """The partner and every agency above it, nearest first."""
    ids = [int(part) for part in partner.tree_path.strip("/").split("/") if part]
    found = {p.id: p for p in session.scalars(select(Partner).where(Partner.id.in_(ids)))}
    return [found[i] for i in reversed(ids) if i in found]


def subtree_ids_clause(partner: Partner):
    """A SQL clause selecting the ids of a partner and every partner below it."""
    if not partner.tree_path.startswith("/") or len(partner.tree_path) < 3:
        raise ValueError(f"partner {partner.id} has no tree path; create it with create_partner")
    return select(Partner.id).where(Partner.tree_path.startswith(partner.tree_path))
