"""The migrations are the schema: one head, and nothing the models have that they lack."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app


def _scripts():
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def test_there_is_exactly_one_head(db):
    assert len(_scripts().get_heads()) == 1


def test_models_and_migrations_agree(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_database_is_at_the_head_revision(db):
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == _scripts().get_current_head()
