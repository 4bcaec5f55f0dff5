"""Certification entry types: standards, evidence, accreditations, verifications, revocations.

DESIGN §6. The point: a lot carries the biodiversity-friendly claim only when an accredited
third party checked it against an exact, published version of a standard.

* ``standard.published`` (root): the standard's full JSON content goes into the ledger and is
  addressed by its hash (SHA-256 of its JCS bytes); verifications cite that hash.
* ``evidence.recorded`` (the association for its own plots, apiaries, lots and itself; or a
  certifier for anything): a measurement or declaration with its date, method and the
  SHA-256 of attached files (kept in the blob store, never in the ledger).
* ``accreditation.granted`` / ``.suspended`` / ``.reinstated`` / ``.withdrawn`` (root): which
  certification body may certify which products against which standards, and when. The body's
  signing keys are ``key.added`` with role ``certifier`` and scope ``{"certifier_id": …}``;
  rotating a key (add new, revoke old) leaves the old key's verifications valid.
* ``verification.issued`` (a certifier key): findings and result for an association's plots,
  apiaries or lots. The ledger re-evaluates the recorded evidence with the rule engine and
  refuses the entry unless the signed findings and result are exactly the engine's. Version 1
  (no ``findings_version``) evaluates all evidence recorded about the subjects before it, and
  its findings cite ledger seqs; version 2 (``findings_version: 2``) lists the evidence it
  evaluated by ``evidence_id`` and is evaluated on exactly that list, so a certifier can sign
  it offline before its own evidence has a seq (:func:`listed_evidence`).
* ``verification.revoked`` (the issuing body's key, or root): with a reason.

Left out: the rule engine (``verifiers.rules``), standards as data (``verifiers.standards``),
eligibility of lots (``verifiers.eligibility``).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ledger.errors import AuthorizationError, DomainRuleError
from ledger.registry import AppendContext, EntryType
from ledger.state import State
from ledger.supply.common import Body, Day, Id, require, rule
from ledger.supply.lots import LOT_KIND
from ledger.supply.orgs import ORG_KIND
from ledger.supply.sites import APIARY_KIND, PLOT_KIND
from verifiers.errors import FindingsMismatchError, StandardError
from verifiers.rules import (
    Evidence,
    FindingsVersion,
    describe_findings_difference,
    evaluate,
    findings_digest,
)
from verifiers.standards.model import Standard, load_standard, standard_hash

__all__ = [
    "ACCREDITATION_KIND",
    "EVIDENCE_KIND",
    "EVIDENCE_OF",
    "SCOPE_NEEDED",
    "STANDARD_KIND",
    "VERIFICATION_KIND",
    "VERIFIES",
    "certification_entry_types",
    "evidence_for",
    "listed_evidence",
    "standard_from_state",
    "v2_default_evidence",
    "subject_node",
    "subject_org",
]

STANDARD_KIND = "standard"
STANDARD_VERSION_KIND = "standard_version"
EVIDENCE_KIND = "evidence"
ACCREDITATION_KIND = "accreditation"
VERIFICATION_KIND = "verification"
EVIDENCE_OF = "evidence_of"  # link: subject node → evidence id
VERIFIES = "verifies"  # link: subject node → verification id
SCOPE_NEEDED: dict[str, dict[str, str]] = {
    "certifier": {"certifier_id": "the certifier body the key signs for, e.g. certimex"},
}
"""Role → the scope keys a key of that role needs to act, and what each means.

