"""Standards as versioned data: criteria with an operator, a threshold, a severity and a source.

A standard (DESIGN §6) is a JSON document such as ``data/coffee-ab-1.json``. It is loaded
into a frozen :class:`Standard` whose :meth:`Standard.to_dict` is *exactly* the JSON content
(``model_dump(mode="json")``): nothing is added (no defaults are written out), nothing is
dropped, numbers keep their spelling (``40`` stays an int, ``7.5`` a float). The ledger records
:func:`standard_hash`, the SHA-256 of the RFC 8785 (JCS) form of that dict, and a verification
names the hash it used; so the hash of a shipped file is the hash of the file's JSON value.
To make that hold, ``null`` is never a value in a standard: the two optional keys
(``threshold`` for ``is_true``/``is_false``, and a criterion's ``products``) are left out
instead, and :meth:`Standard.to_dict` leaves them out too.

Operators and the threshold each expects (checked when a standard is loaded):

=============== ======================================= ======================================
operator        threshold                               evidence value passes when
=============== ======================================= ======================================
gte gt lte lt   number (not bool)                       number ``>=``/``>``/``<=``/``<`` it
eq              number, string or bool                  same kind and equal
in / not_in     non-empty list of distinct strings      string is / is not in it (casefolded)
none_of         non-empty list of distinct strings      list of strings shares no element
all_of          non-empty list of distinct strings      list of strings contains every element
within_date     ``{"from": date, "to": date}``          date with from <= value <= to
before_date     date ``YYYY-MM-DD``                     date strictly before it
after_date      date ``YYYY-MM-DD``                     date strictly after it
is_true         (none: leave the key out)               ``true``
is_false        (none: leave the key out)               ``false``
=============== ======================================= ======================================

The rule engine that applies these is :mod:`verifiers.rules`.

Left out: evaluation (``verifiers.rules``), recording standards in the ledger (an entry type
elsewhere), YAML (not a dependency; standards ship as JSON), and per-criterion logic beyond a
single operator (no AND/OR trees: a composite rule is several criteria).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, NewType

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ledger.canonical import canonicalize, parse_json_strict
from ledger.errors import EncodingError
from ledger.supply.conversions import PRODUCTS
from verifiers.errors import StandardError

__all__ = [
    "BOOL_OPERATORS",
    "DATE_OPERATORS",
    "LANGUAGES",
    "LIST_OPERATORS",
    "NUMBER_OPERATORS",
    "OPERATORS",
    "SEVERITIES",
    "SUBJECT_KINDS",
    "Change",
    "Criterion",
    "LocalizedText",
    "Severity",
    "Standard",
    "StandardHash",
    "SubjectKind",
    "diff_standards",
    "is_date",
    "is_number",
    "load_standard",
    "shipped_standards",
    "standard_hash",
    "threshold_problem",
]

StandardHash = NewType("StandardHash", str)
"""Hex SHA-256 of a standard's canonical (RFC 8785) JSON: what the ledger records."""

LANGUAGES = ("es", "en")
"""Every text of a standard exists in each of these languages."""

NUMBER_OPERATORS = ("gte", "gt", "lte", "lt")
LIST_OPERATORS = ("in", "not_in", "none_of", "all_of")
DATE_OPERATORS = ("within_date", "before_date", "after_date")
BOOL_OPERATORS = ("is_true", "is_false")
OPERATORS = (*NUMBER_OPERATORS, "eq", *LIST_OPERATORS, *DATE_OPERATORS, *BOOL_OPERATORS)
"""Every operator a criterion may use; anything else is refused when the standard loads."""

SubjectKind = Literal["plot", "apiary", "lot", "association"]
SUBJECT_KINDS: tuple[SubjectKind, ...] = ("plot", "apiary", "lot", "association")
"""What a criterion applies to. ``association`` is the ledger's ``org`` of an association."""

Severity = Literal["critical", "major", "minor"]
SEVERITIES: tuple[Severity, ...] = ("critical", "major", "minor")

# The unit a criterion must declare for operators whose evidence has one fixed type.
_FIXED_UNITS = {
    **dict.fromkeys(DATE_OPERATORS, "date"),
    **dict.fromkeys(BOOL_OPERATORS, "bool"),
    "none_of": "list",
    "all_of": "list",
}

