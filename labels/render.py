"""QR codes of label URLs: mixed-mode segments, ECC Q by default, PNG and SVG.

A label URL is lowercase text, two runs of digits (the GTIN and the 155-digit signature) and
an uppercase lot. Encoded in one mode (byte) it needs version 11 at ECC M and 14 at ECC Q;
split into segments — byte for the lowercase parts, numeric for digit runs, alphanumeric for
the uppercase lot path — it fits version 8 at ECC M and 10 at ECC Q (DESIGN §7, measured in
``tests/unit/labels/test_render.py``).

Segmentation is optimal for the symbol's version range (ISO/IEC 18004 §7.4 segment costs;
dynamic programming in the manner of Nayuki's "optimal segment mode switching", one pass in
sixths of a bit); the version is then the smallest whose data capacity holds the bits, and
``segno`` (chosen by measuring: pure Python, no image library needed, typed, and it accepts
a segment list) draws the symbol. ECC Q survives the curve of a honey jar and scuffed kraft
bags; M makes the symbol two versions smaller where labels stay flat.

Masks: ``segno`` scores all eight mask patterns by the standard's penalty rules unless one is
given; passing ``mask`` skips that (a third of the symbol's build time) and is what the bulk
paths do — every symbol produced is still checked to decode in the tests.

PNG files are written here (greyscale, one byte string per module row); SVG by segno.

Left out: the printable label around the symbol (``labels.printing``), reading symbols back
(``labels.decode``).
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Literal

import segno
from segno import consts

__all__ = ["ErrorLevel", "LabelQR", "make_qr", "segments"]

ErrorLevel = Literal["M", "Q"]

_ALPHANUMERIC = frozenset(consts.ALPHANUMERIC_CHARS.decode("ascii"))
_DIGITS = frozenset("0123456789")
_MODES = ("numeric", "alphanumeric", "byte")
_SEGNO_MODE = {
    "numeric": consts.MODE_NUMERIC,
    "alphanumeric": consts.MODE_ALPHANUMERIC,
    "byte": consts.MODE_BYTE,
}
_CHAR_SIXTHS = (20, 33, 48)  # 10 bits per 3 digits, 11 per 2 alphanumerics, 8 per byte
_COUNT_BITS = {  # ISO/IEC 18004 Table 3: character count indicator length
    "numeric": (10, 12, 14),
    "alphanumeric": (9, 11, 13),
    "byte": (8, 16, 16),
}
_RANGES = ((1, 9), (10, 26), (27, 40))
_ERROR = {"M": consts.ERROR_LEVEL_M, "Q": consts.ERROR_LEVEL_Q}
_INF = 1 << 60
_SYMBOLS: Any = consts.SYMBOL_CAPACITY
_CAPACITY: dict[int, dict[int, int]] = {v: dict(_SYMBOLS[v]) for v in range(1, 41)}
"""Data bits per version and error level (ISO/IEC 18004 Table 7)."""


def _range_index(version: int) -> int:
    return 0 if version <= 9 else 1 if version <= 26 else 2


def _allowed(mode: int, char: str) -> bool:
    if mode == 0:
        return char in _DIGITS
    if mode == 1:
        return char in _ALPHANUMERIC
    return True


def segments(text: str, version: int) -> list[tuple[str, str]]:
    """Split ``text`` into ``(chunk, mode)`` segments with the fewest bits at ``version``.

    Raises:
        ValueError: ``text`` is not ASCII (labels are; byte mode counts one byte per char).
    """
    if not text.isascii():
        raise ValueError("label text must be ASCII")
    if not text:
        return []
    index = _range_index(version)
    heads = [(4 + _COUNT_BITS[m][index]) * 6 for m in _MODES]
    # costs[m]: fewest sixths of a bit for the text so far with an open segment in mode m.
    costs = list(heads)
    current = costs
    switches: list[tuple[int, int, int]] = []  # per char: mode a switch came from, or -1
    for char in text:
        current = [
            costs[mode] + _CHAR_SIXTHS[mode] if _allowed(mode, char) else _INF for mode in range(3)
        ]
        # The segment may end after this char (whole bits) and a new one open in another
        # mode, paying its header.
        following = list(current)
        came = [-1, -1, -1]
        for to in range(3):
            for frm in range(3):
                if frm != to and current[frm] < _INF:
                    cost = math.ceil(current[frm] / 6) * 6 + heads[to]
                    if cost < following[to]:
                        following[to], came[to] = cost, frm
        switches.append((came[0], came[1], came[2]))
        costs = following
    mode = min(range(3), key=lambda m: current[m])  # the last segment stays open
    modes: list[int] = []
    for step in reversed(switches):
        if step[mode] >= 0 and len(modes) > 0:
            mode = step[mode]
        modes.append(mode)
    modes.reverse()
    found: list[tuple[str, str]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or modes[i] != modes[start]:
            found.append((text[start:i], _MODES[modes[start]]))
            start = i
    return found


def _bits(parts: list[tuple[str, str]], version: int) -> int:
    index = _range_index(version)
    total = 0
    for chunk, mode in parts:
        n = len(chunk)
        if mode == "numeric":
            data = 10 * (n // 3) + (0, 4, 7)[n % 3]
        elif mode == "alphanumeric":
            data = 11 * (n // 2) + 6 * (n % 2)
        else:
            data = 8 * n
        total += 4 + _COUNT_BITS[mode][index] + data
    return total


def _fit(text: str, error: ErrorLevel) -> tuple[int, list[tuple[str, str]]]:
    level = _ERROR[error]
    for low, high in _RANGES:
        parts = segments(text, low)
        bits = _bits(parts, low)
        for version in range(low, high + 1):
            if bits <= _CAPACITY[version][level]:
                return version, parts
    raise ValueError(f"{len(text)} characters do not fit a QR code at ECC {error}")


def _chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk: length, type, data, CRC-32 of type and data (PNG spec §5.3)."""
    crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


