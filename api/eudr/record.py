"""Submitting a lot's statements and putting the EU system's answers on the ledger.

Each step is sent, then recorded at once as an ``eudr.dds_recorded`` body handed to
``record`` (the caller signs and appends it with the operator's organization key), so a
number the EU system gave is never only in memory:

* :func:`submit_lot` — every statement of the lot's DDS (``api.eudr.dds.build_dds``),
  recorded ``SUBMITTED`` with the DDS identifier and the SHA-256 of the request sent;
  refused when the lot already has a live statement (amend or withdraw that one instead).
* :func:`poll_lot` — ``getDds`` for statements still waiting; records the new status and the
  reference and verification numbers when they arrive.
* :func:`amend_lot`, :func:`withdraw_lot` — within :data:`AMENDMENT_WINDOW` of the first
  submission (Operator API Reference §4.1: 72 hours), counted from the ledger's log time.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET  # noqa: S405 - our own request elements
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from api.eudr.client import EudrClient
from api.eudr.dds import DdsOptions, DdsPart, build_dds
from api.eudr.xml import withdraw_request
from api.exports.base import ExportError
from api.services.ledger import LedgerService
from ledger.supply.dds import recorded_statements

__all__ = ["AMENDMENT_WINDOW", "amend_lot", "poll_lot", "statements", "submit_lot", "withdraw_lot"]

AMENDMENT_WINDOW = timedelta(hours=72)
"""How long after submission a statement may be amended or withdrawn (§4.1)."""
_LIVE = frozenset({"SUBMITTED", "AVAILABLE", "UPDATED", "SUSPENDED", "GROUPED"})

Record = Callable[[dict[str, Any]], None]


def statements(service: LedgerService, lot_id: str) -> list[dict[str, Any]]:
    """The statements recorded on ``lot_id``, latest state of each."""
    with service.store.read_state() as state:
        return recorded_statements(state, [lot_id])


def _body(
    lot_id: str, uuid: str, reference: str, status: str, request: bytes, plots: int, env: str
) -> dict[str, Any]:
    return {
        "lot_id": lot_id,
        "dds_uuid": uuid,
        "internal_reference": reference,
        "status": status,
        "request_sha256": hashlib.sha256(request).hexdigest(),
        "plots": plots,
        "environment": env,
    }


def submit_lot(
    service: LedgerService,
    lot_id: str,
    options: DdsOptions,
    client: EudrClient,
    record: Record,
    environment: str,
) -> list[dict[str, Any]]:
    """Submit every statement of the lot's DDS; the recorded bodies, in order."""
    live = [s for s in statements(service, lot_id) if s["status"] in _LIVE]
    if live:
        raise ExportError(
            f"lot {lot_id} already has statement {live[0]['dds_uuid']} "
            f"({live[0]['status']}); amend or withdraw it instead of submitting again",
            "lot_id",
        )
    plan = build_dds(service, lot_id, options)
    bodies = []
    for part in plan.parts:
        uuid = client.submit(part.statement)
        body = _body(lot_id, uuid, part.statement.internal_reference, "SUBMITTED",
                     part.request_xml(), len(part.plot_ids), environment)  # fmt: skip
        record(body)
        bodies.append(body)
    return bodies


def poll_lot(
    service: LedgerService,
    lot_id: str,
    client: EudrClient,
    record: Record,
    *,
    attempts: int = 10,
    interval: float = 3.0,
    sleep: Callable[[float], None] | None = None,
) -> list[dict[str, Any]]:
    """Ask for every statement still ``SUBMITTED``; record what changed. The new bodies."""
    bodies = []
    for known in statements(service, lot_id):
        if known["status"] != "SUBMITTED" and known.get("reference_number"):
            continue
        kwargs: dict[str, Any] = {"attempts": attempts, "interval": interval}
        if sleep is not None:
            kwargs["sleep"] = sleep
        overview = client.poll(known["dds_uuid"], **kwargs)
        changed = overview.status != known["status"] or (
            overview.reference_number and not known.get("reference_number")
        )
        if not changed:
            continue
        body = {
            "lot_id": lot_id,
            "dds_uuid": known["dds_uuid"],
            "internal_reference": known["internal_reference"],
            "status": overview.status,
            "request_sha256": known["request_sha256"],
            "plots": known["plots"],
            "environment": known.get("environment", "production"),
        }
        if overview.reference_number:
            body["reference_number"] = overview.reference_number
        if overview.verification_number:
            body["verification_number"] = overview.verification_number
        record(body)
        bodies.append(body)
    return bodies


def _within_window(service: LedgerService, lot_id: str, uuid: str, now: datetime) -> dict[str, Any]:
    found = [s for s in statements(service, lot_id) if s["dds_uuid"] == uuid]
    if not found:
        raise ExportError(f"lot {lot_id} has no recorded statement {uuid}", "dds_uuid")
    known = found[0]
    submitted = datetime.fromisoformat(str(known["submitted_at"]).replace("Z", "+00:00"))
    if now - submitted > AMENDMENT_WINDOW:
        raise ExportError(
            f"statement {uuid} was submitted at {known['submitted_at']}, more than 72 hours "
            "ago: the EU system no longer allows amending or withdrawing it; submit a new one",
            "dds_uuid",
        )
    return known


def amend_lot(
    service: LedgerService,
    lot_id: str,
    uuid: str,
    options: DdsOptions,
    client: EudrClient,
    record: Record,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Send the lot's current statement as an amendment of ``uuid``; the recorded body."""
    known = _within_window(service, lot_id, uuid, now or datetime.now(UTC))
    plan = build_dds(service, lot_id, options)
    part = _part_for(plan.parts, known["internal_reference"])
    status = client.amend(uuid, part.statement)
    body = _body(lot_id, uuid, part.statement.internal_reference, status, part.request_xml(),
                 len(part.plot_ids), known.get("environment", "production"))  # fmt: skip
    record(body)
    return body


def _part_for(parts: list[DdsPart], reference: str) -> DdsPart:
    for part in parts:
        if part.statement.internal_reference == reference:
            return part
    if len(parts) == 1:
        return parts[0]
    raise ExportError(
        f"the lot's statements are now split differently; none is {reference}: withdraw and "
        "submit again",
        "dds_uuid",
    )


def withdraw_lot(
    service: LedgerService,
    lot_id: str,
    uuid: str,
    client: EudrClient,
    record: Record,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Withdraw statement ``uuid`` of the lot; the recorded body."""
    known = _within_window(service, lot_id, uuid, now or datetime.now(UTC))
    status = client.withdraw(uuid)
    request = bytes(ET.tostring(withdraw_request(uuid), "utf-8"))
    body = _body(lot_id, uuid, known["internal_reference"], status, request, known["plots"],
                 known.get("environment", "production"))  # fmt: skip
    record(body)
    return body
