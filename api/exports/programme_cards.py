"""The programme indicators' cards and charts: landscape totals as text and SVG bars.

Shared by the public dashboard (``api.web.programme_view``) and the PDF report
(``api.exports.indicators_pdf``), so paper and page show the same figures the same way.

The figures are those of ``api.services.indicators`` (the latest signed checkpoint, small
cells of people hidden), shown per landscape, product and season. Each chart is a few SVG
rectangles drawn here, server-side: no script, no map, no tiles.

Left out: the page (``api.web.routes.pages``, ``templates/programme.html``) and the PDF.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from api.i18n import mx_date, mx_number, term, translate
from verifiers.indicators import ReportHeader

__all__ = ["bar_chart", "header_view"]

_WIDTH = 320
_BAR = 18
_STEP = 64


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return part / whole if whole > 0 else Decimal(0)


def bar_chart(title: str, bars: list[tuple[str, Decimal, Decimal, str]]) -> str:
    """An SVG of horizontal bars: (label, part, whole, value text) each, part over whole.

    Scales with its container (``viewBox``, width 100 %), so it fits a 360 px phone.
    """
    height = _STEP * len(bars) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>'
    ]
    for index, (label, part, whole, text) in enumerate(bars):
        top = index * _STEP
        filled = int(_share(part, whole) * _WIDTH)
        parts.append(
            f'<text x="0" y="{top + 14}" font-size="13" fill="#1b1b1b">{escape(label)}</text>'
            f'<rect x="0" y="{top + 20}" width="{_WIDTH}" height="{_BAR}" fill="#e3e8e0"/>'
            f'<rect x="0" y="{top + 20}" width="{filled}" height="{_BAR}" fill="#2e7d32"/>'
            f'<text x="0" y="{top + 54}" font-size="12" fill="#1b1b1b">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _people(value: int | None, lang: str) -> str:
    return translate(lang, "programme.suppressed") if value is None else mx_number(value)


def _of(lang: str, part: Decimal, whole: Decimal, unit: str) -> str:
    return translate(
        lang, "programme.of", part=mx_number(float(part)), whole=mx_number(float(whole)), unit=unit
    )


def _mxn(text: str) -> str:
    """Money as written in Mexico, exact to the cent: ``$1,234.50``."""
    whole, _, cents = text.partition(".")
    return f"${int(whole):,}.{cents}"


def _sales_bars(row: dict[str, Any], lang: str) -> list[tuple[str, Decimal, Decimal, str]]:
    """One bar per currency: value of eligible lots sold against all sales (the 12 % goal)."""
    bars = []
    for currency, total in row["sales_value"].items():
        part, whole = Decimal(row["eligible_sales_value"].get(currency, "0")), Decimal(total)
        label = translate(lang, "programme.sales_label", currency=currency)
        bars.append((label, part, whole, _of(lang, part, whole, currency)))
    return bars


def _row(row: dict[str, Any], lang: str) -> dict[str, Any]:
    ha, ha_ok = Decimal(row["hectares"]), Decimal(row["hectares_verified"])
    kg, kg_ok = Decimal(row["shipped_kg"]), Decimal(row["eligible_shipped_kg"])
    people = row.get("people") or {}
    chart = bar_chart(
        translate(lang, "programme.chart", landscape=row["landscape"]),
        [
            (translate(lang, "programme.ha_label"), ha_ok, ha, _of(lang, ha_ok, ha, "ha")),
            (translate(lang, "programme.kg_label"), kg_ok, kg, _of(lang, kg_ok, kg, "kg")),
            *_sales_bars(row, lang),
        ],
    )
    return {
        "landscape": row["landscape"],
        "product": term(lang, "product", row["product"]),
        "season": row["season"],
        "chart": chart,
        "facts": [
            (translate(lang, "programme.producers"), _people(row["producers"], lang)),
            (translate(lang, "programme.plots"), f"{row['plots_verified']} / {row['plots']}"),
            (translate(lang, "programme.trained"), _people(row["trained_producers"], lang)),
            (translate(lang, "programme.labels"), mx_number(row["labels_issued"])),
            (translate(lang, "programme.paid"),
             f"{_mxn(row['paid_to_producers_mxn'])} / {_mxn(row['purchased_mxn'])}; "
             f"{_mxn(row['premiums_mxn'])}"),
            (translate(lang, "programme.lots"),
             f"{row['eligible_lots_shipped']} / {row['lots_shipped']}"),
            (translate(lang, "programme.women"), _people(people.get("women"), lang)),
            (translate(lang, "programme.youth"), _people(people.get("youth"), lang)),
            (translate(lang, "programme.indigenous"), _people(people.get("indigenous"), lang)),
        ],
    }  # fmt: skip


def header_view(header: ReportHeader, lang: str) -> dict[str, Any]:
    """The cards of a report's header: what the dashboard and the PDF report both show."""
    figures = header.figures
    return {
        "as_of": mx_date(header.as_of),
        "checkpoint_size": header.tree_size,
        "min_cell": figures["min_cell"],
        "rows": [_row(row, lang) for row in figures["landscapes"]],
    }
