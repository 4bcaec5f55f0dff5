"""The SQL store (SQLAlchemy 2.0): the one place the ledger touches a database driver."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.storage.sql.engine import create_ledger_engine, redact_url
    from ledger.storage.sql.migrate import upgrade_database
    from ledger.storage.sql.store import SqlLedgerStore

_LAZY: dict[str, str] = {
    "create_ledger_engine": "ledger.storage.sql.engine",
    "redact_url": "ledger.storage.sql.engine",
    "upgrade_database": "ledger.storage.sql.migrate",
    "SqlLedgerStore": "ledger.storage.sql.store",
}
"""Public name → the module defining it, imported on first use (PEP 562)."""

__all__ = ["SqlLedgerStore", "create_ledger_engine", "redact_url", "upgrade_database"]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use.

    Eager re-exports made every ``import sql.x`` pay for the whole package (SQLAlchemy and
    Alembic included), which kept the CLI's start-up above a second.
    """
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError("module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
