"""A directory of Ed25519 private keys, encrypted at rest under one passphrase.

Each key NAME is two files: ``NAME.key`` (a ``ledger.keyfile`` file: Argon2id + AES-256-GCM)
and ``NAME.pub.json`` (name, key id and public key, readable without the passphrase so ``keys
list`` never asks for it). Files are created with mode 0600, whole or not at all, and never
overwritten, in a directory created 0700 whatever the umask; a directory or key file found
readable by others is tightened when a key is loaded (``ledger.private_paths``).

One store, one passphrase: ``keystore.json`` records a passphrase check (a key file sealing
nothing), written with the first key. Adding a key under any other passphrase is refused
there and then, instead of succeeding and failing on first use ("cannot decrypt key").

Older stores hold PKCS#8 PEM files (PBKDF2, 2,048 iterations). They are still read, and the
first successful load re-seals the file in the current format, atomically (temporary file,
fsync, rename, fsync of the directory); a store without a check record gets one when a key is
next added, after its passphrase has opened one of the existing keys.

Left out: where the passphrase comes from (the CLI reads an env var or prompts) and which
role a key plays (that is recorded in the ledger, not here).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from ledger import keyfile
from ledger.atomic import replace_file, write_new_file
from ledger.errors import KeyStoreError
from ledger.keys import KeyId, encode_public_key, key_id
from ledger.private_paths import private_dir, tighten

__all__ = ["CHECK_FILE", "KeyInfo", "KeyStore", "PassphraseMismatchError", "load_pem_ed25519"]

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSPHRASE = 8
CHECK_FILE = "keystore.json"
_PEM = b"-----BEGIN"


class PassphraseMismatchError(KeyStoreError):
    """A key was to be added under a passphrase other than the store's."""


@dataclass(frozen=True)
class KeyInfo:
    """The public half of a stored key."""

    name: str
    key_id: KeyId
    public_key: str


class KeyStore:
    """Encrypted private keys in one directory, under one passphrase."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._deriver = keyfile.KeyDeriver()

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
            PassphraseMismatchError: the store's keys are under another passphrase.
        """
        return self.save(name, Ed25519PrivateKey.generate(), passphrase)

    def save(self, name: str, private_key: Ed25519PrivateKey, passphrase: str) -> KeyInfo:
        """Store an existing key (e.g. one a certifier generated elsewhere), encrypted.

        Raises:
            KeyStoreError: bad name, short passphrase, or a key of that name exists.
            PassphraseMismatchError: the store's keys are under another passphrase.
        """
        key_path, pub_path = self._paths(name)
        if len(passphrase) < MIN_PASSPHRASE:
            raise KeyStoreError(f"passphrase must be at least {MIN_PASSPHRASE} characters")
        if key_path.exists() or pub_path.exists():
            raise KeyStoreError(f"key {name!r} already exists in {self.directory}")
        private_dir(self.directory)
        self.check_passphrase(passphrase)
        sealed = keyfile.seal_private_key(private_key, passphrase, deriver=self._deriver)
        info = KeyInfo(name, key_id(private_key), encode_public_key(private_key))
        try:
            write_new_file(key_path, sealed)
            write_new_file(
                pub_path,
                json.dumps(
                    {"name": info.name, "key_id": info.key_id, "public_key": info.public_key},
                    indent=2,
                ).encode("utf-8")
                + b"\n",
            )
        except FileExistsError:
            raise KeyStoreError(f"key {name!r} already exists in {self.directory}") from None
        return info

    def check_passphrase(self, passphrase: str) -> None:
        """Refuse a passphrase that is not the store's; record the check if there is none.

        The store's passphrase is the one its check record opens; a store made before the
        record existed adopts the passphrase that opens its first key (by name), and an empty
        store the one it is first given.

        Raises:
            PassphraseMismatchError: the passphrase is not the store's.
            KeyStoreError: the check record is damaged.
        """
        check_path = self.directory / CHECK_FILE
        if not check_path.exists():
            existing = sorted(self.directory.glob("*.key"))
            if existing:
                name = existing[0].name[: -len(".key")]
                try:
                    self.load(name, passphrase)
                except keyfile.WrongPassphraseError:
                    raise self._mismatch(f"it does not open key {name!r}") from None
            record = keyfile.seal_secret(
                b"", passphrase, keyfile.CONTENT_PASSPHRASE_CHECK, deriver=self._deriver
            )
            try:
                write_new_file(check_path, record)
                return
            except FileExistsError:
                pass  # another process recorded one first: check against that
        try:
            keyfile.open_secret(
                check_path.read_bytes(),
                passphrase,
                keyfile.CONTENT_PASSPHRASE_CHECK,
                deriver=self._deriver,
            )
        except keyfile.WrongPassphraseError:
            raise self._mismatch(f"it does not open {check_path}") from None
        except KeyStoreError as exc:
            raise KeyStoreError(f"passphrase check {check_path} is damaged: {exc}") from exc

    def _mismatch(self, why: str) -> PassphraseMismatchError:
        return PassphraseMismatchError(
            f"the passphrase is not this key store's ({why}); every key in {self.directory} "
            "is under one passphrase"
        )

    def load(self, name: str, passphrase: str) -> Ed25519PrivateKey:
        """Decrypt and return a private key, re-sealing a file in an older format.

        Raises:
            KeyStoreError: no such key, wrong passphrase, or not an Ed25519 key.
        """
        key_path, _ = self._paths(name)
        tighten(self.directory)
        tighten(key_path)
        try:
            data = key_path.read_bytes()
        except FileNotFoundError:
            raise KeyStoreError(f"no key named {name!r} in {self.directory}") from None
        try:
            if data.lstrip().startswith(_PEM):
                private_key = load_pem_ed25519(data, passphrase)
            else:
                private_key = keyfile.open_private_key(data, passphrase, deriver=self._deriver)
        except keyfile.WrongPassphraseError:
            raise keyfile.WrongPassphraseError(
                f"cannot decrypt key {name!r}: wrong passphrase (or the file was altered)"
            ) from None
        except KeyStoreError as exc:
            raise KeyStoreError(f"cannot decrypt key {name!r}: {exc}") from exc
        if not keyfile.is_current(data):
            self._reseal(key_path, private_key, passphrase)
        return private_key

    def _reseal(self, key_path: Path, private_key: Ed25519PrivateKey, passphrase: str) -> None:
        """Replace an older key file by the current format; a failure (a read-only store)
        leaves the old file, still readable, and is logged."""
        sealed = keyfile.seal_private_key(private_key, passphrase, deriver=self._deriver)
        try:
            replace_file(key_path, sealed)
        except OSError as exc:
            logger.warning("could not re-encrypt %s in the current format: %s", key_path, exc)

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
        raise keyfile.WrongPassphraseError(
            "cannot read the PEM key: wrong or missing passphrase?"
        ) from exc
    if not isinstance(private_key, Ed25519PrivateKey):
        raise KeyStoreError("not an Ed25519 key")
    return private_key
