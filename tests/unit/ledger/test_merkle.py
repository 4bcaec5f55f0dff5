"""Tests for ``ledger.merkle``: public oracle vectors byte for byte, then hypothesis properties.

Oracles: ``tests/vectors/oracles/merkle/`` — see its README.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.errors import ProofError
from ledger.hashing import EMPTY_TREE_HASH, HASH_SIZE, leaf_hash, node_hash
from ledger.merkle import (
    STORED_FROM_LEVEL,
    FoldedNodes,
    InMemoryNodes,
    append_sources,
    check_consistency,
    check_inclusion,
    consistency_proof,
    consistency_proof_size,
    inclusion_proof,
    inclusion_proof_size,
    leaf_range,
    node_sources,
    nodes_completed_by_append,
    root_at,
    root_from_leaf_hashes,
    stored_node_count,
    stored_nodes_completed_by_append,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)
from tests.oracles import oracles_dir

MERKLE_ORACLES = oracles_dir() / "merkle"
TDEV = MERKLE_ORACLES / "transparency-dev-merkle" / "testdata"

FAST = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def load(name: str) -> Any:
    path = MERKLE_ORACLES / name
    assert path.is_file(), f"oracle file missing: expected {path}"
    return json.loads(path.read_text(encoding="utf-8"))


def hexes(values: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def b64s(values: Sequence[str] | None) -> list[bytes]:
    return [base64.b64decode(v) for v in values or []]


# --------------------------------------------------------------------------- references
# Literal transcriptions of the RFC 9162 recursive definitions over a list of leaf hashes,
# independent of the NodeReader machinery under test.


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return EMPTY_TREE_HASH
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(ref_mth(leaves[:k]), ref_mth(leaves[k:]))


def ref_path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = split(len(leaves))
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [ref_mth(leaves)]
    k = split(n)
    if m <= k:
        return [*ref_subproof(m, leaves[:k], b), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


class CountingReader:
    """Wraps a reader and records every node read."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.reads: list[tuple[int, int]] = []

    def get_node(self, level: int, index: int) -> bytes:
        self.reads.append((level, index))
        result: bytes = self.inner.get_node(level, index)
        return result


class SyntheticReader:
    """Deterministic stand-in hashes for a huge tree: only read counts are meaningful."""

    def get_node(self, level: int, index: int) -> bytes:
        return leaf_hash(f"{level}/{index}".encode())


# --------------------------------------------------------------------------- rfc6962 vectors

RFC = load("rfc6962_vectors.json")
LEAVES = hexes(RFC["leaves_hex"])
LEAF_HASHES = hexes(RFC["leaf_hashes_hex"])
TREE8 = InMemoryNodes(LEAF_HASHES)


def test_hasher_vectors() -> None:
    for vector in RFC["hasher_vectors"]:
        want = bytes.fromhex(vector["want_hex"])
        got: bytes
        if vector["op"] == "empty_root":
            got = root_from_leaf_hashes([])
        elif vector["op"] == "leaf_hash":
            got = leaf_hash(bytes.fromhex(vector["data_hex"]))
        else:
            got = node_hash(bytes.fromhex(vector["left_hex"]), bytes.fromhex(vector["right_hex"]))
        assert got == want, vector["desc"]
    assert [leaf_hash(d) for d in LEAVES] == LEAF_HASHES


def test_roots_for_sizes_0_to_8() -> None:
    roots = RFC["roots_by_size_hex"]
    assert sorted(int(s) for s in roots) == list(range(9))
    for size_text, root_hex in roots.items():
        size = int(size_text)
        want = bytes.fromhex(root_hex)
        assert root_from_leaf_hashes(LEAF_HASHES[:size]) == want
        assert root_at(TREE8, size) == want
        assert InMemoryNodes(LEAF_HASHES[:size]).root() == want
        assert ref_mth(LEAF_HASHES[:size]) == want


def test_every_complete_subtree_node_is_stored_as_the_vectors_say() -> None:
    levels = RFC["node_hashes_by_level_hex"]
    expected = {
        (level, index): bytes.fromhex(value)
        for level, row in enumerate(levels)
        for index, value in enumerate(row)
    }
    assert len(expected) == 15
    stored: dict[tuple[int, int], bytes] = {}
    tree = InMemoryNodes()
    for index, leaf in enumerate(LEAF_HASHES):
        completed = nodes_completed_by_append(tree, index, leaf)
        assert tree.append(leaf) == index
        assert completed[0] == (0, index, leaf)
        assert [level for level, _, _ in completed] == list(range(len(completed)))
        for level, position, value in completed:
            assert (level, position) not in stored
            stored[(level, position)] = value
    assert stored == expected
    for (level, index), value in expected.items():
        assert TREE8.get_node(level, index) == value
        assert subtree_hash(TREE8, index << level, (index + 1) << level) == value


