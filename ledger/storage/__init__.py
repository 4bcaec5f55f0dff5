"""Storage back ends for the ledger: the protocol, an in-memory store and the SQL store."""

from ledger.storage.base import AppendTransaction, LedgerStore, StoredLeaf
from ledger.storage.memory import InMemoryLedgerStore

__all__ = ["AppendTransaction", "InMemoryLedgerStore", "LedgerStore", "StoredLeaf"]
