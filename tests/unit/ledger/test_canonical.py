"""The fast paths of ``ledger.canonical`` and ``ledger.entries`` agree with the reference
RFC 8785 encoder byte for byte, on generated documents."""

from __future__ import annotations

import math
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.canonical import canonicalize, parse_canonical
from ledger.entries import leaf_canonical_bytes
from ledger.errors import EncodingError
from ledger.hashing import EntryHash
from ledger.statements import sign_statement
from tests.factories import make_key

SAFE = 2**53 - 1
texts = st.text(st.characters(codec="utf-8"), max_size=12)
bmp_keys = st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"]), max_size=8)
any_keys = st.text(st.characters(codec="utf-8"), max_size=8)
scalars_no_float = st.none() | st.booleans() | st.integers(-SAFE, SAFE) | texts
finite_floats = st.floats(allow_nan=False, allow_infinity=False)


def json_values(keys: st.SearchStrategy[str], scalars: st.SearchStrategy[Any]) -> Any:
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4)
        ),
        max_leaves=20,
    )


@settings(max_examples=400)
@given(json_values(bmp_keys, scalars_no_float))
def test_fast_encoder_equals_rfc8785_where_it_is_used(value: Any) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)


@settings(max_examples=300)
@given(json_values(any_keys, scalars_no_float | finite_floats))
def test_every_document_round_trips_through_parse_canonical(value: Any) -> None:
    encoded = rfc8785.dumps(value)
    assert canonicalize(value) == encoded
    parsed = parse_canonical(encoded)
    assert canonicalize(parsed) == encoded


@pytest.mark.parametrize("value", [2.0**53, 1e16, -1e20, 1e21, 5e-324, 0.1])
def test_numbers_jcs_writes_as_digits_read_back_as_the_same_double(value: float) -> None:
    encoded = canonicalize({"x": value})
    parsed = parse_canonical(encoded)
    assert math.isclose(parsed["x"], value, rel_tol=0, abs_tol=0) or parsed["x"] == value


@settings(max_examples=500)
@given(st.lists(finite_floats, min_size=1, max_size=8))
def test_floats_take_the_fast_path_only_where_it_equals_rfc8785(values: list[float]) -> None:
    """The JCS bytes of any floats parse back; ``repr``'s other spellings never pass."""
    encoded = rfc8785.dumps({"v": values})
    assert canonicalize(parse_canonical(encoded)) == encoded
    for value in values:
        spellings = {repr(value), f"{value:.17g}", f"{value:.20f}", f"{value:e}"}
        for spelling in (s for s in spellings if float(s) == value):
            data = b'{"v":' + spelling.encode() + b"}"
            if data != rfc8785.dumps({"v": value}):
                with pytest.raises(EncodingError, match="canonical"):
                    parse_canonical(data)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1, "b":2}',
        b'{"b":1,"a":2}',
        b'{"a":1.0}',
        b'{"a":1e-07}',
        b'{"a":"\\u0041"}',
        b'{"a":-92.50}',
        b'{"a":1.5e-05}',
        b'{"a":-0.0}',
        b'{"a":1e+16}',
        b'{"a":100000000000000000000.5}',
    ],
)
def test_non_canonical_spellings_are_refused(data: bytes) -> None:
    with pytest.raises(EncodingError, match="canonical"):
        parse_canonical(data)


@settings(max_examples=60, deadline=None)
@given(
    seq=st.integers(0, SAFE),
    prev=st.binary(min_size=32, max_size=32),
    body=st.dictionaries(any_keys, scalars_no_float | finite_floats, max_size=4),
)
def test_assembled_leaf_equals_reference_encoding(
    seq: int, prev: bytes, body: dict[str, Any]
) -> None:
    signed = sign_statement(
        make_key("root"), "key.test", body, ts="2026-01-01T00:00:00Z", nonce="n0nce-123"
    )
    expected = rfc8785.dumps(
        {"seq": seq, "prev": prev.hex(), "statement": signed.statement.to_dict(), "sig": signed.sig}
    )
    assert leaf_canonical_bytes(seq, EntryHash(prev), signed) == expected


