"""The lineage picture: where a lot came from, as an SVG people can read.

A layered drawing, left to right: plots and apiaries → harvest lots → processing steps → the
lot asked about. Each lot sits in the column after its latest input (longest-path layering),
so every arrow points right. Every box says in words whether it is eligible for the
biodiversity-friendly label (``verifiers.eligibility.check_eligibility``, the one definition
of eligibility), and is coloured to match — green eligible, red not eligible, grey unknown —
with a legend, so colour is never the only cue. The lot asked about is judged in full; the
lots upstream of it are judged as inputs, the way ``check_eligibility`` itself treats them:
segregation reasons count, lot-level criteria (a laboratory report) only bind the lot asked
about — otherwise raw honey lots would show red under a laboratory-verified, eligible drum
lot. Plots and apiaries take the verdict of the harvests they fed: not eligible when a
harvest's eligibility names them, eligible when a harvest from them is checked and does not.

Bounded whatever the lineage: a column shows at most :data:`MAX_PER_COLUMN` boxes; the rest
are one "+N more" box (with how many of them are eligible, when known). Boxes linked to the
ones already shown, and problems before successes, are shown first. At most
:data:`MAX_COLUMNS` columns: deeper processing chains have their middle steps folded into one
column. Eligibility is checked for every lot of a lineage of up to
:data:`CHECK_ALL_UP_TO` lots, and only for the lots drawn above that, so a 10,000-lot
lineage costs a few hundred checks, not ten thousand.

The SVG is plain text built here (no renderer, no external font, style or script), every text
escaped, with ``<title>``/``<desc>`` for screen readers and a tooltip per box. The lot page
(``api.web``) embeds :func:`render_lineage_svg`; the ``svg`` export format serves it as a
file.

Left out: downstream lineage (what the lot went into), transfers between custodians, maps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any, Literal

from api.exports.base import ExportFormat, ExportRequest
from api.i18n import term
from api.services.ledger import LedgerService
from ledger.errors import EntryNotFoundError
from ledger.state import State
from ledger.supply.common import grams_to_kg
from ledger.supply.lineage import upstream
from ledger.supply.lots import LOT_KIND, LOT_ORIGIN
from ledger.supply.sites import APIARY_KIND, PLOT_KIND
from verifiers.eligibility import Reason, check_eligibility

__all__ = [
    "CHECK_ALL_UP_TO",
    "FORMAT",
    "LANGUAGES",
    "MAX_COLUMNS",
    "MAX_PER_COLUMN",
    "STATUS_COLOURS",
    "LineagePicture",
    "PictureNode",
    "draw_lineage_svg",
    "export_svg",
    "lineage_picture",
    "render_lineage_svg",
]

MAX_PER_COLUMN = 16
"""Most boxes drawn in one column, the "+N more" box included."""
MAX_COLUMNS = 10
"""Most columns drawn; the middle of deeper chains is folded into one."""
CHECK_ALL_UP_TO = 400
"""Lineages of up to this many lots get every lot checked (so problems are shown first)."""

LANGUAGES = ("es", "en")
Status = Literal["eligible", "ineligible", "unknown"]
_RANK: dict[str, int] = {"ineligible": 0, "unknown": 1, "eligible": 2}

STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "eligible": ("#dcefdc", "#1b6e20"),
    "ineligible": ("#fbe0e0", "#b3261e"),
    "unknown": ("#eeeeee", "#616161"),
}
"""Fill and stroke of a box per status (the "+N more" boxes are white and dashed)."""
_MARK = {"eligible": "✓", "ineligible": "✗", "unknown": "?"}

_TEXT: dict[str, dict[str, str]] = {
    "es": {
        "title": "Linaje del lote {lot}",
        "desc": (
            "De dónde viene el lote {lot}: {sites} parcelas o apiarios y {lots} lotes, de "
            "izquierda a derecha; cada caja dice si es elegible para la etiqueta."
        ),
        "col.sites": "Parcelas y apiarios",
        "col.harvest": "Cosecha",
        "col.process": "Proceso",
        "col.folded": "Proceso ({steps} pasos)",
        "col.lot": "Lote",
        "eligible": "elegible",
        "ineligible": "no elegible",
        "unknown": "sin determinar",
        "more": "+{count} más",
        "more.detail": "{eligible} eleg. · {ineligible} no eleg. · {unknown} s/d",
        "more.unchecked": "no mostrados uno a uno",
        "plot": "parcela · {area} ha",
        "apiary": "apiario · {hives} colmenas",
        "legend": "Leyenda",
        "legend.more": "+N más: cajas agrupadas",
        "legend.note": "Elegible: puede llevar la etiqueta amigable con la biodiversidad.",
    },
    "en": {
        "title": "Lineage of lot {lot}",
        "desc": (
            "Where lot {lot} came from: {sites} plots or apiaries and {lots} lots, left to "
            "right; every box says whether it is eligible for the label."
        ),
        "col.sites": "Plots and apiaries",
        "col.harvest": "Harvest",
        "col.process": "Processing",
        "col.folded": "Processing ({steps} steps)",
        "col.lot": "Lot",
        "eligible": "eligible",
        "ineligible": "not eligible",
        "unknown": "unknown",
        "more": "+{count} more",
        "more.detail": "{eligible} elig. · {ineligible} not · {unknown} unkn.",
        "more.unchecked": "not shown one by one",
        "plot": "plot · {area} ha",
        "apiary": "apiary · {hives} hives",
        "legend": "Legend",
        "legend.more": "+N more: grouped boxes",
        "legend.note": "Eligible: may carry the biodiversity-friendly label.",
    },
}

# Layout, in SVG user units (px).
_BOX_W, _BOX_H = 232, 56
_GAP_X, _GAP_Y = 54, 12
_MARGIN, _HEAD, _LEGEND = 20, 70, 74
_TITLE_CHARS, _DETAIL_CHARS = 26, 35
_FONTS = "system-ui, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', Arial, sans-serif"
"""Fonts most phones and desktops have, then the ones Linux servers ship (for rasterizers)."""


@dataclass
class PictureNode:
    """One box: a lot, a plot, an apiary, or "+N more" of a column."""

    key: str
    kind: Literal["lot", "plot", "apiary", "more"]
    column: int
    status: Status = "unknown"
    doc: dict[str, Any] = field(default_factory=dict)
    reasons: list[Reason] | None = None
    """Why a checked lot is not eligible (empty when it is); ``None`` when not checked."""
    hidden: list[str] = field(default_factory=list)
    hidden_status: dict[str, int] | None = None

    @property
    def ident(self) -> str:
        """The ledger id shown in the box."""
        return self.key.split(":", 1)[1]


@dataclass
class LineagePicture:
    """What the SVG shows: columns of boxes (top to bottom) and the arrows between them."""

    lot_id: str
    columns: list[list[PictureNode]]
    headings: list[tuple[str, int]]
    edges: list[tuple[str, str]]
    lots: int
    sites: int


# --------------------------------------------------------------------------- the graph


def _layers(
    lots: list[str], inputs: dict[str, list[str]], docs: Mapping[str, dict[str, Any]]
) -> dict[str, int]:
    """Longest-path layer of every lot: harvest lots 1, others one after their latest input."""
    layer: dict[str, int] = {}
    for start in lots:
        stack = [start]
        while stack:
            lot = stack[-1]
            if lot in layer:
                stack.pop()
                continue
            pending = [i for i in inputs.get(lot, []) if i not in layer]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            below = [layer[i] for i in inputs.get(lot, [])]
            harvest = docs.get(lot, {}).get("created_by") == "harvest"
            layer[lot] = 1 if harvest or not below else 1 + max(below)
    return layer


def _columns_of(depth: int, max_columns: int) -> tuple[list[int], list[tuple[str, int]]]:
    """Column of each layer 0..depth, and each column's heading key and folded-step count."""
    layers = depth + 1
    if layers <= max_columns:
        column = list(range(layers))
    else:
        kept_tail = max_columns - 3  # sites, harvests, one folded column, the rest kept
        start_tail = layers - kept_tail
        column = [
            layer if layer < 2 else 2 if layer < start_tail else layer - start_tail + 3
            for layer in range(layers)
        ]
    count = column[-1] + 1
    headings: list[tuple[str, int]] = []
    for col in range(count):
        steps = column.count(col)
        if col == count - 1:
            headings.append(("col.lot", 0))
        elif col == 0:
            headings.append(("col.sites", 0))
        elif col == 1:
            headings.append(("col.harvest", 0))
        elif steps > 1:
            headings.append(("col.folded", steps))
        else:
            headings.append(("col.process", 0))
    return column, headings


