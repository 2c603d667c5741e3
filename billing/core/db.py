"""The declarative base, naming convention and column types shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, DateTime, MetaData, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from billing.core.clock import require_aware

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def insert_if_missing(session, model, conflict_column: str, **values) -> None:
    """INSERT ... ON CONFLICT DO NOTHING, on PostgreSQL and SQLite alike."""
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect]
    statement = insert(model).values(**values)
    session.execute(statement.on_conflict_do_nothing(index_elements=[conflict_column]))


def among(session, column, values) -> ColumnElement[bool]:
    """`column IN values` for a long list of values. On PostgreSQL it is `column = ANY(array)`
    with the list as one array parameter: the statement's text is the same whatever the
    list's length, so neither SQLAlchemy nor psycopg re-renders and re-parses a thousand
    placeholders on every execution (their caches keep it)."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def begin_writing(session) -> None:
    """Open the session's transaction now, as a writer.

    pysqlite only sends BEGIN before the first INSERT, UPDATE or DELETE, so a SAVEPOINT
    before one would open (and its RELEASE commit) a transaction of its own. BEGIN
    IMMEDIATE also takes SQLite's write lock before the reads, standing in for the row
    locks (SELECT ... FOR UPDATE) it does not have. PostgreSQL needs nothing here.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class UTCDateTime(TypeDecorator):
    """An instant: refuses naive datetimes, stores UTC, always returns aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        return None if value is None else require_aware(value)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite keeps no offset; we only ever wrote UTC
            return value.replace(tzinfo=UTC)
        return require_aware(value)


def locked_row(session, model, row_id):
    """The row of `model` with this id, read afresh and locked for this transaction (a
    writer's transaction on SQLite), or None. Two people acting on one record at once
    then act one after the other, each on what the other left."""
    begin_writing(session)
    return session.scalars(select(model).where(model.id == row_id).with_for_update()
                           .execution_options(populate_existing=True)).first()
