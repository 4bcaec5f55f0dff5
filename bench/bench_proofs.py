"""Merkle proof latency and size at 10k and 1M entries, and what the tree costs an append.

Usage::

    python -m bench.bench_proofs [--quick] [--sizes 10000,1000000] [--samples 2000]
                                 [--appends 2000] [--markdown docs/performance.md] [--no-pg]

Phases:

1. Build one ledger of ``max(sizes)`` entries in memory with the bulk path (``bench.bulk``):
   genesis, then root-signed ``key.added`` entries (really signed; the added keys are
   32 pseudo-random bytes, which is all ``key.added`` checks). Smaller sizes are prefixes.
2. For each engine: load every size's prefix (entries, the stored Merkle nodes, projections) into
   its own database, then time, for the same random ``(index, size)`` pairs on both engines
   and with calls alternating between the sizes: ``inclusion_document(store, index, size,
   leaf)`` and ``consistency_document(store, a, b)`` (what ``LedgerService.inclusion`` and
   ``consistency`` call), and ``LedgerService.inclusion`` itself (which adds two head reads
   and an entry read). Every proof is then verified against the root computed in memory,
   and its size recorded (raw hash bytes, JSON bytes).
3. Appends through ``ledger.chain.append`` on a ledger that maintains the tree and on one
   whose transaction skips ``stored_nodes_completed_by_append`` and its reads (patched
   here, in the benchmark only), taking turns in blocks of the same pre-signed statements:
   the median slowdown over block pairs is the tree's cost.

Objects built before timing are moved out of the garbage collector's sight (``gc.freeze``):
a million in-memory documents would otherwise put multi-second collections into the tails.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean, median
from typing import Any, TypeVar
from unittest import mock

from sqlalchemy import Engine

from api.services.ledger import LedgerService
from bench.bench_ledger import LedgerKeys, init_ledger
from bench.bulk import BuiltLedger, LedgerBuilder, load_ledger
from bench.common import (
    DEFAULT_PG_URL,
    Report,
    Timer,
    expect,
    load_average,
    machine_facts,
    parse_count,
    percentile,
    pg_schema,
    pg_server_version,
    phase,
    print_report,
    progress,
    publish_reports,
)
from ledger.catalog import core_registry
from ledger.chain import append
from ledger.keys import encode_public_key
from ledger.merkle import InMemoryNodes, root_at, verify_consistency, verify_inclusion
from ledger.registry import Registry
from ledger.statements import SignedStatement, sign_statement
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine
from ledger.storage.sql import store as sql_store
from ledger.transparency import (
    ConsistencyProofDocument,
    InclusionProofDocument,
    consistency_document,
    inclusion_document,
)

MARKDOWN_MARKER = "bench-proofs"
P99_TARGET_MS = 5.0
FLAT_TARGET = 1.5
"""p99 at the largest size may be at most this multiple of p99 at the smallest ("flat")."""
APPEND_SLOWDOWN_TARGET = 0.10
WARMUP = 50
APPEND_BLOCK = 20
"""Appends per block; the two ledgers take turns block by block."""
TS = "2026-03-01T12:00:00Z"

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """What this run measures."""

    sizes: tuple[int, ...]
    samples: int
    appends: int
    engines: tuple[str, ...]
    pg_url: str
    seed: int

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Settings:
        """Full or ``--quick`` defaults with explicit overrides."""
        sizes: tuple[int, ...] = (1_000, 20_000) if args.quick else (10_000, 1_000_000)
        samples, appends = (500, 200) if args.quick else (2_000, 2_000)
        if args.sizes:
            sizes = tuple(sorted({parse_count(s) for s in args.sizes.split(",") if s.strip()}))
        engines = ("SQLite",) if args.no_pg else ("SQLite", "PostgreSQL")
        return cls(
            sizes=sizes,
            samples=args.samples or samples,
            appends=args.appends or appends,
            engines=engines,
            pg_url=args.pg_url,
            seed=args.seed,
        )


# --------------------------------------------------------------------------- statements


def _pseudo_public_key(label: str) -> str:
    # key.added checks that the key is 32 bytes of canonical base64url and new, nothing more;
    # deriving a real key pair per entry would add ~40 % to the build of a million entries.
    return encode_public_key(hashlib.sha256(f"biotraza-bench-proofs:{label}".encode()).digest())


def key_added(keys: LedgerKeys, seq: int, prefix: str = "proof") -> SignedStatement:
    """A root-signed ``key.added`` with a deterministic nonce (unique per ``prefix``/``seq``)."""
    label = f"{prefix}-{seq:08d}"
    body = {"name": label, "public_key": _pseudo_public_key(label), "role": "certifier"}
    return sign_statement(keys.root, "key.added", body, ts=TS, nonce=label)


def build_ledger(
    keys: LedgerKeys, registry: Registry, size: int, checkpoints: Sequence[int]
) -> BuiltLedger:
    """Genesis plus ``size - 1`` ``key.added`` entries, admitted in memory."""
    builder = LedgerBuilder(registry, checkpoints)
    builder.add(keys.genesis())
    step = max(size // 10, 1)
    for seq in range(1, size):
        builder.add(key_added(keys, seq))
        if (seq + 1) % step == 0:
            progress.log(f"  signed and admitted {seq + 1:,}/{size:,} (load {load_average()})")
    return builder.finish()


# --------------------------------------------------------------------------- databases


@contextmanager
def database(engine_name: str, workdir: Path, pg_url: str) -> Iterator[str]:
    """A URL of an empty database (SQLite file, or a PostgreSQL schema dropped afterwards)."""
    if engine_name == "SQLite":
        yield f"sqlite:///{workdir / f'proofs-{uuid.uuid4().hex[:8]}.db'}"
        return
    with pg_schema(pg_url, "bench_proofs") as schema:
        yield schema.url


# --------------------------------------------------------------------------- proofs


@dataclass
class Latencies:
    """Per-call latencies (ms) of the three proof paths at one size on one engine."""

    inclusion: list[float] = field(default_factory=list)
    consistency: list[float] = field(default_factory=list)
    service: list[float] = field(default_factory=list)


@dataclass
class ProofSizes:
    """Hash counts and JSON sizes of the proofs generated at one size."""

    inclusion_hashes: list[int] = field(default_factory=list)
    inclusion_json: list[int] = field(default_factory=list)
    consistency_hashes: list[int] = field(default_factory=list)
    consistency_json: list[int] = field(default_factory=list)


def sample_pairs(
    size: int, count: int, seed: int
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Random (index, tree size) and (first, second) pairs over a ledger of ``size`` entries."""
    rng = random.Random(f"{seed}-{size}")  # noqa: S311 - reproducible sampling
    inclusion = []
    for _ in range(count):
        tree = rng.randint(1, size)
        inclusion.append((rng.randrange(tree), tree))
    consistency = []
    for _ in range(count):
        a, b = rng.randint(1, size), rng.randint(1, size)
        consistency.append((min(a, b), max(a, b)))
    return inclusion, consistency


