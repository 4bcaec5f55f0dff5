"""The rule engine: a standard plus evidence gives findings per criterion and subject, and a result.

Evaluation, in steps (:func:`evaluate`):

1. Pick the criteria that apply: those of the requested product (all when ``product`` is
   ``None``), grouped by the subject kind they apply to.
2. Refuse to evaluate nothing (fail closed): no subjects, a product the standard does not
   cover, or no criterion applicable to any subject raise :class:`RuleEvaluationError`.
   Subjects of a kind no criterion applies to are left out of the findings.
3. Index the evidence once: for each (subject, field) the *latest* record observed on or before
   ``as_of`` decides; a later ``observed_on`` wins, then a higher ``evidence_seq`` (a record
   without one ranks below any with one). Two records that tie on both with different values
   are conflicting evidence, and the finding fails. Later evidence is ignored.
   Findings version 2 (``findings_version=2``, what a certifier signs offline) names evidence
   by ``evidence_id`` instead of the ledger's seq, which is unknown before admission: every
   record needs a distinct ``evidence_id``, and on the same ``observed_on`` the record later
   in the given evidence list wins (the list a v2 verification signs, in its order), so no
   two records ever tie and there is no conflict.
4. Check every applicable criterion on every subject of its kind: ``pass``, ``fail`` (value
   does not meet the threshold, or has the wrong type for the operator) or ``missing`` (no
   evidence). Missing evidence never passes.
5. Decide: the result is ``pass`` iff every critical finding passes, no major finding fails or
   is missing, and the failed or missing minor findings, counted over all subjects, are at
   most the standard's ``minor_fail_tolerance``.

Values: numbers compare as numbers (``bool`` is not a number), dates as ``YYYY-MM-DD``
strings, list operators take strings and compare them casefolded; see the operator table in
:mod:`verifiers.standards.model`.

Findings are ordered by subject kind, subject id, then criterion id, and
:meth:`Evaluation.to_dict` is deterministic, so findings a certifier signed can be compared
byte for byte with the engine's own (:func:`verify_findings_match`).

Speed: each criterion is compiled once per call into a check (which decides and says why)
and a column scan (a comprehension with the test inlined, no call per value); the evidence is
indexed once into one column of values per (subject kind, field). Nothing is allocated for a
passing finding, and :class:`Finding` objects are built only when ``findings`` is first read.
A 100-criterion standard over 10,000 plots (a million evidence records) evaluates in about
0.45-0.5 s on one core of the development VM (about 20,000 plots/s): indexing the million
records takes most of it, the scans under a tenth of a second.

Left out: reading evidence from the ledger (callers build :class:`Evidence` from entries),
certificates, signatures and labels, and human texts beyond English reasons (criterion titles
carry es/en).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ledger.canonical import canonicalize
from ledger.errors import EncodingError
from verifiers.errors import FindingsMismatchError, RuleEvaluationError, VerificationError
from verifiers.standards.model import (
    SEVERITIES,
    SUBJECT_KINDS,
    Criterion,
    Severity,
    Standard,
    StandardHash,
    _is_day,
    is_date,
    standard_hash,
)

__all__ = [
    "ENGINE",
    "ENGINE_V2",
    "Evaluation",
    "Evidence",
    "Finding",
    "FindingStatus",
    "FindingsVersion",
    "Result",
    "RuleViolationError",
    "check_evaluation",
    "describe_findings_difference",
    "evaluate",
    "findings_digest",
    "verify_evaluation",
    "verify_findings_match",
]

ENGINE = "biotraza-rules/1"
"""Names the engine's output format (statuses, order, reason texts) in :meth:`Evaluation.to_dict`.

Bump it when any of these change: recorded findings then compare against the same engine.
"""

ENGINE_V2 = "biotraza-rules/2"
"""The engine name of findings version 2: findings name ``evidence_id``, not ``evidence_seq``."""

FindingsVersion = Literal[1, 2]
"""1: findings cite the deciding evidence's ledger seq; 2: its ``evidence_id`` (see step 3)."""

FindingStatus = Literal["pass", "fail", "missing"]
Result = Literal["pass", "fail"]

_OK: FindingStatus = "pass"
_FAIL: FindingStatus = "fail"
_MISSING: FindingStatus = "missing"


def _valid_scalar(value: object) -> bool:
    if value is None or isinstance(value, str | bool | int):
        return True
    return (
        isinstance(value, float) and value == value and value not in (float("inf"), -float("inf"))
    )


