"""PostgreSQL's append in two round trips: lock and read, then write and commit.

An append on PostgreSQL is network-bound: a statement costs a client↔server round trip
(~80 µs on loopback) whatever it does, and every one of them is made while all other
writers wait for the lock. The plain sequence — BEGIN, lock, read, prefetch, write,
COMMIT — is six. This module makes it two:

1. ``BEGIN; SET LOCAL lock_timeout …; SELECT pg_advisory_xact_lock(…); EXECUTE
   biotraza_append_reads(…)`` — one simple-protocol message. Each statement of it takes
   its own snapshot (READ COMMITTED), so the reads run *after* the lock is held and see
   every entry committed before it. The reads are the entry already recorded under the
   statement's (actor, nonce), the head, what the Merkle nodes the next leaf completes are
   made from (every 16th leaf), and the projection documents the entry type declares it
   will read (with the actor's key). The lock wait is bounded by what is left of the
   append's deadline (``ledger.storage.sql.writer``): past it PostgreSQL raises SQLSTATE
   55P03 (``lock_not_available``) and the caller rolls back.
2. ``EXECUTE biotraza_append_write(…); COMMIT`` — projections, entry and Merkle nodes in
   one statement (data-modifying CTEs run in one snapshot and fail or commit together),
   then the commit. If the write fails, PostgreSQL skips the COMMIT of the same message
   and the caller rolls back: nothing is acknowledged that was not committed.

Several statements fit in one message only with the simple protocol, which takes no bind
parameters; the values are therefore sent as literals quoted by psycopg's client-side
binding (``psycopg.ClientCursor``), and the statements themselves are prepared once per
connection (``PREPARE``) so the server does not plan them on every append — planning the
read query costs more than running it.

Everything else an append might do (a document the type did not declare, a graph walk, an
early flush of a large projection buffer) runs as ordinary statements in the same
transaction, between the two messages.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

__all__ = ["AppendReads", "PgAppendSession", "PgWrite"]

_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema()))"

# What the next leaf n = head + 1 needs for the Merkle nodes it completes
# (``ledger.merkle.append_sources``), only when it completes a stored node, i.e. when
# (n + 1) is a multiple of 16 (STORED_FROM_LEVEL = 4): the 15 leaf hashes before it ('l'
# rows; the lower siblings are folded from them), and a stored left sibling at each level
# l >= 4 while (n + 1) is a multiple of 2^(l+1), at index (n >> l) - 1. The other 15 of 16
# appends read nothing here. Each leaf, sibling and wanted document is a scalar subquery:
# PostgreSQL never flattens those into a join, so each stays a primary-key probe whatever
# the statistics say (a join planned while the tables were small or unanalyzed scanned a
# whole tree level; a range join over the leaves, the whole entries table). A wanted
# document that does not exist comes back with a NULL value.
_PREPARE_READS = """
PREPARE biotraza_append_reads(text, text, json) AS
WITH h AS (SELECT seq, entry_hash, leaf FROM entries ORDER BY seq DESC LIMIT 1)
SELECT 'n'::text, NULL::bigint, NULL::bigint, leaf, NULL::text, NULL::text, NULL::text
FROM entries WHERE actor = $1 AND nonce = $2
UNION ALL
SELECT 'h', seq, NULL, entry_hash, NULL, NULL,
    convert_from(substring(leaf from 1 for 41), 'UTF8') FROM h
UNION ALL
SELECT 's', g.l, ((h.seq + 1) >> g.l) - 1, (
    SELECT m.hash FROM merkle_nodes m
    WHERE m.level = g.l AND m.idx = ((h.seq + 1) >> g.l) - 1
), NULL, NULL, NULL
FROM h CROSS JOIN generate_series(4, 62) AS g(l)
WHERE mod(h.seq + 2, 1::bigint << (g.l + 1)) = 0
UNION ALL
SELECT 'l', h.seq - g.k, NULL, (SELECT e.entry_hash FROM entries e WHERE e.seq = h.seq - g.k),
    NULL, NULL, NULL
FROM h CROSS JOIN generate_series(0, 14) AS g(k)
WHERE mod(h.seq + 2, 16) = 0
UNION ALL
SELECT 'd',
    (SELECT s.seq FROM state_objects s WHERE s.kind = w.kind AND s.key = w.key), NULL,
    (SELECT s.seal FROM state_objects s WHERE s.kind = w.kind AND s.key = w.key),
    w.kind, w.key,
    (SELECT s.value FROM state_objects s WHERE s.kind = w.kind AND s.key = w.key)