def _timed(into: list[float], call: Callable[..., T], *args: Any) -> T:
    start = time.perf_counter()
    result = call(*args)
    into.append((time.perf_counter() - start) * 1000.0)
    return result


@dataclass
class _Target:
    """One loaded ledger under measurement: its size, store, service and sampled pairs."""

    size: int
    engine: Engine
    store: SqlLedgerStore
    service: LedgerService
    inclusion_pairs: list[tuple[int, int]]
    consistency_pairs: list[tuple[int, int]]
    latencies: Latencies = field(default_factory=Latencies)
    inclusion_docs: list[InclusionProofDocument] = field(default_factory=list)
    consistency_docs: list[ConsistencyProofDocument] = field(default_factory=list)


def measure_proofs(
    urls: dict[int, str], built: BuiltLedger, samples: int, seed: int, registry: Registry
) -> dict[int, tuple[Latencies, ProofSizes]]:
    """Time the three proof paths on ledgers of several sizes, calls interleaved across sizes
    (so background load hits every size alike); then verify every proof, record its size."""
    targets: list[_Target] = []
    try:
        for size, url in urls.items():
            engine = create_ledger_engine(url)
            store = SqlLedgerStore(engine)
            service = LedgerService(engine=engine, store=store, registry=registry)
            inclusion_pairs, consistency_pairs = sample_pairs(size, samples, seed)
            targets.append(
                _Target(size, engine, store, service, inclusion_pairs, consistency_pairs)
            )
            head = store.head()
            expect(head.size == size, f"store has {head.size} entries, loaded {size}")
            expect(head.last_hash == built.head_hash(size), "stored head hash differs")
            expect(bytes(root_at(store, size)) == built.root(size), "stored tree root differs")
        leaves = built.leaf_hashes
        warm: list[float] = []
        for i in range(min(WARMUP, samples)):
            for t in targets:
                index, tree = t.inclusion_pairs[i]
                _timed(warm, inclusion_document, t.store, index, tree, leaves[index])
                _timed(warm, consistency_document, t.store, *t.consistency_pairs[i])
                _timed(warm, t.service.inclusion, index, tree)
        for i in range(samples):
            for t in targets if i % 2 == 0 else reversed(targets):
                index, tree = t.inclusion_pairs[i]
                t.inclusion_docs.append(
                    _timed(
                        t.latencies.inclusion,
                        inclusion_document,
                        t.store,
                        index,
                        tree,
                        leaves[index],
                    )
                )
        for i in range(samples):
            for t in targets if i % 2 == 0 else reversed(targets):
                first, second = t.consistency_pairs[i]
                t.consistency_docs.append(
                    _timed(t.latencies.consistency, consistency_document, t.store, first, second)
                )
        for i in range(samples):
            for t in targets if i % 2 == 0 else reversed(targets):
                index, tree = t.inclusion_pairs[i]
                served = _timed(t.latencies.service, t.service.inclusion, index, tree)
                expect(served == t.inclusion_docs[i], "LedgerService.inclusion proof differs")
    finally:
        for t in targets:
            t.engine.dispose()
    return {
        t.size: (t.latencies, check_proofs(built, t.inclusion_docs, t.consistency_docs))
        for t in targets
    }


