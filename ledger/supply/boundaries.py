"""Is a position inside Mexico, and inside the declared state? Point-in-polygon on bundled data.

A plot or apiary recorded with its longitude sign flipped (``+92.72``: in Asia), its ``[lon,
lat]`` swapped, or in the wrong state would go into the EUDR geolocation file as it is, so
sites are checked against the boundaries of Mexico's 32 states when they are recorded
(``docs/supply-chain.md``, "Sites lie in their declared state").

Data: ``data/mx_states.geojson`` — INEGI Marco Geoestadístico state areas (AGEE), simplified
with a 0.006° (≈ 670 m) topology-preserving tolerance and rounded to 1e-4°; how it was derived,
its sources and licences are in ``data/README.md`` (re-derived by
``scripts/derive_mx_states.py``).

Tolerance: a position counts as inside a state when it lies in the state's polygon or within
:data:`BORDER_TOLERANCE_M` of its boundary. That covers the simplification (≤ 670 m), the
source's own accuracy and a GPS fix taken at a border, and it is far below the errors the
check exists to catch (a sign flip moves a Mexican position by more than 170° of longitude; a
swap puts latitude where longitude was; the next state is usually tens of km away). A plot
within that band of a border is therefore accepted for either state; further in, it must be
declared in the state it lies in.

Geometry: distances use a local equirectangular approximation (error < 0.1 % at 2 km), and
point-in-polygon is even-odd ray casting over all rings (holes included). Edges are indexed by
0.05° latitude bands, so one test reads a few dozen edges, not the whole country.

Left out on purpose: countries other than Mexico (no data: sites of a non-Mexican organization
are not checked) and municipality boundaries (a municipality is a free-text name today).
Errors are :class:`ValueError` naming the position and what is wrong; callers add the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ledger.supply.identifiers import INEGI_STATES

__all__ = [
    "BORDER_TOLERANCE_M",
    "DATA_FILE",
    "check_in_state",
    "state_at",
]

BORDER_TOLERANCE_M = 2000.0
"""How far outside a state's simplified boundary a position may lie and still count as in it."""
DATA_FILE = Path(__file__).parent / "data" / "mx_states.geojson"
"""The bundled state boundaries (see ``data/README.md``)."""

_BAND_DEG = 0.05
_M_PER_DEG_LAT = 110_574.0  # WGS 84 meridian degree near 15–30° N, within 0.1 %
_M_PER_DEG_LON_EQUATOR = 111_320.0

Edge = tuple[float, float, float, float]


@dataclass
class _State:
    """One state's rings with a latitude-band index of their edges."""

    code: str
    bbox: tuple[float, float, float, float]
    bands: dict[int, list[Edge]] = field(default_factory=dict)

    def add_ring(self, ring: Sequence[Sequence[float]]) -> None:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
            low, high = min(y1, y2), max(y1, y2)
            for band in range(_band(low), _band(high) + 1):
                self.bands.setdefault(band, []).append((x1, y1, x2, y2))

    def contains(self, lon: float, lat: float) -> bool:
        """Even-odd rule over the edges crossing the latitude of the point."""
        west, south, east, north = self.bbox
        if not (west <= lon <= east and south <= lat <= north):
            return False
        inside = False
        for x1, y1, x2, y2 in self.bands.get(_band(lat), ()):
            if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        return inside

    def near(self, lon: float, lat: float, metres: float) -> bool:
        """Whether the point is within ``metres`` of the state's boundary."""
        reach_lat = metres / _M_PER_DEG_LAT
        kx = _M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat))
        west, south, east, north = self.bbox
        if not (
            west - metres / kx <= lon <= east + metres / kx
            and south - reach_lat <= lat <= north + reach_lat
        ):
            return False
        seen: set[Edge] = set()
        for band in range(_band(lat - reach_lat), _band(lat + reach_lat) + 1):
            for edge in self.bands.get(band, ()):
                if edge in seen:
                    continue
                seen.add(edge)
                if _distance_m(lon, lat, edge, kx) <= metres:
                    return True
        return False


