"""A lot's mass balance: what transformations consumed, what labels reserved, what is left.

The invariant, for every lot after every entry (DESIGN §5 and §7; ``docs/labels.md``,
"Labels never exceed the goods"):

    labelled_g + consumed_g ≤ quantity_g

* ``consumed_g`` is ``quantity_g - remaining_g``: the mass transformations (process, split,
  blend, pack) took from the lot. A shipment moves a whole lot to its new custodian and
  consumes nothing: the goods travel with their labels (``ledger.supply.transfers``).
* ``labelled_g`` is the mass labels were issued for (units × net grams per unit), revoked
  issuances included (their labels may already be on jars). The labelled part is *reserved*:
  a transformation may only take the unlabelled stock, and labels may only be issued for it.

Both sides of the balance go through this module, so they cannot disagree:
``lot.transformed`` takes its inputs with :func:`consume` and ``label.issued`` reserves with
:func:`reserve_labels` (``labels.issuance``, which the ledger cannot import, calls in here).
Each refuses with a message naming the lot and the masses in kg, and re-checks the invariant
on the document it returns (:func:`checked`). The same rules run at append, in ``ledger
verify`` and in ``rebuild`` (``ledger.registry``), so an entry that breaks the balance is
refused at append and named at its seq by verification of a ledger written without them.

The labelled total lives on the lot document (``labelled_g``) because the ledger's own
transformation rules must see it. Lot documents written before the field existed read as
0 until the projections are rebuilt.

Left out: who may consume or label (the entry types' rules), and the report of a lot's
consumption history (``ledger.supply.stock``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.errors import DomainRuleError
from ledger.supply.common import format_kg

__all__ = ["LotBalance", "checked", "consume", "lot_balance", "reserve_labels"]


@dataclass(frozen=True)
class LotBalance:
    """The masses of one lot, in grams."""

    lot_id: str
    quantity_g: int
    remaining_g: int
    labelled_g: int

    @property
    def consumed_g(self) -> int:
        """Taken by transformations."""
        return self.quantity_g - self.remaining_g

    @property
    def unlabelled_g(self) -> int:
        """Stock neither consumed nor labelled: what may still be consumed or labelled."""
        return self.remaining_g - self.labelled_g

    def holds(self) -> bool:
        """The invariant: ``labelled + consumed ≤ quantity``, no mass negative."""
        return (
            0 <= self.labelled_g
            and 0 <= self.remaining_g <= self.quantity_g
            and (self.labelled_g + self.consumed_g <= self.quantity_g)
        )


def lot_balance(lot: dict[str, Any]) -> LotBalance:
    """The balance of a lot document."""
    return LotBalance(
        lot_id=str(lot["lot_id"]),
        quantity_g=int(lot["quantity_g"]),
        remaining_g=int(lot["remaining_g"]),
        labelled_g=int(lot.get("labelled_g", 0)),
    )


def _field(field: str | None) -> str | None:
    return f"statement.body.{field}" if field else None


def checked(lot: dict[str, Any], field: str | None = None) -> dict[str, Any]:
    """Return ``lot`` if its balance holds.

    Raises:
        DomainRuleError: labelled + consumed exceed the lot's quantity (or a mass is
            negative), naming the lot and the masses.
    """
    balance = lot_balance(lot)
    if not balance.holds():
        raise DomainRuleError(
            f"lot {balance.lot_id}: {format_kg(balance.labelled_g)} labelled + "
            f"{format_kg(balance.consumed_g)} consumed by transformations exceed its "
            f"{format_kg(balance.quantity_g)}",
            field=_field(field),
        )
    return lot


def consume(lot: dict[str, Any], grams: int, field: str) -> dict[str, Any]:
    """The lot document after a transformation takes ``grams`` of it.

    Only the unlabelled stock may be taken; a lot with nothing left becomes ``consumed``.

    Raises:
        DomainRuleError: more than the unlabelled stock requested (field ``field``).
    """
    balance = lot_balance(lot)
    if grams > balance.unlabelled_g:
        left = f"lot {balance.lot_id} has {format_kg(balance.remaining_g)} left"
        if balance.labelled_g:
            left += (
                f", {format_kg(balance.labelled_g)} of it labelled (reserved for its labels); "
                f"at most {format_kg(balance.unlabelled_g)} may be consumed"
            )
        raise DomainRuleError(f"{left}; {format_kg(grams)} requested", field=_field(field))
    remaining = balance.remaining_g - grams
    status = "consumed" if remaining == 0 else lot["status"]
    return checked({**lot, "remaining_g": remaining, "status": status}, field)


def reserve_labels(lot: dict[str, Any], grams: int, field: str, what: str) -> dict[str, Any]:
    """The lot document after labels for ``grams`` are issued (``what`` says how, e.g.
    ``"21 × 300 kg"``).

    Raises:
        DomainRuleError: more than the unlabelled stock requested (field ``field``).
    """
    balance = lot_balance(lot)
    if grams > balance.unlabelled_g:
        raise DomainRuleError(
            f"lot {balance.lot_id} has {format_kg(balance.quantity_g)}: "
            f"{format_kg(balance.consumed_g)} consumed by transformations and "
            f"{format_kg(balance.labelled_g)} already labelled, so at most "
            f"{format_kg(balance.unlabelled_g)} may be labelled; {format_kg(grams)} requested "
            f"({what})",
            field=_field(field),
        )
    return checked({**lot, "labelled_g": balance.labelled_g + grams}, field)