def check_proofs(
    built: BuiltLedger,
    inclusion_docs: Sequence[InclusionProofDocument],
    consistency_docs: Sequence[ConsistencyProofDocument],
) -> ProofSizes:
    """Verify every proof against roots computed in memory; collect the proof sizes."""
    sizes = ProofSizes()
    for doc in inclusion_docs:
        hashes = [bytes.fromhex(h) for h in doc.hashes]
        leaf = bytes.fromhex(doc.leaf_hash)
        verify_inclusion(leaf, doc.leaf_index, doc.tree_size, hashes, built.root(doc.tree_size))
        sizes.inclusion_hashes.append(len(hashes))
        sizes.inclusion_json.append(len(doc.model_dump_json().encode()))
    for cdoc in consistency_docs:
        hashes = [bytes.fromhex(h) for h in cdoc.hashes]
        root1, root2 = built.root(cdoc.first), built.root(cdoc.second)
        expect(cdoc.first_root == root1.hex() and cdoc.second_root == root2.hex(), "roots")
        verify_consistency(cdoc.first, cdoc.second, hashes, root1, root2)
        sizes.consistency_hashes.append(len(hashes))
        sizes.consistency_json.append(len(cdoc.model_dump_json().encode()))
    return sizes


# --------------------------------------------------------------------------- append cost


def _no_nodes(_reader: object, _index: int, _leaf: bytes) -> list[tuple[int, int, bytes]]:
    return []


def _no_sources(_index: int) -> tuple[list[tuple[int, int]], range]:
    return [], range(0)


@contextmanager
def tree_maintenance(enabled: bool) -> Iterator[None]:
    """Within the block, SQL appends write their Merkle nodes, or (disabled) neither read
    nor write them (on PostgreSQL the reads ride in the first message and still run)."""
    if enabled:
        yield
        return
    with (
        mock.patch.object(sql_store, "stored_nodes_completed_by_append", _no_nodes),
        mock.patch.object(sql_store, "append_sources", _no_sources),
    ):
        yield


