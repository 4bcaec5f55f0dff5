"""The key-file format: a secret sealed under a passphrase with Argon2id and AES-256-GCM.

Why not PKCS#8: ``cryptography``'s best PKCS#8 encryption is PBES2 with PBKDF2-HMAC-SHA256 at
2,048 iterations, which a GPU guesses at millions of passphrases a second. Argon2id (RFC 9106)
makes every guess cost memory as well as time, which is what GPUs and ASICs lack. The
parameters (``DEFAULT_PARAMS``: 64 MiB, 3 passes, 4 lanes) are RFC 9106's second recommended
option, for machines that cannot spare 2 GiB per derivation; docs/keys.md says why.

A key file is one JSON object (version 1)::

    {"format": "biotraza-keyfile", "version": 1, "content": "ed25519-private-key",
     "key_id": "<32 hex>",                                   # ed25519 files only
     "kdf": {"name": "argon2id", "version": 19, "memory_kib": 65536, "iterations": 3,
             "lanes": 4, "salt": "<16 bytes, base64url>"},
     "cipher": {"name": "aes-256-gcm", "nonce": "<12 bytes, base64url>"},
     "ciphertext": "<base64url: AES-256-GCM(secret) ‖ 16-byte tag>"}

Every field but ``ciphertext`` is the associated data of the encryption (as RFC 8785 bytes),
so the parameters, the content type and the key id cannot be changed without the tag
failing: a passphrase-check record cannot pass for a key, nor one key's file for another's.
An Ed25519 file holds the raw 32-byte private key. Reading refuses unknown fields and
parameters outside sane bounds (a hostile file cannot ask for 1 TiB of memory).

Left out: where files live and which passphrase a store uses (``ledger.keystore``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from ledger.canonical import canonicalize, parse_json_strict
from ledger.encoding import b64url_decode, b64url_encode
from ledger.errors import EncodingError, KeyStoreError
from ledger.keys import key_id

__all__ = [
    "CONTENT_ED25519",
    "CONTENT_PASSPHRASE_CHECK",
    "DEFAULT_PARAMS",
    "FORMAT",
    "VERSION",
    "Argon2Params",
    "KeyDeriver",
    "WrongPassphraseError",
    "is_current",
    "open_private_key",
    "open_secret",
    "seal_private_key",
    "seal_secret",
]

FORMAT = "biotraza-keyfile"
VERSION = 1
CONTENT_ED25519 = "ed25519-private-key"
CONTENT_PASSPHRASE_CHECK = "passphrase-check"  # noqa: S105 - a content type, not a secret

ARGON2_VERSION = 19  # 0x13, Argon2 v1.3: the only version RFC 9106 and cryptography know
SALT_SIZE = 16  # RFC 9106 §3.1 recommends 128 bits
NONCE_SIZE = 12  # AES-GCM's 96-bit nonce; random and used once (one key per salt)
TAG_SIZE = 16
MAX_MEMORY_KIB = 4 * 1024 * 1024  # 4 GiB: above this a file is hostile, not cautious
MAX_ITERATIONS = 64
MAX_LANES = 64


class WrongPassphraseError(KeyStoreError):
    """The passphrase does not open the file (or the file was altered: GCM cannot tell)."""


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost parameters (RFC 9106 §3.1): memory in KiB, passes, lanes."""

    memory_kib: int
    iterations: int
    lanes: int


DEFAULT_PARAMS = Argon2Params(memory_kib=64 * 1024, iterations=3, lanes=4)
"""RFC 9106 §4 second recommended option (also OWASP's ceiling for interactive logins):
64 MiB, t=3, p=4, about 0.3 s on one 2026 laptop core."""


