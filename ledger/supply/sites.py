"""Production sites: plots (with EUDR-grade geometry) and apiaries.

A plot's geometry is validated when it is recorded (WGS84 [lon, lat], a Point only up to
4 ha, a simple Polygon without holes above, declared area within tolerance of the computed
one), so every later export can rely on it. Sites belong to a producer of the signing
association.

Left out: geometry algorithms (``ledger.supply.geo``).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from ledger.errors import DomainRuleError
from ledger.registry import AppendContext, EntryType
from ledger.supply.common import Body, Id, acting_org, require, rule
from ledger.supply.conversions import PRODUCTS
from ledger.supply.geo import validate_plot_geometry, validate_point
from ledger.supply.identifiers import validate_siniiga_hive_id
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
    municipality: str | None = Field(default=None, max_length=100)
    landscape: str | None = Field(default=None, max_length=100)

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
    municipality: str | None = Field(default=None, max_length=100)
    landscape: str | None = Field(default=None, max_length=100)

    @field_validator("siniiga_ids")
    @classmethod
    def _siniiga(cls, values: list[str]) -> list[str]:
        for value in values:
            validate_siniiga_hive_id(value)
        if len(set(values)) != len(values):
            raise ValueError("hive ids repeat")
        return values


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
    doc = body.model_dump()
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
    rule(
        len(body.siniiga_ids) <= body.hive_count,
        f"{len(body.siniiga_ids)} hive ids for {body.hive_count} hives",
        "siniiga_ids",
    )
    doc = body.model_dump()
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
