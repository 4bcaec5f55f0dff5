"""EPCIS 2.0 capture and re-export of captured partner events.

`POST /api/v1/epcis/capture` takes the same signed statement as `POST /api/v1/entries`, of type
`epcis.events.captured`, whose body holds the partner's EPCIS document and the event hash of
each event. Before anything is appended the document is validated against the EPCIS 2.0.1 JSON
Schema with format checking: an invalid document answers 422 with one `fields` item per schema
error, its `field` the JSON path (`statement.body.document.epcisBody.eventList.0.bizStep`). The
ledger then re-checks schema and hashes itself, so a forged hash is refused (409, naming
`statement.body.event_hashes.<i>`).

Bounds (issue 15 #17): a document may hold at most `BIOTRAZA_EPCIS_MAX_EVENTS` events (422
naming `statement.body.document.epcisBody.eventList`), on top of the request size limit; events
that name no lot of the ledger are refused (409) unless the signed body sets
`allow_unrelated: true`. `?dry_run=true` answers 200 with what the capture would record
(counts by event type and lot) and refuse (by reason, with event indexes), appending nothing.

`GET /api/v1/epcis/captures/{capture_id}` answers the captured document as stored (JSON-LD):
its events hash exactly as when they were captured.

Left out: EPCIS's asynchronous capture jobs (`202` + `/capture/{id}` polling): a capture here
is one ledger entry, appended before the answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from api.http.body import JsonBody
from api.http.deps import ServiceDep, SettingsDep
from api.http.entry_schemas import signed_statement_ref
from api.http.responses import error_responses, json_body
from api.http.schemas import EntryPublic
from api.services.epcis_import import checked_document, plan_import
from api.services.ledger import LedgerService
from ledger.chain import authenticate, parse_statement
from ledger.errors import EntryNotFoundError, SchemaError
from ledger.statements import SignedStatement
from ledger.timing import next_log_time
from verifiers.epcis.capture import CAPTURE_KIND, CAPTURE_TYPE, EVENT_KIND, check_capture_document
from verifiers.epcis.event_hash import document_events
from verifiers.epcis.relation import LotIndex

__all__ = ["captured_document", "precheck_capture", "router"]

router = APIRouter(prefix="/api/v1/epcis", tags=["epcis"])

IdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]


def precheck_capture(signed: SignedStatement, max_events: int | None = None) -> list[str]:
    """Check a capture statement's type, event count and document before the ledger.

    Returns:
        The document's event hashes.

    Raises:
        SchemaError: wrong entry type, no document object, more than ``max_events`` events,
            or a document the EPCIS 2.0.1 schema rejects (one field per schema error).
    """
    statement = signed.statement
    if statement.type != CAPTURE_TYPE:
        raise SchemaError(
            f"expected a {CAPTURE_TYPE} statement",
            [("statement.type", f"must be {CAPTURE_TYPE}")],
        )
    document = statement.body.get("document")
    if not isinstance(document, dict):
        raise SchemaError(
            "the body needs the EPCIS document as an object",
            [("statement.body.document", "expected an EPCIS document object")],
        )
    if max_events is not None:
        try:
            count = len(document_events(document))
        except ValueError:
            count = 0  # the schema check below names the problem
        if count > max_events:
            raise SchemaError(
                f"the document has {count} events, over the limit of {max_events}",
                [
                    (
                        "statement.body.document.epcisBody.eventList",
                        f"at most {max_events} events (BIOTRAZA_EPCIS_MAX_EVENTS)",
                    )
                ],
            )
    return check_capture_document(document, "statement.body.document.")


def capture_plan(
    service: LedgerService, signed: SignedStatement, max_events: int
) -> dict[str, Any]:
    """What capturing this (pre-checked) statement would record and refuse, as JSON data.

    The signer is checked as an append would check it (key, role, signature): a dry run
    answers only for statements the ledger could accept from their signer.
    """
    body = signed.statement.body
    with service.store.read_state() as state:
        now = next_log_time(service.clock, None)
        authenticate(signed, state, parse_statement(signed, service.registry), now)
        plan = plan_import(
            checked_document(body["document"]),
            body["document"],
            max_events=max_events,
            lots=LotIndex(state),
            captured_in=lambda digest: (state.get(EVENT_KIND, digest) or {}).get("capture_id"),
            allow_unrelated=body.get("allow_unrelated") is True,
        )
    return plan.as_dict()


def captured_document(service: LedgerService, capture_id: str) -> dict[str, Any]:
    """The EPCIS document of a capture, read back from its ledger entry.

    Raises:
        EntryNotFoundError: no capture with that id.
    """
    doc = service.store.state_get(CAPTURE_KIND, capture_id)
    if doc is None:
        raise EntryNotFoundError(f"no EPCIS capture {capture_id!r}")
    document: dict[str, Any] = service.entry(int(doc["seq"])).statement.body["document"]
    return document


@router.post(
    "/capture",
    status_code=201,
    responses={
        200: {"description": "Idempotent replay (already in the ledger), or the dry run plan."},
        **error_responses(
            400,
            403,
            409,
            413,
            422,
            r409="A hash does not match, an event was captured before, or the id is taken; "
            "`fields` names it.",
            r422="Not an `epcis.events.captured` statement, a bad signature, or a document the "
            "EPCIS 2.0.1 schema rejects (`fields`: JSON paths).",
        ),
    },
    openapi_extra=json_body(signed_statement_ref(CAPTURE_TYPE)),
)
def capture(
    payload: JsonBody,
    response: Response,
    service: ServiceDep,
    settings: SettingsDep,
    dry_run: Annotated[
        bool, Query(description="Answer what would be recorded and refused; append nothing.")
    ] = False,
) -> dict[str, Any]:
    """Capture a partner's EPCIS 2.0 document as a ledger entry signed by an organization.

    The body is `{"statement": {"type": "epcis.events.captured", "body": {"capture_id",
    "document", "event_hashes"}, …}, "sig": …}`. The answer is the entry plus the capture's
    event hashes. Validation and the append run in the threadpool (a plain ``def``).
    """
    signed = SignedStatement.from_dict(payload)
    hashes = precheck_capture(signed, settings.epcis_max_events)
    if dry_run:
        response.status_code = 200
        plan = capture_plan(service, signed, settings.epcis_max_events)
        return {"capture_id": signed.statement.body.get("capture_id"), "dry_run": True, **plan}
    result = service.submit(signed)
    if not result.created:
        response.status_code = 200
    return {
        "capture_id": signed.statement.body.get("capture_id"),
        "event_hashes": hashes,
        "entry": EntryPublic.from_entry(result.entry).model_dump(),
    }


@router.get(
    "/captures/{capture_id}",
    response_class=JSONResponse,
    responses={
        200: {
            "description": "The EPCIS 2.0 document (JSON-LD).",
            "content": {"application/ld+json": {"schema": {"type": "object"}}},
        },
        **error_responses(404, r404="No such capture."),
    },
)
def get_capture(service: ServiceDep, capture_id: IdPath) -> JSONResponse:
    """The captured EPCIS document as stored; its events hash as when they were captured."""
    return JSONResponse(captured_document(service, capture_id), media_type="application/ld+json")
