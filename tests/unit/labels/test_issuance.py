"""Label issuance and revocation rules at admission, on an in-memory ledger.

* An eligible lot gets labels; an ineligible one is refused with every eligibility reason
  (es/en), naming the uncertified plot.
* The labelled total never exceeds the lot's quantity (exactly up to it is fine).
* The label must say the lot's GTIN and lot number and the statement's own date; a pair
  (GTIN, lot number) names one lot; serial ranges do not overlap.
* Only label-issuer keys issue; revoked issuances and lot-wide revocations are recorded
  with their seq; a lot whose labels were revoked gets no new ones.
* The resolver hosts are root's to set.
"""

from __future__ import annotations

import pytest

from labels.errors import IneligibleLotError
from labels.issuance import ISSUANCE_KIND, LABEL_LOT_KIND, resolver_hosts
from labels.status import lot_revocation
from ledger.errors import AuthorizationError, DomainRuleError, SchemaError
from ledger.storage import InMemoryLedgerStore
from tests.factories import make_key
from tests.unit.labels.world import GTIN, LabelWorld


@pytest.fixture
def lw() -> LabelWorld:
    return LabelWorld(InMemoryLedgerStore())


def test_eligible_lot_gets_labels_with_the_verifications_it_relied_on(lw: LabelWorld) -> None:
    entry = lw.issue(units=3)
    doc = lw.state.get(ISSUANCE_KIND, str(entry.seq))
    assert doc["lot_id"] == "sacks" and doc["units"] == 3 and doc["unit_g"] == 55_000
    assert doc["verifications"] == ["ver-1"] and doc["status"] == "active"
    assert doc["key_id"] == entry.statement.actor
    tally = lw.state.get(LABEL_LOT_KIND, "sacks")
    assert tally["labelled_g"] == 165_000 and tally["issuances"] == [entry.seq]


def test_ineligible_lot_is_refused_with_every_reason(lw: LabelWorld) -> None:
    with pytest.raises(IneligibleLotError) as info:
        lw.issue("uncert")
    error = info.value
    assert error.lot_id == "uncert" and error.field == "statement.body.lot_id"
    assert [r["code"] for r in error.reasons] == ["input_not_eligible"]
    assert "plot:pl-3" in error.reasons[0]["message_en"]
    assert "plot:pl-3" in error.reasons[0]["message_es"]
    assert lw.state.get(LABEL_LOT_KIND, "uncert") is None


def test_labelled_total_never_exceeds_the_lot(lw: LabelWorld) -> None:
    lw.issue(units=5)
    with pytest.raises(DomainRuleError, match="already labelled") as info:
        lw.issue(units=4)
    assert info.value.field == "statement.body.units"
    lw.issue(units=3)  # exactly 8 × 55 kg = 440 kg
    with pytest.raises(DomainRuleError, match="lot sacks has 440 kg"):
        lw.issue(units=1, unit_g=1)
    assert lw.state.get(LABEL_LOT_KIND, "sacks")["labelled_g"] == 440_000


def test_revoked_issuances_keep_counting(lw: LabelWorld) -> None:
    entry = lw.issue(units=8)
    lw.revoke(issuance_seq=entry.seq)
    with pytest.raises(DomainRuleError, match="already labelled"):
        lw.issue(units=1)


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"gtin": None}, "gtin"),
        ({"lot_number": "CS2526X003"}, "lot_number"),
        ({"day": "2026-02-28"}, "day"),
    ],
)
def test_label_must_say_what_the_lot_and_statement_say(
    lw: LabelWorld, over: dict[str, object], field: str
) -> None:
    with pytest.raises(DomainRuleError) as info:
        lw.issue(**over)
    assert info.value.field == f"statement.body.{field}"


def test_one_lot_per_gtin_and_lot_number(lw: LabelWorld) -> None:
    # Two lots recorded with the same GTIN and lot number: labels may name only one of them.
    outputs = [
        {"lot_id": lot, "quantity_kg": 220, "gtin": GTIN, "lot_number": "CS2526S01"}
        for lot in ("s-a", "s-b")
    ]
    lw.w.transform("coop-a", "split-sacks", "split", [("sacks", 440)], outputs)
    entry = lw.issue("s-a", lot_number="CS2526S01")
    assert lw.state.get(ISSUANCE_KIND, str(entry.seq))["lot_id"] == "s-a"
    with pytest.raises(DomainRuleError, match="already name lot s-a") as info:
        lw.issue("s-b", lot_number="CS2526S01")
    assert info.value.field == "statement.body.lot_number"


