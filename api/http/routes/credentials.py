"""Producer credentials over HTTP: the associations' status lists and a public verifier.

`GET /api/v1/credentials/status/{org_id}` is the W3C Bitstring Status List a credential's
`credentialStatus` points to, signed by the log operator at each request and derived from the
association's signed `credential.revoked` entries. `POST /api/v1/credentials/verify` checks a
credential completely (signature, the log evidence against this log's key, revocation) and
answers what it proves; anyone may call it, and nothing sent is kept.

Issuing stays with the association's own key (`biotraza credential issue`): the server never
holds it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from api.http.body import JsonBody
from api.http.deps import ServiceDep
from api.http.responses import error_responses
from api.services.credentials import status_list, verify_here
from api.services.labels import resolver_host
from api.services.ledger import LedgerService
from api.services.placeholders import PlaceholderNameError
from verifiers.errors import CredentialError

__all__ = ["router", "status_host"]

router = APIRouter(prefix="/api/v1/credentials", tags=["credentials"])

OrgPath = Annotated[
    str, Path(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$", description="The association's org id.")
]


def status_host(service: LedgerService, request: Request) -> str:
    """The host status-list URLs name: the recorded resolver host (what ``credential issue``
    uses), else the host this request reached."""
    try:
        return resolver_host(service)
    except PlaceholderNameError:
        return request.url.netloc


@router.get(
    "/status/{org_id}",
    responses=error_responses(404, r404="No such organization, or no operator key here."),
)
def get_status_list(org_id: OrgPath, request: Request, service: ServiceDep) -> dict[str, Any]:
    """The association's `BitstringStatusListCredential` (revocation), signed by the log
    operator's key (the key of `GET /api/v1/log`) with `eddsa-jcs-2022`."""
    return status_list(service, org_id, status_host(service, request))


@router.post(
    "/verify",
    responses=error_responses(
        400, 422, r422="The credential does not verify; `fields` names the member at fault."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def post_verify(payload: JsonBody, service: ServiceDep) -> dict[str, Any]:
    """Verify a production-history credential against this log: its `eddsa-jcs-2022` proof,
    the checkpoint and every inclusion proof it carries, the issuer's registered key, and
    whether the association revoked it. Body: the credential JSON."""
    if not isinstance(payload, dict):
        raise CredentialError("body", "a credential is a JSON object")
    verdict = verify_here(service, payload)
    return {"valid": True, **asdict(verdict)}
