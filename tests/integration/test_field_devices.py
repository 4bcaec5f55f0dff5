"""Field-device keys on the SQL store, once per engine: delegation, scope, revocation, time.

An association enrols a phone's key for some capture types; the phone then signs those
captures as the association would, and every attempt to step outside that scope is refused:
another organization's producers and plots, a type not enrolled, a type no device may hold,
enrolling further devices, signing after revocation (with or without a backdated ``ts``),
signing before enrolment, and signing after the enrolling association key was revoked.
Whatever the device signed before its revocation stays in the log and verifies.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.chain import append, verify_stored_leaves
from ledger.entries import Entry
from ledger.errors import AuthorizationError, DomainRuleError, SchemaError, UnknownKeyError
from ledger.keys import encode_public_key, key_id
from ledger.registry import Registry
from ledger.statements import sign_statement
from ledger.storage.sql import SqlLedgerStore
from ledger.supply.devices import DEVICE_CAPTURE_TYPES
from tests.factories import make_key
from tests.supply_factories import (
    SupplyWorld,
    apiary_body,
    harvest_body,
    org_body,
    org_key,
    plot_body,
    point,
    producer_body,
    receive_body,
    ship_body,
    transform_body,
)

A = "coop-a"
B = "coop-b"
ENROLLED_TS = "2026-03-01T12:00:00Z"


def device_body(org: str, device: Ed25519PrivateKey, **over: Any) -> dict[str, Any]:
    """``device.enrolled`` for every capture type, no expiry."""
    body: dict[str, Any] = {
        "org_id": org,
        "public_key": encode_public_key(device),
        "label": "Técnico Siltepec 1",
        "entry_types": list(DEVICE_CAPTURE_TYPES),
    }
    body.update(over)
    return body


def revoke_body(org: str, device: Ed25519PrivateKey, reason: str = "lost") -> dict[str, Any]:
    return {"org_id": org, "key_id": key_id(device), "reason": reason}


def state_doc(world: SupplyWorld, kind: str, key: str) -> dict[str, Any] | None:
    """A projection document of the world's SQL store."""
    assert isinstance(world.store, SqlLedgerStore)
    return world.store.state_get(kind, key)


@pytest.fixture
def world(sql_store: SqlLedgerStore, registry: Registry) -> SupplyWorld:
    """coop-a and coop-b; coop-b has producer p-b1 and point plot pl-b1."""
    w = SupplyWorld(sql_store, registry)
    w.producer(B, "p-b1")
    w.plot(B, "pl-b1", "p-b1", geometry=point(-92.61, 15.61))
    return w


@pytest.fixture
def phone() -> Ed25519PrivateKey:
    return make_key("phone-1")


def submit_at(
    world: SupplyWorld, key: Ed25519PrivateKey, type_: str, body: dict[str, Any], ts: str
) -> Entry:
    """Sign with a chosen ``ts`` and append at the world's (log) time."""
    result = append(
        world.store,
        world.registry,
        sign_statement(key, type_, body, ts=ts, nonce=world.next_nonce()),
        clock=world.clock,
    )
    return result.entry


def test_device_captures_a_day_of_work_as_its_association(
    world: SupplyWorld, phone: Ed25519PrivateKey
) -> None:
    world.submit(A, "device.enrolled", device_body(A, phone))
    world.ts = "2026-03-02T08:00:00Z"
    world.submit(phone, "producer.registered", producer_body("p-a1"))
    world.submit(phone, "plot.registered", plot_body("pl-a1", "p-a1", geometry=point()))
    world.submit(phone, "apiary.registered", apiary_body("ap-a1", "p-a1", hive_count=5))
    world.submit(phone, "lot.harvested", harvest_body("lot-a1", {"pl-a1": 500}))
    plot = state_doc(world, "plot", "pl-a1")
    lot = state_doc(world, "lot", "lot-a1")
    assert plot is not None and plot["org_id"] == A
    assert lot is not None and lot["org_id"] == A
    entries = world.entries()
    assert [e.statement.actor for e in entries[-4:]] == [key_id(phone)] * 4
    replay = verify_stored_leaves(world.store.stored_leaves(), world.registry)
    assert replay.size == len(entries)
    key = state_doc(world, "key", key_id(phone))
    assert key is not None
    assert key["role"] == "device"
    assert key["scope"] == {"org_id": A, "types": list(DEVICE_CAPTURE_TYPES)}


