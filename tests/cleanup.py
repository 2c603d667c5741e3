"""Emptying the test database between tests, around the triggers that keep issued invoices.

The triggers have no off switch an application could use, so the cleanup goes around them
as only an administrator can: on PostgreSQL it runs as the replica role (superuser only),
which fires no ordinary triggers; on SQLite it drops the triggers, deletes, and creates
them again from their stored definitions, all in one transaction.
"""

from __future__ import annotations

import sqlalchemy as sa


def empty_database(engine: sa.Engine, metadata: sa.MetaData) -> None:
    """Delete every row of every table, children first, in one transaction."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            _delete_all(connection, metadata)
            return
        triggers = connection.execute(sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for name, _ in triggers:
            connection.execute(sa.text(f'DROP TRIGGER "{name}"'))
        _delete_all(connection, metadata)
        for _, sql in triggers:
            connection.execute(sa.text(sql))


def _delete_all(connection: sa.Connection, metadata: sa.MetaData) -> None:
    for table in reversed(metadata.sorted_tables):
        connection.execute(table.delete())
