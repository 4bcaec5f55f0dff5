"""Response models of the HTTP API (``XPublic`` / ``XsPublic`` naming)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.http.entry_schemas import signed_statement_ref
from api.http.responses import ErrorDetail
from ledger.entries import Entry
from ledger.supply.producers import PersonalData

__all__ = [
    "MAX_SEQ",
    "BatchItemPublic",
    "BatchPublic",
    "EntriesPublic",
    "EntryPublic",
    "HeadPublic",
    "PUBLIC_KEY_PATTERN",
    "producer_request_schema",
]

MAX_SEQ = 2**63 - 1
"""The largest sequence number or tree size either database can store (signed 64-bit): the
bound on every such query parameter, so a larger number is a 400, not a driver overflow."""
PUBLIC_KEY_PATTERN = "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$"
"""Canonical unpadded base64url of 32 bytes (an Ed25519 public key): the last character
carries 4 bits and two zero bits, so only 16 letters can end it (``ledger.keys`` refuses
the rest); stated in the schema so clients learn it from the OpenAPI document."""


class EntryPublic(BaseModel):
    """One ledger entry: the leaf's fields plus its hash (lowercase hex).

    ``log_time`` is the log's clock at admission, part of the hashed leaf; ``null`` only for
    legacy entries, whose leaf has no such key (docs/entry-format.md).
    """

    log_time: str | None = None
    seq: int
    prev: str
    statement: dict[str, Any]
    sig: str
    entry_hash: str

    @classmethod
    def from_entry(cls, entry: Entry) -> EntryPublic:
        """Build from a domain entry."""
        return cls.model_validate(entry.to_dict())


class EntriesPublic(BaseModel):
    """A page of entries in seq order."""

    data: list[EntryPublic]
    count: int
    start: int
    next_start: int | None


class BatchItemPublic(BaseModel):
    """One statement's outcome in a batch, in the batch's order.

    ``appended``: it became ``entry`` now (the single endpoint's 201). ``duplicate``: it was
    already ``entry`` (the single endpoint's 200: a retry). ``refused``: nothing was
    recorded for it, and ``error`` is the body the single endpoint would have answered,
    with its status in ``http_status``.
    """

    index: int = Field(description="Position of the statement in the request's list.")
    status: Literal["appended", "duplicate", "refused"]
    http_status: int = Field(description="What POST /api/v1/entries answers for it alone.")
    entry: EntryPublic | None = Field(description="The entry; null when refused.")
    error: ErrorDetail | None = Field(description="Why it was refused; null otherwise.")


class BatchPublic(BaseModel):
    """Every statement's outcome, in order, and how many of each."""

    results: list[BatchItemPublic]
    appended: int
    duplicates: int
    refused: int


class HeadPublic(BaseModel):
    """The chain head: ``size`` entries, the last one's hash."""

    size: int
    head_hash: str


def producer_request_schema() -> dict[str, Any]:
    """The body of ``POST /api/v1/producers``: the signed entry, the personal data it hashes
    and the salt, each as strict as the route's own checks."""
    personal = PersonalData.model_json_schema()
    personal.pop("title", None)
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["entry", "personal_data", "salt"],
        "properties": {
            "entry": signed_statement_ref("producer.registered"),
            "personal_data": personal,
            "salt": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        },
    }
