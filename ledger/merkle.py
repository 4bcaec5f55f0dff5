"""RFC 9162 §2.1 Merkle tree: roots, proofs from stored nodes, and proof verification.

Everything here is a pure function over 32-byte hashes. Leaves arrive already hashed: an
entry's ``entry_hash`` is the RFC 9162 §2.1.1 leaf hash ``SHA-256(0x00 ‖ leaf bytes)``
(:func:`ledger.hashing.leaf_hash`), so this module never sees leaf bytes.

Storage model. A log only ever needs the hashes of *complete* subtrees: the node at
``(level, index)`` covers leaves ``[index * 2**level, (index + 1) * 2**level)`` and never
changes once its last leaf is appended. :class:`NodeReader` is that lookup;
:func:`nodes_completed_by_append` says which such nodes one append completes, so a store can
write them in the same transaction as the entry. Every other RFC 9162 subtree (the ragged
right edge of a tree whose size is not a power of two) is folded from at most
``log2(n) + 1`` complete nodes by :func:`subtree_hash`. Roots and proofs for *any* past tree
size come from the same stored nodes, because a complete node never changes.

A store need not keep every complete node. The SQL store keeps those from
:data:`STORED_FROM_LEVEL` up (:func:`stored_nodes_completed_by_append`) and folds lower ones
from the leaf hashes it keeps anyway (:class:`FoldedNodes`, :func:`node_sources`): one row
per 16 leaves instead of two per leaf, and 15 of 16 appends touch no node at all.

Cost, in :meth:`NodeReader.get_node` calls for a tree of ``n`` leaves (``L = bitlen(n)``):

* :func:`subtree_hash` over ``[start, end)``: ``popcount(end - start) <= L``;
* :func:`root_at`: ``popcount(n) <= L``;
* :func:`inclusion_proof`: ``<= 2 * L`` (one read per left sibling, plus one ragged
  right sibling folded from ``<= L`` reads);
* :func:`consistency_proof`: ``<= 2 * L + 1`` (same argument);
* :func:`nodes_completed_by_append` for leaf ``i``: the number of trailing one bits of ``i``.

Verification (:func:`verify_inclusion`, :func:`verify_consistency`) follows the numbered
steps of RFC 9162 §2.1.3.2 and §2.1.4.2, preceded by the input checks of the oracle README
(``tests/vectors/oracles/merkle/README.md``, which matches transparency-dev/merkle): exact
proof lengths, 32-byte hashes, ``0 < size1 <= size2``.

Left out on purpose: I/O and storage (the SQL store implements :class:`NodeReader`), leaf
hashing (``ledger.hashing``), signing tree heads (``ledger.checkpoints``), hash functions
other than SHA-256, and the C2SP tlog-witness convention that ``size1 == 0`` is consistent
with anything (RFC 9162 requires ``0 < first``; we reject it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from ledger.errors import ProofError
from ledger.hashing import EMPTY_TREE_HASH, HASH_SIZE, MerkleRoot, node_hash

__all__ = [
    "STORED_FROM_LEVEL",
    "FoldedNodes",
    "InMemoryNodes",
    "NodeReader",
    "append_sources",
    "check_consistency",
    "check_inclusion",
    "consistency_proof",
    "consistency_proof_size",
    "inclusion_proof",
    "inclusion_proof_size",
    "leaf_range",
    "node_sources",
    "nodes_completed_by_append",
    "root_at",
    "root_from_leaf_hashes",
    "stored_node_count",
    "stored_nodes_completed_by_append",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
]


class NodeReader(Protocol):
    """Source of complete-subtree hashes (level 0 = leaf hashes).

    ``get_node(level, index)`` returns the RFC 9162 hash of the complete subtree over
    leaves ``[index * 2**level, (index + 1) * 2**level)``. Callers in this module only ask
    for nodes whose leaves all exist; what happens otherwise is up to the implementation
    (:class:`InMemoryNodes` raises ``KeyError``).
    """

    def get_node(self, level: int, index: int) -> bytes:
        """Return the hash of the complete subtree at ``(level, index)``."""
        ...


# --------------------------------------------------------------------------- helpers


def _split_point(n: int) -> int:
    """Return k, the largest power of two smaller than n (RFC 9162 §2.1.1), for n > 1."""
    return 1 << ((n - 1).bit_length() - 1)


def _require_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes, found {len(value)}")


def inclusion_proof_size(index: int, tree_size: int) -> int:
    """Return the exact length of the RFC 9162 inclusion path of leaf ``index``.

    ``inner + popcount(index >> inner)`` with ``inner = bitlen(index XOR (tree_size - 1))``:
    ``inner`` siblings below the point where the paths to ``index`` and to the last leaf
    split, plus one left sibling per set bit above it (the "border").

    Raises:
        ValueError: unless ``0 <= index < tree_size``.
    """
    if not 0 <= index < tree_size:
        raise ValueError(f"expected 0 <= index < tree_size, found index={index} size={tree_size}")
    inner = (index ^ (tree_size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_size(size1: int, size2: int) -> int:
    """Return the exact length of the RFC 9162 consistency proof from ``size1`` to ``size2``.

    The proof is the inclusion path of leaf ``size1 - 1`` in the tree of ``size2`` above
    level ``shift`` (the trailing zero bits of ``size1``), plus the hash of the size-1 subtree
    of ``2**shift`` leaves unless that subtree is the whole first tree (then its hash is
    ``root1``, which RFC 9162 §2.1.4.2 step 2 prepends and the proof omits).

    Raises:
        ValueError: unless ``0 < size1 <= size2``.
    """
    if not 0 < size1 <= size2:
        raise ValueError(f"expected 0 < size1 <= size2, found size1={size1} size2={size2}")
    if size1 == size2:
        return 0
    shift = (size1 & -size1).bit_length() - 1
    full_inner = ((size1 - 1) ^ (size2 - 1)).bit_length()
    border = ((size1 - 1) >> full_inner).bit_count()
    seed = 0 if size1 == 1 << shift else 1
    return seed + (full_inner - shift) + border


# --------------------------------------------------------------------------- roots


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> MerkleRoot:
    """Return MTH(D[n]) (RFC 9162 §2.1.1) of already-hashed leaves.

    Level by level, pairing neighbours and carrying an odd last node up unchanged, which is
    the same tree as the RFC's "split at the largest power of two smaller than n". O(n).

    Raises:
        ValueError: a leaf hash is not 32 bytes.
    """
    if not leaf_hashes:
        return EMPTY_TREE_HASH
    level: list[bytes] = []
    for i, leaf in enumerate(leaf_hashes):
        _require_hash(leaf, f"leaf hash {i}")
        level.append(bytes(leaf))
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return MerkleRoot(level[0])


def subtree_hash(reader: NodeReader, start: int, end: int) -> bytes:
    """Return MTH(D[start:end]) for a range that RFC 9162 §2.1.1 recursion produces.

    Such a range starts at a multiple of the smallest power of two ``>= end - start``. It is
    split into complete subtrees following the binary digits of ``end - start`` (largest
    first), and these are folded right to left: ``MTH(D[n]) = HASH(0x01 ‖ MTH(D[0:k]) ‖
    MTH(D[k:n]))`` recursively, where ``D[0:k]`` is always complete. Reads
    ``popcount(end - start)`` nodes.

    Raises:
        ValueError: the range is empty, negative, or not aligned like an RFC 9162 subtree.
    """
    if not 0 <= start < end:
        raise ValueError(f"expected 0 <= start < end, found start={start} end={end}")
    width = end - start
    if start % (1 << (width - 1).bit_length()):
        raise ValueError(
            f"range [{start}, {end}) is not an rfc 9162 subtree: expected start to be a "
            f"multiple of {1 << (width - 1).bit_length()}"
        )
    parts: list[bytes] = []
    position = start
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            parts.append(reader.get_node(level, position >> level))
            position += 1 << level
    result = parts.pop()
    while parts:
        result = node_hash(parts.pop(), result)
    return result


def root_at(reader: NodeReader, tree_size: int) -> MerkleRoot:
    """Return the root MTH(D[tree_size]) from stored nodes; reads ``popcount(tree_size)``.

    Raises:
        ValueError: ``tree_size`` is negative.
    """
    if tree_size < 0:
        raise ValueError(f"expected tree_size >= 0, found {tree_size}")
    if tree_size == 0:
        return EMPTY_TREE_HASH
    return MerkleRoot(subtree_hash(reader, 0, tree_size))


# --------------------------------------------------------------------------- proofs


def inclusion_proof(reader: NodeReader, index: int, tree_size: int) -> list[bytes]:
    """Return PATH(index, D[tree_size]) (RFC 9162 §2.1.3.1), bottom-up.

    RFC 9162 §2.1.3.1, with k the largest power of two smaller than n::

        PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])      for m < k
        PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])  for m >= k

    walked top-down and reversed. Each left sibling ``D[0:k]`` is one complete node; once
    the walk turns left it stays inside a complete subtree, so at most one right sibling is
    ragged (folded from ``<= L`` nodes). Reads ``<= 2 * bitlen(tree_size)`` nodes.

    Raises:
        ValueError: unless ``0 <= index < tree_size``.
    """
    if not 0 <= index < tree_size:
        raise ValueError(f"expected 0 <= index < tree_size, found index={index} size={tree_size}")
    path: list[bytes] = []
    start, end = 0, tree_size
    while end - start > 1:
        middle = start + _split_point(end - start)
        if index < middle:
            path.append(subtree_hash(reader, middle, end))
            end = middle
        else:
            path.append(subtree_hash(reader, start, middle))
            start = middle
    path.reverse()
    return path


def consistency_proof(reader: NodeReader, size1: int, size2: int) -> list[bytes]:
    """Return PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1), bottom-up.

    RFC 9162 §2.1.4.1: ``PROOF(m, D[n]) = SUBPROOF(m, D[n], true)`` with::

        SUBPROOF(m, D[m], true)  = {}
        SUBPROOF(m, D[m], false) = {MTH(D[m])}
        SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])          for m <= k
        SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])  for m > k

    walked top-down and reversed. As for inclusion proofs at most one right sibling is
    ragged, and the final ``MTH(D[m])`` is a complete node. Reads
    ``<= 2 * bitlen(size2) + 1`` nodes. ``size1 == size2`` gives the empty proof.

    Raises:
        ValueError: unless ``0 < size1 <= size2`` (RFC 9162 defines no proof from size 0).
    """
    if not 0 < size1 <= size2:
        raise ValueError(f"expected 0 < size1 <= size2, found size1={size1} size2={size2}")
    proof: list[bytes] = []
    start, end, m, complete_first = 0, size2, size1, True
    while True:
        if m == end - start:
            if not complete_first:
                proof.append(subtree_hash(reader, start, end))
            break
        k = _split_point(end - start)
        if m <= k:
            proof.append(subtree_hash(reader, start + k, end))
            end = start + k
        else:
            proof.append(subtree_hash(reader, start, start + k))
            start, m, complete_first = start + k, m - k, False
    proof.reverse()
    return proof


# --------------------------------------------------------------------------- appending


def nodes_completed_by_append(
    reader: NodeReader, index: int, leaf: bytes
) -> list[tuple[int, int, bytes]]:
    """Return the complete nodes that exist once ``leaf`` is appended as leaf ``index``.

    The result is ``[(0, index, leaf), (1, index // 2, h1), ...]``: the leaf, then each
    parent whose right child is the node just completed, i.e. one parent per trailing one
    bit of ``index``. Only the left siblings ``(level, i - 1)`` are read, all of which
    already exist in a tree of ``index`` leaves. A store writes these rows in the same
    transaction as the entry; nothing else in the tree changes.

    Raises:
        ValueError: ``index`` is negative or ``leaf`` is not 32 bytes.
    """
    if index < 0:
        raise ValueError(f"expected index >= 0, found {index}")
    _require_hash(leaf, "leaf hash")
    current = bytes(leaf)
    completed = [(0, index, current)]
    level, position = 0, index
    while position & 1:
        current = node_hash(reader.get_node(level, position - 1), current)
        level, position = level + 1, position >> 1
        completed.append((level, position, current))
    return completed


# --------------------------------------------------------------------------- sparse storage

STORED_FROM_LEVEL = 4
"""Stores keep complete nodes from this level up and fold the lower ones from leaf hashes.

A node below this level covers at most ``2**(STORED_FROM_LEVEL - 1) = 8`` leaves, whose
hashes the store keeps anyway (each entry's ``entry_hash`` is its leaf hash), so storing
it again buys little: a proof reads at most 15 extra leaf hashes, all inside the
16-leaf block around its leaf or at the tree's right edge, in the same query. Not storing
it is what an append gains: 15 of every 16 appends write no node and read no sibling,
which shortens the time every other writer waits on the chain head.
"""


def leaf_range(level: int, index: int) -> range:
    """The leaf indices the complete node ``(level, index)`` covers."""
    return range(index << level, (index + 1) << level)


def stored_node_count(tree_size: int) -> int:
    """How many nodes a store keeps for a tree of ``tree_size`` leaves.

    Level ``l`` holds ``tree_size >> l`` complete nodes; summed from
    :data:`STORED_FROM_LEVEL` up that is ``2m - popcount(m)`` with
    ``m = tree_size >> STORED_FROM_LEVEL``.
    """
    m = tree_size >> STORED_FROM_LEVEL
    return 2 * m - m.bit_count()


def node_sources(wanted: Iterable[tuple[int, int]]) -> tuple[list[tuple[int, int]], list[int]]:
    """Split wanted nodes into the stored ones to fetch and the leaves to fold the rest from.

    Returns ``(stored, leaves)``: the ``(level, index)`` pairs at or above
    :data:`STORED_FROM_LEVEL`, and the sorted leaf indices every lower node covers.
    """
    stored: set[tuple[int, int]] = set()
    leaves: set[int] = set()
    for level, index in wanted:
        if level >= STORED_FROM_LEVEL:
            stored.add((level, index))
        else:
            leaves.update(leaf_range(level, index))
    return sorted(stored), sorted(leaves)


def append_sources(index: int) -> tuple[list[tuple[int, int]], range]:
    """What a sparse store reads to append leaf ``index``: stored siblings and leaves.

    Nothing, unless ``index`` completes a node at :data:`STORED_FROM_LEVEL` (its low
    ``STORED_FROM_LEVEL`` bits are all ones). Then: the leaves before it in its block,
    folded into the lower siblings, and one stored left sibling per further trailing one.
    """
    block = 1 << STORED_FROM_LEVEL
    if index < 0 or (index + 1) % block:
        return [], range(0)
    siblings: list[tuple[int, int]] = []
    level = STORED_FROM_LEVEL
    while (index >> level) & 1:
        siblings.append((level, (index >> level) - 1))
        level += 1
    return siblings, range(index + 1 - block, index)


def stored_nodes_completed_by_append(
    reader: NodeReader, index: int, leaf: bytes
) -> list[tuple[int, int, bytes]]:
    """The nodes at or above :data:`STORED_FROM_LEVEL` that appending leaf ``index``
    completes (see :func:`nodes_completed_by_append`).

    Reads nothing when there are none; otherwise exactly what :func:`append_sources` names
    (the lower siblings through ``reader``, typically a :class:`FoldedNodes`).

    Raises:
        ValueError: ``index`` is negative or ``leaf`` is not 32 bytes.
    """
    if index < 0:
        raise ValueError(f"expected index >= 0, found {index}")
    _require_hash(leaf, "leaf hash")
    if (index + 1) % (1 << STORED_FROM_LEVEL):
        return []
    completed = nodes_completed_by_append(reader, index, leaf)
    return [node for node in completed if node[0] >= STORED_FROM_LEVEL]


class FoldedNodes:
    """A :class:`NodeReader` over stored nodes and leaf hashes, as a sparse store keeps them.

    Nodes at or above :data:`STORED_FROM_LEVEL` come from ``stored``; a lower one is folded
    from the leaf hashes it covers (``root_from_leaf_hashes`` of a power-of-two run is that
    complete subtree's hash), and remembered.
    """

    def __init__(self, stored: dict[tuple[int, int], bytes], leaves: dict[int, bytes]) -> None:
        self._stored = stored
        self._leaves = leaves
        self._folded: dict[tuple[int, int], bytes] = {}

    def get_node(self, level: int, index: int) -> bytes:
        """Return the hash of the complete node at ``(level, index)``.

        Raises:
            KeyError: the node is above the folded levels and not stored, or a leaf it
                covers is missing.
        """
        if level >= STORED_FROM_LEVEL:
            try:
                return self._stored[(level, index)]
            except KeyError:
                raise KeyError(f"no stored merkle node at level {level} index {index}") from None
        found = self._folded.get((level, index))
        if found is None:
            if level == 0:
                found = self._leaves.get(index)
            else:  # both halves are complete nodes one level down (and remembered)
                left = self.get_node(level - 1, 2 * index)
                found = node_hash(left, self.get_node(level - 1, 2 * index + 1))
            if found is None:
                raise KeyError(
                    f"merkle node at level {level} index {index} needs leaf {index}, "
                    "which is missing"
                )
            self._folded[(level, index)] = found
        return found

    def known(self, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The hashes of those ``wanted`` nodes this reader can give (others are left out)."""
        found: dict[tuple[int, int], bytes] = {}
        for level, index in wanted:
            try:
                found[(level, index)] = self.get_node(level, index)
            except KeyError:
                continue
        return found


class InMemoryNodes:
    """A :class:`NodeReader` over a dict, grown by :meth:`append`; for tests and tools."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        """Start empty, then append ``leaf_hashes`` in order.

        Raises:
            ValueError: a leaf hash is not 32 bytes.
        """
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._size = 0
        for leaf in leaf_hashes:
            self.append(leaf)

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def __len__(self) -> int:
        return self._size

    def get_node(self, level: int, index: int) -> bytes:
        """Return the stored hash of the complete node at ``(level, index)``.

        Raises:
            KeyError: that node is not complete in a tree of :attr:`size` leaves.
        """
        try:
            return self._nodes[(level, index)]
        except KeyError:
            raise KeyError(
                f"no complete node at level {level} index {index} in a tree of {self._size} leaves"
            ) from None

    def append(self, leaf: bytes) -> int:
        """Append one leaf hash, store the nodes it completes, and return its index.

        Raises:
            ValueError: ``leaf`` is not 32 bytes.
        """
        index = self._size
        for level, position, value in nodes_completed_by_append(self, index, leaf):
            self._nodes[(level, position)] = value
        self._size = index + 1
        return index

    def items(self) -> list[tuple[int, int, bytes]]:
        """Every complete node, as ``(level, index, hash)``."""
        return [(level, index, value) for (level, index), value in self._nodes.items()]

    def root(self, tree_size: int | None = None) -> MerkleRoot:
        """Return the root at ``tree_size`` (default: the current size).

        Raises:
            ValueError: ``tree_size`` is negative or larger than :attr:`size`.
        """
        size = self._size if tree_size is None else tree_size
        if size > self._size:
            raise ValueError(f"expected tree_size <= {self._size}, found {size}")
        return root_at(self, size)


# --------------------------------------------------------------------------- verification


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Verify that ``leaf_hash`` is leaf ``index`` of the tree ``(tree_size, root)``.

    RFC 9162 §2.1.3.2, step by step, after the oracle README's input checks. The proof
    does not bind ``tree_size`` on its own: the caller must take ``(tree_size, root)`` from
    one verified checkpoint.

    Raises:
        ProofError: any check or step fails.
    """
    # Input checks (oracle README; transparency-dev/merkle proof.VerifyInclusion).
    if index < 0 or tree_size < 0:
        raise ProofError(f"expected non-negative index and size, found {index} and {tree_size}")
    # RFC 9162 §2.1.3.2 step 1: leaf_index >= tree_size fails the verification.
    if index >= tree_size:
        raise ProofError(f"expected index < tree_size, found index={index} size={tree_size}")
    if len(leaf_hash) != HASH_SIZE:
        raise ProofError(f"expected a {HASH_SIZE}-byte leaf hash, found {len(leaf_hash)} bytes")
    if len(root) != HASH_SIZE:
        raise ProofError(f"expected a {HASH_SIZE}-byte root, found {len(root)} bytes")
    for i, p in enumerate(proof):
        if len(p) != HASH_SIZE:
            raise ProofError(f"expected {HASH_SIZE}-byte proof hashes, found {len(p)} at {i}")
    expected = inclusion_proof_size(index, tree_size)
    if len(proof) != expected:
        raise ProofError(
            f"expected an inclusion proof of {expected} hashes for index {index} in a tree "
            f"of {tree_size}, found {len(proof)}"
        )

    # Step 2: set fn to leaf_index and sn to tree_size - 1.
    fn, sn = index, tree_size - 1
    # Step 3: set r to hash.
    r = bytes(leaf_hash)
    # Step 4: for each value p in the inclusion_path array:
    for p in proof:
        # 4a. If sn is 0, stop the iteration and fail the proof verification.
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        # 4b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn & 1 or fn == sn:
            # 4b.i. Set r to HASH(0x01 || p || r).
            r = node_hash(p, r)
            # 4b.ii. If LSB(fn) is not set, right-shift fn and sn equally until either
            # LSB(fn) is set or fn is 0.
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        # Otherwise: set r to HASH(0x01 || r || p).
        else:
            r = node_hash(r, p)
        # 4c. Finally, right-shift both fn and sn one time.
        fn, sn = fn >> 1, sn >> 1
    # Step 5: compare sn to 0 and r against root_hash.
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    if r != root:
        raise ProofError(
            f"inclusion proof does not lead to the root: expected {bytes(root).hex()}, "
            f"found {r.hex()}"
        )


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Verify that the tree ``(size2, root2)`` extends the tree ``(size1, root1)``.

    RFC 9162 §2.1.4.2, step by step, after the oracle README's input checks:
    ``size1 == 0`` is always an error; ``size1 == size2`` needs an empty proof and
    ``root1 == root2`` (compared byte for byte, nothing more: equal sizes and equal roots
    are consistent whatever the roots are).

    Raises:
        ProofError: any check or step fails.
    """
    # Input checks (oracle README; transparency-dev/merkle proof.VerifyConsistency).
    if size1 < 0 or size2 < 0:
        raise ProofError(f"expected non-negative sizes, found size1={size1} size2={size2}")
    if size1 == 0:
        raise ProofError("expected size1 > 0, found 0: rfc 9162 proves nothing from an empty tree")
    if size1 > size2:
        raise ProofError(f"expected size1 <= size2, found size1={size1} size2={size2}")
    if size1 == size2:
        if proof:
            raise ProofError(f"expected an empty proof for equal sizes, found {len(proof)} hashes")
        if root1 != root2:
            raise ProofError(f"expected equal roots for equal sizes {size1}, found different ones")
        return
    for what, value in (("root1", root1), ("root2", root2)):
        if len(value) != HASH_SIZE:
            raise ProofError(f"expected a {HASH_SIZE}-byte {what}, found {len(value)} bytes")
    for i, c in enumerate(proof):
        if len(c) != HASH_SIZE:
            raise ProofError(f"expected {HASH_SIZE}-byte proof hashes, found {len(c)} at {i}")
    # Step 1: an empty consistency_path fails the verification.
    if not proof:
        raise ProofError(f"expected a non-empty proof from size {size1} to {size2}, found none")
    expected = consistency_proof_size(size1, size2)
    if len(proof) != expected:
        raise ProofError(
            f"expected a consistency proof of {expected} hashes from size {size1} to "
            f"{size2}, found {len(proof)}"
        )

    path = [bytes(c) for c in proof]
    # Step 2: if first is an exact power of 2, prepend first_hash to consistency_path.
    if size1 & (size1 - 1) == 0:
        path.insert(0, bytes(root1))
    # Step 3: set fn to first - 1 and sn to second - 1.
    fn, sn = size1 - 1, size2 - 1
    # Step 4: if LSB(fn) is set, right-shift fn and sn equally until LSB(fn) is not set.
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    # Step 5: set both fr and sr to the first value in the consistency_path array.
    fr = sr = path[0]
    # Step 6: for each subsequent value c in the consistency_path array:
    for c in path[1:]:
        # 6a. If sn is 0, stop the iteration and fail the proof verification.
        if sn == 0:
            raise ProofError("consistency proof is longer than the path to the root")
        # 6b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn & 1 or fn == sn:
            # 6b.i. Set fr to HASH(0x01 || c || fr).
            fr = node_hash(c, fr)
            # 6b.ii. Set sr to HASH(0x01 || c || sr).
            sr = node_hash(c, sr)
            # 6b.iii. If LSB(fn) is not set, right-shift fn and sn equally until either
            # LSB(fn) is set or fn is 0.
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        # Otherwise: set sr to HASH(0x01 || sr || c).
        else:
            sr = node_hash(sr, c)
        # 6c. Finally, right-shift both fn and sn one time.
        fn, sn = fn >> 1, sn >> 1
    # Step 7: verify fr == first_hash, sr == second_hash and sn == 0.
    if sn != 0:
        raise ProofError("consistency proof is shorter than the path to the root")
    if fr != root1:
        raise ProofError(
            f"consistency proof does not lead to root1: expected {bytes(root1).hex()}, "
            f"found {fr.hex()}"
        )
    if sr != root2:
        raise ProofError(
            f"consistency proof does not lead to root2: expected {bytes(root2).hex()}, "
            f"found {sr.hex()}"
        )


def check_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Return whether :func:`verify_inclusion` accepts; never raises :class:`ProofError`."""
    try:
        verify_inclusion(leaf_hash, index, tree_size, proof, root)
    except ProofError:
        return False
    return True


def check_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> bool:
    """Return whether :func:`verify_consistency` accepts; never raises :class:`ProofError`."""
    try:
        verify_consistency(size1, size2, proof, root1, root2)
    except ProofError:
        return False
    return True
