"""Standards, evidence, verifications and lot eligibility.

Writes (publishing a standard, recording evidence, accrediting, issuing or revoking a
verification) are signed statements sent to `POST /api/v1/entries`. `POST /api/v1/evaluations`
is a dry run: it evaluates the recorded evidence exactly as the ledger will when the
certifier's `verification.issued` arrives, and returns the findings to sign: version 1 over
every recorded evidence, or version 2 over exactly the `evidence_ids` listed (what a
certifier signing offline previews once it has signal).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from api.http.body import StrictJsonRoute
from api.http.deps import BlobsDep, ServiceDep
from api.http.responses import error_responses
from api.services.certification import (
    eligibility,
    evaluation_body,
    published_standards,
    resolve_standard,
    standard_diff,
)
from api.services.inspection import inspection_plan
from api.services.supply import document, documents
from ledger.supply.common import Day, Id

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["certification"], route_class=StrictJsonRoute)

IdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,80}$")]


@router.get("/standards")
def list_standards(service: ServiceDep) -> dict[str, Any]:
    """Every standard version published in the ledger."""
    found = published_standards(service)
    return {"data": found, "count": len(found)}


@router.get("/standards/{ref}", responses=error_responses(404))
def get_standard(service: ServiceDep, ref: IdPath) -> dict[str, Any]:
    """A published standard by `id` (latest), `id@version` or hash, with its criteria."""
    digest, standard = resolve_standard(service, ref)
    return {"hash": digest, **standard.to_dict()}


@router.get("/standards/{a}/diff/{b}", responses=error_responses(404))
def diff_standards_route(service: ServiceDep, a: IdPath, b: IdPath) -> dict[str, Any]:
    """What changed between two standard versions, criterion by criterion."""
    changes = standard_diff(service, a, b)
    return {"from": a, "to": b, "changes": changes, "count": len(changes)}


_PLOT_01: list[JsonValue] = [f"cs-ev-01-{k:02d}" for k in range(1, 11)]
_EXAMPLE: dict[str, JsonValue] = {
    "standard": "coffee-ab@1",
    "association_id": "cafe-sierra",
    "scope": {"products": ["coffee"], "plots": ["cs-plot01"]},
    "as_of": "2026-01-23",
}


class EvaluationRequest(BaseModel):
    """A dry-run evaluation: which standard, whose subjects, as of when, and on which
    evidence (version 2) or all recorded evidence (version 1)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                _EXAMPLE,
                {**_EXAMPLE, "evidence_ids": ["cs-ev-org-organic", *_PLOT_01]},
                {**_EXAMPLE, "findings_version": 2},
            ]
        },
    )

    standard: str = Field(description="hash, id@version or id (latest)")
    association_id: str
    scope: dict[str, Any]
    as_of: Day
    findings_version: Literal[2] | None = Field(
        default=None,
        description="2: exactly evidence_ids, findings cite evidence_id; without "
        "evidence_ids, every evidence about the subjects observed by as_of, in ledger order "
        "(the list is answered). Absent: version 1 (every evidence recorded about the "
        "subjects, findings cite evidence_seq) unless evidence_ids is given. As in the "
        "entry, version 1 is the key's absence",
    )
    evidence_ids: list[Id] | None = Field(
        default=None,
        max_length=100_000,
        json_schema_extra={"uniqueItems": True},
        description="version 2: the evidence to evaluate, in the order the verification "
        "will list it (on the same observed_on day the later one decides); each id must be "
        "recorded and about a subject of the scope (else 409 naming evidence_ids.<i>)",
    )


@router.post("/evaluations", responses=error_responses(404, 409, 422))
def post_evaluation(service: ServiceDep, request: EvaluationRequest) -> dict[str, Any]:
    """Evaluate evidence against a standard without recording anything. The answer holds
    the fields a `verification.issued` body signs (for version 2 also `findings_version` and
    `evidence_ids`); the ledger recomputes exactly these findings when the signed body
    arrives. An unknown evidence id or one about a subject outside the scope is a 409
    `rule_violation`, an id listed twice a 422 `schema_error`, each naming
    `evidence_ids.<i>`."""
    return evaluation_body(
        service,
        standard_ref=request.standard,
        association_id=request.association_id,
        scope=request.scope,
        as_of=request.as_of,
        findings_version=request.findings_version,
        evidence_ids=request.evidence_ids,
    )


@router.get("/inspection-plans/{association_id}", responses=error_responses(404, 422))
def get_inspection_plan(
    service: ServiceDep,
    association_id: IdPath,
    standard: Annotated[
        str, Query(min_length=1, max_length=100, description="id@version, id or hash")
    ],
    product: Annotated[str, Query(min_length=1, max_length=32)],
) -> dict[str, Any]:
    """What a certifier inspects at an association, for the browser to keep offline: the
    standard in full and its hash, the criteria per plot/apiary/lot/association (es/en, field,
    unit, threshold, guidance) with the subjects they apply to, the evidence already recorded
    about them and the accreditations for the standard."""
    return inspection_plan(
        service, standard_ref=standard, association_id=association_id, product=product
    )


@router.get("/evidence/{evidence_id}", responses=error_responses(404))
def get_evidence(service: ServiceDep, blobs: BlobsDep, evidence_id: IdPath) -> dict[str, Any]:
    """One recorded measurement or declaration; each attached file with its download URL and
    whether this server holds it (`stored`)."""
    doc = document(service, "evidence", evidence_id)
    for attachment in doc.get("attachments", []):
        attachment["stored"] = blobs.exists(attachment["sha256"])
        attachment["url"] = f"/api/v1/blobs/{attachment['sha256']}"
    return doc


@router.get("/accreditations")
def list_accreditations(service: ServiceDep) -> dict[str, Any]:
    """Accredited certification bodies, their scope, validity and status history."""
    found = documents(service, "accreditation")
    return {"data": found, "count": len(found)}


@router.get("/verifications")
def list_verifications(
    service: ServiceDep,
    association_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> dict[str, Any]:
    """Verifications (certificates), optionally by association or status."""
    found = documents(service, "verification", association_id=association_id, status=status)
    return {"data": found, "count": len(found)}


@router.get("/verifications/{verification_id}", responses=error_responses(404))
def get_verification(service: ServiceDep, verification_id: IdPath) -> dict[str, Any]:
    """One verification: certifier, scope, standard hash, findings, result, validity, status."""
    return document(service, "verification", verification_id)


@router.get("/lots/{lot_id}/eligibility", responses=error_responses(404))
def get_eligibility(service: ServiceDep, lot_id: IdPath) -> dict[str, Any]:
    """Whether the lot may carry the biolabel now, and every reason why not (es/en)."""
    return eligibility(service, lot_id).to_dict()
