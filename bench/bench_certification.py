"""Certification benchmarks: the rule engine's throughput and a big lot's eligibility time.

1. **Evaluation.** A 100-criterion standard (every operator, all three severities) against
   10,000 plots with one evidence record per criterion and plot (a million records). The
   engine's plot evaluations per second are compared with a raw ceiling measured in the same
   run: one plain Python pass that indexes the same million records into a dict — the least
   work any evaluator must do — with no check, no findings, no reasons, no ordering, no
   conflict detection. Target: ≥ 20,000 plot evaluations/s.
2. **Eligibility.** The supply benchmark's 10,000-harvest coffee chain (1,000 plots, ten
   levels of processing and blending down to one packed, shipped export lot), plus a
   published standard, an accredited certifier, passing evidence for every plot and one
   group certificate (signing its findings' digest) covering them all, loaded into SQLite
   and PostgreSQL. ``eligibility`` of the
   export lot (origins under a valid certificate at harvest, every input, lot criteria) is
   timed against the bare upstream lineage walk of the same lot. Target: < 500 ms.

Run ``python -m bench.bench_certification [--quick] [--markdown FILE] [--no-pg]``.
"""

from __future__ import annotations

import argparse
import gc
import operator
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from api.services.certification import eligibility
from api.services.ledger import LedgerService, full_registry
from bench.bench_proofs import database
from bench.bench_supply import (
    AS_OF,
    OBSERVED,
    PLOTS_PER_VERIFICATION,
    CertificationScript,
    SupplyScript,
)
from bench.bulk import LedgerBuilder, load_ledger
from bench.common import (
    DEFAULT_PG_URL,
    Report,
    load_average,
    machine_facts,
    pg_server_version,
    phase,
    print_report,
    publish_reports,
)
from ledger.supply.lineage import upstream
from tests.unit.verifiers.builders import failing_value, passing_value
from verifiers.rules import Evidence, evaluate
from verifiers.standards.model import OPERATORS, Standard, load_standard

MARKDOWN_MARKER = "bench-certification"
EVAL_TARGET = 20_000.0
ELIGIBILITY_TARGET_MS = 500.0
RUNS = 5

# --------------------------------------------------------------------------- evaluation

_THRESHOLDS: dict[str, Any] = {
    "gte": 40,
    "gt": 10,
    "lte": 20,
    "lt": 40,
    "eq": 3,
    "in": ["natural", "organic", "mixed"],
    "not_in": ["synthetic", "unknown"],
    "none_of": ["paraquat", "ddt", "endosulfan", "carbofuran"],
    "all_of": ["bees", "birds"],
    "within_date": {"from": "2025-10-01", "to": "2026-09-30"},
    "before_date": "2026-06-01",
    "after_date": "2020-12-31",
}
_SEVERITIES = ("critical", "major", "minor")
_UNITS = {
    "is_true": "bool",
    "is_false": "bool",
    "none_of": "list",
    "all_of": "list",
    "within_date": "date",
    "before_date": "date",
    "after_date": "date",
}


def hundred_criteria_standard(count: int = 100) -> Standard:
    """A valid standard of ``count`` plot criteria cycling through every operator."""
    text = {"es": "criterio de prueba", "en": "benchmark criterion"}
    criteria = []
    for index in range(count):
        op = OPERATORS[index % len(OPERATORS)]
        criterion: dict[str, Any] = {
            "id": f"BENCH-{index:03d}",
            "title": text,
            "guidance": text,
            "applies_to": "plot",
            "field": f"f{index:03d}_{op}",
            "operator": op,
            "unit": _UNITS.get(op, "u"),
            "severity": _SEVERITIES[index % 3],
            "source": "benchmark",
        }
        if op in _THRESHOLDS:
            criterion["threshold"] = _THRESHOLDS[op]
        criteria.append(criterion)
    return load_standard(
        {
            "id": "bench-100",
            "version": 1,
            "title": text,
            "description": text,
            "products": ["coffee"],
            "published": "2026-01-01",
            "minor_fail_tolerance": 3,
            "criteria": criteria,
            "sources": ["benchmark"],
        }
    )


def plot_evidence(standard: Standard, plots: int) -> list[Evidence]:
    """One record per (plot, criterion): passing values, except a failing one on every 7th
    plot's criterion (plot number mod 100), so both outcomes are exercised."""
    criteria = standard.criteria
    passing = [passing_value(c) for c in criteria]
    failing = [failing_value(c) for c in criteria]
    records = []
    for number in range(plots):
        plot_id = f"pl-{number:05d}"
        bad = number % len(criteria) if number % 7 == 0 else -1
        for index, criterion in enumerate(criteria):
            value = failing[index] if index == bad else passing[index]
            records.append(Evidence("plot", plot_id, criterion.field, value, OBSERVED, number))
    return records


