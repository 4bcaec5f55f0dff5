"""The buyers' market (issue 21) on the demo ledger, on SQLite and on PostgreSQL.

What each test proves:

* The catalogue lists the lots in stock with the label office's own mass balance, the
  origin as counts, eligibility and certificates — and nothing that identifies a producer
  (no producer id, no personal data, no coordinate).
* Each filter keeps exactly the entries it names (checked against the unfiltered list);
  unknown, repeated or malformed parameters are a 400 naming ``query.<name>``.
* ``lot.offered`` is validated at append (custodian only, never more than the lot holds, a
  withdrawal needs an offer) and its price indication appears as exact decimal strings.
* An expression of interest is kept off the ledger (the ledger head is unchanged), is
  validated field by field, bounded per client — another address of the same network is
  not refused — with a 429 whose ``Retry-After`` and JSON body say when a slot frees, and
  read back only with a request signed by the association (or root). The bound is exact:
  senders racing for the last slot never get more than the limit between them. The client
  is kept as HMAC-SHA-256 under the data directory's ``market-source.key``, never a plain
  SHA-256 of its address: the same client gives the same value (also after a restart, so
  the bound holds across it), another key another value; migration 0013 overwrites the
  plain hashes stored before it.
* ``biotraza market purge`` deletes messages past the retention period (180 days by
  default, or ``--older-than-days``), says how many and up to when, and refuses a negative
  period in one line.
* The offer sheet PDF carries the lot's facts in Spanish and English and its QR decodes to
  the lot's market page.
* The pages answer in both languages, refuse a bad filter in the reader's language and take
  the interest form without JavaScript.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.demo import build_demo
from api.services.interest_retention import INTEREST_RETENTION_DAYS
from api.services.ledger import LedgerService
from api.services.market import MARKET_SOURCE_KEY_FILE, PER_SOURCE_PER_HOUR
from api.settings import Settings
from ledger.keystore import KeyStore
from ledger.read_auth import sign_read
from ledger.statements import format_ts, sign_statement
from ledger.storage.sql import create_ledger_engine, upgrade_database
from ledger.storage.sql.interest import Interest, InterestLimitError, InterestStore
from ledger.storage.sql.migrate import current_revision
from tests.api.test_cli import _base_env, run
from tests.conftest import fresh_pg_schema

PASSPHRASE = "market-test-passphrase"
LOT = "cs-export-2526-002"
HTML = {"accept": "text/html"}
HOLDER = "org-exportadora"
"""The key of the export lot's custodian (shipped to the exporter): it offers the lot and
reads buyers' messages about it."""


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, KeyStore]]:
    """The demo ledger served by the app, once per engine for the module."""
    data = tmp_path_factory.mktemp(f"market-{request.param}")
    with ExitStack() as schema:
        if request.param == "sqlite":
            url = f"sqlite:///{data / 'ledger.db'}"
        else:
            url = schema.enter_context(fresh_pg_schema())
        cfg = Settings(data_dir=data, key_passphrase=PASSPHRASE, database_url=url)
        build_demo(cfg)
        service = LedgerService.open(cfg.resolved_database_url)
        try:
            with TestClient(create_app(cfg, service)) as client:
                client.app.state.test_env = {  # type: ignore[attr-defined]
                    **_base_env(), "BIOTRAZA_DATA_DIR": str(data), "BIOTRAZA_DATABASE_URL": url,
                    "BIOTRAZA_KEY_PASSPHRASE": PASSPHRASE,
                }  # fmt: skip
                yield client, KeyStore(cfg.key_dir)
        finally:
            service.close()


def _service(client: TestClient) -> LedgerService:
    found: LedgerService = client.app.state.service  # type: ignore[attr-defined]
    return found


def _lots(client: TestClient, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/market/lots{query}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["data"])
    rows: list[dict[str, Any]] = body["data"]
    return rows


def _fields(response: Any) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


