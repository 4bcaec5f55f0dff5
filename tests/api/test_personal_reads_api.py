"""Members' personal data over HTTP, only for a signed read (``ledger.read_auth``), on SQLite
and PostgreSQL.

* Without a signed request: 401 with ``WWW-Authenticate: Biotraza-Read`` naming the field,
  and the same for a request signed for another path, too old, badly signed or by an unknown
  key — before anything says whether the producer exists.
* The member's association and root read it (``Cache-Control: no-store``; ``committed``
  tells whether the ledger's ``pii_hash`` still commits to it); another association and the
  registrar get 403; an unknown producer and erased data 404.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from api.services.ledger import LedgerService
from api.services.supply import erase_personal_data
from ledger.keys import encode_public_key
from ledger.read_auth import sign_read
from ledger.statements import format_ts
from tests.api import test_supply_api as supply
from tests.api.test_supply_api import COOP, PERSON, REGISTRAR, post, register_producer, signed
from tests.factories import make_key

service = supply.service  # the same ledger and app as the supply API's tests
client = supply.client
PATH = "/api/v1/producers/p1/personal-data"
OTHER = make_key("org:coop-b")


def _get(client: TestClient, header: str | None, path: str = PATH):  # type: ignore[no-untyped-def]
    headers = {} if header is None else {"Authorization": header}
    return client.get(path, headers=headers)


def _field(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.json()["error"]["fields"][0]["field"])


def test_personal_data_only_for_a_signed_read(client: TestClient, service: LedgerService) -> None:
    assert register_producer(client, "p1").status_code == 201
    other_org = {"org_id": "coop-b", "name": "Otra", "legal_form": "cooperativa", "state": "07",
                 "public_key": encode_public_key(OTHER)}  # fmt: skip
    post(client, signed(REGISTRAR, "org.registered", other_org, "org-coop-b"))

    unsigned = _get(client, None)
    assert unsigned.status_code == 401 and unsigned.headers["www-authenticate"] == "Biotraza-Read"
    assert _field(unsigned) == "authorization" and "María" not in unsigned.text

    own = _get(client, sign_read(COOP, PATH))
    assert own.status_code == 200, own.text
    assert own.headers["cache-control"] == "no-store"
    body = own.json()
    assert body["data"]["name"] == PERSON["name"] and body["org_id"] == "coop-a"
    assert body["committed"] is True
    assert _get(client, sign_read(make_key("root"), PATH)).status_code == 200

    for key in (OTHER, REGISTRAR):
        refused = _get(client, sign_read(key, PATH))
        assert refused.status_code == 403 and _field(refused) == "authorization.key"
        assert "María" not in refused.text

    elsewhere = _get(client, sign_read(COOP, "/api/v1/producers/p2/personal-data"))
    assert elsewhere.status_code == 401 and _field(elsewhere) == "authorization.path"
    stale = format_ts(datetime.now(UTC) - timedelta(minutes=10))
    old = _get(client, sign_read(COOP, PATH, ts=stale))
    assert old.status_code == 401 and _field(old) == "authorization.ts"
    header = sign_read(COOP, PATH)
    forged = header[:-4] + ("AAAA" if not header.endswith("AAAA") else "BBBB")
    assert _get(client, forged).status_code == 401
    stranger = _get(client, sign_read(make_key("nobody"), PATH))
    assert stranger.status_code == 401 and _field(stranger) == "authorization.key"
    assert _get(client, "Bearer abc").status_code == 401
    assert _get(client, "Biotraza-Read not-a-request").status_code == 401

    missing = "/api/v1/producers/p9/personal-data"
    assert _get(client, sign_read(COOP, missing), missing).status_code == 404
    assert erase_personal_data(service, "p1") is True
    assert _get(client, sign_read(COOP, PATH)).status_code == 404
