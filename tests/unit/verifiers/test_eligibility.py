"""Eligibility of lots (segregation): a blend with one ineligible input is ineligible, and the
reason names the input; harvest windows, revocations, failing verifications and lot-level
criteria (honey lab results) each change the answer as DESIGN §7 says.

Every answer is also checked against the verdicts alone: ``is_eligible`` and the batch
``eligible_lots`` over every lot of the ledger (what the indicators count), its lineages
read by query or with the whole lot graph, agree with ``check_eligibility`` on every lot, in
memory, on SQLite and on PostgreSQL.

Statements at 2026-03-01, coffee harvested 2026-01-15, evidence observed 2026-01-10,
verifications valid 2025-10-01..2026-09-30 unless a test says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.services.ledger import full_registry
from ledger.state import InMemoryState, State
from ledger.storage import InMemoryLedgerStore
from ledger.storage.base import LedgerStore
from ledger.storage.sql import SqlLedgerStore
from ledger.storage.sql.store import SqlState
from ledger.supply.lots import LOT_INPUT, LOT_KIND
from tests.cert_factories import (
    accredit,
    add_certifier,
    issue_verification,
    publish,
    record_evidence,
)
from tests.helpers_storage import open_store
from tests.supply_factories import SupplyWorld
from verifiers.eligibility import Eligibility, check_eligibility, eligible_lots, is_eligible

COFFEE = {"products": ["coffee"]}


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    """An empty ledger store: in memory, or a migrated SQL database of each engine."""
    if request.param == "memory":
        yield InMemoryLedgerStore()
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/ledger.db"
    else:
        url = request.getfixturevalue("pg_schema_url")
    with open_store(url) as sql:
        yield sql


@dataclass
class Chain:
    w: SupplyWorld
    key: Ed25519PrivateKey

    @contextmanager
    def state(self) -> Iterator[State]:
        """The projections, as the readers of each store see them."""
        store = self.w.store
        if isinstance(store, SqlLedgerStore):
            with store.reading() as cursor:
                yield SqlState(cursor)
        else:
            yield store.projections  # type: ignore[attr-defined]

    def doc(self, kind: str, key: str) -> dict[str, Any] | None:
        with self.state() as state:
            return state.get(kind, key)

    def check(self, lot_id: str) -> Eligibility:
        with self.state() as state:
            answer = check_eligibility(state, lot_id)
            # The verdicts without the reasons (what the indicators count) agree on every
            # lot: one at a time, and all of them judged together with their shared inputs.
            lots = [key for key, _doc in state.scan(LOT_KIND)]
            together = eligible_lots(state, [*lots, lot_id])
            assert together[lot_id] is answer.eligible
            # The same verdicts with the lot graph's links read whole (PostgreSQL's way).
            assert eligible_lots(state, [*lots, lot_id], whole_graph=True) == together
            for other in lots:
                verdict = check_eligibility(state, other).eligible
                assert together[other] is is_eligible(state, other) is verdict, other
        return answer

    def verify(self, verification_id: str, scope: dict[str, Any], **over: Any) -> None:
        issue_verification(self.w, self.key, verification_id, "coop-a", scope, **over)

    def revoke(self, verification_id: str) -> None:
        body = {"verification_id": verification_id, "reason": "non-conformity found"}
        self.w.submit(self.key, "verification.revoked", body)


def _world(store: LedgerStore) -> tuple[SupplyWorld, Ed25519PrivateKey]:
    w = SupplyWorld(store, full_registry(), ["coop-a"])
    w.producer("coop-a", "p-1")
    w.producer("coop-a", "p-2")
    publish(w, "coffee-ab@1")
    publish(w, "honey-ab@1")
    key = add_certifier(w)
    accredit(w, products=["coffee", "honey"], standards=["coffee-ab", "honey-ab"])
    return w, key


@pytest.fixture
def coffee(store: LedgerStore) -> Chain:
    """Two plots with passing evidence; each harvest processed to parchment, then blended.

    Nothing is verified yet.
    """
    w, key = _world(store)
    record_evidence(w, "coop-a", "association", "coop-a")
    for n in ("1", "2"):
        w.plot("coop-a", f"pl-{n}", f"p-{n}")
        record_evidence(w, "coop-a", "plot", f"pl-{n}")
        w.harvest("coop-a", f"h-{n}", {f"pl-{n}": 1000})
        w.transform("coop-a", f"wet-{n}", "process", [(f"h-{n}", 1000)], [(f"pa-{n}", 220)],
                    form="parchment")  # fmt: skip
    w.transform("coop-a", "blend", "blend", [("pa-1", 220), ("pa-2", 220)], [("bl", 440)])
    return Chain(w, key)


def _codes(result: Eligibility) -> list[tuple[str, str, str]]:
    return [(r.code, r.lot_id, r.subject) for r in result.reasons]


def _bilingual(result: Eligibility) -> None:
    for reason in result.reasons:
        assert reason.message_en and reason.message_es
        assert reason.message_en != reason.message_es
        assert reason.to_dict()["message_es"] == reason.message_es


# --------------------------------------------------------------------------- coffee


def test_blend_with_one_uncertified_input_is_ineligible_naming_it(coffee: Chain) -> None:
    coffee.verify("v1", {**COFFEE, "plots": ["pl-1"]})
    assert coffee.check("h-1").eligible and coffee.check("pa-1").eligible
    assert not coffee.check("h-2") and not coffee.check("pa-2")

    result = coffee.check("bl")
    assert not result.eligible and not result
    assert _codes(result) == [("input_not_eligible", "bl", "lot:pa-2")]
    reason = result.reasons[0]
    # The chain is named down to the plot: pa-2 ← h-2 ← plot:pl-2.
    for text in (reason.message_en, reason.message_es):
        assert "pa-2" in text and "h-2" in text and "plot:pl-2" in text
    assert "pa-1" not in reason.message_en
    _bilingual(result)
    assert coffee.check("h-2").reasons[0].code == "origin_not_certified"
    assert coffee.check("h-2").reasons[0].subject == "plot:pl-2"


def test_a_chain_names_its_root_causes_with_their_facts(coffee: Chain) -> None:
    """The blend's reason carries the plot at fault (once, with product and harvest window)
    so a screen can say it briefly instead of repeating the sentence chain."""
    coffee.verify("v1", {**COFFEE, "plots": ["pl-1"]})
    reason = coffee.check("bl").reasons[0]
    assert [(c.code, c.lot_id, c.subject) for c in reason.causes] == [
        ("origin_not_certified", "h-2", "plot:pl-2")
    ]
    leaf = coffee.check("h-2").reasons[0]
    assert leaf.detail is not None and leaf.detail["product"] == "coffee"
    assert reason.causes[0].detail == leaf.detail
    doc = reason.to_dict()
    assert doc["causes"][0]["detail"] == {**leaf.detail}
    assert "causes" not in leaf.to_dict() and "detail" not in doc


def test_blend_of_certified_inputs_is_eligible_with_verifications(coffee: Chain) -> None:
    coffee.verify("v1", {**COFFEE, "plots": ["pl-1"]})
    coffee.verify("v2", {**COFFEE, "plots": ["pl-2"]})
    result = coffee.check("bl")
    assert result.eligible and result.reasons == []
    assert result.verifications == ["v1", "v2"]
    assert result.to_dict() == {
        "lot_id": "bl",
        "eligible": True,
        "reasons": [],
        "verifications": ["v1", "v2"],
    }


def test_one_verification_for_both_plots_is_enough(coffee: Chain) -> None:
    coffee.verify("v-all", {**COFFEE, "plots": ["pl-1", "pl-2"]})
    assert coffee.check("bl").verifications == ["v-all"]


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [("2026-01-16", "2026-12-31"), ("2025-06-01", "2026-01-14")],
    ids=["starts-after-harvest", "ends-before-harvest"],
)
def test_harvest_outside_the_verification_window(
    coffee: Chain, valid_from: str, valid_until: str
) -> None:
    scope = {**COFFEE, "plots": ["pl-1", "pl-2"]}
    coffee.verify("v1", scope, valid_from=valid_from, valid_until=valid_until)
    result = coffee.check("h-1")
    assert _codes(result) == [("origin_not_certified", "h-1", "plot:pl-1")]
    assert "2026-01-15" in result.reasons[0].message_en
    _bilingual(result)
    assert [r.subject for r in coffee.check("bl").reasons] == ["lot:pa-1", "lot:pa-2"]


def test_harvest_window_must_be_covered_whole(coffee: Chain) -> None:
    coffee.verify("v1", {**COFFEE, "plots": ["pl-1"]}, valid_from="2026-01-20")
    coffee.w.harvest("coop-a", "h-late", {"pl-1": 100}, harvested_from="2026-01-20")
    coffee.w.harvest(
        "coop-a", "h-span", {"pl-1": 100}, harvested_from="2026-01-18", harvested_to="2026-01-22"
    )
    assert coffee.check("h-late").eligible
    assert not coffee.check("h-span").eligible


def test_revoking_makes_previously_eligible_lots_ineligible(coffee: Chain) -> None:
    coffee.verify("v1", {**COFFEE, "plots": ["pl-1"]})
    coffee.verify("v2", {**COFFEE, "plots": ["pl-2"]})
    assert coffee.check("bl").eligible
    coffee.revoke("v2")
    assert coffee.check("h-1").eligible
    assert not coffee.check("h-2").eligible
    assert _codes(coffee.check("bl")) == [("input_not_eligible", "bl", "lot:pa-2")]
    assert coffee.check("bl").verifications == ["v1"]


def test_failing_verification_does_not_count(coffee: Chain) -> None:
    record_evidence(coffee.w, "coop-a", "plot", "pl-2", override={"shade_cover_pct": 25})
    coffee.verify("v-fail", {**COFFEE, "plots": ["pl-2"]})
    assert coffee.doc("verification", "v-fail")["result"]  # type: ignore[index] == "fail"
    result = coffee.check("h-2")
    assert _codes(result) == [("origin_not_certified", "h-2", "plot:pl-2")]


def test_verification_for_another_product_does_not_count(coffee: Chain) -> None:
    coffee.w.apiary("coop-a", "ap-x", "p-1")
    record_evidence(coffee.w, "coop-a", "apiary", "ap-x", ref="honey-ab@1")
    coffee.verify("v-honey", {"products": ["honey"], "apiaries": ["ap-x"]}, ref="honey-ab@1")
    assert not coffee.check("h-1").eligible


def test_unknown_lot_is_ineligible(coffee: Chain) -> None:
    result = coffee.check("no-such-lot")
    assert _codes(result) == [("unknown_lot", "no-such-lot", "lot:no-such-lot")]
    _bilingual(result)


def test_coffee_needs_no_lot_verification(coffee: Chain) -> None:
    """coffee-ab has no lot-level criteria: certified origins are enough."""
    coffee.verify("v1", {**COFFEE, "plots": ["pl-1", "pl-2"]})
    assert [r.code for r in coffee.check("bl").reasons] == []


def test_lots_sharing_inputs_judged_together_before_and_after_a_revocation(
    coffee: Chain,
) -> None:
    """Three export lots split from one blend and a fourth blended from one of them with a
    third plot's parchment: judged together they share every input, and revoking the
    second plot's verification spoils exactly the lots downstream of it."""
    coffee.w.plot("coop-a", "pl-3", "p-1")
    record_evidence(coffee.w, "coop-a", "plot", "pl-3")
    coffee.w.harvest("coop-a", "h-3", {"pl-3": 1000})
    coffee.w.transform("coop-a", "wet-3", "process", [("h-3", 1000)], [("pa-3", 220)],
                       form="parchment")  # fmt: skip
    coffee.verify("v1", {**COFFEE, "plots": ["pl-1", "pl-3"]})
    coffee.verify("v2", {**COFFEE, "plots": ["pl-2"]})
    coffee.w.transform("coop-a", "cut", "split", [("bl", 440)],
                       [("ex-1", 150), ("ex-2", 150), ("ex-3", 140)])  # fmt: skip
    coffee.w.transform("coop-a", "mix", "blend", [("ex-3", 140), ("pa-3", 220)], [("ex-4", 360)])
    shipped = ["ex-1", "ex-2", "ex-3", "ex-4", "pa-3"]
    with coffee.state() as state:
        assert eligible_lots(state, shipped) == dict.fromkeys(shipped, True)
    assert coffee.check("ex-4").verifications == ["v1", "v2"]

    coffee.revoke("v2")
    with coffee.state() as state:
        assert eligible_lots(state, shipped) == {**dict.fromkeys(shipped[:4], False), "pa-3": True}
    assert _codes(coffee.check("ex-4")) == [("input_not_eligible", "ex-4", "lot:ex-3")]
    assert coffee.check("ex-4").reasons[0].causes[0].subject == "plot:pl-2"