@dataclass(frozen=True, slots=True)
class Evidence:
    """One measurement or declaration about a subject, as of a day.

    Attributes:
        subject_kind: ``plot``, ``apiary``, ``lot`` or ``association``.
        subject_id: The subject's ledger id.
        field: Evidence field name, matched against :attr:`Criterion.field`.
        value: A JSON scalar (string, number, bool, null) or a list of JSON scalars.
        observed_on: Day of the observation, ``YYYY-MM-DD``.
        evidence_seq: Ledger sequence number of the entry that recorded it, when recorded.
        evidence_id: The ``evidence_id`` of its ``evidence.recorded`` body, when known; chosen
            by the signer, so known before admission (findings version 2 cite it).
    """

    subject_kind: str
    subject_id: str
    field: str
    value: Any
    observed_on: str
    evidence_seq: int | None = None
    evidence_id: str | None = None

    def __post_init__(self) -> None:
        """Check the record is well formed.

        Raises:
            ValueError: unknown subject kind, empty id or field, a day that is not
                ``YYYY-MM-DD``, a negative or non-int ``evidence_seq``, or a value that is not a
                finite JSON scalar or a list of them.
        """
        if self.subject_kind not in SUBJECT_KINDS:
            raise ValueError(
                f"expected a subject kind among {list(SUBJECT_KINDS)}, found {self.subject_kind!r}"
            )
        if not isinstance(self.subject_id, str) or not self.subject_id:
            raise ValueError(f"expected a subject id, found {self.subject_id!r}")
        if not isinstance(self.field, str) or not self.field:
            raise ValueError(f"expected an evidence field name, found {self.field!r}")
        if not is_date(self.observed_on):
            raise ValueError(f"expected observed_on as YYYY-MM-DD, found {self.observed_on!r}")
        seq = self.evidence_seq
        if seq is not None and (type(seq) is not int or seq < 0):
            raise ValueError(f"expected evidence_seq as an int >= 0, found {seq!r}")
        evidence_id = self.evidence_id
        if evidence_id is not None and (type(evidence_id) is not str or not evidence_id):
            raise ValueError(f"expected evidence_id as a non-empty string, found {evidence_id!r}")
        value = self.value
        if isinstance(value, list):
            ok = all(_valid_scalar(item) for item in value)
        else:
            ok = _valid_scalar(value)
        if not ok:
            raise ValueError(
                "expected a finite JSON scalar or list of scalars as evidence value, "
                f"found {value!r}"
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        """Build from a JSON object with the attribute names as keys.

        Raises:
            ValueError: a key is missing or unknown, or a value is invalid.
        """
        known = {
            "subject_kind",
            "subject_id",
            "field",
            "value",
            "observed_on",
            "evidence_seq",
            "evidence_id",
        }
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown evidence keys: {sorted(unknown)}")
        try:
            return cls(
                subject_kind=data["subject_kind"],
                subject_id=data["subject_id"],
                field=data["field"],
                value=data["value"],
                observed_on=data["observed_on"],
                evidence_seq=data.get("evidence_seq"),
                evidence_id=data.get("evidence_id"),
            )
        except KeyError as exc:
            raise ValueError(f"evidence is missing the key {exc.args[0]!r}") from exc

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, every key present."""
        return {
            "subject_kind": self.subject_kind,
            "subject_id": self.subject_id,
            "field": self.field,
            "value": self.value,
            "observed_on": self.observed_on,
            "evidence_seq": self.evidence_seq,
            "evidence_id": self.evidence_id,
        }


class _Conflicted:
    """Stands in the evidence index for records that tie on (day, seq) with different values."""

    __slots__ = ("evidence_id", "evidence_seq", "observed_on", "value")

    def __init__(self, observed_on: str, evidence_seq: int | None) -> None:
        self.observed_on = observed_on
        self.evidence_seq = evidence_seq
        self.evidence_id: str | None = None  # only version 1 has conflicts
        self.value: object = _CONFLICT


class _ConflictMarker:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<conflicting evidence>"


_CONFLICT = _ConflictMarker()


@dataclass(frozen=True, slots=True)
class Finding:
    """The outcome of one criterion on one subject.

    Attributes:
        criterion_id: The criterion checked.
        subject_kind: Kind of the subject.
        subject_id: Id of the subject.
        status: ``pass``, ``fail`` or ``missing``.
        severity: The criterion's severity.
        value: The deciding evidence value (``None`` when missing or conflicting).
        observed_on: Day of the deciding evidence (``None`` when missing).
        evidence_seq: Ledger sequence of the deciding evidence, when it has one.
        reason: Why, in English (criterion titles carry es/en).
        evidence_id: ``evidence_id`` of the deciding evidence, when it has one.
        findings_version: 1 cites ``evidence_seq`` in :meth:`to_dict`, 2 ``evidence_id``.
    """

    criterion_id: str
    subject_kind: str
    subject_id: str
    status: FindingStatus
    severity: str
    value: Any
    observed_on: str | None
    evidence_seq: int | None
    reason: str
    evidence_id: str | None = None
    findings_version: FindingsVersion = 1

    def __bool__(self) -> bool:
        """A finding is truthy iff it passed."""
        return self.status == _OK

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, every key of its findings version present, in a fixed order."""
        cited: tuple[str, Any] = (
            ("evidence_seq", self.evidence_seq)
            if self.findings_version == 1
            else ("evidence_id", self.evidence_id)
        )
        return {
            "criterion_id": self.criterion_id,
            "subject_kind": self.subject_kind,
            "subject_id": self.subject_id,
            "status": self.status,
            "severity": self.severity,
            "value": self.value,
            "observed_on": self.observed_on,
            cited[0]: cited[1],
            "reason": self.reason,
        }


# --- compiling criteria --------------------------------------------------------------------

Check = Callable[[Any], "str | None"]
"""A compiled criterion: ``None`` when the value passes, else the reason it fails."""

Column = dict[int, Any]
"""Deciding evidence values of one (subject kind, field), keyed by subject position.

Values are kept apart from their records so that, for scalar values, a column holds no
GC-tracked object: the garbage collector never walks a million-entry column.
"""

Scan = Callable[[Column], list[int]]
"""The positions in a column whose value *may* fail: a fast filter in front of the check.

A scan may list a position that passes (the check then clears it) but must never leave out
one that fails; the check alone decides. Scans inline their test in a comprehension, with no
call per value: that is the engine's hot loop.
"""

_NUMBER_TYPES = frozenset({int, float})  # exact types: bool is not a number here
_STR_ONLY = frozenset({str})


def _show(value: object) -> str:
    if value is _CONFLICT:
        return "conflicting values"
    return json.dumps(value, ensure_ascii=False)


def _wrong(field: str, expected: str, value: object) -> str:
    if value is _CONFLICT:
        return f"conflicting evidence for {field}: records of the same day and seq disagree"
    return f"expected {expected} for {field}, found {_show(value)}"


def _compile_number(field: str, operator: str, t: float) -> tuple[Check, Scan, str]:
    symbol = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<"}[operator]
    rule = f"{field} {symbol} {_show(t)}"
    nt = _NUMBER_TYPES
    passes: Callable[[Any], bool]
    if operator == "gte":

        def scan(column: Column) -> list[int]:
            return [p for p, v in column.items() if not (type(v) in nt and v >= t)]

        def passes(v: Any) -> bool:
            return bool(v >= t)

    elif operator == "gt":

        def scan(column: Column) -> list[int]:
            return [p for p, v in column.items() if not (type(v) in nt and v > t)]

        def passes(v: Any) -> bool:
            return bool(v > t)

    elif operator == "lte":

        def scan(column: Column) -> list[int]:
            return [p for p, v in column.items() if not (type(v) in nt and v <= t)]

        def passes(v: Any) -> bool:
            return bool(v <= t)

    else:

        def scan(column: Column) -> list[int]:
            return [p for p, v in column.items() if not (type(v) in nt and v < t)]

        def passes(v: Any) -> bool:
            return bool(v < t)

    def check(value: Any) -> str | None:
        if type(value) not in nt:
            return _wrong(field, "a number", value)
        return None if passes(value) else f"expected {rule}, found {_show(value)}"

    return check, scan, rule


def _compile_eq(field: str, t: Any) -> tuple[Check, Scan, str]:
    rule = f"{field} == {_show(t)}"
    kinds: frozenset[type]
    if isinstance(t, bool):
        expected, kinds = "a bool", frozenset({bool})
    elif isinstance(t, str):
        expected, kinds = "a string", _STR_ONLY
    else:
        expected, kinds = "a number", _NUMBER_TYPES

    def check(value: Any) -> str | None:
        if type(value) not in kinds:
            return _wrong(field, expected, value)
        return None if value == t else f"expected {rule}, found {_show(value)}"

    def scan(column: Column) -> list[int]:
        return [p for p, v in column.items() if not (type(v) in kinds and v == t)]

    return check, scan, rule


def _scan_with(check: Check) -> Scan:
    """A scan that calls the check on every value: for the rare operators only."""

    def scan(column: Column) -> list[int]:
        return [pos for pos, value in column.items() if check(value) is not None]

    return scan


def _compile_list(field: str, operator: str, t: list[str]) -> tuple[Check, Scan, str]:
    folded = frozenset(item.casefold() for item in t)
    shown = _show(sorted(t))
    fold = str.casefold
    check: Check
    scan: Scan
    if operator in ("in", "not_in"):
        inside = operator == "in"
        rule = f"{field} {'in' if inside else 'not in'} {shown}"

        def check_scalar(value: Any) -> str | None:
            if type(value) is not str:
                return _wrong(field, "a string", value)
            if (value.casefold() in folded) == inside:
                return None
            return f"expected {rule}, found {_show(value)}"

        if inside:
            # Exact spellings that are in need no casefold call; anything else goes to the
            # check. (Only spellings whose casefold is in: the filter never passes a failure.)
            accepted = frozenset(x for x in folded | set(t) if x.casefold() in folded)

            def scan_in(column: Column) -> list[int]:
                return [p for p, v in column.items() if not (type(v) is str and v in accepted)]

        else:

            def scan_in(column: Column) -> list[int]:
                return [
                    p for p, v in column.items() if not (type(v) is str and fold(v) not in folded)
                ]

        check, scan = check_scalar, scan_in
    elif operator == "none_of":
        rule = f"{field} has none of {shown}"

        def check_none_of(value: Any) -> str | None:
            if type(value) is not list or not all(type(item) is str for item in value):
                return _wrong(field, "a list of strings", value)
            found = sorted({item for item in value if item.casefold() in folded})
            if not found:
                return None
            return f"expected {rule}, found {_show(found)}"

        def scan_none_of(column: Column) -> list[int]:
            # A plain loop allocates nothing per value (no sets, no tuples): no GC pressure.
            out = []
            for pos, value in column.items():
                if type(value) is list:
                    for item in value:
                        if type(item) is not str or fold(item) in folded:
                            break
                    else:
                        continue
                out.append(pos)
            return out

        check, scan = check_none_of, scan_none_of
    else:
        rule = f"{field} has all of {shown}"

        def check_all_of(value: Any) -> str | None:
            if type(value) is not list or not all(type(item) is str for item in value):
                return _wrong(field, "a list of strings", value)
            lacking = folded - {item.casefold() for item in value}
            if not lacking:
                return None
            return f"expected {rule}, lacking {_show(sorted(lacking))}"

        scan_all_of = _scan_with(check_all_of)

        check, scan = check_all_of, scan_all_of
    return check, scan, rule


def _compile_date(field: str, operator: str, t: Any) -> tuple[Check, Scan, str]:
    # Valid YYYY-MM-DD strings order like the days they name, so strings compare directly;
    # the scan lets through only strings inside the range and the check confirms the day.
    if operator == "within_date":
        start, end = str(t["from"]), str(t["to"])
        rule = f"{start} <= {field} <= {end}"
    elif operator == "before_date":
        start, end = "0000-00-00", str(t)
        rule = f"{field} before {end}"
    else:
        start, end = str(t), "9999-99-99"
        rule = f"{field} after {start}"
    closed = operator == "within_date"  # before/after exclude their limit
    is_day = _is_day  # the cached day check, called directly once the type is known

    def inside(day: str) -> bool:
        return start <= day <= end if closed else start < day < end

    def check(value: Any) -> str | None:
        if not is_date(value):
            return _wrong(field, "a date YYYY-MM-DD", value)
        return None if inside(value) else f"expected {rule}, found {value}"

    if closed:

        def scan(column: Column) -> list[int]:
            return [
                p
                for p, v in column.items()
                if not (type(v) is str and start <= v <= end and is_day(v))
            ]

    else:

        def scan(column: Column) -> list[int]:
            return [
                p
                for p, v in column.items()
                if not (type(v) is str and start < v < end and is_day(v))
            ]

    return check, scan, rule


def _compile_bool(field: str, operator: str) -> tuple[Check, Scan, str]:
    wanted = operator == "is_true"
    rule = f"{field} is {'true' if wanted else 'false'}"

    def check(value: Any) -> str | None:
        if value is wanted:
            return None
        if type(value) is bool:
            return f"expected {rule}, found {_show(value)}"
        return _wrong(field, "a bool", value)

    def scan(column: Column) -> list[int]:
        return [p for p, v in column.items() if v is not wanted]

    return check, scan, rule


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One criterion ready to run: its check, its column scan and its rule text."""

    criterion_id: str
    field: str
    severity: Severity
    check: Check
    scan: Scan
    rule: str


def _compile(criterion: Criterion) -> _Compiled:
    op, field, t = criterion.operator, criterion.field, criterion.threshold
    if op in ("gte", "gt", "lte", "lt"):
        parts = _compile_number(field, op, t)  # type: ignore[arg-type]  # checked on load
    elif op == "eq":
        parts = _compile_eq(field, t)
    elif op in ("in", "not_in", "none_of", "all_of"):
        parts = _compile_list(field, op, t)  # type: ignore[arg-type]  # checked on load
    elif op in ("within_date", "before_date", "after_date"):
        parts = _compile_date(field, op, t)
    elif op in ("is_true", "is_false"):
        parts = _compile_bool(field, op)
    else:  # unreachable for a loaded standard; fail closed all the same
        raise RuleEvaluationError(f"criterion {criterion.id}: unknown operator {op!r}")
    check, scan, rule = parts
    return _Compiled(criterion.id, field, criterion.severity, check, scan, rule)


# --- evaluations ---------------------------------------------------------------------------

NonPass = dict[int, tuple[FindingStatus, str]]
"""Subject position → (status, reason) for the findings of one criterion that did not pass."""


class _Outcome:
    """What the fast pass keeps: enough to build every finding on demand.

    Passing findings are not stored: a subject absent from a criterion's :data:`NonPass`
    passed, and its value is in the evidence column.
    """

    __slots__ = ("by_kind", "evidence", "findings", "nonpass", "subjects", "version")

    def __init__(
        self,
        subjects: list[tuple[str, str]],
        by_kind: dict[str, list[_Compiled]],
        evidence: _EvidenceIndex,
        nonpass: dict[str, list[NonPass]],
        version: FindingsVersion,
    ) -> None:
        self.subjects = subjects
        self.by_kind = by_kind
        self.evidence = evidence
        self.nonpass = nonpass
        self.version: FindingsVersion = version
        self.findings: tuple[Finding, ...] | None = None

    def build(self) -> tuple[Finding, ...]:
        if self.findings is not None:
            return self.findings
        out: list[Finding] = []
        for pos, (kind, subject_id) in enumerate(self.subjects):
            for compiled, bad in zip(self.by_kind[kind], self.nonpass[kind], strict=True):
                record = self.evidence.record(kind, compiled.field, pos)
                status, reason = bad.get(pos, (_OK, compiled.rule))
                value = observed_on = seq = evidence_id = None
                if record is not None:
                    value = None if record.value is _CONFLICT else record.value
                    observed_on, seq = record.observed_on, record.evidence_seq
                    evidence_id = record.evidence_id
                out.append(
                    Finding(
                        compiled.criterion_id,
                        kind,
                        subject_id,
                        status,
                        compiled.severity,
                        value,
                        observed_on,
                        seq,
                        reason,
                        evidence_id,
                        self.version,
                    )
                )
        self.findings = tuple(out)
        return self.findings


class Evaluation:
    """The findings of one standard on a set of subjects as of a day, and the result.

    Truthy iff the result is ``pass``. Read-only; equal when :meth:`to_dict` is equal.

    Attributes:
        standard_id: Id of the standard.
        version: Its version.
        standard_hash: :func:`~verifiers.standards.model.standard_hash` of the standard used.
        as_of: The evaluation day.
        product: The product evaluated, or ``None`` for all criteria of the standard.
        result: ``pass`` or ``fail``.
        reasons: Why, in English, one line per criterion with failed or missing findings and
            one about the minor tolerance; empty for a clean pass.
        failed_criterion_ids: Criteria with at least one failed or missing finding, sorted.
    """

    __slots__ = (
        "_outcome",
        "as_of",
        "failed_criterion_ids",
        "product",
        "reasons",
        "result",
        "standard_hash",
        "standard_id",
        "version",
    )

    standard_id: str
    version: int
    standard_hash: StandardHash
    as_of: str
    product: str | None
    result: Result
    reasons: tuple[str, ...]
    failed_criterion_ids: tuple[str, ...]
    _outcome: _Outcome

    def __init__(
        self,
        *,
        standard_id: str,
        version: int,
        standard_hash: StandardHash,
        as_of: str,
        product: str | None,
        result: Result,
        reasons: tuple[str, ...],
        failed_criterion_ids: tuple[str, ...],
        outcome: _Outcome,
    ) -> None:
        init = object.__setattr__  # the only writes; __setattr__ refuses all others
        init(self, "standard_id", standard_id)
        init(self, "version", version)
        init(self, "standard_hash", standard_hash)
        init(self, "as_of", as_of)
        init(self, "product", product)
        init(self, "result", result)
        init(self, "reasons", reasons)
        init(self, "failed_criterion_ids", failed_criterion_ids)
        init(self, "_outcome", outcome)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding, ordered by subject kind, subject id, then criterion id."""
        return self._outcome.build()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Evaluation is read-only; cannot set {name}")

    def __bool__(self) -> bool:
        return self.result == "pass"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Evaluation):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # equal by content, which is not hashed

    def __repr__(self) -> str:
        return (
            f"Evaluation({self.standard_id}@{self.version}, as_of={self.as_of}, "
            f"result={self.result}, findings={len(self.findings)})"
        )

    @property
    def findings_version(self) -> FindingsVersion:
        """How findings cite their deciding evidence: 1 by ledger seq, 2 by ``evidence_id``."""
        return self._outcome.version

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, deterministic: equal inputs give equal dicts and bytes."""
        return {
            "engine": ENGINE if self._outcome.version == 1 else ENGINE_V2,
            "standard_id": self.standard_id,
            "version": self.version,
            "standard_hash": self.standard_hash,
            "as_of": self.as_of,
            "product": self.product,
            "result": self.result,
            "reasons": list(self.reasons),
            "findings": [finding.to_dict() for finding in self.findings],
        }

    def canonical_bytes(self) -> bytes:
        """RFC 8785 bytes of :meth:`to_dict`: what a certifier signs and what is compared.

        Raises:
            EncodingError: an evidence value is outside what JCS encodes (not possible for
                values accepted by :class:`Evidence`).
        """
        return canonicalize(self.to_dict())


class RuleViolationError(VerificationError):
    """An evaluation ran and did not pass (raised by ``verify_evaluation``).

    Attributes:
        criterion_ids: Ids of the criteria with a failed or missing finding, sorted.
        evaluation: The full evaluation, for its findings and reasons.
    """

    def __init__(
        self,
        message: str,
        criterion_ids: tuple[str, ...] = (),
        evaluation: Evaluation | None = None,
    ) -> None:
        super().__init__(message)
        self.criterion_ids = criterion_ids
        self.evaluation = evaluation


def _subjects(subjects: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    unique: set[tuple[str, str]] = set()
    for subject in subjects:
        if not (isinstance(subject, tuple) and len(subject) == 2):
            raise TypeError(f"expected a (kind, id) pair as subject, found {subject!r}")
        kind, subject_id = subject
        if kind not in SUBJECT_KINDS:
            raise ValueError(f"expected a subject kind among {list(SUBJECT_KINDS)}, found {kind!r}")
        if not isinstance(subject_id, str) or not subject_id:
            raise ValueError(f"expected a subject id, found {subject_id!r}")
        unique.add(subject)  # the caller's tuple: no allocation per subject
    return sorted(unique)


class _EvidenceIndex:
    """The deciding evidence per (kind, field, subject position), as values and as records.

    ``values[kind][field]`` is the :data:`Column` the scans read. ``sources[kind][field]`` maps
    a position to the index of its record in ``items`` (a copy of the input) or,
    past its end, in ``extra`` (conflict markers): int-to-int dicts, which CPython does not
    track for garbage collection.
    """

    __slots__ = ("extra", "items", "sources", "values")

    def __init__(self, items: list[Evidence], by_kind: dict[str, list[_Compiled]]) -> None:
        self.items = items
        self.extra: list[_Conflicted] = []
        self.values: dict[str, dict[str, Column]] = {
            kind: {c.field: {} for c in compiled} for kind, compiled in by_kind.items()
        }
        self.sources: dict[str, dict[str, dict[int, int]]] = {
            kind: {c.field: {} for c in compiled} for kind, compiled in by_kind.items()
        }

    def record(self, kind: str, field: str, pos: int) -> Evidence | _Conflicted | None:
        """The deciding record of a subject's field, or ``None`` when there is none."""
        index = self.sources[kind][field].get(pos)
        if index is None:
            return None
        size = len(self.items)
        return self.items[index] if index < size else self.extra[index - size]


