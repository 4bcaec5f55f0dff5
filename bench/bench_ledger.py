"""Ledger throughput measured against ceilings taken in the same run.

Usage::

    python -m bench.bench_ledger [--quick] [--entries N] [--rounds R]
                                 [--markdown docs/performance-ledger.md]

Phases, each bounded by a fixed count:

1. Raw ceilings: one-row-per-transaction inserts into an ``entries``-shaped table with plain
   ``sqlite3`` (same pragmas as the ledger engine) and plain psycopg; Ed25519 verifications
   of real-size statements; the SHA-256 leaf-hash chain over real-size leaves.
2. Appends through ``ledger.chain.append`` + ``SqlLedgerStore`` (1 writer, and N writer
   processes started on a barrier), compared with ``1 / (1/raw insert + 1/Ed25519 verify)``.
   Phases 1 (but the SHA-256 chain) and 2 run as R rounds (3 by default): each round
   measures the ceilings right before the appends it judges, and the report keeps the
   round with the median ratio, listing every round's.
3. Full verification (``verify_stored_leaves(store.stored_leaves(), registry)``, what
   ``biotraza ledger verify`` runs) of a ledger built by a bulk path that exists only here,
   compared with the Ed25519 ceiling; the same over an in-memory list shows the DB read cost.

Statements are signed before any timing starts: signing is the client's cost.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import multiprocessing.queues
import multiprocessing.synchronize
import os
import queue
import secrets
import sqlite3
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from sqlalchemy import Table

from bench.common import (
    DEFAULT_PG_URL,
    Result,
    Timer,
    expect,
    machine_facts,
    markdown_section,
    pg_schema,
    pg_server_version,
    print_results,
    write_markdown,
)
from ledger.canonical import canonicalize
from ledger.catalog import core_registry
from ledger.chain import admit, append, verify_stored_leaves
from ledger.entries import build_entry
from ledger.hashing import GENESIS_PREV, EntryHash, leaf_hash
from ledger.keys import STATEMENT_DOMAIN, encode_public_key
from ledger.merkle import STORED_FROM_LEVEL, nodes_completed_by_append
from ledger.registry import Registry
from ledger.state import InMemoryState
from ledger.statements import SignedStatement, sign_statement
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine, upgrade_database
from ledger.storage.sql.models import EntryRow, MerkleNodeRow, StateObjectRow

ORIGIN = "biotraza.bench/log"
APPEND_TARGET = 0.50
VERIFY_TARGET = 0.70
BULK_CHUNK = 5_000
WRITER_TIMEOUT_S = 3_600.0
MARKDOWN_MARKER = "bench-ledger"

_entries = cast(Table, EntryRow.__table__)
_nodes = cast(Table, MerkleNodeRow.__table__)
_state = cast(Table, StateObjectRow.__table__)

progress = Console(stderr=True)


# --------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Sizes:
    """How much work each phase does."""

    raw_inserts: int
    ed25519: int
    sha256: int
    appends: int
    writers: int
    per_writer: int
    entries: int
    rounds: int

    @classmethod
    def choose(cls, args: argparse.Namespace) -> Sizes:
        """Full or ``--quick`` defaults, with any explicit override applied."""
        if args.quick:
            base = cls(200, 2_000, 20_000, 200, 8, 40, 5_000, 1)
        else:
            base = cls(2_000, 20_000, 200_000, 2_000, 8, 400, 100_000, 3)
        return cls(
            raw_inserts=args.raw_inserts or base.raw_inserts,
            ed25519=base.ed25519,
            sha256=base.sha256,
            appends=args.appends or base.appends,
            writers=args.writers or base.writers,
            per_writer=args.per_writer or base.per_writer,
            entries=args.entries or base.entries,
            rounds=args.rounds or base.rounds,
        )


# --------------------------------------------------------------------------- statements


def derive_key(label: str) -> Ed25519PrivateKey:
    """A private key derived from a label: the same in every run and process."""
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"biotraza-bench:{label}".encode()).digest()
    )


@dataclass(frozen=True)
class LedgerKeys:
    """The genesis keys of every ledger this benchmark creates."""

    root: Ed25519PrivateKey
    operator: Ed25519PrivateKey

    @classmethod
    def make(cls) -> LedgerKeys:
        """The fixed root and operator keys."""
        return cls(root=derive_key("root"), operator=derive_key("operator"))

    def genesis(self) -> SignedStatement:
        """The genesis statement naming the root and operator keys."""
        body = {
            "origin": ORIGIN,
            "root_keys": [{"name": "root", "public_key": encode_public_key(self.root)}],
            "operator_key": {"name": "operator", "public_key": encode_public_key(self.operator)},
        }
        return sign_statement(self.root, "ledger.genesis", body)

    def key_added(self, label: str) -> SignedStatement:
        """A root-signed ``key.added`` introducing the key derived from ``label``."""
        body = {
            "name": label,
            "public_key": encode_public_key(derive_key(label)),
            "role": "certifier",
        }
        return sign_statement(self.root, "key.added", body)

    def key_added_many(self, prefix: str, count: int) -> list[SignedStatement]:
        """``count`` distinct ``key.added`` statements."""
        return [self.key_added(f"{prefix}-{i:06d}") for i in range(count)]


@dataclass(frozen=True)
class RealSizes:
    """Byte sizes of a real ``key.added`` entry, so the raw ceilings use the same sizes."""

    signed_message: int
    leaf: int
    leaf_sample: bytes

    @classmethod
    def measure(cls, keys: LedgerKeys) -> RealSizes:
        """Sign one statement and place it deep in a chain to measure it."""
        signed = keys.key_added("size-probe-000000")
        entry = build_entry(54_321, EntryHash(secrets.token_bytes(32)), signed)
        message = STATEMENT_DOMAIN + signed.statement.canonical_bytes
        return cls(
            signed_message=len(message), leaf=len(entry.leaf_bytes), leaf_sample=entry.leaf_bytes
        )


# --------------------------------------------------------------------------- raw ceilings

_RAW_INSERT_SQLITE = (
    "INSERT INTO entries (seq, entry_hash, leaf, type, actor, nonce, ts) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_RAW_INSERT_PG = _RAW_INSERT_SQLITE.replace("?", "%s")


def _raw_ddl(blob: str) -> list[str]:
    # The shape the migration gives ``entries`` (BIGINT primary key, two unique constraints,
    # the type index), without the append-only triggers, which fire on UPDATE/DELETE only.
    return [
        "CREATE TABLE entries ("
        "seq BIGINT NOT NULL PRIMARY KEY, "
        f"entry_hash {blob} NOT NULL UNIQUE, "
        f"leaf {blob} NOT NULL, "
        "type VARCHAR(64) NOT NULL, "
        "actor VARCHAR(32) NOT NULL, "
        "nonce VARCHAR(64) NOT NULL, "
        "ts VARCHAR(32) NOT NULL, "
        "UNIQUE (actor, nonce))",
        "CREATE INDEX ix_entries_type ON entries (type)",
    ]


RawRow = tuple[int, bytes, bytes, str, str, str, str]


def _raw_rows(count: int, leaf_size: int) -> list[RawRow]:
    actor = secrets.token_hex(16)
    return [
        (
            seq,
            secrets.token_bytes(32),
            secrets.token_bytes(leaf_size),
            "key.added",
            actor,
            secrets.token_urlsafe(18),
            "2026-03-01T12:00:00Z",
        )
        for seq in range(count)
    ]


def raw_sqlite_inserts(count: int, leaf_size: int, workdir: Path) -> Result:
    """Plain sqlite3, WAL + synchronous=FULL, one row per BEGIN IMMEDIATE … COMMIT."""
    rows = _raw_rows(count, leaf_size)
    conn = sqlite3.connect(
        workdir / f"raw-{uuid.uuid4().hex[:8]}.db", isolation_level=None, timeout=60
    )
    try:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=60000"):
            conn.execute(f"PRAGMA {pragma}")
        for ddl in _raw_ddl("BLOB"):
            conn.execute(ddl)
        cursor = conn.cursor()
        with Timer() as timer:
            for row in rows:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute(_RAW_INSERT_SQLITE, row)
                cursor.execute("COMMIT")
        stored = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    finally:
        conn.close()
    expect(stored == count, f"raw SQLite stored {stored} rows, expected {count}")
    return Result(
        "Raw ceilings",
        "SQLite insert, 1 row/tx",
        count,
        timer.seconds,
        note=f"sqlite3, WAL, synchronous=FULL, {leaf_size} B leaf",
    )


def raw_pg_inserts(count: int, leaf_size: int, pg_url: str) -> Result:
    """Plain psycopg, one row per transaction, in a fresh schema."""
    rows = _raw_rows(count, leaf_size)
    with pg_schema(pg_url, "bench_raw") as schema:
        with psycopg.connect(schema.conninfo) as conn:
            for ddl in _raw_ddl("BYTEA"):
                conn.execute(ddl)
            conn.commit()
            with Timer() as timer:
                for row in rows:
                    conn.execute(_RAW_INSERT_PG, row)
                    conn.commit()
            found = conn.execute("SELECT count(*) FROM entries").fetchone()
        stored = found[0] if found else 0
    expect(stored == count, f"raw PostgreSQL stored {stored} rows, expected {count}")
    return Result(
        "Raw ceilings",
        "PostgreSQL insert, 1 row/tx",
        count,
        timer.seconds,
        note=f"psycopg, default synchronous_commit, {leaf_size} B leaf",
    )


def ed25519_verifies(count: int, keys: LedgerKeys) -> Result:
    """Ed25519 verifications (cryptography, one thread) over real signed statements."""
    samples = keys.key_added_many("ed25519-probe", 256)
    pairs = [(STATEMENT_DOMAIN + s.statement.canonical_bytes, s.signature) for s in samples]
    verify = keys.root.public_key().verify
    size = len(pairs[0][0])
    with Timer() as timer:
        for i in range(count):
            message, signature = pairs[i % len(pairs)]
            verify(signature, message)
    return Result(
        "Raw ceilings", "Ed25519 verify", count, timer.seconds, note=f"~{size} B messages"
    )


def sha256_chain(count: int, sizes: RealSizes) -> Result:
    """Leaf hashes of real-size leaves, each leaf carrying the previous hash in hex."""
    head, tail = b'{"prev":"', sizes.leaf_sample[len('{"prev":"') + 64 :]
    prev = bytes(32)
    with Timer() as timer:
        for _ in range(count):
            prev = leaf_hash(head + prev.hex().encode() + tail)
    return Result(
        "Raw ceilings",
        "SHA-256 leaf-hash chain",
        count,
        timer.seconds,
        note=f"{sizes.leaf} B leaves, prev hash embedded",
    )


def append_ceiling(raw_insert: Result, ed25519: Result) -> float:
    """Appends/s if an append cost exactly one raw insert plus one verification."""
    return 1.0 / (1.0 / raw_insert.rate + 1.0 / ed25519.rate)


# --------------------------------------------------------------------------- ledgers


@contextmanager
def ledger_url(engine: str, workdir: Path, pg_url: str) -> Iterator[str]:
    """A URL of an empty database on ``engine``; a PostgreSQL schema is dropped afterwards."""
    if engine == "sqlite":
        yield f"sqlite:///{workdir / f'ledger-{uuid.uuid4().hex[:8]}.db'}"
        return
    with pg_schema(pg_url, "bench_ledger") as schema:
        yield schema.url


def init_ledger(url: str, keys: LedgerKeys) -> None:
    """Migrate the database and append genesis."""
    engine = create_ledger_engine(url)
    try:
        upgrade_database(engine)
        append(SqlLedgerStore(engine), core_registry(), keys.genesis())
    finally:
        engine.dispose()


def ledger_size(url: str) -> int:
    """The tree size of the ledger at ``url``."""
    engine = create_ledger_engine(url)
    try:
        return SqlLedgerStore(engine).head().size
    finally:
        engine.dispose()


def appends_one_writer(
    engine_name: str, url: str, statements: Sequence[SignedStatement], ceiling: float
) -> Result:
    """``append`` each pre-signed statement in turn, one process, one engine."""
    engine = create_ledger_engine(url)
    store = SqlLedgerStore(engine)
    registry = core_registry()
    try:
        with Timer() as timer:
            for signed in statements:
                if not append(store, registry, signed).created:
                    raise RuntimeError("an append was answered as a replay")
    finally:
        engine.dispose()
    size = ledger_size(url)
    expect(size == 1 + len(statements), f"ledger has {size} entries after the appends")
    return Result(
        "Appends",
        f"{engine_name}, 1 writer",
        len(statements),
        timer.seconds,
        ceiling=ceiling,
        target=APPEND_TARGET,
        note="chain.append + SqlLedgerStore",
    )


WriterReport = tuple[int, float, float, str]
"""(appended, start, end, error traceback or "") from one writer process."""


def _writer(
    url: str,
    payload: list[dict[str, Any]],
    barrier: multiprocessing.synchronize.Barrier,
    reports: multiprocessing.queues.Queue[WriterReport],
) -> None:
    """Writer process: own engine, start on the barrier, append its statements."""
    try:
        statements = [SignedStatement.from_dict(item) for item in payload]
        engine = create_ledger_engine(url)
        store = SqlLedgerStore(engine)
        registry = core_registry()
        store.head()  # open the pooled connection before the start line
        barrier.wait(timeout=WRITER_TIMEOUT_S)
        start = time.monotonic()
        for signed in statements:
            if not append(store, registry, signed).created:
                raise RuntimeError("an append was answered as a replay")
        end = time.monotonic()
        engine.dispose()
        reports.put((len(statements), start, end, ""))
    except BaseException:  # noqa: BLE001 - every failure must reach the parent
        barrier.abort()
        reports.put((0, 0.0, 0.0, traceback.format_exc()))


def appends_concurrent(
    engine_name: str, url: str, batches: Sequence[Sequence[SignedStatement]], ceiling: float
) -> Result:
    """One OS process per batch (spawn), all released by one barrier; total / wall time."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(batches))
    reports: multiprocessing.queues.Queue[WriterReport] = context.Queue()
    processes = [
        context.Process(
            target=_writer,
            args=(url, [s.to_dict() for s in batch], barrier, reports),
            name=f"bench-writer-{i}",
            daemon=True,
        )
        for i, batch in enumerate(batches)
    ]
    received: list[WriterReport] = []
    try:
        for process in processes:
            process.start()
        deadline = time.monotonic() + WRITER_TIMEOUT_S
        while len(received) < len(processes):
            try:
                received.append(reports.get(timeout=1.0))
            except queue.Empty:
                if not any(p.is_alive() for p in processes):
                    raise RuntimeError("writer processes exited without reporting") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("writer processes timed out") from None
        for process in processes:
            process.join(timeout=60)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join()
    errors = [error for *_rest, error in received if error]
    if errors:
        raise RuntimeError("a writer process failed:\n" + errors[0])
    total = sum(report[0] for report in received)
    wall = max(report[2] for report in received) - min(report[1] for report in received)
    expected = sum(len(batch) for batch in batches)
    size = ledger_size(url)
    expect(total == expected and size == 1 + expected, f"ledger has {size} entries")
    return Result(
        "Appends",
        f"{engine_name}, {len(batches)} writers",
        total,
        wall,
        ceiling=ceiling,
        target=APPEND_TARGET,
        note=f"{len(batches)} processes × {len(batches[0])}, barrier start",
    )


