"""Alembic environment: the store hands over an open connection (``config.attributes``);
migrations run inside the caller's transaction."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
