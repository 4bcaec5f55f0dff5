"""A small LRU cache of page data keyed by the ledger's tree size.

Everything the pages show is a function of the ledger at some tree size (projections change
only when an entry is appended), so ``(tree size, key)`` is a correct cache key: a new entry
makes every older key unreachable, and the LRU bound evicts it. Several workers each keep their
own cache and still agree, since they key on the same sizes. Reading the tree size costs one
indexed query per request, far less than the lookups it saves.

Left out: scan counts, which change without any ledger entry and are never cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["TreeSizeCache"]

V = TypeVar("V")


class TreeSizeCache(Generic[V]):
    """``get(size, key, compute)``: the cached value, or ``compute()`` stored under the key.

    Thread-safe; ``compute`` runs outside the lock (two threads may compute the same value
    once each, which is harmless and cheaper than making every reader wait).
    """

    def __init__(self, maxsize: int = 1024) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._items: OrderedDict[tuple[int, Hashable], V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, size: int, key: Hashable, compute: Callable[[], V]) -> V:
        """The value for ``key`` at tree ``size``, computed at most once while cached."""
        slot = (size, key)
        with self._lock:
            if slot in self._items:
                self._items.move_to_end(slot)
                self.hits += 1
                return self._items[slot]
            self.misses += 1
        value = compute()
        with self._lock:
            self._items[slot] = value
            self._items.move_to_end(slot)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget everything (tests; a rebuild of the projections)."""
        with self._lock:
            self._items.clear()
