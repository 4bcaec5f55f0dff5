"""Apply the Alembic migrations to a ledger database (``biotraza db upgrade`` / ``init``).

The migration scripts ship inside the package (``ledger/storage/sql/migrations``), so an
installed ``biotraza`` can upgrade its database without a source checkout or an ini file.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

__all__ = ["current_revision", "downgrade_database", "head_revision", "upgrade_database"]

_SCRIPTS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (the latest by default); idempotent."""
    config = _config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()


def downgrade_database(engine: Engine, revision: str) -> None:
    """Migrate the database back to ``revision`` (for moving back to an older release).

    Raises:
        RuntimeError: a revision on the way refuses (the first one: it would drop history).
    """
    config = _config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        conn.commit()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The latest revision shipped with this version of the package."""
    return ScriptDirectory.from_config(_config()).get_current_head()
