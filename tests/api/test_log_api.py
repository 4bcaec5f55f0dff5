"""Transparency endpoints: checkpoints, inclusion and consistency proofs, on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.checkpoints import parse_verifier_key, verify_checkpoint
from ledger.keys import key_id
from ledger.merkle import verify_consistency, verify_inclusion
from ledger.transparency import (
    ConsistencyProofDocument,
    InclusionProofDocument,
    verify_consistency_document,
    verify_inclusion_document,
)
from tests.factories import ORIGIN, make_genesis, make_key, make_key_added


@pytest.fixture
def service(db_url: str) -> Iterator[LedgerService]:
    svc = LedgerService.open(db_url, operator_key=make_key("operator"))
    try:
        svc.submit(make_genesis(make_key("root"), make_key("operator")))
        for i in range(9):
            svc.submit(make_key_added(make_key("root"), make_key(f"k{i}"), name=f"k{i}"))
        svc.issue_checkpoint()  # what the operator's schedule does a few seconds later
        yield svc
    finally:
        svc.close()


@pytest.fixture
def client(service: LedgerService, tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path, database_url="sqlite:///unused")
    return TestClient(create_app(settings, service))


def test_log_info_names_the_operator_key(client: TestClient) -> None:
    info = client.get("/api/v1/log").json()
    assert info["origin"] == ORIGIN
    assert info["size"] == 10
    name, _kid, public = parse_verifier_key(info["verifier_key"])
    assert name == ORIGIN
    assert key_id(public) == key_id(make_key("operator")) == info["operator_key_id"]


def test_checkpoint_is_a_signed_note_over_the_current_root(client: TestClient) -> None:
    response = client.get("/api/v1/checkpoint")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    checkpoint = verify_checkpoint(response.text, ORIGIN, make_key("operator").public_key())
    assert checkpoint.tree_size == 10
    # Reading again gives the same kept checkpoint; the list keeps it (after genesis's own).
    assert client.get("/api/v1/checkpoint").text == response.text
    kept = client.get("/api/v1/checkpoints").json()
    assert [c["tree_size"] for c in kept["data"]] == [1, 10]
    assert kept["data"][-1]["note"] == response.text


def test_inclusion_proofs_verify_for_every_entry_and_size(client: TestClient) -> None:
    root_by_size = {}
    for size in range(1, 11):
        doc = client.get("/api/v1/proofs/consistency", params={"first": size, "second": 10})
        assert doc.status_code == 200
        root_by_size[size] = bytes.fromhex(doc.json()["first_root"])
    for size in range(1, 11):
        for seq in range(size):
            body = client.get(
                "/api/v1/proofs/inclusion", params={"seq": seq, "tree_size": size}
            ).json()
            proof = InclusionProofDocument.model_validate(body)
            leaf = client.get(f"/api/v1/entries/{seq}").json()["entry_hash"]
            assert proof.leaf_hash == leaf
            verify_inclusion(
                bytes.fromhex(leaf),
                seq,
                size,
                [bytes.fromhex(h) for h in proof.hashes],
                root_by_size[size],
            )


def test_many_inclusion_proofs_in_one_request_equal_the_single_ones(client: TestClient) -> None:
    """``POST /api/v1/proofs/inclusion``: a phone proves a whole sync in one request; each
    proof is the one ``GET`` answers, in request order; bad input names the field."""
    seqs = [7, 0, 3, 3, 9]
    answer = client.post("/api/v1/proofs/inclusion", json={"tree_size": 10, "seqs": seqs})
    assert answer.status_code == 200, answer.text
    single = [
        client.get("/api/v1/proofs/inclusion", params={"seq": s, "tree_size": 10}).json()
        for s in seqs
    ]
    assert answer.json()["proofs"] == single
    outside = client.post("/api/v1/proofs/inclusion", json={"tree_size": 5, "seqs": [1, 5]})
    assert outside.status_code == 400 and "seq 5" in outside.json()["error"]["message"]
    too_big = client.post("/api/v1/proofs/inclusion", json={"tree_size": 11, "seqs": [1]})
    assert too_big.status_code == 400
    for body, field in [
        ({"tree_size": 10, "seqs": []}, "body.seqs"),
        ({"tree_size": 10, "seqs": list(range(1001))}, "body.seqs"),
        ({"tree_size": 0, "seqs": [0]}, "body.tree_size"),
        ({"tree_size": 10, "seqs": [-1]}, "body.seqs.0"),
        ({"tree_size": 10, "seqs": [False]}, "body.seqs.0"),  # not entry 0
        ({"tree_size": True, "seqs": [1]}, "body.tree_size"),
        ({"tree_size": 10, "seqs": ["1"]}, "body.seqs.0"),
        ({"tree_size": 10}, "body.seqs"),
    ]:
        bad = client.post("/api/v1/proofs/inclusion", json=body)
        assert 400 <= bad.status_code < 500, bad.text
        assert bad.json()["error"]["fields"][0]["field"] == field, bad.text


def test_inclusion_by_entry_hash_equals_by_seq(client: TestClient) -> None:
    leaf = client.get("/api/v1/entries/3").json()["entry_hash"]
    by_hash = client.get("/api/v1/proofs/inclusion", params={"entry_hash": leaf}).json()
    by_seq = client.get("/api/v1/proofs/inclusion", params={"seq": 3}).json()
    assert by_hash == by_seq


def test_consistency_proofs_verify_between_every_pair(client: TestClient) -> None:
    for first in range(1, 11):
        for second in range(first, 11):
            body = client.get(
                "/api/v1/proofs/consistency", params={"first": first, "second": second}
            ).json()
            doc = ConsistencyProofDocument.model_validate(body)
            verify_consistency(
                first,
                second,
                [bytes.fromhex(h) for h in doc.hashes],
                bytes.fromhex(doc.first_root),
                bytes.fromhex(doc.second_root),
            )


def test_proof_documents_verify_offline_against_signed_checkpoints(
    client: TestClient, service: LedgerService
) -> None:
    old_note = client.get("/api/v1/checkpoint").text
    service.submit(make_key_added(make_key("root"), make_key("late"), name="late"))
    service.issue_checkpoint()
    new_note = client.get("/api/v1/checkpoint").text
    operator = make_key("operator").public_key()
    inc = InclusionProofDocument.model_validate(
        client.get("/api/v1/proofs/inclusion", params={"seq": 10}).json()
    )
    assert verify_inclusion_document(inc, new_note, ORIGIN, operator).tree_size == 11
    cons = ConsistencyProofDocument.model_validate(
        client.get("/api/v1/proofs/consistency", params={"first": 10}).json()
    )
    verify_consistency_document(cons, new_note, ORIGIN, operator, old_note)


@pytest.mark.parametrize(
    ("path", "params", "field_or_word"),
    [
        ("/api/v1/proofs/inclusion", {"seq": 10}, "seq 10"),
        ("/api/v1/proofs/inclusion", {"seq": 2, "tree_size": 11}, "tree_size 11"),
        ("/api/v1/proofs/inclusion", {"seq": 5, "tree_size": 5}, "seq 5"),
        ("/api/v1/proofs/inclusion", {"seq": "abc"}, "seq"),
        ("/api/v1/proofs/inclusion", {"seq": -1}, "seq"),
        ("/api/v1/proofs/inclusion", {}, "exactly one"),
        ("/api/v1/proofs/inclusion", {"seq": 1, "entry_hash": "00" * 32}, "exactly one"),
        ("/api/v1/proofs/inclusion", {"entry_hash": "zz"}, "entry_hash"),
        ("/api/v1/proofs/consistency", {"first": 5, "second": 3}, "must not exceed"),
        ("/api/v1/proofs/consistency", {"first": 0}, "first"),
        ("/api/v1/proofs/consistency", {"first": "x"}, "first"),
        ("/api/v1/proofs/consistency", {"first": 2, "second": 99}, "second 99"),
    ],
)
def test_bad_proof_requests_answer_400_with_a_reason(
    client: TestClient, path: str, params: dict[str, object], field_or_word: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    text = error["message"] + " " + " ".join(f["field"] for f in error["fields"])
    assert field_or_word in text


def test_unknown_entry_hash_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/proofs/inclusion", params={"entry_hash": "ab" * 32})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_without_operator_key_the_server_serves_the_latest_kept(
    service: LedgerService, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, database_url="sqlite:///unused")
    reader = LedgerService(service.engine, service.store, service.registry, operator_key=None)
    client = TestClient(create_app(settings, reader))
    kept = client.get("/api/v1/checkpoint").text
    service.submit(make_key_added(make_key("root"), make_key("late"), name="late"))
    assert client.get("/api/v1/checkpoint").text == kept
    issued = service.issue_checkpoint().note  # the operator signs one elsewhere
    assert issued != kept
    assert client.get("/api/v1/checkpoint").text == issued


def test_before_any_checkpoint_the_server_answers_404_json(db_url: str, tmp_path: Path) -> None:
    keyless = LedgerService.open(db_url)
    try:
        keyless.submit(make_genesis(make_key("root"), make_key("operator")))
        client = TestClient(create_app(Settings(data_dir=tmp_path), keyless))
        missing = client.get("/api/v1/checkpoint")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "no_checkpoint"
    finally:
        keyless.close()
