"""A producer's optional acknowledgement of her receipts, on SQLite and PostgreSQL.

What each test proves: the association enrols a key for one member (``producer_key.enrolled``);
that key acknowledges her purchase and her payment (``receipt.acknowledged`` naming the entry's
seq and hash) and the acknowledgement is found for exactly that entry; a key bound to another
producer, a field device's key, the association's own key and a revoked producer key are
refused; an acknowledgement naming a wrong hash is recorded but never counted; the same key
cannot acknowledge twice; and without any acknowledgement the receipt is still VALID offline
(a producer without a phone is not excluded).
"""

from __future__ import annotations

import pytest

from api.services.acknowledgements import acknowledge, acknowledgement
from api.services.labels import current_trust_list
from api.services.payments import receipt_text
from labels.payment_receipt import check_payment_receipt
from ledger.errors import AuthorizationError, DomainRuleError, UnknownKeyError
from ledger.keys import encode_public_key, key_id
from tests.api.test_payments import World, _pay, _purchase, world  # noqa: F401 - the fixture
from tests.factories import make_key

MARIA, JUAN = make_key("producer:p-1-phone"), make_key("producer:p-2-phone")


def _enrol(w: object, producer_id: str, key: object) -> None:
    w.submit("coop-a", "producer_key.enrolled",  # type: ignore[attr-defined]
             {"producer_id": producer_id, "public_key": encode_public_key(key)})  # fmt: skip


def test_acknowledged_by_her_own_key(world: World) -> None:  # noqa: F811
    service, w = world
    w.submit("coop-a", "purchase.recorded", _purchase())
    w.submit("coop-a", "payment.recorded", _pay("x-1", "cash", "1000", purchase_ids=["c-1"]))
    trust_list = current_trust_list(service)
    # No phone, no acknowledgement: the association-signed receipt is valid on its own.
    assert check_payment_receipt(receipt_text(service, "purchase", "c-1"), trust_list)
    assert acknowledgement(service, "purchase", "c-1") is None
    _enrol(w, "p-1", MARIA)
    _enrol(w, "p-2", JUAN)
    recorded = acknowledge(service, "purchase", "c-1", MARIA)
    assert recorded.created
    ack = acknowledgement(service, "purchase", "c-1")
    assert ack is not None and ack["key_id"] == key_id(MARIA) and ack["producer_id"] == "p-1"
    assert ack["ack_seq"] == recorded.entry.seq
    assert acknowledgement(service, "payment", "x-1") is None
    acknowledge(service, "payment", "x-1", MARIA)
    assert acknowledgement(service, "payment", "x-1") is not None
    with pytest.raises(DomainRuleError, match="already acknowledged"):
        w.submit(MARIA, "receipt.acknowledged", {"kind": "purchase", "record_id": "c-1",
                 "seq": ack["seq"], "entry_hash": "ab" * 32})  # fmt: skip


def test_keys_not_bound_to_that_producer_are_refused(world: World) -> None:  # noqa: F811
    service, w = world
    w.submit("coop-a", "purchase.recorded", _purchase())
    _enrol(w, "p-2", JUAN)
    with pytest.raises(AuthorizationError, match="bound to producer p-2, not to p-1"):
        acknowledge(service, "purchase", "c-1", JUAN)
    with pytest.raises(AuthorizationError, match="needs one of"):
        acknowledge(service, "purchase", "c-1", w.keys["coop-a"])
    with pytest.raises(UnknownKeyError):
        acknowledge(service, "purchase", "c-1", make_key("stranger"))
    phone = make_key("device:ack")
    w.submit("coop-a", "device.enrolled", {"org_id": "coop-a", "label": "Campo",
             "public_key": encode_public_key(phone), "entry_types": ["lot.harvested"]})  # fmt: skip
    with pytest.raises(AuthorizationError):
        acknowledge(service, "purchase", "c-1", phone)
    # Another association cannot enrol a key for coop-a's member.
    with pytest.raises(DomainRuleError, match="not a member"):
        w.submit("coop-b", "producer_key.enrolled",
                 {"producer_id": "p-1", "public_key": encode_public_key(MARIA)})  # fmt: skip
    # A revoked key acknowledges nothing more.
    _enrol(w, "p-1", MARIA)
    w.submit("coop-a", "producer_key.revoked",
             {"producer_id": "p-1", "key_id": key_id(MARIA), "reason": "lost"})  # fmt: skip
    with pytest.raises(AuthorizationError, match="revoked"):
        acknowledge(service, "purchase", "c-1", MARIA)
    assert acknowledgement(service, "purchase", "c-1") is None


