"""The shared evaluator vectors: cases run by the Python rule engine and the browser evaluator.

The browser signs findings the ledger recomputes byte for byte, so ``api/webapp/src/certifier/
evaluate.ts`` must give :func:`verifiers.rules.evaluate`'s exact output (statuses, values,
reason texts, order). This module defines the cases once; ``python -m tests.evaluator_cases``
writes ``tests/vectors/evaluator/rules.json`` with the engine's answers, which
``tests/unit/verifiers/test_evaluator_vectors.py`` and ``api/webapp/tests/evaluator.test.ts``
both check. The cases cover every operator of the standard model and every edge case of the
three shipped standards: thresholds met exactly, wrong types, missing and conflicting evidence,
later evidence, ordering by day and seq, casefolded lists, date limits, the minor tolerance,
number spelling in reasons and the fail-closed errors. Findings version 2 (what a certifier
signs offline: evidence cited by ``evidence_id``, same-day ties by list order) has its own
cases, including the two ways its evidence list is refused.

Values pass through RFC 8785 first, as on the ledger (an integral float reaches the engine as
an int), so both sides see what a signed statement carries.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from ledger.canonical import canonicalize
from verifiers.errors import RuleEvaluationError
from verifiers.rules import Evidence, evaluate
from verifiers.standards import load_standard, shipped_standards

VECTORS = Path(__file__).parent / "vectors" / "evaluator" / "rules.json"
CASEFOLD = Path(__file__).parents[1] / "api" / "webapp" / "src" / "certifier" / "casefold.json"


def _jcs(value: Any) -> Any:
    """The value as the ledger carries it: through RFC 8785 and back."""
    return json.loads(canonicalize(value))


_UNITS = {
    **dict.fromkeys(("within_date", "before_date", "after_date"), "date"),
    **dict.fromkeys(("is_true", "is_false"), "bool"),
    "none_of": "list",
    "all_of": "list",
}


def _operators_standard() -> dict[str, Any]:
    """A standard using every operator (the shipped ones use only five of fourteen)."""
    base = shipped_standards()["coffee-ab@1"].to_dict()
    text = {"es": "Prueba", "en": "Test"}
    source = base["criteria"][0]["source"]

    def crit(cid: str, field: str, operator: str, threshold: Any, **extra: Any) -> dict[str, Any]:
        body = {
            "id": cid,
            "title": text,
            "guidance": text,
            "applies_to": extra.pop("applies_to", "plot"),
            "field": field,
            "operator": operator,
            "unit": _UNITS.get(operator, "-"),
            "severity": extra.pop("severity", "major"),
            "source": source,
        }
        if threshold is not None:
            body["threshold"] = threshold
        return {**body, **extra}

    criteria = [
        crit("OP-GTE", "n_gte", "gte", 40),
        crit("OP-GT", "n_gt", "gt", 0.5),
        crit("OP-LTE", "n_lte", "lte", 7.5),
        crit("OP-LT", "n_lt", "lt", -3),
        crit("OP-EQ-NUM", "eq_num", "eq", 3),
        crit("OP-EQ-STR", "eq_str", "eq", "Bosque"),
        crit("OP-EQ-BOOL", "eq_bool", "eq", False),
        crit("OP-IN", "in_str", "in", ["Café", "straße", "Inga"]),
        crit("OP-NOT-IN", "not_in_str", "not_in", ["Quema", "tala"]),
        crit("OP-NONE-OF", "none_of", "none_of", ["Paraquat", "DDT"], severity="critical"),
        crit("OP-ALL-OF", "all_of", "all_of", ["sombra", "Hojarasca", "STRASSE"]),
        crit("OP-WITHIN", "within", "within_date", {"from": "2025-01-01", "to": "2025-12-31"}),
        crit("OP-BEFORE", "before", "before_date", "2020-12-31"),
        crit("OP-AFTER", "after", "after_date", "2020-12-31"),
        crit("OP-TRUE", "is_true", "is_true", None, severity="minor"),
        crit("OP-FALSE", "is_false", "is_false", None, severity="minor"),
        crit("OP-ASSOC", "assoc_flag", "is_true", None, applies_to="association"),
    ]
    return {
        **base,
        "id": "operators-test",
        "version": 1,
        "minor_fail_tolerance": 2,
        "criteria": criteria,
    }


def _ev(kind: str, sid: str, field: str, value: Any, day: str, seq: int | None) -> dict[str, Any]:
    return {
        "subject_kind": kind,
        "subject_id": sid,
        "field": field,
        "value": value,
        "observed_on": day,
        "evidence_seq": seq,
    }


_COFFEE_PASS = {
    "shade_cover_pct": 55,
    "native_woody_species_count": 14,
    "canopy_height_m": 15.5,
    "canopy_strata_count": 3,
    "stream_buffer_m": 8,
    "river_buffer_m": 12,
    "agrochemicals_used": [],
    "deforestation_free_since_2020_12_31": True,
    "leaf_litter_present": True,
    "herbaceous_layer_present": True,
}


def _plot(sid: str, day: str = "2026-01-10", seq: int = 10, **over: Any) -> list[dict[str, Any]]:
    fields = {**_COFFEE_PASS, **over}
    return [
        _ev("plot", sid, field, value, day, seq + i)
        for i, (field, value) in enumerate(fields.items())
        if value is not _ABSENT
    ]


def _v2(rows: list[dict[str, Any]], prefix: str = "ev") -> list[dict[str, Any]]:
    """Version-2 evidence: each row named by an ``evidence_id`` instead of a seq."""
    return [
        {**{k: v for k, v in row.items() if k != "evidence_seq"}, "evidence_id": f"{prefix}-{i}"}
        for i, row in enumerate(rows)
    ]


def _named(kind: str, sid: str, field: str, value: Any, day: str, eid: str) -> dict[str, Any]:
    row = _ev(kind, sid, field, value, day, None)
    del row["evidence_seq"]
    return {**row, "evidence_id": eid}


_ABSENT = object()
_ASSOC = [_ev("association", "coop", "organic_certificate_valid", True, "2026-01-05", 5)]
_AS_OF = "2026-02-01"


def _coffee_cases() -> list[dict[str, Any]]:
    return [
        {
            "name": "coffee: two plots and the association pass",
            "subjects": [["plot", "p1"], ["plot", "p2"], ["association", "coop"]],
            "evidence": _plot("p1") + _plot("p2", seq=40) + _ASSOC,
        },
        {
            "name": "coffee: shade cover exactly 40 passes, 39.9 fails (critical)",
            "subjects": [["plot", "p1"], ["plot", "p2"]],
            "evidence": _plot("p1", shade_cover_pct=40) + _plot("p2", seq=40, shade_cover_pct=39.9),
        },
        {
            "name": "coffee: an integral float is an int on the ledger (55.0 shows as 55)",
            "subjects": [["plot", "p1"]],
            "evidence": _plot("p1", shade_cover_pct=55.0, canopy_height_m=11.0),
        },
        {
            "name": "coffee: missing evidence never passes",
            "subjects": [["plot", "p1"], ["association", "coop"]],
            "evidence": _plot("p1", shade_cover_pct=_ABSENT, leaf_litter_present=_ABSENT),
        },
        {
            "name": "coffee: wrong types fail (string, bool, null for a number; list items)",
            "subjects": [["plot", "a"], ["plot", "b"], ["plot", "c"], ["plot", "d"]],
            "evidence": _plot("a", shade_cover_pct="55", agrochemicals_used="ninguno")
            + _plot("b", seq=30, shade_cover_pct=True, agrochemicals_used=["cal", 3])
            + _plot("c", seq=50, shade_cover_pct=None, leaf_litter_present="true")
            + _plot("d", seq=70, leaf_litter_present=1, deforestation_free_since_2020_12_31=None),
        },
        {
            "name": "coffee: prohibited agrochemicals are matched casefolded, listed once sorted",
            "subjects": [["plot", "p1"], ["plot", "p2"]],
            "evidence": _plot("p1", agrochemicals_used=["Paraquat", "DDT", "urea", "paraquat"])
            + _plot("p2", seq=40, agrochemicals_used=["Urea", "cal agrícola"]),
        },
        {
            "name": "coffee: latest day wins, then the higher seq, and no seq ranks lowest",
            "subjects": [["plot", "p1"]],
            "evidence": [
                *_plot("p1"),
                _ev("plot", "p1", "shade_cover_pct", 30, "2026-01-20", 3),
                _ev("plot", "p1", "shade_cover_pct", 45, "2026-01-20", 4),
                _ev("plot", "p1", "shade_cover_pct", 20, "2026-01-20", None),
                _ev("plot", "p1", "canopy_height_m", 5, "2026-01-25", None),
                _ev("plot", "p1", "canopy_height_m", 13, "2026-01-24", 99),
            ],
        },
        {
            "name": "coffee: evidence after as_of is ignored; on as_of counts",
            "subjects": [["plot", "p1"]],
            "evidence": [
                *_plot("p1"),
                _ev("plot", "p1", "shade_cover_pct", 10, "2026-02-02", 200),
                _ev("plot", "p1", "canopy_height_m", 20, _AS_OF, 201),
            ],
        },
        {
            "name": "coffee: conflicting records of one day and seq fail; equal ones do not",
            "subjects": [["plot", "p1"], ["plot", "p2"]],
            "evidence": [
                *_plot("p1"),
                _ev("plot", "p1", "shade_cover_pct", 60, "2026-01-10", 10),
                _ev("plot", "p1", "leaf_litter_present", True, "2026-01-10", 18),
                *_plot("p2", seq=40),
                _ev("plot", "p2", "shade_cover_pct", 60, "2026-01-12", None),
                _ev("plot", "p2", "shade_cover_pct", "60", "2026-01-12", None),
                _ev("plot", "p2", "shade_cover_pct", 60, "2026-01-12", None),
                _ev("plot", "p2", "agrochemicals_used", ["urea"], "2026-01-12", 7),
                _ev("plot", "p2", "agrochemicals_used", ["urea"], "2026-01-12", 7),
                _ev("plot", "p2", "agrochemicals_used", ["Urea"], "2026-01-13", 7),
                _ev("plot", "p2", "agrochemicals_used", ["urea"], "2026-01-13", 7),
            ],
        },
        {
            "name": "coffee: one minor failure is within the tolerance of 1",
            "subjects": [["plot", "p1"]],
            "evidence": _plot("p1", leaf_litter_present=False),
        },
        {
            "name": "coffee: two minor failures exceed the tolerance",
            "subjects": [["plot", "p1"], ["plot", "p2"]],
            "evidence": _plot("p1", leaf_litter_present=False)
            + _plot("p2", seq=40, canopy_strata_count=2),
        },
        {
            "name": "coffee: a major failure fails; more than three subjects are elided",
            "subjects": [["plot", f"p{i}"] for i in range(5, 0, -1)] + [["plot", "p1"]],
            "evidence": [row for i in range(1, 6) for row in _plot(f"p{i}", seq=20 * i)]
            + [
                _ev("plot", f"p{i}", "river_buffer_m", 9.99, "2026-01-30", None)
                for i in (1, 2, 4, 5)
            ],
        },
        {
            "name": "coffee: product coffee; apiaries in scope are left out",
            "product": "coffee",
            "subjects": [["apiary", "a1"], ["plot", "p1"]],
            "evidence": _plot("p1"),
        },
        {
            "name": "coffee: a product the standard does not cover fails closed",
            "product": "honey",
            "subjects": [["plot", "p1"]],
            "evidence": _plot("p1"),
        },
        {
            "name": "coffee: no subjects fails closed",
            "subjects": [],
            "evidence": _plot("p1"),
        },
        {
            "name": "coffee: only subjects no criterion applies to fails closed",
            "subjects": [["lot", "l1"], ["apiary", "a1"]],
            "evidence": [],
        },
    ]


def _v2_cases() -> list[dict[str, Any]]:
    """Findings version 2 on coffee-ab: ids instead of seqs, list order instead of seq."""
    return [
        {
            "name": "v2: findings cite evidence_id; two plots and the association pass",
            "findings_version": 2,
            "subjects": [["plot", "p1"], ["plot", "p2"], ["association", "coop"]],
            "evidence": _v2(_plot("p1") + _plot("p2", seq=40) + _ASSOC),
        },
        {
            "name": "v2: on the same day the record listed later decides, whatever its id",
            "findings_version": 2,
            "subjects": [["plot", "p1"]],
            "evidence": [
                *_v2(_plot("p1"), "base"),
                _named("plot", "p1", "shade_cover_pct", 30, "2026-01-20", "zz-first"),
                _named("plot", "p1", "shade_cover_pct", 45, "2026-01-20", "aa-second"),
                _named("plot", "p1", "canopy_height_m", 5, "2026-01-25", "a-later-day"),
                _named("plot", "p1", "canopy_height_m", 13, "2026-01-24", "b-listed-after"),
                _named("plot", "p1", "river_buffer_m", 9, "2026-01-22", "c-same-value"),
                _named("plot", "p1", "river_buffer_m", 9.0, "2026-01-22", "d-same-value"),
            ],
        },
        {
            "name": "v2: missing evidence cites null; evidence after as_of is ignored",
            "findings_version": 2,
            "subjects": [["plot", "p1"], ["association", "coop"]],
            "evidence": [
                *_v2(_plot("p1", shade_cover_pct=_ABSENT, leaf_litter_present=False)),
                _named("plot", "p1", "shade_cover_pct", 60, "2026-02-02", "after-as-of"),
                _named("plot", "p2", "shade_cover_pct", 60, "2026-01-02", "other-subject"),
            ],
        },
        {
            "name": "v2: nothing to evaluate still fails closed",
            "findings_version": 2,
            "subjects": [["lot", "l1"]],
            "evidence": [],
        },
        {
            "name": "v2: a record without evidence_id is refused",
            "findings_version": 2,
            "subjects": [["plot", "p1"]],
            "evidence": [*_v2(_plot("p1"))[1:], _ev("plot", "p1", "x", 1, "2026-01-02", 4)],
        },
        {
            "name": "v2: an evidence_id given twice is refused",
            "findings_version": 2,
            "subjects": [["plot", "p1"]],
            "evidence": _v2(_plot("p1")) + _v2(_plot("p1"))[:1],
        },
    ]


def _honey_cases() -> list[dict[str, Any]]:
    def apiary(sid: str, seq: int, **over: Any) -> list[dict[str, Any]]:
        fields = {
            "forage_natural_share_pct": 80,
            "varroa_treatments": ["ácido oxálico"],
            "wax_foundation_organic": True,
            **over,
        }
        return [
            _ev("apiary", sid, f, v, "2025-11-02", seq + i)
            for i, (f, v) in enumerate(fields.items())
        ]

    def lot(sid: str, seq: int, **over: Any) -> list[dict[str, Any]]:
        fields = {
            "moisture_pct": 18.2,
            "hmf_mg_per_kg": 12,
            "diastase_schade": 14.5,
            "sucrose_g_per_100g": 1.1,
            "free_acidity_meq_per_kg": 30,
            **over,
        }
        return [
            _ev("lot", sid, f, v, "2026-01-15", seq + i) for i, (f, v) in enumerate(fields.items())
        ]

    return [
        {
            "name": "honey: apiaries and lots pass",
            "subjects": [["apiary", "a1"], ["lot", "d1"]],
            "evidence": apiary("a1", 1) + lot("d1", 10),
        },
        {
            "name": "honey: gt at its threshold fails, lte at its threshold passes",
            "subjects": [["apiary", "a1"], ["lot", "d1"]],
            "evidence": apiary("a1", 1, forage_natural_share_pct=50)
            + lot("d1", 10, moisture_pct=20, hmf_mg_per_kg=40.0, diastase_schade=8),
        },
        {
            "name": "honey: synthetic varroa treatment, casefolded (Tau-Fluvalinate)",
            "subjects": [["apiary", "a1"], ["apiary", "a2"]],
            "evidence": apiary("a1", 1, varroa_treatments=["Tau-Fluvalinate", "timol"])
            + apiary("a2", 20, varroa_treatments=["AMITRAZ", "amitraz", "Amitraz"]),
        },
        {
            "name": "honey: number spelling in reasons (tiny, large, negative, many digits)",
            "subjects": [["lot", "d1"], ["lot", "d2"], ["lot", "d3"], ["lot", "d4"]],
            "evidence": lot("d1", 10, moisture_pct=20.000001, hmf_mg_per_kg=1e21)
            + lot("d2", 20, diastase_schade=0.00001, sucrose_g_per_100g=5.1e-7)
            + lot("d3", 30, diastase_schade=-0.0001, free_acidity_meq_per_kg=1e20)
            + lot("d4", 40, diastase_schade=7.999999999999999, moisture_pct=123456789.125),
        },
        {
            "name": "honey: lot criteria of product honey only for lots in scope",
            "product": "honey",
            "subjects": [["lot", "d1"]],
            "evidence": lot("d1", 10, sucrose_g_per_100g=6, free_acidity_meq_per_kg=51),
        },
    ]


def _cacao_cases() -> list[dict[str, Any]]:
    def plot(sid: str, seq: int, **over: Any) -> list[dict[str, Any]]:
        fields = {
            "shade_cover_pct": 45,
            "native_tree_species_count": 12,
            "deforestation_free_since_2020_12_31": True,
            "agrochemicals_used": ["cal"],
            "stream_buffer_m": 5,
            **over,
        }
        return [
            _ev("plot", sid, f, v, "2025-10-01", seq + i)
            for i, (f, v) in enumerate(fields.items())
            if v is not _ABSENT
        ]

    def lot(sid: str, seq: int, **over: Any) -> list[dict[str, Any]]:
        fields = {
            "bean_moisture_pct": 7.5,
            "cut_test_mouldy_pct": 3,
            "cut_test_slaty_pct": 2.5,
            **over,
        }
        return [
            _ev("lot", sid, f, v, "2026-01-20", seq + i) for i, (f, v) in enumerate(fields.items())
        ]

    return [
        {
            "name": "cacao: plots and a lot at the thresholds pass",
            "subjects": [["plot", "k1"], ["lot", "c1"], ["association", "coop"]],
            "evidence": plot("k1", 1) + lot("c1", 20) + _ASSOC,
        },
        {
            "name": "cacao: bean moisture 7.51 fails (major), cut test over the tolerance",
            "subjects": [["lot", "c1"]],
            "evidence": lot(
                "c1", 20, bean_moisture_pct=7.51, cut_test_mouldy_pct=3.2, cut_test_slaty_pct=4
            ),
        },
        {
            "name": "cacao: deforestation not declared and native species missing",
            "subjects": [["plot", "k1"], ["plot", "k2"]],
            "evidence": plot("k1", 1, deforestation_free_since_2020_12_31=False)
            + plot("k2", 20, native_tree_species_count=_ABSENT),
        },
    ]


def _operator_cases() -> list[dict[str, Any]]:
    def plot(sid: str, seq: int, **over: Any) -> list[dict[str, Any]]:
        fields = {
            "n_gte": 40,
            "n_gt": 0.6,
            "n_lte": 7.5,
            "n_lt": -3.5,
            "eq_num": 3,
            "eq_str": "Bosque",
            "eq_bool": False,
            "in_str": "café",
            "not_in_str": "poda",
            "none_of": ["urea"],
            "all_of": ["Sombra", "hojarasca", "straße", "extra"],
            "within": "2025-01-01",
            "before": "2020-12-30",
            "after": "2021-01-01",
            "is_true": True,
            "is_false": False,
            **over,
        }
        return [
            _ev("plot", sid, f, v, "2026-01-10", seq + i)
            for i, (f, v) in enumerate(fields.items())
            if v is not _ABSENT
        ]

    assoc = [_ev("association", "coop", "assoc_flag", True, "2026-01-01", 1)]
    return [
        {
            "name": "operators: every operator passes",
            "subjects": [["plot", "p1"], ["association", "coop"]],
            "evidence": plot("p1", 100) + assoc,
        },
        {
            "name": "operators: every operator fails on the wrong side of its threshold",
            "subjects": [["plot", "p1"], ["association", "coop"]],
            "evidence": plot(
                "p1",
                100,
                n_gte=39.99,
                n_gt=0.5,
                n_lte=7.500001,
                n_lt=-3,
                eq_num=3.5,
                eq_str="bosque",
                eq_bool=True,
                in_str="Caf",
                not_in_str="QUEMA",
                none_of=["ddt", "DDT", "Paraquat", "urea"],
                all_of=["sombra"],
                within="2026-01-01",
                before="2020-12-31",
                after="2020-12-31",
                is_true=False,
                is_false=True,
            )
            + [_ev("association", "coop", "assoc_flag", False, "2026-01-01", 1)],
        },
        {
            "name": "operators: wrong types for every operator",
            "subjects": [["plot", "p1"]],
            "evidence": plot(
                "p1",
                100,
                n_gte="40",
                n_gt=None,
                n_lte=False,
                n_lt=[1],
                eq_num=True,
                eq_str=3,
                eq_bool=0,
                in_str=["café"],
                not_in_str=None,
                none_of="urea",
                all_of=["sombra", None],
                within="2025-02-30",
                before="20201230",
                after="٢٠٢١-01-01",
                is_true="yes",
                is_false=0,
            ),
        },
        {
            "name": "operators: casefold (ß and SS, accents) and date limits",
            "subjects": [["plot", "p1"], ["plot", "p2"]],
            "evidence": plot(
                "p1",
                100,
                in_str="STRASSE",
                all_of=["SOMBRA", "HOJARASCA", "Straße"],
                within="2025-12-31",
                eq_num=3.0,
            )
            + plot("p2", 200, in_str="CAFÉ", not_in_str="Tála", within="2024-12-31", n_lt=-1e-05),
        },
        {
            "name": "operators: list values equal by Python's == are no conflict; others are",
            "subjects": [["plot", "p1"], ["plot", "p2"]],
            "evidence": plot("p1", 100)
            + [
                _ev("plot", "p1", "none_of", [True], "2026-01-11", 1),
                _ev("plot", "p1", "none_of", [1], "2026-01-11", 1),
                _ev("plot", "p1", "eq_num", 1, "2026-01-11", 1),
                _ev("plot", "p1", "eq_num", True, "2026-01-11", 1),
            ]
            + plot("p2", 200)
            + [
                _ev("plot", "p2", "none_of", [1], "2026-01-11", 1),
                _ev("plot", "p2", "none_of", [1.5], "2026-01-11", 1),
                _ev("plot", "p2", "all_of", ["a", None], "2026-01-11", 2),
                _ev("plot", "p2", "all_of", ["a", False], "2026-01-11", 2),
            ],
        },
        {
            "name": "operators: minor failures within a tolerance of 2; missing counts",
            "subjects": [["plot", "p1"], ["plot", "p2"]],
            "evidence": plot("p1", 100, is_true=False) + plot("p2", 200, is_false=_ABSENT),
        },
    ]


def _run(standard: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    loaded = load_standard(standard)
    try:
        evaluation = evaluate(
            loaded,
            [(kind, sid) for kind, sid in case["subjects"]],
            [Evidence.from_dict(row) for row in case["evidence"]],
            case["as_of"],
            case["product"],
            findings_version=case["findings_version"],
        )
    except RuleEvaluationError as exc:
        return {"error": str(exc)}
    except ValueError as exc:  # a version-2 evidence list without ids, or with one twice
        return {"invalid": str(exc)}
    return {"evaluation": evaluation.to_dict()}


def build_vectors() -> dict[str, Any]:
    """Every case with the engine's answer, JSON-ready (what rules.json holds)."""
    standards = {key: _jcs(s.to_dict()) for key, s in sorted(shipped_standards().items())}
    standards["operators-test@1"] = _jcs(_operators_standard())
    groups = [
        ("coffee-ab@1", _coffee_cases()),
        ("coffee-ab@1", _v2_cases()),
        ("honey-ab@1", _honey_cases()),
        ("cacao-ab@1", _cacao_cases()),
        ("operators-test@1", _operator_cases()),
    ]
    cases = []
    for key, group in groups:
        for raw in group:
            case = {
                "name": raw["name"],
                "standard": key,
                "as_of": raw.get("as_of", _AS_OF),
                "product": raw.get("product"),
                "findings_version": raw.get("findings_version", 1),
                "subjects": raw["subjects"],
                "evidence": _jcs(raw["evidence"]),
            }
            case["expected"] = _run(standards[key], case)
            cases.append(case)
    return {
        "description": (
            "Shared vectors of the rule engine (verifiers/rules.py) and the browser evaluator "
            "(api/webapp/src/certifier/evaluate.ts); written by `python -m tests.evaluator_cases`."
        ),
        "standards": standards,
        "cases": cases,
    }


def build_casefold() -> dict[str, Any]:
    """Python's ``str.casefold`` of every code point it changes, the list operators' folding.

    The browser folds with this table rather than ``toLowerCase`` (which differs on 352 code
    points, e.g. ß and Cherokee) or its own Unicode version: list operators then match and
    show exactly what the engine does.
    """
    table = {}
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        char = chr(cp)
        folded = char.casefold()
        if folded != char:
            table[f"{cp:X}"] = folded
    return {
        "description": (
            "Python's str.casefold of every code point it changes (others fold to "
            "themselves), keyed by hex code point; written by `python -m tests.evaluator_cases`."
        ),
        "unicode_version": unicodedata.unidata_version,
        "folds": table,
    }


def main() -> int:
    """Write the vector files; exit 0."""
    VECTORS.parent.mkdir(parents=True, exist_ok=True)
    for path, data in ((VECTORS, build_vectors()), (CASEFOLD, build_casefold())):
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
