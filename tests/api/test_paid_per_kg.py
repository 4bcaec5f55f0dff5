"""Paid per kg for buyers (opt-in), on SQLite and PostgreSQL.

What each test proves: the figure of a blended lot equals an independent recomputation from
the signed purchase entries of the deliveries in its lineage (Decimal sums of the statements'
own strings, no project code beyond reading entries), weighted by kg, with the percentage of
the reference price; it is absent before the association opts in, without a reference price,
after it opts out, and for a lot with fewer than five producers; bad opt-in and reference
bodies are refused naming the field; the label page shows the section (es/en, Mexican
numbers) only when opted in.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.demo.scenario import CAFE
from api.services.ledger import LedgerService, full_registry
from api.settings import Settings
from ledger.errors import SchemaError
from ledger.keystore import KeyStore
from ledger.statements import sign_statement
from ledger.supply.lineage import upstream
from ledger.supply.price_transparency import PaidPerKg, paid_per_kg
from tests.api.test_resolver import (  # noqa: F401 - the fixtures
    EN,
    ES,
    HTML,
    PASSPHRASE,
    _get,
    _visible,
    client,
    demo,
    labels,
)
from tests.supply_factories import SupplyWorld

PRODUCERS = [f"p-{n}" for n in range(1, 7)]
PRICES = ["9.50", "10.25", "8.7531", "11", "9.99", "10.05"]
KILOS = ["250.5", "310", "180.125", "402", "99.999", "150"]


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[LedgerService, SupplyWorld]]:
    service = LedgerService.open(db_url)
    try:
        w = SupplyWorld(service.store, full_registry(), ["coop-a"])
        for n, (producer, price, kg) in enumerate(zip(PRODUCERS, PRICES, KILOS, strict=True)):
            w.producer("coop-a", producer)
            w.plot("coop-a", f"pl-{n}", producer)
            w.harvest("coop-a", f"h-{n}", {f"pl-{n}": float(kg)})
            gross = (Decimal(price) * Decimal(kg)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            premium, deduction = Decimal("0.5") * n, Decimal("1.25") if n % 2 else Decimal(0)
            less = [{"kind": "humedad", "amount_mxn": str(deduction)}] if deduction else []
            more = [{"kind": "biodiversidad", "amount_mxn": str(premium)}] if premium else []
            w.submit("coop-a", "purchase.recorded", {
                "purchase_id": f"c-{n}", "lot_id": f"h-{n}", "producer_id": producer,
                "quantity_kg": kg, "price_per_kg_mxn": price, "deductions": less,
                "premiums": more, "amount_mxn": str(gross - deduction + premium)})  # fmt: skip
        total = sum(Decimal(k) for k in KILOS)
        w.transform("coop-a", "t-blend", "blend", [(f"h-{n}", float(k)) for n, k in
                    enumerate(KILOS)], [("blend-1", float(total))])  # fmt: skip
        w.transform(
            "coop-a", "t-small", "split", [("blend-1", 10)], [("small-1", 6), ("small-2", 4)]
        )
        yield service, w
    finally:
        service.close()


def _independent(service: LedgerService, lot_id: str) -> tuple[Decimal, Decimal]:
    """Σ amount / Σ kg from the signed purchase statements of the lineage's deliveries."""
    with service.store.read_state() as state:
        lots = set(upstream(state, lot_id, producers=False).lots)
    amount = kg = Decimal(0)
    for entry in service.entries(0, service.head().size):
        body = entry.signed.statement.body
        if entry.signed.statement.type == "purchase.recorded" and body["lot_id"] in lots:
            amount += Decimal(body["amount_mxn"])
            kg += Decimal(body["quantity_kg"])
    return amount, kg


def _figure(service: LedgerService, lot_id: str) -> PaidPerKg | None:
    with service.store.read_state() as state:
        return paid_per_kg(state, lot_id)


