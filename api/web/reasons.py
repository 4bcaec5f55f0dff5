"""An ineligible lot's reasons as a reader wants them: one line each, in their language.

``verifiers.eligibility`` explains a blend by chaining its inputs' reasons into one message
("input lot … is not eligible: plot:cs-plot07 had no valid passing verification for coffee
covering the harvest 2025-12-20..2025-12-22"), which is exact but unreadable on a phone. Here the
chain is unfolded down to its origins, duplicates are dropped, and each origin that failed
says which criterion failed there, with the measured value against the threshold, as the
certifier recorded it::

    Parcela cs-plot07 (Tenejapa): Cobertura de sombra: 25 %; se requiere al menos 40 %

Numbers follow Mexican usage (``1,234.5``), dates ``dd/mm/aaaa``. Nothing is recomputed: the
lines come from the eligibility verdicts and the verifications' recorded findings.
"""

from __future__ import annotations

from typing import Any

from api.i18n import mx_date, mx_number
from ledger.state import State
from verifiers.certification import VERIFICATION_KIND, VERIFIES, standard_from_state
from verifiers.eligibility import Eligibility, Reason, check_eligibility
from verifiers.standards.model import Criterion

__all__ = ["reason_lines"]

Line = dict[str, str]
"""One reason in each language: ``{"es": …, "en": …}``."""

MAX_DEPTH = 12
"""Blends of blends deeper than this are not unfolded further (the chain message is kept)."""

_SITE = {"plot": ("Parcela", "Plot"), "apiary": ("Apiario", "Apiary")}
_PRODUCT = {
    "coffee": ("café", "coffee"),
    "cacao": ("cacao", "cacao"),
    "honey": ("miel", "honey"),
}
_COMPARISON = {
    "gte": ("se requiere al menos {t}", "at least {t} required"),
    "gt": ("se requiere más de {t}", "more than {t} required"),
    "lte": ("se permite como máximo {t}", "at most {t} allowed"),
    "lt": ("se requiere menos de {t}", "less than {t} required"),
    "eq": ("se requiere {t}", "{t} required"),
    "in": ("se requiere uno de: {t}", "one of {t} required"),
    "not_in": ("no se admite: {t}", "not allowed: {t}"),
    "none_of": ("no se admite ninguno de: {t}", "none of {t} allowed"),
    "all_of": ("se requieren todos: {t}", "all of {t} required"),
    "within_date": ("se requiere una fecha dentro de {t}", "a date within {t} required"),
    "before_date": ("se requiere una fecha anterior a {t}", "a date before {t} required"),
    "after_date": ("se requiere una fecha posterior a {t}", "a date after {t} required"),
    "is_true": ("se requiere: sí", "required: yes"),
    "is_false": ("se requiere: no", "required: no"),
}
_PLAIN_UNITS = {"bool", "date", "list", "count", "text"}


def _value(value: Any, unit: str, lang: int) -> str:
    """An evidence value or threshold with its unit, in the reader's language."""
    if isinstance(value, bool):
        return ("sí", "yes")[lang] if value else "no"
    if isinstance(value, int | float):
        text = mx_number(value)
        return text if unit in _PLAIN_UNITS else f"{text}\u00a0{unit}"  # kept on one line
    if isinstance(value, list):
        return ", ".join(_value(item, unit, lang) for item in value)
    if isinstance(value, str) and unit == "date":
        return mx_date(value)
    return str(value)


def _site(state: State, node: str) -> tuple[str, str] | None:
    """``("Parcela cs-plot07 (Tenejapa)", "Plot cs-plot07 (Tenejapa)")`` for a site node."""
    kind, _, site_id = node.partition(":")
    names = _SITE.get(kind)
    if names is None:
        return None
    doc = state.get(kind, site_id) or {}
    place = doc.get("municipality")
    suffix = f" ({place})" if place else ""
    return f"{names[0]} {site_id}{suffix}", f"{names[1]} {site_id}{suffix}"


