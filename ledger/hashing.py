"""Hash primitives shared by the chain and the Merkle tree.

One hash function serves both jobs on purpose: an entry's ``entry_hash`` is the RFC 9162
§2.1.1 leaf hash of its canonical leaf bytes, so the value that links the chain (``prev`` of
the next entry) is the very value the Merkle tree commits to. Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
from typing import NewType

__all__ = [
    "EMPTY_TREE_HASH",
    "GENESIS_PREV",
    "HASH_SIZE",
    "EntryHash",
    "MerkleRoot",
    "leaf_hash",
    "node_hash",
]

EntryHash = NewType("EntryHash", bytes)
"""SHA-256(0x00 ‖ leaf bytes): an entry's identity, its chain link and its Merkle leaf."""

MerkleRoot = NewType("MerkleRoot", bytes)
"""The RFC 9162 Merkle Tree Hash of a tree of some size."""

HASH_SIZE = 32

# RFC 9162 §2.1.1: MTH({}) = SHA-256() for the empty tree.
EMPTY_TREE_HASH = MerkleRoot(hashlib.sha256(b"").digest())

# DESIGN §2: the genesis entry (seq 0) links to 32 zero bytes.
GENESIS_PREV = EntryHash(bytes(HASH_SIZE))

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> EntryHash:
    """Return the RFC 9162 leaf hash ``SHA-256(0x00 ‖ data)``."""
    return EntryHash(hashlib.sha256(_LEAF_PREFIX + data).digest())


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 interior node hash ``SHA-256(0x01 ‖ left ‖ right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()
