"""Biotraza ledger core: signed, hash-chained, append-only entries with Merkle proofs.

Import the public names from here. The core imports the standard library, pydantic,
``cryptography`` and ``rfc8785``; only ``ledger.storage.sql`` imports SQLAlchemy.
"""

from ledger.canonical import canonicalize, parse_canonical
from ledger.catalog import core_entry_types, core_registry
from ledger.chain import AppendResult, ChainVerification, admit, append, verify_entries
from ledger.entries import Entry, build_entry
from ledger.errors import (
    AuthorizationError,
    ChainBrokenError,
    CheckpointError,
    ConflictError,
    DomainRuleError,
    EncodingError,
    EntryNotFoundError,
    HashMismatchError,
    IntegrityError,
    KeyStoreError,
    LedgerError,
    NonceReplayError,
    ProofError,
    SchemaError,
    SignatureError,
    UnknownEntryTypeError,
    UnknownKeyError,
)
from ledger.hashing import EntryHash, MerkleRoot, leaf_hash, node_hash
from ledger.keys import KeyId, key_id
from ledger.keystore import KeyInfo, KeyStore
from ledger.registry import AppendContext, EntryType, Registry
from ledger.state import InMemoryState, State
from ledger.statements import SignedStatement, Statement, sign_statement
from ledger.storage import InMemoryLedgerStore, LedgerStore

__all__ = [
    "AppendContext",
    "AppendResult",
    "AuthorizationError",
    "ChainBrokenError",
    "ChainVerification",
    "CheckpointError",
    "ConflictError",
    "DomainRuleError",
    "EncodingError",
    "Entry",
    "EntryHash",
    "EntryNotFoundError",
    "EntryType",
    "HashMismatchError",
    "InMemoryLedgerStore",
    "InMemoryState",
    "IntegrityError",
    "KeyId",
    "KeyInfo",
    "KeyStore",
    "KeyStoreError",
    "LedgerError",
    "LedgerStore",
    "MerkleRoot",
    "NonceReplayError",
    "ProofError",
    "Registry",
    "SchemaError",
    "SignatureError",
    "SignedStatement",
    "State",
    "Statement",
    "UnknownEntryTypeError",
    "UnknownKeyError",
    "admit",
    "append",
    "build_entry",
    "canonicalize",
    "core_entry_types",
    "core_registry",
    "key_id",
    "leaf_hash",
    "node_hash",
    "parse_canonical",
    "sign_statement",
    "verify_entries",
]