class KeyDeriver:
    """Argon2id with a memo of the keys it derived, for one key store's lifetime.

    Creating a key checks the store's passphrase record and then seals the new file; the demo
    then loads what it created. Remembering ``(passphrase, salt, params) → key`` in memory makes
    each of those cost one derivation instead of two or three. It weakens nothing: an
    attacker guessing offline pays full price per guess, and a process that holds derived keys
    holds the passphrase (and the private keys) already.
    """

    def __init__(self) -> None:
        self._memo: dict[tuple[str, bytes, Argon2Params], bytes] = {}

    def derive(self, passphrase: str, salt: bytes, params: Argon2Params) -> bytes:
        """The 32-byte AES key for ``passphrase`` under ``salt`` and ``params``."""
        memo_key = (passphrase, salt, params)
        cached = self._memo.get(memo_key)
        if cached is None:
            cached = Argon2id(
                salt=salt,
                length=32,
                iterations=params.iterations,
                lanes=params.lanes,
                memory_cost=params.memory_kib,
            ).derive(passphrase.encode("utf-8"))
            self._memo[memo_key] = cached
        return cached


def seal_secret(
    secret: bytes,
    passphrase: str,
    content: str,
    *,
    key_id_hex: str | None = None,
    params: Argon2Params = DEFAULT_PARAMS,
    deriver: KeyDeriver | None = None,
) -> bytes:
    """A version-1 key file (UTF-8 JSON, newline-terminated) sealing ``secret``."""
    salt, nonce = os.urandom(SALT_SIZE), os.urandom(NONCE_SIZE)
    header: dict[str, Any] = {"format": FORMAT, "version": VERSION, "content": content}
    if key_id_hex is not None:
        header["key_id"] = key_id_hex
    header["kdf"] = {
        "name": "argon2id",
        "version": ARGON2_VERSION,
        "memory_kib": params.memory_kib,
        "iterations": params.iterations,
        "lanes": params.lanes,
        "salt": b64url_encode(salt),
    }
    header["cipher"] = {"name": "aes-256-gcm", "nonce": b64url_encode(nonce)}
    key = (deriver or KeyDeriver()).derive(passphrase, salt, params)
    ciphertext = AESGCM(key).encrypt(nonce, secret, canonicalize(header))
    document = {**header, "ciphertext": b64url_encode(ciphertext)}
    return canonicalize(document) + b"\n"


def seal_private_key(
    private_key: Ed25519PrivateKey,
    passphrase: str,
    *,
    params: Argon2Params = DEFAULT_PARAMS,
    deriver: KeyDeriver | None = None,
) -> bytes:
    """A key file holding an Ed25519 private key (its raw 32 bytes) and naming its key id."""
    raw = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return seal_secret(
        raw,
        passphrase,
        CONTENT_ED25519,
        key_id_hex=key_id(private_key),
        params=params,
        deriver=deriver,
    )


@dataclass(frozen=True)
class _Parsed:
    header: dict[str, Any]
    params: Argon2Params
    salt: bytes
    nonce: bytes
    ciphertext: bytes


def _int_in(kdf: dict[str, Any], name: str, low: int, high: int) -> int:
    value = kdf.get(name)
    if type(value) is not int or not low <= value <= high:
        raise KeyStoreError(f"key file field kdf.{name}: must be an integer in [{low}, {high}]")
    return value


def _b64(where: dict[str, Any], name: str, path: str, size: int | None = None) -> bytes:
    value = where.get(name)
    if not isinstance(value, str):
        raise KeyStoreError(f"key file field {path}: must be a base64url string")
    try:
        return b64url_decode(value, size)
    except ValueError as exc:
        raise KeyStoreError(f"key file field {path}: {exc}") from exc


def _exact_fields(where: Any, expected: set[str], path: str) -> dict[str, Any]:
    if not isinstance(where, dict):
        raise KeyStoreError(f"key file field {path}: must be a JSON object")
    if set(where) != expected:
        extra, missing = sorted(set(where) - expected), sorted(expected - set(where))
        raise KeyStoreError(f"key file {path}: unexpected {extra} / missing {missing} fields")
    return where