@pytest.mark.parametrize("vector", RFC["inclusion_proofs"], ids=lambda v: f"{v['leaf_index']}")
def test_rfc6962_inclusion_proofs(vector: dict[str, Any]) -> None:
    index, size = vector["leaf_index"], vector["tree_size"]
    root, proof = bytes.fromhex(vector["root_hex"]), hexes(vector["proof_hex"])
    leaf = leaf_hash(bytes.fromhex(vector["leaf_hex"]))
    assert leaf == LEAF_HASHES[index]
    assert inclusion_proof(TREE8, index, size) == proof
    assert ref_path(index, LEAF_HASHES[:size]) == proof
    assert root_at(TREE8, size) == root
    verify_inclusion(leaf, index, size, proof, root)
    assert check_inclusion(leaf, index, size, proof, root)


@pytest.mark.parametrize(
    "vector", RFC["consistency_proofs"], ids=lambda v: f"{v['size1']}-{v['size2']}"
)
def test_rfc6962_consistency_proofs(vector: dict[str, Any]) -> None:
    size1, size2 = vector["size1"], vector["size2"]
    root1, root2 = bytes.fromhex(vector["root1_hex"]), bytes.fromhex(vector["root2_hex"])
    proof = hexes(vector["proof_hex"])
    assert consistency_proof(TREE8, size1, size2) == proof
    assert ref_subproof(size1, LEAF_HASHES[:size2], True) == proof
    assert (root_at(TREE8, size1), root_at(TREE8, size2)) == (root1, root2)
    verify_consistency(size1, size2, proof, root1, root2)
    assert check_consistency(size1, size2, proof, root1, root2)


def test_rfc6962_section_2_1_3_worked_examples() -> None:
    ex = load("rfc6962_section_2_1_3_examples.json")
    tree7 = InMemoryNodes(LEAF_HASHES[:7])
    symbols = {name: bytes.fromhex(value) for name, value in ex["node_hashes_hex"].items()}
    for name, (start, end) in ex["node_ranges"].items():
        assert subtree_hash(tree7, start, end) == symbols[name], name
    roots = {
        int(k.split("size ")[1].rstrip(")")): bytes.fromhex(v) for k, v in ex["roots_hex"].items()
    }
    for size, root in roots.items():
        assert root_at(tree7, size) == root
    root7 = roots[7]
    for index_text, path in ex["audit_paths"].items():
        index = int(index_text)
        proof = [symbols[s] for s in path]
        assert inclusion_proof(tree7, index, 7) == proof, index
        verify_inclusion(LEAF_HASHES[index], index, 7, proof, root7)
    for key, path in ex["consistency_proofs"].items():
        size1, size2 = (int(x) for x in key.split("->"))
        proof = [symbols[s] for s in path]
        assert consistency_proof(tree7, size1, size2) == proof, key
        verify_consistency(size1, size2, proof, roots[size1], root7)


# --------------------------------------------------------------------------- transparency-dev

INCLUSION_FILES = sorted(TDEV.glob("inclusion/**/*.json"))
CONSISTENCY_FILES = sorted(TDEV.glob("consistency/**/*.json"))
ROOTS8 = {size: root_at(TREE8, size) for size in range(9)}


def probe_id(path: Path) -> str:
    return str(path.relative_to(TDEV))


def test_transparency_dev_probe_counts() -> None:
    assert len(INCLUSION_FILES) == 98, f"expected 98 inclusion probes in {TDEV}"
    assert len(CONSISTENCY_FILES) == 98, f"expected 98 consistency probes in {TDEV}"


@pytest.mark.parametrize("path", INCLUSION_FILES, ids=probe_id)
def test_transparency_dev_inclusion_probe(path: Path) -> None:
    probe = json.loads(path.read_text(encoding="utf-8"))
    leaf = base64.b64decode(probe["leafHash"])
    root = base64.b64decode(probe["root"])
    proof = b64s(probe["proof"])
    args = (leaf, probe["leafIdx"], probe["treeSize"], proof, root)
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
        assert not check_inclusion(*args)
        return
    verify_inclusion(*args)
    assert check_inclusion(*args)
    if ROOTS8.get(probe["treeSize"]) == root:
        assert inclusion_proof(TREE8, probe["leafIdx"], probe["treeSize"]) == proof


