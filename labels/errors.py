"""The labels' error tree, rooted in the ledger's.

Every class is a fact about data (a label string, a trust list), never about how the caller
called us: bad arguments stay ``ValueError``/``TypeError``, as in the ledger::

    LedgerError                      (ledger.errors)
    └── LabelError
        ├── MalformedLabelError      a QR text does not match the label grammar;
        │                            .part names the part (host, gtin, lot, k, n, d, s…)
        ├── MalformedReceiptError    a text is not a delivery receipt (labels.receipt);
        │                            .part names the part (prefix, digits, deflate…)
        └── TrustListError           a trust list is malformed, or its signature does not
                                     reach a pinned root key
    ConflictError                    (ledger.errors)
    └── DomainRuleError
        └── IneligibleLotError       a label issuance for a lot that is not eligible;
                                     .reasons lists every eligibility reason (es/en)

Verifying a label never raises for a bad label: ``labels.verify.check_label`` turns every
failure into a ``LabelVerdict``. These errors are for the raising paths (``parse_label``,
``TrustList.from_bytes``, ``verify_trust_list``) and for the HTTP and CLI edges.

Left out: domain rules of issuance and revocation (``ledger.errors.DomainRuleError``).
"""

from __future__ import annotations

from typing import Any

from ledger.errors import DomainRuleError, LedgerError

__all__ = [
    "IneligibleLotError",
    "LabelError",
    "MalformedLabelError",
    "MalformedReceiptError",
    "TrustListError",
]


class LabelError(LedgerError):
    """Root of every error the labels package raises about data."""


class MalformedLabelError(LabelError):
    """A QR text that is not a Biotraza label, rejected before any cryptography.

    Attributes:
        part: which part is wrong: ``scheme``, ``host``, ``path``, ``gtin``, ``lot``,
            ``serial``, ``query``, ``k``, ``n``, ``d`` or ``s``.
        reason: what was expected and what was found.
    """

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(f"malformed label: {part}: {reason}")
        self.part = part
        self.reason = reason


class MalformedReceiptError(LabelError):
    """A text that is not a delivery receipt, rejected before any cryptography.

    Attributes:
        part: ``text``, ``prefix``, ``digits``, ``deflate``, ``json``, ``statement`` or
            ``encoding``.
        reason: what was expected and what was found.
    """

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(f"malformed receipt: {part}: {reason}")
        self.part = part
        self.reason = reason


class TrustListError(LabelError):
    """A trust list that cannot be used: malformed, or not signed by a trusted root."""


class IneligibleLotError(DomainRuleError):
    """``label.issued`` for a lot that may not carry the label now.

    Attributes:
        lot_id: the lot.
        reasons: every eligibility reason, as ``verifiers.eligibility.Reason.to_dict()``
            (code, lot, subject, English and Spanish messages).
    """

    def __init__(self, lot_id: str, reasons: list[dict[str, Any]]) -> None:
        summary = "; ".join(str(r["message_en"]) for r in reasons[:3])
        super().__init__(
            f"lot {lot_id} is not eligible for the label: {summary}",
            field="statement.body.lot_id",
        )
        self.lot_id = lot_id
        self.reasons = reasons
