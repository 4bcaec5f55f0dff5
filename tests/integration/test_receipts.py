"""Delivery receipts against trust lists cut from a real ledger, once per engine.

A phone enrolled by coop-a signs a delivery offline and shows its receipt: the QR is drawn,
read back from the PNG by zxing-cpp and verified against the root-signed trust list. Each
refusal comes from the situation that causes it: a changed weight, a device the list does not
know, a device revoked before the delivery (and the one revoked after it, which stays
genuine with a warning), a device of another association, a time before enrolment. Once
synced, the receipt's statement is the ledger entry's statement.
"""

from __future__ import annotations

import pytest

from labels.decode import decode_image
from labels.receipt import decode_receipt, encode_receipt
from labels.receipt_verify import ReceiptStatus, check_receipt
from labels.render import make_qr
from labels.trustlist import TrustList, verify_trust_list
from ledger.chain import append
from ledger.keys import public_key_bytes
from ledger.registry import Registry
from ledger.statements import SignedStatement
from ledger.storage.sql import SqlLedgerStore
from tests.factories import make_key
from tests.receipt_world import A, B, ReceiptWorld


@pytest.fixture
def rw(sql_store: SqlLedgerStore, registry: Registry) -> ReceiptWorld:
    return ReceiptWorld(sql_store, registry)


def roundtrip(trust: TrustList) -> TrustList:
    """The list as an offline verifier holds it: bytes, parsed, signature checked."""
    held = TrustList.from_bytes(trust.to_bytes())
    verify_trust_list(held, [public_key_bytes(make_key("root"))])
    return held


def test_receipt_qr_scans_and_verifies_offline(rw: ReceiptWorld) -> None:
    signed = rw.deliver()
    symbol = make_qr(encode_receipt(signed), error="M")
    [text] = decode_image(symbol.png())
    verdict = check_receipt(text, roundtrip(rw.cut()), association=A)
    assert verdict.status is ReceiptStatus.VALID and verdict.detail == "ok"
    assert verdict.device is not None and verdict.device.org_id == A
    assert verdict.signed == signed
    doc = verdict.to_dict()
    assert doc["recorded_in_ledger"] == "unknown_offline"
    assert doc["delivery"]["quantity_kg"] == 412.5
    assert "no prueba que el libro" in verdict.message("es")
    assert "does not yet prove that the ledger" in verdict.message("en")


def test_synced_receipt_is_the_ledger_entry(rw: ReceiptWorld) -> None:
    signed = rw.deliver()
    rw.w.ts = "2026-03-02T20:00:00Z"  # the phone syncs in the evening
    entry = append(rw.w.store, rw.w.registry, signed, clock=rw.w.clock).entry
    assert entry.signed == decode_receipt(encode_receipt(signed))


def test_tampered_weight_is_refused(rw: ReceiptWorld) -> None:
    signed = rw.deliver()
    heavier = rw.deliver(kg=512.5)
    forged = SignedStatement(statement=heavier.statement, sig=signed.sig)
    verdict = check_receipt(encode_receipt(forged), rw.cut(), association=A)
    assert verdict.status is ReceiptStatus.BAD_SIGNATURE and not verdict


def test_wrong_device_is_refused(rw: ReceiptWorld) -> None:
    stranger = make_key("phone-never-enrolled")
    verdict = check_receipt(encode_receipt(rw.deliver(stranger)), rw.cut())
    assert verdict.status is ReceiptStatus.UNKNOWN_DEVICE and verdict.detail == "unknown_device"


def test_device_revoked_before_the_delivery_is_refused(rw: ReceiptWorld) -> None:
    rw.revoke(A, rw.phone, at="2026-03-02T07:00:00Z")
    verdict = check_receipt(encode_receipt(rw.deliver()), rw.cut(), association=A)
    assert verdict.status is ReceiptStatus.REVOKED and verdict.detail == "device_revoked"


def test_device_revoked_after_the_delivery_stays_genuine_with_a_warning(rw: ReceiptWorld) -> None:
    rw.revoke(A, rw.phone, at="2026-03-02T18:00:00Z")
    verdict = check_receipt(encode_receipt(rw.deliver()), rw.cut(), association=A)
    assert verdict.status is ReceiptStatus.VALID
    assert verdict.detail == "device_revoked_since"
    assert verdict.device is not None and verdict.device.revoked_at is not None


def test_device_of_another_association_is_refused(rw: ReceiptWorld) -> None:
    text = encode_receipt(rw.deliver(rw.other_phone))
    verdict = check_receipt(text, rw.cut(), association=A)
    assert verdict.status is ReceiptStatus.WRONG_ASSOCIATION
    assert check_receipt(text, rw.cut(), association=B).status is ReceiptStatus.VALID


def test_time_before_enrolment_is_refused(rw: ReceiptWorld) -> None:
    early = rw.deliver(ts="2026-02-20T08:00:00Z")
    verdict = check_receipt(encode_receipt(early), rw.cut())
    assert verdict.status is ReceiptStatus.EXPIRED_DEVICE and verdict.detail == "before_enrolment"


def test_trust_list_lists_associations_and_devices(rw: ReceiptWorld) -> None:
    trust = roundtrip(rw.cut())
    assert {a.org_id for a in trust.associations} == {A, B}
    phone = trust.devices_by_id[rw.phone_id]
    assert phone.org_id == A and "lot.harvested" in phone.entry_types
    assert phone.added_ts == "2026-03-01T12:00:00Z" and phone.revoked_seq is None