_STANDARD_ID = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
_CRITERION_ID = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$"
_FIELD_NAME = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

_TEXT_FIELDS = ("title", "description", "guidance")

_CONFIG = ConfigDict(frozen=True, extra="forbid", strict=True)


class _ProblemsError(ValueError):
    """Several ``(relative path, reason)`` problems raised from one model validator."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {reason}" for path, reason in problems))
        self.problems = problems


@lru_cache(maxsize=65536)
def _is_day(value: str) -> bool:
    # Cached: evidence repeats a few thousand distinct days over millions of records.
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_date(value: object) -> bool:
    """Whether ``value`` is a ``YYYY-MM-DD`` string naming a real calendar day.

    ``date.fromisoformat`` alone is not enough: since Python 3.11 it also accepts
    ``20261125`` and ``2026-W48-3``.
    """
    return type(value) is str and _is_day(value)


def is_number(value: object) -> bool:
    """Whether ``value`` is a finite int or float; ``bool`` is not a number here."""
    if type(value) is int:
        return True
    return type(value) is float and math.isfinite(value)


def _json_type(value: object) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number" if math.isfinite(value) else "non-finite number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _string_list_problem(operator: str, value: object) -> str | None:
    if not isinstance(value, list) or not value:
        return f"operator {operator} expects a non-empty list of strings, found {_json_type(value)}"
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str) or not item.strip():
            return f"operator {operator} expects non-empty strings in its list, found {item!r}"
        folded = item.casefold()
        if folded in seen:
            return f"operator {operator} lists {item!r} twice"
        seen.add(folded)
    return None


def threshold_problem(operator: str, threshold: object) -> str | None:
    """Why ``threshold`` does not suit ``operator``, or ``None`` when it does.

    Args:
        operator: One of :data:`OPERATORS`.
        threshold: The JSON value from the standard (``None`` when the key is left out).
    """
    if operator in NUMBER_OPERATORS:
        if not is_number(threshold):
            return f"operator {operator} expects a number, found {_json_type(threshold)}"
        return None
    if operator == "eq":
        if not (is_number(threshold) or isinstance(threshold, str | bool)):
            return f"operator eq expects a number, string or bool, found {_json_type(threshold)}"
        return None
    if operator in LIST_OPERATORS:
        return _string_list_problem(operator, threshold)
    if operator in ("before_date", "after_date"):
        if not is_date(threshold):
            return f"operator {operator} expects a date YYYY-MM-DD, found {threshold!r}"
        return None
    if operator == "within_date":
        if not isinstance(threshold, dict) or set(threshold) != {"from", "to"}:
            return 'operator within_date expects {"from": date, "to": date}'
        start, end = threshold["from"], threshold["to"]
        if not (is_date(start) and is_date(end)):
            return f"operator within_date expects dates YYYY-MM-DD, found {start!r}, {end!r}"
        if str(start) > str(end):
            return f"operator within_date expects from <= to, found {start} > {end}"
        return None
    if operator in BOOL_OPERATORS:
        return f"operator {operator} takes no threshold: leave the key out"
    return f"unknown operator {operator!r}"


class LocalizedText(BaseModel):
    """A text in Spanish and English; both are required and non-empty."""

    model_config = _CONFIG

    es: str
    en: str

    @field_validator("es", "en")
    @classmethod
    def _non_empty(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError(f"empty {info.field_name} translation")
        return value


def _check_products(values: list[str] | None) -> list[str]:
    if values is None:
        raise ValueError("null is not a product list: leave the key out")
    if not values:
        raise ValueError("expected at least one product")
    for value in values:
        if value not in PRODUCTS:
            raise ValueError(f"unknown product {value!r}; known: {', '.join(sorted(PRODUCTS))}")
    if len(set(values)) != len(values):
        raise ValueError("a product is listed twice")
    return values


class Criterion(BaseModel):
    """One measurable requirement: ``evidence[field] <operator> threshold`` on a subject.

    Attributes:
        id: Stable id, e.g. ``CAB-SHADE-COVER``; never reused for another meaning.
        title: Short name in es/en.
        guidance: How to measure or declare the evidence, in es/en.
        applies_to: The subject kind whose evidence is checked.
        field: Evidence field name (snake_case), e.g. ``shade_cover_pct``.
        operator: One of :data:`OPERATORS`.
        threshold: JSON value whose type depends on the operator (module table); left out for
            ``is_true``/``is_false``.
        unit: Unit of the evidence value (``%``, ``m``, ``count``, ``mg/kg``, ``date``, ``bool``,
            ``list``…); date, bool and list operators require ``date``, ``bool``, ``list``.
        severity: ``critical``, ``major`` or ``minor``.
        source: Where the number comes from (citation, with the facts.md tag).
        products: The products the criterion applies to, when only some of the standard's;
            left out when it applies to all of them.
    """

    model_config = _CONFIG

    id: str = Field(pattern=_CRITERION_ID)
    title: LocalizedText
    guidance: LocalizedText
    applies_to: SubjectKind
    field: str = Field(pattern=_FIELD_NAME)
    operator: str
    threshold: JsonValue = None
    unit: str
    severity: Severity
    source: str
    products: list[str] | None = None

    @field_validator("operator")
    @classmethod
    def _known_operator(cls, value: str) -> str:
        if value not in OPERATORS:
            raise ValueError(f"unknown operator {value!r}; expected one of {', '.join(OPERATORS)}")
        return value

    @field_validator("threshold")
    @classmethod
    def _threshold_fits_operator(cls, value: JsonValue, info: ValidationInfo) -> JsonValue:
        operator = info.data.get("operator")
        if operator is None:  # the operator itself is invalid and reported on its own path
            return value
        problem = threshold_problem(operator, value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("unit")
    @classmethod
    def _unit_fits_operator(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError("expected a unit, found an empty string")
        expected = _FIXED_UNITS.get(info.data.get("operator", ""))
        if expected is not None and value != expected:
            raise ValueError(
                f"operator {info.data['operator']} expects unit {expected!r}, found {value!r}"
            )
        return value

    @field_validator("source")
    @classmethod
    def _has_source(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("expected a source for the criterion, found an empty string")
        return value

    @field_validator("products")
    @classmethod
    def _products(cls, value: list[str] | None) -> list[str] | None:
        return _check_products(value)

    @model_validator(mode="after")
    def _threshold_present(self) -> Criterion:
        if self.operator not in BOOL_OPERATORS and "threshold" not in self.model_fields_set:
            raise _ProblemsError([("threshold", f"operator {self.operator} needs a threshold")])
        return self


def _duplicate_id_problems(ids: Iterable[object]) -> list[tuple[str, str]]:
    """One problem per criterion whose id was already used by an earlier criterion."""
    first: dict[str, int] = {}
    problems = []
    for index, cid in enumerate(ids):
        if not isinstance(cid, str):
            continue
        if cid in first:
            problems.append(
                (
                    f"criteria.{index}.id",
                    f"duplicate criterion id {cid!r} (first at criteria.{first[cid]})",
                )
            )
        else:
            first[cid] = index
    return problems


class Standard(BaseModel):
    """A versioned standard: metadata plus a non-empty list of criteria.

    Attributes:
        id: Slug such as ``coffee-ab``.
        version: Integer ≥ 1; a changed standard is a new version, never an edited one.
        title: Name in es/en.
        description: What the standard is and where its criteria come from, in es/en.
        products: Products it certifies (keys of ``ledger.supply.conversions.PRODUCTS``).
        published: Publication date ``YYYY-MM-DD``.
        minor_fail_tolerance: How many failed or missing minor findings still pass.
        criteria: The criteria, ids unique.
        sources: The documents the criteria are built from.
    """

    model_config = _CONFIG

    id: str = Field(pattern=_STANDARD_ID)
    version: int = Field(ge=1)
    title: LocalizedText
    description: LocalizedText
    products: list[str]
    published: str
    minor_fail_tolerance: int = Field(ge=0)
    criteria: list[Criterion]
    sources: list[str]

    @field_validator("products")
    @classmethod
    def _products(cls, value: list[str]) -> list[str]:
        return _check_products(value)

    @field_validator("published")
    @classmethod
    def _published(cls, value: str) -> str:
        if not is_date(value):
            raise ValueError(f"expected a date YYYY-MM-DD, found {value!r}")
        return value

    @field_validator("criteria")
    @classmethod
    def _some_criteria(cls, value: list[Criterion]) -> list[Criterion]:
        if not value:
            raise ValueError("a standard needs at least one criterion")
        return value

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("expected at least one source")
        for item in value:
            if not item.strip():
                raise ValueError("expected non-empty sources, found an empty string")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Standard:
        problems = _duplicate_id_problems(c.id for c in self.criteria)
        for index, criterion in enumerate(self.criteria):
            for product in criterion.products or ():
                if product not in self.products:
                    problems.append(
                        (
                            f"criteria.{index}.products",
                            f"product {product!r} is not among the standard's products "
                            f"{self.products}",
                        )
                    )
        if problems:
            raise _ProblemsError(problems)
        return self

    @property
    def key(self) -> str:
        """``"<id>@<version>"``, the key of :func:`shipped_standards`."""
        return f"{self.id}@{self.version}"

    def to_dict(self) -> dict[str, Any]:
        """The standard as JSON data, equal to the JSON file it was loaded from.

        ``None`` is never a value of a valid standard (it is refused on load), so leaving out
        ``None`` leaves out exactly the optional keys that were not given.
        """
        return self.model_dump(mode="json", exclude_none=True)

    def canonical_bytes(self) -> bytes:
        """The RFC 8785 bytes of :meth:`to_dict`: what :func:`standard_hash` hashes."""
        return canonicalize(self.to_dict())

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id.

        Raises:
            KeyError: no such criterion.
        """
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)


