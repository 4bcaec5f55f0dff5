"""Paid per kg, for buyers: an association's opt-in and reference prices, and the figure
computed from the ledger.

Buyers of specialty coffee and cacao ask what producers were paid for a lot's raw material.
Nothing about producers is published by default; an association that wants its buyers to see
it records, signed with its key:

* ``transparency.opted`` — ``{"opted_in": true|false}``: whether its lots' label pages show the
  figure (the latest entry counts);
* ``reference_price.recorded`` — ``{"product", "price_per_kg_mxn", "source"}``: the price per kg
  of the product's harvest form (coffee cherry, wet cacao, raw honey) it compares against (a
  market or Fairtrade-type reference; the latest per product counts), an exact decimal string.

:func:`paid_per_kg` computes, for any lot, from ``purchase.recorded`` of the deliveries (harvest
lots) in its upstream lineage: total MXN paid (after deductions, with premiums) divided by the
kilograms bought — a kg-weighted average price — with the reference price beside it. It is
shown only when every purchase is by one association that opted in and recorded a reference
price for the product, and when at least :data:`MIN_PRODUCERS` producers sold into the lot
(fewer would publish what one producer was paid). Amounts are integer centavos and grams;
the division is exact (:class:`fractions.Fraction`) and rounded half up only for display.

Left out: currencies other than MXN, reference prices per season or quality grade, and lots
whose raw material was bought by several associations (not shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

from pydantic import Field

from ledger.registry import AppendContext, EntryType
from ledger.state import State
from ledger.supply.common import Body, acting_org
from ledger.supply.conversions import HARVEST_FORMS
from ledger.supply.lineage import upstream
from ledger.supply.lots import LOT_KIND
from ledger.supply.payments import PURCHASE_KIND, Price, cents

__all__ = [
    "MIN_PRODUCERS",
    "OPT_IN_KIND",
    "REFERENCE_KIND",
    "PaidPerKg",
    "paid_per_kg",
    "transparency_entry_types",
]

OPT_IN_KIND = "price_transparency"
"""Projection: ``<org_id>`` → ``{opted_in, seq}``."""
REFERENCE_KIND = "reference_price"
"""Projection: ``<org_id>:<product>`` → ``{price_per_kg_mxn, source, seq}``."""
MIN_PRODUCERS = 5
"""Fewer producers than this in a lot and the figure is not shown (it would tell what one or
two producers were paid)."""


class OptedBody(Body):
    """``transparency.opted``: the association shows (or stops showing) paid per kg."""

    opted_in: bool


class ReferencePriceBody(Body):
    """``reference_price.recorded``: the price per kg of a product's harvest form the
    association compares what it paid against."""

    product: Literal["coffee", "cacao", "honey"]
    price_per_kg_mxn: Price
    source: str = Field(min_length=3, max_length=200)


def _apply_opted(ctx: AppendContext, body: OptedBody) -> None:
    org_id = acting_org(ctx)
    ctx.state.put(OPT_IN_KIND, org_id, {"opted_in": body.opted_in, "seq": ctx.seq}, ctx.seq)


def _apply_reference(ctx: AppendContext, body: ReferencePriceBody) -> None:
    org_id = acting_org(ctx)
    doc = {"price_per_kg_mxn": body.price_per_kg_mxn, "source": body.source, "seq": ctx.seq}
    ctx.state.put(REFERENCE_KIND, f"{org_id}:{body.product}", doc, ctx.seq)


@dataclass(frozen=True)
class PaidPerKg:
    """The figure for one lot: exact totals, and the rounded values a page shows."""

    org_id: str
    product: str
    form: str
    grams: int
    paid_cents: int
    purchases: int
    producers: int
    reference_per_kg_mxn: str
    reference_source: str

    @property
    def per_kg(self) -> Fraction:
        """MXN per kg, exact."""
        return Fraction(self.paid_cents * 1000, self.grams * 100)

    @property
    def per_kg_mxn(self) -> str:
        """MXN per kg rounded half up to the centavo (``"8.13"``)."""
        value = Decimal(self.per_kg.numerator) / Decimal(self.per_kg.denominator)
        return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

    @property
    def percent_of_reference(self) -> str:
        """Paid as a percentage of the reference, one decimal, half up (``"104.2"``)."""
        ratio = self.per_kg / Fraction(Decimal(self.reference_per_kg_mxn)) * 100
        value = Decimal(ratio.numerator) / Decimal(ratio.denominator)
        return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def paid_per_kg(state: State, lot_id: str) -> PaidPerKg | None:
    """What producers were paid per kg for ``lot_id``'s raw material, or ``None`` when it is
    not to be shown (no purchases, several associations or products, not opted in, no
    reference price, fewer than :data:`MIN_PRODUCERS` producers)."""
    lots = upstream(state, lot_id, producers=False).lots
    deliveries = {
        key
        for key, doc in state.get_many(LOT_KIND, lots).items()
        if doc.get("created_by") == "harvest"
    }
    if not deliveries:
        return None
    bought = [doc for _key, doc in state.scan(PURCHASE_KIND) if doc["lot_id"] in deliveries]
    if not bought:
        return None
    orgs = {doc["org_id"] for doc in bought}
    products = {(state.get(LOT_KIND, doc["lot_id"]) or {}).get("product") for doc in bought}
    if len(orgs) != 1 or len(products) != 1:
        return None
    org_id, product = orgs.pop(), str(products.pop())
    opted = state.get(OPT_IN_KIND, org_id)
    reference = state.get(REFERENCE_KIND, f"{org_id}:{product}")
    producers = {doc["producer_id"] for doc in bought}
    if not (opted and opted["opted_in"]) or reference is None or len(producers) < MIN_PRODUCERS:
        return None
    grams = sum(int(Decimal(doc["quantity_kg"]) * 1000) for doc in bought)
    return PaidPerKg(
        org_id=org_id,
        product=product,
        form=HARVEST_FORMS[product],
        grams=grams,
        paid_cents=sum(cents(doc["amount_mxn"]) for doc in bought),
        purchases=len(bought),
        producers=len(producers),
        reference_per_kg_mxn=reference["price_per_kg_mxn"],
        reference_source=reference["source"],
    )


def transparency_entry_types() -> list[EntryType]:
    """The opt-in and the reference price, both signed by the association."""
    return [
        EntryType(
            "transparency.opted",
            OptedBody,
            frozenset({"association"}),
            _apply_opted,
            "An association shows (or stops showing) buyers what producers were paid per kg.",
        ),
        EntryType(
            "reference_price.recorded",
            ReferencePriceBody,
            frozenset({"association"}),
            _apply_reference,
            "An association records the reference price per kg it compares its payments with.",
        ),
    ]
