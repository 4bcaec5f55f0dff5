"""The transparency log on top of a store: signed checkpoints and proofs as JSON documents.

DESIGN §3. A checkpoint commits the operator to the tree of the first ``tree_size`` entries;
an inclusion proof shows one entry is in it, a consistency proof shows a smaller checkpoint's
tree is a prefix of a larger one's. Proofs are generated from the stored complete-subtree
hashes (``merkle_nodes``, from level 4 up) and the entries' hashes the lower nodes are folded
from, so they cost O(log n) reads at any size, in one query.

Proof documents (what the API returns and the offline CLI reads) carry hashes as lowercase
hex, bottom-up, exactly as RFC 9162 orders them::

    {"type": "inclusion", "leaf_index": 5, "tree_size": 10,
     "leaf_hash": "<hex>", "hashes": ["<hex>", ...]}
    {"type": "consistency", "first": 4, "second": 10,
     "first_root": "<hex>", "second_root": "<hex>", "hashes": ["<hex>", ...]}

The roots inside a proof document are conveniences for display; offline verification takes
the roots from signed checkpoints, never from the proof itself.

Left out: HTTP and files (``api``), the Merkle algorithms (``ledger.merkle``), the note
format (``ledger.checkpoints``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ledger.checkpoints import Checkpoint, sign_checkpoint, verify_checkpoint
from ledger.errors import CheckpointError, ProofError
from ledger.merkle import (
    NodeReader,
    consistency_proof,
    inclusion_proof,
    root_at,
    verify_consistency,
    verify_inclusion,
)
from ledger.statements import format_ts
from ledger.storage.base import Head, StoredCheckpoint

__all__ = [
    "ConsistencyProofDocument",
    "InclusionProofDocument",
    "StoredCheckpoint",
    "TransparencyStore",
    "TreeReader",
    "check_checkpoints",
    "consistency_document",
    "inclusion_document",
    "issue_checkpoint",
    "prefetch_nodes",
    "verify_consistency_document",
    "verify_inclusion_document",
]


class TransparencyStore(Protocol):
    """What the transparency layer needs from a ledger store."""

    def head(self) -> Head:
        """The current chain head."""

    def get_node(self, level: int, index: int) -> bytes:
        """A stored complete-subtree hash."""

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> StoredCheckpoint:
        """Keep a checkpoint; if one of that size exists, keep and return the existing one."""

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Every kept checkpoint, by tree size."""

    def checkpoint_at(self, tree_size: int) -> StoredCheckpoint | None:
        """The kept checkpoint of that size, if any."""


def issue_checkpoint(
    store: TransparencyStore, origin: str, operator_key: Ed25519PrivateKey
) -> StoredCheckpoint:
    """Sign a checkpoint for the current tree size (or return the one already kept for it).

    The note's key name is the origin, as C2SP recommends, so the verifier key string is
    ``origin+<key hash>+<public key>``.

    Raises:
        ValueError: the ledger is empty (a zero-size checkpoint proves nothing here).
    """
    size = store.head().size
    if size == 0:
        raise ValueError("the ledger is empty: append genesis before issuing a checkpoint")
    existing = store.checkpoint_at(size)
    if existing is not None:
        return existing
    root = root_at(store, size)
    note = sign_checkpoint(Checkpoint(origin, size, bytes(root)), origin, operator_key)
    return store.add_checkpoint(
        StoredCheckpoint(size, bytes(root), note, format_ts(datetime.now(UTC)))
    )


def _hex32(value: str) -> str:
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError("expected 64 lowercase hex characters")
    return value


class InclusionProofDocument(BaseModel):
    """An RFC 9162 inclusion proof as JSON (hashes lowercase hex, bottom-up)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    type: str = Field(pattern="^inclusion$")
    leaf_index: int = Field(ge=0)
    tree_size: int = Field(ge=1)
    leaf_hash: str
    hashes: list[str] = Field(max_length=64)

    _leaf = field_validator("leaf_hash")(_hex32)

    @field_validator("hashes")
    @classmethod
    def _check_hashes(cls, values: list[str]) -> list[str]:
        return [_hex32(v) for v in values]


class ConsistencyProofDocument(BaseModel):
    """An RFC 9162 consistency proof as JSON (hashes lowercase hex)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    type: str = Field(pattern="^consistency$")
    first: int = Field(ge=1)
    second: int = Field(ge=1)
    first_root: str
    second_root: str
    hashes: list[str] = Field(max_length=128)

    _roots = field_validator("first_root", "second_root")(_hex32)

    @field_validator("hashes")
    @classmethod
    def _check_hashes(cls, values: list[str]) -> list[str]:
        return [_hex32(v) for v in values]


