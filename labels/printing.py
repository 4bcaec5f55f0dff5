"""Printable labels: one label as SVG, a print run as HTML (A4 sheet) or PDF.

A label is 70 × 36 mm: the QR (30 mm at version 10, about 0.46 mm per module, fine for a
300 dpi thermal printer) and, beside it, in Spanish and English, the seal, the product and
its net quantity, the lot number and GTIN, and a short code for manual entry when a camera
cannot read the symbol. Labels without unit serials are identical within one issuance
(the signed payload is the same), so a print run repeats one label; with serials every
label differs.

The short code ``<n>-<K>`` (the issuance seq and the key hint in capitals, e.g. ``215-7F3A``)
names the issuance for a person typing it on the resolver's site; it carries no signature,
so it looks a label up, it does not prove one.

HTML sheets use CSS ``@page`` and millimetre sizes so a browser prints them at true size;
PDF goes through fpdf2 with the symbol drawn as vector rectangles (one per run of dark
modules in a row).

Left out: the QR symbol itself (``labels.render``) and where the facts come from (the
caller passes a :class:`LabelFace`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from labels.payload import LabelClaims, parse_label
from labels.render import ErrorLevel, LabelQR, make_qr

__all__ = [
    "STOCKS",
    "LabelFace",
    "Stock",
    "draw_qr_pdf",
    "label_html",
    "label_pdf",
    "label_svg",
    "latin1",
    "short_code",
]

PRODUCT_NAMES: dict[str, tuple[str, str]] = {
    "coffee": ("Café", "Coffee"),
    "honey": ("Miel", "Honey"),
    "cacao": ("Cacao", "Cocoa"),
}
FORM_NAMES: dict[str, tuple[str, str]] = {
    "cherry": ("cereza", "cherry"),
    "parchment": ("pergamino", "parchment"),
    "green": ("verde", "green"),
    "roasted": ("tostado", "roasted"),
    "wet": ("en baba", "wet beans"),
    "dry": ("seco", "dry beans"),
    "nibs": ("nibs", "nibs"),
    "raw": ("cruda", "raw"),
    "filtered": ("filtrada", "filtered"),
}
WIDTH_MM, HEIGHT_MM, QR_MM = 70.0, 36.0, 30.0
TEXT_MM = 33.0
"""Width of the text column beside the symbol."""


@dataclass(frozen=True)
class Stock:
    """A label stock: the page (mm), how many 70 × 36 mm labels it holds and where.

    Sheet stocks hold a grid of labels with the first at (``left``, ``top``) and the next one
    ``pitch_x``/``pitch_y`` further; a thermal roll is one label a page, page = label.
    """

    page_w: float
    page_h: float
    columns: int
    rows: int
    left: float
    top: float
    pitch_x: float = WIDTH_MM + 8.0
    pitch_y: float = HEIGHT_MM + 3.0

    @property
    def per_page(self) -> int:
        """Labels on one page."""
        return self.columns * self.rows


STOCKS: dict[str, Stock] = {
    # A4 (210 × 297): 2 × 7, centred, 8 mm between columns, 3 mm between rows.
    "a4": Stock(210.0, 297.0, 2, 7, 31.0, 12.0),
    # US Letter (215.9 × 279.4), common in Mexican offices: 2 × 7, centred.
    "letter": Stock(215.9, 279.4, 2, 7, 33.95, 4.7),
    # A thermal roll of 70 × 36 mm die-cut labels (e.g. a 300 dpi Zebra): one label a page.
    "thermal": Stock(WIDTH_MM, HEIGHT_MM, 1, 1, 0.0, 0.0),
}
"""The stocks a print run can be laid out on (`label_pdf(..., stock=...)`)."""


@dataclass(frozen=True)
class LabelFace:
    """What a printed label says besides its QR (all of it public: no personal data)."""

    product: str
    form: str
    unit_g: int
    seal_es: str = "Amigable con la biodiversidad"
    seal_en: str = "Biodiversity friendly"
    origin: str = ""

    def product_line(self) -> tuple[str, str]:
        """(Spanish, English) product and form, e.g. ("Café verde", "Green coffee")."""
        es, en = PRODUCT_NAMES.get(self.product, (self.product, self.product))
        form_es, form_en = FORM_NAMES.get(self.form, (self.form, self.form))
        return f"{es} {form_es}", f"{form_en.capitalize()} {en.lower()}"

    def net(self) -> str:
        """Net quantity per unit: ``69 kg``, ``500 g``."""
        if self.unit_g % 1000 == 0:
            return f"{self.unit_g // 1000} kg"
        if self.unit_g >= 1000:
            return f"{self.unit_g / 1000:g} kg"
        return f"{self.unit_g} g"


def short_code(claims: LabelClaims) -> str:
    """The manual-entry code: issuance seq and key hint, e.g. ``215-7F3A``."""
    return f"{claims.seq}-{claims.key_hint.upper()}"


def _lines(claims: LabelClaims, face: LabelFace) -> list[tuple[str, float, bool]]:
    """(text, font size in mm, bold) for the label's text block."""
    product_es, product_en = face.product_line()
    lines = [
        (face.seal_es, 2.9, True),
        (face.seal_en, 2.5, False),
        (f"{product_es} · {face.net()}", 2.6, True),
        (f"{product_en} · net {face.net()}", 2.3, False),
        (f"Lote / Lot {claims.lot}", 2.5, True),
    ]
    if claims.gtin:
        lines.append((f"GTIN {claims.gtin}", 2.2, False))
    if claims.serial:
        lines.append((f"Serie / Serial {claims.serial}", 2.2, False))
    if face.origin:
        lines.append((face.origin, 2.1, False))
    lines.append((f"Código / Code {short_code(claims)}", 2.6, True))
    return lines


