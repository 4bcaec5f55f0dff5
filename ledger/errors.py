"""The ledger's error tree.

Domain errors describe facts about data (a broken chain, an unauthorized key); bad arguments
from callers stay ``ValueError``/``TypeError``. The HTTP layer maps each branch to one status
code, so adding a class here is an API decision::

    LedgerError
    ├── EncodingError            bytes are not the canonical (RFC 8785) encoding
    ├── SchemaError              a statement or body does not match its entry type
    │   └── UnknownEntryTypeError
    ├── SignatureError           an Ed25519 signature does not verify
    ├── AuthorizationError       the key may not write this entry now
    │   └── UnknownKeyError      no such key in the trust state
    ├── ConflictError            the append contradicts recorded state (HTTP 409)
    │   ├── NonceReplayError     same (actor, nonce), different statement
    │   └── DomainRuleError      a business rule refuses the entry (mass balance, …)
    ├── StorageUnavailableError  the database is unreachable or went away mid-append (503)
    ├── EntryNotFoundError
    ├── IntegrityError           stored data fails verification
    │   ├── ChainBrokenError     seq or prev link does not match
    │   └── HashMismatchError    a stored hash does not match its bytes
    ├── ProofError               a Merkle inclusion or consistency proof fails
    ├── CheckpointError          a signed checkpoint is malformed or its signature fails
    └── KeyStoreError            a private key cannot be created, found or decrypted
"""

from __future__ import annotations

__all__ = [
    "AuthorizationError",
    "ChainBrokenError",
    "CheckpointError",
    "ConflictError",
    "DomainRuleError",
    "EncodingError",
    "EntryNotFoundError",
    "HashMismatchError",
    "IntegrityError",
    "KeyStoreError",
    "LedgerError",
    "NonceReplayError",
    "ProofError",
    "SchemaError",
    "SignatureError",
    "StorageUnavailableError",
    "TamperedDataError",
    "UnknownEntryTypeError",
    "UnknownKeyError",
]


class LedgerError(Exception):
    """Root of every error the ledger raises about data."""


class EncodingError(LedgerError):
    """Bytes are not valid JSON, or not in RFC 8785 canonical form."""


class SchemaError(LedgerError):
    """A statement does not match the schema of its entry type.

    ``errors`` lists ``(field path, reason)`` pairs so the API can name every bad field.
    """

    def __init__(self, message: str, errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors: list[tuple[str, str]] = errors or []


class UnknownEntryTypeError(SchemaError):
    """The statement names an entry type this ledger does not know."""


class SignatureError(LedgerError):
    """An Ed25519 signature does not verify over the domain-separated message."""


class AuthorizationError(LedgerError):
    """The actor's key is not authorized for this entry type, scope or time."""


class UnknownKeyError(AuthorizationError):
    """The actor's key id is not in the trust state."""


class ConflictError(LedgerError):
    """The entry is well formed and signed but contradicts what is recorded."""


class NonceReplayError(ConflictError):
    """The (actor, nonce) pair was already used for a different statement."""


class DomainRuleError(ConflictError):
    """A business rule of the entry type refuses the entry.

    ``field`` names the body field at fault when there is one, for the API's error body.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class StorageUnavailableError(LedgerError):
    """The database could not be reached or gave up waiting during an append: nothing was
    recorded that was not committed, and resending the same signed statement is safe (a
    committed one comes back as an idempotent replay)."""

    retry_after = 5
    """Seconds a client should wait before resending (HTTP ``Retry-After``): an outage
    takes a while to clear; a busy write lock (``LockWaitTimeoutError``) says 1."""

    public = False
    """Whether the message may go to anonymous clients: a driver's reason names hosts and
    roles (no); "the ledger is busy" names nothing (``LockWaitTimeoutError``: yes)."""


class EntryNotFoundError(LedgerError):
    """No entry with that sequence number or hash."""


class IntegrityError(LedgerError):
    """Stored data fails verification; ``seq`` names the first bad entry when known."""

    def __init__(self, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.seq = seq


class TamperedDataError(IntegrityError):
    """An append found stored data that contradicts the signed entries (a copied column or a
    projection row changed behind the ledger's back): it refuses to build on it. Nothing is
    recorded; the operator runs ``ledger verify``, which names the difference, and
    ``ledger rebuild`` (projections) or restores from backup (entries)."""


class ChainBrokenError(IntegrityError):
    """A sequence number or ``prev`` link does not continue the chain."""


class HashMismatchError(IntegrityError):
    """A stored hash does not match the bytes it claims to hash."""


class ProofError(LedgerError):
    """A Merkle inclusion or consistency proof does not verify."""


class CheckpointError(LedgerError):
    """A signed checkpoint is malformed or no trusted signature on it verifies."""


class KeyStoreError(LedgerError):
    """A private key cannot be created, found or decrypted."""
