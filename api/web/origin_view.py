"""The origin story in a reader's language: what the label page shows first.

Turns the language-neutral :func:`api.services.origin.origin_summary` into display lines —
landscape, association, producers, hectares or hives, harvest season, the sketch and the
journey steps with human names (product, form, organization, dates) instead of ids — with
Mexican number and date formats. Nothing here reads the ledger.

Left out: the data (``api.services.origin``), the picture (``api.web.origin_sketch``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from api.i18n import mx_date, mx_number, term, translate
from api.web.origin_sketch import origin_sketch_svg

__all__ = ["origin_display"]


def _number(text: str) -> str:
    return mx_number(float(Decimal(text)))


def _step(step: dict[str, Any], lang: str) -> dict[str, str]:
    product = term(lang, "product", step["product"]).capitalize()
    form = term(lang, "form", step["form"])
    kg = _number(step["kg"])
    line = (
        translate(lang, "journey.line", product=product, form=form, kg=kg, lots=step["lots"])
        if step["lots"] != 1
        else translate(lang, "journey.line_one", product=product, form=form, kg=kg)
    )
    return {
        "kind": step["kind"],
        "title": translate(lang, f"journey.{step['kind']}"),
        "line": line,
        "by": translate(
            lang,
            "journey.by",
            organization=step["organization"],
            start=mx_date(step["from"]),
            end=mx_date(step["to"]),
        ),
    }


def origin_display(summary: dict[str, Any], lang: str) -> dict[str, Any]:
    """``summary`` as the lines of the origin card and the journey, in ``lang``."""
    facts: list[tuple[str, str]] = []
    if summary["landscapes"]:
        facts.append((translate(lang, "field.landscape"), ", ".join(summary["landscapes"])))
    facts.append((translate(lang, "field.association"), summary["association"]["name"]))
    if summary["municipality"]:
        region = translate(
            lang,
            "region.text",
            municipality=summary["municipality"],
            state=summary["state_name"] or "",
        )
        facts.append((translate(lang, "field.region"), region.rstrip(", ")))
    if summary["producers"]:
        facts.append(
            (
                translate(lang, "origin.people"),
                translate(lang, "origin.people_count", count=mx_number(summary["producers"])),
            )
        )
    if summary["plots"]:
        area = translate(
            lang, "origin.area_text", ha=_number(summary["hectares"]), plots=summary["plots"]
        )
        facts.append((translate(lang, "origin.area"), area))
    if summary["apiaries"]:
        hives = translate(
            lang,
            "origin.hives_text",
            hives=mx_number(summary["hives"]),
            apiaries=summary["apiaries"],
        )
        facts.append((translate(lang, "origin.hives"), hives))
    season = translate(
        lang,
        "origin.season_text",
        season=" · ".join(summary["seasons"]),
        start=mx_date(summary["harvest"]["from"]),
        end=mx_date(summary["harvest"]["to"]),
    )
    facts.append((translate(lang, "origin.season"), season))
    sketch = summary["sketch"]
    return {
        "facts": facts,
        "sketch_svg": origin_sketch_svg(sketch, lang),
        "sketch_note": translate(lang, "origin.sketch_note", km=sketch["cell_km"]),
        "journey": [_step(step, lang) for step in summary["journey"]],
    }
