"""Standards, evaluations, verifications and eligibility over a ``LedgerService``.

Both the HTTP routes and the CLI call these. The dry-run evaluation and the body a certifier
signs are built by the same function, so what the certifier previews is exactly what the
ledger will re-check: for findings version 2 on exactly the evidence listed, refused with
the ledger's own rule and message (``verifiers.certification.listed_evidence``) when an id
is unknown or about another subject.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from api.services.ledger import LedgerService
from ledger.errors import DomainRuleError, EntryNotFoundError, SchemaError
from ledger.state import State
from ledger.statements import schema_errors
from verifiers.certification import (
    STANDARD_KIND,
    Scope,
    evidence_for,
    listed_evidence,
    standard_from_state,
    v2_default_evidence,
)
from verifiers.eligibility import Eligibility, check_eligibility
from verifiers.rules import Evidence, FindingsVersion, evaluate, findings_digest
from verifiers.standards.model import Standard, diff_standards, shipped_standards

__all__ = [
    "eligibility",
    "evaluation_body",
    "published_standards",
    "requested_version",
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
    findings_version: FindingsVersion | None = None,
    evidence_ids: list[str] | None = None,
) -> dict[str, Any]:
    """Evaluate recorded evidence (dry run) and return the ``verification.issued`` fields a
    certifier would sign: ``standard_hash``, ``findings`` or their ``findings_sha256`` (for
    large scopes), ``result`` (plus the evaluation's reasons).

    Version 1 (the default, no ``evidence_ids``) evaluates every evidence about the
    subjects. Version 2 (``evidence_ids`` given, or ``findings_version=2``) evaluates exactly
    the listed evidence, or when none is listed every record about the subjects observed by
    ``as_of`` in ledger order, and answers ``findings_version`` and ``evidence_ids`` too,
    the two keys a version-2 body signs.

    Raises:
        EntryNotFoundError: no such published standard.
        SchemaError: a malformed scope, ``evidence_ids`` with version 1, or an id listed
            twice (field ``evidence_ids.<i>``).
        DomainRuleError: a listed id is not recorded, or is about a subject outside the
            scope (field ``evidence_ids.<i>``; the ledger refuses the signed body alike).
    """
    version = requested_version(findings_version, evidence_ids)
    digest, standard = resolve_standard(service, standard_ref)
    try:
        parsed = Scope.model_validate(scope)
    except ValidationError as exc:
        raise SchemaError("scope does not match the schema", schema_errors(exc, "scope.")) from exc
    subjects = parsed.subjects(association_id)
    with service.store.read_state() as state:
        if version == 1:
            evidence = evidence_for(state, subjects)
        elif evidence_ids is None:
            evidence = v2_default_evidence(state, subjects, as_of)
        else:
            evidence = _listed(state, evidence_ids, subjects)
    evaluation = evaluate(standard, subjects, evidence, as_of, findings_version=version)
    result = evaluation.to_dict()
    listed: dict[str, Any] = {}
    if version == 2:
        listed = {"findings_version": 2, "evidence_ids": [e.evidence_id for e in evidence]}
    return {
        "standard_hash": digest,
        "standard": f"{standard.id}@{standard.version}",
        "association_id": association_id,
        "scope": parsed.model_dump(),
        "as_of": as_of,
        **listed,
        "findings": result["findings"],
        "findings_sha256": findings_digest(result["findings"]),
        "result": result["result"],
        "reasons": result.get("reasons", []),
    }


def requested_version(
    findings_version: FindingsVersion | None, evidence_ids: list[str] | None
) -> FindingsVersion:
    """The findings version a request asks for: a list of evidence means version 2.

    Raises:
        SchemaError: a list with version 1 (it would be signed and refused), or an id
            listed twice (the ledger's schema refuses that body).
    """
    if evidence_ids is None:
        return findings_version or 1
    if findings_version == 1:
        raise SchemaError(
            "evidence_ids goes with findings version 2",
            [
                (
                    "findings_version",
                    "version 1 evaluates every recorded evidence; omit it or give 2",
                )
            ],
        )
    first: dict[str, int] = {}
    for index, evidence_id in enumerate(evidence_ids):
        if evidence_id in first:
            raise SchemaError(
                "evidence_ids lists an id twice",
                [
                    (
                        f"evidence_ids.{index}",
                        f"{evidence_id} is already evidence_ids.{first[evidence_id]}",
                    )
                ],
            )
        first[evidence_id] = index
    return 2


def _listed(
    state: State, evidence_ids: list[str], subjects: list[tuple[str, str]]
) -> list[Evidence]:
    """The listed evidence, refused as the ledger refuses it but naming the request's field
    (``evidence_ids.<i>``) rather than a statement body's."""
    try:
        return listed_evidence(state, evidence_ids, subjects)
    except DomainRuleError as exc:
        field = (exc.field or "").removeprefix("statement.body.")
        raise DomainRuleError(str(exc), field=field or None) from exc


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
