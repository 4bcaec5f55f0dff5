"""``biotraza eudr …`` and ``/api/v1/lots/{id}/eudr/…`` on the demo ledger, end to end.

What each test proves:

* HTTP: ``check`` lists the coffee lot's 20 accepted plots and its one statement; honey gets
  ``eudr_commodity: false`` with the reason in English and Spanish; an unknown lot is 404.
  ``POST …/eudr/dds`` answers schema-valid request XML; an option the schema refuses, or an
  unknown option, is a 422 naming the field. ``statements`` lists what was recorded.
* CLI: ``eudr check`` on honey exits 1 saying why; ``eudr dds`` writes a schema-valid file;
  ``eudr credentials set`` reads the key from stdin and ``show`` never prints it; ``eudr
  submit`` (against the local IS server, credentials from the environment) records the UUID
  and, after polling, the reference and verification numbers, which the API then lists;
  ``eudr verify`` says EXISTING_USABLE; a fault from the service is one ``error:`` line.
* The recorded numbers travel with the lot: the trail bundle carries both
  ``eudr.dds_recorded`` entries and still verifies offline (the auditor re-derives the same
  scope); the EPCIS export puts the DDS on the lot's events (``bizTransactionList`` and
  ``biotraza:eudrStatements``); the buyer's page shows them in Spanish and English.
* The DDS package (API and CLI): one ZIP with the GeoJSON (equal to the export), the
  schema-valid request, a trail bundle that verifies offline, the summary and a README
  that says in both languages that the risk report is not included; split lots get one
  GeoJSON and one request per statement, every plot in exactly one; honey is refused.
  With forest layers (API ``forest_layers`` named in the server's folder, CLI
  ``--baseline``) the package carries the risk report as JSON and in Spanish and English,
  the plot under a dated 2023 loss polygon needing attention; an unknown layer name is a
  422 naming ``forest_layers.baseline``, a missing file a one-line CLI error.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from rasterio.transform import from_origin
from shapely import unary_union
from shapely.geometry import shape

from api.app import create_app, load_operator_key
from api.demo import build_demo
from api.eudr.dds import DdsOptions
from api.eudr.package import build_package
from api.exports.eudr import collect_eudr
from api.exports.trail import TRAIL_EXTENSIONS
from api.services.ledger import LedgerService
from api.settings import Settings
from tests.deforestation_maps import loss_polygons, write_tif
from tests.eudr_local_is import LocalIS, start, stop
from tests.eudr_xsd import dds_errors
from verifiers.audit import check_bundle

BIOTRAZA = Path(sys.executable).with_name("biotraza")
PASSPHRASE = "eudr-cli-test-passphrase"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, dict[str, Any]]]:
    """The demo ledger on embedded SQLite, with its key store."""
    root = tmp_path_factory.mktemp("eudr-cli")
    cfg = Settings(data_dir=root / "data", key_passphrase=PASSPHRASE,
                   database_url=f"sqlite:///{root / 'ledger.db'}")  # fmt: skip
    yield cfg, build_demo(cfg)


@pytest.fixture(scope="module")
def opened(demo: tuple[Settings, dict[str, Any]]) -> Iterator[tuple[LedgerService, TestClient]]:
    """The demo behind an app whose service holds the operator key (bundles need checkpoints)."""
    cfg, _summary = demo
    service = LedgerService.open(
        str(cfg.database_url), migrate=False, operator_key=load_operator_key(cfg)
    )
    try:
        yield service, TestClient(create_app(cfg, service))
    finally:
        service.close()


@pytest.fixture(scope="module")
def client(opened: tuple[LedgerService, TestClient]) -> TestClient:
    return opened[1]


def _run(
    cfg: Settings, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    environment.update(NO_COLOR="1", COLUMNS="200", BIOTRAZA_DATA_DIR=str(cfg.data_dir),
                       BIOTRAZA_DATABASE_URL=str(cfg.database_url),
                       BIOTRAZA_KEY_PASSPHRASE=PASSPHRASE, **env)  # fmt: skip
    return subprocess.run([str(BIOTRAZA), *args], env=environment, input=stdin,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_http_check_dds_and_statements(
    demo: tuple[Settings, dict[str, Any]], client: TestClient
) -> None:
    _cfg, summary = demo
    lot = summary["coffee_export_certified_lot"]
    report = client.get(f"/api/v1/lots/{summary['coffee_export_lot']}/eudr/check").json()
    assert report["eudr_commodity"] is True and report["commodity"] == "coffee"
    assert (report["plots"], report["accepted"], report["refused"]) == (20, 20, [])
    assert len(report["statements"]) == 1 and report["statements"][0]["producers"] == 20

    honey = client.get(f"/api/v1/lots/{summary['honey_drums_lot']}/eudr/check")
    assert honey.status_code == 200
    assert honey.json()["eudr_commodity"] is False
    assert "honey is not an EUDR commodity" in honey.json()["message_en"]
    assert "la miel no es una materia prima del EUDR" in honey.json()["message_es"]
    assert client.get("/api/v1/lots/nope/eudr/check").status_code == 404

    answer = client.post(f"/api/v1/lots/{lot}/eudr/dds", json={"country_of_activity": "DE"})
    assert answer.status_code == 200, answer.text
    [request] = answer.json()["requests"]
    assert request["internal_reference"] == lot
    assert dds_errors(request["xml"].encode()) == []

    bad = client.post(f"/api/v1/lots/{lot}/eudr/dds", json={"country_of_activity": "MX"})
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "country_of_activity"
    unknown = client.post(f"/api/v1/lots/{lot}/eudr/dds", json={"eori": "X"})
    assert unknown.status_code == 400 and "eori" in unknown.text  # the app: bad request shape
    honey_dds = client.post(f"/api/v1/lots/{summary['honey_drums_lot']}/eudr/dds", json={})
    assert honey_dds.status_code == 422 and "not an EUDR commodity" in honey_dds.text

    listed = client.get(f"/api/v1/lots/{lot}/eudr/statements").json()
    assert listed["count"] == 0
    assert client.get("/api/v1/lots/nope/eudr/statements").status_code == 404


def test_cli_from_check_to_a_recorded_statement(
    demo: tuple[Settings, dict[str, Any]], opened: tuple[LedgerService, TestClient], tmp_path: Path
) -> None:
    cfg, summary = demo
    service, client = opened
    honey = _run(cfg, "eudr", "check", summary["honey_drums_lot"])
    assert honey.returncode == 1 and "not an EUDR commodity" in honey.stdout

    lot = summary["coffee_export_lot"]
    target = tmp_path / "dds.xml"
    written = _run(cfg, "eudr", "dds", lot, "--country", "NL", "-o", str(target))
    assert written.returncode == 0, written.stderr
    assert dds_errors(target.read_bytes()) == [] and f"{lot}: 20 plots" in written.stdout
    bad = _run(cfg, "eudr", "dds", lot, "--hs", "1801", "-o", str(target))
    assert bad.returncode == 1 and "hs_heading: expected one of 0901" in bad.stderr
    assert "Traceback" not in bad.stderr

    local_is = start(LocalIS())
    try:
        stored = _run(cfg, "eudr", "credentials", "set", "--username", local_is.username,
                      "--client-id", local_is.client_id, "--auth-key-file", "-",
                      "--endpoint", local_is.endpoint, stdin=local_is.auth_key + "\n")  # fmt: skip
        assert stored.returncode == 0, stored.stderr
        shown = _run(cfg, "eudr", "credentials", "show")
        assert shown.returncode == 0 and local_is.username in shown.stdout
        assert local_is.auth_key not in shown.stdout + shown.stderr
        assert '"source": "key store"' in shown.stdout

        done = _run(cfg, "eudr", "submit", lot, "--signer", "org-exportadora", "--country", "NL")
        assert done.returncode == 0, done.stderr
        assert local_is.auth_key not in done.stdout + done.stderr
        assert "SUBMITTED" in done.stdout and "AVAILABLE" in done.stdout
        [doc] = client.get(f"/api/v1/lots/{lot}/eudr/statements").json()["data"]
        [known] = local_is.statements.values()
        assert doc["reference_number"] == known.reference_number
        assert doc["verification_number"] == known.verification_number
        assert doc["environment"] == "test" and doc["org_id"] == "exportadora-soconusco"

        verified = _run(cfg, "eudr", "verify", doc["reference_number"], doc["verification_number"])
        assert verified.returncode == 0 and "EXISTING_USABLE (AVAILABLE)" in verified.stdout

        wrong = _run(cfg, "eudr", "verify", "X", "Y", BIOTRAZA_EUDR_USERNAME="someone",
                     BIOTRAZA_EUDR_AUTH_KEY="wrong-key", BIOTRAZA_EUDR_CLIENT_ID="eudr-test",
                     BIOTRAZA_EUDR_ENDPOINT=local_is.endpoint)  # fmt: skip
        assert wrong.returncode == 1 and "error: the EU system refused it" in wrong.stderr
        assert "Authentication failed" in wrong.stderr and "wrong-key" not in wrong.stderr
        _travels(service, client, lot, doc)
        assert _run(cfg, "eudr", "credentials", "forget").returncode == 0
        missing = _run(cfg, "eudr", "poll", lot, "--signer", "org-exportadora")
        assert missing.returncode == 1 and "no EUDR credentials" in missing.stderr
    finally:
        stop(local_is)


def _travels(service: LedgerService, client: TestClient, lot: str, doc: dict[str, Any]) -> None:
    """The recorded statement is in the lot's bundle, EPCIS events and pages."""
    assert service.checkpointer is not None
    service.checkpointer.tick()  # cover the entries the CLI just appended
    bundle = client.get(f"/api/v1/lots/{lot}/trail", params={"format": "bundle"})
    assert bundle.status_code == 200, bundle.text
    leaves = [json.loads(e["leaf"])["statement"] for e in json.loads(bundle.content)["entries"]]
    recorded = [s["body"]["status"] for s in leaves if s["type"] == "eudr.dds_recorded"]
    assert recorded == ["SUBMITTED", "AVAILABLE"]
    report = check_bundle(bundle.content, service.registry, service.log_info().verifier_key,
                          extensions=TRAIL_EXTENSIONS)  # fmt: skip
    assert report, [str(f) for f in report.failures]

    epcis = client.get(f"/api/v1/lots/{lot}/trail", params={"format": "epcis"}).json()
    carrying = [
        event for event in epcis["epcisBody"]["eventList"]
        if any(b["type"].endswith("/btt/eudrDueDiligenceStatement")
               for b in event.get("bizTransactionList", []))
    ]  # fmt: skip
    assert {e["bizStep"] for e in carrying} >= {"shipping"}
    [extension] = carrying[0]["biotraza:eudrStatements"]
    assert extension["biotraza:referenceNumber"] == doc["reference_number"]
    assert extension["biotraza:verificationNumber"] == doc["verification_number"]
    assert carrying[0]["bizTransactionList"][-1]["bizTransaction"].endswith(
        f"/eudr-dds/{doc['reference_number']}"
    )

    spanish = client.get(f"/lots/{lot}", params={"lang": "es"}).text
    assert "Declaración de diligencia debida (EUDR)" in spanish and "disponible" in spanish
    assert doc["reference_number"] in spanish and doc["verification_number"] in spanish
    english = client.get(f"/lots/{lot}", params={"lang": "en"}).text
    assert "Due diligence statement (EUDR)" in english and "Verification number" in english


