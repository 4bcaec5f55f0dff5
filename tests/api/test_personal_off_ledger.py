"""Disaggregation attributes (gender, year of birth, Indigenous language) stay off the ledger.

What each test proves, on SQLite and PostgreSQL:

* A new ``producer.registered`` naming a gender is refused, naming ``statement.body.gender``
  and where the attribute goes instead; naming a year of birth or an Indigenous language is
  refused as a schema error naming that field. Nothing is appended.
* The same attributes are accepted in the off-ledger personal-data record that the entry's
  ``pii_hash`` commits to, with ``consent_to_statistics``.
* Entries recorded under the older rule (which accepted ``gender``) stay history: a ledger
  holding one still verifies from genesis with today's rules.
* Over HTTP the refusal is a 4xx JSON naming the field, never a 500.
* ``GET /api/v1/producers`` (and one producer) never serves a gender, year of birth or
  Indigenous language, not even the gender an old entry recorded on the ledger; the
  association reads the consented off-ledger record instead.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.ledger import LedgerService, full_registry
from api.services.supply import personal_data, register_producer
from api.settings import Settings
from ledger.errors import DomainRuleError, SchemaError
from ledger.registry import AppendContext, Registry
from ledger.supply.producers import PersonalData, new_salt, personal_data_hash
from tests.factories import make_key
from tests.supply_factories import SupplyWorld, producer_body


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[LedgerService, SupplyWorld]]:
    service = LedgerService.open(db_url, operator_key=make_key("operator"))
    w = SupplyWorld(service.store, service.registry, {"coop-a": "association"})
    try:
        yield service, w
    finally:
        service.close()


def test_new_producer_entry_with_gender_is_refused_naming_the_field(
    world: tuple[LedgerService, SupplyWorld],
) -> None:
    service, w = world
    size = service.head().size
    with pytest.raises(DomainRuleError) as caught:
        service.submit(
            w.sign("coop-a", "producer.registered", producer_body("p-1", gender="female"))
        )
    assert caught.value.field == "statement.body.gender"
    assert "personal data stays off the ledger" in str(caught.value)
    assert "personal_data.gender" in str(caught.value)
    # "undisclosed" is still an attribute named on the ledger: refused too.
    with pytest.raises(DomainRuleError):
        service.submit(
            w.sign("coop-a", "producer.registered", producer_body("p-1", gender="undisclosed"))
        )
    assert service.head().size == size


@pytest.mark.parametrize(
    ("name", "value"),
    [("birth_year", 1998), ("year_of_birth", 1998), ("indigenous_language", "tseltal"),
     ("indigenous_language_speaker", True), ("age", 28)],
)  # fmt: skip
def test_other_disaggregation_attributes_are_refused_naming_them(
    world: tuple[LedgerService, SupplyWorld], name: str, value: Any
) -> None:
    service, w = world
    with pytest.raises(SchemaError) as caught:
        service.submit(
            w.sign("coop-a", "producer.registered", producer_body("p-1", **{name: value}))
        )
    text = str(caught.value) + repr(getattr(caught.value, "errors", ""))
    assert name in text and "personal data stays off the ledger" in text


def _register_consented(
    service: LedgerService, w: SupplyWorld, producer_id: str, name: str
) -> None:
    """Register a member of coop-a whose off-ledger record holds gender, year of birth and
    Indigenous language with consent to statistics (the entry carries only its hash)."""
    data = PersonalData.model_validate({
        "name": name, "gender": "female", "birth_year": 1998,
        "indigenous_language_speaker": True, "consent_to_statistics": True,
    }).model_dump()  # fmt: skip
    salt = new_salt()
    body = producer_body(producer_id, pii_hash=personal_data_hash(salt, data))
    register_producer(service, w.sign("coop-a", "producer.registered", body), data, salt)


def test_attributes_go_to_the_consented_off_ledger_record(
    world: tuple[LedgerService, SupplyWorld],
) -> None:
    service, w = world
    _register_consented(service, w, "p-2", "María López Pérez")
    stored = personal_data(service, "p-2")
    assert stored is not None and stored.data["indigenous_language_speaker"] is True
    producer = service.store.state_get("producer", "p-2")
    assert producer is not None
    assert producer["gender"] == "undisclosed"  # the projection's old default, never a value
    # A record without the statistical attributes hashes exactly as it did before them.
    plain = PersonalData.model_validate({"name": "Juan Pérez"}).model_dump()
    assert set(plain) == {"name", "curp", "phone", "email", "consent_to_publish_name"}


def _older_rules() -> Registry:
    """Today's registry with ``producer.registered`` admitting as before the rule: the
    ledger a deployment recorded before gender moved off it."""
    today = full_registry()

    def admitted_before(ctx: AppendContext, body: Any) -> None:
        today.get("producer.registered").apply(dataclasses.replace(ctx, replaying=True), body)

    return Registry(
        dataclasses.replace(today.get(n), apply=admitted_before)
        if n == "producer.registered"
        else today.get(n)
        for n in today.names()
    )


def test_entries_recorded_with_gender_before_the_rule_still_verify(db_url: str) -> None:
    service = LedgerService.open(db_url, operator_key=make_key("operator"))
    try:
        w = SupplyWorld(service.store, _older_rules(), {"coop-a": "association"})
        old = w.submit("coop-a", "producer.registered", producer_body("p-old", gender="female"))
        assert old.statement.body["gender"] == "female"
        w.registry = service.registry  # the rule applies from here on
        with pytest.raises(DomainRuleError):
            w.submit("coop-a", "producer.registered", producer_body("p-new", gender="male"))
        w.submit("coop-a", "producer.registered", producer_body("p-new"))
        service.issue_checkpoint()
        verified = service.verify()
        assert verified.size == service.head().size
    finally:
        service.close()


def test_api_never_serves_personal_attributes_of_old_entries(tmp_path: Path, db_url: str) -> None:
    service = LedgerService.open(db_url, operator_key=make_key("operator"))
    try:
        w = SupplyWorld(service.store, _older_rules(), {"coop-a": "association"})
        w.submit("coop-a", "producer.registered", producer_body("p-old", gender="female"))
        w.registry = service.registry
        _register_consented(service, w, "p-new", "Ana Ruiz")
        assert service.store.state_get("producer", "p-old")["gender"] == "female"  # type: ignore[index]
        cfg = Settings(data_dir=tmp_path, database_url=db_url)
        with TestClient(create_app(cfg, service)) as client:
            listed = client.get("/api/v1/producers")
            assert listed.status_code == 200, listed.text
            shown = {p["producer_id"]: p for p in listed.json()["data"]}
            one = client.get("/api/v1/producers/p-old")
            assert one.status_code == 200, one.text
        assert set(shown) == {"p-old", "p-new"}
        personal = {"gender", "birth_year", "year_of_birth", "age", "indigenous_language_speaker",
                    "indigenous_language"}  # fmt: skip
        for doc in [*shown.values(), one.json()]:
            assert personal.isdisjoint(doc), doc
            assert doc["org_id"] and "registered_seq" in doc
        # The consented record still holds what statistics may count.
        stored = personal_data(service, "p-new")
        assert stored is not None and stored.data["gender"] == "female"
    finally:
        service.close()


def test_http_refusal_names_the_field(
    tmp_path: Path, db_url: str, world: tuple[LedgerService, SupplyWorld]
) -> None:
    service, w = world
    cfg = Settings(data_dir=tmp_path, database_url=db_url)
    with TestClient(create_app(cfg, service)) as client:
        signed = w.sign("coop-a", "producer.registered", producer_body("p-h", gender="female"))
        response = client.post("/api/v1/entries", json=signed.model_dump(mode="json"))
        assert response.status_code == 409, response.text
        assert "statement.body.gender" in response.text


def test_cli_producer_register_keeps_attributes_off_the_ledger(tmp_path: Path, db_url: str) -> None:
    """``biotraza producer register --gender --birth-year --indigenous-speaker
    --consent-statistics`` on the demo: the record holds them, the entry does not; a bad year
    is one line naming the field, exit 1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env.update({"COLUMNS": "200", "BIOTRAZA_KEY_PASSPHRASE": "cli-test-passphrase",
                "BIOTRAZA_DATA_DIR": str(tmp_path / "demo"),
                "BIOTRAZA_DATABASE_URL": db_url})  # fmt: skip
    exe = str(Path(sys.executable).with_name("biotraza"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], env=env, capture_output=True, text=True,  # noqa: S603
                              check=False, timeout=300)  # fmt: skip

    built = run("demo", "--no-serve", "--data-dir", str(tmp_path / "demo"), "--database-url",
                db_url)  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    done = run("producer", "register", "cs-p99", "--name", "Ana Ruiz Gómez", "--signer",
               "org-cafe-sierra", "--gender", "female", "--birth-year", "1999",
               "--indigenous-speaker", "--consent-statistics")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    service = LedgerService.open(db_url, migrate=False)
    try:
        stored = personal_data(service, "cs-p99")
        assert stored is not None
        assert (stored.data["gender"], stored.data["birth_year"]) == ("female", 1999)
        assert stored.data["indigenous_language_speaker"] is True
        assert stored.data["consent_to_statistics"] is True
        entry = service.entry(service.head().size - 1)
        assert entry.statement.type == "producer.registered"
        assert set(entry.statement.body) == {"producer_id", "pii_hash"}
    finally:
        service.close()
    bad = run("producer", "register", "cs-p98", "--name", "Luis Pérez", "--signer",
              "org-cafe-sierra", "--birth-year", "1800")  # fmt: skip
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "personal_data.birth_year" in bad.stdout + bad.stderr
