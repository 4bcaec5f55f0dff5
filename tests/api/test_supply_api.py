"""Supply-chain HTTP endpoints, personal data and its erasure, and rebuild, on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.ledger import LedgerService
from api.services.supply import erase_personal_data, personal_data
from api.settings import Settings
from ledger.keys import encode_public_key
from ledger.statements import SignedStatement, sign_statement
from ledger.supply.producers import new_salt, personal_data_hash
from tests.factories import TS, make_genesis, make_key, make_key_added

REGISTRAR, COOP = make_key("registrar"), make_key("org:coop-a")
SQUARE = {  # about 4.75 ha near Ángel Albino Corzo, Chiapas
    "type": "Polygon",
    "coordinates": [
        [[-92.6, 15.6], [-92.598, 15.6], [-92.598, 15.602], [-92.6, 15.602], [-92.6, 15.6]]
    ],
}
PERSON = {"name": "María López Pérez", "curp": "HEGG560427MVZRRL04", "phone": "+52 961 123 4567"}


def signed(key: Any, entry_type: str, body: dict[str, Any], nonce: str) -> SignedStatement:
    return sign_statement(key, entry_type, body, ts=TS, nonce=nonce)


def post(client: TestClient, statement: SignedStatement) -> dict[str, Any]:
    response = client.post("/api/v1/entries", json=statement.to_dict())
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def service(db_url: str) -> Iterator[LedgerService]:
    svc = LedgerService.open(db_url)
    try:
        svc.submit(make_genesis(make_key("root"), make_key("operator")))
        svc.submit(make_key_added(make_key("root"), REGISTRAR, role="registrar", name="reg"))
        yield svc
    finally:
        svc.close()


@pytest.fixture
def client(service: LedgerService, tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path, database_url="sqlite:///unused")
    app_client = TestClient(create_app(settings, service))
    org = {
        "org_id": "coop-a",
        "name": "Cooperativa Cafetalera Sierra Azul",
        "legal_form": "cooperativa",
        "state": "07",
        "municipality": "Ángel Albino Corzo",
        "landscape": "Sierra Madre de Chiapas",
        "public_key": encode_public_key(COOP),
    }
    post(app_client, signed(REGISTRAR, "org.registered", org, "org-coop-a"))
    return app_client


def register_producer(client: TestClient, producer_id: str, **over: Any) -> Any:
    salt = new_salt()
    sent_salt = over.pop("salt", salt)
    data = {**PERSON, "email": None, "consent_to_publish_name": False}
    body = {"producer_id": producer_id, "pii_hash": personal_data_hash(salt, data)}
    body.update(over.pop("body", {}))
    entry = signed(COOP, "producer.registered", body, f"producer-{producer_id}")
    payload = {
        "entry": entry.to_dict(),
        "personal_data": over.pop("data", PERSON),
        "salt": sent_salt,
    }
    return client.post("/api/v1/producers", json=payload)


def test_producer_with_personal_data_then_erasure(
    client: TestClient, service: LedgerService
) -> None:
    response = register_producer(client, "p1")
    assert response.status_code == 201, response.text
    public = client.get("/api/v1/producers/p1").json()
    assert public["org_id"] == "coop-a"
    assert "María" not in str(public) and "HEGG" not in str(public)
    entries = client.get("/api/v1/entries", params={"limit": 100}).text
    assert "María" not in entries and "HEGG560427" not in entries
    stored = personal_data(service, "p1")
    assert stored is not None and stored.data["name"] == PERSON["name"]
    assert personal_data_hash(stored.salt, stored.data) == public["pii_hash"]

    size_before = service.head().size
    assert erase_personal_data(service, "p1") is True
    assert personal_data(service, "p1") is None
    assert erase_personal_data(service, "p1") is False
    assert service.head().size == size_before
    assert service.verify().size == size_before
    assert client.get("/api/v1/producers/p1").json()["pii_hash"] == public["pii_hash"]


@pytest.mark.parametrize(
    ("over", "status", "field"),
    [
        ({"body": {"pii_hash": "00" * 32}}, 409, "statement.body.pii_hash"),
        ({"data": {**PERSON, "curp": "HEGG560427MVZRRL05"}}, 422, "personal_data.curp"),
        ({"data": {"curp": "HEGG560427MVZRRL04"}}, 422, "personal_data.name"),
        ({"salt": "xyz"}, 422, "salt"),
    ],
)
def test_bad_producer_registrations_are_refused(
    client: TestClient, service: LedgerService, over: dict[str, Any], status: int, field: str
) -> None:
    size = service.head().size
    response = register_producer(client, "p2", **over)
    assert response.status_code == status, response.text
    assert field in [f["field"] for f in response.json()["error"]["fields"]]
    assert service.head().size == size
    assert personal_data(service, "p2") is None


def test_lots_lineage_and_rebuild(client: TestClient, service: LedgerService) -> None:
    assert register_producer(client, "p1").status_code == 201
    plot = {
        "plot_id": "pl1",
        "producer_id": "p1",
        "product": "coffee",
        "area_ha": 4.75,
        "geometry": SQUARE,
    }
    post(client, signed(COOP, "plot.registered", plot, "plot-pl1"))
    harvest = {
        "lot_id": "h1",
        "product": "coffee",
        "form": "cherry",
        "quantity_kg": 1000,
        "harvested_from": "2026-01-10",
        "origins": [{"plot_id": "pl1", "quantity_kg": 1000}],
    }
    post(client, signed(COOP, "lot.harvested", harvest, "harvest-h1"))
    process = {
        "transformation_id": "t1",
        "kind": "process",
        "inputs": [{"lot_id": "h1", "quantity_kg": 1000}],
        "outputs": [{"lot_id": "pa1", "form": "parchment", "quantity_kg": 229.9}],
    }
    post(client, signed(COOP, "lot.transformed", process, "process-t1"))

    lot = client.get("/api/v1/lots/h1").json()
    assert (lot["quantity_kg"], lot["remaining_kg"], lot["status"]) == (1000, 0, "consumed")
    assert client.get("/api/v1/lots/pa1").json()["quantity_g"] == 229_900
    listed = client.get("/api/v1/lots", params={"form": "parchment"}).json()
    assert [item["lot_id"] for item in listed["data"]] == ["pa1"]
    up = client.get("/api/v1/lots/pa1/lineage").json()
    assert (up["lots"], up["plots"], up["producers"]) == (["pa1", "h1"], ["pl1"], ["p1"])
    down = client.get("/api/v1/lots/h1/lineage", params={"direction": "downstream"}).json()
    assert down["lots"] == ["h1", "pa1"]
    assert client.get("/api/v1/plots/pl1").json()["geometry"]["type"] == "Polygon"
    assert client.get("/api/v1/orgs").json()["count"] == 1

    # Over-consumption is refused with the field named and nothing changes.
    size = service.head().size
    again = {
        **process,
        "transformation_id": "t2",
        "outputs": [{"lot_id": "pa2", "form": "parchment", "quantity_kg": 1}],
    }  # noqa: E501
    response = client.post(
        "/api/v1/entries", json=signed(COOP, "lot.transformed", again, "process-t2").to_dict()
    )
    assert response.status_code == 409
    assert response.json()["error"]["fields"][0]["field"] == "statement.body.inputs.0"
    assert service.head().size == size

    # Rebuild replays to exactly the live projections.
    rows, links = service.store.projection_rows(), service.store.link_rows()
    assert service.rebuild() == size
    assert service.store.projection_rows() == rows
    assert service.store.link_rows() == links


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/lots/nope", 404),
        ("/api/v1/lots/nope/lineage", 404),
        ("/api/v1/lots/h1/lineage?direction=sideways", 400),
        ("/api/v1/plots/bad%20id", 400),
        ("/api/v1/producers/unknown", 404),
    ],
)
def test_bad_reads(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]


def test_field_pickers_list_an_associations_producers_plots_and_apiaries(
    client: TestClient,
) -> None:
    """The field app's pickers read these lists (cached for offline use): only the asked
    association's (or producer's) documents, pseudonymous, never the personal data."""
    other = make_key("org:coop-b")
    org_b = {
        "org_id": "coop-b",
        "name": "Miel de Calakmul",
        "legal_form": "spr",
        "state": "07",
        "public_key": encode_public_key(other),
    }
    post(client, signed(REGISTRAR, "org.registered", org_b, "org-coop-b"))
    assert register_producer(client, "p1").status_code == 201
    post(client, signed(COOP, "producer.registered", {"producer_id": "p2"}, "producer-p2"))
    post(client, signed(other, "producer.registered", {"producer_id": "b1"}, "producer-b1"))
    point = {"type": "Point", "coordinates": [-92.6, 15.6]}
    for key, apiary_id, producer_id in [
        (COOP, "ap1", "p1"),
        (COOP, "ap2", "p2"),
        (other, "bp1", "b1"),
    ]:
        body = {
            "apiary_id": apiary_id,
            "producer_id": producer_id,
            "location": point,
            "hive_count": 12,
        }
        post(client, signed(key, "apiary.registered", body, f"apiary-{apiary_id}"))
    for plot_id, producer_id in [("pl1", "p1"), ("pl2", "p2")]:
        plot = {
            "plot_id": plot_id,
            "producer_id": producer_id,
            "product": "coffee",
            "area_ha": 3,
            "geometry": point,
        }
        post(client, signed(COOP, "plot.registered", plot, f"plot-{plot_id}"))

    def ids(path: str, field: str, **params: str) -> list[str]:
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["count"] == len(body["data"])
        assert "María" not in response.text and "HEGG" not in response.text
        return sorted(doc[field] for doc in body["data"])

    assert ids("/api/v1/producers", "producer_id", org_id="coop-a") == ["p1", "p2"]
    assert ids("/api/v1/producers", "producer_id", org_id="coop-b") == ["b1"]
    assert ids("/api/v1/producers", "producer_id") == ["b1", "p1", "p2"]
    assert ids("/api/v1/producers", "producer_id", org_id="nobody") == []
    assert ids("/api/v1/apiaries", "apiary_id", org_id="coop-a") == ["ap1", "ap2"]
    assert ids("/api/v1/apiaries", "apiary_id", org_id="coop-a", producer_id="p2") == ["ap2"]
    assert ids("/api/v1/apiaries", "apiary_id", producer_id="b1") == ["bp1"]
    assert ids("/api/v1/plots", "plot_id", org_id="coop-a", producer_id="p1") == ["pl1"]
    producer = client.get("/api/v1/producers", params={"org_id": "coop-a"}).json()["data"][0]
    assert set(producer) >= {"producer_id", "org_id", "pii_hash"}
    apiary = client.get("/api/v1/apiaries", params={"producer_id": "p1"}).json()["data"][0]
    assert (apiary["hive_count"], apiary["location"]) == (12, point)

    too_long = client.get("/api/v1/producers", params={"org_id": "x" * 65})
    assert too_long.status_code == 400
    assert "org_id" in str(too_long.json()["error"]["fields"])