def _check_named(items: list[Evidence]) -> None:
    """Findings version 2 cites evidence by id: every record has one, each id once.

    Raises:
        ValueError: a record without ``evidence_id``, or an id given twice.
    """
    seen: set[str] = set()
    for item in items:
        evidence_id = item.evidence_id
        if evidence_id is None:
            raise ValueError("findings version 2 needs an evidence_id on every evidence record")
        if evidence_id in seen:
            raise ValueError(f"evidence_id {evidence_id!r} is given twice")
        seen.add(evidence_id)


def _index(
    evidence: Iterable[Evidence],
    scope: list[tuple[str, str]],
    by_kind: dict[str, list[_Compiled]],
    as_of: str,
    version: FindingsVersion = 1,
) -> _EvidenceIndex:
    """Index the deciding evidence for the subjects in scope and the fields the criteria read.

    Version 2 breaks a same-day tie by list position (the later record wins) instead of seq.
    """
    items = list(evidence)  # a copy: lazy findings must not see later changes to the input
    by_position = version == 2
    if by_position:
        _check_named(items)
    index = _EvidenceIndex(items, by_kind)
    size = len(items)
    slots: dict[str, tuple[dict[str, int], dict[str, tuple[dict[int, int], Column]]]] = {
        kind: (
            {},
            {f: (index.sources[kind][f], index.values[kind][f]) for f in index.values[kind]},
        )
        for kind in by_kind
    }
    for position, (kind, subject_id) in enumerate(scope):
        slots[kind][0][subject_id] = position
    slot_of = slots.get
    for at, item in enumerate(items):
        day = item.observed_on
        if day > as_of:  # valid ISO days order as strings; later evidence is ignored
            continue
        slot = slot_of(item.subject_kind)
        if slot is None:
            continue
        columns = slot[1].get(item.field)
        if columns is None:
            continue
        pos = slot[0].get(item.subject_id)
        if pos is None:
            continue
        sources, values = columns
        old_at = sources.setdefault(pos, at)
        if old_at == at:  # the first record for this subject and field
            values[pos] = item.value
            continue
        old = items[old_at] if old_at < size else index.extra[old_at - size]
        if day < old.observed_on:
            continue
        if day == old.observed_on and not by_position:
            new_seq = -1 if item.evidence_seq is None else item.evidence_seq
            old_seq = -1 if old.evidence_seq is None else old.evidence_seq
            if new_seq < old_seq:
                continue
            if new_seq == old_seq:
                if type(old.value) is not type(item.value) or old.value != item.value:
                    index.extra.append(_Conflicted(day, item.evidence_seq))
                    sources[pos] = size + len(index.extra) - 1
                    values[pos] = _CONFLICT
                continue
        sources[pos] = at
        values[pos] = item.value
    return index


