"""The storage protocol: append under a lock, read by seq, hash or nonce. No update, no delete.

A store owns durability and mutual exclusion; it knows nothing of signatures or rules. The
append protocol is: open :meth:`LedgerStore.appending` (which serializes every writer on the
chain head, across threads and processes), read the head, let the ledger decide, then
:meth:`AppendTransaction.insert` the entry — which also records the Merkle nodes the new leaf
completes — and leave the block to commit. An exception inside the block rolls back every
write, projections included.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from ledger.entries import Entry
from ledger.hashing import EntryHash
from ledger.state import State

__all__ = ["AppendTransaction", "Head", "LedgerStore", "StoredCheckpoint", "StoredLeaf"]


@dataclass(frozen=True)
class Head:
    """Tree size (the next seq), the hash of the last entry (zeros when empty) and its
    ``log_time`` (``None`` when empty or legacy): the next entry's is never earlier."""

    size: int
    last_hash: EntryHash
    log_time: str | None = None


@dataclass(frozen=True)
class StoredLeaf:
    """A row as stored: verification checks ``entry_hash`` against ``leaf_bytes`` itself,
    and the copied ``columns`` (``type``, ``actor``, ``nonce``, ``ts``), when the store keeps
    them, against the leaf's statement."""

    seq: int
    leaf_bytes: bytes
    entry_hash: bytes
    columns: tuple[str, str, str, str] | None = None


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as kept by the log: size, root and the signed note text."""

    tree_size: int
    root_hash: bytes
    note: str
    issued_at: str


class AppendTransaction(Protocol):
    """Handle given to the ledger while it holds the append lock."""

    @property
    def state(self) -> State:
        """Projection state inside this transaction."""

    def head(self) -> Head:
        """The chain head as of this transaction."""

    def find_by_nonce(
        self, actor: str, nonce: str, documents: Iterable[tuple[str, str]] = ()
    ) -> Entry | None:
        """The entry an actor already wrote with this nonce, if any.

        ``documents`` names projection documents the append is about to read; a store may
        fetch them with this read (PostgreSQL does, in the same round trip). Only a hint:
        reading a document that was not named still works.
        """

    def insert(self, entry: Entry) -> None:
        """Store the entry and the Merkle nodes it completes.

        The last call of an append: a store may hold the rows back and send them with the
        commit (PostgreSQL does), so nothing inside the transaction reads them afterwards
        (a batch transaction, :meth:`LedgerStore.appending_batch`, answers its head and
        nonce lookups from the entries it holds back).
        """


class LedgerStore(Protocol):
    """A ledger's durable storage."""

    def appending(self) -> AbstractContextManager[AppendTransaction]:
        """Open an exclusive append transaction; commit on normal exit."""

    def appending_batch(
        self, nonces: Sequence[tuple[str, str]], documents: Iterable[tuple[str, str]]
    ) -> AbstractContextManager[AppendTransaction]:
        """Open an exclusive transaction for many appends, committed together on normal exit
        (one commit, one flush to disk, for the whole batch).

        Inside it :meth:`AppendTransaction.insert` may be called many times: the head and
        :meth:`AppendTransaction.find_by_nonce` include the entries inserted so far.
        ``nonces`` (the ``(actor, nonce)`` of every statement) and ``documents`` (what their
        admission will read) are hints a store may fetch up front, in a few round trips
        rather than a few per statement.
        """

    def head(self) -> Head:
        """The current chain head."""

    def get(self, seq: int) -> Entry:
        """The entry at ``seq``; raises ``EntryNotFoundError``."""

    def get_by_hash(self, entry_hash: bytes) -> Entry:
        """The entry with this hash; raises ``EntryNotFoundError``."""

    def find_by_nonce(self, actor: str, nonce: str) -> Entry | None:
        """The entry an actor wrote with this nonce, if any (no lock taken)."""

    def entries(self, start: int, limit: int) -> list[Entry]:
        """Up to ``limit`` entries from ``start`` in seq order."""

    def stored_leaves(self, start: int = 0) -> Iterator[StoredLeaf]:
        """Every stored row from ``start`` in seq order, as stored, in batches."""

    def public_key(self, kid: str) -> bytes | None:
        """The raw public key of a key id ever registered (keys never change their bytes)."""

    def get_node(self, level: int, index: int) -> bytes:
        """A complete-subtree hash (``ledger.merkle.NodeReader``), stored or folded from
        the stored leaf hashes."""

    def get_nodes(self, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """Many complete-subtree hashes at once; the ones that do not exist are left out."""

    def stored_nodes(self) -> Iterator[tuple[int, int, bytes]]:
        """Every Merkle node the store keeps, as ``(level, index, hash)``, in batches: what
        full verification compares with the tree recomputed from the entries."""

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> StoredCheckpoint:
        """Keep a checkpoint; if one of that size exists, keep and return the existing one."""

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Every kept checkpoint, by tree size."""

    def checkpoint_at(self, tree_size: int) -> StoredCheckpoint | None:
        """The kept checkpoint of that size, if any."""