@dataclass(frozen=True)
class AppendCost:
    """Seconds of each block of the same appends, with and without tree maintenance."""

    appends: int
    with_tree: list[float]
    without_tree: list[float]

    @property
    def slowdown(self) -> float:
        """Median over block pairs of (with / without) - 1: 0.05 means 5 % slower.

        Paired blocks ran back to back on the same statements, so a burst of background I/O
        spoils one pair, not the estimate; the median ignores such pairs.
        """
        ratios = [a / b for a, b in zip(self.with_tree, self.without_tree, strict=True)]
        return median(ratios) - 1.0

    @property
    def blocks(self) -> int:
        """Number of block pairs."""
        return len(self.with_tree)


def append_cost(
    url_with: str,
    url_without: str,
    keys: LedgerKeys,
    statements: Sequence[SignedStatement],
    registry: Registry,
) -> AppendCost:
    """Append the statements to both ledgers in alternating blocks; time every block."""
    for url in (url_with, url_without):
        init_ledger(url, keys)
    stores = {}
    engines = []
    for enabled, url in ((True, url_with), (False, url_without)):
        engine = create_ledger_engine(url)
        engines.append(engine)
        stores[enabled] = SqlLedgerStore(engine)
        stores[enabled].head()  # open the pooled connection before timing
    seconds: dict[bool, list[float]] = {True: [], False: []}
    try:
        for number, start in enumerate(range(0, len(statements), APPEND_BLOCK)):
            chunk = statements[start : start + APPEND_BLOCK]
            for enabled in (True, False) if number % 2 == 0 else (False, True):
                store = stores[enabled]
                with tree_maintenance(enabled), Timer() as timer:
                    for signed in chunk:
                        if not append(store, registry, signed).created:
                            raise RuntimeError("an append was answered as a replay")
                seconds[enabled].append(timer.seconds)
        _check_append_ledgers(stores[True], stores[False], len(statements) + 1)
    finally:
        for engine in engines:
            engine.dispose()
    return AppendCost(len(statements), seconds[True], seconds[False])


def _check_append_ledgers(with_tree: SqlLedgerStore, without: SqlLedgerStore, size: int) -> None:
    for store in (with_tree, without):
        expect(store.head().size == size, f"ledger has {store.head().size} entries, not {size}")
    leaves = [leaf.entry_hash for leaf in with_tree.stored_leaves()]
    expect(root_at(with_tree, size) == InMemoryNodes(leaves).root(), "tree root differs")
    with without.reading() as cursor:
        row = cursor.one("SELECT count(*) FROM merkle_nodes")
    expect(row is not None and int(row[0]) == 0, "the no-tree ledger stored Merkle nodes")


# --------------------------------------------------------------------------- reports


def _ms(value: float) -> str:
    return f"{value:.2f}"


def _mean_max(values: Sequence[int]) -> str:
    return f"{fmean(values):,.1f} / {max(values):,}"


def latency_report(latencies: dict[tuple[str, int], Latencies], settings: Settings) -> Report:
    """p50/p99/max of each path, engine and size."""
    report = Report(
        "Proof generation latency (ms per call)",
        ("Engine", "Path", "Tree size", "Samples", "p50", "p99", "max"),
    )
    paths: list[tuple[str, str, Callable[[Latencies], list[float]]]] = [
        ("inclusion_document", "", lambda lat: lat.inclusion),
        ("consistency_document", "", lambda lat: lat.consistency),
        ("LedgerService.inclusion", "API path: + head and entry reads", lambda lat: lat.service),
    ]
    for engine_name in settings.engines:
        for path, note, pick in paths:
            for size in settings.sizes:
                values = pick(latencies[(engine_name, size)])
                p99 = percentile(values, 0.99)
                report.add(
                    engine_name,
                    path,
                    f"{size:,}",
                    f"{len(values):,}",
                    _ms(percentile(values, 0.50)),
                    _ms(p99),
                    _ms(max(values)),
                    target=f"p99 < {P99_TARGET_MS:g} ms",
                    met=p99 < P99_TARGET_MS,
                    note=note,
                )
    return report


