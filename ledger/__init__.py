"""Biotraza ledger core: signed, hash-chained, append-only entries with Merkle proofs.

Import the public names from here. The core imports the standard library, pydantic,
``cryptography`` and ``rfc8785``; only ``ledger.storage.sql`` imports SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.lazy import lazy_exports

if TYPE_CHECKING:
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

_LAZY: dict[str, str] = {
    "canonicalize": "ledger.canonical",
    "parse_canonical": "ledger.canonical",
    "core_entry_types": "ledger.catalog",
    "core_registry": "ledger.catalog",
    "AppendResult": "ledger.chain",
    "ChainVerification": "ledger.chain",
    "admit": "ledger.chain",
    "append": "ledger.chain",
    "verify_entries": "ledger.chain",
    "Entry": "ledger.entries",
    "build_entry": "ledger.entries",
    "AuthorizationError": "ledger.errors",
    "ChainBrokenError": "ledger.errors",
    "CheckpointError": "ledger.errors",
    "ConflictError": "ledger.errors",
    "DomainRuleError": "ledger.errors",
    "EncodingError": "ledger.errors",
    "EntryNotFoundError": "ledger.errors",
    "HashMismatchError": "ledger.errors",
    "IntegrityError": "ledger.errors",
    "KeyStoreError": "ledger.errors",
    "LedgerError": "ledger.errors",
    "NonceReplayError": "ledger.errors",
    "ProofError": "ledger.errors",
    "SchemaError": "ledger.errors",
    "SignatureError": "ledger.errors",
    "UnknownEntryTypeError": "ledger.errors",
    "UnknownKeyError": "ledger.errors",
    "EntryHash": "ledger.hashing",
    "MerkleRoot": "ledger.hashing",
    "leaf_hash": "ledger.hashing",
    "node_hash": "ledger.hashing",
    "KeyId": "ledger.keys",
    "key_id": "ledger.keys",
    "KeyInfo": "ledger.keystore",
    "KeyStore": "ledger.keystore",
    "AppendContext": "ledger.registry",
    "EntryType": "ledger.registry",
    "Registry": "ledger.registry",
    "InMemoryState": "ledger.state",
    "State": "ledger.state",
    "SignedStatement": "ledger.statements",
    "Statement": "ledger.statements",
    "sign_statement": "ledger.statements",
    "InMemoryLedgerStore": "ledger.storage",
    "LedgerStore": "ledger.storage",
}
"""Public name → the module defining it, imported on first use (PEP 562)."""

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


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)
