"""Purchases and payments over a ``LedgerService``: receipts and balances.

Recording goes through the ordinary append (``purchase.recorded`` / ``payment.recorded``
signed by the association, ``ledger.supply.payments`` holds the rules). Here: the receipt
text of a recorded purchase or payment — the very statement the association signed, as the
``BTR1:`` digits a QR carries (``labels.receipt``) — and the balances the association reads
per producer and season.
"""

from __future__ import annotations

from typing import Any

from api.services.ledger import LedgerService
from labels.receipt import encode_receipt
from ledger.errors import EntryNotFoundError
from ledger.supply.payments import BALANCE_KIND, PAYMENT_KIND, PURCHASE_KIND, balance_view

__all__ = ["balances", "receipt_text"]


def receipt_text(service: LedgerService, kind: str, record_id: str) -> str:
    """The receipt of a recorded purchase (``kind="purchase"``) or payment (``"payment"``).

    Raises:
        EntryNotFoundError: nothing of that kind and id was recorded.
        ValueError: unknown kind.
    """
    if kind not in ("purchase", "payment"):
        raise ValueError(f"kind must be purchase or payment, got {kind!r}")
    doc = service.store.state_get(PURCHASE_KIND if kind == "purchase" else PAYMENT_KIND, record_id)
    if doc is None:
        raise EntryNotFoundError(f"no {kind} {record_id!r}")
    return encode_receipt(service.entry(doc["recorded_seq"]).signed)


def balances(
    service: LedgerService, org_id: str, producer_id: str | None = None
) -> list[dict[str, Any]]:
    """Balances per producer and season of an association's producers (MXN strings), by
    producer then season."""
    with service.store.read_state() as state:
        producers = {key for key, doc in state.scan("producer") if doc.get("org_id") == org_id}
        rows = [
            balance_view(doc)
            for _key, doc in state.scan(BALANCE_KIND)
            if doc["producer_id"] in producers
            and (producer_id is None or doc["producer_id"] == producer_id)
        ]
    return sorted(rows, key=lambda row: (row["producer_id"], row["season"]))
