"""``POST /api/v1/evaluations`` with findings version 2, on SQLite and PostgreSQL.

A client lists the evidence it will sign by ``evidence_id`` (or asks for version 2 and gets
every evidence about the subjects, in ledger order) and the answer is what the ledger
recomputes when that ``verification.issued`` arrives: the signed preview is admitted as is.
Bad lists are refused as the ledger refuses them, naming ``evidence_ids.<i>``.

The ledger: ``coffee-ab@1``, certifier ``certimex`` accredited, association ``coop-a`` with
plots ``pl-1`` (passing evidence) and ``pl-2`` (evidence recorded too, outside the scope).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.ledger import LedgerService, full_registry
from api.settings import Settings
from tests.cert_factories import (
    OBSERVED_ON,
    certifier_ready,
    record_evidence,
    recorded,
    verification_body_v2,
)
from tests.supply_factories import SupplyWorld

SCOPE = {"products": ["coffee"], "plots": ["pl-1"]}
AS_OF = "2026-02-01"


@dataclass
class World:
    service: LedgerService
    w: SupplyWorld
    key: Ed25519PrivateKey
    client: TestClient
    evidence_ids: list[str]  # about coop-a and pl-1, in the order recorded
    foreign_ids: list[str]  # about pl-2

    def evaluate(self, **over: Any) -> Any:
        request = {"standard": "coffee-ab", "association_id": "coop-a", "scope": SCOPE}
        request.update({"as_of": AS_OF, **over})
        return self.client.post("/api/v1/evaluations", json=request)

    def refused(self, status: int, code: str, field: str, **over: Any) -> str:
        """The evaluation is refused with ``status``/``code`` naming ``field``; its message."""
        head = self.service.head()
        response = self.evaluate(**over)
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert error["code"] == code, error
        assert field in [f["field"] for f in error["fields"]], error
        assert self.service.head() == head
        return str(error["message"])


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    service = LedgerService.open(db_url)
    try:
        w = SupplyWorld(service.store, full_registry(), ["coop-a"])
        w.producer("coop-a", "p-1")
        w.plot("coop-a", "pl-1", "p-1")
        w.plot("coop-a", "pl-2", "p-1")
        key = certifier_ready(w)
        ids = record_evidence(w, "coop-a", "association", "coop-a")
        ids += record_evidence(w, "coop-a", "plot", "pl-1")
        foreign = record_evidence(w, "coop-a", "plot", "pl-2")
        settings = Settings(data_dir=tmp_path, database_url="sqlite:///unused")
        client = TestClient(create_app(settings, service))
        yield World(service, w, key, client, ids, foreign)
    finally:
        service.close()


def _signed_body(preview: dict[str, Any], verification_id: str) -> dict[str, Any]:
    """The ``verification.issued`` body a client builds from a version-2 preview."""
    keys = ("association_id", "scope", "standard_hash", "as_of", "findings_version")
    return {
        "verification_id": verification_id,
        **{k: preview[k] for k in keys},
        "evidence_ids": preview["evidence_ids"],
        "findings": preview["findings"],
        "result": preview["result"],
        "valid_from": "2025-10-01",
        "valid_until": "2026-09-30",
    }


def test_the_listed_evidence_preview_is_what_the_ledger_admits(world: World) -> None:
    head = world.service.head()
    response = world.evaluate(evidence_ids=world.evidence_ids)
    assert response.status_code == 200, response.text
    preview = response.json()
    assert world.service.head() == head  # a dry run records nothing
    assert (preview["findings_version"], preview["evidence_ids"]) == (2, world.evidence_ids)
    assert preview["result"] == "pass"
    assert all("evidence_id" in f and "evidence_seq" not in f for f in preview["findings"])
    with world.service.store.read_state() as state:
        docs = recorded(state, world.evidence_ids)
    expected = verification_body_v2("v2", "coop-a", SCOPE, docs)
    assert preview["findings"] == expected["findings"]

    statement = world.w.sign(world.key, "verification.issued", _signed_body(preview, "v2"))
    admitted = world.client.post("/api/v1/entries", json=statement.to_dict())
    assert admitted.status_code == 201, admitted.text
    stored = world.client.get("/api/v1/verifications/v2").json()
    assert stored["findings"] == preview["findings"]
    assert stored["evidence_ids"] == world.evidence_ids


def test_only_the_listed_evidence_is_evaluated(world: World) -> None:
    """Leaving the shade cover out of the list makes it missing, though it is recorded."""
    shade = next(i for i in world.evidence_ids if i.endswith("shade_cover_pct"))
    listed = [i for i in world.evidence_ids if i != shade]
    preview = world.evaluate(evidence_ids=listed).json()
    assert preview["evidence_ids"] == listed and preview["result"] == "fail"
    [finding] = [f for f in preview["findings"] if f["criterion_id"] == "CAB-SHADE-COVER"]
    assert (finding["status"], finding["evidence_id"]) == ("missing", None)


def test_version_2_without_a_list_lists_the_recorded_evidence_in_ledger_order(
    world: World,
) -> None:
    v1 = world.evaluate().json()
    assert "findings_version" not in v1 and "evidence_ids" not in v1
    v2 = world.evaluate(findings_version=2).json()
    assert v2["evidence_ids"] == world.evidence_ids  # recorded in this order; pl-2 out of scope
    seqs = {f["criterion_id"] + f["subject_id"]: f for f in v1["findings"]}
    for finding in v2["findings"]:
        same = seqs[finding["criterion_id"] + finding["subject_id"]]
        assert (finding["status"], finding["value"]) == (same["status"], same["value"])
    assert v2["findings_sha256"] != v1["findings_sha256"]  # cited by id, not by seq
    # Evidence observed after as_of cannot decide anything, so it is not listed.
    before = world.evaluate(findings_version=2, as_of="2026-01-09").json()
    assert OBSERVED_ON > "2026-01-09"
    assert before["evidence_ids"] == [] and before["result"] == "fail"


def test_an_unknown_id_is_409_naming_its_index(world: World) -> None:
    listed = [*world.evidence_ids, "ev-never-recorded"]
    message = world.refused(
        409, "rule_violation", f"evidence_ids.{len(world.evidence_ids)}", evidence_ids=listed
    )
    assert "ev-never-recorded is not recorded" in message


def test_evidence_about_a_subject_outside_the_scope_is_409(world: World) -> None:
    listed = [*world.evidence_ids[:2], world.foreign_ids[0]]
    message = world.refused(409, "rule_violation", "evidence_ids.2", evidence_ids=listed)
    assert "is about plot pl-2, which this verification does not cover" in message


@pytest.mark.parametrize(
    ("over", "status", "code", "field"),
    [
        ({"duplicate": True}, 422, "schema_error", "evidence_ids.3"),
        ({"findings_version": 1}, 400, "bad_request", "body.findings_version"),
        (
            {"evidence_ids": ["ok", "-starts-with-a-dash"]},
            400,
            "bad_request",
            "body.evidence_ids.1",
        ),
        ({"findings_version": 3}, 400, "bad_request", "body.findings_version"),
        ({"evidence_ids": "ev-1"}, 400, "bad_request", "body.evidence_ids"),
    ],
    ids=["id-twice", "list-with-version-1", "malformed-id", "version-3", "not-a-list"],
)
def test_malformed_lists_are_refused_naming_the_field(
    world: World, over: dict[str, Any], status: int, code: str, field: str
) -> None:
    if over.pop("duplicate", False):
        over["evidence_ids"] = [*world.evidence_ids[:3], world.evidence_ids[1]]
    elif "evidence_ids" not in over:
        over["evidence_ids"] = world.evidence_ids
    world.refused(status, code, field, **over)
