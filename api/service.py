"""The application service both the HTTP app and the CLI call: one way to do each thing.

It owns the wiring (engine → store → registry) and nothing else: rules live in ``ledger``,
request parsing lives in the routes and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from ledger import Registry, core_registry
from ledger.chain import AppendResult, ChainVerification, append, verify_stored_leaves
from ledger.entries import Entry
from ledger.statements import SignedStatement
from ledger.storage.base import Head
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine, upgrade_database

__all__ = ["LedgerService", "full_registry"]


def full_registry() -> Registry:
    """Every entry type this deployment accepts."""
    return core_registry()


@dataclass
class LedgerService:
    """A ledger on one database."""

    engine: Engine
    store: SqlLedgerStore
    registry: Registry

    @classmethod
    def open(cls, database_url: str, *, migrate: bool = True) -> LedgerService:
        """Connect (and by default migrate) the database at ``database_url``."""
        engine = create_ledger_engine(database_url)
        if migrate:
            upgrade_database(engine)
        return cls(engine=engine, store=SqlLedgerStore(engine), registry=full_registry())

    def submit(self, signed: SignedStatement) -> AppendResult:
        """Append a signed statement (idempotent on retry)."""
        return append(self.store, self.registry, signed)

    def head(self) -> Head:
        """The current chain head."""
        return self.store.head()

    def entry(self, seq: int) -> Entry:
        """One entry by seq."""
        return self.store.get(seq)

    def entries(self, start: int, limit: int) -> list[Entry]:
        """A page of entries."""
        return self.store.entries(start, limit)

    def verify(self, on_entry: Callable[[int], None] | None = None) -> ChainVerification:
        """Re-verify every stored entry from genesis."""
        return verify_stored_leaves(self.store.stored_leaves(), self.registry, on_entry=on_entry)

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()
