"""The receipt format: deterministic deflate, digit groups, strict parsing, shared vectors.

``tests/vectors/receipt.json`` pins the format for the browser (api/webapp/tests/receipts
.test.ts reads the same file): the deflate streams, the receipt of a realistic delivery and
the verdicts of receipts against two trust lists cut from a real ledger. A changed value
there is a format change, a migration, not a test fix; regenerate it deliberately with
``.venv/bin/python -m tests.unit.labels.test_receipt``.
"""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from labels.deflate import deflate_raw
from labels.errors import MalformedReceiptError
from labels.receipt import (
    RECEIPT_PREFIX,
    bytes_to_digits,
    decode_receipt,
    digits_to_bytes,
    encode_receipt,
    receipt_payload,
)
from labels.receipt_verify import ReceiptStatus, check_receipt
from labels.render import make_qr
from labels.trustlist import TrustList, verify_trust_list
from ledger.catalog import core_registry
from ledger.keys import decode_public_key, encode_public_key
from ledger.statements import SignedStatement
from ledger.storage import InMemoryLedgerStore
from tests.factories import make_key
from tests.receipt_world import A, B, ReceiptWorld

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "receipt.json"
DEFLATE_INPUTS = [
    b"",
    b"a",
    b"abcabcabcabcabc",
    b"x" * 600,  # matches of 258, overlapping
    bytes(range(256)) * 3,  # long distances
    b'{"actor":"0123","body":{"quantity_kg":412.5,"origins":[{"quantity_kg":412.5}]}}',
]


def world() -> ReceiptWorld:
    return ReceiptWorld(InMemoryLedgerStore(), core_registry())


def build_vectors() -> dict[str, Any]:
    """Everything the vector file holds, computed from a real (in-memory) ledger."""
    rw = world()
    signed = rw.deliver()
    text = encode_receipt(signed)
    current = rw.cut()
    heavier = rw.deliver(kg=512.5)
    forged = encode_receipt(SignedStatement(statement=heavier.statement, sig=signed.sig))
    other = encode_receipt(rw.deliver(rw.other_phone))
    stranger = encode_receipt(rw.deliver(make_key("phone-never-enrolled")))
    early = encode_receipt(rw.deliver(ts="2026-02-20T08:00:00Z"))
    lost = world()
    lost.revoke(A, lost.phone, at="2026-03-02T07:00:00Z")
    late = world()
    late.revoke(A, late.phone, at="2026-03-02T18:00:00Z")
    cases = [
        ("genuine", text, "current", A, "valid", "ok"),
        ("genuine, no association given", text, "current", None, "valid", "ok"),
        ("weight changed", forged, "current", A, "bad_signature", "bad_signature"),
        ("device of coop-b, producer of coop-a", other, "current", A, "wrong_association",
         "wrong_association"),
        ("device never enrolled", stranger, "current", None, "unknown_device", "unknown_device"),
        ("before enrolment", early, "current", A, "expired_device", "before_enrolment"),
        ("device revoked before", text, "revoked_before", A, "revoked", "device_revoked"),
        ("device revoked after", text, "revoked_after", A, "valid", "device_revoked_since"),
        ("not a receipt", "BTR2:" + text[5:], "current", None, "malformed", "prefix"),
        ("a digit lost", text[:-1], "current", None, "malformed", "digits"),
    ]  # fmt: skip
    return {
        "description": (
            "Biotraza delivery receipts (docs/field-app.md, Receipts). The phone key is "
            "tests.factories.make_key('phone-a1'); trust lists are cut from a real ledger and "
            "signed by the root key. A changed value is a format change: a migration, not a "
            "test fix. Written by `python -m tests.unit.labels.test_receipt`."
        ),
        "prefix": RECEIPT_PREFIX,
        "deflate": [
            {"input_hex": d.hex(), "output_hex": deflate_raw(d).hex()} for d in DEFLATE_INPUTS
        ],
        "digits": [
            {"bytes_hex": b.hex(), "digits": bytes_to_digits(b)}
            for b in (b"", b"\x00", b"\xff\xff", bytes(7), b"\xff" * 7, bytes(range(1, 14)))
        ],
        "device_private_key_hex": rw.phone.private_bytes_raw().hex(),
        "root_public_key": encode_public_key(rw.w.root),
        "signed_statement": signed.to_dict(),
        "statement_jcs": signed.statement.canonical_bytes.decode("utf-8"),
        "payload_hex": receipt_payload(signed).hex(),
        "text": text,
        "qr_version_m": make_qr(text, error="M").version,
        "qr_version_q": make_qr(text, error="Q").version,
        "trust_lists": {
            "current": json.loads(current.to_bytes()),
            "revoked_before": json.loads(lost.cut().to_bytes()),
            "revoked_after": json.loads(late.cut().to_bytes()),
        },
        "cases": [
            {"name": n, "text": t, "trust_list": tl, "association": a, "status": s, "detail": d}
            for n, t, tl, a, s, d in cases
        ],
    }


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    return build_vectors()


