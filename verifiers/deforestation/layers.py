"""The maps a plot is screened against, read only where the plot is.

* :class:`RasterBaseline` — forest cover on 31 December 2020, a GeoTIFF whose forest pixels
  hold one of ``forest_values`` (the JRC Global Forest Cover 2020 tiles: ``1`` = forest).
* :class:`LossRaster` — forest loss after the baseline. ``encoding="year"`` reads each
  pixel as the year of loss: ``0`` none, ``1``–``99`` the year 2000 + value (Hansen/GFW
  ``lossyear``: ``21`` = 2021), ``1900``–``2100`` the year itself; any other value is loss
  of unknown date. ``encoding="mask"``: every non-zero pixel is loss after the cut-off
  (a national change layer its publisher dates after 2020).
* :class:`LossVector` — loss polygons as GeoJSON (RFC 7946: WGS 84 lon/lat), each dated by
  a property (``loss_date``, ``date``, ``fecha``, ``year``, ``anio`` or ``año``: an ISO date
  or a year); features are found with a shapely ``STRtree``.

Rasters are read **windowed**: for each plot only the pixels of its bounding box
(:meth:`_Raster.sample`), so a multi-GB tile is never loaded whole; GDAL's block cache is
capped by :class:`verifiers.deforestation.screen.Screen`. A pixel counts as inside the plot
when its centre is (pixels are areas, GDAL's "pixel is area"; shapely's ``contains_xy``); a
plot smaller than one pixel takes every pixel it touches. Plots are WGS 84; a raster in
another CRS gets the plot reprojected into it (``rasterio.warp.transform_geom``). A file that
cannot be read, has no CRS or no geotransform, or is rotated, is a :class:`LayerError`
naming the option.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import rasterio
import shapely
from rasterio.crs import CRS
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.features import geometry_mask
from rasterio.transform import Affine
from rasterio.warp import transform_geom
from rasterio.windows import Window
from shapely import STRtree
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from verifiers.deforestation.footprint import Footprint, area_ha

__all__ = [
    "DATE_PROPERTIES",
    "LayerError",
    "LossRaster",
    "LossVector",
    "PixelSample",
    "PlotCells",
    "RasterBaseline",
    "VectorHit",
    "open_loss",
]

DATE_PROPERTIES = ("loss_date", "date", "fecha", "year", "anio", "año")
"""Properties a loss polygon's date is read from, the first present wins."""

WGS84 = CRS.from_epsg(4326)
RASTER_SUFFIXES = (".tif", ".tiff", ".vrt")
VECTOR_SUFFIXES = (".geojson", ".json")


class LayerError(ValueError):
    """A map cannot be used: unreadable, not georeferenced, or of an unknown shape.

    ``field`` names the option or setting that pointed at it (``--baseline``, ``loss``…),
    for the CLI's message and the API's 422.
    """

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = message.removeprefix(f"{field}: ")
        """The message without the field, for callers that name the field their own way."""


@dataclass(frozen=True)
class PixelSample:
    """The pixels of one raster under one footprint.

    ``values`` are the covered ones (inside the raster, not nodata), ``inside`` counts every
    pixel of the footprint including those off the raster or nodata.
    """

    values: npt.NDArray[Any]
    inside: int

    @property
    def covered_share(self) -> float:
        """Share of the footprint's pixels the raster has data for (0 when it has none)."""
        return self.values.size / self.inside if self.inside else 0.0


@dataclass(frozen=True)
class PlotCells:
    """A plot's window on one grid (top row, left column) and its inside-pixel mask."""

    row: int
    col: int
    inside: npt.NDArray[np.bool_]
    count: int


def _check_file(path: Path, field: str) -> None:
    if not path.is_file():
        raise LayerError(f"{field}: no such file {path}", field)


class _LayerFile:
    """A layer read from one file: its path, the option or field that named it (errors name
    it), and the name reports show."""

    def __init__(self, path: Path | str, field: str) -> None:
        self.path = Path(path)
        self.field = field
        _check_file(self.path, field)

    @property
    def name(self) -> str:
        """The file name, as reports show it."""
        return self.path.name


