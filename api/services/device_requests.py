"""A phone asks to be enrolled; the office finds its key by the short code it shows.

The phone makes its key pair itself and shows ``a1b2-c3d4-e5f6`` — the first 12 hex digits
of its key id (SHA-256 of the public key), easy to read out or type. It leaves its public
key here (``POST /api/v1/device-requests``); the office types the code, gets the key back,
compares the code and label with the phone in hand and signs ``device.enrolled`` with the
association's key. A request grants nothing; 48 bits of code are enough that a wrong phone
would have to be made on purpose, and the office sees the label and time it asked.
"""

from __future__ import annotations

import re
from typing import Any

from api.services.ledger import LedgerService
from ledger.errors import EntryNotFoundError, SchemaError
from ledger.keys import decode_public_key, key_id
from ledger.storage.sql.device_requests import DeviceRequest, DeviceRequestStore
from ledger.timing import format_log_time

__all__ = ["SHORT_CODE", "find_request", "request_enrolment", "short_code"]

SHORT_CODE = r"^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$"
"""The short code's spelling: three groups of four lowercase hex digits."""


def short_code(kid: str) -> str:
    """``a1b2-c3d4-e5f6``: the first 12 hex digits of a key id, in groups of four."""
    return f"{kid[0:4]}-{kid[4:8]}-{kid[8:12]}"


def _public(request: DeviceRequest) -> dict[str, Any]:
    return {
        "key_id": request.key_id,
        "short_code": short_code(request.key_id),
        "public_key": request.public_key,
        "label": request.label,
        "first_at": request.first_at,
        "last_at": request.last_at,
    }


def request_enrolment(service: LedgerService, public_key: str, label: str) -> dict[str, Any]:
    """Keep a phone's request (asking again refreshes it).

    Raises:
        SchemaError: the public key is not an Ed25519 key in base64url, or the label is
            empty or longer than 100 characters.
    """
    try:
        raw = decode_public_key(public_key)
    except ValueError as exc:
        raise SchemaError(
            "not an Ed25519 public key", [("public_key", f"not an Ed25519 public key: {exc}")]
        ) from exc
    text = label.strip()
    if not 1 <= len(text) <= 100:
        raise SchemaError("bad label", [("label", "1 to 100 characters")])
    now = format_log_time(service.clock())
    stored = DeviceRequestStore(service.engine).record(
        DeviceRequest(key_id(raw), public_key, text, now, now)
    )
    return _public(stored)


def find_request(service: LedgerService, code: str) -> dict[str, Any]:
    """The most recent request whose key id starts with the short code's digits.

    Raises:
        SchemaError: the code is not spelled ``xxxx-xxxx-xxxx`` in hex.
        EntryNotFoundError: no phone with that code asked to be enrolled.
    """
    if not re.fullmatch(SHORT_CODE, code):
        raise SchemaError("bad short code", [("short_code", "xxxx-xxxx-xxxx, hex digits")])
    found = DeviceRequestStore(service.engine).by_prefix(code.replace("-", ""))
    if not found:
        raise EntryNotFoundError(f"no device with code {code} asked to be enrolled")
    return _public(found[0])
