"""Strict text encodings for binary values inside JSON: base64url and lowercase hex.

Strict means one accepted spelling per value: no padding, no whitespace, no mixed case, and
the decoded length checked by the caller's ``size``. A lenient decoder would let two different
strings name one signature, which breaks "same statement ⇒ same bytes".
"""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["b64url_decode", "b64url_encode", "hex_decode"]

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_HEX = re.compile(r"^[0-9a-f]*$")


def b64url_encode(data: bytes) -> str:
    """Encode bytes as unpadded base64url (RFC 4648 §5)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, size: int | None = None) -> bytes:
    """Decode unpadded base64url, rejecting any non-canonical spelling.

    Raises:
        ValueError: bad alphabet, padding, non-canonical trailing bits, or wrong length.
    """
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError(f"not base64url: {exc}") from exc
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url (stray trailing bits)")
    if size is not None and len(data) != size:
        raise ValueError(f"expected {size} bytes, got {len(data)}")
    return data


def hex_decode(text: str, size: int | None = None) -> bytes:
    """Decode lowercase hex of an exact size.

    Raises:
        ValueError: not lowercase hex, odd length, or wrong size.
    """
    if not _HEX.fullmatch(text) or len(text) % 2:
        raise ValueError("not lowercase hex")
    data = bytes.fromhex(text)
    if size is not None and len(data) != size:
        raise ValueError(f"expected {size} bytes, got {len(data)}")
    return data
