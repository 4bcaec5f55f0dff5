"""Storage back ends for the ledger: the protocol, an in-memory store and the SQL store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.lazy import lazy_exports

if TYPE_CHECKING:
    from ledger.storage.base import AppendTransaction, LedgerStore, StoredLeaf
    from ledger.storage.memory import InMemoryLedgerStore

_LAZY: dict[str, str] = {
    "AppendTransaction": "ledger.storage.base",
    "LedgerStore": "ledger.storage.base",
    "StoredLeaf": "ledger.storage.base",
    "InMemoryLedgerStore": "ledger.storage.memory",
}
"""Public name → the module defining it, imported on first use (PEP 562)."""

__all__ = ["AppendTransaction", "InMemoryLedgerStore", "LedgerStore", "StoredLeaf"]


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)
