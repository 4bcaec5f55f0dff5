"""EUDR geolocation file: the origin plots of a lot as a GeoJSON FeatureCollection.

Regulation (EU) 2023/1115 (EUDR) asks operators placing coffee or cocoa on the EU market to
give the geolocation of every plot the goods came from, as the GeoJSON file the EU
Information System (TRACES) ingests ("EUDR GeoJSON File Description", European Commission,
v1.2 of 4 July 2024 and later; see ``docs/eudr.md``). What this module writes:

* One ``Feature`` per origin plot of the lot's upstream lineage
  (:func:`ledger.supply.lineage.upstream`), its ``id`` the plot id, sorted by it.
* Geometry exactly as the ledger recorded it: WGS 84 ``[lon, lat]`` (RFC 7946), a ``Point``
  for plots of at most 4 ha, a ``Polygon`` (one closed ring, no holes) above. Each plot is
  re-checked with :func:`ledger.supply.geo.validate_plot_geometry` (the rules the ledger
  applied at registration), and coordinates are written with at least 6 decimals without
  ever dropping a recorded digit: ``-92.6`` is written ``-92.600000``, ``-92.6012345`` stays
  as is.
* ``properties``: ``ProducerCountry`` (ISO 3166-1 alpha-2 of the plot's association, ``MX``),
  ``Area`` (the plot's declared area in hectares, a number), ``ProductionPlace`` (plot id and
  municipality) and ``ProducerName``: the association's name, or the producer's own name when
  ``producer_names`` is asked for *and* the producer consented
  (:func:`api.services.supply.published_name`).
* Foreign members (RFC 7946 §6.1) on the collection: ``lot_id``, ``product`` and
  ``warnings`` — each ``{"code", "subject", "message_en", "message_es"}`` — for plots whose
  latest ``deforestation_free_since_2020_12_31`` evidence (the field of the standards'
  "no deforestation after 2020-12-31" criteria) says forest was lost after the cut-off, or
  that have no such evidence, and for names withheld for lack of consent.

Refused before the first byte (``ExportError``, HTTP 422 / CLI exit 1): a product outside
the EUDR's scope (honey), a lot without origin plots, a plot without geometry or area, a
plot above 4 ha recorded only as a point, or any geometry the plot rules reject. Each
message names the plot. An unknown lot is ``EntryNotFoundError`` (404).

Left out: the due diligence statement itself (TRACES submission, HS codes, reference
numbers), Type II (multi-producer, UI-only) grouping, ``MultiPoint``/``MultiPolygon`` (one
plot is one geometry here), overlaying plots with forest maps (the evidence records the
result of that check; this module only reports it), and apiaries (honey is out of scope).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from api.exports.base import ExportError, ExportFormat, ExportRequest
from api.services.ledger import LedgerService
from api.services.supply import published_name
from ledger.errors import EntryNotFoundError
from ledger.state import State
from ledger.supply.geo import EXPORT_DECIMALS, MAX_POINT_AREA_HA, validate_plot_geometry
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
    "collect_eudr",
    "export_eudr",
    "forest_warnings",
    "format_coordinate",
    "plot_feature",
]

EUDR_PRODUCTS: dict[str, str] = {"coffee": "coffee", "cacao": "cocoa"}
"""Products of this ledger in EUDR Annex I → the Annex's commodity name. Honey is not in it
(Annex I: cattle, cocoa, coffee, oil palm, rubber, soya, wood)."""

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
class EudrCollection:
    """Everything the file holds, validated: features as JSON text, warnings as objects."""

    lot_id: str
    product: str
    features: list[str] = field(default_factory=list)
    warnings: list[EudrWarning] = field(default_factory=list)

    def chunks(self, request: ExportRequest | None = None) -> Iterator[bytes]:
        """The UTF-8 GeoJSON text, a head, one chunk per feature, and a tail."""
        head = {
            "type": "FeatureCollection",
            "lot_id": self.lot_id,
            "product": self.product,
            "warnings": [w.to_dict() for w in self.warnings],
        }
        text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
        yield (text[:-1] + ',"features":[').encode()
        total = len(self.features)
        for index, feature in enumerate(self.features):
            yield ((",\n" if index else "\n") + feature).encode()
            if request is not None and (index + 1) % 500 == 0:
                request.report(index + 1, total)
        if request is not None:
            request.report(total, total)
        yield b"\n]}\n"


# --------------------------------------------------------------------------- pure parts


def format_coordinate(value: float) -> str:
    """A coordinate as JSON text with at least 6 decimals and every recorded digit.

    The shortest text that reads back as the same float, padded with zeros to
    :data:`~ledger.supply.geo.EXPORT_DECIMALS` decimals: ``-92.6`` → ``-92.600000``,
    ``15.6012345`` → ``15.6012345``. Never rounds.
    """
    exact = Decimal(repr(float(value)))
    exponent = exact.as_tuple().exponent
    assert isinstance(exponent, int)  # noqa: S101 - finite floats only (validated geometry)
    places = max(EXPORT_DECIMALS, -exponent)
    return f"{exact:.{places}f}"


def _position(position: Any) -> str:
    return f"[{format_coordinate(position[0])},{format_coordinate(position[1])}]"


def _geometry_json(geometry: Mapping[str, Any]) -> str:
    if geometry["type"] == "Point":
        coordinates = _position(geometry["coordinates"])
    else:
        ring = ",".join(_position(p) for p in geometry["coordinates"][0])
        coordinates = f"[[{ring}]]"
    return f'{{"type":{json.dumps(geometry["type"])},"coordinates":{coordinates}}}'


def plot_feature(
    plot: Mapping[str, Any], *, producer_name: str, country: str = DEFAULT_COUNTRY
) -> str:
    """One plot as a GeoJSON Feature (JSON text), after checking it meets the EUDR rules.

    Args:
        plot: The plot's ledger document (``plot_id``, ``area_ha``, ``geometry``,
            ``municipality``).
        producer_name: What goes into ``ProducerName``.
        country: ISO 3166-1 alpha-2 code for ``ProducerCountry``.

    Returns:
        The Feature as compact JSON text, coordinates with at least 6 decimals.

    Raises:
        ExportError: the plot has no geometry or area, is above 4 ha with only a point, or
            its geometry breaks a plot rule; the message names the plot.
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
    if geometry.get("type") == "Point" and area > MAX_POINT_AREA_HA:
        raise ExportError(
            f"plot {plot_id} is {area:g} ha but recorded only as a point; the EUDR needs a "
            f"polygon for plots above {MAX_POINT_AREA_HA:g} ha: record its boundary",
            where,
        )
    try:
        validate_plot_geometry(geometry, float(area))
    except ValueError as exc:
        raise ExportError(f"plot {plot_id} geometry: {exc}", where) from exc
    municipality = plot.get("municipality")
    place = f"{plot_id}, {municipality}" if municipality else plot_id
    properties = {
        "ProducerName": producer_name,
        "ProducerCountry": country,
        "ProductionPlace": place,
        "Area": area,
    }
    return (
        f'{{"type":"Feature","id":{json.dumps(plot_id)},"geometry":{_geometry_json(geometry)},'
        f'"properties":{json.dumps(properties, ensure_ascii=False, separators=(",", ":"))}}}'
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


def collect_eudr(
    service: LedgerService, lot_id: str, *, producer_names: bool = False
) -> EudrCollection:
    """Read and check every origin plot of ``lot_id``; the validated collection.

    Raises:
        EntryNotFoundError: no such lot.
        ExportError: product outside the EUDR, no origin plots, or a plot that breaks the
            geolocation rules (see :func:`plot_feature`).
    """
    with service.store.read_state() as state:
        lot = state.get(LOT_KIND, lot_id)
        if lot is None:
            raise EntryNotFoundError(f"no lot {lot_id!r}")
        product = str(lot["product"])
        if product not in EUDR_PRODUCTS:
            raise ExportError(
                f"lot {lot_id} is {product}, outside the scope of Regulation (EU) 2023/1115 "
                "(EUDR Annex I: cattle, cocoa, coffee, oil palm, rubber, soya, wood); it "
                "needs no EUDR geolocation file",
                "lot_id",
            )
        lineage = upstream(state, lot_id)
        if not lineage.plots:
            raise ExportError(f"lot {lot_id} has no origin plots to geolocate", "lot_id")
        plots = state.get_many(PLOT_KIND, lineage.plots)
        orgs = state.get_many(ORG_KIND, sorted({str(p["org_id"]) for p in plots.values()}))
        evidence = _plot_evidence(state, lineage.plots)
    warnings = forest_warnings(lineage.plots, evidence)
    features: list[str] = []
    withheld = 0
    for plot_id in lineage.plots:
        plot = plots.get(plot_id)
        if plot is None:
            raise ExportError(f"origin plot {plot_id} is not recorded", f"plots.{plot_id}")
        org = orgs.get(str(plot["org_id"]), {})
        name = str(org.get("name") or plot["org_id"])
        if producer_names:
            own = published_name(service, str(plot["producer_id"]))
            withheld += own is None
            name = own or name
        country = str(org.get("country") or DEFAULT_COUNTRY)
        features.append(plot_feature(plot, producer_name=name, country=country))
    if withheld:
        warnings.append(EudrWarning(
            "producer_name_withheld", f"lot:{lot_id}",
            f"{withheld} of {len(features)} plots carry the association's name: their "
            "producers did not consent to publishing their names",
            f"{withheld} de {len(features)} parcelas llevan el nombre de la asociación: sus "
            "productores no consintieron publicar su nombre",
        ))  # fmt: skip
    return EudrCollection(lot_id, product, features, warnings)


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