def _site_status(harvests: list[PictureNode], site_of: dict[str, list[str]]) -> dict[str, Status]:
    """Plots and apiaries take the verdict of the checked harvests they fed."""
    status: dict[str, Status] = {}
    for node in harvests:
        if node.reasons is None:
            continue
        named = {r.subject for r in node.reasons if r.code == "origin_not_certified"}
        for site in site_of.get(node.ident, []):
            if site in named:
                status[site] = "ineligible"
            elif status.get(site) != "ineligible":
                status[site] = "eligible"
    return status


def _linked(node: PictureNode, outputs: dict[str, list[str]], shown: dict[str, str]) -> bool:
    """Whether the node feeds a box already placed (to its right)."""
    return any(out in shown for out in outputs.get(node.key, []))


def _barycentre(
    node: PictureNode,
    outputs: dict[str, list[str]],
    shown: dict[str, str],
    position: dict[str, float],
) -> float:
    """Mean row of the boxes this node feeds: ordering by it keeps arrows from crossing."""
    spots = [position[shown[o]] for o in outputs.get(node.key, []) if o in shown]
    return sum(spots) / len(spots) if spots else float("inf")


_LOT_ONLY = frozenset({"lot_criteria_unverified"})
"""Reasons that concern only the lot asked about, never its use as an input (see
``check_eligibility``: "inputs only need certified origins")."""