# --------------------------------------------------------------------------- verification


class _DictNodes:
    """Merkle nodes in a dict, for ``nodes_completed_by_append`` while bulk-building."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}

    def get_node(self, level: int, index: int) -> bytes:
        return self.nodes[(level, index)]


@dataclass(frozen=True)
class BuiltLedger:
    """What the bulk path wrote: size, head hash and projection row count."""

    size: int
    head: EntryHash
    projections: int
    seconds: float


def bulk_build(
    url: str, count: int, keys: LedgerKeys, registry: Registry, tick: Callable[[int], None]
) -> BuiltLedger:
    """Write a valid ledger of ``count`` entries without ``append``: admit + build in memory,
    then executemany of entries, Merkle nodes and projection rows in big transactions."""
    started = time.perf_counter()
    engine = create_ledger_engine(url)
    try:
        upgrade_database(engine)
        state = InMemoryState()
        nodes = _DictNodes()
        prev = GENESIS_PREV
        entry_rows: list[dict[str, Any]] = []
        node_rows: list[dict[str, Any]] = []
        for seq in range(count):
            signed = keys.genesis() if seq == 0 else keys.key_added(f"verify-{seq:07d}")
            admit(seq, signed, state, registry, check_signature=False)
            entry = build_entry(seq, prev, signed)
            statement = signed.statement
            entry_rows.append(
                {
                    "seq": seq,
                    "entry_hash": entry.entry_hash,
                    "leaf": entry.leaf_bytes,
                    "type": statement.type,
                    "actor": statement.actor,
                    "nonce": statement.nonce,
                    "ts": statement.ts,
                }
            )
            for level, index, value in nodes_completed_by_append(nodes, seq, entry.entry_hash):
                nodes.nodes[(level, index)] = value
                if level >= STORED_FROM_LEVEL:  # the rows SqlLedgerStore keeps
                    node_rows.append({"level": level, "idx": index, "hash": value})
            prev = entry.entry_hash
            if len(entry_rows) >= BULK_CHUNK or seq == count - 1:
                with engine.begin() as conn:
                    conn.execute(_entries.insert(), entry_rows)
                    conn.execute(_nodes.insert(), node_rows)
                entry_rows, node_rows = [], []
                tick(seq + 1)
        docs = state.dump()
        state_rows = [
            {"kind": kind, "key": key, "value": canonicalize(doc).decode("utf-8"), "seq": at}
            for (kind, key), (doc, at) in sorted(docs.items())
        ]
        with engine.begin() as conn:
            for start in range(0, len(state_rows), BULK_CHUNK):
                conn.execute(_state.insert(), state_rows[start : start + BULK_CHUNK])
    finally:
        engine.dispose()
    return BuiltLedger(count, prev, len(state_rows), time.perf_counter() - started)


def verification(
    engine_name: str, url: str, built: BuiltLedger, registry: Registry, ed25519_rate: float
) -> list[Result]:
    """Time the CLI's verification path, a plain read of the leaves, and an in-memory verify."""
    engine = create_ledger_engine(url)
    store = SqlLedgerStore(engine)
    try:
        workers = max((os.cpu_count() or 1) - 1, 1)
        with Timer() as parallel:
            checked = verify_stored_leaves(store.stored_leaves(), registry, workers=workers)
        _check_verified(checked.size, checked.head_hash, len(checked.state.dump()), built)
        del checked
        with Timer() as from_db:
            checked = verify_stored_leaves(store.stored_leaves(), registry)
        _check_verified(checked.size, checked.head_hash, len(checked.state.dump()), built)
        del checked
        with Timer() as read:
            leaves = list(store.stored_leaves())
        with Timer() as in_memory:
            checked = verify_stored_leaves(leaves, registry)
        _check_verified(checked.size, checked.head_hash, len(checked.state.dump()), built)
        del checked, leaves
    finally:
        engine.dispose()
    n = built.size
    read_us = read.seconds / n * 1e6
    return [
        Result(
            "Verification",
            f"{engine_name}: verify_stored_leaves(..., workers={workers})",
            n,
            parallel.seconds,
            ceiling=ed25519_rate,
            target=VERIFY_TARGET,
            note="what `biotraza ledger verify` runs above 20,000 entries: signatures in "
            f"{workers} worker process(es) beside the replay; ceiling is one core's Ed25519 rate",
        ),
        Result(
            "Verification",
            f"{engine_name}: verify_stored_leaves(store.stored_leaves()), one process",
            n,
            from_db.seconds,
            ceiling=ed25519_rate,
            note="everything in one process",
        ),
        Result(
            "Verification",
            f"{engine_name}: verify an in-memory list (no DB)",
            n,
            in_memory.seconds,
            ceiling=ed25519_rate,
            note="same leaves, already fetched",
        ),
        Result(
            "Verification",
            f"{engine_name}: read stored_leaves() only",
            n,
            read.seconds,
            note=f"DB read cost ≈ {read_us:.1f} µs/entry",
        ),
    ]


