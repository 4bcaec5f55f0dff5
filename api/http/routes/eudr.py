"""EUDR due diligence statements of a lot over HTTP (coffee, cacao).

`GET /api/v1/lots/{lot_id}/eudr/check` says which origin plots the EU system would accept and
what statements a DDS needs (honey: a plain "not an EUDR commodity" answer);
`POST /api/v1/lots/{lot_id}/eudr/dds` builds the V3 `submitDds` request(s) from the options in
the body; `POST /api/v1/lots/{lot_id}/eudr/package` answers the whole DDS package as a ZIP;
`POST /api/v1/lots/{lot_id}/eudr/screen` answers the deforestation risk report of the lot
against forest maps named within the server's `BIOTRAZA_FOREST_LAYERS_DIR` (the package takes
the same `forest_layers` member; a client never sends a filesystem path);
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
from api.eudr.screen import ScreenFiles, screen_lot, server_layers
from api.http.body import StrictJsonRoute
from api.http.deps import ServiceDep, SettingsDep
from api.http.responses import binary, error_responses
from api.services.ledger import LedgerService
from api.settings import Settings
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


LayerName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")]


class ForestLayersBody(BaseModel):
    """Forest maps by file name within the server's ``BIOTRAZA_FOREST_LAYERS_DIR``."""

    model_config = ConfigDict(extra="forbid")

    baseline: LayerName = Field(description="Forest cover on 31/12/2020, e.g. a JRC GFC2020 tile")
    loss: list[LayerName] = Field(
        default_factory=list, max_length=20,
        description="Loss-year GeoTIFFs or dated loss GeoJSON",
    )  # fmt: skip
    loss_mask: list[LayerName] = Field(
        default_factory=list, max_length=20,
        description="GeoTIFFs whose non-zero pixels are loss after 31/12/2020",
    )  # fmt: skip

    def files(self, settings: Settings) -> ScreenFiles:
        """The named files in the configured folder (422 naming the member otherwise)."""
        return server_layers(settings.forest_layers_dir, self.baseline, self.loss, self.loss_mask)


class ScreenRequestBody(BaseModel):
    """The maps to screen the lot's origin plots against."""

    model_config = ConfigDict(extra="forbid")

    forest_layers: ForestLayersBody


class PackageRequestBody(DdsRequestBody):
    """The statement options, and the forest maps for the risk report (optional)."""

    forest_layers: ForestLayersBody | None = None


def _known_lot(service: LedgerService, lot_id: str) -> None:
    if service.store.state_get("lot", lot_id) is None:
        raise EntryNotFoundError(f"no lot {lot_id!r}")


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
def eudr_package(
    service: ServiceDep, settings: SettingsDep, lot_id: LotPath, request: PackageRequestBody
) -> Response:
    """GeoJSON file(s), DDS request(s), trail bundle and summary of the lot, in one ZIP; with
    `forest_layers`, the deforestation risk report too (JSON, es and en text)."""
    values = request.model_dump(exclude={"forest_layers"})
    values["grouped"] = tuple(values["grouped"])
    layers = request.forest_layers
    forest = None
    if layers is not None:
        _known_lot(service, lot_id)  # an unknown lot is a 404 whatever the layers
        forest = layers.files(settings)
    data = build_package(service, lot_id, DdsOptions(**values), forest=forest,
                         forest_field_prefix="forest_layers.")  # fmt: skip
    return Response(
        data,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{lot_id}-eudr.zip"'},
    )


@router.post(
    "/lots/{lot_id}/eudr/screen",
    responses=error_responses(
        404, 422,
        r422="Not an EUDR commodity, no origin plots, no forest layers configured, or a "
        "layer unknown or unusable (the field names it).",
    ),
)  # fmt: skip
def eudr_screen(
    service: ServiceDep, settings: SettingsDep, lot_id: LotPath, request: ScreenRequestBody
) -> dict[str, Any]:
    """Deforestation risk report: each origin plot's forest share on 31/12/2020 and any
    loss after it; plots that need attention first, with reasons in Spanish and English."""
    _known_lot(service, lot_id)
    files = request.forest_layers.files(settings)
    return screen_lot(service, lot_id, files, field_prefix="forest_layers.")


@router.get("/lots/{lot_id}/eudr/statements", responses=error_responses(404))
def eudr_statements(service: ServiceDep, lot_id: LotPath) -> dict[str, Any]:
    """Statements recorded on the lot: identifier, status, reference and verification numbers."""
    _known_lot(service, lot_id)
    found = statements(service, lot_id)
    return {"lot_id": lot_id, "data": found, "count": len(found)}
