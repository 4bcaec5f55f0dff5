"""The benchmarks' bulk path: valid ledgers built in memory, then loaded in big batches.

:class:`LedgerBuilder` admits signed statements exactly as ``append`` would (``admit`` over an
``InMemoryState`` and the real registry; signatures were made by real keys, only their
re-check is skipped here) and keeps the rows ``SqlLedgerStore`` would have written: entries,
the Merkle nodes each append completes, and at the end the projection documents and links.
:func:`load_ledger` migrates an empty database and writes those rows in large batches, one
transaction per batch: ``executemany`` on SQLite, ``COPY`` on PostgreSQL; then ``ANALYZE`` on
SQLite and ``VACUUM ANALYZE`` on PostgreSQL, what autovacuum does to a live ledger (it vacuums
insert-only tables too, since PostgreSQL 13). Without the VACUUM, the first read of each
freshly copied heap page also sets its tuples' hint bits and dirties it: proofs at 1,000,000
entries paid that on nearly every call (p50 0.85 against 0.72 ms, measured), a cost a live
ledger pays once per page, not per proof. This machine's PostgreSQL runs with autovacuum off,
so the loader does it.

A prefix of a built ledger is itself a ledger: ``load_ledger(url, built, size=n)`` writes the
first ``n`` entries, the ``2n - popcount(n)`` Merkle nodes they complete and the projections
written before seq ``n`` (valid only when no later entry rewrote an earlier document, which
the builder checks when ``checkpoints`` are requested).

Exists only in ``bench/``: nothing in the product builds a ledger without ``append``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Engine

from bench.common import Timer, pg_conninfo
from ledger.chain import admit
from ledger.entries import build_entry
from ledger.hashing import GENESIS_PREV, EntryHash
from ledger.merkle import STORED_FROM_LEVEL, nodes_completed_by_append, root_at, stored_node_count
from ledger.registry import Registry
from ledger.state import InMemoryState, state_json
from ledger.statements import SignedStatement
from ledger.storage.sql import create_ledger_engine, upgrade_database
from ledger.storage.sql.engine import is_sqlite

__all__ = ["BuiltLedger", "LedgerBuilder", "LoadReport", "load_ledger"]

EntryRow = tuple[int, bytes, bytes, str, str, str, str]
NodeRow = tuple[int, int, bytes]
StateRow = tuple[str, str, str, int]
LinkRow = tuple[str, str, str, int]

BATCH_ROWS = 50_000
"""Rows per executemany / COPY transaction."""

_ENTRY_COLUMNS = ("seq", "entry_hash", "leaf", "type", "actor", "nonce", "ts")
_NODE_COLUMNS = ("level", "idx", "hash")
_STATE_COLUMNS = ("kind", "key", "value", "seq")
_LINK_COLUMNS = ("kind", "src", "dst", "seq")


@dataclass
class BuiltLedger:
    """The rows of a ledger built in memory, and its Merkle nodes for checking proofs."""

    entries: list[EntryRow]
    nodes: list[NodeRow]
    state: list[StateRow]
    links: list[LinkRow]
    leaf_hashes: list[bytes]
    node_map: dict[tuple[int, int], bytes]
    docs_at: dict[int, int] = field(default_factory=dict)
    """Number of projection documents after the first ``n`` entries, for requested ``n``."""
    seconds: float = 0.0

    @property
    def size(self) -> int:
        """Number of entries."""
        return len(self.entries)

    def head_hash(self, size: int | None = None) -> EntryHash:
        """The entry hash of the last of the first ``size`` entries."""
        n = self.size if size is None else size
        return EntryHash(self.leaf_hashes[n - 1])

    def get_node(self, level: int, index: int) -> bytes:
        """``NodeReader`` over the in-memory nodes."""
        return self.node_map[(level, index)]

    def root(self, size: int) -> bytes:
        """The Merkle root of the first ``size`` entries, from the in-memory nodes."""
        return bytes(root_at(self, size))

    def state_prefix(self, size: int) -> list[StateRow]:
        """Projection rows as they stood after the first ``size`` entries.

        Raises:
            RuntimeError: a later entry rewrote an earlier document (no prefix then), or
                ``size`` was not among the builder's checkpoints.
        """
        if size == self.size:
            return self.state
        rows = [row for row in self.state if row[3] < size]
        if self.docs_at.get(size) != len(rows):
            raise RuntimeError(f"projections after {size} entries are not a prefix of the last")
        return rows

    def link_prefix(self, size: int) -> list[LinkRow]:
        """Links written by the first ``size`` entries (links are never rewritten)."""
        return self.links if size == self.size else [r for r in self.links if r[3] < size]


class LedgerBuilder:
    """Admits statements in order and records the rows ``SqlLedgerStore`` would write."""

    def __init__(self, registry: Registry, checkpoints: Iterable[int] = ()) -> None:
        self.registry = registry
        self.state = InMemoryState()
        self.checkpoints = set(checkpoints)
        self._prev: EntryHash = GENESIS_PREV
        self._entries: list[EntryRow] = []
        self._nodes: list[NodeRow] = []
        self._node_map: dict[tuple[int, int], bytes] = {}
        self._leaf_hashes: list[bytes] = []
        self._docs_at: dict[int, int] = {}
        self._started = time.perf_counter()

    @property
    def size(self) -> int:
        """Entries admitted so far."""
        return len(self._entries)

    def get_node(self, level: int, index: int) -> bytes:
        """``NodeReader`` over the nodes built so far."""
        return self._node_map[(level, index)]

    def add(self, signed: SignedStatement) -> int:
        """Admit ``signed`` at the next seq (rules and projections as ``append``); its seq.

        Raises:
            LedgerError: the statement would be refused by ``append`` at this position.
        """
        seq = len(self._entries)
        admit(seq, signed, self.state, self.registry, check_signature=False)
        entry = build_entry(seq, self._prev, signed)
        statement = signed.statement
        self._entries.append(
            (
                seq,
                bytes(entry.entry_hash),
                entry.leaf_bytes,
                statement.type,
                statement.actor,
                statement.nonce,
                statement.ts,
            )
        )
        for level, index, value in nodes_completed_by_append(self, seq, entry.entry_hash):
            self._node_map[(level, index)] = value
            if level >= STORED_FROM_LEVEL:  # the rows SqlLedgerStore keeps
                self._nodes.append((level, index, value))
        self._leaf_hashes.append(bytes(entry.entry_hash))
        self._prev = entry.entry_hash
        if seq + 1 in self.checkpoints:
            self._docs_at[seq + 1] = len(self.state.dump())
        return seq

    def add_all(self, statements: Iterable[SignedStatement]) -> None:
        """Admit each statement in turn."""
        for signed in statements:
            self.add(signed)

    def finish(self) -> BuiltLedger:
        """The rows of everything admitted (projections and links sorted like the store's)."""
        docs = self.state.dump()
        state_rows = [
            (kind, key, state_json(doc), seq) for (kind, key), (doc, seq) in sorted(docs.items())
        ]
        links = [(k, s, d, q) for (k, s, d), q in sorted(self.state.dump_links().items())]
        self._docs_at[len(self._entries)] = len(state_rows)
        return BuiltLedger(
            entries=self._entries,
            nodes=self._nodes,
            state=state_rows,
            links=links,
            leaf_hashes=self._leaf_hashes,
            node_map=self._node_map,
            docs_at=self._docs_at,
            seconds=time.perf_counter() - self._started,
        )


@dataclass(frozen=True)
class LoadReport:
    """What :func:`load_ledger` wrote and how long it took."""

    entries: int
    nodes: int
    state: int
    links: int
    seconds: float


Tick = Callable[[str, int, int], None]
"""Progress callback: (table, rows written, rows in total)."""


def load_ledger(
    url: str, built: BuiltLedger, size: int | None = None, tick: Tick | None = None
) -> LoadReport:
    """Migrate the empty database at ``url`` and write the first ``size`` entries of ``built``
    with their Merkle nodes, projections and links; then ``ANALYZE`` (``VACUUM ANALYZE`` on
    PostgreSQL)."""
    n = built.size if size is None else size
    if not 0 < n <= built.size:
        raise ValueError(f"expected 0 < size <= {built.size}, found {n}")
    tables: list[tuple[str, Sequence[str], Sequence[tuple[Any, ...]]]] = [
        ("entries", _ENTRY_COLUMNS, built.entries[:n] if n < built.size else built.entries),
        ("merkle_nodes", _NODE_COLUMNS, built.nodes[: stored_node_count(n)]),
        ("state_objects", _STATE_COLUMNS, built.state_prefix(n)),
        ("state_links", _LINK_COLUMNS, built.link_prefix(n)),
    ]
    with Timer() as timer:
        engine = create_ledger_engine(url)
        try:
            upgrade_database(engine)
            if is_sqlite(engine):
                _load_sqlite(engine, tables, tick)
            else:
                _load_pg(url, tables, tick)
        finally:
            engine.dispose()
    counts = [len(rows) for _name, _columns, rows in tables]
    return LoadReport(counts[0], counts[1], counts[2], counts[3], timer.seconds)


def _load_sqlite(
    engine: Engine,
    tables: Sequence[tuple[str, Sequence[str], Sequence[tuple[Any, ...]]]],
    tick: Tick | None,
) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for name, columns, rows in tables:
            marks = ", ".join("?" * len(columns))
            insert = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})"
            for start in range(0, len(rows), BATCH_ROWS):
                cursor.execute("BEGIN")
                cursor.executemany(insert, rows[start : start + BATCH_ROWS])
                cursor.execute("COMMIT")
                if tick is not None:
                    tick(name, min(start + BATCH_ROWS, len(rows)), len(rows))
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()


def _load_pg(
    url: str,
    tables: Sequence[tuple[str, Sequence[str], Sequence[tuple[Any, ...]]]],
    tick: Tick | None,
) -> None:
    with psycopg.connect(pg_conninfo(url)) as conn:
        for name, columns, rows in tables:
            copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            for start in range(0, len(rows), BATCH_ROWS):
                with conn.cursor() as cursor, cursor.copy(copy) as stream:
                    for row in rows[start : start + BATCH_ROWS]:
                        stream.write_row(row)
                conn.commit()
                if tick is not None:
                    tick(name, min(start + BATCH_ROWS, len(rows)), len(rows))
    # The loaded tables only (a bare VACUUM covers every schema of the database); VACUUM
    # cannot run inside a transaction block.
    names = sql.SQL(", ").join(sql.Identifier(name) for name, _columns, _rows in tables)
    with psycopg.connect(pg_conninfo(url), autocommit=True) as conn:
        conn.execute(sql.SQL("VACUUM ANALYZE {}").format(names))