def test_device_cannot_touch_another_orgs_things(
    world: SupplyWorld, phone: Ed25519PrivateKey
) -> None:
    world.submit(A, "device.enrolled", device_body(A, phone))
    head = world.store.head()
    with pytest.raises((DomainRuleError, AuthorizationError)):
        world.submit(phone, "plot.registered", plot_body("pl-x", "p-b1", geometry=point()))
    with pytest.raises((DomainRuleError, AuthorizationError)):
        world.submit(phone, "lot.harvested", harvest_body("lot-x", {"pl-b1": 100}))
    assert world.store.head() == head


def test_device_signs_only_its_enrolled_types(world: SupplyWorld, phone: Ed25519PrivateKey) -> None:
    world.submit(A, "device.enrolled", device_body(A, phone, entry_types=["producer.registered"]))
    world.submit(phone, "producer.registered", producer_body("p-a1"))
    with pytest.raises(AuthorizationError, match="may sign only"):
        world.submit(phone, "plot.registered", plot_body("pl-a1", "p-a1", geometry=point()))
    world.submit(A, "plot.registered", plot_body("pl-a1", "p-a1", geometry=point()))
    world.submit(A, "lot.harvested", harvest_body("lot-a1", {"pl-a1": 500}))
    with pytest.raises(AuthorizationError, match="may sign only"):
        world.submit(phone, "lot.shipped", ship_body("sh-1", ["lot-a1"], B))


def test_enrolment_refuses_types_no_device_may_hold(
    world: SupplyWorld, phone: Ed25519PrivateKey
) -> None:
    for types in (
        ["lot.shipped"],
        ["device.enrolled"],
        ["evidence.recorded"],
        [],
        ["lot.harvested"] * 2,
    ):
        with pytest.raises(SchemaError) as caught:
            world.submit(A, "device.enrolled", device_body(A, phone, entry_types=types))
        assert any(f.startswith("statement.body.entry_types") for f, _ in caught.value.errors)


def test_device_cannot_enrol_or_revoke_devices(
    world: SupplyWorld, phone: Ed25519PrivateKey
) -> None:
    world.submit(A, "device.enrolled", device_body(A, phone))
    other = make_key("phone-2")
    with pytest.raises(AuthorizationError):
        world.submit(phone, "device.enrolled", device_body(A, other))
    world.submit(A, "device.enrolled", device_body(A, other))
    with pytest.raises(AuthorizationError):
        world.submit(phone, "device.revoked", revoke_body(A, other))


def test_association_enrols_only_for_itself(world: SupplyWorld, phone: Ed25519PrivateKey) -> None:
    with pytest.raises(AuthorizationError, match="speaks for coop-a, not coop-b"):
        world.submit(A, "device.enrolled", device_body(B, phone))
    world.submit(B, "device.enrolled", device_body(B, phone))
    with pytest.raises(AuthorizationError, match="speaks for coop-a"):
        world.submit(A, "device.revoked", revoke_body(B, phone))
    with pytest.raises(DomainRuleError) as caught:
        world.submit(A, "device.revoked", revoke_body(A, phone))
    assert caught.value.field == "statement.body.key_id"


def test_key_ids_stay_unique_across_roles(world: SupplyWorld) -> None:
    with pytest.raises(DomainRuleError) as caught:
        world.submit(A, "device.enrolled", device_body(A, org_key(B)))
    assert caught.value.field == "statement.body.public_key"
    with pytest.raises(DomainRuleError) as caught:
        world.submit(A, "device.enrolled", device_body(A, world.registrar))
    assert caught.value.field == "statement.body.public_key"


def test_revocation_is_final_whatever_ts_says(world: SupplyWorld, phone: Ed25519PrivateKey) -> None:
    world.submit(A, "device.enrolled", device_body(A, phone))
    world.ts = "2026-03-05T10:00:00Z"
    before = world.submit(phone, "producer.registered", producer_body("p-a1"))
    world.ts = "2026-03-06T10:00:00Z"
    world.submit(A, "device.revoked", revoke_body(A, phone, "stolen"))
    world.ts = "2026-03-07T10:00:00Z"
    with pytest.raises(AuthorizationError, match="revoked"):
        world.submit(phone, "producer.registered", producer_body("p-a2"))
    # The thief backdates to a moment the phone was still trusted: refused all the same.
    with pytest.raises(AuthorizationError, match="revoked"):
        submit_at(
            world, phone, "producer.registered", producer_body("p-a3"), "2026-03-05T11:00:00Z"
        )
    with pytest.raises(DomainRuleError, match="already revoked"):
        world.submit(A, "device.revoked", revoke_body(A, phone))
    # What it signed before stays and verifies.
    assert world.store.get(before.seq) == before
    assert state_doc(world, "producer", "p-a1") is not None
    verify_stored_leaves(world.store.stored_leaves(), world.registry)
    key = state_doc(world, "key", key_id(phone))
    assert key is not None and key["revoked_reason"] == "stolen"


