"""The buyer-facing web: the label resolver, the lot pages, the index, and scan counting.

What each group proves:

* Catalog: both languages have exactly the same keys and placeholders, and every key a
  template or view uses exists (templates are rendered in both languages below, with
  ``StrictUndefined``, so a missing key fails a test instead of showing a raw key).
* Negotiation: ``?lang=`` beats ``Accept-Language``, which beats the Spanish default; JSON only
  when preferred to HTML; malformed headers are ignored, never an error.
* Scan store (SQLite and PostgreSQL): tallies, distinct places, distinct devices within the
  window, the log, monthly salts that delete their predecessors; the migration creates no
  append-only trigger on those tables.
* Scan counting resists repetition (issue 15 item 12c): 37 GETs from one client are one
  device and raise no warning; many distinct devices do; prefetches, link previews and bots
  are not counted; the page says what it counts, in both languages.
* Place privacy: /24 and /48 prefixes, IPv4-mapped IPv6, no raw address in any stored row.
* Lot pages and index on the demo ledger (HTML both languages, JSON, 404 both ways).
* The resolver on the demo ledger: genuine, revoked, foreign host, unknown key, bad
  signature, malformed (a 200 page for people, a 400 envelope naming the part for apps),
  the language switch keeping the label query, scan counts and the anomaly flag on both
  engines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.demo import build_demo
from api.i18n import CATALOG, LANGUAGES, placeholders, term, translate
from api.services.labels import issue_labels
from api.services.ledger import LedgerService
from api.services.origin import origin_summary
from api.services.supply import lineage
from api.settings import Settings
from api.web.cache import TreeSizeCache
from api.web.negotiation import choose_language, parse_weighted, wants_json
from api.web.scans import (
    DEVICES_PER_UNIT,
    PLACE_SLACK,
    WINDOW_DAYS,
    device_of,
    is_anomalous,
    network_prefix,
    not_a_scan,
    place_of,
)
from ledger.keystore import KeyStore
from ledger.storage.sql import create_ledger_engine, upgrade_database
from ledger.storage.sql.scans import Scan, ScanStore, ScanTotals
from ledger.supply.geo import centroid

PASSPHRASE = "resolver-test-passphrase"
HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"accept": "application/json"}
EN = {"accept-language": "en-US,en;q=0.9"}
ES = {"accept-language": "es-MX,es;q=0.9,en;q=0.5"}


def _settings(data_dir: Path, url: str | None = None) -> Settings:
    return Settings(
        data_dir=data_dir,
        key_passphrase=PASSPHRASE,
        database_url=url or f"sqlite:///{data_dir / 'ledger.db'}",
    )


# --------------------------------------------------------------------------- catalog


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert set(LANGUAGES) == set(CATALOG) == {"es", "en"}
    assert CATALOG["es"].keys() == CATALOG["en"].keys()
    for key in CATALOG["es"]:
        assert placeholders(CATALOG["es"][key]) == placeholders(CATALOG["en"][key]), key
        assert CATALOG["es"][key].strip() and CATALOG["en"][key].strip(), key


def test_every_catalog_key_used_in_code_and_templates_exists() -> None:
    root = Path(__file__).resolve().parents[2] / "api"
    sources = [
        *root.glob("web/templates/*.html"),
        *root.glob("web/*.py"),
        *root.glob("routes/*.py"),
        *root.glob("market/*.py"),
    ]
    used: set[str] = set()
    for path in sources:
        content = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""", content))
        used |= set(re.findall(r"""translate\([^,]+,\s*["']([a-z_]+\.[a-z_.]+)["']""", content))
        used |= set(re.findall(r"""["']((?:verdict|scans|practices)\.[a-z_]+)["']""", content))
    assert len(used) > 40
    assert used - CATALOG["es"].keys() == set()


def test_terms_translate_and_fall_back_to_the_ledger_word() -> None:
    assert term("es", "product", "honey") == "miel"
    assert term("en", "units", "drum") == "drums"
    assert term("es", "form", "a-new-form") == "a-new-form"
    assert term("en", "unit", None) == ""
    assert translate("en", "lot.title", lot="x-1") == "Lot x-1"
    with pytest.raises(KeyError):
        translate("es", "no.such.key")


# --------------------------------------------------------------------------- negotiation


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        (None, None, "es"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "es-MX,es;q=0.9,en;q=0.8", "es"),
        (None, "fr-FR,fr;q=0.9,en;q=0.5", "en"),
        (None, "fr-FR,de;q=0.8", "es"),
        (None, "en;q=0.2,es;q=0.9", "es"),
        (None, "en;q=0,es", "es"),
        (None, "en;q=abc", "es"),
        (None, ";;,,;q=1", "es"),
        ("en", "es-MX", "en"),
        ("es", "en-US", "es"),
        ("fr", "en-US", "en"),
        (None, "*", "es"),
        (None, "x" * 5000, "es"),
    ],
)
def test_language_choice(query: str | None, header: str | None, expected: str) -> None:
    assert choose_language(query, header) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/json", True),
        ("application/json, text/plain, */*", True),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("*/*", False),
        (None, False),
        ("text/html;q=0.5, application/json", True),
        ("application/json;q=0.5, text/html", False),
        ("application/json, text/html", False),
        ("application/json;q=nonsense", False),
    ],
)
def test_json_only_when_preferred(accept: str | None, expected: bool) -> None:
    assert wants_json(accept) is expected