def _stable(doc: dict[str, Any]) -> dict[str, Any]:
    """The vectors without what the test ledger's random nonces change: the trust lists'
    tree root and the signature over it (those are checked by verifying them instead)."""
    lists = {
        name: {k: v for k, v in trust.items() if k not in ("checkpoint", "signature")}
        for name, trust in doc["trust_lists"].items()
    }
    return {**doc, "trust_lists": lists}


@pytest.fixture(scope="module")
def stored() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return loaded


def test_vector_file_is_current(vectors: dict[str, Any], stored: dict[str, Any]) -> None:
    assert _stable(stored) == _stable(vectors)
    root = decode_public_key(stored["root_public_key"])
    for trust in stored["trust_lists"].values():
        verify_trust_list(TrustList.model_validate(trust), [root])


def test_vector_cases_give_their_verdicts(stored: dict[str, Any]) -> None:
    for case in stored["cases"]:
        trust = TrustList.model_validate(stored["trust_lists"][case["trust_list"]])
        verdict = check_receipt(case["text"], trust, association=case["association"])
        assert (verdict.status.value, verdict.detail) == (case["status"], case["detail"]), case


@pytest.mark.parametrize("data", DEFLATE_INPUTS)
def test_deflate_is_standard_and_deterministic(data: bytes) -> None:
    stream = deflate_raw(data)
    assert zlib.decompress(stream, -15) == data
    assert deflate_raw(data) == stream


def test_digit_groups_round_trip() -> None:
    for size in range(30):
        data = bytes((7 * i + 250) % 256 for i in range(size))
        assert digits_to_bytes(bytes_to_digits(data)) == data
    assert bytes_to_digits(b"\xff" * 7) == "72057594037927935"
    assert bytes_to_digits(b"\x00\x01") == "00001"


@pytest.mark.parametrize(
    ("digits", "reason"),
    [("1234", "whole number of bytes"), ("256", "exceeds 1 bytes"), ("12a", "only the digits")],
)
def test_digit_groups_are_strict(digits: str, reason: str) -> None:
    with pytest.raises(MalformedReceiptError, match=reason):
        digits_to_bytes(digits)


def test_receipt_round_trips_and_fits_a_small_qr() -> None:
    signed = world().deliver()
    text = encode_receipt(signed)
    assert text.startswith("BTR1:") and text[5:].isdigit()
    assert decode_receipt(text) == signed
    assert make_qr(text, error="M").version <= 13


def test_only_the_canonical_text_is_accepted() -> None:
    signed = world().deliver()
    payload = signed.signature + zlib.compress(signed.statement.canonical_bytes, 9)[2:-4]
    other_deflate = RECEIPT_PREFIX + bytes_to_digits(payload)
    with pytest.raises(MalformedReceiptError) as caught:
        decode_receipt(other_deflate)
    assert caught.value.part == "encoding"


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("https://example.org/", "prefix"),
        ("BTR1:" + bytes_to_digits(bytes(64)), "digits"),
        ("BTR1:" + bytes_to_digits(bytes(64) + b"\xff\xff"), "deflate"),
        ("BTR1:" + bytes_to_digits(bytes(64) + deflate_raw(b"{nope")), "json"),
        ("BTR1:" + bytes_to_digits(bytes(64) + deflate_raw(b'{"v":1}')), "statement"),
    ],
)
def test_malformed_receipts_name_the_part(text: str, part: str) -> None:
    rw = world()
    with pytest.raises(MalformedReceiptError) as caught:
        decode_receipt(text)
    assert caught.value.part == part
    verdict = check_receipt(text, rw.cut())
    assert verdict.status is ReceiptStatus.MALFORMED and verdict.detail == part
    assert verdict.message("es") != verdict.message("en")


def test_other_statements_are_not_receipts() -> None:
    rw = world()
    signed = rw.w.sign(rw.phone, "producer.registered", {"producer_id": "p-x"})
    verdict = check_receipt(encode_receipt(signed), rw.cut())
    assert verdict.status is ReceiptStatus.NOT_A_DELIVERY


def test_device_without_delivery_scope_is_refused() -> None:
    rw = world()
    clerk = make_key("phone-a2")
    rw.enrol(A, clerk, entry_types=["producer.registered"])
    verdict = check_receipt(encode_receipt(rw.deliver(clerk)), rw.cut())
    assert verdict.status is ReceiptStatus.UNKNOWN_DEVICE and verdict.detail == "type_not_enrolled"
    assert B  # both associations exist in the world


def test_trust_list_without_field_keys_keeps_its_old_bytes() -> None:
    trust = world().cut()
    bare = trust.model_copy(update={"associations": [], "devices": []})
    doc = json.loads(bare.to_bytes())
    assert "devices" not in doc and "associations" not in doc
    assert "devices" in json.loads(trust.to_bytes())


if __name__ == "__main__":
    VECTORS.write_text(
        json.dumps(build_vectors(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    sys.stdout.write(f"wrote {VECTORS}\n")
