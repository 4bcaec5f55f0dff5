"""The origin sketch: where a lot's plots and apiaries are, roughly, as a small inline SVG.

Drawn from :func:`api.services.origin.origin_summary`'s ``sketch``: cells of a coarse grid
(≈ 5 km) numbered from the sketch's own corner, each with its hectares or hives. A cell is
a dot whose area grows with the hectares (plots, green) or hives (apiaries, amber); a scale
bar says how wide one cell is and an arrow points north. There are no tiles, no map, no
coordinates and no plot shapes in the picture — nothing to locate a farm by — and no
script: the SVG is plain text built here, every label escaped, titled for screen readers.

Left out: the data (``api.services.origin``) and the page (``templates/_origin.html``).
"""

from __future__ import annotations

import math
from decimal import Decimal
from html import escape
from typing import Any

from api.i18n import mx_number, translate

__all__ = ["origin_sketch_svg"]

_WIDTH = 320
_PAD = 18
_MAX_CELL = 40


def _weight(cell: dict[str, Any]) -> float:
    return float(Decimal(cell["ha"])) + int(cell["hives"]) / 10


def origin_sketch_svg(sketch: dict[str, Any], lang: str) -> str | None:
    """The sketch as SVG markup in ``lang`` (``None`` when the lot has no located site)."""
    cells = sketch["cells"]
    if not cells:
        return None
    columns, rows = int(sketch["columns"]), int(sketch["rows"])
    step = min(_MAX_CELL, (_WIDTH - 2 * _PAD) / max(columns, 1))
    height = rows * step + 2 * _PAD + 22
    left = (_WIDTH - columns * step) / 2
    heaviest = max(_weight(c) for c in cells) or 1.0
    title = translate(lang, "origin.sketch_title")
    desc = translate(lang, "origin.sketch_desc", km=sketch["cell_km"])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {height:.0f}" '
        f'width="100%" role="img" aria-labelledby="sk-t sk-d" class="sketch">'
        f'<title id="sk-t">{escape(title)}</title><desc id="sk-d">{escape(desc)}</desc>'
        f'<rect x="{left:.1f}" y="{_PAD}" width="{columns * step:.1f}" '
        f'height="{rows * step:.1f}" fill="#eef2ea" stroke="#c9cfbf"/>'
    ]
    for cell in cells:
        cx = left + (cell["x"] + 0.5) * step
        cy = _PAD + (cell["y"] + 0.5) * step
        radius = max(3.0, step * 0.48 * math.sqrt(_weight(cell) / heaviest))
        colour = "#2e7d32" if cell["plots"] else "#b26a00"
        if cell["plots"]:
            ha = mx_number(float(cell["ha"]))
            what = translate(lang, "origin.cell_plots", plots=cell["plots"], ha=ha)
        else:
            hives = mx_number(cell["hives"])
            what = translate(lang, "origin.cell_apiaries", apiaries=cell["apiaries"], hives=hives)
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="{colour}" '
            f'fill-opacity=".75"><title>{escape(what)}</title></circle>'
        )
    bottom = _PAD + rows * step + 16
    parts.append(
        f'<path d="M{left:.1f} {bottom:.1f}h{step:.1f}" stroke="#1d2521" stroke-width="2"/>'
        f'<text x="{left + step + 6:.1f}" y="{bottom + 4:.1f}" font-size="12" fill="#1d2521">'
        f"{escape(translate(lang, 'origin.scale', km=sketch['cell_km']))}</text>"
        f'<text x="{_WIDTH - _PAD:.0f}" y="{_PAD - 4}" font-size="12" text-anchor="end" '
        f'fill="#1d2521">{escape(translate(lang, "origin.north"))} ↑</text></svg>'
    )
    return "".join(parts)
