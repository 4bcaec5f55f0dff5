"""Per plot: forest share at the 31 December 2020 baseline, loss after it, and a status.

Thresholds (``docs/eudr.md`` "Deforestation screen"):

* **Loss after the cut-off** — any loss pixel dated after 2020 under the plot, any pixel of a
  loss mask, or a dated loss polygon overlapping it by at least :data:`MIN_OVERLAP_HA`
  (0.01 ha: one 10 m pixel; smaller overlaps are slivers of shared edges) → needs attention.
* **Loss of unknown date** (a pixel value that is no year, a polygon without a date) → needs
  attention: nothing shows it happened before the cut-off.
* **Not covered / partly covered** — the plot lies (partly) outside a layer or on its nodata
  pixels → needs attention: it was not (fully) screened, and the report never passes it.
* **Forest at the baseline** is reported as a share of the plot. With no loss layer at all,
  a plot with any forest at the baseline needs attention (nothing shows the forest stayed).
* **Loss before the cut-off** is noted, never flagged: the EUDR looks after 2020 only.

Statuses, most serious first: ``loss_after_cutoff``, ``loss_undated``, ``not_covered``,
``partly_covered``, ``forest_unverified``, ``clear``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import rasterio

from verifiers.deforestation.footprint import Footprint
from verifiers.deforestation.layers import (
    LossRaster,
    LossVector,
    PlotCells,
    RasterBaseline,
    open_loss,
)

__all__ = [
    "CUTOFF",
    "GDAL_CACHE_MB",
    "MIN_OVERLAP_HA",
    "STATUSES",
    "Finding",
    "PlotScreen",
    "Screen",
    "ScreenLayers",
]

CUTOFF = date(2020, 12, 31)
"""EUDR Art. 2(13): no deforestation after this day."""
MIN_OVERLAP_HA = 0.01
"""Smallest overlap of a loss polygon with a plot that counts as loss (one 10 m pixel)."""
GDAL_CACHE_MB = 64
"""GDAL's block cache while screening (its default is 5 % of RAM: well above the budget)."""
STATUSES = (
    "loss_after_cutoff",
    "loss_undated",
    "not_covered",
    "partly_covered",
    "forest_unverified",
    "clear",
)
"""Plot statuses, most serious first; every one but ``clear`` needs attention."""


@dataclass(frozen=True)
class Finding:
    """One thing the report says about a plot, in English and Spanish."""

    code: str
    attention: bool
    message_en: str
    message_es: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "code": self.code,
            "attention": self.attention,
            "message_en": self.message_en,
            "message_es": self.message_es,
        }


@dataclass(frozen=True)
class PlotScreen:
    """What the screen found for one plot."""

    plot_id: str
    area_ha: float
    circle: bool
    baseline_covered: float
    forest_share: float | None
    loss_after_ha: float
    loss_before_ha: float
    loss_undated_ha: float
    loss_years: tuple[int, ...]
    status: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def needs_attention(self) -> bool:
        """Whether the exporter has to look at this plot before filing."""
        return self.status != "clear"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (shares 0–1 to 4 decimals, hectares to 4)."""
        return {
            "plot_id": self.plot_id,
            "status": self.status,
            "needs_attention": self.needs_attention,
            "area_ha": round(self.area_ha, 4),
            "screened_as": "circle_of_declared_area" if self.circle else "polygon",
            "baseline_covered_share": round(self.baseline_covered, 4),
            "forest_share_2020": None if self.forest_share is None else round(self.forest_share, 4),
            "loss_after_cutoff_ha": round(self.loss_after_ha, 4),
            "loss_before_cutoff_ha": round(self.loss_before_ha, 4),
            "loss_undated_ha": round(self.loss_undated_ha, 4),
            "loss_years": list(self.loss_years),
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class ScreenLayers:
    """The open maps of one screen: a baseline and any number of loss layers."""

    baseline: RasterBaseline
    losses: tuple[LossRaster | LossVector, ...] = ()

    def describe(self) -> list[dict[str, Any]]:
        """Every layer as the report lists it."""
        return [self.baseline.describe(), *(layer.describe() for layer in self.losses)]


def _pct(share: float) -> str:
    return f"{share * 100:,.1f} %"


def _ha(value: float) -> str:
    return f"{value:,.2f} ha"


class _Tally:
    """Findings and loss totals of one plot as the layers are read."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.after = self.before = self.undated = 0.0
        self.years: set[int] = set()
        self.worst_cover = 1.0

    def cover(self, name: str, share: float) -> None:
        self.worst_cover = min(self.worst_cover, share)
        if share <= 0:
            self.findings.append(Finding(
                "not_covered", True,
                f"outside {name} or on its nodata pixels: not screened against it",
                f"fuera de {name} o en sus píxeles sin datos: no se revisó con esa capa",
            ))  # fmt: skip
        elif share < 1:
            self.findings.append(Finding(
                "partly_covered", True,
                f"only {_pct(share)} of the plot is covered by {name}",
                f"solo {_pct(share)} de la parcela está cubierta por {name}",
            ))  # fmt: skip


