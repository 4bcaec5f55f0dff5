"""Alembic environment: runs on a connection handed in by ``upgrade_database``.

Engines are never built here from configuration files: the caller (CLI, app, tests) owns the
engine, so SQLite pragmas and PostgreSQL search paths stay exactly as the caller set them.
"""

from __future__ import annotations

from alembic import context

from ledger.storage.sql.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through ledger.storage.sql.upgrade_database(engine)")

context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
