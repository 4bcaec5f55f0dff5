"""The shape a plot is screened as: its polygon, or a circle of its declared area.

The EUDR lets a plot of at most 4 ha be given as a single point (``ledger.supply.eudr``).
A point covers no pixels, so the screen looks at a circle of the plot's declared area
centred on it, and says so in the report (``Footprint.circle``): the real plot may lie
differently around the point. Polygons are screened as recorded (WGS 84 lon/lat).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from ledger.supply.geo import geodesic_area_ha

__all__ = ["CIRCLE_VERTICES", "Footprint", "area_ha", "footprint"]

CIRCLE_VERTICES = 64
"""Vertices of the circle standing for a point plot (area error below 0.2 %)."""


@dataclass(frozen=True)
class Footprint:
    """A plot's shape in WGS 84 lon/lat, its area in ha, and whether it is a stand-in circle."""

    plot_id: str
    shape: BaseGeometry
    area_ha: float
    circle: bool


def _metres_per_degree(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude at ``lat`` on WGS 84 (series to cos 6φ)."""
    phi = math.radians(lat)
    per_lat = 111132.92 - 559.82 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    per_lon = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi) + 0.118 * math.cos(5 * phi)
    return per_lon, per_lat


def _circle(lon: float, lat: float, hectares: float) -> Polygon:
    radius = math.sqrt(hectares * 10_000 / math.pi)
    per_lon, per_lat = _metres_per_degree(lat)
    steps = [2 * math.pi * k / CIRCLE_VERTICES for k in range(CIRCLE_VERTICES)]
    return Polygon(
        [
            (lon + radius * math.cos(t) / per_lon, lat + radius * math.sin(t) / per_lat)
            for t in steps
        ]
    )


def area_ha(shape: BaseGeometry) -> float:
    """Geodesic area of a lon/lat (multi)polygon in ha: outer rings less holes (reuses
    ``ledger.supply.geo.geodesic_area_ha``, the area the ledger checks plots with)."""
    total = 0.0
    for part in getattr(shape, "geoms", [shape]):
        if part.geom_type == "Polygon" and not part.is_empty:
            total += geodesic_area_ha(list(part.exterior.coords))
            total -= sum(geodesic_area_ha(list(ring.coords)) for ring in part.interiors)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            total += area_ha(part)
    return total


def footprint(plot_id: str, geometry: Mapping[str, Any], declared_ha: float) -> Footprint:
    """The footprint of one plot from its GeoJSON geometry and declared area.

    Raises:
        ValueError: a geometry other than a Point or a one-ring Polygon (the only shapes the
            EUDR file holds), or a point without a positive area.
    """
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Point" and isinstance(coordinates, list | tuple) and len(coordinates) >= 2:
        if declared_ha <= 0:
            raise ValueError(f"plot {plot_id}: a point needs a declared area > 0 ha")
        lon, lat = float(coordinates[0]), float(coordinates[1])
        return Footprint(plot_id, _circle(lon, lat, declared_ha), declared_ha, True)
    if kind == "Polygon" and isinstance(coordinates, list | tuple) and coordinates:
        ring = [(float(p[0]), float(p[1])) for p in coordinates[0]]
        shape = Polygon(ring)
        return Footprint(plot_id, shape, area_ha(shape), False)
    raise ValueError(f"plot {plot_id}: expected a Point or Polygon geometry, found {kind!r}")
