"""The signed request a read of non-public data carries: its format, signing and parsing.

Public pages and the API's public reads need nothing. Non-public data (members' personal
data, kept off the ledger) is read only by a request signed with an authorized ledger key, as
a write is: the reader signs, with its key,

    {"v": 1, "key": "<key id>", "method": "GET", "path": "/api/v1/…", "ts": "…Z",
     "nonce": "<random>"}

as ``b"biotraza:read:v1\\n" + JCS(request)`` (a domain of its own: a read signature can never
pass for a statement or an upload authorization, nor the reverse), and sends

    Authorization: Biotraza-Read <base64url(JCS(request))>.<base64url(signature)>

The signature binds the method and the exact path, and ``ts`` must be within
``MAX_SKEW_S`` of the server's clock, so a captured header opens nothing else and nothing
later. Each header opens one read (``api.services.signed_reads`` spends its nonce); who may read
what is the server's rule (``api.services.personal_reads``, ``api.services.evidence_reads``).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import Field

from ledger.keys import key_id
from ledger.signed_header import (
    HeaderScheme,
    SignedBody,
    check_header_signature,
    parse_header,
    sign_header,
)
from ledger.statements import format_ts
from ledger.upload_auth import UploadRefusedError

__all__ = [
    "MAX_SKEW_S",
    "READ_DOMAIN",
    "READ_SCHEME",
    "ReadForbiddenError",
    "ReadRequest",
    "ReadUnauthorizedError",
    "check_read_signature",
    "parse_read_request",
    "sign_read",
]

READ_SCHEME = "Biotraza-Read"
READ_DOMAIN = b"biotraza:read:v1\n"
MAX_SKEW_S = 300
"""How far a signed read's ``ts`` may be from the server's clock (either way), in seconds."""


class ReadUnauthorizedError(UploadRefusedError):
    """The read carries no valid signed request (HTTP 401): missing, malformed, badly signed,
    for another method or path, or outside the time window."""

    def __init__(self, message: str, field: str = "authorization") -> None:
        super().__init__(message, field)


class ReadForbiddenError(UploadRefusedError):
    """The signed request is genuine but its key may not read this (HTTP 403)."""

    def __init__(self, message: str, field: str = "authorization.key") -> None:
        super().__init__(message, field)


class ReadRequest(SignedBody):
    """What a reader signs: which key, which method and path, when, and a nonce."""

    v: Literal[1]
    key: str = Field(pattern=r"^[0-9a-f]{32}$")
    method: Literal["GET"]
    path: str = Field(pattern=r"^/[\x21-\x7e]{0,1000}$")
    ts: str
    nonce: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")


_SPEC = HeaderScheme(
    READ_SCHEME,
    READ_DOMAIN,
    2048,
    "signed read",
    f"this read needs an `Authorization: {READ_SCHEME} …` header signed by a ledger key",
    ReadUnauthorizedError,
)


def sign_read(
    private_key: Ed25519PrivateKey,
    path: str,
    *,
    ts: str | None = None,
    nonce: str | None = None,
) -> str:
    """The ``Authorization`` header value for ``GET path`` (path and query, as sent)."""
    request = ReadRequest(
        v=1,
        key=str(key_id(private_key)),
        method="GET",
        path=path,
        ts=ts or format_ts(datetime.now(UTC)),
        nonce=nonce or secrets.token_urlsafe(18),
    )
    return sign_header(_SPEC, private_key, request)


def parse_read_request(header: str | None) -> tuple[ReadRequest, bytes]:
    """The signed request and its signature from an ``Authorization`` header (not yet
    checked against any key).

    Raises:
        ReadUnauthorizedError: missing or malformed.
    """
    return parse_header(_SPEC, ReadRequest, header)


def check_read_signature(request: ReadRequest, signature: bytes, public: bytes) -> None:
    """Raise :class:`ReadUnauthorizedError` unless ``public`` signed ``request``."""
    check_header_signature(_SPEC, request, signature, public)
