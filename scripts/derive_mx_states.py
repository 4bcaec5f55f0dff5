"""Re-derive ``ledger/supply/data/mx_states.geojson`` from public boundary data.

Not part of the installed package and not run by tests: it needs ``shapely`` and ``pyshp``
(``pip install shapely pyshp`` in a scratch environment) and the source files below. See
``ledger/supply/data/README.md`` for where they come from, their licences and why the
derivation is done this way.

Usage::

    python scripts/derive_mx_states.py SRC_DIR NE_ZIP OUT_FILE

``SRC_DIR`` holds ``states/AGEE_XX.geojson`` (INEGI AGEE, one state per file) and
``muni/AGEM_XX.geojson`` (INEGI AGEM, the municipalities of a state, for states whose
AGEE file is missing). ``NE_ZIP`` is Natural Earth's ``ne_10m_admin_0_countries*.zip``.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import shapefile  # type: ignore[import-not-found]
from shapely import geometry, ops  # type: ignore[import-not-found]

TOLERANCE_DEG = 0.006
"""Douglas–Peucker tolerance (topology preserving), about 670 m."""
DECIMALS = 4
"""Output coordinates are rounded to 1e-4 degree (about 11 m)."""
MIN_PART_DEG2 = 2e-5
"""Polygon parts (islands) smaller than this (about 0.25 km²) are dropped."""
OPENING_DEG = 0.01
"""Opening radius that removes coastline-mismatch slivers from the remainder (about 1.1 km)."""

NAMES = {
    "01": "Aguascalientes", "02": "Baja California", "03": "Baja California Sur",
    "04": "Campeche", "05": "Coahuila", "06": "Colima", "07": "Chiapas", "08": "Chihuahua",
    "09": "Ciudad de México", "10": "Durango", "11": "Guanajuato", "12": "Guerrero",
    "13": "Hidalgo", "14": "Jalisco", "15": "México", "16": "Michoacán", "17": "Morelos",
    "18": "Nayarit", "19": "Nuevo León", "20": "Oaxaca", "21": "Puebla", "22": "Querétaro",
    "23": "Quintana Roo", "24": "San Luis Potosí", "25": "Sinaloa", "26": "Sonora",
    "27": "Tabasco", "28": "Tamaulipas", "29": "Tlaxcala", "30": "Veracruz", "31": "Yucatán",
    "32": "Zacatecas",
}  # fmt: skip
REMAINDER_ANCHORS = {
    "03": (-110.31, 24.14),  # La Paz
    "14": (-103.35, 20.67),  # Guadalajara
    "30": (-96.91, 19.54),  # Xalapa
}
"""States with no INEGI file in the source snapshot: taken from the remainder of the country
outline, each as the components near its capital."""
ISLAND_REACH_DEG = 0.6
"""Remainder components this close to a state's main part belong to it (Gulf islands)."""


def _load(path: Path) -> Any:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return ops.unary_union([geometry.shape(f["geometry"]).buffer(0) for f in features])


def _mexico_outline(ne_zip: Path) -> Any:
    with zipfile.ZipFile(ne_zip) as archive:
        stem = next(n[:-4] for n in archive.namelist() if n.endswith(".shp"))
        reader = shapefile.Reader(
            shp=io.BytesIO(archive.read(stem + ".shp")),
            shx=io.BytesIO(archive.read(stem + ".shx")),
            dbf=io.BytesIO(archive.read(stem + ".dbf")),
        )
        for record in reader.iterShapeRecords():
            if record.record.as_dict().get("ADM0_A3") == "MEX":
                return geometry.shape(record.shape.__geo_interface__).buffer(0)
    raise SystemExit("no MEX record in the Natural Earth file")


def _parts(geom: Any) -> list[Any]:
    return list(geom.geoms) if hasattr(geom, "geoms") else [geom]


def _remainder_states(outline: Any, known: dict[str, Any]) -> dict[str, Any]:
    rest = outline.difference(ops.unary_union(list(known.values())))
    opened = rest.buffer(-OPENING_DEG).buffer(OPENING_DEG).intersection(rest)
    components = [p for p in _parts(opened) if p.area > MIN_PART_DEG2]
    mains = {}
    for code, (lon, lat) in REMAINDER_ANCHORS.items():
        point = geometry.Point(lon, lat)
        mains[code] = next(p for p in components if p.contains(point))
    out: dict[str, list[Any]] = {code: [main] for code, main in mains.items()}
    for part in components:
        if any(part is main for main in mains.values()):
            continue
        code, gap = min(((c, m.distance(part)) for c, m in mains.items()), key=lambda t: t[1])
        if gap <= ISLAND_REACH_DEG:
            out[code].append(part)
    return {code: ops.unary_union(parts) for code, parts in out.items()}


def _rings(geom: Any) -> list[list[list[list[float]]]]:
    polygons = []
    for part in _parts(geom):
        if part.area < MIN_PART_DEG2:
            continue
        polygon = geometry.polygon.orient(part, sign=1.0)
        rings = [polygon.exterior, *polygon.interiors]
        polygons.append(
            [[[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring.coords] for ring in rings]
        )
    return polygons


def main(src: Path, ne_zip: Path, out: Path) -> None:
    """Derive, simplify and write the 32 state polygons."""
    known: dict[str, Any] = {}
    for code in NAMES:
        state_file = src / "states" / f"AGEE_{code}.geojson"
        muni_file = src / "muni" / f"AGEM_{code}.geojson"
        if state_file.exists():
            known[code] = _load(state_file)
        elif muni_file.exists():
            known[code] = _load(muni_file)
    missing = set(NAMES) - set(known)
    if missing != set(REMAINDER_ANCHORS):
        raise SystemExit(f"expected exactly {sorted(REMAINDER_ANCHORS)} missing, got {missing}")
    states = {**known, **_remainder_states(_mexico_outline(ne_zip), known)}
    features = []
    for code in sorted(states):
        simple = states[code].simplify(TOLERANCE_DEG, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {"cve_ent": code, "name": NAMES[code]},
                "geometry": {"type": "MultiPolygon", "coordinates": _rings(simple)},
            }
        )
    document = {
        "type": "FeatureCollection",
        "features": features,
    }
    out.write_text(json.dumps(document, separators=(",", ":"), ensure_ascii=False) + "\n")
    vertices = sum(
        len(ring) for f in features for poly in f["geometry"]["coordinates"] for ring in poly
    )
    print(f"{out}: {len(features)} states, {vertices} vertices, {out.stat().st_size} bytes")  # noqa: T201


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
