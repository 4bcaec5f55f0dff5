"""The deforestation screen of a lot, on SQLite and PostgreSQL: library, HTTP and CLI.

What each test proves:

* A coffee lot from five plots on the synthetic maps (``tests/deforestation_maps.py``):
  the forested plot is clear with 100 % forest, the plot under 2023 loss needs attention
  with its year, the plot under 2015 loss is only noted, a 2 ha point is screened as a
  circle, a plot off the map is ``not_covered``; plots that need attention come first.
* HTTP ``POST …/eudr/screen`` names layers within ``BIOTRAZA_FOREST_LAYERS_DIR``: the same
  report; an unknown name and a server without the folder are 422s naming
  ``forest_layers…``, a path a 400 (not a file name); a non-georeferenced file there is a
  422 naming ``forest_layers.loss``.
* CLI ``eudr screen``: Spanish by default, English with ``--lang en``, the JSON with
  ``--out``; a missing, unreadable or non-georeferenced file, or loss without a baseline,
  is one line naming the option and exit 1, never a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.eudr.screen import ScreenFiles, screen_lot
from api.services.ledger import LedgerService
from api.settings import Settings
from tests.deforestation_maps import SQUARES, build_maps, square_polygon, write_bare
from tests.supply_factories import SupplyWorld

BIOTRAZA = Path(sys.executable).with_name("biotraza")


@pytest.fixture
def maps(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "layers"
    folder.mkdir()
    return build_maps(folder)


def _lot(service: LedgerService) -> str:
    w = SupplyWorld(service.store, service.registry, ("coop-a",))
    plots = {
        "pl-forest": square_polygon(SQUARES["forest"]),
        "pl-2023": square_polygon(SQUARES["loss_2023"]),
        "pl-2015": square_polygon(SQUARES["loss_2015"]),
        "pl-point": {"type": "Point", "coordinates": [-92.685, 15.685]},
        "pl-far": square_polygon((-92.50, 15.650, -92.498, 15.652)),
    }
    for index, (plot_id, geometry) in enumerate(plots.items()):
        w.producer("coop-a", f"p{index}")
        w.plot("coop-a", plot_id, f"p{index}", geometry=geometry)
    w.harvest("coop-a", "h1", dict.fromkeys(plots, 100))
    return "h1"


def test_a_lot_is_screened_plot_by_plot(service: LedgerService, maps: tuple[Path, Path]) -> None:
    lot = _lot(service)
    baseline, loss = maps
    seen: list[tuple[int, int | None]] = []

    from api.exports.base import ExportRequest

    request = ExportRequest(lot_id=lot, progress=lambda d, t: seen.append((d, t)))
    report = screen_lot(service, lot, ScreenFiles(baseline, (loss,)), request)
    by_id = {p["plot_id"]: p for p in report["results"]}
    assert (report["plots"], report["screened"], report["needs_attention"]) == (5, 5, 2)
    assert by_id["pl-forest"]["status"] == "clear"
    assert by_id["pl-forest"]["forest_share_2020"] == 1.0
    assert by_id["pl-2023"]["status"] == "loss_after_cutoff"
    assert by_id["pl-2023"]["loss_years"] == [2023]
    assert by_id["pl-2015"]["status"] == "clear" and by_id["pl-2015"]["loss_before_cutoff_ha"] > 4
    assert by_id["pl-point"]["screened_as"] == "circle_of_declared_area"
    assert by_id["pl-point"]["area_ha"] == 2
    assert by_id["pl-far"]["status"] == "not_covered"
    assert [p["plot_id"] for p in report["attention"]] == ["pl-2023", "pl-far"]
    assert seen[-1] == (5, 5)


def test_http_names_layers_in_the_server_folder(
    service: LedgerService, maps: tuple[Path, Path], tmp_path: Path
) -> None:
    lot = _lot(service)
    baseline, loss = maps
    bare = baseline.parent / "bare.tif"
    write_bare(bare)
    cfg = Settings(data_dir=tmp_path / "data", forest_layers_dir=baseline.parent)
    client = TestClient(create_app(cfg, service))
    body = {"forest_layers": {"baseline": baseline.name, "loss": [loss.name]}}
    answer = client.post(f"/api/v1/lots/{lot}/eudr/screen", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["needs_attention"] == 2

    def field_of(layers: dict[str, object], app: TestClient = client) -> tuple[int, str]:
        refused = app.post(f"/api/v1/lots/{lot}/eudr/screen", json={"forest_layers": layers})
        return refused.status_code, refused.json()["error"]["fields"][0]["field"]

    assert field_of({"baseline": "nope.tif"}) == (422, "forest_layers.baseline")
    status, field = field_of({"baseline": baseline.name, "loss": ["../etc"]})
    assert status == 400 and "forest_layers.loss" in field  # the request shape: never a path
    assert field_of({"baseline": baseline.name, "loss": ["bare.tif"]}) == (
        422, "forest_layers.loss",
    )  # fmt: skip
    unconfigured = TestClient(create_app(cfg.model_copy(update={"forest_layers_dir": None}),
                                         service))  # fmt: skip
    assert field_of({"baseline": baseline.name}, unconfigured) == (422, "forest_layers")


def _run(db_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env.update(NO_COLOR="1", COLUMNS="200", BIOTRAZA_DATA_DIR=str(tmp_path / "data"),
               BIOTRAZA_DATABASE_URL=db_url)  # fmt: skip
    return subprocess.run([str(BIOTRAZA), "eudr", "screen", *args], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_cli_screen_and_its_errors(
    service: LedgerService, db_url: str, maps: tuple[Path, Path], tmp_path: Path
) -> None:
    lot = _lot(service)
    baseline, loss = maps
    target = tmp_path / "risk.json"
    spanish = _run(db_url, tmp_path, lot, "--baseline", str(baseline), "--loss", str(loss),
                   "--out", str(target))  # fmt: skip
    assert spanish.returncode == 0, spanish.stderr
    assert "Informe de riesgo de deforestación — lote h1" in spanish.stdout
    assert "* pl-2023 — pérdida de bosque después del corte" in spanish.stdout
    assert json.loads(target.read_text())["needs_attention"] == 2
    english = _run(db_url, tmp_path, lot, "--baseline", str(baseline), "--lang", "en")
    assert english.returncode == 0, english.stderr
    assert "* pl-far — not covered by a layer" in english.stdout
    assert "* pl-forest — forest at the baseline, no loss map" in english.stdout

    notes = tmp_path / "notes.tif"
    notes.write_text("not a raster")
    bare = tmp_path / "bare.tif"
    write_bare(bare)
    cases = [
        ((lot,), "--baseline: give the forest-cover map"),
        ((lot, "--baseline", str(tmp_path / "none.tif")), "--baseline: no such file"),
        ((lot, "--baseline", str(baseline), "--loss", str(notes)), "--loss: cannot read"),
        ((lot, "--baseline", str(bare)), "--baseline: " + str(bare) + " is not georeferenced"),
        ((lot, "--loss", str(loss)), "--baseline: the loss layers are read against"),
        ((lot, "--baseline", str(baseline), "--loss-mask", str(tmp_path / "x.geojson")),
         "--loss-mask: "),
        ((lot, "--baseline", str(baseline), "--lang", "fr"), "--lang"),
    ]  # fmt: skip
    for args, message in cases:
        run = _run(db_url, tmp_path, *args)
        assert run.returncode != 0, args
        assert message in run.stderr, (args, run.stderr)
        assert "Traceback" not in run.stderr