def _failed_criteria(state: State, node: str) -> list[Line]:
    """What the certifiers' recorded findings say failed (or lacked evidence) on a site."""
    kind, _, site_id = node.partition(":")
    lines: list[Line] = []
    seen: set[str] = set()
    for verification_id in state.linked(VERIFIES, node):
        doc = state.get(VERIFICATION_KIND, verification_id)
        if doc is None:
            continue
        standard = standard_from_state(state, doc["standard_hash"])
        criteria: dict[str, Criterion] = {c.id: c for c in standard.criteria} if standard else {}
        for finding in doc.get("findings", []):
            if (finding.get("subject_kind"), finding.get("subject_id")) != (kind, site_id):
                continue
            criterion = criteria.get(finding["criterion_id"])
            if finding["status"] == "pass" or criterion is None or criterion.id in seen:
                continue
            seen.add(criterion.id)
            lines.append(_criterion_line(criterion, finding))
    return lines


def _criterion_line(criterion: Criterion, finding: dict[str, Any]) -> Line:
    """``Cobertura de sombra: 25 %; se requiere al menos 40 %`` in both languages."""
    line: Line = {}
    for index, lang in enumerate(("es", "en")):
        title = getattr(criterion.title, lang)
        if finding["status"] == "missing":
            measured = ("sin dato registrado", "no evidence recorded")[index]
        else:
            measured = _value(finding.get("value"), criterion.unit, index)
        wanted = _COMPARISON.get(criterion.operator, ("{t}", "{t}"))[index].format(
            t=_value(criterion.threshold, criterion.unit, index)
        )
        line[lang] = f"{title}: {measured}; {wanted}"
    return line


def _origin_lines(state: State, reason: Reason) -> list[Line]:
    """The lines of one uncertified origin: each failed criterion, or why none applied."""
    site = _site(state, reason.subject)
    if site is None:
        return [{"es": reason.message_es, "en": reason.message_en}]
    failed = _failed_criteria(state, reason.subject)
    if failed:
        return [
            {lang: f"{site[i]}: {f[lang]}" for i, lang in enumerate(("es", "en"))} for f in failed
        ]
    lot = state.get("lot", reason.lot_id) or {}
    product = _PRODUCT.get(str(lot.get("product")), (lot.get("product"), lot.get("product")))
    window = lot.get("harvest") or {}
    span = f"{mx_date(str(window.get('from', '')))}–{mx_date(str(window.get('to', '')))}"
    return [
        {
            "es": f"{site[0]}: ninguna verificación aprobada y vigente para {product[0]} "
            f"durante la cosecha del {span}",
            "en": f"{site[1]}: no valid passing verification for {product[1]} covering the "
            f"harvest {span}",
        }
    ]


def _unfold(state: State, verdict: Eligibility, depth: int, seen: set[str]) -> list[Reason]:
    """The verdict's reasons with every ineligible input replaced by its own, recursively."""
    found: list[Reason] = []
    for reason in verdict.reasons:
        key = f"{reason.code}|{reason.subject}"
        if key in seen:
            continue
        seen.add(key)
        input_id = reason.subject.partition(":")[2]
        if reason.code == "input_not_eligible" and depth < MAX_DEPTH and state.get("lot", input_id):
            found.extend(_unfold(state, check_eligibility(state, input_id), depth + 1, seen))
        else:
            found.append(reason)
    return found


def reason_lines(state: State, verdict: Eligibility) -> list[Line]:
    """Why a lot is not eligible, one line per cause, in Spanish and English (empty if it is).

    Blends are unfolded to the origins behind them; each uncertified plot or apiary names the
    criteria its verification failed, measured value against the threshold.
    """
    lines: list[Line] = []
    for reason in _unfold(state, verdict, 0, set()):
        if reason.code == "origin_not_certified":
            lines.extend(_origin_lines(state, reason))
        else:
            lines.append({"es": reason.message_es, "en": reason.message_en})
    unique: dict[str, Line] = {line["en"]: line for line in lines}
    return list(unique.values())
