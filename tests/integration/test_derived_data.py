"""Issue 15 item 6: derived data — projection rows and the entries' copied columns — changed
behind the ledger's back is named by ``ledger verify``, and no append builds on it.

The attacker writes the database with raw SQL (``tests.helpers_storage``) but does not hold
the deployment's ``projection.key``. Each test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from api.app import create_app
from api.services.ledger import LedgerService, projection_key
from api.settings import Settings
from ledger.chain import append
from ledger.errors import IntegrityError, TamperedDataError
from ledger.keys import encode_public_key, key_id
from ledger.statements import SignedStatement, sign_statement
from tests.factories import TS, make_key
from tests.helpers_storage import raw_update_document, raw_update_entry
from tests.supply_factories import SupplyWorld, producer_body, transform_body

A = "coop-a"


@pytest.fixture
def service(db_url: str, tmp_path: Path) -> Iterator[LedgerService]:
    """A ledger service holding this deployment's projection seal key."""
    svc = LedgerService.open(db_url, seal_key=projection_key(tmp_path / "data"))
    try:
        yield svc
    finally:
        svc.close()


@pytest.fixture
def world(service: LedgerService) -> SupplyWorld:
    """A registrar, one association with a plot, and a 1,000 kg coffee harvest ``h1``."""
    w = SupplyWorld(service.store, service.registry, [A])
    w.producer(A, "p1")
    w.plot(A, "pl1", "p1")
    w.harvest(A, "h1", {"pl1": 1000})
    return w


def _state(service: LedgerService) -> tuple[Any, ...]:
    return service.head(), service.store.projection_rows()


# --------------------------------------------------------------------------- entry columns


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("type", "key.revoked"),
        ("actor", "0" * 32),
        ("nonce", "tampered-nonce"),
        ("ts", "2020-01-01T00:00:00Z"),
    ],
)
def test_verify_names_a_changed_entry_column(
    service: LedgerService, world: SupplyWorld, column: str, value: str
) -> None:
    seq = world.entries()[-1].seq
    service.verify()
    raw_update_entry(service.engine, seq, **{column: value})
    with pytest.raises(IntegrityError, match=f"entry {seq}: stored column {column} is") as info:
        service.verify()
    assert info.value.seq == seq


def test_a_retry_is_not_appended_twice_when_its_columns_were_changed(
    service: LedgerService, world: SupplyWorld
) -> None:
    # No rule refuses a repeat of this one: only the nonce makes it idempotent.
    signed = world.sign(world.root, "label.resolvers", {"hosts": ["qr.biotraza.example"]})
    first = service.submit(signed)
    raw_update_entry(service.engine, first.entry.seq, nonce="moved-away-nonce")
    before = _state(service)
    with pytest.raises(TamperedDataError, match="duplicate"):
        service.submit(signed)  # a rural network retrying the same signed statement
    assert _state(service) == before


def test_a_nonce_lookup_checks_the_leaf_it_finds(
    service: LedgerService, world: SupplyWorld
) -> None:
    harvest = world.entries()[-1]
    raw_update_entry(service.engine, harvest.seq, nonce="stolen-nonce-1")
    signed = sign_statement(
        world.keys[A], "producer.registered", producer_body("p3"), ts=TS, nonce="stolen-nonce-1"
    )
    before = _state(service)
    with pytest.raises(TamperedDataError, match="its leaf says"):
        service.submit(signed)
    assert _state(service) == before


# --------------------------------------------------------------------------- projections


