"""Offers to buyers: an association publishes a lot for sale with a price indication.

One entry type, signed by the association that holds the lot:

* ``lot.offered`` — the lot is ``open`` for sale (how many kilograms, an indicative price
  per kg in MXN and/or USD as exact decimal strings, until when, the smallest order) or
  ``withdrawn``. A later offer of the same lot replaces the earlier one; the projection
  ``lot_offer`` keeps the latest, with the seq of the entry that made it.

An offer is an indication, not a contract: prices are per kilogram of the lot's own form,
and the kilograms offered never exceed what the lot still holds when the offer is signed
(``remaining`` less what labels already cover is the catalogue's business, recomputed at
every read). Only the lot's custodian may offer it, and only while it is in stock.

Left out: negotiation, orders, buyers' identities (expressions of interest stay off the
ledger: ``api.services.market``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ledger.registry import AppendContext, EntryType
from ledger.supply.common import Body, Day, Id, acting_org, require, rule
from ledger.supply.lots import LOT_KIND

__all__ = ["OFFER_KIND", "OfferBody", "offer_entry_types"]

OFFER_KIND = "lot_offer"
"""Projection key ``<lot_id>`` → the latest ``lot.offered`` body, its org and seq."""

PricePerKg = Annotated[str, Field(pattern=r"^(0|[1-9][0-9]{0,6})(\.[0-9]{1,4})?$")]
"""Per kg, at most four decimals, as a decimal string (never a float)."""
Kilograms = Annotated[str, Field(pattern=r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,3})?$")]
"""Kilograms as a decimal string, to the gram."""


class OfferBody(Body):
    """``lot.offered``: a lot offered to buyers, or the offer withdrawn."""

    lot_id: Id
    status: Literal["open", "withdrawn"] = "open"
    available_kg: Kilograms | None = None
    price_per_kg_mxn: PricePerKg | None = None
    price_per_kg_usd: PricePerKg | None = None
    min_order_kg: Kilograms | None = None
    valid_until: Day | None = None
    incoterm: Literal["EXW", "FCA", "FOB", "CIF", "DAP"] | None = None

    @model_validator(mode="after")
    def _shape(self) -> OfferBody:
        if self.status == "withdrawn":
            return self
        if self.available_kg is None or Decimal(self.available_kg) <= 0:
            raise ValueError("an open offer names available_kg, more than zero")
        for name in ("price_per_kg_mxn", "price_per_kg_usd"):
            value = getattr(self, name)
            if value is not None and Decimal(value) <= 0:
                raise ValueError(f"{name} must be more than zero")
        if self.min_order_kg is not None and Decimal(self.min_order_kg) > Decimal(
            self.available_kg
        ):
            raise ValueError("min_order_kg cannot exceed available_kg")
        return self


def _reads(body: OfferBody) -> list[tuple[str, str]]:
    return [(LOT_KIND, body.lot_id), (OFFER_KIND, body.lot_id)]


def _apply_offer(ctx: AppendContext, body: OfferBody) -> None:
    org_id = acting_org(ctx)
    lot = require(ctx.state.get(LOT_KIND, body.lot_id), f"no lot {body.lot_id}", "lot_id")
    rule(
        lot.get("custodian") == org_id,
        f"lot {body.lot_id} is held by {lot.get('custodian')}, not {org_id}",
        "lot_id",
    )
    if body.status == "open":
        rule(lot["status"] == "active", f"lot {body.lot_id} is {lot['status']}", "lot_id")
        remaining = Decimal(int(lot["remaining_g"])) / 1000
        rule(
            Decimal(str(body.available_kg)) <= remaining,
            f"available_kg {body.available_kg} exceeds the lot's remaining {remaining} kg",
            "available_kg",
        )
        if body.valid_until is not None:
            rule(
                body.valid_until >= ctx.statement.ts[:10],
                f"valid_until {body.valid_until} is before the offer ({ctx.statement.ts[:10]})",
                "valid_until",
            )
    else:
        rule(
            ctx.state.get(OFFER_KIND, body.lot_id) is not None,
            f"lot {body.lot_id} has no offer to withdraw",
            "lot_id",
        )
    ctx.state.put(
        OFFER_KIND,
        body.lot_id,
        {**body.model_dump(), "org_id": org_id, "seq": ctx.seq, "offered_at": ctx.statement.ts},
        ctx.seq,
    )


def offer_entry_types() -> list[EntryType]:
    """The entry type of offers to buyers."""
    return [
        EntryType(
            "lot.offered",
            OfferBody,
            frozenset({"association"}),
            _apply_offer,
            "An association offers one of its lots to buyers with a price indication, or "
            "withdraws the offer.",
            reads=_reads,
        )
    ]
