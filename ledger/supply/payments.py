"""Farm-gate purchases and payments: what the association paid each producer, exactly.

Two entry types, both signed by the association:

* ``purchase.recorded`` — the purchase of (part of) a harvest delivery from one of its
  producers: kilograms, price per kg, quality deductions, premiums (the
  biodiversity-friendly premium, others the association names), in MXN, and the resulting
  amount, which must equal ``round_half_up(price × kg, 2) − deductions + premiums`` to the
  centavo;
* ``payment.recorded`` — money to the producer: ``cash``, ``transfer`` or ``instalment``
  against purchases; an ``advance`` for a season; an ``offset`` that pays purchases out of an
  advance, never beyond what the advance still holds.

Amounts are decimal strings on the ledger and integer centavos in the projections: no float
ever touches money. Applying a payment reads and writes the advance's and the purchases'
documents inside the append, which the ledger serializes, so two offsets racing for the same
advance cannot both spend it (exactly once, on both engines); the same signed statement sent
twice is one entry (nonce replay). Balances per producer and season (purchased, paid, owed,
advances outstanding) are kept as projection documents.

Left out: currencies other than MXN, refunds, and the producer's acknowledgement (a receipt
the producer co-signs).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from ledger.registry import AppendContext, EntryType
from ledger.supply.common import Body, Day, Id, acting_org, require, rule
from ledger.supply.lots import LOT_KIND, LOT_ORIGIN, harvest_season
from ledger.supply.producers import PRODUCER_KIND
from ledger.supply.sites import APIARY_KIND, PLOT_KIND

__all__ = [
    "ADVANCE_KIND",
    "BALANCE_KIND",
    "PAYMENT_KIND",
    "PURCHASE_KIND",
    "PaymentBody",
    "PurchaseBody",
    "balance_view",
    "cents",
    "mxn",
    "payment_entry_types",
    "purchase_amount",
]

PURCHASE_KIND = "purchase"
PAYMENT_KIND = "payment"
ADVANCE_KIND = "advance"
BALANCE_KIND = "producer_balance"
"""Projection key ``<producer_id>:<season>`` → centavos purchased, paid, advanced, offset."""
LOT_PURCHASED_KIND = "lot_purchased"
"""Projection key ``<lot_id>`` → grams bought so far (never more than the lot's weight)."""

Money = Annotated[str, Field(pattern=r"^(0|[1-9][0-9]{0,10})(\.[0-9]{1,2})?$")]
"""MXN as a decimal string with at most two decimals (centavos)."""
Price = Annotated[str, Field(pattern=r"^(0|[1-9][0-9]{0,6})(\.[0-9]{1,4})?$")]
"""MXN per kg, at most four decimals."""
Kilograms = Annotated[str, Field(pattern=r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,3})?$")]
"""Kilograms as a decimal string, to the gram."""


def cents(text: str) -> int:
    """Centavos of an MXN decimal string (``"12.5"`` → ``1250``)."""
    return int(Decimal(text) * 100)


def mxn(value: int) -> str:
    """An MXN decimal string of centavos, always two decimals (``1250`` → ``"12.50"``)."""
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 100)
    return f"{sign}{whole}.{frac:02d}"


class Adjustment(Body):
    """A deduction or premium: what for, and how much."""

    kind: Id
    amount_mxn: Money


class PurchaseBody(Body):
    """``purchase.recorded``: the association buys (part of) a delivery from its producer."""

    purchase_id: Id
    lot_id: Id
    producer_id: Id
    quantity_kg: Kilograms
    price_per_kg_mxn: Price
    deductions: list[Adjustment] = Field(default_factory=list, max_length=20)
    premiums: list[Adjustment] = Field(default_factory=list, max_length=20)
    currency: Literal["MXN"] = "MXN"
    amount_mxn: Money


