"""The entry types the ledger core itself defines, assembled into a registry.

Packages further out (certification, labels) add their own types on top; the composition
root (``api``) builds the full registry. Keeping this list in one place makes "which types
does this ledger accept" a one-line answer.
"""

from __future__ import annotations

from ledger.registry import EntryType, Registry
from ledger.state_commitment import state_commitment_entry_types
from ledger.supply.catalog import supply_entry_types
from ledger.trust import trust_entry_types

__all__ = ["core_entry_types", "core_registry"]


def core_entry_types() -> list[EntryType]:
    """Every entry type defined in ``ledger``: trust, supply chain and state commitments."""
    return [*trust_entry_types(), *supply_entry_types(), *state_commitment_entry_types()]


def core_registry() -> Registry:
    """A registry holding the core entry types."""
    return Registry(core_entry_types())