def flatness_report(latencies: dict[tuple[str, int], Latencies], settings: Settings) -> Report:
    """p99 at the largest size over p99 at the smallest, per engine and path."""
    small, large = settings.sizes[0], settings.sizes[-1]
    report = Report(
        f"Latency growth from {small:,} to {large:,} entries",
        ("Engine", "Path", f"p99 @ {small:,}", f"p99 @ {large:,}", "Growth"),
    )
    picks: list[tuple[str, Callable[[Latencies], list[float]]]] = [
        ("inclusion_document", lambda lat: lat.inclusion),
        ("consistency_document", lambda lat: lat.consistency),
        ("LedgerService.inclusion", lambda lat: lat.service),
    ]
    for engine_name in settings.engines:
        for path, pick in picks:
            a = percentile(pick(latencies[(engine_name, small)]), 0.99)
            b = percentile(pick(latencies[(engine_name, large)]), 0.99)
            growth = b / a if a > 0 else float("inf")
            report.add(
                engine_name,
                path,
                _ms(a),
                _ms(b),
                f"{growth:.2f}×",
                target=f"≤ {FLAT_TARGET:g}×",
                met=growth <= FLAT_TARGET,
            )
    return report


def size_report(proof_sizes: dict[int, ProofSizes]) -> Report:
    """Mean and max proof size at each tree size (the same on both engines)."""
    report = Report(
        "Proof size (mean / max over the sampled pairs)",
        ("Proof", "Tree size", "Hashes", "Raw hash bytes", "JSON document bytes"),
    )
    for kind in ("inclusion", "consistency"):
        for size, found in proof_sizes.items():
            hashes = found.inclusion_hashes if kind == "inclusion" else found.consistency_hashes
            docs = found.inclusion_json if kind == "inclusion" else found.consistency_json
            report.add(
                kind,
                f"{size:,}",
                _mean_max(hashes),
                _mean_max([32 * h for h in hashes]),
                _mean_max(docs),
            )
    return report


def append_report(costs: dict[str, AppendCost]) -> Report:
    """Append rate with and without writing the Merkle nodes."""
    report = Report(
        "Cost of maintaining the tree on append",
        ("Engine", "Appends", "With tree /s", "Without tree /s", "Slowdown"),
        left=1,
    )
    for engine_name, cost in costs.items():
        report.add(
            engine_name,
            f"{cost.appends:,}",
            f"{cost.appends / sum(cost.with_tree):,.0f}",
            f"{cost.appends / sum(cost.without_tree):,.0f}",
            f"{cost.slowdown:+.1%}",
            target=f"< {APPEND_SLOWDOWN_TARGET:.0%} slower",
            met=cost.slowdown < APPEND_SLOWDOWN_TARGET,
            note=f"median of {cost.blocks} paired blocks of {APPEND_BLOCK}",
        )
    return report


# --------------------------------------------------------------------------- driver


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_proofs",
        description="Merkle proof latency and size, and the tree's cost on appends.",
    )
    parser.add_argument("--quick", action="store_true", help="sizes 1k,20k; 500 samples")
    parser.add_argument("--sizes", help="comma-separated ledger sizes (10000,1000000 or 10k,1M)")
    parser.add_argument("--samples", type=int, help="random pairs per proof path (2000)")
    parser.add_argument("--appends", type=int, help="appends per side for the tree cost (2000)")
    parser.add_argument("--seed", type=int, default=9162, help="seed of the random pairs")
    parser.add_argument("--markdown", type=Path, help="also write a markdown section here")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="SQLAlchemy PostgreSQL URL")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    return parser.parse_args(argv)


