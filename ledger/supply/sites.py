"""Production sites: plots (with EUDR-grade geometry) and apiaries.

A plot's geometry is validated when it is recorded (WGS84 [lon, lat], a Point only up to
4 ha, a simple Polygon without holes above, declared area within tolerance of the computed
one), so every later export can rely on it. Sites belong to a producer of the signing
association.

A site must also lie in its declared state (``state``, or the organization's state when the
body has none) and so in Mexico (``ledger.supply.boundaries``): a flipped sign or swapped
coordinates are refused with what went wrong. The check is made when an entry is admitted,
not when a recorded ledger is replayed (``AppendContext.replaying``), so entries recorded
before the rule existed keep verifying; ``docs/supply-chain.md`` says why that is safe.

Left out: geometry algorithms (``ledger.supply.geo``).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from ledger.errors import DomainRuleError
from ledger.registry import AppendContext, EntryType
from ledger.supply.boundaries import check_in_state
from ledger.supply.common import Body, Id, acting_org, require, rule
from ledger.supply.conversions import PRODUCTS
from ledger.supply.eudr import eudr_geometry, is_eudr_product
from ledger.supply.geo import validate_plot_geometry, validate_point
from ledger.supply.identifiers import INEGI_STATES, validate_siniiga_hive_id
from ledger.supply.orgs import ORG_KIND
from ledger.supply.producers import PRODUCER_KIND

__all__ = [
    "APIARY_KIND",
    "PLOT_KIND",
    "ApiaryRegisteredBody",
    "PlotRegisteredBody",
    "site_entry_types",
    "site_key",
]

PLOT_KIND = "plot"
APIARY_KIND = "apiary"


def site_key(kind: str, site_id: str) -> str:
    """The node name of a site in lineage links: ``plot:<id>`` or ``apiary:<id>``."""
    return f"{kind}:{site_id}"


class PlotRegisteredBody(Body):
    """``plot.registered``: a producer's plot, its crop, area and geometry."""

    plot_id: Id
    producer_id: Id
    product: str
    area_ha: float | int = Field(gt=0, le=10_000)
    geometry: dict[str, Any]
    state: str | None = Field(
        default=None, description="INEGI state code of the plot; default: the organization's"
    )
    municipality: str | None = Field(default=None, max_length=100)
    landscape: str | None = Field(default=None, max_length=100)

    @field_validator("state")
    @classmethod
    def _state(cls, value: str | None) -> str | None:
        return _known_state(value)

    @field_validator("product")
    @classmethod
    def _product(cls, value: str) -> str:
        if value not in PRODUCTS:
            raise ValueError(f"unknown product {value!r}; known: {sorted(PRODUCTS)}")
        return value


class ApiaryRegisteredBody(Body):
    """``apiary.registered``: a producer's apiary, its location and hive count."""

    apiary_id: Id
    producer_id: Id
    location: dict[str, Any]
    hive_count: int = Field(ge=1, le=10_000)
    siniiga_ids: list[str] = Field(default_factory=list, max_length=10_000)
    state: str | None = Field(
        default=None, description="INEGI state code of the apiary; default: the organization's"
    )
    municipality: str | None = Field(default=None, max_length=100)
    landscape: str | None = Field(default=None, max_length=100)

    @field_validator("state")
    @classmethod
    def _state(cls, value: str | None) -> str | None:
        return _known_state(value)

    @field_validator("siniiga_ids")
    @classmethod
    def _siniiga(cls, values: list[str]) -> list[str]:
        for value in values:
            validate_siniiga_hive_id(value)
        if len(set(values)) != len(values):
            raise ValueError("hive ids repeat")
        return values


def _known_state(value: str | None) -> str | None:
    if value is not None and value not in INEGI_STATES:
        raise ValueError(f"unknown INEGI state code {value!r}")
    return value


def _check_location(
    ctx: AppendContext, org_id: str, declared: str | None, positions: Any, what: str, field: str
) -> None:
    """Refuse a site outside its declared state (the body's, else the organization's).

    Skipped on replay (entries recorded before the rule keep verifying) and for
    organizations outside Mexico that declare no state (no boundary data for them).
    """
    if ctx.replaying:
        return
    if declared is None:
        org = ctx.state.get(ORG_KIND, org_id) or {}
        if org.get("country", "MX") != "MX" or org.get("state") is None:
            return
        declared = str(org["state"])
    try:
        check_in_state(positions, declared, what)
    except ValueError as exc:
        raise DomainRuleError(f"{what} {field}: {exc}", field=f"statement.body.{field}") from exc


