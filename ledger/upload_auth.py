"""The signed authorization an evidence-file upload carries: its format, signing and parsing.

Writes to the ledger are authenticated by their signatures; a file upload is a write to the
server's disk, so it is authenticated the same way. The uploader signs, with its ledger key,

    {"v": 1, "key": "<key id>", "sha256": "<hex>", "size": n, "ts": "…Z", "nonce": "<unique>"}

as ``b"biotraza:blob-upload:v1\\n" + JCS(authorization)`` (a domain of its own, so an upload
authorization can never pass for a statement signature or the reverse), and sends

    Authorization: Biotraza-Upload <base64url(JCS(authorization))>.<base64url(signature)>

The server's admission rules (key active and allowed to record evidence, time window, replay,
quotas) live in ``api.services.uploads``; this module is what client and server share.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import Field

from ledger.errors import LedgerError
from ledger.keys import key_id
from ledger.signed_header import (
    HeaderScheme,
    SignedBody,
    check_header_signature,
    parse_header,
    sign_header,
)
from ledger.statements import format_ts

__all__ = [
    "SCHEME",
    "UPLOAD_DOMAIN",
    "InsufficientStorageError",
    "UploadAuthorization",
    "UploadForbiddenError",
    "UploadQuotaError",
    "UploadRefusedError",
    "UploadUnauthorizedError",
    "check_upload_signature",
    "parse_upload_authorization",
    "sign_upload",
]

SCHEME = "Biotraza-Upload"
UPLOAD_DOMAIN = b"biotraza:blob-upload:v1\n"


class UploadRefusedError(LedgerError):
    """An upload the server refuses before storing anything; ``field`` names what is at fault.

    The subclasses are the refusals of ``api.services.uploads``, here beside the format so
    that every face (HTTP envelope, CLI line) reports them alike.
    """

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class UploadUnauthorizedError(UploadRefusedError):
    """The upload carries no valid authorization (HTTP 401): missing, malformed, badly
    signed, outside the time window, or already used."""

    def __init__(self, message: str, field: str = "authorization") -> None:
        super().__init__(message, field)


class UploadForbiddenError(UploadRefusedError):
    """The authorization is genuine but its key may not upload (HTTP 403)."""

    def __init__(self, message: str, field: str = "authorization.key") -> None:
        super().__init__(message, field)


class UploadQuotaError(UploadRefusedError):
    """The key is over its upload quota (HTTP 429; ``retry_after`` seconds when it resets)."""

    def __init__(self, message: str, retry_after: int | None) -> None:
        super().__init__(message, "authorization.size")
        self.retry_after = retry_after


class InsufficientStorageError(UploadRefusedError):
    """Storing the file would leave the server's disk below its free-space floor (HTTP 507)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "body")


class UploadAuthorization(SignedBody):
    """What an uploader signs: which key, which file (hash and exact size), when, and a nonce
    that makes each authorization usable once."""

    v: Literal[1]
    key: str = Field(pattern=r"^[0-9a-f]{32}$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0, le=2**53)
    ts: str
    nonce: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")


_SPEC = HeaderScheme(
    SCHEME,
    UPLOAD_DOMAIN,
    1024,
    "upload authorization",
    f"uploads need an `Authorization: {SCHEME} …` header signed by a ledger key",
    UploadUnauthorizedError,
)


def sign_upload(
    private_key: Ed25519PrivateKey,
    sha256: str,
    size: int,
    *,
    ts: str | None = None,
    nonce: str | None = None,
) -> str:
    """The ``Authorization`` header value for uploading the file ``sha256`` of ``size`` bytes.

    Sign a fresh one for every attempt: the server accepts each nonce once.
    """
    auth = UploadAuthorization(
        v=1,
        key=str(key_id(private_key)),
        sha256=sha256,
        size=size,
        ts=ts or format_ts(datetime.now(UTC)),
        nonce=nonce or secrets.token_urlsafe(18),
    )
    return sign_header(_SPEC, private_key, auth)


def parse_upload_authorization(header: str | None) -> tuple[UploadAuthorization, bytes]:
    """The authorization and its signature from an ``Authorization`` header (not yet checked
    against any key).

    Raises:
        UploadUnauthorizedError: missing or malformed.
    """
    return parse_header(_SPEC, UploadAuthorization, header)


def check_upload_signature(auth: UploadAuthorization, signature: bytes, public: bytes) -> None:
    """Raise :class:`UploadUnauthorizedError` unless ``public`` signed ``auth``."""
    check_header_signature(_SPEC, auth, signature, public)
