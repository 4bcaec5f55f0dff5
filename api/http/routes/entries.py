"""Ledger entries: submit a signed statement, read entries and the chain head."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from api.http.body import JsonBody
from api.http.deps import ServiceDep
from api.http.schemas import MAX_SEQ, EntriesPublic, EntryPublic, HeadPublic
from ledger.statements import SignedStatement

__all__ = ["inline_schema", "router"]


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema with its ``$defs`` inlined.

    ``openapi_extra`` is pasted into the OpenAPI document as is, where ``#/$defs/…`` would
    point at the document root; inlining keeps every reference resolvable.
    """
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


router = APIRouter(prefix="/api/v1", tags=["entries"])

MAX_PAGE = 1000


@router.post(
    "/entries",
    response_model=EntryPublic,
    status_code=201,
    responses={
        200: {"description": "Idempotent replay: this signed statement is already entry N."},
        400: {"description": "Malformed JSON."},
        403: {"description": "Unknown, revoked or unauthorized key."},
        409: {"description": "Nonce reused for another statement, or a domain rule refused it."},
        413: {"description": "Body over the size limit."},
        422: {"description": "Schema error or bad signature; `fields` names each bad field."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(SignedStatement)}},
        }
    },
)
def submit_entry(payload: JsonBody, response: Response, service: ServiceDep) -> EntryPublic:
    """Append a signed statement to the ledger.

    The body is `{"statement": {...}, "sig": "<base64url Ed25519 signature>"}`. Sending the
    same signed statement again is safe: the answer is the entry it already became, with
    status 200 instead of 201.

    A plain ``def``: the body is read on the event loop (``JsonBody``), and the append, which
    may wait for the ledger's write lock, runs in the threadpool, so the worker keeps
    answering other requests meanwhile.
    """
    signed = SignedStatement.from_dict(payload)
    result = service.submit(signed)
    if not result.created:
        response.status_code = 200
    return EntryPublic.from_entry(result.entry)


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
    "/entries/{seq}", response_model=EntryPublic, responses={404: {"description": "No such entry."}}
)
def get_entry(service: ServiceDep, seq: Annotated[int, Path(ge=0, le=MAX_SEQ)]) -> EntryPublic:
    """One entry by sequence number."""
    return EntryPublic.from_entry(service.entry(seq))


@router.get("/head", response_model=HeadPublic)
def get_head(service: ServiceDep) -> HeadPublic:
    """The chain head: how many entries there are and the hash of the last one."""
    head = service.head()
    return HeadPublic(size=head.size, head_hash=head.last_hash.hex())
