"""Programme indicators: compute on a live ledger and verify a report offline, against raw scans.

Usage::

    python -m bench.bench_indicators [--quick] [--chains 200] [--extra-deliveries 7]
                                     [--markdown docs/performance.md]
    python -m bench.bench_indicators --million [--scale 1] [--runs 3] [--postgres]

The ledger (SQLite) is ``bench.bench_supply``'s coffee chains — members with a polygon plot,
harvest deliveries fanned in through parchment, green and blends into one shipped export lot
per chain — plus ``--extra-deliveries`` further deliveries per plot, so deliveries outnumber
producers about 10 : 1 as in the issue's target ledger (50,000 producers, 60,000 plots,
500,000 deliveries in 1,000,000 entries). Its plots are certified as an association's are: the
``coffee-ab`` standard published, a certifier accredited, each plot's ten criteria surveyed
(``evidence.recorded``) and one group certificate per chain (``verification.issued``,
version 2, naming every plot), except that one chain in five leaves a plot uninspected, so
about 80 % of the shipped lots are eligible and every lineage is walked to its plots
(``--no-certification``: none, so no lot is eligible and the walk stops at the first plot).
It is built through the bulk path (every statement signed and admitted by the full registry
in memory) and a checkpoint is signed, as a server has one.

Measured in the same run, in this process, each the median of ``--runs``:

* **compute**: ``api.services.indicators.compute_indicators`` over the live projections; its
  reference is a raw scan of the same projection documents (``SELECT`` of the plot, lot,
  shipment and label rows, JSON-decoded), the least any computation from the database reads;
* **write**: the report (header and every leaf) written to a file;
* **verify**: ``verifiers.indicators.check_report`` on that file with no database, signatures
  in one worker process per extra core beside the replay (what ``biotraza indicators verify``
  and ``biotraza ledger verify`` start on a large ledger); its
  reference is a raw scan of the same entries (``SELECT`` of every leaf, JSON-decoded) plus
  as many raw Ed25519 verifications, the one cost no verifier can skip;
* **Ed25519 floor**: those raw verifications alone, one core, scaled to 1,000,000 entries,
  with the number of cores that would be needed to check them within the verify target;
* **commit state**: ``compute_indicators(evidence="state")`` — the ``state.committed`` entry
  (its root computed to sign it, then recomputed by the admission inside the append, which
  reuses the hashes of documents unchanged since), a checkpoint and the figures; once (each
  ``--million`` round once), it appends;
* **write (state)** and **verify (state)**: the version 3 report (the committed documents
  instead of the entries) written, and checked offline; the verify's reference is a raw scan
  of the same file (every line read and JSON-decoded), the least any check of those
  documents reads. ``--state-only`` skips the full-replay rows (for large ``--chains``);
* **compute (larger)**: compute and its raw scan again on a second ledger of
  ``--larger-chains`` chains (about 305,000 entries by default, 204,000 without
  certification; built with progress in a few minutes here), so the linear extrapolation to
  1,000,000 is checked against a measurement five times larger.

Targets (issue 21, at 1,000,000 entries): compute < 10 s, verify < 30 s. This benchmark runs
at a size that takes a few minutes here and extrapolates linearly (both are one pass).

``--million`` measures instead of extrapolating: it builds a real ledger of the issue's
composition — 1,000 units of 50 producers with 60 plots and 500 deliveries, milled in pairs
to parchment and to green, blended in tens, packed, shipped and received (50,000 producers,
60,000 plots, 500,000 deliveries, 392,000 transformations, 1,000 shipments and receipts:
1,004,004 entries), each unit certified as above (598,000 plot surveys and 1,000 group
certificates more: 1,603,008 entries; the supply is the issue's, the surveys come on top),
signed and admitted in memory batch by batch with progress and
peak memory logged (several minutes and several GB here) — and prints min / median / max
over ``--runs`` rounds of compute (wall and CPU) against the raw projection scan, and of
commit state, write (state) and verify (state) against the raw scan of the report's lines,
with the targets judged on the medians. The full-replay verify is left out there: it is
bound by Ed25519 (the floor row of the default mode). ``--scale 0.05`` runs the same
composition at about 80,000 entries in about a minute, without a verdict.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from api.services.indicators import Indicators, compute_indicators, report_bytes
from api.services.ledger import LedgerService, full_registry
from bench.bench_exports import ed25519_seconds
from bench.bench_ledger import LedgerKeys
from bench.bench_supply import COOP, HARVEST_G, CertificationScript, SupplyScript
from bench.bulk import BATCH_ROWS, BuiltLedger, LedgerBuilder, load_ledger
from bench.common import (
    DEFAULT_PG_URL,
    Report,
    expect,
    finish_report,
    machine_facts,
    pg_schema,
    pg_server_version,
    phase,
    progress,
)
from ledger.chain import signature_workers
from ledger.registry import Registry
from ledger.statements import SignedStatement
from verifiers.indicators import check_report

MARKDOWN_MARKER = "bench-indicators"
MILLION_MARKER = "bench-indicators-million"
"""The ``--million`` run keeps its own section in docs/performance.md, beside the default one."""
TARGET_ENTRIES = 1_000_000
COMPUTE_TARGET_S = 10.0
VERIFY_TARGET_S = 30.0
DEFAULT_CHAINS = 200
DEFAULT_LARGER_CHAINS = 1000
HARVESTS_PER_CHAIN = 100
MILLION_UNITS = 1000
"""Units of the ``--million`` ledger at ``--scale 1``: 1,000 × 1,004 supply entries after the
setup, and each unit's certification (:func:`_certified`)."""
UNIT_PRODUCERS = 50
UNIT_SECOND_PLOTS = 10
"""Members of a unit with a second plot: 60 plots per 50 producers, as in the issue."""
UNIT_DELIVERIES = 500
UNIT_FAN_INS = (2, 2)
"""Deliveries milled to parchment in pairs, parchment to green in pairs (then blends of 10):
392 transformations per 500 deliveries, which brings a unit to 1,004 entries."""
UNCERTIFIED_EVERY = 5
"""One chain or unit in five has a plot without a certificate, so its shipped lot is not
eligible: about 80 % of the shipped lots are."""
_KINDS = ("plot", "apiary", "lot", "shipment", "label_issuance", "verification", "org")