def _check_eudr(ctx: AppendContext, body: PlotRegisteredBody, geometry: dict[str, Any]) -> None:
    """Refuse a coffee or cacao plot the EU Information System would refuse.

    The EUDR rules (``ledger.supply.eudr``: the ring as the system truncates it, point area
    bounds) apply at capture so the field app shows the reason while the producer is still
    on the plot. Skipped on replay, like the location check: entries admitted before the
    rule keep verifying, and the export lists any such plot as refused.
    """
    if ctx.replaying or not is_eudr_product(body.product):
        return
    try:
        eudr_geometry(geometry, float(body.area_ha))
    except ValueError as exc:
        raise DomainRuleError(
            f"plot geometry (EUDR): {exc}", field="statement.body.geometry"
        ) from exc


def _positions(geometry: dict[str, Any]) -> list[list[float]]:
    if geometry["type"] == "Point":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"][0])


def _site_doc(body: Body) -> dict[str, Any]:
    """The body as a projection document; ``state`` only when given (older documents lack it)."""
    doc = body.model_dump()
    if doc.get("state") is None:
        doc.pop("state", None)
    return doc


def _own_producer(ctx: AppendContext, producer_id: str) -> str:
    org_id = acting_org(ctx)
    producer = require(
        ctx.state.get(PRODUCER_KIND, producer_id), f"unknown producer {producer_id}", "producer_id"
    )
    rule(
        producer["org_id"] == org_id,
        f"producer {producer_id} belongs to {producer['org_id']}, not {org_id}",
        "producer_id",
    )
    return org_id


def _plot_reads(body: PlotRegisteredBody) -> list[tuple[str, str]]:
    return [(PRODUCER_KIND, body.producer_id), (PLOT_KIND, body.plot_id)]


def _apiary_reads(body: ApiaryRegisteredBody) -> list[tuple[str, str]]:
    return [(PRODUCER_KIND, body.producer_id), (APIARY_KIND, body.apiary_id)]


def _apply_plot_registered(ctx: AppendContext, body: PlotRegisteredBody) -> None:
    org_id = _own_producer(ctx, body.producer_id)
    rule(ctx.state.get(PLOT_KIND, body.plot_id) is None, f"plot {body.plot_id} exists", "plot_id")
    try:
        geometry = validate_plot_geometry(body.geometry, float(body.area_ha))
    except ValueError as exc:
        raise DomainRuleError(f"plot geometry: {exc}", field="statement.body.geometry") from exc
    _check_eudr(ctx, body, geometry)
    _check_location(ctx, org_id, body.state, _positions(geometry), "plot", "geometry")
    doc = _site_doc(body)
    doc.update(geometry=geometry, org_id=org_id, registered_seq=ctx.seq)
    ctx.state.put(PLOT_KIND, body.plot_id, doc, ctx.seq)


def _apply_apiary_registered(ctx: AppendContext, body: ApiaryRegisteredBody) -> None:
    org_id = _own_producer(ctx, body.producer_id)
    rule(
        ctx.state.get(APIARY_KIND, body.apiary_id) is None,
        f"apiary {body.apiary_id} exists",
        "apiary_id",
    )
    try:
        validate_point(body.location)
    except ValueError as exc:
        raise DomainRuleError(f"apiary location: {exc}", field="statement.body.location") from exc
    _check_location(ctx, org_id, body.state, [body.location["coordinates"]], "apiary", "location")
    rule(
        len(body.siniiga_ids) <= body.hive_count,
        f"{len(body.siniiga_ids)} hive ids for {body.hive_count} hives",
        "siniiga_ids",
    )
    doc = _site_doc(body)
    doc.update(product="honey", org_id=org_id, registered_seq=ctx.seq)
    ctx.state.put(APIARY_KIND, body.apiary_id, doc, ctx.seq)


def site_entry_types() -> list[EntryType]:
    """Entry types of plots and apiaries."""
    return [
        EntryType(
            name="plot.registered",
            body_model=PlotRegisteredBody,
            roles=frozenset({"association"}),
            apply=_apply_plot_registered,
            description="An association records a member's plot with its geometry.",
            reads=_plot_reads,
        ),
        EntryType(
            name="apiary.registered",
            body_model=ApiaryRegisteredBody,
            roles=frozenset({"association"}),
            apply=_apply_apiary_registered,
            description="An association records a member's apiary.",
            reads=_apiary_reads,
        ),
    ]
