"""Key files (``ledger.keyfile``) and the key store (``ledger.keystore``), on the real disk.

What each test proves:

* A new key file is Argon2id (RFC 9106 second recommended parameters: 64 MiB, t=3, p=4) with
  AES-256-GCM, read back from the file itself, not from the code's constants.
* A PKCS#8/PBKDF2 file written the old way still loads, and that load re-seals it in the
  current format (same key, mode 0600, no temporary file left); the next load reads the new
  format.
* A wrong passphrase is a ``WrongPassphraseError`` naming the key, for new and old files.
* Changing any header field (the KDF cost, the key id) makes the file fail to open: the header
  is the GCM associated data. Hostile costs are refused before any memory is allocated.
* One store, one passphrase: adding a key under another passphrase is refused, whether the
  store already has its check record or is an old store with keys and no record; the
  refusal leaves no file behind.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
)

from ledger import keyfile
from ledger.canonical import canonicalize
from ledger.errors import KeyStoreError
from ledger.keys import key_id, public_key_bytes
from ledger.keystore import CHECK_FILE, KeyStore, PassphraseMismatchError

PASSPHRASE = "correct horse battery"
OTHER = "another passphrase"


def _document(path: Path) -> dict[str, object]:
    document = json.loads(path.read_bytes())
    assert isinstance(document, dict)
    return document


def _write_legacy(directory: Path, name: str, passphrase: str) -> Ed25519PrivateKey:
    """A key stored as the store wrote it before key files: PKCS#8 PEM, PBKDF2 + AES-CBC."""
    private_key = Ed25519PrivateKey.generate()
    directory.mkdir(parents=True, exist_ok=True)
    pem = private_key.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(passphrase.encode())
    )
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    (directory / f"{name}.key").write_bytes(pem)
    (directory / f"{name}.pub.json").write_text(
        json.dumps({"name": name, "key_id": key_id(private_key), "public_key": "unused"})
    )
    return private_key