class _Raster(_LayerFile):
    """A georeferenced single-band raster, open for windowed reads (one per layer)."""

    def __init__(self, path: Path | str, field: str) -> None:
        super().__init__(path, field)
        try:
            with warnings.catch_warnings():  # said below as a LayerError, not a warning
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                self._dataset = rasterio.open(self.path)
        except RasterioError as exc:
            raise LayerError(
                f"{field}: cannot read {self.path} as a raster ({exc})", field
            ) from exc
        dataset = self._dataset
        transform: Affine = dataset.transform
        if dataset.crs is None or transform.is_identity:
            dataset.close()
            raise LayerError(
                f"{field}: {self.path} is not georeferenced (no coordinate reference system or "
                "no geotransform); use a GeoTIFF that carries both",
                field,
            )
        if transform.b != 0 or transform.d != 0:
            dataset.close()
            raise LayerError(f"{field}: {self.path} is rotated; warp it north-up first", field)
        self.crs: CRS = dataset.crs
        self._reproject = dataset.crs != WGS84
        self._transform = transform
        self.nodata = dataset.nodata
        self.resolution = (abs(transform.a), abs(transform.e))
        self._grid = (tuple(transform)[:6], self.crs.to_wkt(), dataset.width, dataset.height)

    def describe(self) -> dict[str, Any]:
        """What the report says about the layer."""
        return {
            "name": self.name,
            "format": "GeoTIFF",
            "crs": self.crs.to_string(),
            "pixel_size": list(self.resolution),
            "size": [self._dataset.width, self._dataset.height],
        }

    def close(self) -> None:
        """Release the file."""
        self._dataset.close()

    def _cells(self, plot: Footprint) -> PlotCells:
        """The plot's window on this grid and which of its pixels are inside the plot."""
        outline = plot.shape
        if self._reproject:
            outline = shape(transform_geom(WGS84, self.crs, mapping(plot.shape)))
        minx, miny, maxx, maxy = outline.bounds
        t = self._transform
        col0, col1 = sorted(((minx - t.c) / t.a, (maxx - t.c) / t.a))
        row0, row1 = sorted(((miny - t.f) / t.e, (maxy - t.f) / t.e))
        c0, r0 = math.floor(col0), math.floor(row0)
        width = max(math.ceil(col1) - c0, 1)
        height = max(math.ceil(row1) - r0, 1)
        # Pixel centres inside the outline: shapely's vectorised test on the prepared
        # polygon (4× faster here than GDAL's rasterize, same pixels).
        xs = t.c + (np.arange(c0, c0 + width) + 0.5) * t.a
        ys = t.f + (np.arange(r0, r0 + height) + 0.5) * t.e
        shapely.prepare(outline)
        inside = shapely.contains_xy(outline, xs[None, :], ys[:, None])
        if not inside.any():  # smaller than a pixel: every pixel it touches
            window_transform = t @ Affine.translation(c0, r0)
            inside = geometry_mask(
                [mapping(outline)], (height, width), window_transform, invert=True,
                all_touched=True,
            )  # fmt: skip
        return PlotCells(r0, c0, inside, int(inside.sum()))

    def sample(
        self, plot: Footprint, cells: dict[tuple[Any, ...], PlotCells] | None = None
    ) -> PixelSample:
        """The pixels under ``plot``: one windowed read of its bounding box, nothing more.

        ``cells`` memoises the plot's pixel mask per grid, so layers on the same grid (a
        baseline and a loss map of one provider) compute it once.
        """
        found = cells.get(self._grid) if cells is not None else None
        if found is None:
            found = self._cells(plot)
            if cells is not None:
                cells[self._grid] = found
        r0, c0, inside, count = found.row, found.col, found.inside, found.count
        height, width = inside.shape
        dataset = self._dataset
        top, left = max(r0, 0), max(c0, 0)
        bottom, right = min(r0 + height, dataset.height), min(c0 + width, dataset.width)
        if top >= bottom or left >= right:
            return PixelSample(np.empty(0, dtype=dataset.dtypes[0]), count)
        data = dataset.read(1, window=Window(left, top, right - left, bottom - top))
        values = data[inside[top - r0 : bottom - r0, left - c0 : right - c0]]
        if self.nodata is not None:
            if math.isnan(self.nodata):
                values = values[~np.isnan(values)]
            else:
                values = values[values != self.nodata]
        return PixelSample(values, count)


class RasterBaseline(_Raster):
    """Forest cover at the cut-off: pixels holding one of ``forest_values`` are forest."""

    def __init__(
        self, path: Path | str, field: str = "baseline", forest_values: Sequence[int] = (1,)
    ) -> None:
        super().__init__(path, field)
        self.forest_values = tuple(forest_values)

    def describe(self) -> dict[str, Any]:
        """The layer with its forest values."""
        return {**super().describe(), "role": "baseline", "forest_values": list(self.forest_values)}


@dataclass(frozen=True)
class LossTally:
    """Loss under one plot, split by when it happened (shares of the covered footprint)."""

    after_share: float
    before_share: float
    undated_share: float
    years_after: tuple[int, ...]
    covered_share: float


def loss_year(value: int) -> int | None:
    """The calendar year a ``year``-encoded loss pixel stands for (None: not a year)."""
    if 1 <= value <= 99:
        return 2000 + value
    if 1900 <= value <= 2100:
        return value
    return None


