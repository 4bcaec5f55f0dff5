"""The indicator report as a PDF, in Spanish or English, with the dashboard's charts.

A programme officer hands a donor paper (or a PDF attached to a report) as well as the
file. The PDF is drawn only from a report that verified offline (``biotraza indicators report``
checks it first), so what it shows is what ``biotraza indicators verify`` recomputed. It reuses
the public dashboard's view (``api.exports.programme_cards.header_view``): the same SVG bar
charts (hectares under a current passing verification, kilograms shipped and value sold from
eligible lots), the same facts, the same suppression of small cells — one card per landscape,
product and season, several to a page.

Left out: the per-association cells (they are in the report file) and the entries.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from api.exports.a4 import a4_document, latin1
from api.exports.programme_cards import header_view
from api.i18n import translate
from verifiers.indicators import ReportHeader

__all__ = ["indicators_pdf"]

_TITLE_TAG = re.compile(r"<title>.*?</title>", re.S)
_VIEW_BOX = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')
_CHART_MM = 110.0
"""Width of a chart on the page."""
_BOTTOM = 280.0
"""Lowest y (mm) a card may reach on an A4 page before the next one starts."""


def _chart_mm(svg: str) -> float:
    """The chart's height on the page, from its viewBox at :data:`_CHART_MM` wide."""
    found = _VIEW_BOX.search(svg)
    return _CHART_MM * float(found[2]) / float(found[1]) if found else 0.0


def _card_height(card: dict[str, Any]) -> float:
    return 9 + _chart_mm(card["chart"]) + len(card["facts"]) * 5.5 + 6


def indicators_pdf(
    header: ReportHeader, lang: str, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """A4 pages in ``lang`` of a verified report's landscape totals, with charts.

    Args:
        header: the verified report's header.
        lang: ``es`` or ``en``.
        progress: called with (cards drawn, cards) as the pages are drawn.
    """
    view = header_view(header, lang)
    title = translate(lang, "programme.title")
    pdf = a4_document(title, lang)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9.5)
    size = header.tree_size
    for line in (
        translate(lang, "programme.intro", as_of=view["as_of"], size=size),
        translate(lang, "programme.pdf_origin", origin=header.origin, size=size),
        translate(lang, "programme.pdf_verified", size=size),
        translate(lang, "programme.privacy", min=view["min_cell"]),
        *([translate(lang, "programme.pdf_people")] if header.people_attestation else []),
        translate(lang, "programme.verify"),
    ):
        pdf.multi_cell(0, 4.8, latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    cards = view["rows"]
    if not cards:
        pdf.cell(0, 6, latin1(translate(lang, "programme.empty")))
    for done, card in enumerate(cards, start=1):
        if pdf.get_y() + _card_height(card) > _BOTTOM:
            pdf.add_page()
        _card(pdf, card)
        if progress:
            progress(done, len(cards))
    for page in range(1, pdf.pages_count + 1):
        pdf.page = page
        pdf.set_xy(15, 287)
        pdf.set_font("Helvetica", "", 8)
        pdf.cell(0, 4, latin1(translate(lang, "programme.pdf_page", page=page)), align="R")
    return bytes(pdf.output())


def _card(pdf: Any, card: dict[str, Any]) -> None:
    pdf.set_font("Helvetica", "B", 11.5)
    heading = f"{card['landscape']} - {card['product']} - {card['season']}"
    pdf.cell(0, 7, latin1(heading), new_x="LMARGIN", new_y="NEXT")
    svg = _TITLE_TAG.sub("", card["chart"])
    top = pdf.get_y()
    pdf.image(io.BytesIO(svg.encode("utf-8")), x=15, y=top, w=_CHART_MM)
    pdf.set_y(top + _chart_mm(svg) + 2)
    pdf.set_font("Helvetica", "", 9)
    for label, value in card["facts"]:
        pdf.cell(95, 5.5, latin1(label), border="B")
        pdf.cell(85, 5.5, latin1(str(value)), border="B", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
