"""The worked examples in docs/entry-format.md are recomputed byte for byte: the genesis entry
from its seeds, and a findings-version-2 finding from the rule engine."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.canonical import canonicalize
from ledger.entries import Entry, build_entry
from ledger.hashing import GENESIS_PREV
from ledger.keys import encode_public_key, key_id, public_key_bytes
from ledger.statements import sign_statement
from verifiers.rules import Evidence, evaluate
from verifiers.standards import shipped_standards

DOC = Path(__file__).resolve().parents[3] / "docs" / "entry-format.md"


def _examples() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- example:(\w+) -->\n```\n(.*?)\n```", text, flags=re.S)
    return dict(blocks)


def _key(name: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"biotraza-test:{name}".encode()).digest()
    )


def test_doc_has_every_example() -> None:
    assert set(_examples()) == {"statement", "sig", "leaf", "entry_hash", "finding_v2"}


def test_worked_example_recomputes_exactly() -> None:
    examples = _examples()
    root, operator = _key("root"), _key("operator")
    signed = sign_statement(
        root,
        "ledger.genesis",
        {
            "origin": "biotraza.test/log",
            "root_keys": [{"name": "root", "public_key": encode_public_key(root)}],
            "operator_key": {"name": "operator", "public_key": encode_public_key(operator)},
        },
        ts="2026-03-01T12:00:00Z",
        nonce="genesis-nonce-0",
    )
    assert signed.statement.canonical_bytes.decode() == examples["statement"]
    assert signed.sig == examples["sig"]
    entry = build_entry(0, GENESIS_PREV, signed, "2026-03-01T12:00:05.000000Z")
    assert entry.leaf_bytes.decode() == examples["leaf"]
    assert entry.entry_hash.hex() == examples["entry_hash"]
    assert hashlib.sha256(b"\x00" + examples["leaf"].encode()).hexdigest() == entry.entry_hash.hex()
    assert key_id(root) == "e0799377789f7f4af7d43a8b9866d0b6"


def test_leaf_from_doc_parses_and_verifies() -> None:
    examples = _examples()
    entry = Entry.from_leaf_bytes(examples["leaf"].encode())
    assert entry.statement.canonical_bytes.decode() == examples["statement"]
    entry.signed.verify_signature(public_key_bytes(_key("root")))


def test_version_2_finding_is_the_engines() -> None:
    shade = Evidence(
        "plot", "cs-plot14", "shade_cover_pct", 25, "2026-01-20", evidence_id="ev-cs-plot14-shade"
    )
    evaluation = evaluate(
        shipped_standards()["coffee-ab@1"],
        [("plot", "cs-plot14")],
        [shade],
        "2026-02-01",
        findings_version=2,
    )
    (finding,) = [
        f for f in evaluation.to_dict()["findings"] if f["criterion_id"] == "CAB-SHADE-COVER"
    ]
    assert canonicalize(finding).decode() == _examples()["finding_v2"]