def _check(state: State, node: PictureNode, root: str) -> None:
    """Judge a lot: the lot drawn on the right fully, the lots upstream of it as inputs."""
    reasons = check_eligibility(state, node.ident).reasons
    if node.ident != root:
        reasons = [r for r in reasons if r.code not in _LOT_ONLY]
    node.reasons = reasons
    node.status = "ineligible" if reasons else "eligible"


def lineage_picture(
    state: State,
    lot_id: str,
    *,
    max_per_column: int = MAX_PER_COLUMN,
    max_columns: int = MAX_COLUMNS,
    check_all_up_to: int = CHECK_ALL_UP_TO,
) -> LineagePicture:
    """Lay out a lot's upstream lineage: which boxes to draw, in which column, which arrows.

    Raises:
        EntryNotFoundError: no such lot.
        ValueError: limits too small to draw anything (fewer than 2 per column or 4 columns).
    """
    if max_per_column < 2 or max_columns < 4:
        raise ValueError("expected max_per_column >= 2 and max_columns >= 4")
    root = state.get(LOT_KIND, lot_id)
    if root is None:
        raise EntryNotFoundError(f"no lot {lot_id!r}")
    lineage = upstream(state, lot_id)
    docs = state.get_many(LOT_KIND, lineage.lots)
    inputs: dict[str, list[str]] = {}
    outputs: dict[str, list[str]] = {}
    for out, inp in lineage.edges:
        inputs.setdefault(out, []).append(inp)
        outputs.setdefault(f"lot:{inp}", []).append(f"lot:{out}")
    site_of: dict[str, list[str]] = {}
    for lot, site in state.links_from(LOT_ORIGIN, lineage.lots):
        site_of.setdefault(lot, []).append(site)
        outputs.setdefault(site, []).append(f"lot:{lot}")
    layer = _layers(lineage.lots, inputs, docs)
    depth = max(layer.values())
    column_of, headings = _columns_of(depth, max_columns)

    nodes: dict[str, PictureNode] = {}
    for lot in lineage.lots:
        key = f"lot:{lot}"
        nodes[key] = PictureNode(key, "lot", column_of[layer[lot]], doc=docs.get(lot, {}))
    site_docs = {
        **{f"plot:{k}": v for k, v in state.get_many(PLOT_KIND, lineage.plots).items()},
        **{f"apiary:{k}": v for k, v in state.get_many(APIARY_KIND, lineage.apiaries).items()},
    }
    for site in sorted({s for sites in site_of.values() for s in sites}):
        kind: Literal["plot", "apiary"] = "apiary" if site.startswith("apiary:") else "plot"
        nodes[site] = PictureNode(site, kind, 0, doc=site_docs.get(site, {}))

    check_all = len(lineage.lots) <= check_all_up_to
    if check_all:
        for node in nodes.values():
            if node.kind == "lot":
                _check(state, node, lot_id)
        sites = _site_status([n for n in nodes.values() if n.kind == "lot"], site_of)
        for key, status in sites.items():
            nodes[key].status = status

    count = len(headings)
    by_column: list[list[PictureNode]] = [[] for _ in range(count)]
    for node in nodes.values():
        by_column[node.column].append(node)
    folded = {col for col, (heading, _steps) in enumerate(headings) if heading == "col.folded"}
    shown: dict[str, str] = {}  # node key → key of the box that stands for it
    position: dict[str, float] = {}
    columns: list[list[PictureNode]] = [[] for _ in range(count)]
    for col in range(count - 1, -1, -1):
        members = by_column[col]
        members.sort(key=lambda n: (not _linked(n, outputs, shown), _RANK[n.status], n.key))
        limit = 0 if col in folded else max_per_column
        visible = members if len(members) <= limit else members[: max(limit - 1, 0)]
        hidden = members[len(visible) :]
        if not check_all:
            for node in visible:
                if node.kind == "lot":
                    _check(state, node, lot_id)
            if col == 0:
                sites = _site_status(columns[1] if count > 1 else [], site_of)
                for node in visible:
                    node.status = sites.get(node.key, "unknown")
        for node in visible:
            shown[node.key] = node.key
        more: PictureNode | None = None
        if hidden:
            more = PictureNode(f"more:{col}", "more", col, hidden=[n.key for n in hidden])
            if check_all:
                tally = {"eligible": 0, "ineligible": 0, "unknown": 0}
                for node in hidden:
                    tally[node.status] += 1
                more.hidden_status = tally
            for node in hidden:
                shown[node.key] = more.key

        visible.sort(key=lambda n: (_barycentre(n, outputs, shown, position), n.key))
        columns[col] = [*visible, *([more] if more else [])]
        for index, node in enumerate(columns[col]):
            position[node.key] = index

    edges: set[tuple[str, str]] = set()
    for source, targets in outputs.items():
        for target in targets:
            a, b = shown.get(source), shown.get(target)
            if a is not None and b is not None and a != b:
                edges.add((a, b))
    return LineagePicture(
        lot_id=lot_id,
        columns=columns,
        headings=headings,
        edges=sorted(edges),
        lots=len(lineage.lots),
        sites=len(nodes) - len(lineage.lots),
    )


