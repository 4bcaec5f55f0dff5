"""Standards as data: the shipped files, their hashes, validation of bad files, diffs."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from pydantic import ValidationError

import verifiers.errors
import verifiers.rules
import verifiers.standards
from ledger.errors import LedgerError
from verifiers.errors import (
    EligibilityError,
    FindingsMismatchError,
    RuleEvaluationError,
    StandardError,
    VerificationError,
)
from verifiers.rules import RuleViolationError
from verifiers.standards import (
    OPERATORS,
    Change,
    Standard,
    diff_standards,
    load_standard,
    shipped_standards,
    standard_hash,
)
from verifiers.standards import model as model_module

from .builders import DROP, criterion_dict, make_standard, standard_dict

DATA = Path(model_module.__file__).parent / "data"

# Golden values: a change here means a shipped standard changed. Never edit a published file:
# add a new version (new file, new hash) instead.
GOLDEN_HASHES = {
    "coffee-ab@1": "cf49d3a1f5e81f14a7d4f45d88f04c2176e56dd70e9cf1fe41e67777d7eade90",
    "honey-ab@1": "a050255623712a813cafc76901c71aad04298057ebf65f624adf331687ec613f",
    "cacao-ab@1": "1cf1135e5943a128cf92460cb61fe71a1362fba4f490e24c9ec29e69fe402f8f",
}

# (criterion id, applies_to, field, operator, threshold, severity): the numbers, frozen.
EXPECTED_CRITERIA: dict[str, list[tuple[str, str, str, str, Any, str]]] = {
    "coffee-ab@1": [
        ("CAB-SHADE-COVER", "plot", "shade_cover_pct", "gte", 40, "critical"),
        ("CAB-NATIVE-WOODY-SPECIES", "plot", "native_woody_species_count", "gte", 10, "critical"),
        ("CAB-CANOPY-HEIGHT", "plot", "canopy_height_m", "gte", 12, "major"),
        ("CAB-CANOPY-STRATA", "plot", "canopy_strata_count", "gte", 3, "minor"),
        ("CAB-STREAM-BUFFER", "plot", "stream_buffer_m", "gte", 5, "major"),
        ("CAB-RIVER-BUFFER", "plot", "river_buffer_m", "gte", 10, "major"),
        (
            "CAB-PROHIBITED-AGROCHEMICALS",
            "plot",
            "agrochemicals_used",
            "none_of",
            [
                "paraquat",
                "fipronil",
                "aldrin",
                "chlordane",
                "ddt",
                "dieldrin",
                "endosulfan",
                "heptachlor",
                "lindane",
                "carbofuran",
            ],
            "critical",
        ),
        (
            "CAB-NO-DEFORESTATION",
            "plot",
            "deforestation_free_since_2020_12_31",
            "is_true",
            None,
            "critical",
        ),
        ("CAB-LEAF-LITTER", "plot", "leaf_litter_present", "is_true", None, "minor"),
        ("CAB-HERBACEOUS-LAYER", "plot", "herbaceous_layer_present", "is_true", None, "minor"),
        (
            "CAB-ORGANIC-CERTIFICATE",
            "association",
            "organic_certificate_valid",
            "is_true",
            None,
            "major",
        ),
    ],
    "honey-ab@1": [
        ("HAB-FORAGE-NATURAL", "apiary", "forage_natural_share_pct", "gt", 50, "critical"),
        (
            "HAB-VARROA-SYNTHETIC",
            "apiary",
            "varroa_treatments",
            "none_of",
            ["amitraz", "coumaphos", "flumethrin", "fluvalinate", "tau-fluvalinate"],
            "critical",
        ),
        ("HAB-WAX-ORGANIC", "apiary", "wax_foundation_organic", "is_true", None, "minor"),
        ("HAB-MOISTURE", "lot", "moisture_pct", "lte", 20, "critical"),
        ("HAB-HMF", "lot", "hmf_mg_per_kg", "lte", 40, "critical"),
        ("HAB-DIASTASE", "lot", "diastase_schade", "gte", 8, "major"),
        ("HAB-SUCROSE", "lot", "sucrose_g_per_100g", "lte", 5, "minor"),
        ("HAB-FREE-ACIDITY", "lot", "free_acidity_meq_per_kg", "lte", 50, "minor"),
    ],
    "cacao-ab@1": [
        ("KAB-SHADE-COVER", "plot", "shade_cover_pct", "gte", 40, "critical"),
        ("KAB-NATIVE-TREE-SPECIES", "plot", "native_tree_species_count", "gte", 10, "major"),
        (
            "KAB-NO-DEFORESTATION",
            "plot",
            "deforestation_free_since_2020_12_31",
            "is_true",
            None,
            "critical",
        ),
        (
            "KAB-PROHIBITED-AGROCHEMICALS",
            "plot",
            "agrochemicals_used",
            "none_of",
            [
                "paraquat",
                "fipronil",
                "aldrin",
                "chlordane",
                "ddt",
                "dieldrin",
                "endosulfan",
                "heptachlor",
                "lindane",
                "carbofuran",
            ],
            "critical",
        ),
        ("KAB-STREAM-BUFFER", "plot", "stream_buffer_m", "gte", 5, "major"),
        ("KAB-BEAN-MOISTURE", "lot", "bean_moisture_pct", "lte", 7.5, "major"),
        ("KAB-CUT-TEST-MOULDY", "lot", "cut_test_mouldy_pct", "lte", 3, "minor"),
        ("KAB-CUT-TEST-SLATY", "lot", "cut_test_slaty_pct", "lte", 3, "minor"),
    ],
}

SHIPPED = sorted(GOLDEN_HASHES)


def _file_json(standard: Standard) -> Any:
    return json.loads((DATA / f"{standard.id}-{standard.version}.json").read_text("utf-8"))


# --------------------------------------------------------------------------- shipped files


def test_shipped_standards_are_the_three_ab_standards() -> None:
    standards = shipped_standards()
    assert sorted(standards) == SHIPPED
    assert {s.products[0] for s in standards.values()} == {"coffee", "honey", "cacao"}
    assert shipped_standards() == standards  # stable across calls


@pytest.mark.parametrize("key", SHIPPED)
def test_shipped_standard_hash_is_golden(key: str) -> None:
    assert standard_hash(shipped_standards()[key]) == GOLDEN_HASHES[key]


@pytest.mark.parametrize("key", SHIPPED)
def test_to_dict_is_exactly_the_file_content(key: str) -> None:
    standard = shipped_standards()[key]
    assert standard.to_dict() == _file_json(standard)
    # JSON numbers keep their type: 40 stays an int, 7.5 a float.
    assert json.dumps(standard.to_dict(), sort_keys=True) == json.dumps(
        _file_json(standard), sort_keys=True
    )


@pytest.mark.parametrize("key", SHIPPED)
def test_hash_is_sha256_of_the_files_jcs_form(key: str) -> None:
    # Recomputed from the file with the reference RFC 8785 encoder, not with our code.
    standard = shipped_standards()[key]
    expected = hashlib.sha256(rfc8785.dumps(_file_json(standard))).hexdigest()
    assert standard_hash(standard) == expected
    assert standard_hash(load_standard(standard.to_dict())) == expected


@pytest.mark.parametrize("key", SHIPPED)
def test_shipped_criteria_numbers(key: str) -> None:
    standard = shipped_standards()[key]
    found = [
        (c.id, c.applies_to, c.field, c.operator, c.threshold, c.severity)
        for c in standard.criteria
    ]
    assert found == EXPECTED_CRITERIA[key]


@pytest.mark.parametrize("key", SHIPPED)
def test_shipped_texts_are_bilingual_and_sourced(key: str) -> None:
    standard = shipped_standards()[key]
    texts = [standard.title, standard.description]
    for criterion in standard.criteria:
        texts += [criterion.title, criterion.guidance]
        assert "[S]" in criterion.source or "[M]" in criterion.source, criterion.id
        assert "facts.md" in criterion.source or "Convention" in criterion.source
    for text in texts:
        assert text.es.strip() and text.en.strip()
        assert text.es != text.en  # translated, not copied
    assert standard.sources
    assert standard.minor_fail_tolerance == 1
    prefix = {"coffee-ab": "CAB-", "honey-ab": "HAB-", "cacao-ab": "KAB-"}[standard.id]
    assert all(c.id.startswith(prefix) for c in standard.criteria)


def test_shipped_cutoff_and_limits_match_facts() -> None:
    standards = shipped_standards()
    coffee = standards["coffee-ab@1"]
    assert "31 December 2020" in coffee.criterion("CAB-NO-DEFORESTATION").source
    honey = standards["honey-ab@1"]
    assert "NOM-004-SAG/GAN-2018" in honey.criterion("HAB-HMF").source
    cacao = standards["cacao-ab@1"]
    assert cacao.criterion("KAB-BEAN-MOISTURE").threshold == 7.5


def test_load_from_path_equals_load_from_dict() -> None:
    path = DATA / "coffee-ab-1.json"
    from_path = load_standard(path)
    assert from_path == load_standard(json.loads(path.read_text("utf-8")))
    assert from_path == load_standard(str(path))
    assert from_path.key == "coffee-ab@1"


def test_standard_is_frozen() -> None:
    standard = shipped_standards()["honey-ab@1"]
    with pytest.raises(ValidationError):
        standard.version = 2
    with pytest.raises(KeyError):
        standard.criterion("NOPE")


# --------------------------------------------------------------------------- bad standards


@dataclass
class Bad:
    name: str
    data: dict[str, Any]
    path: str
    reason: str


def _bad_cases() -> list[Bad]:
    ok = criterion_dict()
    return [
        Bad(
            "unknown operator",
            standard_dict([criterion_dict(operator="approx")]),
            "criteria.0.operator",
            "unknown operator 'approx'",
        ),
        Bad(
            "missing translation",
            standard_dict([criterion_dict(title={"es": "Sombra"})]),
            "criteria.0.title.en",
            "missing en translation",
        ),
        Bad(
            "empty translation",
            standard_dict([ok], description={"es": " ", "en": "x"}),
            "description.es",
            "empty es translation",
        ),
        Bad(
            "text is not bilingual object",
            standard_dict([criterion_dict(guidance="Measure it")]),
            "criteria.0.guidance",
            "expected an object with texts",
        ),
        Bad(
            "duplicate criterion ids",
            standard_dict([ok, criterion_dict(field="y_count")]),
            "criteria.1.id",
            "duplicate criterion id 'T-X' (first at criteria.0)",
        ),
        Bad("empty criteria", standard_dict([]), "criteria", "at least one criterion"),
        Bad(
            "wrong threshold type",
            standard_dict([criterion_dict(threshold="forty")]),
            "criteria.0.threshold",
            "operator gte expects a number, found string",
        ),
        Bad(
            "bool is not a number threshold",
            standard_dict([criterion_dict(threshold=True)]),
            "criteria.0.threshold",
            "expects a number, found bool",
        ),
        Bad(
            "list threshold with a non-string",
            standard_dict([criterion_dict(operator="none_of", threshold=["a", 1], unit="list")]),
            "criteria.0.threshold",
            "expects non-empty strings",
        ),
        Bad(
            "empty list threshold",
            standard_dict([criterion_dict(operator="in", threshold=[], unit="category")]),
            "criteria.0.threshold",
            "non-empty list of strings",
        ),
        Bad(
            "list threshold repeats casefolded",
            standard_dict([criterion_dict(operator="all_of", threshold=["A", "a"], unit="list")]),
            "criteria.0.threshold",
            "lists 'a' twice",
        ),
        Bad(
            "date threshold not a day",
            standard_dict(
                [criterion_dict(operator="before_date", threshold="2020-02-30", unit="date")]
            ),
            "criteria.0.threshold",
            "expects a date YYYY-MM-DD",
        ),
        Bad(
            "compact date is not YYYY-MM-DD",
            standard_dict(
                [criterion_dict(operator="after_date", threshold="20201231", unit="date")]
            ),
            "criteria.0.threshold",
            "expects a date YYYY-MM-DD",
        ),
        Bad(
            "within_date keys",
            standard_dict(
                [
                    criterion_dict(
                        operator="within_date", threshold={"from": "2020-01-01"}, unit="date"
                    )
                ]
            ),
            "criteria.0.threshold",
            '{"from": date, "to": date}',
        ),
        Bad(
            "within_date reversed",
            standard_dict(
                [
                    criterion_dict(
                        operator="within_date",
                        threshold={"from": "2021-01-01", "to": "2020-01-01"},
                        unit="date",
                    )
                ]
            ),
            "criteria.0.threshold",
            "from <= to",
        ),
        Bad(
            "threshold on is_true",
            standard_dict([criterion_dict(operator="is_true", threshold=True, unit="bool")]),
            "criteria.0.threshold",
            "takes no threshold",
        ),
        Bad(
            "null threshold",
            standard_dict([criterion_dict(threshold=None)]),
            "criteria.0.threshold",
            "expects a number, found null",
        ),
        Bad(
            "missing threshold",
            standard_dict([criterion_dict(threshold=DROP)]),
            "criteria.0.threshold",
            "operator gte needs a threshold",
        ),
        Bad(
            "unit does not fit operator",
            standard_dict([criterion_dict(operator="is_false", threshold=DROP, unit="%")]),
            "criteria.0.unit",
            "expects unit 'bool'",
        ),
        Bad(
            "missing source",
            standard_dict([criterion_dict(source=" ")]),
            "criteria.0.source",
            "expected a source",
        ),
        Bad(
            "unknown applies_to",
            standard_dict([criterion_dict(applies_to="farm")]),
            "criteria.0.applies_to",
            "input should be",
        ),
        Bad(
            "unknown severity",
            standard_dict([criterion_dict(severity="blocker")]),
            "criteria.0.severity",
            "input should be",
        ),
        Bad(
            "field not snake_case",
            standard_dict([criterion_dict(field="ShadeCover")]),
            "criteria.0.field",
            "string should match pattern",
        ),
        Bad(
            "criterion id not stable form",
            standard_dict([criterion_dict(id="shade")]),
            "criteria.0.id",
            "string should match pattern",
        ),
        Bad(
            "unknown field",
            standard_dict([criterion_dict(weight=2)]),
            "criteria.0.weight",
            "unknown field",
        ),
        Bad(
            "null products",
            standard_dict([criterion_dict(products=None)]),
            "criteria.0.products",
            "leave the key out",
        ),
        Bad(
            "criterion product outside the standard",
            standard_dict([criterion_dict(products=["honey"])]),
            "criteria.0.products",
            "not among the standard's products",
        ),
        Bad(
            "unknown product", standard_dict([ok], products=["tea"]), "products", "unknown product"
        ),
        Bad("version zero", standard_dict([ok], version=0), "version", "greater than or equal"),
        Bad("version as string", standard_dict([ok], version="1"), "version", "valid integer"),
        Bad(
            "negative tolerance",
            standard_dict([ok], minor_fail_tolerance=-1),
            "minor_fail_tolerance",
            "greater than or equal",
        ),
        Bad("bad published day", standard_dict([ok], published="2026-13-01"), "published", "date"),
        Bad("bad id slug", standard_dict([ok], id="Coffee AB"), "id", "pattern"),
        Bad("no sources", standard_dict([ok], sources=[]), "sources", "at least one source"),
    ]


BAD_CASES = _bad_cases()


@pytest.mark.parametrize("case", BAD_CASES, ids=[case.name for case in BAD_CASES])
def test_bad_standard_is_rejected_naming_the_path(case: Bad, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(case.data), encoding="utf-8")
    for source in (path, case.data):
        with pytest.raises(StandardError) as info:
            load_standard(source)
        paths = [p for p, _ in info.value.errors]
        assert case.path in paths, info.value.errors
        reason = dict(info.value.errors)[case.path]
        assert case.reason in reason
        assert f"{case.path}: " in str(info.value)
    assert "bad.json" in str(_raised(path))


def _raised(source: Any) -> StandardError:
    try:
        load_standard(source)
    except StandardError as exc:
        return exc
    raise AssertionError("expected StandardError")


def test_every_problem_is_reported_at_once() -> None:
    data = standard_dict(
        [
            criterion_dict(),
            criterion_dict(field="y_count", operator="bigger"),
            criterion_dict(title={"en": "Shade"}),
        ],
        version="2",
    )
    errors = _raised(data).errors
    assert ("criteria.1.id", "duplicate criterion id 'T-X' (first at criteria.0)") in errors
    assert ("criteria.2.id", "duplicate criterion id 'T-X' (first at criteria.0)") in errors
    assert ("criteria.2.title.es", "missing es translation") in errors
    assert any(path == "criteria.1.operator" for path, _ in errors)
    assert any(path == "version" for path, _ in errors)
    assert len(errors) == len(set(errors))  # reported once each


def test_duplicate_json_keys_and_non_objects_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"id": "a", "id": "b"}', encoding="utf-8")
    assert _raised(path).errors == [("$", "duplicate object key 'id'")]
    path.write_text("[1, 2]", encoding="utf-8")
    assert _raised(path).errors == [("$", "expected a JSON object, found list")]
    path.write_text('{"version": NaN}', encoding="utf-8")
    assert _raised(path).errors[0][0] == "$"
    assert _raised(tmp_path / "missing.json").errors[0][1].startswith("cannot read")


def test_optional_keys_round_trip_without_nulls() -> None:
    criteria = [
        criterion_dict(),
        criterion_dict(id="T-B", field="b_ok", operator="is_true", threshold=DROP, unit="bool"),
        criterion_dict(id="T-C", field="c_pct", threshold=7.5, products=["cacao"], unit="%"),
    ]
    data = standard_dict(criteria, products=["coffee", "cacao"])
    standard = load_standard(copy.deepcopy(data))
    assert standard.to_dict() == data
    assert "threshold" not in standard.to_dict()["criteria"][1]
    assert "products" not in standard.to_dict()["criteria"][0]
    assert isinstance(standard.to_dict()["criteria"][0]["threshold"], int)


def test_shipped_files_must_be_named_by_id_and_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "coffee-ab-9.json").write_text(
        json.dumps(standard_dict([criterion_dict()])), encoding="utf-8"
    )
    (tmp_path / "README.txt").write_text("not a standard", encoding="utf-8")
    monkeypatch.setattr(model_module, "_data_dir", lambda: tmp_path)
    model_module._shipped.cache_clear()
    try:
        with pytest.raises(StandardError, match="expected the name test-std-1.json"):
            shipped_standards()
        (tmp_path / "coffee-ab-9.json").rename(tmp_path / "test-std-1.json")
        model_module._shipped.cache_clear()
        assert list(shipped_standards()) == ["test-std@1"]
    finally:
        model_module._shipped.cache_clear()


# --------------------------------------------------------------------------- diffs


def test_diff_of_two_versions() -> None:
    v1 = shipped_standards()["coffee-ab@1"]
    data = v1.to_dict()
    data["version"] = 2
    data["published"] = "2027-01-15"
    for criterion in data["criteria"]:
        if criterion["id"] == "CAB-SHADE-COVER":
            criterion["threshold"] = 45
            criterion["title"]["es"] = "Cobertura de sombra (tras la poda)"
        if criterion["id"] == "CAB-CANOPY-STRATA":
            criterion["severity"] = "major"
    data["criteria"] = [c for c in data["criteria"] if c["id"] != "CAB-HERBACEOUS-LAYER"]
    added = criterion_dict(id="CAB-EPIPHYTES", field="epiphytes_present", operator="is_true")
    del added["threshold"]
    added["unit"] = "bool"
    data["criteria"].append(added)
    v2 = load_standard(data)

    changes = diff_standards(v1, v2)

    removed = next(c for c in v1.criteria if c.id == "CAB-HERBACEOUS-LAYER").model_dump(
        mode="json", exclude_none=True
    )
    assert changes == [
        Change("changed", None, "version", 1, 2),
        Change("changed", None, "published", "2026-11-25", "2027-01-15"),
        Change("changed", "CAB-CANOPY-STRATA", "severity", "minor", "major"),
        Change("added", "CAB-EPIPHYTES", None, None, added),
        Change("removed", "CAB-HERBACEOUS-LAYER", None, removed, None),
        Change(
            "changed",
            "CAB-SHADE-COVER",
            "title.es",
            "Cobertura de sombra",
            "Cobertura de sombra (tras la poda)",
        ),
        Change("changed", "CAB-SHADE-COVER", "threshold", 40, 45),
    ]
    assert changes[-1].to_dict() == {
        "kind": "changed",
        "criterion_id": "CAB-SHADE-COVER",
        "field": "threshold",
        "before": 40,
        "after": 45,
    }
    assert standard_hash(v1) != standard_hash(v2)


def test_diff_of_equal_standards_is_empty_and_number_spelling_does_not_count() -> None:
    v1 = shipped_standards()["honey-ab@1"]
    assert diff_standards(v1, v1) == []
    data = v1.to_dict()
    data["criteria"][3]["threshold"] = 20.0  # same JSON number as 20
    same = load_standard(data)
    assert diff_standards(v1, same) == []
    assert standard_hash(same) == standard_hash(v1)


def test_diff_reports_reordered_criteria_and_optional_keys() -> None:
    a = make_standard(
        [criterion_dict(), criterion_dict(id="T-Y", field="y_count")],
        products=["coffee", "cacao"],
    )
    b = make_standard(
        [criterion_dict(id="T-Y", field="y_count", products=["cacao"]), criterion_dict()],
        products=["coffee", "cacao"],
    )
    assert diff_standards(a, b) == [
        Change("changed", "T-Y", "products", None, ["cacao"]),
        Change("changed", None, "criteria.order", ["T-X", "T-Y"], ["T-Y", "T-X"]),
    ]


# --------------------------------------------------------------------------- module surface


def test_error_tree() -> None:
    for cls in (
        StandardError,
        RuleEvaluationError,
        RuleViolationError,
        EligibilityError,
        FindingsMismatchError,
    ):
        assert issubclass(cls, VerificationError)
    assert issubclass(VerificationError, LedgerError)
    error = StandardError("bad", [("criteria.0.id", "duplicate")])
    assert error.errors == [("criteria.0.id", "duplicate")]
    assert StandardError("bad").errors == []


@pytest.mark.parametrize("module", [verifiers.errors, verifiers.standards, verifiers.rules])
def test_exported_members(module: Any) -> None:
    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), name


def test_operators_are_the_documented_set() -> None:
    assert set(OPERATORS) == {
        "gte",
        "lte",
        "gt",
        "lt",
        "eq",
        "in",
        "not_in",
        "none_of",
        "all_of",
        "within_date",
        "before_date",
        "after_date",
        "is_true",
        "is_false",
    }
