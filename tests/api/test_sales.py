"""Sales (``ledger.supply.sales``) and the value-of-sales figures, on SQLite and PostgreSQL.

What each test proves:

* An association records what lots it made sold for, in exact decimal strings per currency;
  the projection keeps the amounts as integer cents.
* A bad sale is refused naming the field: a lot made by another association, a lot sold
  twice or listed twice, a zero value, an unknown buyer, an amount with three decimals or an
  unknown currency (schema).
* The indicator adds sale values per currency in the lot's cell (never across currencies),
  equal to the amounts written here; none of the world's lots is certified, so none is
  eligible.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from api.services.indicators import compute_indicators
from api.services.ledger import LedgerService
from ledger.errors import DomainRuleError, SchemaError
from tests.factories import make_key
from tests.supply_factories import SupplyWorld


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[LedgerService, SupplyWorld]]:
    """coop-a with three harvested lots, coop-b with one, and a buyer organization."""
    service = LedgerService.open(db_url, operator_key=make_key("operator"))
    orgs = {"coop-a": "association", "coop-b": "association", "buyer": "exporter"}
    w = SupplyWorld(service.store, service.registry, orgs)
    for org, n in (("coop-a", 1), ("coop-a", 2), ("coop-a", 3), ("coop-b", 4)):
        w.producer(org, f"p-{n}")
        w.plot(org, f"pl-{n}", f"p-{n}")
        w.harvest(org, f"lot-{n}", {f"pl-{n}": 100})
    try:
        yield service, w
    finally:
        service.close()


def _sale(sale_id: str, lots: dict[str, str], **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sale_id": sale_id,
        "sold_on": "2026-02-27",
        "currency": "MXN",
        "lots": [{"lot_id": lot, "value": value} for lot, value in lots.items()],
    }
    body.update(over)
    return body


def test_a_sale_is_recorded_in_exact_cents(world: tuple[LedgerService, SupplyWorld]) -> None:
    service, w = world
    w.submit("coop-a", "sale.recorded", _sale("s-1", {"lot-1": "1234.5"}, buyer="buyer"))
    doc = service.store.state_get("sale", "s-1")
    assert doc is not None
    assert (doc["org_id"], doc["value_cents"], doc["buyer"]) == ("coop-a", {"lot-1": 123450},
                                                                 "buyer")  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_sale("s-x", {"lot-4": "10"}), "statement.body.lots.0.lot_id"),
        (_sale("s-x", {"lot-1": "10"}), "statement.body.lots.0.lot_id"),
        (_sale("s-x", {"lot-2": "0.00"}), "statement.body.lots.0.value"),
        (_sale("s-x", {"lot-2": "10"}, buyer="nobody"), "statement.body.buyer"),
        (_sale("s-x", {"lot-2": "10", "lot-404": "5"}), "statement.body.lots.1.lot_id"),
        (_sale("s-1", {"lot-2": "10"}), "statement.body.sale_id"),
    ],
)
def test_bad_sales_are_refused_naming_the_field(
    world: tuple[LedgerService, SupplyWorld], body: dict[str, Any], field: str
) -> None:
    service, w = world
    w.submit("coop-a", "sale.recorded", _sale("s-1", {"lot-1": "500"}))
    size = service.head().size
    with pytest.raises(DomainRuleError) as caught:
        w.submit("coop-a", "sale.recorded", body)
    assert caught.value.field == field, caught.value
    assert service.head().size == size


def test_a_lot_listed_twice_is_refused(world: tuple[LedgerService, SupplyWorld]) -> None:
    _service, w = world
    body = _sale("s-2", {"lot-2": "10"})
    body["lots"] *= 2
    with pytest.raises(DomainRuleError) as caught:
        w.submit("coop-a", "sale.recorded", body)
    assert caught.value.field == "statement.body.lots.1.lot_id"


@pytest.mark.parametrize(
    ("over", "field"),
    [({"lots": [{"lot_id": "lot-2", "value": "10.005"}]}, "statement.body.lots.0.value"),
     ({"currency": "EUR"}, "statement.body.currency")],
)  # fmt: skip
def test_malformed_sales_are_schema_errors(
    world: tuple[LedgerService, SupplyWorld], over: dict[str, Any], field: str
) -> None:
    _service, w = world
    with pytest.raises(SchemaError) as caught:
        w.submit("coop-a", "sale.recorded", {**_sale("s-3", {"lot-2": "10"}), **over})
    assert field in str(caught.value.errors)


def test_sales_value_per_currency_in_the_lot_cell(
    world: tuple[LedgerService, SupplyWorld],
) -> None:
    service, w = world
    w.submit("coop-a", "sale.recorded", _sale("s-1", {"lot-1": "1000.10", "lot-2": "0.95"}))
    w.submit("coop-a", "sale.recorded", _sale("s-2", {"lot-3": "70.5"}, currency="USD"))
    w.submit("coop-b", "sale.recorded", _sale("s-3", {"lot-4": "3"}))
    found = compute_indicators(service, as_of=date(2026, 3, 1), with_people=False)
    cells = {r["association"]: r for r in found.header.figures["cells"]}
    a = cells["coop-a"]
    assert a["sales_value"] == {"MXN": "1001.05", "USD": "70.50"}
    assert (a["lots_sold"], a["sold_kg"]) == (3, "300.000")
    assert (a["eligible_lots_sold"], a["eligible_sales_value"]) == (0, {})
    assert cells["coop-b"]["sales_value"] == {"MXN": "3.00"}
