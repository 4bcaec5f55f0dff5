"""Statements: what an actor signs, and the signed pair that is submitted to the ledger.

DESIGN §2: ``{"v":1, "type", "actor", "ts", "nonce", "body"}``, signed with Ed25519 over
``b"biotraza:statement:v1\\n" + JCS(statement)``. The model is strict (no coercion, no
unknown fields) so that the validated statement re-encodes to exactly the bytes that were
signed; ``body`` is only checked to be an object here — the entry type's own model checks it
(``ledger.registry``).

Left out: whether the actor may sign this (``ledger.trust``) and whether it fits the recorded
state (entry types' rules).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ledger.canonical import canonicalize
from ledger.encoding import b64url_decode, b64url_encode
from ledger.errors import SchemaError, SignatureError
from ledger.keys import STATEMENT_DOMAIN, KeyId, key_id, sign_message, verify_message

__all__ = [
    "DATE_PATTERN",
    "MAX_STATEMENT_BYTES",
    "SIG_PATTERN",
    "TS_PATTERN",
    "SignedStatement",
    "Statement",
    "format_ts",
    "parse_ts",
    "schema_errors",
    "sign_statement",
]

MAX_STATEMENT_BYTES = 64 * 1024
"""Upper bound on JCS(statement): large files go to the blob store, only hashes enter."""

_YEAR = r"(?:[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
DATE_PATTERN = rf"^(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)$"
"""A calendar date ``YYYY-MM-DD`` that exists (year 0001–9999), as a portable regex: what
``datetime.date.fromisoformat`` accepts in that form, for JSON Schema."""
TS_PATTERN = DATE_PATTERN[:-1] + r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?Z$"
"""The one timestamp form statements use: RFC 3339 UTC with ``Z``, on a date that exists."""
SIG_PATTERN = r"^[A-Za-z0-9_-]{85}[AQgw]$"
"""Unpadded base64url of 64 bytes in its one canonical spelling (the last character carries
two bits, the other four are zero)."""

_TS = re.compile(TS_PATTERN)


def parse_ts(text: str) -> datetime:
    """Parse an RFC 3339 UTC timestamp of the one form statements use (``…Z``).

    Raises:
        ValueError: any other form, or an impossible date.
    """
    if not _TS.fullmatch(text):
        raise ValueError("timestamp must be RFC 3339 UTC like 2026-03-01T12:00:00Z")
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def format_ts(moment: datetime) -> str:
    """Format an aware datetime as the statement timestamp form (seconds, ``Z``)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def schema_errors(exc: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    """Turn pydantic errors into ``(dotted field path, reason)`` pairs for API bodies."""
    pairs = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(part) for part in err["loc"])
        field = f"{prefix}{path}" if path else prefix.rstrip(".")
        pairs.append((field or "body", err["msg"]))
    return pairs


class Statement(BaseModel):
    """The signed content of an entry (DESIGN §2)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    # A strict int (not Literal[1], which also matches JSON true and 1.0 by equality): one
    # spelling per value, so one statement has one canonical form.
    v: int = Field(ge=1, le=1)
    type: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$", max_length=64)
    actor: str = Field(pattern=r"^[0-9a-f]{32}$")
    ts: str = Field(json_schema_extra={"pattern": TS_PATTERN})
    nonce: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")
    body: dict[str, Any]

    @field_validator("ts")
    @classmethod
    def _check_ts(cls, value: str) -> str:
        parse_ts(value)
        return value

    @property
    def actor_id(self) -> KeyId:
        """The actor as a typed key id."""
        return KeyId(self.actor)

    @property
    def moment(self) -> datetime:
        """The signer's claimed time as an aware datetime."""
        return parse_ts(self.ts)

    def to_dict(self) -> dict[str, Any]:
        """Return the statement as plain JSON values (no coercion happened, so these are the
        values that were signed)."""
        return self.model_dump()

    @cached_property
    def canonical_bytes(self) -> bytes:
        """JCS(statement): the bytes the signature covers, after the domain prefix.

        Cached (the model is frozen); ``Entry.from_leaf_bytes`` primes it with the exact
        slice of the stored leaf, so verification never re-encodes what it already checked.
        """
        return canonicalize(self.to_dict())

    def prime_canonical_bytes(self, data: bytes) -> None:
        """Set the cached canonical bytes from bytes already proven canonical for it.

        Only for callers that checked ``data`` is this statement's JCS (a slice of a
        canonical leaf is); anything else would make signatures verify over wrong bytes.
        """
        self.__dict__["canonical_bytes"] = data

    @classmethod
    def from_dict(cls, data: Any) -> Statement:
        """Validate a parsed JSON object as a statement.

        Raises:
            SchemaError: with one ``(field, reason)`` pair per problem.
        """
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SchemaError(
                "statement does not match the schema", schema_errors(exc, "statement.")
            ) from exc


class SignedStatement(BaseModel):
    """A statement with its actor's signature: the unit that is submitted and retried."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    statement: Statement
    sig: str = Field(min_length=86, max_length=86, json_schema_extra={"pattern": SIG_PATTERN})

    @field_validator("sig")
    @classmethod
    def _check_sig(cls, value: str) -> str:
        b64url_decode(value, 64)
        return value

    @cached_property
    def signature(self) -> bytes:
        """The raw 64-byte Ed25519 signature."""
        return b64url_decode(self.sig, 64)

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"statement": {...}, "sig": "..."}`` as plain JSON values."""
        return {"statement": self.statement.to_dict(), "sig": self.sig}

    @classmethod
    def from_dict(cls, data: Any) -> SignedStatement:
        """Validate a parsed JSON object as a signed statement.

        Raises:
            SchemaError: with one ``(field, reason)`` pair per problem.
        """
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SchemaError(
                "signed statement does not match the schema", schema_errors(exc)
            ) from exc

    def verify_signature(self, public_key: bytes) -> None:
        """Check the signature with the actor's raw public key.

        Raises:
            SignatureError: the signature does not verify, or the key is not the actor's.
        """
        if key_id(public_key) != self.statement.actor:
            raise SignatureError(
                f"public key {key_id(public_key)} is not the actor {self.statement.actor}"
            )
        verify_message(public_key, STATEMENT_DOMAIN, self.statement.canonical_bytes, self.signature)


def sign_statement(
    private_key: Ed25519PrivateKey,
    entry_type: str,
    body: dict[str, Any],
    *,
    ts: str | None = None,
    nonce: str | None = None,
) -> SignedStatement:
    """Build and sign a statement with a fresh nonce and the current time by default.

    Retrying the *returned* object is safe (idempotent); calling this again is a new statement.

    Raises:
        SchemaError: the resulting statement is malformed.
    """
    statement = Statement.from_dict(
        {
            "v": 1,
            "type": entry_type,
            "actor": key_id(private_key),
            "ts": ts or format_ts(datetime.now(UTC)),
            "nonce": nonce or secrets.token_urlsafe(18),
            "body": body,
        }
    )
    signature = sign_message(private_key, STATEMENT_DOMAIN, statement.canonical_bytes)
    return SignedStatement(statement=statement, sig=b64url_encode(signature))