def test_figure_equals_an_independent_recomputation(
    world: tuple[LedgerService, SupplyWorld],
) -> None:
    service, w = world
    assert _figure(service, "blend-1") is None  # nothing published by default
    w.submit("coop-a", "transparency.opted", {"opted_in": True})
    assert _figure(service, "blend-1") is None  # no reference price yet
    reference = {"product": "coffee", "price_per_kg_mxn": "9.80", "source": "Asamblea 2025/26"}
    w.submit("coop-a", "reference_price.recorded", reference)
    for lot_id in ("blend-1", "small-1"):
        figure = _figure(service, lot_id)
        assert figure is not None
        amount, kg = _independent(service, lot_id)
        assert figure.paid_cents == int(amount * 100) and figure.grams == int(kg * 1000)
        per_kg = (amount / kg).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert figure.per_kg_mxn == str(per_kg)
        percent = (amount / kg / Decimal("9.80") * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
        assert figure.percent_of_reference == str(percent)
        assert (figure.producers, figure.purchases) == (6, 6)
    w.submit("coop-a", "transparency.opted", {"opted_in": False})
    assert _figure(service, "blend-1") is None


def test_few_producers_and_bad_bodies(world: tuple[LedgerService, SupplyWorld]) -> None:
    service, w = world
    w.submit("coop-a", "transparency.opted", {"opted_in": True})
    w.submit("coop-a", "reference_price.recorded",
             {"product": "coffee", "price_per_kg_mxn": "9.80", "source": "Asamblea"})  # fmt: skip
    assert _figure(service, "h-0") is None  # one producer: what she was paid stays hers
    for body, field in (
        ({"product": "coffee", "price_per_kg_mxn": 9.8, "source": "x" * 10}, "price_per_kg_mxn"),
        ({"product": "coffee", "price_per_kg_mxn": "9.80001", "source": "abc"}, "price_per_kg_mxn"),
        ({"product": "tea", "price_per_kg_mxn": "9.80", "source": "abc"}, "product"),
    ):
        with pytest.raises(SchemaError) as refused:
            w.submit("coop-a", "reference_price.recorded", body)
        assert any(field in f for f, _reason in refused.value.errors), refused.value.errors
    with pytest.raises(SchemaError):
        w.submit("coop-a", "transparency.opted", {"opted_in": "yes"})


def test_label_page_shows_the_figure_only_when_opted_in(
    demo: tuple[Settings, dict[str, Any]],  # noqa: F811
    client: TestClient,  # noqa: F811
    labels: dict[str, tuple[int, str]],  # noqa: F811
) -> None:
    cfg, _summary = demo
    service: LedgerService = client.app.state.service  # type: ignore[attr-defined]
    _seq, label = labels["sack"]
    before = _get(client, label, {**HTML, **ES})
    assert before.status_code == 200 and 'id="paid-per-kg"' not in before.text
    key = KeyStore(cfg.key_dir).load(CAFE, PASSPHRASE)
    service.submit(sign_statement(key, "transparency.opted", {"opted_in": True}))
    reference = {"product": "coffee", "price_per_kg_mxn": "9.75", "source": "Asamblea 2025/26"}
    service.submit(sign_statement(key, "reference_price.recorded", reference))
    lot_id = str(_get(client, label, {"accept": "application/json"}).json()["product"]["lot_id"])
    amount, kg = _independent(service, lot_id)
    per_kg = (amount / kg).quantize(Decimal("0.01"), ROUND_HALF_UP)
    percent = (amount / kg / Decimal("9.75") * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    spanish = _visible(_get(client, label, {**HTML, **ES}).text)
    assert "Lo que se pagó a los productores" in spanish
    assert f"$ {per_kg:,.2f} MXN por kg de cereza" in spanish
    assert f"$ 9.75 MXN por kg ({percent} % de la referencia" in spanish
    assert f"{kg.normalize():,f} kg de" in spanish
    english = _visible(_get(client, label, {**HTML, **EN}).text)
    assert f"$ {per_kg:,.2f} MXN per kg of cherry" in english
    service.submit(sign_statement(key, "transparency.opted", {"opted_in": False}))
    after = _get(client, label, {**HTML, **ES})
    assert 'id="paid-per-kg"' not in after.text


def test_replay_rebuilds_the_same_figure(world: tuple[LedgerService, SupplyWorld]) -> None:
    service, w = world
    w.submit("coop-a", "transparency.opted", {"opted_in": True})
    reference = {"product": "coffee", "price_per_kg_mxn": "9.80", "source": "Asamblea"}
    w.submit("coop-a", "reference_price.recorded", reference)
    before = _figure(service, "blend-1")
    service.verify()
    service.rebuild()
    assert _figure(service, "blend-1") == before is not None
