"""The delivery receipt: the device-signed ``lot.harvested`` statement itself, as QR text.

At the farm gate the field technician's phone signs the delivery (``ledger.supply.lots``) and
shows the producer a QR of that very signed statement. Once the phone syncs, the statement
becomes a ledger entry, so the receipt is also the key to find that entry and to check its
inclusion proof; until then it proves what a signature can (``labels.receipt_verify``).

The text, to the byte::

    BTR1:<digits>

* ``BTR1:`` — format and version (QR alphanumeric mode; a later format gets ``BTR2:``);
* ``<digits>`` — the payload bytes ``sig (64 raw bytes) ‖ deflate(JCS(statement))``, with
  ``deflate`` the deterministic raw DEFLATE of ``labels.deflate``, written 7 bytes at a time
  as 17 zero-padded decimal digits (the big-endian integer); a final group of *k* < 7 bytes
  takes 3, 5, 8, 10, 13 or 15 digits (the fewest that hold 256**k − 1).

Why digits: QR numeric mode packs 3 digits in 10 bits, so 7 bytes cost 56.7 bits — 1 % over
the raw bytes, where base45 costs 3 % and base64 in byte mode 33 %; and a digit string
survives every scanner app and keyboard, where raw binary in byte mode does not. Why a custom
deflate: the same statement must give the same receipt in Python and in the browser
(``tests/vectors/receipt.json``), which zlib does not promise. The statement's JCS bytes are
what the device signed, so the JSON in the receipt is the exact signed object.

Parsing is strict: one receipt per signed statement — after decoding, the statement is
re-encoded and must give back the same text, so no second spelling (another deflate, a padded
group, a non-canonical JSON) is accepted.

Left out: the verdict (``labels.receipt_verify``) and drawing (``labels.render.make_qr``).
"""

from __future__ import annotations

import re
import zlib

from labels.deflate import deflate_raw
from labels.errors import MalformedReceiptError
from ledger.canonical import parse_json_strict
from ledger.encoding import b64url_encode
from ledger.errors import EncodingError, SchemaError
from ledger.statements import MAX_STATEMENT_BYTES, SignedStatement, Statement

__all__ = [
    "RECEIPT_PREFIX",
    "decode_receipt",
    "digits_to_bytes",
    "bytes_to_digits",
    "encode_receipt",
    "receipt_payload",
]

RECEIPT_PREFIX = "BTR1:"
GROUP_BYTES = 7
GROUP_DIGITS = {1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15, 7: 17}
"""Digits of a group of k bytes: len(str(256**k - 1))."""
_TAIL_BYTES = {digits: size for size, digits in GROUP_DIGITS.items() if size < GROUP_BYTES}
_DIGITS = re.compile(r"[0-9]*")
MAX_RECEIPT_TEXT = 7089
"""The most digits a QR code holds (version 40-L, numeric mode)."""


def bytes_to_digits(data: bytes) -> str:
    """Bytes as digits: each group of up to 7 bytes, big-endian, zero-padded (module doc)."""
    parts = []
    for start in range(0, len(data), GROUP_BYTES):
        group = data[start : start + GROUP_BYTES]
        parts.append(str(int.from_bytes(group, "big")).zfill(GROUP_DIGITS[len(group)]))
    return "".join(parts)


def digits_to_bytes(digits: str) -> bytes:
    """The bytes written by :func:`bytes_to_digits`.

    Raises:
        MalformedReceiptError: not digits, a length no byte string gives, or a group over
            its byte range.
    """
    if not _DIGITS.fullmatch(digits) or not digits.isascii():
        raise MalformedReceiptError("digits", "expected only the digits 0-9 after the prefix")
    full, tail = divmod(len(digits), GROUP_DIGITS[GROUP_BYTES])
    if tail and tail not in _TAIL_BYTES:
        raise MalformedReceiptError(
            "digits", f"{len(digits)} digits is not a whole number of bytes"
        )
    out = bytearray()
    sizes = [GROUP_BYTES] * full + ([_TAIL_BYTES[tail]] if tail else [])
    position = 0
    for size in sizes:
        width = GROUP_DIGITS[size]
        value = int(digits[position : position + width])
        if value >= 1 << (8 * size):
            raise MalformedReceiptError("digits", f"group at digit {position} exceeds {size} bytes")
        out += value.to_bytes(size, "big")
        position += width
    return bytes(out)


def receipt_payload(signed: SignedStatement) -> bytes:
    """The payload bytes: the raw signature, then the deflated JCS of the statement."""
    return signed.signature + deflate_raw(signed.statement.canonical_bytes)


def encode_receipt(signed: SignedStatement) -> str:
    """The receipt text of a signed statement (deterministic: one statement, one text)."""
    return RECEIPT_PREFIX + bytes_to_digits(receipt_payload(signed))


def decode_receipt(text: str) -> SignedStatement:
    """The signed statement a receipt carries; no signature is checked here.

    Raises:
        MalformedReceiptError: ``part`` names what is wrong: ``prefix``, ``digits``,
            ``deflate``, ``json``, ``statement`` or ``encoding`` (not the one canonical text).
    """
    text = text.strip()
    if len(text) > len(RECEIPT_PREFIX) + MAX_RECEIPT_TEXT:
        raise MalformedReceiptError("text", f"longer than {MAX_RECEIPT_TEXT} digits")
    if not text.startswith(RECEIPT_PREFIX):
        found = text[: len(RECEIPT_PREFIX)]
        raise MalformedReceiptError("prefix", f"expected {RECEIPT_PREFIX!r}, found {found!r}")
    payload = digits_to_bytes(text[len(RECEIPT_PREFIX) :])
    if len(payload) <= 64:
        raise MalformedReceiptError("digits", "too short for a signature and a statement")
    inflater = zlib.decompressobj(-15)
    try:
        data = inflater.decompress(payload[64:], MAX_STATEMENT_BYTES + 1)
    except zlib.error as exc:
        raise MalformedReceiptError("deflate", f"not a raw DEFLATE stream: {exc}") from None
    if len(data) > MAX_STATEMENT_BYTES or not inflater.eof or inflater.unused_data:
        raise MalformedReceiptError("deflate", "not exactly one statement of at most 64 KiB")
    try:
        statement = Statement.from_dict(parse_json_strict(data))
        signed = SignedStatement(statement=statement, sig=b64url_encode(payload[:64]))
    except EncodingError as exc:
        raise MalformedReceiptError("json", str(exc)) from None
    except SchemaError as exc:
        first = "; ".join(f"{field}: {reason}" for field, reason in exc.errors[:3])
        raise MalformedReceiptError("statement", first or str(exc)) from None
    if encode_receipt(signed) != text:
        raise MalformedReceiptError("encoding", "not the canonical encoding of its statement")
    return signed
