"""A key sealed for a browser: PBKDF2-HMAC-SHA256 and AES-256-GCM, both in WebCrypto.

The key store's files use Argon2id (``ledger.keyfile``), which no browser has natively. When
the association's office signs device enrolments and revocations in the field app, its key
must reach that browser once; ``biotraza keys export-for-browser`` writes it in this format,
which the app opens with WebCrypto alone (``api/webapp/src/office/associationKey.ts``) and
keeps as a non-extractable key. PBKDF2 costs a guesser far less than Argon2id, so the
iteration count is high (600,000, OWASP's 2023 advice for PBKDF2-HMAC-SHA256), the file is
for one hand-over and meant to be deleted after import, and the passphrase should be long.

One JSON object (RFC 8785 bytes, newline-terminated)::

    {"format": "biotraza-browser-key", "version": 1, "content": "ed25519-private-key",
     "key_id": "<32 hex>", "public_key": "<base64url>",
     "kdf": {"name": "pbkdf2-sha256", "iterations": 600000, "salt": "<16 bytes b64url>"},
     "cipher": {"name": "aes-256-gcm", "nonce": "<12 bytes b64url>"},
     "ciphertext": "<b64url: AES-256-GCM(raw 32-byte private key) ‖ tag>"}

As in ``ledger.keyfile``, every field but ``ciphertext`` is the associated data (its RFC 8785
bytes), so no parameter, key id or public key can be changed without the tag failing.
``tests/vectors/browser_key.json`` pins the format for both sides.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from ledger.canonical import canonicalize, parse_json_strict
from ledger.encoding import b64url_decode, b64url_encode
from ledger.errors import EncodingError, KeyStoreError
from ledger.keys import encode_public_key, key_id

__all__ = ["FORMAT", "ITERATIONS", "open_for_browser", "seal_for_browser"]

FORMAT = "biotraza-browser-key"
VERSION = 1
CONTENT = "ed25519-private-key"
ITERATIONS = 600_000
MIN_ITERATIONS = 100_000
MAX_ITERATIONS = 10_000_000
SALT_SIZE, NONCE_SIZE = 16, 12


def _derive(passphrase: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", passphrase.encode("utf-8"), salt, iterations, 32)


def seal_for_browser(
    private_key: Ed25519PrivateKey,
    passphrase: str,
    *,
    iterations: int = ITERATIONS,
    salt: bytes | None = None,
    nonce: bytes | None = None,
) -> bytes:
    """The browser key file of ``private_key`` under ``passphrase`` (salt and nonce random
    unless given: only the known-answer vector gives them)."""
    if not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
        raise KeyStoreError(f"iterations must be in [{MIN_ITERATIONS}, {MAX_ITERATIONS}]")
    if not passphrase:
        raise KeyStoreError("the browser passphrase must not be empty")
    salt = os.urandom(SALT_SIZE) if salt is None else salt
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    header: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "content": CONTENT,
        "key_id": key_id(private_key),
        "public_key": encode_public_key(private_key),
        "kdf": {"name": "pbkdf2-sha256", "iterations": iterations, "salt": b64url_encode(salt)},
        "cipher": {"name": "aes-256-gcm", "nonce": b64url_encode(nonce)},
    }
    raw = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    sealed = AESGCM(_derive(passphrase, salt, iterations)).encrypt(nonce, raw, canonicalize(header))
    return canonicalize({**header, "ciphertext": b64url_encode(sealed)}) + b"\n"


def open_for_browser(data: bytes, passphrase: str) -> Ed25519PrivateKey:
    """Open a browser key file (what the app does, for the round-trip test and the vector).

    Raises:
        KeyStoreError: not such a file, bad parameters, a wrong passphrase or a changed field,
            or a key that does not match its key id and public key.
    """
    try:
        doc = parse_json_strict(data)
    except EncodingError as exc:
        raise KeyStoreError(f"not a browser key file: {exc}") from exc
    expected = {"format", "version", "content", "key_id", "public_key", "kdf", "cipher"}
    if not isinstance(doc, dict) or set(doc) != expected | {"ciphertext"}:
        raise KeyStoreError("not a browser key file (fields)")
    if (doc["format"], doc["version"], doc["content"]) != (FORMAT, VERSION, CONTENT):
        raise KeyStoreError("not a version-1 browser key file of an Ed25519 key")
    kdf, cipher = doc["kdf"], doc["cipher"]
    if not isinstance(kdf, dict) or set(kdf) != {"name", "iterations", "salt"}:
        raise KeyStoreError("browser key file field kdf: unexpected fields")
    if not isinstance(cipher, dict) or set(cipher) != {"name", "nonce"}:
        raise KeyStoreError("browser key file field cipher: unexpected fields")
    iterations = kdf["iterations"]
    if kdf["name"] != "pbkdf2-sha256" or type(iterations) is not int:
        raise KeyStoreError("browser key file field kdf: pbkdf2-sha256 with an integer count")
    if not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS or cipher["name"] != "aes-256-gcm":
        raise KeyStoreError("browser key file: parameters out of bounds")
    try:
        salt = b64url_decode(str(kdf["salt"]), SALT_SIZE)
        nonce = b64url_decode(str(cipher["nonce"]), NONCE_SIZE)
        sealed = b64url_decode(str(doc["ciphertext"]), 32 + 16)
        header = {k: doc[k] for k in expected}
        raw = AESGCM(_derive(passphrase, salt, iterations)).decrypt(
            nonce, sealed, canonicalize(header)
        )
    except ValueError as exc:
        raise KeyStoreError(f"browser key file: {exc}") from exc
    except InvalidTag as exc:
        raise KeyStoreError("wrong passphrase, or the file was changed") from exc
    key = Ed25519PrivateKey.from_private_bytes(raw)
    if key_id(key) != doc["key_id"] or encode_public_key(key) != doc["public_key"]:
        raise KeyStoreError("browser key file: the key does not match its key id")
    return key
