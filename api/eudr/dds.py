"""The due diligence statement (DDS) of a lot: from the ledger to V3 ``submitDds`` requests.

A coffee or cacao lot (an export lot, a shipment's lot, any lot) becomes one or more
statements:

* **Commodity**: one per statement (a lot is one product), with the HS heading — 0901 for
  coffee in every form; 1801 for cocoa beans (wet, dry, nibs), or 1803/1804/1805/1806 for
  cocoa paste, butter, powder and chocolate when the exporter says so — a description of the
  goods (English and Spanish words from the lot's form), the net mass in kg and optional
  supplementary units.
* **Producers**: the lot's origin plots (``api.exports.eudr.collect_eudr``, the same
  validated, truncated Features as the GeoJSON file), grouped one ``producers`` element per
  producer and country; its ``geometryGeojson`` is the base64 of a FeatureCollection of that
  producer's plots, its ``name`` only with the producer's consent. Plots the EU system would
  refuse are left out and reported.
* **Limits** (``ledger.supply.eudr.split_statements``): at most 1,000 producers and 25 MB of
  geolocation per statement; a larger lot is split across several statements, the net mass
  shared in proportion to the declared area of each statement's plots (exact to the gram:
  the last statement takes the remainder).
* **Operator**: ``OPERATOR``, or ``REPRESENTATIVE_OPERATOR`` with the represented operator's
  name and EORI; activity type (``IMPORT`` by default), EU country of activity and of border
  crossing; references to upstream statements (``groupedDeclarations``) — given by the
  exporter, plus those recorded on the lot's input lots (``eudr.dds_recorded``).

Refusals are :class:`~api.exports.base.ExportError` naming the field (HTTP 422, CLI exit 1);
honey is "not an EUDR commodity". XML building is ``api.eudr.xml``; this module decides what
goes in.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - serializing our own tree
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from api.eudr.xml import ProducerXml, RepresentedOperator, StatementXml, submit_request
from api.exports.base import ExportError
from api.exports.eudr import EudrCollection, EudrWarning, PlotFeature, collect_eudr
from api.services.ledger import LedgerService
from ledger.errors import EntryNotFoundError
from ledger.supply.dds import recorded_statements
from ledger.supply.eudr import (
    EUDR_PRODUCTS,
    MAX_GEOLOCATION_BYTES,
    MAX_PRODUCERS_PER_COMMODITY,
    is_eudr_product,
    split_statements,
)
from ledger.supply.lots import LOT_INPUT, LOT_KIND

__all__ = [
    "ACTIVITY_TYPES",
    "EU_COUNTRIES",
    "HS_HEADINGS",
    "DdsOptions",
    "DdsPlan",
    "build_dds",
    "check_lot",
    "upstream_references",
]

HS_HEADINGS: dict[str, tuple[str, ...]] = {
    "coffee": ("0901",),
    "cacao": ("1801", "1803", "1804", "1805", "1806"),
}
"""EUDR Annex I HS headings a lot of each product may be declared under; the first is the
default (coffee 0901; cocoa beans, whole or broken, raw or roasted 1801)."""

ACTIVITY_TYPES = ("IMPORT", "EXPORT", "DOMESTIC")
"""``eudrCommon:ActivityType``."""

EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI".split()
)
"""``eudrCommon:EuropeanCountryType`` (the 27 Member States as the EU system codes them, and
XI for Northern Ireland)."""

_FORM_WORDS: dict[tuple[str, str], tuple[str, str]] = {
    ("coffee", "cherry"): ("Coffee cherries", "Café cereza"),
    ("coffee", "parchment"): ("Parchment coffee", "Café pergamino"),
    ("coffee", "green"): ("Green coffee beans", "Café verde (oro)"),
    ("coffee", "roasted"): ("Roasted coffee", "Café tostado"),
    ("cacao", "wet"): ("Fresh cocoa beans", "Cacao en baba"),
    ("cacao", "dry"): ("Dried cocoa beans", "Cacao seco"),
    ("cacao", "nibs"): ("Cocoa nibs", "Nibs de cacao"),
}
_EORI = re.compile(r"[A-Z]{2}[A-Za-z0-9]{1,15}")
_REFERENCE = re.compile(r"[A-Za-z0-9]{1,14}")
_QUALIFIER = re.compile(r"[A-Za-z0-9]{3,4}")
_MICRO = Decimal("0.000001")
_MAX_WEIGHT = Decimal("9999999999.999999")


@dataclass(frozen=True)
class DdsOptions:
    """What the exporter says about the statement; the ledger supplies the rest."""

    activity_type: str = "IMPORT"
    country_of_activity: str | None = None
    border_cross_country: str | None = None
    represented_name: str | None = None
    represented_eori: str | None = None
    internal_reference: str | None = None
    description: str | None = None
    hs_heading: str | None = None
    supplementary_units: str | None = None
    supplementary_qualifier: str | None = None
    grouped: tuple[str, ...] = ()
    confidential: bool = False
    producer_names: bool = False
    comment: str | None = None
    max_bytes: int = MAX_GEOLOCATION_BYTES
    max_producers: int = MAX_PRODUCERS_PER_COMMODITY


@dataclass(frozen=True)
class DdsPart:
    """One statement of a lot's DDS: what it carries and which plots."""

    statement: StatementXml
    plot_ids: list[str]

    def request_xml(self) -> bytes:
        """The ``dds:SubmitDdsRequest`` element alone, as a UTF-8 XML document."""
        return bytes(ET.tostring(submit_request(self.statement), "utf-8", xml_declaration=True))


