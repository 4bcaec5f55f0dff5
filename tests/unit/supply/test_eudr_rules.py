"""EUDR geolocation rules (``ledger.supply.eudr``) against the Commission's text and examples.

What each test proves:

* Coordinates are truncated toward zero to exactly 6 decimals, from the shortest decimal text
  (no binary-rounding artefacts, no exponent, no negative zero) — what the EU system stores.
* The Commission's own §9.4.1 / §9.4.2 example polygons pass the ring rules after truncation,
  although some of their coordinates carry only 4–5 decimals (a "≥ 6 decimals" check would
  wrongly refuse them).
* Vertices that coincide only after truncation, a ring that crosses itself only after
  truncation, and a ring that truncation flattens into a line are refused, naming truncation.
* Points: above 4 ha or below 0.0001 ha refused; other types refused.
* Features carry exactly the four EUDR property names (``ProducerName`` only when given).
* Statement splitting respects both the byte and the producer limits and refuses one producer
  larger than the byte limit.
* Plot admission: a coffee plot whose ring is fine rounded but breaks once truncated is
  refused at append, naming the geometry field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.services.ledger import LedgerService
from ledger.errors import DomainRuleError
from ledger.supply.eudr import (
    EUDR_PROPERTIES,
    coordinate_text,
    eudr_geometry,
    feature_text,
    split_statements,
)
from ledger.supply.geo import geodesic_area_ha
from tests.supply_factories import SupplyWorld

ORACLES = Path(__file__).resolve().parents[2] / "vectors" / "oracles" / "eudr"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (-92.6, "-92.600000"),
        (15.6012349, "15.601234"),
        (-92.6012349, "-92.601234"),
        (1e-7, "0.000000"),
        (-4e-7, "0.000000"),
        (-0.5, "-0.500000"),
        (180, "180.000000"),
        (0.29, "0.290000"),  # 0.29 * 1e6 is 289999.99999999994 in binary floating point
        (92.123456, "92.123456"),
    ],
)
def test_coordinates_are_truncated_to_six_decimals(value: float, text: str) -> None:
    assert coordinate_text(value) == text


def _official(name: str) -> list[dict[str, Any]]:
    doc = json.loads((ORACLES / "examples" / "geojson" / name).read_text(encoding="utf-8"))
    features: list[dict[str, Any]] = doc["features"]
    return features


@pytest.mark.parametrize(
    "name",
    [
        "typeI-single-producer_OperatorAPIRef-9.4.1.geojson",
        "typeII-multiple-producers_OperatorAPIRef-9.4.2.geojson",
    ],
)
def test_the_commission_examples_pass(name: str) -> None:
    features = _official(name)
    assert features
    for feature in features:
        geometry = feature["geometry"]
        area = geodesic_area_ha(geometry["coordinates"][0])
        result = eudr_geometry(geometry, area)
        assert result.kind == "Polygon"
        parsed = json.loads(result.text)
        assert len(parsed["coordinates"][0]) == len(geometry["coordinates"][0])
        assert set(feature["properties"]) <= set(EUDR_PROPERTIES)


def _square(lon: float, lat: float, side: float) -> dict[str, Any]:
    """A square normalized to 7 decimals as the ledger stores it (``-92.6 + 0.001`` is
    ``-92.59899999999999`` in binary; its stored form is ``-92.599``)."""
    far_lon, far_lat = round(lon + side, 7), round(lat + side, 7)
    ring = [[lon, lat], [far_lon, lat], [far_lon, far_lat], [lon, far_lat]]
    return {"type": "Polygon", "coordinates": [[*ring, [lon, lat]]]}


def test_rings_are_checked_as_truncated() -> None:
    fine = _square(-92.6, 15.6, 0.001)
    assert eudr_geometry(fine, 1.0).text.startswith(
        '{"type":"Polygon","coordinates":[[[-92.600000,15.600000],[-92.599000,15.600000]'
    )
    # Two vertices 0.4e-6 apart: distinct when rounded to 7 decimals, one after truncation.
    ring = fine["coordinates"][0]
    close = [ring[0], ring[1], [ring[1][0], 15.6000004], *ring[2:]]
    with pytest.raises(ValueError, match="after truncation to 6 decimals.*distinct consecutive"):
        eudr_geometry({"type": "Polygon", "coordinates": [close]}, 1.0)
    # A sliver whose far vertex truncates onto the base line: the ring becomes a line.
    sliver = [[-92.6, 15.6], [-92.599, 15.6], [-92.5995, 15.6000009], [-92.6, 15.6]]
    with pytest.raises(ValueError, match="after truncation to 6 decimals"):
        eudr_geometry({"type": "Polygon", "coordinates": [sliver]}, 0.001)


def test_points_and_types() -> None:
    point = {"type": "Point", "coordinates": [-92.6012345, 15.6]}
    assert eudr_geometry(point, 4).text == '{"type":"Point","coordinates":[-92.601234,15.600000]}'
    with pytest.raises(ValueError, match="expected a 'Polygon' for a plot above 4 ha"):
        eudr_geometry(point, 4.5)
    with pytest.raises(ValueError, match="at least 0.0001 ha"):
        eudr_geometry(point, 0.00005)
    with pytest.raises(ValueError, match="found 'LineString'"):
        eudr_geometry({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, 1)


def test_features_carry_exactly_the_eudr_properties() -> None:
    geometry = eudr_geometry({"type": "Point", "coordinates": [-93.15, 18.2361234]}, 2.4)
    kwargs: dict[str, Any] = {
        "feature_id": "cc-plot02",
        "country": "MX",
        "production_place": "cc-plot02, Comalcalco",
        "area_ha": 2.4,
    }
    anonymous = json.loads(feature_text(geometry, producer_name=None, **kwargs))
    assert list(anonymous["properties"]) == ["ProducerCountry", "ProductionPlace", "Area"]
    assert anonymous["geometry"]["coordinates"] == [-93.15, 18.236123]
    named = json.loads(feature_text(geometry, producer_name="María López Pérez", **kwargs))
    assert list(named["properties"]) == list(EUDR_PROPERTIES)
    assert isinstance(named["properties"]["Area"], float)


def test_statements_split_by_bytes_and_producers() -> None:
    assert split_statements([10, 10, 10], max_bytes=25, max_producers=5) == [[0, 1], [2]]
    assert split_statements([1] * 5, max_bytes=100, max_producers=2) == [[0, 1], [2, 3], [4]]
    assert split_statements([], max_bytes=10) == []
    assert split_statements([25, 1], max_bytes=25) == [[0], [1]]
    with pytest.raises(ValueError, match="at most 25 bytes of geolocation per producer"):
        split_statements([5, 26], max_bytes=25)


def test_admission_refuses_a_coffee_plot_broken_by_truncation(service: LedgerService) -> None:
    world = SupplyWorld(service.store, service.registry, ("coop-a",))
    world.producer("coop-a", "p1")
    base = -92.6
    # Rounded to 6 decimals the third vertex moves to 15.600001 (a valid triangle-ish ring);
    # truncated it lands on 15.600000, on the line of the first two: a zero-area line.
    ring = [[base, 15.6], [base + 0.01, 15.6], [base + 0.005, 15.6000009], [base, 15.6]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    area = round(geodesic_area_ha(ring), 6)
    with pytest.raises(DomainRuleError, match=r"plot geometry \(EUDR\): after truncation") as err:
        world.plot("coop-a", "pl-1", "p1", geometry=geometry, area_ha=area, product="coffee")
    assert err.value.field == "statement.body.geometry"
    assert service.store.state_get("plot", "pl-1") is None
