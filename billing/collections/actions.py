"""The collections action log: a step is claimed (inserted, or skipped if another job
has it) before it is acted on, so each step happens once.

On PostgreSQL a second job claiming the same step waits on the unique key until the
first commits, then skips it; on SQLite one writer at a time does the same, coarser.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from billing.collections.models import CollectionAction
from billing.collections.schedule import Step
from billing.core.db import among

KEY = ("invoice_id", "kind", "step", "period")


def claim(session: Session, *, invoice_id: int, customer_id: int, step: Step, today: date,
          currency: str, amount_minor: int, now: datetime, outcome: str = "pending") -> int | None:
    """Insert the step's row; its id, or None when the step was taken already."""
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect]
    statement = insert(CollectionAction).values(
        invoice_id=invoice_id, customer_id=customer_id, kind=step.kind, step=step.step,
        period=step.period, taken_on=today, at=now, currency=currency,
        amount_minor=amount_minor, outcome=outcome, detail="")
    return session.scalar(statement.on_conflict_do_nothing(index_elements=list(KEY))
                          .returning(CollectionAction.id))


def claim_many(session: Session, rows: list[dict]) -> dict[int, int]:
    """Claim many steps (one per invoice and kind) in one statement; per invoice whose
    step was not taken yet, its new action id. `rows` come from `row`."""
    if not rows:
        return {}
    table = CollectionAction.__table__
    if session.get_bind().dialect.name == "postgresql":
        return dict(session.execute(_UNNEST, {
            name: [r[name] for r in rows] for name in _COLUMNS}).all())
    statement = (sqlite_insert(table).on_conflict_do_nothing(index_elements=list(KEY))
                 .returning(table.c.invoice_id, table.c.id))
    return dict(session.connection().execute(statement, rows).all())


_COLUMNS = ("invoice_id", "customer_id", "kind", "step", "period", "taken_on", "at",
            "currency", "amount_minor", "outcome", "detail")
_TYPES = ("int", "int", "varchar", "int", "varchar", "date", "timestamptz", "varchar", "int",
          "varchar", "varchar")
# On PostgreSQL a chunk's claims travel as one array per column: the statement's text is
# the same for every chunk, so neither SQLAlchemy nor psycopg re-renders a thousand rows
# of placeholders each time.
_ARRAYS = ", ".join(f"CAST(:{c} AS {t}[])" for c, t in zip(_COLUMNS, _TYPES, strict=True))
_UNNEST = text(
    f"INSERT INTO collection_action ({', '.join(_COLUMNS)}) SELECT * FROM unnest({_ARRAYS}) "
    "ON CONFLICT (invoice_id, kind, step, period) DO NOTHING RETURNING invoice_id, id")


def row(invoice, step: Step, today: date, amount_minor: int, now: datetime,
        outcome: str) -> dict:
    """The action row of one step on an invoice (a row with id, customer_id, currency)."""
    return dict(invoice_id=invoice.id, customer_id=invoice.customer_id, kind=step.kind,
                step=step.step, period=step.period, taken_on=today, at=now,
                currency=invoice.currency, amount_minor=amount_minor, outcome=outcome,
                detail="")


def settle(session: Session, action_id: int, outcome: str, *, detail: str = "",
           external_id: str | None = None, amount_minor: int | None = None) -> None:
    """Write what came of a claimed step."""
    values = {"outcome": outcome, "detail": detail[:300], "external_id": external_id}
    if amount_minor is not None:
        values["amount_minor"] = amount_minor
    session.execute(update(CollectionAction).where(CollectionAction.id == action_id)
                    .values(**values).execution_options(synchronize_session=False))


def taken(session: Session, invoice_ids: Iterable[int]) -> dict[int, list[tuple]]:
    """Per invoice, its steps taken so far: (kind, step, period, outcome, taken_on), by
    id (one query for a chunk)."""
    ids = list(invoice_ids)
    found: dict[int, list[tuple]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(
        select(CollectionAction.invoice_id, CollectionAction.kind, CollectionAction.step,
               CollectionAction.period, CollectionAction.outcome, CollectionAction.taken_on)
        .where(among(session, CollectionAction.invoice_id, ids))
        .order_by(CollectionAction.invoice_id, CollectionAction.id))
    for invoice_id, *rest in rows:
        found[invoice_id].append(tuple(rest))
    return found


def failed_autopay_days(steps: list[tuple]) -> list[date] | None:
    """The days of the failed autopay attempts, oldest first; None once one succeeded
    (or is still pending), when autopay has nothing more to do."""
    attempts = sorted((s for s in steps if s[0] == "autopay"), key=lambda s: s[1])
    if any(s[3] in ("succeeded", "pending") for s in attempts):
        return None
    return [s[4] for s in attempts if s[3] == "failed"]


def already(steps: list[tuple], step: Step) -> bool:
    return any((s[0], s[1], s[2]) == (step.kind, step.step, step.period) for s in steps)