def test_a_lot_reached_directly_and_through_another_input(coffee: Chain) -> None:
    """A blend of a harvest's remainder and of a split of that same harvest: the harvest is
    judged before both lots made from it (it once was judged after the split, and the
    check failed with a KeyError)."""
    coffee.verify("v1", {**COFFEE, "plots": ["pl-1"]})
    coffee.w.harvest("coop-a", "b-h", {"pl-1": 1000})
    coffee.w.transform("coop-a", "t-cut", "split", [("b-h", 500)], [("a-x", 250), ("c-y", 250)])
    coffee.w.transform("coop-a", "t-mix", "blend", [("a-x", 250), ("b-h", 500)], [("r", 750)])
    result = coffee.check("r")
    assert result.eligible and result.verifications == ["v1"]
    coffee.revoke("v1")
    assert _codes(coffee.check("r")) == [
        ("input_not_eligible", "r", "lot:a-x"),
        ("input_not_eligible", "r", "lot:b-h"),
    ]


# --------------------------------------------------------------------------- honey


HONEY = {"products": ["honey"]}


@pytest.fixture
def honey(store: LedgerStore) -> Chain:
    """Two certified apiaries; raw lots filtered together, split, the drum part packed."""
    w, key = _world(store)
    for n in ("1", "2"):
        w.apiary("coop-a", f"ap-{n}", f"p-{n}")
        record_evidence(w, "coop-a", "apiary", f"ap-{n}", ref="honey-ab@1")
        w.harvest("coop-a", f"raw-{n}", {f"ap-{n}": 350}, product="honey")
    chain = Chain(w, key)
    chain.verify("v-api", {**HONEY, "apiaries": ["ap-1", "ap-2"]}, ref="honey-ab@1")
    w.transform("coop-a", "filter", "process", [("raw-1", 350), ("raw-2", 350)],
                [("filtered", 686)], form="filtered")  # fmt: skip
    w.transform("coop-a", "split", "split", [("filtered", 686)], [("to-drum", 600), ("rest", 86)])
    drums = {
        "lot_id": "drums",
        "quantity_kg": 600,
        "package": {"unit": "drum", "count": 2, "unit_kg": 300},
    }
    w.transform("coop-a", "pack", "pack", [("to-drum", 600)], [drums])
    return chain