def _decide(
    standard: Standard, outcome: _Outcome
) -> tuple[Result, tuple[str, ...], tuple[str, ...]]:
    """Apply the overall rule; return the result, the reasons and the failed criterion ids."""
    totals: dict[str, int] = {}
    for kind, _ in outcome.subjects:
        totals[kind] = totals.get(kind, 0) + 1
    lines: dict[str, list[tuple[str, str]]] = {severity: [] for severity in SEVERITIES}
    bad_count = dict.fromkeys(SEVERITIES, 0)
    failed_ids: list[str] = []
    for kind, compiled_list in outcome.by_kind.items():
        for compiled, bad in zip(compiled_list, outcome.nonpass[kind], strict=True):
            if not bad:
                continue
            missing = sum(1 for status, _ in bad.values() if status == _MISSING)
            examples = [f"{kind}:{outcome.subjects[pos][1]}" for pos in sorted(bad)[:3]]
            more = ", …" if len(bad) > len(examples) else ""
            bad_count[compiled.severity] += len(bad)
            failed_ids.append(compiled.criterion_id)
            lines[compiled.severity].append(
                (
                    compiled.criterion_id,
                    f"{compiled.severity} {compiled.criterion_id}: not met on {len(bad)} of "
                    f"{totals[kind]} {kind} subject(s) ({len(bad) - missing} failed, {missing} "
                    f"missing), e.g. {', '.join(examples)}{more}",
                )
            )
    reasons = [text for severity in SEVERITIES for _, text in sorted(lines[severity])]
    tolerance = standard.minor_fail_tolerance
    minor = bad_count["minor"]
    if minor:
        verdict = "exceeding" if minor > tolerance else "within"
        reasons.append(
            f"minor: {minor} failed or missing finding(s), {verdict} the tolerance of {tolerance}"
        )
    passed = bad_count["critical"] == 0 and bad_count["major"] == 0 and minor <= tolerance
    result: Result = "pass" if passed else "fail"
    return result, tuple(reasons), tuple(sorted(failed_ids))


