"""Supply-chain lineage queries and the append rate of a realistic supply workload.

Usage::

    python -m bench.bench_supply [--quick] [--harvests 10000] [--units 8]
                                 [--markdown docs/performance.md] [--no-pg] [--profile]

Phases:

1. Lineage. A ledger where one export lot descends from ``--harvests`` harvest lots through
   fan-in levels of 10: harvest (cherry) → process (parchment) → process (green) → blend
   groups → blend → pack, then shipped to and received by an exporter (10,000 → 1,000 → 100
   → 10 → 1 → 1 lots; plots and producers one per 10 harvests). Built by the bulk path
   (``bench.bulk``: every statement really signed and admitted over ``core_registry()`` in
   memory, then entries, Merkle nodes, projections and lineage links bulk-inserted); on
   SQLite the result is re-verified from genesis and its projections compared with the
   replay's. Timed, median of 5 after one warm-up: the recursive walk alone
   (``SqlState.reachable``), ``ledger.supply.lineage.upstream(state, lot)`` inside
   ``store.read_state()``, and the API's ``api.services.supply.lineage(service, lot)``, which
   also loads every lot document.
2. Appends. A season's worth of supply entries per unit (20 producers, 20 polygon plots,
   200 harvests, 22 process steps, a blend, a pack, a shipment and its receipt: 266
   entries) through ``ledger.chain.append``, against the same number of root-signed
   ``key.added`` appends to another fresh ledger, the two ledgers taking turns append by
   append: the supply rate over the bare rate. Statements are signed before
   timing.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import math
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.services.ledger import LedgerService
from api.services.supply import lineage as api_lineage
from bench.bench_ledger import LedgerKeys, derive_key, init_ledger
from bench.bench_proofs import database, key_added
from bench.bulk import BuiltLedger, LedgerBuilder, load_ledger
from bench.common import (
    DEFAULT_PG_URL,
    Report,
    expect,
    load_average,
    machine_facts,
    pg_server_version,
    phase,
    print_report,
    publish_reports,
)
from ledger.catalog import core_registry
from ledger.chain import append, verify_stored_leaves
from ledger.keys import encode_public_key
from ledger.registry import Registry
from ledger.statements import SignedStatement, sign_statement
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine, upgrade_database
from ledger.supply.geo import geodesic_area_ha
from ledger.supply.lineage import Lineage, upstream
from ledger.supply.lots import LOT_INPUT
from tests.unit.verifiers.builders import passing_value
from verifiers.certification import evidence_for
from verifiers.rules import Evidence, evaluate, findings_digest
from verifiers.standards.model import shipped_standards

MARKDOWN_MARKER = "bench-supply"
LINEAGE_TARGET_MS = 300.0
MIX_TARGET = 0.70
RUNS = 5
FAN_IN = 10
TS = "2026-03-01T12:00:00Z"
COOP = "coop-sierra"
EXPORTER = "exportadora-soconusco"
HARVEST_G = 100_000
"""Each harvest delivery: 100 kg of coffee cherry."""
PARCHMENT_YIELD = (23, 100)
GREEN_YIELD = (80, 100)
SACK_KG = 69
AS_OF = "2026-02-01"
"""The day certificates evaluate the evidence on."""
OBSERVED = "2026-01-10"
"""The day plots were surveyed (before the harvests of 2026-01-15 and the statements' ts)."""
CERTIFIER_ID = "certimex-bench"
PLOTS_PER_VERIFICATION = 1_000


# --------------------------------------------------------------------------- statements


def _kg(grams: int) -> int | float:
    return grams // 1000 if grams % 1000 == 0 else grams / 1000


def plot_polygon(index: int, vertices: int = 24) -> tuple[dict[str, Any], float]:
    """A star-shaped ~8 ha plot of ``vertices`` GPS points on a grid in central Chiapas, with
    its computed area (ha, 3 decimals).

    The grid (150 × 75 cells of 0.004°, lon −93.0…−92.4, lat 16.2…16.5) wraps around, so
    every plot lies well inside Chiapas, the association's state, whatever the ledger size
    (appends check it: ``ledger.supply.boundaries``); plots may overlap, which is allowed."""
    lon0 = -93.0 + 0.004 * (index % 150)
    lat0 = 16.2 + 0.004 * ((index // 150) % 75)
    ring: list[list[float]] = []
    for k in range(vertices):
        angle = 2 * math.pi * k / vertices
        radius = 0.0015 * (1 + 0.08 * math.sin(3 * angle + index))
        ring.append(
            [round(lon0 + radius * math.cos(angle), 7), round(lat0 + radius * math.sin(angle), 7)]
        )
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}, round(geodesic_area_ha(ring), 3)


Lot = tuple[str, int]
"""A lot id and its quantity in grams."""


class SupplyScript:
    """Signs a coherent supply chain: who signs what, in an order the ledger accepts."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.keys = LedgerKeys.make()
        self.registrar = derive_key("supply-registrar")
        self.coop = derive_key(f"supply-org:{COOP}")
        self.exporter = derive_key(f"supply-org:{EXPORTER}")
        self._nonce = 0
        self._plots = 0

    def sign(self, key: Any, entry_type: str, body: dict[str, Any]) -> SignedStatement:
        """Sign with a deterministic nonce and the fixed timestamp."""
        self._nonce += 1
        nonce = f"{self.prefix}-{self._nonce:08d}"
        return sign_statement(key, entry_type, body, ts=TS, nonce=nonce)

    def setup(self) -> list[SignedStatement]:
        """Genesis, a registrar key, the association and the exporter."""
        org = {"state": "07", "municipality": "Siltepec", "public_key": ""}
        return [
            self.keys.genesis(),
            self.sign(
                self.keys.root,
                "key.added",
                {
                    "name": "registrar",
                    "public_key": encode_public_key(self.registrar),
                    "role": "registrar",
                },
            ),
            self.sign(
                self.registrar,
                "org.registered",
                {
                    **org,
                    "org_id": COOP,
                    "name": "Cooperativa Cafetalera Sierra Madre",
                    "kind": "association",
                    "legal_form": "cooperativa",
                    "landscape": "Sierra Madre de Chiapas",
                    "products": ["coffee"],
                    "public_key": encode_public_key(self.coop),
                },
            ),
            self.sign(
                self.registrar,
                "org.registered",
                {
                    **org,
                    "org_id": EXPORTER,
                    "name": "Exportadora del Soconusco",
                    "kind": "exporter",
                    "legal_form": "sa_de_cv",
                    "municipality": "Tapachula",
                    "public_key": encode_public_key(self.exporter),
                },
            ),
        ]

    def producer_and_plot(self, tag: str) -> tuple[list[SignedStatement], str]:
        """A member and one polygon plot of theirs; returns the plot id."""
        producer_id, plot_id = f"{tag}-p", f"{tag}-pl"
        pii = hashlib.sha256(f"{self.prefix}:{producer_id}".encode()).hexdigest()
        producer = self.sign(
            self.coop,
            "producer.registered",
            {
                "producer_id": producer_id,
                "pii_hash": pii,
                "community": "Ejido Nueva Esperanza",
                "member_since": "2019-04-01",
            },
        )
        return [producer, self.plot(plot_id, producer_id)], plot_id

    def plot(self, plot_id: str, producer_id: str) -> SignedStatement:
        """One more polygon plot of a registered member (some members farm two)."""
        geometry, area = plot_polygon(self._plots)
        self._plots += 1
        return self.sign(
            self.coop,
            "plot.registered",
            {
                "plot_id": plot_id,
                "producer_id": producer_id,
                "product": "coffee",
                "area_ha": area,
                "geometry": geometry,
                "municipality": "Villa Corzo",
                "landscape": "La Frailesca",
            },
        )

    def harvest(self, lot_id: str, plot_id: str, grams: int = HARVEST_G) -> SignedStatement:
        """A delivery of cherry from one plot."""
        return self.sign(
            self.coop,
            "lot.harvested",
            {
                "lot_id": lot_id,
                "product": "coffee",
                "form": "cherry",
                "quantity_kg": _kg(grams),
                "harvested_from": "2026-01-15",
                "origins": [{"plot_id": plot_id, "quantity_kg": _kg(grams)}],
            },
        )

    def transform(
        self, tag: str, kind: str, inputs: Sequence[Lot], output: dict[str, Any]
    ) -> SignedStatement:
        """One ``lot.transformed`` consuming whole input lots into one output."""
        return self.sign(
            self.coop,
            "lot.transformed",
            {
                "transformation_id": f"{tag}-t",
                "kind": kind,
                "inputs": [{"lot_id": lot, "quantity_kg": _kg(g)} for lot, g in inputs],
                "outputs": [output],
                "performed_on": "2026-02-01",
            },
        )

    def fan_in(
        self,
        lots: Sequence[Lot],
        tag: str,
        kind: str,
        form: str | None,
        factor: tuple[int, int],
        size: int = FAN_IN,
    ) -> tuple[list[SignedStatement], list[Lot]]:
        """Groups of ``size`` lots, each transformed into one new lot (a trailing group
        of one joins the previous group, since a blend needs two inputs)."""
        groups = [list(lots[i : i + size]) for i in range(0, len(lots), size)]
        if len(groups) > 1 and len(groups[-1]) == 1:
            groups[-2] += groups.pop()
        statements: list[SignedStatement] = []
        made: list[Lot] = []
        for number, group in enumerate(groups):
            lot_id = f"{tag}-{number:05d}"
            grams = sum(g for _lot, g in group) * factor[0] // factor[1]
            output: dict[str, Any] = {"lot_id": lot_id, "quantity_kg": _kg(grams)}
            if form is not None:
                output["form"] = form
            statements.append(self.transform(lot_id, kind, group, output))
            made.append((lot_id, grams))
        return statements, made

    def pack_and_ship(self, lot: Lot, tag: str) -> tuple[list[SignedStatement], str]:
        """Pack a lot into 69 kg sacks (the remainder stays), ship to the exporter, receive."""
        sacks = lot[1] // (SACK_KG * 1000)
        packed = sacks * SACK_KG * 1000
        export_lot = f"{tag}-export"
        package = {"unit": "sack", "count": sacks, "unit_kg": SACK_KG}
        output = {"lot_id": export_lot, "quantity_kg": _kg(packed), "package": package}
        return [
            self.transform(export_lot, "pack", [(lot[0], packed)], output),
            self.sign(
                self.coop,
                "lot.shipped",
                {
                    "shipment_id": f"{tag}-sh",
                    "lot_ids": [export_lot],
                    "to_org": EXPORTER,
                    "shipped_on": "2026-02-10",
                    "document_ref": f"CP-{tag}",
                },
            ),
            self.sign(
                self.exporter,
                "lot.received",
                {"shipment_id": f"{tag}-sh", "received_on": "2026-02-12"},
            ),
        ], export_lot

    def chain(
        self, tag: str, harvests: int
    ) -> tuple[list[SignedStatement], str, list[tuple[str, int]]]:
        """Producers, plots, harvests and every fan-in level down to one shipped export lot.

        Returns the statements, the export lot id and each level's name and lot count.
        """
        statements: list[SignedStatement] = []
        plots: list[str] = []
        for number in range(max(harvests // FAN_IN, 1)):
            made, plot_id = self.producer_and_plot(f"{tag}-m{number:05d}")
            statements += made
            plots.append(plot_id)
        made, export_lot, levels = self.deliver_and_ship(tag, plots, harvests)
        return statements + made, export_lot, levels

    def deliver_and_ship(
        self,
        tag: str,
        plots: Sequence[str],
        harvests: int,
        fan_ins: tuple[int, int] = (FAN_IN, FAN_IN),
    ) -> tuple[list[SignedStatement], str, list[tuple[str, int]]]:
        """``harvests`` deliveries spread over ``plots`` in turn, processed to parchment and
        to green in groups of ``fan_ins``, blended in groups of ``FAN_IN`` down to one lot,
        packed, shipped and received.

        Returns the statements, the export lot id and each level's name and lot count.
        """
        statements: list[SignedStatement] = []
        lots: list[Lot] = []
        for number in range(harvests):
            lot_id = f"{tag}-h{number:05d}"
            statements.append(self.harvest(lot_id, plots[number % len(plots)]))
            lots.append((lot_id, HARVEST_G))
        levels = [("harvest", len(lots))]
        steps = (("pa", "parchment", PARCHMENT_YIELD), ("gr", "green", GREEN_YIELD))
        for (short, form, factor), size in zip(steps, fan_ins, strict=True):
            made, lots = self.fan_in(lots, f"{tag}-{short}", "process", form, factor, size)
            statements += made
            levels.append((form, len(lots)))
        depth = 0
        while len(lots) > 1:
            made, lots = self.fan_in(lots, f"{tag}-bl{depth}", "blend", None, (1, 1))
            statements += made
            levels.append(("blend" if len(lots) == 1 else "blend group", len(lots)))
            depth += 1
        made, export_lot = self.pack_and_ship(lots[0], tag)
        statements += made
        levels.append(("pack", 1))
        return statements, export_lot, levels


class CertificationScript:
    """Signs the certification layer over a ``SupplyScript`` chain: standard, certifier,
    accreditation, passing evidence for every plot and verifications covering them."""

    def __init__(self, supply: SupplyScript) -> None:
        self.supply = supply
        self.certifier = derive_key("bench-certifier")
        self.standard = shipped_standards()["coffee-ab@1"]
        self.signed: dict[str, list[SignedStatement]] = {}
        """The evidence signed about each association, which its certificates list."""

    def setup(self) -> list[SignedStatement]:
        """Standard, certifier key and accreditation (all root-signed)."""
        root = self.supply.keys.root
        return [
            self.supply.sign(root, "standard.published", {"standard": self.standard.to_dict()}),
            self.supply.sign(
                root,
                "key.added",
                {
                    "name": "certifier-bench",
                    "public_key": encode_public_key(self.certifier),
                    "role": "certifier",
                    "scope": {"certifier_id": CERTIFIER_ID},
                },
            ),
            self.supply.sign(
                root,
                "accreditation.granted",
                {
                    "certifier_id": CERTIFIER_ID,
                    "name": "Certificadora de banco de pruebas",
                    "products": ["coffee"],
                    "standards": [self.standard.id],
                    "valid_from": "2025-01-01",
                    "valid_until": "2027-12-31",
                },
            ),
        ]

    def evidence(self, association: str | None, plots: Sequence[str]) -> list[SignedStatement]:
        """Passing evidence for the association (unless ``None``: recorded once, it serves
        every later verification) and every plot, signed by the association."""
        statements = []
        subjects = [*([("association", association)] if association else []),
                    *(("plot", p) for p in plots)]  # fmt: skip
        for kind, subject_id in subjects:
            for criterion in self.standard.criteria:
                if criterion.applies_to != kind:
                    continue
                statements.append(
                    self.supply.sign(
                        self.supply.coop,
                        "evidence.recorded",
                        {
                            "evidence_id": f"ev-{subject_id}-{criterion.field}"[:64],
                            "subject_kind": kind,
                            "subject_id": subject_id,
                            "field": criterion.field,
                            "value": passing_value(criterion),
                            "observed_on": OBSERVED,
                            "method": "benchmark survey",
                        },
                    )
                )
                if kind == "association":
                    self.signed.setdefault(subject_id, []).append(statements[-1])
        return statements

    def verifications(self, builder: LedgerBuilder, association: str, plots: Sequence[str]) -> int:
        """Admit group certificates over ``PLOTS_PER_VERIFICATION`` plots each, signing the
        digest of the engine's findings over the admitted evidence (eleven findings per coffee
        plot would not fit a 64 KiB statement in full); how many were issued."""
        batches = [
            plots[i : i + PLOTS_PER_VERIFICATION]
            for i in range(0, len(plots), PLOTS_PER_VERIFICATION)
        ]
        for number, batch in enumerate(batches):
            scope = {"products": ["coffee"], "plots": list(batch), "apiaries": [], "lots": []}
            subjects = [("association", association), *(("plot", p) for p in batch)]
            found = evaluate(self.standard, subjects, evidence_for(builder.state, subjects), AS_OF)
            engine = found.to_dict()
            builder.add(
                self.supply.sign(
                    self.certifier,
                    "verification.issued",
                    {
                        "verification_id": f"ver-bench-{number:04d}",
                        "association_id": association,
                        "scope": scope,
                        "standard_hash": engine["standard_hash"],
                        "as_of": AS_OF,
                        "findings_sha256": findings_digest(engine["findings"]),
                        "result": engine["result"],
                        "valid_from": "2025-10-01",
                        "valid_until": "2026-09-30",
                    },
                )
            )
        return len(batches)

    def group_certificate(
        self, verification_id: str, association: str, evidence: Sequence[SignedStatement]
    ) -> SignedStatement:
        """A version-2 group certificate (ICS certification of an association's members)
        over the plots of ``evidence`` (plot ``evidence.recorded`` statements signed by
        :meth:`evidence`), listing also the association's own evidence signed before; signed
        offline: version 2 lists the evidence by id and cites it by id, so the findings'
        digest is known before any of it has a seq, and a benchmark can sign it in the same
        batch as the evidence."""
        own = self.signed.get(association, [])
        bodies = [signed.statement.body for signed in [*own, *evidence]]
        plots = sorted({b["subject_id"] for b in bodies if b["subject_kind"] == "plot"})
        subjects = [("association", association), *(("plot", p) for p in plots)]
        listed = [
            Evidence(b["subject_kind"], b["subject_id"], b["field"], b["value"],
                     b["observed_on"], evidence_id=b["evidence_id"])
            for b in bodies
        ]  # fmt: skip
        found = evaluate(self.standard, subjects, listed, AS_OF, findings_version=2).to_dict()
        return self.supply.sign(
            self.certifier,
            "verification.issued",
            {
                "verification_id": verification_id,
                "association_id": association,
                "scope": {"products": ["coffee"], "plots": plots, "apiaries": [], "lots": []},
                "standard_hash": found["standard_hash"],
                "as_of": AS_OF,
                "findings_version": 2,
                "evidence_ids": [b["evidence_id"] for b in bodies],
                "findings_sha256": findings_digest(found["findings"]),
                "result": found["result"],
                "valid_from": "2025-10-01",
                "valid_until": "2026-09-30",
            },
        )


# --------------------------------------------------------------------------- lineage


@dataclass
class LineageTimes:
    """Median, min and max milliseconds of each lineage query on one engine."""

    walk: list[float] = field(default_factory=list)
    upstream: list[float] = field(default_factory=list)
    api: list[float] = field(default_factory=list)


def _ms(call: Callable[[], Any], into: list[float]) -> Any:
    start = time.perf_counter()
    result = call()
    into.append((time.perf_counter() - start) * 1000.0)
    return result


def check_bulk_ledger(url: str, built: BuiltLedger, registry: Registry) -> float:
    """Re-verify the loaded ledger from genesis; its replayed projections and links must
    equal the bulk-inserted rows. Returns the seconds it took."""
    start = time.perf_counter()
    engine = create_ledger_engine(url)
    try:
        store = SqlLedgerStore(engine)
        checked = verify_stored_leaves(store.stored_leaves(), registry)
        expect(checked.size == built.size, "verified size differs")
        expect(store.projection_rows() == checked.state.rows(), "projections differ from replay")
        expect(store.link_rows() == checked.state.link_rows(), "links differ from replay")
    finally:
        engine.dispose()
    return time.perf_counter() - start


def measure_lineage(
    url: str, export_lot: str, expected: Lineage, profile: bool
) -> tuple[LineageTimes, str]:
    """Time the walk, ``upstream`` and the API lineage (1 warm-up + ``RUNS`` each)."""
    service = LedgerService.open(url, migrate=False)
    store = service.store
    times = LineageTimes()
    profile_text = ""
    try:

        def walk() -> list[str]:
            with store.read_state() as state:
                return state.reachable(LOT_INPUT, export_lot)

        def lineage() -> Lineage:
            with store.read_state() as state:
                return upstream(state, export_lot)

        def api() -> dict[str, Any]:
            return api_lineage(service, export_lot, "upstream")

        warm: list[float] = []
        for call in (walk, lineage, api):
            _ms(call, warm)
        for _ in range(RUNS):
            found = _ms(walk, times.walk)
            expect(len(found) == len(expected.lots) - 1, "walk found a different lot count")
            graph = _ms(lineage, times.upstream)
            expect(graph == expected, "upstream() differs from the in-memory lineage")
            document = _ms(api, times.api)
            expect(len(document["lot_details"]) == len(expected.lots), "API lot details")
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            lineage()
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.strip_dirs().sort_stats("cumulative").print_stats(14)
            profile_text = out.getvalue()
    finally:
        service.close()
    return times, profile_text


# --------------------------------------------------------------------------- appends


@dataclass
class MixTiming:
    """Per-append seconds of the supply mix (by entry type) and of bare ``key.added``."""

    by_type: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    bare: list[float] = field(default_factory=list)

    @property
    def mixed_seconds(self) -> float:
        """Total seconds of the supply appends."""
        return sum(sum(values) for values in self.by_type.values())

    @property
    def mixed_count(self) -> int:
        """Number of supply appends."""
        return sum(len(values) for values in self.by_type.values())


def mixed_workload(units: int) -> tuple[SupplyScript, list[SignedStatement], list[SignedStatement]]:
    """The setup statements and ``units`` seasons of supply entries, signed."""
    script = SupplyScript("mix")
    setup = script.setup()
    work: list[SignedStatement] = []
    for unit in range(units):
        tag = f"u{unit:03d}"
        statements, _lot, _levels = script.chain(tag, 200)
        # One season: 20 members + plots, 200 deliveries, 20 + 2 process steps, blend, pack,
        # ship, receive (the chain's levels are 200 → 20 → 2 → 1 → pack).
        work += statements
    return script, setup, work


def append_mix(
    url_mix: str,
    url_bare: str,
    setup: Sequence[SignedStatement],
    work: Sequence[SignedStatement],
    bare: Sequence[SignedStatement],
    registry: Registry,
) -> MixTiming:
    """Append the supply mix and as many bare statements to two ledgers, taking turns."""
    timing = MixTiming()
    engines = [create_ledger_engine(url_mix), create_ledger_engine(url_bare)]
    try:
        upgrade_database(engines[0])
        mix_store, bare_store = SqlLedgerStore(engines[0]), SqlLedgerStore(engines[1])
        for signed in setup:
            append(mix_store, registry, signed)
        mix_store.head()  # open both pooled connections before timing
        bare_store.head()
        # Append by append, the two ledgers take turns (and which goes first alternates), so
        # background load and disk bursts hit both sides alike.
        for number, (signed, plain) in enumerate(zip(work, bare, strict=True)):
            for side in ("mix", "bare") if number % 2 == 0 else ("bare", "mix"):
                store, statement = (mix_store, signed) if side == "mix" else (bare_store, plain)
                start = time.perf_counter()
                created = append(store, registry, statement).created
                elapsed = time.perf_counter() - start
                expect(created, f"a {statement.statement.type} append was answered as a replay")
                if side == "mix":
                    timing.by_type[statement.statement.type].append(elapsed)
                else:
                    timing.bare.append(elapsed)
        expect(mix_store.head().size == len(setup) + len(work), "supply ledger size")
        expect(bare_store.head().size == 1 + len(bare), "bare ledger size")
    finally:
        for engine in engines:
            engine.dispose()
    return timing


# --------------------------------------------------------------------------- reports


def lineage_report(results: dict[str, LineageTimes], lots: int, plots: int) -> Report:
    """Median/min/max of each lineage query per engine."""
    report = Report(
        f"Upstream lineage of one export lot ({lots:,} lots, {plots:,} plots)",
        ("Engine", "Query", "Runs", "Median ms", "Min ms", "Max ms"),
    )
    rows: list[tuple[str, str, Callable[[LineageTimes], list[float]], bool]] = [
        ("SqlState.reachable (recursive CTE only)", "", lambda t: t.walk, False),
        (
            "lineage.upstream(SqlState, lot)",
            "lots, edges, plots, producers",
            lambda t: t.upstream,
            True,
        ),
        ("supply_service.lineage (API)", "+ every lot document", lambda t: t.api, True),
    ]
    for engine_name, times in results.items():
        for query, note, pick, targeted in rows:
            values = pick(times)
            median = statistics.median(values)
            report.add(
                engine_name,
                query,
                str(len(values)),
                f"{median:,.1f}",
                f"{min(values):,.1f}",
                f"{max(values):,.1f}",
                target=f"< {LINEAGE_TARGET_MS:g} ms" if targeted else "",
                met=median < LINEAGE_TARGET_MS if targeted else None,
                note=note,
            )
    return report


def mix_report(results: dict[str, MixTiming]) -> Report:
    """Supply-mix append rate over the bare ``key.added`` rate, per engine."""
    report = Report(
        "Supply workload append rate vs bare key.added",
        ("Engine", "Supply appends", "Supply /s", "key.added /s", "Ratio"),
        left=1,
    )
    for engine_name, timing in results.items():
        mixed = timing.mixed_count / timing.mixed_seconds
        bare = len(timing.bare) / sum(timing.bare)
        report.add(
            engine_name,
            f"{timing.mixed_count:,}",
            f"{mixed:,.0f}",
            f"{bare:,.0f}",
            f"{mixed / bare:.0%}",
            target=f"≥ {MIX_TARGET:.0%}",
            met=mixed / bare >= MIX_TARGET,
            note="ledgers take turns append by append",
        )
    return report


def type_report(results: dict[str, MixTiming]) -> Report:
    """Mean and p95 append latency of each entry type in the mix, per engine."""
    report = Report(
        "Append latency by entry type (ms)",
        ("Engine", "Entry type", "Count", "Share of entries", "Share of time", "Mean", "p95"),
    )
    for engine_name, timing in results.items():
        total_time = timing.mixed_seconds
        types = sorted(timing.by_type.items(), key=lambda item: -sum(item[1]))
        for entry_type, values in [*types, ("key.added (bare)", timing.bare)]:
            ordered = sorted(values)
            p95 = ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]
            bare_row = entry_type.endswith("(bare)")
            report.add(
                engine_name,
                entry_type,
                f"{len(values):,}",
                "" if bare_row else f"{len(values) / timing.mixed_count:.0%}",
                "" if bare_row else f"{sum(values) / total_time:.0%}",
                f"{statistics.fmean(values) * 1000:.2f}",
                f"{p95 * 1000:.2f}",
            )
    return report


# --------------------------------------------------------------------------- driver


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_supply",
        description="Lineage query time and the append rate of a supply-chain workload.",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 harvests, 1 season unit")
    parser.add_argument("--harvests", type=int, help="harvest lots under the export lot (10000)")
    parser.add_argument("--units", type=int, help="season units of 266 supply appends (8)")
    parser.add_argument("--markdown", type=Path, help="also write a markdown section here")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="SQLAlchemy PostgreSQL URL")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--profile", action="store_true", help="cProfile one upstream() call")
    return parser.parse_args(argv)


def run(argv: Sequence[str] | None = None) -> list[Report]:
    """Run both phases, print the tables and optionally write the markdown section."""
    args = _parse_args(argv)
    harvests = args.harvests or (1_000 if args.quick else 10_000)
    units = args.units or (1 if args.quick else 8)
    engines = ("SQLite",) if args.no_pg else ("SQLite", "PostgreSQL")
    started = time.perf_counter()
    pg_version = pg_server_version(args.pg_url) if "PostgreSQL" in engines else None
    facts = machine_facts(pg_version)
    registry = core_registry()
    notes: list[str] = []

    with phase(f"sign and admit a {harvests:,}-harvest chain in memory"):
        script = SupplyScript("lineage")
        statements, export_lot, levels = script.chain("x", harvests)
        builder = LedgerBuilder(registry)
        builder.add_all([*script.setup(), *statements])
        expected = upstream(builder.state, export_lot)
        built = builder.finish()
    lots = len(expected.lots)
    level_lots = sum(n for _name, n in levels)
    expect(lots == level_lots, f"lineage has {lots} lots, levels say {level_lots}")
    notes.append(
        f"Lineage ledger: {built.size:,} entries, {len(built.links):,} links; lots per level "
        f"{' → '.join(f'{n:,} {name}' for name, n in levels)}, then shipped and received; built in "
        f"{built.seconds:.1f} s."
    )
    with phase(f"sign {units} season units of supply appends and as many key.added"):
        _script, setup, work = mixed_workload(units)
        keys = LedgerKeys.make()
        bare = [key_added(keys, i, "supply-bare") for i in range(len(work))]

    lineage_times: dict[str, LineageTimes] = {}
    mix: dict[str, MixTiming] = {}
    profiles: list[str] = []
    with tempfile.TemporaryDirectory(prefix="biotraza-bench-supply-") as tmp:
        workdir = Path(tmp)
        for engine_name in engines:
            with database(engine_name, workdir, args.pg_url) as url:
                with phase(f"{engine_name}: load the lineage ledger"):
                    loaded = load_ledger(url, built)
                notes.append(f"{engine_name}: bulk load took {loaded.seconds:.1f} s.")
                if engine_name == "SQLite":
                    with phase("SQLite: re-verify the bulk-built ledger from genesis"):
                        seconds = check_bulk_ledger(url, built, registry)
                    notes.append(
                        f"The bulk-built ledger re-verified from genesis (signatures, chain, "
                        f"rules) with identical projections and links in {seconds:.1f} s."
                    )
                with phase(f"{engine_name}: lineage queries × {RUNS}"):
                    times, profile_text = measure_lineage(url, export_lot, expected, args.profile)
                lineage_times[engine_name] = times
                if profile_text:
                    profiles.append(f"cProfile of upstream() on {engine_name}:\n{profile_text}")
            with phase(f"{engine_name}: {len(work):,} supply appends vs {len(bare):,} key.added"):
                with (
                    database(engine_name, workdir, args.pg_url) as url_mix,
                    database(engine_name, workdir, args.pg_url) as url_bare,
                ):
                    init_ledger(url_bare, keys)
                    mix[engine_name] = append_mix(url_mix, url_bare, setup, work, bare, registry)

    reports = [
        lineage_report(lineage_times, lots, len(expected.plots)),
        mix_report(mix),
        type_report(mix),
    ]
    facts["Load average at end"] = load_average()
    for report in reports:
        print_report(report)
    for text in profiles:
        sys.stderr.write(text)
    notes += [
        f"Targets: upstream lineage of the export lot < {LINEAGE_TARGET_MS:g} ms (median of "
        f"{RUNS}, after one warm-up); supply appends ≥ {MIX_TARGET:.0%} of the bare "
        "`key.added` rate measured in the same run.",
        "Supply unit (one season): 20 producers, 20 plots with 24-vertex polygons, 200 harvest "
        "deliveries, 20 cherry→parchment and 2 parchment→green process steps of 10 inputs, a "
        "blend, a pack into 69 kg sacks, a shipment and its receipt (266 entries).",
        f"Whole run: {time.perf_counter() - started:.0f} s.",
    ]
    publish_reports(
        args.markdown,
        module="bench.bench_supply",
        title="Supply chain",
        marker=MARKDOWN_MARKER,
        facts=facts,
        reports=reports,
        notes=notes,
        argv=argv,
    )
    return reports


def main() -> None:
    """Entry point of ``python -m bench.bench_supply``."""
    run()


if __name__ == "__main__":
    main()
