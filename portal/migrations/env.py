"""Alembic environment: migrate the app's database against the models' metadata."""

from alembic import context
from flask import current_app

extension = current_app.extensions["migrate"]
metadata = extension.db.metadata


def run_offline() -> None:
    context.configure(url=str(extension.db.engine.url), target_metadata=metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    with extension.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