# --------------------------------------------------------------------------- drawing

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(text: object) -> str:
    """Text for XML content or a double-quoted attribute: escaped, XML-invalid chars dropped."""
    return escape(_XML_INVALID.sub("", str(text)), quote=True)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: float | int, lang: str) -> str:
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.3f}".rstrip("0").rstrip(".")
    return text.replace(",", " ") if lang == "es" else text


def _lines(node: PictureNode, lang: str) -> tuple[str, str, str]:
    text = _TEXT[lang]
    if node.kind == "more":
        detail = (
            text["more.detail"].format(**node.hidden_status)
            if node.hidden_status
            else text["more.unchecked"]
        )
        return text["more"].format(count=len(node.hidden)), detail, ""
    status = f"{_MARK[node.status]} {text[node.status]}"
    doc = node.doc
    if node.kind == "plot":
        area = doc.get("area_ha")
        detail = text["plot"].format(area=_number(area, lang) if area is not None else "?")
    elif node.kind == "apiary":
        detail = text["apiary"].format(hives=doc.get("hive_count", "?"))
    else:
        form = term(lang, "form", doc.get("form"))
        grams = doc.get("quantity_g")
        detail = form if grams is None else f"{form} · {_number(grams_to_kg(grams), lang)} kg"
    return _short(node.ident, _TITLE_CHARS), _short(detail, _DETAIL_CHARS), status