def standard_hash(standard: Standard) -> StandardHash:
    """Hex SHA-256 of the standard's canonical JSON, the hash recorded in the ledger.

    The hashed value is :meth:`Standard.to_dict`, which equals the standard's JSON file, so
    anyone can recompute the hash from the file with any RFC 8785 implementation.
    """
    return StandardHash(hashlib.sha256(standard.canonical_bytes()).hexdigest())


def _path(parts: Iterable[object]) -> str:
    text = ".".join(str(part) for part in parts)
    return text or "$"


def _problems_from(exc: ValidationError) -> list[tuple[str, str]]:
    """Turn pydantic errors into ``(dotted path, reason)`` pairs with readable reasons."""
    problems: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, _ProblemsError):
            for sub, reason in cause.problems:
                problems.append((_path([*loc, sub]), reason))
            continue
        if isinstance(cause, ValueError):
            reason = str(cause)
        elif err["type"] == "missing" and loc and loc[-1] in LANGUAGES:
            reason = f"missing {loc[-1]} translation"
        elif err["type"] == "missing":
            reason = "required field is missing"
        elif err["type"] == "extra_forbidden":
            reason = "unknown field"
        elif err["type"] == "model_type" and loc and loc[-1] in _TEXT_FIELDS:
            reason = 'expected an object with texts {"es": ..., "en": ...}'
        elif err["type"] == "model_type":
            reason = "expected a JSON object"
        else:
            reason = err["msg"][:1].lower() + err["msg"][1:]
        problems.append((_path(loc), reason))
    return problems


