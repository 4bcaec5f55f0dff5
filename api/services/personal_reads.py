"""Members' personal data read over HTTP, only by a signed request from an authorized key.

Personal data never reaches the ledger (``ledger.supply.producers``); the association that
registered a member keeps it in a side table (``api.services.supply``). Its office may read
its own members' data back — a name to print on a receipt, a phone to call — with a request
signed by the association's key (``ledger.read_auth``); the root key may read any. Device keys
(phones in the field) may not: a lost phone should open nothing more than what it captured.

Order of checks: the request is authentic (format, method and path, time window, known key,
signature), then the key is active, then the producer exists, then the key may read it — so an
unsigned caller learns nothing, not even whether a producer id exists.

Left out: replay within the time window (a captured header re-reads the same data for at most
``MAX_SKEW_S`` seconds, which its interceptor already saw), audit logging of reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.services.ledger import LedgerService
from api.services.supply import committed_on_ledger, personal_data
from ledger.errors import AuthorizationError, EntryNotFoundError
from ledger.keys import decode_public_key
from ledger.read_auth import (
    MAX_SKEW_S,
    ReadForbiddenError,
    ReadRequest,
    ReadUnauthorizedError,
    check_read_signature,
    parse_read_request,
)
from ledger.statements import format_ts
from ledger.trust import KEY_KIND, active_key

__all__ = ["authenticate_read", "read_personal_data"]


def authenticate_read(
    service: LedgerService, header: str | None, path: str, now: datetime | None = None
) -> dict[str, Any]:
    """The active key document that signed this ``GET path``.

    Raises:
        ReadUnauthorizedError: no valid signed request for this path and time.
        ReadForbiddenError: the key is revoked or outside its validity window.
    """
    moment = now or datetime.now(UTC)
    request, signature = parse_read_request(header)
    _check_request(request, path, moment)
    doc = service.store.state_get(KEY_KIND, request.key)
    if doc is None:
        raise ReadUnauthorizedError(f"unknown key {request.key}", "authorization.key")
    check_read_signature(request, signature, decode_public_key(doc["public_key"]))
    with service.store.read_state() as state:
        try:
            return active_key(state, request.key, format_ts(moment))
        except AuthorizationError as exc:
            raise ReadForbiddenError(str(exc)) from None


def _check_request(request: ReadRequest, path: str, moment: datetime) -> None:
    if request.path != path:
        raise ReadUnauthorizedError(f"signed for {request.path}, not {path}", "authorization.path")
    skew = abs((request.moment - moment).total_seconds())
    if skew > MAX_SKEW_S:
        raise ReadUnauthorizedError(
            f"signed at {request.ts}, more than {MAX_SKEW_S} s from the server's clock",
            "authorization.ts",
        )


def read_personal_data(
    service: LedgerService, producer_id: str, header: str | None, path: str
) -> dict[str, Any]:
    """A producer's personal data for a signed request by its association's key (or root).

    Raises:
        ReadUnauthorizedError, ReadForbiddenError: see :func:`authenticate_read`; forbidden
            also for a key that is neither root nor the producer's association.
        EntryNotFoundError: no such producer, or its personal data was never recorded or was
            erased.
    """
    key = authenticate_read(service, header, path)
    producer = service.store.state_get("producer", producer_id)
    if producer is None:
        raise EntryNotFoundError(f"no producer {producer_id!r}")
    scope = key.get("scope") or {}
    own = key["role"] == "association" and scope.get("org_id") == producer["org_id"]
    if not (own or key["role"] == "root"):
        raise ReadForbiddenError(
            f"key {key['key_id']} ({key['role']}) may not read the personal data of "
            f"{producer['org_id']}'s members"
        )
    record = personal_data(service, producer_id)
    if record is None:
        raise EntryNotFoundError(f"no personal data for producer {producer_id!r} (erased?)")
    return {
        "producer_id": producer_id,
        "org_id": producer["org_id"],
        "data": record.data,
        "committed": committed_on_ledger(producer, record),
    }
