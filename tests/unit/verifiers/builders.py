"""Builders for verifier tests: evidence values that pass or fail a criterion, small standards.

Plain functions (no fixtures), as in ``tests/factories.py``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from verifiers.rules import Evidence
from verifiers.standards import Criterion, Standard, load_standard

SUBJECT_IDS = {"plot": "P-001", "apiary": "A-001", "lot": "L-001", "association": "ORG-1"}
OBSERVED = "2026-03-01"
AS_OF = "2026-06-01"
TEXT = {"es": "texto", "en": "text"}


def shift(day: str, days: int) -> str:
    """``day`` moved by ``days`` days."""
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def passing_value(criterion: Criterion) -> Any:
    """A value that meets the criterion, on the boundary where there is one."""
    op = criterion.operator
    t: Any = criterion.threshold
    if op in ("gte", "lte", "eq"):
        return t
    if op == "gt":
        return t + 1
    if op == "lt":
        return t - 1
    if op == "in":
        return t[0]
    if op == "not_in":
        return "zz-not-listed"
    if op == "none_of":
        return ["urea", "compost"]
    if op == "all_of":
        return list(t) + ["extra"]
    if op == "within_date":
        return t["from"]
    if op == "before_date":
        return shift(t, -1)
    if op == "after_date":
        return shift(t, 1)
    return op == "is_true"


def failing_value(criterion: Criterion) -> Any:
    """A well-typed value that does not meet the criterion, just past the boundary."""
    op = criterion.operator
    t: Any = criterion.threshold
    if op in ("gte", "gt"):
        return t - (0.5 if op == "gte" else 0)
    if op in ("lte", "lt"):
        return t + (0.5 if op == "lte" else 0)
    if op == "eq":
        if isinstance(t, bool):
            return not t
        return t + "-other" if isinstance(t, str) else t + 1
    if op == "in":
        return "zz-not-listed"
    if op == "not_in":
        return t[0]
    if op == "none_of":
        return ["urea", t[-1].upper()]  # casefolded match
    if op == "all_of":
        return list(t)[1:]
    if op == "within_date":
        return shift(t["to"], 1)
    if op in ("before_date", "after_date"):
        return t
    return op != "is_true"


def subjects_for(standard: Standard) -> list[tuple[str, str]]:
    """One subject of each kind the standard has criteria for."""
    kinds = sorted({c.applies_to for c in standard.criteria})
    return [(kind, SUBJECT_IDS[kind]) for kind in kinds]


def passing_evidence(standard: Standard, observed_on: str = OBSERVED) -> list[Evidence]:
    """Evidence meeting every criterion, for the subjects of :func:`subjects_for`."""
    return [
        Evidence(c.applies_to, SUBJECT_IDS[c.applies_to], c.field, passing_value(c), observed_on)
        for c in standard.criteria
    ]


def replace_value(evidence: list[Evidence], field: str, value: Any) -> list[Evidence]:
    """The evidence with every record of ``field`` given ``value``."""
    return [
        Evidence(e.subject_kind, e.subject_id, e.field, value, e.observed_on, e.evidence_seq)
        if e.field == field
        else e
        for e in evidence
    ]


def criterion_dict(**overrides: Any) -> dict[str, Any]:
    """A valid criterion as JSON data (a plot ``gte 10`` on ``x_count``), with overrides."""
    data: dict[str, Any] = {
        "id": "T-X",
        "title": dict(TEXT),
        "guidance": dict(TEXT),
        "applies_to": "plot",
        "field": "x_count",
        "operator": "gte",
        "threshold": 10,
        "unit": "count",
        "severity": "critical",
        "source": "test",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not _DROP}


_DROP = object()
DROP: Any = _DROP
"""Pass as an override to leave a key out of :func:`criterion_dict`."""


def standard_dict(criteria: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    """A valid standard as JSON data around ``criteria``, with overrides."""
    data: dict[str, Any] = {
        "id": "test-std",
        "version": 1,
        "title": dict(TEXT),
        "description": dict(TEXT),
        "products": ["coffee"],
        "published": "2026-01-01",
        "minor_fail_tolerance": 1,
        "criteria": criteria,
        "sources": ["test"],
    }
    data.update(overrides)
    return data


def make_standard(criteria: list[dict[str, Any]], **overrides: Any) -> Standard:
    """A loaded standard (see :func:`standard_dict`)."""
    return load_standard(standard_dict(criteria, **overrides))