def _tooltip(node: PictureNode, lang: str) -> str:
    first, detail, status = _lines(node, lang)
    if node.kind == "more":
        names = ", ".join(key.split(":", 1)[1] for key in node.hidden[:20])
        extra = f" …(+{len(node.hidden) - 20})" if len(node.hidden) > 20 else ""
        return f"{first}: {names}{extra}"
    parts = [node.ident, detail, status]
    if node.reasons:
        parts += [r.message_es if lang == "es" else r.message_en for r in node.reasons]
    return "\n".join(parts[:6])


def _box(node: PictureNode, x: float, y: float, lang: str, root: bool) -> list[str]:
    first, detail, status = _lines(node, lang)
    if node.kind == "more":
        fill, stroke, dash = "#ffffff", "#616161", ' stroke-dasharray="5 4"'
    else:
        fill, stroke = STATUS_COLOURS[node.status]
        dash = ""
    width = 3 if root else 1.5
    radius = 14 if node.kind in ("plot", "apiary") else 4
    out = [
        f'<g class="node {node.kind} {"more" if node.kind == "more" else node.status}" '
        f'data-key="{_esc(node.key)}" data-status="{_esc(node.status)}">',
        f"<title>{_esc(_tooltip(node, lang))}</title>",
        f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="{radius}" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>',
        f'<text x="{x + 10}" y="{y + 18}" font-size="13" font-weight="bold" '
        f'fill="#1a1a1a">{_esc(first)}</text>',
        f'<text x="{x + 10}" y="{y + 34}" font-size="11" fill="#333333">{_esc(detail)}</text>',
    ]
    if status:
        out.append(
            f'<text x="{x + 10}" y="{y + 49}" font-size="11" font-weight="bold" '
            f'fill="{stroke}">{_esc(status)}</text>'
        )
    out.append("</g>")
    return out


def _legend(y: float, lang: str) -> list[str]:
    text = _TEXT[lang]
    out = [
        f'<g class="legend" transform="translate({_MARGIN},{y})">',
        f'<text x="0" y="14" font-size="12" font-weight="bold">{_esc(text["legend"])}</text>',
    ]
    x = 0
    for status in ("eligible", "ineligible", "unknown"):
        fill, stroke = STATUS_COLOURS[status]
        label = f"{_MARK[status]} {text[status]}"
        out.append(
            f'<rect x="{x}" y="24" width="18" height="14" rx="3" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="1.5"/>'
            f'<text x="{x + 24}" y="35" font-size="12">{_esc(label)}</text>'
        )
        x += 40 + 8 * len(label)
    out.append(
        f'<rect x="{x}" y="24" width="18" height="14" rx="3" fill="#ffffff" stroke="#616161" '
        f'stroke-dasharray="4 3"/><text x="{x + 24}" y="35" font-size="12">'
        f"{_esc(text['legend.more'])}</text>"
    )
    out.append(
        f'<text x="0" y="56" font-size="11" fill="#333333">{_esc(text["legend.note"])}</text>'
    )
    out.append("</g>")
    return out