def test_the_dds_package(
    demo: tuple[Settings, dict[str, Any]], opened: tuple[LedgerService, TestClient], tmp_path: Path
) -> None:
    cfg, summary = demo
    service, client = opened
    lot = summary["coffee_export_certified_lot"]
    assert service.checkpointer is not None
    service.checkpointer.tick()
    answer = client.post(f"/api/v1/lots/{lot}/eudr/package", json={"country_of_activity": "DE"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        names = set(archive.namelist())
        assert names == {f"{lot}.geojson", f"{lot}-dds.xml", f"{lot}-trail.bundle.json",
                         "summary.json", "LEEME-README.txt"}  # fmt: skip
        assert dds_errors(archive.read(f"{lot}-dds.xml")) == []
        geojson = json.loads(archive.read(f"{lot}.geojson"))
        exported = client.get(f"/api/v1/lots/{lot}/trail", params={"format": "eudr-geojson"})
        assert geojson == exported.json()
        bundle = archive.read(f"{lot}-trail.bundle.json")
        report = check_bundle(bundle, service.registry, service.log_info().verifier_key,
                              extensions=TRAIL_EXTENSIONS)  # fmt: skip
        assert report, [str(f) for f in report.failures]
        readme = archive.read("LEEME-README.txt").decode()
        assert "Deforestation risk report: NOT included" in readme
        assert "Informe de riesgo de deforestación: NO incluido" in readme
        assert json.loads(archive.read("summary.json"))["plots"] == len(geojson["features"])

    honey = client.post(f"/api/v1/lots/{summary['honey_drums_lot']}/eudr/package", json={})
    assert honey.status_code == 422 and "not an EUDR commodity" in honey.text

    split = build_package(service, summary["coffee_export_lot"], DdsOptions(max_producers=7))
    with zipfile.ZipFile(io.BytesIO(split)) as archive:
        base = summary["coffee_export_lot"]
        parts = [f"{base}-{k}of3.geojson" for k in (1, 2, 3)]
        assert set(parts + [f"{base}-dds-{k}of3.xml" for k in (1, 2, 3)]) <= set(archive.namelist())
        ids = [f["id"] for p in parts for f in json.loads(archive.read(p))["features"]]
        assert len(ids) == len(set(ids)) == 20

    target = tmp_path / "package.zip"
    made = _run(cfg, "eudr", "package", lot, "--country", "DE", "-o", str(target))
    assert made.returncode == 0, made.stderr
    assert zipfile.is_zipfile(target) and "Traceback" not in made.stderr


def test_the_dds_package_with_the_risk_report(
    demo: tuple[Settings, dict[str, Any]], opened: tuple[LedgerService, TestClient], tmp_path: Path
) -> None:
    cfg, summary = demo
    service, _client = opened
    lot = summary["coffee_export_certified_lot"]
    assert service.checkpointer is not None
    service.checkpointer.tick()
    features = json.loads(b"".join(collect_eudr(service, lot).chunks()))["features"]
    shapes = [shape(f["geometry"]) for f in features]
    west, south, east, north = unary_union(shapes).bounds
    folder = tmp_path / "layers"
    folder.mkdir()
    pixel = 0.0005
    width, height = int((east - west) / pixel) + 20, int((north - south) / pixel) + 20
    grid = from_origin(west - 10 * pixel, north + 10 * pixel, pixel, pixel)
    write_tif(folder / "gfc2020.tif", np.ones((height, width), dtype=np.uint8), transform=grid)
    first = features[0]
    loss_polygons(folder / "loss.geojson", [(shape(first["geometry"]).buffer(0.01).bounds,
                                             "2023-02-01")])  # fmt: skip

    app = TestClient(create_app(cfg.model_copy(update={"forest_layers_dir": folder}), service))
    body = {"country_of_activity": "DE",
            "forest_layers": {"baseline": "gfc2020.tif", "loss": ["loss.geojson"]}}  # fmt: skip
    answer = app.post(f"/api/v1/lots/{lot}/eudr/package", json=body)
    assert answer.status_code == 200, answer.text
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        risk = json.loads(archive.read(f"{lot}-deforestation.json"))
        assert risk["plots"] == len(features) and risk["needs_attention"] >= 1
        assert first["id"] in [p["plot_id"] for p in risk["attention"]]
        assert all(p["status"] == "loss_after_cutoff" for p in risk["attention"])
        spanish = archive.read(f"{lot}-riesgo-deforestacion.txt").decode()
        english = archive.read(f"{lot}-deforestation-risk.txt").decode()
        assert f"Informe de riesgo de deforestación — lote {lot}" in spanish
        assert f"Deforestation risk report — lot {lot}" in english
        readme = archive.read("LEEME-README.txt").decode()
        assert "deforestation risk report against\n  gfc2020.tif, loss.geojson" in readme
        assert "NO incluido" not in readme
        summary_json = json.loads(archive.read("summary.json"))
        assert summary_json["deforestation"]["needs_attention"] == risk["needs_attention"]
    unknown = app.post(f"/api/v1/lots/{lot}/eudr/package",
                       json={"forest_layers": {"baseline": "other.tif"}})  # fmt: skip
    assert unknown.status_code == 422
    assert unknown.json()["error"]["fields"][0]["field"] == "forest_layers.baseline"

    target = tmp_path / "package.zip"
    made = _run(cfg, "eudr", "package", lot, "--country", "DE", "-o", str(target),
                "--baseline", str(folder / "gfc2020.tif"))  # fmt: skip
    assert made.returncode == 0, made.stderr
    with zipfile.ZipFile(target) as archive:
        assert f"{lot}-deforestation-risk.txt" in archive.namelist()
    broken = _run(cfg, "eudr", "package", lot, "--baseline", str(tmp_path / "none.tif"))
    assert broken.returncode == 1 and "--baseline: no such file" in broken.stderr
    assert "Traceback" not in broken.stderr
