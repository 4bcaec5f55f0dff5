"""Who is reading: the authentication of a signed read (``ledger.read_auth``), once per header.

Non-public data (members' personal data, evidence files) is read only by a request signed
with an authorized ledger key. This module answers "which active key signed this ``GET``?";
what that key may read is each caller's rule (``api.services.personal_reads``,
``api.services.evidence_reads``).

Order of checks: the request is authentic (format, method and path, time window, known key,
signature), then the key is active, then its nonce is unused — recorded only after every other
check passed, so a forged or stale header cannot burn a genuine reader's nonce. A header is
good for exactly one read: a captured one replayed inside its time window is refused (401,
``authorization.nonce``) on every server process, since the nonce book is a database table.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from api.services.ledger import LedgerService
from ledger.errors import AuthorizationError
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
from ledger.storage.sql.read_nonces import ReadNonceBook, ReadNonceUsedError
from ledger.trust import KEY_KIND, active_key

__all__ = ["authenticate_read"]


def authenticate_read(
    service: LedgerService, header: str | None, path: str, now: datetime | None = None
) -> dict[str, Any]:
    """The active key document that signed this ``GET path``; its nonce is then spent.

    Raises:
        ReadUnauthorizedError: no valid signed request for this path and time, or a header
            already used.
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
            key = active_key(state, request.key, format_ts(moment))
        except AuthorizationError as exc:
            raise ReadForbiddenError(str(exc)) from None
    _spend_nonce(service, request, moment)
    return key


def _check_request(request: ReadRequest, path: str, moment: datetime) -> None:
    if request.path != path:
        raise ReadUnauthorizedError(f"signed for {request.path}, not {path}", "authorization.path")
    skew = abs((request.moment - moment).total_seconds())
    if skew > MAX_SKEW_S:
        raise ReadUnauthorizedError(
            f"signed at {request.ts}, more than {MAX_SKEW_S} s from the server's clock",
            "authorization.ts",
        )


def _spend_nonce(service: LedgerService, request: ReadRequest, moment: datetime) -> None:
    # A header is refused by its ts once it is MAX_SKEW_S old on the server's clock, so a
    # nonce need only be remembered that long; twice that leaves room for clock steps.
    horizon = moment - timedelta(seconds=2 * MAX_SKEW_S)
    try:
        ReadNonceBook(service.engine).use(
            request.key, request.nonce, now=format_ts(moment), forget_before=format_ts(horizon)
        )
    except ReadNonceUsedError:
        raise ReadUnauthorizedError(
            "this signed read was already used: sign a fresh one (new nonce) for each read",
            "authorization.nonce",
        ) from None
