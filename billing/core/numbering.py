"""Gapless document numbers: one counter per series, taken inside the issuing transaction.

A number is taken by locking the series row and incrementing it in the same transaction
that issues the document; if that transaction rolls back, so does the counter, so the
numbers of committed documents never skip and never repeat (on PostgreSQL the row lock
serialises concurrent issuers; SQLite serialises all writers anyway).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.db import insert_if_missing
from billing.invoicing.models import NumberSeries


def series_key(kind: str, currency: str, year: int) -> str:
    """Invoices and credit notes are numbered per currency and calendar year."""
    return f"{kind}-{currency}-{year}"


def take_number(session: Session, key: str) -> int:
    """The next number of a series; the caller's transaction must issue a document with it."""
    return take_numbers(session, key, 1)


def take_numbers(session: Session, key: str, count: int) -> int:
    """The first of the next `count` numbers of a series, for documents the caller's
    transaction issues with every one of them."""
    insert_if_missing(session, NumberSeries, "key", key=key, last_value=0)
    series = session.scalars(
        select(NumberSeries).where(NumberSeries.key == key).with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    series.last_value += count
    session.flush()
    return series.last_value - count + 1


def format_number(key: str, value: int) -> str:
    return f"{key}-{value:06d}"