FROM (SELECT d->>0, d->>1 FROM json_array_elements($3) AS d) AS w(kind, key)
"""

# Rows travel as JSON arrays (one literal each, encoded by the json module in C) rather
# than as SQL arrays, which psycopg would quote element by element in Python. Hashes are
# hex; everything else is text that JSON carries unchanged.
_PREPARE_WRITE = """
PREPARE biotraza_append_write(json, json, json, bigint, bytea, bytea, text, text, text, text)
AS
WITH docs AS (
    INSERT INTO state_objects (kind, key, value, seq, seal)
    SELECT d->>0, d->>1, d->>2, (d->>3)::bigint, decode(d->>4, 'hex')
    FROM json_array_elements($1) AS d
    ON CONFLICT (kind, key) DO UPDATE SET
        value = excluded.value, seq = excluded.seq, seal = excluded.seal
), links AS (
    INSERT INTO state_links (kind, src, dst, seq)
    SELECT l->>0, l->>1, l->>2, (l->>3)::bigint FROM json_array_elements($2) AS l
    ON CONFLICT (kind, src, dst) DO NOTHING
), entry AS (
    INSERT INTO entries (seq, entry_hash, leaf, type, actor, nonce, ts)
    VALUES ($4, $5, $6, $7, $8, $9, $10)
)
INSERT INTO merkle_nodes (level, idx, hash)
SELECT (n->>0)::int, (n->>1)::bigint, decode(n->>2, 'hex') FROM json_array_elements($3) AS n
"""

# Generic plans for the transaction: both prepared statements are primary-key probes and
# multi-row inserts whose best plan does not depend on the values, and a custom plan would
# cost more to make (~0.2 ms) than to run.
_BEGIN = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL lock_timeout = {ms}"
_READ = "EXECUTE biotraza_append_reads(%s, %s, %s)"
_WRITE_AND_COMMIT = "EXECUTE biotraza_append_write(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s); COMMIT"


@dataclass
class AppendReads:
    """What the first message of an append found, all read under the lock."""

    existing_leaf: bytes | None = None
    head: tuple[int, bytes] | None = None
    """(seq, entry_hash) of the last entry; ``None`` for an empty ledger."""
    head_prefix: bytes | None = None
    """The first 41 bytes of the last entry's leaf, where its ``log_time`` is."""
    siblings: dict[tuple[int, int], bytes] = field(default_factory=dict)
    """Stored left siblings (level >= 4) of the next leaf, when it completes such a node."""
    leaves: dict[int, bytes] = field(default_factory=dict)
    """The leaf hashes before the next leaf in its 16-leaf block, when it completes one."""
    documents: dict[tuple[str, str], tuple[str, int, bytes | None]] = field(default_factory=dict)
    """Found projection documents as stored (JSON text, seq, seal); a wanted key missing
    here is absent."""


@dataclass(frozen=True)
class PgWrite:
    """Every row one append writes: projections, links, the entry and its Merkle nodes."""

    docs: Sequence[tuple[str, str, str, int, bytes | None]]
    """``(kind, key, JSON, seq, seal)``; the seal is ``None`` when the store does not seal."""
    links: Sequence[tuple[str, str, str, int]]
    entry: tuple[int, bytes, bytes, str, str, str, str]
    nodes: Sequence[tuple[int, int, bytes]]


def _json(rows: Sequence[Sequence[Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


class PgAppendSession:
    """Append transactions, one after another, on the process's append connection.

    The connection is in autocommit mode, which stops psycopg from sending its own BEGIN (a
    round trip of its own); each transaction is opened by the append's first message, and
    ended by :meth:`commit` or :meth:`rollback`, after which the next one can start.
    """

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection
        self._literal = psycopg.ClientCursor(self._connection)
        self.begun = False
        self.lock_timeout_ms = 5000
        """How long the next transaction waits for the writer lock (set before each append)."""

    def _begin(self) -> str:
        return _BEGIN.format(ms=max(1, int(self.lock_timeout_ms)))

    def begin(self) -> None:
        """Open the transaction and take the writer lock (one round trip)."""
        self.begun = True
        self._literal.execute(f"{self._begin()}; {_LOCK}")

    def begin_and_read(
        self, actor: str, nonce: str, documents: Sequence[tuple[str, str]]
    ) -> AppendReads:
        """Open the transaction, take the lock and read what the append needs (one round
        trip)."""
        params = (actor, nonce, _json(documents))
        begin_and_read = f"{self._begin()}; {_LOCK}; {_READ}"
        self.begun = True
        try:
            self._literal.execute(begin_and_read, params)
        except psycopg.errors.InvalidSqlStatementName:
            # Not yet prepared on this connection, or gone: psycopg deallocates every
            # prepared statement of a session after a ROLLBACK or DDL (DEALLOCATE ALL). The
            # two are always prepared together and both go at once, so finding the read
            # statement means the write statement is there too; nothing runs between the
            # two messages of an append that would make psycopg drop them.
            self._literal.execute("ROLLBACK")
            self._literal.execute(f"{_PREPARE_READS}; {_PREPARE_WRITE}")
            self._literal.execute(begin_and_read, params)
        while self._literal.nextset():
            pass  # to the EXECUTE's rows, the last result of the message
        found = AppendReads()
        for tag, first, second, blob, kind, key, value in self._literal.fetchall():
            if tag == "n":
                found.existing_leaf = bytes(blob)
            elif tag == "h":
                found.head = (int(first), bytes(blob))
                found.head_prefix = None if value is None else str(value).encode("utf-8")
            elif tag == "s":
                if blob is not None:  # a sibling is missing only from a damaged tree
                    found.siblings[(int(first), int(second))] = bytes(blob)
            elif tag == "l":
                if blob is not None:  # a leaf before the head is never missing
                    found.leaves[int(first)] = bytes(blob)
            elif value is not None:
                seal = None if blob is None else bytes(blob)
                found.documents[(str(kind), str(key))] = (str(value), int(first), seal)
        return found

    def commit(self, write: PgWrite | None) -> None:
        """Write the append's rows and commit, in one round trip (or just commit)."""
        if write is None:
            if self.begun:
                self._literal.execute("COMMIT")
        else:
            nodes = [(level, index, value.hex()) for level, index, value in write.nodes]
            docs = [(*row[:4], None if row[4] is None else row[4].hex()) for row in write.docs]
            params = [_json(docs), _json(write.links), _json(nodes), *write.entry]
            self._literal.execute(_WRITE_AND_COMMIT, params)
        self.begun = False

    def rollback(self) -> None:
        """End the transaction without keeping anything."""
        if self.begun and not self._connection.closed:
            self._literal.execute("ROLLBACK")
        self.begun = False
