"""The facts a lot page (and the resolver page) shows, gathered once per lot and tree size.

One language-neutral, JSON-ready dict per lot: the lot document, the producing organization
and its landscape and region, the custodian, the eligibility verdict with its reasons (both
languages, from ``verifiers.eligibility``), the verifications behind it with their standard
and certifier, the practices those verifications found met on the lot's own origins, a
summary of the upstream lineage. Templates translate; the JSON variant returns the dict as
is. The lineage picture is drawn apart (:func:`lineage_svg`), per language, when the SVG
exporter is installed.

Everything is read through the existing services (``api.services.supply``,
``api.services.certification``) and the ledger's own queries; nothing is recomputed here.

Left out: labels (``api.services.labels``), scans (``api.web.scans``) and rendering.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from api.services.certification import eligibility
from api.services.ledger import LedgerService
from api.services.supply import lineage, lot_public
from api.web.reasons import reason_lines
from ledger.errors import EntryNotFoundError, LedgerError
from ledger.state import State
from ledger.supply.dds import recorded_statements
from ledger.supply.lots import LOT_KIND
from verifiers.certification import (
    ACCREDITATION_KIND,
    VERIFICATION_KIND,
    VERIFIES,
    standard_from_state,
)

__all__ = ["LINEAGE_ITEMS", "lineage_svg", "lot_index", "lot_view", "practices"]

logger = logging.getLogger(__name__)

LINEAGE_ITEMS = 15
"""Upstream lots listed by name when there is no picture; the rest are counted."""

_ORG_FIELDS = ("org_id", "name", "kind", "landscape", "municipality", "state_name", "country")


def _org(state: State, org_id: str | None) -> dict[str, Any] | None:
    doc = state.get("org", org_id) if org_id else None
    return None if doc is None else {k: doc.get(k) for k in _ORG_FIELDS}


def practices(
    state: State,
    verification_ids: list[str],
    subjects: set[tuple[str, str]],
    failing_ids: Sequence[str] = (),
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The verifications (with standard and certifier) and the criteria they checked on
    ``subjects`` (``(kind, id)`` pairs: the lot's origins, lots and association).
    ``failing_ids`` are verifications that did not pass: their findings count, but they are
    not listed among the verifications behind the lot.

    A criterion found failed (or without evidence) on any of our subjects is listed as
    failed, never ticked: a buyer must not read "shade cover ✓" when two plots failed it.

    Returns:
        ``(verifications, practices)``; each practice has ``criterion_id``, ``title``
        (``{"es", "en"}``), ``severity``, ``subjects`` (how many of ours it passed on),
        ``failed`` (how many of ours it failed on) and ``met`` (``failed == 0``). Failed
        criteria come first.
    """
    found: list[dict[str, Any]] = []
    passed: dict[str, dict[str, Any]] = {}
    listed_ids = set(verification_ids)
    for verification_id in [*verification_ids, *failing_ids]:
        doc = state.get(VERIFICATION_KIND, verification_id)
        if doc is None:
            continue
        standard = standard_from_state(state, doc["standard_hash"])
        criteria = {c.id: c for c in standard.criteria} if standard else {}
        _count_findings(doc, criteria, subjects, passed)
        if verification_id not in listed_ids:
            continue
        certifier = state.get(ACCREDITATION_KIND, doc["certifier_id"])
        found.append(
            {
                "verification_id": verification_id,
                "certifier_id": doc["certifier_id"],
                "certifier_name": certifier.get("name") if certifier else None,
                "standard": None
                if standard is None
                else {
                    "id": standard.id,
                    "version": standard.version,
                    "hash": doc["standard_hash"],
                    "title": standard.title.model_dump(),
                },
                "valid_from": doc.get("valid_from"),
                "valid_until": doc.get("valid_until"),
                "status": doc.get("status"),
                "result": doc.get("result"),
            }
        )
    listed = [
        {
            **p,
            "subjects": len(p["subjects"] - p["failed"]),
            "failed": len(p["failed"]),
            "met": not p["failed"],
        }
        for p in sorted(passed.values(), key=lambda p: (not p["failed"], p["criterion_id"]))
    ]
    return found, listed


