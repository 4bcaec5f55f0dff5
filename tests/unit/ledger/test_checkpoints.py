"""Tests for ``ledger.checkpoints``: C2SP / Go sumdb / Rekor v2 vectors, then properties.

Oracles: ``tests/vectors/oracles/merkle/`` — see its README.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.checkpoints import (
    MAX_SIGNATURES,
    MAX_TREE_SIZE,
    Checkpoint,
    note_key_id,
    open_note,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
    verifier_key_string,
    verify_checkpoint,
)
from ledger.errors import CheckpointError
from ledger.hashing import leaf_hash
from ledger.merkle import verify_inclusion
from tests.oracles import oracles_dir

MERKLE_ORACLES = oracles_dir() / "merkle"

FAST = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def load(name: str) -> Any:
    path = MERKLE_ORACLES / name
    assert path.is_file(), f"oracle file missing: expected {path}"
    return json.loads(path.read_text(encoding="utf-8"))


NOTES = load("signed_note_vectors.json")
VECTORS: list[dict[str, Any]] = NOTES["vectors"]
REKOR = load("sigstore_rekor_v2_staging.json")


def go_private_key(skey: str) -> tuple[str, Ed25519PrivateKey]:
    """Parse Go's ``PRIVATE+KEY+name+hex(keyid)+base64(0x01 ‖ seed)`` (test-only helper)."""
    private, key, name, key_id_hex, encoded = skey.split("+", 4)
    assert (private, key) == ("PRIVATE", "KEY")
    material = base64.b64decode(encoded, validate=True)
    assert material[0] == 0x01 and len(material) == 33
    private_key = Ed25519PrivateKey.from_private_bytes(material[1:])
    assert note_key_id(name, private_key.public_key()).hex() == key_id_hex
    return name, private_key


def text_of(note: str) -> str:
    return note[: note.rfind("\n\n") + 1]


def replace_key_id(note: str, key_id: bytes) -> str:
    """Rewrite the key ID of the (only) signature line, keeping name and signature."""
    text = text_of(note)
    line = note[len(text) + 1 : -1]
    prefix, encoded = line.rsplit(" ", 1)
    blob = base64.b64decode(encoded)
    return f"{text}\n{prefix} {base64.b64encode(key_id + blob[4:]).decode()}\n"


OPERATOR = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OPERATOR_NAME = "biotraza.example/log"
CHECKPOINT = Checkpoint(OPERATOR_NAME, 646, leaf_hash(b"root"))
SIGNED = sign_checkpoint(CHECKPOINT, OPERATOR_NAME, OPERATOR)


# --------------------------------------------------------------------------- note vectors


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_note_vector_verifies(vector: dict[str, Any]) -> None:
    assert vector["expect_valid"] is True
    name, key_id, public_key = parse_verifier_key(vector["vkey"])
    assert verifier_key_string(name, public_key) == vector["vkey"]
    assert note_key_id(name, public_key) == key_id
    expected_names = vector.get("expect_verified_by", [name])
    for verifiers in ([vector["vkey"]], [(name, public_key)]):
        text, names = open_note(vector["note"], verifiers)
        assert text == text_of(vector["note"])
        assert names == expected_names
    if "text" in vector:
        assert text == vector["text"]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_note_vector_rejections(vector: dict[str, Any]) -> None:
    note, vkey = vector["note"], vector["vkey"]
    name, key_id, public_key = parse_verifier_key(vkey)
    other = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32).public_key()
    # Nobody we trust signed it (same name, other key -> other key ID -> unknown).
    with pytest.raises(CheckpointError, match="no signature from a known key"):
        open_note(note, [(name, other)])
    with pytest.raises(CheckpointError, match="no signature from a known key"):
        open_note(note, [])
    # The text changed under a known key's signature.
    tampered = note.replace("example", "exemple", 1).replace("problem", "pr0blem", 1)
    assert tampered != note
    with pytest.raises(CheckpointError, match="does not verify"):
        open_note(tampered, [vkey])
    # A signature byte changed.
    text = text_of(note)
    line = note[len(text) + 1 :].split("\n")[0]
    prefix, encoded = line.rsplit(" ", 1)
    blob = bytearray(base64.b64decode(encoded))
    blob[10] ^= 0x01
    broken = note.replace(line, f"{prefix} {base64.b64encode(bytes(blob)).decode()}")
    with pytest.raises(CheckpointError, match="does not verify"):
        open_note(broken, [vkey])
    # Same name and key, other key ID: an unknown key, so ignored, so nothing verifies.
    wrong_id = bytes([key_id[0] ^ 0xFF]) + key_id[1:]
    if note.count("\u2014 ") == 1:
        with pytest.raises(CheckpointError, match="no signature from a known key"):
            open_note(replace_key_id(note, wrong_id), [vkey])


