"""What is left of a lot, and which transformations consumed the rest: for people and apps.

A report over the existing projections (the lot document's balance, ``lot_input`` links and
the transformation documents), read in three queries, so eligibility answers, the CLI and
the lot page can say "consumed on seq 437 by mc-pack-2026: 6,300 kg; nothing left to label"
instead of calling a lot that no longer exists eligible without comment.

Left out: the rules (``ledger.supply.balance``).
"""

from __future__ import annotations

from typing import Any

from ledger.state import State
from ledger.supply.balance import lot_balance
from ledger.supply.common import format_kg
from ledger.supply.lots import LOT_INPUT, LOT_KIND, TRANSFORMATION_KIND

__all__ = ["lot_stock"]


def _consumptions(state: State, lot_id: str) -> list[dict[str, Any]]:
    outputs = state.get_many(LOT_KIND, state.linked(LOT_INPUT, lot_id, reverse=True))
    ids = sorted({str(doc["created_by"]) for doc in outputs.values()})
    found = []
    for transformation in state.get_many(TRANSFORMATION_KIND, ids).values():
        for item in transformation["inputs"]:
            if item["lot_id"] == lot_id:
                found.append(
                    {
                        "transformation_id": transformation["transformation_id"],
                        "kind": transformation["kind"],
                        "seq": transformation["seq"],
                        "grams": item["grams"],
                    }
                )
    return sorted(found, key=lambda item: int(item["seq"]))


def lot_stock(state: State, lot_id: str) -> dict[str, Any] | None:
    """A lot's stock, or ``None`` for an unknown lot.

    Returns:
        ``status`` (``in_stock``, ``partly_consumed`` or ``consumed``), the masses in grams
        (``quantity_g``, ``consumed_g``, ``remaining_g``, ``labelled_g`` and
        ``unlabelled_g``: what may still be processed, shipped on or labelled),
        ``consumed_by`` (each transformation with its seq and grams, in seq order) and a
        sentence in each language (``message_en``, ``message_es``).
    """
    lot = state.get(LOT_KIND, lot_id)
    if lot is None:
        return None
    balance = lot_balance(lot)
    consumed_by = _consumptions(state, lot_id) if balance.consumed_g else []
    if balance.remaining_g == 0:
        status = "consumed"
    elif balance.consumed_g:
        status = "partly_consumed"
    else:
        status = "in_stock"
    by = ", ".join(
        f"{c['transformation_id']} (seq {c['seq']}, {format_kg(c['grams'])})" for c in consumed_by
    )
    left, labelled, free = (
        format_kg(balance.remaining_g),
        format_kg(balance.labelled_g),
        format_kg(balance.unlabelled_g),
    )
    if status == "consumed":
        message_en = f"lot {lot_id} was consumed entirely by {by}: nothing is left to label"
        message_es = (
            f"el lote {lot_id} se consumió por completo en {by}: no queda nada que etiquetar"
        )
    else:
        history_en = f"was partly consumed by {by}; " if consumed_by else "has "
        history_es = f"se consumió en parte en {by}; quedan " if consumed_by else "tiene "
        message_en = (
            f"lot {lot_id} {history_en}{left} left, {labelled} of it labelled: {free} may "
            "still be labelled"
        )
        message_es = (
            f"el lote {lot_id} {history_es}{left} en existencia, {labelled} etiquetados: aún "
            f"se pueden etiquetar {free}"
        )
    return {
        "status": status,
        "quantity_g": balance.quantity_g,
        "consumed_g": balance.consumed_g,
        "remaining_g": balance.remaining_g,
        "labelled_g": balance.labelled_g,
        "unlabelled_g": balance.unlabelled_g,
        "consumed_by": consumed_by,
        "message_en": message_en,
        "message_es": message_es,
    }
