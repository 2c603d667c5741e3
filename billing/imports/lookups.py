"""What several import kinds share: accounts by number, and no key twice in one file."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.imports.core import RowInvalid
from billing.parties.models import Customer


def account_lookup(session: Session) -> dict:
    """Every account number with its id and currency, for rows that name an account."""
    rows = session.execute(select(Customer.account_number, Customer.id, Customer.currency))
    return {number: (cid, cur) for number, cid, cur in rows}


def refuse_duplicate(context, key, column: str) -> None:
    """A natural key may appear once per file: a second row would silently win the upsert."""
    seen = context.setdefault("seen", set())
    if key in seen:
        raise RowInvalid(column, "appears twice in this file")
    seen.add(key)
