"""Entries: a signed statement placed at a sequence number, linked to its predecessor.

DESIGN §2: the leaf is ``JCS({"seq", "prev", "statement", "sig"})`` and
``entry_hash = SHA-256(0x00 ‖ leaf)`` (the RFC 9162 leaf hash). An :class:`Entry` keeps the
exact leaf bytes it was built from or read from storage; ``entry_hash`` is always computed
from those bytes, never from a re-serialization.

Left out: whether the entry is authorized or valid for its type (``ledger.chain``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ledger.canonical import canonicalize, parse_canonical
from ledger.errors import SchemaError
from ledger.hashing import EntryHash, leaf_hash
from ledger.statements import SignedStatement, Statement, schema_errors

__all__ = ["Entry", "build_entry"]

_STATEMENT_MARKER = b',"statement":'
_MAX_SAFE_INTEGER = 2**53 - 1


class _Leaf(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    seq: int = Field(ge=0)
    prev: str = Field(pattern=r"^[0-9a-f]{64}$")
    statement: dict[str, Any]
    sig: str


@dataclass(frozen=True)
class Entry:
    """One ledger entry, carrying the exact bytes that were hashed."""

    seq: int
    prev: EntryHash
    signed: SignedStatement
    leaf_bytes: bytes = field(repr=False)
    entry_hash: EntryHash

    @property
    def statement(self) -> Statement:
        """The signed statement's content."""
        return self.signed.statement

    def to_dict(self) -> dict[str, Any]:
        """The leaf as JSON values plus the entry hash (hex), for APIs and exports."""
        return {
            "seq": self.seq,
            "prev": self.prev.hex(),
            "statement": self.signed.statement.to_dict(),
            "sig": self.signed.sig,
            "entry_hash": self.entry_hash.hex(),
        }

    @classmethod
    def from_leaf_bytes(cls, leaf_bytes: bytes) -> Entry:
        """Rebuild an entry from stored leaf bytes, checking they are canonical.

        Raises:
            EncodingError: the bytes are not canonical JSON.
            SchemaError: the leaf or its statement is malformed.
        """
        raw = parse_canonical(leaf_bytes)
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
        except (KeyError, TypeError) as exc:
            raise SchemaError(f"entry is missing a leaf field: {exc}") from exc
        return cls.from_leaf_bytes(canonicalize(leaf))


def leaf_canonical_bytes(seq: int, prev: EntryHash, signed: SignedStatement) -> bytes:
    """JCS of the leaf, assembled from the statement's own JCS bytes.

    Equal to ``canonicalize({"seq", "prev", "statement", "sig"})`` (a property test checks
    it): the four keys sort as prev < seq < sig < statement, ``prev`` is hex and ``sig`` is
    base64url (nothing to escape), and ``seq`` is a non-negative integer within the I-JSON
    range, written in decimal as JCS writes integers. Assembling avoids re-encoding the
    statement, which dominates the cost of an append.
    """
    if not 0 <= seq <= _MAX_SAFE_INTEGER:
        raise ValueError(f"seq {seq} outside 0..2**53-1")
    return b"".join(
        (
            b'{"prev":"',
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


def build_entry(seq: int, prev: EntryHash, signed: SignedStatement) -> Entry:
    """Place a signed statement at ``seq`` after ``prev`` and compute its leaf bytes and hash."""
    leaf_bytes = leaf_canonical_bytes(seq, prev, signed)
    return Entry(
        seq=seq,
        prev=prev,
        signed=signed,
        leaf_bytes=leaf_bytes,
        entry_hash=leaf_hash(leaf_bytes),
    )
