"""EUDR geolocation file: the origin plots of a lot as a GeoJSON FeatureCollection.

Regulation (EU) 2023/1115 (EUDR) asks operators placing coffee or cocoa on the EU market to
give the geolocation of every plot the goods came from, as the GeoJSON the EU Information
System ingests (Operator API Reference v1.0 §9 "EUDR GeoJSON File Description" v1.3; the
rules are in ``ledger.supply.eudr``, their sources in ``docs/eudr.md``). What this module
writes:

* One ``Feature`` per origin plot of the lot's upstream lineage
  (:func:`ledger.supply.lineage.upstream`), its ``id`` the plot id, sorted by it.
* Geometry as the EU system will store it: WGS 84 ``[lon, lat]``, every coordinate
  truncated to exactly 6 decimals, the ring re-checked after truncation
  (:func:`ledger.supply.eudr.eudr_geometry`): a ``Point`` for plots of at most 4 ha, a
  ``Polygon`` (one closed ring, no holes) above.
* ``properties``: exactly the EUDR keys. ``ProducerCountry`` (ISO 3166-1 alpha-2 of the
  plot's association, ``MX``), ``Area`` (declared hectares, a number), ``ProductionPlace``
  (plot id and municipality), and ``ProducerName`` only when ``producer_names`` is asked for
  *and* the producer consented (:func:`api.services.supply.published_name`).
* Foreign members (RFC 7946 §6.1) on the collection: ``lot_id``, ``product``, ``refused`` —
  ``{"plot_id", "field", "reason"}`` for each origin plot the EU system would refuse, left
  out of ``features`` — and ``warnings`` — ``{"code", "subject", "message_en",
  "message_es"}`` — for plots whose latest ``deforestation_free_since_2020_12_31`` evidence
  says forest was lost after the cut-off or that have none, for refused plots, and for names
  withheld for lack of consent.

Refused as a whole (``ExportError``, HTTP 422 / CLI exit 1): a product outside the EUDR's
scope (honey) and a lot without origin plots. An unknown lot is ``EntryNotFoundError`` (404).
The due diligence statement built from the same collection is ``api.eudr.dds``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from api.exports.base import ExportError, ExportFormat, ExportRequest
from api.services.ledger import LedgerService
from api.services.supply import published_name
from ledger.errors import EntryNotFoundError
from ledger.state import State
from ledger.supply.eudr import EUDR_PRODUCTS, eudr_geometry, feature_text, is_eudr_product
from ledger.supply.lineage import upstream
from ledger.supply.lots import LOT_KIND
from ledger.supply.orgs import ORG_KIND
from ledger.supply.sites import PLOT_KIND
from verifiers.certification import EVIDENCE_KIND, EVIDENCE_OF, subject_node

__all__ = [
    "CUTOFF_DATE",
    "EUDR_PRODUCTS",
    "FOREST_FIELD",
    "FORMAT",
    "EudrCollection",
    "EudrWarning",
    "PlotFeature",
    "collect_eudr",
    "export_eudr",
    "forest_warnings",
    "plot_feature",
]

FOREST_FIELD = "deforestation_free_since_2020_12_31"
"""The evidence field of the standards' "no deforestation after the cut-off" criteria
(``CAB-NO-DEFORESTATION``, ``KAB-NO-DEFORESTATION``): ``true`` when the plot lost no forest
after :data:`CUTOFF_DATE`."""

CUTOFF_DATE = "2020-12-31"
"""EUDR Art. 2(13): deforestation-free means no deforestation after 31 December 2020."""

DEFAULT_COUNTRY = "MX"


@dataclass(frozen=True)
class EudrWarning:
    """Something an auditor should look at; the file is still produced."""

    code: str
    subject: str
    message_en: str
    message_es: str

    def to_dict(self) -> dict[str, str]:
        """JSON form (a foreign member of the FeatureCollection)."""
        return {
            "code": self.code,
            "subject": self.subject,
            "message_en": self.message_en,
            "message_es": self.message_es,
        }


@dataclass(frozen=True)
class PlotFeature:
    """One accepted origin plot: its Feature text and what the DDS groups it by."""

    plot_id: str
    producer_id: str
    country: str
    producer_name: str | None
    area_ha: float
    text: str


@dataclass(frozen=True)
class EudrCollection:
    """Everything the file holds, validated: accepted features, refused plots, warnings."""

    lot_id: str
    product: str
    features: list[PlotFeature] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    warnings: list[EudrWarning] = field(default_factory=list)

    def chunks(self, request: ExportRequest | None = None) -> Iterator[bytes]:
        """The UTF-8 GeoJSON text, a head, one chunk per feature, and a tail."""
        head = {
            "type": "FeatureCollection",
            "lot_id": self.lot_id,
            "product": self.product,
            "refused": self.refused,
            "warnings": [w.to_dict() for w in self.warnings],
        }
        text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
        yield (text[:-1] + ',"features":[').encode()
        total = len(self.features)
        for index, feature in enumerate(self.features):
            yield ((",\n" if index else "\n") + feature.text).encode()
            if request is not None and (index + 1) % 500 == 0:
                request.report(index + 1, total)
        if request is not None:
            request.report(total, total)
        yield b"\n]}\n"


# --------------------------------------------------------------------------- pure parts


def plot_feature(
    plot: Mapping[str, Any], *, producer_name: str | None, country: str = DEFAULT_COUNTRY
) -> str:
    """One plot as a GeoJSON Feature (JSON text), after checking the EU system accepts it.

    Args:
        plot: The plot's ledger document (``plot_id``, ``area_ha``, ``geometry``,
            ``municipality``).
        producer_name: What goes into ``ProducerName``; None leaves the property out.
        country: ISO 3166-1 alpha-2 code for ``ProducerCountry``.

    Returns:
        The Feature as compact JSON text, coordinates truncated to 6 decimals.

    Raises:
        ExportError: the plot has no geometry or area, or breaks a plot or EUDR rule
            (a point above 4 ha, a ring invalid once truncated…); the message names the
            plot and the field is ``plots.<id>.geometry``.
    """
    plot_id = str(plot.get("plot_id", "?"))
    where = f"plots.{plot_id}.geometry"
    geometry = plot.get("geometry")
    if not isinstance(geometry, Mapping) or not geometry:
        raise ExportError(
            f"plot {plot_id} has no recorded geometry; the EUDR needs a point or polygon for "
            "every origin plot",
            where,
        )
    area = plot.get("area_ha")
    if isinstance(area, bool) or not isinstance(area, int | float) or area <= 0:
        raise ExportError(f"plot {plot_id} has no valid area in ha (found {area!r})", where)
    try:
        eudr = eudr_geometry(geometry, float(area))
    except ValueError as exc:
        raise ExportError(f"plot {plot_id} geometry: {exc}", where) from exc
    municipality = plot.get("municipality")
    place = f"{plot_id}, {municipality}" if municipality else plot_id
    return feature_text(
        eudr,
        feature_id=plot_id,
        country=country,
        production_place=place,
        area_ha=area,
        producer_name=producer_name,
    )


def forest_warnings(
    plot_ids: Sequence[str], evidence: Sequence[Mapping[str, Any]]
) -> list[EudrWarning]:
    """Warnings for plots whose forest-change evidence is missing or after the cut-off.

    For each plot the *latest* :data:`FOREST_FIELD` record decides, as in the rule engine:
    the later ``observed_on``, then the higher ledger ``seq``. ``true`` is fine; ``false``
    means forest was converted after :data:`CUTOFF_DATE`; anything else is not a yes/no
    answer. A plot with no record at all is flagged too: nothing shows it is
    deforestation-free.

    Args:
        plot_ids: The plots to judge.
        evidence: Evidence documents (``subject_kind``, ``subject_id``, ``field``,
            ``value``, ``observed_on``, ``seq``); other fields and subjects are ignored.
    """
    latest: dict[str, Mapping[str, Any]] = {}
    for doc in evidence:
        if doc.get("field") != FOREST_FIELD or doc.get("subject_kind") != "plot":
            continue
        plot_id = str(doc.get("subject_id"))
        known = latest.get(plot_id)
        if known is None or (doc["observed_on"], doc["seq"]) > (known["observed_on"], known["seq"]):
            latest[plot_id] = doc
    warnings: list[EudrWarning] = []
    for plot_id in plot_ids:
        deciding = latest.get(plot_id)
        subject = subject_node("plot", plot_id)
        if deciding is None:
            warnings.append(EudrWarning(
                "no_deforestation_evidence", subject,
                f"plot {plot_id}: no {FOREST_FIELD} evidence recorded; nothing shows the plot "
                f"lost no forest after {CUTOFF_DATE}",
                f"parcela {plot_id}: no hay evidencia {FOREST_FIELD} registrada; nada muestra "
                f"que la parcela no perdió bosque después del {CUTOFF_DATE}",
            ))  # fmt: skip
            continue
        day, seq, value = deciding["observed_on"], deciding["seq"], deciding["value"]
        if value is False:
            warnings.append(EudrWarning(
                "deforestation_after_cutoff", subject,
                f"plot {plot_id}: the latest forest evidence (observed {day}, entry {seq}) "
                f"records forest conversion after {CUTOFF_DATE}; the EUDR does not allow "
                "placing these goods on the EU market",
                f"parcela {plot_id}: la evidencia forestal más reciente (observada el {day}, "
                f"entrada {seq}) registra conversión de bosque después del {CUTOFF_DATE}; el "
                "EUDR no permite comercializar estos productos en la UE",
            ))  # fmt: skip
        elif value is not True:
            warnings.append(EudrWarning(
                "deforestation_evidence_unclear", subject,
                f"plot {plot_id}: the latest {FOREST_FIELD} evidence (entry {seq}) is "
                f"{json.dumps(value)}, not true or false",
                f"parcela {plot_id}: la evidencia {FOREST_FIELD} más reciente (entrada {seq}) "
                f"es {json.dumps(value)}, no verdadero ni falso",
            ))  # fmt: skip
    return warnings


# --------------------------------------------------------------------------- reading


def _plot_evidence(state: State, plot_ids: list[str]) -> list[dict[str, Any]]:
    links = state.links_from(EVIDENCE_OF, [subject_node("plot", p) for p in plot_ids])
    docs = state.get_many(EVIDENCE_KIND, [evidence_id for _node, evidence_id in links])
    return [doc for doc in docs.values() if doc.get("field") == FOREST_FIELD]


def _refusal_warning(plot_id: str, reason: str) -> EudrWarning:
    return EudrWarning(
        "plot_refused", subject_node("plot", plot_id),
        f"plot {plot_id} is left out: the EU system would refuse it ({reason})",
        f"parcela {plot_id} queda fuera: el sistema de la UE la rechazaría ({reason})",
    )  # fmt: skip


def collect_eudr(
    service: LedgerService, lot_id: str, *, producer_names: bool = False
) -> EudrCollection:
    """Read and check every origin plot of ``lot_id``; the validated collection.

    Plots the EU system would refuse are listed in ``refused`` (and warned about) instead of
    failing the whole lot: the exporter sees every problem at once.

    Raises:
        EntryNotFoundError: no such lot.
        ExportError: product outside the EUDR, or no origin plots.
    """
    with service.store.read_state() as state:
        lot = state.get(LOT_KIND, lot_id)
        if lot is None:
            raise EntryNotFoundError(f"no lot {lot_id!r}")
        product = str(lot["product"])
        if not is_eudr_product(product):
            raise ExportError(
                f"lot {lot_id} is {product}, not an EUDR commodity: Regulation (EU) 2023/1115 "
                "(Annex I: cattle, cocoa, coffee, oil palm, rubber, soya, wood) does not cover "
                "it, so it needs no geolocation file or due diligence statement",
                "lot_id",
            )
        lineage = upstream(state, lot_id, producers=False)
        if not lineage.plots:
            raise ExportError(f"lot {lot_id} has no origin plots to geolocate", "lot_id")
        plots = state.get_many(PLOT_KIND, lineage.plots)
        orgs = state.get_many(ORG_KIND, sorted({str(p["org_id"]) for p in plots.values()}))
        evidence = _plot_evidence(state, lineage.plots)
    warnings = forest_warnings(lineage.plots, evidence)
    features: list[PlotFeature] = []
    refused: list[dict[str, str]] = []
    withheld = 0
    for plot_id in lineage.plots:
        plot = plots.get(plot_id)
        if plot is None:
            raise ExportError(f"origin plot {plot_id} is not recorded", f"plots.{plot_id}")
        org = orgs.get(str(plot["org_id"]), {})
        name = None
        if producer_names:
            name = published_name(service, str(plot["producer_id"]))
            withheld += name is None
        country = str(org.get("country") or DEFAULT_COUNTRY)
        try:
            text = plot_feature(plot, producer_name=name, country=country)
        except ExportError as exc:
            refused.append({"plot_id": plot_id, "field": exc.field or "", "reason": str(exc)})
            warnings.append(_refusal_warning(plot_id, str(exc)))
            continue
        area = float(plot["area_ha"])
        features.append(PlotFeature(plot_id, str(plot["producer_id"]), country, name, area, text))
    if withheld:
        warnings.append(EudrWarning(
            "producer_name_withheld", f"lot:{lot_id}",
            f"{withheld} of {len(lineage.plots)} plots carry no ProducerName: their "
            "producers did not consent to publishing their names",
            f"{withheld} de {len(lineage.plots)} parcelas van sin ProducerName: sus "
            "productores no consintieron publicar su nombre",
        ))  # fmt: skip
    return EudrCollection(lot_id, product, features, refused, warnings)


def export_eudr(service: LedgerService, request: ExportRequest) -> Iterator[bytes]:
    """The ``eudr-geojson`` exporter: checks every plot first, warns, then streams."""
    collection = collect_eudr(service, request.lot_id, producer_names=request.producer_names)
    for warning in collection.warnings:
        request.warn(f"{warning.message_en}\n  aviso: {warning.message_es}")
    return collection.chunks(request)


FORMAT = ExportFormat(
    name="eudr-geojson",
    media_type="application/geo+json",
    suffix=".geojson",
    description="EUDR geolocation file: origin plots as GeoJSON (coffee, cacao)",
    export=export_eudr,
)
