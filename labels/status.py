"""Whether a lot's labels still stand: explicit revocation, or the lot stopped being eligible.

DESIGN §7: a lot whose certificate is revoked, or whose input turns out ineligible, shows its
labels as revoked from that point. Nothing is appended for that: the ledger already holds the
fact (the ``verification.revoked`` entry), so the answer is computed from the state whenever a
trust list is cut or a label is resolved, and cannot drift from the certificates.

"From that point" is the seq of the earliest revocation among the verifications the lot's
issuances relied on (recorded at issuance); when the lot became ineligible for a reason no
recorded revocation explains, the point is unknown (``None``) and the labels are revoked
as of the state asked about.

Left out: the explicit entries (``labels.issuance``), the trust list (``labels.trustlist``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labels.issuance import ISSUANCE_KIND, LABEL_LOT_KIND
from ledger.state import State
from verifiers.certification import VERIFICATION_KIND
from verifiers.eligibility import check_eligibility

__all__ = ["LotRevocation", "lot_revocation"]


@dataclass(frozen=True)
class LotRevocation:
    """Why every label of a lot is revoked, and from which seq."""

    lot_id: str
    effective_seq: int | None
    reason_en: str
    reason_es: str
    implicit: bool
    reasons: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "lot_id": self.lot_id,
            "effective_seq": self.effective_seq,
            "reason_en": self.reason_en,
            "reason_es": self.reason_es,
            "implicit": self.implicit,
            "reasons": self.reasons,
        }


def lot_revocation(state: State, lot_id: str) -> LotRevocation | None:
    """The revocation of every label of ``lot_id``, or ``None`` while they stand.

    Explicit (``label.revoked`` of the lot) wins; otherwise the lot's eligibility is checked
    now, and a lot that is no longer eligible has its labels revoked implicitly.
    """
    tally = state.get(LABEL_LOT_KIND, lot_id)
    if tally is None:
        return None
    if tally["revoked_seq"] is not None:
        reason = str(tally["revoked_reason"])
        return LotRevocation(lot_id, int(tally["revoked_seq"]), reason, reason, implicit=False)
    answer = check_eligibility(state, lot_id)
    if answer.eligible:
        return None
    issuances = state.get_many(ISSUANCE_KIND, [str(s) for s in tally["issuances"]])
    relied = sorted({v for doc in issuances.values() for v in doc["verifications"]})
    revoked = [
        int(doc["revoked_seq"])
        for doc in state.get_many(VERIFICATION_KIND, relied).values()
        if doc["status"] == "revoked"
    ]
    return LotRevocation(
        lot_id,
        min(revoked) if revoked else None,
        "the lot is no longer eligible: " + "; ".join(r.message_en for r in answer.reasons[:3]),
        "el lote ya no es elegible: " + "; ".join(r.message_es for r in answer.reasons[:3]),
        implicit=True,
        reasons=[r.to_dict() for r in answer.reasons],
    )
