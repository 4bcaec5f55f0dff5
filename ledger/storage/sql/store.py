"""SqlLedgerStore: the ledger on SQLite or PostgreSQL through SQLAlchemy Core.

Appends serialize on the chain head: SQLite opens the transaction with ``BEGIN IMMEDIATE``
(one writer at a time across processes), PostgreSQL takes a transaction-scoped advisory lock
keyed by the schema. Inside the lock the head is read, the ledger decides, and the entry, its
Merkle nodes and its projection writes commit together or not at all. So: contiguous seq, one
chain, and an entry acknowledged only after its commit returned.

The store exposes no update and no delete of entries; the database refuses them as well
(triggers created by the migrations).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Table, select, text
from sqlalchemy.dialects import postgresql, sqlite

from ledger.canonical import canonicalize
from ledger.entries import Entry
from ledger.errors import EntryNotFoundError
from ledger.hashing import GENESIS_PREV, EntryHash
from ledger.keys import decode_public_key
from ledger.merkle import nodes_completed_by_append
from ledger.state import State
from ledger.storage.base import Head, StoredCheckpoint, StoredLeaf
from ledger.storage.sql.engine import BEGIN_OPTION, is_sqlite
from ledger.storage.sql.models import CheckpointRow, EntryRow, MerkleNodeRow, StateObjectRow

__all__ = ["SqlLedgerStore", "SqlState"]

_entries: Table = EntryRow.__table__  # type: ignore[assignment]  # declarative tables are Tables
_nodes: Table = MerkleNodeRow.__table__  # type: ignore[assignment]
_state: Table = StateObjectRow.__table__  # type: ignore[assignment]
_checkpoints: Table = CheckpointRow.__table__  # type: ignore[assignment]

_HEAD = select(_entries.c.seq, _entries.c.entry_hash).order_by(_entries.c.seq.desc()).limit(1)


class SqlState:
    """``ledger.state.State`` over the ``state_objects`` table, on one connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        if is_sqlite_conn(conn):
            self._insert: Any = sqlite.insert(_state)
        else:
            self._insert = postgresql.insert(_state)

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        value = self._conn.execute(
            select(_state.c.value).where(_state.c.kind == kind, _state.c.key == key)
        ).scalar_one_or_none()
        return None if value is None else dict(json.loads(value))

    def put(self, kind: str, key: str, value: dict[str, Any], seq: int) -> None:
        encoded = canonicalize(value).decode("utf-8")
        stmt = self._insert.values(kind=kind, key=key, value=encoded, seq=seq)
        stmt = stmt.on_conflict_do_update(
            index_elements=[_state.c.kind, _state.c.key],
            set_={"value": stmt.excluded.value, "seq": stmt.excluded.seq},
        )
        self._conn.execute(stmt)

    def scan(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        rows = self._conn.execute(
            select(_state.c.key, _state.c.value).where(_state.c.kind == kind).order_by(_state.c.key)
        )
        for key, value in rows:
            yield key, dict(json.loads(value))


def is_sqlite_conn(conn: Connection) -> bool:
    """Whether a connection talks to SQLite."""
    return conn.dialect.name == "sqlite"


class _NodeReader:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get_node(self, level: int, index: int) -> bytes:
        found = self._conn.execute(
            select(_nodes.c.hash).where(_nodes.c.level == level, _nodes.c.idx == index)
        ).scalar_one_or_none()
        if found is None:
            raise EntryNotFoundError(f"no merkle node at level {level}, index {index}")
        return bytes(found)


class _SqlTransaction:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._state = SqlState(conn)

    @property
    def state(self) -> State:
        return self._state

    def head(self) -> Head:
        return _read_head(self._conn)

    def find_by_nonce(self, actor: str, nonce: str) -> Entry | None:
        return _find_by_nonce(self._conn, actor, nonce)

    def insert(self, entry: Entry) -> None:
        statement = entry.statement
        self._conn.execute(
            _entries.insert().values(
                seq=entry.seq,
                entry_hash=entry.entry_hash,
                leaf=entry.leaf_bytes,
                type=statement.type,
                actor=statement.actor,
                nonce=statement.nonce,
                ts=statement.ts,
            )
        )
        nodes = nodes_completed_by_append(_NodeReader(self._conn), entry.seq, entry.entry_hash)
        self._conn.execute(
            _nodes.insert(), [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in nodes]
        )


def _read_head(conn: Connection) -> Head:
    row = conn.execute(_HEAD).first()
    if row is None:
        return Head(size=0, last_hash=GENESIS_PREV)
    return Head(size=int(row.seq) + 1, last_hash=EntryHash(bytes(row.entry_hash)))


def _find_by_nonce(conn: Connection, actor: str, nonce: str) -> Entry | None:
    leaf = conn.execute(
        select(_entries.c.leaf).where(_entries.c.actor == actor, _entries.c.nonce == nonce)
    ).scalar_one_or_none()
    return None if leaf is None else Entry.from_leaf_bytes(bytes(leaf))


def _checkpoint_from_row(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(int(row.tree_size), bytes(row.root_hash), row.note, row.issued_at)


def _checkpoint_at(conn: Connection, tree_size: int) -> StoredCheckpoint | None:
    row = conn.execute(select(_checkpoints).where(_checkpoints.c.tree_size == tree_size)).first()
    return None if row is None else _checkpoint_from_row(row)


class SqlLedgerStore:
    """The ledger's durable store on an engine whose schema is at the latest migration."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def appending(self) -> Iterator[_SqlTransaction]:
        with self.engine.connect() as conn:
            if is_sqlite(self.engine):
                conn = conn.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
            with conn.begin():
                if not is_sqlite(self.engine):
                    # One writer per ledger schema; released at commit or rollback.
                    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(current_schema()))"))
                yield _SqlTransaction(conn)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection in one read transaction (a consistent snapshot on PostgreSQL)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def head(self) -> Head:
        with self.reading() as conn:
            return _read_head(conn)

    def get(self, seq: int) -> Entry:
        with self.reading() as conn:
            leaf = conn.execute(
                select(_entries.c.leaf).where(_entries.c.seq == seq)
            ).scalar_one_or_none()
        if leaf is None:
            raise EntryNotFoundError(f"no entry at seq {seq}")
        return Entry.from_leaf_bytes(bytes(leaf))

    def get_by_hash(self, entry_hash: bytes) -> Entry:
        with self.reading() as conn:
            leaf = conn.execute(
                select(_entries.c.leaf).where(_entries.c.entry_hash == entry_hash)
            ).scalar_one_or_none()
        if leaf is None:
            raise EntryNotFoundError(f"no entry with hash {entry_hash.hex()}")
        return Entry.from_leaf_bytes(bytes(leaf))

    def find_by_nonce(self, actor: str, nonce: str) -> Entry | None:
        with self.reading() as conn:
            return _find_by_nonce(conn, actor, nonce)

    def entries(self, start: int, limit: int) -> list[Entry]:
        with self.reading() as conn:
            rows = conn.execute(
                select(_entries.c.leaf)
                .where(_entries.c.seq >= start)
                .order_by(_entries.c.seq)
                .limit(limit)
            ).scalars()
            return [Entry.from_leaf_bytes(bytes(leaf)) for leaf in rows]

    def stored_leaves(self, start: int = 0, batch: int = 2000) -> Iterator[StoredLeaf]:
        """Rows as stored, fetched in keyset-paginated batches (constant memory)."""
        next_seq = start
        while True:
            with self.reading() as conn:
                rows = conn.execute(
                    select(_entries.c.seq, _entries.c.leaf, _entries.c.entry_hash)
                    .where(_entries.c.seq >= next_seq)
                    .order_by(_entries.c.seq)
                    .limit(batch)
                ).all()
            if not rows:
                return
            for row in rows:
                yield StoredLeaf(int(row.seq), bytes(row.leaf), bytes(row.entry_hash))
            next_seq = int(rows[-1].seq) + 1

    def public_key(self, kid: str) -> bytes | None:
        with self.reading() as conn:
            doc = SqlState(conn).get("key", kid)
        return None if doc is None else decode_public_key(doc["public_key"])

    def get_node(self, level: int, index: int) -> bytes:
        with self.reading() as conn:
            return _NodeReader(conn).get_node(level, index)

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> StoredCheckpoint:
        # Under the append lock, so two servers issuing at the same size cannot both insert.
        with self.appending() as tx:
            conn = tx._conn  # noqa: SLF001 - same module, the transaction's own connection
            existing = _checkpoint_at(conn, checkpoint.tree_size)
            if existing is not None:
                return existing
            conn.execute(
                _checkpoints.insert().values(
                    tree_size=checkpoint.tree_size,
                    root_hash=checkpoint.root_hash,
                    note=checkpoint.note,
                    issued_at=checkpoint.issued_at,
                )
            )
        return checkpoint

    def checkpoints(self) -> list[StoredCheckpoint]:
        with self.reading() as conn:
            rows = conn.execute(select(_checkpoints).order_by(_checkpoints.c.tree_size)).all()
        return [_checkpoint_from_row(row) for row in rows]

    def checkpoint_at(self, tree_size: int) -> StoredCheckpoint | None:
        with self.reading() as conn:
            return _checkpoint_at(conn, tree_size)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The checkpoint of the largest tree size kept, if any."""
        with self.reading() as conn:
            row = conn.execute(
                select(_checkpoints).order_by(_checkpoints.c.tree_size.desc()).limit(1)
            ).first()
        return None if row is None else _checkpoint_from_row(row)

    def projection_rows(self) -> list[tuple[str, str, str, int]]:
        """Every projection row ``(kind, key, canonical JSON, seq)``, sorted, for comparisons."""
        with self.reading() as conn:
            rows = conn.execute(
                select(_state.c.kind, _state.c.key, _state.c.value, _state.c.seq).order_by(
                    _state.c.kind, _state.c.key
                )
            ).all()
        return [(r.kind, r.key, r.value, int(r.seq)) for r in rows]

    def replace_projections(self, docs: dict[tuple[str, str], tuple[dict[str, Any], int]]) -> None:
        """Drop every projection row and write ``docs`` instead, in one append transaction."""
        with self.appending() as tx:
            conn = tx._conn  # noqa: SLF001 - same module, the transaction's own connection
            conn.execute(_state.delete())
            rows = [
                {"kind": kind, "key": key, "value": canonicalize(doc).decode("utf-8"), "seq": seq}
                for (kind, key), (doc, seq) in sorted(docs.items())
            ]
            for start in range(0, len(rows), 1000):
                conn.execute(_state.insert(), rows[start : start + 1000])