A certifier key without ``certifier_id`` is admitted by ``key.added`` (old ledgers hold such
keys) but can never sign a verification (:func:`_certifier_of`); ``biotraza keys grant``
refuses to create one."""

SubjectKind = Literal["plot", "apiary", "lot", "association"]
_SUBJECT_STATE_KIND = {
    "plot": PLOT_KIND,
    "apiary": APIARY_KIND,
    "lot": LOT_KIND,
    "association": ORG_KIND,
}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def subject_node(kind: str, subject_id: str) -> str:
    """The node name of a certifiable subject in links: ``plot:<id>``, ``lot:<id>``…"""
    return f"{kind}:{subject_id}"


def subject_org(state: State, kind: str, subject_id: str, field: str) -> str:
    """The organization a certifiable subject belongs to now (a lot: its custodian).

    Raises:
        DomainRuleError: no such subject (named by ``field``).
    """
    doc = require(
        state.get(_SUBJECT_STATE_KIND[kind], subject_id), f"unknown {kind} {subject_id}", field
    )
    if kind == "association":
        return subject_id
    return str(doc.get("custodian") or doc["org_id"]) if kind == "lot" else str(doc["org_id"])


# --------------------------------------------------------------------------- standards


class StandardPublishedBody(Body):
    """``standard.published``: the complete standard, as data."""

    standard: dict[str, Any]


def standard_from_state(state: State, digest: str) -> Standard | None:
    """The published standard with this hash, or ``None``."""
    doc = state.get(STANDARD_KIND, digest)
    return None if doc is None else load_standard(doc["content"])


def _apply_standard_published(ctx: AppendContext, body: StandardPublishedBody) -> None:
    try:
        standard = load_standard(body.standard)
    except StandardError as exc:
        raise DomainRuleError(f"invalid standard: {exc}", field="statement.body.standard") from exc
    digest = standard_hash(standard)
    rule(
        ctx.state.get(STANDARD_KIND, digest) is None, f"standard {digest} is published", "standard"
    )
    version_key = f"{standard.id}@{standard.version}"
    rule(
        ctx.state.get(STANDARD_VERSION_KIND, version_key) is None,
        f"{version_key} is already published with other content; publish a new version",
        "standard",
    )
    ctx.state.put(
        STANDARD_KIND,
        digest,
        {
            "hash": digest,
            "id": standard.id,
            "version": standard.version,
            "content": standard.to_dict(),
            "published_seq": ctx.seq,
        },
        ctx.seq,
    )
    ctx.state.put(STANDARD_VERSION_KIND, version_key, {"hash": digest}, ctx.seq)


# --------------------------------------------------------------------------- evidence


class Attachment(Body):
    """A file the evidence rests on: only its hash enters the ledger."""

    sha256: str
    media_type: str | None = Field(default=None, max_length=100)
    name: str | None = Field(default=None, max_length=200)

    @field_validator("sha256")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _SHA256.fullmatch(value):
            raise ValueError("expected 64 lowercase hex characters")
        return value


class EvidenceBody(Body):
    """``evidence.recorded``: one measured or declared value about one subject."""

    evidence_id: Id
    subject_kind: SubjectKind
    subject_id: Id
    field: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    value: Any
    observed_on: Day
    method: str = Field(min_length=2, max_length=200)
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _value_is_json(self) -> EvidenceBody:
        value = self.value
        ok = (
            value is None
            or isinstance(value, (bool, int, float, str))
            or (isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value))
        )
        if not ok:
            raise ValueError("value must be a number, string, boolean, date string or list")
        return self


def _apply_evidence(ctx: AppendContext, body: EvidenceBody) -> None:
    rule(
        ctx.state.get(EVIDENCE_KIND, body.evidence_id) is None,
        f"evidence {body.evidence_id} exists",
        "evidence_id",
    )
    owner = subject_org(ctx.state, body.subject_kind, body.subject_id, "subject_id")
    actor = ctx.actor or {}
    if actor.get("role") == "association":
        scope_org = (actor.get("scope") or {}).get("org_id")
        if scope_org != owner:
            raise AuthorizationError(
                f"{body.subject_kind} {body.subject_id} belongs to {owner}; "
                f"key {ctx.statement.actor} speaks for {scope_org}"
            )
    rule(
        body.observed_on <= ctx.statement.ts[:10], "evidence observed in the future", "observed_on"
    )
    node = subject_node(body.subject_kind, body.subject_id)
    ctx.state.put(
        EVIDENCE_KIND,
        body.evidence_id,
        {
            **body.model_dump(),
            "recorded_by": ctx.statement.actor,
            "recorder_role": actor.get("role"),
            "seq": ctx.seq,
        },
        ctx.seq,
    )
    ctx.state.link(EVIDENCE_OF, node, body.evidence_id, ctx.seq)


def _as_evidence(doc: dict[str, Any]) -> Evidence:
    """A recorded evidence document as rule-engine input (seq and id both known).

    Not :meth:`Evidence.from_dict`, which reads the wire form and refuses any other key: a
    stored document also carries who recorded it and its ``seq`` (the wire's
    ``evidence_seq``)."""
    return Evidence(
        subject_kind=doc["subject_kind"],
        subject_id=doc["subject_id"],
        field=doc["field"],
        value=doc["value"],
        observed_on=doc["observed_on"],
        evidence_seq=int(doc["seq"]),
        evidence_id=doc["evidence_id"],
    )


def evidence_for(state: State, subjects: list[tuple[str, str]]) -> list[Evidence]:
    """Every recorded evidence about the given subjects, as rule-engine input."""
    found: list[Evidence] = []
    for kind, subject_id in subjects:
        for evidence_id in state.linked(EVIDENCE_OF, subject_node(kind, subject_id)):
            doc = state.get(EVIDENCE_KIND, evidence_id)
            if doc is not None:
                found.append(_as_evidence(doc))
    return found


def v2_default_evidence(
    state: State, subjects: list[tuple[str, str]], as_of: str
) -> list[Evidence]:
    """What a version-2 verification lists when its signer names no evidence: every record
    about the subjects observed on or before ``as_of``, by ledger seq.

    Seq order is the order the log admitted them, the order the browser lists its plan's
    evidence in (docs/certifier-app.md), and it makes version 2 decide same-day ties as
    version 1 does (the higher seq), so the default list changes no finding's status, value
    or day, only how the deciding evidence is cited. Evidence observed after ``as_of``
    cannot decide anything (the engine ignores it), so listing it would only cost bytes of
    the 64 KiB statement.
    """
    known = [e for e in evidence_for(state, subjects) if e.observed_on <= as_of]
    return sorted(known, key=lambda e: e.evidence_seq or 0)


def listed_evidence(
    state: State, evidence_ids: list[str], subjects: list[tuple[str, str]]
) -> list[Evidence]:
    """The evidence a version-2 verification lists, in its order, as rule-engine input.

    Each id must name evidence recorded at an earlier position (the state before this entry
    holds nothing later, so evidence recorded after the verification is unknown here, at
    admission and on replay alike) about one of the verification's subjects. Its signer was
    judged when it was admitted (an association for its own subjects, or a certifier key),
    and a key revoked later does not retract what it signed (docs/entry-format.md), so
    admitted evidence stays acceptable. Evidence not listed is not read at all: what others
    record between an offline signature and its upload cannot change the findings.

    Raises:
        DomainRuleError: an unknown id, or evidence about another subject (field
            ``evidence_ids.<index>``).
    """
    covered = set(subjects)
    docs = state.get_many(EVIDENCE_KIND, evidence_ids)
    found: list[Evidence] = []
    for index, evidence_id in enumerate(evidence_ids):
        field = f"evidence_ids.{index}"
        doc = require(
            docs.get(evidence_id),
            f"evidence {evidence_id} is not recorded before this verification",
            field,
        )
        subject = (str(doc["subject_kind"]), str(doc["subject_id"]))
        rule(
            subject in covered,
            f"evidence {evidence_id} is about {subject[0]} {subject[1]}, which this "
            "verification does not cover",
            field,
        )
        found.append(_as_evidence(doc))
    return found


# --------------------------------------------------------------------------- accreditation


class AccreditationBody(Body):
    """``accreditation.granted``: a certification body, its scope and its validity."""

    certifier_id: Id
    name: str = Field(min_length=2, max_length=200)
    accreditation_ref: str | None = Field(default=None, max_length=200)
    products: list[str] = Field(min_length=1, max_length=20)
    standards: list[str] = Field(min_length=1, max_length=50, description="standard ids")
    valid_from: Day
    valid_until: Day


class AccreditationChangeBody(Body):
    """``accreditation.suspended`` / ``.reinstated`` / ``.withdrawn``."""

    certifier_id: Id
    reason: str = Field(min_length=2, max_length=500)


def _apply_accreditation(ctx: AppendContext, body: AccreditationBody) -> None:
    rule(body.valid_from < body.valid_until, "valid_from must be before valid_until", "valid_until")
    previous = ctx.state.get(ACCREDITATION_KIND, body.certifier_id)
    rule(
        previous is None or previous["status"] != "withdrawn",
        f"accreditation of {body.certifier_id} was withdrawn; register a new certifier id",
        "certifier_id",
    )
    ctx.state.put(
        ACCREDITATION_KIND,
        body.certifier_id,
        {**body.model_dump(), "status": "active", "granted_seq": ctx.seq, "history": [
            *(previous or {}).get("history", []), {"seq": ctx.seq, "status": "granted"}
        ]},
        ctx.seq,
    )  # fmt: skip


def _change_accreditation(new_status: str, allowed_from: tuple[str, ...]) -> Any:
    def apply(ctx: AppendContext, body: AccreditationChangeBody) -> None:
        doc = require(
            ctx.state.get(ACCREDITATION_KIND, body.certifier_id),
            f"unknown certifier {body.certifier_id}",
            "certifier_id",
        )
        rule(
            doc["status"] in allowed_from,
            f"certifier {body.certifier_id} is {doc['status']}; cannot become {new_status}",
            "certifier_id",
        )
        history = [*doc["history"], {"seq": ctx.seq, "status": new_status, "reason": body.reason}]
        ctx.state.put(
            ACCREDITATION_KIND,
            body.certifier_id,
            {**doc, "status": new_status, "history": history},
            ctx.seq,
        )

    return apply


# --------------------------------------------------------------------------- verifications


class Scope(Body):
    """What a verification covers."""

    products: list[str] = Field(min_length=1, max_length=10)
    plots: list[Id] = Field(default_factory=list, max_length=5000)
    apiaries: list[Id] = Field(default_factory=list, max_length=5000)
    lots: list[Id] = Field(default_factory=list, max_length=5000)

    @model_validator(mode="after")
    def _not_empty(self) -> Scope:
        if not (self.plots or self.apiaries or self.lots):
            raise ValueError("a verification covers at least one plot, apiary or lot")
        return self

    def subjects(self, association_id: str) -> list[tuple[str, str]]:
        """Every subject the verification covers, the association itself included."""
        return [
            ("association", association_id),
            *(("plot", p) for p in self.plots),
            *(("apiary", a) for a in self.apiaries),
            *(("lot", lot) for lot in self.lots),
        ]


class VerificationBody(Body):
    """``verification.issued``: a certifier's signed findings and result."""

    verification_id: Id
    association_id: Id
    scope: Scope
    standard_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    as_of: Day
    findings: list[dict[str, Any]] | None = Field(default=None, max_length=100_000)
    findings_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    result: Literal["pass", "fail"]
    valid_from: Day
    valid_until: Day
    findings_version: Literal[2] | None = Field(
        default=None,
        description="2: evaluated on exactly evidence_ids, findings cite evidence_id; "
        "absent: version 1, all recorded evidence, findings cite evidence_seq",
    )
    evidence_ids: list[Id] | None = Field(
        default=None,
        max_length=100_000,
        description="version 2: the evidence evaluated, in order (on the same observed_on "
        "day the later one decides)",
    )

    @model_validator(mode="after")
    def _one_form_of_findings(self) -> VerificationBody:
        # Full findings suit a few subjects; a group certificate over hundreds of plots signs
        # their digest instead, or the statement would pass the 64 KiB limit.
        if (self.findings is None) == (self.findings_sha256 is None):
            raise ValueError("give exactly one of findings or findings_sha256")
        if (self.findings_version is None) != (self.evidence_ids is None):
            raise ValueError("findings_version 2 and evidence_ids go together")
        ids = self.evidence_ids or []
        if len(set(ids)) != len(ids):
            raise ValueError("evidence_ids lists an id twice")
        return self

    @property
    def version(self) -> FindingsVersion:
        """The findings version: 2 when the body says so, else 1 (every older entry)."""
        return 2 if self.findings_version == 2 else 1


