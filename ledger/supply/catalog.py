"""The supply-chain entry types, in one list."""

from __future__ import annotations

from ledger.registry import EntryType
from ledger.supply.acknowledgements import acknowledgement_entry_types
from ledger.supply.dds import dds_entry_types
from ledger.supply.devices import device_entry_types
from ledger.supply.lots import lot_entry_types
from ledger.supply.offers import offer_entry_types
from ledger.supply.orgs import org_entry_types
from ledger.supply.payments import payment_entry_types
from ledger.supply.price_transparency import transparency_entry_types
from ledger.supply.producers import producer_entry_types
from ledger.supply.sales import sale_entry_types
from ledger.supply.sites import site_entry_types
from ledger.supply.transfers import transfer_entry_types

__all__ = ["supply_entry_types"]


def supply_entry_types() -> list[EntryType]:
    """Every supply-chain entry type."""
    return [
        *org_entry_types(),
        *device_entry_types(),
        *producer_entry_types(),
        *site_entry_types(),
        *lot_entry_types(),
        *transfer_entry_types(),
        *dds_entry_types(),
        *payment_entry_types(),
        *transparency_entry_types(),
        *acknowledgement_entry_types(),
        *sale_entry_types(),
        *offer_entry_types(),
    ]