def run(argv: Sequence[str] | None = None) -> list[Report]:
    """Run every phase, print the tables and optionally write the markdown section."""
    args = _parse_args(argv)
    settings = Settings.from_args(args)
    started = time.perf_counter()
    pg_version = pg_server_version(settings.pg_url) if "PostgreSQL" in settings.engines else None
    facts = machine_facts(pg_version)
    keys = LedgerKeys.make()
    registry = core_registry()
    largest = settings.sizes[-1]
    notes: list[str] = []

    with phase(f"build {largest:,} entries in memory (sign + admit + Merkle nodes)"):
        built = build_ledger(keys, registry, largest, settings.sizes)
    notes.append(
        f"Bulk build of {largest:,} signed entries in memory took {built.seconds:.0f} s "
        f"({built.seconds / largest * 1e6:.0f} µs/entry, mostly Ed25519 signing)."
    )
    with phase(f"sign {settings.appends:,} statements for the append phase"):
        statements = [key_added(keys, i, "append") for i in range(settings.appends)]
    gc.collect()
    gc.freeze()

    latencies: dict[tuple[str, int], Latencies] = {}
    proof_sizes: dict[int, ProofSizes] = {}
    costs: dict[str, AppendCost] = {}
    with tempfile.TemporaryDirectory(prefix="biotraza-bench-proofs-") as tmp:
        workdir = Path(tmp)
        for engine_name in settings.engines:
            with ExitStack() as stack:
                urls: dict[int, str] = {}
                for size in settings.sizes:
                    url = stack.enter_context(database(engine_name, workdir, settings.pg_url))
                    with phase(f"{engine_name}: load {size:,} entries"):
                        loaded = load_ledger(url, built, size)
                    urls[size] = url
                    notes.append(
                        f"{engine_name}: loading {size:,} entries, {loaded.nodes:,} Merkle "
                        f"nodes and {loaded.state:,} projections took {loaded.seconds:.1f} s."
                    )
                label = f"{engine_name}: {settings.samples:,} proofs × 3 paths × {len(urls)} sizes"
                with phase(label):
                    measured = measure_proofs(
                        urls, built, settings.samples, settings.seed, registry
                    )
            for size, (lat, found) in measured.items():
                latencies[(engine_name, size)] = lat
                if size in proof_sizes:
                    expect(proof_sizes[size] == found, "proof sizes differ across engines")
                proof_sizes[size] = found
        for engine_name in settings.engines:
            with phase(f"{engine_name}: {settings.appends:,} appends with and without the tree"):
                with (
                    database(engine_name, workdir, settings.pg_url) as url_with,
                    database(engine_name, workdir, settings.pg_url) as url_without,
                ):
                    costs[engine_name] = append_cost(
                        url_with, url_without, keys, statements, registry
                    )
    gc.unfreeze()

    reports = [
        latency_report(latencies, settings),
        flatness_report(latencies, settings),
        size_report(proof_sizes),
        append_report(costs),
    ]
    total = time.perf_counter() - started
    facts["Load average at end"] = load_average()
    for report in reports:
        print_report(report)
    notes += [
        f"Targets: p99 < {P99_TARGET_MS:g} ms per proof at every size; flat = p99 at "
        f"{largest:,} at most {FLAT_TARGET:g}× p99 at {settings.sizes[0]:,}; maintaining the "
        f"tree makes appends < {APPEND_SLOWDOWN_TARGET:.0%} slower.",
        "Pairs: index uniform in [0, size) with size uniform in [1, n]; consistency sizes "
        "uniform in [1, n]; the same pairs on both engines; calls alternate between the "
        f"ledgers of every size (background load hits them alike); {WARMUP} warm-up calls per "
        "path and size untimed. Every proof is verified afterwards against roots computed in "
        "memory.",
        "Each proof call makes two reads, each on a connection from the pool: the head, then "
        "one query for every node; `LedgerService.inclusion` makes three on one connection "
        "(head, the entry's hash, the nodes). A read is one round trip on PostgreSQL "
        "(autocommit); on SQLite the reads of a connection share one transaction.",
        "Tree cost: root-signed `key.added` appends (signature check included) to two fresh "
        "ledgers, one with `stored_nodes_completed_by_append` patched out of the SQL transaction, "
        f"taking turns in blocks of {APPEND_BLOCK}; the slowdown is the median over block "
        "pairs of (time with tree / time without) - 1, the rates are totals.",
        f"Whole run: {total:.0f} s.",
    ]
    publish_reports(
        args.markdown,
        module="bench.bench_proofs",
        title="Merkle proofs",
        marker=MARKDOWN_MARKER,
        facts=facts,
        reports=reports,
        notes=notes,
        argv=argv,
    )
    return reports


def main() -> None:
    """Entry point of ``python -m bench.bench_proofs``."""
    run()


if __name__ == "__main__":
    main()