def evaluate(
    standard: Standard,
    subjects: Iterable[tuple[str, str]],
    evidence: Iterable[Evidence],
    as_of: str,
    product: str | None = None,
    findings_version: FindingsVersion = 1,
) -> Evaluation:
    """Evaluate evidence about subjects against a standard, as of a day.

    Only (subject, criterion) pairs of matching kind give findings. Criteria of a kind absent
    from ``subjects`` are not evaluated (an apiary scope against ``honey-ab`` leaves its lot
    criteria for the lots, at label time), and subjects of a kind no criterion applies to give
    no findings (an association subject against ``cacao-ab``). If that leaves nothing at all
    to evaluate, the call fails closed.

    Args:
        standard: The standard (validated on load).
        subjects: ``(kind, id)`` pairs in scope, e.g. ``("plot", "P-001")``; duplicates are
            merged.
        evidence: Records about any subjects; those about other subjects or fields, and those
            observed after ``as_of``, are ignored.
        as_of: The evaluation day ``YYYY-MM-DD``; evidence observed on that day counts.
        product: Evaluate only the criteria for this product; ``None`` evaluates every
            criterion of the standard.
        findings_version: 1 (findings cite ``evidence_seq``; same-day ties by seq) or 2
            (findings cite ``evidence_id``; same-day ties by list position, see step 3).

    Returns:
        The evaluation: the overall result now, findings built on first access.

    Raises:
        RuleEvaluationError: no subjects, a product the standard does not cover, or no
            criterion applicable to any subject (fail closed).
        ValueError: ``as_of`` is not a date, a subject kind or id is invalid, or (version 2)
            a record has no ``evidence_id`` or shares one with another.
        TypeError: a subject is not a ``(kind, id)`` pair.
    """
    # Step 1: validate the call and compile the applicable criteria, by kind and id.
    if not is_date(as_of):
        raise ValueError(f"expected as_of as YYYY-MM-DD, found {as_of!r}")
    if findings_version not in (1, 2):
        raise ValueError(f"expected findings_version 1 or 2, found {findings_version!r}")
    if product is not None and product not in standard.products:
        raise RuleEvaluationError(
            f"standard {standard.key} does not cover product {product!r} "
            f"(it covers {', '.join(standard.products)})"
        )
    by_kind: dict[str, list[_Compiled]] = {}
    for criterion in sorted(standard.criteria, key=lambda c: c.id):
        if product is None or criterion.products is None or product in criterion.products:
            by_kind.setdefault(criterion.applies_to, []).append(_compile(criterion))

    # Step 2: keep the subjects some criterion applies to; fail closed if none is left.
    given = _subjects(subjects)
    if not given:
        raise RuleEvaluationError(f"no subjects to evaluate against {standard.key}")
    scope = [subject for subject in given if subject[0] in by_kind]
    if not scope:
        of_product = f" of product {product}" if product else ""
        kinds = sorted({kind for kind, _ in given})
        raise RuleEvaluationError(
            f"standard {standard.key} has no criterion{of_product} for "
            f"{', '.join(kinds)} subjects: nothing to evaluate"
        )

    # Step 3: index the deciding evidence per (kind, field, subject).
    index = _index(evidence, scope, by_kind, as_of, findings_version)

    # Step 4: scan each criterion's column; keep only what did not pass. Subjects of one kind
    # are contiguous in the sorted scope, and a column holds only that kind's positions.
    first: dict[str, int] = {}
    for pos, (kind, _) in enumerate(scope):
        first.setdefault(kind, pos)
    nonpass: dict[str, list[NonPass]] = {}
    for kind, compiled_list in by_kind.items():
        positions = range(
            first.get(kind, 0), first.get(kind, 0) + sum(1 for k, _ in scope if k == kind)
        )
        lists = nonpass[kind] = []
        for compiled in compiled_list:
            column = index.values[kind][compiled.field]
            bad: NonPass = {}
            for pos in compiled.scan(column):
                reason = compiled.check(column[pos])  # the check decides, not the scan
                if reason is not None:
                    bad[pos] = (_FAIL, reason)
            if len(column) < len(positions):
                missing = f"no evidence for {compiled.field} observed on or before {as_of}"
                for pos in positions:
                    if pos not in column:
                        bad[pos] = (_MISSING, missing)
            lists.append(bad)

    # Step 5: decide.
    outcome = _Outcome(scope, by_kind, index, nonpass, findings_version)
    result, reasons, failed = _decide(standard, outcome)
    return Evaluation(
        standard_id=standard.id,
        version=standard.version,
        standard_hash=standard_hash(standard),
        as_of=as_of,
        product=product,
        result=result,
        reasons=reasons,
        failed_criterion_ids=failed,
        outcome=outcome,
    )


