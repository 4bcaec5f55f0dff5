"""``epcis.events.captured``: a partner's EPCIS 2.0 document, kept in the ledger as signed.

An association (any registered organization's key) captures an EPCIS document it received
from a partner, or produced itself: the entry's body carries the document verbatim and the
event hash (CBV 2.0 §8.9) of each of its events. The ledger re-checks both on admission, at
append time and in every replay:

1. the document validates against the EPCIS 2.0.1 JSON Schema with format checking (422 with
   the schema's paths, ``statement.body.document.epcisBody.eventList.0.bizStep``…);
2. the hashes are exactly the ones our implementation computes, in document order, so a forged
   or stale hash is refused, naming ``statement.body.event_hashes.<i>``;
3. no event is captured twice (the hash is the event's identity across the ledger);
4. every event names at least one of the ledger's lots (``verifiers.epcis.relation``), unless
   the signer set ``allow_unrelated: true`` in the body — an explicit, signed request that stays
   on the record. Checked at admission only (``AppendContext.replaying``): captures recorded
   before this rule keep verifying.

The document is kept whole (``@context`` included) because extension keys are hashed with the
prefixes the document defines; re-exporting it therefore yields equal event hashes.

Left out: linking captured events to the ledger's own lots (a partner names our lots with our
URIs, which this entry does not interpret), and documents larger than one statement (the CLI
splits a large document into several captures).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from ledger.errors import SchemaError
from ledger.registry import AppendContext, EntryType
from ledger.supply.common import Body, Id, acting_org, rule
from verifiers.epcis.event_hash import document_event_hashes, document_events
from verifiers.epcis.relation import LotIndex
from verifiers.epcis.schema import schema_errors

__all__ = [
    "CAPTURE_KIND",
    "CAPTURE_TYPE",
    "EVENT_KIND",
    "CaptureBody",
    "capture_entry_types",
    "check_capture_document",
]

CAPTURE_TYPE = "epcis.events.captured"
CAPTURE_KIND = "epcis_capture"
EVENT_KIND = "epcis_event"
MAX_EVENTS = 10_000

EventHash = Annotated[str, Field(pattern=r"^ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0$")]


class CaptureBody(Body):
    """The captured document and the hash of each of its events, in document order."""

    capture_id: Id
    document: dict[str, Any]
    event_hashes: list[EventHash] = Field(min_length=1, max_length=MAX_EVENTS)
    allow_unrelated: bool = False
    """Record events that name none of the ledger's lots (refused otherwise)."""


def check_capture_document(document: dict[str, Any], prefix: str = "") -> list[str]:
    """Validate a document for capture and return its event hashes.

    Args:
        document: The parsed EPCIS document.
        prefix: Put in front of field paths in errors (``statement.body.document.``).

    Raises:
        SchemaError: the document breaks the EPCIS 2.0.1 schema (every path is listed), is not
            an ``EPCISDocument``, or has no events.
    """
    errors = schema_errors(document, prefix)
    if errors:
        raise SchemaError(
            f"document does not match the EPCIS 2.0.1 JSON Schema ({len(errors)} errors)", errors
        )
    if document.get("type") != "EPCISDocument":
        raise SchemaError(
            "only an EPCISDocument can be captured",
            [(f"{prefix}type", "expected EPCISDocument")],
        )
    try:
        hashes = document_event_hashes(document)
    except ValueError as exc:
        raise SchemaError(str(exc), [(f"{prefix}epcisBody", str(exc))]) from exc
    if not hashes:
        raise SchemaError(
            "the document has no events", [(f"{prefix}epcisBody.eventList", "no events")]
        )
    return hashes


def _apply_captured(ctx: AppendContext, body: CaptureBody) -> None:
    org_id = acting_org(ctx)
    rule(
        ctx.state.get(CAPTURE_KIND, body.capture_id) is None,
        f"capture {body.capture_id} exists",
        "capture_id",
    )
    # 1. Schema (with formats), document type, events present.
    expected = check_capture_document(body.document, "statement.body.document.")
    # 2. The signed hashes are the ones the algorithm gives, one per event, in order.
    rule(
        len(body.event_hashes) == len(expected),
        f"{len(body.event_hashes)} event hashes for {len(expected)} events",
        "event_hashes",
    )
    seen: set[str] = set()
    for index, (given, computed) in enumerate(zip(body.event_hashes, expected, strict=True)):
        field = f"event_hashes.{index}"
        rule(
            given == computed,
            f"event {index}: hash {given} does not match the recomputed {computed}",
            field,
        )
        # 3. One event, one capture.
        rule(computed not in seen, f"event {index} repeats an earlier event", field)
        seen.add(computed)
        earlier = ctx.state.get(EVENT_KIND, computed)
        rule(
            earlier is None,
            f"event {index} ({computed}) was captured in {(earlier or {}).get('capture_id')}",
            field,
        )
    # 4. Every event is about one of the ledger's lots, unless the signer asked otherwise.
    if not ctx.replaying and not body.allow_unrelated:
        lots = LotIndex(ctx.state)
        for index, event in enumerate(document_events(body.document)):
            rule(
                bool(lots.lots_of(event)),
                f"event {index} ({event.get('type')}) names no lot of this ledger; "
                "set allow_unrelated to capture it anyway",
                f"document.epcisBody.eventList.{index}",
            )
    for index, computed in enumerate(expected):
        ctx.state.put(
            EVENT_KIND,
            computed,
            {"event_hash": computed, "capture_id": body.capture_id, "index": index},
            ctx.seq,
        )
    ctx.state.put(
        CAPTURE_KIND,
        body.capture_id,
        {
            "capture_id": body.capture_id,
            "org_id": org_id,
            "captured_by": ctx.statement.actor,
            "captured_on": ctx.statement.ts,
            "seq": ctx.seq,
            "event_count": len(expected),
            "event_hashes": expected,
        },
        ctx.seq,
    )


def capture_entry_types() -> list[EntryType]:
    """The EPCIS capture entry type."""
    return [
        EntryType(
            name=CAPTURE_TYPE,
            body_model=CaptureBody,
            roles=frozenset({"association"}),
            apply=_apply_captured,
            description="An organization records a partner's EPCIS 2.0 events, hashes checked.",
        )
    ]
