"""A directory of Ed25519 private keys, encrypted at rest (PKCS#8 with a passphrase).

Each key NAME is two files: ``NAME.key`` (PEM, PKCS#8, encrypted with the best available
scheme of ``cryptography``: scrypt-derived key + AES-256-CBC) and ``NAME.pub.json`` (name, key id
and public key, readable without the passphrase so ``keys list`` never asks for it). Files are
created with mode 0600 and never overwritten, in a directory created 0700 whatever the umask;
a directory or key file found readable by others is tightened when a key is loaded
(``ledger.private_paths``).

Left out: where the passphrase comes from (the CLI reads an env var or prompts) and which
role a key plays (that is recorded in the ledger, not here).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    load_pem_private_key,
)

from ledger.errors import KeyStoreError
from ledger.keys import KeyId, encode_public_key, key_id
from ledger.private_paths import private_dir, tighten

__all__ = ["KeyInfo", "KeyStore", "load_pem_ed25519"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSPHRASE = 8


@dataclass(frozen=True)
class KeyInfo:
    """The public half of a stored key."""

    name: str
    key_id: KeyId
    public_key: str


class KeyStore:
    """Encrypted private keys in one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _paths(self, name: str) -> tuple[Path, Path]:
        if not _NAME.fullmatch(name):
            raise KeyStoreError(
                f"bad key name {name!r}: use 1-64 of a-z 0-9 . _ - starting with a letter or digit"
            )
        return self.directory / f"{name}.key", self.directory / f"{name}.pub.json"

    def create(self, name: str, passphrase: str) -> KeyInfo:
        """Generate a key and store it encrypted.

        Raises:
            KeyStoreError: bad name, short passphrase, or a key of that name exists.
        """
        return self.save(name, Ed25519PrivateKey.generate(), passphrase)

    def save(self, name: str, private_key: Ed25519PrivateKey, passphrase: str) -> KeyInfo:
        """Store an existing key (e.g. one a certifier generated elsewhere), encrypted.

        Raises:
            KeyStoreError: bad name, short passphrase, or a key of that name exists.
        """
        key_path, pub_path = self._paths(name)
        if len(passphrase) < MIN_PASSPHRASE:
            raise KeyStoreError(f"passphrase must be at least {MIN_PASSPHRASE} characters")
        if key_path.exists() or pub_path.exists():
            raise KeyStoreError(f"key {name!r} already exists in {self.directory}")
        private_dir(self.directory)
        pem = private_key.private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(passphrase.encode("utf-8"))
        )
        info = KeyInfo(name, key_id(private_key), encode_public_key(private_key))
        _write_new(key_path, pem)
        _write_new(
            pub_path,
            json.dumps(
                {"name": info.name, "key_id": info.key_id, "public_key": info.public_key},
                indent=2,
            ).encode("utf-8")
            + b"\n",
        )
        return info

    def load(self, name: str, passphrase: str) -> Ed25519PrivateKey:
        """Decrypt and return a private key.

        Raises:
            KeyStoreError: no such key, wrong passphrase, or not an Ed25519 key.
        """
        key_path, _ = self._paths(name)
        tighten(self.directory)
        tighten(key_path)
        try:
            pem = key_path.read_bytes()
        except FileNotFoundError:
            raise KeyStoreError(f"no key named {name!r} in {self.directory}") from None
        try:
            return load_pem_ed25519(pem, passphrase)
        except KeyStoreError as exc:
            raise KeyStoreError(f"cannot decrypt key {name!r}: wrong passphrase? ({exc})") from exc

    def info(self, name: str) -> KeyInfo:
        """The public half of a stored key.

        Raises:
            KeyStoreError: no such key, or its public file is damaged.
        """
        _, pub_path = self._paths(name)
        try:
            data = json.loads(pub_path.read_text("utf-8"))
            return KeyInfo(str(data["name"]), KeyId(str(data["key_id"])), str(data["public_key"]))
        except FileNotFoundError:
            raise KeyStoreError(f"no key named {name!r} in {self.directory}") from None
        except (ValueError, KeyError) as exc:
            raise KeyStoreError(f"public file of key {name!r} is damaged: {exc}") from exc

    def list(self) -> list[KeyInfo]:
        """Every stored key, sorted by name."""
        if not self.directory.is_dir():
            return []
        names = sorted(p.name[: -len(".pub.json")] for p in self.directory.glob("*.pub.json"))
        return [self.info(name) for name in names]

    def exists(self, name: str) -> bool:
        """Whether a key of that name is stored."""
        key_path, _ = self._paths(name)
        return key_path.exists()


def load_pem_ed25519(pem: bytes, passphrase: str | None) -> Ed25519PrivateKey:
    """An Ed25519 private key from PKCS#8 PEM, encrypted (with ``passphrase``) or not.

    Raises:
        KeyStoreError: not PEM, wrong or missing passphrase, or not an Ed25519 key.
    """
    try:
        private_key = load_pem_private_key(
            pem, passphrase.encode("utf-8") if passphrase is not None else None
        )
    except (ValueError, TypeError) as exc:
        raise KeyStoreError("cannot read the PEM key: wrong or missing passphrase?") from exc
    if not isinstance(private_key, Ed25519PrivateKey):
        raise KeyStoreError("not an Ed25519 key")
    return private_key


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
