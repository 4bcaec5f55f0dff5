"""Apply the Alembic migrations to a ledger database (``biotraza db upgrade`` / ``init``).

The migration scripts ship inside the package (``ledger/storage/sql/migrations``), so an
installed ``biotraza`` can upgrade its database without a source checkout or an ini file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, make_url

from ledger.errors import LedgerError

__all__ = [
    "SchemaRevisionError",
    "current_revision",
    "downgrade_database",
    "head_revision",
    "require_current_schema",
    "upgrade_database",
]


class SchemaRevisionError(LedgerError):
    """The database was never migrated, or is at a revision this code does not run on."""


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


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str | None:
    """The latest revision shipped with this version of the package."""
    return _scripts().get_current_head()


def require_sqlite_file(url: str) -> None:
    """Refuse, without creating it, a SQLite file that does not exist (SQLite would create an
    empty one on connect, and a mistyped path would then look like an empty ledger).

    Raises:
        SchemaRevisionError: the URL names a SQLite file that is not there.
    """
    try:
        parsed = make_url(url)
    except ValueError:
        return  # a malformed URL: opening the engine names it (and hides its password)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if not Path(parsed.database).exists():
        raise SchemaRevisionError(
            f"no ledger at {parsed.database}: run `biotraza init` first "
            "(or check BIOTRAZA_DATA_DIR / BIOTRAZA_DATABASE_URL)"
        )


def require_current_schema(engine: Engine) -> None:
    """Check, before reading, that the database is at this code's revision.

    Commands that must not migrate (``ledger verify``, reads) would otherwise meet a missing
    table as a driver error half-way through; this names the cause and the fix up front.

    Raises:
        SchemaRevisionError: no ledger schema, an older one, or one newer than this code.
    """
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaRevisionError(
            "no ledger here yet: run `biotraza init` first (or `biotraza db upgrade` if this "
            "database is meant to hold an existing ledger)"
        )
    if current in {script.revision for script in _scripts().walk_revisions()}:
        raise SchemaRevisionError(
            f"the database schema is at revision {current}, this version needs {head} "
            "(run `biotraza db upgrade`)"
        )
    raise SchemaRevisionError(
        f"the database schema is at revision {current}, newer than this version knows "
        f"(its latest is {head}): upgrade biotraza"
    )
