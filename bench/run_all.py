"""Run every benchmark in sequence and record them in one markdown file.

Usage::

    python -m bench.run_all [--quick] [--markdown docs/performance.md] [--no-pg]
                            [--only ledger,proofs,supply,certification,labels,resolver,
                                    exports,http,batch,eudr]

Each benchmark runs in its own process (a fresh interpreter and heap: the proofs benchmark
holds a million entries in memory) and writes its own marked section into the markdown file;
the file's introduction is written first (or refreshed) between its own markers, so text
around the sections is kept.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.common import Timer, load_average, progress

BENCHMARKS = {
    "ledger": "bench.bench_ledger",
    "proofs": "bench.bench_proofs",
    "supply": "bench.bench_supply",
    "resolver": "bench.bench_resolver",
    "certification": "bench.bench_certification",
    "exports": "bench.bench_exports",
    "labels": "bench.bench_labels",
    "http": "bench.bench_http",
    "batch": "bench.bench_batch",
    "cli": "bench.bench_cli_startup",
    "webapp": "bench.bench_webapp",
    "sync": "bench.bench_sync",
    "eudr": "bench.bench_eudr",
    "eudr-screen": "bench.bench_eudr_screen",
    "indicators": "bench.bench_indicators",
}
INTRO_MARKER = "bench-intro"
TITLE = "# Performance"
INTRO = """\
Every number below comes from `bench/` and is compared with a reference measured **in the
same run on the same machine**: appends against one raw insert plus one Ed25519 verification
on the same engine, verification against the Ed25519 rate, supply-chain appends against bare
`key.added` appends, appends that maintain the Merkle tree against the same appends without
it, proof latency at 1,000,000 entries against 10,000, rule evaluation against a bare pass
over the evidence, eligibility against the lineage walk, offline label checks against raw
Ed25519, the resolver page against a hello-world route on the same server, trail
export/verification against a raw SELECT and raw signature checks, and appends over HTTP
against the same appends made in-process by the library. Those ratios are the
results: they say how much the ledger adds on top of work it cannot avoid. Absolute rates
and latencies are measured on the 2-core CI-class machine; ratios matter more than absolute
numbers. Other processes may share that machine, so each section records the load average at
its start and end. Ratios still move with the machine's speed: on 2026-11-25 a slower
machine of the same kind (Ed25519 at 6,269/s instead of about 12,000/s) measured the append
ratios at 54%, 42%, 38% and 33% (SQLite with 1 and 8 writers, PostgreSQL with 1 and 8) for
code that gave 52–56% on a faster one the same day; each append row lists every round's
ratio.

Regenerate with `make bench` (`python -m bench.run_all --markdown docs/performance.md`), or
`python -m bench.run_all --quick` for a smoke run with small sizes; each benchmark also runs
alone (`python -m bench.bench_ledger`, `bench.bench_proofs`, `bench.bench_supply`,
`bench.bench_certification`, `bench.bench_labels`, `bench.bench_resolver`,
`bench.bench_exports`, `bench.bench_http`, `bench.bench_batch`, `bench.bench_sync`,
`bench.bench_eudr`, `bench.bench_eudr_screen`; `--help` lists their options).
"""


def ensure_intro(path: Path) -> None:
    """Put the title and introduction at the top of ``path`` (created if missing); an
    existing introduction between the markers is replaced, everything else is kept."""
    start, end = f"<!-- {INTRO_MARKER}:start -->", f"<!-- {INTRO_MARKER}:end -->"
    block = f"{start}\n{INTRO}{end}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
    elif text.startswith("# "):
        heading, _newline, after = text.partition("\n")
        before = f"{heading}\n\n"
    else:
        before, after = f"{TITLE}\n\n", text
    after = after.lstrip("\n")
    text = before + block + (f"\n{after}" if after.strip() else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run_all", description="Run every benchmark in sequence."
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--markdown", type=Path, help="write every section into this file")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument(
        "--only", help=f"comma-separated subset of {','.join(BENCHMARKS)} (default: all)"
    )
    return parser.parse_args(argv)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks one after the other; the number of failures."""
    args = _parse_args(argv)
    names = [n.strip() for n in args.only.split(",")] if args.only else list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    flags = [*(["--quick"] if args.quick else []), *(["--no-pg"] if args.no_pg else [])]
    if args.markdown is not None:
        ensure_intro(args.markdown)
        flags += ["--markdown", str(args.markdown)]
    failures: list[str] = []
    durations: list[tuple[str, float, int]] = []
    for name in names:
        command = [sys.executable, "-m", BENCHMARKS[name], *flags]
        progress.rule(f"{BENCHMARKS[name]} (load {load_average()})")
        with Timer() as timer:
            code = subprocess.run(command, check=False).returncode  # noqa: S603 - our own modules
        durations.append((name, timer.seconds, code))
        if code != 0:
            failures.append(name)
    progress.rule("summary")
    for name, seconds, code in durations:
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        progress.log(f"{BENCHMARKS[name]}: {seconds:.0f} s, {status}")
    progress.log(f"load average at end: {load_average()}")
    return len(failures)


def main() -> None:
    """Entry point of ``python -m bench.run_all``."""
    sys.exit(1 if run() else 0)


if __name__ == "__main__":
    main()
