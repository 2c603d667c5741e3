"""Saving checked rows: insert the new ones, update those whose natural key exists.

`upsert` works on any database, a batch of rows at a time. (Usage files, millions of
rows, are staged and merged in SQL instead: see usage_import.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

BATCH = 5_000
KEYS_PER_QUERY = 500


def upsert(session: Session, model, key_columns: tuple[str, ...],
           rows: Iterable[dict]) -> tuple[int, int]:
    """Insert new rows and update existing ones, matched on the natural key columns.

    Returns how many were created and how many updated.
    """
    created = updated = 0
    for batch in _batches(rows, BATCH):
        new, old = _upsert_batch(session, model, key_columns, batch)
        created, updated = created + new, updated + old
    return created, updated


def _upsert_batch(session, model, key_columns, rows: list[dict]) -> tuple[int, int]:
    columns = [getattr(model, name) for name in key_columns]
    keys = sorted({tuple(row[name] for name in key_columns) for row in rows}, key=str)
    existing = {}
    for chunk in _batches(keys, KEYS_PER_QUERY):
        condition = [c.in_({k[i] for k in chunk}) for i, c in enumerate(columns)]
        for found in session.execute(select(model.id, *columns).where(*condition)):
            existing[tuple(found[1:])] = found[0]
    new = [row for row in rows if tuple(row[n] for n in key_columns) not in existing]
    old = [{"id": existing[tuple(row[n] for n in key_columns)], **row}
           for row in rows if tuple(row[n] for n in key_columns) in existing]
    if new:
        session.execute(insert(model), new)
    if old:
        session.execute(update(model), old)
    return len(new), len(old)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
