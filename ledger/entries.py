"""Entries: a signed statement placed at a sequence number, linked to its predecessor.

DESIGN §2: the leaf is ``JCS({"log_time", "seq", "prev", "statement", "sig"})`` and
``entry_hash = SHA-256(0x00 ‖ leaf)`` (the RFC 9162 leaf hash). An :class:`Entry` keeps the
exact leaf bytes it was built from or read from storage; ``entry_hash`` is always computed
from those bytes, never from a re-serialization.

Left out: whether the entry is authorized or valid for its type (``ledger.chain``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ledger.canonical import canonicalize, parse_canonical
from ledger.errors import SchemaError
from ledger.hashing import EntryHash, leaf_hash
from ledger.statements import SignedStatement, Statement, schema_errors
from ledger.timing import LOG_TIME_PATTERN

__all__ = ["Entry", "build_entry"]

_STATEMENT_MARKER = b',"statement":'
_MAX_SAFE_INTEGER = 2**53 - 1
_LOG_TIME = re.compile(LOG_TIME_PATTERN)


class _Leaf(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    log_time: str | None = Field(default=None, pattern=LOG_TIME_PATTERN)
    seq: int = Field(ge=0)
    prev: str = Field(pattern=r"^[0-9a-f]{64}$")
    statement: dict[str, Any]
    sig: str


@dataclass(frozen=True)
class Entry:
    """One ledger entry, carrying the exact bytes that were hashed.

    ``log_time`` is the log's clock at admission (``ledger.timing``); ``None`` only for a
    legacy entry, written before the log recorded it.
    """

    seq: int
    prev: EntryHash
    signed: SignedStatement
    leaf_bytes: bytes = field(repr=False)
    entry_hash: EntryHash
    log_time: str | None = None

    @property
    def statement(self) -> Statement:
        """The signed statement's content."""
        return self.signed.statement

    def to_dict(self) -> dict[str, Any]:
        """The leaf as JSON values plus the entry hash (hex), for APIs and exports."""
        data: dict[str, Any] = {
            "seq": self.seq,
            "prev": self.prev.hex(),
            "statement": self.signed.statement.to_dict(),
            "sig": self.signed.sig,
            "entry_hash": self.entry_hash.hex(),
        }
        if self.log_time is not None:
            data["log_time"] = self.log_time
        return data

    @classmethod
    def from_leaf_bytes(cls, leaf_bytes: bytes) -> Entry:
        """Rebuild an entry from stored leaf bytes, checking they are canonical.

        Raises:
            EncodingError: the bytes are not canonical JSON.
            SchemaError: the leaf or its statement is malformed.
        """
        raw = parse_canonical(leaf_bytes)
        if isinstance(raw, dict) and "log_time" in raw and raw["log_time"] is None:
            # One form per leaf: a legacy leaf omits the key, it never holds null.
            raise SchemaError("leaf does not match the schema", [("log_time", "null")])
        try:
            leaf = _Leaf.model_validate(raw)
        except ValidationError as exc:
            raise SchemaError("leaf does not match the schema", schema_errors(exc)) from exc
        signed = SignedStatement.from_dict({"statement": leaf.statement, "sig": leaf.sig})
        # The leaf is canonical with exactly the keys prev < seq < sig < statement, so the
        # statement's JCS bytes are the tail between the first marker and the final "}"
        # (hex, an integer and base64url cannot contain the marker; the statement can).
        start = leaf_bytes.find(_STATEMENT_MARKER)
        signed.statement.prime_canonical_bytes(leaf_bytes[start + len(_STATEMENT_MARKER) : -1])
        return cls(
            seq=leaf.seq,
            prev=EntryHash(bytes.fromhex(leaf.prev)),
            signed=signed,
            leaf_bytes=leaf_bytes,
            entry_hash=leaf_hash(leaf_bytes),
            log_time=leaf.log_time,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        """Rebuild an entry from its JSON form (``to_dict``): the leaf is re-canonicalized.

        Callers holding a claimed ``entry_hash`` must compare it with the result's.

        Raises:
            SchemaError, EncodingError: the data is not a well-formed leaf.
        """
        try:
            leaf = {k: data[k] for k in ("seq", "prev", "statement", "sig")}
            if data.get("log_time") is not None:  # null in JSON APIs: a legacy leaf
                leaf["log_time"] = data["log_time"]
        except (KeyError, TypeError) as exc:
            raise SchemaError(f"entry is missing a leaf field: {exc}") from exc
        return cls.from_leaf_bytes(canonicalize(leaf))


def leaf_canonical_bytes(
    seq: int, prev: EntryHash, signed: SignedStatement, log_time: str | None = None
) -> bytes:
    """JCS of the leaf, assembled from the statement's own JCS bytes.

    Equal to ``canonicalize({"log_time", "seq", "prev", "statement", "sig"})`` (a property
    test checks it): the keys sort as log_time < prev < seq < sig < statement, ``log_time``
    is a fixed-width timestamp, ``prev`` is hex and ``sig`` is base64url (nothing to escape),
    and ``seq`` is a non-negative integer within the I-JSON range, written in decimal as JCS
    writes integers. A legacy leaf (``log_time`` None) omits that key. Assembling avoids
    re-encoding the statement, which dominates the cost of an append.
    """
    if not 0 <= seq <= _MAX_SAFE_INTEGER:
        raise ValueError(f"seq {seq} outside 0..2**53-1")
    if log_time is not None and not _LOG_TIME.fullmatch(log_time):
        raise ValueError(f"log_time {log_time!r} is not of the fixed-width form")
    return b"".join(
        (
            b"{" if log_time is None else f'{{"log_time":"{log_time}",'.encode("ascii"),
            b'"prev":"',
            prev.hex().encode("ascii"),
            b'","seq":',
            str(seq).encode("ascii"),
            b',"sig":"',
            signed.sig.encode("ascii"),
            b'","statement":',
            signed.statement.canonical_bytes,
            b"}",
        )
    )


def build_entry(
    seq: int, prev: EntryHash, signed: SignedStatement, log_time: str | None = None
) -> Entry:
    """Place a signed statement at ``seq`` after ``prev``, stamped with the log's
    ``log_time``, and compute its leaf bytes and hash."""
    leaf_bytes = leaf_canonical_bytes(seq, prev, signed, log_time)
    return Entry(
        seq=seq,
        prev=prev,
        signed=signed,
        leaf_bytes=leaf_bytes,
        entry_hash=leaf_hash(leaf_bytes),
        log_time=log_time,
    )