@dataclass(frozen=True)
class LabelQR:
    """One QR symbol of a label text."""

    text: str
    error: ErrorLevel
    parts: tuple[tuple[str, str], ...]
    symbol: segno.QRCode

    @property
    def version(self) -> int:
        """The QR version (1–40)."""
        return int(self.symbol.version)

    @property
    def mask(self) -> int:
        """The mask pattern used (0–7)."""
        return int(self.symbol.mask)

    @property
    def modules(self) -> int:
        """Modules per side, without the quiet zone."""
        return 17 + 4 * self.version

    def png(self, scale: int = 4, border: int = 4) -> bytes:
        """A black-on-white 8-bit greyscale PNG, ``scale`` pixels per module, ``border``
        modules of quiet zone.

        Written here rather than by segno's writer (a pixel-by-pixel loop): each module row
        becomes one byte string repeated ``scale`` times, which is three times faster and
        what lets a print run reach its rate (``bench/bench_labels.py``).
        """
        if scale < 1 or border < 0:
            raise ValueError("scale must be ≥ 1 and border ≥ 0")
        matrix = self.symbol.matrix
        size = (len(matrix) + 2 * border) * scale
        white, black = b"\xff" * scale, b"\x00" * scale
        edge = white * border
        blank = b"\x00" + b"\xff" * size  # filter type 0, then a white row
        rows = [blank] * (border * scale)
        for row in matrix:
            line = b"\x00" + edge + b"".join([black if dark else white for dark in row]) + edge
            rows.extend([line] * scale)
        rows.extend([blank] * (border * scale))
        header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)  # 8-bit greyscale
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
            + _chunk(b"IEND", b"")
        )

    def svg(self, scale: int = 4, border: int = 4) -> bytes:
        """A standalone SVG (one path), ``scale`` user units per module."""
        buffer = io.BytesIO()
        self.symbol.save(buffer, kind="svg", scale=scale, border=border, xmldecl=True)
        return buffer.getvalue()

    def svg_path(self, scale: float = 1.0, border: int = 0) -> str:
        """An inline ``<svg>`` element of the symbol, for embedding in a label."""
        return str(self.symbol.svg_inline(scale=scale, border=border, omitsize=True))


def make_qr(text: str, *, error: ErrorLevel = "Q", mask: int | None = None) -> LabelQR:
    """Build the smallest QR symbol of ``text`` with mixed-mode segments.

    Raises:
        ValueError: unknown error level, a mask outside 0–7, or text too long for QR.
    """
    if error not in _ERROR:
        raise ValueError(f"error level must be M or Q, got {error!r}")
    if mask is not None and not 0 <= mask <= 7:
        raise ValueError(f"mask must be 0..7, got {mask}")
    version, parts = _fit(text, error)
    content = [(chunk, _SEGNO_MODE[mode]) for chunk, mode in parts]
    symbol = segno.make(
        content,  # type: ignore[arg-type]  # segno accepts a segment list; its stub says str
        error=error,
        version=version,
        mask=mask,
        boost_error=False,
    )
    return LabelQR(text=text, error=error, parts=tuple(parts), symbol=symbol)
