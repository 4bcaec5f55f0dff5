"""``ledger.storage.sql.fields.text_picker`` gives, from a document's JSON text, exactly what
decoding the whole text with ``json`` and walking the paths gives (``fields_picker``): for
members named like keywords, paths sharing a member, paths through non-objects, numbers at
the edges of a double and of 64-bit integers, escapes, and texts msgspec refuses (a number
beyond a double's range, a document that is not an object, a lone surrogate), which fall
back to ``json``."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.state import fields_picker
from ledger.storage.sql.fields import text_picker

PATHS = ("from", "harvest.from", "harvest.to", "scope.products", "n", "missing.deeper", "s")

TEXTS = [
    '{"from":"a","harvest":{"from":"2026-01-15","to":"2026-01-20"},"n":0.30000000000000004}',
    '{"harvest":null,"scope":{"products":["coffee","honey"]},"n":123456789012345678901234567}',
    '{"harvest":"2026","scope":[1,2],"n":-0.0,"s":"Caf\\u00e9 \\"La Sierra\\" \\ud83d\\udc1d"}',
    '{"n":1e-05,"findings":[{"plot":"p","ok":true}],"missing":{"deeper":false}}',
    '{"n":-9223372036854775809,"s":null}',
    "{}",
]


def _expected(text: str, paths: tuple[str, ...]) -> list[object]:
    return fields_picker(list(paths))(json.loads(text))


@pytest.mark.parametrize("text", TEXTS)
def test_values_equal_a_whole_decode(text: str) -> None:
    found = text_picker(PATHS)(text)
    expected = _expected(text, PATHS)
    assert found == expected
    assert [type(v) for v in found] == [type(v) for v in expected]


def test_refused_texts_fall_back_to_json() -> None:
    assert text_picker(("n", "s"))('{"n":1E400,"s":"x"}') == [math.inf, "x"]
    assert text_picker(("n",))("[1, 2]") == [None]
    assert text_picker(("s",))('{"s":"\ud800"}') == ["\ud800"]  # a lone surrogate


def test_bad_paths_are_refused() -> None:
    with pytest.raises(ValueError, match="dotted names"):
        text_picker(('name"), ("x',))


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["from", "harvest", "n", "s", "scope", "other"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.sampled_from(["from", "to", "products"]), inner, max_size=3)
            ),
            max_leaves=8,
        ),
    )
)
def test_any_document(doc: dict[str, object]) -> None:
    text = json.dumps(doc)
    assert text_picker(PATHS)(text) == _expected(text, PATHS)