class VerificationRevokedBody(Body):
    """``verification.revoked``: withdrawn from this position on, with the reason."""

    verification_id: Id
    reason: str = Field(min_length=2, max_length=500)


def _certifier_of(ctx: AppendContext) -> str:
    scope = (ctx.actor or {}).get("scope") or {}
    certifier_id = scope.get("certifier_id")
    if not isinstance(certifier_id, str):
        raise AuthorizationError(f"key {ctx.statement.actor} is not bound to a certifier_id")
    return certifier_id


def _apply_verification(ctx: AppendContext, body: VerificationBody) -> None:
    # 1. The signer speaks for an accredited body whose scope covers this verification.
    certifier_id = _certifier_of(ctx)
    accreditation = ctx.state.get(ACCREDITATION_KIND, certifier_id)
    if accreditation is None or accreditation["status"] != "active":
        state = "unknown" if accreditation is None else accreditation["status"]
        raise AuthorizationError(f"certifier {certifier_id} is not accredited ({state})")
    signed_on = ctx.statement.ts[:10]
    # Judged on the log's day of admission, not the signer's claimed ts (ledger.timing):
    # a certifier whose accreditation ended cannot backdate a verification into it. The
    # claimed day must lie in the window too. No offline grace for accreditations.
    admitted_on = ctx.judged_at[:10]
    for day in sorted({signed_on, admitted_on}):
        if not accreditation["valid_from"] <= day <= accreditation["valid_until"]:
            raise AuthorizationError(
                f"accreditation of {certifier_id} is valid {accreditation['valid_from']}.."
                f"{accreditation['valid_until']}, not on {day}"
            )
    found = standard_from_state(ctx.state, body.standard_hash)
    if found is None:
        raise DomainRuleError(
            f"no published standard {body.standard_hash}", field="statement.body.standard_hash"
        )
    standard = found
    if standard.id not in accreditation["standards"]:
        raise AuthorizationError(f"{certifier_id} is not accredited for standard {standard.id}")
    for product in body.scope.products:
        if product not in accreditation["products"] or product not in standard.products:
            raise AuthorizationError(
                f"{certifier_id} accredited for {accreditation['products']}, standard "
                f"{standard.id} covers {standard.products}; not {product}"
            )
    # 2. The verification itself is well formed.
    rule(
        ctx.state.get(VERIFICATION_KIND, body.verification_id) is None,
        f"verification {body.verification_id} exists",
        "verification_id",
    )
    rule(body.valid_from < body.valid_until, "valid_from must be before valid_until", "valid_until")
    rule(body.as_of <= signed_on, "as_of is after the statement's date", "as_of")
    require(ctx.state.get(ORG_KIND, body.association_id), "unknown association", "association_id")
    subjects = body.scope.subjects(body.association_id)
    listed = {"plot": body.scope.plots, "apiary": body.scope.apiaries, "lot": body.scope.lots}
    for kind, ids in listed.items():
        for index, subject_id in enumerate(ids):
            field = f"scope.{'apiaries' if kind == 'apiary' else kind + 's'}.{index}"
            owner = subject_org(ctx.state, kind, subject_id, field)
            rule(
                owner == body.association_id,
                f"{kind} {subject_id} belongs to {owner}, not {body.association_id}",
                field,
            )
    # 3. The findings are exactly what the rule engine finds in the recorded evidence: all
    # of it about the subjects (version 1) or exactly the listed evidence (version 2).
    if body.evidence_ids is None:
        evidence = evidence_for(ctx.state, subjects)
    else:
        evidence = listed_evidence(ctx.state, body.evidence_ids, subjects)
    evaluation = evaluate(standard, subjects, evidence, body.as_of, findings_version=body.version)
    expected = evaluation.to_dict()
    digest = findings_digest(expected["findings"])
    engine_says = f"{expected['result']}, {len(expected['findings'])} findings"
    if body.findings is not None and body.findings != expected["findings"]:
        raise FindingsMismatchError(
            f"signed findings differ from the rule engine's evaluation of the recorded "
            f"evidence ({engine_says}): "
            f"{describe_findings_difference(body.findings, expected['findings'])}"
        )
    if body.findings_sha256 is not None and body.findings_sha256 != digest:
        raise FindingsMismatchError(
            f"signed findings_sha256 {body.findings_sha256} is not the digest of the rule "
            f"engine's findings ({engine_says}, sha256 {digest}); dry-run the evaluation to "
            "see them"
        )
    if body.result != expected["result"]:
        raise FindingsMismatchError(
            f"signed result {body.result} differs from the rule engine's ({engine_says})"
        )
    # A version-1 document keeps exactly the keys it always had (replays compare them).
    doc = body.model_dump(
        exclude=None if body.version == 2 else {"findings_version", "evidence_ids"}
    )
    doc.update(
        findings=expected["findings"],
        findings_sha256=digest,
        certifier_id=certifier_id,
        standard_id=standard.id,
        standard_version=standard.version,
        status="active",
        issued_seq=ctx.seq,
        issued_by=ctx.statement.actor,
        revoked_seq=None,
        revoked_reason=None,
        revoked_on=None,
    )
    ctx.state.put(VERIFICATION_KIND, body.verification_id, doc, ctx.seq)
    for kind, subject_id in subjects[1:]:
        ctx.state.link(VERIFIES, subject_node(kind, subject_id), body.verification_id, ctx.seq)