def test_drums_need_a_lab_verification_upstream(honey: Chain) -> None:
    assert honey.check("raw-1").eligible is False  # lot criteria apply to the raw lot too
    result = honey.check("drums")
    assert _codes(result) == [("lot_criteria_unverified", "drums", "lot:drums")]
    _bilingual(result)

    record_evidence(honey.w, "coop-a", "lot", "filtered", ref="honey-ab@1")
    honey.verify("v-lab", {**HONEY, "lots": ["filtered"]}, ref="honey-ab@1")
    assert honey.doc("verification", "v-lab")["result"]  # type: ignore[index] == "pass"
    result = honey.check("drums")
    assert result.eligible, result.reasons
    assert result.verifications == ["v-api", "v-lab"]
    assert honey.check("filtered").eligible and honey.check("rest").eligible
    assert not honey.check("raw-1").eligible  # the lab verification is downstream of it


def test_failing_lab_verification_does_not_count(honey: Chain) -> None:
    record_evidence(
        honey.w, "coop-a", "lot", "filtered", ref="honey-ab@1", override={"moisture_pct": 21.5}
    )
    honey.verify("v-lab", {**HONEY, "lots": ["filtered"]}, ref="honey-ab@1")
    assert honey.doc("verification", "v-lab")["result"]  # type: ignore[index] == "fail"
    assert [r.code for r in honey.check("drums").reasons] == ["lot_criteria_unverified"]


