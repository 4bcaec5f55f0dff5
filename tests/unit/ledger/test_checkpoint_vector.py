"""The frozen transparency vector ``tests/vectors/checkpoint_inclusion.json``.

The browser app (api/webapp/tests/crypto.test.ts) checks the same file: statements re-signed
from the same seeds, leaf bytes, entry hashes, the operator's signed checkpoint and every
inclusion proof. This test pins the Python side to it, so a change on either side that
breaks byte-for-byte agreement fails a test instead of a field device's sync.

The file was written once by ``build_vector()`` below (``python -c "from
tests.unit.ledger.test_checkpoint_vector import build_vector; import json; print(json.dumps(
build_vector(), indent=2, ensure_ascii=False))" > tests/vectors/checkpoint_inclusion.json``)
and is frozen: if the format changes, the file must not be regenerated silently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.checkpoints import Checkpoint, sign_checkpoint, verifier_key_string, verify_checkpoint
from ledger.entries import Entry, build_entry
from ledger.errors import CheckpointError, ProofError
from ledger.hashing import GENESIS_PREV, EntryHash
from ledger.keys import encode_public_key, key_id
from ledger.merkle import InMemoryNodes, inclusion_proof
from ledger.statements import sign_statement
from ledger.transparency import InclusionProofDocument, verify_inclusion_document
from tests.factories import make_key

VECTOR = Path(__file__).resolve().parents[2] / "vectors" / "checkpoint_inclusion.json"
ORIGIN = "biotraza.example/golden"
LOG_TIMES = [f"2026-03-01T12:00:0{i}.{i:06d}Z" for i in range(5)]


def build_vector() -> dict[str, Any]:
    """Five entries signed by make_key('device'), placed in a chain, one checkpoint."""
    device, operator = make_key("device"), make_key("operator")
    entries: list[Entry] = []
    prev: EntryHash = GENESIS_PREV
    for i, log_time in enumerate(LOG_TIMES):
        body = {"n": i, "note": f"entrega {i}: 12.5 kg café — ñandú", "ratio": 0.1 * i}
        signed = sign_statement(
            device,
            "example.field_note",
            body,
            ts=f"2026-03-01T11:5{i}:00Z",
            nonce=f"vector-nonce-{i:04d}",
        )
        entry = build_entry(i, prev, signed, log_time)
        entries.append(entry)
        prev = entry.entry_hash
    tree = InMemoryNodes(e.entry_hash for e in entries)
    size = len(entries)
    note = sign_checkpoint(Checkpoint(ORIGIN, size, bytes(tree.root(size))), ORIGIN, operator)
    return {
        "description": (
            "Frozen transparency vector shared by the Python tests "
            "(tests/unit/ledger/test_checkpoint_vector.py) and the browser app "
            "(api/webapp/tests/crypto.test.ts). Five statements signed by "
            "tests.factories.make_key('device') (seed = SHA-256('biotraza-test:device')) with "
            "fixed ts and nonce, placed at seq 0..4 with fixed log_time by ledger.entries."
            "build_entry, one C2SP checkpoint over them signed by make_key('operator') with "
            "origin biotraza.example/golden, and the RFC 9162 inclusion proof of every entry. "
            "A format vector, not a valid ledger (there is no genesis). Written once by "
            "build_vector() in that test module; never regenerate silently."
        ),
        "device": {
            "seed_derivation": "sha256('biotraza-test:device')",
            "public_key": encode_public_key(device),
            "key_id": key_id(device),
        },
        "origin": ORIGIN,
        "operator_verifier_key": verifier_key_string(ORIGIN, operator.public_key()),
        "entries": [
            {
                "seq": e.seq,
                "prev": e.prev.hex(),
                "log_time": e.log_time,
                "statement": e.statement.to_dict(),
                "sig": e.signed.sig,
                "statement_jcs": e.statement.canonical_bytes.decode("utf-8"),
                "leaf": e.leaf_bytes.decode("utf-8"),
                "entry_hash": e.entry_hash.hex(),
            }
            for e in entries
        ],
        "checkpoint": note,
        "root_hash": tree.root(size).hex(),
        "inclusion_proofs": [
            {
                "type": "inclusion",
                "leaf_index": e.seq,
                "tree_size": size,
                "leaf_hash": e.entry_hash.hex(),
                "hashes": [h.hex() for h in inclusion_proof(tree, e.seq, size)],
            }
            for e in entries
        ],
    }


FROZEN: dict[str, Any] = json.loads(VECTOR.read_text("utf-8"))


def test_python_code_reproduces_the_frozen_vector_byte_for_byte() -> None:
    assert build_vector() == FROZEN


def test_frozen_leaves_rebuild_and_hash_as_stored() -> None:
    for item in FROZEN["entries"]:
        entry = Entry.from_leaf_bytes(item["leaf"].encode("utf-8"))
        assert entry.entry_hash.hex() == item["entry_hash"]
        assert entry.log_time == item["log_time"]


@pytest.mark.parametrize("index", range(5))
def test_every_frozen_proof_verifies_against_the_frozen_checkpoint(index: int) -> None:
    operator = make_key("operator").public_key()
    proof = InclusionProofDocument(**FROZEN["inclusion_proofs"][index])
    leaf = bytes.fromhex(FROZEN["entries"][index]["entry_hash"])
    checkpoint = verify_inclusion_document(proof, FROZEN["checkpoint"], ORIGIN, operator, leaf)
    assert checkpoint.root_hash.hex() == FROZEN["root_hash"]


def test_a_changed_leaf_or_checkpoint_is_refused() -> None:
    operator = make_key("operator").public_key()
    proof = InclusionProofDocument(**FROZEN["inclusion_proofs"][2])
    other = bytes.fromhex(FROZEN["entries"][3]["entry_hash"])
    with pytest.raises(ProofError):
        verify_inclusion_document(proof, FROZEN["checkpoint"], ORIGIN, operator, other)
    forged = FROZEN["checkpoint"].replace("\n5\n", "\n4\n", 1)
    with pytest.raises(CheckpointError):
        verify_checkpoint(forged, ORIGIN, operator)