def _band(lat: float) -> int:
    return math.floor(lat / _BAND_DEG)


def _distance_m(lon: float, lat: float, edge: Edge, kx: float) -> float:
    """Distance from a point to a segment in a local equirectangular frame (metres)."""
    x1, y1, x2, y2 = edge
    ax, ay = (x1 - lon) * kx, (y1 - lat) * _M_PER_DEG_LAT
    bx, by = (x2 - lon) * kx, (y2 - lat) * _M_PER_DEG_LAT
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
    return math.hypot(ax + t * dx, ay + t * dy)


@cache
def _states() -> dict[str, _State]:
    """Load and index the bundled boundaries once per process."""
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    states: dict[str, _State] = {}
    for feature in document["features"]:
        code = feature["properties"]["cve_ent"]
        polygons = feature["geometry"]["coordinates"]
        xs = [x for polygon in polygons for ring in polygon for x, _ in ring]
        ys = [y for polygon in polygons for ring in polygon for _, y in ring]
        state = _State(code, (min(xs), min(ys), max(xs), max(ys)))
        for polygon in polygons:
            for ring in polygon:
                state.add_ring(ring)
        states[code] = state
    return states


def state_at(lon: float, lat: float) -> str | None:
    """The INEGI code of the state whose polygon contains the point, or ``None``."""
    for code, state in _states().items():
        if state.contains(lon, lat):
            return code
    return None


def _in_mexico(lon: float, lat: float) -> bool:
    return any(
        s.contains(lon, lat) or s.near(lon, lat, BORDER_TOLERANCE_M) for s in _states().values()
    )


def _in_state(code: str, lon: float, lat: float) -> bool:
    state = _states()[code]
    return state.contains(lon, lat) or state.near(lon, lat, BORDER_TOLERANCE_M)


def _outside_mexico(lon: float, lat: float) -> str:
    """Say why a position is outside Mexico, naming the likely slip when there is one."""
    if _in_mexico(-lon, lat):
        return f"longitude {lon:+g} lies outside Mexico: sign flipped?"
    if _in_mexico(lon, -lat):
        return f"latitude {lat:+g} lies outside Mexico: sign flipped?"
    if _in_mexico(lat, lon):
        return f"position [{lon:g}, {lat:g}] lies outside Mexico: longitude and latitude swapped?"
    if _in_mexico(-lat, lon) or _in_mexico(lat, -lon):
        return (
            f"position [{lon:g}, {lat:g}] lies outside Mexico: "
            "longitude and latitude swapped and a sign flipped?"
        )
    return f"position [{lon:g}, {lat:g}] lies outside Mexico"


def check_in_state(positions: Iterable[Sequence[float]], state_code: str, what: str) -> None:
    """Check that every ``[lon, lat]`` position lies in Mexico and in the given state.

    Args:
        positions: The site's positions (a point, or the vertices of a polygon's ring).
        state_code: The declared INEGI state code (``"07"`` for Chiapas).
        what: What the positions are, for the message (``"plot"``, ``"apiary"``).

    Raises:
        ValueError: the first position outside Mexico (with the likely slip: a flipped sign,
            swapped coordinates) or outside the declared state (naming the state it lies in).
    """
    if state_code not in INEGI_STATES:
        raise ValueError(f"unknown INEGI state code {state_code!r}")
    declared = INEGI_STATES[state_code]
    for position in dict.fromkeys((float(p[0]), float(p[1])) for p in positions):
        lon, lat = position
        if _in_state(state_code, lon, lat):
            continue
        if not _in_mexico(lon, lat):
            raise ValueError(_outside_mexico(lon, lat))
        actual = state_at(lon, lat)
        if actual is None:
            raise ValueError(
                f"{what} position [{lon:g}, {lat:g}] lies outside {declared} "
                f"(more than {BORDER_TOLERANCE_M / 1000:g} km from its boundary)"
            )
        raise ValueError(
            f"{what} lies in {INEGI_STATES[actual]}, declared {declared} "
            f"(position [{lon:g}, {lat:g}])"
        )
