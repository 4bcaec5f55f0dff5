"""Sales: what an association's lots sold for, so a programme can count the value of sales.

SPSB measured "at least 12 % of income from biodiversity-friendly products": the value of
sales of eligible lots against all sales. Shipments record custody, not money, so a
``sale.recorded`` entry, signed by the association, says what it sold and for how much:

* ``sale_id`` — unique on the ledger;
* ``sold_on`` — the day of the sale; ``buyer`` — the buyer's organization id if it is on the
  ledger (optional: many buyers are not);
* ``currency`` — ``MXN`` or ``USD``; amounts in different currencies are never added up;
* ``lots`` — each ``{lot_id, value}``: a lot the association made (its ``org_id``), sold
  once, for an exact decimal amount with at most two decimals, more than zero.

Amounts are decimal strings on the ledger and integer cents in the projection: no float
touches money (as in ``ledger.supply.payments``).

Left out: which sales were of eligible lots (``verifiers.indicators.figures`` judges each
lot with ``verifiers.eligibility``), refunds, and exchange rates.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ledger.registry import AppendContext, EntryType
from ledger.supply.common import Body, Day, Id, acting_org, require, rule
from ledger.supply.lots import LOT_KIND
from ledger.supply.payments import cents

__all__ = ["LOT_SALE_KIND", "SALE_KIND", "SaleRecordedBody", "sale_entry_types"]

SALE_KIND = "sale"  # key: sale id
LOT_SALE_KIND = "lot_sale"  # key: lot id → the sale that sold it (a lot sells once)

Amount = Annotated[str, Field(pattern=r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$")]
"""An exact decimal string, at most two decimals."""


class SaleLine(Body):
    """One lot of a sale and what it sold for."""

    lot_id: Id
    value: Amount


class SaleRecordedBody(Body):
    """``sale.recorded``: an association sells lots it made, for an exact amount each."""

    sale_id: Id
    sold_on: Day
    buyer: Id | None = None
    currency: Literal["MXN", "USD"]
    lots: list[SaleLine] = Field(min_length=1, max_length=1000)


def _apply_sale(ctx: AppendContext, body: SaleRecordedBody) -> None:
    org_id = acting_org(ctx)
    rule(ctx.state.get(SALE_KIND, body.sale_id) is None,
         f"sale {body.sale_id} is already recorded", "sale_id")  # fmt: skip
    if body.buyer is not None:
        require(ctx.state.get("org", body.buyer), f"unknown buyer {body.buyer}", "buyer")
    seen: set[str] = set()
    for index, line in enumerate(body.lots):
        where = f"lots.{index}.lot_id"
        rule(line.lot_id not in seen, f"lot {line.lot_id} is listed twice", where)
        seen.add(line.lot_id)
        lot = require(ctx.state.get(LOT_KIND, line.lot_id), f"unknown lot {line.lot_id}", where)
        rule(lot["org_id"] == org_id, f"lot {line.lot_id} was made by {lot['org_id']}, "
             f"not {org_id}", where)  # fmt: skip
        sold = ctx.state.get(LOT_SALE_KIND, line.lot_id)
        rule(sold is None, f"lot {line.lot_id} was sold in {sold and sold['sale_id']}", where)
        rule(cents(line.value) > 0, "value must be more than zero", f"lots.{index}.value")
    for line in body.lots:
        ctx.state.put(LOT_SALE_KIND, line.lot_id, {"sale_id": body.sale_id}, ctx.seq)
    doc: dict[str, Any] = body.model_dump()
    doc.update(org_id=org_id, recorded_seq=ctx.seq,
               value_cents={line.lot_id: cents(line.value) for line in body.lots})  # fmt: skip
    ctx.state.put(SALE_KIND, body.sale_id, doc, ctx.seq)


def _sale_reads(body: SaleRecordedBody) -> list[tuple[str, str]]:
    wanted = [(SALE_KIND, body.sale_id)]
    for line in body.lots:
        wanted += [(LOT_KIND, line.lot_id), (LOT_SALE_KIND, line.lot_id)]
    return wanted


def sale_entry_types() -> list[EntryType]:
    """Entry types of sales."""
    return [
        EntryType(
            name="sale.recorded",
            body_model=SaleRecordedBody,
            roles=frozenset({"association"}),
            apply=_apply_sale,
            description="An association records what lots it made sold for.",
            reads=_sale_reads,
        )
    ]