@dataclass(frozen=True)
class DdsPlan:
    """A lot's statements, with the plots refused and the warnings found on the way."""

    lot_id: str
    product: str
    hs_heading: str
    net_weight_kg: str
    parts: list[DdsPart]
    collection: EudrCollection
    warnings: list[EudrWarning] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON form for the API and the CLI: statements, plots, refusals, warnings."""
        return {
            "lot_id": self.lot_id,
            "product": self.product,
            "hs_heading": self.hs_heading,
            "net_weight_kg": self.net_weight_kg,
            "statements": [
                {
                    "internal_reference": p.statement.internal_reference,
                    "net_weight_kg": p.statement.net_weight_kg,
                    "producers": len(p.statement.producers),
                    "plots": len(p.plot_ids),
                    "geolocation_bytes": sum(
                        _b64_size(len(x.geojson)) for x in p.statement.producers
                    ),
                    "grouped_declarations": list(p.statement.grouped),
                }
                for p in self.parts
            ],
            "plots": sum(len(p.plot_ids) for p in self.parts),
            "refused": self.collection.refused,
            "warnings": [w.to_dict() for w in self.warnings],
        }


def _b64_size(raw: int) -> int:
    return 4 * ((raw + 2) // 3)


def _country(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    code = value.upper()
    if code not in EU_COUNTRIES:
        raise ExportError(
            f"{what}: expected an EU country code ({', '.join(sorted(EU_COUNTRIES))}), "
            f"found {value!r}",
            what,
        )
    return code


def _decimal(value: str, what: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ExportError(f"{what}: expected a number, found {value!r}", what) from None
    if not number.is_finite() or number < 0 or number > _MAX_WEIGHT:
        raise ExportError(f"{what}: expected 0 to {_MAX_WEIGHT}, found {value!r}", what)
    if number != number.quantize(_MICRO, rounding=ROUND_DOWN):
        raise ExportError(f"{what}: expected at most 6 decimals, found {value!r}", what)
    return number


def _text(value: str | None, what: str, limit: int) -> str | None:
    if value is not None and not 1 <= len(value) <= limit:
        raise ExportError(f"{what}: expected 1 to {limit} characters, found {len(value)}", what)
    return value


def _check(options: DdsOptions, product: str) -> None:
    """Refuse option values the schema or the EU system would refuse, naming the option."""
    if options.activity_type not in ACTIVITY_TYPES:
        raise ExportError(
            f"activity_type: expected one of {', '.join(ACTIVITY_TYPES)}, "
            f"found {options.activity_type!r}",
            "activity_type",
        )
    _country(options.country_of_activity, "country_of_activity")
    _country(options.border_cross_country, "border_cross_country")
    allowed = HS_HEADINGS[product]
    if options.hs_heading is not None and options.hs_heading not in allowed:
        raise ExportError(
            f"hs_heading: expected one of {', '.join(allowed)} for {product}, "
            f"found {options.hs_heading!r}",
            "hs_heading",
        )
    if (options.represented_name is None) != (options.represented_eori is None):
        raise ExportError(
            "represented_eori: an authorised representative gives both the represented "
            "operator's name and EORI",
            "represented_eori",
        )
    if options.represented_eori is not None and not _EORI.fullmatch(options.represented_eori):
        raise ExportError(
            "represented_eori: expected an EORI (two-letter country code and up to 15 letters "
            f"or digits), found {options.represented_eori!r}",
            "represented_eori",
        )
    _text(options.represented_name, "represented_name", 200)
    _text(options.internal_reference, "internal_reference", 44)
    _text(options.description, "description", 150)
    _text(options.comment, "comment", 2000)
    if (options.supplementary_units is None) != (options.supplementary_qualifier is None):
        raise ExportError(
            "supplementary_qualifier: give supplementary units together with their qualifier "
            "(e.g. NAR for a number of items)",
            "supplementary_qualifier",
        )
    if options.supplementary_units is not None:
        _decimal(options.supplementary_units, "supplementary_units")
    qualifier = options.supplementary_qualifier
    if qualifier is not None and not _QUALIFIER.fullmatch(qualifier):
        raise ExportError(
            f"supplementary_qualifier: expected 3 or 4 letters or digits, found {qualifier!r}",
            "supplementary_qualifier",
        )
    for reference in options.grouped:
        if not _REFERENCE.fullmatch(reference):
            raise ExportError(
                "grouped: expected DDS reference numbers of up to 14 letters or digits, "
                f"found {reference!r}",
                "grouped",
            )


def upstream_references(service: LedgerService, lot_id: str) -> list[str]:
    """Reference numbers of statements recorded on the lot's input lots (not on the lot).

    A downstream trader's statement names the statements its goods were covered by; the
    ledger knows them when they were recorded (``eudr.dds_recorded``) on upstream lots.
    """
    with service.store.read_state() as state:
        lots = sorted({dst for _src, dst in state.reachable_edges(LOT_INPUT, lot_id)} - {lot_id})
        found = recorded_statements(state, lots)
    return sorted({r["reference_number"] for r in found if r.get("reference_number")})


def _producers(features: Sequence[PlotFeature]) -> list[tuple[ProducerXml, list[str]]]:
    groups: dict[tuple[str, str], list[PlotFeature]] = {}
    for feature in features:
        groups.setdefault((feature.producer_id, feature.country), []).append(feature)
    producers = []
    for (_producer, country), items in groups.items():
        body = ",\n".join(item.text for item in items)
        geojson = f'{{"type":"FeatureCollection","features":[\n{body}\n]}}'.encode()
        producers.append((ProducerXml(country, items[0].producer_name, geojson), [
            item.plot_id for item in items
        ]))  # fmt: skip
    return producers


def _shares(total_g: int, weights: list[Decimal]) -> list[Decimal]:
    """``total_g`` in kg split by ``weights``, each share floored to the gram, remainder last."""
    whole = sum(weights)
    grams = [int(total_g * w / whole) if whole else 0 for w in weights[:-1]]
    grams.append(total_g - sum(grams))
    return [Decimal(g) / 1000 for g in grams]


def _kg_text(kg: Decimal) -> str:
    text = f"{kg.quantize(_MICRO):f}".rstrip("0").rstrip(".")
    return text or "0"


def build_dds(
    service: LedgerService,
    lot_id: str,
    options: DdsOptions | None = None,
    *,
    collection: EudrCollection | None = None,
) -> DdsPlan:
    """The lot's DDS request(s), checked against the EUDR rules and the V3 schema's limits.

    ``collection`` is the lot's already collected plots (``collect_eudr`` with the same
    ``producer_names``), when the caller also writes the GeoJSON file from it: one pass over
    5,000 plots instead of two.

    Raises:
        EntryNotFoundError: no such lot.
        ExportError: honey or another product outside the EUDR, no origin plots, every plot
            refused, an option value the schema refuses, or one producer's geolocation above
            the per-statement limit; ``field`` names the option or ``lot_id``.
    """
    options = options or DdsOptions()
    if collection is None:
        collection = collect_eudr(service, lot_id, producer_names=options.producer_names)
    product = collection.product
    _check(options, product)
    if not collection.features:
        raise ExportError(
            f"lot {lot_id}: every origin plot would be refused by the EU system; fix them "
            "first (see `biotraza eudr check`)",
            "lot_id",
        )
    lot = service.store.state_get(LOT_KIND, lot_id) or {}
    areas = {f.plot_id: Decimal(str(f.area_ha)) for f in collection.features}
    grouped = sorted({*options.grouped, *upstream_references(service, lot_id)})
    producers = _producers(collection.features)
    try:
        groups = split_statements(
            [_b64_size(len(p.geojson)) for p, _ids in producers],
            max_bytes=options.max_bytes,
            max_producers=options.max_producers,
        )
    except ValueError as exc:
        raise ExportError(f"lot {lot_id}: {exc}", "lot_id") from exc
    weights = [sum((areas[i] for k in g for i in producers[k][1]), Decimal(0)) for g in groups]
    shares = _shares(int(lot.get("quantity_g", 0)), weights)
    hs = options.hs_heading or HS_HEADINGS[product][0]
    english, spanish = _FORM_WORDS.get((product, str(lot.get("form"))), (product, product))
    description = options.description or f"{english} / {spanish}, lot {lot_id}"[:150]
    reference = options.internal_reference or lot_id[:44]
    represented = None
    if options.represented_name is not None and options.represented_eori is not None:
        represented = RepresentedOperator(options.represented_name, options.represented_eori)
    parts = []
    for index, (group, share) in enumerate(zip(groups, shares, strict=True)):
        suffix = f"-{index + 1}of{len(groups)}" if len(groups) > 1 else ""
        statement = StatementXml(
            internal_reference=f"{reference}{suffix}",
            activity_type=options.activity_type,
            country_of_activity=_country(options.country_of_activity, "country_of_activity"),
            border_cross_country=_country(options.border_cross_country, "border_cross_country"),
            comment=options.comment,
            description=description,
            net_weight_kg=_kg_text(share),
            supplementary_unit=options.supplementary_units,
            supplementary_unit_qualifier=options.supplementary_qualifier,
            hs_heading=hs,
            scientific_name=None,
            common_name=None,
            producers=[producers[k][0] for k in group],
            confidential=options.confidential,
            grouped=grouped,
            represented=represented,
        )
        parts.append(DdsPart(statement, [i for k in group for i in producers[k][1]]))
    warnings = list(collection.warnings)
    if len(parts) > 1:
        warnings.append(EudrWarning(
            "dds_split", f"lot:{lot_id}",
            f"the lot's geolocation exceeds one statement's limits (25 MB, 1,000 producers): "
            f"{len(parts)} statements, net mass shared by declared plot area",
            f"la geolocalización del lote excede los límites de una declaración (25 MB, 1,000 "
            f"productores): {len(parts)} declaraciones, masa neta repartida por superficie",
        ))  # fmt: skip
    return DdsPlan(
        lot_id,
        product,
        hs,
        _kg_text(Decimal(int(lot.get("quantity_g", 0))) / 1000),
        parts,
        collection,
        warnings,
    )


def check_lot(
    service: LedgerService, lot_id: str, *, producer_names: bool = False
) -> dict[str, Any]:
    """What a lot's DDS would hold, or why there is none: the answer of ``eudr check``.

    Honey (or any product outside EUDR Annex I) is a plain answer, not an error:
    ``eudr_commodity`` false with the reason in English and Spanish. For coffee and cacao the
    report lists accepted and refused plots, warnings and the statements a DDS would need.

    Raises:
        EntryNotFoundError: no such lot.
        ExportError: the lot has no origin plots.
    """
    lot = service.store.state_get(LOT_KIND, lot_id)
    if lot is None:
        raise EntryNotFoundError(f"no lot {lot_id!r}")
    product = str(lot["product"])
    if not is_eudr_product(product):
        return {
            "lot_id": lot_id,
            "product": product,
            "eudr_commodity": False,
            "message_en": f"{product} is not an EUDR commodity: Regulation (EU) 2023/1115 "
            "(Annex I: cattle, cocoa, coffee, oil palm, rubber, soya, wood) does not cover it; "
            "no geolocation file or due diligence statement is needed",
            "message_es": f"{_PRODUCT_ES.get(product, product)} no es una materia prima del "
            "EUDR: el Reglamento (UE) 2023/1115 (anexo I: ganado bovino, cacao, café, palma de "
            "aceite, caucho, soja, madera) no la cubre; no hace falta archivo de "
            "geolocalización ni declaración de diligencia debida",
        }
    collection = collect_eudr(service, lot_id, producer_names=producer_names)
    report: dict[str, Any] = {
        "lot_id": lot_id,
        "product": product,
        "eudr_commodity": True,
        "commodity": EUDR_PRODUCTS[product],
        "plots": len(collection.features) + len(collection.refused),
        "accepted": len(collection.features),
        "refused": collection.refused,
        "warnings": [w.to_dict() for w in collection.warnings],
        "statements": [],
    }
    if collection.features:
        plan = build_dds(service, lot_id, DdsOptions(producer_names=producer_names))
        report["statements"] = plan.summary()["statements"]
    return report


_PRODUCT_ES = {"honey": "la miel"}
