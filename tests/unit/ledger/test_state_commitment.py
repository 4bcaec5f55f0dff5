"""``ledger.state_commitment``: the leaf bytes and root documented in docs/entry-format.md.

The root is recomputed here with ``hashlib`` from RFC 9162's definitions (0x00 leaf prefix,
0x01 node prefix), not with ``ledger.merkle``, so a change to either side shows; the leaf
order (kinds by code point, then keys; documents before links) and the staged view of links
are checked on the same small state.
"""

from __future__ import annotations

import hashlib

from ledger.state import InMemoryState, StagedState
from ledger.state_commitment import BlockRoots, reusing, state_commitment, state_leaves

ROOT = "3744e0ba01ce1886f6737db4eda621b51961342d48b5396f4406d996f8e75d51"


def _state() -> InMemoryState:
    state = InMemoryState()
    state.put("plot", "pl-1", {"area_ha": 1.5, "org_id": "coop-a", "product": "coffee"}, 3)
    state.put("org", "coop-a", {"kind": "association", "landscape": "Sierra Madre"}, 1)
    state.link("verifies", "plot:pl-1", "v-1", 5)
    state.put("lot", "l-1", {"ignored": True}, 6)  # a kind not committed to
    return state


def _h(prefix: bytes, *parts: bytes) -> bytes:
    return hashlib.sha256(prefix + b"".join(parts)).digest()


def test_leaves_and_root_are_the_documented_bytes() -> None:
    leaves = list(state_leaves(_state(), ["plot", "org"], ["verifies"]))
    assert [leaf for _tag, _kind, leaf in leaves] == [
        b'["doc","org","coop-a",{"kind":"association","landscape":"Sierra Madre"}]',
        b'["doc","plot","pl-1",{"area_ha":1.5,"org_id":"coop-a","product":"coffee"}]',
        b'["link","verifies","plot:pl-1","v-1"]',
    ]
    h0, h1, h2 = (_h(b"\x00", leaf) for _tag, _kind, leaf in leaves)
    assert _h(b"\x01", _h(b"\x01", h0, h1), h2).hex() == ROOT
    assert state_commitment(leaves, ["plot", "org"], ["verifies"]) == {
        "kinds": {"org": 1, "plot": 1},
        "link_kinds": {"verifies": 1},
        "root": ROOT,
    }


def test_staged_links_count_once_with_the_base() -> None:
    staged = StagedState(_state())
    staged.link("verifies", "plot:pl-1", "v-1", 7)  # already in the base
    staged.link("verifies", "lot:l-1", "v-2", 7)
    assert staged.scan_links("verifies") == [("lot:l-1", "v-2"), ("plot:pl-1", "v-1")]


def test_reused_hashes_follow_staged_writes() -> None:
    """With a state's leaf hashes remembered, the admission's view over staged writes (an
    earlier statement of the same group) reads the rewritten and the new documents and
    reuses only the unchanged: the same counts and root as recomputing everything."""
    from ledger.state_commitment import _admitted_leaves, _commitment, remembered_commitment

    base = _state()
    kinds, link_kinds = ["plot", "org"], ["verifies"]
    body, known = remembered_commitment(base, kinds, link_kinds)
    assert body == state_commitment(state_leaves(base, kinds, link_kinds), kinds, link_kinds)
    assert set(known) == {("org", "coop-a", 1), ("plot", "pl-1", 3)}
    staged = StagedState(base)
    staged.put("plot", "pl-1", {"area_ha": 2.5, "org_id": "coop-a", "product": "coffee"}, 8)
    staged.put("plot", "pl-2", {"area_ha": 0.75, "org_id": "coop-a", "product": "cacao"}, 8)
    staged.link("verifies", "plot:pl-2", "v-2", 8)
    full = state_commitment(state_leaves(staged, kinds, link_kinds), kinds, link_kinds)
    assert full["kinds"] == {"org": 1, "plot": 2} and full["root"] != body["root"]
    with reusing(known):
        assert _commitment(_admitted_leaves(staged, kinds, link_kinds), kinds, link_kinds) == full


def _mth(hashes: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 by its recursion: split at the largest power of two below n."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return _h(b"\x01", _mth(hashes[:k]), _mth(hashes[k:]))


def test_block_roots_give_the_tree_root_inline_and_in_a_worker() -> None:
    """Blocks of 4 leaves: sizes on, around and far from the block boundaries."""
    for workers in (0, 1):
        for size in (1, 3, 4, 5, 8, 9, 13, 16, 17, 31):
            leaves = [f'["doc","plot","k{i}",{{}}]'.encode() for i in range(size)]
            roots = BlockRoots(workers)
            try:
                for start in range(0, size, 4):
                    roots.add(b"".join(leaf + b"\n" for leaf in leaves[start : start + 4]))
                found = roots.root()
            finally:
                roots.close()
            assert found == _mth([_h(b"\x00", leaf) for leaf in leaves]).hex(), (workers, size)
