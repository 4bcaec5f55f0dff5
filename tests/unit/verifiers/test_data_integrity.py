"""eddsa-jcs-2022 against the W3C vc-di-eddsa test vectors, byte for byte, and tampering.

The vectors (tests/vectors/oracles/vc-di-eddsa-jcs-2022) pin every intermediate value: the
JCS document and proof configuration, their SHA-256, the 64-byte hashData, the signature and
its multibase text. An independent check (plain ``cryptography`` over the vector files, no
project code) confirms the signed vector, so the project's verifier is not its own oracle.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.canonical import canonicalize
from ledger.keys import public_key_bytes
from tests.oracles import oracles_dir
from verifiers.data_integrity import create_proof, hash_data, verify_proof
from verifiers.errors import CredentialError
from verifiers.multibase import (
    base58btc_decode,
    base58btc_encode,
    did_key_from_public,
    multibase_decode,
    public_from_did_key,
    public_from_multikey,
)

VECTORS = oracles_dir() / "vc-di-eddsa-jcs-2022" / "TestVectors"
SUITE = VECTORS / "eddsa-jcs-2022"


def _text(name: str) -> str:
    return (SUITE / name).read_text(encoding="utf-8").strip()


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _vector_key() -> Ed25519PrivateKey:
    pair = _json(VECTORS / "keyPair.json")
    raw = multibase_decode(pair["privateKeyMultibase"], 34)
    assert raw[:2] == b"\x80\x26"  # multicodec ed25519-priv
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def test_canonical_document_and_hashes_match_the_vectors() -> None:
    unsigned = _json(VECTORS / "unsigned.json")
    config = _json(SUITE / "proofConfigJCS.json")
    assert canonicalize(unsigned).decode() == _text("canonDocJCS.txt")
    assert canonicalize(config).decode() == _text("proofCanonJCS.txt")
    assert hashlib.sha256(canonicalize(unsigned)).hexdigest() == _text("docHashJCS.txt")
    assert hashlib.sha256(canonicalize(config)).hexdigest() == _text("proofHashJCS.txt")
    assert hash_data(unsigned, config).hex() == _text("combinedHashJCS.txt")


def test_key_pair_matches_the_did_key() -> None:
    pair = _json(VECTORS / "keyPair.json")
    public = public_key_bytes(_vector_key())
    assert public_from_multikey(pair["publicKeyMultibase"]) == public
    method = _json(SUITE / "proofConfigJCS.json")["verificationMethod"]
    assert did_key_from_public(public) == method
    assert public_from_did_key(method) == public


def test_create_proof_reproduces_the_signed_vector_byte_for_byte() -> None:
    unsigned = _json(VECTORS / "unsigned.json")
    signed = create_proof(unsigned, _vector_key(), created="2023-02-24T23:36:38Z")
    expected = _json(SUITE / "signedJCS.json")
    assert canonicalize(signed) == canonicalize(expected)
    assert signed["proof"]["proofValue"] == _text("sigBTC58JCS.txt")
    assert multibase_decode(signed["proof"]["proofValue"]).hex() == _text("sigHexJCS.txt")


def test_verify_accepts_the_signed_vector() -> None:
    verified = verify_proof(_json(SUITE / "signedJCS.json"))
    assert verified.public_key == public_key_bytes(_vector_key())
    assert verified.created == "2023-02-24T23:36:38Z"


def test_independent_check_of_the_signed_vector() -> None:
    """Only the vector files and ``cryptography``: hashData from the given canonical texts."""
    signature = bytes.fromhex(_text("sigHexJCS.txt"))
    combined = bytes.fromhex(_text("combinedHashJCS.txt"))
    assert combined == (
        hashlib.sha256(_text("proofCanonJCS.txt").encode()).digest()
        + hashlib.sha256(_text("canonDocJCS.txt").encode()).digest()
    )
    public = public_key_bytes(_vector_key())
    Ed25519PublicKey.from_public_bytes(public).verify(signature, combined)
    assert base58btc_encode(signature) == _text("sigBTC58JCS.txt")[1:]


def _flip_one_character(text: str) -> str:
    index = len(text) // 2
    replacement = "X" if text[index] != "X" else "Y"
    return text[:index] + replacement + text[index + 1 :]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (("credentialSubject", "alumniOf"), "proof.proofValue"),
        (("name",), "proof.proofValue"),
        (("issuer",), "proof.proofValue"),
        (("proof", "created"), "proof.created"),
        (("proof", "proofValue"), "proof.proofValue"),
        (("proof", "verificationMethod"), "proof.verificationMethod"),
    ],
)
def test_one_character_change_fails(path: tuple[str, ...], field: str) -> None:
    signed = _json(SUITE / "signedJCS.json")
    target = signed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = _flip_one_character(target[path[-1]])
    with pytest.raises(CredentialError) as caught:
        verify_proof(signed)
    assert caught.value.field == field


def test_context_must_match_and_proof_must_be_the_suite() -> None:
    signed = _json(SUITE / "signedJCS.json")
    other = copy.deepcopy(signed)
    other["@context"] = other["@context"][:1]
    with pytest.raises(CredentialError, match="@context"):
        verify_proof(other)
    other = copy.deepcopy(signed)
    other["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    with pytest.raises(CredentialError) as caught:
        verify_proof(other)
    assert caught.value.field == "proof.cryptosuite"
    other = copy.deepcopy(signed)
    del other["proof"]
    with pytest.raises(CredentialError) as caught:
        verify_proof(other)
    assert caught.value.field == "proof"


def test_fresh_key_round_trip_and_wrong_purpose() -> None:
    key = Ed25519PrivateKey.generate()
    document = {"@context": ["https://www.w3.org/ns/credentials/v2"], "ñandú": "𝄞", "n": 1.5}
    signed = create_proof(document, key, created="2026-12-06T20:00:00Z")
    assert verify_proof(signed).public_key == public_key_bytes(key)
    with pytest.raises(CredentialError) as caught:
        verify_proof(signed, expected_purpose="authentication")
    assert caught.value.field == "proof.proofPurpose"
    with pytest.raises(ValueError, match="already carries"):
        create_proof(signed, key, created="2026-12-06T20:00:00Z")


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x00\x00\x01", b"\xff" * 40])
def test_base58_round_trip(data: bytes) -> None:
    assert base58btc_decode(base58btc_encode(data)) == data


def test_base58_rejects_foreign_characters() -> None:
    with pytest.raises(ValueError, match="base58"):
        base58btc_decode("0OIl")