def check_evaluation(
    standard: Standard,
    subjects: Iterable[tuple[str, str]],
    evidence: Iterable[Evidence],
    as_of: str,
    product: str | None = None,
) -> Evaluation:
    """Evaluate without raising on a failing result; the returned evaluation is truthy iff pass.

    Same arguments as :func:`evaluate`.

    Raises:
        RuleEvaluationError: nothing to evaluate (see :func:`evaluate`): failing closed is
            never turned into a result.
        ValueError: invalid ``as_of`` or subjects.
        TypeError: a subject is not a ``(kind, id)`` pair.
    """
    return evaluate(standard, subjects, evidence, as_of, product)


def verify_evaluation(
    standard: Standard,
    subjects: Iterable[tuple[str, str]],
    evidence: Iterable[Evidence],
    as_of: str,
    product: str | None = None,
) -> Evaluation:
    """Evaluate and raise unless the result is ``pass``.

    Same arguments as :func:`evaluate`.

    Returns:
        The passing evaluation.

    Raises:
        RuleViolationError: the result is ``fail``; ``criterion_ids`` and ``evaluation`` say
            why.
        RuleEvaluationError: nothing to evaluate (see :func:`evaluate`).
        ValueError: invalid ``as_of`` or subjects.
        TypeError: a subject is not a ``(kind, id)`` pair.
    """
    evaluation = evaluate(standard, subjects, evidence, as_of, product)
    if not evaluation:
        raise RuleViolationError(
            f"standard {standard.key} not met as of {as_of}: {'; '.join(evaluation.reasons)}",
            criterion_ids=evaluation.failed_criterion_ids,
            evaluation=evaluation,
        )
    return evaluation