def test_serial_ranges_do_not_overlap(lw: LabelWorld) -> None:
    first = lw.issue(units=3, serial_from=1)
    assert lw.state.get(ISSUANCE_KIND, str(first.seq))["serial_to"] == 3
    with pytest.raises(DomainRuleError, match="overlap") as info:
        lw.issue(units=2, serial_from=3)
    assert info.value.field == "statement.body.serial_from"
    lw.issue(units=2, serial_from=4)


def test_schema_refuses_bad_bodies(lw: LabelWorld) -> None:
    for over in ({"units": 0}, {"lot_number": "cs-1"}, {"gtin": "123"}, {"day": "1999-12-31"}):
        with pytest.raises(SchemaError):
            lw.issue(**over)
    with pytest.raises(SchemaError):
        lw.w.submit(lw.issuer, "label.revoked", {"reason": "x y"})  # no target
    with pytest.raises(SchemaError):
        lw.w.submit(lw.issuer, "label.revoked", {"reason": "xy", "lot_id": "a", "issuance_seq": 3})


def test_only_label_issuers_issue(lw: LabelWorld) -> None:
    with pytest.raises(AuthorizationError, match="label_issuer"):
        lw.issue(signer=lw.certifier)
    with pytest.raises(AuthorizationError):
        lw.issue(signer="coop-a")


def test_revocations_are_recorded_with_their_seq(lw: LabelWorld) -> None:
    first = lw.issue(units=2)
    revoked = lw.revoke(issuance_seq=first.seq, reason="misprint")
    doc = lw.state.get(ISSUANCE_KIND, str(first.seq))
    assert (doc["status"], doc["revoked_seq"], doc["revoked_reason"]) == (
        "revoked",
        revoked.seq,
        "misprint",
    )
    with pytest.raises(DomainRuleError, match="was revoked"):
        lw.revoke(issuance_seq=first.seq)
    with pytest.raises(DomainRuleError, match="no label issuance"):
        lw.revoke(issuance_seq=first.seq + 1000)

    lot_wide = lw.revoke(lot_id="sacks", reason="recall")
    found = lot_revocation(lw.state, "sacks")
    assert found is not None and not found.implicit
    assert (found.effective_seq, found.reason_en) == (lot_wide.seq, "recall")
    with pytest.raises(DomainRuleError, match="were revoked"):
        lw.issue(units=1)
    with pytest.raises(DomainRuleError, match="were revoked"):
        lw.revoke(lot_id="sacks")
    with pytest.raises(DomainRuleError, match="has no labels"):
        lw.revoke(lot_id="uncert")


def test_root_may_revoke_and_set_resolver_hosts(lw: LabelWorld) -> None:
    entry = lw.issue()
    lw.w.submit(lw.w.root, "label.revoked", {"issuance_seq": entry.seq, "reason": "root recall"})
    assert resolver_hosts(lw.state) is None
    lw.w.submit(lw.w.root, "label.resolvers", {"hosts": ["qr.bt.example", "localhost:8000"]})
    assert resolver_hosts(lw.state) == ["qr.bt.example", "localhost:8000"]
    with pytest.raises(AuthorizationError):
        lw.w.submit(lw.issuer, "label.resolvers", {"hosts": ["evil.example"]})
    for bad in (["UPPER.example"], ["a.example", "a.example"], []):
        with pytest.raises(SchemaError):
            lw.w.submit(lw.w.root, "label.resolvers", {"hosts": bad})


def test_implicit_revocation_when_the_certificate_is_revoked(lw: LabelWorld) -> None:
    lw.issue(units=2)
    assert lot_revocation(lw.state, "sacks") is None
    revocation = lw.revoke_certificate()
    found = lot_revocation(lw.state, "sacks")
    assert found is not None and found.implicit
    assert found.effective_seq == revocation.seq
    assert "no longer eligible" in found.reason_en and "ya no es elegible" in found.reason_es
    with pytest.raises(IneligibleLotError):
        lw.issue(units=1)


def test_a_second_issuer_key_works_and_gtin_is_kept(lw: LabelWorld) -> None:
    second = make_key("label-issuer-2")
    lw.grant(second, "label-issuer-2")
    entry = lw.issue(signer=second)
    assert lw.state.get(ISSUANCE_KIND, str(entry.seq))["gtin"] == GTIN
