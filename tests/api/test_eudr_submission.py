"""Submitting a lot's DDS to the (local) EU Information System and recording the answers.

The client talks HTTP to ``tests/eudr_local_is.py``, which checks every request's
WS-Security header (digest, nonce, timestamps, client id) and validates its body against the
Commission's XSD. What each test proves:

* Submit → the request reaches the DDS service with its SOAPAction, is schema-valid, and the
  UUID is recorded on the lot (``eudr.dds_recorded`` SUBMITTED, request SHA-256 of exactly the
  body that was sent); a second submit of a live lot is refused. Poll → the reference and
  verification numbers are recorded; verify → EXISTING_USABLE; withdraw → WITHDRAWN recorded,
  verify → EXISTING_NON_USABLE; amend after 72 hours is refused locally, before any call.
* A wrong key is refused by the service (authentication fault) and nothing is recorded; the
  key never appears in the requests, the error or the credentials' repr.
* A schema-invalid statement is refused by the service with a fault naming the field.
* Credentials: from the environment (all three or a named missing one), else from the key
  store, sealed under the key-store passphrase.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api.eudr.client import EudrClient
from api.eudr.credentials import (
    CredentialsError,
    EudrCredentials,
    load_credentials,
    resolve_endpoint,
    save_credentials,
)
from api.eudr.dds import DdsOptions, build_dds
from api.eudr.record import amend_lot, poll_lot, statements, submit_lot, withdraw_lot
from api.eudr.xml import SoapFaultError
from api.exports.base import ExportError
from api.services.ledger import LedgerService
from ledger.keyfile import WrongPassphraseError
from tests.eudr_local_is import SOAP, LocalIS, start, stop
from tests.eudr_xsd import dds_errors
from tests.supply_factories import SupplyWorld, polygon_at


@pytest.fixture
def local_is() -> Iterator[LocalIS]:
    service = start(LocalIS())
    try:
        yield service
    finally:
        stop(service)


def _credentials(local_is: LocalIS, key: str | None = None) -> EudrCredentials:
    endpoint, environment = resolve_endpoint(local_is.endpoint)
    return EudrCredentials(local_is.username, key or local_is.auth_key, local_is.client_id,
                           endpoint, environment, "test")  # fmt: skip


def _world(service: LedgerService) -> SupplyWorld:
    w = SupplyWorld(service.store, service.registry, ("coop-a",))
    for i in range(3):
        w.producer("coop-a", f"p{i}")
        geometry, _area = polygon_at(i)
        w.plot("coop-a", f"pl-{i}", f"p{i}", geometry=geometry)
    w.harvest("coop-a", "h1", {"pl-0": 100, "pl-1": 100, "pl-2": 100})
    return w


def test_submit_poll_verify_withdraw(service: LedgerService, local_is: LocalIS) -> None:
    w = _world(service)

    def record(body: dict[str, Any]) -> None:
        w.submit("coop-a", "eudr.dds_recorded", body)

    options = DdsOptions(country_of_activity="DE", border_cross_country="DE")
    with EudrClient(_credentials(local_is)) as client:
        [submitted] = submit_lot(service, "h1", options, client, record, "test")
        [request] = local_is.requests
        assert request["action"].endswith("/due-diligence-statement/v3/submitDds")
        assert request["content_type"] == "text/xml; charset=utf-8"
        assert request["path"] == "/tracesnt/ws/EUDRDueDiligenceStatementServiceV3"
        assert "fault" not in request and local_is.auth_key.encode() not in request["body"]
        payload = ET.fromstring(request["body"]).find(f"{{{SOAP}}}Body")
        assert payload is not None and dds_errors(payload[0]) == []
        sent = ET.tostring(payload[0], "utf-8", xml_declaration=True)
        expected_xml = build_dds(service, "h1", options).parts[0].request_xml()
        assert sent == expected_xml
        assert submitted["request_sha256"] == hashlib.sha256(expected_xml).hexdigest()
        [doc] = statements(service, "h1")
        assert doc["status"] == "SUBMITTED" and doc["dds_uuid"] in local_is.statements
        assert doc["reference_number"] is None and doc["plots"] == 3

        with pytest.raises(ExportError, match="already has statement"):
            submit_lot(service, "h1", options, client, record, "test")

        waits: list[float] = []
        [polled] = poll_lot(service, "h1", client, record, interval=0.5, sleep=waits.append)
        assert waits == [0.5]  # processed on the second getDds
        [doc] = statements(service, "h1")
        known = local_is.statements[doc["dds_uuid"]]
        assert doc["status"] == "AVAILABLE" == polled["status"]
        assert doc["reference_number"] == known.reference_number
        assert doc["verification_number"] == known.verification_number
        assert poll_lot(service, "h1", client, record) == []  # nothing new

        result = client.verify(doc["reference_number"], doc["verification_number"])
        assert (result.result, result.status) == ("EXISTING_USABLE", "AVAILABLE")
        assert client.verify(doc["reference_number"], "WRONG1").result == "NON_EXISTENT"

        submitted_at = datetime.fromisoformat(doc["submitted_at"].replace("Z", "+00:00"))
        soon, later = submitted_at + timedelta(hours=71), submitted_at + timedelta(hours=73)
        calls = len(local_is.requests)
        with pytest.raises(ExportError, match="more than 72 hours"):
            amend_lot(service, "h1", doc["dds_uuid"], options, client, record, now=later)
        assert len(local_is.requests) == calls  # refused before calling the service

        amended = amend_lot(service, "h1", doc["dds_uuid"], options, client, record, now=soon)
        assert amended["status"] == "AVAILABLE"
        withdrawn = withdraw_lot(service, "h1", doc["dds_uuid"], client, record, now=soon)
        assert withdrawn["status"] == "WITHDRAWN"
        [doc] = statements(service, "h1")
        assert doc["status"] == "WITHDRAWN" and doc["reference_number"] == known.reference_number
        result = client.verify(doc["reference_number"], doc["verification_number"])
        assert (result.result, result.status) == ("EXISTING_NON_USABLE", "WITHDRAWN")
    assert all("fault" not in r for r in local_is.requests)
    nonces = [ET.fromstring(r["body"]).findtext(".//{*}Nonce") for r in local_is.requests]
    assert len(set(nonces)) == len(nonces)


def test_a_wrong_key_is_refused_and_nothing_is_recorded(
    service: LedgerService, local_is: LocalIS
) -> None:
    w = _world(service)
    credentials = _credentials(local_is, key="not-the-key-at-all")
    assert "not-the-key" not in repr(credentials)
    recorded: list[dict[str, Any]] = []
    with EudrClient(credentials) as client, pytest.raises(SoapFaultError) as fault:
        submit_lot(service, "h1", DdsOptions(), client, recorded.append, "test")
    assert "Authentication failed" in str(fault.value) and "not-the-key" not in str(fault.value)
    assert recorded == [] and statements(service, "h1") == []
    assert w is not None


def test_a_schema_invalid_statement_gets_a_fault_naming_the_field(
    service: LedgerService, local_is: LocalIS
) -> None:
    _world(service)
    part = build_dds(service, "h1").parts[0]
    invalid = part.statement.__class__(**{**part.statement.__dict__, "country_of_activity": "MX"})
    with EudrClient(_credentials(local_is)) as client, pytest.raises(SoapFaultError) as fault:
        client.submit(invalid)
    assert fault.value.kind == "BusinessRulesValidationException"
    assert any("countryOfActivity" in where for where, _message in fault.value.errors)


def test_credentials_from_the_environment_or_the_key_store(tmp_path: Path) -> None:
    env = {
        "BIOTRAZA_EUDR_USERNAME": "u",
        "BIOTRAZA_EUDR_AUTH_KEY": "k-secret",
        "BIOTRAZA_EUDR_CLIENT_ID": "eudr-test",
    }
    found = load_credentials(tmp_path, None, env)
    assert found.environment == "acceptance" and found.source == "environment"
    assert found.endpoint == "https://acceptance.eudr.webcloud.ec.europa.eu/tracesnt/ws/"
    assert "k-secret" not in repr(found) and "k-secret" not in json.dumps(found.public())
    with pytest.raises(CredentialsError, match="BIOTRAZA_EUDR_CLIENT_ID: not set"):
        load_credentials(tmp_path, None, {k: v for k, v in env.items() if "CLIENT" not in k})
    with pytest.raises(CredentialsError, match="no EUDR credentials"):
        load_credentials(tmp_path, "pass phrase", {})
    with pytest.raises(CredentialsError, match="endpoint: expected acceptance, production"):
        resolve_endpoint("ftp://example")

    path = save_credentials(tmp_path, "a long pass phrase", username="u2", auth_key="k2-secret",
                            client_id="eudr-repository", endpoint="production")  # fmt: skip
    assert path.stat().st_mode & 0o777 == 0o600 and b"k2-secret" not in path.read_bytes()
    stored = load_credentials(tmp_path, "a long pass phrase", {})
    assert (stored.username, stored.auth_key, stored.environment) == ("u2", "k2-secret",
                                                                      "production")  # fmt: skip
    with pytest.raises(WrongPassphraseError):
        load_credentials(tmp_path, "another pass phrase", {})
    with pytest.raises(CredentialsError, match="BIOTRAZA_KEY_PASSPHRASE"):
        load_credentials(tmp_path, None, {})
    assert load_credentials(tmp_path, None, env).source == "environment"  # env wins
