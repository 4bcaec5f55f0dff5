"""Deforestation screen: origin plots against forest-cover and forest-loss maps (EUDR Art. 2(13)).

The EUDR calls a commodity deforestation-free when the land it grew on was not converted from
forest after 31 December 2020. This package checks each plot against maps the user downloads
(the JRC Global Forest Cover 2020 tiles as the baseline; Hansen-style loss-year rasters,
binary loss masks or dated loss polygons as the later change) and says, per plot, what share
was forest at the baseline and whether forest was lost after the cut-off. One job per module:

* :mod:`.footprint` — a plot's GeoJSON as the shape to screen (a point becomes a circle of
  its declared area);
* :mod:`.layers` — opening the maps and reading only the pixels under one footprint
  (windowed: a multi-GB raster is never loaded whole) or the loss polygons it touches;
* :mod:`.screen` — the per-plot findings and status, thresholds included;
* :mod:`.report` — the lot's risk report in Spanish and English (JSON and text).

rasterio, shapely and numpy are imported here and nowhere in ``ledger``.
"""

from __future__ import annotations

from verifiers.deforestation.layers import LayerError, LossRaster, LossVector, RasterBaseline
from verifiers.deforestation.screen import CUTOFF, PlotScreen, Screen, ScreenLayers

__all__ = [
    "CUTOFF",
    "LayerError",
    "LossRaster",
    "LossVector",
    "PlotScreen",
    "RasterBaseline",
    "Screen",
    "ScreenLayers",
]
