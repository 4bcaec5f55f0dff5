"""The catalogue's query parameters, checked strictly: one definition for the JSON API and
the page, so both refuse the same things and name the same parameter.

Known parameters only (``lang`` is the page's own); each at most once; ``product`` from the
ledger's products, ``association`` and ``standard`` shaped like ids, ``landscape`` free text
of at most 100 characters, ``eligible`` and ``offered`` exactly ``true`` or ``false`` (an
empty value, as an unticked-then-cleared form sends, means "any").

Left out: what the filters keep (``api.services.market.CatalogueFilter.keeps``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.services.market import CatalogueFilter
from ledger.supply.common import ID_PATTERN
from ledger.supply.conversions import PRODUCTS

__all__ = ["FILTERS", "FilterProblem", "parse_filters"]

FILTERS = ("product", "landscape", "association", "standard", "eligible", "offered")
_PAGE_ONLY = frozenset({"lang"})
_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True)
class FilterProblem:
    """One refused parameter: its name, a reason code (for translated pages), the reason."""

    param: str
    code: str
    reason: str


def _flag(value: str) -> bool | None:
    return {"true": True, "false": False, "": None}[value]


def parse_filters(
    items: list[tuple[str, str]], *, page: bool = False
) -> tuple[CatalogueFilter, list[FilterProblem]]:
    """The filter of a query (``(name, value)`` pairs in order), and every problem found.

    ``page`` allows the page's own ``lang`` parameter.
    """
    problems: list[FilterProblem] = []
    seen: dict[str, str] = {}
    for name, value in items:
        if page and name in _PAGE_ONLY:
            continue
        if name not in FILTERS:
            problems.append(FilterProblem(name[:64], "unknown", "unknown parameter; expected "
                                          + ", ".join(FILTERS)))  # fmt: skip
        elif name in seen:
            problems.append(FilterProblem(name, "repeated", "given more than once"))
        else:
            seen[name] = value.strip()
    values: dict[str, str | None] = {name: seen.get(name) or None for name in FILTERS}
    product = values["product"]
    if product is not None and product not in PRODUCTS:
        problems.append(
            FilterProblem("product", "value", "expected one of " + ", ".join(sorted(PRODUCTS)))
        )
    for name in ("association", "standard"):
        found = values[name]
        if found is not None and not _ID.match(found):
            problems.append(FilterProblem(name, "value", "not an id (letters, digits, . _ -)"))
    landscape = values["landscape"]
    if landscape is not None and len(landscape) > 100:
        problems.append(FilterProblem("landscape", "value", "longer than 100 characters"))
    flags: dict[str, bool | None] = {}
    for name in ("eligible", "offered"):
        try:
            flags[name] = _flag(seen.get(name, ""))
        except KeyError:
            problems.append(FilterProblem(name, "value", "expected true or false"))
            flags[name] = None
    wanted = CatalogueFilter(
        product=product,
        landscape=landscape,
        association=values["association"],
        standard=values["standard"],
        eligible=flags["eligible"],
        offered=flags["offered"],
    )
    return wanted, problems
