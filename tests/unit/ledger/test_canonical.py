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