def _raw_checks(standard: Standard) -> list[Callable[[Any], bool]]:
    """One plain predicate per criterion: the ceiling's idea of "apply the threshold"."""
    checks: list[Callable[[Any], bool]] = []
    compare = {"gte": operator.ge, "gt": operator.gt, "lte": operator.le, "lt": operator.lt}
    for c in standard.criteria:
        t: Any = c.threshold
        op = c.operator
        if op in compare:
            checks.append(lambda v, f=compare[op], t=t: f(v, t))
        elif op == "eq":
            checks.append(lambda v, t=t: v == t)
        elif op in ("in", "not_in", "none_of", "all_of"):
            # List operators compare casefolded strings, as the engine's do.
            folded = frozenset(x.casefold() for x in t)
            if op == "in":
                checks.append(lambda v, s=folded: v.casefold() in s)
            elif op == "not_in":
                checks.append(lambda v, s=folded: v.casefold() not in s)
            elif op == "none_of":
                checks.append(lambda v, s=folded: not s.intersection(x.casefold() for x in v))
            else:
                checks.append(lambda v, s=folded: s.issubset(x.casefold() for x in v))
        elif op == "within_date":
            checks.append(lambda v, lo=t["from"], hi=t["to"]: lo <= v <= hi)
        elif op == "before_date":
            checks.append(lambda v, t=t: v < t)
        elif op == "after_date":
            checks.append(lambda v, t=t: v > t)
        else:
            checks.append(lambda v, want=(op == "is_true"): v is want)
    return checks


def raw_index(records: list[Evidence]) -> dict[tuple[str, str], Any]:
    """The ceiling: one pass putting every record's value under (subject, field). Any
    evaluator must at least touch each record once like this; nothing is checked."""
    return {(e.subject_id, e.field): e.value for e in records}


def plain_failures(standard: Standard, records: list[Evidence], plots: list[str]) -> int:
    """An independent count of failed (plot, criterion) pairs, to check the engine's."""
    latest = raw_index(records)
    fields = [
        (c.field, check) for c, check in zip(standard.criteria, _raw_checks(standard), strict=True)
    ]
    failures = 0
    for plot in plots:
        for field_name, check in fields:
            value = latest.get((plot, field_name))
            if value is None or not check(value):
                failures += 1
    return failures


def _best_of(runs: int, call: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def evaluation_report(plot_count: int) -> tuple[Report, list[str]]:
    """Time the engine and the raw ceiling on the same standard and records."""
    standard = hundred_criteria_standard()
    with phase(f"build {plot_count * len(standard.criteria):,} evidence records"):
        records = plot_evidence(standard, plot_count)
    plots = [("plot", f"pl-{n:05d}") for n in range(plot_count)]
    plot_ids = [p for _kind, p in plots]
    with phase("rule engine × 3"):
        engine_s, evaluation = _best_of(3, lambda: evaluate(standard, plots, records, AS_OF))
    with phase("raw ceiling (index the records) × 3"):
        raw_s, _index = _best_of(3, lambda: raw_index(records))
    engine_failures = sum(1 for f in evaluation.findings if f.status != "pass")
    raw_failures = plain_failures(standard, records, plot_ids)
    if engine_failures != raw_failures:
        raise RuntimeError(f"engine found {engine_failures} failures, the ceiling {raw_failures}")
    rate, ceiling = plot_count / engine_s, plot_count / raw_s
    report = Report(
        f"Rule engine: {len(standard.criteria)}-criterion standard × {plot_count:,} plots",
        ("Measure", "Plots", "Seconds", "Plots /s", "Ceiling /s", "Ratio"),
        left=1,
    )
    report.add(
        "evaluate() (findings, reasons, result)",
        f"{plot_count:,}",
        f"{engine_s:.3f}",
        f"{rate:,.0f}",
        f"{ceiling:,.0f}",
        f"{rate / ceiling:.0%}",
        target=f"≥ {EVAL_TARGET:,.0f} plots/s",
        met=rate >= EVAL_TARGET,
        note="best of 3",
    )
    notes = [
        f"Evaluation: {len(records):,} evidence records; {engine_failures:,} findings failed "
        f"(one failing criterion on every 7th plot, the same count as an independent plain-Python "
        f"check); result `{evaluation.result}`. Ceiling: one dict comprehension putting each "
        "record's value under (plot, field), the least any evaluator must do, with no check "
        "applied.",
    ]
    return report, notes


# --------------------------------------------------------------------------- eligibility


def eligibility_report(
    results: dict[str, tuple[list[float], list[float]]], lots: int, plots: int
) -> Report:
    """Median/min/max of eligibility and of the bare lineage walk, per engine."""
    report = Report(
        f"Eligibility of one export lot ({lots:,} upstream lots, {plots:,} plots)",
        ("Engine", "Query", "Runs", "Median ms", "Min ms", "Max ms", "× lineage"),
    )
    for engine_name, (walks, checks) in results.items():
        walk = statistics.median(walks)
        for query, values, targeted in (
            ("lineage.upstream (ceiling)", walks, False),
            ("certification_service.eligibility", checks, True),
        ):
            median = statistics.median(values)
            report.add(
                engine_name,
                query,
                str(len(values)),
                f"{median:,.1f}",
                f"{min(values):,.1f}",
                f"{max(values):,.1f}",
                f"{median / walk:.1f}",
                target=f"< {ELIGIBILITY_TARGET_MS:g} ms" if targeted else "",
                met=median < ELIGIBILITY_TARGET_MS if targeted else None,
            )
    return report


def time_eligibility(url: str, export_lot: str) -> tuple[list[float], list[float]]:
    """One warm-up, then ``RUNS`` timings each of the lineage walk and of eligibility."""
    service = LedgerService.open(url, migrate=False)
    walks: list[float] = []
    checks: list[float] = []
    try:

        def walk() -> Any:
            with service.store.read_state() as state:
                return upstream(state, export_lot)

        def check() -> Any:
            return eligibility(service, export_lot)

        walk()
        answer = check()
        if not answer.eligible:
            raise RuntimeError(f"export lot not eligible: {answer.to_dict()['reasons'][:3]}")
        for _ in range(RUNS):
            for call, into in ((walk, walks), (check, checks)):
                start = time.perf_counter()
                call()
                into.append((time.perf_counter() - start) * 1000.0)
    finally:
        service.close()
    return walks, checks


# --------------------------------------------------------------------------- driver


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_certification",
        description="Rule-engine throughput and the eligibility time of a big export lot.",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 plots / 1,000 harvests")
    parser.add_argument("--plots", type=int, help="plots evaluated (10000)")
    parser.add_argument("--harvests", type=int, help="harvest lots under the export lot (10000)")
    parser.add_argument("--markdown", type=Path, help="also write a markdown section here")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="SQLAlchemy PostgreSQL URL")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    return parser.parse_args(argv)


