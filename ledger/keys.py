"""Ed25519 keys, key ids and domain-separated signatures.

DESIGN §2: the key id is the lowercase hex of the first 16 bytes of SHA-256 over the raw
32-byte public key, and a statement signature covers
``b"biotraza:statement:v1\\n" + JCS(statement)``. The prefix keeps a signature made for a
statement from ever verifying as a label, a checkpoint or anything else we sign later.

Left out: key storage (``ledger.keystore``) and who may use which key (``ledger.trust``).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import NewType

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.encoding import b64url_decode, b64url_encode
from ledger.errors import SignatureError

__all__ = [
    "KEY_ID_PATTERN",
    "STATEMENT_DOMAIN",
    "KeyId",
    "decode_public_key",
    "encode_public_key",
    "key_id",
    "public_key_bytes",
    "sign_message",
    "verify_message",
]

KeyId = NewType("KeyId", str)
"""32 lowercase hex characters: SHA-256(raw public key)[:16]."""

KEY_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")

STATEMENT_DOMAIN = b"biotraza:statement:v1\n"

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64


def public_key_bytes(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """Return the raw 32-byte public key of a public or private key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: bytes | Ed25519PublicKey | Ed25519PrivateKey) -> KeyId:
    """Return the key id of a public key (raw bytes or key object)."""
    raw = public if isinstance(public, bytes) else public_key_bytes(public)
    if len(raw) != PUBLIC_KEY_SIZE:
        raise ValueError(f"ed25519 public key must be 32 bytes, got {len(raw)}")
    return KeyId(hashlib.sha256(raw).digest()[:16].hex())


def encode_public_key(public: bytes | Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """Return the unpadded base64url text of the raw public key, as entries carry it."""
    raw = public if isinstance(public, bytes) else public_key_bytes(public)
    return b64url_encode(raw)


@lru_cache(maxsize=8192)
def decode_public_key(text: str) -> bytes:
    """Decode a base64url public key to its 32 raw bytes.

    Raises:
        ValueError: not canonical base64url of 32 bytes.
    """
    return b64url_decode(text, PUBLIC_KEY_SIZE)


@lru_cache(maxsize=8192)
def _public_key_object(public: bytes) -> Ed25519PublicKey:
    # Parsing a point costs about a tenth of a verification; ledgers reuse few keys a lot.
    return Ed25519PublicKey.from_public_bytes(public)


def sign_message(private_key: Ed25519PrivateKey, domain: bytes, message: bytes) -> bytes:
    """Sign ``domain + message`` with Ed25519 (deterministic, RFC 8032)."""
    return private_key.sign(domain + message)


def verify_message(public: bytes, domain: bytes, message: bytes, signature: bytes) -> None:
    """Verify an Ed25519 signature over ``domain + message``.

    Raises:
        SignatureError: the key or signature is malformed, or the signature does not verify.
    """
    if len(signature) != SIGNATURE_SIZE:
        raise SignatureError(f"signature must be 64 bytes, got {len(signature)}")
    try:
        _public_key_object(public).verify(signature, domain + message)
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError(f"ed25519 signature does not verify for key {key_id(public)}") from exc