def _visible(page: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def _offer(keys: KeyStore, body: dict[str, Any], nonce: str, signer: str = HOLDER):  # type: ignore[no-untyped-def]
    key = keys.load(signer, PASSPHRASE)
    return sign_statement(key, "lot.offered", body, ts="2026-06-10T12:00:00Z", nonce=nonce)


def _post_entry(client: TestClient, statement: Any) -> Any:
    return client.post("/api/v1/entries", json=statement.model_dump(mode="json"))


# ----------------------------------------------------------------------------- catalogue


def test_catalogue_lists_stock_with_balance_and_no_personal_data(
    world: tuple[TestClient, KeyStore],
) -> None:
    client, _keys = world
    rows = _lots(client)
    assert rows and all(Decimal(r["remaining_kg"]) > 0 for r in rows)
    office = {lot["lot_id"]: lot for lot in client.get("/api/v1/labels/lots").json()["data"]}
    entry = next(r for r in rows if r["lot_id"] == LOT)
    # The label office's mass balance, in kilograms: quantity − consumed, labelled.
    mass = office[LOT]
    assert Decimal(entry["remaining_kg"]) * 1000 == mass["quantity_g"] - mass["consumed_g"]
    assert Decimal(entry["labelled_kg"]) * 1000 == mass["labelled_g"]
    assert entry["eligibility"]["eligible"] is mass["eligibility"]["eligible"] is True
    assert entry["origin"]["landscapes"] == ["Sierra Madre de Chiapas"]
    assert entry["origin"]["producers"] == 10 and entry["origin"]["hectares"] == "11.3"
    assert {c["standard"]["id"] for c in entry["certificates"]} == {"coffee-ab"}
    assert entry["links"]["bundle"] == f"/api/v1/lots/{LOT}/trail?format=bundle"
    bundle = client.get(entry["links"]["bundle"])
    assert bundle.status_code == 200 and bundle.json()["lot_id"] == LOT
    # No producer is identifiable: no producer id, no coordinate, no name.
    text_out = json.dumps(rows)
    service = _service(client)
    with service.store.read_state() as state:
        producers = [key for key, _doc in state.scan("producer")]
        plots = [doc for _key, doc in state.scan("plot")]
    assert producers and not any(f'"{p}"' in text_out for p in producers)
    assert "producer_id" not in text_out and "coordinates" not in text_out
    for plot in plots[:20]:
        point = plot["geometry"]["coordinates"]
        lon = point[0] if isinstance(point[0], float) else point[0][0][0]
        assert f"{lon:.3f}" not in text_out


def test_every_filter_keeps_exactly_what_it_names(world: tuple[TestClient, KeyStore]) -> None:
    client, _keys = world
    everything = _lots(client)
    ids = lambda rows: {r["lot_id"] for r in rows}  # noqa: E731
    honey = _lots(client, "?product=honey")
    assert honey and ids(honey) == {r["lot_id"] for r in everything if r["product"] == "honey"}
    eligible, ineligible = _lots(client, "?eligible=true"), _lots(client, "?eligible=false")
    assert all(r["eligibility"]["eligible"] for r in eligible)
    assert not any(r["eligibility"]["eligible"] for r in ineligible)
    assert ids(eligible) | ids(ineligible) == ids(everything) and eligible and ineligible
    calakmul = _lots(client, "?landscape=Calakmul")
    assert calakmul and all("Calakmul" in r["origin"]["landscapes"] for r in calakmul)
    sierra = _lots(client, "?association=cafe-sierra&standard=coffee-ab&eligible=true")
    assert ids(sierra) == {
        r["lot_id"]
        for r in everything
        if r["association"]["org_id"] == "cafe-sierra"
        and r["eligibility"]["eligible"]
        and any(c["standard"]["id"] == "coffee-ab" for c in r["certificates"])
    }
    assert LOT in ids(sierra)
    assert _lots(client, "?landscape=Nowhere") == []
    assert _lots(client, "?eligible=") == everything  # an empty value means "any"


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("?colour=green", ["query.colour"]),
        ("?product=tea", ["query.product"]),
        ("?eligible=yes", ["query.eligible"]),
        ("?offered=1", ["query.offered"]),
        ("?association=a%20b", ["query.association"]),
        ("?standard=%3Cx%3E", ["query.standard"]),
        ("?product=coffee&product=honey", ["query.product"]),
        ("?landscape=" + "x" * 101, ["query.landscape"]),
        ("?product=tea&eligible=maybe", ["query.product", "query.eligible"]),
    ],
)
def test_catalogue_refuses_bad_parameters_naming_them(
    world: tuple[TestClient, KeyStore], query: str, fields: list[str]
) -> None:
    client, _keys = world
    response = client.get(f"/api/v1/market/lots{query}")
    assert response.status_code == 400
    assert sorted(_fields(response)) == sorted(fields)