def _parse(data: bytes, content: str) -> _Parsed:
    try:
        document = parse_json_strict(data)
    except EncodingError as exc:
        raise KeyStoreError(f"not a Biotraza key file: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise KeyStoreError(f'not a Biotraza key file (no "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise KeyStoreError(
            f"key file version {document.get('version')!r} is not supported (this reads {VERSION})"
        )
    if document.get("content") != content:
        raise KeyStoreError(f"key file holds {document.get('content')!r}, not {content!r}")
    top = {"format", "version", "content", "kdf", "cipher", "ciphertext"}
    if content == CONTENT_ED25519:
        top.add("key_id")
    _exact_fields(document, top, "(top level)")
    kdf = _exact_fields(
        document["kdf"],
        {"name", "version", "memory_kib", "iterations", "lanes", "salt"},
        "kdf",
    )
    if kdf["name"] != "argon2id" or kdf["version"] != ARGON2_VERSION:
        raise KeyStoreError(f"key file field kdf: only argon2id version {ARGON2_VERSION} is read")
    lanes = _int_in(kdf, "lanes", 1, MAX_LANES)
    params = Argon2Params(
        memory_kib=_int_in(kdf, "memory_kib", 8 * lanes, MAX_MEMORY_KIB),
        iterations=_int_in(kdf, "iterations", 1, MAX_ITERATIONS),
        lanes=lanes,
    )
    cipher = _exact_fields(document["cipher"], {"name", "nonce"}, "cipher")
    if cipher["name"] != "aes-256-gcm":
        raise KeyStoreError("key file field cipher.name: only aes-256-gcm is read")
    ciphertext = _b64(document, "ciphertext", "ciphertext")
    if len(ciphertext) < TAG_SIZE:
        raise KeyStoreError("key file field ciphertext: shorter than the GCM tag")
    header = {k: v for k, v in document.items() if k != "ciphertext"}
    return _Parsed(
        header=header,
        params=params,
        salt=_b64(kdf, "salt", "kdf.salt", SALT_SIZE),
        nonce=_b64(cipher, "nonce", "cipher.nonce", NONCE_SIZE),
        ciphertext=ciphertext,
    )


def _open(
    data: bytes, passphrase: str, content: str, deriver: KeyDeriver | None
) -> tuple[_Parsed, bytes]:
    parsed = _parse(data, content)
    key = (deriver or KeyDeriver()).derive(passphrase, parsed.salt, parsed.params)
    try:
        secret = AESGCM(key).decrypt(parsed.nonce, parsed.ciphertext, canonicalize(parsed.header))
    except InvalidTag:
        raise WrongPassphraseError("wrong passphrase (or the key file was altered)") from None
    return parsed, secret


def open_secret(
    data: bytes, passphrase: str, content: str, *, deriver: KeyDeriver | None = None
) -> bytes:
    """The secret sealed in a key file of the given ``content`` type.

    Raises:
        WrongPassphraseError: the passphrase does not open it (or the file was altered).
        KeyStoreError: not a version-1 key file of that content, or a field out of bounds.
    """
    return _open(data, passphrase, content, deriver)[1]


def open_private_key(
    data: bytes, passphrase: str, *, deriver: KeyDeriver | None = None
) -> Ed25519PrivateKey:
    """The Ed25519 private key in a key file; its id must be the one the file names.

    Raises:
        WrongPassphraseError: the passphrase does not open it (or the file was altered).
        KeyStoreError: not an Ed25519 key file, or the key is not the one it names.
    """
    parsed, raw = _open(data, passphrase, CONTENT_ED25519, deriver)
    try:
        private_key = Ed25519PrivateKey.from_private_bytes(raw)
    except ValueError as exc:
        raise KeyStoreError(f"key file does not hold an Ed25519 key: {exc}") from exc
    named = parsed.header["key_id"]
    if key_id(private_key) != named:
        raise KeyStoreError(f"key file names key {named} but holds {key_id(private_key)}")
    return private_key


def is_current(data: bytes, params: Argon2Params = DEFAULT_PARAMS) -> bool:
    """Whether a file is in this format and version, at no less memory and passes than
    ``params`` (else a successful open should re-seal it: legacy PKCS#8, weaker costs)."""
    try:
        document = parse_json_strict(data)
        kdf = document["kdf"]
        return bool(
            document["format"] == FORMAT
            and document["version"] == VERSION
            and kdf["memory_kib"] >= params.memory_kib
            and kdf["iterations"] >= params.iterations
        )
    except (EncodingError, KeyError, TypeError):
        return False
