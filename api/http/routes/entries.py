"""Ledger entries: submit a signed statement, read entries and the chain head."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.http.body import read_json_body
from api.http.deps import ServiceDep
from api.http.device_refusals import noting_refusal
from api.http.entry_schemas import signed_statement_ref
from api.http.responses import error_responses
from api.http.schemas import MAX_SEQ, EntriesPublic, EntryPublic, HeadPublic
from api.services.ledger import LedgerService
from ledger.statements import SignedStatement

__all__ = ["router"]


router = APIRouter(prefix="/api/v1", tags=["entries"])

MAX_PAGE = 1000


@router.post(
    "/entries",
    response_model=EntryPublic,
    status_code=201,
    responses={
        200: {"description": "Idempotent replay: this signed statement is already entry N."},
        **error_responses(
            400,
            403,
            409,
            413,
            422,
            r400="Malformed JSON.",
            r409="Nonce reused for another statement, or a domain rule refused it.",
            r422="Schema error or bad signature; `fields` names each bad field.",
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": signed_statement_ref()}},
        }
    },
)
async def submit_entry(request: Request) -> Response:
    """Append a signed statement to the ledger.

    The body is `{"statement": {...}, "sig": "<base64url Ed25519 signature>"}`. Sending the
    same signed statement again is safe: the answer is the entry it already became, with
    status 200 instead of 201. A statement signed by a field device and refused is also kept
    for its association's office (`GET /api/v1/orgs/{org_id}/device-refusals`).

    The hottest route, so it does only what it must on the event loop: it reads the body
    itself (no per-request dependency resolution) and parses it strictly; the append, which
    may wait for the ledger's write lock, and the answer's serialization run in one hop on
    the loop's own executor — cheaper than anyio's worker threads, and apart from them, so
    appends queued on the write lock never take the threads that the (sync) read routes
    need; the JSON goes out as bytes (``response_model`` documents it; FastAPI does not
    re-validate a ``Response``). docs/performance.md, "HTTP appends", has the measurements.
    """
    payload = await read_json_body(request)
    service: LedgerService = request.app.state.service
    loop = asyncio.get_running_loop()
    status, body = await loop.run_in_executor(None, _append, service, payload)
    return Response(body, status_code=status, media_type="application/json")


def _append(service: LedgerService, payload: object) -> tuple[int, bytes]:
    """Admit ``payload``: (201, the new entry) or, on an idempotent replay, (200, the entry it
    already became)."""
    signed = SignedStatement.from_dict(payload)
    with noting_refusal(service, signed):
        result = service.submit(signed)
    answer = EntryPublic.from_entry(result.entry).model_dump_json().encode()
    return (201 if result.created else 200), answer


@router.get("/entries", response_model=EntriesPublic)
def list_entries(
    service: ServiceDep,
    start: Annotated[int, Query(ge=0, le=MAX_SEQ, description="First seq to return.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size.")] = 100,
) -> EntriesPublic:
    """Entries in seq order from `start`. Follow `next_start` to page through the ledger."""
    entries = service.entries(start, limit)
    size = service.head().size
    next_start = start + len(entries) if start + len(entries) < size else None
    return EntriesPublic(
        data=[EntryPublic.from_entry(e) for e in entries],
        count=len(entries),
        start=start,
        next_start=next_start,
    )


@router.get(
    "/entries/{seq}",
    response_model=EntryPublic,
    responses=error_responses(404, r404="No such entry."),
)
def get_entry(service: ServiceDep, seq: Annotated[int, Path(ge=0, le=MAX_SEQ)]) -> EntryPublic:
    """One entry by sequence number."""
    return EntryPublic.from_entry(service.entry(seq))


@router.get("/head", response_model=HeadPublic)
def get_head(service: ServiceDep) -> HeadPublic:
    """The chain head: how many entries there are and the hash of the last one."""
    head = service.head()
    return HeadPublic(size=head.size, head_hash=head.last_hash.hex())
