"""Producer groups under a programme's targeting rules (``verifiers.groups``), both engines.

What each test proves, with PROINPRO's rules as published data (groups of at least 5 members,
more than 50 % of them programme beneficiaries, one group per producer):

* Forming a group is refused, with the reason in Spanish and English naming the field, when it
  has too few members or too few beneficiaries (exactly half is not "50 % + 1"), and accepted
  when it meets every rule.
* Every membership change is checked again: a removal that breaks either rule is refused with
  both reasons; adding a non-beneficiary that drops the share to half is refused; adding a
  beneficiary is accepted.
* A producer cannot sit in two groups of the same programme, and can join another once removed.
* A programme version cannot be republished, and a group must name a published version and
  the association's own members.
* The whole ledger still verifies from genesis (the rules are replayed).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.services.ledger import LedgerService
from ledger.errors import DomainRuleError
from ledger.storage.sql.store import SqlLedgerStore
from tests.factories import make_key
from tests.supply_factories import SupplyWorld
from verifiers.groups import GroupRuleError

PROINPRO: dict[str, Any] = {
    "id": "proinpro",
    "version": 1,
    "title": {"es": "PROINPRO (FIDA)", "en": "PROINPRO (IFAD)"},
    "min_members": 5,
    "shares": [
        {
            "condition": {"kind": "flag", "flag": "beneficiary"},
            "min_share": "0.5",
            "strictly_more": True,
            "title": {"es": "persona beneficiaria del programa", "en": "programme beneficiary"},
        }
    ],
    "one_group_per_producer": True,
}


@pytest.fixture
def world(db_url: str) -> Iterator[SupplyWorld]:
    """PROINPRO published; coop-a with members p-1 … p-12, coop-b with q-1."""
    service = LedgerService.open(db_url, operator_key=make_key("operator"))
    w = SupplyWorld(service.store, service.registry)
    w.submit(w.root, "programme.published", {"programme": PROINPRO})
    for n in range(1, 13):
        w.producer("coop-a", f"p-{n}")
    w.producer("coop-b", "q-1")
    try:
        yield w
    finally:
        service.close()


def _members(beneficiaries: list[int], others: list[int]) -> list[dict[str, Any]]:
    return [{"producer_id": f"p-{n}", "flags": ["beneficiary"]} for n in beneficiaries] + [
        {"producer_id": f"p-{n}"} for n in others
    ]


def _form(w: SupplyWorld, group_id: str, members: list[dict[str, Any]]) -> None:
    body = {"group_id": group_id, "programme": "proinpro@1", "name": "Grupo", "members": members}
    w.submit("coop-a", "group.formed", body)


def _change(w: SupplyWorld, group_id: str, **change: Any) -> None:
    w.submit("coop-a", "group.membership_changed", {"group_id": group_id, **change})


def _codes(exc: pytest.ExceptionInfo[GroupRuleError]) -> list[str]:
    return [reason.code for reason in exc.value.reasons]


def test_formation_is_checked_against_the_rules(world: SupplyWorld) -> None:
    with pytest.raises(GroupRuleError) as few:
        _form(world, "g-1", _members([1, 2, 3], [4]))
    assert _codes(few) == ["too_few_members"]
    assert few.value.field == "statement.body.members"
    reason = few.value.reasons[0]
    assert "4 members" in reason.message_en and "at least 5" in reason.message_en
    assert "4 integrantes" in reason.message_es and "al menos 5" in reason.message_es
    with pytest.raises(GroupRuleError) as half:
        _form(world, "g-1", _members([1, 2, 3], [4, 5, 6]))  # 3 of 6: not more than half
    assert _codes(half) == ["share_not_met"]
    assert "more than 50 %" in half.value.reasons[0].message_en
    assert "más de 50 %" in half.value.reasons[0].message_es
    _form(world, "g-1", _members([1, 2, 3], [4, 5]))  # 3 of 5


def test_every_membership_change_is_checked(world: SupplyWorld) -> None:
    _form(world, "g-1", _members([1, 2, 3], [4, 5]))
    with pytest.raises(GroupRuleError) as both:
        _change(world, "g-1", remove=["p-1"])  # 4 members, 2 of 4 beneficiaries
    assert _codes(both) == ["too_few_members", "share_not_met"]
    with pytest.raises(GroupRuleError) as half:
        _change(world, "g-1", add=[{"producer_id": "p-6"}])  # 3 of 6
    assert _codes(half) == ["share_not_met"]
    _change(world, "g-1", add=[{"producer_id": "p-6", "flags": ["beneficiary"]}])  # 4 of 6
    _change(world, "g-1", remove=["p-4"], add=[{"producer_id": "p-7"}])  # 4 of 6 again
    assert isinstance(world.store, SqlLedgerStore)
    group = world.store.state_get("group", "g-1")
    assert group is not None
    assert sorted(group["members"]) == ["p-1", "p-2", "p-3", "p-5", "p-6", "p-7"]


def test_one_group_per_producer_per_programme(world: SupplyWorld) -> None:
    _form(world, "g-1", _members([1, 2, 3, 4], [5]))
    with pytest.raises(GroupRuleError) as taken:
        _form(world, "g-2", _members([6, 7, 8, 9], [1]))
    assert _codes(taken) == ["already_in_a_group"]
    assert taken.value.field == "statement.body.members.4.producer_id"
    assert "g-1" in taken.value.reasons[0].message_en
    assert "g-1" in taken.value.reasons[0].message_es


def test_a_removed_producer_may_join_another_group(world: SupplyWorld) -> None:
    _form(world, "g-1", _members([1, 2, 3, 4], [5, 6]))
    _change(world, "g-1", remove=["p-6"])
    _form(world, "g-2", _members([7, 8, 9, 10], [6]))
    with pytest.raises(GroupRuleError):
        _change(world, "g-2", add=[{"producer_id": "p-5", "flags": ["beneficiary"]}])


def test_programmes_and_members_are_checked(world: SupplyWorld) -> None:
    with pytest.raises(DomainRuleError, match="already published"):
        world.submit(world.root, "programme.published", {"programme": PROINPRO})
    body = {"group_id": "g-9", "programme": "proinpro@2", "name": "G", "members": _members([1], [])}
    with pytest.raises(DomainRuleError, match="no programme proinpro@2"):
        world.submit("coop-a", "group.formed", body)
    stranger = [*_members([1, 2, 3, 4], []), {"producer_id": "q-1", "flags": ["beneficiary"]}]
    with pytest.raises(DomainRuleError, match="belongs to coop-b") as foreign:
        _form(world, "g-9", stranger)
    assert foreign.value.field == "statement.body.members.4.producer_id"


def test_the_ledger_replays_with_groups(world: SupplyWorld, db_url: str) -> None:
    _form(world, "g-1", _members([1, 2, 3], [4, 5]))
    _change(world, "g-1", add=[{"producer_id": "p-6", "flags": ["beneficiary"]}])
    service = LedgerService.open(db_url, migrate=False)
    try:
        assert service.verify().size == world.store.head().size
    finally:
        service.close()