# ---------------------------------------------------------------------------------- offers


def test_offer_is_validated_at_append_and_shows_its_price(
    world: tuple[TestClient, KeyStore],
) -> None:
    client, keys = world
    base = {"lot_id": LOT, "available_kg": "276", "price_per_kg_mxn": "128.50",
            "price_per_kg_usd": "7.1", "min_order_kg": "69", "incoterm": "FCA"}  # fmt: skip
    too_much = _post_entry(
        client, _offer(keys, {**base, "available_kg": "415"}, "market-test-offer-big")
    )
    assert too_much.status_code in (409, 422)
    assert "statement.body.available_kg" in _fields(too_much)
    stranger = _post_entry(
        client, _offer(keys, base, "market-test-offer-producer", "org-cafe-sierra")
    )
    assert stranger.status_code in (403, 409, 422)
    shape = _post_entry(
        client, _offer(keys, {**base, "price_per_kg_mxn": "12.345678"}, "market-test-offer-shape")
    )
    assert shape.status_code in (400, 422)
    assert "statement.body.price_per_kg_mxn" in _fields(shape)
    withdraw_none = _post_entry(
        client,
        _offer(
            keys,
            {"lot_id": "cs-green-rest", "status": "withdrawn"},
            "market-test-withdraw",
            "org-cafe-sierra",
        ),
    )
    assert withdraw_none.status_code in (409, 422)
    size = _service(client).head().size
    made = _post_entry(client, _offer(keys, base, "market-test-offer-ok"))
    assert made.status_code == 201, made.text
    assert _service(client).head().size == size + 1
    offered = _lots(client, "?offered=true")
    assert [r["lot_id"] for r in offered] == [LOT]
    offer = offered[0]["offer"]
    assert offer["price_per_kg_mxn"] == "128.50" and offer["price_per_kg_usd"] == "7.1"
    assert offer["available_kg"] == "276" and offer["incoterm"] == "FCA"
    assert _lots(client)[0]["lot_id"] == LOT  # offered lots first
    assert LOT not in {r["lot_id"] for r in _lots(client, "?offered=false")}
    page = _visible(client.get("/market?lang=es&offered=true", headers=HTML).text)
    assert "MXN 128.50 por kg" in page and "USD 7.10 por kg" in page


