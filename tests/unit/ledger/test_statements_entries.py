"""Statements, entries, trust rules and the key store, in memory only (no database).

What each group proves:

* Statement strictness: the statement and signed-statement models refuse every wrong type,
  extra field and non-canonical spelling, naming the field, so a validated statement
  re-encodes to exactly the bytes that were signed (DESIGN §2).
* Signing: the signature covers ``b"biotraza:statement:v1\\n" + JCS(statement)`` and nothing
  else; any change to the statement, or a key that is not the actor's, fails.
* Entry leaf: ``leaf = JCS({seq, prev, statement, sig})`` round-trips, non-canonical leaf bytes
  are refused, ``entry_hash = SHA-256(0x00 ‖ leaf)``.
* Golden vector: ``tests/vectors/golden_entry.json`` freezes one genesis entry byte for byte.
* Trust rules (DESIGN §4) through ``ledger.chain.append`` on ``InMemoryLedgerStore``,
  including a table of key-rotation scenarios, and that a failed append changes nothing.
* Properties (hypothesis): model and canonical-JSON round trips.
* ``ledger.__all__`` and the encrypted key store.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict

import ledger
from ledger.canonical import canonicalize, parse_canonical
from ledger.catalog import core_entry_types
from ledger.chain import admit, append, verify_entries
from ledger.encoding import b64url_encode
from ledger.entries import Entry, build_entry
from ledger.errors import (
    AuthorizationError,
    DomainRuleError,
    EncodingError,
    KeyStoreError,
    NonceReplayError,
    SchemaError,
    SignatureError,
    UnknownEntryTypeError,
    UnknownKeyError,
)
from ledger.hashing import GENESIS_PREV, EntryHash
from ledger.keys import encode_public_key, key_id, public_key_bytes
from ledger.keystore import KeyStore
from ledger.registry import AppendContext, EntryType, Registry
from ledger.state import InMemoryState
from ledger.statements import SignedStatement, Statement, format_ts, sign_statement
from ledger.storage import InMemoryLedgerStore
from tests.factories import TS, FakeClock, Keys, bootstrap, make_genesis, make_key, make_key_added

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
DOMAIN = b"biotraza:statement:v1\n"  # spelled out here on purpose: the test pins the format

NO_DB = settings(database=None, deadline=None, max_examples=100)


def _statement_dict(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "v": 1,
        "type": "key.added",
        "actor": "0123456789abcdef0123456789abcdef",
        "ts": TS,
        "nonce": "nonce-0001",
        "body": {"name": "x"},
    }
    data.update(overrides)
    return data


def _fields(exc: SchemaError) -> list[str]:
    return [path for path, _reason in exc.errors]


def _revoke(signer: Ed25519PrivateKey, target: Ed25519PrivateKey, **extra: Any) -> SignedStatement:
    return sign_statement(
        signer, "key.revoked", {"key_id": key_id(target), "reason": "rotation"}, ts=TS, **extra
    )


# =========================================================================== statements


class TestStatementStrictness:
    def test_valid_statement_is_accepted_as_is(self) -> None:
        data = _statement_dict()
        statement = Statement.from_dict(data)
        assert statement.to_dict() == data
        assert statement.canonical_bytes == rfc8785.dumps(data)

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("v", "1"),
            ("v", 2),
            ("v", 0),
            ("v", None),
            ("type", 7),
            ("actor", 12345),
            ("ts", 1772366400),
            ("nonce", 12345678),
            ("body", []),
            ("body", "text"),
            ("body", None),
        ],
        ids=lambda v: repr(v),
    )
    def test_wrong_types_name_the_field(self, name: str, value: Any) -> None:
        with pytest.raises(SchemaError) as info:
            Statement.from_dict(_statement_dict(**{name: value}))
        assert f"statement.{name}" in _fields(info.value)

    @pytest.mark.parametrize("value", [True, 1.0], ids=["true", "1.0"])
    def test_version_must_be_the_integer_one(self, value: Any) -> None:
        with pytest.raises(SchemaError) as info:
            Statement.from_dict(_statement_dict(v=value))
        assert "statement.v" in _fields(info.value)

    @pytest.mark.parametrize("missing", ["v", "type", "actor", "ts", "nonce", "body"])
    def test_missing_field_is_named(self, missing: str) -> None:
        data = _statement_dict()
        del data[missing]
        with pytest.raises(SchemaError) as info:
            Statement.from_dict(data)
        assert f"statement.{missing}" in _fields(info.value)

    def test_extra_field_is_refused(self) -> None:
        with pytest.raises(SchemaError) as info:
            Statement.from_dict(_statement_dict(seq=3))
        assert "statement.seq" in _fields(info.value)

    def test_extra_field_in_signed_statement_is_refused(self) -> None:
        signed = sign_statement(make_key("root"), "key.added", {"name": "x"}, ts=TS)
        with pytest.raises(SchemaError) as info:
            SignedStatement.from_dict({**signed.to_dict(), "seq": 0})
        assert "seq" in _fields(info.value)

    @pytest.mark.parametrize(
        "ts",
        [
            "2026-03-01T12:00:00",  # naive: no zone at all
            "2026-03-01T12:00:00z",  # lowercase z
            "2026-03-01t12:00:00Z",
            "2026-03-01T12:00:00+00:00",  # offset instead of Z
            "2026-03-01T07:00:00-05:00",
            "2026-03-01 12:00:00Z",
            "2026-03-01T12:00Z",  # no seconds
            "2026-03-01T12:00:00.1234567Z",  # 7 fraction digits
            "2026-03-01T12:00:00.Z",
            "2026-02-30T12:00:00Z",  # impossible dates and times
            "2026-13-01T12:00:00Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T12:00:60Z",
            "+2026-03-01T12:00:00Z",
            "20260301T120000Z",
            "",
        ],
    )
    def test_bad_timestamp_forms(self, ts: str) -> None:
        with pytest.raises(SchemaError) as info:
            Statement.from_dict(_statement_dict(ts=ts))
        assert _fields(info.value) == ["statement.ts"]

    @pytest.mark.parametrize("ts", ["2026-03-01T12:00:00Z", "2026-03-01T12:00:00.123456Z"])
    def test_good_timestamp_forms(self, ts: str) -> None:
        assert Statement.from_dict(_statement_dict(ts=ts)).moment.tzinfo is not None

    def test_format_ts_refuses_naive_datetimes(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            format_ts(datetime(2026, 3, 1, 12))  # noqa: DTZ001 - the naive case under test
        aware = datetime(2026, 3, 1, 7, tzinfo=timezone(timedelta(hours=-5)))
        assert format_ts(aware) == "2026-03-01T12:00:00Z"

    @pytest.mark.parametrize(
        "nonce", ["short", "x" * 65, "has space", "ñandú-nonce", "nonce/slash", "nonce.dot1", ""]
    )
    def test_bad_nonce(self, nonce: str) -> None:
        with pytest.raises(SchemaError) as info:
            Statement.from_dict(_statement_dict(nonce=nonce))
        assert _fields(info.value) == ["statement.nonce"]

    @pytest.mark.parametrize(
        "actor",
        ["0123456789ABCDEF0123456789ABCDEF", "0" * 31, "0" * 33, "g" * 32, " " + "0" * 31, ""],
    )
    def test_bad_actor(self, actor: str) -> None:
        with pytest.raises(SchemaError) as info:
            Statement.from_dict(_statement_dict(actor=actor))
        assert _fields(info.value) == ["statement.actor"]

    @pytest.mark.parametrize(
        "entry_type",
        [
            "Lot.harvested",
            "lot",
            "lot.",
            ".lot",
            "lot..harvested",
            "lot.harvested!",
            "1lot.harvested",
            "lot.Harvested",
            "lot-x.harvested",
            "a." + "b" * 63,
        ],
    )
    def test_bad_type_name(self, entry_type: str) -> None:
        with pytest.raises(SchemaError) as info:
            Statement.from_dict(_statement_dict(type=entry_type))
        assert _fields(info.value) == ["statement.type"]


class TestSignatureEncoding:
    @pytest.fixture
    def signed(self) -> SignedStatement:
        return sign_statement(make_key("root"), "key.added", {"name": "x"}, ts=TS, nonce="n" * 8)

    def test_canonical_sig_is_accepted(self, signed: SignedStatement) -> None:
        assert SignedStatement.from_dict(signed.to_dict()) == signed
        assert len(signed.signature) == 64

    def test_padded_sig_is_refused(self, signed: SignedStatement) -> None:
        with pytest.raises(SchemaError) as info:
            SignedStatement.from_dict({**signed.to_dict(), "sig": signed.sig + "=="})
        assert _fields(info.value) == ["sig"]

    def test_standard_alphabet_is_refused(self) -> None:
        statement = Statement.from_dict(_statement_dict())
        sig = "+/" + "A" * 84
        with pytest.raises(SchemaError) as info:
            SignedStatement.from_dict({"statement": statement.to_dict(), "sig": sig})
        assert _fields(info.value) == ["sig"]

    def test_nonzero_trailing_bits_are_refused(self, signed: SignedStatement) -> None:
        # 64 bytes = 86 characters with 4 spare bits at the end, which must be zero: a second
        # spelling of the same signature would make "same signed statement" ambiguous.
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        last = alphabet.index(signed.sig[-1])
        assert last % 16 == 0
        twin = signed.sig[:-1] + alphabet[last + 1]
        with pytest.raises(SchemaError) as info:
            SignedStatement.from_dict({**signed.to_dict(), "sig": twin})
        assert _fields(info.value) == ["sig"]

    @pytest.mark.parametrize("size", [63, 65])
    def test_wrong_signature_length_is_refused(self, signed: SignedStatement, size: int) -> None:
        sig = b64url_encode(bytes(size))
        with pytest.raises(SchemaError) as info:
            SignedStatement.from_dict({**signed.to_dict(), "sig": sig})
        assert _fields(info.value) == ["sig"]

    @pytest.mark.parametrize("sig", ["A" * 85, "A" * 87, "", 12])
    def test_wrong_text_length_or_type_is_refused(self, signed: SignedStatement, sig: Any) -> None:
        with pytest.raises(SchemaError) as info:
            SignedStatement.from_dict({**signed.to_dict(), "sig": sig})
        assert _fields(info.value) == ["sig"]

    def test_nested_statement_errors_carry_their_path(self, signed: SignedStatement) -> None:
        data = signed.to_dict()
        data["statement"] = {**data["statement"], "v": "1"}
        with pytest.raises(SchemaError) as info:
            SignedStatement.from_dict(data)
        assert "statement.v" in _fields(info.value)


# =========================================================================== signing


class TestSignVerify:
    def test_signature_covers_domain_and_jcs_bytes(self) -> None:
        key = make_key("root")
        signed = sign_statement(key, "key.added", {"b": 1, "a": "ü"}, ts=TS, nonce="n" * 8)
        public = Ed25519PublicKey.from_public_bytes(public_key_bytes(key))
        jcs = rfc8785.dumps(signed.statement.to_dict())
        assert signed.statement.canonical_bytes == jcs
        public.verify(signed.signature, DOMAIN + jcs)  # raises if not
        for wrong in (
            jcs,
            b"biotraza:statement:v2\n" + jcs,
            DOMAIN + json.dumps(signed.statement.to_dict(), sort_keys=True).encode(),
        ):
            with pytest.raises(InvalidSignature):
                public.verify(signed.signature, wrong)
        signed.verify_signature(public_key_bytes(key))

    def test_defaults_give_a_fresh_nonce_and_current_time(self) -> None:
        key = make_key("root")
        first = sign_statement(key, "key.added", {})
        second = sign_statement(key, "key.added", {})
        assert first.statement.nonce != second.statement.nonce
        age = datetime.now(UTC) - first.statement.moment
        assert timedelta(0) <= age < timedelta(minutes=1)

    @pytest.mark.parametrize(
        "change",
        [
            {"type": "key.revoked"},
            {"ts": "2026-03-01T12:00:01Z"},
            {"nonce": "nonce-0002"},
            {"body": {"name": "y"}},
            {"body": {"name": "x", "extra": None}},
            {"actor": "f" * 32},
        ],
        ids=lambda c: next(iter(c)),
    )
    def test_any_change_breaks_the_signature(self, change: dict[str, Any]) -> None:
        key = make_key("root")
        signed = sign_statement(key, "key.added", {"name": "x"}, ts=TS, nonce="nonce-0001")
        tampered = SignedStatement(
            statement=Statement.from_dict({**signed.statement.to_dict(), **change}), sig=signed.sig
        )
        with pytest.raises(SignatureError):
            tampered.verify_signature(public_key_bytes(key))

    def test_flipped_signature_bit_fails(self) -> None:
        key = make_key("root")
        signed = sign_statement(key, "key.added", {"name": "x"}, ts=TS)
        raw = bytearray(signed.signature)
        raw[10] ^= 1
        forged = SignedStatement(statement=signed.statement, sig=b64url_encode(bytes(raw)))
        with pytest.raises(SignatureError):
            forged.verify_signature(public_key_bytes(key))

    def test_key_that_is_not_the_actor_is_refused(self) -> None:
        signed = sign_statement(make_key("root"), "key.added", {"name": "x"}, ts=TS)
        with pytest.raises(SignatureError, match="not the actor"):
            signed.verify_signature(public_key_bytes(make_key("operator")))

    def test_signature_by_another_key_under_the_actors_name_fails(self) -> None:
        root, other = make_key("root"), make_key("other")
        statement = Statement.from_dict(_statement_dict(actor=key_id(root)))
        sig = b64url_encode(other.sign(DOMAIN + statement.canonical_bytes))
        with pytest.raises(SignatureError):
            SignedStatement(statement=statement, sig=sig).verify_signature(public_key_bytes(root))


# =========================================================================== entries


def _sample_entry(seq: int = 3) -> Entry:
    signed = sign_statement(make_key("root"), "key.added", {"name": "x", "n": 1.5}, ts=TS)
    return build_entry(seq, EntryHash(hashlib.sha256(b"prev").digest()), signed)


class TestEntryLeaf:
    def test_round_trip_through_leaf_bytes(self) -> None:
        entry = _sample_entry()
        again = Entry.from_leaf_bytes(entry.leaf_bytes)
        assert again == entry
        assert again.leaf_bytes == entry.leaf_bytes
        assert Entry.from_dict(entry.to_dict()) == entry

    def test_leaf_is_jcs_of_the_four_fields(self) -> None:
        entry = _sample_entry()
        expected = rfc8785.dumps(
            {
                "seq": entry.seq,
                "prev": entry.prev.hex(),
                "statement": entry.statement.to_dict(),
                "sig": entry.signed.sig,
            }
        )
        assert entry.leaf_bytes == expected
        assert entry.leaf_bytes.startswith(b'{"prev":"')

    def test_entry_hash_is_the_rfc9162_leaf_hash(self) -> None:
        entry = _sample_entry()
        assert entry.entry_hash == hashlib.sha256(b"\x00" + entry.leaf_bytes).digest()
        assert entry.entry_hash != hashlib.sha256(entry.leaf_bytes).digest()
        assert entry.to_dict()["entry_hash"] == entry.entry_hash.hex()

    @pytest.mark.parametrize(
        "variant",
        ["spaces", "indent", "reordered", "trailing_newline", "escaped_ascii", "float_seq"],
    )
    def test_non_canonical_leaf_bytes_are_refused(self, variant: str) -> None:
        entry = _sample_entry()
        leaf = json.loads(entry.leaf_bytes)
        bad = {
            "spaces": json.dumps(leaf, sort_keys=True, ensure_ascii=False).encode(),
            "indent": json.dumps(leaf, sort_keys=True, indent=1).encode(),
            "reordered": json.dumps(
                dict(reversed(list(leaf.items()))), separators=(",", ":")
            ).encode(),
            "trailing_newline": entry.leaf_bytes + b"\n",
            "escaped_ascii": entry.leaf_bytes.replace(b'"seq"', b'"\\u0073eq"'),
            "float_seq": entry.leaf_bytes.replace(b'"seq":3', b'"seq":3.0'),
        }[variant]
        assert bad != entry.leaf_bytes
        with pytest.raises(EncodingError):
            Entry.from_leaf_bytes(bad)

    @pytest.mark.parametrize(
        ("name", "value"),
        [("seq", "3"), ("seq", True), ("seq", -1), ("prev", "00"), ("prev", "A" * 64)],
    )
    def test_leaf_field_types_are_strict(self, name: str, value: Any) -> None:
        leaf = json.loads(_sample_entry().leaf_bytes)
        leaf[name] = value
        with pytest.raises(SchemaError) as info:
            Entry.from_leaf_bytes(canonicalize(leaf))
        assert name in _fields(info.value)

    def test_leaf_with_extra_field_is_refused(self) -> None:
        leaf = json.loads(_sample_entry().leaf_bytes)
        leaf["entry_hash"] = "00" * 32
        with pytest.raises(SchemaError):
            Entry.from_leaf_bytes(canonicalize(leaf))

    def test_duplicate_keys_in_leaf_are_refused(self) -> None:
        entry = _sample_entry()
        dup = entry.leaf_bytes.replace(b'"seq":3', b'"seq":3,"seq":4')
        with pytest.raises(EncodingError):  # however it is detected, it is refused
            Entry.from_leaf_bytes(dup)
        same_value = entry.leaf_bytes.replace(b'"seq":3', b'"seq":3,"seq":3')
        with pytest.raises(EncodingError):
            Entry.from_leaf_bytes(same_value)


# =========================================================================== golden vector


class TestGoldenVector:
    GOLDEN: dict[str, Any] = json.loads((VECTORS / "golden_entry.json").read_text("utf-8"))

    def _rebuild(self) -> tuple[SignedStatement, Entry]:
        root, operator = make_key("root"), make_key("operator")
        body = {
            "origin": "biotraza.example/golden",
            "root_keys": [{"name": "Raíz — gobernanza", "public_key": encode_public_key(root)}],
            "operator_key": {
                "name": "operador del registro",
                "public_key": encode_public_key(operator),
            },
        }
        signed = sign_statement(
            root, "ledger.genesis", body, ts="2026-03-01T12:00:00Z", nonce="golden-genesis-0001"
        )
        return signed, build_entry(0, GENESIS_PREV, signed)

    def test_keys_match(self) -> None:
        for name in ("root", "operator"):
            key = make_key(name)
            assert self.GOLDEN["keys"][name]["public_key"] == encode_public_key(key)
            assert self.GOLDEN["keys"][name]["key_id"] == key_id(key)

    def test_rebuilt_entry_matches_every_byte(self) -> None:
        signed, entry = self._rebuild()
        golden = self.GOLDEN
        assert signed.statement.to_dict() == golden["statement"]
        assert signed.statement.canonical_bytes == golden["statement_jcs"].encode("utf-8")
        assert golden["signing_domain"].encode("ascii") == DOMAIN
        message = DOMAIN + signed.statement.canonical_bytes
        assert hashlib.sha256(message).hexdigest() == golden["signed_message_sha256"]
        assert signed.sig == golden["sig"]
        assert entry.seq == golden["seq"] == 0
        assert entry.prev.hex() == golden["prev"] == "0" * 64
        assert entry.leaf_bytes == golden["leaf"].encode("utf-8")
        assert hashlib.sha256(entry.leaf_bytes).hexdigest() == golden["leaf_sha256"]
        assert entry.entry_hash.hex() == golden["entry_hash"]

    def test_vector_is_self_consistent_without_the_library(self) -> None:
        golden = self.GOLDEN
        leaf = golden["leaf"].encode("utf-8")
        assert hashlib.sha256(b"\x00" + leaf).hexdigest() == golden["entry_hash"]
        assert rfc8785.dumps(json.loads(leaf)) == leaf
        assert rfc8785.dumps(golden["statement"]) == golden["statement_jcs"].encode("utf-8")
        public = Ed25519PublicKey.from_public_bytes(
            public_key_bytes(make_key("root"))  # the derivation the file names
        )
        sig = json.loads(leaf)["sig"]
        public.verify(
            base64.urlsafe_b64decode(sig + "=="),
            golden["signing_domain"].encode() + golden["statement_jcs"].encode("utf-8"),
        )

    def test_docs_example_is_the_entry_json_form(self) -> None:
        _signed, entry = self._rebuild()
        assert self.GOLDEN["docs_example"] == entry.to_dict()
        parsed = Entry.from_leaf_bytes(self.GOLDEN["leaf"].encode("utf-8"))
        assert parsed == entry
        assert Entry.from_dict(self.GOLDEN["docs_example"]) == entry

    def test_golden_genesis_is_accepted_by_the_ledger(self) -> None:
        signed, entry = self._rebuild()
        store = InMemoryLedgerStore()
        clock = FakeClock("2026-03-01T12:00:30Z")
        result = append(store, ledger.core_registry(), signed, clock=clock)
        assert result.created
        # The log stamps its own time as the leaf's first key; the rest is the golden leaf.
        log_time = "2026-03-01T12:00:30.000000Z"
        assert result.entry.log_time == log_time
        assert result.entry.leaf_bytes == (
            b'{"log_time":"' + log_time.encode() + b'",' + entry.leaf_bytes[1:]
        )
        assert result.entry == build_entry(0, GENESIS_PREV, signed, log_time)

    def test_golden_legacy_leaf_still_verifies(self) -> None:
        """The golden leaf predates log_time: a legacy entry, judged at its ts."""
        _signed, entry = self._rebuild()
        assert entry.log_time is None
        result = verify_entries([entry], ledger.core_registry())
        assert (result.size, result.legacy_entries) == (1, 1)


# =========================================================================== trust rules


def _snapshot(store: InMemoryLedgerStore) -> tuple[Any, ...]:
    return (
        store.head(),
        copy.deepcopy(store.projections.dump()),
        store.nodes.size,
        [leaf.leaf_bytes for leaf in store.stored_leaves()],
    )


@pytest.fixture
def store() -> InMemoryLedgerStore:
    return InMemoryLedgerStore()


@pytest.fixture
def keys(store: InMemoryLedgerStore, registry: Registry) -> Keys:
    return bootstrap(store, registry)


def _entries(store: InMemoryLedgerStore) -> list[Entry]:
    return store.entries(0, 10_000)


class TestGenesis:
    def test_genesis_at_seq_zero(self, store: InMemoryLedgerStore, registry: Registry) -> None:
        root, operator = make_key("root"), make_key("operator")
        result = append(store, registry, make_genesis(root, operator))
        assert result.created and result.entry.seq == 0
        assert result.entry.prev == GENESIS_PREV
        doc = store.projections.get("ledger", "genesis")
        assert doc == {
            "origin": "biotraza.test/log",
            "operator_key_id": key_id(operator),
            "root_key_ids": [key_id(root)],
        }
        assert store.projections.get("key", key_id(operator))["role"] == "operator"

    def test_non_genesis_at_seq_zero_is_refused(
        self, store: InMemoryLedgerStore, registry: Registry
    ) -> None:
        before = _snapshot(store)
        with pytest.raises(AuthorizationError):
            append(store, registry, make_key_added(make_key("root"), make_key("c")))
        assert _snapshot(store) == before
        # The rule itself, independent of whether the key is known yet.
        state = InMemoryState()
        signed = make_key_added(make_key("root"), make_key("c"))
        with pytest.raises(AuthorizationError, match="first entry must be ledger.genesis"):
            admit(0, signed, state, registry)

    def test_second_genesis_is_refused(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        again = sign_statement(
            keys.root,
            "ledger.genesis",
            make_genesis(keys.root, keys.operator).statement.body,
            ts=TS,
            nonce="genesis-nonce-1",
        )
        before = _snapshot(store)
        with pytest.raises(AuthorizationError, match="only valid at seq 0"):
            append(store, registry, again)
        assert _snapshot(store) == before

    def test_genesis_signed_by_a_non_root_is_refused(
        self, store: InMemoryLedgerStore, registry: Registry
    ) -> None:
        root, operator = make_key("root"), make_key("operator")
        body = make_genesis(root, operator).statement.body
        for signer in (operator, make_key("stranger")):
            forged = sign_statement(signer, "ledger.genesis", body, ts=TS, nonce="genesis-x-0")
            with pytest.raises(AuthorizationError):
                append(store, registry, forged)
        assert store.head().size == 0

    def test_operator_equal_to_root_is_refused(
        self, store: InMemoryLedgerStore, registry: Registry
    ) -> None:
        root = make_key("root")
        with pytest.raises(DomainRuleError) as info:
            append(store, registry, make_genesis(root, root))
        assert info.value.field == "statement.body.operator_key"
        assert store.head().size == 0

    def test_duplicate_root_keys_are_refused(
        self, store: InMemoryLedgerStore, registry: Registry
    ) -> None:
        root = make_key("root")
        named = {"name": "root", "public_key": encode_public_key(root)}
        signed = make_genesis(root, make_key("operator"), root_keys=[named, named])
        with pytest.raises(DomainRuleError):
            append(store, registry, signed)


class TestDelegation:
    def test_root_grants_certifier(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        cert = make_key("certifier")
        result = append(store, registry, make_key_added(keys.root, cert, "certifier", "cert"))
        assert result.created and result.entry.seq == 1
        doc = store.projections.get("key", key_id(cert))
        assert doc["role"] == "certifier"
        assert doc["added_by"] == key_id(keys.root)
        assert doc["added_seq"] == 1

    def test_certifier_cannot_grant(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        cert = make_key("certifier")
        append(store, registry, make_key_added(keys.root, cert, "certifier"))
        before = _snapshot(store)
        with pytest.raises(AuthorizationError, match="role 'certifier'"):
            append(store, registry, make_key_added(cert, make_key("other"), "certifier"))
        assert _snapshot(store) == before

    def test_operator_cannot_grant(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        with pytest.raises(AuthorizationError):
            append(store, registry, make_key_added(keys.operator, make_key("c"), "certifier"))

    def test_association_role_cannot_be_granted_by_a_root(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        with pytest.raises(DomainRuleError) as info:
            append(store, registry, make_key_added(keys.root, make_key("a"), "association"))
        assert info.value.field == "statement.body.role"

    def test_unknown_signer_is_refused(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        with pytest.raises(UnknownKeyError):
            append(store, registry, make_key_added(make_key("stranger"), make_key("c")))

    def test_key_added_twice_is_refused(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        cert = make_key("certifier")
        append(store, registry, make_key_added(keys.root, cert, "certifier"))
        before = _snapshot(store)
        with pytest.raises(DomainRuleError) as info:
            append(store, registry, make_key_added(keys.root, cert, "registrar"))
        assert info.value.field == "statement.body.public_key"
        assert _snapshot(store) == before

    def test_genesis_keys_cannot_be_added_again(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        with pytest.raises(DomainRuleError):
            append(store, registry, make_key_added(keys.root, keys.operator, "certifier"))

    def test_revoked_key_cannot_sign_but_its_past_entries_verify(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        deputy = make_key("deputy-root")
        append(store, registry, make_key_added(keys.root, deputy, "root"))
        signed_before = append(store, registry, make_key_added(deputy, make_key("c1"), "certifier"))
        append(store, registry, _revoke(keys.root, deputy))
        before = _snapshot(store)
        with pytest.raises(AuthorizationError, match="revoked"):
            append(store, registry, make_key_added(deputy, make_key("c2"), "certifier"))
        assert _snapshot(store) == before
        verification = verify_entries(_entries(store), registry)
        assert verification.size == 4
        assert verification.head_hash == store.head().last_hash
        assert verification.state.dump() == store.projections.dump()
        assert store.get(signed_before.entry.seq).statement.actor == key_id(deputy)

    def test_cannot_revoke_the_last_root(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        before = _snapshot(store)
        with pytest.raises(DomainRuleError, match="last active root") as info:
            append(store, registry, _revoke(keys.root, keys.root))
        assert info.value.field == "statement.body.key_id"
        assert _snapshot(store) == before

    def test_revoke_twice_is_refused(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        cert = make_key("certifier")
        append(store, registry, make_key_added(keys.root, cert, "certifier"))
        append(store, registry, _revoke(keys.root, cert))
        before = _snapshot(store)
        with pytest.raises(DomainRuleError, match="already revoked"):
            append(store, registry, _revoke(keys.root, cert))
        assert _snapshot(store) == before

    def test_revoking_an_unknown_key_is_refused(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        with pytest.raises(DomainRuleError, match="unknown key"):
            append(store, registry, _revoke(keys.root, make_key("nobody")))

    def test_expired_key_cannot_sign(self, registry: Registry) -> None:
        deputy = make_key("deputy-root")
        clock = FakeClock(TS)
        store = InMemoryLedgerStore()
        keys = bootstrap(store, registry, clock)
        append(
            store,
            registry,
            make_key_added(keys.root, deputy, "root", valid_until="2026-04-01T00:00:00Z"),
            clock=clock,
        )

        def grant(name: str, ts: str) -> SignedStatement:
            body = {"name": name, "public_key": encode_public_key(make_key(name)), "role": "root"}
            return sign_statement(deputy, "key.added", body, ts=ts)

        # Inside its window it signs fine.
        clock.set("2026-03-15T00:00:00Z")
        assert append(store, registry, grant("c1", "2026-03-15T00:00:00Z"), clock=clock).created
        # After it, the log's clock says expired, whatever ts the statement claims.
        clock.set("2026-04-02T00:00:00Z")
        before = _snapshot(store)
        for ts in ("2026-04-02T00:00:00Z", "2026-03-20T00:00:00Z"):
            with pytest.raises(AuthorizationError, match="expired"):
                append(store, registry, grant("c2", ts), clock=clock)
        assert _snapshot(store) == before

    def test_key_not_yet_valid_cannot_sign(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        deputy = make_key("deputy-root")
        append(
            store,
            registry,
            make_key_added(keys.root, deputy, "root", valid_from="2026-04-01T00:00:00Z"),
        )
        with pytest.raises(AuthorizationError, match="not valid before"):
            append(store, registry, make_key_added(deputy, make_key("c"), "certifier"))

    def test_validity_window_must_be_ordered(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        with pytest.raises(DomainRuleError) as info:
            append(
                store,
                registry,
                make_key_added(
                    keys.root,
                    make_key("c"),
                    valid_from="2026-05-01T00:00:00Z",
                    valid_until="2026-04-01T00:00:00Z",
                ),
            )
        assert info.value.field == "statement.body.valid_until"

    def test_validity_window_is_compared_as_time(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        with pytest.raises(DomainRuleError):
            append(
                store,
                registry,
                make_key_added(
                    keys.root,
                    make_key("c"),
                    valid_from="2026-03-01T12:00:00.5Z",
                    valid_until="2026-03-01T12:00:00Z",
                ),
            )
        # Equal instants spelled differently are an empty window too.
        with pytest.raises(DomainRuleError):
            append(
                store,
                registry,
                make_key_added(
                    keys.root,
                    make_key("d"),
                    valid_from="2026-03-01T12:00:00.0Z",
                    valid_until="2026-03-01T12:00:00Z",
                ),
            )

    def test_idempotent_replay_and_nonce_reuse(
        self, store: InMemoryLedgerStore, registry: Registry, keys: Keys
    ) -> None:
        signed = make_key_added(keys.root, make_key("c"), "certifier")
        first = append(store, registry, signed)
        again = append(store, registry, signed)
        assert first.created and not again.created
        assert again.entry == first.entry
        before = _snapshot(store)
        other = sign_statement(
            keys.root,
            "key.added",
            {"name": "d", "public_key": encode_public_key(make_key("d")), "role": "certifier"},
            ts=TS,
            nonce=signed.statement.nonce,
        )
        with pytest.raises(NonceReplayError):
            append(store, registry, other)
        assert _snapshot(store) == before


# --------------------------------------------------------------------------- rotation table


@dataclass(frozen=True)
class Step:
    """One statement in a scenario: ``signer`` adds or revokes ``target``."""

    signer: str
    action: str  # "add" or "revoke"
    target: str
    role: str = "root"
    expect: type[Exception] | None = None


@dataclass(frozen=True)
class RotationCase:
    id: str
    steps: tuple[Step, ...]
    active_roots: tuple[str, ...] = field(default=())


ROTATION_CASES = [
    RotationCase(
        "rotate-root",
        (
            Step("root", "add", "root2"),
            Step("root2", "revoke", "root"),
            Step("root", "add", "cert", "certifier", expect=AuthorizationError),
            Step("root2", "add", "cert", "certifier"),
        ),
        active_roots=("root2",),
    ),
    RotationCase(
        "old-root-revokes-itself",
        (
            Step("root", "add", "root2"),
            Step("root", "revoke", "root"),
            Step("root", "add", "cert", "certifier", expect=AuthorizationError),
            Step("root2", "add", "cert", "certifier"),
        ),
        active_roots=("root2",),
    ),
    RotationCase(
        "revoke-before-successor-refused",
        (
            Step("root", "revoke", "root", expect=DomainRuleError),
            Step("root", "add", "root2"),
            Step("root2", "revoke", "root"),
            Step("root", "revoke", "root2", expect=AuthorizationError),
            Step("root2", "revoke", "root2", expect=DomainRuleError),
        ),
        active_roots=("root2",),
    ),
    RotationCase(
        "new-root-revoked-old-root-keeps-working",
        (
            Step("root", "add", "root2"),
            Step("root", "revoke", "root2"),
            Step("root2", "add", "cert", "certifier", expect=AuthorizationError),
            Step("root", "add", "cert", "certifier"),
        ),
        active_roots=("root",),
    ),
    RotationCase(
        "revoked-root-cannot-come-back",
        (
            Step("root", "add", "root2"),
            Step("root2", "revoke", "root"),
            Step("root2", "add", "root", expect=DomainRuleError),
        ),
        active_roots=("root2",),
    ),
    RotationCase(
        "chain-of-rotations",
        (
            Step("root", "add", "root2"),
            Step("root2", "revoke", "root"),
            Step("root2", "add", "root3"),
            Step("root3", "revoke", "root2"),
            Step("root2", "add", "cert", "certifier", expect=AuthorizationError),
            Step("root3", "add", "cert", "certifier"),
        ),
        active_roots=("root3",),
    ),
]


@pytest.mark.parametrize("case", ROTATION_CASES, ids=[c.id for c in ROTATION_CASES])
def test_root_rotation(case: RotationCase, store: InMemoryLedgerStore, registry: Registry) -> None:
    bootstrap(store, registry)
    accepted = 1
    for number, step in enumerate(case.steps):
        signer, target = make_key(step.signer), make_key(step.target)
        if step.action == "add":
            signed = make_key_added(signer, target, step.role, step.target)
        else:
            signed = _revoke(signer, target)
        if step.expect is None:
            result = append(store, registry, signed)
            assert result.created, f"step {number}"
            assert result.entry.seq == accepted
            accepted += 1
        else:
            before = _snapshot(store)
            with pytest.raises(step.expect):
                append(store, registry, signed)
            assert _snapshot(store) == before, f"step {number} changed the store"
    roots = store.projections.get("ledger", "roots")
    assert roots == {"active": [key_id(make_key(name)) for name in case.active_roots]}
    verification = verify_entries(_entries(store), registry)
    assert verification.size == accepted
    assert verification.state.dump() == store.projections.dump()


# --------------------------------------------------------------------------- failed appends


def _partial_writer_registry() -> Registry:
    """Core types plus one whose rules write a projection and then refuse the entry."""

    class _Body(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        note: str

    def apply(ctx: AppendContext, _body: Any) -> None:
        ctx.state.put("test", "written", {"seq": ctx.seq}, ctx.seq)
        ctx.state.put("ledger", "roots", {"active": []}, ctx.seq)
        raise DomainRuleError("refused after writing", field="statement.body.note")

    partial = EntryType("test.partial", _Body, frozenset({"root"}), apply)
    return Registry([*core_entry_types(), partial])


FAILURES: dict[str, Any] = {
    "bad-signature": lambda k: SignedStatement(
        statement=make_key_added(k.root, make_key("c")).statement, sig="A" * 86
    ),
    "unknown-key": lambda k: make_key_added(make_key("stranger"), make_key("c")),
    "wrong-role": lambda k: make_key_added(k.operator, make_key("c")),
    "revoked-key": lambda k: make_key_added(make_key("deputy"), make_key("c")),
    "body-schema": lambda k: sign_statement(k.root, "key.added", {"name": "c"}, ts=TS),
    "unknown-type": lambda k: sign_statement(k.root, "test.unregistered", {}, ts=TS),
    "duplicate-key": lambda k: make_key_added(k.root, make_key("cert")),
    "revoke-twice": lambda k: _revoke(k.root, make_key("deputy")),
    "nonce-replay": lambda k: sign_statement(
        k.root, "key.revoked", {"key_id": "0" * 32, "reason": "x"}, ts=TS, nonce="fixed-nonce-1"
    ),
    "second-genesis": lambda k: sign_statement(
        k.root,
        "ledger.genesis",
        make_genesis(k.root, k.operator).statement.body,
        ts=TS,
        nonce="another-genesis",
    ),
    "expired-key": lambda k: make_key_added(make_key("expired"), make_key("c")),
    "oversize-statement": lambda k: sign_statement(
        k.root, "key.added", {"name": "x" * 70_000}, ts=TS
    ),
    "partial-writes": lambda k: sign_statement(k.root, "test.partial", {"note": "x"}, ts=TS),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_failed_append_leaves_store_unchanged(failure: str) -> None:
    registry = _partial_writer_registry()
    store = InMemoryLedgerStore()
    keys = bootstrap(store, registry)
    deputy, expired = make_key("deputy"), make_key("expired")
    for signed in (
        make_key_added(keys.root, make_key("cert"), "certifier"),
        make_key_added(keys.root, deputy, "root"),
        _revoke(keys.root, deputy),
        make_key_added(keys.root, expired, "root", valid_until="2026-01-01T00:00:00Z"),
        sign_statement(
            keys.root,
            "key.added",
            {"name": "n", "public_key": encode_public_key(make_key("n")), "role": "registrar"},
            ts=TS,
            nonce="fixed-nonce-1",
        ),
    ):
        assert append(store, registry, signed).created
    before = _snapshot(store)
    with pytest.raises(ledger.LedgerError):
        append(store, registry, FAILURES[failure](keys))
    assert _snapshot(store) == before
    # And the store still takes a good entry right after.
    assert append(store, registry, make_key_added(keys.root, make_key("next"))).entry.seq == 6


def test_unknown_type_error_names_the_type_field(registry: Registry) -> None:
    with pytest.raises(UnknownEntryTypeError) as info:
        registry.get("test.unregistered")
    assert _fields(info.value) == ["statement.type"]


# =========================================================================== properties


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=16,
)
TIMESTAMPS = st.builds(
    lambda moment, fraction: moment.isoformat(timespec=fraction) + "Z",
    st.datetimes(),
    st.sampled_from(["seconds", "milliseconds", "microseconds"]),
)
STATEMENTS = st.builds(
    Statement,
    v=st.just(1),
    type=st.from_regex(r"[a-z][a-z0-9_]{0,6}(\.[a-z][a-z0-9_]{0,6}){1,3}", fullmatch=True),
    actor=st.from_regex(r"[0-9a-f]{32}", fullmatch=True),
    ts=TIMESTAMPS,
    nonce=st.from_regex(r"[A-Za-z0-9_-]{8,64}", fullmatch=True),
    body=st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4),
)
SIGNED = st.builds(
    SignedStatement,
    statement=STATEMENTS,
    sig=st.binary(min_size=64, max_size=64).map(b64url_encode),
)


@NO_DB
@given(STATEMENTS)
def test_statement_dict_round_trip(statement: Statement) -> None:
    assert Statement.from_dict(statement.to_dict()) == statement
    again = Statement.from_dict(parse_canonical(statement.canonical_bytes))
    assert again.canonical_bytes == statement.canonical_bytes


@NO_DB
@given(SIGNED)
def test_signed_statement_dict_round_trip(signed: SignedStatement) -> None:
    assert SignedStatement.from_dict(signed.to_dict()) == signed
    assert SignedStatement.from_dict(json.loads(json.dumps(signed.to_dict()))) == signed


@NO_DB
@given(JSON_VALUES)
def test_canonical_round_trip(value: Any) -> None:
    encoded = canonicalize(value)
    parsed = parse_canonical(encoded)
    assert parsed == value
    assert canonicalize(parsed) == encoded


@pytest.mark.parametrize("number", [2.0**53, 1e16, -1e20])
def test_canonical_big_integral_float(number: float) -> None:
    # JCS writes these doubles as plain digits; they must read back as the same double.
    encoded = canonicalize({"n": number})
    assert parse_canonical(encoded) == {"n": number}
    assert canonicalize(parse_canonical(encoded)) == encoded


def test_appended_entry_with_big_number_verifies(registry: Registry) -> None:
    store = InMemoryLedgerStore()
    keys = bootstrap(store, registry)
    signed = make_key_added(keys.root, make_key("c"), scope={"max_kg": 1e16})
    entry = append(store, registry, signed).entry
    # Accepted, so it must read back and verify ("a ledger that appended an entry verifies it").
    assert Entry.from_leaf_bytes(entry.leaf_bytes) == entry
    verify_entries(_entries(store), registry)


# =========================================================================== exports


def test_exported_members() -> None:
    assert len(set(ledger.__all__)) == len(ledger.__all__)
    missing = [name for name in ledger.__all__ if not hasattr(ledger, name)]
    assert missing == []


# =========================================================================== key store

PASSPHRASE = "correct horse battery"


class TestKeyStore:
    def test_create_load_info_list(self, tmp_path: Path) -> None:
        keystore = KeyStore(tmp_path / "keys")
        assert keystore.list() == []
        info = keystore.create("root", PASSPHRASE)
        other = keystore.create("certifier-ccpm", PASSPHRASE)
        private = keystore.load("root", PASSPHRASE)
        assert info.key_id == key_id(private)
        assert info.public_key == encode_public_key(private)
        assert keystore.info("root") == info
        assert keystore.exists("root") and not keystore.exists("nope")
        assert keystore.list() == [other, info]  # sorted by name
        # A fresh store over the same directory sees the same keys.
        assert KeyStore(tmp_path / "keys").load("certifier-ccpm", PASSPHRASE).public_key()

    def test_wrong_passphrase(self, tmp_path: Path) -> None:
        keystore = KeyStore(tmp_path)
        keystore.create("root", PASSPHRASE)
        with pytest.raises(KeyStoreError, match="wrong passphrase"):
            keystore.load("root", "not the passphrase")

    def test_missing_key(self, tmp_path: Path) -> None:
        keystore = KeyStore(tmp_path)
        with pytest.raises(KeyStoreError):
            keystore.load("ghost", PASSPHRASE)
        with pytest.raises(KeyStoreError):
            keystore.info("ghost")

    def test_short_passphrase(self, tmp_path: Path) -> None:
        with pytest.raises(KeyStoreError, match="at least"):
            KeyStore(tmp_path).create("root", "short")
        assert list(tmp_path.iterdir()) == []

    @pytest.mark.parametrize(
        "name", ["", "Root", "../escape", "a/b", ".hidden", "-dash", "x" * 65, "sp ace", "ñ"]
    )
    def test_bad_name(self, tmp_path: Path, name: str) -> None:
        keystore = KeyStore(tmp_path / "keys")
        with pytest.raises(KeyStoreError, match="bad key name"):
            keystore.create(name, PASSPHRASE)
        with pytest.raises(KeyStoreError, match="bad key name"):
            keystore.load(name, PASSPHRASE)
        assert not (tmp_path / "keys").exists()

    def test_duplicate_name_is_refused_and_nothing_is_overwritten(self, tmp_path: Path) -> None:
        keystore = KeyStore(tmp_path)
        info = keystore.create("root", PASSPHRASE)
        key_file = (tmp_path / "root.key").read_bytes()
        with pytest.raises(KeyStoreError, match="already exists"):
            keystore.create("root", "another passphrase")
        assert (tmp_path / "root.key").read_bytes() == key_file
        assert keystore.info("root") == info

    def test_files_are_private(self, tmp_path: Path) -> None:
        keystore = KeyStore(tmp_path / "keys")
        keystore.create("root", PASSPHRASE)
        for name in ("root.key", "root.pub.json"):
            mode = stat.S_IMODE(os.stat(tmp_path / "keys" / name).st_mode)
            assert mode == 0o600, f"{name}: {oct(mode)}"
        dir_mode = stat.S_IMODE(os.stat(tmp_path / "keys").st_mode)
        assert dir_mode & 0o077 == 0

    def test_key_file_is_encrypted(self, tmp_path: Path) -> None:
        # The format itself (Argon2id + AES-256-GCM) is tested in test_keystore.py.
        keystore = KeyStore(tmp_path)
        keystore.create("root", PASSPHRASE)
        pem = (tmp_path / "root.key").read_bytes()
        assert json.loads(pem)["format"] == "biotraza-keyfile"
        private = keystore.load("root", PASSPHRASE)
        from cryptography.hazmat.primitives.serialization import (
            Encoding,
            NoEncryption,
            PrivateFormat,
        )

        raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        assert raw not in pem
        assert b64url_encode(raw).encode() not in pem
        public = json.loads((tmp_path / "root.pub.json").read_text("utf-8"))
        assert set(public) == {"name", "key_id", "public_key"}

    def test_damaged_public_file(self, tmp_path: Path) -> None:
        keystore = KeyStore(tmp_path)
        keystore.create("root", PASSPHRASE)
        path = tmp_path / "root.pub.json"
        path.write_text("{not json", "utf-8")
        with pytest.raises(KeyStoreError, match="damaged"):
            keystore.info("root")
