"""``biotraza keys grant-browser``: a certifier's browser key enrolled like a field phone.

The browser leaves its public key under a short code (``POST /api/v1/device-requests``, here
through the service the route calls); the root key grants it the certifier role bound to the
certification body, by short code or by public key. Mistakes (an unknown code, a malformed
key, a certifier without ``certifier_id``) are one error line, exit 1, nothing appended.
Both engines, as a subprocess.
"""

from __future__ import annotations

from api.services.device_requests import request_enrolment
from ledger.keys import encode_public_key, key_id
from tests.api.test_cli import env, failed, head_size, initialized, ok
from tests.api.test_cli_devices import _service
from tests.factories import make_key

__all__ = ["env", "initialized"]  # fixtures, used by name

BROWSER = make_key("certifier-browser")


def test_grant_a_browser_key_the_certifier_role_by_short_code(
    initialized: dict[str, str], db_url: str
) -> None:
    env = initialized
    public = encode_public_key(BROWSER)
    service = _service(env, db_url)
    try:
        request = request_enrolment(service, public, "Inspectora Certimex 1")
    finally:
        service.close()
    code = request["short_code"]
    size = head_size(db_url)

    failed(
        env,
        "keys",
        "grant-browser",
        "ffff-ffff-ffff",
        "--role",
        "certifier",
        "--scope",
        "certifier_id=certimex",
    )
    missing = failed(env, "keys", "grant-browser", code, "--role", "certifier")
    assert "certifier_id" in missing.stderr
    bad = failed(
        env,
        "keys",
        "grant-browser",
        "not-a-key",
        "--role",
        "certifier",
        "--scope",
        "certifier_id=certimex",
    )
    assert "KEY" in bad.stderr
    assert head_size(db_url) == size

    done = ok(
        env,
        "keys",
        "grant-browser",
        code,
        "--role",
        "certifier",
        "--scope",
        "certifier_id=certimex",
    )
    kid = key_id(BROWSER)
    assert f"key {kid} granted certifier" in done.stdout
    service = _service(env, db_url)
    try:
        doc = service.store.state_get("key", kid)
    finally:
        service.close()
    assert doc is not None
    assert (doc["role"], doc["name"]) == ("certifier", "Inspectora Certimex 1")
    assert doc["scope"] == {"certifier_id": "certimex"}
