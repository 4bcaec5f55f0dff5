"""Labels never exceed the goods: labelled + consumed ≤ quantity, on SQLite and PostgreSQL.

Issue 15 item 1. What each test proves, on both engines:

* The demo case: labels for honey already packed into drums (``mc-filtered-drums``, the
  issue's ``label issue mc-filtered-drums --units 21 --unit-g 300000``), for the filtered
  honey before the split, and for the certified coffee lots already blended and packed into
  the export lot are refused at append with a message naming the lot and the masses in kg;
  nothing is appended, the ledger still verifies, and eligibility says which transformation
  consumed each lot and that nothing is left to label. The honey remainder takes labels up
  to its own 27.8 kg and no more.
* A labelled part is reserved: after labels for 6 of 8 sacks a transformation may take only
  the other 2 sacks' mass (refused above it, naming the labelled mass and the field), and
  then no further label fits; a whole labelled lot still ships, and its labels travel with
  it (the recipient can consume only what is unlabelled).
* Verification re-checks the rule: a ledger written by a version that did not check the
  balance (a registry whose ``label.issued`` rules are empty) fails ``ledger verify`` at the
  over-labelling entry's seq, naming the lot.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.demo import build_demo
from api.services.certification import eligibility
from api.services.labels import issuance_preview, issue_labels
from api.services.ledger import LedgerService, full_registry
from api.settings import Settings
from labels.issuance import LABEL_LOT_KIND
from ledger.chain import append, verify_stored_leaves
from ledger.errors import DomainRuleError, IntegrityError
from ledger.keystore import KeyStore
from ledger.registry import EntryType, Registry
from ledger.supply.lots import LOT_KIND
from tests.unit.labels.world import LabelWorld

PASSPHRASE = "label-balance-passphrase"


# --------------------------------------------------------------------------- the demo case


Demo = tuple[LedgerService, dict[str, Any], Ed25519PrivateKey]


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[Demo]:
    """The demo ledger on this engine, its summary and its label-issuer key."""
    cfg = Settings(data_dir=tmp_path, key_passphrase=PASSPHRASE, database_url=db_url)
    summary = build_demo(cfg)
    issuer = KeyStore(cfg.key_dir).load("label-issuer", PASSPHRASE)
    service = LedgerService.open(db_url)
    try:
        yield service, summary, issuer
    finally:
        service.close()


@pytest.mark.parametrize(
    ("lot_id", "units", "unit_g", "consumer"),
    [
        ("mc-filtered-drums", 21, 300_000, "mc-pack-2026"),  # the issue's command
        ("mc-filtered-2026", 1, 300_000, "mc-split-2026"),
        ("cs-green-g1-ab", 1, 69_000, "cs-blend-2526-ab"),
        ("cs-green-ab", 1, 69_000, "cs-pack-2526-ab"),
    ],
)
def test_demo_lots_consumed_by_transformations_get_no_labels(
    demo: Demo, lot_id: str, units: int, unit_g: int, consumer: str
) -> None:
    service, _summary, issuer = demo
    assert eligibility(service, lot_id).eligible  # certified: only the balance stands in the way
    size = service.head().size
    with pytest.raises(DomainRuleError) as info:
        issue_labels(
            service, lot_id, units, signer=issuer, unit_g=unit_g,
            lot_number="DEMO1", nonce=f"t-{lot_id}",
        )  # fmt: skip
    message = str(info.value)
    assert f"lot {lot_id} has " in message and "consumed by transformations" in message
    assert "at most 0 kg may be labelled" in message
    if lot_id == "mc-filtered-drums":
        assert message == (
            "lot mc-filtered-drums has 6,300 kg: 6,300 kg consumed by transformations and 0 kg "
            "already labelled, so at most 0 kg may be labelled; 6,300 kg requested (21 × 300 kg)"
        )
    assert info.value.field == "statement.body.units"
    assert service.head().size == size
    assert service.store.state_get(LABEL_LOT_KIND, lot_id) is None
    assert service.verify().size == size
    stock = eligibility(service, lot_id).stock
    assert stock is not None and stock["status"] == "consumed"
    assert [c["transformation_id"] for c in stock["consumed_by"]] == [consumer]
    assert stock["unlabelled_g"] == 0
    assert "nothing is left to label" in stock["message_en"]
    assert "no queda nada que etiquetar" in stock["message_es"]


def test_demo_honey_remainder_takes_labels_up_to_its_mass(demo: Demo) -> None:
    service, summary, signer = demo
    lot_id = summary["lots"]["honey_remainder"]
    lot = service.store.state_get(LOT_KIND, lot_id)
    assert lot is not None and lot["quantity_g"] == 27_800  # 6,327.8 kg filtered − 21 drums
    with pytest.raises(DomainRuleError, match=r"27\.8 kg may be labelled; 30 kg requested"):
        issue_labels(service, lot_id, 1, signer=signer, unit_g=30_000, lot_number="MCREST1")
    preview = issuance_preview(service, lot_id, 139, unit_g=200)
    assert preview["fits"] and preview["available_g"] == 27_800
    issue_labels(service, lot_id, 139, signer=signer, unit_g=200, lot_number="MCREST1")
    with pytest.raises(DomainRuleError, match="27.8 kg already labelled"):
        issue_labels(service, lot_id, 1, signer=signer, unit_g=1, lot_number="MCREST1")
    stock = eligibility(service, lot_id).stock
    assert stock is not None and (stock["labelled_g"], stock["unlabelled_g"]) == (27_800, 0)
    assert service.verify().size == service.head().size


# --------------------------------------------------------------------------- reservation


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[LedgerService, LabelWorld]]:
    """The label world (8 eligible sacks of 55 kg, lot ``sacks``) on this engine."""
    service = LedgerService.open(db_url)
    try:
        yield service, LabelWorld(service.store)
    finally:
        service.close()


def _split(lw: LabelWorld, name: str, kg: int, org: str = "coop-a") -> Any:
    """Split ``kg`` of the sacks lot off into two new lots."""
    half = kg / 2
    return lw.w.transform(
        org, name, "split", [("sacks", kg)], [(f"{name}-a", half), (f"{name}-b", half)]
    )


def test_labelled_part_is_reserved_from_transformations(
    world: tuple[LedgerService, LabelWorld],
) -> None:
    service, lw = world
    lw.issue(units=6)  # 330 of 440 kg labelled
    size = service.head().size
    with pytest.raises(DomainRuleError) as info:
        _split(lw, "sp-1", 220)
    assert info.value.field == "statement.body.inputs.0"
    assert str(info.value) == (
        "lot sacks has 440 kg left, 330 kg of it labelled (reserved for its labels); at most "
        "110 kg may be consumed; 220 kg requested"
    )
    assert service.head().size == size
    _split(lw, "sp-2", 110)  # exactly the unlabelled stock
    lot = service.store.state_get(LOT_KIND, "sacks")
    assert lot is not None
    assert (lot["remaining_g"], lot["labelled_g"], lot["status"]) == (330_000, 330_000, "active")
    with pytest.raises(DomainRuleError, match="110 kg consumed by transformations and 330 kg"):
        lw.issue(units=1)
    with pytest.raises(DomainRuleError, match="at most 0 kg may be consumed"):
        _split(lw, "sp-3", 2)
    stock = eligibility(service, "sacks").stock
    assert stock is not None and stock["status"] == "partly_consumed"
    assert [(c["transformation_id"], c["grams"]) for c in stock["consumed_by"]] == [
        ("sp-2", 110_000)
    ]
    assert "330 kg left, 330 kg of it labelled: 0 kg may still be labelled" in stock["message_en"]
    assert service.verify().size == service.head().size


def test_a_labelled_lot_ships_whole_with_its_labels(
    world: tuple[LedgerService, LabelWorld],
) -> None:
    service, lw = world
    lw.w.register_org("coop-b")
    lw.issue(units=8)  # every sack labelled
    lw.w.ship("coop-a", "ship-1", ["sacks"], "coop-b")
    lw.w.receive("coop-b", "ship-1")
    lot = service.store.state_get(LOT_KIND, "sacks")
    assert lot is not None and (lot["custodian"], lot["labelled_g"]) == ("coop-b", 440_000)
    with pytest.raises(DomainRuleError, match="at most 0 kg may be consumed"):
        _split(lw, "sp-b", 110, org="coop-b")
    with pytest.raises(DomainRuleError, match="at most 0 kg may be labelled"):
        lw.issue(units=1)


# --------------------------------------------------------------------------- verification


def _lax_registry() -> Registry:
    """The full registry with ``label.issued`` admitted by no rule at all: what a version that
    did not check the balance let into the log."""
    lax = Registry()
    for name in full_registry().names():
        entry_type = full_registry().get(name)
        if name == "label.issued":
            entry_type = EntryType(
                name=name, body_model=entry_type.body_model, roles=entry_type.roles,
                apply=lambda _ctx, _body: None,
            )  # fmt: skip
        lax.register(entry_type)
    return lax


def test_verify_names_an_over_labelling_entry_written_without_the_rule(
    world: tuple[LedgerService, LabelWorld],
) -> None:
    service, lw = world
    _split(lw, "sp-1", 220)  # 220 kg left
    ok = append(service.store, _lax_registry(), lw.w.sign(lw.issuer, "label.issued",
                                                             lw.issue_body(units=4)))  # fmt: skip
    bad = append(service.store, _lax_registry(), lw.w.sign(lw.issuer, "label.issued",
                                                              lw.issue_body(units=1)))  # fmt: skip
    with pytest.raises(IntegrityError) as info:
        service.verify()
    assert info.value.seq == bad.entry.seq != ok.entry.seq
    assert f"entry {bad.entry.seq}: lot sacks has 440 kg: 220 kg consumed" in str(info.value)
    with pytest.raises(IntegrityError):
        verify_stored_leaves(service.store.stored_leaves(), full_registry())