class Screen:
    """Open layers plus the rules above; :meth:`plot` screens one footprint."""

    def __init__(self, layers: ScreenLayers) -> None:
        self.layers = layers

    @classmethod
    @contextmanager
    def open(
        cls,
        baseline: Path | str,
        losses: Sequence[Path | str] = (),
        masks: Sequence[Path | str] = (),
        *,
        forest_values: Sequence[int] = (1,),
        cache_mb: int = GDAL_CACHE_MB,
    ) -> Iterator[Screen]:
        """Open every layer (checked before any plot is read) under a capped GDAL cache.

        Raises:
            LayerError: a file missing, unreadable or not georeferenced; its field is
                ``baseline``, ``loss`` or ``loss_mask``.
        """
        with ExitStack() as stack:
            stack.enter_context(rasterio.Env(GDAL_CACHEMAX=cache_mb))
            base = RasterBaseline(baseline, "baseline", forest_values)
            stack.callback(base.close)
            opened: list[LossRaster | LossVector] = []
            for path in losses:
                opened.append(open_loss(path, "loss"))
                stack.callback(opened[-1].close)
            for path in masks:
                opened.append(open_loss(path, "loss_mask", mask=True))
                stack.callback(opened[-1].close)
            yield cls(ScreenLayers(base, tuple(opened)))

    def plot(self, plot: Footprint) -> PlotScreen:
        """Screen one plot against every layer."""
        tally = _Tally()
        if plot.circle:
            tally.findings.append(Finding(
                "screened_as_circle", False,
                f"recorded as a point: screened a circle of its declared {_ha(plot.area_ha)} "
                "around it",
                f"registrada como punto: se revisó un círculo de sus {_ha(plot.area_ha)} "
                "declaradas alrededor",
            ))  # fmt: skip
        baseline = self.layers.baseline
        cells: dict[tuple[Any, ...], PlotCells] = {}  # the plot's pixel masks, per grid
        sample = baseline.sample(plot, cells)
        tally.cover(baseline.name, sample.covered_share)
        forest: float | None = None
        if sample.values.size:
            forest = float(sum((sample.values == v).sum() for v in baseline.forest_values))
            forest /= sample.values.size
            tally.findings.append(Finding(
                "forest_2020", False,
                f"{_pct(forest)} forest on {CUTOFF:%d/%m/%Y} ({baseline.name})",
                f"{_pct(forest)} de bosque al {CUTOFF:%d/%m/%Y} ({baseline.name})",
            ))  # fmt: skip
        for layer in self.layers.losses:
            if isinstance(layer, LossRaster):
                self._raster_loss(layer, plot, tally, cells)
            else:
                self._vector_loss(layer, plot, tally)
        if not self.layers.losses and forest:
            tally.findings.append(Finding(
                "forest_unverified", True,
                "forest at the baseline and no loss map given: nothing shows it stayed forest",
                "bosque en la línea base y ninguna capa de pérdida: nada muestra que siga "
                "siendo bosque",
            ))  # fmt: skip
        return self._result(plot, sample.covered_share, forest, tally)

    @staticmethod
    def _raster_loss(
        layer: LossRaster,
        plot: Footprint,
        tally: _Tally,
        cells: dict[tuple[Any, ...], PlotCells],
    ) -> None:
        loss = layer.tally(plot, cells)
        tally.cover(layer.name, loss.covered_share)
        covered_ha = plot.area_ha * loss.covered_share
        after, before = loss.after_share * covered_ha, loss.before_share * covered_ha
        undated = loss.undated_share * covered_ha
        tally.after += after
        tally.before += before
        tally.undated += undated
        tally.years.update(loss.years_after)
        years = ", ".join(str(y) for y in loss.years_after)
        when_en = f" in {years}" if years else ""
        when_es = f" en {years}" if years else ""
        if loss.after_share:
            tally.findings.append(Finding(
                "loss_after_cutoff", True,
                f"forest loss after {CUTOFF:%d/%m/%Y}{when_en}: {_pct(loss.after_share)} of "
                f"the plot, {_ha(after)} ({layer.name})",
                f"pérdida de bosque después del {CUTOFF:%d/%m/%Y}{when_es}: "
                f"{_pct(loss.after_share)} de la parcela, {_ha(after)} ({layer.name})",
            ))  # fmt: skip
        if loss.undated_share:
            tally.findings.append(Finding(
                "loss_undated", True,
                f"forest loss of unknown date: {_ha(undated)} ({layer.name})",
                f"pérdida de bosque de fecha desconocida: {_ha(undated)} ({layer.name})",
            ))  # fmt: skip
        if loss.before_share:
            tally.findings.append(Finding(
                "loss_before_cutoff", False,
                f"forest loss up to {CUTOFF:%d/%m/%Y}: {_ha(before)} (not counted by the EUDR; "
                f"{layer.name})",
                f"pérdida de bosque hasta el {CUTOFF:%d/%m/%Y}: {_ha(before)} (el EUDR no la "
                f"cuenta; {layer.name})",
            ))  # fmt: skip

    @staticmethod
    def _vector_loss(layer: LossVector, plot: Footprint, tally: _Tally) -> None:
        for hit in layer.hits(plot):
            if hit.overlap_ha < MIN_OVERLAP_HA:
                continue
            label = hit.label or "?"
            if hit.when is None:
                tally.undated += hit.overlap_ha
                tally.findings.append(Finding(
                    "loss_undated", True,
                    f"loss polygon of unknown date ({label}) overlaps {_ha(hit.overlap_ha)} "
                    f"({layer.name})",
                    f"polígono de pérdida sin fecha ({label}) cubre {_ha(hit.overlap_ha)} "
                    f"({layer.name})",
                ))  # fmt: skip
            elif hit.when > CUTOFF:
                tally.after += hit.overlap_ha
                tally.years.add(hit.when.year)
                tally.findings.append(Finding(
                    "loss_after_cutoff", True,
                    f"loss polygon dated {label} overlaps {_ha(hit.overlap_ha)} ({layer.name})",
                    f"polígono de pérdida con fecha {label} cubre {_ha(hit.overlap_ha)} "
                    f"({layer.name})",
                ))  # fmt: skip
            else:
                tally.before += hit.overlap_ha
                tally.findings.append(Finding(
                    "loss_before_cutoff", False,
                    f"loss polygon dated {label} (before the cut-off) overlaps "
                    f"{_ha(hit.overlap_ha)} ({layer.name})",
                    f"polígono de pérdida con fecha {label} (antes del corte) cubre "
                    f"{_ha(hit.overlap_ha)} ({layer.name})",
                ))  # fmt: skip

    @staticmethod
    def _result(plot: Footprint, covered: float, forest: float | None, tally: _Tally) -> PlotScreen:
        codes = {f.code for f in tally.findings if f.attention}
        status = next((s for s in STATUSES[:-1] if s in codes), "clear")
        return PlotScreen(
            plot.plot_id, plot.area_ha, plot.circle, covered, forest, tally.after, tally.before,
            tally.undated, tuple(sorted(tally.years)), status, tuple(tally.findings),
        )  # fmt: skip

    def plots(
        self,
        plots: Iterable[Footprint],
        progress: Callable[[int], None] | None = None,
    ) -> list[PlotScreen]:
        """Screen every plot in order; ``progress(done)`` after every 100 and at the end."""
        results: list[PlotScreen] = []
        for plot in plots:
            results.append(self.plot(plot))
            if progress is not None and len(results) % 100 == 0:
                progress(len(results))
        if progress is not None:
            progress(len(results))
        return results
