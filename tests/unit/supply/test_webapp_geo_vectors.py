"""The field app and the server judge plot geometry alike: the server half of the parity test.

``tests/vectors/plot_geometry.json`` (written by ``scripts/derive_webapp_geo_vectors.py``)
freezes what the server's plot rules say about a set of shapes and positions; the browser
app's vitest ``api/webapp/tests/geo_vectors.test.ts`` checks the app against the same file
(same areas, same normalized geometry, and never "valid" where the server says "invalid").
This test re-runs the server's validators on the file, so a change to the server's rules
that would make the frozen answers (and so the app) stale fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.supply.boundaries import check_in_state, state_at
from ledger.supply.geo import geodesic_area_ha, validate_plot_geometry

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "plot_geometry.json").read_text("utf-8")
)


def _server(geometry: Any, area_ha: float, state: str) -> dict[str, Any]:
    """What admitting ``plot.registered`` does to a geometry (``_apply_plot_registered``)."""
    try:
        normalized = validate_plot_geometry(geometry, area_ha)
        if normalized["type"] == "Point":
            positions = [normalized["coordinates"]]
        else:
            positions = normalized["coordinates"][0]
        check_in_state(positions, state, "plot")
    except ValueError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "geometry": normalized}


@pytest.mark.parametrize("case", VECTORS["area_cases"], ids=lambda c: c["name"])
def test_area_matches_frozen_answer(case: dict[str, Any]) -> None:
    assert geodesic_area_ha(case["ring"]) == pytest.approx(case["area_ha"], rel=1e-12)


@pytest.mark.parametrize("case", VECTORS["plot_cases"], ids=lambda c: c["name"])
def test_server_verdict_matches_frozen_answer(case: dict[str, Any]) -> None:
    assert _server(case["geometry"], case["area_ha"], case["state"]) == case["server"]


@pytest.mark.parametrize("case", VECTORS["plot_cases"], ids=lambda c: c["name"])
def test_app_is_never_laxer_than_the_server(case: dict[str, Any]) -> None:
    """The expectations the JS test holds the app to never accept what the server refuses."""
    if case["app"]["ok"]:
        assert case["server"]["ok"], case["server"]


def test_vectors_cover_both_verdicts_and_stricter_app_rules() -> None:
    cases = VECTORS["plot_cases"]
    assert sum(c["server"]["ok"] for c in cases) >= 5
    assert sum(not c["server"]["ok"] for c in cases) >= 10
    assert any(c["server"]["ok"] and not c["app"]["ok"] for c in cases)


@pytest.mark.parametrize("case", VECTORS["position_cases"], ids=lambda c: f"{c['lon']},{c['lat']}")
def test_position_verdict_matches_frozen_answer(case: dict[str, Any]) -> None:
    assert state_at(case["lon"], case["lat"]) == case["state_at"]
    try:
        check_in_state([[case["lon"], case["lat"]]], case["state"], "plot")
        verdict = None
    except ValueError as exc:
        verdict = "outside_mexico" if "outside Mexico" in str(exc) else "outside_state"
    assert verdict == case["check"]


def test_random_shapes_match_frozen_server_verdicts() -> None:
    cases = VECTORS["random_shape_cases"]
    got = [
        _server({"type": "Polygon", "coordinates": [c["ring"]]}, c["area_ha"], "07")["ok"]
        for c in cases
    ]
    assert got == [c["server_ok"] for c in cases]
    assert 20 < sum(got) < len(got) - 20  # both verdicts well represented
