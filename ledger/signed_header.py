"""The signed ``Authorization`` header that uploads and non-public reads share.

Both carry ``<scheme> <base64url(JCS(body))>.<base64url(signature)>``: the body (which key,
what it allows, when, a nonce) is signed as ``domain + JCS(body)`` with the sender's ledger
key. Only the scheme, domain, body model and refusal differ, so the format, signing, parsing
and signature check live here once; ``ledger.upload_auth`` and ``ledger.read_auth`` keep
their own public names and messages on top of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ledger.canonical import canonicalize, parse_json_strict
from ledger.encoding import b64url_decode, b64url_encode
from ledger.errors import LedgerError
from ledger.keys import sign_message, verify_message
from ledger.statements import parse_ts

__all__ = ["HeaderScheme", "SignedBody", "check_header_signature", "parse_header", "sign_header"]


class SignedBody(BaseModel):
    """What a signed header carries; subclasses declare the fields, ``ts`` among them.

    The fields are declared by each subclass (not here) so that each keeps its own field
    order, and with it which validation error is reported first.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    if TYPE_CHECKING:
        ts: str

    @field_validator("ts", check_fields=False)
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
        """JCS of the body: what is signed."""
        return canonicalize(self.model_dump())


B = TypeVar("B", bound=SignedBody)


@dataclass(frozen=True)
class HeaderScheme:
    """One use of the signed header: its scheme word, signing domain, size limit, and how it
    names itself and refuses in messages (``what``: e.g. "signed read")."""

    scheme: str
    domain: bytes
    max_header: int
    what: str
    missing: str
    refuse: Callable[[str], LedgerError]


def sign_header(spec: HeaderScheme, private_key: Ed25519PrivateKey, body: SignedBody) -> str:
    """The ``Authorization`` header value carrying ``body`` signed by ``private_key``."""
    signature = sign_message(private_key, spec.domain, body.canonical_bytes)
    return f"{spec.scheme} {b64url_encode(body.canonical_bytes)}.{b64url_encode(signature)}"


def parse_header(spec: HeaderScheme, model: type[B], header: str | None) -> tuple[B, bytes]:
    """The body and its signature from an ``Authorization`` header (not yet checked against
    any key); ``spec.refuse`` is raised when it is missing or malformed."""
    if not header:
        raise spec.refuse(spec.missing)
    scheme, _, token = header.strip().partition(" ")
    if scheme != spec.scheme or len(header) > spec.max_header:
        raise spec.refuse(f"authorization scheme must be {spec.scheme}")
    payload, dot, sig_text = token.strip().partition(".")
    try:
        if not dot:
            raise ValueError("expected <payload>.<signature>")
        data = b64url_decode(payload)
        signature = b64url_decode(sig_text, 64)
        parsed: Any = parse_json_strict(data)
        body = model.model_validate(parsed)
    except (ValueError, ValidationError, LedgerError) as exc:
        reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise spec.refuse(f"malformed {spec.what}: {reason}") from None
    if body.canonical_bytes != data:
        raise spec.refuse(f"{spec.what} is not in canonical (JCS) form")
    return body, signature


def check_header_signature(
    spec: HeaderScheme, body: SignedBody, signature: bytes, public: bytes
) -> None:
    """Raise ``spec.refuse`` unless ``public`` signed ``body``."""
    try:
        verify_message(public, spec.domain, body.canonical_bytes, signature)
    except LedgerError:
        raise spec.refuse(f"{spec.what} signature does not verify") from None