def test_offer_sheet_pdf_in_both_languages_with_a_qr_of_the_lot_page(
    world: tuple[TestClient, KeyStore],
) -> None:
    client, _keys = world
    for lang, words in (
        ("es", ["Hoja de oferta: Café, café verde (oro)", "Elegible para el sello",
                "Sierra Madre de Chiapas", "10 familias productoras", "11.3 ha en 10 parcelas"]),
        ("en", ["Offer sheet: Coffee, green coffee", "Eligible for the seal",
                "Sierra Madre de Chiapas", "10 producer families", "Certimex"]),
    ):  # fmt: skip
        response = client.get(f"/market/lots/{LOT}/offer.pdf?lang={lang}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        document = pypdfium2.PdfDocument(io.BytesIO(response.content))
        page = document[0]
        shown = page.get_textpage().get_text_range()
        for word in words:
            assert word in shown, (lang, word)
        image = page.render(scale=2).to_pil()
        found = [r.text for r in zxingcpp.read_barcodes(image)]
        assert found == [f"http://testserver/market/lots/{LOT}"]
    assert client.get("/market/lots/no-such-lot/offer.pdf").status_code == 404
    bad = client.get(f"/market/lots/{LOT}/offer.pdf?lang=fr")
    assert bad.status_code == 400 and _fields(bad) == ["query.lang"]


# ----------------------------------------------------------------------- interest, off-ledger


def _interest(**override: str) -> dict[str, str]:
    return {"name": "Ana Compradora", "company": "Tostadores del Norte", "email":
            "ana@tostadores.example", "quantity_kg": "138", "message": "¿Precio FOB?",
            **override}  # fmt: skip


def test_interest_is_kept_off_the_ledger_and_read_only_when_signed(
    world: tuple[TestClient, KeyStore],
) -> None:
    client, keys = world
    service = _service(client)
    head = service.head()
    sent = client.post(f"/api/v1/market/lots/{LOT}/interest", json=_interest())
    assert sent.status_code == 201, sent.text
    assert (
        sent.json()["org_id"] == "exportadora-soconusco"
        and "registro" in sent.json()["message"]["es"]
    )
    after = service.head()
    assert (after.size, after.last_hash) == (head.size, head.last_hash)  # not on the ledger
    path = "/api/v1/market/interest/exportadora-soconusco"
    unsigned = client.get(path)
    assert unsigned.status_code == 401 and unsigned.headers["www-authenticate"] == "Biotraza-Read"
    assert "Ana Compradora" not in unsigned.text
    holder = keys.load(HOLDER, PASSPHRASE)
    own = client.get(path, headers={"Authorization": sign_read(holder, path)})
    assert own.status_code == 200 and own.headers["cache-control"] == "no-store"
    mine = [row for row in own.json()["data"] if row["interest_id"] == sent.json()["interest_id"]]
    assert mine and mine[0]["email"] == "ana@tostadores.example" and mine[0]["lot_id"] == LOT
    root = client.get(path, headers={"Authorization": sign_read(keys.load("root", PASSPHRASE),
                                                                path)})  # fmt: skip
    assert root.status_code == 200
    nowhere = "/api/v1/market/interest/no-such-org"
    assert client.get(nowhere).status_code == 401
    root_key = keys.load("root", PASSPHRASE)
    assert (
        client.get(nowhere, headers={"Authorization": sign_read(root_key, nowhere)}).status_code
        == 404
    )
    producer_org = keys.load("org-cafe-sierra", PASSPHRASE)
    other = client.get(path, headers={"Authorization": sign_read(producer_org, path)})
    assert other.status_code == 403 and "Ana" not in other.text
    signed_elsewhere = sign_read(holder, "/api/v1/market/interest/miel-calakmul")
    elsewhere = client.get(path, headers={"Authorization": signed_elsewhere})
    assert elsewhere.status_code == 401


def test_cli_lists_the_messages_of_an_organization(world: tuple[TestClient, KeyStore]) -> None:
    client, _keys = world
    sent = client.post(
        f"/api/v1/market/lots/{LOT}/interest", json=_interest(name="Beto Cliente CLI")
    )
    assert sent.status_code == 201
    env = client.app.state.test_env  # type: ignore[attr-defined]
    listed = run(env, "market", "interest", "exportadora-soconusco", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)["data"]
    assert any(r["name"] == "Beto Cliente CLI" and r["lot_id"] == LOT for r in rows)
    table = run(env, "market", "interest", "exportadora-soconusco")
    assert table.returncode == 0 and "Beto Cliente CLI" in table.stdout
    missing = run(env, "market", "interest", "no-such-org")
    assert missing.returncode == 1 and "org_id" in missing.stderr


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"email": "ana.example.com"}, "body.email"),
        ({"email": "ana@localhost"}, "body.email"),
        ({"quantity_kg": "0"}, "body.quantity_kg"),
        ({"quantity_kg": "-5"}, "body.quantity_kg"),
        ({"quantity_kg": "1,000"}, "body.quantity_kg"),
        ({"quantity_kg": "1.0001"}, "body.quantity_kg"),
        ({"name": "A"}, "body.name"),
        ({"name": "x" * 101}, "body.name"),
        ({"message": "y" * 2001}, "body.message"),
        ({"company": "z" * 151}, "body.company"),
        ({"name": "Ana\x00"}, "body.name"),
    ],
)
def test_interest_fields_are_validated(
    world: tuple[TestClient, KeyStore], override: dict[str, str], field: str
) -> None:
    client, _keys = world
    response = client.post(f"/api/v1/market/lots/{LOT}/interest", json=_interest(**override))
    assert response.status_code == 400, response.text
    assert _fields(response) == [field]


