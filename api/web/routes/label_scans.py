"""`GET /api/v1/labels/{seq}/scans`: the label office's scan statistics and alarms.

Served beside the resolver (it reads the resolver's scan tallies), under the API's prefix and
tag. Public like the resolver page, which already shows a label's scans and alarm.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.http.body import StrictJsonRoute
from api.http.deps import ServiceDep
from api.http.responses import error_responses
from api.http.schemas import MAX_SEQ
from api.web.label_scans import issuance_scans
from api.web.state import WebStateDep

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["labels"], route_class=StrictJsonRoute)


@router.get("/labels/{seq:int}/scans", responses=error_responses(404))
def get_label_scans(
    service: ServiceDep, web: WebStateDep, seq: Annotated[int, Path(ge=1, le=MAX_SEQ)]
) -> dict[str, Any]:
    """Scan statistics of an issuance's labels (per unit serial): scans, distinct places and
    recent devices, and the copied-label alarm the resolver shows."""
    return issuance_scans(service, web.recorder, seq)