class LossRaster(_Raster):
    """Forest loss as a raster: years of loss (``year``) or loss after the cut-off (``mask``)."""

    def __init__(
        self,
        path: Path | str,
        field: str = "loss",
        encoding: Literal["year", "mask"] = "year",
        cutoff_year: int = 2020,
    ) -> None:
        super().__init__(path, field)
        self.encoding = encoding
        self.cutoff_year = cutoff_year

    def describe(self) -> dict[str, Any]:
        """The layer with its encoding."""
        return {**super().describe(), "role": "loss", "encoding": self.encoding}

    def tally(
        self, plot: Footprint, cells: dict[tuple[Any, ...], PlotCells] | None = None
    ) -> LossTally:
        """Shares of the plot's covered pixels lost after, before, and at an unknown date."""
        sample = self.sample(plot, cells)
        values = sample.values
        if values.size == 0:
            return LossTally(0.0, 0.0, 0.0, (), sample.covered_share)
        lost = values[values != 0]
        if self.encoding == "mask":
            share = lost.size / values.size
            return LossTally(share, 0.0, 0.0, (), sample.covered_share)
        after = before = undated = 0
        years: set[int] = set()
        codes, counts = np.unique(lost, return_counts=True)
        for code, count in zip(codes.tolist(), counts.tolist(), strict=True):
            year = loss_year(int(code)) if float(code).is_integer() else None
            if year is None:
                undated += count
            elif year > self.cutoff_year:
                after += count
                years.add(year)
            else:
                before += count
        total = values.size
        return LossTally(
            after / total, before / total, undated / total, tuple(sorted(years)),
            sample.covered_share,
        )  # fmt: skip


@dataclass(frozen=True)
class VectorHit:
    """One loss polygon overlapping a plot: its date (None if undated) and the overlap in ha."""

    when: date | None
    label: str
    overlap_ha: float


def _feature_date(properties: Mapping[str, Any]) -> tuple[date | None, str]:
    for key in DATE_PROPERTIES:
        value = properties.get(key)
        if value is None or isinstance(value, bool):
            continue
        text = str(value).strip()
        if isinstance(value, int | float) and float(value).is_integer():
            return date(int(value), 12, 31), str(int(value))
        if len(text) == 4 and text.isdigit():
            return date(int(text), 12, 31), text
        try:
            return date.fromisoformat(text[:10]), text[:10]
        except ValueError:
            return None, text
    return None, ""


class LossVector(_LayerFile):
    """Dated forest-loss polygons (GeoJSON, WGS 84), indexed for lookups by plot."""

    def __init__(self, path: Path | str, field: str = "loss") -> None:
        super().__init__(path, field)
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LayerError(f"{field}: cannot read {self.path} as GeoJSON ({exc})", field) from exc
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
            raise LayerError(f"{field}: {self.path} is not a GeoJSON FeatureCollection", field)
        crs = document.get("crs")
        if crs is not None and "CRS84" not in json.dumps(crs) and "4326" not in json.dumps(crs):
            raise LayerError(
                f"{field}: {self.path} declares the CRS {json.dumps(crs)}; GeoJSON loss layers "
                "must be WGS 84 lon/lat (RFC 7946)",
                field,
            )
        shapes: list[BaseGeometry] = []
        self._dates: list[tuple[date | None, str]] = []
        for index, feature in enumerate(document.get("features") or []):
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            if not isinstance(geometry, dict) or geometry.get("type") not in (
                "Polygon",
                "MultiPolygon",
            ):
                continue  # points and lines delimit no area of loss
            try:
                polygon = shape(geometry)
            except (ValueError, TypeError, AttributeError, IndexError) as exc:
                raise LayerError(f"{field}: feature {index} of {self.path}: {exc}", field) from exc
            shapes.append(polygon if polygon.is_valid else polygon.buffer(0))
            self._dates.append(_feature_date(feature.get("properties") or {}))
        self._shapes = shapes
        self._tree = STRtree(shapes)

    def describe(self) -> dict[str, Any]:
        """What the report says about the layer."""
        return {
            "name": self.name,
            "format": "GeoJSON",
            "role": "loss",
            "features": len(self._shapes),
        }

    def close(self) -> None:
        """Nothing to release (kept for symmetry with the rasters)."""

    def hits(self, plot: Footprint) -> list[VectorHit]:
        """Loss polygons overlapping the plot, with the overlap's geodesic area."""
        found: list[VectorHit] = []
        for index in self._tree.query(plot.shape, predicate="intersects").tolist():
            overlap = area_ha(self._shapes[index].intersection(plot.shape))
            if overlap > 0:
                when, label = self._dates[index]
                found.append(VectorHit(when, label, overlap))
        return found


def open_loss(
    path: Path | str, field: str = "loss", *, mask: bool = False
) -> LossRaster | LossVector:
    """A loss layer by file type: GeoTIFF → :class:`LossRaster`, GeoJSON → :class:`LossVector`.

    Raises:
        LayerError: another suffix, or the file cannot be used.
    """
    suffix = Path(path).suffix.lower()
    if suffix in RASTER_SUFFIXES:
        return LossRaster(path, field, encoding="mask" if mask else "year")
    if suffix in VECTOR_SUFFIXES:
        if mask:
            raise LayerError(f"{field}: a loss mask must be a GeoTIFF, found {path}", field)
        return LossVector(path, field)
    raise LayerError(
        f"{field}: expected a GeoTIFF (.tif) or GeoJSON (.geojson) file, found {path}", field
    )