def test_interest_unknown_lot_and_extra_fields(world: tuple[TestClient, KeyStore]) -> None:
    client, _keys = world
    missing = client.post("/api/v1/market/lots/no-such-lot/interest", json=_interest())
    assert missing.status_code == 404
    extra = client.post(f"/api/v1/market/lots/{LOT}/interest", json={**_interest(), "x": "1"})
    assert extra.status_code == 400 and _fields(extra) == ["body.x"]


def test_interest_is_bounded_per_client(world: tuple[TestClient, KeyStore]) -> None:
    client, _keys = world
    app = client.app
    network = f"198.51.{uuid.uuid4().int % 200}"
    with TestClient(app, client=(f"{network}.7", 40000)) as flooder:
        for _ in range(PER_SOURCE_PER_HOUR):
            ok = flooder.post(f"/api/v1/market/lots/{LOT}/interest", json=_interest())
            assert ok.status_code == 201
        refused = flooder.post(f"/api/v1/market/lots/{LOT}/interest", json=_interest())
        assert refused.status_code == 429, refused.text
        wait = int(refused.headers["retry-after"])
        assert 3500 < wait <= 3600  # the first of the five leaves the hour's window then
        error = refused.json()["error"]
        assert error["code"] == "rate_limited" and error["retry_after_s"] == wait
        assert [f["field"] for f in error["fields"]] == ["client"]
        page = flooder.post(f"/market/lots/{LOT}/interest?lang=es", data=_interest(), headers=HTML)
        assert page.status_code == 429 and "demasiados mensajes" in _visible(page.text)
        assert 3500 < int(page.headers["retry-after"]) <= 3600
    # A neighbour on the same network is another client, not refused.
    with TestClient(app, client=(f"{network}.8", 40000)) as neighbour:
        sent = neighbour.post(f"/api/v1/market/lots/{LOT}/interest", json=_interest())
        assert sent.status_code == 201, sent.text


def _sources(client: TestClient, interest_ids: list[str]) -> list[str]:
    """The stored ``source`` of each message, in the order asked."""
    with _service(client).engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT interest_id, source FROM market_interest")).all())
    return [str(rows[interest_id]) for interest_id in interest_ids]


def _other_lot(client: TestClient) -> str:
    """A lot in stock other than :data:`LOT`, whose hourly bound the other tests spend."""
    return next(row["lot_id"] for row in _lots(client) if row["lot_id"] != LOT)


def _send(app: Any, address: str, lot_id: str) -> Any:
    with TestClient(app, client=(address, 40000)) as sender:
        return sender.post(f"/api/v1/market/lots/{lot_id}/interest", json=_interest())


def test_the_client_is_kept_as_a_keyed_hash(
    world: tuple[TestClient, KeyStore], tmp_path: Path
) -> None:
    """Same address, same value; the value is the HMAC under the data directory's key and
    not a plain SHA-256 of the address (which all 2³² IPv4 addresses would reverse); an app
    with another key file stores another value for the same address."""
    client, _keys = world
    lot = _other_lot(client)
    address = f"203.0.113.{uuid.uuid4().int % 250}"
    sent = [_send(client.app, address, lot) for _ in range(2)]
    assert [r.status_code for r in sent] == [201, 201], sent[-1].text
    first, second = _sources(client, [r.json()["interest_id"] for r in sent])
    assert first == second

    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    key_file = settings.data_dir / MARKET_SOURCE_KEY_FILE
    key = key_file.read_bytes()
    assert len(key) == 32 and key_file.stat().st_mode & 0o777 == 0o600
    keyed = hmac.new(key, f"biotraza:market:{address}".encode(), hashlib.sha256).hexdigest()
    assert first == keyed
    unkeyed = {
        hashlib.sha256(text_.encode()).hexdigest()[:length]
        for text_ in (address, f"biotraza:market:{address}")
        for length in (32, 64)
    }
    assert first not in unkeyed

    other_settings = Settings(data_dir=tmp_path / "other", database_url=settings.database_url)
    elsewhere = _send(create_app(other_settings, _service(client)), address, lot)
    assert elsewhere.status_code == 201, elsewhere.text
    other_key = (tmp_path / "other" / MARKET_SOURCE_KEY_FILE).read_bytes()
    assert other_key != key
    assert _sources(client, [elsewhere.json()["interest_id"]]) != [first]