def run(argv: Sequence[str] | None = None) -> list[Report]:
    """Both benchmarks; print the tables and optionally write the markdown section."""
    args = _parse_args(argv)
    plot_count = args.plots or (1_000 if args.quick else 10_000)
    harvests = args.harvests or (1_000 if args.quick else 10_000)
    engines = ("SQLite",) if args.no_pg else ("SQLite", "PostgreSQL")
    started = time.perf_counter()
    facts = machine_facts(pg_server_version(args.pg_url) if "PostgreSQL" in engines else None)

    eval_report, notes = evaluation_report(plot_count)

    with phase(f"sign and admit a {harvests:,}-harvest chain with its certification"):
        supply = SupplyScript("elig")
        cert = CertificationScript(supply)
        statements, export_lot, _levels = supply.chain("x", harvests)
        builder = LedgerBuilder(full_registry())
        builder.add_all([*supply.setup(), *cert.setup(), *statements])
        lineage = upstream(builder.state, export_lot)
        association = "coop-sierra"
        builder.add_all(cert.evidence(association, lineage.plots))
        verifications = cert.verifications(builder, association, lineage.plots)
        built = builder.finish()
    notes.append(
        f"Eligibility ledger: {built.size:,} entries ({len(lineage.lots):,} lots upstream of "
        f"the export lot, {len(lineage.plots):,} plots, one evidence record per plot criterion, "
        f"{verifications:,} verifications of {PLOTS_PER_VERIFICATION} plots each); built in "
        f"{built.seconds:.1f} s."
    )
    results: dict[str, tuple[list[float], list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="biotraza-bench-cert-") as tmp:
        for engine_name in engines:
            with database(engine_name, Path(tmp), args.pg_url) as url:
                with phase(f"{engine_name}: load the ledger"):
                    load_ledger(url, built)
                with phase(f"{engine_name}: eligibility × {RUNS}"):
                    results[engine_name] = time_eligibility(url, export_lot)
    reports = [eval_report, eligibility_report(results, len(lineage.lots), len(lineage.plots))]
    facts["Load average at end"] = load_average()
    for report in reports:
        print_report(report)
    notes += [
        f"Targets: ≥ {EVAL_TARGET:,.0f} plot evaluations/s; eligibility of the export lot "
        f"< {ELIGIBILITY_TARGET_MS:g} ms (median of {RUNS} after one warm-up).",
        f"Whole run: {time.perf_counter() - started:.0f} s.",
    ]
    publish_reports(
        args.markdown,
        module="bench.bench_certification",
        title="Certification",
        marker=MARKDOWN_MARKER,
        facts=facts,
        reports=reports,
        notes=notes,
        argv=argv,
    )
    return reports


def main() -> None:
    """Entry point of ``python -m bench.bench_certification``."""
    run()


if __name__ == "__main__":
    main()