def test_new_key_file_is_argon2id_aes_gcm(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    info = store.create("root", PASSPHRASE)
    path = tmp_path / "keys" / "root.key"
    document = _document(path)
    assert document["format"] == "biotraza-keyfile" and document["version"] == 1
    assert document["content"] == "ed25519-private-key"
    assert document["key_id"] == info.key_id
    assert document["kdf"] == {
        "name": "argon2id",
        "version": 19,
        "memory_kib": 65536,
        "iterations": 3,
        "lanes": 4,
        "salt": document["kdf"]["salt"],  # type: ignore[index]
    }
    assert document["cipher"]["name"] == "aes-256-gcm"  # type: ignore[index]
    assert b"BEGIN" not in path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    # A fresh store (fresh memo) reads it: nothing depends on the writer's memory.
    loaded = KeyStore(tmp_path / "keys").load("root", PASSPHRASE)
    assert key_id(loaded) == info.key_id
    # Two files never share a salt or nonce.
    store.create("operator", PASSPHRASE)
    other = _document(tmp_path / "keys" / "operator.key")
    assert other["kdf"]["salt"] != document["kdf"]["salt"]  # type: ignore[index]


def test_legacy_pkcs8_file_loads_and_is_resealed(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    original = _write_legacy(directory, "old", PASSPHRASE)
    path = directory / "old.key"

    with pytest.raises(keyfile.WrongPassphraseError, match="cannot decrypt key 'old'"):
        KeyStore(directory).load("old", OTHER)
    assert path.read_bytes().startswith(b"-----BEGIN")  # a failed load changes nothing

    loaded = KeyStore(directory).load("old", PASSPHRASE)
    assert public_key_bytes(loaded) == public_key_bytes(original)
    document = _document(path)
    assert document["kdf"]["name"] == "argon2id"  # type: ignore[index]
    assert document["key_id"] == key_id(original)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in directory.iterdir()) == ["old.key", "old.pub.json"]

    again = KeyStore(directory).load("old", PASSPHRASE)
    assert public_key_bytes(again) == public_key_bytes(original)
    assert keyfile.is_current(path.read_bytes())


def test_weaker_key_file_is_resealed_at_current_cost(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    store = KeyStore(directory)
    store.create("k", PASSPHRASE)
    weak = keyfile.Argon2Params(memory_kib=1024, iterations=1, lanes=1)
    private_key = store.load("k", PASSPHRASE)
    (directory / "k.key").write_bytes(
        keyfile.seal_private_key(private_key, PASSPHRASE, params=weak)
    )
    assert not keyfile.is_current((directory / "k.key").read_bytes())
    KeyStore(directory).load("k", PASSPHRASE)
    assert _document(directory / "k.key")["kdf"]["memory_kib"] == 65536  # type: ignore[index]


def test_wrong_passphrase_is_a_clear_error(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    store.create("root", PASSPHRASE)
    with pytest.raises(keyfile.WrongPassphraseError) as caught:
        KeyStore(tmp_path / "keys").load("root", OTHER)
    assert str(caught.value).startswith("cannot decrypt key 'root': wrong passphrase")


@pytest.mark.parametrize(
    ("path", "value"),
    [(("kdf", "iterations"), 1), (("kdf", "memory_kib"), 1024), (("key_id",), "0" * 32)],
)
def test_header_is_authenticated(tmp_path: Path, path: tuple[str, ...], value: object) -> None:
    store = KeyStore(tmp_path / "keys")
    store.create("root", PASSPHRASE)
    file = tmp_path / "keys" / "root.key"
    document = _document(file)
    target: dict[str, object] = document
    for part in path[:-1]:
        target = target[part]  # type: ignore[assignment]
    target[path[-1]] = value
    file.write_bytes(canonicalize(document))
    with pytest.raises(keyfile.WrongPassphraseError):
        KeyStore(tmp_path / "keys").load("root", PASSPHRASE)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("memory_kib", 2**40, "kdf.memory_kib"),
        ("iterations", 0, "kdf.iterations"),
        ("lanes", True, "kdf.lanes"),
        ("name", "pbkdf2", "only argon2id"),
    ],
)
def test_hostile_parameters_are_refused(
    tmp_path: Path, field: str, value: object, reason: str
) -> None:
    data = keyfile.seal_secret(b"x", PASSPHRASE, keyfile.CONTENT_PASSPHRASE_CHECK)
    document = json.loads(data)
    document["kdf"][field] = value
    with pytest.raises(KeyStoreError, match=reason):
        keyfile.open_secret(canonicalize(document), PASSPHRASE, keyfile.CONTENT_PASSPHRASE_CHECK)


def test_a_check_record_does_not_open_as_a_key() -> None:
    data = keyfile.seal_secret(b"", PASSPHRASE, keyfile.CONTENT_PASSPHRASE_CHECK)
    with pytest.raises(KeyStoreError, match="not 'ed25519-private-key'"):
        keyfile.open_private_key(data, PASSPHRASE)


def test_one_store_one_passphrase(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    store = KeyStore(directory)
    store.create("root", PASSPHRASE)
    assert _document(directory / CHECK_FILE)["content"] == "passphrase-check"

    with pytest.raises(PassphraseMismatchError, match="not this key store's"):
        KeyStore(directory).create("second", OTHER)
    assert not (directory / "second.key").exists()
    assert not (directory / "second.pub.json").exists()
    with pytest.raises(PassphraseMismatchError):
        KeyStore(directory).save("imported", Ed25519PrivateKey.generate(), OTHER)

    KeyStore(directory).create("second", PASSPHRASE)
    assert sorted(i.name for i in KeyStore(directory).list()) == ["root", "second"]


def test_old_store_without_check_record_adopts_its_keys_passphrase(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    _write_legacy(directory, "root", PASSPHRASE)
    assert not (directory / CHECK_FILE).exists()

    with pytest.raises(PassphraseMismatchError, match="does not open key 'root'"):
        KeyStore(directory).create("new", OTHER)
    assert not (directory / CHECK_FILE).exists()
    assert not (directory / "new.key").exists()

    KeyStore(directory).create("new", PASSPHRASE)
    assert (directory / CHECK_FILE).exists()
    with pytest.raises(PassphraseMismatchError):
        KeyStore(directory).create("third", OTHER)


def test_damaged_check_record_is_named(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    KeyStore(directory).create("root", PASSPHRASE)
    (directory / CHECK_FILE).write_bytes(b"{}")
    with pytest.raises(KeyStoreError, match="is damaged"):
        KeyStore(directory).create("second", PASSPHRASE)
