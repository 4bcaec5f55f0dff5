"""Custody changes: a shipment leaves the custodian and is received by a known party.

``lot.shipped`` (by the custodian) puts whole lots in transit to a registered organization;
while in transit nobody can transform or ship them. ``lot.received`` (by the recipient)
completes the transfer and makes the recipient the custodian. Split a lot first to ship part
of it: custody always covers whole lots, so mass balance stays a per-lot fact. A shipment
consumes nothing: a labelled lot ships with its labels, and its balance (``labelled_g``
reserved, ``ledger.supply.balance``) binds the recipient as it bound the sender.

Left out: EPCIS shipping/receiving events (exports map these entries to them).
"""

from __future__ import annotations

from pydantic import Field

from ledger.registry import AppendContext, EntryType
from ledger.supply.common import Body, Day, Id, acting_org, require, rule
from ledger.supply.lots import LOT_KIND
from ledger.supply.orgs import ORG_KIND

__all__ = ["SHIPMENT_KIND", "ShippedBody", "ReceivedBody", "transfer_entry_types"]

SHIPMENT_KIND = "shipment"


class ShippedBody(Body):
    """``lot.shipped``: whole lots leave the custodian for another organization."""

    shipment_id: Id
    lot_ids: list[Id] = Field(min_length=1, max_length=1000)
    to_org: Id
    shipped_on: Day | None = None
    document_ref: str | None = Field(default=None, max_length=200)


class ReceivedBody(Body):
    """``lot.received``: the recipient takes custody of a shipment."""

    shipment_id: Id
    received_on: Day | None = None


def _shipped_reads(body: ShippedBody) -> list[tuple[str, str]]:
    return [
        (SHIPMENT_KIND, body.shipment_id),
        (ORG_KIND, body.to_org),
        *((LOT_KIND, lot_id) for lot_id in body.lot_ids),
    ]


def _apply_shipped(ctx: AppendContext, body: ShippedBody) -> None:
    org_id = acting_org(ctx)
    rule(
        ctx.state.get(SHIPMENT_KIND, body.shipment_id) is None,
        f"shipment {body.shipment_id} exists",
        "shipment_id",
    )
    require(ctx.state.get(ORG_KIND, body.to_org), f"unknown custodian {body.to_org}", "to_org")
    rule(body.to_org != org_id, "a shipment goes to another organization", "to_org")
    rule(len(set(body.lot_ids)) == len(body.lot_ids), "a lot is listed twice", "lot_ids")
    lots = []
    for index, lot_id in enumerate(body.lot_ids):
        field = f"lot_ids.{index}"
        lot = require(ctx.state.get(LOT_KIND, lot_id), f"unknown lot {lot_id}", field)
        rule(lot["custodian"] == org_id, f"lot {lot_id} is held by {lot['custodian']}", field)
        rule(lot["status"] == "active", f"lot {lot_id} is {lot['status']}", field)
        rule(
            lot["remaining_g"] == lot["quantity_g"],
            f"lot {lot_id} was partly consumed; split it and ship the remainder as its own lot",
            field,
        )
        lots.append(lot)
    for lot in lots:
        ctx.state.put(
            LOT_KIND,
            lot["lot_id"],
            {**lot, "status": "in_transit", "pending_to": body.to_org},
            ctx.seq,
        )
    ctx.state.put(
        SHIPMENT_KIND,
        body.shipment_id,
        {
            "shipment_id": body.shipment_id,
            "from_org": org_id,
            "to_org": body.to_org,
            "lot_ids": list(body.lot_ids),
            "shipped_on": body.shipped_on,
            "document_ref": body.document_ref,
            "status": "in_transit",
            "shipped_seq": ctx.seq,
            "received_seq": None,
            "received_on": None,
        },
        ctx.seq,
    )


def _apply_received(ctx: AppendContext, body: ReceivedBody) -> None:
    org_id = acting_org(ctx)
    shipment = require(
        ctx.state.get(SHIPMENT_KIND, body.shipment_id),
        f"unknown shipment {body.shipment_id}",
        "shipment_id",
    )
    rule(
        shipment["to_org"] == org_id,
        f"shipment {body.shipment_id} is addressed to {shipment['to_org']}, not {org_id}",
        "shipment_id",
    )
    rule(
        shipment["status"] == "in_transit",
        f"shipment {body.shipment_id} was received",
        "shipment_id",
    )
    for lot_id in shipment["lot_ids"]:
        lot = require(ctx.state.get(LOT_KIND, lot_id), f"unknown lot {lot_id}", "shipment_id")
        ctx.state.put(
            LOT_KIND,
            lot_id,
            {**lot, "status": "active", "pending_to": None, "custodian": org_id},
            ctx.seq,
        )
    ctx.state.put(
        SHIPMENT_KIND,
        body.shipment_id,
        {
            **shipment,
            "status": "received",
            "received_seq": ctx.seq,
            "received_on": body.received_on,
        },
        ctx.seq,
    )


def transfer_entry_types() -> list[EntryType]:
    """Entry types of custody transfer."""
    return [
        EntryType(
            name="lot.shipped",
            body_model=ShippedBody,
            roles=frozenset({"association"}),
            apply=_apply_shipped,
            description="The custodian ships whole lots to a registered organization.",
            reads=_shipped_reads,
        ),
        EntryType(
            name="lot.received",
            body_model=ReceivedBody,
            roles=frozenset({"association"}),
            apply=_apply_received,
            description="The recipient takes custody of a shipment.",
        ),
    ]
