"""The signed read (``ledger.read_auth``) pinned as bytes for the web app.

``tests/vectors/signed_read.json`` was written once by :func:`_vector` (run by hand:
``python -m tests.unit.ledger.test_signed_read_vector``); the office screens sign their reads
in ``api/webapp/src/crypto/signedRead.ts`` and ``api/webapp/tests/signedRead.test.ts`` builds
the same header from the same seed, so both sides are held to the same bytes — and the header
is accepted here by the server's own parser and signature check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from ledger.keys import public_key_bytes
from ledger.read_auth import check_read_signature, parse_read_request, sign_read
from tests.factories import make_key

VECTOR = Path(__file__).resolve().parents[2] / "vectors" / "signed_read.json"
PATH = "/api/v1/credentials/draft/p-1?with_name=true"
TS = "2026-12-06T20:15:00Z"
NONCE = "bm9uY2Utb2YtdGhlLXZlY3Rvcg"


def _vector() -> dict[str, Any]:
    key = make_key("org:coop-read")
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return {
        "description": "A signed read (ledger/read_auth.py) with a fixed key, ts and nonce; "
        "the web app's signRead must write the same header.",
        "seed_hex": seed.hex(),
        "path": PATH,
        "ts": TS,
        "nonce": NONCE,
        "header": sign_read(key, PATH, ts=TS, nonce=NONCE),
    }


def test_the_vector_is_what_the_code_writes_and_accepts() -> None:
    vector = json.loads(VECTOR.read_text(encoding="utf-8"))
    assert vector == _vector()
    request, signature = parse_read_request(vector["header"])
    assert request.path == PATH and request.ts == TS and request.nonce == NONCE
    check_read_signature(request, signature, public_key_bytes(make_key("org:coop-read")))


if __name__ == "__main__":
    VECTOR.write_text(json.dumps(_vector(), indent=2) + "\n", encoding="utf-8")
