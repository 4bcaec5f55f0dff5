"""Ledger entries: submit a signed statement, read entries and the chain head."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from api.error_report import describe
from api.http.body import read_json_body
from api.http.deps import ServiceDep
from api.http.device_refusals import note_refusal, noting_refusal
from api.http.direct import DirectRoute
from api.http.entry_schemas import signed_statement_ref
from api.http.errors import BatchTooLargeError, error_body
from api.http.responses import ErrorDetail, error_responses, json_body
from api.http.schemas import (
    MAX_SEQ,
    BatchItemPublic,
    BatchPublic,
    EntriesPublic,
    EntryPublic,
    HeadPublic,
)
from api.services.ledger import LedgerService
from ledger.chain import AppendResult, BatchOutcome
from ledger.errors import LedgerError, SchemaError
from ledger.statements import SignedStatement

__all__ = ["BATCH_PATH", "ENTRIES_PATH", "batch_statements", "router", "submit_entry"]


router = APIRouter(prefix="/api/v1", tags=["entries"])

ENTRIES_PATH = "/api/v1/entries"
"""The append route, which ``api.app`` also answers before routing (``api.http.early_route``)."""

MAX_PAGE = 1000


async def submit_entry(request: Request) -> Response:
    """Append a signed statement to the ledger.

    The body is `{"statement": {...}, "sig": "<base64url Ed25519 signature>"}`. Sending the
    same signed statement again is safe: the answer is the entry it already became, with
    status 200 instead of 201. A statement signed by a field device and refused is also kept
    for its association's office (`GET /api/v1/orgs/{org_id}/device-refusals`).

    The hottest route, so it does only what it must on the event loop: without a query
    string it is called before routing (``api.http.early_route``), otherwise as a
    :class:`~api.http.direct.DirectRoute` (no per-request dependency solving); it reads the
    body itself and parses it strictly; the append, which
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


router.add_api_route(
    "/entries",
    submit_entry,
    methods=["POST"],
    route_class_override=DirectRoute,
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
    openapi_extra=json_body(signed_statement_ref()),
)


def _append(service: LedgerService, payload: object) -> tuple[int, bytes]:
    """Admit ``payload``: (201, the new entry) or, on an idempotent replay, (200, the entry it
    already became)."""
    signed = SignedStatement.from_dict(payload)
    with noting_refusal(service, signed):
        result = service.submit(signed)
    answer = EntryPublic.from_entry(result.entry).model_dump_json().encode()
    return (201 if result.created else 200), answer


BATCH_PATH = "/api/v1/batches"
"""The batch route, whose body limit is ``BIOTRAZA_MAX_BATCH_BYTES`` (``api.app``)."""


@router.post(
    "/batches",
    response_model=BatchPublic,
    status_code=200,
    responses={
        200: {
            "description": "Every statement's outcome, in order: appended, duplicate "
            "(a retry) or refused with the single endpoint's error."
        },
        **error_responses(
            400,
            413,
            422,
            503,
            r400="Malformed JSON.",
            r413="Body over `BIOTRAZA_MAX_BATCH_BYTES`, or more statements than "
            "`BIOTRAZA_MAX_BATCH_STATEMENTS`.",
            r422='The body is not `{"statements": [...]}`.',
            r503="Storage unavailable: nothing of the batch was recorded; send it again.",
        ),
    },
    openapi_extra=json_body(
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["statements"],
            "properties": {
                "statements": {
                    "type": "array",
                    "description": "Signed statements, in the order to append "
                    "them; at most `BIOTRAZA_MAX_BATCH_STATEMENTS` (1000).",
                    # Not the SignedStatement schema: an item that does not
                    # match it is refused on its own (a per-item 422 in the
                    # results), not the whole batch.
                    "items": {
                        "description": "A signed statement as `POST "
                        "/api/v1/entries` takes it (schema `SignedStatement`); "
                        "one that is not is refused in its result."
                    },
                }
            },
        }
    ),
)
async def submit_batch(request: Request) -> Response:
    """Append many signed statements in one request and one transaction.

    The body is `{"statements": [<signed statement>, ...]}`, each as `POST /api/v1/entries`
    takes it. Each is admitted or refused on its own, in order, so one may build on an
    earlier one (a harvest on a plot registered earlier in the batch); the admitted ones are
    committed together. Sending the same batch again is safe: what was recorded comes back
    as `duplicate` with its original seq and hash. A refused statement does not stop the
    others; one signed by a field device is kept for its association's office
    (`GET /api/v1/orgs/{org_id}/device-refusals`). If the database fails, nothing of the
    batch is recorded and the answer is 503.

    Run as ``submit_entry`` runs (body read on the loop, the append and the answer's
    serialization in one hop on the loop's executor), for the same reason: a batch waiting
    for the write lock must not take a thread the read routes need.
    """
    payload = await read_json_body(request)
    service: LedgerService = request.app.state.service
    limit = request.app.state.settings.max_batch_statements
    statements = batch_statements(payload, limit)
    loop = asyncio.get_running_loop()
    body = await loop.run_in_executor(None, _append_batch, service, statements)
    return Response(body, media_type="application/json")


def _append_batch(service: LedgerService, statements: list[SignedStatement | LedgerError]) -> bytes:
    """Admit a batch; the answer's JSON (``BatchPublic``). Each refused statement signed by a
    field device is kept for its office, as the single endpoint keeps it."""
    outcomes = service.submit_batch(statements)
    for statement, outcome in zip(statements, outcomes, strict=True):
        if isinstance(statement, SignedStatement) and isinstance(outcome, LedgerError):
            note_refusal(service, statement, outcome)
    results = [_item(index, o) for index, o in enumerate(outcomes)]
    return (
        BatchPublic(
            results=results,
            appended=sum(r.status == "appended" for r in results),
            duplicates=sum(r.status == "duplicate" for r in results),
            refused=sum(r.status == "refused" for r in results),
        )
        .model_dump_json()
        .encode()
    )


def batch_statements(payload: Any, limit: int) -> list[SignedStatement | LedgerError]:
    """The statements of a batch body, each decoded as the single endpoint decodes its body
    (or the error it would answer with).

    Raises:
        SchemaError: the body is not ``{"statements": [...]}``.
        BatchTooLargeError: more than ``limit`` statements.
    """
    if not isinstance(payload, dict) or set(payload) != {"statements"}:
        raise SchemaError(
            'a batch body is {"statements": [<signed statement>, ...]} and nothing else',
            [("statements", "required: a list of signed statements")],
        )
    items = payload["statements"]
    if not isinstance(items, list):
        raise SchemaError(
            "statements must be a list of signed statements",
            [("statements", "not a list")],
        )
    if len(items) > limit:
        raise BatchTooLargeError(limit, len(items))
    decoded: list[SignedStatement | LedgerError] = []
    for item in items:
        try:
            decoded.append(SignedStatement.from_dict(item))
        except LedgerError as exc:
            decoded.append(exc)
    return decoded


def _item(index: int, outcome: BatchOutcome) -> BatchItemPublic:
    if isinstance(outcome, AppendResult):
        return BatchItemPublic(
            index=index,
            status="appended" if outcome.created else "duplicate",
            http_status=201 if outcome.created else 200,
            entry=EntryPublic.from_entry(outcome.entry),
            error=None,
        )
    report = describe(outcome)
    detail = error_body(report.code, report.message, report.fields)["error"]
    return BatchItemPublic(
        index=index,
        status="refused",
        http_status=report.status,
        entry=None,
        error=ErrorDetail.model_validate(detail),
    )


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
