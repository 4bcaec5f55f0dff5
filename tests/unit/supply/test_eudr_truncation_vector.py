"""The EUDR coordinate truncation, pinned for the browser app byte for byte.

The EU system truncates coordinates toward zero to 6 decimals (``ledger.supply.eudr
.coordinate_text``, working on the shortest decimal text of the double). The field app does
the same (``api/webapp/src/geo/truncate.ts``) for evidence positions and to check, at
capture, that a plot ring stays valid as the EU will store it. ``tests/vectors
/eudr_truncation.json`` holds inputs where truncating and rounding disagree (negative
longitudes truncate toward zero, i.e. *up*), ties, carries, integers, tiny values, the
negative zero, and the texts Python makes; ``api/webapp/tests/truncate.test.ts`` must make
the same texts. Regenerate deliberately with
``.venv/bin/python -m tests.unit.supply.test_eudr_truncation_vector``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ledger.supply.eudr import coordinate_text, eudr_geometry
from ledger.supply.geo import validate_plot_geometry

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "eudr_truncation.json"

RING: dict[str, Any] = {
    "type": "Polygon",
    "coordinates": [
        [
            [-92.61, 15.6],
            [-92.6000004, 15.6],
            [-92.6000004, 15.6000006],  # 6 cm north: distinct rounded, the same truncated
            [-92.6, 15.61],
            [-92.61, 15.61],
            [-92.61, 15.6],
        ]
    ],
}
RING_AREA_HA = 119.9
"""A plot the ledger admits (valid at 7 decimals and rounded to 6) that the EU system refuses
once it truncates: two vertices fall together. The app refuses it at capture."""

INPUTS: list[float] = [
    15.6,
    -92.6012349,  # the docstring's example
    -92.6012345678,
    -92.9999999,  # rounds to -93.000000, truncates to -92.999999
    92.9999999,
    15.1234569,  # rounds up (…457), truncates (…456)
    -15.1234569,
    -92.0078125,  # a double exactly (1/128): 7 decimals, a rounding tie
    -92.00781249999999,
    0.1 + 0.2,  # 0.30000000000000004
    -89.6,
    -92.0,
    0.0,
    -0.0,
    -0.0000004,  # truncates to 0.000000, never "-0.000000"
    0.0000015,  # Python writes 1.5e-06
    -0.0000015,
    1e-7,
    -179.9999999,
    179.99999999999997,
    -90.0,
    16.5078125,
    -99.1332,
    18.5204001,
    -118.3714999999,
    14.53,
]


def build_vectors() -> dict[str, Any]:
    """Each input with Python's EU text and the double it reads back as."""
    cases = []
    for value in INPUTS:
        text = coordinate_text(value)
        rounded = f"{round(value, 6) + 0.0:.6f}"
        cases.append({"input": value, "text": text, "value": float(text), "rounded": rounded})
    stored = validate_plot_geometry(RING, RING_AREA_HA)
    try:
        eudr_geometry(stored, RING_AREA_HA)
        refusal = None
    except ValueError as exc:
        refusal = str(exc)
    return {
        "ring": {"geometry": RING, "area_ha": RING_AREA_HA, "eu_refusal": refusal},
        "description": (
            "EUDR coordinate truncation (ledger.supply.eudr.coordinate_text): toward zero, "
            "to 6 decimals, on the shortest decimal text of the double. `rounded` is what "
            "round-half-even would give, for contrast. Written by "
            "`python -m tests.unit.supply.test_eudr_truncation_vector`."
        ),
        "cases": cases,
    }


def test_vector_file_is_current() -> None:
    stored = json.loads(VECTORS.read_text(encoding="utf-8"))
    assert stored == build_vectors()


def test_the_vectors_include_values_where_rounding_differs() -> None:
    cases = build_vectors()["cases"]
    differ = [c for c in cases if c["text"] != c["rounded"]]
    assert len(differ) >= 6
    assert any(c["input"] < 0 for c in differ)
    assert coordinate_text(-92.9999999) == "-92.999999"
    assert coordinate_text(-0.0000004) == "0.000000"


def test_the_ring_is_admitted_but_refused_once_truncated() -> None:
    ring = build_vectors()["ring"]
    assert validate_plot_geometry(ring["geometry"], ring["area_ha"])["type"] == "Polygon"
    assert "distinct consecutive vertices" in ring["eu_refusal"]


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(build_vectors(), indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {VECTORS}\n")