def test_go_sumdb_private_key_resigns_byte_for_byte() -> None:
    signed = [v for v in VECTORS if "skey" in v]
    assert [v["name"] for v in signed] == ["go-sumdb-peter"]
    for vector in signed:
        name, private_key = go_private_key(vector["skey"])
        assert verifier_key_string(name, private_key.public_key()) == vector["vkey"]
        assert sign_note(vector["text"], name, private_key) == vector["note"]


def test_two_signatures_one_known() -> None:
    vector = next(v for v in VECTORS if v["name"] == "go-sumdb-two-sigs-one-known")
    note, peter, enoch = vector["note"], vector["vkey"], vector["other_vkey_unknown_to_verifier"]
    assert open_note(note, [peter])[1] == vector["expect_verified_by"] == ["PeterNeumann"]
    assert open_note(note, [enoch])[1] == vector["expect_unverified"] == ["EnochRoot"]
    assert open_note(note, [enoch, peter])[1] == ["PeterNeumann", "EnochRoot"]


def test_cosignature_and_other_key_types() -> None:
    cosig = NOTES["cosignature_v1"]
    by_type = {v["sig_type"]: v["vkey"] for v in cosig["vkeys"]}
    with pytest.raises(ValueError, match="signature type 0x01"):
        parse_verifier_key(by_type[4])
    name, key_id, _ = parse_verifier_key(by_type[1])
    assert (name, key_id.hex()) == ("TEST", "7997405c")


@pytest.mark.parametrize(
    "vkey",
    [
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a3",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA==",
    ],
)
def test_parse_verifier_key_rejects(vkey: str) -> None:
    with pytest.raises(ValueError, match="expected"):
        parse_verifier_key(vkey)


# --------------------------------------------------------------------------- checkpoint text


def test_go_sumdb_tree_note_body_parses() -> None:
    body = NOTES["go_sumdb_tree_note_body"]
    checkpoint = Checkpoint.from_text(body["text"])
    assert checkpoint.origin == "go.sum database tree"
    assert checkpoint.tree_size == body["tree_size"] == 123456789012
    assert checkpoint.root_hash == base64.b64decode(body["root_b64"])
    assert checkpoint.root_hash == leaf_hash(b"hello world")
    assert checkpoint.extensions == ()
    assert checkpoint.to_text() == body["text"]


