"""Training and technical assistance (``verifiers.training``) and the trained-producers figure.

What each test proves, on SQLite and PostgreSQL:

* A session of the association's own registered members, on a topic of a versioned list and
  dated no later than the log's day, is recorded; the projection keeps who attended.
* Every bad session is refused naming the field: an attendee of another association or not
  registered, an attendee listed twice, a date after the day the log admits it, an unknown
  topic or topic list, a session id used twice, an unknown product.
* The indicator counts distinct trained producers per cell, equal to a recount from the raw
  ``training.held`` entries written here, and hides a count under five.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from api.services.indicators import compute_indicators
from api.services.ledger import LedgerService
from ledger.errors import DomainRuleError, SchemaError
from ledger.supply.lots import harvest_season
from tests.factories import make_key
from tests.supply_factories import SupplyWorld

AS_OF = date(2026, 3, 1)


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[LedgerService, SupplyWorld]]:
    """coop-a with seven coffee members, coop-b with one."""
    service = LedgerService.open(db_url, operator_key=make_key("operator"))
    w = SupplyWorld(service.store, service.registry, {"coop-a": "association",
                                                     "coop-b": "association"})  # fmt: skip
    for n in range(7):
        w.producer("coop-a", f"p-{n}")
        w.plot("coop-a", f"pl-{n}", f"p-{n}")
    w.producer("coop-b", "p-b")
    try:
        yield service, w
    finally:
        service.close()


def _session(session_id: str, attendees: list[str], **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "session_id": session_id,
        "date": "2026-02-20",
        "topic_list": "practices@1",
        "topic": "shade_management",
        "trainer_org": "CONABIO",
        "attendees": attendees,
    }
    body.update(over)
    return body


def test_a_session_of_members_is_recorded(world: tuple[LedgerService, SupplyWorld]) -> None:
    service, w = world
    w.submit("coop-a", "training.held", _session("s-1", ["p-0", "p-1"], product="coffee"))
    doc = service.store.state_get("training", "s-1")
    assert doc is not None
    assert (doc["org_id"], doc["attendees"], doc["topic"]) == ("coop-a", ["p-0", "p-1"],
                                                              "shade_management")  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_session("s-x", ["p-0", "p-b"]), "statement.body.attendees.1"),
        (_session("s-x", ["p-0", "p-nobody"]), "statement.body.attendees.1"),
        (_session("s-x", ["p-0", "p-0"]), "statement.body.attendees.1"),
        (_session("s-x", ["p-0"], date="2026-03-02"), "statement.body.date"),
        (_session("s-x", ["p-0"], topic="astrology"), "statement.body.topic"),
        (_session("s-x", ["p-0"], topic_list="practices@9"), "statement.body.topic_list"),
        (_session("s-1", ["p-0"]), "statement.body.session_id"),
    ],
)
def test_bad_sessions_are_refused_naming_the_field(
    world: tuple[LedgerService, SupplyWorld], body: dict[str, Any], field: str
) -> None:
    service, w = world
    w.submit("coop-a", "training.held", _session("s-1", ["p-2"]))
    size = service.head().size
    with pytest.raises(DomainRuleError) as caught:
        w.submit("coop-a", "training.held", body)
    assert caught.value.field == field, caught.value
    assert service.head().size == size


def test_unknown_product_is_a_schema_error(world: tuple[LedgerService, SupplyWorld]) -> None:
    _service, w = world
    with pytest.raises(SchemaError) as caught:
        w.submit("coop-a", "training.held", _session("s-2", ["p-0"], product="tea"))
    assert "statement.body.product" in str(caught.value.errors)


def _recount(w: SupplyWorld) -> dict[tuple[str, str, str], tuple[int, set[str]]]:
    """Sessions and distinct attendees per (association, product, season), from raw entries."""
    found: dict[tuple[str, str, str], tuple[int, set[str]]] = defaultdict(lambda: (0, set()))
    for entry in w.entries():
        body = entry.statement.body
        if entry.statement.type != "training.held":
            continue
        key = ("coop-a", body["product"], harvest_season(body["product"], body["date"]))
        sessions, people = found[key]
        found[key] = (sessions + 1, people | set(body["attendees"]))
    return found


def test_trained_producers_equal_a_recount_and_small_counts_hide(
    world: tuple[LedgerService, SupplyWorld],
) -> None:
    service, w = world
    w.submit("coop-a", "training.held", _session("s-1", ["p-0", "p-1", "p-2"], product="coffee"))
    w.submit("coop-a", "training.held",
             _session("s-2", ["p-2", "p-3", "p-4", "p-5"], product="coffee"))  # fmt: skip
    # Last season's session: 2 people in its own cell.
    w.submit("coop-a", "training.held",
             _session("s-0", ["p-0", "p-6"], product="coffee", date="2025-09-10"))  # fmt: skip
    found = compute_indicators(service, as_of=AS_OF, with_people=False)
    expected = _recount(w)
    cells = {(r["association"], r["product"], r["season"]): r
             for r in found.header.figures["cells"]}  # fmt: skip
    for key, (sessions, people) in expected.items():
        row = cells[key]
        assert row["training_sessions"] == sessions, key
        assert row["trained_producers"] == (len(people) if len(people) >= 5 else None), key
    assert cells[("coop-a", "coffee", "2025/26")]["trained_producers"] == 6
    assert cells[("coop-a", "coffee", "2024/25")]["trained_producers"] is None  # 2 people
    raw = {(k.association, k.product, k.season): c for k, c in found.raw.cells.items()}
    assert len(raw[("coop-a", "coffee", "2024/25")].trained) == 2