def _steps(lines: list[tuple[str, float, bool]]) -> float:
    """Line-advance factor that keeps the text block above the host line."""
    room = HEIGHT_MM - 6.0 - 6.5  # first baseline at 6 mm; the host line needs 6.5 mm
    needed = sum(size + 0.9 for _text, size, _bold in lines[:-1])
    return min(1.0, room / needed) if needed else 1.0


def _svg_body(text: str, face: LabelFace, qr: LabelQR, x: float = 0, y: float = 0) -> str:
    claims = parse_label(text)
    module = QR_MM / (qr.modules + 2)  # one module of quiet zone drawn inside the 30 mm
    parts = [
        f'<g transform="translate({x:g} {y:g})">',
        f'<rect width="{WIDTH_MM:g}" height="{HEIGHT_MM:g}" rx="2" fill="#fff" '
        'stroke="#2e7d32" stroke-width="0.4"/>',
        f'<g transform="translate({3 + module:g} {3 + module:g}) scale({module:.6g})">',
        _qr_path(qr),
        "</g>",
    ]
    cursor = 6.0
    lines = _lines(claims, face)
    factor = _steps(lines)
    for line, size, bold in lines:
        weight = ' font-weight="bold"' if bold else ""
        # Long lines (standard titles) are squeezed to the text column rather than overflow.
        fit = TEXT_MM if len(line) * size * 0.58 > TEXT_MM else None
        squeeze = f' textLength="{fit:g}" lengthAdjust="spacingAndGlyphs"' if fit else ""
        parts.append(
            f'<text x="35" y="{cursor:.2f}" font-size="{size:g}"{weight}{squeeze}>'
            f"{html.escape(line)}</text>"
        )
        cursor += (size + 0.9) * factor
    parts.append(
        f'<text x="35" y="{HEIGHT_MM - 2.2:g}" font-size="1.9" fill="#555">'
        f"{html.escape(claims.host)}</text>"
    )
    parts.append("</g>")
    return "".join(parts)


def _qr_path(qr: LabelQR) -> str:
    """The symbol as one SVG path in module units, merging horizontal runs."""
    commands = []
    for row, line in enumerate(qr.symbol.matrix):
        start = None
        for col, dark in enumerate([*line, 0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                commands.append(f"M{start} {row}h{col - start}v1h-{col - start}z")
                start = None
    return f'<path fill="#000" d="{"".join(commands)}"/>'


def label_svg(
    text: str, face: LabelFace, *, error: ErrorLevel = "Q", mask: int | None = None
) -> str:
    """One printable label as a standalone SVG document (millimetre units).

    Raises:
        MalformedLabelError: ``text`` is not a label.
    """
    qr = make_qr(text, error=error, mask=mask)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_MM:g}mm" '
        f'height="{HEIGHT_MM:g}mm" viewBox="0 0 {WIDTH_MM:g} {HEIGHT_MM:g}" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">'
        f"{_svg_body(text, face, qr)}</svg>\n"
    )


