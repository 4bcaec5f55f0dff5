"""The EUDR geolocation export (``eudr-geojson``), on SQLite and PostgreSQL.

What each test proves:

* The demo's coffee export lots give one Feature per origin plot of their upstream lineage
  (the failing plots only in the ineligible lot's file), WGS 84 ``[lon, lat]``: the ledger's
  coordinates truncated to exactly 6 decimals, closed single-ring polygons, and only the EUDR
  properties (``ProducerCountry`` MX, ``Area`` = the declared ha, ``ProductionPlace`` = plot
  and municipality; no ``ProducerName`` without consent). Their plots all carry
  deforestation-free evidence: no warnings, nothing refused.
* The cacao lot mixes points (≤ 4 ha) and polygons, as recorded, and warns for each plot
  that has no deforestation evidence; over HTTP the file is ``application/geo+json``.
* Honey is refused (422 envelope naming ``lot_id``; CLI exit 1, one line), an unknown lot
  is 404.
* A 5 ha plot recorded only as a point is refused by the ledger at registration; the
  exporter refuses such a plot document too (and one without geometry), naming the plot,
  and a lot whose plot was admitted before the EUDR rules lists it under ``refused``.
* Forest evidence: the *latest* ``deforestation_free_since_2020_12_31`` record decides; a
  ``false`` after an earlier ``true`` warns in the file and on the CLI, a ``true`` after an
  earlier ``false`` does not.
* The Feature shown in ``docs/eudr.md`` is byte for byte what the exporter writes.
* Producer names: only with ``producer_names`` and only for a producer whose personal data
  consents and still hashes to the ledger's ``pii_hash``; others carry no ``ProducerName``,
  and a warning counts them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import build_demo
from api.exports.base import ExportError, ExportRequest
from api.exports.eudr import FORMAT, collect_eudr, plot_feature
from api.exports.registry import export_format
from api.services.ledger import LedgerService
from api.services.supply import erase_personal_data, register_producer
from api.settings import Settings
from ledger.errors import DomainRuleError, EntryNotFoundError
from ledger.storage.sql.personal import PersonalDataStore
from ledger.storage.sql.store import SqlState
from ledger.supply.geo import geodesic_area_ha
from ledger.supply.lineage import upstream
from ledger.supply.producers import new_salt, personal_data_hash
from tests.supply_factories import SupplyWorld, point, polygon_at, producer_body

BIOTRAZA = Path(sys.executable).with_name("biotraza")
PASSPHRASE = "eudr-test-passphrase"
DECIMALS = re.compile(r"-?\d+\.(\d+)")


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[tuple[Settings, dict[str, Any], LedgerService]]:
    """The demo ledger on this engine: settings, summary and an open service."""
    cfg = Settings(data_dir=tmp_path / "data", key_passphrase=PASSPHRASE, database_url=db_url)
    summary = build_demo(cfg)
    service = LedgerService.open(db_url, migrate=False)
    try:
        yield cfg, summary, service
    finally:
        service.close()


def _export(service: LedgerService, lot_id: str, **options: Any) -> tuple[str, list[str]]:
    """The file's text and the warnings told to the caller."""
    told: list[str] = []
    request = ExportRequest(lot_id=lot_id, on_warning=told.append, **options)
    text = b"".join(FORMAT.export(service, request)).decode()
    return text, told


