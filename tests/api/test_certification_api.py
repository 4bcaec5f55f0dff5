"""Certification HTTP endpoints on SQLite and PostgreSQL: standards, their diff, the dry-run
evaluation (whose findings are exactly what ``verification.issued`` must sign), verifications,
accreditations, evidence and lot eligibility; 404 and 4xx JSON errors.

The ledger: ``coffee-ab@1`` published, certifier ``certimex`` accredited, plots ``pl-1``
(passing evidence, verified through the API) and ``pl-2`` (no evidence, not verified) of
``coop-a``, one harvest lot from each.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.ledger import LedgerService, full_registry
from api.settings import Settings
from tests.cert_factories import (
    CERTIFIER_ID,
    accredit,
    add_certifier,
    publish,
    record_evidence,
    verification_body,
)
from tests.supply_factories import SupplyWorld

SCOPE = {"products": ["coffee"], "plots": ["pl-1"]}


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[LedgerService, SupplyWorld, Any]]:
    service = LedgerService.open(db_url)
    try:
        w = SupplyWorld(service.store, full_registry(), ["coop-a"])
        w.producer("coop-a", "p-1")
        for n in ("1", "2"):
            w.plot("coop-a", f"pl-{n}", "p-1")
        digest = publish(w)
        key = add_certifier(w)
        accredit(w)
        record_evidence(w, "coop-a", "association", "coop-a")
        record_evidence(w, "coop-a", "plot", "pl-1")
        w.harvest("coop-a", "h-1", {"pl-1": 500})
        w.harvest("coop-a", "h-2", {"pl-2": 500})
        yield service, w, {"key": key, "digest": digest}
    finally:
        service.close()


@pytest.fixture
def client(world: tuple[LedgerService, SupplyWorld, Any], tmp_path: Path) -> TestClient:
    service, _w, _extra = world
    settings = Settings(data_dir=tmp_path, database_url="sqlite:///unused")
    return TestClient(create_app(settings, service))


def _ok(client: TestClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def _evaluate(client: TestClient, **over: Any) -> Any:
    request = {"standard": "coffee-ab", "association_id": "coop-a", "scope": SCOPE}
    request["as_of"] = "2026-02-01"
    request.update(over)
    return client.post("/api/v1/evaluations", json=request)


def _issue_through_api(
    client: TestClient, world: tuple[LedgerService, SupplyWorld, Any]
) -> dict[str, Any]:
    """Dry-run evaluation, then the certifier signs exactly that and posts it."""
    _service, w, extra = world
    preview = _evaluate(client).json()
    body = {
        "verification_id": "v1",
        "association_id": "coop-a",
        "scope": preview["scope"],
        "standard_hash": preview["standard_hash"],
        "as_of": preview["as_of"],
        "findings": preview["findings"],
        "result": preview["result"],
        "valid_from": "2025-10-01",
        "valid_until": "2026-09-30",
    }
    statement = w.sign(extra["key"], "verification.issued", body)
    response = client.post("/api/v1/entries", json=statement.to_dict())
    assert response.status_code == 201, response.text
    return body


# --------------------------------------------------------------------------- standards


def test_list_and_get_standards(
    client: TestClient, world: tuple[LedgerService, SupplyWorld, Any]
) -> None:
    digest = world[2]["digest"]
    listing = _ok(client, "/api/v1/standards")
    assert listing["count"] == 1
    [item] = listing["data"]
    assert (item["id"], item["version"], item["hash"]) == ("coffee-ab", 1, digest)
    assert item["products"] == ["coffee"] and item["title"]["es"]
    for ref in ("coffee-ab", "coffee-ab@1", digest):
        standard = _ok(client, f"/api/v1/standards/{ref}")
        assert standard["hash"] == digest
        assert standard["id"] == "coffee-ab"
        fields = {c["field"] for c in standard["criteria"]}
        assert {"shade_cover_pct", "organic_certificate_valid"} <= fields


def test_diff_of_a_standard_with_itself_is_empty(
    client: TestClient, world: tuple[LedgerService, SupplyWorld, Any]
) -> None:
    digest = world[2]["digest"]
    for a, b in (("coffee-ab", "coffee-ab@1"), ("coffee-ab@1", digest)):
        diff = _ok(client, f"/api/v1/standards/{a}/diff/{b}")
        assert diff == {"from": a, "to": b, "changes": [], "count": 0}


def test_unknown_standard_is_404(client: TestClient) -> None:
    for url in ("/api/v1/standards/no-such-std", "/api/v1/standards/coffee-ab@9"):
        response = client.get(url)
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/standards/no-such-std/diff/coffee-ab").status_code == 404


# --------------------------------------------------------------------------- evaluations


def test_dry_run_findings_are_what_the_verification_must_sign(
    client: TestClient, world: tuple[LedgerService, SupplyWorld, Any]
) -> None:
    service, _w, extra = world
    head = service.head()
    response = _evaluate(client)
    assert response.status_code == 200, response.text
    preview = response.json()
    assert service.head() == head  # a dry run records nothing
    assert preview["result"] == "pass"
    assert preview["standard_hash"] == extra["digest"]
    assert preview["standard"] == "coffee-ab@1"
    with service.store.read_state() as state:
        expected = verification_body(state, "v1", "coop-a", SCOPE)
    assert preview["findings"] == expected["findings"]
    assert {f["subject_id"] for f in preview["findings"]} == {"coop-a", "pl-1"}

    signed = _issue_through_api(client, world)
    stored = _ok(client, "/api/v1/verifications/v1")
    assert stored["findings"] == signed["findings"] == preview["findings"]
    assert stored["certifier_id"] == CERTIFIER_ID and stored["status"] == "active"


def test_dry_run_of_missing_evidence_fails(client: TestClient) -> None:
    preview = _evaluate(client, scope={"products": ["coffee"], "plots": ["pl-2"]}).json()
    assert preview["result"] == "fail"
    statuses = {f["status"] for f in preview["findings"] if f["subject_id"] == "pl-2"}
    assert statuses == {"missing"}


def test_tampered_findings_are_refused_over_http(
    client: TestClient, world: tuple[LedgerService, SupplyWorld, Any]
) -> None:
    service, w, extra = world
    with service.store.read_state() as state:
        body = verification_body(state, "v1", "coop-a", SCOPE)
    body["findings"] = body["findings"][1:]
    head = service.head()
    statement = w.sign(extra["key"], "verification.issued", body)
    response = client.post("/api/v1/entries", json=statement.to_dict())
    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()
    assert service.head() == head


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"as_of": "01/02/2026"}, "as_of"),
        ({"as_of": None}, "as_of"),
        ({"standard": None}, "standard"),
        ({"extra": 1}, "extra"),
    ],
    ids=["bad-date", "null-date", "null-standard", "unknown-field"],
)
def test_bad_evaluation_request_is_400_with_field(
    client: TestClient, over: dict[str, Any], field: str
) -> None:
    response = _evaluate(client, **over)
    _bad_request(response, f"body.{field}")


def test_evaluation_without_as_of_is_400_with_field(client: TestClient) -> None:
    request = {"standard": "coffee-ab", "association_id": "coop-a", "scope": SCOPE}
    _bad_request(client.post("/api/v1/evaluations", json=request), "body.as_of")


def _bad_request(response: Any, field: str) -> None:
    """The app answers request validation errors with 400 and the fields at fault."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert field in [f["field"] for f in error["fields"]]