def label_html(
    texts: list[str],
    face: LabelFace,
    *,
    title: str = "Etiquetas Biotraza / Biotraza labels",
    error: ErrorLevel = "Q",
    mask: int | None = None,
) -> str:
    """A print-ready HTML sheet (A4, 2 columns × 7 rows per page) of the given labels.

    Raises:
        MalformedLabelError: a text is not a label.
        ValueError: no labels.
    """
    if not texts:
        raise ValueError("no labels to print")
    cache: dict[str, str] = {}
    figures = []
    for text in texts:
        if text not in cache:
            qr = make_qr(text, error=error, mask=mask)
            cache[text] = (
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_MM:g}mm" '
                f'height="{HEIGHT_MM:g}mm" viewBox="0 0 {WIDTH_MM:g} {HEIGHT_MM:g}" '
                f'role="img" aria-label="{html.escape(text)}">{_svg_body(text, face, qr)}</svg>'
            )
        figures.append(f"<figure>{cache[text]}</figure>")
    return (
        '<!DOCTYPE html>\n<html lang="es"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>"
        "@page{size:A4;margin:10mm}body{margin:0;font-family:'DejaVu Sans',Helvetica,Arial,"
        "sans-serif}main{display:grid;grid-template-columns:repeat(2,70mm);gap:4mm 8mm;"
        "justify-content:center}figure{margin:0;break-inside:avoid}"
        "h1{font-size:4mm;text-align:center}@media print{h1{display:none}}"
        f"</style></head><body><h1>{html.escape(title)} — {len(texts)}</h1>"
        f"<main>{''.join(figures)}</main></body></html>\n"
    )


def latin1(text: str) -> str:
    """``text`` as fpdf2's core fonts can draw it: they are Latin-1, so Spanish accents fit,
    an en dash becomes a hyphen and anything else a question mark."""
    return text.replace("–", "-").encode("latin-1", "replace").decode("latin-1")


def draw_qr_pdf(pdf: Any, qr: LabelQR, x: float, y: float, size_mm: float) -> None:
    """Draw a QR symbol on an fpdf2 page as vector rectangles (one per run of dark modules in
    a row), ``size_mm`` wide including a one-module quiet zone on each side."""
    module = size_mm / (qr.modules + 2)
    pdf.set_fill_color(0, 0, 0)
    for r, line in enumerate(qr.symbol.matrix):
        start = None
        for c, dark in enumerate([*line, 0]):
            if dark and start is None:
                start = c
            elif not dark and start is not None:
                pdf.rect(
                    x + module * (start + 1),
                    y + module * (r + 1),
                    module * (c - start),
                    module,
                    style="F",
                )
                start = None


def label_pdf(
    texts: list[str],
    face: LabelFace,
    *,
    error: ErrorLevel = "Q",
    mask: int | None = None,
    stock: str = "a4",
) -> bytes:
    """A PDF of the labels on ``stock`` (:data:`STOCKS`: A4 or Letter sheets of 2 × 7, or a
    thermal roll of one label a page), symbols as vector rectangles.

    Raises:
        MalformedLabelError: a text is not a label.
        ValueError: no labels, or an unknown stock.
    """
    if not texts:
        raise ValueError("no labels to print")
    layout = STOCKS.get(stock)
    if layout is None:
        raise ValueError(f"unknown label stock {stock!r}: one of {', '.join(STOCKS)}")
    # Imported here: fpdf2 (with fontTools) costs every CLI command half a second to import.
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=(layout.page_w, layout.page_h))
    pdf.set_auto_page_break(False)
    pdf.set_creator("Biotraza")
    symbols: dict[str, LabelQR] = {}
    for index, text in enumerate(texts):
        place = index % layout.per_page
        if place == 0:
            pdf.add_page()
        col, row = place % layout.columns, place // layout.columns
        x, y = layout.left + col * layout.pitch_x, layout.top + row * layout.pitch_y
        claims = parse_label(text)
        qr = symbols.get(text) or symbols.setdefault(text, make_qr(text, error=error, mask=mask))
        pdf.set_draw_color(46, 125, 50)
        pdf.set_line_width(0.4)
        pdf.rect(x, y, WIDTH_MM, HEIGHT_MM)
        draw_qr_pdf(pdf, qr, x + 3, y + 3, QR_MM)
        cursor = y + 6.0
        lines = _lines(claims, face)
        factor = _steps(lines)
        for line_text, size, bold in lines:
            points = size * 2.835  # mm → pt
            pdf.set_font("Helvetica", "B" if bold else "", points)
            while pdf.get_string_width(latin1(line_text)) > TEXT_MM and points > 3:
                points -= 0.25
                pdf.set_font("Helvetica", "B" if bold else "", points)
            pdf.text(x + 35, cursor, latin1(line_text))
            cursor += (size + 0.9) * factor
        pdf.set_font("Helvetica", "", 1.9 * 2.835)
        pdf.text(x + 35, y + HEIGHT_MM - 2.2, latin1(claims.host))
    return bytes(pdf.output())
