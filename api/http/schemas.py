"""Response models of the HTTP API (``XPublic`` / ``XsPublic`` naming)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from api.http.entry_schemas import signed_statement_ref
from ledger.entries import Entry
from ledger.supply.producers import PersonalData

__all__ = ["MAX_SEQ", "EntriesPublic", "EntryPublic", "HeadPublic", "producer_request_schema"]

MAX_SEQ = 2**63 - 1
"""The largest sequence number or tree size either database can store (signed 64-bit): the
bound on every such query parameter, so a larger number is a 400, not a driver overflow."""


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