@pytest.mark.parametrize("path", CONSISTENCY_FILES, ids=probe_id)
def test_transparency_dev_consistency_probe(path: Path) -> None:
    probe = json.loads(path.read_text(encoding="utf-8"))
    root1 = base64.b64decode(probe["root1"])
    root2 = base64.b64decode(probe["root2"])
    proof = b64s(probe["proof"])
    args = (probe["size1"], probe["size2"], proof, root1, root2)
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
        assert not check_consistency(*args)
        return
    verify_consistency(*args)
    assert check_consistency(*args)
    if ROOTS8.get(probe["size1"]) == root1 and ROOTS8.get(probe["size2"]) == root2:
        assert consistency_proof(TREE8, probe["size1"], probe["size2"]) == proof


# --------------------------------------------------------------------------- sigstore rekor v2


def test_sigstore_rekor_v2_staging_inclusion() -> None:
    rekor = load("sigstore_rekor_v2_staging.json")
    entry = rekor["entry"]
    leaf = leaf_hash(base64.b64decode(entry["canonicalized_body_b64"]))
    root = base64.b64decode(entry["root_hash_b64"])
    proof = b64s(entry["proof_b64"])
    index, size = entry["log_index"], entry["tree_size"]
    assert len(proof) == inclusion_proof_size(index, size) == 4
    verify_inclusion(leaf, index, size, proof, root)
    assert rekor["expect"]["inclusion_valid"] is True
    for wrong in (
        (leaf, index - 1, size, proof, root),
        (leaf, index, size + 1, proof, root),
        (leaf_hash(b"other"), index, size, proof, root),
        (leaf, index, size, proof[::-1], root),
    ):
        assert not check_inclusion(*wrong)


# --------------------------------------------------------------------------- edge cases


def test_argument_errors_of_generators() -> None:
    with pytest.raises(ValueError, match="index"):
        inclusion_proof(TREE8, 8, 8)
    with pytest.raises(ValueError, match="index"):
        inclusion_proof(TREE8, -1, 8)
    with pytest.raises(ValueError, match="size1"):
        consistency_proof(TREE8, 0, 8)
    with pytest.raises(ValueError, match="size1"):
        consistency_proof(TREE8, 5, 4)
    assert consistency_proof(TREE8, 5, 5) == []
    with pytest.raises(ValueError, match="subtree"):
        subtree_hash(TREE8, 2, 5)
    with pytest.raises(ValueError, match="start"):
        subtree_hash(TREE8, 3, 3)
    with pytest.raises(ValueError, match="tree_size"):
        root_at(TREE8, -1)
    with pytest.raises(ValueError, match="32 bytes"):
        root_from_leaf_hashes([b"\x00" * 31])
    with pytest.raises(ValueError, match="32 bytes"):
        InMemoryNodes().append(b"short")
    with pytest.raises(ValueError, match="index"):
        nodes_completed_by_append(TREE8, -1, LEAF_HASHES[0])
    with pytest.raises(KeyError, match="level 0 index 8"):
        TREE8.get_node(0, 8)
    with pytest.raises(ValueError, match="tree_size"):
        TREE8.root(9)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((LEAF_HASHES[0], 0, 0, [], EMPTY_TREE_HASH), "index < tree_size"),
        ((LEAF_HASHES[0], -1, 1, [], LEAF_HASHES[0]), "non-negative"),
        ((LEAF_HASHES[0][:31], 0, 1, [], LEAF_HASHES[0]), "leaf hash"),
        ((LEAF_HASHES[0], 0, 1, [], LEAF_HASHES[0] + b"\x00"), "root"),
        ((LEAF_HASHES[0], 0, 2, [b"\x00" * 33], ROOTS8[2]), "proof hashes"),
        ((LEAF_HASHES[0], 0, 2, [], ROOTS8[2]), "1 hashes"),
        ((LEAF_HASHES[0], 0, 2, [LEAF_HASHES[1]] * 2, ROOTS8[2]), "1 hashes"),
        ((LEAF_HASHES[0], 0, 2, [LEAF_HASHES[2]], ROOTS8[2]), "does not lead"),
    ],
)
def test_verify_inclusion_error_messages(args: Any, message: str) -> None:
    with pytest.raises(ProofError, match=message):
        verify_inclusion(*args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 0, [], EMPTY_TREE_HASH, EMPTY_TREE_HASH), "size1 > 0"),
        ((0, 3, [], EMPTY_TREE_HASH, ROOTS8[3]), "size1 > 0"),
        ((4, 3, [], ROOTS8[4], ROOTS8[3]), "size1 <= size2"),
        ((3, 3, [ROOTS8[3]], ROOTS8[3], ROOTS8[3]), "empty proof"),
        ((3, 3, [], ROOTS8[3], ROOTS8[4]), "equal roots"),
        ((3, 4, [], ROOTS8[3], ROOTS8[4]), "non-empty proof"),
        ((3, 4, [b"\x00"], ROOTS8[3], ROOTS8[4]), "proof hashes"),
        ((3, 4, [LEAF_HASHES[0]], ROOTS8[3][:5], ROOTS8[4]), "root1"),
        ((3, 4, [LEAF_HASHES[0]], ROOTS8[3], ROOTS8[4]), "3 hashes"),
    ],
)
def test_verify_consistency_error_messages(args: Any, message: str) -> None:
    with pytest.raises(ProofError, match=message):
        verify_consistency(*args)


