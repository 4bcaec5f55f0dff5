"""Stored projection documents parse exactly as ``json.loads`` would: the C scanner's fast
path for the stored form, and ``json.loads`` itself (parse or raise) for anything else."""

from __future__ import annotations

import json

import pytest

from ledger.storage.sql.store import _document


@pytest.mark.parametrize(
    "text",
    [
        '{"area_ha":8.288,"harvest":{"from":"2026-01-15"},"gtin":null,"n":[1,2.5,-3e-07]}',
        ' {"a": 1} ',  # whitespace around: not the stored form, still parsed as before
        '{"name":"caf\\u00e9 ñ"}',
    ],
)
def test_parses_like_json_loads(text: str) -> None:
    first, second = _document(text), _document(text)
    assert first == json.loads(text)
    assert first is not second  # a new dict on every read


@pytest.mark.parametrize("text", ['{"a":1}x', "", '{"a":'])
def test_refuses_what_json_loads_refuses(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        _document(text)
