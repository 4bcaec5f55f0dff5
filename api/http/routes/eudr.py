"""EUDR due diligence statements of a lot over HTTP (coffee, cacao).

`GET /api/v1/lots/{lot_id}/eudr/check` says which origin plots the EU system would accept and
what statements a DDS needs (honey: a plain "not an EUDR commodity" answer);
`POST /api/v1/lots/{lot_id}/eudr/dds` builds the V3 `submitDds` request(s) from the options in
the body; `POST /api/v1/lots/{lot_id}/eudr/package` answers the whole DDS package as a ZIP;
`GET /api/v1/lots/{lot_id}/eudr/statements` lists the statements recorded on the lot
(`eudr.dds_recorded`: identifier, status, reference and verification numbers). Submitting to
the EU system needs the operator's credentials and signing key, so it is the CLI's job
(`biotraza eudr submit`), not the server's.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.eudr.dds import DdsOptions, build_dds, check_lot
from api.eudr.package import MEDIA_TYPE, build_package
from api.eudr.record import statements
from api.http.body import StrictJsonRoute
from api.http.deps import ServiceDep
from api.http.responses import binary, error_responses
from ledger.errors import EntryNotFoundError

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["eudr"], route_class=StrictJsonRoute)

LotPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,80}$")]


class DdsRequestBody(BaseModel):
    """What the exporter says about the statement; the ledger supplies plots and quantities."""

    model_config = ConfigDict(extra="forbid")

    activity_type: Literal["IMPORT", "EXPORT", "DOMESTIC"] = "IMPORT"
    country_of_activity: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    border_cross_country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    represented_name: str | None = Field(default=None, min_length=1, max_length=200)
    represented_eori: str | None = Field(default=None, pattern=r"^[A-Z]{2}[A-Za-z0-9]{1,15}$")
    internal_reference: str | None = Field(default=None, min_length=1, max_length=44)
    description: str | None = Field(default=None, min_length=1, max_length=150)
    hs_heading: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    supplementary_units: str | None = Field(default=None, pattern=r"^[0-9]{1,10}(\.[0-9]{1,6})?$")
    supplementary_qualifier: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{3,4}$")
    grouped: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,14}$")]] = Field(
        default_factory=list, max_length=2000
    )
    confidential: bool = False
    producer_names: bool = False


@router.get("/lots/{lot_id}/eudr/check", responses=error_responses(404, 422))
def eudr_check(
    service: ServiceDep,
    lot_id: LotPath,
    producer_names: Annotated[bool, Query(description="Name consenting producers")] = False,
) -> dict[str, Any]:
    """Accepted and refused origin plots (with reasons), warnings, and the statements needed;
    for a product outside the EUDR, `eudr_commodity: false` and why (es/en)."""
    return check_lot(service, lot_id, producer_names=producer_names)


@router.post(
    "/lots/{lot_id}/eudr/dds",
    responses=error_responses(
        404, 422, r422="Not an EUDR commodity, no acceptable plots, or an option refused."
    ),
)
def eudr_dds(service: ServiceDep, lot_id: LotPath, request: DdsRequestBody) -> dict[str, Any]:
    """The lot's V3 `submitDds` request(s) as XML text, with a summary of each statement."""
    values = request.model_dump()
    values["grouped"] = tuple(values["grouped"])
    plan = build_dds(service, lot_id, DdsOptions(**values))
    summary = plan.summary()
    summary["requests"] = [
        {"internal_reference": p.statement.internal_reference, "xml": p.request_xml().decode()}
        for p in plan.parts
    ]
    return summary


@router.post(
    "/lots/{lot_id}/eudr/package",
    response_class=Response,
    responses={
        200: binary(MEDIA_TYPE, "The lot's DDS package (ZIP)."),
        **error_responses(
            404,
            422,
            r422="Not an EUDR commodity, no acceptable plots, an option refused, or no "
            "checkpoint covers the trail yet.",
        ),
    },
)
def eudr_package(service: ServiceDep, lot_id: LotPath, request: DdsRequestBody) -> Response:
    """GeoJSON file(s), DDS request(s), trail bundle and summary of the lot, in one ZIP."""
    values = request.model_dump()
    values["grouped"] = tuple(values["grouped"])
    data = build_package(service, lot_id, DdsOptions(**values))
    return Response(
        data,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{lot_id}-eudr.zip"'},
    )


@router.get("/lots/{lot_id}/eudr/statements", responses=error_responses(404))
def eudr_statements(service: ServiceDep, lot_id: LotPath) -> dict[str, Any]:
    """Statements recorded on the lot: identifier, status, reference and verification numbers."""
    if service.store.state_get("lot", lot_id) is None:
        raise EntryNotFoundError(f"no lot {lot_id!r}")
    found = statements(service, lot_id)
    return {"lot_id": lot_id, "data": found, "count": len(found)}
