"""The deforestation screen on small synthetic maps (``tests/deforestation_maps.py``).

What each test proves:

* A fully forested plot without loss is ``clear`` with 100 % forest; loss coded 2023 under a
  plot is ``loss_after_cutoff`` with its year and area; loss coded 2015 is only noted
  (``loss_before_cutoff``), never flagged; a value that is no year is ``loss_undated``.
* A plot off the raster is ``not_covered`` and one on nodata pixels too; one across the
  raster's edge is ``partly_covered`` with its share: never silently passed.
* A point plot is screened as a circle of its declared area, and says so.
* Half-forest plots give a 50 % forest share; with no loss layer, forest at the baseline
  is ``forest_unverified``.
* Dated GeoJSON loss polygons: after the cut-off flagged with the overlap in ha (geodesic),
  before only noted, undated flagged; slivers under 0.01 ha ignored; a binary loss mask
  flags every non-zero pixel.
* A raster in UTM gets the plot reprojected into it.
* Windowed reads: screening plots on a 64 MB raster allocates well under a megabyte of
  arrays (tracemalloc sees numpy's buffers), so the raster is never read whole.
* Files that cannot be used are a ``LayerError`` naming the option: missing, not a raster,
  not georeferenced, a suffix of no map.
* The lot report: counts, plots that need attention first, Spanish and English text.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from rasterio.warp import transform

from tests.deforestation_maps import (
    NODATA,
    SQUARES,
    build_maps,
    loss_polygons,
    square_polygon,
    write_bare,
    write_tif,
)
from verifiers.deforestation import LayerError, Screen
from verifiers.deforestation.footprint import footprint
from verifiers.deforestation.report import render_text, risk_report


@pytest.fixture(scope="module")
def maps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_maps(tmp_path_factory.mktemp("maps"))


def _plot(name: str, **kw: float) -> object:
    return footprint(name, square_polygon(SQUARES[name], **kw), 0)  # type: ignore[arg-type]


def _codes(result: object) -> set[str]:
    return {f.code for f in result.findings}  # type: ignore[attr-defined]


def test_forest_loss_after_and_before_the_cutoff(maps: tuple[Path, Path]) -> None:
    baseline, loss = maps
    with Screen.open(baseline, [loss]) as screen:
        forest = screen.plot(_plot("forest"))
        after = screen.plot(_plot("loss_2023"))
        before = screen.plot(_plot("loss_2015"))
        odd = screen.plot(_plot("odd_code"))
    assert forest.status == "clear" and not forest.needs_attention
    assert forest.forest_share == 1.0 and forest.baseline_covered == 1.0
    assert forest.loss_after_ha == 0 and forest.area_ha == pytest.approx(4.78, abs=0.05)

    assert after.status == "loss_after_cutoff" and after.needs_attention
    assert after.loss_years == (2023,)
    assert after.loss_after_ha == pytest.approx(after.area_ha)
    [flag] = [f for f in after.findings if f.code == "loss_after_cutoff"]
    assert "2023" in flag.message_en and "después del 31/12/2020" in flag.message_es

    assert before.status == "clear" and before.loss_after_ha == 0
    assert before.loss_before_ha == pytest.approx(before.area_ha)
    assert "loss_before_cutoff" in _codes(before)
    assert odd.status == "loss_undated" and odd.loss_undated_ha > 0


def test_plots_off_the_map_are_never_passed(maps: tuple[Path, Path]) -> None:
    baseline, loss = maps
    outside = footprint("far", square_polygon((-92.50, 15.65, -92.49, 15.66)), 0)
    edge = footprint("edge", square_polygon((-92.601, 15.65, -92.599, 15.652)), 0)
    with Screen.open(baseline, [loss]) as screen:
        far, nodata, across = screen.plot(outside), screen.plot(_plot("nodata")), screen.plot(edge)
    assert far.status == "not_covered" and far.forest_share is None
    assert far.baseline_covered == 0
    assert nodata.status == "not_covered" and nodata.needs_attention
    assert across.status == "partly_covered"
    assert across.baseline_covered == pytest.approx(0.5, abs=0.03)
    assert any("50" in f.message_en for f in across.findings if f.code == "partly_covered")


def test_a_point_is_screened_as_a_circle_of_its_area(maps: tuple[Path, Path]) -> None:
    baseline, loss = maps
    west, south, east, north = SQUARES["loss_2023"]
    point = {"type": "Point", "coordinates": [(west + east) / 2, (south + north) / 2]}
    plot = footprint("pt", point, 2.0)
    assert plot.circle and plot.area_ha == 2.0
    with Screen.open(baseline, [loss]) as screen:
        result = screen.plot(plot)
    assert result.status == "loss_after_cutoff" and "screened_as_circle" in _codes(result)
    assert result.to_dict()["screened_as"] == "circle_of_declared_area"
    # a 2 ha circle is ≈ 161 pixels of 0.0001° at this latitude
    assert result.loss_after_ha == pytest.approx(2.0)


def test_forest_share_and_no_loss_layer(maps: tuple[Path, Path]) -> None:
    baseline, _loss = maps
    with Screen.open(baseline) as screen:
        half = screen.plot(_plot("half_forest"))
    assert half.forest_share == pytest.approx(0.5, abs=0.01)
    assert half.status == "forest_unverified"


def test_dated_loss_polygons(maps: tuple[Path, Path], tmp_path: Path) -> None:
    baseline, _loss = maps
    west, south, east, north = SQUARES["forest"]
    mid = (west + east) / 2
    vector = loss_polygons(tmp_path / "loss.geojson", [
        ((west, south, mid, north), "2022-03-01"),   # the west half, after the cut-off
        ((mid, south, east, north), 2019),           # the east half, before
        ((east - 0.000002, south, east + 0.001, north), None),  # a sliver: 0.005 ha
    ])  # fmt: skip
    undated = loss_polygons(tmp_path / "undated.geojson", [(SQUARES["forest"], None)])
    with Screen.open(baseline, [vector]) as screen:
        result = screen.plot(_plot("forest"))
    assert result.status == "loss_after_cutoff" and result.loss_years == (2022,)
    assert result.loss_after_ha == pytest.approx(result.area_ha / 2, rel=0.01)
    assert result.loss_before_ha == pytest.approx(result.area_ha / 2, rel=0.01)
    assert "loss_undated" not in _codes(result)
    with Screen.open(baseline, [undated]) as screen:
        assert screen.plot(_plot("forest")).status == "loss_undated"


def test_a_binary_loss_mask(maps: tuple[Path, Path], tmp_path: Path) -> None:
    baseline, loss = maps
    with rasterio.open(loss) as src:
        data = (src.read(1) == 15).astype(np.uint8)  # the 2015 square, declared post-2020
    mask = write_tif(tmp_path / "mask.tif", data)
    with Screen.open(baseline, masks=[mask]) as screen:
        assert screen.plot(_plot("loss_2015")).status == "loss_after_cutoff"
        assert screen.plot(_plot("forest")).status == "clear"


def test_a_projected_raster_gets_the_plot_reprojected(tmp_path: Path) -> None:
    west, south, east, north = SQUARES["forest"]
    xs, ys = transform("EPSG:4326", "EPSG:32615", [west - 0.001], [north + 0.001])
    data = np.zeros((60, 60), dtype=np.uint8)
    data[:, :30] = 1  # forest in the west 300 m
    utm = write_tif(tmp_path / "utm.tif", data, crs="EPSG:32615",
                    transform=from_origin(xs[0], ys[0], 10, 10))  # fmt: skip
    with Screen.open(utm) as screen:
        result = screen.plot(_plot("forest"))
        layer = screen.layers.describe()[0]
    assert layer["crs"] == "EPSG:32615"
    # the plot spans ≈ 214 m from ≈ 107 m east of the raster's west edge: ≈ 90 % in forest
    assert result.baseline_covered == 1.0
    assert 0.8 < (result.forest_share or 0) < 0.95


def test_reads_are_windowed(tmp_path: Path) -> None:
    big = np.ones((8000, 8000), dtype=np.uint8)  # 64 MB once in memory
    path = write_tif(tmp_path / "big.tif", big, tiled=True, blockxsize=256, blockysize=256,
                     compress="deflate")  # fmt: skip
    del big
    plots = [_plot(name) for name in ("forest", "loss_2023", "loss_2015", "half_forest")]
    with Screen.open(path) as screen:
        tracemalloc.start()
        results = screen.plots(plots * 25)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert len(results) == 100 and all(r.forest_share == 1.0 for r in results)
    assert peak < 1_000_000, peak


def test_unusable_files_name_the_option(maps: tuple[Path, Path], tmp_path: Path) -> None:
    baseline, loss = maps
    with pytest.raises(LayerError, match="baseline: no such file") as missing:
        Screen.open(tmp_path / "nope.tif").__enter__()
    assert missing.value.field == "baseline"
    text = tmp_path / "notes.tif"
    text.write_text("not a raster")
    with pytest.raises(LayerError, match="loss: cannot read .*notes.tif as a raster"):
        Screen.open(baseline, [text]).__enter__()
    bare = write_bare(tmp_path / "bare.tif")
    with pytest.raises(LayerError, match="not georeferenced") as plain:
        Screen.open(bare).__enter__()
    assert plain.value.field == "baseline"
    with pytest.raises(LayerError, match="loss_mask: expected a GeoTIFF .* found .*shp"):
        Screen.open(baseline, masks=[tmp_path / "x.shp"]).__enter__()
    bad_json = tmp_path / "bad.geojson"
    bad_json.write_text('{"type": "Feature"}')
    with pytest.raises(LayerError, match="not a GeoJSON FeatureCollection"):
        Screen.open(baseline, [bad_json]).__enter__()


def test_the_lot_report_in_both_languages(maps: tuple[Path, Path]) -> None:
    baseline, loss = maps
    plots = [_plot(n) for n in ("forest", "loss_2023", "loss_2015", "nodata")]
    with Screen.open(baseline, [loss]) as screen:
        results = screen.plots(plots)
        layers = screen.layers.describe()
    refused = [{"plot_id": "bad", "reason": "self-intersection"}]
    report = risk_report("LOT-1", "coffee", results, layers, refused)
    assert (report["plots"], report["screened"], report["needs_attention"]) == (5, 4, 3)
    assert [p["plot_id"] for p in report["attention"]] == ["loss_2023", "nodata"]
    assert report["status_counts"]["clear"] == 2
    assert report["status_counts"]["not_screened"] == 1
    assert [layer["role"] for layer in report["layers"]] == ["baseline", "loss"]
    english, spanish = render_text(report, "en"), render_text(report, "es")
    assert "Deforestation risk report — lot LOT-1" in english
    assert "need attention: 3" in english and "* loss_2023 — forest loss after" in english
    assert "Informe de riesgo de deforestación — lote LOT-1" in spanish
    assert "requieren atención: 3" in spanish and "pérdida de bosque después" in spanish
    assert "no revisada (geometría rechazada): self-intersection" in spanish
    assert "bosque 2020: 100.0 %" in spanish
    assert f"nodata {NODATA}" not in spanish
