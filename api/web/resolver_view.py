"""What the resolver page shows for one label URL: the verdict, and the lot behind it.

The label text is rebuilt from the request exactly as the QR printed it (``https://`` + the
request's host + path + the label's query, with the page's own ``lang`` parameter taken out)
and handed to ``api.services.labels.label_document``, which verifies it online against the
current ledger and gathers what the issuance relied on (the certificates and the practices
they found met). The lot's own facts (product, origin, harvest, lineage) are the same dict
the lot page shows (``api.web.lot_view``), so a label page and its lot page cannot disagree;
the certification part comes from the label's issuance, since that is what backed the label.

Lot facts appear only when the verdict names a recorded issuance (genuine, genuine on an
unofficial host, revoked): a forged or unknown label gets a verdict and nothing that would
lend it credibility.

Left out: scan counting (``api.web.scans``) and HTTP (``api.web.routes.resolver``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.services.labels import label_document
from api.services.ledger import LedgerService
from api.web.lot_view import lot_view
from labels.verify import LabelStatus

__all__ = ["HEADLINES", "label_text", "resolver_view"]

HEADLINES: dict[LabelStatus, tuple[str, str]] = {
    LabelStatus.VALID: ("ok", "verdict.genuine"),
    LabelStatus.VALID_UNTRUSTED_HOST: ("warn", "verdict.genuine_untrusted"),
    LabelStatus.REVOKED: ("bad", "verdict.revoked"),
    LabelStatus.EXPIRED_KEY: ("bad", "verdict.not_genuine"),
    LabelStatus.UNKNOWN_KEY: ("bad", "verdict.not_genuine"),
    LabelStatus.BAD_SIGNATURE: ("bad", "verdict.not_genuine"),
    LabelStatus.MALFORMED: ("bad", "verdict.not_genuine"),
}
"""Status → (tone for colour, headline key in ``api.i18n``)."""

_PAGE_PARAMS = frozenset({"lang"})
"""Query parameters the page itself adds (the language switch); never part of a label."""


def label_text(host: str, path: str, raw_query: str) -> str:
    """The label's QR text: ``https://`` + host + path + the query minus the page's own
    parameters, byte for byte as received otherwise (the grammar decides the rest)."""
    kept = [
        item for item in raw_query.split("&") if item and item.split("=", 1)[0] not in _PAGE_PARAMS
    ]
    query = "&".join(kept)
    return f"https://{host}{path}" + (f"?{query}" if query else "")


def _certification(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The issuance's certificates in the shape the page partial shows."""
    return [
        {
            "verification_id": cert["verification_id"],
            "certifier_id": cert["certifier"]["id"],
            "certifier_name": cert["certifier"]["name"],
            "standard": cert["standard"] if cert["standard"].get("title") else None,
            "valid_from": cert["valid_from"],
            "valid_until": cert["valid_until"],
            "status": cert["status"],
            "result": cert["result"],
        }
        for cert in document.get("certificates", [])
    ]


def resolver_view(
    service: LedgerService,
    text: str,
    lot_facts: Callable[[str], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The verdict and (for a recorded issuance) the lot's facts, language-neutral.

    ``lot_facts(lot_id)`` supplies the lot's facts (the route passes its cached lookup,
    shared with the lot page); by default they are computed with ``lot_view``.

    Returns:
        ``document`` (``label_document``'s answer, what the JSON variant returns),
        ``status`` (``LabelStatus``), ``tone`` (``ok``/``warn``/``bad``), ``headline``
        (catalog key), ``label`` (seq, lot id, serial, units, day, short code; ``None``
        without a recorded issuance) and ``facts`` (the lot's, with the issuance's
        certificates and practices; ``None`` likewise).
    """
    document = label_document(service, text)
    status = LabelStatus(document["verdict"]["status"])
    tone, headline = HEADLINES[status]
    label = None
    facts = None
    if "label" in document:
        part, issuance = document["label"], document["issuance"]
        lot_id = str(document["product"]["lot_id"])
        label = {
            "seq": int(part["seq"]),
            "lot_id": lot_id,
            "serial": part["serial"],
            # A serial labels one unit; otherwise one printed label stands for all units.
            "units": 1 if part["serial"] is not None else int(issuance["units"]),
            "issued_units": int(issuance["units"]),
            "day": part["day"],
            "short_code": part.get("short_code"),
        }
        lookup = lot_facts or (lambda wanted: lot_view(service, wanted))
        facts = {
            **lookup(lot_id),
            "verifications": _certification(document),
            "practices": document.get("practices", []),
        }
    return {
        "document": document,
        "status": status,
        "tone": tone,
        "headline": headline,
        "label": label,
        "facts": facts,
    }
