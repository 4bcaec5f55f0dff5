"""EUDR geolocation file and DDS request of a lot with 5,000 origin plots (20–60 vertices each).

Usage::

    python -m bench.bench_eudr [--quick] [--plots 5000] [--runs 3] [--markdown docs/performance.md]

The ledger: one association, 5,000 producers with one polygon plot each (star-shaped ~8 ha
plots of 20 to 60 GPS points, spread over central Chiapas), harvests of 1,000 plots each
and a blend of them into one export lot; built through the bulk path (every statement really
signed and admitted by the full registry, which applies the EUDR plot rules), then loaded into
SQLite. Measured in this process, on the loaded database:

* **GeoJSON**: ``api.exports.eudr.collect_eudr`` and the file's bytes — lineage walk, every
  plot re-checked by the EUDR rules (truncated to 6 decimals, ring re-validated), the
  Features written;
* **DDS**: ``api.eudr.dds.build_dds`` on that collection (as the DDS package does) —
  producers grouped, base64 GeoJSON, split to the limits — and each statement's
  ``submitDds`` XML serialized;
* **ceiling**: what no implementation can skip: read the same plot documents from the
  database and write their geometries as JSON and as base64 (a raw read and encode, with no
  rule checked).

Target (issue #19): GeoJSON + DDS request < 5 s for 5,000 plots.
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import resource
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from api.eudr.dds import DdsOptions, build_dds
from api.exports.eudr import collect_eudr
from api.services.ledger import LedgerService, full_registry
from bench.bench_proofs import database
from bench.bench_supply import SupplyScript, _kg, plot_polygon
from bench.bulk import LedgerBuilder, load_ledger
from bench.common import (
    Report,
    Timer,
    expect,
    finish_report,
    machine_facts,
    phase,
)
from ledger.statements import SignedStatement

MARKDOWN_MARKER = "bench-eudr"
TARGET_S = 5.0
DEFAULT_PLOTS = 5_000
HARVEST_PLOTS = 1_000
"""Origins per harvest (``lot.harvested`` takes at most 1,000)."""
HARVEST_KG = 50
EXPORT_LOT = "eudr-export"


def _statements(script: SupplyScript, plots: int) -> list[SignedStatement]:
    """Producers and plots (20–60 vertices), harvests of 1,000 plots, one blend."""
    statements = script.setup()
    plot_ids: list[str] = []
    for index in range(plots):
        producer_id, plot_id = f"e{index:05d}-p", f"e{index:05d}-pl"
        geometry, area = plot_polygon(index, vertices=20 + (index * 7) % 41)
        statements += [
            script.sign(script.coop, "producer.registered", {"producer_id": producer_id}),
            script.sign(script.coop, "plot.registered", {
                "plot_id": plot_id, "producer_id": producer_id, "product": "coffee",
                "area_ha": area, "geometry": geometry, "municipality": "Villa Corzo",
            }),
        ]  # fmt: skip
        plot_ids.append(plot_id)
    harvests: list[tuple[str, int]] = []
    size = min(HARVEST_PLOTS, (plots + 1) // 2)  # at least two harvests: a blend needs two
    for start in range(0, plots, size):
        group = plot_ids[start : start + size]
        lot_id = f"eudr-h{start // size:03d}"
        statements.append(script.sign(script.coop, "lot.harvested", {
            "lot_id": lot_id, "product": "coffee", "form": "cherry",
            "quantity_kg": HARVEST_KG * len(group), "harvested_from": "2026-01-15",
            "origins": [{"plot_id": p, "quantity_kg": HARVEST_KG} for p in group],
        }))  # fmt: skip
        harvests.append((lot_id, HARVEST_KG * len(group) * 1000))
    total = sum(g for _lot, g in harvests)
    statements.append(script.sign(script.coop, "lot.transformed", {
        "transformation_id": "eudr-blend", "kind": "blend",
        "inputs": [{"lot_id": lot, "quantity_kg": _kg(g)} for lot, g in harvests],
        "outputs": [{"lot_id": EXPORT_LOT, "quantity_kg": _kg(total)}],
        "performed_on": "2026-02-01",
    }))  # fmt: skip
    return statements


def _ours(service: LedgerService) -> dict[str, Any]:
    cpu = time.process_time()
    with Timer() as geo:
        collection = collect_eudr(service, EXPORT_LOT)
        text = b"".join(collection.chunks())
    with Timer() as dds:
        options = DdsOptions(country_of_activity="DE")
        plan = build_dds(service, EXPORT_LOT, options, collection=collection)
        xml = [part.request_xml() for part in plan.parts]
    cpu = time.process_time() - cpu
    doc = json.loads(text)
    return {
        "geojson_s": geo.seconds,
        "dds_s": dds.seconds,
        "cpu_s": cpu,
        "features": len(doc["features"]),
        "refused": len(doc["refused"]),
        "geojson_bytes": len(text),
        "xml_bytes": sum(len(x) for x in xml),
        "statements": len(plan.parts),
        "plots_in_dds": sum(len(p.plot_ids) for p in plan.parts),
    }


def _ceiling(service: LedgerService, plot_ids: list[str]) -> tuple[float, float]:
    """Read the plot documents and encode their geometries as JSON and base64, nothing else;
    wall and CPU seconds."""
    cpu = time.process_time()
    with Timer() as timer:
        with service.store.read_state() as state:
            docs = state.get_many("plot", plot_ids)
        texts = [json.dumps(d["geometry"], separators=(",", ":")).encode() for d in docs.values()]
        encoded = [base64.b64encode(t) for t in texts]
    expect(len(encoded) == len(plot_ids), "the ceiling read every plot")
    return timer.seconds, time.process_time() - cpu


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_eudr", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="500 plots, one run")
    parser.add_argument("--plots", type=int, help=f"default {DEFAULT_PLOTS:,}")
    parser.add_argument("--runs", type=int, help="runs per measurement (median; default 3)")
    parser.add_argument("--markdown", type=Path, help="write the section into this file")
    parser.add_argument("--no-pg", action="store_true", help="(SQLite only in any case)")
    return parser.parse_args(argv)


def run(argv: Sequence[str] | None = None) -> list[Report]:
    """Build the ledger, measure GeoJSON + DDS against the raw ceiling, print and publish."""
    args = _parse_args(argv)
    plots = args.plots or (DEFAULT_PLOTS // 10 if args.quick else DEFAULT_PLOTS)
    runs = args.runs or (1 if args.quick else 3)
    started = time.perf_counter()
    facts = machine_facts(None)
    with phase(f"sign and admit {plots:,} producers and plots, harvests and a blend"):
        script = SupplyScript("eudr")
        builder = LedgerBuilder(full_registry())
        builder.add_all(_statements(script, plots))
        built = builder.finish()
    entries, build_s = built.size, built.seconds
    plot_ids = [f"e{i:05d}-pl" for i in range(plots)]
    report = Report(
        f"EUDR geolocation file and DDS request of one lot with {plots:,} origin plots",
        ("Measure", "Plots", "Seconds", "CPU s", "Ceiling (s)", "Ceiling CPU s", "Ratio"),
        left=1,
    )
    with tempfile.TemporaryDirectory(prefix="biotraza-bench-eudr-") as tmp:
        with database("SQLite", Path(tmp), "") as url:
            with phase("SQLite: load the ledger"):
                load_ledger(url, built)
            # The built ledger's rows (millions of objects) would otherwise stay alive and
            # make every garbage collection during the measurement walk them.
            del built, builder, script
            gc.collect()
            service = LedgerService.open(url, migrate=False)
            try:
                with phase(f"GeoJSON + DDS × {runs}, raw read × {runs}"):
                    ours, ceilings = [], []
                    for _ in range(runs):
                        ceilings.append(_ceiling(service, plot_ids))
                        ours.append(_ours(service))
            finally:
                service.close()
    first = ours[0]
    expect(first["features"] == plots and first["refused"] == 0, "every plot in the file")
    expect(first["plots_in_dds"] == plots, "every plot in the DDS request")
    geo_s = statistics.median(r["geojson_s"] for r in ours)
    dds_s = statistics.median(r["dds_s"] for r in ours)
    total = statistics.median(r["geojson_s"] + r["dds_s"] for r in ours)
    ceiling = statistics.median(c[0] for c in ceilings)
    ceiling_cpu = statistics.median(c[1] for c in ceilings)
    cpu = statistics.median(r["cpu_s"] for r in ours)
    report.add("GeoJSON file", f"{plots:,}", f"{geo_s:.2f}", "", "", "", "",
               note=f"{first['geojson_bytes'] / 1e6:.1f} MB, coordinates truncated to 6 "
               "decimals, every ring re-checked")  # fmt: skip
    xml_note = f"{first['statements']} statement(s), {first['xml_bytes'] / 1e6:.1f} MB"
    report.add("DDS request (XML)", f"{plots:,}", f"{dds_s:.2f}", "", "", "", "", note=xml_note)
    report.add("GeoJSON + DDS", f"{plots:,}", f"{total:.2f}", f"{cpu:.2f}", f"{ceiling:.2f}",
               f"{ceiling_cpu:.2f}", f"{total / ceiling:.1f}×", target=f"< {TARGET_S:g} s",
               met=total < TARGET_S,
               note="ceiling: read the plot documents, encode their geometries")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    notes = [
        f"Ledger: {entries:,} entries (bulk-built in {build_s:.1f} s); plots of 20–60 "
        "vertices, one producer each.",
        f"Seconds are the median of {runs} runs in one process on SQLite; the process peaked "
        f"at {peak:.0f} MB (ledger build included).",
        "CPU s is this process's CPU time for the same work: on a machine shared with other "
        "jobs (see the load average) wall time includes waiting for a core, CPU time does not.",
        "The DDS step reuses the GeoJSON step's collection (as the DDS package does); "
        "`biotraza eudr dds` alone collects once itself, so it costs about both rows.",
    ]
    return finish_report(
        report,
        args.markdown,
        module="bench.bench_eudr",
        title="EUDR geolocation and due diligence statement",
        marker=MARKDOWN_MARKER,
        facts=facts,
        notes=notes,
        argv=argv,
        started=started,
    )


def main() -> None:
    """Entry point of ``python -m bench.bench_eudr``."""
    reports = run()
    if any(r.missed for r in reports):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
