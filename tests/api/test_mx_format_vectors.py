"""Mexican number and date formats: ``api.i18n`` against the cases the browser app shares.

The same file, ``tests/vectors/mx_format.json``, is read by the app's
``api/webapp/tests/format.test.ts``; a change to either side that makes a receipt in the app
and the lot page disagree fails one of the two.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.i18n import mx_date, mx_kg, mx_number

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "mx_format.json").read_text("utf-8")
)


@pytest.mark.parametrize("case", VECTORS["mx_number"], ids=lambda c: repr(c["input"]))
def test_mx_number(case: dict[str, Any]) -> None:
    assert mx_number(case["input"]) == case["expected"]


@pytest.mark.parametrize("case", VECTORS["mx_kg"], ids=lambda c: str(c["grams"]))
def test_mx_kg(case: dict[str, Any]) -> None:
    assert mx_kg(case["grams"]) == case["expected"]


@pytest.mark.parametrize("case", VECTORS["mx_date"], ids=lambda c: repr(c["input"]))
def test_mx_date(case: dict[str, Any]) -> None:
    assert mx_date(case["input"]) == case["expected"]
