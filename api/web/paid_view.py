"""The buyer's "paid per kg" figure on a label page: what producers were paid for the lot's
raw material against the association's reference price, in the reader's words.

The figure itself (and when it may be shown) is ``ledger.supply.price_transparency``; this
module only reads it at one tree size and writes its numbers the Mexican way. It is a
section of its own (``_paid_per_kg.html``) so that the label page's layout can change
around it.
"""

from __future__ import annotations

from typing import Any

from api.i18n import mx_money, mx_number
from api.services.ledger import LedgerService
from ledger.supply.price_transparency import paid_per_kg

__all__ = ["paid_figure"]


def paid_figure(service: LedgerService, lot_id: str) -> dict[str, Any] | None:
    """The figure's facts for the page (language-neutral), or ``None`` when not shown."""
    with service.store.read_state() as state:
        figure = paid_per_kg(state, lot_id)
    if figure is None:
        return None
    return {
        "paid": mx_money(figure.per_kg_mxn),
        "reference": mx_money(figure.reference_per_kg_mxn),
        "percent": figure.percent_of_reference,
        "kg": mx_number(figure.grams // 1000 if figure.grams % 1000 == 0 else figure.grams / 1000),
        "purchases": figure.purchases,
        "producers": figure.producers,
        "product": figure.product,
        "form": figure.form,
        "source": figure.reference_source,
        "org_id": figure.org_id,
    }
