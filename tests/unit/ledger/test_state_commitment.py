"""``ledger.state_commitment``: the leaf bytes and root documented in docs/entry-format.md.

The root is recomputed here with ``hashlib`` from RFC 9162's definitions (0x00 leaf prefix,
0x01 node prefix), not with ``ledger.merkle``, so a change to either side shows; the leaf
order (kinds by code point, then keys; documents before links) and the staged view of links
are checked on the same small state.
"""

from __future__ import annotations

import hashlib

from ledger.state import InMemoryState, StagedState
from ledger.state_commitment import state_commitment, state_leaves

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