@pytest.mark.parametrize(
    "scope",
    [{"products": ["coffee"]}, {"products": [], "plots": ["pl-1"]}, {"plots": "pl-1"}],
    ids=["no-subjects", "no-products", "plots-not-a-list"],
)
def test_bad_evaluation_scope_is_4xx_with_field(client: TestClient, scope: Any) -> None:
    unraised = TestClient(client.app, raise_server_exceptions=False)
    response = _evaluate(unraised, scope=scope)
    assert response.status_code in (400, 422), response.text
    assert "scope" in response.text


def test_evaluation_of_unknown_standard_is_404(client: TestClient) -> None:
    response = _evaluate(client, standard="honey-ab")
    assert response.status_code == 404, response.text


# --------------------------------------------------------------------------- reads


def test_verifications_accreditations_and_evidence(
    client: TestClient, world: tuple[LedgerService, SupplyWorld, Any]
) -> None:
    _issue_through_api(client, world)
    listing = _ok(client, "/api/v1/verifications")
    assert listing["count"] == 1 and listing["data"][0]["verification_id"] == "v1"
    assert _ok(client, "/api/v1/verifications?association_id=coop-a")["count"] == 1
    assert _ok(client, "/api/v1/verifications?association_id=coop-z")["count"] == 0
    assert _ok(client, "/api/v1/verifications?status=active")["count"] == 1
    assert _ok(client, "/api/v1/verifications?status=revoked")["count"] == 0
    assert client.get("/api/v1/verifications/v404").status_code == 404

    accreditations = _ok(client, "/api/v1/accreditations")
    assert accreditations["count"] == 1
    doc = accreditations["data"][0]
    assert (doc["certifier_id"], doc["status"]) == (CERTIFIER_ID, "active")
    assert doc["products"] == ["coffee"] and doc["standards"] == ["coffee-ab"]

    evidence_id = _ok(client, "/api/v1/verifications/v1")["findings"][0]["evidence_seq"]
    assert isinstance(evidence_id, int)
    _service, w, _extra = world
    with _service.store.read_state() as state:
        ids = sorted(k for k, _d in state.scan("evidence"))
    evidence = _ok(client, f"/api/v1/evidence/{ids[0]}")
    assert evidence["evidence_id"] == ids[0]
    assert evidence["recorder_role"] == "association"
    assert client.get("/api/v1/evidence/ev-none").status_code == 404
    assert w.store.head().size == _service.head().size