def purchase_amount(body: PurchaseBody) -> int:
    """Centavos due: price × kg rounded half up to the centavo, less deductions, plus premiums."""
    gross = (Decimal(body.price_per_kg_mxn) * Decimal(body.quantity_kg)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return (
        int(gross * 100)
        - sum(cents(d.amount_mxn) for d in body.deductions)
        + sum(cents(p.amount_mxn) for p in body.premiums)
    )


class PaymentBody(Body):
    """``payment.recorded``: money from the association to its producer."""

    payment_id: Id
    producer_id: Id
    kind: Literal["cash", "transfer", "advance", "instalment", "offset"]
    amount_mxn: Money
    paid_on: Day
    season: str | None = Field(default=None, pattern=r"^[0-9]{4}(/[0-9]{2})?$")
    purchase_ids: list[Id] = Field(default_factory=list, max_length=200)
    advance_id: Id | None = None
    reference: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _shape(self) -> PaymentBody:
        if cents(self.amount_mxn) <= 0:
            raise ValueError("amount_mxn must be more than zero")
        if self.kind == "advance":
            if self.season is None or self.purchase_ids or self.advance_id:
                raise ValueError("an advance names its season and no purchases or advance")
        elif not self.purchase_ids:
            raise ValueError(f"a {self.kind} payment names the purchases it pays")
        if (self.kind == "offset") != (self.advance_id is not None):
            raise ValueError("advance_id is given exactly for an offset")
        if len(set(self.purchase_ids)) != len(self.purchase_ids):
            raise ValueError("purchase_ids repeats a purchase")
        return self


def _producer(ctx: AppendContext, producer_id: str) -> str:
    org_id = acting_org(ctx)
    producer = require(
        ctx.state.get(PRODUCER_KIND, producer_id), f"unknown producer {producer_id}", "producer_id"
    )
    rule(
        producer["org_id"] == org_id,
        f"producer {producer_id} belongs to {producer['org_id']}",
        "producer_id",
    )
    return org_id


def _add_balance(ctx: AppendContext, producer_id: str, season: str, **delta: int) -> None:
    key = f"{producer_id}:{season}"
    doc = ctx.state.get(BALANCE_KIND, key) or {
        "producer_id": producer_id,
        "season": season,
        "purchased_cents": 0,
        "paid_cents": 0,
        "advanced_cents": 0,
        "offset_cents": 0,
    }
    for name, value in delta.items():
        doc[name] += value
    ctx.state.put(BALANCE_KIND, key, doc, ctx.seq)


def _apply_purchase(ctx: AppendContext, body: PurchaseBody) -> None:
    org_id = _producer(ctx, body.producer_id)
    rule(
        ctx.state.get(PURCHASE_KIND, body.purchase_id) is None,
        f"purchase {body.purchase_id} is already recorded",
        "purchase_id",
    )
    lot = require(ctx.state.get(LOT_KIND, body.lot_id), f"unknown lot {body.lot_id}", "lot_id")
    rule(
        lot["org_id"] == org_id and lot["created_by"] == "harvest",
        f"lot {body.lot_id} is not a delivery harvested by {org_id}",
        "lot_id",
    )
    owners = set()
    for node in ctx.state.linked(LOT_ORIGIN, body.lot_id):
        kind, _, site_id = node.partition(":")
        site = ctx.state.get(PLOT_KIND if kind == PLOT_KIND else APIARY_KIND, site_id) or {}
        owners.add(site.get("producer_id"))
    rule(
        body.producer_id in owners,
        f"lot {body.lot_id} has no origin of producer {body.producer_id}",
        "producer_id",
    )
    grams = int(Decimal(body.quantity_kg) * 1000)
    rule(grams > 0, "quantity_kg must be more than zero", "quantity_kg")
    bought = ctx.state.get(LOT_PURCHASED_KIND, body.lot_id) or {"grams": 0}
    rule(
        bought["grams"] + grams <= lot["quantity_g"],
        f"lot {body.lot_id} weighs {lot['quantity_g'] / 1000} kg; "
        f"{bought['grams'] / 1000} kg already bought",
        "quantity_kg",
    )
    amount = purchase_amount(body)
    rule(amount >= 0, "deductions exceed the purchase", "deductions")
    rule(
        cents(body.amount_mxn) == amount,
        f"amount_mxn must be {mxn(amount)} (price × kg rounded to the centavo, "
        "less deductions, plus premiums)",
        "amount_mxn",
    )
    season = harvest_season(lot["product"], lot["harvest"]["from"])
    ctx.state.put(LOT_PURCHASED_KIND, body.lot_id, {"grams": bought["grams"] + grams}, ctx.seq)
    ctx.state.put(
        PURCHASE_KIND,
        body.purchase_id,
        {
            **body.model_dump(),
            "org_id": org_id,
            "season": season,
            "amount_cents": amount,
            "paid_cents": 0,
            "recorded_seq": ctx.seq,
        },
        ctx.seq,
    )
    _add_balance(ctx, body.producer_id, season, purchased_cents=amount)


def _pay_purchases(ctx: AppendContext, body: PaymentBody, amount: int) -> str:
    """Allocate ``amount`` to the listed purchases in order; return their season."""
    seasons = set()
    docs = []
    for index, purchase_id in enumerate(body.purchase_ids):
        doc = require(
            ctx.state.get(PURCHASE_KIND, purchase_id),
            f"unknown purchase {purchase_id}",
            f"purchase_ids.{index}",
        )
        rule(
            doc["producer_id"] == body.producer_id,
            f"purchase {purchase_id} is from producer {doc['producer_id']}",
            f"purchase_ids.{index}",
        )
        seasons.add(doc["season"])
        docs.append(doc)
    rule(len(seasons) == 1, "the purchases paid at once must be of one season", "purchase_ids")
    owed = sum(doc["amount_cents"] - doc["paid_cents"] for doc in docs)
    rule(
        amount <= owed,
        f"the purchases still owe {mxn(owed)} MXN; {body.amount_mxn} would overpay",
        "amount_mxn",
    )
    left = amount
    for doc in docs:
        share = min(left, doc["amount_cents"] - doc["paid_cents"])
        left -= share
        if share:
            doc["paid_cents"] += share
            ctx.state.put(PURCHASE_KIND, doc["purchase_id"], doc, ctx.seq)
    return str(seasons.pop())


def _apply_payment(ctx: AppendContext, body: PaymentBody) -> None:
    org_id = _producer(ctx, body.producer_id)
    rule(
        ctx.state.get(PAYMENT_KIND, body.payment_id) is None,
        f"payment {body.payment_id} is already recorded",
        "payment_id",
    )
    amount = cents(body.amount_mxn)
    if body.kind == "advance":
        assert body.season is not None  # noqa: S101 - the model requires it
        season = body.season
        ctx.state.put(
            ADVANCE_KIND,
            body.payment_id,
            {
                "producer_id": body.producer_id,
                "season": season,
                "amount_cents": amount,
                "outstanding_cents": amount,
            },  # fmt: skip
            ctx.seq,
        )
        _add_balance(ctx, body.producer_id, season, advanced_cents=amount)
    elif body.kind == "offset":
        advance_id = str(body.advance_id)
        advance = require(
            ctx.state.get(ADVANCE_KIND, advance_id), f"unknown advance {advance_id}", "advance_id"
        )
        rule(
            advance["producer_id"] == body.producer_id,
            f"advance {advance_id} was paid to {advance['producer_id']}",
            "advance_id",
        )
        rule(
            amount <= advance["outstanding_cents"],
            f"advance {advance_id} has {mxn(advance['outstanding_cents'])} MXN outstanding; "
            f"{body.amount_mxn} cannot be offset",
            "amount_mxn",
        )
        season = _pay_purchases(ctx, body, amount)
        advance["outstanding_cents"] -= amount
        ctx.state.put(ADVANCE_KIND, advance_id, advance, ctx.seq)
        _add_balance(ctx, body.producer_id, season, paid_cents=amount, offset_cents=amount)
    else:
        season = _pay_purchases(ctx, body, amount)
        _add_balance(ctx, body.producer_id, season, paid_cents=amount)
    ctx.state.put(
        PAYMENT_KIND,
        body.payment_id,
        {
            **body.model_dump(),
            "org_id": org_id,
            "season": season,
            "amount_cents": amount,
            "recorded_seq": ctx.seq,
        },  # fmt: skip
        ctx.seq,
    )


def balance_view(doc: dict[str, Any]) -> dict[str, Any]:
    """A balance document for people and apps: MXN strings, owed and outstanding derived."""
    return {
        "producer_id": doc["producer_id"],
        "season": doc["season"],
        "purchased_mxn": mxn(doc["purchased_cents"]),
        "paid_mxn": mxn(doc["paid_cents"]),
        "owed_mxn": mxn(doc["purchased_cents"] - doc["paid_cents"]),
        "advanced_mxn": mxn(doc["advanced_cents"]),
        "advances_outstanding_mxn": mxn(doc["advanced_cents"] - doc["offset_cents"]),
    }


def payment_entry_types() -> list[EntryType]:
    """Entry types of purchases and payments."""
    return [
        EntryType(
            "purchase.recorded",
            PurchaseBody,
            frozenset({"association"}),
            _apply_purchase,
            "An association records a farm-gate purchase from one of its producers.",
        ),
        EntryType(
            "payment.recorded",
            PaymentBody,
            frozenset({"association"}),
            _apply_payment,
            "An association records a payment, advance or offset to one of its producers.",
        ),
    ]
