"""Deterministic CBOR encoding (RFC 8949 §4.2.1) of the few types a label signature covers.

A label's COSE pieces are tiny and fixed in shape: unsigned and negative integers, byte and
text strings, arrays and maps with integer keys. Encoding them here (thirty lines) instead of
depending on a general CBOR library keeps the signed bytes under our control: the "core
deterministic encoding requirements" hold by construction —

* preferred serialization: every argument in the shortest form (``0x00``–``0x17`` inline,
  then 1, 2, 4 or 8 bytes);
* definite lengths only;
* map keys sorted by the bytewise lexicographic order of their own deterministic encodings
  (§4.2.1; not the length-first order of §4.2.3 that cbor2's ``canonical`` mode uses — the
  two agree on the one-byte keys labels have).

Left out on purpose: floats, tags, simple values, indefinite lengths and decoding. Verifiers
never decode a label's CBOR: they rebuild the bytes from the URL and check the signature over
them, so there is no parser to disagree with.
"""

from __future__ import annotations

from typing import Any

__all__ = ["bytes_head", "encode", "text_head"]

_MAX_ARG = 2**64 - 1


def _head(major: int, argument: int) -> bytes:
    """The initial byte and argument of a data item, in the shortest form (RFC 8949 §3)."""
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    return bytes([major << 5 | 27]) + argument.to_bytes(8, "big")  # callers keep it < 2**64


def bytes_head(length: int) -> bytes:
    """The head of a byte string of ``length`` bytes (major type 2)."""
    return _head(2, length)


def text_head(length: int) -> bytes:
    """The head of a text string of ``length`` UTF-8 bytes (major type 3)."""
    return _head(3, length)


def encode(value: Any) -> bytes:
    """Encode ``value`` as deterministic CBOR.

    Supported: ``int`` (major types 0 and 1, within ±2**64), ``bytes``, ``str`` (UTF-8),
    ``list``/``tuple`` and ``dict`` (keys of the supported types, sorted as §4.2.1 says).

    Raises:
        TypeError: a value of any other type (``bool`` included: it is not an integer here).
        ValueError: an integer out of range.
    """
    if isinstance(value, bool):
        raise TypeError("booleans are not used in label cbor")
    if isinstance(value, int):
        if value >= 0:
            if value > _MAX_ARG:
                raise ValueError(f"integer {value} is out of cbor range")
            return _head(0, value)
        if -1 - value > _MAX_ARG:
            raise ValueError(f"integer {value} is out of cbor range")
        return _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _head(3, len(data)) + data
    if isinstance(value, (list, tuple)):
        return _head(4, len(value)) + b"".join(encode(item) for item in value)
    if isinstance(value, dict):
        # Python dict keys of the supported types are distinct values with distinct
        # encodings, so sorting the encoded pairs cannot meet two equal keys.
        items = sorted((encode(k), encode(v)) for k, v in value.items())
        return _head(5, len(items)) + b"".join(k + v for k, v in items)
    raise TypeError(f"cannot encode {type(value).__name__} as label cbor")