def _apply_verification_revoked(ctx: AppendContext, body: VerificationRevokedBody) -> None:
    doc = require(
        ctx.state.get(VERIFICATION_KIND, body.verification_id),
        f"unknown verification {body.verification_id}",
        "verification_id",
    )
    actor = ctx.actor or {}
    if actor.get("role") != "root" and _certifier_of(ctx) != doc["certifier_id"]:
        raise AuthorizationError(
            f"verification {body.verification_id} was issued by {doc['certifier_id']}"
        )
    rule(
        doc["status"] == "active",
        f"verification {body.verification_id} is revoked",
        "verification_id",
    )
    ctx.state.put(
        VERIFICATION_KIND,
        body.verification_id,
        {
            **doc,
            "status": "revoked",
            "revoked_seq": ctx.seq,
            "revoked_reason": body.reason,
            "revoked_on": ctx.statement.ts[:10],
        },
        ctx.seq,
    )


def certification_entry_types() -> list[EntryType]:
    """Every certification entry type."""
    change = _change_accreditation
    return [
        EntryType("standard.published", StandardPublishedBody, frozenset({"root"}),
                  _apply_standard_published, "A root key publishes a standard version."),
        EntryType("evidence.recorded", EvidenceBody, frozenset({"association", "certifier"}),
                  _apply_evidence, "A measurement or declaration about a plot, apiary or lot."),
        EntryType("accreditation.granted", AccreditationBody, frozenset({"root"}),
                  _apply_accreditation, "Root accredits a certification body."),
        EntryType("accreditation.suspended", AccreditationChangeBody, frozenset({"root"}),
                  change("suspended", ("active",)), "Root suspends an accreditation."),
        EntryType("accreditation.reinstated", AccreditationChangeBody, frozenset({"root"}),
                  change("active", ("suspended",)), "Root lifts a suspension."),
        EntryType("accreditation.withdrawn", AccreditationChangeBody, frozenset({"root"}),
                  change("withdrawn", ("active", "suspended")), "Root withdraws it for good."),
        EntryType("verification.issued", VerificationBody, frozenset({"certifier"}),
                  _apply_verification, "A certifier signs findings for plots, apiaries, lots."),
        EntryType("verification.revoked", VerificationRevokedBody, frozenset({"certifier", "root"}),
                  _apply_verification_revoked, "The issuing certifier (or root) revokes it."),
    ]  # fmt: skip
