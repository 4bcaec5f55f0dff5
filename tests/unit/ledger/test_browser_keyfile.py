"""The browser key file (``ledger.browser_keyfile``): the frozen vector, round trip, refusals.

``tests/vectors/browser_key.json`` was written once by this code with a fixed salt and
nonce (``_write_vector`` below, run by hand: ``python -m tests.unit.ledger.test_browser_keyfile``)
and is opened by the field app in ``api/webapp/tests/office.test.ts`` with WebCrypto alone,
so both sides are held to the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.browser_keyfile import open_for_browser, seal_for_browser
from ledger.errors import KeyStoreError
from ledger.keys import encode_public_key, key_id
from tests.factories import make_key

VECTOR = Path(__file__).resolve().parents[2] / "vectors" / "browser_key.json"
KEY_NAME = "org:coop-browser"
PASSPHRASE = "cafe de altura 2026"  # noqa: S105 - the vector's published passphrase


def _vector_file() -> bytes:
    return seal_for_browser(
        make_key(KEY_NAME), PASSPHRASE, salt=bytes(range(16)), nonce=bytes(range(100, 112))
    )


def test_the_vector_is_what_the_code_writes_and_opens() -> None:
    vector = json.loads(VECTOR.read_text(encoding="utf-8"))
    assert vector["file"].encode() == _vector_file()
    key = open_for_browser(vector["file"].encode(), vector["passphrase"])
    assert key_id(key) == vector["key_id"] == key_id(make_key(KEY_NAME))
    assert encode_public_key(key) == vector["public_key"]


def test_round_trip_with_random_salt_and_nonce() -> None:
    key = make_key("another")
    a, b = seal_for_browser(key, "long passphrase"), seal_for_browser(key, "long passphrase")
    assert a != b
    assert key_id(open_for_browser(a, "long passphrase")) == key_id(key)


def test_a_wrong_passphrase_or_a_changed_field_is_refused() -> None:
    data = _vector_file()
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        open_for_browser(data, "cafe de altura 2027")
    other = encode_public_key(make_key("x"))
    doc = json.loads(data)
    doc["public_key"] = other
    with pytest.raises(KeyStoreError, match="wrong passphrase, or the file was changed"):
        open_for_browser(json.dumps(doc).encode(), PASSPHRASE)
    doc = json.loads(data)
    doc["kdf"]["iterations"] = 1000
    with pytest.raises(KeyStoreError, match="out of bounds"):
        open_for_browser(json.dumps(doc).encode(), PASSPHRASE)
    with pytest.raises(KeyStoreError, match="not a browser key file"):
        open_for_browser(b'{"format": "biotraza-keyfile"}', PASSPHRASE)
    with pytest.raises(KeyStoreError, match="iterations"):
        seal_for_browser(make_key("x"), PASSPHRASE, iterations=1000)


def _write_vector() -> None:
    key = make_key(KEY_NAME)
    vector = {
        "description": "A browser key file (ledger/browser_keyfile.py) with a fixed salt and "
        "nonce; the field app opens it with WebCrypto (PBKDF2-HMAC-SHA256, AES-256-GCM).",
        "passphrase": PASSPHRASE,
        "key_id": key_id(key),
        "public_key": encode_public_key(key),
        "file": _vector_file().decode(),
    }
    VECTOR.write_text(json.dumps(vector, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    _write_vector()
