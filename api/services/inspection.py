"""Inspection plans: what a certifier checks at an association, downloaded once, used offline.

A plan is everything the certifier's browser needs to inspect without a network and to sign
findings the ledger will accept: the published standard in full (the browser evaluator runs
its criteria, ``api/webapp/src/certifier/evaluate.ts``) and its hash, the association's
subjects grouped by the kind of criteria that apply to them (each criterion with its es/en
title and guidance, field, unit, operator, threshold and severity), the evidence already
recorded about those subjects with its ledger sequence (the ledger evaluates all of it, so the
device must too), and the accreditations for the standard (the pre-sign check of scope and
window). It reads only public ledger state: no personal data (producers appear by id).
"""

from __future__ import annotations

from typing import Any

from api.services.certification import resolve_standard
from api.services.ledger import LedgerService
from ledger.errors import EntryNotFoundError, SchemaError
from ledger.supply.lots import LOT_KIND
from ledger.supply.orgs import ORG_KIND
from ledger.supply.sites import APIARY_KIND, PLOT_KIND
from verifiers.certification import ACCREDITATION_KIND, evidence_for

__all__ = ["inspection_plan"]

_CRITERION_KEYS = (
    "id",
    "title",
    "guidance",
    "field",
    "operator",
    "threshold",
    "unit",
    "severity",
)

_SITE_KINDS = {"plot": PLOT_KIND, "apiary": APIARY_KIND, "lot": LOT_KIND}
_SUBJECT_KEYS = {
    "plot": ("producer_id", "area_ha", "product"),
    "apiary": ("producer_id", "hive_count", "product"),
    "lot": ("product", "form", "quantity_g", "status"),
}


def inspection_plan(
    service: LedgerService, *, standard_ref: str, association_id: str, product: str
) -> dict[str, Any]:
    """The inspection plan of one association against one standard version, for a product.

    Raises:
        EntryNotFoundError: no such standard or association (404).
        SchemaError: the standard does not cover ``product`` (422 naming ``product``).
    """
    digest, standard = resolve_standard(service, standard_ref)
    if product not in standard.products:
        raise SchemaError(
            f"standard {standard.key} does not cover product {product!r}",
            [("product", f"expected one of {standard.products}, found {product!r}")],
        )
    criteria = [c for c in standard.criteria if c.products is None or product in c.products]
    with service.store.read_state() as state:
        if state.get(ORG_KIND, association_id) is None:
            raise EntryNotFoundError(f"no association {association_id!r}")
        sections = []
        subjects: list[tuple[str, str]] = []
        for kind in ("association", "plot", "apiary", "lot"):
            applying = sorted((c for c in criteria if c.applies_to == kind), key=lambda c: c.id)
            if not applying:
                continue
            found = _subjects(state, kind, association_id, product)
            subjects.extend((kind, s["id"]) for s in found)
            sections.append(
                {
                    "applies_to": kind,
                    "criteria": [
                        {k: c.model_dump(mode="json").get(k) for k in _CRITERION_KEYS}
                        for c in applying
                    ],
                    "subjects": found,
                }
            )
        evidence = [e.to_dict() for e in evidence_for(state, subjects)]
        accreditations = [
            doc
            for _key, doc in state.scan(ACCREDITATION_KIND)
            if standard.id in doc.get("standards", []) and product in doc.get("products", [])
        ]
    evidence.sort(key=lambda e: (e["subject_kind"], e["subject_id"], e["field"], e["evidence_seq"]))
    return {
        "association_id": association_id,
        "product": product,
        "standard_hash": digest,
        "standard": standard.to_dict(),
        "sections": sections,
        "evidence": evidence,
        "accreditations": accreditations,
    }


def _subjects(state: Any, kind: str, association_id: str, product: str) -> list[dict[str, Any]]:
    """The association's subjects of a kind for the product, sorted by id (public fields)."""
    if kind == "association":
        return [{"id": association_id}]
    keys = _SUBJECT_KEYS[kind]
    id_key = f"{kind}_id"
    out = [
        {"id": doc[id_key], **{k: doc.get(k) for k in keys}}
        for _key, doc in state.scan(_SITE_KINDS[kind])
        if doc.get("org_id") == association_id and doc.get("product") == product
    ]
    return sorted(out, key=lambda s: str(s["id"]))
