"""SqlLedgerStore: the ledger on SQLite or PostgreSQL.

Appends serialize on the chain head: SQLite opens the transaction with ``BEGIN IMMEDIATE``
(one writer at a time across processes), PostgreSQL takes a transaction-scoped advisory lock
keyed by the schema. Inside the lock the head is read, the ledger decides, and the entry, its
Merkle nodes and its projection writes commit together or not at all. So: contiguous seq, one
chain, and an entry acknowledged only after its commit returned.

SQLAlchemy provides the engine, the pool, the dialect settings and the migrations; the
statements themselves are plain SQL run on DBAPI cursors. An append runs a handful of small
statements while every other writer waits, and building and caching SQLAlchemy expressions
cost more than the statements themselves (measured in ``bench/``). Appends go through the
process's append connection (``ledger.storage.sql.writer``); on PostgreSQL they are two
messages (``ledger.storage.sql.pg_append``). The SQL below is portable: ``?`` placeholders
are rewritten for psycopg, and ``INSERT … ON CONFLICT … DO UPDATE`` exists on both engines.

The store exposes no update and no delete of entries; the database refuses them as well
(triggers created by the migrations).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine
from sqlalchemy import exc as sa_exc

from ledger.entries import Entry
from ledger.errors import (
    ConflictError,
    EntryNotFoundError,
    IntegrityError,
    StorageUnavailableError,
    TamperedDataError,
)
from ledger.hashing import GENESIS_PREV, EntryHash
from ledger.keys import decode_public_key, key_id
from ledger.merkle import (
    FoldedNodes,
    append_sources,
    node_sources,
    stored_nodes_completed_by_append,
)
from ledger.seals import ProjectionSealer
from ledger.state import State, field_names, fields_of, state_json
from ledger.storage.base import Head, StoredCheckpoint, StoredLeaf
from ledger.storage.sql.engine import is_sqlite
from ledger.storage.sql.fields import text_picker
from ledger.storage.sql.pg_append import PgAppendSession, PgWrite
from ledger.storage.sql.writer import DEFAULT_LOCK_TIMEOUT, AppendConnection, LockWaitTimeoutError

__all__ = ["SqlCursor", "SqlLedgerStore", "SqlState", "TreeSnapshot"]


class SqlCursor:
    """A DBAPI cursor that speaks ``?`` placeholders on both engines."""

    def __init__(self, conn: Connection) -> None:
        self._setup(conn.connection.cursor(), conn.dialect.name == "sqlite")

    @classmethod
    def over_dbapi(cls, dbapi_connection: Any, sqlite: bool) -> SqlCursor:
        """A cursor on a bare DBAPI connection (the append path, which manages its own
        transaction rather than pay for SQLAlchemy's ``Connection`` around every append)."""
        cursor = cls.__new__(cls)
        cursor._setup(dbapi_connection.cursor(), sqlite)
        return cursor

    def _setup(self, dbapi_cursor: Any, sqlite: bool) -> None:
        self.sqlite = sqlite
        self._cursor = dbapi_cursor
        self._texts: dict[str, str] = {}

    def _sql(self, text: str) -> str:
        if self.sqlite:
            return text
        found = self._texts.get(text)
        if found is None:
            found = self._texts[text] = text.replace("?", "%s")
        return found

    def run(self, text: str, params: Sequence[Any] = ()) -> None:
        """Execute one statement."""
        self._cursor.execute(self._sql(text), tuple(params))

    def run_many(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        """Execute one statement for many parameter rows."""
        if rows:
            self._cursor.executemany(self._sql(text), [tuple(r) for r in rows])

    def one(self, text: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """Execute and return the first row, or ``None``."""
        self._cursor.execute(self._sql(text), tuple(params))
        row = self._cursor.fetchone()
        return None if row is None else tuple(row)

    def all(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Execute and return every row."""
        self._cursor.execute(self._sql(text), tuple(params))
        return [tuple(row) for row in self._cursor.fetchall()]


# The head's log_time is read from the first bytes of its leaf (``log_time`` sorts first in
# the canonical leaf), not from a column of its own: nothing derived to keep in step.
_HEAD = "SELECT seq, entry_hash, substr(leaf, 1, 41) FROM entries ORDER BY seq DESC LIMIT 1"
_LOG_TIME_PREFIX = b'{"log_time":"'


def leaf_log_time(prefix: bytes | None) -> str | None:
    """The ``log_time`` at the start of a leaf's first 41 bytes, or ``None`` (legacy leaf)."""
    if prefix is None or not bytes(prefix).startswith(_LOG_TIME_PREFIX):
        return None
    return bytes(prefix)[len(_LOG_TIME_PREFIX) : len(_LOG_TIME_PREFIX) + 27].decode("ascii")


_BY_NONCE = "SELECT leaf FROM entries WHERE actor = ? AND nonce = ?"
_BY_SEQ = "SELECT leaf FROM entries WHERE seq = ?"
_BY_HASH = "SELECT leaf FROM entries WHERE entry_hash = ?"
_INSERT_ENTRY = (
    "INSERT INTO entries (seq, entry_hash, leaf, type, actor, nonce, ts) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_STATE_GET = "SELECT value, seq, seal FROM state_objects WHERE kind = ? AND key = ?"
_STATE_SEQS = "SELECT key, seq FROM state_objects WHERE kind = ?"
_LINKED = "SELECT dst FROM state_links WHERE kind = ? AND src = ? ORDER BY dst"
_LINKED_REVERSE = "SELECT src FROM state_links WHERE kind = ? AND dst = ? ORDER BY src"
# UNION (not UNION ALL) removes duplicates, so the walk ends even on a cyclic graph.
_REACHABLE = """
WITH RECURSIVE walk(node) AS (
    SELECT dst FROM state_links WHERE kind = ? AND src = ?
    UNION
    SELECT l.dst FROM state_links l JOIN walk w ON l.src = w.node WHERE l.kind = ?
)
SELECT node FROM walk WHERE node <> ? ORDER BY node
"""
_REACHABLE_REVERSE = """
WITH RECURSIVE walk(node) AS (
    SELECT src FROM state_links WHERE kind = ? AND dst = ?
    UNION
    SELECT l.src FROM state_links l JOIN walk w ON l.dst = w.node WHERE l.kind = ?
)
SELECT node FROM walk WHERE node <> ? ORDER BY node
"""
_CHECKPOINT_COLUMNS = "tree_size, root_hash, note, issued_at"
_SQLITE_BEGIN = "BEGIN IMMEDIATE"
# Failures of the database rather than of the data: unreachable, gone mid-append, a lock wait
# timed out. (SQLAlchemy wraps them when it opens the connection; the driver raises them
# from the append's own statements.)
_UNAVAILABLE = (sqlite3.OperationalError, psycopg.OperationalError, sa_exc.OperationalError)
# A constraint refusing an append's insert: every constraint it could hit (seq, entry hash,
# actor/nonce, leaf signature) is checked by the append before it inserts, so only stored
# data that changed behind its back makes one fire.
_REFUSED_INSERT = (sqlite3.IntegrityError, psycopg.IntegrityError, sa_exc.IntegrityError)


def _lock_wait_timed_out(exc: Exception) -> bool:
    """Whether a driver error is the database's own lock wait giving up: PostgreSQL's
    ``lock_timeout`` (SQLSTATE 55P03), SQLite's busy timeout ("database is locked")."""
    error = getattr(exc, "orig", None) or exc
    if isinstance(error, psycopg.errors.LockNotAvailable):
        return True
    return isinstance(error, sqlite3.OperationalError) and "database is locked" in str(error)


# ``scan_once`` is set in ``JSONDecoder.__init__``, so the stubs do not list it.
_SCAN_JSON: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
"""The C scanner under ``json.loads``, without its Python wrapper (two regex matches and
three calls: about 40 % of the parse of a 340-byte lot document, which the indicators
decode hundreds of thousands of)."""


def _document(text: str) -> dict[str, Any]:
    """A stored projection document, parsed: a new dict on every read, so two readers never
    share one (the stored text is always a JSON object, as written, with nothing around it)."""
    parsed: dict[str, Any] = _parsed(text)
    return parsed


def _parsed(text: str) -> Any:
    """JSON text with nothing around it (a stored document, the array of values the
    database extracted for ``get_fields``), parsed by the C scanner; any other text goes
    through ``json.loads``, which parses or raises as before."""
    try:
        value, end = _SCAN_JSON(text, 0)
    except StopIteration:
        end = -1
    return value if end == len(text) else json.loads(text)


class SqlState:
    """``ledger.state.State`` over the ``state_objects`` and ``state_links`` tables.

    Writes are buffered and flushed as one multi-row statement per table — before any query
    that could read them, and by the append transaction before it inserts the entry — so a
    transformation of ten lots costs two round trips for its writes, not twenty. Reads of a
    buffered document are answered from the buffer. Everything stays inside the caller's
    transaction, so a refused entry still leaves nothing behind.
    """

    def __init__(self, cursor: SqlCursor, sealer: ProjectionSealer | None = None) -> None:
        self._cursor = cursor
        # With a sealer (``ledger.seals``), every row written carries a seal and every row
        # read is checked against it before use.
        self._sealer = sealer
        self._docs: dict[tuple[str, str], tuple[dict[str, Any], int]] = {}
        self._links: dict[tuple[str, str, str], int] = {}
        # Prefetched documents as stored (JSON text, or None: known absent). Parsed on each
        # read so callers never share a dict; dropped when the document is written.
        self._fetched: dict[tuple[str, str], str | None] = {}

    def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """Fetch the wanted documents not already known in one query (chunked).

        PostgreSQL only: a read there is a network round trip, while SQLite answers in
        process in microseconds by primary key, and would plan the row-value ``IN`` as a
        table scan.
        """
        if self._cursor.sqlite:
            return
        wanted = sorted({k for k in keys if k not in self._docs and k not in self._fetched})
        for start in range(0, len(wanted), _FLUSH_AT):
            chunk = wanted[start : start + _FLUSH_AT]
            rows = ", ".join(["(?, ?)"] * len(chunk))
            found = {
                (str(kind), str(key)): (str(value), int(seq), seal)
                for kind, key, value, seq, seal in self._cursor.all(
                    "SELECT kind, key, value, seq, seal FROM state_objects "  # noqa: S608
                    f"WHERE (kind, key) IN (VALUES {rows})",
                    [part for pair in chunk for part in pair],
                )
            }
            self.remember(chunk, found)

    def remember(
        self,
        wanted: Iterable[tuple[str, str]],
        found: dict[tuple[str, str], tuple[str, int, bytes | None]],
    ) -> None:
        """Record documents fetched for this transaction: ``found`` holds the stored
        ``(JSON, seq, seal)`` of those that exist (checked here); every other ``wanted`` key
        is known to be absent."""
        for pair in wanted:
            if pair not in self._docs:
                row = found.get(pair)
                self._fetched[pair] = None if row is None else self._checked(pair, *row)

    def _checked(self, pair: tuple[str, str], text: str, seq: int, seal: Any) -> str:
        """The stored JSON of a row, after checking its seal (when sealing)."""
        if self._sealer is not None:
            self._sealer.check(pair[0], pair[1], text, seq, None if seal is None else bytes(seal))
        return text

    def flush(self) -> None:
        """Write the buffered documents and links."""
        for text, params in self.pending_writes():
            self._cursor.run(text, params)

    def take_pending(
        self,
    ) -> tuple[list[tuple[str, str, str, int]], list[tuple[str, str, str, int]]]:
        """The buffered ``(kind, key, JSON, seq)`` documents and ``(kind, src, dst, seq)``
        links, taken out of the buffer (the caller writes them)."""
        docs = [(k, key, state_json(v), s) for (k, key), (v, s) in self._docs.items()]
        links = [(k, src, dst, s) for (k, src, dst), s in self._links.items()]
        self._docs.clear()
        self._links.clear()
        return docs, links

    def seal_rows(
        self, docs: list[tuple[str, str, str, int]]
    ) -> list[tuple[str, str, str, int, bytes | None]]:
        """Document rows with their seals (``None`` when this state does not seal)."""
        sealer = self._sealer
        if sealer is None:
            return [(*row, None) for row in docs]
        return [(k, key, text, seq, sealer.seal(k, key, text, seq)) for k, key, text, seq in docs]

    def pending_writes(self) -> list[tuple[str, list[Any]]]:
        """The buffered writes as statements (one per table), taken out of the buffer."""
        docs, links = self.take_pending()
        statements: list[tuple[str, list[Any]]] = []
        if docs:
            values = ", ".join(["(?, ?, ?, ?, ?)"] * len(docs))
            statements.append((
                "INSERT INTO state_objects (kind, key, value, seq, seal) "  # noqa: S608
                f"VALUES {values} ON CONFLICT (kind, key) DO UPDATE SET "
                "value = excluded.value, seq = excluded.seq, seal = excluded.seal",
                [value for row in self.seal_rows(docs) for value in row],
            ))  # fmt: skip
        if links:
            values = ", ".join(["(?, ?, ?, ?)"] * len(links))
            statements.append((
                "INSERT INTO state_links (kind, src, dst, seq) "  # noqa: S608 - placeholders
                f"VALUES {values} ON CONFLICT (kind, src, dst) DO NOTHING",
                [value for row in links for value in row],
            ))  # fmt: skip
        return statements

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        buffered = self._docs.get((kind, key))
        if buffered is not None:
            return buffered[0]
        if (kind, key) in self._fetched:
            text = self._fetched[(kind, key)]
            return None if text is None else _document(text)
        row = self._cursor.one(_STATE_GET, (kind, key))
        if row is None:
            return None
        return _document(self._checked((kind, key), str(row[0]), int(row[1]), row[2]))

    def put(self, kind: str, key: str, value: dict[str, Any], seq: int) -> None:
        self._fetched.pop((kind, key), None)
        self._docs[(kind, key)] = (value, seq)
        if len(self._docs) >= _FLUSH_AT:
            self.flush()

    def scan(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        self.flush()
        for key, value, seq, seal in self._rows(kind, None):
            yield key, _document(self._checked((kind, str(key)), str(value), int(seq), seal))

    def scan_written(self, kind: str) -> Iterator[tuple[str, dict[str, Any], int]]:
        self.flush()
        for key, value, seq, seal in self._rows(kind, None):
            text = self._checked((kind, str(key)), str(value), int(seq), seal)
            yield str(key), _document(text), int(seq)

    def written_seqs(self, kind: str) -> Iterator[tuple[str, int]]:
        self.flush()
        for key, seq in self._cursor.all(_STATE_SEQS, (kind,)):
            yield str(key), int(seq)

    def link(self, kind: str, src: str, dst: str, seq: int) -> None:
        self._links.setdefault((kind, src, dst), seq)
        if len(self._links) >= _FLUSH_AT:
            self.flush()

    def linked(self, kind: str, node: str, *, reverse: bool = False) -> list[str]:
        self.flush()
        rows = self._cursor.all(_LINKED_REVERSE if reverse else _LINKED, (kind, node))
        # Sorted here, not by the database: collations differ (C vs en_US), code points do not.
        return sorted(str(row[0]) for row in rows)

    def reachable(self, kind: str, start: str, *, reverse: bool = False) -> list[str]:
        self.flush()
        query = _REACHABLE_REVERSE if reverse else _REACHABLE
        return sorted(str(row[0]) for row in self._cursor.all(query, (kind, start, kind, start)))

    def reachable_edges(
        self, kind: str, start: str, *, reverse: bool = False
    ) -> list[tuple[str, str]]:
        self.flush()
        query = _REACHABLE_EDGES_REVERSE if reverse else _REACHABLE_EDGES
        return sorted((str(s), str(d)) for s, d in self._cursor.all(query, (kind, start, kind)))

    def links_from(self, kind: str, nodes: list[str]) -> list[tuple[str, str]]:
        self.flush()
        head = "SELECT src, dst FROM state_links WHERE kind = ?"
        rows = _many(self._cursor, head, "src", [kind], sorted(set(nodes)))
        return sorted((str(s), str(d)) for s, d in rows)

    def scan_links(self, kind: str) -> list[tuple[str, str]]:
        self.flush()
        rows = self._cursor.all("SELECT src, dst FROM state_links WHERE kind = ?", (kind,))
        # Sorted here, not by the database: collations differ (C vs en_US), code points do not.
        return sorted((str(s), str(d)) for s, d in rows)

    def get_many(self, kind: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        self.flush()
        return {
            str(k): _document(self._checked((kind, str(k)), str(v), int(q), seal))
            for k, v, q, seal in self._rows(kind, keys)
        }

    def _rows(
        self,
        kind: str,
        keys: list[str] | None,
        columns: str = "key, value, seq, seal",
        params: Sequence[Any] = (),
    ) -> list[Any]:
        """The rows of ``columns`` (whose ``?`` take ``params``) of the documents among
        ``keys``, or of every document of the kind ordered as ``scan`` orders them."""
        head = f"SELECT {columns} FROM state_objects WHERE kind = ?"  # noqa: S608 - our columns
        if keys is None:
            return self._cursor.all(f"{head} ORDER BY key", [*params, kind])
        return _many(self._cursor, head, "key", [*params, kind], sorted(set(keys)))

    def get_fields(
        self, kind: str, keys: list[str] | None, paths: list[str]
    ) -> dict[str, list[Any]]:
        """On SQLite the values extracted by ``json_extract`` (one parse per row in C, each
        number as its stored text, read back by ``json``); with a sealer, each row's whole
        text is read too and its seal checked first.

        On PostgreSQL the documents' texts are read whole and the values picked here,
        decoding only the members the paths need (``ledger.storage.sql.fields``): its
        ``json`` operators parse the stored text once per path — seven fields of a 188 KB
        group certificate took 17 ms of the server's CPU, four of a 340-byte lot 11 µs —
        and a cast to ``jsonb`` parses once but took 2.9 ms for the certificate, against
        0.22 ms here."""
        self.flush()
        if not self._cursor.sqlite:
            pick = text_picker(tuple(paths))
            return {
                str(k): pick(self._checked((kind, str(k)), str(v), int(q), seal))
                for k, v, q, seal in self._rows(kind, keys)
            }
        if not paths:
            return fields_of(self, kind, keys, paths)
        split = [field_names(path) for path in paths]
        # Two paths or more make json_extract answer a JSON array (one would not).
        marks = ", ".join("?" * max(len(split), 2))
        params: list[Any] = ["$" + "".join(f'."{n}"' for n in names) for names in split]
        params += params[:1] if len(split) == 1 else []
        sealed = self._sealer is not None
        columns = f"key, json_extract(value, {marks}){', value, seq, seal' if sealed else ''}"
        found: dict[str, list[Any]] = {}
        for row in self._rows(kind, keys, columns, params):
            key = str(row[0])
            if sealed:
                self._checked((kind, key), str(row[2]), int(row[3]), row[4])
            found[key] = _parsed(row[1])[: len(split)]
        return found


_FLUSH_AT = 200
"""Buffered rows per table before an early flush (keeps statements well under limits)."""


_REACHABLE_EDGES = """
WITH RECURSIVE walk(src, dst) AS (
    SELECT src, dst FROM state_links WHERE kind = ? AND src = ?
    UNION
    SELECT l.src, l.dst FROM state_links l JOIN walk w ON l.src = w.dst WHERE l.kind = ?
)
SELECT src, dst FROM walk
"""
_REACHABLE_EDGES_REVERSE = """
WITH RECURSIVE walk(src, dst) AS (
    SELECT src, dst FROM state_links WHERE kind = ? AND dst = ?
    UNION
    SELECT l.src, l.dst FROM state_links l JOIN walk w ON l.dst = w.src WHERE l.kind = ?
)
SELECT src, dst FROM walk
"""


def _many(
    cursor: SqlCursor, head: str, column: str, params: list[Any], keys: list[str]
) -> list[Any]:
    """Rows of ``head WHERE … AND column IN keys``: an array on PostgreSQL, chunks on SQLite.

    The array goes in binary (psycopg's ``%b``, left alone by ``SqlCursor``): psycopg writes
    a list of 500 keys as text in 1.5 ms of Python, in binary in 0.5 ms, and the indicators
    send hundreds of such lists."""
    if not keys:
        return []
    if not cursor.sqlite:
        return cursor.all(f"{head} AND {column} = ANY(%b)", [*params, list(keys)])
    rows: list[Any] = []
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows.extend(cursor.all(f"{head} AND {column} IN ({marks})", [*params, *chunk]))
    return rows


class _NodeReader:
    def __init__(self, cursor: SqlCursor) -> None:
        self._cursor = cursor

    def get_node(self, level: int, index: int) -> bytes:
        found = _get_nodes(self._cursor, [(level, index)]).get((level, index))
        if found is None:
            raise EntryNotFoundError(f"no merkle node at level {level}, index {index}")
        return found


class _SqlTransaction:
    """One append under the writer lock.

    SQLite holds its write lock from ``BEGIN IMMEDIATE`` on; every statement is an
    in-process call, so the transaction simply runs them in order.

    PostgreSQL is network-bound, so the lock is not taken up front: :meth:`find_by_nonce` —
    the first thing ``append`` asks — opens the transaction, takes the lock and reads the
    nonce, head, Merkle siblings and declared documents in one round trip, and
    :meth:`insert` leaves its rows for the commit to send with the COMMIT (see
    ``ledger.storage.sql.pg_append``). Any other first use (:attr:`cursor`,
    :attr:`state`, :meth:`head`) takes the lock before its statement runs.
    """

    def __init__(
        self,
        cursor: SqlCursor,
        session: PgAppendSession | None,
        sealer: ProjectionSealer | None = None,
    ) -> None:
        self._cursor = cursor
        self._session = session
        self._state = SqlState(cursor, sealer)
        self._head: Head | None = None
        self._tree: FoldedNodes | None = None
        self.pending_write: PgWrite | None = None

    def _locked(self) -> None:
        if self._session is not None and not self._session.begun:
            self._session.begin()

    @property
    def cursor(self) -> SqlCursor:
        """The transaction's cursor, with the writer lock held."""
        self._locked()
        return self._cursor

    @property
    def state(self) -> State:
        self._locked()
        return self._state

    def head(self) -> Head:
        if self._head is None:
            self._head = _read_head(self.cursor)
        return self._head

    def find_by_nonce(
        self, actor: str, nonce: str, documents: Iterable[tuple[str, str]] = ()
    ) -> Entry | None:
        if self._session is None or self._session.begun:
            self._state.prefetch(documents)
            return _find_by_nonce(self.cursor, actor, nonce)
        wanted = sorted(set(documents))
        reads = self._session.begin_and_read(actor, nonce, wanted)
        self._state.remember(wanted, reads.documents)
        self._head = (
            Head(size=0, last_hash=GENESIS_PREV)
            if reads.head is None
            else Head(
                size=reads.head[0] + 1,
                last_hash=EntryHash(reads.head[1]),
                log_time=leaf_log_time(reads.head_prefix),
            )
        )
        self._tree = FoldedNodes(reads.siblings, reads.leaves)
        if reads.existing_leaf is None:
            return None
        return checked_nonce_entry(reads.existing_leaf, actor, nonce)

    @property
    def sql_state(self) -> SqlState:
        """The state as the SQL store's own type (its buffered writes), lock held."""
        self._locked()
        return self._state

    def insert(self, entry: Entry) -> None:
        entry_row = _entry_row(entry)
        # Only every 16th leaf completes a stored node (``ledger.merkle.STORED_FROM_LEVEL``);
        # what it needs is known from its index alone. On PostgreSQL the first message
        # already brought it; otherwise one query reads it here.
        tree = self._tree if self._head is not None and self._head.size == entry.seq else None
        if tree is None:
            siblings, leaves = append_sources(entry.seq)
            tree = _read_tree(self.cursor, siblings, list(leaves))
        try:
            nodes = stored_nodes_completed_by_append(tree, entry.seq, entry.entry_hash)
        except KeyError as exc:
            raise IntegrityError(f"the stored merkle tree is incomplete: {exc.args[0]}") from None
        if self._session is not None:
            # Sent with the COMMIT, in one message (``PgAppendSession.commit``).
            docs, links = self._state.take_pending()
            self.pending_write = PgWrite(
                docs=self._state.seal_rows(docs), links=links, entry=entry_row, nodes=nodes
            )
            return
        for text, params in self._state.pending_writes():
            self._cursor.run(text, params)
        self._cursor.run(_INSERT_ENTRY, entry_row)
        if nodes:
            # VALUES hold "?" placeholders only, never values.
            values = ", ".join(["(?, ?, ?)"] * len(nodes))
            self._cursor.run(
                f"INSERT INTO merkle_nodes (level, idx, hash) VALUES {values}",  # noqa: S608
                [value for node in nodes for value in node],
            )


class _SqlBatch:
    """Many appends in one transaction under the writer lock (``appending_batch``).

    What a single append reads per statement is read here once, up front, under the lock:
    the head, the entries already recorded under the batch's ``(actor, nonce)`` pairs, the
    projection documents the statements declare they will read (on PostgreSQL) and the
    stored Merkle nodes and leaf hashes the batch's leaves build on. From there the head,
    the nonce lookups and the Merkle tree are carried forward in memory as statements are
    admitted, and the rows — projections, entries, nodes — are written as multi-row
    statements when the batch ends, just before the one commit. Projection writes still go
    through the transaction's :class:`SqlState`, which flushes them early whenever a rule
    queries the tables (so every read sees the statements admitted before it).
    """

    def __init__(
        self,
        tx: _SqlTransaction,
        nonces: Sequence[tuple[str, str]],
        documents: Iterable[tuple[str, str]],
    ) -> None:
        self._tx = tx
        cursor = tx.cursor  # takes the writer lock
        head = self._head = tx.head()
        wanted = sorted(set(nonces))
        self._recorded = _find_by_nonces(cursor, wanted)
        self._inserted: dict[tuple[str, str], Entry] = {}
        tx.state.prefetch(documents)
        stored, leaves = _batch_tree_sources(head.size, len(wanted))
        tree = _read_tree(cursor, stored, leaves)
        self._stored = tree.known(stored)
        try:
            self._leaves = {seq: tree.get_node(0, seq) for seq in leaves}
        except KeyError as exc:
            raise IntegrityError(f"the stored merkle tree is incomplete: {exc.args[0]}") from None
        self._tree = FoldedNodes(self._stored, self._leaves)
        self._entry_rows: list[tuple[Any, ...]] = []
        self._node_rows: list[tuple[int, int, bytes]] = []

    @property
    def state(self) -> State:
        return self._tx.state

    def head(self) -> Head:
        return self._head

    def find_by_nonce(
        self, actor: str, nonce: str, documents: Iterable[tuple[str, str]] = ()
    ) -> Entry | None:
        del documents  # fetched with the batch's first reads
        found = self._inserted.get((actor, nonce))
        return found if found is not None else self._recorded.get((actor, nonce))

    def insert(self, entry: Entry) -> None:
        statement = entry.statement
        self._leaves[entry.seq] = bytes(entry.entry_hash)
        try:
            nodes = stored_nodes_completed_by_append(self._tree, entry.seq, entry.entry_hash)
        except KeyError as exc:
            raise IntegrityError(f"the stored merkle tree is incomplete: {exc.args[0]}") from None
        for level, index, value in nodes:
            self._stored[(level, index)] = value
        self._node_rows.extend(nodes)
        self._entry_rows.append(_entry_row(entry))
        self._inserted[(statement.actor, statement.nonce)] = entry
        self._head = Head(size=entry.seq + 1, last_hash=entry.entry_hash, log_time=entry.log_time)

    def write(self) -> None:
        """Write every row the batch admitted (before the transaction commits)."""
        cursor = self._tx.cursor
        for text, params in self._tx.sql_state.pending_writes():
            cursor.run(text, params)
        for start in range(0, len(self._entry_rows), _BATCH_ROWS):
            rows = self._entry_rows[start : start + _BATCH_ROWS]
            values = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(rows))
            cursor.run(
                "INSERT INTO entries (seq, entry_hash, leaf, type, actor, nonce, ts) "  # noqa: S608
                f"VALUES {values}",
                [value for row in rows for value in row],
            )
        for start in range(0, len(self._node_rows), _BATCH_ROWS):
            nodes = self._node_rows[start : start + _BATCH_ROWS]
            values = ", ".join(["(?, ?, ?)"] * len(nodes))
            cursor.run(
                f"INSERT INTO merkle_nodes (level, idx, hash) VALUES {values}",  # noqa: S608
                [value for node in nodes for value in node],
            )


_BATCH_ROWS = 200
"""Rows per multi-row insert of a batch (7 columns: well under SQLite's parameter limit)."""


def _batch_tree_sources(size: int, count: int) -> tuple[list[tuple[int, int]], list[int]]:
    """The stored nodes and leaf hashes, already recorded, that appending up to ``count``
    leaves after ``size`` builds on (``ledger.merkle.append_sources`` of each leaf, less
    what the batch itself makes)."""
    stored: set[tuple[int, int]] = set()
    leaves: set[int] = set()
    for seq in range(size, size + count):
        siblings, before = append_sources(seq)
        stored.update((lv, ix) for lv, ix in siblings if (ix + 1) << lv <= size)
        leaves.update(leaf for leaf in before if leaf < size)
    return sorted(stored), sorted(leaves)


def _find_by_nonces(
    cursor: SqlCursor, wanted: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Entry]:
    """The entries recorded under any of these ``(actor, nonce)`` pairs, each checked
    against its own leaf (``checked_nonce_entry``): a few queries on PostgreSQL, an index
    probe each on SQLite (in process, where a row-value ``IN`` would scan the table)."""
    found: dict[tuple[str, str], Entry] = {}
    if cursor.sqlite:
        for actor, nonce in wanted:
            entry = _find_by_nonce(cursor, actor, nonce)
            if entry is not None:
                found[(actor, nonce)] = entry
        return found
    for start in range(0, len(wanted), _BATCH_ROWS):
        chunk = wanted[start : start + _BATCH_ROWS]
        rows = ", ".join(["(?, ?)"] * len(chunk))
        for actor, nonce, leaf in cursor.all(
            "SELECT actor, nonce, leaf FROM entries "  # noqa: S608 - placeholders only
            f"WHERE (actor, nonce) IN (VALUES {rows})",
            [part for pair in chunk for part in pair],
        ):
            found[(str(actor), str(nonce))] = checked_nonce_entry(
                bytes(leaf), str(actor), str(nonce)
            )
    return found


def _entry_row(entry: Entry) -> tuple[Any, ...]:
    """The ``entries`` row of an entry, in ``_INSERT_ENTRY``'s column order."""
    statement = entry.statement
    return (
        entry.seq,
        bytes(entry.entry_hash),
        entry.leaf_bytes,
        statement.type,
        statement.actor,
        statement.nonce,
        statement.ts,
    )


def _read_head(cursor: SqlCursor) -> Head:
    row = cursor.one(_HEAD)
    if row is None:
        return Head(size=0, last_hash=GENESIS_PREV)
    return Head(
        size=int(row[0]) + 1,
        last_hash=EntryHash(bytes(row[1])),
        log_time=leaf_log_time(None if row[2] is None else bytes(row[2])),
    )


def _find_by_nonce(cursor: SqlCursor, actor: str, nonce: str) -> Entry | None:
    row = cursor.one(_BY_NONCE, (actor, nonce))
    return None if row is None else checked_nonce_entry(bytes(row[0]), actor, nonce)


def checked_nonce_entry(leaf: bytes, actor: str, nonce: str) -> Entry:
    """The entry found by its ``(actor, nonce)`` columns, checked against its own leaf
    before use: an append never answers a retry from a row whose columns were changed.

    Raises:
        TamperedDataError: the leaf names another actor or nonce.
    """
    entry = Entry.from_leaf_bytes(leaf)
    if (entry.statement.actor, entry.statement.nonce) != (actor, nonce):
        raise TamperedDataError(
            f"entry {entry.seq} is stored under actor/nonce {actor}/{nonce} but its leaf "
            f"says {entry.statement.actor}/{entry.statement.nonce}; run `ledger verify`"
        )
    return entry


def _checkpoint_from_row(row: tuple[Any, ...]) -> StoredCheckpoint:
    return StoredCheckpoint(int(row[0]), bytes(row[1]), str(row[2]), str(row[3]))


def _checkpoint_at(cursor: SqlCursor, tree_size: int) -> StoredCheckpoint | None:
    row = cursor.one(
        f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints WHERE tree_size = ?",  # noqa: S608 - constant
        (tree_size,),
    )
    return None if row is None else _checkpoint_from_row(row)


# One statement, one round trip: the stored nodes wanted, and the leaf hashes the lower
# nodes are folded from (tagged level -1); a missing one comes back with a NULL hash. Fixed
# text, so the server caches its plan. Every lookup is a scalar subquery, which PostgreSQL
# never turns into a join: the generic plan of a join on the arrays hashed a scan of the
# whole (small, since nodes are sparse) node table on every proof.
_PG_TREE = (
    "SELECT w.level, w.idx, (SELECT m.hash FROM merkle_nodes m "
    "WHERE m.level = w.level AND m.idx = w.idx) "
    "FROM unnest(?::int[], ?::bigint[]) AS w(level, idx) "
    "UNION ALL SELECT -1, s.seq, (SELECT e.entry_hash FROM entries e WHERE e.seq = s.seq) "
    "FROM unnest(?::bigint[]) AS s(seq)"
)
_SQLITE_CHUNK = 200
"""Terms per SQLite statement (well under its limit of bound parameters)."""


def _read_tree(cursor: SqlCursor, stored: list[tuple[int, int]], leaves: list[int]) -> FoldedNodes:
    """The stored nodes and the leaf hashes asked for, as a reader that folds lower nodes.

    Whatever does not exist is simply absent (the reader raises ``KeyError`` when asked).
    """
    nodes: dict[tuple[int, int], bytes] = {}
    hashes: dict[int, bytes] = {}
    if not stored and not leaves:
        return FoldedNodes(nodes, hashes)
    if not cursor.sqlite:
        arrays = ([lv for lv, _ in stored], [ix for _, ix in stored], leaves)
        for level, index, value in cursor.all(_PG_TREE, arrays):
            if value is None:
                continue  # not stored (yet): the reader reports it when asked
            if level < 0:
                hashes[int(index)] = bytes(value)
            else:
                nodes[(int(level), int(index))] = bytes(value)
        return FoldedNodes(nodes, hashes)
    for start in range(0, len(stored), _SQLITE_CHUNK):
        chunk = stored[start : start + _SQLITE_CHUNK]
        where = " OR ".join(["(level = ? AND idx = ?)"] * len(chunk))
        params = [value for pair in chunk for value in pair]
        # The WHERE clause is built from "?" placeholders only, never from values.
        query = f"SELECT level, idx, hash FROM merkle_nodes WHERE {where}"  # noqa: S608
        nodes.update({(int(lv), int(ix)): bytes(h) for lv, ix, h in cursor.all(query, params)})
    runs = _runs(leaves)
    for start in range(0, len(runs), _SQLITE_CHUNK):
        chunk = runs[start : start + _SQLITE_CHUNK]
        where = " OR ".join(["seq BETWEEN ? AND ?"] * len(chunk))
        params = [value for run in chunk for value in run]
        query = f"SELECT seq, entry_hash FROM entries WHERE {where}"  # noqa: S608 - placeholders
        hashes.update({int(seq): bytes(h) for seq, h in cursor.all(query, params)})
    return FoldedNodes(nodes, hashes)


def _runs(sorted_values: list[int]) -> list[tuple[int, int]]:
    """Sorted integers as inclusive ``(first, last)`` runs of consecutive values."""
    runs: list[tuple[int, int]] = []
    for value in sorted_values:
        if runs and runs[-1][1] == value - 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _get_nodes(cursor: SqlCursor, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The hashes of the complete nodes ``pairs`` that exist (stored, or folded from leaves)."""
    stored, leaves = node_sources(pairs)
    return _read_tree(cursor, stored, leaves).known(pairs)


class TreeSnapshot:
    """``ledger.transparency.TreeReader`` over one read cursor (``SqlLedgerStore.reading``)."""

    def __init__(self, cursor: SqlCursor) -> None:
        self._cursor = cursor
        self._head: Head | None = None

    def head(self) -> Head:
        if self._head is None:
            self._head = _read_head(self._cursor)
        return self._head

    def get_nodes(self, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        return _get_nodes(self._cursor, list(wanted))

    def entry_hash(self, seq: int) -> bytes | None:
        """The stored hash of entry ``seq``, if it exists."""
        row = self._cursor.one("SELECT entry_hash FROM entries WHERE seq = ?", (seq,))
        return None if row is None else bytes(row[0])


class SqlLedgerStore:
    """The ledger's durable store on an engine whose schema is at the latest migration."""

    def __init__(
        self,
        engine: Engine,
        seal_key: bytes | None = None,
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        """``seal_key``: the deployment's projection seal secret (``ledger.seals``); with it,
        appends seal every projection row they write and check every one they read.
        ``lock_timeout``: seconds an append waits for other writers before it gives up with
        ``StorageUnavailableError`` (see ``ledger.storage.sql.writer``)."""
        self.engine = engine
        self.sealer = None if seal_key is None else ProjectionSealer(seal_key)
        # key id → public key never changes (the id is a hash of the key), so caching it
        # in-process is safe across appends, revocations and other writers.
        self._public_keys: dict[str, bytes] = {}
        self._sqlite = is_sqlite(engine)
        # Reads on PostgreSQL run outside any transaction (see ``reading``); the option
        # engine shares the pool and sets autocommit on a connection only while it is out.
        self._read_engine = (
            engine if self._sqlite else engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._writer = AppendConnection(engine, lock_timeout)
        self._tools: tuple[Any, SqlCursor, PgAppendSession | None] | None = None

    @contextmanager
    def appending(self) -> Iterator[_SqlTransaction]:
        """An exclusive append transaction; commits on normal exit, rolls back on error.

        The transaction is managed here on the process's append connection
        (``ledger.storage.sql.writer``): an append runs a handful of tiny statements, and
        SQLAlchemy's Connection, its events and its BEGIN cost as much again as they do.

        Raises:
            StorageUnavailableError: the database could not be reached, went away, or its
                lock wait timed out; nothing uncommitted was kept, and the connection is
                replaced before the next append.
            LockWaitTimeoutError: (a ``StorageUnavailableError``) other writers held the
                lock past the store's ``lock_timeout``.
        """
        try:
            with self._writer.connection() as connection:
                cursor, session = self._append_tools(connection)
                if session is not None:
                    session.lock_timeout_ms = self._writer.remaining_ms()
                if session is None:
                    # The write lock is taken at BEGIN, before the head is read.
                    cursor.run(_SQLITE_BEGIN)
                    try:
                        yield _SqlTransaction(cursor, None, self.sealer)
                    except BaseException:
                        connection.rollback()
                        raise
                    connection.commit()
                    return
                tx = _SqlTransaction(cursor, session, self.sealer)
                try:
                    yield tx
                    session.commit(tx.pending_write)
                except BaseException:
                    with suppress(psycopg.Error):
                        # If even the rollback fails, the writer drops the connection.
                        session.rollback()
                    raise
        except _REFUSED_INSERT as exc:
            # Admission checked the statement against what it read; the database refusing
            # the row means what it read was not what is stored (e.g. the actor/nonce
            # columns of an earlier copy of this statement were changed, and the unique
            # index on the leaf's own signature caught the duplicate).
            raise TamperedDataError(
                "the ledger database refused the entry as a duplicate of a stored one: stored "
                "columns disagree with the signed entries; nothing was recorded, run `ledger "
                f"verify` ({str(exc).strip().splitlines()[0]})"
            ) from exc
        except _UNAVAILABLE as exc:
            if _lock_wait_timed_out(exc):
                raise LockWaitTimeoutError(self._writer.lock_timeout) from exc
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StorageUnavailableError(
                f"the ledger database is unavailable: {reason}; nothing was recorded that "
                "was not committed, and sending the same signed statement again is safe"
            ) from exc

    @contextmanager
    def appending_batch(
        self, nonces: Sequence[tuple[str, str]], documents: Iterable[tuple[str, str]]
    ) -> Iterator[_SqlBatch]:
        """One append transaction (``appending``: the same lock, bound on lock waits,
        rollback and error translation) for many appends, committed once.

        Raises:
            StorageUnavailableError, TamperedDataError: as ``appending``; nothing of the
                batch was kept.
        """
        with self.appending() as tx:
            batch = _SqlBatch(tx, nonces, documents)
            yield batch
            batch.write()

    def _append_tools(self, connection: Any) -> tuple[SqlCursor, PgAppendSession | None]:
        """The cursor (and PostgreSQL session) of the append connection, made once per
        connection; only called inside ``self._writer.connection()``, one append at a time."""
        if self._tools is None or self._tools[0] is not connection:
            cursor = SqlCursor.over_dbapi(connection, self._sqlite)
            session = None if self._sqlite else PgAppendSession(connection)
            self._tools = (connection, cursor, session)
        return self._tools[1], self._tools[2]

    def close(self) -> None:
        """Close the connection this process keeps for appends (the engine's pool is the
        engine's to dispose). The store stays usable: the next append opens a new one."""
        self._writer.close()

    @contextmanager
    def reading(self) -> Iterator[SqlCursor]:
        """A cursor for reads.

        On SQLite the reads share one transaction, a consistent snapshot. On PostgreSQL each
        statement runs on its own (autocommit) and sees what was committed when it started:
        that is all a READ COMMITTED transaction gave there, and its BEGIN and COMMIT were
        two round trips more than a one-query read needs (an inclusion proof went from six
        to two). Entries and Merkle nodes combined across statements stay consistent because
        the ledger only grows: an entry, and the nodes a tree of some size is made of, never
        change once committed, and they are committed together. Projection documents, which
        appends update, are read as of each statement, as they were in READ COMMITTED.
        """
        with self._read_engine.connect() as conn:
            if self._sqlite:
                with conn.begin():
                    yield SqlCursor(conn)
            else:
                yield SqlCursor(conn)

    def head(self) -> Head:
        with self.reading() as cursor:
            return _read_head(cursor)

    def get(self, seq: int) -> Entry:
        with self.reading() as cursor:
            row = cursor.one(_BY_SEQ, (seq,))
        if row is None:
            raise EntryNotFoundError(f"no entry at seq {seq}")
        return Entry.from_leaf_bytes(bytes(row[0]))

    def get_by_hash(self, entry_hash: bytes) -> Entry:
        with self.reading() as cursor:
            row = cursor.one(_BY_HASH, (bytes(entry_hash),))
        if row is None:
            raise EntryNotFoundError(f"no entry with hash {entry_hash.hex()}")
        return Entry.from_leaf_bytes(bytes(row[0]))

    def find_by_nonce(self, actor: str, nonce: str) -> Entry | None:
        with self.reading() as cursor:
            return _find_by_nonce(cursor, actor, nonce)

    def entries(self, start: int, limit: int) -> list[Entry]:
        with self.reading() as cursor:
            rows = cursor.all(
                "SELECT leaf FROM entries WHERE seq >= ? ORDER BY seq LIMIT ?", (start, limit)
            )
        return [Entry.from_leaf_bytes(bytes(row[0])) for row in rows]

    def stored_leaves(self, start: int = 0, batch: int = 2000) -> Iterator[StoredLeaf]:
        """Rows as stored, fetched in keyset-paginated batches (constant memory)."""
        next_seq = start
        while True:
            with self.reading() as cursor:
                rows = cursor.all(
                    "SELECT seq, leaf, entry_hash, type, actor, nonce, ts FROM entries "
                    "WHERE seq >= ? ORDER BY seq LIMIT ?",
                    (next_seq, batch),
                )
            if not rows:
                return
            for seq, leaf, entry_hash, *columns in rows:
                kind, actor, nonce, ts = (str(c) for c in columns)
                yield StoredLeaf(int(seq), bytes(leaf), bytes(entry_hash), (kind, actor, nonce, ts))
            next_seq = int(rows[-1][0]) + 1

    def public_key(self, kid: str) -> bytes | None:
        cached = self._public_keys.get(kid)
        if cached is not None:
            return cached
        with self.reading() as cursor:
            doc = SqlState(cursor).get("key", kid)
        if doc is None:
            return None
        raw = decode_public_key(doc["public_key"])
        if key_id(raw) == kid:
            self._public_keys[kid] = raw
        return raw

    def get_node(self, level: int, index: int) -> bytes:
        with self.reading() as cursor:
            return _NodeReader(cursor).get_node(level, index)

    def get_nodes(self, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """Many Merkle nodes in one query (proofs need about 2·log2 n of them); the ones
        that do not exist are left out."""
        with self.reading() as cursor:
            return _get_nodes(cursor, list(wanted))

    def stored_nodes(self, batch: int = 5000) -> Iterator[tuple[int, int, bytes]]:
        """The ``merkle_nodes`` rows by (level, index), keyset-paginated (constant memory)."""
        after = (-1, -1)
        while True:
            with self.reading() as cursor:
                rows = cursor.all(
                    "SELECT level, idx, hash FROM merkle_nodes "
                    "WHERE level > ? OR (level = ? AND idx > ?) ORDER BY level, idx LIMIT ?",
                    (after[0], after[0], after[1], batch),
                )
            if not rows:
                return
            for level, index, value in rows:
                yield int(level), int(index), bytes(value)
            after = (int(rows[-1][0]), int(rows[-1][1]))

    @contextmanager
    def snapshot(self) -> Iterator[TreeSnapshot]:
        """Head, entries and Merkle nodes on one connection (``reading``): a proof is built
        in a few round trips, however many nodes it needs, and everything a tree of the size
        read is made of is already committed and never changes."""
        with self.reading() as cursor:
            yield TreeSnapshot(cursor)

    def state_get(self, kind: str, key: str) -> dict[str, Any] | None:
        """Read one projection document outside any append."""
        with self.reading() as cursor:
            return SqlState(cursor).get(kind, key)

    @contextmanager
    def read_state(self) -> Iterator[SqlState]:
        """The projection state on one read cursor (``reading``), for queries such as lineage."""
        with self.reading() as cursor:
            yield SqlState(cursor)

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> StoredCheckpoint:
        # Under the append lock, so two servers issuing at the same size cannot both insert.
        with self.appending() as tx:
            existing = _checkpoint_at(tx.cursor, checkpoint.tree_size)
            if existing is not None:
                return existing
            tx.cursor.run(
                f"INSERT INTO checkpoints ({_CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?)",  # noqa: S608
                (
                    checkpoint.tree_size,
                    checkpoint.root_hash,
                    checkpoint.note,
                    checkpoint.issued_at,
                ),
            )
        return checkpoint

    def checkpoints(self) -> list[StoredCheckpoint]:
        with self.reading() as cursor:
            rows = cursor.all(
                f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY tree_size"  # noqa: S608
            )
        return [_checkpoint_from_row(row) for row in rows]

    def checkpoint_at(self, tree_size: int) -> StoredCheckpoint | None:
        with self.reading() as cursor:
            return _checkpoint_at(cursor, tree_size)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The checkpoint of the largest tree size kept, if any."""
        with self.reading() as cursor:
            row = cursor.one(
                f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints "  # noqa: S608 - constant
                "ORDER BY tree_size DESC LIMIT 1"
            )
        return None if row is None else _checkpoint_from_row(row)

    def projection_rows(self) -> list[tuple[str, str, str, int]]:
        """Every projection row ``(kind, key, JSON, seq)``, sorted, for comparisons."""
        with self.reading() as cursor:
            rows = cursor.all("SELECT kind, key, value, seq FROM state_objects ORDER BY kind, key")
        return [(str(k), str(key), str(v), int(s)) for k, key, v, s in rows]

    def unsealed_rows(self) -> int:
        """How many projection rows carry no seal (all of them, before the first rebuild
        after the upgrade that introduced seals)."""
        with self.reading() as cursor:
            row = cursor.one("SELECT count(*) FROM state_objects WHERE seal IS NULL")
        return 0 if row is None else int(row[0])

    def check_seals(self, batch: int = 5000) -> None:
        """Every projection row's seal holds (no-op without a seal key): ``ledger verify``
        reports a row an append would refuse to read.

        Raises:
            TamperedDataError: the first row (by kind, key) whose seal fails.
        """
        if self.sealer is None:
            return
        after = ("", "")
        while True:
            with self.reading() as cursor:
                rows = cursor.all(
                    "SELECT kind, key, value, seq, seal FROM state_objects "
                    "WHERE kind > ? OR (kind = ? AND key > ?) ORDER BY kind, key LIMIT ?",
                    (after[0], after[0], after[1], batch),
                )
            if not rows:
                return
            for kind, key, value, seq, seal in rows:
                sealed = None if seal is None else bytes(seal)
                self.sealer.check(str(kind), str(key), str(value), int(seq), sealed)
            after = (str(rows[-1][0]), str(rows[-1][1]))

    def link_rows(self) -> list[tuple[str, str, str, int]]:
        """Every projection link ``(kind, src, dst, seq)``, sorted, for comparisons."""
        with self.reading() as cursor:
            rows = cursor.all("SELECT kind, src, dst, seq FROM state_links ORDER BY kind, src, dst")
        return [(str(k), str(s), str(d), int(q)) for k, s, d, q in rows]

    def replace_projections(
        self,
        docs: dict[tuple[str, str], tuple[dict[str, Any], int]],
        links: dict[tuple[str, str, str], int] | None = None,
        expected_size: int | None = None,
    ) -> None:
        """Drop every projection row and link and write these instead, in one transaction.

        Taken under the append lock, so no append interleaves with a rebuild; with
        ``expected_size`` the swap happens only if the ledger still has exactly that many
        entries (the replay that produced ``docs`` saw all of them).

        Raises:
            ConflictError: the ledger grew since the replay; replay again.
        """
        with self.appending() as tx:
            if expected_size is not None and tx.head().size != expected_size:
                raise ConflictError(
                    f"ledger grew to {tx.head().size} entries during a replay of {expected_size}"
                )
            tx.cursor.run("DELETE FROM state_links")
            link_rows = [(k, s, d, q) for (k, s, d), q in sorted((links or {}).items())]
            for start in range(0, len(link_rows), 1000):
                tx.cursor.run_many(
                    "INSERT INTO state_links (kind, src, dst, seq) VALUES (?, ?, ?, ?)",
                    link_rows[start : start + 1000],
                )
            tx.cursor.run("DELETE FROM state_objects")
            rows = SqlState(tx.cursor, self.sealer).seal_rows(
                [
                    (kind, key, state_json(doc), seq)
                    for (kind, key), (doc, seq) in sorted(docs.items())
                ]
            )
            for start in range(0, len(rows), 1000):
                tx.cursor.run_many(
                    "INSERT INTO state_objects (kind, key, value, seq, seal) "
                    "VALUES (?, ?, ?, ?, ?)",
                    rows[start : start + 1000],
                )