def test_the_bound_per_client_holds_across_a_restart(world: tuple[TestClient, KeyStore]) -> None:
    """A new app on the same data directory reads the same key: the client it counted before
    the restart is still counted."""
    client, _keys = world
    octet = uuid.uuid4().int % 250
    lot, address, neighbour = _other_lot(client), f"192.0.2.{octet}", f"192.0.2.{octet + 1}"
    for _ in range(PER_SOURCE_PER_HOUR):
        assert _send(client.app, address, lot).status_code == 201
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    restarted = create_app(settings, _service(client))
    refused = _send(restarted, address, lot)
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["fields"][0]["field"] == "client"
    assert _send(restarted, neighbour, lot).status_code == 201  # another client


def test_migration_0013_forgets_the_unkeyed_hashes(db_url: str) -> None:
    """Rows stored with a plain SHA-256 of the client cannot be converted to the keyed
    value; 0013 overwrites them with ``unkeyed`` and keeps the messages."""
    engine = create_ledger_engine(db_url)
    try:
        upgrade_database(engine, "0012")
        plain = hashlib.sha256(b"biotraza:market:198.51.100.9").hexdigest()[:32]
        with engine.connect() as conn, conn.begin():
            conn.execute(
                text("INSERT INTO market_interest (interest_id, lot_id, org_id, data, source, "
                     "received_at) VALUES ('old-1', 'lot-1', 'org-1', '{}', :s, :t)"),
                {"s": plain, "t": format_ts(datetime.now(UTC))},
            )  # fmt: skip
        upgrade_database(engine)
        assert current_revision(engine) == "0013"
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT interest_id, source FROM market_interest")).all()
        assert [tuple(row) for row in rows] == [("old-1", "unkeyed")]
    finally:
        engine.dispose()


def test_interest_bound_is_exact_under_concurrency(world: tuple[TestClient, KeyStore]) -> None:
    """Twelve senders from one client race for three slots: exactly three are kept."""
    client, _keys = world
    store = InterestStore(_service(client).engine)
    source, now = uuid.uuid4().hex, datetime.now(UTC)
    gate = threading.Barrier(12)

    def send(n: int) -> str:
        interest = Interest(uuid.uuid4().hex[:16], f"race-{source}", "org-race", {"n": n},
                            format_ts(now))  # fmt: skip
        gate.wait()
        try:
            store.record(interest, source, since=format_ts(now - timedelta(hours=1)),
                         per_source=3, per_lot=100)  # fmt: skip
        except InterestLimitError as exc:
            assert exc.scope == "source" and exc.retry_after == 3600
            return "refused"
        return "kept"

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(send, range(12)))
    assert outcomes.count("kept") == 3 and outcomes.count("refused") == 9
    assert len(store.for_org("org-race")) == 3


