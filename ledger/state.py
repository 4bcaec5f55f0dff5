"""Projection state: the derived tables that entry types read and write while appending.

Every table other than the ledger's own is a projection (DESIGN §1): derived from entries,
updated in the same transaction as the append and rebuildable by replaying the ledger. Entry
types see projections only through :class:`State`, a small keyed-document interface, so one
piece of rule code runs against the SQL store (inside the append transaction), against memory
(unit tests, offline verification of exported entries) and during ``rebuild``.

Documents are JSON objects addressed by ``(kind, key)``. Values handed out by ``get`` must be
treated as read-only: write a new dict with ``put`` instead of mutating.

Left out: persistence (``ledger.storage``), and any query richer than key lookup and a scan of
one kind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Protocol

__all__ = ["InMemoryState", "StagedState", "State", "state_json"]


def state_json(value: dict[str, Any]) -> str:
    """The stored text of a projection document: deterministic, compact JSON.

    Projections are never hashed or signed (entries are; see ``ledger.canonical``), so the
    fast standard encoder with sorted keys is enough to make replay comparisons exact.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class State(Protocol):
    """Keyed JSON documents grouped by kind."""

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        """Return the document or ``None``."""

    def put(self, kind: str, key: str, value: dict[str, Any], seq: int) -> None:
        """Create or replace a document; ``seq`` is the entry that wrote it."""

    def scan(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield every ``(key, document)`` of a kind, ordered by key."""


class InMemoryState:
    """State held in dicts: for unit tests and for verifying exported entries offline."""

    def __init__(self) -> None:
        self._docs: dict[tuple[str, str], tuple[dict[str, Any], int]] = {}

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        found = self._docs.get((kind, key))
        return None if found is None else found[0]

    def put(self, kind: str, key: str, value: dict[str, Any], seq: int) -> None:
        self._docs[(kind, key)] = (value, seq)

    def scan(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        keys = sorted(k for (kd, k) in self._docs if kd == kind)
        for key in keys:
            yield key, self._docs[(kind, key)][0]

    def dump(self) -> dict[tuple[str, str], tuple[dict[str, Any], int]]:
        """Every document with the seq that wrote it, for replay-equality checks."""
        return dict(self._docs)

    def rows(self) -> list[tuple[str, str, str, int]]:
        """``(kind, key, JSON, seq)`` sorted: the shape ``SqlLedgerStore.projection_rows`` has."""
        return [(k, key, state_json(v), s) for (k, key), (v, s) in sorted(self._docs.items())]


class StagedState:
    """Buffers writes over a base state until :meth:`commit`.

    An entry type may raise after some of its writes; in memory there is no database
    transaction to roll them back, so the writes stay staged and are dropped.
    """

    def __init__(self, base: InMemoryState) -> None:
        self._base = base
        self._writes: dict[tuple[str, str], tuple[dict[str, Any], int]] = {}

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        staged = self._writes.get((kind, key))
        return staged[0] if staged is not None else self._base.get(kind, key)

    def put(self, kind: str, key: str, value: dict[str, Any], seq: int) -> None:
        self._writes[(kind, key)] = (value, seq)

    def scan(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        merged = dict(self._base.scan(kind))
        merged.update({k: v[0] for (kd, k), v in self._writes.items() if kd == kind})
        for key in sorted(merged):
            yield key, merged[key]

    def commit(self) -> None:
        """Apply the staged writes to the base state."""
        for (kind, key), (value, seq) in self._writes.items():
            self._base.put(kind, key, value, seq)
        self._writes.clear()
