"""Keeping what the ledger refused from a field device, for the association's office.

A phone syncs statements it signed offline, and the technician who made them is not at the
office when one is refused; the office must see what was refused and why. Only a statement
with a *valid signature by a known device key* is kept — the device's own words, which
nobody else can produce — so a stranger cannot write into the book, and the store bounds
each key's rows (``ledger.storage.sql.refusals``). The ledger itself never records a
refusal: it holds only what it admitted.

Left out: the office's views (``api.services.devices``).
"""

from __future__ import annotations

import hashlib
import logging

from api.services.ledger import LedgerService
from ledger.errors import LedgerError, SignatureError, StorageUnavailableError
from ledger.keys import decode_public_key
from ledger.statements import SignedStatement
from ledger.storage.sql.refusals import Refusal, RefusalStore
from ledger.timing import format_log_time
from ledger.trust import DEVICE_ROLE, KEY_KIND

__all__ = ["note_device_refusal", "statement_hash"]

logger = logging.getLogger(__name__)

PERSONAL_FIELDS = ("personal_data", "salt")
"""Fields of ``POST /api/v1/producers`` beside the entry (``api.services.supply``)."""


def statement_hash(signed: SignedStatement) -> str:
    """SHA-256 (hex) of the statement's canonical bytes: what the device can compute itself
    to match a refusal to the outbox item it came from."""
    return hashlib.sha256(signed.statement.canonical_bytes).hexdigest()


def _reason(message: str, fields: list[tuple[str, str]]) -> str:
    """The message and the first field's reason — unless that field is personal data, whose
    reasons may quote the value: personal data stays out of this table as out of the ledger."""
    if not fields or fields[0][0].startswith(PERSONAL_FIELDS) or fields[0][1] in message:
        return message
    return f"{message}: {fields[0][1]}"


def note_device_refusal(
    service: LedgerService,
    signed: SignedStatement,
    exc: LedgerError,
    code: str,
    fields: list[tuple[str, str]],
) -> None:
    """Keep the refusal of ``exc`` (reported as ``code`` naming ``fields``, the faces' error
    report, ``api.error_report``) if the statement is signed, validly, by a known device key.

    Never raises: the caller is about to report ``exc`` to the device, and a failure to keep
    the note (logged) must not replace that answer.
    """
    if isinstance(exc, StorageUnavailableError):
        return  # the server failed, not the statement: the device retries
    try:
        doc = service.store.state_get(KEY_KIND, signed.statement.actor)
        if doc is None or doc["role"] != DEVICE_ROLE:
            return
        try:
            signed.verify_signature(decode_public_key(doc["public_key"]))
        except SignatureError:
            return
        now = format_log_time(service.clock())
        statement = signed.statement
        RefusalStore(service.engine).record(
            Refusal(
                key_id=statement.actor,
                statement_hash=statement_hash(signed),
                org_id=str(doc["scope"]["org_id"]),
                type=statement.type,
                nonce=statement.nonce,
                ts=statement.ts,
                code=code,
                reason=_reason(str(exc), fields),
                field=fields[0][0] if fields else None,
                attempts=1,
                first_at=now,
                last_at=now,
            )
        )
    except Exception:
        logger.exception("could not keep the refusal of a device statement")
