"""Producer credentials over HTTP: the associations' status lists and a public verifier.

`GET /api/v1/credentials/status/{org_id}` is the W3C Bitstring Status List a credential's
`credentialStatus` points to, signed by the log operator at each request and derived from the
association's signed `credential.revoked` entries. `POST /api/v1/credentials/verify` checks a
credential completely (signature, the log evidence against this log's key, revocation) and
answers what it proves; anyone may call it, and nothing sent is kept.

Issuing stays with the association's own key, which the server never holds: either
`biotraza credential issue` on the association's machine, or over HTTP in two steps —
`GET /api/v1/credentials/draft/{producer_id}` (a read signed by the association's key) answers
the unsigned credential; the association signs it and its `credential.issued` statement, and
`POST /api/v1/credentials` records the statement only if the pair checks (the office screen
of the web app does this). `POST /api/v1/credentials/pdf` prints a valid credential.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response

from api.http.body import JsonBody
from api.http.deps import BlobsDep, ServiceDep
from api.http.responses import binary, error_responses, json_body
from api.services.credentials import (
    draft_credential,
    issued_body,
    record_signed_credential,
    status_list,
    verify_here,
)
from api.services.labels import resolver_host
from api.services.ledger import LedgerService
from api.services.placeholders import PlaceholderNameError
from api.services.signed_reads import authenticate_read
from ledger.errors import EntryNotFoundError
from ledger.keys import decode_public_key
from ledger.read_auth import ReadForbiddenError
from verifiers.errors import CredentialError

__all__ = ["router", "status_host"]

router = APIRouter(prefix="/api/v1/credentials", tags=["credentials"])

ProducerPath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="The producer's id.")
]
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
    openapi_extra=json_body({"type": "object"}),
)
def post_verify(payload: JsonBody, service: ServiceDep) -> dict[str, Any]:
    """Verify a production-history credential against this log: its `eddsa-jcs-2022` proof,
    the checkpoint and every inclusion proof it carries, the issuer's registered key, and
    whether the association revoked it. Body: the credential JSON."""
    if not isinstance(payload, dict):
        raise CredentialError("body", "a credential is a JSON object")
    verdict = verify_here(service, payload)
    return {"valid": True, **asdict(verdict)}


_CREDENTIAL_BODY = json_body({"type": "object"})


@router.get(
    "/draft/{producer_id}",
    responses=error_responses(
        401,
        403,
        404,
        r401="No valid signed read for this method and path (`WWW-Authenticate: Biotraza-Read`).",
        r403="The signing key is not the active key of the producer's association.",
    ),
)
def get_draft(
    producer_id: ProducerPath,
    request: Request,
    response: Response,
    service: ServiceDep,
    with_name: Annotated[
        bool, Query(description="Show the name, still only with the producer's consent.")
    ] = True,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """The unsigned credential of a member, for a read signed by its association's key
    (`Authorization: Biotraza-Read`, over this method, path and query). Sign it with
    `eddsa-jcs-2022` and sign `statement_body` as `credential.issued`, then `POST
    /api/v1/credentials`. Takes a fresh checkpoint when this server holds the operator key.
    Never cached."""
    response.headers["Cache-Control"] = "no-store"
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    key = authenticate_read(service, authorization, path)
    producer = service.store.state_get("producer", producer_id)
    if producer is None:
        raise EntryNotFoundError(f"no producer {producer_id!r}")
    if key["role"] != "association" or (key.get("scope") or {}).get("org_id") != producer["org_id"]:
        raise ReadForbiddenError(
            f"key {key['key_id']} ({key['role']}) is not the key of {producer['org_id']}"
        )
    draft = draft_credential(
        service,
        producer_id,
        producer["org_id"],
        decode_public_key(key["public_key"]),
        host=status_host(service, request),
        with_name=with_name,
    )
    return {"credential": draft, "statement_body": issued_body(draft)}


@router.post(
    "",
    status_code=201,
    responses={
        200: {"description": "Idempotent replay: this issuance is already recorded."},
        **error_responses(
            400,
            403,
            409,
            422,
            r409="The ledger refused the statement (status index taken, id reused).",
            r422="The credential does not verify, differs from the ledger, or does not match "
            "its statement; `fields` names the member at fault.",
        ),
    },
    openapi_extra=json_body(
        {
            "type": "object",
            "required": ["credential", "statement"],
            "additionalProperties": False,
            "properties": {
                "credential": {"type": "object"},
                "statement": {"type": "object"},
            },
        }
    ),
)
def post_credential(payload: JsonBody, response: Response, service: ServiceDep) -> dict[str, Any]:
    """Record a credential the association signed elsewhere. Body: `{"credential": {the
    signed credential}, "statement": {the signed credential.issued statement}}`. The
    credential itself is not kept: the association hands it to the producer."""
    if not isinstance(payload, dict) or set(payload) != {"credential", "statement"}:
        raise CredentialError("body", "expected an object with credential and statement")
    credential = payload["credential"]
    if not isinstance(credential, dict):
        raise CredentialError("credential", "a credential is a JSON object")
    result = record_signed_credential(service, credential, payload["statement"])
    if not result.created:
        response.status_code = 200
    return {
        "credential_id": credential["id"],
        "seq": result.entry.seq,
        "entry_hash": result.entry.entry_hash.hex(),
    }


@router.post(
    "/pdf",
    response_class=Response,
    responses={
        200: binary(
            "application/pdf",
            "The one-page constancia (Spanish or English) with its QR and who signed it.",
        ),
        **error_responses(400, 422, r422="The credential does not verify against this log."),
    },
    openapi_extra=_CREDENTIAL_BODY,
)
def post_pdf(
    payload: JsonBody,
    request: Request,
    service: ServiceDep,
    blobs: BlobsDep,
    lang: Annotated[str, Query(pattern=r"^(es|en)$", description="es or en")] = "es",
) -> Response:
    """The printable constancia of a valid credential, in Spanish or English, naming who
    signed it: the association and any certifier that co-signed it (`credential cosign`),
    as verified here. The credential is stored under its SHA-256 (unguessable, never listed)
    so that the QR opens the verifier page on it, as `biotraza credential issue --pdf` does."""
    from api.exports.credential_pdf import credential_pdf
    from ledger.canonical import canonicalize

    if not isinstance(payload, dict):
        raise CredentialError("body", "a credential is a JSON object")
    verdict = verify_here(service, payload)
    digest = blobs.put_bytes(canonicalize(payload)).sha256
    host = status_host(service, request)
    url = f"https://{host}/credentials/verify?sha256={digest}"
    document = credential_pdf(payload, url, verdict.signers, lang)
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="constancia.pdf"'},
    )