def test_lab_verification_of_a_sibling_lot_does_not_count(honey: Chain) -> None:
    record_evidence(honey.w, "coop-a", "lot", "rest", ref="honey-ab@1")
    honey.verify("v-lab", {**HONEY, "lots": ["rest"]}, ref="honey-ab@1")
    assert honey.check("rest").eligible
    assert not honey.check("drums").eligible


def test_revoked_apiary_verification_spoils_the_drums(honey: Chain) -> None:
    record_evidence(honey.w, "coop-a", "lot", "filtered", ref="honey-ab@1")
    honey.verify("v-lab", {**HONEY, "lots": ["filtered"]}, ref="honey-ab@1")
    assert honey.check("drums").eligible
    honey.revoke("v-api")
    result = honey.check("drums")
    assert [r.code for r in result.reasons] == ["input_not_eligible"]
    assert result.reasons[0].subject == "lot:to-drum"


def test_a_looping_lineage_is_refused_not_walked_forever() -> None:
    """No ledger records a loop (a lot's inputs exist before it), but projections changed
    behind the ledger's back could: the walk says so instead of looping or failing on a
    lot it never judged."""
    state = InMemoryState()
    for lot_id, other in (("a", "b"), ("b", "a")):
        lot = {"created_by": "t-1", "product": "coffee", "harvest": {"from": "2026-01-15",
               "to": "2026-01-15"}}  # fmt: skip
        state.put(LOT_KIND, lot_id, lot, 1)
        state.link(LOT_INPUT, lot_id, other, 1)
    for judge in (check_eligibility, is_eligible):
        with pytest.raises(ValueError, match="the lineage of lot a loops through lot a"):
            judge(state, "a")