def _validate(raw: object, where: str) -> Standard:
    """Validate parsed JSON into a :class:`Standard`, collecting every problem."""
    if not isinstance(raw, dict):
        raise StandardError(
            f"invalid standard {where}: expected a JSON object, found {_json_type(raw)}",
            [("$", f"expected a JSON object, found {_json_type(raw)}")],
        )
    problems: list[tuple[str, str]] = []
    criteria = raw.get("criteria")
    if isinstance(criteria, list):
        # Reported even when other errors keep pydantic from reaching the model validator.
        problems += _duplicate_id_problems(
            c.get("id") if isinstance(c, dict) else None for c in criteria
        )
    try:
        standard = Standard.model_validate(raw)
    except ValidationError as exc:
        problems += _problems_from(exc)
    else:
        if not problems:
            return standard
    unique = list(dict.fromkeys(problems))
    listed = "; ".join(f"{path}: {reason}" for path, reason in unique)
    raise StandardError(f"invalid standard {where}: {listed}", unique)


def load_standard(source: str | os.PathLike[str] | Mapping[str, Any]) -> Standard:
    """Load and validate a standard from a JSON file or from already-parsed JSON data.

    Args:
        source: A path to a ``.json`` file, or a mapping (the parsed JSON object).

    Returns:
        The validated, frozen standard.

    Raises:
        StandardError: the file cannot be read or is not strict JSON (duplicate keys, NaN),
            or the data is not a valid standard; ``errors`` lists every problem as
            ``(path, reason)``.
    """
    if isinstance(source, Mapping):
        return _validate(dict(source), "(dict)")
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StandardError(
            f"cannot read standard {path}: {exc}", [("$", f"cannot read: {exc}")]
        ) from exc
    return _load_bytes(data, path.name)


