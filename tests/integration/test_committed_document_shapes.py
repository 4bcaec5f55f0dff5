"""A tripwire on the shape of the projection documents a ``state.committed`` entry commits to.

Why: a ``state.committed`` leaf is a projection document exactly as the entry types write it
(docs/entry-format.md, "State commitments"), and every ``ledger verify`` replay recomputes the
committed root. A change to what an entry type writes into one of the committed kinds — a
field added, renamed or dropped — makes every commitment already in a log fail verification
at that entry, for ever. Such a change must keep old entries replaying to the same documents
(see "Changing a committed kind" in docs/entry-format.md); this test makes the change visible
instead of silent.

What it checks: the set of key paths (``a.b``, ``a[].b``) of each committed kind's
documents in the demo ledger equals ``committed_document_shapes.json``. It sees only the
fields the demo exercises; an optional field the demo never writes is not pinned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api.demo import build_demo
from api.services.ledger import LedgerService, full_registry
from api.settings import Settings
from ledger.chain import verify_stored_leaves
from verifiers.indicators.state_evidence import STATE_KINDS

PINNED = Path(__file__).with_name("committed_document_shapes.json")


def _paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON value; list items share their list's path (``[]``)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found |= {path} | _paths(item, path)
    elif isinstance(value, list):
        for item in value:
            found |= _paths(item, f"{prefix}[]")
    return found


def test_committed_kinds_keep_their_document_shape(tmp_path: Path) -> None:
    cfg = Settings(
        data_dir=tmp_path,
        key_passphrase="demo-test-passphrase",
        database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
    )
    build_demo(cfg)
    service = LedgerService.open(cfg.resolved_database_url, migrate=False)
    try:
        state = verify_stored_leaves(service.store.stored_leaves(), full_registry()).state
    finally:
        service.close()
    shapes: dict[str, set[str]] = {kind: set() for kind in STATE_KINDS}
    for (kind, _key), (document, _seq) in state.dump().items():
        if kind in shapes:
            shapes[kind] |= _paths(document)
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    assert sorted(pinned) == sorted(STATE_KINDS), "a committed kind was added or removed"
    for kind in STATE_KINDS:
        added, dropped = shapes[kind] - set(pinned[kind]), set(pinned[kind]) - shapes[kind]
        assert not added and not dropped, (
            f"{kind}: document shape changed (added {sorted(added)}, dropped "
            f"{sorted(dropped)}). Commitments already in a log would fail ledger verify: keep "
            "old entries replaying to the same documents (docs/entry-format.md, 'Changing a "
            "committed kind'), then update committed_document_shapes.json"
        )
