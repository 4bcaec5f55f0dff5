"""Write ``tests/vectors/plot_geometry.json``: shapes run through the server's plot rules.

The field app validates a plot before it signs it (``api/webapp/src/geo``); the server
validates it again when ``plot.registered`` is admitted (``ledger/supply/sites.py``). They
must agree: a plot the app accepts must never be refused for its geometry. This script runs
a set of shapes through the server's own functions and freezes the answers:

* ``area_cases``: rings and ``geodesic_area_ha`` (the app's ``areaHa`` must match);
* ``plot_cases``: a geometry, declared state and area, what the server says
  (``validate_plot_geometry`` then ``check_in_state``, as ``_apply_plot_registered`` does:
  the normalized geometry, or the error) and what the app is expected to say (a problem
  code, hand-written below: the app may be stricter, never laxer);
* ``random_shape_cases``: 200 random rings on a coarse grid and whether the server accepts
  them (the app's shape rules must agree on each);
* ``position_cases``: positions near state borders (seeded random offsets from boundary
  vertices) with ``state_at`` and the ``check_in_state`` verdict.

``tests/unit/supply/test_webapp_geo_vectors.py`` re-runs the server side on the frozen file
(so a change of server rules shows up), ``api/webapp/tests/geo_vectors.test.ts`` the app side.
Usage: ``.venv/bin/python scripts/derive_webapp_geo_vectors.py`` (deterministic).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

from ledger.supply.boundaries import _states, check_in_state, state_at
from ledger.supply.geo import geodesic_area_ha, validate_plot_geometry

TARGET = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "plot_geometry.json"
M_PER_DEG_LAT = 110_600.0


def _offset(lon: float, lat: float, east_m: float, north_m: float) -> list[float]:
    kx = 111_320.0 * math.cos(math.radians(lat))
    return [round(lon + east_m / kx, 7), round(lat + north_m / M_PER_DEG_LAT, 7)]


def _ring(lon: float, lat: float, corners_m: list[tuple[float, float]]) -> list[list[float]]:
    ring = [_offset(lon, lat, e, n) for e, n in corners_m]
    return [*ring, ring[0]]


def _polygon(ring: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring]}


def _rect(lon: float, lat: float, w: float, h: float) -> list[list[float]]:
    return _ring(lon, lat, [(0, 0), (w, 0), (w, h), (0, h)])


FINCA = (-92.72, 15.87)  # Chiapas, Sierra Madre coffee
TAPACHULA = (-92.26, 14.95)
OAXACA = (-96.72, 17.06)


def _plot_cases() -> list[dict[str, Any]]:
    lon, lat = FINCA
    square = _rect(lon, lat, 100, 100)
    hexagon = _ring(lon, lat, [(0, 0), (120, -10), (180, 60), (150, 170), (40, 190), (-20, 90)])
    cases: list[tuple[str, Any, str, float | None, str | None]] = [
        ("square 1 ha, counter-clockwise", _polygon(square), "07", None, None),
        ("square 1 ha, clockwise (normalized to ccw)", _polygon(square[::-1]), "07", None, None),
        ("hexagon, irregular", _polygon(hexagon), "07", None, None),
        ("triangle", _polygon(_ring(*TAPACHULA, [(0, 0), (300, 0), (0, 200)])), "07", None, None),
        ("rectangle 50 ha", _polygon(_rect(lon, lat, 1000, 500)), "07", None, None),
        (
            "bowtie",
            _polygon(_ring(lon, lat, [(0, 0), (100, 100), (100, 0), (0, 100)])),
            "07",
            None,
            "self_intersection",
        ),
        (
            "spike (walks out and back along the same line)",
            _polygon(_ring(lon, lat, [(0, 0), (100, 0), (200, 0), (100, 0), (100, 100)])),
            "07",
            None,
            "spike",
        ),
        (
            "vertex touching a non-adjacent edge",
            _polygon(
                [
                    [-92.72, 15.87],
                    [-92.71, 15.87],
                    [-92.71, 15.88],
                    [-92.715, 15.87],
                    [-92.72, 15.88],
                    [-92.72, 15.87],
                ]
            ),
            "07",
            None,
            "self_intersection",
        ),
        (
            "repeated consecutive vertex",
            _polygon([square[0], square[1], square[1], square[2], square[3], square[0]]),
            "07",
            None,
            "repeated_vertex",
        ),
        ("not closed", _polygon(square[:-1]), "07", None, "not_closed"),
        (
            "two distinct vertices",
            _polygon([square[0], square[1], square[0], square[1], square[0]]),
            "07",
            None,
            "too_few_vertices",
        ),
        (
            "hole",
            {"type": "Polygon", "coordinates": [square, _rect(lon + 0.0002, lat + 0.0002, 20, 20)]},
            "07",
            None,
            "invalid_geometry",
        ),
        (
            "vertices 1e-8° apart: repeated once rounded to 7 decimals",
            _polygon(
                [
                    square[0],
                    square[1],
                    [square[1][0] + 1e-8, square[1][1]],
                    square[2],
                    square[3],
                    square[0],
                ]
            ),
            "07",
            None,
            "rounding",
        ),
        (
            "tie at 6 decimals (16.5078125 is a double): valid only with Python's rounding",
            _polygon(
                [
                    [-92.0, 16.507813],
                    [-92.0, 16.5078125],
                    [-91.999, 16.5068],
                    [-91.998, 16.5085],
                    [-92.0, 16.507813],
                ]
            ),
            "07",
            None,
            None,
        ),
        (
            "sliver 200 m × 1 m (server accepts; the app does not)",
            _polygon(_rect(lon, lat, 200, 1)),
            "07",
            None,
            "sliver",
        ),
        ("tiny 5 m × 5 m", _polygon(_rect(lon, lat, 5, 5)), "07", None, "area_too_small"),
        (
            "1,600 ha square (above the app's plausible 1,000 ha)",
            _polygon(_rect(lon, lat, 4000, 4000)),
            "07",
            None,
            "area_too_large",
        ),
        (
            "longitude sign flipped",
            _polygon([[-p[0], p[1]] for p in square]),
            "07",
            None,
            "outside_mexico",
        ),
        (
            "longitude and latitude swapped",
            _polygon([[p[1], p[0]] for p in square]),
            "07",
            None,
            "invalid_position",
        ),
        (
            "in Oaxaca, declared Chiapas",
            _polygon(_rect(*OAXACA, 100, 100)),
            "07",
            None,
            "outside_state",
        ),
        ("in Guatemala", _polygon(_rect(-91.75, 16.0, 100, 100)), "07", None, "outside_mexico"),
        ("in Oaxaca, declared Oaxaca", _polygon(_rect(*OAXACA, 100, 100)), "20", None, None),
        ("point 2 ha", {"type": "Point", "coordinates": [lon, lat]}, "07", 2.0, None),
        (
            "point 4 ha (the EUDR limit)",
            {"type": "Point", "coordinates": [lon, lat]},
            "07",
            4.0,
            None,
        ),
        (
            "point 10 ha (needs a polygon)",
            {"type": "Point", "coordinates": [lon, lat]},
            "07",
            10.0,
            "point_too_large",
        ),
        (
            "point with altitude",
            {"type": "Point", "coordinates": [lon, lat, 1200]},
            "07",
            2.0,
            "invalid_position",
        ),
        (
            "latitude out of range",
            {"type": "Point", "coordinates": [lon, 95.0]},
            "07",
            2.0,
            "invalid_position",
        ),
        (
            "extra member bbox",
            {"type": "Point", "coordinates": [lon, lat], "bbox": [lon, lat, lon, lat]},
            "07",
            2.0,
            "invalid_geometry",
        ),
        (
            "LineString",
            {"type": "LineString", "coordinates": square},
            "07",
            1.0,
            "invalid_geometry",
        ),
    ]
    out = []
    for name, geometry, state, declared, app_code in cases:
        area_ha = declared
        if area_ha is None:
            try:
                area_ha = round(geodesic_area_ha(geometry["coordinates"][0]), 4) or 1.0
            except (ValueError, KeyError, IndexError, TypeError):
                area_ha = 1.0
        out.append(
            {
                "name": name,
                "geometry": geometry,
                "state": state,
                "area_ha": area_ha,
                "app": {"ok": app_code is None, "code": app_code},
                "server": server_verdict(geometry, area_ha, state),
            }
        )
    return out


def server_verdict(geometry: Any, area_ha: float, state: str) -> dict[str, Any]:
    """What ``plot.registered`` does with the geometry (``_apply_plot_registered``)."""
    try:
        normalized = validate_plot_geometry(geometry, area_ha)
        positions = (
            [normalized["coordinates"]]
            if normalized["type"] == "Point"
            else normalized["coordinates"][0]
        )
        check_in_state(positions, state, "plot")
    except ValueError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "geometry": normalized}


def _area_cases() -> list[dict[str, Any]]:
    rings = {
        "1 km square in Chiapas": _rect(*FINCA, 1000, 1000),
        "1 degree square at the equator": [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]],
        "1 degree square at 30° N, clockwise": [
            [-100, 30],
            [-100, 31],
            [-99, 31],
            [-99, 30],
            [-100, 30],
        ],
        "10 m triangle in Tapachula": _ring(*TAPACHULA, [(0, 0), (10, 0), (0, 10)]),
        "hexagon in Chiapas": _ring(
            *FINCA, [(0, 0), (120, -10), (180, 60), (150, 170), (40, 190), (-20, 90)]
        ),
        "Sonora 5 km plot": _rect(-110.95, 29.1, 5000, 3000),
    }
    return [{"name": k, "ring": v, "area_ha": geodesic_area_ha(v)} for k, v in rings.items()]


def position_verdict(lon: float, lat: float, state: str) -> str | None:
    """``check_in_state`` on one position, as the app's problem code (or None)."""
    try:
        check_in_state([[lon, lat]], state, "plot")
    except ValueError as exc:
        return "outside_mexico" if "outside Mexico" in str(exc) else "outside_state"
    return None


