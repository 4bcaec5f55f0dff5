"""The SQL store (SQLAlchemy 2.0): the one place the ledger touches a database driver."""

from ledger.storage.sql.engine import create_ledger_engine, redact_url
from ledger.storage.sql.migrate import upgrade_database
from ledger.storage.sql.store import SqlLedgerStore

__all__ = ["SqlLedgerStore", "create_ledger_engine", "redact_url", "upgrade_database"]