def _docs(service: LedgerService, kind: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    with service.store.read_state() as state:
        return state.get_many(kind, ids)


def _geometry_texts(text: str) -> list[str]:
    """The raw text of each feature's geometry (it holds no nested object)."""
    return re.findall(r'"geometry":(\{[^{}]*\})', text)


def _truncated(geometry: dict[str, Any]) -> dict[str, Any]:
    """The geometry with each coordinate truncated toward zero to 6 decimals (by text)."""

    def cut(value: float) -> float:
        whole, _, fraction = repr(value).partition(".")
        return float(f"{whole}.{fraction[:6] or '0'}")

    if geometry["type"] == "Point":
        return {"type": "Point", "coordinates": [cut(v) for v in geometry["coordinates"]]}
    ring = [[cut(lon), cut(lat)] for lon, lat in geometry["coordinates"][0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _check_file(service: LedgerService, text: str, lot_id: str) -> dict[str, Any]:
    """Assertions every EUDR file must pass; returns the parsed collection."""
    doc: dict[str, Any] = json.loads(text)
    assert doc["type"] == "FeatureCollection"
    assert doc["lot_id"] == lot_id
    with service.store.reading() as cursor:
        lineage = upstream(SqlState(cursor), lot_id)
    plots = _docs(service, "plot", lineage.plots)
    assert [f["id"] for f in doc["features"]] == sorted(lineage.plots)
    orgs = _docs(service, "org", sorted({p["org_id"] for p in plots.values()}))
    for feature in doc["features"]:
        plot = plots[feature["id"]]
        geometry = feature["geometry"]
        assert feature["type"] == "Feature"
        assert geometry == _truncated(plot["geometry"])  # as the EU system stores it
        assert set(feature["properties"]) == {"ProducerCountry", "ProductionPlace", "Area"}
        props = feature["properties"]
        assert props["ProducerCountry"] == orgs[plot["org_id"]].get("country", "MX") == "MX"
        assert props["Area"] == plot["area_ha"]
        assert props["ProductionPlace"] == f"{plot['plot_id']}, {plot['municipality']}"
        if plot["area_ha"] > 4:
            assert geometry["type"] == "Polygon"
        if geometry["type"] == "Polygon":
            [ring] = geometry["coordinates"]
            assert len(ring) >= 4 and ring[0] == ring[-1]
            positions = ring
        else:
            assert geometry["type"] == "Point"
            positions = [geometry["coordinates"]]
        for lon, lat in positions:  # southern Mexico: lon ≈ −93, lat ≈ 15–19
            assert -94 < lon < -90 and 14 < lat < 20
    geometry_texts = _geometry_texts(text)
    assert len(geometry_texts) == len(doc["features"])
    numbers = [m for g in geometry_texts for m in DECIMALS.findall(g.split('"coordinates":')[1])]
    assert numbers and all(len(decimals) == 6 for decimals in numbers)
    assert len(numbers) == sum(
        2 * (len(f["geometry"]["coordinates"][0]) if f["geometry"]["type"] == "Polygon" else 1)
        for f in doc["features"]
    )  # every coordinate is a plain decimal (no exponent, no integer)
    return doc


def test_coffee_export_lots(demo: tuple[Settings, dict[str, Any], LedgerService]) -> None:
    _cfg, summary, service = demo
    eligible = summary["coffee_export_certified_lot"]
    assert eligible == "cs-export-2526-002"
    text, told = _export(service, eligible)
    doc = _check_file(service, text, eligible)
    assert doc["product"] == "coffee" and doc["warnings"] == [] and told == []
    assert doc["refused"] == []
    assert {f["geometry"]["type"] for f in doc["features"]} == {"Polygon"}
    assert not {f["id"] for f in doc["features"]} & set(summary["coffee_failing_plots"])

    main = summary["coffee_export_lot"]
    text, told = _export(service, main)
    doc = _check_file(service, text, main)
    ids = {f["id"] for f in doc["features"]}
    assert len(ids) == 20 and set(summary["coffee_failing_plots"]) <= ids
    assert doc["warnings"] == [] and told == []


def test_cacao_points_and_polygons_warn_without_evidence(
    demo: tuple[Settings, dict[str, Any], LedgerService],
) -> None:
    cfg, summary, service = demo
    lot = summary["cacao_dry_lot"]
    client = TestClient(create_app(cfg, service))
    response = client.get(f"/api/v1/lots/{lot}/trail", params={"format": "eudr-geojson"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    assert response.headers["content-disposition"].endswith('.geojson"')
    doc = _check_file(service, response.text, lot)
    kinds = {f["geometry"]["type"] for f in doc["features"]}
    assert kinds == {"Point", "Polygon"}
    assert all(
        f["properties"]["Area"] <= 4 for f in doc["features"] if f["geometry"]["type"] == "Point"
    )
    assert [(w["code"], w["subject"]) for w in doc["warnings"]] == [
        ("no_deforestation_evidence", f"plot:{f['id']}") for f in doc["features"]
    ]
    assert all(w["message_es"].startswith("parcela ") for w in doc["warnings"])


def test_honey_and_unknown_lots_are_refused(
    demo: tuple[Settings, dict[str, Any], LedgerService],
) -> None:
    cfg, summary, service = demo
    honey = summary["honey_drums_lot"]
    client = TestClient(create_app(cfg, service))
    response = client.get(f"/api/v1/lots/{honey}/trail", params={"format": "eudr-geojson"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "export_refused"
    assert "honey, not an EUDR commodity" in error["message"] and "2023/1115" in error["message"]
    assert error["fields"] == [{"field": "lot_id", "reason": error["message"]}]

    response = client.get("/api/v1/lots/no-such-lot/trail", params={"format": "eudr-geojson"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    with pytest.raises(EntryNotFoundError):
        collect_eudr(service, "no-such-lot")

    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env.update(
        NO_COLOR="1",
        COLUMNS="200",
        BIOTRAZA_DATA_DIR=str(cfg.data_dir),
        BIOTRAZA_DATABASE_URL=str(cfg.database_url),
    )
    out = cfg.data_dir / "honey.geojson"
    run = subprocess.run(
        [str(BIOTRAZA), "export", "trail", honey, "-f", "eudr-geojson", "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "error: lot mc-drums-2026-001 is honey" in run.stderr
    assert "Traceback" not in run.stderr and not out.exists()


# --------------------------------------------------------------------------- plot rules


def _world(service: LedgerService) -> SupplyWorld:
    return SupplyWorld(service.store, service.registry, ("coop-a",))


def test_a_5_ha_point_is_refused_by_the_ledger_and_the_exporter(service: LedgerService) -> None:
    w = _world(service)
    w.producer("coop-a", "p1")
    with pytest.raises(DomainRuleError, match="expected a 'Polygon' for a plot above 4 ha") as err:
        w.plot("coop-a", "big-point", "p1", geometry=point(), area_ha=5)
    assert err.value.field == "statement.body.geometry"
    assert service.store.state_get("plot", "big-point") is None

    recorded = {
        "plot_id": "big-point",
        "area_ha": 5,
        "geometry": point(-92.6012345, 15.6),
        "municipality": "Siltepec",
    }
    with pytest.raises(ExportError, match="plot big-point geometry: .*Polygon. for a plot above 4"):
        plot_feature(recorded, producer_name="Coop")
    with pytest.raises(ExportError, match="plot no-geo has no recorded geometry") as missing:
        plot_feature({**recorded, "plot_id": "no-geo", "geometry": None}, producer_name="Coop")
    assert missing.value.field == "plots.no-geo.geometry"
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(ExportError, match="plot bad geometry: .*self-intersection"):
        plot_feature({**recorded, "plot_id": "bad", "geometry": bow_tie}, producer_name="C")

    line = {"type": "LineString", "coordinates": [[-92.6, 15.6], [-92.59, 15.61]]}
    with pytest.raises(ExportError, match="plot line geometry: .*lines do not delimit a plot"):
        plot_feature({**recorded, "plot_id": "line", "geometry": line}, producer_name="C")
    ring, _area = polygon_at(0)
    holed = {"type": "Polygon", "coordinates": [*ring["coordinates"], ring["coordinates"][0]]}
    with pytest.raises(ExportError, match="plot holed geometry: .*EUDR forbids holes"):
        plot_feature({**recorded, "plot_id": "holed", "geometry": holed}, producer_name="C")

    small = plot_feature({**recorded, "area_ha": 4}, producer_name="Coop")
    assert '"coordinates":[-92.601234,15.600000]' in small


def test_the_documented_feature_is_what_the_exporter_writes() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "eudr.md").read_text(encoding="utf-8")
    [example] = re.findall(r"<!-- example:feature -->\n```\n(.*?)\n```", doc, flags=re.S)
    plot = {
        "plot_id": "cc-plot02",
        "area_ha": 2.4,
        "geometry": {"type": "Point", "coordinates": [-93.15, 18.2361234]},
        "municipality": "Comalcalco",
    }
    assert plot_feature(plot, producer_name="María López Pérez") == example


def _forest(w: SupplyWorld, plot: str, value: object, observed_on: str, tag: str) -> None:
    w.submit(
        "coop-a",
        "evidence.recorded",
        {
            "evidence_id": f"forest-{plot}-{tag}",
            "subject_kind": "plot",
            "subject_id": plot,
            "field": "deforestation_free_since_2020_12_31",
            "value": value,
            "observed_on": observed_on,
            "method": "overlay with forest-cover layers, confirmed in the field",
        },
    )


def test_forest_change_after_the_cutoff_warns(
    service: LedgerService, db_url: str, tmp_path: Path
) -> None:
    w = _world(service)
    for i, plot in enumerate(("pl-cleared", "pl-restored", "pl-clean", "pl-unclear")):
        w.producer("coop-a", f"p{i}")
        geometry, _area = polygon_at(i)
        w.plot("coop-a", plot, f"p{i}", geometry=geometry)
    _forest(w, "pl-cleared", True, "2025-06-01", "a")
    _forest(w, "pl-cleared", False, "2026-01-20", "b")  # latest: forest lost after 2020
    _forest(w, "pl-restored", False, "2025-06-01", "a")
    _forest(w, "pl-restored", True, "2026-01-20", "b")  # latest: deforestation-free
    _forest(w, "pl-clean", True, "2026-01-20", "a")
    _forest(w, "pl-unclear", "2023-05-10", "2026-01-20", "a")  # a date is not a yes/no
    origins = {"pl-cleared": 100, "pl-restored": 100, "pl-clean": 100, "pl-unclear": 100}
    w.harvest("coop-a", "h1", origins)

    text, told = _export(service, "h1")
    doc = _check_file(service, text, "h1")
    assert [(x["code"], x["subject"]) for x in doc["warnings"]] == [
        ("deforestation_after_cutoff", "plot:pl-cleared"),
        ("deforestation_evidence_unclear", "plot:pl-unclear"),
    ]
    warning, unclear = doc["warnings"]
    assert '"2023-05-10", not true or false' in unclear["message_en"]
    assert "2020-12-31" in warning["message_en"] and "2026-01-20" in warning["message_en"]
    assert "después del 2020-12-31" in warning["message_es"]
    assert told == [f"{x['message_en']}\n  aviso: {x['message_es']}" for x in (warning, unclear)]

    # The CLI prints the warning and still writes the file.
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env.update(
        NO_COLOR="1",
        COLUMNS="300",
        BIOTRAZA_DATA_DIR=str(tmp_path / "data"),
        BIOTRAZA_DATABASE_URL=db_url,
    )
    out = tmp_path / "h1.geojson"
    run = subprocess.run(
        [str(BIOTRAZA), "export", "trail", "h1", "--format", "eudr-geojson", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "warning: plot pl-cleared: the latest forest evidence" in run.stderr
    assert "aviso: parcela pl-cleared" in run.stderr
    assert json.loads(out.read_text()) == doc


def _register(
    service: LedgerService, w: SupplyWorld, producer_id: str, name: str, consent: bool
) -> None:
    salt = new_salt()
    data = {
        "name": name,
        "curp": None,
        "phone": None,
        "email": None,
        "consent_to_publish_name": consent,
    }
    body = producer_body(producer_id, pii_hash=personal_data_hash(salt, data))
    register_producer(service, w.sign("coop-a", "producer.registered", body), data, salt)


def test_producer_names_only_with_consent(service: LedgerService) -> None:
    w = _world(service)
    _register(service, w, "p-yes", "María López Pérez", consent=True)
    _register(service, w, "p-no", "Juan Gómez Ruiz", consent=False)
    _register(service, w, "p-forged", "Ana Díaz Cruz", consent=False)
    for i, producer in enumerate(("p-yes", "p-no", "p-forged")):
        geometry, _area = polygon_at(i)
        w.plot("coop-a", f"pl-{producer}", producer, geometry=geometry)
        _forest(w, f"pl-{producer}", True, "2026-01-20", "a")
    w.harvest("coop-a", "h1", {"pl-p-yes": 100, "pl-p-no": 100, "pl-p-forged": 100})
    # Someone flips consent in the side table; the ledger's pii_hash still says no.
    personal = PersonalDataStore(service.engine)
    stored = personal.get("p-forged")
    assert stored is not None
    personal.record(
        "p-forged", "coop-a", {**stored.data, "consent_to_publish_name": True}, stored.salt
    )

    association = None
    text, told = _export(service, "h1")
    names = {f["id"]: f["properties"].get("ProducerName") for f in json.loads(text)["features"]}
    assert names == dict.fromkeys(("pl-p-forged", "pl-p-no", "pl-p-yes"), association)
    assert told == []

    text, told = _export(service, "h1", producer_names=True)
    doc = json.loads(text)
    names = {f["id"]: f["properties"].get("ProducerName") for f in doc["features"]}
    assert names == {
        "pl-p-yes": "María López Pérez",
        "pl-p-no": association,
        "pl-p-forged": association,
    }
    assert [x["code"] for x in doc["warnings"]] == ["producer_name_withheld"]
    assert doc["warnings"][0]["message_en"].startswith("2 of 3 plots")
    assert len(told) == 1
    assert export_format("eudr-geojson") is FORMAT

    assert erase_personal_data(service, "p-yes")  # erased: no name, no consent
    text, told = _export(service, "h1", producer_names=True)
    names = {f["id"]: f["properties"].get("ProducerName") for f in json.loads(text)["features"]}
    assert names["pl-p-yes"] == association
    assert "3 of 3 plots" in json.loads(text)["warnings"][0]["message_en"]


def test_plots_admitted_before_the_eudr_rules_are_listed_as_refused(
    service: LedgerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = _world(service)
    w.producer("coop-a", "p1")
    w.producer("coop-a", "p2")
    good, _area = polygon_at(0)
    w.plot("coop-a", "pl-good", "p1", geometry=good)
    # A ring that truncation flattens into a line (fine when rounded), recorded as if before
    # the EUDR admission rule existed: the rule is switched off only for this one append.
    ring = [[-92.6, 15.6], [-92.59, 15.6], [-92.595, 15.6000009], [-92.6, 15.6]]
    area = round(geodesic_area_ha(ring), 6)
    with monkeypatch.context() as patched:
        patched.setattr("ledger.supply.sites._check_eudr", lambda *_args: None)
        w.plot("coop-a", "pl-old", "p2", geometry={"type": "Polygon", "coordinates": [ring]},
               area_ha=area)  # fmt: skip
    w.harvest("coop-a", "h1", {"pl-good": 100, "pl-old": 10})

    text, told = _export(service, "h1")
    doc = json.loads(text)
    assert [f["id"] for f in doc["features"]] == ["pl-good"]
    [refused] = doc["refused"]
    assert refused["plot_id"] == "pl-old" and refused["field"] == "plots.pl-old.geometry"
    assert "after truncation to 6 decimals" in refused["reason"]
    codes = [(x["code"], x["subject"]) for x in doc["warnings"]]
    assert ("plot_refused", "plot:pl-old") in codes
    assert any("parcela pl-old queda fuera" in line for line in told)