def _certified(cert: CertificationScript, tag: str, number: int,
               plots: list[str]) -> list[SignedStatement]:  # fmt: skip
    """Passing evidence for the plots and a group certificate over them: all of them, or
    for one chain or unit in ``UNCERTIFIED_EVERY`` all but the last (a member whose plot
    was not inspected yet), whose blend of every delivery is then not eligible."""
    inspected = plots[:-1] if number % UNCERTIFIED_EVERY == UNCERTIFIED_EVERY - 1 else plots
    evidence = cert.evidence(None, inspected)
    return [*evidence, cert.group_certificate(f"ver-{tag}", COOP, evidence)]


def _certification_setup(script: SupplyScript) -> tuple[CertificationScript,
                                                        list[SignedStatement]]:  # fmt: skip
    """The standard, the accredited certifier and the association's own evidence."""
    cert = CertificationScript(script)
    return cert, [*cert.setup(), *cert.evidence(COOP, [])]


def _batches(chains: int, extra: int, certified: bool = True) -> Iterator[list[SignedStatement]]:
    """The setup, then each of ``chains`` shipped chains with ``extra`` more deliveries per
    plot and (``certified``) its plots' certification (:func:`_certified`), one batch each."""
    script = SupplyScript("indicators")
    cert, setup = _certification_setup(script)
    yield script.setup() + (setup if certified else [])
    for number in range(chains):
        tag = f"c{number:04d}"
        made, _export, _levels = script.chain(tag, HARVESTS_PER_CHAIN)
        plots = sorted({s.statement.body["plot_id"] for s in made
                        if s.statement.type == "plot.registered"})  # fmt: skip
        for plot_id in plots:
            for delivery in range(extra):
                lot_id = f"{tag}-{plot_id}-d{delivery}"
                made.append(script.harvest(lot_id, plot_id, HARVEST_G // 10))
        yield made + (_certified(cert, tag, number, plots) if certified else [])


def _million_batches(units: int, certified: bool = True) -> Iterator[list[SignedStatement]]:
    """The setup, then ``units`` cooperatives' seasons of the issue's composition, one batch
    each: ``UNIT_PRODUCERS`` members with a plot each, ``UNIT_SECOND_PLOTS`` of them with a
    second, ``UNIT_DELIVERIES`` deliveries over those plots in turn, milled in pairs to
    parchment and to green, blended in tens to one lot, packed, shipped and received; and
    (``certified``) the plots' certification (:func:`_certified`)."""
    script = SupplyScript("million")
    cert, setup = _certification_setup(script)
    yield script.setup() + (setup if certified else [])
    for number in range(units):
        tag = f"u{number:04d}"
        made: list[SignedStatement] = []
        plots: list[str] = []
        for member in range(UNIT_PRODUCERS):
            statements, plot_id = script.producer_and_plot(f"{tag}-m{member:02d}")
            if member < UNIT_SECOND_PLOTS:
                producer_id = statements[0].statement.body["producer_id"]
                statements.append(script.plot(f"{plot_id}2", producer_id))
                plots.append(f"{plot_id}2")
            made += statements
            plots.append(plot_id)
        shipped, _export, _levels = script.deliver_and_ship(
            tag, plots, UNIT_DELIVERIES, UNIT_FAN_INS
        )
        yield made + shipped + (_certified(cert, tag, number, plots) if certified else [])


_CERTIFICATION = ("evidence.recorded", "verification.issued")


def _certification_entries(types: Counter[str]) -> str:
    """How many entries certify the plots, which compute does not read (its cost follows the
    supply entries)."""
    count = sum(types[name] for name in _CERTIFICATION)
    return f"{count:,} of them certification ({', '.join(_CERTIFICATION)})"


def certified_share(figures: dict[str, Any]) -> str:
    """How much of the ledger the figures found certified: verified plots and hectares, and
    eligible shipped lots (a ledger with none would time a walk that stops at the first
    plot, not the indicators' real work)."""
    cells = figures["cells"]

    def total(name: str) -> Decimal:
        return sum((Decimal(cell[name]) for cell in cells), Decimal(0))

    shipped, eligible = total("lots_shipped"), total("eligible_lots_shipped")
    share = f" ({eligible / shipped:.0%})" if shipped else ""
    return (
        f"Certified: {total('plots_verified'):,} of {total('plots'):,} plots "
        f"({total('hectares_verified'):,} of {total('hectares'):,} ha) verified on the report "
        f"date; {eligible:,} of {shipped:,} shipped lots eligible{share}."
    )


def _peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _build(registry: Registry, batches: Iterable[list[SignedStatement]], count: int,
           what: str) -> BuiltLedger:  # fmt: skip
    """Sign and admit the ledger in memory, batch by batch (the first is the setup), logging
    progress and peak memory every tenth of the ``count`` batches (a ledger of 1,000 chains
    takes minutes here)."""
    builder = LedgerBuilder(registry)
    step = max(count // 10, 1)
    for number, batch in enumerate(batches):
        builder.add_all(batch)
        if number and number % step == 0:
            progress.log(f"  {number:,}/{count:,} {what}, {builder.size:,} entries, "
                         f"peak RSS {_peak_rss_mb():,.0f} MB")  # fmt: skip
    return builder.finish()


@dataclass
class _Larger:
    """Compute on a second, larger ledger: the extrapolation checked against a measurement."""

    size: int
    compute_s: float
    compute_cpu_s: float
    scan_s: float


def _measure_larger(registry: Registry, keys: LedgerKeys, args: argparse.Namespace,
                    runs: int) -> _Larger:  # fmt: skip
    """Build ``--larger-chains`` chains, then compute and the raw projection scan there."""
    with phase(f"sign and admit {args.larger_chains} chains in memory (the larger ledger)"):
        batches = _batches(args.larger_chains, args.extra_deliveries, not args.no_certification)
        built = _build(registry, batches, args.larger_chains, "chains")
    with tempfile.TemporaryDirectory(prefix="biotraza-bench-indicators-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'ledger.db'}"
        with phase(f"load the {built.size:,}-entry ledger and sign a checkpoint"):
            load_ledger(url, built)
            service = LedgerService.open(url, migrate=False, operator_key=keys.operator)
            service.issue_checkpoint()
        try:
            with phase(f"compute × {runs}, raw projection scan × {runs} (larger ledger)"):
                compute_s, compute_cpu_s = _compute_times(service, runs)
                scan_s = _median(lambda: _scan_projections(service), runs)
        finally:
            service.close()
    return _Larger(built.size, compute_s, compute_cpu_s, scan_s)


def _median(call: Callable[[], object], runs: int) -> float:
    return statistics.median(_timed(call, runs))


def _timed(call: Callable[[], object], runs: int) -> list[float]:
    """Wall seconds of each of ``runs`` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def _compute_rounds(service: LedgerService, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each of ``runs`` ``compute_indicators`` after one warm-up: on
    a machine shared with other jobs the wall time includes waiting for a core, the CPU time
    does not. The CPU time is this process's and its eligibility workers'
    (``api.services.eligibility_workers``, waited for before ``compute_indicators`` returns)."""
    compute_indicators(service)
    cpu: list[float] = []

    def compute() -> None:
        started = _cpu_with_children()
        compute_indicators(service)
        cpu.append(_cpu_with_children() - started)

    return _timed(compute, runs), cpu


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its children that have ended."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _compute_times(service: LedgerService, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of :func:`_compute_rounds`."""
    wall, cpu = _compute_rounds(service, runs)
    return statistics.median(wall), statistics.median(cpu)


def _scan_projections(service: LedgerService) -> int:
    found = 0
    with service.store.reading() as cursor:
        for kind in _KINDS:
            for (value,) in cursor.all("SELECT value FROM state_objects WHERE kind = ?", (kind,)):
                json.loads(value)
                found += 1
    return found


def _scan_entries(service: LedgerService) -> int:
    found = 0
    for row in service.store.stored_leaves():
        json.loads(row.leaf_bytes)
        found += 1
    return found


def _scan_lines(path: Path) -> int:
    found = 0
    with path.open("rb") as handle:
        for line in handle:
            json.loads(line)
            found += 1
    return found


@dataclass
class _StateRun:
    """The state evidence's measurements (``--evidence state``), seconds of every round."""

    found: Indicators
    commit_s: list[float]
    write_s: list[float]
    report_mb: float
    leaves: int
    verify_s: list[float]
    verify_cpu_s: list[float]
    """CPU seconds of this process per verify: what an idle machine's wall time would be,
    when other jobs share the cores (from 20,000 leaves a worker process hashes them beside
    this one, which decodes them and computes the figures: the longer of the two)."""
    raw_s: list[float]


def _measure_state(
    service: LedgerService, registry: Registry, vkey: str, runs: int, tmp: Path,
    as_of: date | None = None, commits: int = 1,
) -> _StateRun:  # fmt: skip
    """Commit the state ``commits`` times (each appends), write the version 3 report and
    verify it ``runs`` times against a raw scan (``as_of``: the full report's date, so the
    figures can be compared)."""
    found: list[Indicators] = []
    with phase(f"commit the state × {commits} (state.committed + checkpoint + figures)"):
        commit_s = _timed(
            lambda: found.append(compute_indicators(service, as_of=as_of, evidence="state")),
            commits,
        )
    path = tmp / "state-report.jsonl"
    writes = commits if commits > 1 else 1
    with phase(f"write the state report × {writes}"):
        write_s = _timed(
            lambda: path.write_bytes(b"".join(report_bytes(service, found[-1]))), writes
        )
    results = []
    cpu: list[float] = []

    def verify() -> None:
        started = time.process_time()
        with path.open("rb") as handle:
            results.append(check_report(handle, registry, vkey))
        cpu.append(time.process_time() - started)

    with phase(f"verify the state report × {runs}, raw scan of its lines × {runs}"):
        verify_s = _timed(verify, runs)
        raw_s = _timed(lambda: _scan_lines(path), runs)
    expect(all(results), f"the state report does not verify: {results[0].failures[:3]}")
    return _StateRun(found[-1], commit_s, write_s, path.stat().st_size / 1e6,
                     results[0].state_leaves, verify_s, cpu, raw_s)  # fmt: skip


_COMMIT_WHAT = (
    "state.committed appended (root computed, then checked by the admission), checkpoint, figures"
)
_VERIFY_WHAT = "offline: inclusion proof, state root, figures"
_VERIFY_REFERENCE = "reference: raw read + JSON decode of every line of the same state report"


def _state_rows(report: Report, measured: _StateRun, scale: float) -> None:
    m, med = measured, statistics.median
    commit_s, write_s, verify_s, raw_s = (
        med(m.commit_s),
        med(m.write_s),
        med(m.verify_s),
        med(m.raw_s),
    )
    verify_cpu_s = med(m.verify_cpu_s)
    report.add(
        "commit state", _COMMIT_WHAT, f"{commit_s:.2f}", "", "", f"{commit_s * scale:.0f}",
    )  # fmt: skip
    report.add(
        "write (state)", f"report file, {m.report_mb:.1f} MB, {m.leaves:,} leaves",
        f"{write_s:.2f}", "", "", f"{write_s * scale:.0f}",
    )  # fmt: skip
    report.add(
        "verify (state)", _VERIFY_WHAT, f"{verify_s:.2f}",
        f"{raw_s:.2f}", f"{verify_s / raw_s:.1f}×", f"{verify_s * scale:.0f}",
        target=f"< {VERIFY_TARGET_S:g} s at {TARGET_ENTRIES:,}",
        met=verify_s * scale < VERIFY_TARGET_S,
        note=f"{_VERIFY_REFERENCE}; "
        f"CPU {verify_cpu_s:.2f} s (≈ {verify_cpu_s * scale:.0f} s at {TARGET_ENTRIES:,})",
    )  # fmt: skip


def _spread(values: Sequence[float]) -> tuple[str, str, str]:
    """Min, median and max seconds, as cells."""
    return f"{min(values):.2f}", f"{statistics.median(values):.2f}", f"{max(values):.2f}"


def _tick(table: str, done: int, total: int) -> None:
    if done == total or done % (5 * BATCH_ROWS) == 0:
        progress.log(f"  {table}: {done:,}/{total:,} rows")


@contextmanager
def _million_database(postgres: bool, tmp: Path) -> Iterator[str]:
    """The URL the ``--million`` ledger is loaded into: a SQLite file in ``tmp``, or with
    ``--postgres`` a fresh schema of the benchmarks' PostgreSQL database (dropped after)."""
    if postgres:
        with pg_schema(DEFAULT_PG_URL, "indicators") as schema:
            yield schema.url
    else:
        yield f"sqlite:///{tmp / 'ledger.db'}"


def _run_million(args: argparse.Namespace, argv: Sequence[str] | None) -> list[Report]:
    """``--million``: build the issue's ledger (scaled by ``--scale``) and measure compute
    and the state evidence on it, every figure over ``--runs`` rounds, nothing extrapolated."""
    started = time.perf_counter()
    engine = "PostgreSQL" if args.postgres else "SQLite"
    facts = machine_facts(pg_server_version(DEFAULT_PG_URL) if args.postgres else None)
    units = max(round(MILLION_UNITS * args.scale), 1)
    runs = args.runs or 3
    registry = full_registry()
    keys = LedgerKeys.make()
    with phase(f"sign and admit {units:,} units of 50 producers in memory"):
        built = _build(registry, _million_batches(units, not args.no_certification), units, "units")
    size, build_s = built.size, built.seconds
    types = Counter(row[3] for row in built.entries)
    verdict = args.scale >= 1  # the targets are stated at 1,000,000 entries
    report = Report(
        f"Programme indicators measured at {size:,} entries ({engine}), {runs} rounds",
        ("Measure", "What", "Min s", "Median s", "Max s", "Reference median s", "Ratio"),
    )
    with (
        tempfile.TemporaryDirectory(prefix="biotraza-bench-indicators-") as tmp,
        _million_database(args.postgres, Path(tmp)) as url,
    ):
        with phase(f"load the {size:,}-entry ledger into {engine} and sign a checkpoint"):
            load_ledger(url, built, tick=_tick)
            del built  # the in-memory rows: gigabytes at 1,000,000 entries
            service = LedgerService.open(url, migrate=False, operator_key=keys.operator)
            service.issue_checkpoint()
        try:
            vkey = service.log_info().verifier_key
            with phase(f"compute × {runs} (after a warm-up), raw projection scan × {runs}"):
                compute_s, compute_cpu_s = _compute_rounds(service, runs)
                scan_s = _timed(lambda: _scan_projections(service), runs)
            # The ledger's own report date (its last entry's day): the state commits below
            # append today, after the certificates' validity.
            certified = certified_share(compute_indicators(service).header.figures)
            state = _measure_state(service, registry, vkey, runs, Path(tmp), commits=runs)
        finally:
            service.close()
    compute, scan = statistics.median(compute_s), statistics.median(scan_s)
    report.add(
        "compute", f"{len(state.found.header.figures['cells'])} cells from the live projections",
        *_spread(compute_s), f"{scan:.2f}", f"{compute / scan:.1f}×",
        target=f"< {COMPUTE_TARGET_S:g} s at {TARGET_ENTRIES:,}",
        met=compute < COMPUTE_TARGET_S if verdict else None,
        note="reference: raw SELECT + JSON decode of the plot, lot, shipment, label, "
        "verification and org documents; CPU, eligibility workers included, min / median / max "
        f"{' / '.join(_spread(compute_cpu_s))} s",
    )  # fmt: skip
    report.add("commit state", _COMMIT_WHAT, *_spread(state.commit_s), "", "")
    report.add(
        "write (state)", f"report file, {state.report_mb:.1f} MB, {state.leaves:,} leaves",
        *_spread(state.write_s), "", "",
    )  # fmt: skip
    verify, raw = statistics.median(state.verify_s), statistics.median(state.raw_s)
    report.add(
        "verify (state)", _VERIFY_WHAT, *_spread(state.verify_s), f"{raw:.2f}",
        f"{verify / raw:.1f}×", target=f"< {VERIFY_TARGET_S:g} s at {TARGET_ENTRIES:,}",
        met=verify < VERIFY_TARGET_S if verdict else None,
        note=f"{_VERIFY_REFERENCE}; CPU min / median / max "
        f"{' / '.join(_spread(state.verify_cpu_s))} s",
    )  # fmt: skip
    counts = ", ".join(f"{count:,} {kind}" for kind, count in types.most_common())
    notes = [
        f"Ledger: {size:,} entries ({units:,} units of {UNIT_PRODUCERS} producers, "
        f"{UNIT_PRODUCERS + UNIT_SECOND_PLOTS} plots and {UNIT_DELIVERIES} deliveries milled "
        f"in pairs to parchment and to green, blended in tens, packed, shipped and received; "
        f"after a setup): {counts}. Bulk-built in {build_s:.0f} s, peak RSS "
        f"{_peak_rss_mb():,.0f} MB.",
        certified,
        f"Measured at this size, not extrapolated: min / median / max of {runs} rounds in one "
        f"process; each commit round appends one more state.committed entry. "
        + ("" if verdict else "No verdict below --scale 1: the targets are stated at "
           f"{TARGET_ENTRIES:,} entries."),
    ]  # fmt: skip
    return finish_report(
        report,
        args.markdown,
        module="bench.bench_indicators",
        title="Programme indicators, measured on the issue's ledger (--million"
        + (" --postgres)" if args.postgres else ")"),
        marker=MILLION_MARKER + ("-pg" if args.postgres else ""),
        facts=facts,
        notes=notes,
        argv=argv,
        started=started,
    )


def run(argv: Sequence[str] | None = None) -> list[Report]:
    """Build, compute, write and verify; print the table and optionally write it."""
    args = _parse_args(argv)
    if args.million:
        return _run_million(args, argv)
    chains = args.chains or (DEFAULT_CHAINS // 8 if args.quick else DEFAULT_CHAINS)
    runs = args.runs or (1 if args.quick else 3)
    started = time.perf_counter()
    facts = machine_facts(None)
    registry = full_registry()
    keys = LedgerKeys.make()
    workers = signature_workers(TARGET_ENTRIES)  # what `indicators verify` starts on a big report
    with phase(f"sign and admit {chains} chains in memory"):
        built = _build(registry, _batches(chains, args.extra_deliveries, not args.no_certification),
                       chains, "chains")  # fmt: skip
    size = built.size
    scale = TARGET_ENTRIES / size
    report = Report(
        f"Programme indicators on a {size:,}-entry ledger (SQLite), extrapolated to "
        f"{TARGET_ENTRIES:,}",
        ("Measure", "What", "Seconds", "Reference (s)", "Ratio", f"At {TARGET_ENTRIES:,} (s)"),
    )
    with tempfile.TemporaryDirectory(prefix="biotraza-bench-indicators-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'ledger.db'}"
        with phase("load the ledger and sign a checkpoint"):
            load_ledger(url, built)
            service = LedgerService.open(url, migrate=False, operator_key=keys.operator)
            service.issue_checkpoint()
        try:
            vkey = service.log_info().verifier_key
            if args.state_only:
                state = _measure_state(service, registry, vkey, runs, Path(tmp))
                _state_rows(report, state, scale)
                return _finish(report, args, argv, started, facts, size, chains, built, scale,
                               runs, state.found.header.figures)  # fmt: skip
            with phase(f"compute × {runs}, raw projection scan × {runs}"):
                found = compute_indicators(service)
                compute_s, compute_cpu_s = _compute_times(service, runs)
                scan_s = _median(lambda: _scan_projections(service), runs)
            path = Path(tmp) / "report.jsonl"
            with phase("write the report"):
                write_s = _median(
                    lambda: path.write_bytes(b"".join(report_bytes(service, found))), 1
                )
            report_mb = path.stat().st_size / 1e6
            with phase(f"verify × {runs}, raw entry scan × {runs}"):
                results = []

                def verify() -> None:
                    with path.open("rb") as handle:
                        results.append(check_report(handle, registry, vkey, workers=workers))

                verify_s = _median(verify, runs)
                signatures_s = ed25519_seconds(size)
                raw_s = _median(lambda: _scan_entries(service), runs) + signatures_s
            day = date.fromisoformat(found.header.as_of)
            state = _measure_state(service, registry, vkey, runs, Path(tmp), day)
            expect(
                state.found.header.figures == found.header.figures,
                "the state report's figures differ from the full replay's",
            )
        finally:
            service.close()
    expect(all(results), f"the report does not verify: {results[0].failures[:3]}")
    cells = len(found.header.figures["cells"])
    report.add(
        "compute", f"{cells} cells from the live projections", f"{compute_s:.2f}",
        f"{scan_s:.2f}", f"{compute_s / scan_s:.1f}×", f"{compute_s * scale:.0f}",
        target=f"< {COMPUTE_TARGET_S:g} s at {TARGET_ENTRIES:,}",
        met=compute_s * scale < COMPUTE_TARGET_S,
        note="reference: raw SELECT + JSON decode of the plot, lot, shipment, label, "
        "verification and org documents; CPU, eligibility workers included, "
        f"{compute_cpu_s:.2f} s (≈ {compute_cpu_s * scale:.1f} s at {TARGET_ENTRIES:,})",
    )  # fmt: skip
    report.add(
        "write", f"report file, {report_mb:.1f} MB", f"{write_s:.2f}", "", "",
        f"{write_s * scale:.0f}",
    )  # fmt: skip
    report.add(
        "verify", f"offline, no database ({workers} signature worker(s))", f"{verify_s:.2f}",
        f"{raw_s:.2f}", f"{verify_s / raw_s:.1f}×", f"{verify_s * scale:.0f}",
        target=f"< {VERIFY_TARGET_S:g} s at {TARGET_ENTRIES:,}",
        met=verify_s * scale < VERIFY_TARGET_S,
        note="reference: raw SELECT + JSON decode of every entry plus as many raw Ed25519 "
        "verifications",
    )  # fmt: skip
    floor_1m = signatures_s * scale
    report.add(
        "Ed25519 floor", "raw verifications of every entry's signature, one core",
        f"{signatures_s:.2f}", "", "", f"{floor_1m:.0f}",
        note=f"{floor_1m:.0f} s at {TARGET_ENTRIES:,} on one core: within "
        f"{VERIFY_TARGET_S:g} s only with ≥ {math.ceil(floor_1m / VERIFY_TARGET_S)} cores "
        f"checking signatures and nothing else ({os.cpu_count()} here)",
    )  # fmt: skip
    _state_rows(report, state, scale)
    if args.larger_chains:
        larger = _measure_larger(registry, keys, args, runs)
        report.add(
            "compute (larger)", f"the same on {larger.size:,} entries", f"{larger.compute_s:.2f}",
            f"{larger.scan_s:.2f}", f"{larger.compute_s / larger.scan_s:.1f}×",
            f"{larger.compute_s * TARGET_ENTRIES / larger.size:.1f}",
            target=f"< {COMPUTE_TARGET_S:g} s at {TARGET_ENTRIES:,}",
            met=larger.compute_s * TARGET_ENTRIES / larger.size < COMPUTE_TARGET_S,
            note=f"CPU {larger.compute_cpu_s:.2f} s (≈ "
            f"{larger.compute_cpu_s * TARGET_ENTRIES / larger.size:.1f} s at {TARGET_ENTRIES:,});"
            f" CPU µs per entry {compute_cpu_s / size * 1e6:.1f} at {size:,}, "
            f"{larger.compute_cpu_s / larger.size * 1e6:.1f} at {larger.size:,}",
        )  # fmt: skip
    return _finish(report, args, argv, started, facts, size, chains, built, scale, runs,
                   found.header.figures)  # fmt: skip


def _finish(
    report: Report, args: argparse.Namespace, argv: Sequence[str] | None, started: float,
    facts: dict[str, str], size: int, chains: int, built: BuiltLedger, scale: float, runs: int,
    figures: dict[str, Any],
) -> list[Report]:  # fmt: skip
    """The notes, the printed table and (with ``--markdown``) its section in the doc."""
    notes = [
        f"Ledger: {size:,} entries ({chains} chains of {HARVESTS_PER_CHAIN} deliveries and "
        f"{args.extra_deliveries} more deliveries per plot; "
        f"{_certification_entries(Counter(row[3] for row in built.entries))}), bulk-built in "
        f"{built.seconds:.1f} s.",
        certified_share(figures),
        f"Seconds are the median of {runs} runs in one process; the last column scales them "
        f"linearly by {scale:.1f} (compute reads every projection document once, verify every "
        "entry once).",
    ]
    return finish_report(
        report,
        args.markdown,
        module="bench.bench_indicators",
        title="Programme indicators",
        marker=MARKDOWN_MARKER,
        facts=facts,
        notes=notes,
        argv=argv,
        started=started,
    )


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run")
    parser.add_argument("--chains", type=int, default=None, help="shipped chains of 100 deliveries")
    parser.add_argument("--extra-deliveries", type=int, default=7, help="more per plot")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument(
        "--larger-chains", type=int, default=None,
        help="also compute on a ledger of this many chains (1000, about 305,000 entries; "
        "0 with --quick)",
    )  # fmt: skip
    parser.add_argument(
        "--state-only", action="store_true", help="only the state evidence (large --chains)"
    )
    parser.add_argument(
        "--million", action="store_true",
        help="measure compute and the state evidence on a real ledger of the issue's "
        "composition (50,000 producers, 60,000 plots, 500,000 deliveries: 1,004,004 "
        "entries, and 599,004 of their certification), nothing extrapolated",
    )  # fmt: skip
    parser.add_argument(
        "--scale", type=float, default=1.0,
        help="with --million: that ledger scaled (0.05: about 80,000 entries, a quick check)",
    )  # fmt: skip
    parser.add_argument(
        "--no-certification", action="store_true",
        help="no evidence and no verifications (the ledgers before 2026-12-07: no lot eligible)",
    )  # fmt: skip
    parser.add_argument(
        "--postgres", action="store_true",
        help="with --million: load the ledger into a fresh PostgreSQL schema instead of SQLite",
    )  # fmt: skip
    parser.add_argument("--markdown", type=Path, default=None)
    parser.add_argument("--no-pg", action="store_true", help="accepted for run_all (SQLite only)")
    args = parser.parse_args(argv)
    if args.postgres and not args.million:
        parser.error("--postgres: only with --million")
    if args.larger_chains is None:
        args.larger_chains = 0 if args.quick else DEFAULT_LARGER_CHAINS
    return args


def main() -> None:
    """Entry point of ``python -m bench.bench_indicators``."""
    run(sys.argv[1:])


if __name__ == "__main__":
    main()
