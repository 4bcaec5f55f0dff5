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
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ledger.canonical import canonicalize, parse_json_strict
from ledger.encoding import b64url_decode, b64url_encode
from ledger.errors import LedgerError
from ledger.keys import key_id, sign_message, verify_message
from ledger.statements import format_ts, parse_ts

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
_MAX_HEADER = 1024


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


class UploadAuthorization(BaseModel):
    """What an uploader signs: which key, which file (hash and exact size), when, and a nonce
    that makes each authorization usable once."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    v: Literal[1]
    key: str = Field(pattern=r"^[0-9a-f]{32}$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0, le=2**53)
    ts: str
    nonce: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")

    @field_validator("ts")
    @classmethod
    def _ts_form(cls, value: str) -> str:
        parse_ts(value)
        return value

    @property
    def moment(self) -> datetime:
        """``ts`` as an aware datetime."""
        return parse_ts(self.ts)

    @property
    def canonical_bytes(self) -> bytes:
        """JCS of the authorization: what is signed."""
        return canonicalize(self.model_dump())


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
    signature = sign_message(private_key, UPLOAD_DOMAIN, auth.canonical_bytes)
    return f"{SCHEME} {b64url_encode(auth.canonical_bytes)}.{b64url_encode(signature)}"


def parse_upload_authorization(header: str | None) -> tuple[UploadAuthorization, bytes]:
    """The authorization and its signature from an ``Authorization`` header (not yet checked
    against any key).

    Raises:
        UploadUnauthorizedError: missing or malformed.
    """
    if not header:
        raise UploadUnauthorizedError(
            f"uploads need an `Authorization: {SCHEME} …` header signed by a ledger key"
        )
    scheme, _, token = header.strip().partition(" ")
    if scheme != SCHEME or len(header) > _MAX_HEADER:
        raise UploadUnauthorizedError(f"authorization scheme must be {SCHEME}")
    payload, dot, sig_text = token.strip().partition(".")
    try:
        if not dot:
            raise ValueError("expected <payload>.<signature>")
        data = b64url_decode(payload)
        signature = b64url_decode(sig_text, 64)
        parsed: Any = parse_json_strict(data)
        auth = UploadAuthorization.model_validate(parsed)
    except (ValueError, ValidationError, LedgerError) as exc:
        reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise UploadUnauthorizedError(f"malformed upload authorization: {reason}") from None
    if auth.canonical_bytes != data:
        raise UploadUnauthorizedError("upload authorization is not in canonical (JCS) form")
    return auth, signature


def check_upload_signature(auth: UploadAuthorization, signature: bytes, public: bytes) -> None:
    """Raise :class:`UploadUnauthorizedError` unless ``public`` signed ``auth``."""
    try:
        verify_message(public, UPLOAD_DOMAIN, auth.canonical_bytes, signature)
    except LedgerError:
        raise UploadUnauthorizedError("upload authorization signature does not verify") from None
