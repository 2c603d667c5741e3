"""The disclosure log in tests: sealing and verifying it as the portal does, and changing it
behind the portal's back as a database administrator could (around the triggers)."""

from __future__ import annotations

import sqlalchemy as sa

from portal import audit_log

LOG_TRIGGERS = sa.text("SELECT name, sql FROM sqlite_master "
                       "WHERE type = 'trigger' AND tbl_name = 'cpni_disclosure'")


def seal(session) -> int:
    """Seal what is unsealed, as `flask audit seal` does (needs the app context)."""
    session.commit()
    return audit_log.seal()


def verify(session):
    """The verifier's verdict, as `flask audit verify` reaches it."""
    session.rollback()
    return audit_log.verify()


def tamper(engine: sa.Engine, *statements) -> None:
    """Run statements on the log as an administrator: past the append-only triggers (the
    replica role on PostgreSQL, dropping and recreating them on SQLite), in one
    transaction."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            triggers = []
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            triggers = connection.execute(LOG_TRIGGERS).all()
            for name, _ in triggers:
                connection.execute(sa.text(f'DROP TRIGGER "{name}"'))
        for statement in statements:
            connection.execute(sa.text(statement) if isinstance(statement, str) else statement)
        for _, sql in triggers:
            connection.execute(sa.text(sql))
