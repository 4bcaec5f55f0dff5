"""Standards, evaluations, verifications and eligibility over a ``LedgerService``.

Both the HTTP routes and the CLI call these. The dry-run evaluation and the body a certifier
signs are built by the same function, so what the certifier previews is exactly what the
ledger will re-check.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from api.services.ledger import LedgerService
from ledger.errors import EntryNotFoundError, SchemaError
from ledger.statements import schema_errors
from verifiers.certification import (
    STANDARD_KIND,
    Scope,
    evidence_for,
    standard_from_state,
)
from verifiers.eligibility import Eligibility, check_eligibility
from verifiers.rules import evaluate, findings_digest
from verifiers.standards.model import Standard, diff_standards, shipped_standards

__all__ = [
    "eligibility",
    "evaluation_body",
    "published_standards",
    "resolve_standard",
    "standard_diff",
]


def published_standards(service: LedgerService) -> list[dict[str, Any]]:
    """Every standard version published in the ledger (id, version, hash, titles)."""
    with service.store.read_state() as state:
        docs = [doc for _key, doc in state.scan(STANDARD_KIND)]
    return sorted(
        (
            {
                "id": d["id"],
                "version": d["version"],
                "hash": d["hash"],
                "title": d["content"]["title"],
                "products": d["content"]["products"],
                "published_seq": d["published_seq"],
            }
            for d in docs
        ),
        key=lambda d: (d["id"], d["version"]),
    )


def resolve_standard(service: LedgerService, ref: str) -> tuple[str, Standard]:
    """A published standard by hash, ``id@version`` or ``id`` (latest version).

    Raises:
        EntryNotFoundError: nothing published matches.
    """
    with service.store.read_state() as state:
        if len(ref) == 64:
            standard = standard_from_state(state, ref)
            if standard is not None:
                return ref, standard
        candidates = [
            doc
            for _k, doc in state.scan(STANDARD_KIND)
            if ref in (doc["id"], f"{doc['id']}@{doc['version']}")
        ]
        if not candidates:
            raise EntryNotFoundError(f"no published standard {ref!r}")
        latest = max(candidates, key=lambda d: int(d["version"]))
        found = standard_from_state(state, latest["hash"])
        assert found is not None  # noqa: S101 - scanned just above
        return str(latest["hash"]), found


def standard_diff(service: LedgerService, a: str, b: str) -> list[dict[str, Any]]:
    """Criterion-level differences between two standards (published or shipped)."""
    shipped = shipped_standards()

    def load(ref: str) -> Standard:
        if ref in shipped:
            return shipped[ref]
        return resolve_standard(service, ref)[1]

    return [change.to_dict() for change in diff_standards(load(a), load(b))]


def evaluation_body(
    service: LedgerService,
    *,
    standard_ref: str,
    association_id: str,
    scope: dict[str, Any],
    as_of: str,
) -> dict[str, Any]:
    """Evaluate recorded evidence (dry run) and return the ``verification.issued`` fields a
    certifier would sign: ``standard_hash``, ``findings`` or their ``findings_sha256`` (for
    large scopes), ``result`` (plus the evaluation's reasons)."""
    digest, standard = resolve_standard(service, standard_ref)
    try:
        parsed = Scope.model_validate(scope)
    except ValidationError as exc:
        raise SchemaError("scope does not match the schema", schema_errors(exc, "scope.")) from exc
    subjects = parsed.subjects(association_id)
    with service.store.read_state() as state:
        evaluation = evaluate(standard, subjects, evidence_for(state, subjects), as_of)
    result = evaluation.to_dict()
    return {
        "standard_hash": digest,
        "standard": f"{standard.id}@{standard.version}",
        "association_id": association_id,
        "scope": parsed.model_dump(),
        "as_of": as_of,
        "findings": result["findings"],
        "findings_sha256": findings_digest(result["findings"]),
        "result": result["result"],
        "reasons": result.get("reasons", []),
    }


def eligibility(service: LedgerService, lot_id: str, *, stock: bool = True) -> Eligibility:
    """Whether a lot may carry the label, with the reasons, and (unless ``stock`` is false)
    what is left of it and which transformations consumed the rest.

    Raises:
        EntryNotFoundError: no such lot.
    """
    with service.store.read_state() as state:
        if state.get("lot", lot_id) is None:
            raise EntryNotFoundError(f"no lot {lot_id!r}")
        return check_eligibility(state, lot_id, stock=stock)
