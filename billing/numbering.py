"""Gapless document numbers: one counter per series, taken inside the issuing transaction.

A number is taken by locking the series row and incrementing it in the same transaction
that issues the document; if that transaction rolls back, so does the counter, so the
numbers of committed documents never skip and never repeat (on PostgreSQL the row lock
serialises concurrent issuers; SQLite serialises all writers anyway).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from billing.models import NumberSeries

INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def series_key(kind: str, currency: str, year: int) -> str:
    """Invoices and credit notes are numbered per currency and calendar year."""
    return f"{kind}-{currency}-{year}"


def take_number(session: Session, key: str) -> int:
    """The next number of a series; the caller's transaction must issue a document with it."""
    insert = INSERTS[session.get_bind().dialect.name]
    session.execute(insert(NumberSeries).values(key=key, last_value=0)
                    .on_conflict_do_nothing(index_elements=["key"]))
    series = session.scalars(
        select(NumberSeries).where(NumberSeries.key == key).with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    series.last_value += 1
    session.flush()
    return series.last_value


def format_number(key: str, value: int) -> str:
    return f"{key}-{value:06d}"