def test_weighted_header_parsing_orders_by_weight() -> None:
    assert parse_weighted("en;q=0.5, es-MX, fr;q=0.7") == [
        ("es-mx", 1.0),
        ("fr", 0.7),
        ("en", 0.5),
    ]


def test_tree_size_cache_keys_on_size_and_bounds_itself() -> None:
    cache: TreeSizeCache[int] = TreeSizeCache(maxsize=2)
    calls: list[str] = []

    def compute(name: str, value: int) -> Callable[[], int]:
        def run() -> int:
            calls.append(name)
            return value

        return run

    assert cache.get(1, "a", compute("a1", 1)) == 1
    assert cache.get(1, "a", compute("a1-again", 99)) == 1
    assert cache.get(2, "a", compute("a2", 2)) == 2  # a new tree size recomputes
    assert cache.get(2, "b", compute("b2", 3)) == 3  # evicts (1, "a")
    assert cache.get(1, "a", compute("a1-evicted", 4)) == 4
    assert calls == ["a1", "a2", "b2", "a1-evicted"]
    assert (cache.hits, cache.misses) == (1, 4)
    with pytest.raises(ValueError, match="maxsize"):
        TreeSizeCache(maxsize=0)


# --------------------------------------------------------------------------- places


@pytest.mark.parametrize(
    ("client", "prefix"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("203.0.113.1", "203.0.113.0/24"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("fe80::1%eth0", "fe80::/48"),
        ("testclient", "other"),
        (None, "other"),
        ("", "other"),
    ],
)
def test_network_prefix(client: str | None, prefix: str) -> None:
    assert network_prefix(client) == prefix


def test_places_are_keyed_hashes_of_the_prefix() -> None:
    salt_a, salt_b = b"a" * 32, b"b" * 32
    same_net = place_of(salt_a, "203.0.113.7"), place_of(salt_a, "203.0.113.200")
    assert same_net[0] == same_net[1]
    assert re.fullmatch(r"[0-9a-f]{32}", same_net[0])
    assert place_of(salt_a, "203.0.114.7") != same_net[0]
    assert place_of(salt_b, "203.0.113.7") != same_net[0]  # a new salt unlinks the old places
    assert "203" not in same_net[0] and "113" not in same_net[0]


@pytest.mark.parametrize(
    ("devices", "places", "units", "flagged"),
    [
        (1, 1, 1, False),
        (DEVICES_PER_UNIT, 1 + PLACE_SLACK, 1, False),
        (DEVICES_PER_UNIT + 1, 1, 1, True),
        (2, 2 + PLACE_SLACK, 1, True),
        (DEVICES_PER_UNIT * 6, 6 + PLACE_SLACK, 6, False),
        (DEVICES_PER_UNIT * 6 + 1, 2, 6, True),
        (5, 7 + PLACE_SLACK, 6, True),
        (1, 1, 0, False),
    ],
)
def test_anomaly_heuristic(devices: int, places: int, units: int, flagged: bool) -> None:
    assert is_anomalous(devices, places, units) is flagged


def test_devices_are_keyed_hashes_of_address_and_agent() -> None:
    salt = b"s" * 32
    phone = device_of(salt, "203.0.113.7", "Mozilla/5.0 (Linux; Android 14)")
    assert re.fullmatch(r"[0-9a-f]{32}", phone) and "203" not in phone
    assert device_of(salt, "203.0.113.7", "Mozilla/5.0 (Linux; Android 14)") == phone
    assert device_of(salt, "203.0.113.8", "Mozilla/5.0 (Linux; Android 14)") != phone
    assert device_of(salt, "203.0.113.7", "Mozilla/5.0 (iPhone)") != phone
    assert device_of(b"t" * 32, "203.0.113.7", "Mozilla/5.0 (Linux; Android 14)") != phone
    assert device_of(salt, "203.0.113.7", "x") != place_of(salt, "203.0.113.7")


@pytest.mark.parametrize(
    ("method", "headers", "counted"),
    [
        ("GET", {"user-agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131"}, True),
        ("HEAD", {"user-agent": "Mozilla/5.0"}, False),
        ("GET", {"user-agent": "Mozilla/5.0", "purpose": "prefetch"}, False),
        ("GET", {"user-agent": "Mozilla/5.0", "sec-purpose": "prefetch;prerender"}, False),
        ("GET", {"user-agent": "Mozilla/5.0", "x-moz": "prefetch"}, False),
        ("GET", {"user-agent": "Mozilla/5.0", "x-purpose": "preview"}, False),
        ("GET", {"user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}, False),
        ("GET", {"user-agent": "WhatsApp/2.23.20.0"}, False),
        ("GET", {"user-agent": "facebookexternalhit/1.1"}, False),
        ("GET", {"user-agent": "Mozilla/5.0 (compatible; bingbot/2.0)"}, False),
        ("GET", {"user-agent": "TelegramBot (like TwitterBot)"}, False),
        (
            "GET",
            {"user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"},
            False,
        ),
        ("GET", {"user-agent": "curl/8.5.0"}, False),
        ("GET", {"user-agent": "python-httpx/0.27.0"}, False),
        # A phone brand with "bot" in its name is a person.
        ("GET", {"user-agent": "Mozilla/5.0 (Linux; Android 11; CUBOT X30) Chrome/131"}, True),
        ("GET", {}, False),
    ],
)
def test_what_is_not_a_scan(method: str, headers: dict[str, str], counted: bool) -> None:
    assert (not_a_scan(method, headers) is None) is counted


# --------------------------------------------------------------------------- scan store


@pytest.fixture
def scan_store(db_url: str) -> Iterator[ScanStore]:
    engine = create_ledger_engine(db_url)
    upgrade_database(engine)
    try:
        yield ScanStore(engine)
    finally:
        engine.dispose()


def test_scan_store_tallies_scans_and_places(scan_store: ScanStore) -> None:
    assert scan_store.totals(7) == ScanTotals(0, 0, False)
    scans = [
        Scan(7, "", "2026-11-01T10:00:00Z", "p1"),
        Scan(7, "", "2026-11-01T10:00:05Z", "p1"),
        Scan(7, "", "2026-11-01T10:01:00Z", "p2"),
        Scan(7, "12", "2026-11-01T10:02:00Z", "p1"),
        Scan(8, "", "2026-11-01T10:03:00Z", "p3"),
    ]
    scan_store.record(scans)
    scan_store.record([Scan(7, "", "2026-10-31T09:00:00Z", "p1")])  # a late, earlier scan
    totals = scan_store.totals(7, "", "p1")
    assert (totals.scans, totals.places, totals.place_seen) == (4, 2, True)
    assert scan_store.totals(7, "", "p9").place_seen is False
    assert (scan_store.totals(7, "12").scans, scan_store.totals(7, "12").places) == (1, 1)
    assert scan_store.totals(8).scans == 1
    log = scan_store.scan_log(7)
    assert [s.scanned_at for s in log] == sorted(s.scanned_at for s in log)
    assert len(log) == 4
    with scan_store.engine.connect() as conn:
        first, last = conn.execute(
            text(
                "SELECT first_at, last_at FROM label_scan_places "
                "WHERE label_seq = 7 AND serial = '' AND place = 'p1'"
            )
        ).one()
    assert (first, last) == ("2026-10-31T09:00:00Z", "2026-11-01T10:00:05Z")
    scan_store.record([])  # nothing to do, no error


def test_scan_store_counts_distinct_devices_in_the_window(scan_store: ScanStore) -> None:
    scan_store.record(
        [
            Scan(7, "", "2026-10-01T10:00:00Z", "p1", "old-phone"),
            Scan(7, "", "2026-11-01T10:00:00Z", "p1", "d1"),
            *[Scan(7, "", f"2026-11-01T10:00:{i:02d}Z", "p1", "d2") for i in range(37)],
            Scan(7, "", "2026-11-02T10:00:00Z", "p2", "d3"),
            Scan(7, "5", "2026-11-02T10:00:00Z", "p2", "d4"),
            Scan(7, "", "2026-11-02T11:00:00Z", "p2"),  # no device told apart: not tallied
        ]
    )
    totals = scan_store.totals(7, "", "p1", "d2", since="2026-10-15T00:00:00Z")
    assert (totals.scans, totals.places, totals.devices) == (41, 2, 3)
    assert totals.device_seen is True
    assert scan_store.totals(7, "", None, "old-phone", "2026-10-15T00:00:00Z").device_seen is False
    assert scan_store.totals(7, "").devices == 4  # no window: every device ever
    assert scan_store.totals(7, "5").devices == 1


def test_scan_salts_rotate_monthly_and_forget_the_old(scan_store: ScanStore) -> None:
    october = scan_store.salt("2026-10", "2026-10-02T00:00:00Z")
    assert len(october) == 32
    assert scan_store.salt("2026-10", "2026-10-20T00:00:00Z") == october
    november = scan_store.salt("2026-11", "2026-11-01T00:00:00Z")
    assert november != october
    assert scan_store.salt_periods() == ["2026-11"]


def test_scan_tables_are_not_append_only(scan_store: ScanStore) -> None:
    scan_store.record([Scan(3, "", "2026-11-01T10:00:00Z", "p1")])
    with scan_store.engine.begin() as conn:
        conn.execute(text("UPDATE label_scan_places SET scans = scans + 1"))
        conn.execute(text("UPDATE label_scan_devices SET scans = scans + 1"))
        conn.execute(text("DELETE FROM label_scans"))
    assert scan_store.totals(3).scans == 2
    assert scan_store.scan_log(3) == []


# --------------------------------------------------------------------------- demo pages


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, Any]]:
    """The demo ledger on SQLite, built once for the module."""
    cfg = _settings(tmp_path_factory.mktemp("resolver-demo"))
    return cfg, build_demo(cfg)


@pytest.fixture(scope="module")
def client(demo: tuple[Settings, dict[str, Any]]) -> Iterator[TestClient]:
    cfg, _summary = demo
    service = LedgerService.open(cfg.resolved_database_url)
    try:
        with TestClient(create_app(cfg, service)) as test_client:
            yield test_client
    finally:
        service.close()


def _visible(page: str) -> str:
    """The page's text without tags, whitespace collapsed (what a person reads)."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def test_index_lists_lots_in_stock_with_eligibility(client: TestClient) -> None:
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    body = _visible(page.text)
    assert "Lotes en existencia" in body and "Listos para exportar" in body
    for lot_id in ("cs-export-2526-001", "cs-export-2526-002", "mc-drums-2026-001", "cc-dry-2026"):
        assert f'href="/lots/{lot_id}?lang=es"' in page.text
    assert "<script" not in page.text and "http://" not in page.text.replace("http://www.w3", "")
    english = _visible(client.get("/?lang=en").text)
    assert "Lots in stock" in english and "Ready for export" in english
    rows = client.get("/", headers=JSON).json()
    eligible = {row["lot"]["lot_id"]: row["eligible"] for row in rows["data"]}
    assert eligible["cs-export-2526-002"] is True
    assert eligible["cs-export-2526-001"] is False
    assert eligible["mc-drums-2026-001"] is True
    assert eligible["cc-dry-2026"] is False
    assert all(row["lot"]["status"] != "consumed" for row in rows["data"])


def test_lot_page_eligible_in_both_languages(client: TestClient) -> None:
    spanish = client.get("/lots/cs-export-2526-002", headers={**HTML, **ES})
    assert spanish.status_code == 200 and spanish.headers["content-language"] == "es"
    body = _visible(spanish.text)
    assert "Elegible para el sello amigable con la biodiversidad" in body
    assert "Cafeticultores de la Sierra Madre" in body
    assert "Sierra Madre de Chiapas" in body and "Ángel Albino Corzo, Chiapas" in body
    assert "del 2025-12-08 al 2026-02-17" in body
    assert "coffee-ab, versión 1" in body and "Certimex" in body
    assert "Altura del dosel" in body  # a practice title in Spanish
    assert "6 costales de 69 kg" in body
    assert 'href="/api/v1/proofs/inclusion?seq=' in spanish.text
    assert 'href="/lots/cs-export-2526-002?lang=en"' in spanish.text  # the switch
    english = client.get("/lots/cs-export-2526-002", headers={**HTML, **EN})
    assert english.headers["content-language"] == "en"
    body_en = _visible(english.text)
    assert "Eligible for the biodiversity-friendly seal" in body_en
    assert "coffee-ab, version 1" in body_en and "6 sacks of 69 kg" in body_en
    switched = client.get("/lots/cs-export-2526-002?lang=es", headers={**HTML, **EN})
    assert "Elegible para el sello" in _visible(switched.text)


def test_lot_page_says_what_consumed_the_lot_and_what_is_left(client: TestClient) -> None:
    """Issue 15: a lot packed into drums is still shown eligible (its certification), and
    the page says it was consumed, by what, and that nothing is left to label."""
    drums = _visible(client.get("/lots/mc-filtered-drums?lang=en", headers=HTML).text)
    assert "lot mc-filtered-drums was consumed entirely by mc-pack-2026 (seq " in drums
    assert "6,300 kg): nothing is left to label" in drums
    spanish = _visible(client.get("/lots/mc-filtered-drums?lang=es", headers=HTML).text)
    assert "se consumió por completo en mc-pack-2026" in spanish
    sacks = _visible(client.get("/lots/cs-export-2526-002?lang=en", headers=HTML).text)
    assert "414 kg left, 276 kg of it labelled: 138 kg may still be labelled" in sacks
    facts = client.get("/lots/cs-export-2526-002", headers=JSON).json()
    assert facts["eligibility"]["stock"]["labelled_g"] == 276_000


def test_lot_page_ineligible_names_the_failing_plots(client: TestClient) -> None:
    page = client.get("/lots/cs-export-2526-001?lang=en", headers=HTML)
    body = _visible(page.text)
    assert "Not eligible for the biodiversity-friendly seal" in body
    assert "cs-plot07" in body and "cs-plot14" in body
    spanish = _visible(client.get("/lots/cs-export-2526-001?lang=es").text)
    assert "no es elegible" in spanish or "no tenía una verificación" in spanish


def test_lot_page_proof_and_export_links_resolve(client: TestClient) -> None:
    facts = client.get("/lots/mc-drums-2026-001", headers=JSON).json()
    proof = client.get(facts["links"]["proof"])
    assert proof.status_code == 200
    assert proof.json()["leaf_index"] == facts["lot"]["created_seq"]
    assert facts["eligibility"]["eligible"] is True
    assert facts["association"]["landscape"] == "Calakmul"
    assert facts["lineage"]["apiaries"] == 8
    assert {p["criterion_id"] for p in facts["practices"]} >= {"HAB-FORAGE-NATURAL"}
    for name, url in facts["links"]["exports"].items():
        assert url == f"/api/v1/lots/mc-drums-2026-001/trail?format={name}"
    assert facts["links"]["exports"], "no export format registered"


def test_lot_page_not_found(client: TestClient) -> None:
    page = client.get("/lots/no-such-lot?lang=en", headers=HTML)
    assert page.status_code == 404
    assert "There is no lot no-such-lot in the ledger." in _visible(page.text)
    assert "No hay ningún lote" in _visible(client.get("/lots/no-such-lot").text)
    as_json = client.get("/lots/no-such-lot", headers=JSON)
    assert as_json.status_code == 404
    assert as_json.json()["error"]["code"] == "not_found"
    hostile = client.get("/lots/%3Cscript%3Ealert(1)%3C%2Fscript%3E", headers=HTML)
    assert hostile.status_code == 404 and "<script>" not in hostile.text
    too_long = client.get("/lots/" + "x" * 300, headers=JSON)
    assert too_long.status_code == 400
    assert too_long.json()["error"]["fields"][0]["field"] == "path.lot_id"


# --------------------------------------------------------------------------- the resolver


def _label(entry: dict[str, Any]) -> tuple[int, str]:
    return int(entry["seq"]), str(entry["text"])


@pytest.fixture(scope="module")
def labels(demo: tuple[Settings, dict[str, Any]], client: TestClient) -> dict[str, tuple[int, str]]:
    """The demo's labels (a sack label for 4 sacks, drum 1 of the serialized honey drums,
    the revoked misprint) and a GTIN-less label issued here for the honey remainder."""
    cfg, summary = demo
    service: LedgerService = client.app.state.service  # type: ignore[attr-defined]
    signer = KeyStore(cfg.key_dir).load("label-issuer", PASSPHRASE)
    rest = issue_labels(
        service,
        "mc-filtered-rest",
        1,
        signer=signer,
        unit_g=1000,
        lot_number="MCREST01",
        ts="2026-06-05T10:00:00Z",
        nonce="resolver-test-rest",
    )
    found = summary["labels"]
    return {
        "sack": _label(found["coffee"]),
        "drum": _label(found["honey"]),
        "revoked": _label(found["coffee_revoked"]),
        "rest": (rest.seq, rest.labels[0]),
    }


def _get(
    client: TestClient, label: str, headers: dict[str, str] | None = None, extra: str = ""
) -> Any:
    """Open a label URL the way a phone does: its host in the Host header."""
    parts = urlsplit(label)
    return client.get(
        f"{parts.path}?{parts.query}{extra}", headers={"host": parts.netloc, **(headers or {})}
    )


def _tamper_signature(label: str) -> str:
    digits = label.rsplit("&s=", 1)[1]
    position = 100
    flipped = "1" if digits[position] != "1" else "2"
    return label.rsplit("&s=", 1)[0] + "&s=" + digits[:position] + flipped + digits[position + 1 :]


def test_genuine_label_page_in_both_languages(
    client: TestClient, labels: dict[str, tuple[int, str]]
) -> None:
    seq, label = labels["sack"]
    spanish = _get(client, label, {**HTML, **ES})
    assert spanish.status_code == 200
    assert spanish.headers["cache-control"] == "no-cache, private"
    assert spanish.headers["etag"].startswith("W/")
    body = _visible(spanish.text)
    assert "Etiqueta auténtica" in body
    assert 'class="verdict ok"' in spanish.text and 'data-status="valid"' in spanish.text
    assert "Café, café verde (oro)" in body and "CS2526X002" in body
    assert "Cafeticultores de la Sierra Madre" in body and "Sierra Madre de Chiapas" in body
    assert "Ángel Albino Corzo, Chiapas" in body
    assert "2025/26 (del 08/12/2025 al 17/02/2026)" in body
    # The origin comes first, in words for a shopper: no result code, no command line.
    html = spanish.text
    assert html.index('id="where"') < html.index('id="journey"') < html.index('id="certification"')
    assert "10 familias productoras" in body and "11.3 ha en 10 parcelas" in body
    assert "Café, cereza: 14,625 kg en 20 lotes" in body
    assert "Código del resultado" not in body and "biotraza label verify" not in body
    assert "coffee-ab, versión 1" in body and "Certimex" in body
    assert "Altura del dosel" in body
    assert f"entrada n.º {seq} del registro" in body
    assert f'href="/api/v1/proofs/inclusion?seq={seq}"' in spanish.text
    assert "<script" not in spanish.text
    english = _get(client, label, {**HTML, **EN})
    body_en = _visible(english.text)
    assert "Genuine label" in body_en and "Canopy height" in body_en
    assert "coffee-ab, version 1" in body_en and f"entry no. {seq} of the ledger" in body_en


PAGE_BUDGET = 30 * 1024
"""Issue 21: a label page weighs at most 30 KB compressed (the whole page: CSS and SVG inline)."""


def _raw(client: TestClient, label: str, headers: dict[str, str]) -> tuple[Any, bytes]:
    """The response and its body bytes as sent on the wire (not decoded)."""
    parts = urlsplit(label)
    with client.stream(
        "GET", f"{parts.path}?{parts.query}", headers={"host": parts.netloc, **headers}
    ) as response:
        return response, b"".join(response.iter_raw())


@pytest.mark.parametrize("lang", ["es", "en"])
def test_label_page_is_compressed_small_and_revalidated(
    client: TestClient, labels: dict[str, tuple[int, str]], lang: str
) -> None:
    _seq, label = labels["sack"]
    accept = {**HTML, "accept-language": lang}
    brotli_page, brotli_bytes = _raw(client, label, {**accept, "accept-encoding": "gzip, br"})
    assert brotli_page.headers["content-encoding"] == "br"
    assert "accept-encoding" in brotli_page.headers["vary"].lower()
    gzip_page, gzip_bytes = _raw(client, label, {**accept, "accept-encoding": "gzip"})
    assert gzip_page.headers["content-encoding"] == "gzip"
    plain_page, plain_bytes = _raw(client, label, {**accept, "accept-encoding": "identity"})
    assert "content-encoding" not in plain_page.headers
    assert len(brotli_bytes) <= PAGE_BUDGET and len(gzip_bytes) <= PAGE_BUDGET
    assert len(gzip_bytes) < len(plain_bytes) / 2, (len(gzip_bytes), len(plain_bytes))
    # Revocable: kept but revalidated on every visit; an unchanged page is a bodiless 304.
    assert plain_page.headers["cache-control"] == "no-cache, private"
    tag = plain_page.headers["etag"]
    again = _get(client, label, {**accept, "if-none-match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    other = _get(client, label, {**accept, "if-none-match": 'W/"not-this-page"'})
    assert other.status_code == 200 and other.headers["etag"] == tag


def test_label_page_locates_no_farm(client: TestClient, labels: dict[str, tuple[int, str]]) -> None:
    """The sketch and the origin card carry no coordinate: no plot's longitude or latitude,
    not even to one decimal, appears in the page, and the JSON origin has offsets only."""
    _seq, label = labels["sack"]
    page = _get(client, label, {**HTML, **EN}).text
    assert 'class="sketch"' in page and "<circle" in page
    service: LedgerService = client.app.state.service  # type: ignore[attr-defined]
    summary = origin_summary(service, "cs-export-2526-002")
    with service.store.read_state() as state:
        plots = state.get_many("plot", lineage(service, "cs-export-2526-002")["plots"])
    assert len(plots) == summary["plots"] == 10
    for plot in plots.values():
        lon, lat = centroid(plot["geometry"])
        for value in (lon, lat):
            assert f"{value:.1f}" not in page, value
    cells = summary["sketch"]["cells"]
    assert {tuple(sorted(cell)) for cell in cells} == {
        ("apiaries", "ha", "hives", "plots", "x", "y")
    }
    assert sum(cell["plots"] for cell in cells) == 10
    assert "Its journey" in _visible(page) and "cs-plot" not in page
    as_json = _get(client, label, JSON).json()
    assert as_json["origin"]["producers"] == 10 and as_json["origin"]["hectares"] == "11.3"
    assert as_json["origin"]["sketch"]["cells"] == cells
    assert as_json["links"]["market_page"] == "/market/lots/cs-export-2526-002"


def test_language_switch_keeps_the_label_query(
    client: TestClient, labels: dict[str, tuple[int, str]]
) -> None:
    _seq, label = labels["sack"]
    page = _get(client, label, HTML)
    switch = re.search(r'href="([^"]+)"[^>]*id="lang-switch"', page.text)
    assert switch is not None
    target = switch.group(1).replace("&amp;", "&")
    parts = urlsplit(label)
    assert target == f"{parts.path}?{parts.query}&lang=en"
    english = client.get(target, headers={"host": parts.netloc, **HTML, **ES})
    assert "Genuine label" in _visible(english.text)  # ?lang=en beats Accept-Language
    back = re.search(r'href="([^"]+)"[^>]*id="lang-switch"', english.text)
    assert back is not None and back.group(1).endswith("&amp;lang=es")


def test_proof_link_proves_the_issuance_entry(
    client: TestClient, labels: dict[str, tuple[int, str]]
) -> None:
    seq, label = labels["sack"]
    document = _get(client, label, JSON).json()
    proof = client.get(document["links"]["proof"]).json()
    assert proof["leaf_index"] == seq
    entry = client.get(f"/api/v1/entries/{seq}").json()
    assert entry["statement"]["type"] == "label.issued"


def test_revoked_label_page(client: TestClient, labels: dict[str, tuple[int, str]]) -> None:
    _seq, label = labels["revoked"]
    page = _get(client, label, {**HTML, **EN})
    body = _visible(page.text)
    assert page.status_code == 200 and 'class="verdict bad"' in page.text
    assert "Revoked label" in body and "misprinted batch, destroyed" in body
    assert "Coffee, green coffee" in body  # the lot a buyer asks about is still named
    spanish = _visible(_get(client, label, {**HTML, **ES}).text)
    assert "Etiqueta revocada" in spanish and "Motivo: misprinted batch" in spanish
    document = _get(client, label, JSON).json()
    assert document["verdict"]["status"] == "revoked"
    assert document["verdict"]["revocation"]["scope"] == "label"


def test_serial_label_of_one_drum(client: TestClient, labels: dict[str, tuple[int, str]]) -> None:
    seq, label = labels["drum"]
    assert "/21/1?" in label
    page = _get(client, label, {**HTML, **EN})
    body = _visible(page.text)
    assert "Genuine label" in body and "Honey, filtered" in body
    assert "Serial number 1 " in body and "Calakmul" in body
    document = _get(client, label, JSON).json()
    assert document["verdict"]["claims"]["serial"] == "1"
    assert document["scans"]["units"] == 1  # a serial stands for one drum
    assert document["issuance"]["seq"] == seq


def test_plain_path_label_for_a_lot_without_gtin(
    client: TestClient, labels: dict[str, tuple[int, str]]
) -> None:
    _seq, label = labels["rest"]
    assert "/l/MCREST01?" in label
    page = _get(client, label, {**HTML, **EN})
    assert "Genuine label" in _visible(page.text)
    assert _get(client, label, JSON).json()["verdict"]["claims"]["gtin"] is None


def test_foreign_host_is_flagged(client: TestClient, labels: dict[str, tuple[int, str]]) -> None:
    _seq, label = labels["sack"]
    parts = urlsplit(label)
    page = client.get(f"{parts.path}?{parts.query}", headers={"host": "evil.example", **EN})
    assert page.status_code == 200 and 'class="verdict warn"' in page.text
    body = _visible(page.text)
    assert "Genuine signature, unofficial site" in body
    assert "https://evil.example/01/" in body
    document = client.get(
        f"{parts.path}?{parts.query}", headers={"host": "evil.example", **JSON}
    ).json()
    assert document["verdict"]["status"] == "valid_untrusted_host"
    assert document["verdict"]["claims"]["host"] == "evil.example"


@pytest.mark.parametrize("forgery", ["unknown_key", "bad_signature", "wrong_seq"])
def test_forged_labels_are_not_genuine_and_show_no_lot(
    client: TestClient, labels: dict[str, tuple[int, str]], forgery: str
) -> None:
    seq, label = labels["sack"]
    forged = {
        "unknown_key": re.sub(
            r"k=[0-9a-f]{4}", "k=ffff" if "k=ffff" not in label else "k=0000", label
        ),
        "bad_signature": _tamper_signature(label),
        "wrong_seq": label.replace(f"n={seq}&", f"n={seq - 1}&"),
    }[forgery]
    page = _get(client, forged, {**HTML, **EN})
    assert page.status_code == 200 and 'class="verdict bad"' in page.text
    body = _visible(page.text)
    assert "Not a genuine label" in body
    assert "Cafeticultores" not in body and "Ledger proof" not in body
    assert "No auténtica" in _visible(_get(client, forged, {**HTML, **ES}).text)
    document = _get(client, forged, JSON)
    assert document.status_code == 200
    expected = {"unknown_key": "unknown_key", "bad_signature": "bad_signature"}
    assert document.json()["verdict"]["status"] == expected.get(forgery, "bad_signature")
    assert document.json()["scans"] is None  # a forgery is not counted against the label


@pytest.mark.parametrize(
    ("url", "part"),
    [
        ("/01/17501234567890/10/CS2526X002", "query"),
        ("/01/17501234567890/10/CS2526X002?k=zz", "query"),
        ("/01/17501234567891/10/CS2526X002?k=abcd&n=1&d=260601&s=" + "1" * 155, "gtin"),
        ("/01/17501234567890/10/cs2526x002?k=abcd&n=1&d=260601&s=" + "1" * 155, "lot"),
        ("/01/17501234567890/10/CS2526X002?k=abcd&n=1&d=261301&s=" + "1" * 155, "d"),
        ("/01/17501234567890/10/CS2526X002?k=abcd&n=01&d=260601&s=" + "1" * 155, "n"),
        ("/01/17501234567890/10/CS2526X002?k=abcd&n=1&d=260601&s=" + "1" * 154, "s"),
        ("/l/X1/21/abc?k=abcd&n=1&d=260601&s=" + "1" * 155, "serial"),
        ("/01/17501234567890/10/CS2526X002?k=abcd&n=1&d=260601&s=" + "9" * 155, "s"),
    ],
)
def test_malformed_labels(client: TestClient, url: str, part: str) -> None:
    headers = {"host": "qr.bt.example"}
    page = client.get(url, headers={**headers, **HTML, **EN})
    assert page.status_code == 200
    body = _visible(page.text)
    assert "Not a genuine label" in body and "This is not a Biotraza label" in body
    spanish = client.get(url, headers={**headers, **HTML})
    assert "Etiqueta no auténtica" in _visible(spanish.text)
    answer = client.get(url, headers={**headers, **JSON})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "malformed_label"
    assert error["fields"][0]["field"] == part
    assert error["fields"][0]["reason"]


def test_host_header_that_is_not_a_label_host(client: TestClient) -> None:
    url = "/01/17501234567890/10/CS2526X002?k=abcd&n=1&d=260601&s=" + "1" * 155
    answer = client.get(url, headers={"host": "Bad_Host!", **JSON})
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"][0]["field"] in {"host", "text"}


# --------------------------------------------------------------------------- scan counting


def test_scans_are_counted_per_label_and_place(
    client: TestClient, labels: dict[str, tuple[int, str]]
) -> None:
    service: LedgerService = client.app.state.service  # type: ignore[attr-defined]
    seq, label = labels["rest"]
    before = ScanStore(service.engine).totals(seq)
    first = _get(client, label, JSON).json()["scans"]
    assert (first["scans"], first["places"]) == (before.scans + 1, max(before.places, 1))
    assert first["units"] == 1 and first["anomalous"] is False
    again = _get(client, label, JSON).json()["scans"]
    assert again["scans"] == first["scans"] + 1 and again["places"] == first["places"]
    stored = ScanStore(service.engine).scan_log(seq)
    assert len(stored) == again["scans"]
    assert all(re.fullmatch(r"[0-9a-f]{32}", scan.place) for scan in stored)
    assert again["devices"] == first["devices"] == 1  # one client, however often
    assert again["window_days"] == WINDOW_DAYS and again["counted"] is True
    page = _visible(_get(client, label, {**HTML, **EN}).text)
    assert f"scanned from 1 device in the last {WINDOW_DAYS} days" in page
    assert "Each phone or browser counts once" in page
    spanish = _visible(_get(client, label, {**HTML, **ES}).text)
    assert f"se ha escaneado desde 1 dispositivo en los últimos {WINDOW_DAYS} días" in spanish
    assert "no se cuentan vistas previas de enlaces ni robots" in spanish


def _scan_app(db_url: str, tmp_path: Path) -> tuple[dict[str, Any], LedgerService, Any]:
    cfg = _settings(tmp_path, db_url)
    summary = build_demo(cfg)
    service = LedgerService.open(db_url)
    return summary["labels"], service, create_app(cfg, service)


def test_anomaly_flag_on_both_engines(db_url: str, tmp_path: Path) -> None:
    found, service, app = _scan_app(db_url, tmp_path)
    try:
        seq, label = _label(found["coffee"])
        units = int(found["coffee"]["units"])
        assert units > 1  # one printed label stands for several sacks
        places = [f"198.51.{n}.20" for n in range(units + PLACE_SLACK + 1)]
        reports = []
        for address in places:
            with TestClient(app, client=(address, 40000)) as from_there:
                reports.append(_get(from_there, label, JSON).json()["scans"])
        assert [r["units"] for r in reports] == [units] * len(places)
        assert [r["places"] for r in reports] == list(range(1, len(places) + 1))
        assert [r["anomalous"] for r in reports] == [False] * (units + PLACE_SLACK) + [True]
        with TestClient(app, client=(places[0], 40001)) as same_network:
            warned = _get(same_network, label, {**HTML, **EN})
        body = _visible(warned.text)
        assert (
            f"scanned from {len(places)} different devices in the last {WINDOW_DAYS} days "
            f"and in {len(places)} places"
        ) in body
        assert "a genuine sack's label is usually scanned by a few people" in body
        assert "Genuine label" in body  # a warning, never a verdict
        with TestClient(app, client=(places[1], 1)) as again:
            spanish = _visible(_get(again, label, {**HTML, **ES}).text)
        assert "la etiqueta de un costal auténtico normalmente la escanean unas pocas" in spanish
        totals = ScanStore(service.engine).totals(seq)
        assert (totals.scans, totals.places) == (len(places) + 2, len(places))
        with service.engine.connect() as conn:
            stored = conn.execute(text("SELECT place FROM label_scans")).scalars().all()
        assert len(stored) == len(places) + 2
        assert not any("198.51" in place for place in stored)
    finally:
        service.close()


def test_repeated_requests_prefetches_and_bots_do_not_make_a_label_look_copied(
    db_url: str, tmp_path: Path
) -> None:
    found, service, app = _scan_app(db_url, tmp_path)
    phone = {"user-agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131 Mobile", **JSON}
    try:
        seq, label = _label(found["honey"])  # drum 1: a serial, one unit
        serial = _label_serial(label)
        with TestClient(app, client=("203.0.113.9", 5000)) as shop:
            reports = [_get(shop, label, phone).json()["scans"] for _ in range(37)]
            # Prefetchers, link previews, crawlers, HEAD: answered, never counted.
            for headers in (
                {**phone, "sec-purpose": "prefetch"},
                {**phone, "purpose": "prefetch"},
                {**JSON, "user-agent": "WhatsApp/2.23.20.0"},
                {**JSON, "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"},
            ):
                answer = _get(shop, label, headers).json()["scans"]
                assert answer["counted"] is False and answer["anomalous"] is False
            assert shop.head(urlsplit(label).path).status_code == 405
        assert [r["scans"] for r in reports] == list(range(1, 38))
        assert {r["devices"] for r in reports} == {1}
        assert not any(r["anomalous"] for r in reports)  # 37 reloads are one buyer
        totals = ScanStore(service.engine).totals(seq, serial)
        assert (totals.scans, totals.devices) == (37, 1)
        # Many distinct phones on one network (a market stall) do trip the warning.
        flags = []
        for n in range(DEVICES_PER_UNIT + 1):
            with TestClient(app, client=(f"198.51.100.{n + 1}", 6000)) as stall:
                flags.append(_get(stall, label, phone).json()["scans"]["anomalous"])
        assert flags == [False] * (DEVICES_PER_UNIT - 1) + [True, True]
    finally:
        service.close()


def _label_serial(label: str) -> str:
    """The unit serial in a label URL (``/21/<serial>``), or ``""``."""
    path = urlsplit(label).path
    return path.split("/21/", 1)[1] if "/21/" in path else ""


def test_ineligible_lot_page_gives_one_readable_reason_per_line(client: TestClient) -> None:
    """The blend fails because two plots have 25 % shade cover: the page says exactly that,
    per plot, with the measured value against the threshold, and marks the criterion failed."""
    for lang, line in (
        ("es", "Parcela {plot} (Ángel Albino Corzo): Cobertura de sombra: 25 %; "
               "se requiere al menos 40 %"),
        ("en", "Plot {plot} (Ángel Albino Corzo): Shade cover: 25 %; at least 40 % required"),
    ):  # fmt: skip
        page = client.get(f"/lots/cs-export-2526-001?lang={lang}", headers=HTML)
        assert page.status_code == 200
        section = re.search(r'id="reasons".*?</section>', page.text, re.S)
        assert section is not None
        items = [_visible(item).strip() for item in re.findall(r"<li>(.*?)</li>", section[0], re.S)]
        assert items == [line.format(plot="cs-plot07"), line.format(plot="cs-plot14")]
        practices = re.search(r'id="practices".*?</section>', page.text, re.S)
        assert practices is not None
        failed = re.findall(r'<li class="failed">(.*?)</li>', practices[0], re.S)
        assert (
            len(failed) == 1
            and ("Cobertura de sombra" if lang == "es" else "Shade cover") in failed[0]
        )
        assert ("2 de 20" if lang == "es" else "2 of 20") in _visible(failed[0])
    eligible = client.get("/lots/cs-export-2526-002?lang=es", headers=HTML).text
    assert 'id="reasons"' not in eligible and 'class="failed"' not in eligible