def test_no_capture_before_enrolment(world: SupplyWorld, phone: Ed25519PrivateKey) -> None:
    with pytest.raises(UnknownKeyError):
        world.submit(phone, "producer.registered", producer_body("p-a0"))
    world.ts = "2026-03-10T12:00:00Z"
    world.submit(A, "device.enrolled", device_body(A, phone))
    world.ts = "2026-03-11T12:00:00Z"
    with pytest.raises(AuthorizationError, match="before key"):
        submit_at(
            world, phone, "producer.registered", producer_body("p-a1"), "2026-03-09T12:00:00Z"
        )
    submit_at(world, phone, "producer.registered", producer_body("p-a1"), "2026-03-10T12:03:00Z")


def test_offline_grace_after_expiry(world: SupplyWorld, phone: Ed25519PrivateKey) -> None:
    body = device_body(A, phone, valid_until="2026-03-31T00:00:00Z", offline_grace_days=10)
    world.submit(A, "device.enrolled", body)
    world.ts = "2026-04-05T09:00:00Z"  # synced five days after expiry
    submit_at(world, phone, "producer.registered", producer_body("p-a1"), "2026-03-28T15:00:00Z")
    with pytest.raises(AuthorizationError, match="expired"):
        submit_at(
            world, phone, "producer.registered", producer_body("p-a2"), "2026-04-01T15:00:00Z"
        )
    world.ts = "2026-04-11T09:00:00Z"  # past the grace
    with pytest.raises(AuthorizationError, match="expired"):
        submit_at(
            world, phone, "producer.registered", producer_body("p-a3"), "2026-03-29T15:00:00Z"
        )


def test_enrolment_window_is_checked(world: SupplyWorld, phone: Ed25519PrivateKey) -> None:
    with pytest.raises(DomainRuleError) as caught:
        world.submit(
            A, "device.enrolled", device_body(A, phone, valid_until="2026-02-01T00:00:00Z")
        )
    assert caught.value.field == "statement.body.valid_until"
    with pytest.raises(SchemaError):
        world.submit(A, "device.enrolled", device_body(A, phone, offline_grace_days=31))


def test_devices_stop_with_the_association_key_that_enrolled_them(
    world: SupplyWorld, phone: Ed25519PrivateKey
) -> None:
    world.submit(A, "device.enrolled", device_body(A, phone))
    world.submit(phone, "producer.registered", producer_body("p-a1"))
    world.submit(
        world.root, "key.revoked", {"key_id": key_id(org_key(A)), "reason": "laptop stolen"}
    )
    with pytest.raises(AuthorizationError, match="revoked"):
        world.submit(phone, "producer.registered", producer_body("p-a2"))
    key = state_doc(world, "key", key_id(phone))
    assert key is not None and key["revoked_reason"].startswith(
        f"enrolled by key {key_id(org_key(A))}"
    )
    replay = verify_stored_leaves(world.store.stored_leaves(), world.registry)
    assert replay.state.get("key", key_id(phone)) == key


def test_device_cannot_sign_office_or_trust_types(
    world: SupplyWorld, phone: Ed25519PrivateKey
) -> None:
    world.submit(A, "device.enrolled", device_body(A, phone))
    world.producer(A, "p-a1")
    world.plot(A, "pl-a1", "p-a1", geometry=point())
    world.harvest(A, "lot-a1", {"pl-a1": 500})
    world.ship(A, "sh-1", ["lot-a1"], B)
    attempts: list[tuple[str, dict[str, Any]]] = [
        (
            "lot.transformed",
            transform_body(
                "t-1", "process", [("lot-a1", 500)], [("lot-a2", 400)], form="parchment"
            ),
        ),
        ("lot.received", receive_body("sh-1")),
        ("org.registered", org_body("coop-x", make_key("org:coop-x"))),
        (
            "key.added",
            {"name": "x", "public_key": encode_public_key(make_key("x")), "role": "registrar"},
        ),
    ]
    head = world.store.head()
    for entry_type, body in attempts:
        with pytest.raises(AuthorizationError):
            world.submit(phone, entry_type, body)
    assert world.store.head() == head