def test_lot_eligibility(client: TestClient, world: tuple[LedgerService, SupplyWorld, Any]) -> None:
    before = _ok(client, "/api/v1/lots/h-1/eligibility")
    assert before["eligible"] is False
    _issue_through_api(client, world)
    eligible = _ok(client, "/api/v1/lots/h-1/eligibility")
    stock = eligible.pop("stock")
    assert eligible == {"lot_id": "h-1", "eligible": True, "reasons": [], "verifications": ["v1"]}
    assert (stock["status"], stock["remaining_g"], stock["unlabelled_g"]) == (
        "in_stock",
        500_000,
        500_000,
    )
    ineligible = _ok(client, "/api/v1/lots/h-2/eligibility")
    assert ineligible["eligible"] is False
    [reason] = ineligible["reasons"]
    assert reason["code"] == "origin_not_certified" and reason["subject"] == "plot:pl-2"
    assert reason["message_es"] and reason["message_en"]
    response = client.get("/api/v1/lots/no-such-lot/eligibility")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --------------------------------------------------------------------------- rejected writes


def _verification_statement(
    client: TestClient, world: tuple[LedgerService, SupplyWorld, Any], **over: Any
) -> dict[str, Any]:
    _service, w, extra = world
    preview = _evaluate(client).json()
    body = {
        "verification_id": "v-bad",
        "association_id": "coop-a",
        "scope": preview["scope"],
        "standard_hash": preview["standard_hash"],
        "as_of": preview["as_of"],
        "findings": preview["findings"],
        "result": preview["result"],
        "valid_from": "2025-10-01",
        "valid_until": "2026-09-30",
        **over,
    }
    return w.sign(extra["key"], "verification.issued", body).to_dict()