def test_a_wrong_entry_hash_never_counts(world: World) -> None:  # noqa: F811
    service, w = world
    w.submit("coop-a", "purchase.recorded", _purchase())
    _enrol(w, "p-1", MARIA)
    seq = service.store.state_get("purchase", "c-1")["recorded_seq"]  # type: ignore[index]
    forged = {"kind": "purchase", "record_id": "c-1", "seq": seq, "entry_hash": "00" * 32}
    w.submit(MARIA, "receipt.acknowledged", forged)
    assert acknowledgement(service, "purchase", "c-1") is None
    with pytest.raises(DomainRuleError, match="recorded at seq"):
        w.submit(MARIA, "receipt.acknowledged", {**forged, "seq": seq + 1})


def test_replay_rebuilds_the_same_acknowledgements(world: World) -> None:  # noqa: F811
    """The acknowledgements and producer keys are projections: verification replays them and
    a rebuild from the signed entries gives the same answer."""
    service, w = world
    w.submit("coop-a", "purchase.recorded", _purchase())
    _enrol(w, "p-1", MARIA)
    acknowledge(service, "purchase", "c-1", MARIA)
    before = acknowledgement(service, "purchase", "c-1")
    service.verify()
    service.rebuild()
    assert acknowledgement(service, "purchase", "c-1") == before is not None


def test_both_revocations_record_revoked_at(world: World) -> None:  # noqa: F811
    """A producer's phone and a field device are revoked by one rule: each key document gets
    ``revoked_seq``, ``revoked_reason`` and ``revoked_at`` (the log's time at the revocation),
    a second revocation is refused the same way, and the acknowledgement made before the
    phone was lost still counts but says since when its key is revoked."""
    service, w = world
    w.submit("coop-a", "purchase.recorded", _purchase())
    _enrol(w, "p-1", MARIA)
    acknowledge(service, "purchase", "c-1", MARIA)
    assert acknowledgement(service, "purchase", "c-1")["key_revoked_at"] is None  # type: ignore[index]
    phone = make_key("device:revoked-at")
    w.submit("coop-a", "device.enrolled", {"org_id": "coop-a", "label": "Campo",
             "public_key": encode_public_key(phone), "entry_types": ["lot.harvested"]})  # fmt: skip
    revocations = {
        key_id(MARIA): ("producer_key.revoked", {"producer_id": "p-1", "reason": "lost"}),
        key_id(phone): ("device.revoked", {"org_id": "coop-a", "reason": "stolen"}),
    }
    for kid, (entry_type, body) in revocations.items():
        w.submit("coop-a", entry_type, {**body, "key_id": kid})
        doc = service.store.state_get("key", kid)
        assert doc is not None
        entry = service.entry(int(doc["revoked_seq"]))
        assert doc["revoked_at"] == (entry.log_time or entry.statement.ts)
        assert doc["revoked_reason"] == body["reason"]
        with pytest.raises(DomainRuleError, match=f"key {kid} is already revoked"):
            w.submit("coop-a", entry_type, {**body, "key_id": kid})
    shown = acknowledgement(service, "purchase", "c-1")
    assert shown is not None and shown["key_id"] == key_id(MARIA)
    assert shown["key_revoked_at"] == service.store.state_get("key", key_id(MARIA))["revoked_at"]  # type: ignore[index]
    # Each rule reaches only its own kind of key.
    with pytest.raises(DomainRuleError, match="is not a device of coop-a"):
        w.submit("coop-a", "device.revoked",
                 {"org_id": "coop-a", "key_id": key_id(MARIA), "reason": "lost"})  # fmt: skip
