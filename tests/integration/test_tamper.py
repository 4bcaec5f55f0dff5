"""Tampering with stored rows is caught at the right seq; random valid histories verify.

The attacker here has raw database access: rows are changed around the append-only triggers
(see ``tests.helpers_storage.triggers_bypassed``) and restored after each example, so one
ledger per engine serves every example of a tamper test. The random-history test builds a
fresh database per example instead, because it appends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ledger.chain import append, verify_stored_leaves
from ledger.entries import Entry
from ledger.errors import (
    AuthorizationError,
    ChainBrokenError,
    DomainRuleError,
    EntryNotFoundError,
    HashMismatchError,
    IntegrityError,
    LedgerError,
)
from ledger.keys import encode_public_key, key_id
from ledger.merkle import root_at, root_from_leaf_hashes
from ledger.registry import Registry
from ledger.statements import SignedStatement, sign_statement
from ledger.storage.sql import SqlLedgerStore
from ledger.trust import DELEGABLE_ROLES, ROLES
from tests.factories import TS, bootstrap, make_key
from tests.helpers_storage import (
    build_ledger,
    fresh_database,
    open_store,
    projection_of,
    raw_delete_entry,
    raw_entry_row,
    raw_insert_entry,
    raw_update_entry,
)

LEDGER_SIZE = 12

TAMPER = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
HISTORIES = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def ledger(sql_store: SqlLedgerStore, registry: Registry) -> list[Entry]:
    """A verified ledger of ``LEDGER_SIZE`` entries in ``sql_store``."""
    _keys, entries, _granted = build_ledger(sql_store, registry, LEDGER_SIZE)
    assert verify_stored_leaves(sql_store.stored_leaves(), registry).size == LEDGER_SIZE
    return entries


def _assert_triggers_still_refuse(store: SqlLedgerStore) -> None:
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE entries SET nonce = nonce WHERE seq = 0"))
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM entries WHERE seq = 0"))


def _flip(data: bytes, offset: int, mask: int) -> bytes:
    flipped = bytearray(data)
    flipped[offset] ^= mask
    return bytes(flipped)


@TAMPER
@given(data=st.data())
def test_flipped_leaf_byte_is_caught_at_its_seq(
    sql_store: SqlLedgerStore, registry: Registry, ledger: list[Entry], data: st.DataObject
) -> None:
    seq = data.draw(st.integers(0, LEDGER_SIZE - 1), label="seq")
    original = raw_entry_row(sql_store.engine, seq)
    assert original is not None
    leaf = original["leaf"]
    offset = data.draw(st.integers(0, len(leaf) - 1), label="offset")
    mask = data.draw(st.integers(1, 255), label="mask")
    raw_update_entry(sql_store.engine, seq, leaf=_flip(leaf, offset, mask))
    try:
        with pytest.raises(IntegrityError) as caught:
            verify_stored_leaves(sql_store.stored_leaves(), registry)
        assert caught.value.seq == seq, (
            f"flipped byte {offset} of entry {seq} with {mask:#04x}; "
            f"verification blamed seq {caught.value.seq}: {caught.value}"
        )
    finally:
        raw_update_entry(sql_store.engine, seq, leaf=leaf)
    assert raw_entry_row(sql_store.engine, seq) == original


@TAMPER
@given(data=st.data())
def test_flipped_entry_hash_byte_is_caught_at_its_seq(
    sql_store: SqlLedgerStore, registry: Registry, ledger: list[Entry], data: st.DataObject
) -> None:
    seq = data.draw(st.integers(0, LEDGER_SIZE - 1), label="seq")
    original = raw_entry_row(sql_store.engine, seq)
    assert original is not None
    stored_hash = original["entry_hash"]
    offset = data.draw(st.integers(0, len(stored_hash) - 1), label="offset")
    mask = data.draw(st.integers(1, 255), label="mask")
    raw_update_entry(sql_store.engine, seq, entry_hash=_flip(stored_hash, offset, mask))
    try:
        with pytest.raises(HashMismatchError) as caught:
            verify_stored_leaves(sql_store.stored_leaves(), registry)
        assert caught.value.seq == seq
    finally:
        raw_update_entry(sql_store.engine, seq, entry_hash=stored_hash)
    assert raw_entry_row(sql_store.engine, seq) == original


@TAMPER
@given(seq=st.integers(0, LEDGER_SIZE - 2))
def test_deleted_middle_row_breaks_the_chain_at_its_seq(
    sql_store: SqlLedgerStore, registry: Registry, ledger: list[Entry], seq: int
) -> None:
    original = raw_entry_row(sql_store.engine, seq)
    assert original is not None
    raw_delete_entry(sql_store.engine, seq)
    try:
        with pytest.raises(ChainBrokenError) as caught:
            verify_stored_leaves(sql_store.stored_leaves(), registry)
        assert caught.value.seq == seq
    finally:
        raw_insert_entry(sql_store.engine, original)
    assert raw_entry_row(sql_store.engine, seq) == original


def test_deleted_last_row_is_invisible_to_the_chain_alone(
    sql_store: SqlLedgerStore, registry: Registry, ledger: list[Entry]
) -> None:
    """Truncating the tail leaves a valid shorter chain: that is what checkpoints are for.

    The chain cannot tell; but a root the operator signed at ``LEDGER_SIZE`` can no longer be
    recomputed from the entries (the removed leaf hash went with its row).
    """
    signed_root = root_at(sql_store, LEDGER_SIZE)
    assert signed_root == root_from_leaf_hashes([e.entry_hash for e in ledger])
    raw_delete_entry(sql_store.engine, LEDGER_SIZE - 1)
    verification = verify_stored_leaves(sql_store.stored_leaves(), registry)
    assert verification.size == LEDGER_SIZE - 1
    with pytest.raises(EntryNotFoundError):
        sql_store.get_node(0, LEDGER_SIZE - 1)
    assert root_from_leaf_hashes(verification.leaf_hashes) != signed_root


def test_tamper_helpers_restore_the_triggers(
    sql_store: SqlLedgerStore, registry: Registry, ledger: list[Entry]
) -> None:
    row = raw_entry_row(sql_store.engine, 3)
    assert row is not None
    raw_update_entry(sql_store.engine, 3, nonce="changed-nonce")
    raw_update_entry(sql_store.engine, 3, nonce=row["nonce"])
    raw_delete_entry(sql_store.engine, 5)
    raw_insert_entry(sql_store.engine, raw_entry_row_from(ledger[5]))
    _assert_triggers_still_refuse(sql_store)
    if sql_store.engine.dialect.name == "sqlite":
        with sql_store.engine.connect() as conn:
            recreated = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'entries_no_update'")
            ).scalar_one()
        assert recreated == (
            "CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries "
            "BEGIN SELECT RAISE(ABORT, 'entries is append-only: UPDATE refused'); END"
        )
    assert verify_stored_leaves(sql_store.stored_leaves(), registry).size == LEDGER_SIZE


def raw_entry_row_from(entry: Entry) -> dict[str, Any]:
    """The ``entries`` row the store writes for an entry."""
    statement = entry.statement
    return {
        "seq": entry.seq,
        "entry_hash": entry.entry_hash,
        "leaf": entry.leaf_bytes,
        "type": statement.type,
        "actor": statement.actor,
        "nonce": statement.nonce,
        "ts": statement.ts,
    }


# --------------------------------------------------------------------------- random histories


@dataclass
class TrustModel:
    """What the trust rules should decide, kept independently of ``ledger.trust``."""

    keys: list[Ed25519PrivateKey]
    roles: dict[str, str]
    revoked: set[str] = field(default_factory=set)
    roots: list[str] = field(default_factory=list)

    def pick(self, index: int) -> Ed25519PrivateKey:
        return self.keys[index % len(self.keys)]

    def signer_error(self, signer: Ed25519PrivateKey) -> type[LedgerError] | None:
        kid = key_id(signer)
        if kid in self.revoked or self.roles[kid] != "root":
            return AuthorizationError
        return None


Operation = tuple[Any, ...]

# Key indices are taken modulo the keys registered so far; half the signers are the genesis
# root (index 0), so most histories have many valid appends and some invalid ones.
key_index = st.integers(0, 63)
signer_index = st.just(0) | key_index
operations = st.one_of(
    st.tuples(st.just("grant"), st.sampled_from(ROLES), signer_index),
    st.tuples(st.just("revoke"), key_index, signer_index),
    st.tuples(st.just("regrant"), key_index, signer_index),
)


def _plan(
    model: TrustModel, op: Operation, step: int
) -> tuple[SignedStatement, type[LedgerError] | None, Any]:
    """The statement for an operation, the error the model expects, and how to commit it."""
    nonce = f"history-op-{step:04d}"
    kind = op[0]
    if kind == "grant":
        _, role, signer_ix = op
        signer, new = model.pick(signer_ix), make_fresh_key(step)
        body = {"name": f"k{step}", "public_key": encode_public_key(new), "role": role}
        signed = sign_statement(signer, "key.added", body, ts=TS, nonce=nonce)
        error = model.signer_error(signer) or (None if role in DELEGABLE_ROLES else DomainRuleError)

        def commit() -> None:
            kid = key_id(new)
            model.keys.append(new)
            model.roles[kid] = role
            if role == "root":
                model.roots.append(kid)

        return signed, error, commit
    if kind == "regrant":
        _, target_ix, signer_ix = op
        signer, target = model.pick(signer_ix), model.pick(target_ix)
        body = {"name": "again", "public_key": encode_public_key(target), "role": "certifier"}
        signed = sign_statement(signer, "key.added", body, ts=TS, nonce=nonce)
        return signed, model.signer_error(signer) or DomainRuleError, None
    _, target_ix, signer_ix = op
    signer, target = model.pick(signer_ix), model.pick(target_ix)
    target_id = key_id(target)
    body = {"key_id": target_id, "reason": f"step {step}"}
    signed = sign_statement(signer, "key.revoked", body, ts=TS, nonce=nonce)
    error = model.signer_error(signer)
    if error is None and (target_id in model.revoked or model.roots == [target_id]):
        error = DomainRuleError

    def revoke() -> None:
        model.revoked.add(target_id)
        if target_id in model.roots:
            model.roots.remove(target_id)

    return signed, error, revoke


def make_fresh_key(step: int) -> Ed25519PrivateKey:
    """A key no earlier step registered (derived from the step number)."""
    return make_key(f"history-{step}")


@HISTORIES
@given(ops=st.lists(operations, min_size=1, max_size=14))
def test_random_valid_histories_verify_and_replay_to_the_same_projections(
    db_url: str, registry: Registry, tmp_path: Path, ops: list[Operation]
) -> None:
    with fresh_database(db_url, tmp_path) as url, open_store(url) as store:
        keys = bootstrap(store, registry)
        model = TrustModel(
            keys=[keys.root, keys.operator],
            roles={key_id(keys.root): "root", key_id(keys.operator): "operator"},
            roots=[key_id(keys.root)],
        )
        appended = 1
        for step, op in enumerate(ops):
            signed, expected_error, commit = _plan(model, op, step)
            before = (store.head(), store.projection_rows())
            if expected_error is None:
                result = append(store, registry, signed)
                assert result.created and result.entry.seq == appended
                appended += 1
                event(f"appended: {op[0]}")
                if commit is not None:
                    commit()
                continue
            with pytest.raises(LedgerError) as caught:
                append(store, registry, signed)
            assert isinstance(caught.value, expected_error), (op, caught.value)
            assert (store.head(), store.projection_rows()) == before
            event(f"refused: {type(caught.value).__name__}")

        verification = verify_stored_leaves(store.stored_leaves(), registry)
        assert verification.size == appended == store.head().size
        assert verification.head_hash == store.head().last_hash
        assert projection_of(verification.state) == sorted(store.projection_rows())
        assert root_at(store, appended) == root_from_leaf_hashes(verification.leaf_hashes)
        roots_doc = verification.state.get("ledger", "roots")
        assert roots_doc is not None and roots_doc["active"] == model.roots
