"""The Python half of the evaluator parity: the engine gives the shared vectors' answers.

``api/webapp/tests/evaluator.test.ts`` runs the browser evaluator on the same file; together
they prove one evaluation semantics on both sides. The file is also checked to be current
(cases, standards and Python's casefold table), so a change to the engine or a standard
cannot leave the browser comparing against stale answers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.evaluator_cases import CASEFOLD, VECTORS, build_casefold, build_vectors
from verifiers.errors import RuleEvaluationError
from verifiers.rules import Evidence, evaluate
from verifiers.standards import OPERATORS, load_standard

_FILE: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))


def test_vector_file_is_current() -> None:
    assert _FILE == build_vectors(), "run `python -m tests.evaluator_cases` and review the diff"


def test_casefold_table_is_current() -> None:
    assert json.loads(CASEFOLD.read_text(encoding="utf-8")) == build_casefold()


def test_vectors_cover_every_operator_and_shipped_standard() -> None:
    used = {c["operator"] for s in _FILE["standards"].values() for c in s["criteria"]}
    assert used == set(OPERATORS)
    assert {"coffee-ab@1", "honey-ab@1", "cacao-ab@1"} <= {c["standard"] for c in _FILE["cases"]}
    statuses = {
        f["status"]
        for c in _FILE["cases"]
        if "evaluation" in c["expected"]
        for f in c["expected"]["evaluation"]["findings"]
    }
    assert statuses == {"pass", "fail", "missing"}
    assert sum("error" in c["expected"] for c in _FILE["cases"]) == 4
    assert sum("invalid" in c["expected"] for c in _FILE["cases"]) == 2
    v2 = [c for c in _FILE["cases"] if c["findings_version"] == 2]
    cited = {
        key
        for c in v2
        if "evaluation" in c["expected"]
        for f in c["expected"]["evaluation"]["findings"]
        for key in f
        if key.startswith("evidence_")
    }
    assert len(v2) == 6 and cited == {"evidence_id"}


@pytest.mark.parametrize("case", _FILE["cases"], ids=lambda c: c["name"])
def test_engine_gives_the_vector_answer(case: dict[str, Any]) -> None:
    standard = load_standard(_FILE["standards"][case["standard"]])
    subjects = [(kind, sid) for kind, sid in case["subjects"]]
    evidence = [Evidence.from_dict(row) for row in case["evidence"]]
    expected = case["expected"]
    version = case["findings_version"]
    if "error" in expected or "invalid" in expected:
        error = RuleEvaluationError if "error" in expected else ValueError
        with pytest.raises(error) as caught:
            evaluate(standard, subjects, evidence, case["as_of"], case["product"], version)
        assert str(caught.value) == expected.get("error", expected.get("invalid"))
    else:
        got = evaluate(standard, subjects, evidence, case["as_of"], case["product"], version)
        assert got.to_dict() == expected["evaluation"]
