"""Storage back ends for the ledger: the protocol, an in-memory store and the SQL store."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use.

    Eager re-exports made every ``import storage.x`` pay for the whole package (SQLAlchemy and
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