def test_a_changed_lot_quantity_is_named_and_not_built_on(
    service: LedgerService, world: SupplyWorld
) -> None:
    def inflate(lot: dict[str, Any]) -> None:
        lot["quantity_g"] = lot["remaining_g"] = 10 * lot["quantity_g"]

    raw_update_document(service.engine, "lot", "h1", inflate)
    with pytest.raises(
        IntegrityError,
        match=(
            "projection document lot/h1: quantity_g is stored as 10000000; "
            "the signed entries give 1000000"
        ),
    ):
        service.verify()
    before = _state(service)
    oversize = transform_body("t1", "split", [("h1", 5000)], [("s1", 2500), ("s2", 2500)])
    with pytest.raises(TamperedDataError, match="lot/h1 does not match its seal"):
        service.submit(world.sign(A, "lot.transformed", oversize))
    assert _state(service) == before
    # Rebuilding from the signed entries restores the row; the honest split then fits.
    service.rebuild()
    service.verify()
    fitting = transform_body("t1", "split", [("h1", 1000)], [("s1", 500), ("s2", 500)])
    assert service.submit(world.sign(A, "lot.transformed", fitting)).created
    service.verify()


def test_a_revived_revoked_key_is_named_and_not_built_on(
    service: LedgerService, world: SupplyWorld
) -> None:
    deputy = make_key("deputy-root")
    world.submit(
        world.root,
        "key.added",
        {"name": "deputy", "public_key": encode_public_key(deputy), "role": "root"},
    )
    world.submit(world.root, "key.revoked", {"key_id": key_id(deputy), "reason": "lost"})
    raw_update_document(service.engine, "key", key_id(deputy), _unrevoke)
    with pytest.raises(
        IntegrityError,
        match=f"projection document key/{key_id(deputy)}: revoked_reason is stored as null",
    ):
        service.verify()
    before = _state(service)
    grant: SignedStatement = world.sign(
        deputy,
        "key.added",
        {"name": "sneaky", "public_key": encode_public_key(make_key("sneaky")), "role": "root"},
    )
    with pytest.raises(TamperedDataError, match=f"key/{key_id(deputy)} does not match"):
        append(service.store, service.registry, grant, clock=world.clock)
    assert _state(service) == before


def _unrevoke(doc: dict[str, Any]) -> None:
    doc["revoked_seq"] = doc["revoked_reason"] = None


def test_a_row_without_a_seal_is_refused(service: LedgerService, world: SupplyWorld) -> None:
    with service.engine.begin() as conn:
        conn.execute(text("UPDATE state_objects SET seal = NULL WHERE kind = 'lot'"))
    with pytest.raises(TamperedDataError, match="lot/h1 has no seal"):
        service.verify()
    split = transform_body("t1", "split", [("h1", 10)], [("s1", 5), ("s2", 5)])
    with pytest.raises(TamperedDataError, match="has no seal"):
        service.submit(world.sign(A, "lot.transformed", split))
    assert service.reseal_if_needed() is None  # some rows sealed: not an upgrade, refuse
    service.rebuild()
    assert service.submit(world.sign(A, "lot.transformed", split)).created
    service.verify()


def test_a_ledger_with_no_sealed_row_is_sealed_on_open(
    service: LedgerService, world: SupplyWorld, db_url: str, tmp_path: Path
) -> None:
    """What an upgrade from revision 0004 leaves: every row unsealed; the next start rebuilds
    them from the verified entries, sealed."""
    with service.engine.begin() as conn:
        conn.execute(text("UPDATE state_objects SET seal = NULL"))
    reopened = LedgerService.open(db_url, seal_key=projection_key(tmp_path / "data"))
    try:
        assert reopened.store.unsealed_rows() == 0
        split = transform_body("t1", "split", [("h1", 10)], [("s1", 5), ("s2", 5)])
        assert reopened.submit(world.sign(A, "lot.transformed", split)).created
        reopened.verify()
    finally:
        reopened.close()


def test_http_answers_503_ledger_integrity(
    service: LedgerService, world: SupplyWorld, db_url: str, tmp_path: Path
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    raw_update_document(service.engine, "lot", "h1", lambda lot: lot.update(remaining_g=1))
    split = transform_body("t1", "split", [("h1", 10)], [("s1", 5), ("s2", 5)])
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url)
    with TestClient(create_app(settings, service)) as client:
        answer = client.post(
            "/api/v1/entries", json=world.sign(A, "lot.transformed", split).to_dict()
        )
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "ledger_integrity"
