"""The SQL store (SQLAlchemy 2.0): the one place the ledger touches a database driver."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)