class TreeReader(Protocol):
    """What proof generation reads: the size, and complete-subtree hashes (in bulk)."""

    def head(self) -> Head:
        """The current chain head."""

    def get_nodes(self, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes of the requested ``(level, index)`` nodes."""


class _Recorder:
    """Runs a proof algorithm once to learn which nodes it reads (dummy hashes)."""

    def __init__(self) -> None:
        self.wanted: set[tuple[int, int]] = set()

    def get_node(self, level: int, index: int) -> bytes:
        self.wanted.add((level, index))
        return bytes(32)


class _Prefetched:
    def __init__(self, nodes: dict[tuple[int, int], bytes]) -> None:
        self._nodes = nodes

    def get_node(self, level: int, index: int) -> bytes:
        try:
            return self._nodes[(level, index)]
        except KeyError:
            raise ProofError(f"merkle node ({level}, {index}) is missing from storage") from None


def prefetch_nodes(reader: TreeReader, plan: Callable[[NodeReader], object]) -> NodeReader:
    """The nodes ``plan`` will read, fetched in one query, as a reader for running it.

    Which nodes a proof needs depends only on the index and sizes, so a dry run of ``plan``
    with dummy hashes lists them; one query then fetches them all (one round trip, not
    ~2·log n). Exporters building many proofs pass one plan for a whole batch.

    Raises:
        ProofError: (when the plan runs on the result) a node it needs is not stored.
    """
    recorder = _Recorder()
    plan(recorder)
    return _Prefetched(reader.get_nodes(sorted(recorder.wanted)))


def _check_size(store: TreeReader, tree_size: int, what: str) -> None:
    size = store.head().size
    if tree_size < 1 or tree_size > size:
        raise ProofError(f"{what} {tree_size} is outside the log (1..{size})")


def inclusion_document(
    store: TreeReader, leaf_index: int, tree_size: int, leaf_hash: bytes
) -> InclusionProofDocument:
    """Build the inclusion proof of entry ``leaf_index`` in the tree of ``tree_size``.

    Raises:
        ProofError: the index or size is outside the log.
    """
    _check_size(store, tree_size, "tree_size")
    if not 0 <= leaf_index < tree_size:
        raise ProofError(f"seq {leaf_index} is not in a tree of size {tree_size}")
    nodes = prefetch_nodes(store, lambda r: inclusion_proof(r, leaf_index, tree_size))
    hashes = inclusion_proof(nodes, leaf_index, tree_size)
    return InclusionProofDocument(
        type="inclusion",
        leaf_index=leaf_index,
        tree_size=tree_size,
        leaf_hash=leaf_hash.hex(),
        hashes=[h.hex() for h in hashes],
    )


def consistency_document(store: TreeReader, first: int, second: int) -> ConsistencyProofDocument:
    """Build the consistency proof between tree sizes ``first`` ≤ ``second``.

    Raises:
        ProofError: a size is outside the log or ``first`` > ``second``.
    """
    _check_size(store, first, "first")
    _check_size(store, second, "second")
    if first > second:
        raise ProofError(f"first ({first}) must not exceed second ({second})")

    def plan(reader: NodeReader) -> tuple[list[bytes], bytes, bytes]:
        proof = consistency_proof(reader, first, second) if first < second else []
        return proof, root_at(reader, first), root_at(reader, second)

    hashes, first_root, second_root = plan(prefetch_nodes(store, plan))
    return ConsistencyProofDocument(
        type="consistency",
        first=first,
        second=second,
        first_root=first_root.hex(),
        second_root=second_root.hex(),
        hashes=[h.hex() for h in hashes],
    )


def parse_proof_document(
    data: Any, model: type[InclusionProofDocument] | type[ConsistencyProofDocument]
) -> Any:
    """Validate a proof document.

    Raises:
        ProofError: it does not match the document schema.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProofError(f"malformed proof document: {exc.errors(include_url=False)}") from exc


def verify_inclusion_document(
    proof: InclusionProofDocument,
    checkpoint_note: str,
    origin: str,
    operator_key: Ed25519PublicKey,
    leaf_hash: bytes | None = None,
) -> Checkpoint:
    """Offline: the checkpoint is signed by the operator and the proof leads to its root.

    ``leaf_hash`` (computed by the caller from the entry itself) overrides the proof's own
    claim when given, so the proof cannot smuggle in a different leaf.

    Raises:
        CheckpointError: the checkpoint is malformed or not signed by the operator key.
        ProofError: sizes differ or the proof does not verify.
    """
    # 1. The checkpoint must carry the operator's valid signature.
    checkpoint = verify_checkpoint(checkpoint_note, origin, operator_key, origin=origin)
    # 2. The proof must be for exactly the checkpoint's tree (sizes bind proofs to roots).
    if proof.tree_size != checkpoint.tree_size:
        raise ProofError(
            f"proof is for tree size {proof.tree_size}, checkpoint is {checkpoint.tree_size}"
        )
    # 3. The leaf hash the proof claims must be the entry's, when the entry is at hand.
    claimed = bytes.fromhex(proof.leaf_hash)
    if leaf_hash is not None and leaf_hash != claimed:
        raise ProofError(
            f"leaf hash mismatch: entry hashes to {leaf_hash.hex()}, proof says {proof.leaf_hash}"
        )
    # 4. RFC 9162 §2.1.3.2 against the signed root.
    verify_inclusion(
        claimed,
        proof.leaf_index,
        proof.tree_size,
        [bytes.fromhex(h) for h in proof.hashes],
        checkpoint.root_hash,
    )
    return checkpoint


def verify_consistency_document(
    proof: ConsistencyProofDocument,
    new_checkpoint_note: str,
    origin: str,
    operator_key: Ed25519PublicKey,
    old_checkpoint_note: str | None = None,
) -> tuple[Checkpoint, bytes]:
    """Offline: the old tree (a signed checkpoint, or the proof's stated root) is a prefix.

    Returns the verified new checkpoint and the old root that was proved.

    Raises:
        CheckpointError: a checkpoint is malformed or not signed by the operator key.
        ProofError: sizes differ or the proof does not verify.
    """
    # 1. The new checkpoint must carry the operator's signature.
    new = verify_checkpoint(new_checkpoint_note, origin, operator_key, origin=origin)
    if proof.second != new.tree_size:
        raise ProofError(f"proof second={proof.second}, checkpoint size is {new.tree_size}")
    # 2. The old root comes from a signed checkpoint when one is given.
    old_root = bytes.fromhex(proof.first_root)
    if old_checkpoint_note is not None:
        old = verify_checkpoint(old_checkpoint_note, origin, operator_key, origin=origin)
        if old.tree_size != proof.first:
            raise ProofError(f"proof first={proof.first}, old checkpoint size is {old.tree_size}")
        old_root = old.root_hash
    # 3. RFC 9162 §2.1.4.2.
    verify_consistency(
        proof.first, proof.second, [bytes.fromhex(h) for h in proof.hashes], old_root, new.root_hash
    )
    return new, old_root


def check_checkpoints(
    checkpoints: list[StoredCheckpoint],
    root_for_size: Callable[[int], bytes],
    origin: str,
    operator_key: Ed25519PublicKey,
) -> None:
    """Every kept checkpoint is signed by the operator and matches the recomputed root.

    Raises:
        CheckpointError: a signature fails or a root differs (the log was rewritten).
    """
    for kept in checkpoints:
        parsed = verify_checkpoint(kept.note, origin, operator_key, origin=origin)
        if parsed.tree_size != kept.tree_size or parsed.root_hash != kept.root_hash:
            raise CheckpointError(f"checkpoint {kept.tree_size}: note disagrees with its row")
        recomputed = root_for_size(kept.tree_size)
        if recomputed != kept.root_hash:
            raise CheckpointError(
                f"checkpoint at size {kept.tree_size}: signed root {kept.root_hash.hex()}, "
                f"entries give {recomputed.hex()}"
            )
