"""Offline verification against trust lists cut from a real (in-memory) ledger.

Each status of ``check_label`` is produced by the situation that causes it: a genuine label
(VALID), a foreign host (VALID_UNTRUSTED_HOST), revoked issuances and lots, explicitly and
because the certificate was revoked (REVOKED, from the revocation's seq), an unknown issuer,
a label signed for an issuance that was never recorded or does not match (UNKNOWN_KEY), a
date outside the key's window or a seq after its revocation (EXPIRED_KEY), a forged
signature (BAD_SIGNATURE) and garbage (MALFORMED). Every verdict has distinct Spanish and
English messages. Trust lists round-trip through bytes, verify against pinned roots directly
or through the root-signed genesis delegation, and any tampering is detected.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from labels.errors import TrustListError
from labels.payload import format_label, parse_label, sign_label
from labels.trustlist import TrustList, build_trust_list, sign_trust_list, verify_trust_list
from labels.verify import LabelStatus, check_label
from ledger.keys import encode_public_key, key_id, public_key_bytes
from ledger.storage import InMemoryLedgerStore
from tests.factories import make_key
from tests.unit.labels.world import GTIN, LOT_NUMBER, LabelWorld

HOST = "qr.bt.example"
DAY = dt.date(2026, 3, 1)


@pytest.fixture
def lw() -> LabelWorld:
    return LabelWorld(InMemoryLedgerStore())


def cut(lw: LabelWorld) -> TrustList:
    return build_trust_list(
        lw.state, tree_size=lw.size(), root_hash=lw.root_hash(), issued_at="2026-03-02T00:00:00Z"
    )


def label(key: Any, seq: int, **over: Any) -> str:
    fields: dict[str, Any] = {
        "host": HOST, "gtin": GTIN, "lot": LOT_NUMBER, "seq": seq, "day": DAY, "serial": None
    }  # fmt: skip
    fields.update(over)
    return format_label(sign_label(key, **fields))


def test_genuine_label_is_valid(lw: LabelWorld) -> None:
    seq = lw.issue(units=2).seq
    verdict = check_label(label(lw.issuer, seq), cut(lw))
    assert verdict.status is LabelStatus.VALID and verdict
    assert verdict.key_id == key_id(lw.issuer) and verdict.detail == "ok"
    assert verdict.issuance is not None and verdict.issuance.lot_id == "sacks"
    assert verdict.to_dict()["claims"]["n"] == seq


def test_foreign_host(lw: LabelWorld) -> None:
    text = label(lw.issuer, lw.issue().seq, host="evil.example")
    verdict = check_label(text, cut(lw))
    assert verdict.status is LabelStatus.VALID_UNTRUSTED_HOST and not verdict
    assert verdict.detail == "host_not_listed"
    allowed = check_label(text, cut(lw), allowed_hosts=["evil.example"])
    assert allowed.status is LabelStatus.VALID


def test_recorded_resolver_hosts_are_used(lw: LabelWorld) -> None:
    lw.w.submit(lw.w.root, "label.resolvers", {"hosts": ["biotraza.example.org"]})
    seq = lw.issue().seq
    trust = cut(lw)
    assert trust.resolver_hosts == ["biotraza.example.org"]
    assert check_label(label(lw.issuer, seq), trust).status is LabelStatus.VALID_UNTRUSTED_HOST
    moved = label(lw.issuer, seq, host="biotraza.example.org")
    assert check_label(moved, trust).status is LabelStatus.VALID


def test_revoked_issuance(lw: LabelWorld) -> None:
    seq = lw.issue().seq
    revoked = lw.revoke(issuance_seq=seq, reason="misprint")
    verdict = check_label(label(lw.issuer, seq), cut(lw))
    assert verdict.status is LabelStatus.REVOKED and verdict.detail == "label_revoked"
    assert verdict.revocation == {
        "scope": "label", "reason_en": "misprint", "reason_es": "misprint",
        "effective_seq": revoked.seq,
    }  # fmt: skip
    assert "misprint" in verdict.message("es") and "Revocada" in verdict.message("es")


def test_revoked_lot(lw: LabelWorld) -> None:
    seq = lw.issue().seq
    lw.revoke(lot_id="sacks", reason="recall")
    verdict = check_label(label(lw.issuer, seq), cut(lw))
    assert verdict.status is LabelStatus.REVOKED and verdict.detail == "lot_revoked"


def test_revoked_certificate_revokes_the_labels_from_that_seq(lw: LabelWorld) -> None:
    seq = lw.issue().seq
    before = cut(lw)
    revocation = lw.revoke_certificate()
    after = cut(lw)
    text = label(lw.issuer, seq)
    assert check_label(text, before).status is LabelStatus.VALID
    verdict = check_label(text, after)
    assert verdict.status is LabelStatus.REVOKED and verdict.detail == "lot_ineligible"
    assert verdict.revocation is not None
    assert verdict.revocation["effective_seq"] == revocation.seq
    assert "pl-1" in verdict.message("en") and "pl-1" in verdict.message("es")
    [certificate] = after.certificates
    assert certificate.status == "revoked" and certificate.revoked_seq == revocation.seq


def test_unknown_issuer_key(lw: LabelWorld) -> None:
    seq = lw.issue().seq
    stranger = make_key("not-an-issuer")
    assert key_id(stranger)[:4] != key_id(lw.issuer)[:4]
    verdict = check_label(label(stranger, seq), cut(lw))
    assert verdict.status is LabelStatus.UNKNOWN_KEY and verdict.detail == "unknown_key"


def test_label_signed_but_never_recorded(lw: LabelWorld) -> None:
    lw.issue()
    trust = cut(lw)
    # The issuer signs a label naming an entry that is not a label issuance.
    verdict = check_label(label(lw.issuer, lw.issuer_grant.seq), trust)
    assert verdict.status is LabelStatus.UNKNOWN_KEY
    assert verdict.detail == "issuance_not_recorded"


@pytest.mark.parametrize(
    "over",
    [
        {"lot": "CS2526X003"},
        {"gtin": None},
        {"day": dt.date(2026, 3, 2)},
        {"serial": "1"},
    ],
    ids=["lot", "gtin", "day", "serial"],
)
def test_label_not_matching_its_issuance(lw: LabelWorld, over: dict[str, Any]) -> None:
    seq = lw.issue().seq
    verdict = check_label(label(lw.issuer, seq, **over), cut(lw))
    assert verdict.status is LabelStatus.UNKNOWN_KEY and verdict.detail == "issuance_mismatch"


def test_serials_must_be_in_the_issued_range(lw: LabelWorld) -> None:
    seq = lw.issue(units=3, serial_from=10).seq
    trust = cut(lw)
    cases = [("10", "valid"), ("12", "valid"), ("13", "unknown_key"), ("9", "unknown_key"),
             ("011", "unknown_key"), ("A1", "unknown_key")]  # fmt: skip
    for serial, status in cases:
        verdict = check_label(label(lw.issuer, seq, serial=serial), trust)
        assert verdict.status.value == status, serial
    assert check_label(label(lw.issuer, seq), trust).status is LabelStatus.UNKNOWN_KEY


def test_date_outside_the_key_window_is_expired(lw: LabelWorld) -> None:
    windowed = make_key("windowed-issuer")
    lw.grant(windowed, "windowed", valid_from="2026-01-01T00:00:00Z",
             valid_until="2026-03-31T23:59:59Z")  # fmt: skip
    seq = lw.issue(signer=windowed).seq
    trust = cut(lw)
    assert check_label(label(windowed, seq), trust).status is LabelStatus.VALID
    late = check_label(label(windowed, seq, day=dt.date(2026, 5, 1)), trust)
    assert late.status is LabelStatus.EXPIRED_KEY and late.detail == "key_outside_window"


def test_labels_after_the_key_was_revoked_are_expired(lw: LabelWorld) -> None:
    old = lw.issue().seq
    revoked = lw.w.submit(
        lw.w.root, "key.revoked", {"key_id": key_id(lw.issuer), "reason": "rotated"}
    )
    trust = cut(lw)
    assert check_label(label(lw.issuer, old), trust).status is LabelStatus.VALID
    forged = check_label(label(lw.issuer, revoked.seq + 1), trust)
    assert forged.status is LabelStatus.EXPIRED_KEY and forged.detail == "key_revoked"


def test_forged_signature(lw: LabelWorld) -> None:
    text = label(lw.issuer, lw.issue().seq)
    digits = text.split("&s=")[1]
    forged = text.replace(digits, str(int(digits) ^ 1).zfill(155))
    verdict = check_label(forged, cut(lw))
    assert verdict.status is LabelStatus.BAD_SIGNATURE and verdict.key_id is None


def test_malformed(lw: LabelWorld) -> None:
    verdict = check_label("https://example.com/not-a-label", cut(lw))
    assert verdict.status is LabelStatus.MALFORMED and verdict.claims is None
    assert verdict.detail == "path" and "path" in (verdict.error or "")
    assert verdict.to_dict()["status"] == "malformed"


def test_label_newer_than_the_trust_list(lw: LabelWorld) -> None:
    trust = cut(lw)
    seq = lw.issue().seq
    assert seq >= trust.tree_size
    offline = check_label(label(lw.issuer, seq), trust)
    assert offline.status is LabelStatus.VALID and offline.detail == "issued_after_trust_list"
    assert "Actualice" in offline.message("es")
    online = check_label(label(lw.issuer, seq), trust, require_recorded=True)
    assert online.status is LabelStatus.UNKNOWN_KEY


def test_messages_are_bilingual_and_distinct(lw: LabelWorld) -> None:
    seq = lw.issue().seq
    trust = cut(lw)
    texts = [label(lw.issuer, seq), label(lw.issuer, seq, host="x.example"), "garbage",
             label(make_key("zz"), seq)]  # fmt: skip
    seen = set()
    for text in texts:
        verdict = check_label(text, trust)
        en, es = verdict.message("en"), verdict.message("es")
        assert en and es and en != es
        assert verdict.to_dict()["message"] == {"en": en, "es": es}
        seen.add(en)
    assert len(seen) == len(texts)


# --------------------------------------------------------------------------- trust lists


def test_trust_list_round_trips_through_bytes(lw: LabelWorld) -> None:
    lw.issue()
    lw.revoke(lot_id="sacks", reason="recall")
    signed = sign_trust_list(cut(lw), lw.w.root)
    again = TrustList.from_bytes(signed.to_bytes())
    assert again == signed and again.to_bytes() == signed.to_bytes()
    verify_trust_list(again, [public_key_bytes(lw.w.root)])
    assert [k.key_id for k in again.issuers] == [key_id(lw.issuer)]
    assert again.revoked_lots[0].lot == LOT_NUMBER


def test_operator_signed_list_verifies_through_the_genesis_delegation(lw: LabelWorld) -> None:
    genesis = lw.w.genesis.signed
    signed = sign_trust_list(cut(lw), lw.w.operator, genesis)
    verify_trust_list(signed, [public_key_bytes(lw.w.root)])
    with pytest.raises(TrustListError, match="neither a pinned root nor delegated"):
        verify_trust_list(sign_trust_list(cut(lw), lw.w.operator), [public_key_bytes(lw.w.root)])
    # A delegation signed by a key that is not pinned is refused.
    other_root = make_key("other-root")
    with pytest.raises(TrustListError, match="not a pinned root"):
        verify_trust_list(signed, [public_key_bytes(other_root)])
    # The genesis does not name an arbitrary signer.
    rogue = sign_trust_list(cut(lw), make_key("rogue"), genesis)
    with pytest.raises(TrustListError, match="does not name the signing key"):
        verify_trust_list(rogue, [public_key_bytes(lw.w.root)])


def test_trust_list_signature_tamper_is_detected(lw: LabelWorld) -> None:
    lw.issue(units=2)
    signed = sign_trust_list(cut(lw), lw.w.root)
    roots = [public_key_bytes(lw.w.root)]
    data = signed.to_bytes()
    document = json.loads(data)
    # A semantic change: add units to an issuance, drop a revocation, add a host.
    for mutate in (
        lambda d: d["issuances"][0].update(units=3),
        lambda d: d["resolver_hosts"].append("evil.example"),
        lambda d: d["issuers"][0].update(valid_until="2099-01-01T00:00:00Z"),
        lambda d: d["checkpoint"].update(tree_size=d["checkpoint"]["tree_size"] + 1),
    ):
        changed = json.loads(data)
        mutate(changed)
        forged = TrustList.from_bytes(json.dumps(changed).encode())
        with pytest.raises(TrustListError, match="does not verify"):
            verify_trust_list(forged, roots)
    # Byte flips anywhere: either the document no longer parses or the signature fails.
    for position in range(0, len(data), 7):
        flipped = bytearray(data)
        flipped[position] ^= 0x01
        try:
            forged = TrustList.from_bytes(bytes(flipped))
        except TrustListError:
            continue
        if forged.model_dump() == signed.model_dump():
            continue  # a flip JSON reads as the same document (e.g. key order is irrelevant)
        with pytest.raises(TrustListError):
            verify_trust_list(forged, roots)
    assert document["signature"]["key_id"] == key_id(lw.w.root)


def test_unsigned_or_unpinned_lists_are_refused(lw: LabelWorld) -> None:
    with pytest.raises(TrustListError, match="not signed"):
        verify_trust_list(cut(lw), [public_key_bytes(lw.w.root)])
    with pytest.raises(TrustListError, match="no pinned root"):
        verify_trust_list(sign_trust_list(cut(lw), lw.w.root), [])
    with pytest.raises(TrustListError, match="not valid JSON"):
        TrustList.from_bytes(b"{not json")
    with pytest.raises(TrustListError, match="schema"):
        TrustList.from_bytes(b'{"version": 2}')


def test_trust_list_leaves_out_what_came_after_its_cut(lw: LabelWorld) -> None:
    seq = lw.issue().seq
    size = lw.size()
    lw.revoke(issuance_seq=seq)
    lw.grant(make_key("late-issuer"), "late")
    early = build_trust_list(lw.state, tree_size=size, root_hash=b"\0" * 32, issued_at="x")
    assert early.revoked_labels == []
    assert [k.name for k in early.issuers] == ["label-issuer"]
    assert encode_public_key(lw.issuer) == early.issuers[0].public_key
    assert parse_label(label(lw.issuer, seq)).seq in early.issuances_by_seq
