"""An in-memory ledger store: the reference behaviour of the storage protocol.

Used by unit tests and by tools that replay exported entries. It is thread-safe (one lock
serializes appends, as the SQL store serializes them on the chain head) and rolls back the
projection writes of a failed append. It keeps nothing across processes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from ledger.entries import Entry
from ledger.errors import EntryNotFoundError
from ledger.hashing import GENESIS_PREV
from ledger.keys import decode_public_key
from ledger.merkle import InMemoryNodes
from ledger.state import InMemoryState, StagedState, State
from ledger.storage.base import Head, StoredCheckpoint, StoredLeaf

__all__ = ["InMemoryLedgerStore"]


class _MemoryTransaction:
    def __init__(self, store: InMemoryLedgerStore) -> None:
        self._store = store
        self._staged = StagedState(store.projections)
        self._inserted: list[Entry] = []

    @property
    def state(self) -> State:
        return self._staged

    def head(self) -> Head:
        return self._store.head_unlocked(self._inserted)

    def find_by_nonce(
        self, actor: str, nonce: str, documents: Iterable[tuple[str, str]] = ()
    ) -> Entry | None:
        del documents  # in memory, every read is as cheap as a prefetch
        for entry in self._inserted:
            if (entry.statement.actor, entry.statement.nonce) == (actor, nonce):
                return entry
        return self._store.find_by_nonce(actor, nonce)

    def insert(self, entry: Entry) -> None:
        self._inserted.append(entry)

    def commit(self) -> None:
        self._staged.commit()
        for entry in self._inserted:
            self._store.commit_entry(entry)


class InMemoryLedgerStore:
    """Entries, projections and Merkle nodes in process memory."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._entries: list[Entry] = []
        self._by_hash: dict[bytes, int] = {}
        self._by_nonce: dict[tuple[str, str], int] = {}
        self.projections = InMemoryState()
        self.nodes = InMemoryNodes()
        self._checkpoints: dict[int, StoredCheckpoint] = {}

    @contextmanager
    def appending(self) -> Iterator[_MemoryTransaction]:
        with self._lock:
            tx = _MemoryTransaction(self)
            yield tx
            tx.commit()

    @contextmanager
    def appending_batch(
        self, nonces: Sequence[tuple[str, str]], documents: Iterable[tuple[str, str]]
    ) -> Iterator[_MemoryTransaction]:
        """One transaction for many appends: in memory every read is as cheap as a hint,
        and the transaction already keeps its inserted entries for head and nonce lookups."""
        del nonces, documents
        with self.appending() as tx:
            yield tx

    def head_unlocked(self, pending: list[Entry] | None = None) -> Head:
        """Head including ``pending`` entries of an open transaction."""
        chain = self._entries + (pending or [])
        if not chain:
            return Head(size=0, last_hash=GENESIS_PREV)
        return Head(size=len(chain), last_hash=chain[-1].entry_hash, log_time=chain[-1].log_time)

    def commit_entry(self, entry: Entry) -> None:
        """Make an entry durable (here: visible); called only under the append lock."""
        self._entries.append(entry)
        self._by_hash[entry.entry_hash] = entry.seq
        self._by_nonce[(entry.statement.actor, entry.statement.nonce)] = entry.seq
        self.nodes.append(entry.entry_hash)

    def head(self) -> Head:
        with self._lock:
            return self.head_unlocked()

    def get(self, seq: int) -> Entry:
        if 0 <= seq < len(self._entries):
            return self._entries[seq]
        raise EntryNotFoundError(f"no entry at seq {seq}")

    def get_by_hash(self, entry_hash: bytes) -> Entry:
        seq = self._by_hash.get(entry_hash)
        if seq is None:
            raise EntryNotFoundError(f"no entry with hash {entry_hash.hex()}")
        return self._entries[seq]

    def find_by_nonce(self, actor: str, nonce: str) -> Entry | None:
        seq = self._by_nonce.get((actor, nonce))
        return None if seq is None else self._entries[seq]

    def entries(self, start: int, limit: int) -> list[Entry]:
        return self._entries[start : start + limit]

    def stored_leaves(self, start: int = 0) -> Iterator[StoredLeaf]:
        for entry in self._entries[start:]:
            yield StoredLeaf(entry.seq, entry.leaf_bytes, entry.entry_hash)

    def public_key(self, kid: str) -> bytes | None:
        doc = self.projections.get("key", kid)
        return None if doc is None else decode_public_key(doc["public_key"])

    def get_node(self, level: int, index: int) -> bytes:
        return self.nodes.get_node(level, index)

    def get_nodes(self, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """Many Merkle nodes at once (the SQL store answers this in one query)."""
        return {(lv, ix): self.nodes.get_node(lv, ix) for lv, ix in wanted}

    def stored_nodes(self) -> Iterator[tuple[int, int, bytes]]:
        """Every node this store keeps (all levels: memory costs nothing to read)."""
        with self._lock:
            nodes = list(self.nodes.items())
        yield from nodes

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> StoredCheckpoint:
        with self._lock:
            return self._checkpoints.setdefault(checkpoint.tree_size, checkpoint)

    def checkpoints(self) -> list[StoredCheckpoint]:
        return [self._checkpoints[size] for size in sorted(self._checkpoints)]

    def checkpoint_at(self, tree_size: int) -> StoredCheckpoint | None:
        return self._checkpoints.get(tree_size)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The checkpoint of the largest tree size kept, if any."""
        sizes = sorted(self._checkpoints)
        return self._checkpoints[sizes[-1]] if sizes else None
