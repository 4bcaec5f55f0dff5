"""Derive the browser app's compact copy of Mexico's state boundaries.

The server checks that a plot lies in its declared state with
``ledger/supply/data/mx_states.geojson`` (``ledger/supply/boundaries.py``). The field app makes
the same check offline, before a plot is signed, so it needs the *same* polygons: this script
re-encodes that file, losslessly, into ``api/webapp/src/geo/mx_states.json``.

Why a different encoding: the GeoJSON repeats ``-102.2974,`` for every vertex (260 KB); the
coordinates are already rounded to 1e-4°, so they are written as integers in units of 1e-4°,
each ring delta-encoded (first vertex absolute, then differences), which is about a third of
the size and compresses far better. The decoder is ``api/webapp/src/geo/boundaries.ts``; the
vitest ``tests/boundaries.test.ts`` decodes the file and compares it, vertex by vertex, with
the GeoJSON (so a stale copy fails), and ``source_sha256`` names the file it came from.

Usage: ``.venv/bin/python scripts/derive_webapp_states.py`` (no arguments; deterministic).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "ledger" / "supply" / "data" / "mx_states.geojson"
TARGET = ROOT / "api" / "webapp" / "src" / "geo" / "mx_states.json"
SCALE = 10_000
"""Units per degree: the source is rounded to 1e-4°, so every coordinate is an integer here."""


def _ring(ring: list[list[float]]) -> list[int]:
    flat: list[int] = []
    last_x = last_y = 0
    for lon, lat in ring:
        x, y = round(lon * SCALE), round(lat * SCALE)
        if x / SCALE != lon or y / SCALE != lat:
            raise ValueError(f"coordinate [{lon}, {lat}] is not on the 1e-4° grid")
        flat += [x - last_x, y - last_y]
        last_x, last_y = x, y
    return flat


def derive(source: bytes) -> str:
    """The compact JSON text for the GeoJSON ``source`` bytes."""
    document = json.loads(source)
    states = [
        {
            "cve_ent": f["properties"]["cve_ent"],
            "name": f["properties"]["name"],
            "polygons": [[_ring(r) for r in polygon] for polygon in f["geometry"]["coordinates"]],
        }
        for f in document["features"]
    ]
    out = {
        "source": "ledger/supply/data/mx_states.geojson",
        "source_sha256": hashlib.sha256(source).hexdigest(),
        "scale": SCALE,
        "states": states,
    }
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False) + "\n"


def main() -> None:
    TARGET.write_text(derive(SOURCE.read_bytes()), encoding="utf-8")


if __name__ == "__main__":
    main()