def test_plain_coordinates_need_no_reference_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plot coordinates and areas re-encode on the fast path (the reference encoder is pure
    Python and cost about 0.5 ms per plot leaf when every float sent a leaf through it)."""

    def refuse(value: Any) -> bytes:
        raise AssertionError("the reference encoder was used")

    monkeypatch.setattr("ledger.canonical.canonicalize", refuse)
    data = b'{"area_ha":1.25,"coordinates":[[-92.7234567,15.1234567],[-92.72,15.5]]}'
    assert parse_canonical(data)["coordinates"][0] == [-92.7234567, 15.1234567]


# Floats from every range JCS spells differently: tiny and huge exponents, integral values,
# negative zero, both sides of the plain-notation bounds, and ordinary coordinates.
edge_floats = st.sampled_from(
    [0.0, -0.0, 1.0, -1.0, 1e-4, 9.999999999999999e-05, 1.0000000000000002e-4, 1e-7, 1e-6,
     5e-324, 1e15 + 0.5, 9007199254740991.0, 2.0**53, 1e16, 1e21, 1e22, 0.1, 123.456,
     -92.7234567, 1.7976931348623157e308]
)  # fmt: skip
all_floats = finite_floats | edge_floats | st.floats(1e-6, 1e17) | st.floats(-1e17, -1e-6)
escapes = st.text(st.sampled_from('"\\/\b\f\n\r\t\x00\x1f\x7f é€\u2028\ufeff😀𝄞'), max_size=8)
astral_keys = st.text(st.sampled_from("a\uffff\ue000😀𝄞\U0010fffd"), max_size=3)
documents = json_values(
    any_keys | astral_keys | escapes,
    scalars_no_float | all_floats | escapes | st.integers(-(2**60), 2**60),
)


def _reference(value: Any) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        return EncodingError


def _ours(value: Any) -> bytes | type[Exception]:
    try:
        return canonicalize(value)
    except EncodingError:
        return EncodingError


@settings(max_examples=2000, deadline=None)
@given(documents)
def test_canonicalize_equals_rfc8785_on_any_document(value: Any) -> None:
    """Floats, Unicode, escapes, astral keys, out-of-range integers, nesting: the fast path
    writes what the reference writes, or refuses what it refuses, byte for byte."""
    assert _ours(value) == _reference(value)
    assert _ours(["doc", "plot", "k", value]) == _reference(["doc", "plot", "k", value])


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1.0}, {"a": -0.0}, {"a": 1e-5}, {"a": 1e16}, {"a": 1e21}, {"a": 2.0**53},
        {"a": 9.999999999999999e-05}, {"a": float("nan")}, {"a": float("inf")},
        {"a": 2**53}, {"a": -(2**53)}, {1: "a"}, {"a": (1, 2.5)}, {"a": {"😀": 1, "\uffff": 2}},
        {"a": "\ud800"}, {"a": b"x"}, [[[[1.5]]]], "é\u2028", 0.5, True, None,
    ],
)  # fmt: skip
def test_canonicalize_edges_equal_rfc8785(value: Any) -> None:
    assert _ours(value) == _reference(value)


def test_deep_nesting_goes_to_the_reference() -> None:
    value: Any = 1.5
    for _ in range(150):
        value = [value]
    assert canonicalize(value) == rfc8785.dumps(value)


def test_plain_floats_are_encoded_without_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plot documents (coordinates, areas, fractional kilograms) take the C encoder: the
    reference encoder is pure Python, and the state commitment encodes every plot."""

    def refuse(value: Any) -> bytes:
        raise AssertionError("the reference encoder was used")

    plain = {"area_ha": 8.125, "coordinates": [[-92.7234567, 16.2015], [-93.5, 16.5]]}
    integral = {"area_ha": 8.0, "coordinates": [[-92.7234567, 16.2015]]}
    expected = rfc8785.dumps({"quantity_kg": 73.6, "doc": plain})
    monkeypatch.setattr("ledger.canonical.rfc8785.dumps", refuse)
    assert canonicalize({"quantity_kg": 73.6, "doc": plain}) == expected
    with pytest.raises(AssertionError, match="reference"):
        canonicalize(integral)  # JCS writes 8, repr 8.0: the reference decides
