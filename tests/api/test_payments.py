"""Farm-gate purchases, payments and balances on SQLite and PostgreSQL.

What each test proves:

* a purchase's amount is exact to the centavo (price × kg rounded half up, less deductions,
  plus premiums) and any other amount is refused naming the right one; a purchase cannot
  exceed the delivery's weight, nor buy from a producer with no origin in it; amounts are
  decimal strings, a JSON number is refused;
* payments pay purchases without overpaying; an advance is spent by offsets, never beyond
  what it holds; balances per producer and season (purchased, paid, owed, advanced,
  outstanding) are exact;
* a purchase's and a payment's receipt (the association-signed statement as ``BTR1:`` digits)
  decodes from its QR with zxing-cpp and verifies offline against the trust list; a changed
  digit, another association or a delivery statement are refused;
* balances are listed per producer and season for the association;
* concurrent offsets against one advance through the service (group commit) are applied
  exactly once each, and only while the advance holds enough: of eight offsets of 300 MXN
  against 1,000 MXN, exactly three pass; the same signed payment sent by four threads at once
  is one entry.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from api.services.labels import current_trust_list
from api.services.ledger import LedgerService, full_registry
from api.services.payments import balances, receipt_text
from labels.payment_receipt import PaymentReceiptStatus, check_payment_receipt
from labels.receipt import encode_receipt
from labels.render import make_qr
from ledger.errors import DomainRuleError, EntryNotFoundError, LedgerError, SchemaError
from ledger.statements import sign_statement
from ledger.supply.payments import BALANCE_KIND, balance_view
from tests.supply_factories import SupplyWorld

World = tuple[LedgerService, SupplyWorld]
SEASON = "2025/26"  # HARVEST_DATE 2026-01-15 in the ICO coffee year


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    service = LedgerService.open(db_url)
    try:
        w = SupplyWorld(service.store, full_registry(), ["coop-a", "coop-b"])
        w.producer("coop-a", "p-1")
        w.producer("coop-a", "p-2")
        w.plot("coop-a", "pl-1", "p-1")
        w.plot("coop-a", "pl-2", "p-2", geometry={"type": "Point", "coordinates": [-92.61, 15.61]})
        w.harvest("coop-a", "h-1", {"pl-1": 500})
        w.harvest("coop-a", "h-2", {"pl-1": 100, "pl-2": 100})
        yield service, w
    finally:
        service.close()


def _purchase(purchase_id: str = "c-1", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "purchase_id": purchase_id,
        "lot_id": "h-1",
        "producer_id": "p-1",
        "quantity_kg": "500",
        "price_per_kg_mxn": "7.35",
        "deductions": [{"kind": "moisture", "amount_mxn": "12.50"}],
        "premiums": [{"kind": "biodiversity-premium", "amount_mxn": "250"}],
        "amount_mxn": "3912.50",
    }
    body.update(over)
    return body


def _pay(payment_id: str, kind: str, amount: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "payment_id": payment_id,
        "producer_id": "p-1",
        "kind": kind,
        "amount_mxn": amount,
        "paid_on": "2026-02-01",
    }
    body.update(over)
    return body


def _balance(service: LedgerService, producer_id: str = "p-1") -> dict[str, Any]:
    doc = service.store.state_get(BALANCE_KIND, f"{producer_id}:{SEASON}")
    assert doc is not None
    return balance_view(doc)


def test_purchase_amount_is_exact(world: World) -> None:
    service, w = world
    with pytest.raises(DomainRuleError, match="must be 3912.50") as caught:
        w.submit("coop-a", "purchase.recorded", _purchase(amount_mxn="3912.49"))
    assert caught.value.field == "statement.body.amount_mxn"
    w.submit("coop-a", "purchase.recorded", _purchase())
    # Half up: 0.333 kg × 10.005 = 3.331665 → 3.33; 0.5 kg × 0.01 = 0.005 → 0.01.
    w.submit("coop-a", "purchase.recorded", _purchase("c-2", lot_id="h-2", quantity_kg="0.5",
             price_per_kg_mxn="0.01", deductions=[], premiums=[], amount_mxn="0.01"))  # fmt: skip
    with pytest.raises(SchemaError):
        w.submit("coop-a", "purchase.recorded", _purchase("c-3", amount_mxn=3912.5))
    with pytest.raises(DomainRuleError, match="already bought"):
        w.submit("coop-a", "purchase.recorded", _purchase("c-4", quantity_kg="0.001",
                 price_per_kg_mxn="1", deductions=[], premiums=[], amount_mxn="0"))  # fmt: skip
    with pytest.raises(DomainRuleError, match="no origin of producer p-2"):
        w.submit("coop-a", "purchase.recorded", _purchase("c-5", producer_id="p-2"))
    with pytest.raises(DomainRuleError, match="already recorded"):
        w.submit("coop-a", "purchase.recorded", _purchase(lot_id="h-2", quantity_kg="1"))
    with pytest.raises(LedgerError):
        w.submit("coop-b", "purchase.recorded", _purchase("c-6", lot_id="h-2", quantity_kg="1"))
    assert _balance(service)["purchased_mxn"] == "3912.51"


def test_payments_advances_and_balances(world: World) -> None:
    service, w = world
    w.submit("coop-a", "purchase.recorded", _purchase())
    w.submit("coop-a", "payment.recorded", _pay("a-1", "advance", "1000", season=SEASON))
    w.submit("coop-a", "payment.recorded", _pay("x-1", "cash", "1500", purchase_ids=["c-1"]))
    w.submit("coop-a", "payment.recorded",
             _pay("o-1", "offset", "800", purchase_ids=["c-1"], advance_id="a-1"))  # fmt: skip
    assert _balance(service) == {
        "producer_id": "p-1",
        "season": SEASON,
        "purchased_mxn": "3912.50",
        "paid_mxn": "2300.00",
        "owed_mxn": "1612.50",
        "advanced_mxn": "1000.00",
        "advances_outstanding_mxn": "200.00",
    }
    with pytest.raises(DomainRuleError, match="200.00 MXN outstanding"):
        w.submit(
            "coop-a",
            "payment.recorded",
            _pay("o-2", "offset", "200.01", purchase_ids=["c-1"], advance_id="a-1"),
        )
    with pytest.raises(DomainRuleError, match="still owe 1612.50 MXN"):
        w.submit(
            "coop-a", "payment.recorded", _pay("x-2", "transfer", "1612.51", purchase_ids=["c-1"])
        )
    with pytest.raises(SchemaError):
        w.submit("coop-a", "payment.recorded", _pay("x-3", "cash", "10"))  # no purchases named
    with pytest.raises(SchemaError):
        w.submit("coop-a", "payment.recorded", _pay("x-4", "cash", "0", purchase_ids=["c-1"]))
    w.submit(
        "coop-a",
        "payment.recorded",
        _pay("x-5", "instalment", "1612.50", purchase_ids=["c-1"], reference="SPEI 0042"),
    )
    assert _balance(service)["owed_mxn"] == "0.00"


def test_concurrent_offsets_against_one_advance_are_exactly_once(world: World) -> None:
    service, w = world
    key = w.keys["coop-a"]
    w.submit("coop-a", "purchase.recorded", _purchase())
    w.submit("coop-a", "payment.recorded", _pay("a-1", "advance", "1000", season=SEASON))
    offsets = [
        sign_statement(key, "payment.recorded",
                       _pay(f"o-{n}", "offset", "300", purchase_ids=["c-1"], advance_id="a-1"))
        for n in range(8)
    ]  # fmt: skip

    def submit(signed: Any) -> str:
        try:
            return "created" if service.submit(signed).created else "replayed"
        except DomainRuleError as exc:
            assert "outstanding" in str(exc)
            return "refused"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(submit, offsets))
    assert outcomes.count("created") == 3 and outcomes.count("refused") == 5
    assert _balance(service)["advances_outstanding_mxn"] == "100.00"
    assert _balance(service)["paid_mxn"] == "900.00"

    cash = sign_statement(key, "payment.recorded", _pay("x-1", "cash", "100", purchase_ids=["c-1"]))
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _n: service.submit(cash), range(4)))
    assert sum(r.created for r in results) == 1
    assert len({r.entry.seq for r in results}) == 1
    assert _balance(service)["paid_mxn"] == "1000.00"


def test_receipts_decode_from_the_qr_and_verify_offline(world: World) -> None:
    service, w = world
    w.submit("coop-a", "purchase.recorded", _purchase())
    w.submit("coop-a", "payment.recorded", _pay("x-1", "cash", "1000", purchase_ids=["c-1"]))
    trust_list = current_trust_list(service)
    for kind, record_id in (("purchase", "c-1"), ("payment", "x-1")):
        text = receipt_text(service, kind, record_id)
        png = make_qr(text, error="M").png(scale=4)
        [decoded] = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
        assert decoded == text
        verdict = check_payment_receipt(decoded, trust_list, association="coop-a")
        assert verdict, verdict.to_dict()
        assert verdict.to_dict()["body"]["producer_id"] == "p-1"
        assert "Recibo auténtico" in verdict.message("es")
        assert check_payment_receipt(decoded, trust_list, association="coop-b").status is (
            PaymentReceiptStatus.WRONG_ASSOCIATION
        )
    # One digit changed: no longer this statement (malformed, or a signature that fails).
    text = receipt_text(service, "purchase", "c-1")
    changed = text[:-5] + ("1" if text[-5] != "1" else "2") + text[-4:]
    assert not check_payment_receipt(changed, trust_list)
    # A delivery is not a payment receipt.
    delivery = encode_receipt(service.entry(w.entries()[-3].seq).signed)
    assert check_payment_receipt(delivery, trust_list).status is PaymentReceiptStatus.NOT_A_PAYMENT
    with pytest.raises(EntryNotFoundError):
        receipt_text(service, "payment", "nope")


def test_balances_per_producer_and_season(world: World) -> None:
    service, w = world
    w.submit("coop-a", "purchase.recorded", _purchase())
    w.submit("coop-a", "purchase.recorded", _purchase("c-2", lot_id="h-2", producer_id="p-2",
             quantity_kg="100", price_per_kg_mxn="8", deductions=[], premiums=[],
             amount_mxn="800"))  # fmt: skip
    w.submit("coop-a", "payment.recorded", _pay("a-2", "advance", "300", producer_id="p-2",
             season=SEASON))  # fmt: skip
    rows = balances(service, "coop-a")
    assert [(r["producer_id"], r["owed_mxn"], r["advances_outstanding_mxn"]) for r in rows] == [
        ("p-1", "3912.50", "0.00"),
        ("p-2", "800.00", "300.00"),
    ]
    assert balances(service, "coop-a", "p-2") == rows[1:]
    assert balances(service, "coop-b") == []


def test_purchase_signed_on_a_field_device_has_a_receipt(world: World) -> None:
    """A delivery's farm-gate purchase signed on the phone (the field app's Deliveries screen):
    admitted for a device enrolled for purchases, counted in the balance, and its receipt
    verifies offline as the association's; a device enrolled without purchases is refused."""
    from ledger.errors import AuthorizationError
    from ledger.keys import encode_public_key, key_id
    from ledger.supply.devices import DEVICE_CAPTURE_TYPES
    from tests.factories import make_key

    service, w = world
    phone, old_phone = make_key("device:scale-1"), make_key("device:scale-old")
    for key, types in ((phone, list(DEVICE_CAPTURE_TYPES)), (old_phone, ["lot.harvested"])):
        w.submit("coop-a", "device.enrolled", {"org_id": "coop-a", "label": "Báscula",
                 "public_key": encode_public_key(key), "entry_types": types})  # fmt: skip
    with pytest.raises(AuthorizationError, match="may sign only"):
        w.submit(old_phone, "purchase.recorded", _purchase())
    entry = w.submit(phone, "purchase.recorded", _purchase())
    assert entry.statement.actor == key_id(phone)
    assert _balance(service)["purchased_mxn"] == "3912.50"
    trust_list = current_trust_list(service)
    verdict = check_payment_receipt(receipt_text(service, "purchase", "c-1"), trust_list,
                                    association="coop-a")  # fmt: skip
    assert verdict, verdict.to_dict()
    assert verdict.to_dict()["association"] == "coop-a"
    assert (
        check_payment_receipt(
            receipt_text(service, "purchase", "c-1"), trust_list, association="coop-b"
        ).status
        is PaymentReceiptStatus.WRONG_ASSOCIATION
    )
