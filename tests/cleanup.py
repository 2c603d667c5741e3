"""Emptying the test database between tests, around the triggers that keep issued invoices
and the CPNI disclosure log.

The triggers have no off switch an application could use, so the cleanup goes around them
as only an administrator can: on PostgreSQL it runs as the replica role (superuser only),
which fires no ordinary triggers; on SQLite it drops the triggers that refuse deletes,
deletes, and creates them again from their stored definitions, all in one transaction.
SQLite reloads its whole schema after each of those statements, so it does this only when
there is an issued invoice or a disclosure to delete.
"""

from __future__ import annotations

import sqlalchemy as sa

DELETE_TRIGGERS = sa.text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%BEFORE DELETE%'")
GUARDED = sa.text("SELECT 1 FROM invoice WHERE status <> 'draft' "
                  "UNION ALL SELECT 1 FROM cpni_disclosure LIMIT 1")


def empty_database(engine: sa.Engine, metadata: sa.MetaData) -> None:
    """Delete every row of every table, children first, in one transaction."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            _delete_all(connection, metadata)
            return
        # pysqlite sends BEGIN only before DML: without this each DROP would commit alone.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        triggers = connection.execute(DELETE_TRIGGERS).all()
        if connection.execute(GUARDED).first() is None:
            triggers = []
        for name, _ in triggers:
            connection.execute(sa.text(f'DROP TRIGGER "{name}"'))
        _delete_all(connection, metadata)
        for _, sql in triggers:
            connection.execute(sa.text(sql))


def _delete_all(connection: sa.Connection, metadata: sa.MetaData) -> None:
    for table in reversed(metadata.sorted_tables):
        connection.execute(table.delete())
