"""Known-answer tests for canonical JSON (RFC 8785) and Ed25519 signatures (RFC 8032).

The vectors are data files in ``tests/vectors/``, copied from the primary sources and naming
them in their ``source`` fields: RFC 8785 §3.2.2-§3.2.4 and Appendix B, the
cyberphone/json-canonicalization test data, and RFC 8032 §7.1. Canonicalization is
tested through ``ledger.canonical``, the project's single entry point for it.
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.canonical import canonicalize, parse_canonical
from ledger.errors import EncodingError

VECTORS = Path(__file__).resolve().parents[2] / "vectors"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return data


JCS = _load("rfc8785_jcs.json")
ED25519 = _load("rfc8032_ed25519.json")

CANONICAL_CASES: list[dict[str, Any]] = JCS["canonicalization_cases"]
SORTING_CASES: list[dict[str, Any]] = JCS["property_sorting_cases"]
NUMBER_CASES: list[dict[str, Any]] = JCS["number_serialization"]["cases"]
NUMBERS_OK = [c for c in NUMBER_CASES if not c.get("error")]
NUMBERS_REJECTED = [c for c in NUMBER_CASES if c.get("error")]
ED_VECTORS: list[dict[str, Any]] = ED25519["vectors"]


def _binary64(ieee754_hex: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(ieee754_hex))[0]
    return value


def _flip_bit(data: bytes, index: int) -> bytes:
    flipped = bytearray(data)
    flipped[index] ^= 0x01
    return bytes(flipped)


# --------------------------------------------------------------------------- the files


def test_vector_files_are_complete_and_sourced() -> None:
    assert JCS["source"] and ED25519["source"]
    assert len(CANONICAL_CASES) == 7
    assert len(SORTING_CASES) == 1
    assert len(NUMBER_CASES) == 26
    assert [c["ieee754_hex"] for c in NUMBERS_REJECTED] == ["7fffffffffffffff", "7ff0000000000000"]
    assert [v["name"] for v in ED_VECTORS] == [
        "TEST 1",
        "TEST 2",
        "TEST 3",
        "TEST 1024",
        "TEST SHA(abc)",
    ]
    for case in CANONICAL_CASES + SORTING_CASES + ED_VECTORS:
        assert case["source"], case["name"]


def test_rfc8032_message_lengths_and_sha_abc() -> None:
    lengths = [len(bytes.fromhex(v["message"])) for v in ED_VECTORS]
    assert lengths == [v["message_length"] for v in ED_VECTORS] == [0, 1, 2, 1023, 64]
    sha_abc = next(v for v in ED_VECTORS if v["name"] == "TEST SHA(abc)")
    assert bytes.fromhex(sha_abc["message"]) == hashlib.sha512(b"abc").digest()


# --------------------------------------------------------------------------- RFC 8785


@pytest.mark.parametrize("case", CANONICAL_CASES, ids=[c["name"] for c in CANONICAL_CASES])
def test_jcs_canonical_output(case: dict[str, Any]) -> None:
    got = canonicalize(json.loads(case["input"]))
    assert got == case["expected"].encode("utf-8")
    if "expected_utf8_hex" in case:
        assert got.hex() == case["expected_utf8_hex"]


@pytest.mark.parametrize("case", CANONICAL_CASES, ids=[c["name"] for c in CANONICAL_CASES])
def test_jcs_expected_output_is_accepted_as_canonical(case: dict[str, Any]) -> None:
    assert parse_canonical(case["expected"].encode("utf-8")) == json.loads(case["input"])


@pytest.mark.parametrize("case", SORTING_CASES, ids=[c["name"] for c in SORTING_CASES])
def test_jcs_property_sorting(case: dict[str, Any]) -> None:
    got = canonicalize(json.loads(case["input"]))
    values = list(json.loads(got.decode("utf-8")).values())
    assert values == case["expected_value_order"]


@pytest.mark.parametrize("case", NUMBERS_OK, ids=[c["ieee754_hex"] for c in NUMBERS_OK])
def test_jcs_number_serialization(case: dict[str, Any]) -> None:
    value = _binary64(case["ieee754_hex"])
    assert canonicalize(value) == case["expected"].encode("ascii")
    assert canonicalize([value]) == b"[" + case["expected"].encode("ascii") + b"]"


@pytest.mark.parametrize("case", NUMBERS_REJECTED, ids=[c["ieee754_hex"] for c in NUMBERS_REJECTED])
def test_jcs_number_out_of_range_is_rejected(case: dict[str, Any]) -> None:
    value = _binary64(case["ieee754_hex"])
    with pytest.raises(EncodingError):
        canonicalize(value)
    with pytest.raises(EncodingError):
        canonicalize({"x": value})


# --------------------------------------------------------------------------- RFC 8032


@pytest.mark.parametrize("vector", ED_VECTORS, ids=[v["name"] for v in ED_VECTORS])
def test_ed25519_derives_public_key(vector: dict[str, Any]) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["secret_key"]))
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert public.hex() == vector["public_key"]


@pytest.mark.parametrize("vector", ED_VECTORS, ids=[v["name"] for v in ED_VECTORS])
def test_ed25519_signs_exactly(vector: dict[str, Any]) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["secret_key"]))
    assert key.sign(bytes.fromhex(vector["message"])).hex() == vector["signature"]


@pytest.mark.parametrize("vector", ED_VECTORS, ids=[v["name"] for v in ED_VECTORS])
def test_ed25519_verifies_given_signature(vector: dict[str, Any]) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["secret_key"]))
    public = key.public_key()
    # Raises InvalidSignature on failure.
    public.verify(bytes.fromhex(vector["signature"]), bytes.fromhex(vector["message"]))


# One-bit flips: in R (first half of the signature), in S (second half) and, where there is
# one, in the message.
FLIPS = [(v, "signature", 0) for v in ED_VECTORS] + [(v, "signature", 32) for v in ED_VECTORS]
FLIPS += [(v, "message", 0) for v in ED_VECTORS if v["message"]]


@pytest.mark.parametrize(
    ("vector", "field", "index"),
    FLIPS,
    ids=[f"{v['name']}-{field}[{index}]" for v, field, index in FLIPS],
)
def test_ed25519_rejects_one_bit_flip(vector: dict[str, Any], field: str, index: int) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["secret_key"]))
    signature = bytes.fromhex(vector["signature"])
    message = bytes.fromhex(vector["message"])
    if field == "signature":
        signature = _flip_bit(signature, index)
    else:
        message = _flip_bit(message, index)
    with pytest.raises(InvalidSignature):
        key.public_key().verify(signature, message)
