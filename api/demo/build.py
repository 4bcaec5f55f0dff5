"""Builds the demo ledger from its scenario (``api.demo.scenario``): keys, entries, labels.

Each supply chain is a function that adds time-stamped, deterministically signed steps to a
plan; the plan is then submitted in time order, so a second run on the same data directory is
an idempotent replay. The numbers and names it uses live in the scenario module.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.demo.scenario import (
    APIARIES,
    CACAO,
    CACAO_PLOTS,
    CAFE,
    CERTIFIED_GROUPS,
    CERTIFIED_SACKS_PER_GROUP,
    CERTIFIER,
    CERTIFIER_ID,
    CHERRY_PER_PARCHMENT,
    COFFEE_COMMUNITIES,
    COFFEE_PLOTS,
    DEMO_ORGS,
    DEMO_ORIGIN,
    DEMO_PORT,
    DEMO_ROLES,
    DEMO_STANDARDS,
    DRUM_KG,
    EXPORTER,
    FAILING_COFFEE_PLOTS,
    MIEL,
    PARCHMENT_TO_GREEN,
    RAW_TO_FILTERED,
    REGISTRAR,
    ROOT,
    SACK_KG,
    WET_TO_DRY,
    demo_resolvers,
)
from api.services.certification import evaluation_body
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.keystore import KeyStore
from ledger.statements import sign_statement
from ledger.storage.sql.personal import PersonalDataStore
from ledger.supply.common import grams_to_kg
from ledger.supply.geo import geodesic_area_ha
from ledger.supply.identifiers import gtin14_check_digit
from ledger.supply.producers import PersonalData, personal_data_hash
from verifiers.certification import ACCREDITATION_KIND, VERIFICATION_KIND
from verifiers.standards.model import shipped_standards

__all__ = ["build_demo"]

_METRES_PER_DEG_LAT = 110_600.0

# --------------------------------------------------------------------------- helpers


def _unit(label: str) -> float:
    """A deterministic number in [0, 1) derived from a label (no RNG state, stable forever)."""
    digest = hashlib.sha256(label.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _ts(day: date, minutes: int = 0, hour: int = 15) -> str:
    """Statement time: ``day`` at ``hour``:00 UTC plus ``minutes``."""
    total = hour * 60 + minutes
    moment = day + timedelta(days=total // (24 * 60))
    total %= 24 * 60
    return f"{moment.isoformat()}T{total // 60:02d}:{total % 60:02d}:00Z"


def _polygon(label: str, lon: float, lat: float, target_ha: float) -> tuple[dict[str, Any], float]:
    """An irregular, star-shaped (hence simple) ring of ``target_ha`` around (lon, lat).

    Returns the GeoJSON Polygon (6 decimals, the EUDR export precision) and its geodesic area
    rounded to 0.01 ha, to be declared as ``area_ha``.
    """
    vertices = 5 + int(_unit(f"{label}:n") * 2)  # pentagon or hexagon
    turn = _unit(f"{label}:turn") * 2 * math.pi
    shape = []
    for k in range(vertices):
        angle = turn + 2 * math.pi * (k + 0.3 * (_unit(f"{label}:a{k}") - 0.5)) / vertices
        radius = 1.0 + 0.35 * (_unit(f"{label}:r{k}") - 0.5)
        shape.append((angle, radius))

    def ring(scale_m: float) -> list[list[float]]:
        cos_lat = math.cos(math.radians(lat))
        points = [
            [
                round(lon + scale_m * r * math.cos(a) / (_METRES_PER_DEG_LAT * cos_lat), 6),
                round(lat + scale_m * r * math.sin(a) / _METRES_PER_DEG_LAT, 6),
            ]
            for a, r in shape
        ]
        return [*points, points[0]]

    first = ring(100.0)
    scale = 100.0 * math.sqrt(target_ha / geodesic_area_ha(first))
    final = ring(scale)
    return {"type": "Polygon", "coordinates": [final]}, round(geodesic_area_ha(final), 2)


def _floor_100g(grams: int) -> int:
    """Round a mass down to 100 g (outputs stay under the table's maximum yield)."""
    return grams // 100 * 100


def _kg(grams: int) -> float | int:
    return grams_to_kg(grams)


def _portions(lots: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """Each ``(lot id, grams)`` as a transformation's input or output line, in kilograms."""
    return [{"lot_id": lot, "quantity_kg": _kg(grams)} for lot, grams in lots]


Body = dict[str, Any] | Callable[[LedgerService], dict[str, Any]]
"""A statement body, or a function building it from the ledger at submission time (a
verification's findings are the rule engine's evaluation of the evidence recorded so far)."""


@dataclass(frozen=True)
class _Step:
    ts: str
    signer: str
    entry_type: str
    body: Body
    nonce: str


@dataclass
class _Plan:
    """The statements of the scenario, collected per chain and submitted in time order."""

    public_keys: dict[str, str]
    steps: list[_Step] = field(default_factory=list)
    kg: dict[str, float | int] = field(default_factory=dict)
    lots: dict[str, str] = field(default_factory=dict)
    personal: dict[str, tuple[str, dict[str, Any], str]] = field(default_factory=dict)
    """Producer id → (association key name, personal-data record, salt): kept off the ledger."""
    built_on: date = field(default_factory=lambda: datetime.now(UTC).date())
    """The day the demo is built: certificate windows reach a year past it (``_current_until``)."""

    def add(self, ts: str, signer: str, entry_type: str, body: Body, step: str) -> None:
        self.steps.append(_Step(ts, signer, entry_type, body, f"demo-{step}"))

    def transform(
        self,
        ts: str,
        signer: str,
        transformation_id: str,
        kind: str,
        *,
        inputs: list[dict[str, Any]],
        outputs: list[dict[str, Any]],
        performed_on: str,
    ) -> None:
        """A ``lot.transformed`` step (process, blend, split or pack), its nonce named after
        the transformation as every other step is after what it records."""
        body = {
            "transformation_id": transformation_id,
            "kind": kind,
            "inputs": inputs,
            "outputs": outputs,
            "performed_on": performed_on,
        }
        self.add(ts, signer, "lot.transformed", body, transformation_id)

    def org_id(self, key_name: str) -> str:
        return str(DEMO_ORGS[key_name]["org_id"])

    def member(
        self, key_name: str, producer: str, index: int, gender: str, **body: Any
    ) -> dict[str, Any]:
        """A ``producer.registered`` body committing to an illustrative personal-data record.

        Gender, year of birth and Indigenous-language speaking are personal data: they go to
        the off-ledger record (consented for statistics, except every tenth member), never
        into the body. Every fourth member is young (born 1997–2000); every third speaks an
        Indigenous language. The salt is derived from the id so a replay is idempotent.
        """
        data = PersonalData.model_validate(
            {
                "name": f"{'Productora' if gender == 'female' else 'Productor'} {producer}",
                "gender": None if gender == "undisclosed" else gender,
                "birth_year": 1997 + index // 4 % 4 if index % 4 == 0 else 1958 + index * 7 % 30,
                "indigenous_language_speaker": index % 3 == 0,
                "consent_to_statistics": index % 10 != 9,
            }
        ).model_dump()
        salt = hashlib.sha256(f"demo-pii-salt:{producer}".encode()).hexdigest()
        self.personal[producer] = (key_name, data, salt)
        return {"producer_id": producer, "pii_hash": personal_data_hash(salt, data), **body}


# --------------------------------------------------------------------------- chains


def _organizations(plan: _Plan) -> None:
    for index, (key_name, body) in enumerate(DEMO_ORGS.items()):
        plan.add(
            _ts(date(2026, 1, 16), 10 * index),
            REGISTRAR,
            "org.registered",
            {**body, "public_key": plan.public_keys[key_name]},
            f"org-{body['org_id']}",
        )


def _coffee(plan: _Plan) -> None:
    municipality = DEMO_ORGS[CAFE]["municipality"]
    landscape = DEMO_ORGS[CAFE]["landscape"]
    day0 = date(2026, 1, 19)
    parchment_by_group: dict[int, list[tuple[str, int]]] = {g: [] for g in range(4)}
    totals = {"cherry": 0, "parchment": 0}
    for i, (target_ha, group, kg_per_ha, gender) in enumerate(COFFEE_PLOTS):
        n = f"{i + 1:02d}"
        producer, plot = f"cs-p{n}", f"cs-plot{n}"
        plan.add(
            _ts(day0, i),
            CAFE,
            "producer.registered",
            plan.member(
                CAFE,
                producer,
                i,
                gender,
                community=COFFEE_COMMUNITIES[group],
                member_since=f"{2008 + i % 12}-0{1 + i % 9}-15",
            ),
            f"cs-producer-{n}",
        )
        # Plots on a 5 × 4 grid of about 3.5 km cells over lon −92.62…−92.88, lat 15.52…15.78.
        lon = -92.62 - (i % 5) * 0.06 - 0.02 * _unit(f"cs{n}:x")
        lat = 15.52 + (i // 5) * 0.07 - 0.02 * _unit(f"cs{n}:y") + 0.02
        geometry, area_ha = _polygon(f"cs{n}", round(lon, 6), round(lat, 6), target_ha)
        plan.add(
            _ts(day0, i, hour=16),
            CAFE,
            "plot.registered",
            {
                "plot_id": plot,
                "producer_id": producer,
                "product": "coffee",
                "area_ha": area_ha,
                "geometry": geometry,
                "municipality": municipality,
                "landscape": landscape,
            },
            f"cs-plot-{n}",
        )
        cherry_kg = round(area_ha * kg_per_ha)
        first_kg = round(cherry_kg * 0.55)
        passes = (
            # pass 1: picked Dec 2025 – mid-Jan 2026, entered from paper receipts on 20 Jan,
            # parchment (pulped, fermented, ~1 week sun-dried) entered on 27 Jan.
            ("a", date(2025, 12, 8) + timedelta(days=2 * i), first_kg, None),
            # pass 2: picked late Jan – mid-Feb 2026 and recorded as it happens.
            ("b", date(2026, 1, 26) + timedelta(days=i), cherry_kg - first_kg, 1),
        )
        for tag, picked_from, kg, live in passes:
            picked_to = picked_from + timedelta(days=3 if live else 2)
            milled_on = picked_to + timedelta(days=8)
            harvest_ts = (
                _ts(picked_to + timedelta(days=1), i, 18) if live else _ts(date(2026, 1, 20), i)
            )
            mill_ts = _ts(milled_on, i, 18) if live else _ts(date(2026, 1, 27), i)
            cherry_lot, parchment_lot = f"cs-cherry-{n}{tag}", f"cs-parch-{n}{tag}"
            cherry_g = kg * 1000
            parchment_g = _floor_100g(cherry_g * 100 // CHERRY_PER_PARCHMENT)
            totals["cherry"] += cherry_g
            totals["parchment"] += parchment_g
            plan.add(
                harvest_ts,
                CAFE,
                "lot.harvested",
                {
                    "lot_id": cherry_lot,
                    "product": "coffee",
                    "form": "cherry",
                    "quantity_kg": kg,
                    "harvested_from": picked_from.isoformat(),
                    "harvested_to": picked_to.isoformat(),
                    "origins": [{"plot_id": plot, "quantity_kg": kg}],
                },
                f"cs-harvest-{n}{tag}",
            )
            if tag == "b" and i < 8:
                _purchase(plan, n, cherry_lot, f"cs-p{n}", kg, harvest_ts, paid=i < 5)
            plan.transform(
                mill_ts,
                CAFE,
                f"cs-wetmill-{n}{tag}",
                "process",
                inputs=[{"lot_id": cherry_lot, "quantity_kg": kg}],
                outputs=[
                    {
                        "lot_id": parchment_lot,
                        "form": "parchment",
                        "quantity_kg": _kg(parchment_g),
                    }
                ],
                performed_on=milled_on.isoformat(),
            )
            parchment_by_group[group].append((parchment_lot, parchment_g))

    # Dry mill (beneficio seco): hull each community group's parchment, × 0.80.
    green_lots: list[tuple[str, int]] = []
    for group, lots in parchment_by_group.items():
        hulled_on = date(2026, 3, 2) + timedelta(days=group)
        parchment_g = sum(g for _lot, g in lots)
        green_g = _floor_100g(parchment_g * PARCHMENT_TO_GREEN[0] // PARCHMENT_TO_GREEN[1])
        green_lot = f"cs-green-g{group + 1}"
        plan.transform(
            _ts(hulled_on),
            CAFE,
            f"cs-drymill-g{group + 1}",
            "process",
            inputs=_portions(lots),
            outputs=[{"lot_id": green_lot, "form": "green", "quantity_kg": _kg(green_g)}],
            performed_on=hulled_on.isoformat(),
        )
        green_lots.append((green_lot, green_g))

    total_green_g = sum(g for _lot, g in green_lots)
    certified_g = _certified_coffee(plan, green_lots)

    # Blend the four green lots, split off a whole number of 69 kg sacks, pack, ship.
    green_g = sum(g for _lot, g in green_lots)
    sacks = green_g // (SACK_KG * 1000)
    export_g = sacks * SACK_KG * 1000
    rest_g = green_g - export_g
    blend_on = date(2026, 3, 9)
    plan.transform(
        _ts(blend_on),
        CAFE,
        "cs-blend-2526",
        "blend",
        inputs=_portions(green_lots),
        outputs=[{"lot_id": "cs-green-blend", "quantity_kg": _kg(green_g)}],
        performed_on=blend_on.isoformat(),
    )
    to_pack = "cs-green-blend"
    if rest_g:
        to_pack = "cs-green-export"
        plan.transform(
            _ts(blend_on, 10),
            CAFE,
            "cs-split-2526",
            "split",
            inputs=[{"lot_id": "cs-green-blend", "quantity_kg": _kg(green_g)}],
            outputs=[
                {"lot_id": to_pack, "quantity_kg": _kg(export_g)},
                {"lot_id": "cs-green-rest", "quantity_kg": _kg(rest_g)},
            ],
            performed_on=blend_on.isoformat(),
        )
        plan.lots["coffee_remainder"] = "cs-green-rest"
    export_lot = "cs-export-2526-001"
    gtin_data = "1750123456789"  # indicator 1, GS1 Mexico 750, demo company and item
    plan.transform(
        _ts(date(2026, 3, 10)),
        CAFE,
        "cs-pack-2526",
        "pack",
        inputs=[{"lot_id": to_pack, "quantity_kg": _kg(export_g)}],
        outputs=[
            {
                "lot_id": export_lot,
                "quantity_kg": _kg(export_g),
                "gtin": f"{gtin_data}{gtin14_check_digit(gtin_data)}",
                "lot_number": "CS2526X001",
                "package": {"unit": "sack", "count": sacks, "unit_kg": SACK_KG},
            }
        ],
        performed_on="2026-03-10",
    )
    plan.add(
        _ts(date(2026, 3, 12), hour=8),
        CAFE,
        "lot.shipped",
        {
            "shipment_id": "cs-ship-2526-001",
            "lot_ids": [export_lot],
            "to_org": plan.org_id(EXPORTER),
            "shipped_on": "2026-03-12",
            "document_ref": "carta porte CS-2026-0031 (demo)",
        },
        "cs-ship-2526-001",
    )
    plan.add(
        _ts(date(2026, 3, 13), hour=17),
        EXPORTER,
        "lot.received",
        {"shipment_id": "cs-ship-2526-001", "received_on": "2026-03-13"},
        "es-receive-cs-2526-001",
    )
    plan.lots["coffee_export"] = export_lot
    plan.kg.update(
        coffee_cherry=_kg(totals["cherry"]),
        coffee_parchment=_kg(totals["parchment"]),
        coffee_green=_kg(total_green_g),
        coffee_sacks=sacks,
        coffee_sacks_certified=certified_g // (SACK_KG * 1000),
        coffee_export_certified=_kg(certified_g),
        coffee_export=_kg(export_g),
        coffee_remainder=_kg(rest_g) if rest_g else 0,
    )


def _certified_coffee(plan: _Plan, green_lots: list[tuple[str, int]]) -> int:
    """Segregate part of the green coffee of the groups whose plots all passed into a second,
    certified-only export lot; ``green_lots`` is updated to what goes on to the main blend.

    Returns the grams of the certified export lot.
    """
    parts: list[tuple[str, int]] = []
    split_on = date(2026, 3, 6)
    for index in CERTIFIED_GROUPS:
        lot, grams = green_lots[index]
        part_g = CERTIFIED_SACKS_PER_GROUP * SACK_KG * 1000
        main_lot, part_lot = f"{lot}-main", f"{lot}-ab"
        plan.transform(
            _ts(split_on, 10 * index),
            CAFE,
            f"cs-segregate-g{index + 1}",
            "split",
            inputs=[{"lot_id": lot, "quantity_kg": _kg(grams)}],
            outputs=[
                {"lot_id": main_lot, "quantity_kg": _kg(grams - part_g)},
                {"lot_id": part_lot, "quantity_kg": _kg(part_g)},
            ],
            performed_on=split_on.isoformat(),
        )
        green_lots[index] = (main_lot, grams - part_g)
        parts.append((part_lot, part_g))
    certified_g = sum(g for _lot, g in parts)
    blend_on = date(2026, 3, 9)
    plan.transform(
        _ts(blend_on, -60),
        CAFE,
        "cs-blend-2526-ab",
        "blend",
        inputs=_portions(parts),
        outputs=[{"lot_id": "cs-green-ab", "quantity_kg": _kg(certified_g)}],
        performed_on=blend_on.isoformat(),
    )
    export_lot = "cs-export-2526-002"
    gtin_data = "1750123456789"
    plan.transform(
        _ts(date(2026, 3, 10), 30),
        CAFE,
        "cs-pack-2526-ab",
        "pack",
        inputs=[{"lot_id": "cs-green-ab", "quantity_kg": _kg(certified_g)}],
        outputs=[
            {
                "lot_id": export_lot,
                "quantity_kg": _kg(certified_g),
                "gtin": f"{gtin_data}{gtin14_check_digit(gtin_data)}",
                "lot_number": "CS2526X002",
                "package": {
                    "unit": "sack",
                    "count": certified_g // (SACK_KG * 1000),
                    "unit_kg": SACK_KG,
                },
            }
        ],
        performed_on="2026-03-10",
    )
    plan.add(
        _ts(date(2026, 3, 12), 10, hour=8),
        CAFE,
        "lot.shipped",
        {
            "shipment_id": "cs-ship-2526-002",
            "lot_ids": [export_lot],
            "to_org": plan.org_id(EXPORTER),
            "shipped_on": "2026-03-12",
            "document_ref": "carta porte CS-2026-0032 (demo)",
        },
        "cs-ship-2526-002",
    )
    plan.add(
        _ts(date(2026, 3, 13), 10, hour=17),
        EXPORTER,
        "lot.received",
        {"shipment_id": "cs-ship-2526-002", "received_on": "2026-03-13"},
        "es-receive-cs-2526-002",
    )
    plan.lots["coffee_export_certified"] = export_lot
    return certified_g


def _attachment(name: str, media_type: str = "application/pdf") -> dict[str, str]:
    """A file the evidence rests on, by the SHA-256 of fixed demo bytes."""
    digest = hashlib.sha256(f"biotraza demo file: {name}".encode()).hexdigest()
    return {"sha256": digest, "media_type": media_type, "name": name}


def _evidence(
    plan: _Plan,
    ts: str,
    signer: str,
    evidence_id: str,
    subject: tuple[str, str],
    field_name: str,
    value: Any,
    *,
    observed_on: str,
    method: str,
    attachments: list[dict[str, str]] | None = None,
) -> None:
    plan.add(
        ts,
        signer,
        "evidence.recorded",
        {
            "evidence_id": evidence_id,
            "subject_kind": subject[0],
            "subject_id": subject[1],
            "field": field_name,
            "value": value,
            "observed_on": observed_on,
            "method": method,
            "attachments": attachments or [],
        },
        evidence_id,
    )


DEMO_VALIDITY = timedelta(days=366)
"""How far past the build day the demo's certificate windows reach at least: one annual
inspection cycle (the standards' yearly surveillance), so a fresh demo never shows an
expired certificate, whatever the day it is built."""


def _current_until(
    service: LedgerService, kind: str, key: str, scenario_until: str, built_on: date
) -> str:
    """The ``valid_until`` of a demo certificate (an accreditation or a verification).

    The scenario's own end date, or a year past the build day when that is later: the story
    is dated 2026 but a demo built afterwards must not show lapsed certificates. Once the
    document is recorded its window is reused, so a replay on a later day signs the same
    statement (a different one under the same nonce would be refused as a replay).
    """
    recorded = service.store.state_get(kind, key)
    if recorded is not None:
        return str(recorded["valid_until"])
    return max(scenario_until, (built_on + DEMO_VALIDITY).isoformat())


def _verification(
    verification_id: str,
    association_id: str,
    scope: dict[str, Any],
    standard: str,
    as_of: str,
    valid: tuple[str, str],
    built_on: date,
) -> Callable[[LedgerService], dict[str, Any]]:
    """A ``verification.issued`` body whose findings the rule engine computes at submission
    (exactly what the ledger re-checks); the same on a replay, as no evidence about these
    subjects is recorded after it. ``valid`` is the scenario's window; its end moves to
    stay current on the build day (``_current_until``)."""

    def build(service: LedgerService) -> dict[str, Any]:
        preview = evaluation_body(
            service,
            standard_ref=standard,
            association_id=association_id,
            scope=scope,
            as_of=as_of,
        )
        return {
            "verification_id": verification_id,
            "association_id": association_id,
            "scope": preview["scope"],
            "standard_hash": preview["standard_hash"],
            "as_of": as_of,
            "findings": preview["findings"],
            "result": preview["result"],
            "valid_from": valid[0],
            "valid_until": _current_until(
                service, VERIFICATION_KIND, verification_id, valid[1], built_on
            ),
        }

    return build


_CHERRY_PRICE = Decimal("9.50")
_BIODIVERSITY_PREMIUM = Decimal("0.50")
"""MXN per kg of cherry at the farm gate, and the biodiversity-friendly premium on top."""


def _purchase(
    plan: _Plan, n: str, lot: str, producer: str, kg: int, ts: str, *, paid: bool
) -> None:
    """The cooperative buys a second-pass delivery at the farm gate (``purchase.recorded``)
    with the biodiversity-friendly premium, and pays the first five by transfer."""
    premium = (_BIODIVERSITY_PREMIUM * kg).quantize(Decimal("0.01"))
    amount = (_CHERRY_PRICE * kg).quantize(Decimal("0.01")) + premium
    plan.add(
        ts,
        CAFE,
        "purchase.recorded",
        {
            "purchase_id": f"cs-compra-{n}b",
            "lot_id": lot,
            "producer_id": producer,
            "quantity_kg": str(kg),
            "price_per_kg_mxn": str(_CHERRY_PRICE),
            "premiums": [{"kind": "biodiversidad", "amount_mxn": str(premium)}],
            "amount_mxn": str(amount),
        },
        f"cs-compra-{n}b",
    )
    if paid:
        plan.add(
            ts,
            CAFE,
            "payment.recorded",
            {
                "payment_id": f"cs-pago-{n}b",
                "producer_id": producer,
                "kind": "transfer",
                "amount_mxn": str(amount),
                "paid_on": ts[:10],
                "purchase_ids": [f"cs-compra-{n}b"],
            },
            f"cs-pago-{n}b",
        )


def _sales(plan: _Plan) -> None:
    """What the lots sold for (``sale.recorded``): both coffee export lots to the exporter
    in USD (the eligible one at a better price) and the honey drums in MXN."""

    def sale(
        sale_id: str, day: date, lot_key: str, currency: str, per_kg: str, buyer: str | None
    ) -> Callable[[LedgerService], dict[str, Any]]:
        def body(service: LedgerService) -> dict[str, Any]:
            lot = service.store.state_get("lot", plan.lots[lot_key])
            assert lot is not None  # noqa: S101 - the plan made it earlier
            value = (Decimal(lot["quantity_g"]) / 1000 * Decimal(per_kg)).quantize(Decimal("0.01"))
            found = {
                "sale_id": sale_id,
                "sold_on": day.isoformat(),
                "currency": currency,
                "lots": [{"lot_id": plan.lots[lot_key], "value": str(value)}],
            }
            return {**found, "buyer": buyer} if buyer else found

        return body

    exporter = plan.org_id(EXPORTER)
    for sale_id, signer, day, lot_key, currency, per_kg, buyer in (
        ("cs-venta-2526-001", CAFE, date(2026, 3, 14), "coffee_export", "USD", "6.20", exporter),
        ("cs-venta-2526-002", CAFE, date(2026, 3, 14), "coffee_export_certified", "USD", "6.85",
         exporter),
        ("mc-venta-2026-001", MIEL, date(2026, 6, 10), "honey_drums", "MXN", "72.50", None),
    ):  # fmt: skip
        plan.add(
            _ts(day, hour=17),
            signer,
            "sale.recorded",
            sale(sale_id, day, lot_key, currency, per_kg, buyer),
            sale_id,
        )


def _training(plan: _Plan) -> None:
    """Technical assistance (``training.held``): two coffee sessions on shade and soil with
    12 and 8 members (14 distinct producers trained), and one honey session with 4 beekeepers
    — a people figure under five, so it shows as suppressed."""
    sessions = [
        (CAFE, "cs-taller-sombra-2026", date(2026, 2, 10), "shade_management", "coffee",
         [f"cs-p{n:02d}" for n in range(1, 13)]),
        (CAFE, "cs-taller-suelos-2026", date(2026, 3, 5), "soil_conservation", "coffee",
         [f"cs-p{n:02d}" for n in range(7, 15)]),
        (MIEL, "mc-taller-apicola-2026", date(2026, 3, 12), "beekeeping_practices", "honey",
         [f"mc-p{n:02d}" for n in range(1, 5)]),
    ]  # fmt: skip
    for signer, session_id, day, topic, product, attendees in sessions:
        plan.add(
            _ts(day + timedelta(days=1), hour=18),
            signer,
            "training.held",
            {
                "session_id": session_id,
                "date": day.isoformat(),
                "topic_list": "practices@1",
                "topic": topic,
                "product": product,
                "trainer_org": "Corredor Biológico Mesoamericano – asistencia técnica",
                "attendees": attendees,
            },
            session_id,
        )


def _certification(plan: _Plan) -> None:
    """Standards, the certifier's scoped key and accreditation, evidence and verifications.

    Coffee: every plot is surveyed on 21 Jan 2026; two plots (``cs-plot07``, ``cs-plot14``)
    have 25 % shade cover, under the 40 % of CAB-SHADE-COVER. Certimex verifies the 18 passing
    plots (pass) and records the two failing ones (fail). Their lots reach the main blend, so
    ``cs-export-2526-001`` is not eligible; ``cs-export-2526-002`` holds only green coffee of
    groups 1 and 4 (all plots certified) and is. Honey: the 8 apiaries are inspected in late
    Feb and verified before the first extraction; the filtered lot's laboratory report is
    verified on 29 May, which makes the drums packed from it eligible.
    """
    for k, ref in enumerate(DEMO_STANDARDS):
        plan.add(
            _ts(date(2026, 1, 15), k, hour=13),
            ROOT,
            "standard.published",
            {"standard": shipped_standards()[ref].to_dict()},
            f"standard-{ref.replace('@', '-')}",
        )
    plan.add(
        "2026-01-15T12:30:00Z",
        ROOT,
        "key.added",
        {
            "name": CERTIFIER,
            "public_key": plan.public_keys[CERTIFIER],
            "role": "certifier",
            "scope": {"certifier_id": CERTIFIER_ID},
        },
        f"grant-{CERTIFIER}",
    )

    def accreditation(service: LedgerService) -> dict[str, Any]:
        # The log judges each verification on its day of admission (the build day), so the
        # accreditation must cover that day as well as the verifications' windows.
        until = _current_until(
            service, ACCREDITATION_KIND, CERTIFIER_ID, "2028-12-31", plan.built_on
        )
        return {
            "certifier_id": CERTIFIER_ID,
            "name": "Certimex, Certificadora Mexicana de Productos y Procesos Ecológicos (demo)",
            "accreditation_ref": "EMA acreditación demo 26-001",
            "products": ["coffee", "honey", "cacao"],
            "standards": [ref.split("@")[0] for ref in DEMO_STANDARDS],
            "valid_from": "2026-01-01",
            "valid_until": until,
        }

    plan.add(
        _ts(date(2026, 1, 15), hour=14),
        ROOT,
        "accreditation.granted",
        accreditation,
        f"accredit-{CERTIFIER_ID}",
    )

    # Coffee: field survey of every plot, the organic certificate of the cooperative.
    cafe = plan.org_id(CAFE)
    surveyed = "2026-01-21"
    _evidence(
        plan,
        _ts(date(2026, 1, 21), hour=9),
        CAFE,
        "cs-ev-org-organic",
        ("association", cafe),
        "organic_certificate_valid",
        True,
        observed_on=surveyed,
        method="copy of the organic certificate (demo)",
        attachments=[_attachment("certificado-organico-cafe-sierra.pdf")],
    )
    passing: list[str] = []
    failing: list[str] = []
    for i in range(len(COFFEE_PLOTS)):
        n = f"{i + 1:02d}"
        plot = f"cs-plot{n}"
        (failing if plot in FAILING_COFFEE_PLOTS else passing).append(plot)
        u = _unit(f"cs{n}:survey")
        values: dict[str, Any] = {
            "shade_cover_pct": 25 if plot in FAILING_COFFEE_PLOTS else 45 + round(25 * u),
            "native_woody_species_count": 10 + round(9 * u),
            "canopy_height_m": round(12.5 + 6 * u, 1),
            "canopy_strata_count": 3 + (i % 2),
            "stream_buffer_m": 6 + round(8 * u),
            "river_buffer_m": 12 + round(10 * u),
            "agrochemicals_used": [] if i % 3 else ["copper oxychloride"],
            "deforestation_free_since_2020_12_31": True,
            "leaf_litter_present": True,
            "herbaceous_layer_present": True,
        }
        for k, (field_name, value) in enumerate(values.items()):
            _evidence(
                plan,
                _ts(date(2026, 1, 21), 12 * i + k, hour=10),
                CAFE,
                f"cs-ev-{n}-{k + 1:02d}",
                ("plot", plot),
                field_name,
                value,
                observed_on=surveyed,
                method="field survey with densiometer (demo)",
                attachments=[_attachment(f"cs-plot{n}-foto.jpg", "image/jpeg")] if k == 0 else None,
            )
    coffee_valid = ("2025-12-01", "2026-11-30")
    for verification_id, plots, minutes in (
        ("cs-ver-2526-001", passing, 0),
        ("cs-ver-2526-002", failing, 10),
    ):
        plan.add(
            _ts(date(2026, 1, 23), minutes, hour=10),
            CERTIFIER,
            "verification.issued",
            _verification(
                verification_id,
                cafe,
                {"products": ["coffee"], "plots": plots},
                "coffee-ab@1",
                "2026-01-23",
                coffee_valid,
                plan.built_on,
            ),
            verification_id,
        )

    # Honey: apiary inspection before the season, laboratory report of the filtered lot.
    miel = plan.org_id(MIEL)
    apiaries = [f"mc-apiary{i + 1:02d}" for i in range(len(APIARIES))]
    for i, apiary in enumerate(apiaries):
        u = _unit(f"{apiary}:inspection")
        values = {
            "forage_natural_share_pct": 70 + round(20 * u),
            "varroa_treatments": ["oxalic acid"] if i % 2 else ["thymol", "formic acid"],
            "wax_foundation_organic": True,
        }
        for k, (field_name, value) in enumerate(values.items()):
            _evidence(
                plan,
                _ts(date(2026, 2, 25), 5 * i + k, hour=10),
                MIEL,
                f"mc-ev-{i + 1:02d}-{k + 1:02d}",
                ("apiary", apiary),
                field_name,
                value,
                observed_on="2026-02-25",
                method="apiary inspection and land-cover map, 3 km radius (demo)",
            )
    plan.add(
        _ts(date(2026, 2, 27), hour=10),
        CERTIFIER,
        "verification.issued",
        _verification(
            "mc-ver-2026-001",
            miel,
            {"products": ["honey"], "apiaries": apiaries},
            "honey-ab@1",
            "2026-02-27",
            ("2026-03-01", "2027-02-28"),
            plan.built_on,
        ),
        "mc-ver-2026-001",
    )
    lab = {
        "moisture_pct": 18.4,
        "hmf_mg_per_kg": 14.2,
        "diastase_schade": 12.5,
        "sucrose_g_per_100g": 1.8,
        "free_acidity_meq_per_kg": 31,
    }
    report = _attachment("informe-laboratorio-mc-filtered-2026.pdf")
    for k, (field_name, value) in enumerate(lab.items()):
        _evidence(
            plan,
            _ts(date(2026, 5, 28), k, hour=10),
            MIEL,
            f"mc-ev-lab-{k + 1:02d}",
            ("lot", "mc-filtered-2026"),
            field_name,
            value,
            observed_on="2026-05-25",
            method="laboratory analysis of a representative sample (demo)",
            attachments=[report],
        )
    plan.add(
        _ts(date(2026, 5, 29), hour=10),
        CERTIFIER,
        "verification.issued",
        _verification(
            "mc-ver-2026-002",
            miel,
            {"products": ["honey"], "lots": ["mc-filtered-2026"]},
            "honey-ab@1",
            "2026-05-29",
            ("2026-05-25", "2027-05-24"),
            plan.built_on,
        ),
        "mc-ver-2026-002",
    )


def _honey(plan: _Plan) -> None:
    municipality = DEMO_ORGS[MIEL]["municipality"]
    landscape = DEMO_ORGS[MIEL]["landscape"]
    day0 = date(2026, 2, 23)
    raw_lots: list[tuple[str, int]] = []
    for i, (hives, community, lon, lat, kg1, kg2) in enumerate(APIARIES):
        n = f"{i + 1:02d}"
        producer, apiary = f"mc-p{n}", f"mc-apiary{n}"
        plan.add(
            _ts(day0, i),
            MIEL,
            "producer.registered",
            plan.member(
                MIEL,
                producer,
                i,
                "female" if i % 3 == 1 else "male",
                community=community,
                member_since=f"{2010 + i}-03-01",
            ),
            f"mc-producer-{n}",
        )
        plan.add(
            _ts(day0, i, hour=16),
            MIEL,
            "apiary.registered",
            {
                "apiary_id": apiary,
                "producer_id": producer,
                "location": {"type": "Point", "coordinates": [lon, lat]},
                "hive_count": hives,
                "siniiga_ids": [f"MX0304{i + 1:03d}{h:05d}" for h in range(1, 4)],
                "municipality": municipality,
                "landscape": landscape,
            },
            f"mc-apiary-{n}",
        )
        # Extraction 1: dzidzilché (late Mar); extraction 2: tzalam / jabín (May).
        for tag, start, per_hive in (
            ("a", date(2026, 3, 16), kg1),
            ("b", date(2026, 5, 4), kg2),
        ):
            harvested_from = start + timedelta(days=2 * i)
            harvested_to = harvested_from + timedelta(days=2)
            lot = f"mc-raw-{n}{tag}"
            kg = hives * per_hive
            plan.add(
                _ts(harvested_to + timedelta(days=1), i, 19),
                MIEL,
                "lot.harvested",
                {
                    "lot_id": lot,
                    "product": "honey",
                    "form": "raw",
                    "quantity_kg": kg,
                    "harvested_from": harvested_from.isoformat(),
                    "harvested_to": harvested_to.isoformat(),
                    "origins": [{"apiary_id": apiary, "quantity_kg": kg}],
                },
                f"mc-harvest-{n}{tag}",
            )
            raw_lots.append((lot, kg * 1000))

    raw_g = sum(g for _lot, g in raw_lots)
    filtered_g = _floor_100g(raw_g * RAW_TO_FILTERED[0] // RAW_TO_FILTERED[1])
    drums = filtered_g // (DRUM_KG * 1000)
    drums_g = drums * DRUM_KG * 1000
    rest_g = filtered_g - drums_g
    plan.transform(
        _ts(date(2026, 5, 25), hour=17),
        MIEL,
        "mc-filter-2026",
        "process",
        inputs=_portions(raw_lots),
        outputs=[
            {"lot_id": "mc-filtered-2026", "form": "filtered", "quantity_kg": _kg(filtered_g)}
        ],
        performed_on="2026-05-25",
    )
    to_pack = "mc-filtered-2026"
    if rest_g:
        to_pack = "mc-filtered-drums"
        plan.transform(
            _ts(date(2026, 5, 26)),
            MIEL,
            "mc-split-2026",
            "split",
            inputs=[{"lot_id": "mc-filtered-2026", "quantity_kg": _kg(filtered_g)}],
            outputs=[
                {"lot_id": to_pack, "quantity_kg": _kg(drums_g)},
                {"lot_id": "mc-filtered-rest", "quantity_kg": _kg(rest_g)},
            ],
            performed_on="2026-05-26",
        )
        plan.lots["honey_remainder"] = "mc-filtered-rest"
    gtin_data = "1750123456791"
    plan.transform(
        _ts(date(2026, 5, 26), 30),
        MIEL,
        "mc-pack-2026",
        "pack",
        inputs=[{"lot_id": to_pack, "quantity_kg": _kg(drums_g)}],
        outputs=[
            {
                "lot_id": "mc-drums-2026-001",
                "quantity_kg": _kg(drums_g),
                "gtin": f"{gtin_data}{gtin14_check_digit(gtin_data)}",
                "lot_number": "MC2026D001",
                "package": {"unit": "drum", "count": drums, "unit_kg": DRUM_KG},
            }
        ],
        performed_on="2026-05-26",
    )
    plan.lots["honey_drums"] = "mc-drums-2026-001"
    plan.kg.update(
        honey_hives=sum(a[0] for a in APIARIES),
        honey_raw=_kg(raw_g),
        honey_filtered=_kg(filtered_g),
        honey_drums=drums,
        honey_drummed=_kg(drums_g),
        honey_remainder=_kg(rest_g) if rest_g else 0,
    )


def _cacao(plan: _Plan) -> None:
    municipality = DEMO_ORGS[CACAO]["municipality"]
    landscape = DEMO_ORGS[CACAO]["landscape"]
    day0 = date(2026, 2, 2)
    batches: dict[str, list[tuple[str, int]]] = {"a": [], "b": []}
    for i, (target_ha, as_polygon, community, kg_per_ha) in enumerate(CACAO_PLOTS):
        n = f"{i + 1:02d}"
        producer, plot = f"cc-p{n}", f"cc-plot{n}"
        plan.add(
            _ts(day0, i),
            CACAO,
            "producer.registered",
            plan.member(
                CACAO,
                producer,
                i,
                "female" if i % 2 else "male",
                community=community,
                member_since=f"{2012 + i}-06-01",
            ),
            f"cc-producer-{n}",
        )
        lon = round(-93.12 - 0.03 * i - 0.01 * _unit(f"cc{n}:x"), 6)
        lat = round(18.22 + 0.015 * (i % 3) + 0.01 * _unit(f"cc{n}:y"), 6)
        geometry: dict[str, Any]
        if as_polygon:
            geometry, area_ha = _polygon(f"cc{n}", lon, lat, target_ha)
        else:
            geometry, area_ha = {"type": "Point", "coordinates": [lon, lat]}, target_ha
        plan.add(
            _ts(day0, i, hour=16),
            CACAO,
            "plot.registered",
            {
                "plot_id": plot,
                "producer_id": producer,
                "product": "cacao",
                "area_ha": area_ha,
                "geometry": geometry,
                "municipality": municipality,
                "landscape": landscape,
            },
            f"cc-plot-{n}",
        )
        wet_kg = round(area_ha * kg_per_ha)
        first_kg = round(wet_kg * 0.6)
        for tag, start, kg in (
            ("a", date(2026, 2, 9), first_kg),
            ("b", date(2026, 3, 9), wet_kg - first_kg),
        ):
            harvested_from = start + timedelta(days=2 * i)
            harvested_to = harvested_from + timedelta(days=1)
            lot = f"cc-wet-{n}{tag}"
            plan.add(
                _ts(harvested_to + timedelta(days=1), i, 19),
                CACAO,
                "lot.harvested",
                {
                    "lot_id": lot,
                    "product": "cacao",
                    "form": "wet",
                    "quantity_kg": kg,
                    "harvested_from": harvested_from.isoformat(),
                    "harvested_to": harvested_to.isoformat(),
                    "origins": [{"plot_id": plot, "quantity_kg": kg}],
                },
                f"cc-harvest-{n}{tag}",
            )
            batches[tag].append((lot, kg * 1000))

    # Box fermentation (~6 days) and sun drying (~7 days) per pass, then one dry lot.
    dry_lots: list[tuple[str, int]] = []
    wet_total = 0
    for tag, done_on in (("a", date(2026, 3, 6)), ("b", date(2026, 4, 3))):
        lots = batches[tag]
        wet_g = sum(g for _lot, g in lots)
        wet_total += wet_g
        dry_g = _floor_100g(wet_g * WET_TO_DRY[0] // WET_TO_DRY[1])
        dry_lot = f"cc-dry-2026{tag}"
        plan.transform(
            _ts(done_on, hour=17),
            CACAO,
            f"cc-ferment-2026{tag}",
            "process",
            inputs=_portions(lots),
            outputs=[{"lot_id": dry_lot, "form": "dry", "quantity_kg": _kg(dry_g)}],
            performed_on=done_on.isoformat(),
        )
        dry_lots.append((dry_lot, dry_g))
    dry_total = sum(g for _lot, g in dry_lots)
    plan.transform(
        _ts(date(2026, 4, 6)),
        CACAO,
        "cc-blend-2026",
        "blend",
        inputs=_portions(dry_lots),
        outputs=[{"lot_id": "cc-dry-2026", "quantity_kg": _kg(dry_total)}],
        performed_on="2026-04-06",
    )
    plan.lots["cacao_dry"] = "cc-dry-2026"
    plan.kg.update(cacao_wet=_kg(wet_total), cacao_dry=_kg(dry_total))


# --------------------------------------------------------------------------- labels


def _labels(
    service: LedgerService,
    root: Ed25519PrivateKey,
    issuer: Ed25519PrivateKey,
    plan: _Plan,
    port: int,
) -> tuple[dict[str, Any], int]:
    """Biolabels after the season: the root records the resolver hosts; the label issuer
    labels three sacks of the eligible coffee export lot and every honey drum (numbered
    1…n), and one more sack whose label is then revoked as a misprint (two sacks are left
    to label). Returns each
    label's text and resolver path (one per issuance: the first drum for honey), and the
    entries appended."""
    from api.services.labels import (
        issuance_labels,
        issue_labels,
        record_resolver_hosts,
        recorded_resolver_hosts,
        revoke_label,
    )
    from labels.payload import label_path, parse_label

    appended = 0
    hosts = demo_resolvers(port)
    if recorded_resolver_hosts(service) != hosts:  # first run, or served on another port
        appended += record_resolver_hosts(
            service, root, hosts, ts="2026-06-01T09:00:00Z", nonce=f"demo-label-resolvers-{port}"
        ).created
    coffee_lot = plan.lots["coffee_export_certified"]
    honey_lot = plan.lots["honey_drums"]
    drums = int(plan.kg["honey_drums"])
    runs = [
        ("coffee", coffee_lot, 3, None, "2026-06-01T10:00:00Z"),
        ("honey", honey_lot, drums, 1, "2026-06-02T10:00:00Z"),
        ("coffee_revoked", coffee_lot, 1, None, "2026-06-03T10:00:00Z"),
    ]
    found: dict[str, Any] = {}
    for name, lot_id, units, serial_from, ts in runs:
        issued = issue_labels(
            service, lot_id, units, signer=issuer, serial_from=serial_from,
            host=hosts[0], ts=ts, nonce=f"demo-label-{name}",
        )  # fmt: skip
        appended += issued.created
        text = issuance_labels(issued.body, issued.seq, issuer, hosts[0])[0]
        found[name] = {
            "lot_id": lot_id,
            "seq": issued.seq,
            "units": units,
            "text": text,
            "path": label_path(parse_label(text)) + text[text.index("?") :],
        }
    appended += revoke_label(
        service, signer=issuer, issuance_seq=found["coffee_revoked"]["seq"],
        reason="misprinted batch, destroyed / lote de etiquetas mal impreso, destruido",
        ts="2026-06-03T11:00:00Z", nonce="demo-label-revoke-misprint",
    ).created  # fmt: skip
    return found, appended


# --------------------------------------------------------------------------- build


def build_demo(
    cfg: Settings, *, port: int = DEMO_PORT, built_on: date | None = None
) -> dict[str, Any]:
    """Create or complete the demo ledger; idempotent (also on a later day).

    ``built_on`` (default today, UTC) is the day certificate windows must stay current past
    (``_current_until``); a replay keeps the windows recorded by the first build.

    Returns:
        ``size`` (entries in the ledger), ``appended`` (entries this run added: 0 on a
        replay), the main lot ids (``coffee_export_lot``, ``coffee_export_certified_lot``,
        ``honey_drums_lot``, ``cacao_dry_lot``, plus remainders under ``lots``),
        ``coffee_failing_plots``, ``orgs`` (key name → org id)
        ``kg`` (quantities at each stage, sack and drum counts) and ``labels`` (the demo
        labels: ``coffee``, ``honey`` and the revoked ``coffee_revoked``, each with its
        issuance ``seq``, QR ``text`` and resolver ``path``).
    """
    from api.services.genesis import init_ledger

    secret = cfg.key_passphrase or ""
    init_ledger(cfg, secret, origin=DEMO_ORIGIN, ts="2026-01-01T00:00:00Z")
    keys = KeyStore(cfg.key_dir)
    root = keys.load("root", secret)
    for name in [n for n, _role in DEMO_ROLES] + list(DEMO_ORGS) + [CERTIFIER]:
        if not keys.exists(name):
            keys.create(name, secret)
    signers: dict[str, Ed25519PrivateKey] = {
        name: keys.load(name, secret) for name in [REGISTRAR, CERTIFIER, *DEMO_ORGS]
    }
    signers[ROOT] = root
    plan = _Plan(
        public_keys={name: keys.info(name).public_key for name in [*DEMO_ORGS, CERTIFIER]},
        built_on=built_on or datetime.now(UTC).date(),
    )
    _organizations(plan)
    _coffee(plan)
    _cacao(plan)
    _honey(plan)
    _training(plan)
    _sales(plan)
    _certification(plan)
    plan.steps.sort(key=lambda step: step.ts)  # stable: same-time steps keep their order

    # The demo runs the log too: it signs checkpoints as it grows and one over the whole.
    service = LedgerService.from_settings(
        cfg, operator_key=keys.load(cfg.operator_key_name, secret)
    )
    try:
        appended = 0
        for name, role in DEMO_ROLES:
            info = keys.info(name)
            result = service.submit(
                sign_statement(
                    root,
                    "key.added",
                    {"name": name, "public_key": info.public_key, "role": role},
                    ts="2026-01-15T12:00:00Z",
                    nonce=f"demo-grant-{name}",
                )
            )
            appended += result.created
        for step in plan.steps:
            body = step.body(service) if callable(step.body) else step.body
            result = service.submit(
                sign_statement(
                    signers[step.signer], step.entry_type, body, ts=step.ts, nonce=step.nonce
                )
            )
            appended += result.created
        labels, added = _labels(service, root, keys.load("label-issuer", secret), plan, port)
        appended += added
        side = PersonalDataStore(service.engine)
        for producer, (key_name, data, salt) in plan.personal.items():
            side.record(producer, plan.org_id(key_name), data, salt)
        service.issue_checkpoint()
        return {
            "size": service.head().size,
            "appended": appended,
            "coffee_export_lot": plan.lots["coffee_export"],
            "coffee_export_certified_lot": plan.lots["coffee_export_certified"],
            "coffee_failing_plots": list(FAILING_COFFEE_PLOTS),
            "honey_drums_lot": plan.lots["honey_drums"],
            "cacao_dry_lot": plan.lots["cacao_dry"],
            "lots": dict(plan.lots),
            "orgs": {name: plan.org_id(name) for name in DEMO_ORGS},
            "kg": dict(plan.kg),
            "labels": labels,
        }
    finally:
        service.close()