def test_equal_sizes_compare_roots_only() -> None:
    # transparency-dev "sizes are equal (one) and proof is empty": placeholder 12-byte roots.
    verify_consistency(1, 1, [], b"don't care 2", b"don't care 2")


def test_proof_alone_does_not_bind_the_claimed_size() -> None:
    """RFC 9162 behaviour, pinned so nobody "fixes" it: sizes come from signed checkpoints.

    Leaf 0's path has the same shape in trees of 6 and 7 leaves, and the consistency proof
    4 -> 6 has the same shape as 4 -> 8, so each verifies under the wrong size if the root
    is left unchanged. With the root of the claimed size they fail.
    """
    proof6 = inclusion_proof(TREE8, 0, 6)
    assert check_inclusion(LEAF_HASHES[0], 0, 7, proof6, ROOTS8[6])
    assert not check_inclusion(LEAF_HASHES[0], 0, 7, proof6, ROOTS8[7])
    proof46 = consistency_proof(TREE8, 4, 6)
    assert check_consistency(4, 8, proof46, ROOTS8[4], ROOTS8[6])
    assert not check_consistency(4, 8, proof46, ROOTS8[4], ROOTS8[8])


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9, 1000, 1023, 1024, 1025, 2**40 + 12345])
def test_reads_are_logarithmic(size: int) -> None:
    bound = 2 * size.bit_length() + 1
    rng = random.Random(size)
    for _ in range(20):
        index = rng.randrange(size)
        reader = CountingReader(SyntheticReader())
        proof = inclusion_proof(reader, index, size)
        assert len(proof) == inclusion_proof_size(index, size)
        assert len(reader.reads) <= bound
        size1 = rng.randrange(1, size + 1)
        reader = CountingReader(SyntheticReader())
        proof = consistency_proof(reader, size1, size)
        assert len(proof) == consistency_proof_size(size1, size)
        assert len(reader.reads) <= bound
        reader = CountingReader(SyntheticReader())
        root_at(reader, size)
        assert len(reader.reads) == size.bit_count()
        reader = CountingReader(SyntheticReader())
        completed = nodes_completed_by_append(reader, index, LEAF_HASHES[0])
        trailing_ones = (index ^ (index + 1)).bit_length() - 1
        assert len(reader.reads) == trailing_ones == len(completed) - 1
        assert reader.reads == [(lvl, (index >> lvl) - 1) for lvl in range(trailing_ones)]


# --------------------------------------------------------------------------- properties


@lru_cache(maxsize=64)
def tree(seed: int, n: int) -> tuple[tuple[bytes, ...], InMemoryNodes, tuple[bytes, ...]]:
    leaves = tuple(leaf_hash(f"{seed}/{i}".encode()) for i in range(n))
    nodes = InMemoryNodes(leaves)
    roots = tuple(root_at(nodes, size) for size in range(n + 1))
    return leaves, nodes, roots


SEEDS = st.integers(0, 3)
SIZES = st.integers(1, 300)