def _check_verified(size: int, head: EntryHash, projections: int, built: BuiltLedger) -> None:
    expect(size == built.size, f"verified {size} entries, built {built.size}")
    expect(head == built.head, "verified head hash differs from the built one")
    expect(projections == built.projections, "replayed projections differ in number")


def _load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


# --------------------------------------------------------------------------- rounds


@dataclass(frozen=True)
class _Round:
    """One round: each engine's raw insert ceiling, the Ed25519 ceiling, and the appends
    measured right after them (``appends[(engine, "one" | "many")]``)."""

    raw: dict[str, Result]
    ed25519: Result
    appends: dict[tuple[str, str], Result]


def _median_result(measured: list[Result], by: str = "ratio") -> Result:
    """The result with the median ``ratio`` (or ``rate``) of its rounds, the lower middle
    one for an even count; with several rounds its note lists every round's value."""

    def value(result: Result) -> float:
        found = result.ratio if by == "ratio" else result.rate
        return float("nan") if found is None else found

    ordered = sorted(measured, key=value)
    median = ordered[(len(ordered) - 1) // 2]
    if len(measured) == 1:
        return median
    shown = [f"{value(r):.0%}" if by == "ratio" else f"{value(r):,.0f}/s" for r in measured]
    note = f"median of {len(measured)} rounds: {', '.join(shown)}"
    return replace(median, note=f"{median.note}; {note}" if median.note else note)


def _append_round(
    number: int,
    sizes: Sizes,
    engines: list[str],
    keys: LedgerKeys,
    real: RealSizes,
    workdir: Path,
    pg_url: str,
    runner: _Phases,
) -> _Round:
    """Ceilings, then appends against them, close together in time.

    A shared machine drifts (other tenants, CPU frequency, disk cache): measuring the
    ceilings minutes before the appends they judge would compare two different machines.
    Each round measures both back to back; the report keeps the median round.
    """
    label = f"round {number}/{sizes.rounds}"
    raw: dict[str, Result] = {}
    with runner.phase(f"{label}: raw SQLite inserts ({sizes.raw_inserts:,})"):
        raw["SQLite"] = raw_sqlite_inserts(sizes.raw_inserts, real.leaf, workdir)
    if "PostgreSQL" in engines:
        with runner.phase(f"{label}: raw PostgreSQL inserts ({sizes.raw_inserts:,})"):
            raw["PostgreSQL"] = raw_pg_inserts(sizes.raw_inserts, real.leaf, pg_url)
    with runner.phase(f"{label}: Ed25519 verify ({sizes.ed25519:,})"):
        ed25519 = ed25519_verifies(sizes.ed25519, keys)
    appends: dict[tuple[str, str], Result] = {}
    for engine_name in engines:
        ceiling = append_ceiling(raw[engine_name], ed25519)
        with runner.phase(f"{label}: {engine_name}, 1 writer × {sizes.appends:,} appends"):
            statements = keys.key_added_many(f"single-{number}", sizes.appends)
            with ledger_url(engine_name.lower(), workdir, pg_url) as url:
                init_ledger(url, keys)
                appends[(engine_name, "one")] = appends_one_writer(
                    engine_name, url, statements, ceiling
                )
        writers = f"{sizes.writers} writers × {sizes.per_writer:,} appends"
        with runner.phase(f"{label}: {engine_name}, {writers}"):
            batches = [
                keys.key_added_many(f"writer{w}-{number}", sizes.per_writer)
                for w in range(sizes.writers)
            ]
            with ledger_url(engine_name.lower(), workdir, pg_url) as url:
                init_ledger(url, keys)
                appends[(engine_name, "many")] = appends_concurrent(
                    engine_name, url, batches, ceiling
                )
    return _Round(raw=raw, ed25519=ed25519, appends=appends)


# --------------------------------------------------------------------------- driver


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_ledger",
        description="Ledger append and verification rates against raw ceilings.",
    )
    parser.add_argument("--quick", action="store_true", help="about 10x less work per phase")
    parser.add_argument("--entries", type=int, help="ledger size for verification")
    parser.add_argument("--appends", type=int, help="appends with 1 writer, per engine")
    parser.add_argument("--writers", type=int, help="concurrent writer processes (8)")
    parser.add_argument("--per-writer", type=int, help="appends per concurrent writer")
    parser.add_argument("--raw-inserts", type=int, help="rows for the raw insert ceilings")
    parser.add_argument(
        "--rounds", type=int, help="rounds of ceilings + appends per engine (3; median kept)"
    )
    parser.add_argument("--markdown", type=Path, help="also write a markdown section here")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="SQLAlchemy PostgreSQL URL")
    parser.add_argument("--no-pg", action="store_true", help="skip every PostgreSQL phase")
    parser.add_argument(
        "--pg-verify", action="store_true", help="also build and verify a ledger on PostgreSQL"
    )
    return parser.parse_args(argv)


