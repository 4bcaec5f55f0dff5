"""Field devices over HTTP, on both engines: enrol, capture, refusals, revoke, the office view.

The association enrols a phone's key with a signed ``device.enrolled`` sent to
``POST /api/v1/entries``; the phone registers a member with personal data and consent through
``POST /api/v1/producers`` (the data lands in the side table, never in a ledger leaf), a plot
and a delivery. What the ledger refuses from the phone is kept for the office — only when the
phone's own key signed it, once per statement, bounded per key — and the office lists its
devices with status and what each synced.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.ledger import LedgerService
from api.services.refusals import note_device_refusal
from api.services.supply import personal_data, published_name
from api.settings import Settings
from ledger.errors import DomainRuleError
from ledger.keys import encode_public_key, key_id
from ledger.statements import SignedStatement, sign_statement
from ledger.storage.sql.refusals import PER_KEY
from ledger.supply.producers import new_salt, personal_data_hash
from tests.factories import TS, make_genesis, make_key, make_key_added
from tests.supply_factories import harvest_body, plot_body, point

REGISTRAR, COOP, OTHER = make_key("registrar"), make_key("org:coop-a"), make_key("org:coop-b")
PHONE = make_key("phone-1")
PHONE_ID = key_id(PHONE)
PERSON = {
    "name": "María López Pérez",
    "curp": "HEGG560427MVZRRL04",
    "phone": "+52 961 123 4567",
    "email": None,
    "consent_to_publish_name": True,
}


def signed(key: Any, entry_type: str, body: dict[str, Any], nonce: str) -> SignedStatement:
    return sign_statement(key, entry_type, body, ts=TS, nonce=nonce)


def post(client: TestClient, statement: SignedStatement, status: int = 201) -> dict[str, Any]:
    response = client.post("/api/v1/entries", json=statement.to_dict())
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def org(org_id: str, key: Any) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "name": f"Cooperativa {org_id}",
        "legal_form": "cooperativa",
        "state": "07",
        "public_key": encode_public_key(key),
    }


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
    post(app_client, signed(REGISTRAR, "org.registered", org("coop-a", COOP), "org-coop-a"))
    post(app_client, signed(REGISTRAR, "org.registered", org("coop-b", OTHER), "org-coop-b"))
    enrol = {
        "org_id": "coop-a",
        "public_key": encode_public_key(PHONE),
        "label": "Técnico Siltepec 1",
        "entry_types": ["producer.registered", "plot.registered", "lot.harvested"],
        "offline_grace_days": 7,
    }
    post(app_client, signed(COOP, "device.enrolled", enrol, "enrol-phone-1"))
    return app_client


def register_member(client: TestClient, producer_id: str, data: dict[str, Any]) -> Any:
    salt = new_salt()
    body = {"producer_id": producer_id, "pii_hash": personal_data_hash(salt, PERSON)}
    entry = signed(PHONE, "producer.registered", body, f"producer-{producer_id}")
    return client.post(
        "/api/v1/producers", json={"entry": entry.to_dict(), "personal_data": data, "salt": salt}
    )


def refusals(client: TestClient, **query: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/orgs/coop-a/device-refusals", params=query)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def test_device_registers_a_member_with_personal_data_kept_off_ledger(
    client: TestClient, service: LedgerService
) -> None:
    response = register_member(client, "p-001", PERSON)
    assert response.status_code == 201, response.text
    assert response.json()["statement"]["actor"] == PHONE_ID
    stored = personal_data(service, "p-001")
    assert stored is not None and stored.data == PERSON and stored.association_id == "coop-a"
    assert published_name(service, "p-001") == PERSON["name"]
    leaves = b"".join(e.leaf_bytes for e in service.entries(0, 100))
    for value in ("María", "HEGG560427MVZRRL04", "961 123"):
        assert value.encode() not in leaves
    # Data that does not hash to the signed pii_hash is refused, and the refusal kept for the
    # office names the field but never quotes the personal data.
    tampered = register_member(client, "p-002", {**PERSON, "curp": "XXXX"})
    assert tampered.status_code == 422
    assert personal_data(service, "p-002") is None
    (kept,) = refusals(client)
    assert kept["field"].startswith("personal_data")
    assert "XXXX" not in kept["reason"] and "María" not in kept["reason"]


def test_office_lists_devices_with_what_they_synced(
    client: TestClient, service: LedgerService
) -> None:
    assert register_member(client, "p-001", PERSON).status_code == 201
    post(
        client,
        signed(PHONE, "plot.registered", plot_body("pl-1", "p-001", geometry=point()), "plot-0001"),
    )
    last = post(
        client, signed(PHONE, "lot.harvested", harvest_body("lot-1", {"pl-1": 300}), "lot-00001")
    )
    response = client.get("/api/v1/orgs/coop-a/devices")
    assert response.status_code == 200, response.text
    (device,) = response.json()["data"]
    assert device["key_id"] == PHONE_ID and device["label"] == "Técnico Siltepec 1"
    assert device["status"] == "active" and device["revoked"] is None
    assert device["entries"] == {
        "total": 3,
        "by_type": {"lot.harvested": 1, "plot.registered": 1, "producer.registered": 1},
    }
    assert device["last_seq"] == last["seq"]
    assert device["last_synced_at"] == last["log_time"]
    assert device["enrolled"]["by"] == key_id(COOP)
    assert device["offline_grace_days"] == 7
    assert client.get("/api/v1/orgs/coop-b/devices").json() == {"data": [], "count": 0}
    one = client.get(f"/api/v1/orgs/coop-a/devices/{PHONE_ID}")
    assert one.status_code == 200 and one.json() == device
    assert client.get(f"/api/v1/orgs/coop-b/devices/{PHONE_ID}").status_code == 404
    assert client.get("/api/v1/orgs/nope/devices").status_code == 404
    assert client.get("/api/v1/orgs/nope/device-refusals").status_code == 404


def test_refusals_are_kept_once_per_statement_and_only_for_device_signatures(
    client: TestClient, service: LedgerService
) -> None:
    harvest = signed(PHONE, "lot.harvested", harvest_body("lot-1", {"pl-1": 300}), "lot-00001")
    body = post(client, harvest, 409)
    post(client, harvest, 409)  # the phone retries
    (kept,) = refusals(client)
    assert kept["statement_hash"] == hashlib.sha256(harvest.statement.canonical_bytes).hexdigest()
    assert kept["code"] == body["error"]["code"] == "rule_violation"
    assert kept["field"] == body["error"]["fields"][0]["field"] == "statement.body.origins.0"
    assert kept["attempts"] == 2 and kept["admitted_seq"] is None
    # Not the phone's signature, or not a device's key: nothing is kept.
    forged = SignedStatement.from_dict(
        {**harvest.to_dict(), "sig": signed(OTHER, "x.y", {}, "whatever-1").sig}
    )
    client.post("/api/v1/entries", json=forged.to_dict())
    post(
        client, signed(COOP, "lot.harvested", harvest_body("lot-2", {"pl-9": 1}), "lot-00002"), 409
    )
    assert len(refusals(client)) == 1
    # Once the plot is synced, the same harvest goes in; the refusal says it was admitted.
    assert register_member(client, "p-001", PERSON).status_code == 201
    post(
        client,
        signed(PHONE, "plot.registered", plot_body("pl-1", "p-001", geometry=point()), "plot-0001"),
    )
    entry = post(client, harvest)
    (kept,) = refusals(client, key_id=PHONE_ID)
    assert kept["admitted_seq"] == entry["seq"]
    device = client.get(f"/api/v1/orgs/coop-a/devices/{PHONE_ID}").json()
    assert device["refusals"] == 1


def test_revoked_device_is_refused_and_the_office_sees_why(
    client: TestClient, service: LedgerService
) -> None:
    synced = signed(PHONE, "producer.registered", {"producer_id": "p-1"}, "producer-p-1")
    first = post(client, synced)
    revoke = {"org_id": "coop-a", "key_id": PHONE_ID, "reason": "lost", "note": "Se cayó al río"}
    revocation = post(client, signed(COOP, "device.revoked", revoke, "revoke-phone-1"))
    # A sync cut off before the phone heard back resends what was already admitted: same entry.
    assert post(client, synced, 200) == first
    late = signed(PHONE, "producer.registered", {"producer_id": "p-9"}, "producer-p-9")
    error = post(client, late, 403)["error"]
    assert error["code"] == "not_authorized" and "revoked" in error["message"]
    (kept,) = refusals(client)
    assert kept["code"] == "not_authorized" and kept["field"] == "statement.actor"
    device = client.get(f"/api/v1/orgs/coop-a/devices/{PHONE_ID}").json()
    assert device["status"] == "revoked"
    assert device["revoked"]["seq"] == revocation["seq"]
    assert device["revoked"]["reason"] == "lost" and device["revoked"]["note"] == "Se cayó al río"


def test_refusals_are_capped_per_key(client: TestClient, service: LedgerService) -> None:
    for n in range(PER_KEY + 5):
        statement = signed(PHONE, "producer.registered", {"producer_id": f"p-{n}"}, f"junk-{n:04d}")
        note_device_refusal(service, statement, DomainRuleError("junk"), "rule_violation", [])
    kept = refusals(client, limit=PER_KEY)
    assert len(kept) == PER_KEY
    assert client.get(f"/api/v1/orgs/coop-a/devices/{PHONE_ID}").json()["refusals"] == PER_KEY
    assert (
        client.get("/api/v1/orgs/coop-a/device-refusals", params={"limit": PER_KEY + 1}).status_code
        == 400
    )


def test_a_device_past_its_valid_until_is_listed_expired(
    client: TestClient, service: LedgerService
) -> None:
    tablet = make_key("tablet-1")
    enrol = {
        "org_id": "coop-a",
        "public_key": encode_public_key(tablet),
        "label": "Tableta bodega",
        "entry_types": ["lot.harvested"],
        "valid_until": "2026-06-01T00:00:00Z",  # after the statement's ts, before the log's now
    }
    post(client, signed(COOP, "device.enrolled", enrol, "enrol-tablet-1"))
    found = {
        d["label"]: d["status"] for d in client.get("/api/v1/orgs/coop-a/devices").json()["data"]
    }
    assert found == {"Técnico Siltepec 1": "active", "Tableta bodega": "expired"}


def test_refusals_through_the_batch_upload_are_kept_too(client: TestClient) -> None:
    """A phone syncs through ``POST /api/v1/batches``: its refused items reach the office as
    single submissions do, its admitted ones do not, and nothing signed by others is kept."""
    member = signed(PHONE, "producer.registered", {"producer_id": "p-b1"}, "producer-p-b1")
    stray = signed(PHONE, "lot.harvested", harvest_body("lot-b1", {"pl-9": 5}), "lot-b0001")
    not_a_device = signed(COOP, "lot.harvested", harvest_body("lot-b2", {"pl-9": 5}), "lot-b0002")
    response = client.post(
        "/api/v1/batches",
        json={"statements": [s.to_dict() for s in (member, stray, not_a_device)]},
    )
    assert response.status_code == 200, response.text
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["appended", "refused", "refused"]
    (kept,) = refusals(client)
    assert kept["nonce"] == "lot-b0001" and kept["code"] == "rule_violation"
    assert kept["field"] == "statement.body.origins.0" and kept["admitted_seq"] is None
    # The phone retries the batch: one row, two attempts.
    client.post("/api/v1/batches", json={"statements": [member.to_dict(), stray.to_dict()]})
    (kept,) = refusals(client)
    assert kept["attempts"] == 2


def test_a_phone_asks_and_the_office_finds_it_by_short_code(client: TestClient) -> None:
    """The phone leaves its public key; the office types the code the phone shows
    (``a1b2-c3d4-e5f6``, the key id's first 12 hex digits) and gets the key back."""
    phone = make_key("phone-request")
    kid = key_id(phone)
    code = f"{kid[0:4]}-{kid[4:8]}-{kid[8:12]}"
    assert client.get(f"/api/v1/device-requests/{code}").status_code == 404
    asked = client.post(
        "/api/v1/device-requests",
        json={"public_key": encode_public_key(phone), "label": " Técnico Xpujil "},
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["short_code"] == code and asked.json()["label"] == "Técnico Xpujil"
    client.post(
        "/api/v1/device-requests", json={"public_key": encode_public_key(phone), "label": "T2"}
    )
    found = client.get(f"/api/v1/device-requests/{code}").json()
    assert found["public_key"] == encode_public_key(phone) and found["key_id"] == kid
    assert found["label"] == "T2" and found["first_at"] <= found["last_at"]

    bad_key = client.post("/api/v1/device-requests", json={"public_key": "nope", "label": "x"})
    assert bad_key.status_code == 400  # the schema states the key's form (OpenAPI pattern)
    assert bad_key.json()["error"]["fields"][0]["field"] == "body.public_key"
    bad_label = client.post(
        "/api/v1/device-requests", json={"public_key": encode_public_key(phone), "label": " "}
    )
    assert bad_label.json()["error"]["fields"][0]["field"] == "label"
    key = encode_public_key(phone)
    extra = client.post("/api/v1/device-requests", json={"public_key": key, "label": "x", "a": 1})
    assert extra.status_code == 400 and extra.json()["error"]["fields"][0]["field"] == "body.a"
    upper = client.get("/api/v1/device-requests/A1B2-C3D4-E5F6")
    assert (
        upper.status_code == 400
        and upper.json()["error"]["fields"][0]["field"] == "path.short_code"
    )