def flip(proof: list[bytes], position: int, bit: int) -> list[bytes]:
    altered = list(proof)
    target = bytearray(altered[position])
    target[bit // 8] ^= 1 << (bit % 8)
    altered[position] = bytes(target)
    return altered


@FAST
@given(seed=SEEDS, n=st.integers(0, 300), data=st.data())
def test_incremental_roots_match_root_from_leaf_hashes(seed: int, n: int, data: Any) -> None:
    leaves, nodes, roots = tree(seed, n)
    assert nodes.size == len(nodes) == n
    assert roots[n] == root_from_leaf_hashes(leaves) == nodes.root()
    sizes = range(n + 1) if n <= 40 else data.draw(st.sets(st.integers(0, n), max_size=8))
    for size in sizes:
        assert roots[size] == root_from_leaf_hashes(leaves[:size])
    small = data.draw(st.integers(0, min(n, 40)))
    assert roots[small] == ref_mth(leaves[:small])


@FAST
@given(seed=SEEDS, n=SIZES, data=st.data())
def test_every_inclusion_proof_verifies(seed: int, n: int, data: Any) -> None:
    leaves, nodes, roots = tree(seed, n)
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    for index in range(n):
        for size in {index + 1, n, rng.randint(index + 1, n)}:
            proof = inclusion_proof(nodes, index, size)
            assert len(proof) == inclusion_proof_size(index, size)
            verify_inclusion(leaves[index], index, size, proof, roots[size])
    index = rng.randrange(min(n, 64))
    size = rng.randint(index + 1, min(n, 64))
    assert inclusion_proof(nodes, index, size) == ref_path(index, leaves[:size])


@FAST
@given(seed=SEEDS, n=SIZES, data=st.data())
def test_every_consistency_proof_verifies(seed: int, n: int, data: Any) -> None:
    _, nodes, roots = tree(seed, n)
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    for size1 in range(1, n + 1):
        for size2 in {n, rng.randint(size1, n)}:
            proof = consistency_proof(nodes, size1, size2)
            assert len(proof) == consistency_proof_size(size1, size2)
            verify_consistency(size1, size2, proof, roots[size1], roots[size2])
    leaves = tree(seed, n)[0]
    size2 = min(n, 64)
    size1 = rng.randint(1, size2)
    assert consistency_proof(nodes, size1, size2) == ref_subproof(size1, leaves[:size2], True)


@FAST
@given(seed=SEEDS, n=st.integers(2, 300), data=st.data())
def test_altered_inclusion_inputs_are_rejected(seed: int, n: int, data: Any) -> None:
    leaves, nodes, roots = tree(seed, n)
    size = data.draw(st.integers(2, n))
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(nodes, index, size)
    leaf, root = leaves[index], roots[size]
    assert check_inclusion(leaf, index, size, proof, root)

    position = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, HASH_SIZE * 8 - 1))
    assert not check_inclusion(leaf, index, size, flip(proof, position, bit), root)
    assert not check_inclusion(leaf, index, size, proof[:-1], root)
    assert not check_inclusion(leaf, index, size, [*proof, proof[0]], root)
    assert not check_inclusion(flip([leaf], 0, bit)[0], index, size, proof, root)
    assert not check_inclusion(leaf, index, size, proof, flip([root], 0, bit)[0])

    other_index = data.draw(st.integers(0, size + 2).filter(lambda i: i != index))
    assert not check_inclusion(leaf, other_index, size, proof, root)

    other_size = data.draw(st.integers(0, n).filter(lambda s: s != size))
    assert not check_inclusion(leaf, index, other_size, proof, roots[other_size])


@FAST
@given(seed=SEEDS, n=st.integers(2, 300), data=st.data())
def test_altered_consistency_inputs_are_rejected(seed: int, n: int, data: Any) -> None:
    _, nodes, roots = tree(seed, n)
    size2 = data.draw(st.integers(2, n))
    size1 = data.draw(st.integers(1, size2 - 1))
    proof = consistency_proof(nodes, size1, size2)
    root1, root2 = roots[size1], roots[size2]
    assert check_consistency(size1, size2, proof, root1, root2)

    position = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, HASH_SIZE * 8 - 1))
    assert not check_consistency(size1, size2, flip(proof, position, bit), root1, root2)
    assert not check_consistency(size1, size2, proof[:-1], root1, root2)
    assert not check_consistency(size1, size2, [*proof, proof[0]], root1, root2)
    assert not check_consistency(size1, size2, proof, flip([root1], 0, bit)[0], root2)
    assert not check_consistency(size1, size2, proof, root1, flip([root2], 0, bit)[0])
    assert not check_consistency(size2, size1, proof, root2, root1)

    other1 = data.draw(st.integers(0, n).filter(lambda s: s != size1))
    assert not check_consistency(other1, size2, proof, roots[other1], root2)
    other2 = data.draw(st.integers(0, n).filter(lambda s: s != size2))
    assert not check_consistency(size1, other2, proof, root1, roots[other2])