def _first_difference(recorded: Mapping[str, Any], engine: dict[str, Any]) -> str:
    for key in engine:
        if key != "findings" and recorded.get(key) != engine[key]:
            return f"{key}: recorded {_show(recorded.get(key))}, engine {_show(engine[key])}"
    extra = sorted(set(recorded) - set(engine))
    if extra:
        return f"unexpected keys {extra}"
    return describe_findings_difference(recorded.get("findings"), engine["findings"])


def describe_findings_difference(recorded: object, engine: list[dict[str, Any]]) -> str:
    """Name the first place where recorded findings part from the engine's, for a message.

    A certifier whose verification is refused needs to know which criterion on which subject
    to look at, not only that "something" differs among a thousand findings.
    """
    if not isinstance(recorded, list):
        return "findings: recorded value is not a list"
    for index, (mine, other) in enumerate(zip(engine, recorded, strict=False)):
        if mine != other:
            label = f"{mine['criterion_id']} {mine['subject_kind']}:{mine['subject_id']}"
            if not isinstance(other, dict):
                return f"findings.{index} ({label}): recorded value is not an object"
            for key, value in mine.items():
                if other.get(key) != value:
                    return (
                        f"findings.{index} ({label}): {key} recorded {_show(other.get(key))}, "
                        f"engine {_show(value)}"
                    )
            return f"findings.{index} ({label}): unexpected keys"
    if len(recorded) != len(engine):
        return f"findings: recorded {len(recorded)}, engine {len(engine)}"
    return "findings are equal"


