"""A deterministic raw DEFLATE (RFC 1951) encoder, so every implementation writes the same bytes.

Why not ``zlib``: compressors are free to choose their matches, and they do — Python's zlib
1.2.13 and the Chromium zlib inside Node and browsers give different bytes for the same input
at the same level. A receipt (``labels.receipt``) must be the same text whoever encodes it,
so that one statement has one receipt and the phone's QR equals the one the server or a
reprint would draw. This encoder fixes every choice, in few enough rules to write again in
TypeScript (``api/webapp/src/receipts/deflate.ts``) and check against shared vectors:

1. one final block with the fixed Huffman codes (BFINAL = 1, BTYPE = 01; RFC 1951 §3.2.6);
2. greedy parsing from the start: at each position take the longest match of 3–258 bytes
   starting within the previous 32,768 bytes (overlap allowed), the nearest one among equals;
   a literal when there is none;
3. bits packed least-significant first, Huffman codes most-significant first (§3.1.1).

Any inflater reads the result (``zlib.decompress(data, -15)``); receipts are a few hundred
bytes, so the quadratic match search costs well under a millisecond.

Left out: decoding (``zlib`` here; a fixed-Huffman-only inflater in the browser).
"""

from __future__ import annotations

__all__ = ["deflate_raw"]

_WINDOW = 32768
_MIN_MATCH = 3
_MAX_MATCH = 258
# RFC 1951 §3.2.5: (code, extra bits, base) for lengths 3–258 and distances 1–32768.
_LENGTH_BASES = (
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
)  # fmt: skip
_LENGTH_EXTRA = (0,) * 8 + (1,) * 4 + (2,) * 4 + (3,) * 4 + (4,) * 4 + (5,) * 4 + (0,)
_DIST_BASES = (
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
)  # fmt: skip
_DIST_EXTRA = (0, 0, 0, 0) + tuple(i // 2 for i in range(2, 28))


class _Bits:
    """An LSB-first bit writer."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.count = 0

    def put(self, value: int, width: int) -> None:
        self.acc |= value << self.count
        self.count += width
        while self.count >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.count -= 8

    def huffman(self, code: int, width: int) -> None:
        """A Huffman code: its bits go most-significant first."""
        self.put(int(f"{code:0{width}b}"[::-1], 2), width)

    def finish(self) -> bytes:
        if self.count:
            self.out.append(self.acc & 0xFF)
        return bytes(self.out)


def _symbol(bits: _Bits, symbol: int) -> None:
    """A literal/length symbol 0–287 in the fixed code (RFC 1951 §3.2.6)."""
    if symbol < 144:
        bits.huffman(0x30 + symbol, 8)
    elif symbol < 256:
        bits.huffman(0x190 + symbol - 144, 9)
    elif symbol < 280:
        bits.huffman(symbol - 256, 7)
    else:
        bits.huffman(0xC0 + symbol - 280, 8)


def _bucket(value: int, bases: tuple[int, ...]) -> int:
    index = 0
    while index + 1 < len(bases) and bases[index + 1] <= value:
        index += 1
    return index


def _longest(data: bytes, pos: int) -> tuple[int, int]:
    """(length, distance) of the longest match at ``pos``, nearest first; (0, 0) if none."""
    best_len, best_dist = 0, 0
    limit = min(_MAX_MATCH, len(data) - pos)
    if limit < _MIN_MATCH:
        return 0, 0
    for dist in range(1, min(pos, _WINDOW) + 1):
        start = pos - dist
        length = 0
        while length < limit and data[start + length] == data[pos + length]:
            length += 1
        if length > best_len:
            best_len, best_dist = length, dist
            if length == limit:
                break
    return (best_len, best_dist) if best_len >= _MIN_MATCH else (0, 0)


def deflate_raw(data: bytes) -> bytes:
    """The one raw DEFLATE stream of ``data`` under the rules of this module."""
    bits = _Bits()
    bits.put(1, 1)  # BFINAL
    bits.put(1, 2)  # BTYPE = 01, fixed Huffman codes
    pos = 0
    while pos < len(data):
        length, dist = _longest(data, pos)
        if length == 0:
            _symbol(bits, data[pos])
            pos += 1
            continue
        index = _bucket(length, _LENGTH_BASES)
        _symbol(bits, 257 + index)
        bits.put(length - _LENGTH_BASES[index], _LENGTH_EXTRA[index])
        dindex = _bucket(dist, _DIST_BASES)
        bits.huffman(dindex, 5)
        bits.put(dist - _DIST_BASES[dindex], _DIST_EXTRA[dindex])
        pos += length
    _symbol(bits, 256)  # end of block
    return bits.finish()