def test_cli_purges_messages_past_retention(world: tuple[TestClient, KeyStore]) -> None:
    client, _keys = world
    store = InterestStore(_service(client).engine)
    now = datetime.now(UTC)
    org = f"org-old-{uuid.uuid4().hex[:8]}"
    for days in (400, 200, 40, 1):
        interest = Interest(uuid.uuid4().hex[:16], "lot-old", org, {"days": days},
                            format_ts(now - timedelta(days=days)))  # fmt: skip
        store.record(interest, uuid.uuid4().hex, since=format_ts(now - timedelta(hours=1)),
                     per_source=5, per_lot=10**6)  # fmt: skip
    env = client.app.state.test_env  # type: ignore[attr-defined]
    default = run(env, "market", "purge", "--json")
    assert default.returncode == 0, default.stderr
    purged = json.loads(default.stdout)
    assert purged["days"] == INTEREST_RETENTION_DAYS == 180 and purged["deleted"] >= 2
    assert sorted(i.data["days"] for i in store.for_org(org)) == [1, 40]
    shorter = run(env, "market", "purge", "--older-than-days", "30", "--lang", "en")
    assert shorter.returncode == 0, shorter.stderr
    assert re.search(r"^\d+ buyer messages deleted: those received before \d\d/\d\d/\d{4} at "
                     r"\d\d:\d\d UTC \(retention 30 days\)$", shorter.stdout.strip())  # fmt: skip
    assert [i.data["days"] for i in store.for_org(org)] == [1]
    spanish = run(env, "market", "purge", "--older-than-days", "30")
    assert "mensajes de compradores borrados" in spanish.stdout
    bad = run(env, "market", "purge", "--older-than-days", "-1")
    assert bad.returncode != 0 and "--older-than-days" in bad.stderr
    assert "Traceback" not in bad.stderr


# ----------------------------------------------------------------------------------- pages


def test_market_pages_in_both_languages(world: tuple[TestClient, KeyStore]) -> None:
    client, _keys = world
    spanish = client.get("/market", headers={**HTML, "accept-language": "es-MX"})
    assert spanish.status_code == 200 and spanish.headers["content-language"] == "es"
    body = _visible(spanish.text)
    assert "Mercado: lotes a la venta" in body and "Elegible para el sello" in body
    assert "Sierra Madre de Chiapas" in body and "<script" not in spanish.text
    english = _visible(client.get("/market?lang=en&product=honey", headers=HTML).text)
    assert "Market: lots for sale" in english and "Honey" in english and "Coffee," not in english
    bad = client.get("/market?lang=en&product=tea&colour=x", headers=HTML)
    assert bad.status_code == 400
    assert "The value of the filter “product” is not valid." in _visible(bad.text)
    assert "“colour” is not a filter of this page." in _visible(bad.text)
    lot = client.get(f"/market/lots/{LOT}?lang=en", headers=HTML)
    assert lot.status_code == 200
    shown = _visible(lot.text)
    assert lot.text.index('id="where"') < lot.text.index('id="interest"')
    assert "10 producer families" in shown and "Its journey" in shown
    assert f'href="/api/v1/lots/{LOT}/trail?format=bundle"' in lot.text
    missing = client.get("/market/lots/no-such-lot?lang=en", headers=HTML)
    assert missing.status_code == 404
    assert "There is no lot no-such-lot in the ledger." in _visible(missing.text)


def test_interest_form_without_javascript(world: tuple[TestClient, KeyStore]) -> None:
    client, _keys = world
    with TestClient(client.app, client=("203.0.113.9", 40000)) as buyer:
        wrong = buyer.post(
            f"/market/lots/{LOT}/interest?lang=es",
            data=_interest(email="no-es-correo", quantity_kg="cero"),
            headers=HTML,
        )
        assert wrong.status_code == 400
        shown = _visible(wrong.text)
        assert "Correo electrónico: no es una dirección de correo" in shown
        assert "Cantidad que busca (kg): escriba kilos" in shown
        assert 'value="Ana Compradora"' in wrong.text  # what was typed is kept
        done = buyer.post(f"/market/lots/{LOT}/interest?lang=en", data=_interest(), headers=HTML)
        assert done.status_code == 200
        assert "received your interest in 138 kg" in _visible(done.text)
        assert done.headers["cache-control"] == "no-store"


def test_market_page_weight_is_small(world: tuple[TestClient, KeyStore]) -> None:
    client, _keys = world
    with client.stream(
        "GET", "/market?lang=es", headers={**HTML, "accept-encoding": "br"}
    ) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "br"
    assert len(raw) <= 30 * 1024
