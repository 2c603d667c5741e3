"""Writing thousands of rows in one go, in the session's transaction, past the ORM.

For jobs that write a chunk of rows at once (the Stripe report import): the callers have
checked every rule the ORM guards would check, and the database's constraints and
triggers still hold. On PostgreSQL the rows travel by COPY, which costs the server a
fraction of one INSERT or UPDATE per row; elsewhere (SQLite) they are one executemany.

- `insert_rows(session, table, rows, skip_conflicts_on=None)`: insert the rows (dicts
  with the same keys). With `skip_conflicts_on` (a unique column) a row whose key is
  already there is left out, as INSERT ... ON CONFLICT DO NOTHING; on PostgreSQL the rows
  are copied straight in under a savepoint, and only when one of them is already there
  (a concurrent writer stored it first) copied again into a temporary table and inserted
  from it, skipping those.
- `update_rows(session, table, key, rows)`: set the given columns of the rows named by
  `key` (each dict holds the key and the new values), from a temporary table on
  PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import JSON, Table, bindparam, insert, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

UNIQUE_VIOLATION = "23505"


def insert_rows(session: Session, table: Table, rows: Sequence[dict], *,
                skip_conflicts_on: str | None = None) -> None:
    if not rows:
        return
    connection = session.connection()
    names = list(rows[0])
    if connection.dialect.name != "postgresql":
        statement = (sqlite_insert(table).on_conflict_do_nothing(
            index_elements=[skip_conflicts_on]) if skip_conflicts_on else insert(table))
        connection.execute(statement, rows)
        return
    if skip_conflicts_on is None:
        _copy(connection, table, table.name, names, rows)
        return
    try:  # straight in; almost always no row is there yet
        with session.begin_nested():  # SAVEPOINT is sent on asking for the connection
            _copy(session.connection(), table, table.name, names, rows)
        return
    except Exception as refused:  # the driver's own error: COPY bypasses SQLAlchemy
        if getattr(refused, "sqlstate", None) != UNIQUE_VIOLATION:
            raise
    columns = ", ".join(names)
    with _staged(connection, table, names, rows) as stage:
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {stage} "
            f"ON CONFLICT ({skip_conflicts_on}) DO NOTHING")


def update_rows(session: Session, table: Table, key: str, rows: Sequence[dict]) -> None:
    if not rows:
        return
    connection = session.connection()
    names = list(rows[0])
    if connection.dialect.name != "postgresql":
        values = {name: bindparam(f"new_{name}") for name in names if name != key}
        connection.execute(update(table).where(table.c[key] == bindparam(f"new_{key}"))
                           .values(values), [{f"new_{k}": v for k, v in row.items()}
                                             for row in rows])
        return
    changes = ", ".join(f"{name} = {{stage}}.{name}" for name in names if name != key)
    with _staged(connection, table, names, rows) as stage:
        # The keys once more as an array: the planner then reaches the rows by the key's
        # index, where the join alone makes it scan the whole table once it is large.
        connection.exec_driver_sql(
            f"UPDATE {table.name} SET {changes.format(stage=stage)} FROM {stage} "
            f"WHERE {table.name}.{key} = {stage}.{key} "
            f"AND {table.name}.{key} = ANY(%(keys)s)", {"keys": [row[key] for row in rows]})


class _staged:
    """A temporary table of the rows (the table's own column types, no constraints),
    dropped on leaving."""

    def __init__(self, connection, table: Table, names: list[str], rows: Sequence[dict]):
        self.connection, self.table, self.names, self.rows = connection, table, names, rows
        self.name = f"bulk_{table.name}"

    def __enter__(self) -> str:
        self.connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {self.name} AS SELECT {', '.join(self.names)} "
            f"FROM {self.table.name} WITH NO DATA")
        _copy(self.connection, self.table, self.name, self.names, self.rows)
        # Temporary tables are never analysed for us; without it a join to one may scan.
        self.connection.exec_driver_sql(f"ANALYZE {self.name}")
        return self.name

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.connection.exec_driver_sql(f"DROP TABLE {self.name}")


def _copy(connection, table: Table, target: str, names: list[str],
          rows: Sequence[dict]) -> None:
    """COPY the rows into `target`, each value through its column type's bind processing
    (an instant is checked aware); a JSON column's value as JSON text (None is JSON null,
    as SQLAlchemy writes it)."""
    dialect = connection.dialect
    processors = [(name, json.dumps if isinstance(table.c[name].type, JSON)
                   else table.c[name].type.bind_processor(dialect)) for name in names]
    raw = connection.connection.driver_connection  # the session's own transaction
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {target} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([process(row[name]) if process else row[name]
                            for name, process in processors])
