"""``biotraza device enroll / revoke / list / refusals`` as a subprocess, on both engines.

The association's stored key enrols a phone's public key for some capture types and revokes
it; the lists show status, entries synced and refusals. Mistakes (a type no device may hold,
a malformed public key, an unknown reason, revoking twice, an unknown org) are one error
line naming the field, exit 1, and nothing appended.
"""

from __future__ import annotations

import json
from pathlib import Path

from api.services.ledger import LedgerService, projection_key
from api.services.refusals import note_device_refusal
from ledger.errors import AuthorizationError
from ledger.keys import encode_public_key, key_id
from ledger.keystore import KeyStore
from ledger.statements import sign_statement
from tests.api.test_cli import PASSPHRASE, env, failed, head_size, initialized, ok
from tests.factories import make_key

__all__ = ["env", "initialized"]  # fixtures, used by name

PHONE = make_key("phone-cli")
PHONE_ID = key_id(PHONE)


def _service(env: dict[str, str], db_url: str) -> LedgerService:
    """The CLI's ledger, opened in-process with its deployment's projection seal key."""
    data_dir = Path(env["BIOTRAZA_DATA_DIR"])
    return LedgerService.open(db_url, migrate=False, seal_key=projection_key(data_dir))


def _register_association(env: dict[str, str], db_url: str) -> None:
    """In-process set-up that is not the subject here: a registrar and the association."""
    keystore = KeyStore(Path(env["BIOTRAZA_DATA_DIR"]) / "keys")
    registrar = keystore.create("registrar", PASSPHRASE)
    coop = keystore.create("coop", PASSPHRASE)
    root = keystore.load("root", PASSPHRASE)
    grant = {"name": "registrar", "public_key": registrar.public_key, "role": "registrar"}
    org = {
        "org_id": "coop-a",
        "name": "Cooperativa Sierra",
        "legal_form": "cooperativa",
        "state": "07",
        "public_key": coop.public_key,
    }
    service = _service(env, db_url)
    try:
        service.submit(sign_statement(root, "key.added", grant))
        reg = keystore.load("registrar", PASSPHRASE)
        service.submit(sign_statement(reg, "org.registered", org))
    finally:
        service.close()


def test_enroll_list_revoke(initialized: dict[str, str], db_url: str) -> None:
    env = initialized
    _register_association(env, db_url)
    size = head_size(db_url)
    public = encode_public_key(PHONE)

    bad_type = failed(
        env,
        "device",
        "enroll",
        "coop-a",
        public,
        "--label",
        "T1",
        "--signer",
        "coop",
        "--type",
        "lot.shipped",
    )
    assert "statement.body.entry_types" in bad_type.stderr
    bad_key = failed(
        env, "device", "enroll", "coop-a", "nonsense", "--label", "T1", "--signer", "coop"
    )
    assert "PUBLIC_KEY: not an Ed25519 public key" in bad_key.stderr
    assert head_size(db_url) == size

    enrolled = ok(
        env,
        "device",
        "enroll",
        "coop-a",
        public,
        "--label",
        "Técnico 1",
        "--signer",
        "coop",
        "--type",
        "producer.registered",
        "--offline-grace-days",
        "5",
    ).stdout
    assert f"device {PHONE_ID} enrolled for coop-a at seq {size}" in " ".join(enrolled.split())

    service = _service(env, db_url)
    try:
        service.submit(sign_statement(PHONE, "producer.registered", {"producer_id": "p-1"}))
        refused = sign_statement(PHONE, "plot.registered", {"plot_id": "x"})
        note_device_refusal(
            service, refused, AuthorizationError("not allowed"), "not_authorized", []
        )
    finally:
        service.close()

    listed = json.loads(ok(env, "device", "list", "coop-a", "--json").stdout)
    (device,) = listed["data"]
    assert device["status"] == "active" and device["entry_types"] == ["producer.registered"]
    assert device["entries"]["total"] == 1 and device["refusals"] == 1
    refusals = json.loads(ok(env, "device", "refusals", "coop-a", "--json").stdout)["data"]
    assert [r["code"] for r in refusals] == ["not_authorized"]

    bad_reason = failed(
        env, "device", "revoke", "coop-a", PHONE_ID, "--reason", "misplaced", "--signer", "coop"
    )
    assert "statement.body.reason" in bad_reason.stderr
    revoked = ok(
        env,
        "device",
        "revoke",
        "coop-a",
        PHONE_ID,
        "--reason",
        "lost",
        "--signer",
        "coop",
        "--note",
        "perdido en campo",
    ).stdout
    assert f"device {PHONE_ID} revoked at seq" in " ".join(revoked.split())
    again = failed(
        env, "device", "revoke", "coop-a", PHONE_ID, "--reason", "lost", "--signer", "coop"
    )
    assert "already revoked" in again.stderr
    table = ok(env, "device", "list", "coop-a").stdout
    assert "revoked (lost" in table and "Técnico 1" in table
    assert "no org" in failed(env, "device", "list", "nope").stderr
    ok(env, "ledger", "verify")