def findings_digest(findings: list[dict[str, Any]]) -> str:
    """SHA-256 (hex) of the RFC 8785 bytes of a findings list.

    What a certifier signs instead of the findings themselves when a verification covers
    many subjects: the list is deterministic (:meth:`Evaluation.to_dict`), so the ledger
    recomputes it from the recorded evidence and compares digests, and the statement stays
    small whatever the size of the association.
    """
    return hashlib.sha256(canonicalize(findings)).hexdigest()


def verify_findings_match(recorded: Mapping[str, Any], evaluation: Evaluation) -> None:
    """Check that recorded findings (e.g. from a signed certificate) are the engine's own.

    The comparison is over RFC 8785 bytes of :meth:`Evaluation.to_dict`, so key order and
    number spelling in ``recorded`` do not matter; any other difference does.

    Args:
        recorded: The evaluation dict as recorded (parsed JSON).
        evaluation: The engine's evaluation of the same standard, subjects, evidence and day.

    Raises:
        FindingsMismatchError: the two differ; the message names the first difference.
    """
    # Step 1: canonical bytes of both sides.
    try:
        theirs = canonicalize(dict(recorded))
    except EncodingError as exc:
        raise FindingsMismatchError(f"recorded findings are not canonical JSON: {exc}") from exc
    mine = evaluation.to_dict()
    # Step 2: byte comparison; step 3: on mismatch, name the first difference.
    if theirs != canonicalize(mine):
        raise FindingsMismatchError(
            f"recorded findings differ from the engine's: {_first_difference(recorded, mine)}"
        )