def test_sigstore_rekor_v2_staging_checkpoint() -> None:
    log, entry = REKOR["log"], REKOR["entry"]
    public_key = load_der_public_key(base64.b64decode(log["public_key_spki_der_b64"]))
    assert isinstance(public_key, Ed25519PublicKey)
    origin = log["origin"]
    assert note_key_id(origin, public_key) == base64.b64decode(log["log_id_b64"])[:4]
    note = entry["checkpoint_note"]
    checkpoint = verify_checkpoint(note, origin, public_key)
    assert REKOR["expect"]["checkpoint_signature_valid"] is True
    assert checkpoint == Checkpoint(
        origin, entry["tree_size"], base64.b64decode(entry["root_hash_b64"])
    )
    assert checkpoint.to_text() == text_of(note)
    # The checkpoint vouches for the entry's inclusion proof.
    verify_inclusion(
        leaf_hash(base64.b64decode(entry["canonicalized_body_b64"])),
        entry["log_index"],
        checkpoint.tree_size,
        [base64.b64decode(p) for p in entry["proof_b64"]],
        checkpoint.root_hash,
    )
    vkey = verifier_key_string(origin, public_key)
    assert open_note(note, [vkey]) == (checkpoint.to_text(), [origin])
    with pytest.raises(CheckpointError):
        verify_checkpoint(note, origin, OPERATOR.public_key())
    with pytest.raises(CheckpointError, match="does not verify"):
        verify_checkpoint(note.replace("\n646\n", "\n647\n"), origin, public_key)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "final newline"),
        ("example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "final newline"),
        ("example.com/log\n1\n", "at least 3 lines"),
        ("\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "line 1 non-empty"),
        ("example.com/log\n\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "line 2 non-empty"),
        ("example.com/log\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "leading zeros"),
        ("example.com/log\n00\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "leading zeros"),
        ("example.com/log\n+1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "decimal"),
        ("example.com/log\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "decimal"),
        ("example.com/log\n 1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "decimal"),
        ("example.com/log\n1 \nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "decimal"),
        ("example.com/log\n1_0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "decimal"),
        ("example.com/log\n1e3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "decimal"),
        ("example.com/log\n\u0663\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "decimal"),
        ("example.com/log\n0x10\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "decimal"),
        (
            f"example.com/log\n{2**63}\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
            "tree size <=",
        ),
        ("example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", "base64"),
        ("example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n", "canonical"),
        ("example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n", "32-byte"),
        ("example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "32-byte"),
        ("example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAA-_AAAAAAAAAAAAAAAAA=\n", "base64"),
        ("example.com/log\n1\n AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "base64"),
        (
            "example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n",
            "line 4 non-empty",
        ),
        ("example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nx\n\n", "non-empty"),
        ("example.com/log\r\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "control"),
        ("example.com/\tlog\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "control"),
    ],
)
def test_checkpoint_from_text_rejects(text: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        Checkpoint.from_text(text)


def test_checkpoint_from_text_accepts_edge_values() -> None:
    zero = "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    assert Checkpoint.from_text(zero).tree_size == 0
    biggest = (
        f"o\n{MAX_TREE_SIZE}\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next one\next+two\n"
    )
    checkpoint = Checkpoint.from_text(biggest)
    assert checkpoint.tree_size == MAX_TREE_SIZE
    assert checkpoint.extensions == ("ext one", "ext+two")
    assert checkpoint.to_text() == biggest


@pytest.mark.parametrize(
    "fields",
    [
        ("", 1, bytes(32)),
        ("a\nb", 1, bytes(32)),
        ("log", -1, bytes(32)),
        ("log", MAX_TREE_SIZE + 1, bytes(32)),
        ("log", True, bytes(32)),
        ("log", 1, bytes(31)),
        ("log", 1, "00" * 32),
        ("log", 1, bytes(32), ("",)),
        ("log", 1, bytes(32), ("a\nb",)),
        ("log", 1, bytes(32), ["list"]),
    ],
)
def test_checkpoint_rejects_bad_fields(fields: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError, match="expected"):
        Checkpoint(*fields)


# --------------------------------------------------------------------------- notes


def test_sign_note_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="newline"):
        sign_note("no newline", OPERATOR_NAME, OPERATOR)
    with pytest.raises(ValueError, match="newline"):
        sign_note("", OPERATOR_NAME, OPERATOR)
    with pytest.raises(ValueError, match="control"):
        sign_note("bell\a\n", OPERATOR_NAME, OPERATOR)
    for name in ("", "a b", "a+b", "a\u00a0b", "a\nb"):
        with pytest.raises(ValueError, match="key name"):
            sign_note("text\n", name, OPERATOR)


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("text\n", "blank line"),
        ("text\n\n", "ending in a newline"),
        ("text\n\n\u2014 name AAAA", "ending in a newline"),
        ("text\n\n- name AAAAAAA=\n", "em dash"),
        ("text\n\n\u2014name AAAAAAA=\n", "em dash"),
        ("text\n\n\u2014  AAAAAAA=\n", "key name"),
        ("text\n\n\u2014 a+b AAAAAAA=\n", "key name"),
        ("text\n\n\u2014 name \n", "more than 4"),
        ("text\n\n\u2014 name AAAAAAA= \n", "base64"),
        ("text\n\n\u2014 name AAAAAAB=\n", "canonical"),
        ("text\n\n\u2014 name AAAAAA==\n", "more than 4"),
        ("te\x00xt\n\n\u2014 name AAAAAAA=\n", "control"),
        ("text\r\n\n\u2014 name AAAAAAA=\n", "control"),
        ("text\n\n" + "\u2014 name AAAAAAA=\n" * (MAX_SIGNATURES + 1), "at most"),
    ],
)
def test_open_note_rejects_malformed(note: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        open_note(note, [(OPERATOR_NAME, OPERATOR.public_key())])


def test_open_note_signature_rules() -> None:
    public = OPERATOR.public_key()
    text, names = open_note(SIGNED, [(OPERATOR_NAME, public)])
    assert (text, names) == (CHECKPOINT.to_text(), [OPERATOR_NAME])
    signature_line = SIGNED[len(text) + 1 :]
    # A repeated signature by one key counts once.
    assert open_note(SIGNED + signature_line, [(OPERATOR_NAME, public)])[1] == [OPERATOR_NAME]
    # Signatures by unknown keys (witnesses, say) are ignored; known ones are all reported.
    witness = Ed25519PrivateKey.from_private_bytes(b"\x01" * 32)
    cosigned = SIGNED + sign_note(text, "witness.example", witness)[len(text) + 1 :]
    assert open_note(cosigned, [(OPERATOR_NAME, public)])[1] == [OPERATOR_NAME]
    both = [(OPERATOR_NAME, public), ("witness.example", witness.public_key())]
    assert open_note(cosigned, both)[1] == [OPERATOR_NAME, "witness.example"]
    # Up to MAX_SIGNATURES signature lines are read (the limit itself: malformed tests).
    many = SIGNED + signature_line * (MAX_SIGNATURES - 1)
    assert open_note(many, [(OPERATOR_NAME, public)])[1] == [OPERATOR_NAME]
    # Same key ID, other name: an unknown key.
    renamed = SIGNED.replace(f"\u2014 {OPERATOR_NAME} ", "\u2014 other.example ")
    with pytest.raises(CheckpointError, match="no signature from a known key"):
        open_note(renamed, [(OPERATOR_NAME, public)])
    # Signed by another private key under the operator's name: other key ID, so unknown.
    bad_first = sign_note(text, OPERATOR_NAME, witness)
    with pytest.raises(CheckpointError, match="no signature from a known key"):
        open_note(bad_first, [(OPERATOR_NAME, public)])
    # A bad signature under a known (name, key ID) rejects the note, even beside a good one.
    forged = replace_key_id(bad_first, note_key_id(OPERATOR_NAME, public))
    with pytest.raises(CheckpointError, match="does not verify"):
        open_note(forged + signature_line, [(OPERATOR_NAME, public)])
    # A note text may hold blank lines: the last blank line separates the signatures.
    text2 = "para one\n\npara two\n\n"
    signed2 = sign_note(text2, OPERATOR_NAME, OPERATOR)
    assert open_note(signed2, [(OPERATOR_NAME, public)]) == (text2, [OPERATOR_NAME])


def test_open_note_refuses_two_keys_with_one_name_and_key_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Only a 32-bit key ID collision makes this happen; force one.
    monkeypatch.setattr("ledger.checkpoints.note_key_id", lambda name, key: b"\x00" * 4)
    witness = Ed25519PrivateKey.from_private_bytes(b"\x01" * 32)
    verifiers = [(OPERATOR_NAME, OPERATOR.public_key()), (OPERATOR_NAME, witness.public_key())]
    with pytest.raises(ValueError, match="one key per name"):
        open_note(SIGNED, verifiers)


def test_verify_checkpoint_origin_rules() -> None:
    public = OPERATOR.public_key()
    assert verify_checkpoint(SIGNED, OPERATOR_NAME, public) == CHECKPOINT
    other_origin = sign_checkpoint(
        Checkpoint("other.example/log", 3, bytes(32)), OPERATOR_NAME, OPERATOR
    )
    with pytest.raises(CheckpointError, match="origin"):
        verify_checkpoint(other_origin, OPERATOR_NAME, public)
    checkpoint = verify_checkpoint(other_origin, OPERATOR_NAME, public, origin="other.example/log")
    assert checkpoint.tree_size == 3
    not_a_checkpoint = sign_note("hello\n", OPERATOR_NAME, OPERATOR)
    with pytest.raises(CheckpointError, match="at least 3 lines"):
        verify_checkpoint(not_a_checkpoint, OPERATOR_NAME, public)


# --------------------------------------------------------------------------- properties

KEY_SEEDS = st.binary(min_size=32, max_size=32)
NAMES = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=["Cc", "Cs", "Zs", "Zl", "Zp"], exclude_characters="+"
    ),
    min_size=1,
    max_size=20,
).filter(lambda s: not any(c.isspace() for c in s))
LINES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=30
)
CHECKPOINTS = st.builds(
    Checkpoint,
    origin=LINES,
    tree_size=st.integers(0, MAX_TREE_SIZE),
    root_hash=st.binary(min_size=32, max_size=32),
    extensions=st.lists(LINES, max_size=3).map(tuple),
)


@FAST
@given(checkpoint=CHECKPOINTS, name=NAMES, seed=KEY_SEEDS)
def test_checkpoint_sign_verify_round_trip(checkpoint: Checkpoint, name: str, seed: bytes) -> None:
    assert Checkpoint.from_text(checkpoint.to_text()) == checkpoint
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    note = sign_checkpoint(checkpoint, name, private_key)
    got = verify_checkpoint(note, name, private_key.public_key(), origin=checkpoint.origin)
    assert got == checkpoint
    vkey = verifier_key_string(name, private_key.public_key())
    parsed_name, key_id, parsed_key = parse_verifier_key(vkey)
    assert (parsed_name, key_id) == (name, note_key_id(name, private_key.public_key()))
    assert verifier_key_string(parsed_name, parsed_key) == vkey


@FAST
@given(seed=KEY_SEEDS, name=st.one_of(st.just(OPERATOR_NAME), NAMES))
def test_checkpoint_fails_with_any_other_key(seed: bytes, name: str) -> None:
    other = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    if other == OPERATOR.public_key():  # pragma: no cover - a 2**-256 event
        return
    with pytest.raises(CheckpointError):
        verify_checkpoint(SIGNED, name, other, origin=OPERATOR_NAME)


@settings(FAST, max_examples=150)
@given(data=st.data())
def test_any_changed_byte_is_rejected(data: Any) -> None:
    raw = bytearray(SIGNED.encode("utf-8"))
    position = data.draw(st.integers(0, len(raw) - 1), label="position")
    raw[position] ^= data.draw(st.integers(1, 255), label="xor")
    try:
        altered = raw.decode("utf-8")
    except UnicodeDecodeError:
        return  # not even a str: an API taking str cannot be handed these bytes
    with pytest.raises(CheckpointError):
        verify_checkpoint(altered, OPERATOR_NAME, OPERATOR.public_key())


@FAST
@given(position=st.integers(0, len(CHECKPOINT.to_text()) - 1), char=st.characters(codec="utf-8"))
def test_any_changed_body_character_is_rejected(position: int, char: str) -> None:
    body = CHECKPOINT.to_text()
    if body[position] == char:
        return
    altered = body[:position] + char + body[position + 1 :] + SIGNED[len(body) :]
    with pytest.raises(CheckpointError):
        verify_checkpoint(altered, OPERATOR_NAME, OPERATOR.public_key())