def _position_cases() -> list[dict[str, Any]]:
    rng = random.Random(17)  # noqa: S311 - reproducible test positions, not secrets
    states = _states()
    codes = sorted(states)
    out = []
    for i in range(80):
        code = codes[i % len(codes)]
        edges = [e for band in states[code].bands.values() for e in band]
        x1, y1, _, _ = edges[rng.randrange(len(edges))]
        distance = rng.uniform(0, 4000) if i % 4 else rng.choice([1990.0, 2010.0])
        angle = rng.uniform(0, 2 * math.pi)
        lon, lat = _offset(x1, y1, distance * math.cos(angle), distance * math.sin(angle))
        out.append(
            {
                "lon": lon,
                "lat": lat,
                "state": code,
                "state_at": state_at(lon, lat),
                "check": position_verdict(lon, lat, code),
            }
        )
    return out


def _random_shape_cases() -> list[dict[str, Any]]:
    """Random small rings on a coarse grid (1e-5°), so crossings, touches, collinear edges,
    spikes and repeated vertices are frequent: the app's shape verdict must equal the
    server's on every one of them."""
    rng = random.Random(8785)  # noqa: S311 - reproducible test shapes, not secrets
    lon0, lat0 = FINCA
    out = []
    for _ in range(200):
        n = rng.randint(3, 8)
        ring = [
            [round(lon0 + rng.randint(0, 12) * 1e-5, 5), round(lat0 + rng.randint(0, 12) * 1e-5, 5)]
            for _ in range(n)
        ]
        ring.append(ring[0])
        try:  # the exact area, so only the shape decides (not the 10 % area tolerance)
            area_ha = geodesic_area_ha(ring) or 1.0
        except ValueError:
            area_ha = 1.0
        verdict = server_verdict(_polygon(ring), area_ha, "07")
        out.append({"ring": ring, "area_ha": area_ha, "server_ok": verdict["ok"]})
    return out


def main() -> None:
    vectors = {
        "source": "scripts/derive_webapp_geo_vectors.py (ledger/supply/geo.py, boundaries.py)",
        "area_cases": _area_cases(),
        "plot_cases": _plot_cases(),
        "position_cases": _position_cases(),
        "random_shape_cases": _random_shape_cases(),
    }
    TARGET.write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
