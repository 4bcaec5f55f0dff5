"""What of the raw figures may be published: small cells of people are suppressed.

Rules (``docs/indicators.md``), applied to every output — report, page, CLI:

1. A count of people (producers reached, producers trained, people with consented data) is
   shown only when it is at least :data:`MIN_CELL`.
2. A count of a group of those people (women, youth, Indigenous-language speakers) is
   shown only when both the group and the rest of the people it is drawn from reach
   :data:`MIN_CELL`: "6 of 8 are women" would tell that the other 2 are not.
3. A total (a landscape, a product) hides a people figure when exactly one of the rows it adds
   up hides it, or the hidden row could be recovered by subtraction.

Figures about land, lots and labels are not about people and are always shown.
:func:`publish` writes the JSON every face shows; :func:`check_disclosure` re-applies the
rules to published people figures that cannot be recomputed (they come from off-ledger
data) and says what breaks them.

Left out: the counting (``verifiers.indicators.figures``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from ledger.supply.payments import mxn
from verifiers.indicators.figures import Cell, CellKey, RawFigures

__all__ = [
    "MIN_CELL",
    "PEOPLE_FIELDS",
    "check_disclosure",
    "publish",
    "rollups",
]

MIN_CELL = 5
"""The fewest people a shown figure may rest on."""

PEOPLE_FIELDS = ("with_data", "women", "youth", "indigenous")

LEDGER_PEOPLE_FIELDS = ("producers", "trained_producers")
"""Counts of people a row derives from the ledger (pseudonymous ids): suppressed too."""
"""The people figures of a row that come from off-ledger data."""

_LEVELS: dict[str, Callable[[CellKey], tuple[str, ...]]] = {
    "landscapes": lambda k: (k.landscape, k.product, k.season),
    "products": lambda k: (k.product, k.season),
}
_LEVEL_NAMES = {"landscapes": ("landscape", "product", "season"), "products": ("product", "season")}


def _hectares(value: Decimal) -> str:
    return f"{value:.2f}"


def _kg(grams: int) -> str:
    return f"{Decimal(grams) / 1000:.3f}"


def _money(by_currency: dict[str, int]) -> dict[str, str]:
    """Exact amounts per currency (never added across currencies), two decimals."""
    return {currency: mxn(amount) for currency, amount in sorted(by_currency.items())}


def _count(people: int) -> int | None:
    return people if people >= MIN_CELL else None


def _group(members: int, among: int) -> int | None:
    return members if members >= MIN_CELL and among - members >= MIN_CELL else None


def _row(cell: Cell, has_people: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "plots": cell.plots,
        "hectares": _hectares(cell.hectares),
        "plots_verified": cell.plots_verified,
        "hectares_verified": _hectares(cell.hectares_verified),
        "producers": _count(len(cell.producers)),
        "labels_issued": cell.labels_issued,
        "labels_revoked": cell.labels_revoked,
        "label_units": cell.label_units,
        "lots_shipped": cell.lots_shipped,
        "shipped_kg": _kg(cell.shipped_g),
        "eligible_lots_shipped": cell.eligible_lots_shipped,
        "eligible_shipped_kg": _kg(cell.eligible_shipped_g),
        "lots_sold": cell.lots_sold,
        "sold_kg": _kg(cell.sold_g),
        "eligible_lots_sold": cell.eligible_lots_sold,
        "eligible_sold_kg": _kg(cell.eligible_sold_g),
        "sales_value": _money(cell.sales_cents),
        "eligible_sales_value": _money(cell.eligible_sales_cents),
        "purchases": cell.purchases,
        "purchased_mxn": mxn(cell.purchased_cents),
        "premiums_mxn": mxn(cell.premiums_cents),
        "paid_to_producers_mxn": mxn(cell.paid_cents),
        "training_sessions": cell.training_sessions,
        "trained_producers": _count(len(cell.trained)),
    }
    if has_people:
        among = len(cell.people)
        row["people"] = {
            "with_data": _count(among),
            "women": _group(len(cell.women), among),
            "youth": _group(len(cell.youth), among),
            "indigenous": _group(len(cell.indigenous), among),
        }
    return row


def _hide_recoverable(total: dict[str, Any], members: list[dict[str, Any]]) -> None:
    """Rule 3: a total hides what exactly one of its rows hides."""
    for name in LEDGER_PEOPLE_FIELDS:
        if sum(m[name] is None for m in members) == 1:
            total[name] = None
    if "people" in total:
        for name in PEOPLE_FIELDS:
            if sum(m["people"][name] is None for m in members) == 1:
                total["people"][name] = None


def rollups(raw: RawFigures) -> dict[str, dict[tuple[str, ...], tuple[Cell, list[CellKey]]]]:
    """Per level, each total's merged cell and the cells it adds up."""
    found: dict[str, dict[tuple[str, ...], tuple[Cell, list[CellKey]]]] = {}
    for level, group_of in _LEVELS.items():
        totals: dict[tuple[str, ...], tuple[Cell, list[CellKey]]] = {}
        for key, cell in raw.cells.items():
            merged, keys = totals.setdefault(group_of(key), (Cell(), []))
            merged.merge(cell)
            keys.append(key)
        found[level] = dict(sorted(totals.items()))
    return found


