"""The one serializer for bytes that are hashed or signed: RFC 8785 (JCS).

Everything the ledger hashes or signs goes through :func:`canonicalize`. ``json.dumps(...,
sort_keys=True)`` is not a substitute: it differs from JCS on number formatting (``1e21``,
``1.0``) and on key order for non-BMP characters (JCS sorts by UTF-16 code units).

:func:`parse_canonical` goes the other way with the strictness verification needs: the bytes
must parse as JSON with no duplicate keys and no NaN/Infinity, *and* re-encode to exactly the
same bytes. Stored bytes are verified as stored; nothing is re-serialized and trusted.

Left out: streaming, and JSON values outside the I-JSON domain (integers beyond ±2**53-1 are
rejected by the encoder, as RFC 8785 §3.2.2.3 requires).
"""

from __future__ import annotations

import json
import json.encoder
import re
from collections.abc import Callable
from typing import Any

import rfc8785

from ledger.errors import EncodingError

__all__ = ["canonicalize", "parse_canonical", "parse_json_strict", "strict_json_decoder"]


def _not_json(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_C_ENCODE: Callable[[Any, int], list[str]] | None = (
    None
    if json.encoder.c_make_encoder is None  # type: ignore[attr-defined]
    else json.encoder.c_make_encoder(  # type: ignore[attr-defined]
        None, _not_json, json.encoder.encode_basestring, None, ":", ",", True, False, False
    )
)
"""``_ENCODER.encode`` without its wrapper: ``json.dumps`` with these options builds a new
encoder, and ``encode`` a new C encoder, on every call (a third of the cost of a small
document). No circular-reference markers: :func:`_fast_safe` refuses anything nested deeper
than ``_MAX_DEPTH`` before it gets here."""


def _fast_jcs(value: Any) -> bytes:
    # Equal to RFC 8785 output for the documents _fast_safe accepts: then the number, string
    # escaping and key-order rules of json.dumps coincide with JCS (tested property-wise
    # against rfc8785 in tests/unit/ledger/test_canonical.py). Everything else goes through
    # rfc8785.
    if _C_ENCODE is None:
        return _ENCODER.encode(value).encode("utf-8")
    return "".join(_C_ENCODE(value, 0)).encode("utf-8")


_SAFE_INT = 2**53 - 1
_MAX_DEPTH = 100


def _plain(number: float) -> bool:
    """Whether ``repr`` (what ``json.dumps`` writes) spells this float as JCS does.

    A finite, non-integral float with 1e-4 <= |x| < 1e16 is written by ``repr`` in plain
    decimal notation with the shortest round-trip digits and no trailing ``.0``, which is what
    ECMAScript's Number-to-String (RFC 8785 §3.2.2.3) writes for it, and ``rfc8785`` writes
    exactly ``str(x)`` there. Integral floats (``1.0``, JCS ``1``), -0.0, tiny and huge
    magnitudes (exponents) and NaN/infinity (every comparison false) are left to the reference.
    """
    return 1e-4 <= abs(number) < 1e16 and not number.is_integer()


def _fast_safe(value: Any, depth: int = 0) -> bool:
    """Whether ``json.dumps`` with sorted keys writes exactly what JCS writes for ``value``.

    Exact built-in types only, but for str (other subclasses, tuples and the rest go to
    the reference encoder, which decides and reports); keys free of characters beyond
    U+FFFF (JCS sorts keys by UTF-16 code units, ``json.dumps`` by code points: the two
    orders differ only there); integers in the I-JSON range; floats where :func:`_plain`.
    Written as loops with the scalars tested inline: the walk runs over every document the
    state commitment hashes and cost more than the encoding itself as generator expressions.
    """
    kind = type(value)
    if kind is dict:
        if depth > _MAX_DEPTH:
            return False
        for key, item in value.items():
            if type(key) is not str or not (key.isascii() or max(key) <= "\uffff"):
                return False
            item_kind = type(item)
            if item_kind is str or item is None or item_kind is bool:
                continue
            if item_kind is int:
                if -_SAFE_INT <= item <= _SAFE_INT:
                    continue
                return False
            if item_kind is float:
                if _plain(item):
                    continue
                return False
            if not _fast_safe(item, depth + 1):
                return False
        return True
    if kind is list:
        if depth > _MAX_DEPTH:
            return False
        for item in value:
            item_kind = type(item)
            if item_kind is str or item is None or item_kind is bool:
                continue
            if item_kind is int:
                if -_SAFE_INT <= item <= _SAFE_INT:
                    continue
                return False
            if item_kind is float:
                if _plain(item):
                    continue
                return False
            if not _fast_safe(item, depth + 1):
                return False
        return True
    if isinstance(value, str) or value is None or kind is bool:
        return True  # a str subclass (StrEnum) is written as its text by both encoders
    if kind is int:
        return bool(-_SAFE_INT <= value <= _SAFE_INT)
    if kind is float:
        return _plain(value)
    return False  # tuples, subclasses…: the reference encoder decides


def canonicalize(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 encoding of a JSON value.

    Values of the built-in JSON types with integers in the I-JSON range, floats in plain
    decimal range (``_plain``: plot coordinates and areas) and BMP-only keys are written by
    the C JSON encoder, whose output coincides with JCS there (property tests compare both on
    generated documents); everything else goes through ``rfc8785``.

    Args:
        value: dicts with str keys, lists, str, int, float, bool and None.

    Raises:
        EncodingError: the value is outside what JCS can encode (NaN, huge integers,
            non-str keys, unsupported types).
    """
    if _fast_safe(value):
        try:
            return _fast_jcs(value)
        except UnicodeEncodeError:
            pass  # lone surrogates: let the reference encoder report them
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise EncodingError(f"value cannot be canonicalized (RFC 8785): {exc}") from exc


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise EncodingError(f"duplicate object key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise EncodingError(f"{name} is not valid JSON")


def strict_json_decoder() -> json.JSONDecoder:
    """A decoder with :func:`parse_json_strict`'s rules, for ``raw_decode`` over a stream
    (``verifiers.epcis.stream`` reads large documents one value at a time).

    Its errors are :class:`EncodingError` (duplicate keys, NaN) or :class:`ValueError`.
    """
    return json.JSONDecoder(object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)


def parse_json_strict(data: bytes | str) -> Any:
    """Parse JSON, rejecting duplicate keys and the non-standard NaN/Infinity literals.

    Duplicate keys matter: two parsers that keep different duplicates see two different
    statements under one signature.

    Raises:
        EncodingError: the input is not strict JSON.
    """
    try:
        return json.loads(
            data,
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
        )
    except EncodingError:
        raise
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise EncodingError(f"invalid JSON: {exc}") from exc


class _Features:
    """What a parse saw that the fast serializer cannot reproduce exactly."""

    def __init__(self) -> None:
        self.needs_full_jcs = False


_ASTRAL_LEAD_BYTES = re.compile(rb"[\xf0-\xf4]")


def _plain_float(text: str, number: float) -> bool:
    """Whether ``text`` is ``repr(number)`` in plain decimal notation, not integral.

    For such a float, RFC 8785 writes exactly ``str(number)`` (it only rewrites exponents and a
    trailing ``.0``; ``rfc8785._impl._serialize_float``), and so does ``json.dumps``: the fast
    re-encoding is exact. Plot coordinates and areas are all of this kind, and sending every
    leaf holding one through the pure-Python reference encoder cost about 0.5 ms per plot.
    """
    return "e" not in text and not text.endswith(".0") and repr(number) == text


def parse_canonical(data: bytes) -> Any:
    """Parse bytes that must already be in RFC 8785 canonical form.

    Verification calls this for every stored leaf, so it is built for speed: the C parser
    reads the bytes and the C encoder writes them back whenever the document is plainly in
    the domain where ``json.dumps`` and JCS coincide (floats included when written in plain
    decimal notation as ``repr`` writes them, :func:`_plain_float`); any other float, an
    out-of-range integer or a character beyond U+FFFF sends the re-encoding through rfc8785.
    Duplicate keys need no hook: the parse keeps one of them, so the re-encoding differs from
    the input.

    Raises:
        EncodingError: the bytes are not JSON, or not canonical.
    """
    features = _Features()
    # UTF-8 lead bytes F0–F4 start the only characters on which key order could differ.
    features.needs_full_jcs = _ASTRAL_LEAD_BYTES.search(data) is not None

    def on_float(text: str) -> float:
        number = float(text)
        if not _plain_float(text, number):
            features.needs_full_jcs = True
        return number

    def on_int(text: str) -> int | float:
        number = int(text)
        if len(text) > 15 and abs(number) > _SAFE_INT:
            # JCS numbers are IEEE doubles: 2.0**53 is written "9007199254740992", which
            # must read back as that double, not as an integer JCS cannot encode.
            features.needs_full_jcs = True
            return float(text)
        return number

    try:
        value = json.loads(
            data,
            parse_constant=_reject_constant,
            parse_float=on_float,
            parse_int=on_int,
        )
    except EncodingError:
        raise
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise EncodingError(f"invalid JSON: {exc}") from exc
    if features.needs_full_jcs:
        encoded = canonicalize(value)
    else:
        try:
            encoded = _fast_jcs(value)
        except UnicodeEncodeError:
            encoded = canonicalize(value)
    if encoded != data:
        raise EncodingError("bytes are not in RFC 8785 canonical form")
    return value