def _count_findings(
    doc: dict[str, Any],
    criteria: dict[str, Any],
    subjects: set[tuple[str, str]],
    passed: dict[str, dict[str, Any]],
) -> None:
    """Add a verification's findings on ``subjects`` to the per-criterion tallies."""
    for finding in doc.get("findings", []):
        subject = (finding["subject_kind"], finding["subject_id"])
        if subject not in subjects:
            continue
        criterion = criteria.get(finding["criterion_id"])
        entry = passed.setdefault(
            finding["criterion_id"],
            {
                "criterion_id": finding["criterion_id"],
                "title": criterion.title.model_dump()
                if criterion
                else {"es": finding["criterion_id"], "en": finding["criterion_id"]},
                "severity": finding.get("severity"),
                "subjects": set(),
                "failed": set(),
            },
        )
        entry["subjects" if finding["status"] == "pass" else "failed"].add(subject)


def _lineage_renderer() -> Callable[..., str] | None:
    try:
        module = importlib.import_module("api.exports.lineage_svg")
    except ImportError:
        return None
    renderer = getattr(module, "render_lineage_svg", None)
    return renderer if callable(renderer) else None


def lineage_svg(service: LedgerService, lot_id: str, lang: str) -> str | None:
    """The lineage picture (SVG markup, labelled in ``lang``) when the exporter is
    installed, else ``None``.

    A picture that fails to draw is logged and left out: the page still has the list.
    """
    renderer = _lineage_renderer()
    if renderer is None:
        return None
    try:
        svg = str(renderer(service, lot_id, lang))
    except (LedgerError, ValueError) as exc:
        logger.warning("lineage picture of %s failed: %s", lot_id, exc)
        return None
    # Embedded inline: drop any XML prolog, which is not allowed inside HTML.
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else None


def lot_view(service: LedgerService, lot_id: str) -> dict[str, Any]:
    """Everything the pages show about one lot (language-neutral, JSON-ready).

    Raises:
        EntryNotFoundError: no such lot.
    """
    verdict = eligibility(service, lot_id)
    graph = lineage(service, lot_id)
    with service.store.read_state() as state:
        doc = state.get(LOT_KIND, lot_id)
        if doc is None:
            raise EntryNotFoundError(f"no lot {lot_id!r}")
        lot = lot_public(doc)
        sites = {("plot", p) for p in graph["plots"]} | {("apiary", a) for a in graph["apiaries"]}
        subjects = sites | {("lot", item) for item in graph["lots"]}
        subjects.add(("association", lot["org_id"]))
        failing = sorted(
            {
                verification_id
                for kind, site_id in sites
                for verification_id in state.linked(VERIFIES, f"{kind}:{site_id}")
            }
            - set(verdict.verifications)
        )
        verifications, passed = practices(state, verdict.verifications, subjects, failing)
        reasons = reason_lines(state, verdict)
        association = _org(state, lot["org_id"])
        custodian = _org(state, lot.get("custodian"))
        statements = [
            {
                "lot_id": doc["lot_id"],
                "reference_number": doc.get("reference_number"),
                "verification_number": doc.get("verification_number"),
                "status": doc["status"],
            }
            for doc in recorded_statements(state, graph["lots"])
        ]
    details = graph["lot_details"]
    upstream = [item for item in graph["lots"] if item != lot_id]
    items = [
        {
            "lot_id": item,
            "product": details[item]["product"],
            "form": details[item]["form"],
            "quantity_kg": details[item]["quantity_kg"],
            "created_by": details[item]["created_by"],
        }
        for item in upstream[:LINEAGE_ITEMS]
        if item in details
    ]
    return {
        "lot": lot,
        "association": association,
        "custodian": custodian if custodian and custodian != association else None,
        "eligibility": verdict.to_dict(),
        "reasons": reasons,
        "verifications": verifications,
        "practices": passed,
        "eudr_statements": statements,
        "lineage": {
            "lots": len(upstream),
            "plots": len(graph["plots"]),
            "apiaries": len(graph["apiaries"]),
            "producers": len(graph["producers"]),
            "items": items,
            "more": max(len(upstream) - len(items), 0),
        },
    }


def lot_index(service: LedgerService) -> list[dict[str, Any]]:
    """Every lot still in stock (not consumed), packed lots first, with its eligibility."""
    with service.store.read_state() as state:
        lots = [lot_public(doc) for _key, doc in state.scan(LOT_KIND)]
    in_stock = [lot for lot in lots if lot["status"] != "consumed"]
    in_stock.sort(key=lambda lot: (lot.get("package") is None, lot["product"], lot["lot_id"]))
    return [
        {"lot": lot, "eligible": eligibility(service, lot["lot_id"], stock=False).eligible}
        for lot in in_stock
    ]