def _load_bytes(data: bytes, where: str) -> Standard:
    try:
        raw = parse_json_strict(data)
    except EncodingError as exc:
        raise StandardError(f"invalid standard {where}: {exc}", [("$", str(exc))]) from exc
    return _validate(raw, where)


def _data_dir() -> Traversable:
    return resources.files("verifiers.standards") / "data"


@lru_cache(maxsize=1)
def _shipped() -> tuple[Standard, ...]:
    standards = []
    for item in sorted(_data_dir().iterdir(), key=lambda entry: entry.name):
        if not item.name.endswith(".json"):
            continue
        standard = _load_bytes(item.read_bytes(), item.name)
        expected = f"{standard.id}-{standard.version}.json"
        if item.name != expected:
            raise StandardError(
                f"standard file {item.name} holds {standard.key}: expected the name {expected}",
                [("$", f"file name {item.name} does not match {expected}")],
            )
        standards.append(standard)
    return tuple(standards)


def shipped_standards() -> dict[str, Standard]:
    """Every standard shipped in ``verifiers/standards/data/``, keyed ``"<id>@<version>"``.

    Files are named ``<id>-<version>.json``; a file is never edited once published, a new
    version is a new file.

    Raises:
        StandardError: a shipped file is invalid or misnamed.
    """
    return {standard.key: standard for standard in _shipped()}


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two standards, as listed by :func:`diff_standards`.

    Attributes:
        kind: ``added`` / ``removed`` (a whole criterion) or ``changed`` (one field).
        criterion_id: The criterion, or ``None`` for a standard-level field.
        field: Dotted field name (``threshold``, ``title.es``, ``minor_fail_tolerance``), or
            ``None`` for an added or removed criterion.
        before: Old JSON value (``None`` when absent or for an added criterion).
        after: New JSON value (``None`` when absent or for a removed criterion).
    """

    kind: Literal["added", "removed", "changed"]
    criterion_id: str | None
    field: str | None
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, every key present."""
        return {
            "kind": self.kind,
            "criterion_id": self.criterion_id,
            "field": self.field,
            "before": self.before,
            "after": self.after,
        }


def _flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            flat.update(_flatten(item, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = item
    return flat


def _field_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], criterion_id: str | None
) -> list[Change]:
    old, new = _flatten(before), _flatten(after)
    changes = []
    for name in [*old, *(key for key in new if key not in old)]:
        a, b = old.get(name), new.get(name)
        # Compare canonical forms: 40 and 40.0 are one JSON number, true and 1 are not.
        if a is None or b is None or canonicalize(a) != canonicalize(b):
            if a is not None or b is not None:
                changes.append(Change("changed", criterion_id, name, a, b))
    return changes


def diff_standards(a: Standard, b: Standard) -> list[Change]:
    """What changed from standard ``a`` to standard ``b`` (typically two versions of one id).

    Order: standard-level fields first (in field order), then criteria by id (removed, added
    or changed field by field), then a ``criteria.order`` change when the shared criteria
    were reordered (order is part of the hash, not of the rules).

    Returns:
        The changes; empty when the two standards hash the same.
    """
    da, db = a.to_dict(), b.to_dict()
    criteria_a = {c["id"]: c for c in da.pop("criteria")}
    criteria_b = {c["id"]: c for c in db.pop("criteria")}
    changes = _field_changes(da, db, None)
    for cid in sorted(criteria_a.keys() | criteria_b.keys()):
        if cid not in criteria_b:
            changes.append(Change("removed", cid, None, criteria_a[cid], None))
        elif cid not in criteria_a:
            changes.append(Change("added", cid, None, None, criteria_b[cid]))
        else:
            changes += _field_changes(criteria_a[cid], criteria_b[cid], cid)
    order_a = [cid for cid in criteria_a if cid in criteria_b]
    order_b = [cid for cid in criteria_b if cid in criteria_a]
    if order_a != order_b:
        changes.append(Change("changed", None, "criteria.order", order_a, order_b))
    return changes
