"""Trail export and offline verification of an export lot with ~10,000 upstream entries.

Usage::

    python -m bench.bench_exports [--quick] [--harvests 7620] [--runs 3]
                                  [--markdown docs/performance.md] [--no-pg]

The ledger is ``bench.bench_supply``'s lineage chain (harvests fanned in by tens through
parchment, green, blends and a pack into 69 kg sacks, shipped and received), built through
the bulk path (every statement really signed and admitted by the full registry in memory,
then bulk-inserted) with ``--harvests`` chosen so the export lot's trail holds about 10,000
entries. A checkpoint is signed once beforehand, as a server would have one.

Each measurement runs in a fresh child process (``python -m bench.bench_exports --child …``)
that reports its wall time and its peak resident memory (``getrusage`` ``ru_maxrss``), so
the memory figure is the whole process — interpreter and imports included — doing one job:

* **export**: ``api.exports.bundle.export_bundle`` — trail selection, batched reads, batched
  Merkle proofs — streamed to a file; its ceiling is a raw ``SELECT seq, leaf, entry_hash``
  of the same rows in the same batches, in a child of its own;
* **verify**: ``verifiers.audit.check_bundle`` on that file, with no database; its ceiling is
  the same number of raw Ed25519 verifications (``cryptography``) of real statements, the one
  cost no verifier can skip;
* a child that only imports the modules gives the memory floor.

Targets (issue #8): export < 2 s, verify < 3 s, peak memory < 300 MB for each.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from api.exports.base import ExportRequest
from api.exports.bundle import export_bundle
from api.exports.trail import TRAIL_EXTENSIONS, collect_trail
from api.services.ledger import LedgerService, full_registry
from bench.bench_ledger import LedgerKeys
from bench.bench_proofs import database
from bench.bench_supply import SupplyScript
from bench.bulk import LedgerBuilder, load_ledger
from bench.common import (
    DEFAULT_PG_URL,
    Report,
    Timer,
    finish_report,
    machine_facts,
    pg_server_version,
    phase,
)
from ledger.keys import STATEMENT_DOMAIN
from verifiers.audit import check_bundle

MARKDOWN_MARKER = "bench-exports"
EXPORT_TARGET_S = 2.0
VERIFY_TARGET_S = 3.0
MEMORY_TARGET_MB = 300.0
DEFAULT_HARVESTS = 7_620
"""About 10,000 trail entries: each harvest brings 1.31 entries (its producer and plot per
ten harvests, and the fan-in transformations)."""


# --------------------------------------------------------------------------- children


def _peak_mb() -> float:
    """This process's peak resident memory in MB.

    ``VmHWM`` belongs to the address space, which ``exec`` replaces, so it counts only this
    program; ``ru_maxrss`` survives ``exec`` and would include the benchmark parent's peak
    (it forked us while holding the bulk-built ledger).
    """
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: KiB too


def _child_export(url: str, lot: str, out: str) -> dict[str, Any]:
    service = LedgerService.open(url, migrate=False)
    try:
        with Timer() as timer, Path(out).open("wb") as handle:
            written = sum(handle.write(c) for c in export_bundle(service, ExportRequest(lot)))
    finally:
        service.close()
    return {"seconds": timer.seconds, "peak_mb": _peak_mb(), "bytes": written}


def _child_select(url: str, lot: str) -> dict[str, Any]:
    service = LedgerService.open(url, migrate=False)
    try:
        seqs = collect_trail(service, lot).seqs  # not timed: the ceiling is the reads alone
        rows = 0
        with Timer() as timer:
            for start in range(0, len(seqs), 1000):
                batch = seqs[start : start + 1000]
                with service.store.reading() as cursor:
                    for offset in range(0, len(batch), 500):
                        chunk = batch[offset : offset + 500]
                        marks = ",".join("?" * len(chunk))
                        rows += len(
                            cursor.all(
                                f"SELECT seq, leaf, entry_hash FROM entries WHERE seq IN ({marks})",
                                chunk,
                            )
                        )
    finally:
        service.close()
    return {"seconds": timer.seconds, "peak_mb": _peak_mb(), "rows": rows}


def _child_verify(path: str, vkey: str) -> dict[str, Any]:
    registry = full_registry()
    with Timer() as timer, Path(path).open("rb") as handle:
        report = check_bundle(handle, registry, vkey, extensions=TRAIL_EXTENSIONS)
    return {
        "seconds": timer.seconds,
        "peak_mb": _peak_mb(),
        "ok": report.ok,
        "entries": report.entry_count,
        "failures": [str(f) for f in report.failures[:3]],
    }


def _child_baseline() -> dict[str, Any]:
    full_registry()
    return {"seconds": 0.0, "peak_mb": _peak_mb()}


def _child(argv: Sequence[str]) -> None:
    kind, *rest = argv
    result = {
        "export": lambda: _child_export(*rest),
        "select": lambda: _child_select(*rest),
        "verify": lambda: _child_verify(*rest),
        "baseline": _child_baseline,
    }[kind]()
    print(json.dumps(result))


def _spawn(*args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.bench_exports", "--child", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- ceilings


def ed25519_seconds(count: int) -> float:
    """``count`` raw Ed25519 verifications of real ~600-byte statements, one thread."""
    script = SupplyScript("ed25519-ceiling")
    samples = [script.harvest(f"probe-{i:04d}", "probe-plot") for i in range(128)]
    key = script.coop.public_key()
    pairs = [(STATEMENT_DOMAIN + s.statement.canonical_bytes, s.signature) for s in samples]
    with Timer() as timer:
        for i in range(count):
            message, signature = pairs[i % len(pairs)]
            key.verify(signature, message)
    return timer.seconds


# --------------------------------------------------------------------------- main


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_exports", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the size, one run")
    parser.add_argument("--harvests", type=int, help=f"default {DEFAULT_HARVESTS:,}")
    parser.add_argument("--runs", type=int, help="runs per measurement (median; default 3)")
    parser.add_argument("--markdown", type=Path, help="write the section into this file")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    return parser.parse_args(argv)


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def run(argv: Sequence[str] | None = None) -> list[Report]:
    """Build, export and verify on each engine; print the table and optionally write it."""
    args = _parse_args(argv)
    harvests = args.harvests or (DEFAULT_HARVESTS // 10 if args.quick else DEFAULT_HARVESTS)
    runs = args.runs or (1 if args.quick else 3)
    engines = ("SQLite",) if args.no_pg else ("SQLite", "PostgreSQL")
    started = time.perf_counter()
    facts = machine_facts(pg_server_version(args.pg_url) if "PostgreSQL" in engines else None)
    registry = full_registry()
    keys = LedgerKeys.make()

    with phase(f"sign and admit a {harvests:,}-harvest chain in memory"):
        script = SupplyScript("exports")
        statements, export_lot, _levels = script.chain("x", harvests)
        builder = LedgerBuilder(registry)
        builder.add_all([*script.setup(), *statements])
        built = builder.finish()
    report = Report(
        f"Trail export and offline verification of one export lot ({built.size:,}-entry ledger)",
        ("Engine", "Measure", "Entries", "Seconds", "Peak RSS (MB)", "Ceiling (s)", "Ratio"),
    )
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="biotraza-bench-exports-") as tmp:
        workdir = Path(tmp)
        for engine in engines:
            with database(engine, workdir, args.pg_url) as url:
                with phase(f"{engine}: load the ledger and sign a checkpoint"):
                    load_ledger(url, built)
                    service = LedgerService.open(url, migrate=False, operator_key=keys.operator)
                    try:
                        service.issue_checkpoint()
                        vkey = service.log_info().verifier_key
                        entries = len(collect_trail(service, export_lot).seqs)
                    finally:
                        service.close()
                bundle = workdir / f"{engine}.bundle.json"
                with phase(f"{engine}: export × {runs}, raw SELECT × {runs}"):
                    exports, selects = [], []
                    for _ in range(runs):
                        selects.append(_spawn("select", url, export_lot))
                        exports.append(_spawn("export", url, export_lot, str(bundle)))
                with phase(f"{engine}: offline verify × {runs}"):
                    verifies = [_spawn("verify", str(bundle), vkey) for _ in range(runs)]
                if not all(v["ok"] for v in verifies):
                    raise SystemExit(f"the exported bundle does not verify: {verifies[0]}")
                export_s, select_s = _median(exports, "seconds"), _median(selects, "seconds")
                export_mb = max(r["peak_mb"] for r in exports)
                report.add(
                    engine, "export bundle", f"{entries:,}", f"{export_s:.2f}",
                    f"{export_mb:.0f}", f"{select_s:.2f}", f"{export_s / select_s:.1f}×",
                    target=f"< {EXPORT_TARGET_S:g} s, < {MEMORY_TARGET_MB:g} MB",
                    met=export_s < EXPORT_TARGET_S and export_mb < MEMORY_TARGET_MB,
                    note=f"{exports[0]['bytes'] / 1e6:.1f} MB file; ceiling: raw SELECT of "
                    "the same rows",
                )  # fmt: skip
                if engine == engines[0]:
                    ceiling = ed25519_seconds(entries)
                    verify_s = _median(verifies, "seconds")
                    verify_mb = max(r["peak_mb"] for r in verifies)
                    report.add(
                        "offline", "audit verify", f"{entries:,}", f"{verify_s:.2f}",
                        f"{verify_mb:.0f}", f"{ceiling:.2f}", f"{verify_s / ceiling:.1f}×",
                        target=f"< {VERIFY_TARGET_S:g} s, < {MEMORY_TARGET_MB:g} MB",
                        met=verify_s < VERIFY_TARGET_S and verify_mb < MEMORY_TARGET_MB,
                        note="no database; ceiling: as many raw Ed25519 verifications",
                    )  # fmt: skip
    baseline = _spawn("baseline")
    notes += [
        f"Ledger: {built.size:,} entries from {harvests:,} harvests (bulk-built in "
        f"{built.seconds:.1f} s); the export lot's trail is {entries:,} of them.",
        f"Seconds are the median of {runs} runs, each in a fresh process; peak RSS is the "
        f"largest of those processes'. A process that only imports the modules peaks at "
        f"{baseline['peak_mb']:.0f} MB.",
        "Times cover the work itself, not interpreter start-up and imports: the whole "
        "`biotraza` CLI takes about 2 s more to import before `audit verify` starts.",
        "The export reuses the checkpoint signed beforehand (a server always has one); "
        "signing a new one adds one Ed25519 signature and one root computation.",
    ]
    return finish_report(
        report,
        args.markdown,
        module="bench.bench_exports",
        title="Exports",
        marker=MARKDOWN_MARKER,
        facts=facts,
        notes=notes,
        argv=argv,
        started=started,
    )


def main() -> None:
    """Entry point of ``python -m bench.bench_exports``."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
        return
    reports = run()
    if any(r.missed for r in reports):
        sys.exit(1)


if __name__ == "__main__":
    main()
