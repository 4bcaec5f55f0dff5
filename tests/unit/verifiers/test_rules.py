"""The rule engine: findings per criterion and subject, the overall rule, determinism."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifiers.errors import FindingsMismatchError, RuleEvaluationError
from verifiers.rules import (
    ENGINE,
    Evaluation,
    Evidence,
    Finding,
    RuleViolationError,
    check_evaluation,
    evaluate,
    verify_evaluation,
    verify_findings_match,
)
from verifiers.standards import Criterion, Standard, shipped_standards, standard_hash

from .builders import (
    AS_OF,
    DROP,
    OBSERVED,
    SUBJECT_IDS,
    criterion_dict,
    failing_value,
    make_standard,
    passing_evidence,
    passing_value,
    replace_value,
    shift,
    subjects_for,
)

SHIPPED = shipped_standards()
ALL_CRITERIA = [(key, c) for key, s in sorted(SHIPPED.items()) for c in s.criteria]
CRITICAL = [(key, c) for key, c in ALL_CRITERIA if c.severity == "critical"]


def _ids(cases: list[tuple[str, Criterion]]) -> list[str]:
    return [f"{key}:{c.id}" for key, c in cases]


def _not_passing(evaluation: Evaluation) -> list[Finding]:
    return [f for f in evaluation.findings if f.status != "pass"]


def _rule_holds(findings: tuple[Finding, ...], tolerance: int) -> bool:
    """The overall rule, written independently of the engine."""
    bad = [f for f in findings if f.status != "pass"]
    return (
        not any(f.severity in ("critical", "major") for f in bad)
        and sum(f.severity == "minor" for f in bad) <= tolerance
    )


# --------------------------------------------------------------------------- shipped standards


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_passing_fixture_passes(key: str) -> None:
    standard = SHIPPED[key]
    evaluation = evaluate(standard, subjects_for(standard), passing_evidence(standard), AS_OF)
    assert evaluation.result == "pass"
    assert evaluation
    assert evaluation.reasons == ()
    assert evaluation.failed_criterion_ids == ()
    assert len(evaluation.findings) == len(standard.criteria)
    assert all(f.status == "pass" and f.observed_on == OBSERVED for f in evaluation.findings)
    assert evaluation.standard_hash == standard_hash(standard)


@pytest.mark.parametrize(("key", "criterion"), CRITICAL, ids=_ids(CRITICAL))
def test_failing_one_critical_criterion_fails_exactly_it(key: str, criterion: Criterion) -> None:
    standard = SHIPPED[key]
    evidence = replace_value(passing_evidence(standard), criterion.field, failing_value(criterion))
    evaluation = evaluate(standard, subjects_for(standard), evidence, AS_OF)
    assert evaluation.result == "fail"
    assert evaluation.failed_criterion_ids == (criterion.id,)
    [finding] = _not_passing(evaluation)
    assert (finding.criterion_id, finding.status, finding.severity) == (
        criterion.id,
        "fail",
        "critical",
    )
    assert finding.reason.startswith("expected ")
    assert evaluation.reasons[0].startswith(f"critical {criterion.id}: not met on 1 of 1")
    with pytest.raises(RuleViolationError) as info:
        verify_evaluation(standard, subjects_for(standard), evidence, AS_OF)
    assert info.value.criterion_ids == (criterion.id,)
    assert info.value.evaluation == evaluation


@pytest.mark.parametrize(("key", "criterion"), ALL_CRITERIA, ids=_ids(ALL_CRITERIA))
def test_each_criterion_boundary_and_severity(key: str, criterion: Criterion) -> None:
    standard = SHIPPED[key]
    subjects = subjects_for(standard)
    failing = replace_value(passing_evidence(standard), criterion.field, failing_value(criterion))
    evaluation = evaluate(standard, subjects, failing, AS_OF)
    assert [f.criterion_id for f in _not_passing(evaluation)] == [criterion.id]
    # One minor failure is within the shipped tolerance of 1; critical and major fail.
    assert evaluation.result == ("pass" if criterion.severity == "minor" else "fail")
    # The passing value sits on the boundary where there is one (gte 40 passes at 40).
    at_boundary = replace_value(
        passing_evidence(standard), criterion.field, passing_value(criterion)
    )
    assert evaluate(standard, subjects, at_boundary, AS_OF).result == "pass"


@pytest.mark.parametrize(("key", "criterion"), ALL_CRITERIA, ids=_ids(ALL_CRITERIA))
def test_missing_evidence_never_passes(key: str, criterion: Criterion) -> None:
    standard = SHIPPED[key]
    evidence = [e for e in passing_evidence(standard) if e.field != criterion.field]
    evaluation = evaluate(standard, subjects_for(standard), evidence, AS_OF)
    [finding] = _not_passing(evaluation)
    assert finding.criterion_id == criterion.id
    assert finding.status == "missing"
    assert finding.value is None and finding.observed_on is None
    assert finding.reason == f"no evidence for {criterion.field} observed on or before {AS_OF}"
    assert evaluation.result == ("pass" if criterion.severity == "minor" else "fail")


def test_no_evidence_at_all_fails_every_criterion() -> None:
    standard = SHIPPED["coffee-ab@1"]
    evaluation = evaluate(standard, subjects_for(standard), [], AS_OF)
    assert evaluation.result == "fail"
    assert {f.status for f in evaluation.findings} == {"missing"}
    assert evaluation.failed_criterion_ids == tuple(sorted(c.id for c in standard.criteria))


def test_wrong_type_values_fail_with_a_reason() -> None:
    standard = SHIPPED["honey-ab@1"]
    subjects = subjects_for(standard)
    base = passing_evidence(standard)
    for field, value, reason in [
        ("moisture_pct", "18", 'expected a number for moisture_pct, found "18"'),
        ("moisture_pct", True, "expected a number for moisture_pct, found true"),
        ("moisture_pct", None, "expected a number for moisture_pct, found null"),
        ("wax_foundation_organic", 1, "expected a bool for wax_foundation_organic, found 1"),
        ("varroa_treatments", "thymol", "expected a list of strings for varroa_treatments"),
        ("varroa_treatments", ["thymol", 3], "expected a list of strings for varroa_treatments"),
    ]:
        evaluation = evaluate(standard, subjects, replace_value(base, field, value), AS_OF)
        [finding] = _not_passing(evaluation)
        assert finding.status == "fail"
        assert finding.reason.startswith(reason), finding.reason
        assert finding.value == value


# --------------------------------------------------------------------------- evidence in time


def _shade_standard() -> Standard:
    return make_standard([criterion_dict(id="S-SHADE", field="shade_pct", threshold=40, unit="%")])


def _shade(value: Any, day: str, seq: int | None = None, plot: str = "P-1") -> Evidence:
    return Evidence("plot", plot, "shade_pct", value, day, seq)


def test_latest_evidence_on_or_before_as_of_wins() -> None:
    standard = _shade_standard()
    evidence = [
        _shade(30, "2026-01-10"),
        _shade(50, "2026-03-01"),
        _shade(20, "2026-09-01"),  # after as_of: ignored
    ]
    random.Random(7).shuffle(evidence)
    plots = [("plot", "P-1")]

    def finding(as_of: str) -> Finding:
        [only] = evaluate(standard, plots, evidence, as_of).findings
        return only

    assert (finding("2026-06-01").status, finding("2026-06-01").value) == ("pass", 50)
    assert finding("2026-06-01").observed_on == "2026-03-01"
    assert finding("2026-03-01").status == "pass"  # evidence of the as_of day counts
    assert (finding("2026-02-28").status, finding("2026-02-28").value) == ("fail", 30)
    assert finding("2026-09-01").status == "fail"
    assert finding("2026-01-09").status == "missing"


def test_same_day_evidence_is_ordered_by_seq_and_conflicts_fail() -> None:
    standard = _shade_standard()
    plots = [("plot", "P-1")]
    ranked = [_shade(30, OBSERVED, 5), _shade(45, OBSERVED, 9), _shade(10, OBSERVED)]
    for order in (ranked, ranked[::-1]):
        [only] = evaluate(standard, plots, order, AS_OF).findings
        assert (only.status, only.value, only.evidence_seq) == ("pass", 45, 9)
    # Same day, no seq, same value: one fact recorded twice.
    [twice] = evaluate(
        standard, plots, [_shade(45, OBSERVED), _shade(45, OBSERVED)], AS_OF
    ).findings
    assert twice.status == "pass"
    # Same day and seq, different values: which one holds is unknowable, so it fails.
    for values in ([45, 50], [45, 45.5], [1, True]):
        records = [_shade(v, OBSERVED) for v in values]
        [conflict] = evaluate(standard, plots, records, AS_OF).findings
        assert conflict.status == "fail"
        assert conflict.value is None
        assert conflict.reason.startswith("conflicting evidence for shade_pct")
    # A later record settles a conflict.
    settled = [_shade(45, OBSERVED), _shade(50, OBSERVED), _shade(41, AS_OF)]
    assert evaluate(standard, plots, settled, AS_OF).result == "pass"


def test_evidence_about_other_subjects_and_fields_is_ignored() -> None:
    standard = _shade_standard()
    evidence = [
        _shade(50, OBSERVED, plot="P-1"),
        _shade(10, OBSERVED, plot="P-OTHER"),
        Evidence("lot", "P-1", "shade_pct", 10, OBSERVED),
        Evidence("plot", "P-1", "unrelated_field", "x", OBSERVED),
    ]
    evaluation = evaluate(standard, [("plot", "P-1")], evidence, AS_OF)
    assert evaluation.result == "pass"
    assert [(f.subject_id, f.value) for f in evaluation.findings] == [("P-1", 50)]


# --------------------------------------------------------------------------- overall rule


@pytest.mark.parametrize(
    ("minor_failures", "result"), [(0, "pass"), (1, "pass"), (2, "fail"), (3, "fail")]
)
def test_minor_tolerance_boundary_on_honey(minor_failures: int, result: str) -> None:
    standard = SHIPPED["honey-ab@1"]
    assert standard.minor_fail_tolerance == 1
    minors = [c for c in standard.criteria if c.severity == "minor"]
    evidence = passing_evidence(standard)
    for criterion in minors[:minor_failures]:
        evidence = replace_value(evidence, criterion.field, failing_value(criterion))
    evaluation = evaluate(standard, subjects_for(standard), evidence, AS_OF)
    assert evaluation.result == result
    if minor_failures:
        verdict = "within" if result == "pass" else "exceeding"
        assert evaluation.reasons[-1] == (
            f"minor: {minor_failures} failed or missing finding(s), {verdict} the tolerance of 1"
        )


def test_minor_tolerance_counts_findings_over_all_subjects_and_missing() -> None:
    standard = make_standard([criterion_dict(id="M-1", severity="minor")], minor_fail_tolerance=2)
    plots = [("plot", f"P-{i}") for i in range(4)]
    good = [Evidence("plot", f"P-{i}", "x_count", 10, OBSERVED) for i in range(4)]
    # Two plots without evidence: 2 missing minor findings, within the tolerance of 2.
    assert evaluate(standard, plots, good[:2], AS_OF).result == "pass"
    # A third bad plot (a failure this time) exceeds it.
    third = Evidence("plot", "P-1", "x_count", 9, OBSERVED)
    evaluation = evaluate(standard, plots, [good[0], third], AS_OF)
    assert evaluation.result == "fail"
    assert evaluation.reasons == (
        "minor M-1: not met on 3 of 4 plot subject(s) (1 failed, 2 missing), "
        "e.g. plot:P-1, plot:P-2, plot:P-3",
        "minor: 3 failed or missing finding(s), exceeding the tolerance of 2",
    )


def test_zero_tolerance_and_major_failures() -> None:
    standard = make_standard(
        [
            criterion_dict(id="A-MINOR", field="a_count", severity="minor"),
            criterion_dict(id="B-MAJOR", field="b_count", severity="major"),
        ],
        minor_fail_tolerance=0,
    )
    plots = [("plot", "P-1")]
    both = [
        Evidence("plot", "P-1", "a_count", 10, OBSERVED),
        Evidence("plot", "P-1", "b_count", 10, OBSERVED),
    ]
    assert evaluate(standard, plots, both, AS_OF).result == "pass"
    assert evaluate(standard, plots, both[1:], AS_OF).result == "fail"  # one missing minor
    evaluation = evaluate(standard, plots, both[:1], AS_OF)
    assert evaluation.result == "fail"
    assert evaluation.reasons == (
        "major B-MAJOR: not met on 1 of 1 plot subject(s) (0 failed, 1 missing), e.g. plot:P-1",
    )


# --------------------------------------------------------------------------- operators


@dataclass
class OperatorCase:
    operator: str
    threshold: Any
    unit: str
    value: Any
    status: str


OPERATOR_CASES = [
    OperatorCase("gte", 40, "%", 40, "pass"),
    OperatorCase("gte", 40, "%", 39.99, "fail"),
    OperatorCase("gte", 40, "%", True, "fail"),
    OperatorCase("gt", 50, "%", 50, "fail"),
    OperatorCase("gt", 50, "%", 50.5, "pass"),
    OperatorCase("lte", 7.5, "%", 7.5, "pass"),
    OperatorCase("lte", 7.5, "%", 7.51, "fail"),
    OperatorCase("lt", 3, "%", 3, "fail"),
    OperatorCase("lt", 3, "%", 2, "pass"),
    OperatorCase("lt", 3, "%", "2", "fail"),
    OperatorCase("eq", 3, "count", 3.0, "pass"),
    OperatorCase("eq", 1, "count", True, "fail"),
    OperatorCase("eq", "rustic", "category", "rustic", "pass"),
    OperatorCase("eq", "rustic", "category", "Rustic", "fail"),
    OperatorCase("eq", True, "bool", True, "pass"),
    OperatorCase("eq", True, "bool", 1, "fail"),
    OperatorCase("in", ["rustic", "polyculture"], "category", "Polyculture", "pass"),
    OperatorCase("in", ["rustic", "polyculture"], "category", "rustic", "pass"),
    OperatorCase("in", ["rustic", "polyculture"], "category", "sun", "fail"),
    OperatorCase("in", ["rustic"], "category", ["rustic"], "fail"),
    OperatorCase("not_in", ["sun"], "category", "SUN", "fail"),
    OperatorCase("not_in", ["sun"], "category", "rustic", "pass"),
    OperatorCase("not_in", ["sun"], "category", 3, "fail"),
    OperatorCase("none_of", ["paraquat", "fipronil"], "list", [], "pass"),
    OperatorCase("none_of", ["paraquat", "fipronil"], "list", ["urea", "copper"], "pass"),
    OperatorCase("none_of", ["paraquat", "fipronil"], "list", ["urea", "Paraquat"], "fail"),
    OperatorCase("none_of", ["paraquat"], "list", "urea", "fail"),
    OperatorCase("none_of", ["paraquat"], "list", ["urea", None], "fail"),
    OperatorCase("all_of", ["a", "b"], "list", ["B", "a", "c"], "pass"),
    OperatorCase("all_of", ["a", "b"], "list", ["a"], "fail"),
    OperatorCase("all_of", ["a", "b"], "list", ["a", "b", 1], "fail"),
    OperatorCase(
        "within_date", {"from": "2026-01-01", "to": "2026-06-30"}, "date", "2026-01-01", "pass"
    ),
    OperatorCase(
        "within_date", {"from": "2026-01-01", "to": "2026-06-30"}, "date", "2026-06-30", "pass"
    ),
    OperatorCase(
        "within_date", {"from": "2026-01-01", "to": "2026-06-30"}, "date", "2026-07-01", "fail"
    ),
    OperatorCase(
        "within_date", {"from": "2026-01-01", "to": "2026-06-30"}, "date", "2026-02-30", "fail"
    ),
    OperatorCase("before_date", "2021-01-01", "date", "2020-12-31", "pass"),
    OperatorCase("before_date", "2021-01-01", "date", "2021-01-01", "fail"),
    OperatorCase("before_date", "2021-01-01", "date", "20201231", "fail"),
    OperatorCase("before_date", "2021-01-01", "date", "2020-W01-1", "fail"),
    OperatorCase("after_date", "2020-12-31", "date", "2021-01-01", "pass"),
    OperatorCase("after_date", "2020-12-31", "date", "2020-12-31", "fail"),
    OperatorCase("after_date", "2020-12-31", "date", "9999-99-99", "fail"),
    OperatorCase("is_true", None, "bool", True, "pass"),
    OperatorCase("is_true", None, "bool", False, "fail"),
    OperatorCase("is_true", None, "bool", "true", "fail"),
    OperatorCase("is_true", None, "bool", 1, "fail"),
    OperatorCase("is_false", None, "bool", False, "pass"),
    OperatorCase("is_false", None, "bool", 0, "fail"),
]


@pytest.mark.parametrize(
    "case",
    OPERATOR_CASES,
    ids=[f"{c.operator}-{json.dumps(c.value)}-{c.status}" for c in OPERATOR_CASES],
)
def test_operator(case: OperatorCase) -> None:
    threshold = DROP if case.threshold is None else case.threshold
    standard = make_standard(
        [criterion_dict(operator=case.operator, threshold=threshold, unit=case.unit)]
    )
    evidence = [Evidence("plot", "P-1", "x_count", case.value, OBSERVED)]
    [finding] = evaluate(standard, [("plot", "P-1")], evidence, AS_OF).findings
    assert finding.status == case.status, finding.reason
    assert finding.value == case.value
    if case.status == "fail":
        assert finding.reason.startswith(("expected ", "conflicting")), finding.reason


# --------------------------------------------------------------------------- scope, products


def test_fail_closed_when_nothing_to_evaluate() -> None:
    honey = SHIPPED["honey-ab@1"]
    with pytest.raises(RuleEvaluationError, match="no subjects"):
        evaluate(honey, [], passing_evidence(honey), AS_OF)
    with pytest.raises(RuleEvaluationError, match="no criterion for plot subjects"):
        evaluate(honey, [("plot", "P-1")], [], AS_OF)
    with pytest.raises(RuleEvaluationError, match="does not cover product 'coffee'"):
        evaluate(honey, subjects_for(honey), passing_evidence(honey), AS_OF, product="coffee")
    with pytest.raises(RuleEvaluationError, match="nothing to evaluate"):
        verify_evaluation(honey, [("association", "ORG-1")], [], AS_OF)
    with pytest.raises(RuleEvaluationError):
        check_evaluation(honey, [("association", "ORG-1")], [], AS_OF)


def test_subjects_without_criteria_get_no_findings() -> None:
    cacao = SHIPPED["cacao-ab@1"]  # no association criterion
    subjects = [("association", "ORG-1"), *subjects_for(cacao)]
    evaluation = evaluate(cacao, subjects, passing_evidence(cacao), AS_OF)
    assert evaluation.result == "pass"
    assert {f.subject_kind for f in evaluation.findings} == {"plot", "lot"}
    # An apiary-only scope against honey-ab leaves the lot criteria out.
    honey = SHIPPED["honey-ab@1"]
    apiaries = evaluate(honey, [("apiary", "A-001")], passing_evidence(honey), AS_OF)
    assert {f.criterion_id[:4] for f in apiaries.findings} == {"HAB-"}
    assert {f.subject_kind for f in apiaries.findings} == {"apiary"}


def test_product_selects_criteria() -> None:
    standard = make_standard(
        [
            criterion_dict(id="B-BOTH", field="both_count"),
            criterion_dict(id="C-CACAO", field="cacao_count", products=["cacao"]),
        ],
        products=["coffee", "cacao"],
    )
    evidence = [Evidence("plot", "P-1", "both_count", 10, OBSERVED)]
    plots = [("plot", "P-1")]
    coffee = evaluate(standard, plots, evidence, AS_OF, product="coffee")
    assert [f.criterion_id for f in coffee.findings] == ["B-BOTH"]
    assert coffee.result == "pass" and coffee.product == "coffee"
    assert evaluate(standard, plots, evidence, AS_OF, product="cacao").result == "fail"
    assert evaluate(standard, plots, evidence, AS_OF).result == "fail"  # None: every criterion


def test_bad_arguments() -> None:
    standard = _shade_standard()
    with pytest.raises(ValueError, match="as_of"):
        evaluate(standard, [("plot", "P-1")], [], "2026-6-1")
    with pytest.raises(ValueError, match="subject kind"):
        evaluate(standard, [("org", "P-1")], [], AS_OF)
    with pytest.raises(ValueError, match="subject id"):
        evaluate(standard, [("plot", "")], [], AS_OF)
    with pytest.raises(TypeError, match="pair"):
        evaluate(standard, ["plot:P-1"], [], AS_OF)  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subject_kind": "org"}, "subject kind"),
        ({"subject_id": ""}, "subject id"),
        ({"field": ""}, "field name"),
        ({"observed_on": "2026-02-30"}, "observed_on"),
        ({"observed_on": "20260101"}, "observed_on"),
        ({"evidence_seq": -1}, "evidence_seq"),
        ({"evidence_seq": True}, "evidence_seq"),
        ({"evidence_id": ""}, "evidence_id"),
        ({"evidence_id": 7}, "evidence_id"),
        ({"value": {"a": 1}}, "JSON scalar"),
        ({"value": [[1]]}, "JSON scalar"),
        ({"value": float("nan")}, "JSON scalar"),
        ({"value": [float("inf")]}, "JSON scalar"),
    ],
)
def test_invalid_evidence_is_refused(overrides: dict[str, Any], message: str) -> None:
    data = {
        "subject_kind": "plot",
        "subject_id": "P-1",
        "field": "x",
        "value": 1,
        "observed_on": OBSERVED,
        "evidence_seq": 3,
        **overrides,
    }
    with pytest.raises(ValueError, match=message):
        Evidence(**data)


def test_evidence_dict_round_trip() -> None:
    evidence = Evidence("lot", "L-1", "moisture_pct", 18.2, OBSERVED, 12)
    assert Evidence.from_dict(evidence.to_dict()) == evidence
    named = Evidence("lot", "L-1", "moisture_pct", 18.2, OBSERVED, evidence_id="ev-1")
    assert Evidence.from_dict(named.to_dict()) == named
    assert Evidence.from_dict({k: v for k, v in evidence.to_dict().items() if k != "evidence_seq"})
    with pytest.raises(ValueError, match="unknown evidence keys"):
        Evidence.from_dict({**evidence.to_dict(), "method": "lab"})
    with pytest.raises(ValueError, match="missing the key 'value'"):
        Evidence.from_dict({k: v for k, v in evidence.to_dict().items() if k != "value"})


# --------------------------------------------------------------------------- output


def test_to_dict_is_deterministic_and_ordered() -> None:
    standard = SHIPPED["coffee-ab@1"]
    plots = [("plot", f"P-{i:03d}") for i in range(5)]
    subjects = [("association", "ORG-1"), *plots]
    evidence = [
        Evidence(kind, subject_id, c.field, passing_value(c), shift(OBSERVED, i), i)
        for i, (kind, subject_id) in enumerate(subjects)
        for c in standard.criteria
        if c.applies_to == kind
    ]
    evidence.append(Evidence("plot", "P-003", "shade_cover_pct", 12, AS_OF, 999))
    first = evaluate(standard, subjects, evidence, AS_OF)
    rng = random.Random(1)
    for _ in range(3):
        rng.shuffle(evidence)
        shuffled = [*subjects[::-1], subjects[2]]  # order and duplicates do not matter
        again = evaluate(standard, shuffled, evidence, AS_OF)
        assert again.canonical_bytes() == first.canonical_bytes()
        assert again == first
    keys = [(f.subject_kind, f.subject_id, f.criterion_id) for f in first.findings]
    assert keys == sorted(keys)
    data = first.to_dict()
    assert list(data) == [
        "engine",
        "standard_id",
        "version",
        "standard_hash",
        "as_of",
        "product",
        "result",
        "reasons",
        "findings",
    ]
    assert data["engine"] == ENGINE
    assert data["result"] == "fail"
    assert data["findings"][0] == {
        "criterion_id": "CAB-ORGANIC-CERTIFICATE",
        "subject_kind": "association",
        "subject_id": "ORG-1",
        "status": "pass",
        "severity": "major",
        "value": True,
        "observed_on": OBSERVED,
        "evidence_seq": 0,
        "reason": "organic_certificate_valid is true",
    }
    assert json.loads(json.dumps(data)) == data  # JSON-ready
    assert first.findings is first.findings  # built once


def test_verify_and_check_naming() -> None:
    standard = SHIPPED["cacao-ab@1"]
    subjects = subjects_for(standard)
    good = passing_evidence(standard)
    passed = verify_evaluation(standard, subjects, good, AS_OF)
    assert passed and passed.result == "pass"
    assert check_evaluation(standard, subjects, good, AS_OF) == passed
    bad = replace_value(good, "bean_moisture_pct", 8)
    checked = check_evaluation(standard, subjects, bad, AS_OF)
    assert not checked
    with pytest.raises(RuleViolationError, match="KAB-BEAN-MOISTURE") as info:
        verify_evaluation(standard, subjects, bad, AS_OF)
    assert info.value.criterion_ids == ("KAB-BEAN-MOISTURE",)
    assert info.value.evaluation == checked


def test_evaluation_is_read_only() -> None:
    standard = _shade_standard()
    evaluation = evaluate(standard, [("plot", "P-1")], [_shade(50, OBSERVED)], AS_OF)
    with pytest.raises(AttributeError):
        evaluation.result = "fail"
    with pytest.raises(TypeError):
        hash(evaluation)
    assert "result=pass" in repr(evaluation)
    assert evaluation != object()


def test_verify_findings_match() -> None:
    standard = SHIPPED["honey-ab@1"]
    evidence = replace_value(passing_evidence(standard), "sucrose_g_per_100g", 5.5)
    evaluation = evaluate(standard, subjects_for(standard), evidence, AS_OF)
    recorded = json.loads(json.dumps(evaluation.to_dict(), sort_keys=True))  # key order lost
    verify_findings_match(recorded, evaluation)

    tampered = json.loads(json.dumps(recorded))
    tampered["findings"][2]["status"] = "fail"
    with pytest.raises(FindingsMismatchError, match=r"findings\.2 \(.*\): status recorded"):
        verify_findings_match(tampered, evaluation)
    tampered = {**recorded, "result": "fail"}
    with pytest.raises(FindingsMismatchError, match="result: recorded"):
        verify_findings_match(tampered, evaluation)
    tampered = {**recorded, "findings": recorded["findings"][:-1]}
    with pytest.raises(FindingsMismatchError, match="findings: recorded 7, engine 8"):
        verify_findings_match(tampered, evaluation)
    tampered = {**recorded, "extra": 1}
    with pytest.raises(FindingsMismatchError, match="unexpected keys"):
        verify_findings_match(tampered, evaluation)
    with pytest.raises(FindingsMismatchError, match="not canonical JSON"):
        verify_findings_match({**recorded, "as_of": float("nan")}, evaluation)


# --------------------------------------------------------------------------- property


_STATUSES = st.sampled_from(["pass", "fail", "missing"])


@settings(max_examples=200, deadline=None)
@given(
    severities=st.lists(st.sampled_from(["critical", "major", "minor"]), min_size=1, max_size=6),
    tolerance=st.integers(min_value=0, max_value=3),
    n_plots=st.integers(min_value=1, max_value=4),
    data=st.data(),
)
def test_result_is_pass_iff_the_rule_over_findings_holds(
    severities: list[str], tolerance: int, n_plots: int, data: st.DataObject
) -> None:
    criteria = [
        criterion_dict(id=f"C-{i}", field=f"f_{i}", severity=severity, threshold=10)
        for i, severity in enumerate(severities)
    ]
    standard = make_standard(criteria, minor_fail_tolerance=tolerance)
    plots = [("plot", f"P-{p}") for p in range(n_plots)]
    chosen: dict[tuple[str, str], str] = {}
    evidence: list[Evidence] = []
    for _, plot in plots:
        for i in range(len(severities)):
            status = data.draw(_STATUSES)
            chosen[(plot, f"C-{i}")] = status
            if status != "missing":
                value = 10 if status == "pass" else 9
                evidence.append(Evidence("plot", plot, f"f_{i}", value, OBSERVED))
            if data.draw(st.booleans()):  # noise after as_of never changes anything
                evidence.append(Evidence("plot", plot, f"f_{i}", 0, shift(AS_OF, 1)))

    evaluation = evaluate(standard, plots, evidence, AS_OF)

    assert {(f.subject_id, f.criterion_id): f.status for f in evaluation.findings} == chosen
    assert (evaluation.result == "pass") == _rule_holds(evaluation.findings, tolerance)
    assert bool(evaluation) == (evaluation.result == "pass")
    failed = sorted({cid for (_, cid), status in chosen.items() if status != "pass"})
    assert list(evaluation.failed_criterion_ids) == failed


def test_subject_ids_are_the_builders_ids() -> None:
    # Guards the fixtures above: one subject per kind, ids as in the builders.
    assert subjects_for(SHIPPED["honey-ab@1"]) == [
        ("apiary", SUBJECT_IDS["apiary"]),
        ("lot", SUBJECT_IDS["lot"]),
    ]


def _oracle(operator: str, threshold: Any, value: Any) -> bool:
    """Whether ``value`` passes, written from the operator table, not from the engine."""

    def number(v: Any) -> bool:
        return type(v) in (int, float)

    def day(v: Any) -> bool:
        if type(v) is not str or len(v) != 10 or v[4] != "-" or v[7] != "-":
            return False
        try:
            date.fromisoformat(v)
        except ValueError:
            return False
        return True

    def strings(v: Any) -> bool:
        return type(v) is list and all(type(item) is str for item in v)

    folded = {x.casefold() for x in threshold} if isinstance(threshold, list) else set()
    checks: dict[str, Callable[[Any], bool]] = {
        "gte": lambda v: number(v) and v >= threshold,
        "gt": lambda v: number(v) and v > threshold,
        "lte": lambda v: number(v) and v <= threshold,
        "lt": lambda v: number(v) and v < threshold,
        "eq": lambda v: (
            number(v) and v == threshold
            if number(threshold)
            else type(v) is type(threshold) and v == threshold
        ),
        "in": lambda v: type(v) is str and v.casefold() in folded,
        "not_in": lambda v: type(v) is str and v.casefold() not in folded,
        "none_of": lambda v: strings(v) and not folded & {x.casefold() for x in v},
        "all_of": lambda v: strings(v) and folded <= {x.casefold() for x in v},
        "within_date": lambda v: day(v) and threshold["from"] <= v <= threshold["to"],
        "before_date": lambda v: day(v) and v < threshold,
        "after_date": lambda v: day(v) and v > threshold,
        "is_true": lambda v: v is True,
        "is_false": lambda v: v is False,
    }
    return bool(checks[operator](value))


_WORDS = ["paraquat", "Paraquat", "PARAQUAT", "fipronil", "urea", "straße", "STRASSE", ""]
_DAYS = ["2020-12-31", "2021-01-01", "2026-02-28", "2026-02-30", "20210101", "2021-1-1"]
_SCALARS = st.one_of(
    st.integers(min_value=-5, max_value=60),
    st.floats(min_value=-5, max_value=60, allow_nan=False),
    st.booleans(),
    st.none(),
    st.sampled_from(_WORDS + _DAYS),
)
_VALUES = st.one_of(_SCALARS, st.lists(_SCALARS, max_size=4), st.lists(st.sampled_from(_WORDS)))

_OPERATOR_THRESHOLDS = [
    ("gte", 40, "%"),
    ("gt", 40.5, "%"),
    ("lte", 20, "%"),
    ("lt", 3, "%"),
    ("eq", 3, "count"),
    ("eq", 3.0, "count"),
    ("eq", "urea", "category"),
    ("eq", False, "bool"),
    ("in", ["paraquat", "strasse"], "category"),
    ("not_in", ["paraquat", "strasse"], "category"),
    ("none_of", ["paraquat", "strasse"], "list"),
    ("all_of", ["paraquat", "urea"], "list"),
    ("within_date", {"from": "2021-01-01", "to": "2026-02-28"}, "date"),
    ("before_date", "2021-01-01", "date"),
    ("after_date", "2020-12-31", "date"),
    ("is_true", None, "bool"),
    ("is_false", None, "bool"),
]


@pytest.mark.parametrize(
    ("operator", "threshold", "unit"),
    _OPERATOR_THRESHOLDS,
    ids=[f"{op}-{json.dumps(t)}" for op, t, _ in _OPERATOR_THRESHOLDS],
)
@settings(max_examples=150, deadline=None)
@given(values=st.lists(_VALUES, min_size=1, max_size=8))
def test_engine_agrees_with_the_operator_table(
    operator: str, threshold: Any, unit: str, values: list[Any]
) -> None:
    # Many subjects at once, so the column scans (the fast path) are what decides.
    standard = make_standard(
        [
            criterion_dict(
                operator=operator, threshold=DROP if threshold is None else threshold, unit=unit
            )
        ]
    )
    plots = [("plot", f"P-{i}") for i in range(len(values))]
    evidence = [Evidence("plot", f"P-{i}", "x_count", v, OBSERVED) for i, v in enumerate(values)]
    findings = evaluate(standard, plots, evidence, AS_OF).findings
    for finding, value in zip(findings, values, strict=True):
        expected = "pass" if _oracle(operator, threshold, value) else "fail"
        assert finding.status == expected, (value, finding.reason)


def test_evidence_may_be_any_iterable_and_is_not_kept_by_reference() -> None:
    standard = _shade_standard()
    plots = [("plot", "P-1"), ("plot", "P-2")]
    records = [_shade(50, OBSERVED, plot="P-1"), _shade(10, OBSERVED, plot="P-2")]
    evaluation = evaluate(standard, plots, iter(records), AS_OF)  # a one-shot iterator
    records.reverse()  # findings are built later, from the evaluation's own copy
    records[0] = _shade(99, OBSERVED, plot="P-1")
    assert [(f.subject_id, f.value, f.status) for f in evaluation.findings] == [
        ("P-1", 50, "pass"),
        ("P-2", 10, "fail"),
    ]
    as_list = [_shade(50, OBSERVED, plot="P-1"), _shade(10, OBSERVED, plot="P-2")]
    again = evaluate(standard, plots, as_list, AS_OF)
    as_list.clear()
    assert again == evaluation


def test_findings_version_is_one_or_two() -> None:
    """A version the ledger does not know is refused, never evaluated as some other one."""
    standard = SHIPPED["coffee-ab@1"]
    with pytest.raises(ValueError, match="findings_version 1 or 2"):
        evaluate(standard, [("plot", "P-1")], [], OBSERVED, findings_version=3)  # type: ignore[arg-type]


def test_version_2_cites_ids_and_version_1_seqs_of_the_same_evidence() -> None:
    standard = SHIPPED["coffee-ab@1"]
    shade = Evidence("plot", "P-1", "shade_cover_pct", 55, OBSERVED, 9, "ev-shade")
    one = evaluate(standard, [("plot", "P-1")], [shade], OBSERVED).to_dict()
    two = evaluate(standard, [("plot", "P-1")], [shade], OBSERVED, findings_version=2).to_dict()
    (f1,) = [f for f in one["findings"] if f["criterion_id"] == "CAB-SHADE-COVER"]
    (f2,) = [f for f in two["findings"] if f["criterion_id"] == "CAB-SHADE-COVER"]
    assert (f1["evidence_seq"], "evidence_id" in f1) == (9, False)
    assert (f2["evidence_id"], "evidence_seq" in f2) == ("ev-shade", False)
    assert (one["engine"], two["engine"]) == ("biotraza-rules/1", "biotraza-rules/2")
