"""The served trust list's signature (operator key under the root-signed genesis) and the
receipt verdicts against it, pinned for the browser.

``GET /api/v1/trustlist`` is signed by the log operator's key with the genesis statement as
``signature.delegation``; the field app's Recibos screen pins the root keys and checks the
list as :func:`labels.trustlist.verify_trust_list` does, then each receipt as
:func:`labels.receipt_verify.check_receipt` does. ``tests/vectors/trustlist_delegated.json``
holds a list cut from a real ledger signed that way, altered copies each refused for its own
reason, and receipt verdicts with their es/en messages; ``api/webapp/tests/trustlist
.test.ts`` must reach the same answers. Regenerate deliberately with
``.venv/bin/python -m tests.unit.labels.test_trustlist_delegated_vector``.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from labels.errors import TrustListError
from labels.receipt import encode_receipt
from labels.receipt_verify import check_receipt
from labels.trustlist import TrustList, sign_trust_list, verify_trust_list
from ledger.catalog import core_registry
from ledger.keys import decode_public_key, encode_public_key
from ledger.statements import SignedStatement
from ledger.storage import InMemoryLedgerStore
from tests.factories import make_key, make_key_added
from tests.receipt_world import A, ReceiptWorld

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "trustlist_delegated.json"


def _doc(trust: TrustList) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(trust.to_bytes())
    return loaded


def build_vectors() -> dict[str, Any]:
    """The served list, its altered copies, and receipt verdicts against it."""
    rw = ReceiptWorld(InMemoryLedgerStore(), core_registry())
    w = rw.w
    unsigned = rw.cut(signed=False)
    served = sign_trust_list(unsigned, w.operator, w.genesis.signed)
    doc = _doc(served)
    stranger = make_key("root-of-another-ledger")
    not_operator = make_key_added(w.root, make_key("a-certifier"), role="certifier")
    changed = copy.deepcopy(doc)
    changed["devices"][0]["label"] = "Otro teléfono"
    lists: list[tuple[str, dict[str, Any], list[str]]] = [
        ("served: operator key under the genesis", doc, [encode_public_key(w.root)]),
        ("signed by the root itself", _doc(rw.cut()), [encode_public_key(w.root)]),
        ("another ledger's root pinned", doc, [encode_public_key(stranger)]),
        ("no root pinned", doc, []),
        ("a device's label changed", changed, [encode_public_key(w.root)]),
        (
            "delegation that names no operator (a certifier grant)",
            _doc(sign_trust_list(unsigned, w.operator, not_operator)),
            [encode_public_key(w.root)],
        ),
        ("unsigned", _doc(unsigned), [encode_public_key(w.root)]),
    ]
    list_cases = []
    for name, trust_doc, roots in lists:
        try:
            verify_trust_list(
                TrustList.model_validate(trust_doc), [decode_public_key(r) for r in roots]
            )
            ok = True
        except TrustListError:
            ok = False
        list_cases.append({"name": name, "trust_list": trust_doc, "roots": roots, "ok": ok})
    genuine = rw.deliver()
    heavier = rw.deliver(kg=512.5)
    receipts = [
        ("genuine", encode_receipt(genuine)),
        (
            "weight changed",
            encode_receipt(SignedStatement(statement=heavier.statement, sig=genuine.sig)),
        ),
        ("device of coop-b", encode_receipt(rw.deliver(rw.other_phone))),
        ("a digit lost", encode_receipt(genuine)[:-1]),
    ]
    receipt_cases = []
    for name, text in receipts:
        verdict = check_receipt(text, served, association=A)
        receipt_cases.append(
            {
                "name": name,
                "text": text,
                "association": A,
                "status": verdict.status.value,
                "detail": verdict.detail,
                "message": {"es": verdict.message("es"), "en": verdict.message("en")},
            }
        )
    return {
        "description": (
            "The served trust list (GET /api/v1/trustlist: operator key, genesis as delegation) "
            "cut from a real ledger, altered copies, and receipt verdicts against it, for the "
            "field app's Recibos screen. Written by "
            "`python -m tests.unit.labels.test_trustlist_delegated_vector`."
        ),
        "root_public_key": encode_public_key(w.root),
        "lists": list_cases,
        "receipts": receipt_cases,
    }


def _stable(doc: dict[str, Any]) -> Any:
    """Without the tree root and signatures over it (the test ledger's nonces are random);
    those are checked by verifying them instead."""

    def strip(trust: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in trust.items() if k not in ("checkpoint", "signature")}

    lists = [{**c, "trust_list": strip(c["trust_list"])} for c in doc["lists"]]
    return {**doc, "lists": lists}


@pytest.fixture(scope="module")
def stored() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return loaded


def test_vector_file_is_current(stored: dict[str, Any]) -> None:
    assert _stable(stored) == _stable(build_vectors())


def test_each_list_verifies_or_fails_as_stored(stored: dict[str, Any]) -> None:
    oks = []
    for case in stored["lists"]:
        trust = TrustList.model_validate(case["trust_list"])
        roots = [decode_public_key(r) for r in case["roots"]]
        try:
            verify_trust_list(trust, roots)
            ok = True
        except TrustListError:
            ok = False
        assert ok is case["ok"], case["name"]
        oks.append(ok)
    assert oks.count(True) == 2 and oks.count(False) == 5


def test_receipts_give_their_verdicts(stored: dict[str, Any]) -> None:
    served = TrustList.model_validate(stored["lists"][0]["trust_list"])
    for case in stored["receipts"]:
        verdict = check_receipt(case["text"], served, association=case["association"])
        assert (verdict.status.value, verdict.detail) == (case["status"], case["detail"])
        assert verdict.message("es") == case["message"]["es"]
    assert [c["status"] for c in stored["receipts"]] == [
        "valid",
        "bad_signature",
        "wrong_association",
        "malformed",
    ]


if __name__ == "__main__":
    VECTORS.write_text(
        json.dumps(build_vectors(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    sys.stdout.write(f"wrote {VECTORS}\n")