# --------------------------------------------------------------------------- sparse storage


def test_append_sources_name_the_block_and_the_stored_siblings() -> None:
    assert append_sources(0) == ([], range(0))
    assert append_sources(14) == ([], range(0))
    assert append_sources(15) == ([], range(15))
    assert append_sources(31) == ([(4, 0)], range(16, 31))
    assert append_sources(47) == ([], range(32, 47))
    assert append_sources(63) == ([(4, 2), (5, 0)], range(48, 63))
    assert append_sources(2**20 - 1) == (
        [(lv, 2 ** (20 - lv) - 2) for lv in range(4, 20)],
        range(2**20 - 16, 2**20 - 1),
    )


def test_node_sources_split_stored_nodes_from_folded_ones() -> None:
    stored, leaves = node_sources([(4, 1), (0, 3), (2, 1), (3, 0), (9, 0), (4, 1)])
    assert stored == [(4, 1), (9, 0)]
    assert leaves == list(range(8))  # (0, 3), (2, 1) = 4..7 and (3, 0) = 0..7
    assert leaf_range(3, 2) == range(16, 24)


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 31, 32, 100, 1024, 2**40 + 12345])
def test_stored_node_count_counts_levels_from_four_up(size: int) -> None:
    expected = sum(size >> level for level in range(STORED_FROM_LEVEL, 64))
    assert stored_node_count(size) == expected


def test_folded_nodes_refuse_what_they_cannot_compute() -> None:
    reader = FoldedNodes({}, {i: LEAF_HASHES[i] for i in range(6)})
    assert reader.get_node(2, 0) == TREE8.get_node(2, 0)
    with pytest.raises(KeyError, match="needs leaf 6"):
        reader.get_node(2, 1)
    with pytest.raises(KeyError, match="no stored merkle node at level 4"):
        reader.get_node(4, 0)
    assert reader.known([(1, 2), (1, 3), (3, 0)]) == {(1, 2): TREE8.get_node(1, 2)}


@FAST
@given(seed=SEEDS, n=st.integers(1, 300), data=st.data())
def test_sparse_tree_grown_by_appends_gives_the_full_trees_proofs(
    seed: int, n: int, data: Any
) -> None:
    leaves, full, roots = tree(seed, n)
    stored: dict[tuple[int, int], bytes] = {}
    for index, leaf in enumerate(leaves):
        # An append reads exactly what append_sources names, nothing else.
        siblings, block = append_sources(index)
        reader = CountingReader(
            FoldedNodes({s: stored[s] for s in siblings}, {i: leaves[i] for i in block})
        )
        for level, position, value in stored_nodes_completed_by_append(reader, index, leaf):
            assert level >= STORED_FROM_LEVEL
            assert (level, position) not in stored
            stored[(level, position)] = value
        assert {r for r in reader.reads if r[0] >= STORED_FROM_LEVEL} <= set(siblings)
        assert len(reader.reads) == (len(siblings) + STORED_FROM_LEVEL if block else 0)
    assert len(stored) == stored_node_count(n)
    assert stored == {
        (level, i): full.get_node(level, i)
        for level in range(STORED_FROM_LEVEL, n.bit_length())
        for i in range(n >> level)
    }
    # Proofs and roots from the sparse nodes, fetched the way a store plans them.
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    recorder = CountingReader(SyntheticReader())
    inclusion_proof(recorder, index, size)
    wanted_stored, wanted_leaves = node_sources(recorder.reads)
    sparse = FoldedNodes(
        {k: stored[k] for k in wanted_stored}, {i: leaves[i] for i in wanted_leaves}
    )
    assert inclusion_proof(sparse, index, size) == inclusion_proof(full, index, size)
    assert all(
        index // 16 * 16 <= i < index // 16 * 16 + 16 or i >= size // 16 * 16 for i in wanted_leaves
    )
    assert len(wanted_leaves) <= 30  # 15 in the leaf's block, 15 at the right edge
    first = data.draw(st.integers(1, size))
    everything = FoldedNodes(stored, dict(enumerate(leaves)))
    assert consistency_proof(everything, first, size) == consistency_proof(full, first, size)
    assert root_at(everything, size) == roots[size]


def test_stored_nodes_completed_by_append_checks_its_input() -> None:
    with pytest.raises(ValueError, match="index >= 0"):
        stored_nodes_completed_by_append(TREE8, -1, LEAF_HASHES[0])
    with pytest.raises(ValueError, match="32 bytes"):
        stored_nodes_completed_by_append(TREE8, 3, b"short")