def publish(raw: RawFigures, *, has_people: bool) -> dict[str, Any]:
    """The figures as every face shows them: cells, landscape totals, product totals.

    Args:
        raw: the counts.
        has_people: whether off-ledger statistical data was used (adds ``people``).
    """
    rows = {key: _row(cell, has_people) for key, cell in raw.cells.items()}
    published: dict[str, Any] = {
        "as_of": raw.as_of.isoformat(),
        "min_cell": MIN_CELL,
        "cells": [
            {
                "association": key.association,
                "landscape": key.landscape,
                "product": key.product,
                "season": key.season,
                **row,
            }
            for key, row in rows.items()
        ],
    }
    level_rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for level, totals in rollups(raw).items():
        published[level] = []
        for group, (merged, keys) in totals.items():
            total = _row(merged, has_people)
            below = _members(level, group, keys, rows, level_rows)
            _hide_recoverable(total, below)
            level_rows[(level, *group)] = total
            published[level].append({**dict(zip(_LEVEL_NAMES[level], group, strict=True)), **total})
    return published


def _members(
    level: str,
    group: tuple[str, ...],
    keys: list[CellKey],
    rows: dict[CellKey, dict[str, Any]],
    level_rows: dict[tuple[str, ...], dict[str, Any]],
) -> list[dict[str, Any]]:
    """The rows a total adds up: cells for a landscape, landscapes for a product."""
    if level == "landscapes":
        return [rows[k] for k in keys]
    return [
        level_rows[("landscapes", *k)]
        for k in sorted({(k.landscape, k.product, k.season) for k in keys})
    ]


def _people_rows(published: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    for level in ("cells", *_LEVELS):
        for index, row in enumerate(published.get(level, [])):
            yield f"{level}[{index}]", row


def check_disclosure(published: dict[str, Any]) -> list[tuple[str, str]]:
    """Rules 1 and 2 over published rows: ``(where, why)`` for every figure that breaks them.

    Rule 3 needs the raw counts; :func:`publish` applies it and a verifier that recomputes
    the ledger figures compares the whole rows instead.
    """
    problems: list[tuple[str, str]] = []
    for where, row in _people_rows(published):
        for name in LEDGER_PEOPLE_FIELDS:
            count = row.get(name)
            if isinstance(count, int) and count < MIN_CELL:
                problems.append((f"{where}.{name}", f"{count} people is under {MIN_CELL}"))
        people = row.get("people")
        if not isinstance(people, dict):
            continue
        among = people.get("with_data")
        if among is not None and among < MIN_CELL:
            problems.append((f"{where}.people.with_data", f"{among} people is under {MIN_CELL}"))
        for name in PEOPLE_FIELDS[1:]:
            value = people.get(name)
            if value is None:
                continue
            if among is None or value < MIN_CELL or among - value < MIN_CELL:
                problems.append(
                    (
                        f"{where}.people.{name}",
                        f"{value} of {among} leaves a group under {MIN_CELL}",
                    )
                )
    return problems
