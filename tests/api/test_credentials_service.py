"""Producer credentials on both engines: issue from the ledger, verify offline, revoke.

A cooperative with two producers — María consented to publishing her name, Juan did not —
plots with polygons, a harvest from one plot, a harvest shared between both producers' plots,
and a passing verification of María's plot. What each test proves:

* the credential verifies (proof, checkpoint, every inclusion proof, the issuer's key bound
  by its registration entry) and says what the ledger says: exact kilograms per season and
  form (only the producer's share of a shared harvest), MXN bought and paid per season, the
  plot's area and landscape, the verification with standard and certifier;
* no coordinates and no name without consent (the name appears only with consent);
* a one-character change anywhere fails; an association re-signing forged evidence fails at
  the evidence; a key the log never bound to the association fails;
* revocation is a signed entry, the status list signed by the log operator reads revoked,
  and a revoked credential cannot be revoked twice nor by another association;
* a status index is given to one credential only.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from api.services.credentials import (
    issue_credential,
    revoke_credential,
    status_list,
    verify_here,
)
from api.services.ledger import LedgerService, full_registry
from api.services.supply import register_producer
from ledger.errors import AuthorizationError, DomainRuleError
from ledger.supply.producers import new_salt, personal_data_hash
from tests.cert_factories import (
    certifier_ready,
    issue_verification,
    record_evidence,
)
from tests.factories import make_key
from tests.supply_factories import SIERRA_POLYGON, SupplyWorld
from verifiers.credentials import find_coordinates, verify_credential
from verifiers.data_integrity import create_proof
from verifiers.errors import CredentialError

HOST = "qr.cafe-sierra.mx"


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[LedgerService, SupplyWorld]]:
    service = LedgerService.open(db_url, operator_key=make_key("operator"))
    try:
        w = SupplyWorld(service.store, full_registry(), ["coop-a", "coop-b"])
        for producer_id, name, consent in (
            ("p-1", "María López Pérez", True),
            ("p-2", "Juan Gómez Ruiz", False),
        ):
            data = {
                "name": name,
                "curp": None,
                "phone": None,
                "email": None,
                "consent_to_publish_name": consent,
            }
            salt = new_salt()
            body = {
                "producer_id": producer_id,
                "pii_hash": personal_data_hash(salt, data),
                "community": "Ejido Nueva Esperanza",
            }
            register_producer(service, w.sign("coop-a", "producer.registered", body), data, salt)
        w.plot("coop-a", "pl-1", "p-1")
        w.plot("coop-a", "pl-2", "p-2", geometry={"type": "Point", "coordinates": [-92.61, 15.61]})
        w.harvest("coop-a", "h-1", {"pl-1": 500})
        w.harvest("coop-a", "h-2", {"pl-1": 200.5, "pl-2": 100})
        w.submit("coop-a", "purchase.recorded", {
            "purchase_id": "c-1", "lot_id": "h-1", "producer_id": "p-1", "quantity_kg": "500",
            "price_per_kg_mxn": "7.35", "amount_mxn": "3675"})  # fmt: skip
        w.submit("coop-a", "payment.recorded", {
            "payment_id": "x-1", "producer_id": "p-1", "kind": "cash", "amount_mxn": "3000.5",
            "paid_on": "2026-02-01", "purchase_ids": ["c-1"]})  # fmt: skip
        certifier = certifier_ready(w)
        record_evidence(w, "coop-a", "association", "coop-a")
        record_evidence(w, "coop-a", "plot", "pl-1")
        issue_verification(
            w, certifier, "ver-1", "coop-a", {"products": ["coffee"], "plots": ["pl-1"]}
        )
        yield service, w
    finally:
        service.close()


def _issue(world: tuple[LedgerService, SupplyWorld], producer_id: str = "p-1") -> dict[str, Any]:
    service, w = world
    return issue_credential(service, producer_id, w.keys["coop-a"], host=HOST).credential


def test_credential_verifies_and_says_what_the_ledger_says(
    world: tuple[LedgerService, SupplyWorld],
) -> None:
    service, _w = world
    credential = _issue(world)
    verdict = verify_credential(credential, trusted_log_key=service.log_info().verifier_key)
    assert verdict.org_id == "coop-a" and verdict.producer_id == "p-1"
    assert verdict.revoked is None
    subject = credential["credentialSubject"]
    assert subject["name"] == "María López Pérez"
    assert subject["seasons"] == [
        {
            "season": "2025/26",
            "product": "coffee",
            "firstDelivery": subject["seasons"][0]["firstDelivery"],
            "lastDelivery": subject["seasons"][0]["lastDelivery"],
            "deliveries": [{"form": "cherry", "quantityKg": "700.5", "count": 2}],
        }
    ]
    assert [p["id"] for p in subject["plots"]] == ["pl-1"]
    assert subject["plots"][0]["landscape"] == "Sierra Madre de Chiapas"
    [certification] = subject["certifications"]
    assert certification["verificationId"] == "ver-1"
    assert certification["standard"] == "coffee-ab@1" and certification["result"] == "pass"
    assert certification["certifier"]["name"] and certification["status"] == "active"
    assert subject["payments"] == [
        {"season": "2025/26", "currency": "MXN", "purchasedMxn": "3675.00",
         "paidMxn": "3000.50", "advancedMxn": "0.00", "purchases": 1, "payments": 1}
    ]  # fmt: skip
    # producer, plot, two harvests, purchase, payment, the verification; the issuer's entry
    assert len(credential["evidence"][0]["entries"]) == 7
    assert verdict.entries_checked == 8
    assert verify_here(service, credential).revoked is False


def test_no_coordinates_and_no_name_without_consent(
    world: tuple[LedgerService, SupplyWorld],
) -> None:
    credential = _issue(world, "p-2")
    text = json.dumps(credential, ensure_ascii=False)
    assert find_coordinates(credential) == []
    for lon, lat in SIERRA_POLYGON["coordinates"][0]:
        assert str(lon) not in text and str(lat) not in text
    assert "-92.61" not in text and "15.61" not in text
    assert "name" not in credential["credentialSubject"]
    assert "Juan" not in text and "Gómez" not in text
    assert credential["credentialSubject"]["seasons"][0]["deliveries"] == [
        {"form": "cherry", "quantityKg": "100", "count": 1}
    ]
    # Without the flag the consenting producer's name stays out too.
    service, w = world
    plain = issue_credential(service, "p-1", w.keys["coop-a"], host=HOST, with_name=False)
    assert "María" not in json.dumps(plain.credential, ensure_ascii=False)


def _flip(text: str) -> str:
    index = len(text) // 2
    return text[:index] + ("1" if text[index] != "1" else "2") + text[index + 1 :]


@pytest.mark.parametrize(
    "path",
    [
        ("credentialSubject", "seasons", 0, "deliveries", 0, "quantityKg"),
        ("credentialSubject", "producerId"),
        ("evidence", 0, "entries", 0, "entryHash"),
        ("evidence", 0, "checkpoint"),
        ("credentialStatus", "statusListIndex"),
        ("validFrom",),
    ],
)
def test_one_character_change_fails(
    world: tuple[LedgerService, SupplyWorld], path: tuple[Any, ...]
) -> None:
    credential = _issue(world)
    target: Any = credential
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = _flip(str(target[path[-1]]))
    with pytest.raises(CredentialError) as caught:
        verify_credential(credential)
    assert caught.value.field == "proof.proofValue"


def test_forged_evidence_fails_even_when_re_signed(
    world: tuple[LedgerService, SupplyWorld],
) -> None:
    _service, w = world
    credential = _issue(world)
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    created = credential["proof"]["created"]
    forged = copy.deepcopy(unsigned)
    forged["evidence"][0]["entries"][1]["entryHash"] = "00" * 32
    with pytest.raises(CredentialError) as caught:
        verify_credential(create_proof(forged, w.keys["coop-a"], created=created))
    assert caught.value.field == "evidence.0.entries.1"
    # A key the log never bound to coop-a.
    with pytest.raises(CredentialError) as caught:
        verify_credential(create_proof(unsigned, make_key("impostor"), created=created))
    assert caught.value.field == "proof.verificationMethod"
    # Anchored in another log than the one the verifier trusts.
    with pytest.raises(CredentialError) as caught:
        verify_credential(credential, trusted_log_key="other.example/log+01234567+AAAA")
    assert caught.value.field == "evidence.0.verifierKey"


def test_revoked_reads_revoked(world: tuple[LedgerService, SupplyWorld]) -> None:
    service, w = world
    credential = _issue(world)
    active = status_list(service, "coop-a", HOST)
    assert verify_credential(credential, status_list=active).revoked is False
    revoke_credential(service, credential["id"], w.keys["coop-a"], "datos corregidos")
    revoked_list = status_list(service, "coop-a", HOST)
    assert verify_credential(credential, status_list=revoked_list).revoked is True
    # The old list still verifies: it is the verifier's job to fetch a fresh one.
    with pytest.raises(DomainRuleError, match="is revoked"):
        revoke_credential(service, credential["id"], w.keys["coop-a"], "otra vez")
    # A list forged by anyone but the log operator is refused.
    forged = create_proof(
        {k: v for k, v in active.items() if k != "proof"},
        w.keys["coop-a"],
        created=active["proof"]["created"],
    )
    with pytest.raises(CredentialError) as caught:
        verify_credential(credential, status_list=forged)
    assert caught.value.field == "statusList.proof"


def test_only_the_issuing_association_revokes_and_indices_are_unique(
    world: tuple[LedgerService, SupplyWorld],
) -> None:
    service, w = world
    credential = _issue(world)
    with pytest.raises(DomainRuleError, match="issued by coop-a"):
        revoke_credential(service, credential["id"], w.keys["coop-b"], "no es nuestra")
    index = int(credential["credentialStatus"]["statusListIndex"])
    with pytest.raises(DomainRuleError, match="already used"):
        w.submit(
            "coop-a",
            "credential.issued",
            {
                "credential_id": "urn:uuid:00000000-0000-4000-8000-000000000000",
                "status_index": index,
            },
        )
    with pytest.raises(AuthorizationError):
        issue_credential(service, "p-1", w.keys["coop-b"], host=HOST)