def draw_lineage_svg(picture: LineagePicture, lang: str = "es") -> str:
    """The picture as a standalone SVG document (text).

    Raises:
        ValueError: ``lang`` is not ``es`` or ``en``.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"expected lang 'es' or 'en', found {lang!r}")
    text = _TEXT[lang]
    tallest = max(len(column) for column in picture.columns)
    width = 2 * _MARGIN + len(picture.columns) * (_BOX_W + _GAP_X) - _GAP_X
    body_h = tallest * (_BOX_H + _GAP_Y) - _GAP_Y
    height = _HEAD + body_h + _LEGEND + _MARGIN
    width = max(width, 620)
    spot: dict[str, tuple[float, float]] = {}
    for col, column in enumerate(picture.columns):
        x = _MARGIN + col * (_BOX_W + _GAP_X)
        top = _HEAD + (body_h - (len(column) * (_BOX_H + _GAP_Y) - _GAP_Y)) / 2
        for index, node in enumerate(column):
            spot[node.key] = (x, top + index * (_BOX_H + _GAP_Y))
    title = text["title"].format(lot=picture.lot_id)
    desc = text["desc"].format(lot=picture.lot_id, sites=picture.sites, lots=picture.lots)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="lineage-title '
        f'lineage-desc" font-family="{_FONTS}" '
        f'lang="{lang}">',
        f'<title id="lineage-title">{_esc(title)}</title>',
        f'<desc id="lineage-desc">{_esc(desc)}</desc>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#7a7a7a"/>'
        "</marker></defs>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{_MARGIN}" y="28" font-size="17" font-weight="bold">{_esc(title)}</text>',
    ]
    for col, (key, steps) in enumerate(picture.headings):
        x = _MARGIN + col * (_BOX_W + _GAP_X)
        heading = text[key].format(steps=steps)
        out.append(f'<text x="{x}" y="56" font-size="12" fill="#444444">{_esc(heading)}</text>')
    out.append('<g class="edges" fill="none" stroke="#9a9a9a" stroke-width="1.2">')
    for source, target in picture.edges:
        (x1, y1), (x2, y2) = spot[source], spot[target]
        ax, ay, bx, by = x1 + _BOX_W, y1 + _BOX_H / 2, x2, y2 + _BOX_H / 2
        mid = (ax + bx) / 2
        out.append(
            f'<path d="M{ax},{ay} C{mid},{ay} {mid},{by} {bx},{by}" marker-end="url(#arrow)" '
            f'data-from="{_esc(source)}" data-to="{_esc(target)}"/>'
        )
    out.append("</g>")
    for column in picture.columns:
        for node in column:
            left, top_y = spot[node.key]
            root = node.key == f"lot:{picture.lot_id}"
            out += _box(node, left, top_y, lang, root)
    out += _legend(_HEAD + body_h + 24, lang)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def render_lineage_svg(service: LedgerService, lot_id: str, lang: str = "es") -> str:
    """The lineage picture of ``lot_id`` as SVG text, in ``lang`` (``es`` or ``en``).

    Raises:
        EntryNotFoundError: no such lot.
        ValueError: unknown language.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"expected lang 'es' or 'en', found {lang!r}")
    with service.store.read_state() as state:
        picture = lineage_picture(state, lot_id)
    return draw_lineage_svg(picture, lang)


def export_svg(service: LedgerService, request: ExportRequest) -> Iterator[bytes]:
    """The ``svg`` exporter: the whole picture is drawn (and the lot checked) before returning."""
    request.report(0, 1)
    svg = render_lineage_svg(service, request.lot_id)
    request.report(1, 1)
    return iter([svg.encode()])


FORMAT = ExportFormat(
    name="svg",
    media_type="image/svg+xml",
    suffix=".svg",
    description="Lineage picture: plots → harvest → processing → lot, by eligibility",
    export=export_svg,
)
