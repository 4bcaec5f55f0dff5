"""What the label office reads first: the lots it could label.

The office's writes are signed statements like everyone's (``label.issued``,
``label.revoked``); this look-up only gathers, in one answer, what the eligibility API and the
mass balance already say, so the office's browser needs one request instead of one per lot.

Left out: issuing and printing (``api.services.labels``), scans (``api.web.label_scans``).
"""

from __future__ import annotations

from typing import Any

from api.services.labels import default_unit_g
from api.services.ledger import LedgerService
from labels.issuance import LABEL_LOT_KIND
from ledger.supply.balance import lot_balance
from ledger.supply.lots import LOT_KIND
from verifiers.eligibility import check_eligibility

__all__ = ["labellable_lots"]


def labellable_lots(service: LedgerService) -> list[dict[str, Any]]:
    """Every lot with a label lot number: eligibility with every reason (es/en, the same
    answer as ``GET /api/v1/lots/{id}/eligibility``), its mass balance with what is still
    labellable, and how many issuances it has. Eligible lots first, then by lot id."""
    found: list[dict[str, Any]] = []
    with service.store.read_state() as state:
        for lot_id, lot in state.scan(LOT_KIND):
            if lot.get("lot_number") is None:
                continue
            answer = check_eligibility(state, lot_id, stock=True)
            tally = state.get(LABEL_LOT_KIND, lot_id)
            balance = lot_balance(lot)
            found.append(
                {
                    "lot_id": lot_id,
                    "lot_number": lot["lot_number"],
                    "gtin": lot.get("gtin"),
                    "product": lot["product"],
                    "form": lot["form"],
                    "org_id": lot.get("org_id"),
                    "eligibility": answer.to_dict(),
                    "quantity_g": balance.quantity_g,
                    "consumed_g": balance.consumed_g,
                    "labelled_g": balance.labelled_g,
                    "available_g": balance.unlabelled_g,
                    "unit_g": default_unit_g(lot),
                    "issuances": 0 if tally is None else len(tally["issuances"]),
                    "labels_revoked": bool(tally and tally["revoked_seq"] is not None),
                }
            )
    found.sort(key=lambda d: (not d["eligibility"]["eligible"], d["lot_id"]))
    return found
