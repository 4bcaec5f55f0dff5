"""Small synthetic forest maps for the deforestation screen tests, built in a temp folder.

One grid in EPSG:4326 — 0.0001° pixels (≈ 11 m) over lon −92.70…−92.60, lat 15.60…15.70 —
with named squares the tests put plots on:

* ``forest`` — forest at the baseline, no loss;
* ``loss_2023`` — forest at the baseline, lost in 2023 (Hansen code 23);
* ``loss_2015`` — forest lost in 2015 (code 15: before the cut-off);
* ``nodata`` — baseline nodata (255);
* ``half_forest`` — the west half forest, the east half not;
* ``odd_code`` — a loss pixel value that is no year (200).

``SQUARES`` gives each as (west, south, east, north); ``square_polygon`` makes a GeoJSON
ring of a square with ``vertices`` points per side, like a walked plot.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning
from rasterio.transform import from_origin

WEST, NORTH, PIXEL, SIZE = -92.70, 15.70, 0.0001, 1000
NODATA = 255
SQUARES: dict[str, tuple[float, float, float, float]] = {
    "forest": (-92.690, 15.690, -92.688, 15.692),
    "loss_2023": (-92.680, 15.680, -92.678, 15.682),
    "loss_2015": (-92.670, 15.670, -92.668, 15.672),
    "nodata": (-92.660, 15.660, -92.658, 15.662),
    "half_forest": (-92.650, 15.650, -92.646, 15.652),
    "odd_code": (-92.640, 15.640, -92.638, 15.642),
}


def _cells(box: tuple[float, float, float, float]) -> tuple[slice, slice]:
    west, south, east, north = box
    rows = slice(round((NORTH - north) / PIXEL), round((NORTH - south) / PIXEL))
    cols = slice(round((west - WEST) / PIXEL), round((east - WEST) / PIXEL))
    return rows, cols


def write_tif(path: Path, data: np.ndarray, *, nodata: int | None = None, **extra: Any) -> Path:
    """A single-band GeoTIFF of ``data`` on the test grid (EPSG:4326 unless ``extra`` says)."""
    profile: dict[str, Any] = {
        "driver": "GTiff", "height": data.shape[0], "width": data.shape[1], "count": 1,
        "dtype": str(data.dtype), "crs": "EPSG:4326",
        "transform": from_origin(WEST, NORTH, PIXEL, PIXEL), "nodata": nodata,
    }  # fmt: skip
    profile.update(extra)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


def write_bare(path: Path) -> Path:
    """A GeoTIFF with neither CRS nor geotransform (a scanned map, say): not usable."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, "w", driver="GTiff", height=4, width=4, count=1,
                           dtype="uint8") as dst:  # fmt: skip
            dst.write(np.ones((4, 4), dtype=np.uint8), 1)
    return path


def build_maps(folder: Path) -> tuple[Path, Path]:
    """The baseline (``gfc2020.tif``) and loss-year (``lossyear.tif``) rasters."""
    baseline = np.ones((SIZE, SIZE), dtype=np.uint8)
    loss = np.zeros((SIZE, SIZE), dtype=np.uint8)
    baseline[_cells(SQUARES["nodata"])] = NODATA
    rows, cols = _cells(SQUARES["half_forest"])
    baseline[rows, slice(cols.start + (cols.stop - cols.start) // 2, cols.stop)] = 0
    loss[_cells(SQUARES["loss_2023"])] = 23
    loss[_cells(SQUARES["loss_2015"])] = 15
    loss[_cells(SQUARES["odd_code"])] = 200
    return (
        write_tif(folder / "gfc2020.tif", baseline, nodata=NODATA),
        write_tif(folder / "lossyear.tif", loss),
    )


def square_polygon(
    box: tuple[float, float, float, float], vertices: int = 5, shrink: float = 0.0
) -> dict[str, Any]:
    """A GeoJSON Polygon along the square's edges (``vertices`` per side), ``shrink``° inside."""
    west, south, east, north = box
    west, south, east, north = west + shrink, south + shrink, east - shrink, north - shrink
    ring: list[list[float]] = []
    corners = [(west, south), (east, south), (east, north), (west, north), (west, south)]
    for (x0, y0), (x1, y1) in zip(corners, corners[1:], strict=False):
        for k in range(vertices):
            t = k / vertices
            ring.append([round(x0 + (x1 - x0) * t, 7), round(y0 + (y1 - y0) * t, 7)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def loss_polygons(
    path: Path, features: list[tuple[tuple[float, float, float, float], Any]]
) -> Path:
    """A GeoJSON FeatureCollection of loss squares, each with a ``date`` (None: no property)."""
    items = []
    for box, when in features:
        properties = {} if when is None else {"date": when}
        items.append({"type": "Feature", "properties": properties,
                      "geometry": square_polygon(box, vertices=1)})  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": items}))
    return path