class _Ticker:
    """Logs bulk-build progress about five times."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.step = max(total // 5, BULK_CHUNK)
        self.last = 0

    def __call__(self, done: int) -> None:
        if done - self.last >= self.step or done == self.total:
            progress.log(f"  built {done:,}/{self.total:,}")
            self.last = done


class _Phases:
    """Runs phases in order, logging each to stderr with its duration."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        progress.log(f"▶ {name}")
        with Timer() as timer:
            yield
        progress.log(f"  done in {timer.seconds:.1f} s")


def run(argv: Sequence[str] | None = None) -> list[Result]:
    """Run every phase and print (and optionally write) the results table."""
    args = _parse_args(argv)
    sizes = Sizes.choose(args)
    use_pg = not args.no_pg
    pg_version = pg_server_version(args.pg_url) if use_pg else None
    facts = machine_facts(pg_version)
    keys = LedgerKeys.make()
    registry = core_registry()
    real = RealSizes.measure(keys)
    runner = _Phases()
    results: list[Result] = []
    engines = ["SQLite", "PostgreSQL"] if use_pg else ["SQLite"]
    build_notes: list[str] = []

    with tempfile.TemporaryDirectory(prefix="biotraza-bench-") as tmp:
        workdir = Path(tmp)
        with runner.phase(f"SHA-256 chain ({sizes.sha256:,})"):
            chain = sha256_chain(sizes.sha256, real)
        rounds: list[_Round] = []
        for number in range(1, sizes.rounds + 1):
            rounds.append(
                _append_round(number, sizes, engines, keys, real, workdir, args.pg_url, runner)
            )
        ed25519 = _median_result([r.ed25519 for r in rounds], "rate")
        results += [
            *[_median_result([r.raw[e] for r in rounds], "rate") for e in engines],
            ed25519,
            chain,
        ]
        for engine_name in engines:
            for kind in ("one", "many"):
                results.append(_median_result([r.appends[(engine_name, kind)] for r in rounds]))

        verify_engines = ["SQLite", "PostgreSQL"] if use_pg and args.pg_verify else ["SQLite"]
        for engine_name in verify_engines:
            with ledger_url(engine_name.lower(), workdir, args.pg_url) as url:
                with runner.phase(f"{engine_name}: bulk-build {sizes.entries:,} entries"):
                    built = bulk_build(url, sizes.entries, keys, registry, _Ticker(sizes.entries))
                build_notes.append(
                    f"{engine_name}: bulk build of {built.size:,} entries (setup, untimed as a "
                    f"rate) took {built.seconds:.1f} s"
                )
                with runner.phase(f"{engine_name}: verify {sizes.entries:,} entries"):
                    results += verification(engine_name, url, built, registry, ed25519.rate)

    total = time.perf_counter() - runner.started
    title = f"Biotraza ledger benchmark{' (--quick)' if args.quick else ''}"
    facts["Load average at end"] = _load_average()
    print_results(results, title)
    notes = [
        "Append ceiling = 1 / (1/raw insert rate + 1/Ed25519 verify rate) on the same engine; "
        f"targets: appends ≥ {APPEND_TARGET:.0%} of it, verification ≥ {VERIFY_TARGET:.0%} of "
        "the Ed25519 rate.",
        "Statements are signed before timing; each append is a root-signed `key.added`.",
        f"{sizes.rounds} round(s): each measures the raw insert and Ed25519 ceilings right "
        "before the appends it compares with them; an append row is the round with the median "
        "ratio (every round's ratio in its note), a ceiling row the median rate.",
        f"Real sizes: signed message {real.signed_message} B, leaf {real.leaf} B.",
        *build_notes,
        f"Whole run: {total:.0f} s.",
    ]
    for note in notes:
        print(f"- {note}")
    if args.markdown is not None:
        command = " ".join(["python -m bench.bench_ledger", *(argv or sys.argv[1:])])
        section = markdown_section(
            "Ledger throughput", facts, results, command=command, notes=notes
        )
        write_markdown(args.markdown, MARKDOWN_MARKER, section)
        progress.log(f"markdown written to {args.markdown}")
    return results


def main() -> None:
    """Entry point of ``python -m bench.bench_ledger``."""
    run()


if __name__ == "__main__":
    main()
