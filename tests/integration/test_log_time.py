"""Issue 15 item 5: validity is judged at the log's clock, recorded in the leaf as ``log_time``.

Every test moves an injected clock (``tests.factories.FakeClock``); none sleeps. Each runs on
SQLite and PostgreSQL (``sql_store`` / ``db_url``), except the pure verification checks at the
end, which need no database.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from api.services.ledger import full_registry
from ledger.chain import append, verify_entries, verify_stored_leaves
from ledger.entries import Entry, build_entry
from ledger.errors import AuthorizationError, DomainRuleError, IntegrityError
from ledger.hashing import GENESIS_PREV
from ledger.keys import encode_public_key, key_id
from ledger.registry import Registry
from ledger.statements import SignedStatement, sign_statement
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine, upgrade_database
from tests.cert_factories import accredit, add_certifier, publish, record_evidence
from tests.cert_factories import verification_body as cert_body
from tests.factories import TS, FakeClock, bootstrap, make_genesis, make_key, make_key_added
from tests.supply_factories import SupplyWorld

EXPIRY = "2026-04-01T00:00:00Z"


def _grant(signer: Any, name: str, ts: str) -> SignedStatement:
    """A ``key.added`` of a certifier key, signed by ``signer`` claiming ``ts``."""
    body = {"name": name, "public_key": encode_public_key(make_key(name)), "role": "certifier"}
    return sign_statement(signer, "key.added", body, ts=ts)


def _deputy(store: SqlLedgerStore, registry: Registry, clock: FakeClock, **extra: Any) -> Any:
    """Bootstrap at ``TS`` and add a deputy root key expiring at ``EXPIRY``."""
    keys = bootstrap(store, registry, clock)
    deputy = make_key("deputy")
    added = make_key_added(keys.root, deputy, "root", valid_until=EXPIRY, **extra)
    append(store, registry, added, clock=clock)
    return keys, deputy


def test_an_expired_key_cannot_backdate_its_way_in(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    clock = FakeClock(TS)
    _keys, deputy = _deputy(sql_store, registry, clock)
    clock.set("2026-03-20T00:00:00Z")
    assert append(sql_store, registry, _grant(deputy, "a", "2026-03-20T00:00:00Z"), clock=clock)
    clock.set("2026-04-10T00:00:00Z")
    size = sql_store.head().size
    with pytest.raises(AuthorizationError, match="expired"):
        # Claims a time inside the window; the log's clock says the key expired.
        append(sql_store, registry, _grant(deputy, "b", "2026-03-25T00:00:00Z"), clock=clock)
    assert sql_store.head().size == size


def test_offline_grace_accepts_captures_signed_while_valid(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    clock = FakeClock(TS)
    _keys, deputy = _deputy(sql_store, registry, clock, offline_grace_days=3)
    clock.set("2026-04-03T23:00:00Z")  # within 3 days of expiry
    captured = _grant(deputy, "offline", "2026-03-30T08:00:00Z")
    assert append(sql_store, registry, captured, clock=clock).created
    with pytest.raises(AuthorizationError, match="expired"):
        # Signed after the key expired: no grace for that.
        append(sql_store, registry, _grant(deputy, "late", "2026-04-02T00:00:00Z"), clock=clock)
    clock.set("2026-04-04T00:00:01Z")  # grace over
    with pytest.raises(AuthorizationError, match="expired"):
        append(sql_store, registry, _grant(deputy, "too-late", "2026-03-30T09:00:00Z"), clock=clock)
    # The recorded log_time replays the same decisions.
    result = verify_stored_leaves(sql_store.stored_leaves(), registry)
    assert (result.size, result.legacy_entries) == (3, 0)


def test_a_revoked_key_is_refused_whatever_ts_and_grace(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    clock = FakeClock(TS)
    keys, deputy = _deputy(sql_store, registry, clock, offline_grace_days=30)
    clock.set("2026-03-10T00:00:00Z")
    revoke = sign_statement(
        keys.root,
        "key.revoked",
        {"key_id": key_id(deputy), "reason": "phone lost"},
        ts="2026-03-10T00:00:00Z",
    )
    append(sql_store, registry, revoke, clock=clock)
    clock.advance(minutes=1)
    with pytest.raises(AuthorizationError, match="revoked"):
        # Backdated before the revocation and inside the window: still refused.
        append(sql_store, registry, _grant(deputy, "after", "2026-03-02T00:00:00Z"), clock=clock)


def test_ts_is_bounded_by_the_log_clock_and_the_key_addition(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    clock = FakeClock(TS)
    _keys, deputy = _deputy(sql_store, registry, clock)
    with pytest.raises(DomainRuleError, match="clock skew") as future:
        append(sql_store, registry, _grant(deputy, "f", "2026-03-01T12:06:00Z"), clock=clock)
    assert future.value.field == "statement.ts"
    # Within the skew is fine (a device clock slightly ahead).
    assert append(sql_store, registry, _grant(deputy, "g", "2026-03-01T12:04:00Z"), clock=clock)
    with pytest.raises(AuthorizationError, match="before key"):
        append(sql_store, registry, _grant(deputy, "h", "2026-02-01T00:00:00Z"), clock=clock)


def test_log_time_never_decreases_when_the_clock_steps_back(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    clock = FakeClock("2026-03-01T12:10:00Z")
    keys = bootstrap(sql_store, registry, clock)
    clock.set("2026-03-01T12:05:00Z")  # NTP stepped the host's clock back
    added = append(sql_store, registry, make_key_added(keys.root, make_key("x")), clock=clock)
    assert added.entry.log_time == "2026-03-01T12:10:00.000000Z"
    clock.set("2026-03-01T12:20:00Z")
    later = append(sql_store, registry, make_key_added(keys.root, make_key("y")), clock=clock)
    assert later.entry.log_time == "2026-03-01T12:20:00.000000Z"
    times = [str(e.log_time) for e in sql_store.entries(0, 10)]
    assert times == sorted(times) and "None" not in times


def test_an_ended_accreditation_cannot_be_backdated(db_url: str) -> None:
    engine = create_ledger_engine(db_url)
    upgrade_database(engine)
    store = SqlLedgerStore(engine)
    try:
        w = SupplyWorld(store, full_registry(), ["coop-a"])
        w.producer("coop-a", "p-a")
        w.plot("coop-a", "pl-a", "p-a")
        publish(w)
        key = add_certifier(w)
        accredit(w, valid_from="2025-01-01", valid_until="2026-06-30")
        record_evidence(w, "coop-a", "plot", "pl-a")
        record_evidence(w, "coop-a", "association", "coop-a")
        scope = {"products": ["coffee"], "plots": ["pl-a"]}
        with store.read_state() as state:
            body = cert_body(state, "v1", "coop-a", scope)
        # The log's clock has moved past the accreditation; the certifier backdates.
        clock = FakeClock("2026-07-15T00:00:00Z")
        signed = sign_statement(key, "verification.issued", body, ts="2026-06-01T00:00:00Z")
        with pytest.raises(AuthorizationError, match="not on 2026-07-15"):
            append(store, w.registry, signed, clock=clock)
        # Admitted inside the window, the same statement is accepted.
        clock.set("2026-06-01T00:01:00Z")
        assert append(store, w.registry, signed, clock=clock).created
    finally:
        store.close()
        engine.dispose()


# --------------------------------------------------------------------------- verification


def _chain(registry: Registry, log_times: list[str | None]) -> list[Entry]:
    """Genesis plus key grants, placed by hand with the given ``log_time`` per entry."""
    root, operator = make_key("root"), make_key("operator")
    statements = [make_genesis(root, operator)]
    statements += [make_key_added(root, make_key(f"k{i}")) for i in range(len(log_times) - 1)]
    entries: list[Entry] = []
    prev = GENESIS_PREV
    for seq, (signed, log_time) in enumerate(zip(statements, log_times, strict=True)):
        entry = build_entry(seq, prev, signed, log_time)
        entries.append(entry)
        prev = entry.entry_hash
    return entries


def test_verify_refuses_a_decreasing_log_time(registry: Registry) -> None:
    good = ["2026-03-01T12:00:00.000000Z", "2026-03-01T12:00:01.000000Z"]
    assert verify_entries(_chain(registry, [*good, good[1]]), registry).size == 3
    with pytest.raises(IntegrityError, match="entry 2: log_time .* before") as info:
        verify_entries(_chain(registry, [*good, "2026-03-01T12:00:00.500000Z"]), registry)
    assert info.value.seq == 2


def test_verify_allows_legacy_entries_only_as_a_prefix(registry: Registry) -> None:
    stamped = "2026-03-01T12:00:00.000000Z"
    result = verify_entries(_chain(registry, [None, None, stamped]), registry)
    assert (result.size, result.legacy_entries) == (3, 2)
    with pytest.raises(IntegrityError, match="entry 2: no log_time") as info:
        verify_entries(_chain(registry, [None, stamped, None]), registry)
    assert info.value.seq == 2


def test_verify_replays_validity_at_the_recorded_log_time(registry: Registry) -> None:
    """A leaf claiming a log_time inside a window it was not admitted in cannot be made:
    the log_time is hashed, and verify judges the key at it."""
    root = make_key("root")
    deputy = make_key("deputy")
    entries = _chain(registry, ["2026-03-01T12:00:00.000000Z"])
    added = make_key_added(root, deputy, "root", valid_until=EXPIRY)
    entries.append(build_entry(1, entries[-1].entry_hash, added, "2026-03-01T12:00:01.000000Z"))
    late = _grant(deputy, "z", "2026-03-20T00:00:00Z")
    entries.append(build_entry(2, entries[-1].entry_hash, late, "2026-04-02T00:00:00.000000Z"))
    with pytest.raises(IntegrityError, match="entry 2: .*expired"):
        verify_entries(entries, registry)


# --------------------------------------------------------------------------- migration


def test_a_ledger_created_on_revision_0004_upgrades_and_verifies(
    db_url: str, registry: Registry
) -> None:
    """Entries written before log_time keep their bytes (they are hashed), are judged at
    their ts and counted as legacy; new entries after the upgrade are stamped."""
    engine = create_ledger_engine(db_url)
    try:
        upgrade_database(engine, "0004")
        root = make_key("root")
        legacy = _chain(registry, [None, None])  # genesis and one grant, as 0004 wrote them
        with engine.begin() as conn:
            for entry in legacy:
                statement = entry.statement
                conn.execute(
                    text(
                        "INSERT INTO entries (seq, entry_hash, leaf, type, actor, nonce, ts) "
                        "VALUES (:seq, :h, :leaf, :type, :actor, :nonce, :ts)"
                    ),
                    {
                        "seq": entry.seq,
                        "h": bytes(entry.entry_hash),
                        "leaf": entry.leaf_bytes,
                        "type": statement.type,
                        "actor": statement.actor,
                        "nonce": statement.nonce,
                        "ts": statement.ts,
                    },
                )
        upgrade_database(engine)
        store = SqlLedgerStore(engine)
        state = verify_stored_leaves(store.stored_leaves(), registry).state
        store.replace_projections(state.dump(), state.dump_links(), expected_size=2)
        clock = FakeClock("2026-03-02T00:00:00Z")
        added = append(store, registry, make_key_added(root, make_key("new")), clock=clock)
        assert added.entry.log_time == "2026-03-02T00:00:00.000000Z"
        result = verify_stored_leaves(store.stored_leaves(), registry)
        assert (result.size, result.legacy_entries) == (3, 2)
        store.close()
    finally:
        engine.dispose()
