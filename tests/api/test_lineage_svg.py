"""The lineage picture (``render_lineage_svg`` and the ``svg`` export), on SQLite and PostgreSQL.

What each test proves:

* For the demo's lots the SVG parses as XML and, drawn without a column limit, has exactly
  one box per lot and per origin plot or apiary of the upstream lineage, and one arrow per
  input and origin link. Every lot box's status is ``check_eligibility``'s verdict (the lot
  asked about in full, upstream lots as inputs), its fill and stroke are that status's
  colours, and its text says the status in words; plots are red exactly when a harvest's
  eligibility names them (the two failing coffee plots).
* The default drawing of the main coffee lot is bounded (at most 16 boxes a column): the
  "+N more" boxes account for every lot and plot left out, the failing plots are among
  those shown, and the legend is in Spanish (``es``) or English (``en``).
* A 10,000-harvest lineage (built with the benchmark's signed supply script, admitted in
  memory) still draws at most 16 boxes a column; folding keeps at most ``max_columns``.
* Text is escaped; a bad language is a ``ValueError``; over HTTP ``format=svg`` is
  ``image/svg+xml`` and an unknown lot 404; the CLI writes the file.
* The SVG rasterizes (resvg) and the PNG shows the eligible and the ineligible fill colours.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import resvg_py
from fastapi.testclient import TestClient
from PIL import Image

from api.app import create_app
from api.demo import build_demo
from api.exports.lineage_svg import (
    STATUS_COLOURS,
    LineagePicture,
    PictureNode,
    draw_lineage_svg,
    lineage_picture,
    render_lineage_svg,
)
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.errors import EntryNotFoundError
from ledger.storage.sql.store import SqlState
from ledger.supply.lineage import upstream
from ledger.supply.lots import LOT_ORIGIN
from verifiers.eligibility import check_eligibility

SVG = "{http://www.w3.org/2000/svg}"
BIOTRAZA = Path(sys.executable).with_name("biotraza")
WORDS = {
    "es": {"eligible": "✓ elegible", "ineligible": "✗ no elegible"},
    "en": {"eligible": "✓ eligible", "ineligible": "✗ not eligible"},
}


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[tuple[Settings, dict[str, Any], LedgerService]]:
    """The demo ledger on this engine: settings, summary and an open service."""
    cfg = Settings(
        data_dir=tmp_path / "data", key_passphrase="svg-test-passphrase", database_url=db_url
    )
    summary = build_demo(cfg)
    service = LedgerService.open(db_url, migrate=False)
    try:
        yield cfg, summary, service
    finally:
        service.close()


def _boxes(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it
    assert root.tag == f"{SVG}svg"
    return {g.attrib["data-key"]: g for g in root.iter(f"{SVG}g") if "data-key" in g.attrib}


def _texts(box: ET.Element) -> list[str]:
    return [t.text or "" for t in box.iter(f"{SVG}text")]


def _picture_svg(
    service: LedgerService, lot_id: str, lang: str = "es", **limits: int
) -> tuple[str, LineagePicture]:
    with service.store.read_state() as state:
        picture = lineage_picture(state, lot_id, **limits)
    return draw_lineage_svg(picture, lang), picture


def _expected(
    service: LedgerService, lot_id: str
) -> tuple[dict[str, str], set[str], set[tuple[str, str]]]:
    """Status of every lot (the root in full, others as inputs), failing sites, arrows."""
    with service.store.reading() as cursor:
        state = SqlState(cursor)
        lineage = upstream(state, lot_id)
        status = {}
        failing: set[str] = set()
        for lot in lineage.lots:
            reasons = check_eligibility(state, lot).reasons
            if lot != lot_id:
                reasons = [r for r in reasons if r.code != "lot_criteria_unverified"]
            status[f"lot:{lot}"] = "ineligible" if reasons else "eligible"
            failing |= {r.subject for r in reasons if r.code == "origin_not_certified"}
        origins = state.links_from(LOT_ORIGIN, lineage.lots)
    arrows = {(f"lot:{i}", f"lot:{o}") for o, i in lineage.edges}
    arrows |= {(site, f"lot:{lot}") for lot, site in origins}
    sites = {site for _lot, site in origins}
    for site in sites:
        status[site] = "ineligible" if site in failing else "eligible"
    return status, failing, arrows


@pytest.mark.parametrize("lang", ["es", "en"])
def test_one_box_per_lot_and_site_coloured_by_eligibility(
    demo: tuple[Settings, dict[str, Any], LedgerService], lang: str
) -> None:
    _cfg, summary, service = demo
    seen_status: set[str] = set()
    for lot_id in (
        summary["coffee_export_lot"],
        summary["coffee_export_certified_lot"],
        summary["honey_drums_lot"],
        summary["cacao_dry_lot"],
    ):
        svg, picture = _picture_svg(service, lot_id, lang, max_per_column=1000)
        boxes = _boxes(svg)
        status, _failing, arrows = _expected(service, lot_id)
        assert set(boxes) == set(status), lot_id
        assert picture.lots + picture.sites == len(status)
        paths = ET.fromstring(svg).iter(f"{SVG}path")  # noqa: S314
        drawn = {
            (p.attrib["data-from"], p.attrib["data-to"]) for p in paths if "data-to" in p.attrib
        }
        assert drawn == arrows
        for key, box in boxes.items():
            assert box.attrib["data-status"] == status[key], key
            rect = box.find(f"{SVG}rect")
            assert rect is not None
            fill, stroke = STATUS_COLOURS[status[key]]
            assert (rect.attrib["fill"], rect.attrib["stroke"]) == (fill, stroke)
            assert WORDS[lang][status[key]] in _texts(box)
            assert _texts(box)[0] == key.split(":", 1)[1]
        seen_status |= set(status.values())
        root = boxes[f"lot:{lot_id}"]
        assert root.find(f"{SVG}rect").attrib["stroke-width"] == "3"  # type: ignore[union-attr]
    assert seen_status == {"eligible", "ineligible"}

    main, _ = _picture_svg(service, summary["coffee_export_lot"], lang, max_per_column=1000)
    boxes = _boxes(main)
    assert boxes[f"lot:{summary['coffee_export_lot']}"].attrib["data-status"] == "ineligible"
    failing = {f"plot:{p}" for p in summary["coffee_failing_plots"]}
    red_plots = {k for k, b in boxes.items() if k.startswith("plot:")}
    red_plots = {k for k in red_plots if boxes[k].attrib["data-status"] == "ineligible"}
    assert red_plots == failing
    for lot_id in (summary["coffee_export_certified_lot"], summary["honey_drums_lot"]):
        svg, _ = _picture_svg(service, lot_id, lang)
        drawn = {k: b for k, b in _boxes(svg).items() if not k.startswith("more:")}
        assert {b.attrib["data-status"] for b in drawn.values()} == {"eligible"}, lot_id


def test_default_drawing_is_bounded_and_shows_the_problems(
    demo: tuple[Settings, dict[str, Any], LedgerService],
) -> None:
    _cfg, summary, service = demo
    lot_id = summary["coffee_export_lot"]
    status, failing, _arrows = _expected(service, lot_id)
    svg = render_lineage_svg(service, lot_id)
    root = ET.fromstring(svg)  # noqa: S314
    assert root.attrib["lang"] == "es"
    boxes = _boxes(svg)
    more = {k: b for k, b in boxes.items() if k.startswith("more:")}
    assert more, "the 40 cherry lots cannot all be drawn"
    hidden = 0
    for box in more.values():
        first = _texts(box)[0]
        assert first.startswith("+") and first.endswith(" más")
        hidden += int(first[1:].split()[0])
    shown = set(boxes) - set(more)
    assert len(shown) + hidden == len(status)
    columns: dict[str, int] = {}
    for box in boxes.values():
        x = box.find(f"{SVG}rect").attrib["x"]  # type: ignore[union-attr]
        columns[x] = columns.get(x, 0) + 1
    assert max(columns.values()) <= 16
    assert failing <= shown  # problems are shown before successes
    assert all(boxes[k].attrib["data-status"] == status[k] for k in shown)
    legend = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Leyenda" in legend and "sin determinar" in legend

    english = render_lineage_svg(service, lot_id, lang="en")
    assert "Legend" in english and "+N more: grouped boxes" in english
    with pytest.raises(ValueError, match="expected lang 'es' or 'en'"):
        render_lineage_svg(service, lot_id, lang="fr")
    with pytest.raises(EntryNotFoundError):
        render_lineage_svg(service, "no-such-lot")

    with service.store.read_state() as state:
        layers = len(lineage_picture(state, lot_id).columns)
    assert layers > 4
    folded, picture = _picture_svg(service, lot_id, max_columns=4)
    assert len(picture.columns) == 4
    assert picture.headings[2] == ("col.folded", layers - 3)
    assert f"Proceso ({layers - 3} pasos)" in folded
    [middle] = picture.columns[2]  # every lot of the folded steps is in one "+N" box
    assert middle.kind == "more" and f"+{len(middle.hidden)} más" in folded
    assert sum(len(c) if c[0].kind != "more" else len(c[0].hidden) for c in picture.columns) < (
        len(status)
    )  # the other columns still collapse past 16


def test_a_10000_lot_lineage_stays_bounded() -> None:
    from bench.bench_supply import SupplyScript
    from bench.bulk import LedgerBuilder
    from ledger.catalog import core_registry

    script = SupplyScript("svg-test")
    statements, export_lot, levels = script.chain("x", 10_000)
    builder = LedgerBuilder(core_registry())
    builder.add_all([*script.setup(), *statements])
    assert sum(n for _name, n in levels) > 10_000
    picture = lineage_picture(builder.state, export_lot)
    assert all(len(column) <= 16 for column in picture.columns)
    assert picture.lots == sum(n for _name, n in levels)
    svg = draw_lineage_svg(picture, "en")
    boxes = _boxes(svg)
    hidden = sum(
        int(_texts(b)[0][1:].split()[0]) for k, b in boxes.items() if k.startswith("more:")
    )
    assert len(boxes) - sum(k.startswith("more:") for k in boxes) + hidden == (
        picture.lots + picture.sites
    )
    assert len(svg) < 400_000
    assert "+9985 more" in svg  # harvest lots: 15 drawn


def test_text_is_escaped() -> None:
    nasty = 'a<b>&"c\x01'
    node = PictureNode("lot:x<1>", "lot", 0, doc={"form": nasty, "quantity_g": 1500})
    picture = LineagePicture("x<1>", [[node]], [("col.lot", 0)], [], 1, 0)
    svg = draw_lineage_svg(picture, "en")
    root = ET.fromstring(svg)  # noqa: S314 - parses: everything was escaped
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Lineage of lot x<1>" in texts
    assert 'a<b>&"c · 1.5 kg' in texts  # the control character is dropped
    assert "<b>" not in svg


def test_http_cli_and_raster(
    demo: tuple[Settings, dict[str, Any], LedgerService], db_url: str
) -> None:
    cfg, summary, service = demo
    lot_id = summary["coffee_export_certified_lot"]
    client = TestClient(create_app(cfg, service))
    response = client.get(f"/api/v1/lots/{lot_id}/trail", params={"format": "svg"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text == render_lineage_svg(service, lot_id)
    missing = client.get("/api/v1/lots/no-such-lot/trail", params={"format": "svg"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"

    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env.update(NO_COLOR="1", BIOTRAZA_DATA_DIR=str(cfg.data_dir), BIOTRAZA_DATABASE_URL=db_url)
    out = cfg.data_dir / "picture.svg"
    run = subprocess.run(
        [str(BIOTRAZA), "export", "trail", lot_id, "-f", "svg", "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert out.read_text(encoding="utf-8") == response.text

    main = render_lineage_svg(service, summary["coffee_export_lot"])
    png = bytes(resvg_py.svg_to_bytes(svg_string=main))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    raster = Image.open(io.BytesIO(png)).convert("RGB")
    assert raster.size[0] > 1000 and raster.size[1] > 600
    colours = {c for _n, c in raster.getcolors(1 << 22) or []}
    for status in ("eligible", "ineligible"):
        fill = STATUS_COLOURS[status][0]
        assert tuple(int(fill[i : i + 2], 16) for i in (1, 3, 5)) in colours, status