def test_verification_with_doctored_findings_is_422_and_leaves_ledger_unchanged(
    client: TestClient, world: tuple[LedgerService, SupplyWorld, Any]
) -> None:
    preview = _evaluate(client).json()
    doctored = [dict(f) for f in preview["findings"]]
    victim = next(f for f in doctored if f["status"] == "pass")
    victim["status"] = "fail"
    size = client.get("/api/v1/log").json()["size"]
    response = client.post(
        "/api/v1/entries", json=_verification_statement(client, world, findings=doctored)
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "findings_mismatch"
    assert victim["criterion_id"] in response.json()["error"]["message"]
    assert client.get("/api/v1/log").json()["size"] == size
    assert client.get("/api/v1/verifications/v-bad").status_code == 404


def test_verification_outside_the_accredited_scope_is_403(
    client: TestClient, world: tuple[LedgerService, SupplyWorld, Any]
) -> None:
    size = client.get("/api/v1/log").json()["size"]
    scope = {"products": ["coffee", "honey"], "plots": ["pl-1"], "apiaries": [], "lots": []}
    statement = _verification_statement(client, world, scope=scope)
    response = client.post("/api/v1/entries", json=statement)
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "not_authorized" and "not honey" in error["message"]
    assert error["fields"][0]["field"] == "statement.actor"
    assert client.get("/api/v1/log").json()["size"] == size


# --------------------------------------------------------------------------- inspection plans


def test_inspection_plan_holds_what_an_offline_certifier_needs(
    client: TestClient, world: tuple[LedgerService, SupplyWorld, Any]
) -> None:
    from verifiers.rules import Evidence, evaluate
    from verifiers.standards import load_standard

    plan = _ok(client, "/api/v1/inspection-plans/coop-a?standard=coffee-ab@1&product=coffee")
    assert plan["standard_hash"] == world[2]["digest"]
    assert (plan["association_id"], plan["product"]) == ("coop-a", "coffee")
    sections = {s["applies_to"]: s for s in plan["sections"]}
    assert list(sections) == ["association", "plot"]
    assert [s["id"] for s in sections["plot"]["subjects"]] == ["pl-1", "pl-2"]
    assert sections["plot"]["subjects"][0]["producer_id"] == "p-1"
    shade = next(c for c in sections["plot"]["criteria"] if c["id"] == "CAB-SHADE-COVER")
    assert shade["field"] == "shade_cover_pct" and shade["unit"] == "%"
    assert (shade["operator"], shade["threshold"], shade["severity"]) == ("gte", 40, "critical")
    assert shade["title"]["es"] == "Cobertura de sombra" and shade["guidance"]["en"]
    assert [a["certifier_id"] for a in plan["accreditations"]] == [CERTIFIER_ID]
    assert plan["accreditations"][0]["valid_until"] == "2027-12-31"
    assert {e["subject_id"] for e in plan["evidence"]} == {"coop-a", "pl-1"}
    assert all(isinstance(e["evidence_seq"], int) for e in plan["evidence"])
    # The ids let a device list this evidence in a verification it signs offline (v2).
    assert all(isinstance(e["evidence_id"], str) for e in plan["evidence"])
    # The plan alone gives the findings the ledger would compute (the dry run's).
    subjects = [("association", "coop-a"), ("plot", "pl-1")]
    offline = evaluate(
        load_standard(plan["standard"]),
        subjects,
        [Evidence.from_dict(e) for e in plan["evidence"]],
        "2026-02-01",
    )
    server = _evaluate(client).json()
    assert offline.to_dict()["findings"] == server["findings"]
    assert offline.result == server["result"] == "pass"


def test_inspection_plan_refusals_name_the_problem(client: TestClient) -> None:
    base = "/api/v1/inspection-plans"
    response = client.get(f"{base}/coop-a?standard=coffee-ab@1&product=honey")
    assert response.status_code == 422, response.text
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["product"]
    for url in (
        f"{base}/no-such-coop?standard=coffee-ab&product=coffee",
        f"{base}/coop-a?standard=no-such-std&product=coffee",
    ):
        response = client.get(url)
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "not_found"
    response = client.get(f"{base}/coop-a?product=coffee")
    assert response.status_code in (400, 422), response.text
    assert "standard" in str(response.json()["error"]["fields"])
