"""QR rendering: sizes DESIGN §7 measured, optimal segments, and every symbol decodes.

* A 20-character lot with the default 13-character host fits version ≤ 10 at ECC Q and ≤ 8
  at ECC M (with a GTIN, a 12-digit ``n`` and the largest signature); as one byte-mode
  segment it would not.
* Segmentation is optimal: it never costs more bits than an exhaustive search over every
  segmentation of short random texts.
* Every PNG, and every SVG rasterized by resvg, decodes with zxing-cpp to the exact text, at
  both error levels and with each of the eight fixed masks; so do printable labels (SVG
  rasterized, and each inline symbol of an HTML sheet).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from labels.decode import decode_image, rasterize_svg
from labels.payload import DEFAULT_HOST, format_label, parse_label, sign_label
from labels.printing import LabelFace, label_html, label_pdf, label_svg, short_code
from labels.render import _bits, make_qr, segments
from tests.factories import make_key

KEY = make_key("label-issuer")
FACE = LabelFace(product="honey", form="filtered", unit_g=300_000, origin="Calakmul")


def _label(lot: str = "ABCDEFGHIJ0123456789", **over: object) -> str:
    fields: dict[str, object] = {
        "host": DEFAULT_HOST,
        "gtin": "17501234567913",
        "lot": lot,
        "seq": 999_999_999_999,
        "day": dt.date(2026, 6, 2),
        "serial": None,
    }
    fields.update(over)
    return format_label(sign_label(KEY, **fields))  # type: ignore[arg-type]


def _worst_case() -> str:
    """The longest label text of the design: 20-char lot, 13-char host, 2**512 - 1."""
    text = _label()
    return text[: text.index("&s=") + 3] + str(2**512 - 1)


def test_default_host_is_at_the_design_limit() -> None:
    assert len(DEFAULT_HOST) <= 13


@pytest.mark.parametrize(("error", "limit", "single"), [("Q", 10, 14), ("M", 8, 11)])
def test_version_limits_for_a_20_character_lot(error: str, limit: int, single: int) -> None:
    text = _worst_case()
    assert len(parse_label(_label()).lot) == 20
    assert make_qr(text, error=error).version <= limit  # type: ignore[arg-type]
    assert make_qr(_label(), error=error).version <= limit  # type: ignore[arg-type]
    # The same text as one byte-mode segment is several versions larger (DESIGN §7).
    plain = segno.make(text, error=error, mode="byte", boost_error=False)
    assert plain.version >= single


def test_segments_use_numeric_for_the_signature_and_alphanumeric_for_the_lot() -> None:
    modes = dict(make_qr(_label()).parts)
    signature = _label().split("&s=")[1]
    assert modes[signature] == "numeric"
    assert any(mode == "alphanumeric" and "/10/" in chunk for chunk, mode in modes.items())


def _exhaustive(text: str, version: int) -> int:
    """Fewest bits over every segmentation (exponential; texts of ≤ 10 characters)."""
    allowed = {
        "numeric": set("0123456789"),
        "alphanumeric": set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"),
    }

    @functools.cache
    def best(start: int) -> int:
        if start == len(text):
            return 0
        found = 1 << 30
        for end in range(start + 1, len(text) + 1):
            chunk = text[start:end]
            for mode in ("numeric", "alphanumeric", "byte"):
                if mode == "byte" or set(chunk) <= allowed[mode]:
                    found = min(found, _bits([(chunk, mode)], version) + best(end))
        return found

    return best(0)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet="0123456789ABCXYZ/:.?&=ab", min_size=1, max_size=10),
    version=st.sampled_from([1, 10, 27]),
)
def test_segmentation_is_optimal(text: str, version: int) -> None:
    parts = segments(text, version)
    assert "".join(chunk for chunk, _mode in parts) == text
    assert _bits(parts, version) == _exhaustive(text, version)


@pytest.mark.parametrize("error", ["Q", "M"])
def test_png_and_rasterized_svg_decode_to_the_exact_text(error: str) -> None:
    for text in (_label(), _label("CC2026D", gtin=None, serial="17", seq=42)):
        symbol = make_qr(text, error=error)  # type: ignore[arg-type]
        assert decode_image(symbol.png()) == [text]
        assert decode_image(symbol.svg()) == [text]
        assert decode_image(rasterize_svg(symbol.svg(), width=400)) == [text]


@pytest.mark.parametrize("mask", range(8))
def test_every_fixed_mask_still_scans(mask: int) -> None:
    for seq in (7, 123_456, 98_765_432_101):
        text = _label(seq=seq)
        symbol = make_qr(text, mask=mask)
        assert symbol.mask == mask
        assert decode_image(symbol.png(scale=3)) == [text]
        assert decode_image(symbol.svg(scale=3)) == [text]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="M or Q"):
        make_qr(_label(), error="H")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mask"):
        make_qr(_label(), mask=8)
    with pytest.raises(ValueError, match="ASCII"):
        segments("café", 1)
    with pytest.raises(ValueError, match="not an image"):
        decode_image(b"\x89PNG not really")
    blank = io.BytesIO()
    Image.new("L", (200, 200), 255).save(blank, format="PNG")
    with pytest.raises(ValueError, match="no QR code"):
        decode_image(blank.getvalue())
    with pytest.raises(ValueError, match="cannot render"):
        decode_image(b"<svg xmlns='http://www.w3.org/2000/svg'><rect")


def test_printable_label_svg_decodes_and_says_everything() -> None:
    text = _label("MC2026D001", serial="12", seq=446)
    svg = label_svg(text, FACE)
    assert svg.startswith("<?xml") and 'width="70mm"' in svg
    for expected in ("Miel filtrada", "Filtered honey", "300 kg", "MC2026D001",
                     "17501234567913", "Serie / Serial 12", "Calakmul",
                     short_code(parse_label(text)), DEFAULT_HOST):  # fmt: skip
        assert expected in svg, expected
    assert decode_image(rasterize_svg(svg.encode(), width=1400)) == [text]


def test_html_sheet_repeats_labels_and_each_symbol_decodes() -> None:
    texts = [_label("MC2026D001", serial=str(n), seq=446) for n in (1, 2, 3)]
    page = label_html(texts, FACE, mask=4)
    assert page.count("<figure>") == 3 and "@page{size:A4" in page
    inline = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(inline) == 3
    decoded = [decode_image(rasterize_svg(svg.encode(), width=1400))[0] for svg in inline]
    assert decoded == texts
    with pytest.raises(ValueError, match="no labels"):
        label_html([], FACE)


def test_pdf_sheet_has_one_page_per_fourteen_labels() -> None:
    pdf = label_pdf([_label(seq=5)] * 15, FACE)
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 2


def test_png_is_a_valid_greyscale_image_of_the_symbol() -> None:
    symbol = make_qr(_label(), error="M")
    data = symbol.png(scale=3, border=2)
    image = Image.open(io.BytesIO(data))
    image.load()
    side = (symbol.modules + 4) * 3
    assert image.mode == "L" and image.size == (side, side)
    matrix = symbol.symbol.matrix
    for row in (0, 7, symbol.modules // 2, symbol.modules - 1):
        for col in range(symbol.modules):
            pixel = image.getpixel(((col + 2) * 3 + 1, (row + 2) * 3 + 1))
            assert pixel == (0 if matrix[row][col] else 255)
    assert image.getpixel((0, 0)) == 255
    with pytest.raises(ValueError, match="scale"):
        symbol.png(scale=0)
