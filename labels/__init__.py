"""Biolabels: signed QR labels any phone opens and any verifier checks offline (DESIGN §7).

``payload`` (the label grammar and its detached COSE signature), ``issuance`` (ledger entry
types), ``status`` (implicit revocation), ``trustlist`` (the offline verifier's snapshot),
``verify`` (the verdict), ``render``/``printing`` (QR symbols and printable labels) and
``decode`` (reading symbols back). Imports ``ledger`` and ``verifiers``; no HTTP, no database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.lazy import lazy_exports

if TYPE_CHECKING:
    from labels.errors import IneligibleLotError, LabelError, MalformedLabelError, TrustListError
    from labels.issuance import label_entry_types
    from labels.payload import LabelClaims, format_label, parse_label, sign_label
    from labels.trustlist import TrustList, build_trust_list, sign_trust_list, verify_trust_list
    from labels.verify import LabelStatus, LabelVerdict, check_label

_LAZY: dict[str, str] = {
    "IneligibleLotError": "labels.errors",
    "LabelError": "labels.errors",
    "MalformedLabelError": "labels.errors",
    "TrustListError": "labels.errors",
    "label_entry_types": "labels.issuance",
    "LabelClaims": "labels.payload",
    "format_label": "labels.payload",
    "parse_label": "labels.payload",
    "sign_label": "labels.payload",
    "TrustList": "labels.trustlist",
    "build_trust_list": "labels.trustlist",
    "sign_trust_list": "labels.trustlist",
    "verify_trust_list": "labels.trustlist",
    "LabelStatus": "labels.verify",
    "LabelVerdict": "labels.verify",
    "check_label": "labels.verify",
}
"""Public name → the module defining it, imported on first use (PEP 562)."""

__all__ = [
    "IneligibleLotError",
    "LabelClaims",
    "LabelError",
    "LabelStatus",
    "LabelVerdict",
    "MalformedLabelError",
    "TrustList",
    "TrustListError",
    "build_trust_list",
    "check_label",
    "format_label",
    "label_entry_types",
    "parse_label",
    "sign_label",
    "sign_trust_list",
    "verify_trust_list",
]


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)
