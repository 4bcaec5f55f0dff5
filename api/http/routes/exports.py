"""Auditor exports of a lot's trail over HTTP, streamed.

`GET /api/v1/lots/{lot_id}/trail?format=bundle|epcis|csv|eudr-geojson|svg` answers with the
file in the requested format. Every check that can refuse an export runs before the first
byte is sent, so refusals are ordinary 4xx error envelopes; the body itself is streamed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from api.exports.base import ExportRequest
from api.exports.registry import FORMATS, export_format, trail_media_types
from api.http.deps import ServiceDep
from api.http.responses import error_responses

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["exports"])

LotPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,80}$")]


@router.get(
    "/lots/{lot_id}/trail",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The trail as a download, in the requested format.",
            "content": trail_media_types(),
        },
        **error_responses(404, 422, r422="Unknown format, or the lot cannot be exported so."),
    },
)
def lot_trail(
    service: ServiceDep,
    lot_id: LotPath,
    format: Annotated[  # noqa: A002 - the public query parameter is called `format`
        str,
        Query(
            pattern=r"^[a-z0-9-]{1,32}$",
            json_schema_extra={"enum": sorted(FORMATS)},
            description="bundle (default), epcis, csv, eudr-geojson or svg",
        ),
    ] = "bundle",
    bom: Annotated[bool, Query(description="CSV: start with a UTF-8 BOM for Excel")] = False,
    producer_names: Annotated[
        bool, Query(description="EUDR: name consenting producers instead of the association")
    ] = False,
) -> StreamingResponse:
    """A lot's chain of custody in one of the auditor formats, as a download."""
    fmt = export_format(format)
    request = ExportRequest(lot_id=lot_id, excel_bom=bom, producer_names=producer_names)
    chunks = fmt.export(service, request)
    filename = f"{lot_id}-trail{fmt.suffix}"
    return StreamingResponse(
        chunks,
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
