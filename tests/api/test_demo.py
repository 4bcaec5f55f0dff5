"""The demo scenario (``api.demo.build_demo``) on SQLite.

What each test proves:

* The demo is a real ledger: more than 100 entries, and a second run on the same data
  directory is an idempotent replay (same size, nothing appended).
* ``verify_stored_leaves`` re-checks every stored entry from genesis without error.
* The coffee export lot's upstream lineage reaches exactly the 20 coffee plots, their 20
  producers and every coffee harvest lot, and the lot is held by the exporter.
* Packages are exact: the sacks lot is a whole number of 69 kg sacks, the honey lot a whole
  number of 300 kg drums.
* Geometry: every coffee plot above 4 ha (and in this demo every coffee plot) is a Polygon;
  most coffee plots are ≤ 1 ha, as in the 2014 padrón.
* The numbers stay in the documented ranges (field yields, conversion factors).
* Certification: three standards published, Certimex accredited with a scoped key; the main
  coffee export lot is *ineligible* and names the two failing plots, the segregated export lot
  is eligible, the honey drums are eligible (apiary and laboratory verifications).
* Freshness: on the day it is built the demo has no lapsed accreditation or verification and
  the market cards call every certificate current; a demo built years after its 2026 story
  is too, and replaying it on a later day still appends nothing (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api.demo import DEMO_ORGS, build_demo
from api.services.ledger import LedgerService, full_registry
from api.services.market import catalogue_entry
from api.settings import Settings
from ledger.chain import verify_stored_leaves
from ledger.storage.sql.store import SqlState
from ledger.supply.lineage import upstream
from verifiers.eligibility import Eligibility, check_eligibility

PASSPHRASE = "demo-test-passphrase"


def _settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        key_passphrase=PASSPHRASE,
        database_url=f"sqlite:///{data_dir / 'ledger.db'}",
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, Any]]:
    """The demo built once for the module: its settings and summary."""
    cfg = _settings(tmp_path_factory.mktemp("demo"))
    return cfg, build_demo(cfg)


@pytest.fixture(scope="module")
def service(demo: tuple[Settings, dict[str, Any]]) -> Iterator[LedgerService]:
    """The demo ledger, opened read-only (no migration)."""
    cfg, _summary = demo
    svc = LedgerService.open(cfg.resolved_database_url, migrate=False)
    try:
        yield svc
    finally:
        svc.close()


def _docs(service: LedgerService, kind: str) -> dict[str, dict[str, Any]]:
    with service.store.reading() as cursor:
        return dict(SqlState(cursor).scan(kind))


def _org(key_name: str) -> str:
    return str(DEMO_ORGS[key_name]["org_id"])


def test_demo_is_large_and_idempotent(demo: tuple[Settings, dict[str, Any]]) -> None:
    cfg, first = demo
    assert first["size"] > 100
    assert first["appended"] == first["size"] - 1  # everything but genesis
    again = build_demo(cfg)
    assert again["size"] == first["size"]
    assert again["appended"] == 0
    assert again == {**first, "appended": 0}


def test_demo_ledger_verifies(
    demo: tuple[Settings, dict[str, Any]], service: LedgerService
) -> None:
    _cfg, summary = demo
    result = verify_stored_leaves(service.store.stored_leaves(), full_registry())
    assert result.size == summary["size"] == service.head().size
    assert service.verify().size == summary["size"]  # Merkle tree too


def test_org_keys_are_in_the_key_store(demo: tuple[Settings, dict[str, Any]]) -> None:
    cfg, summary = demo
    names = {p.name.removesuffix(".key") for p in cfg.key_dir.glob("*.key")}
    assert set(DEMO_ORGS) <= names
    assert summary["orgs"] == {name: _org(name) for name in DEMO_ORGS}


def test_coffee_export_lineage_reaches_the_20_plots_and_producers(
    demo: tuple[Settings, dict[str, Any]], service: LedgerService
) -> None:
    _cfg, summary = demo
    cafe = _org("org-cafe-sierra")
    plots = {k for k, d in _docs(service, "plot").items() if d["org_id"] == cafe}
    producers = {k for k, d in _docs(service, "producer").items() if d["org_id"] == cafe}
    lots = _docs(service, "lot")
    harvests = {k for k, d in lots.items() if d["org_id"] == cafe and d["created_by"] == "harvest"}
    assert len(plots) == len(producers) == 20
    assert all(d["org_id"] != cafe or d["product"] == "coffee" for d in lots.values())

    with service.store.reading() as cursor:
        lineage = upstream(SqlState(cursor), summary["coffee_export_lot"])
    assert set(lineage.plots) == plots
    assert set(lineage.producers) == producers
    assert lineage.apiaries == []
    assert {lot for lot in lineage.lots if lots[lot]["created_by"] == "harvest"} == harvests
    assert {lots[lot]["form"] for lot in lineage.lots} == {"cherry", "parchment", "green"}

    export = lots[summary["coffee_export_lot"]]
    assert export["custodian"] == _org("org-exportadora")
    assert export["status"] == "active"
    assert export["gtin"] is not None and len(export["gtin"]) == 14
    assert export["lot_number"] == "CS2526X001"


def test_sacks_and_drums_are_whole_packages(
    demo: tuple[Settings, dict[str, Any]], service: LedgerService
) -> None:
    _cfg, summary = demo
    lots = _docs(service, "lot")
    sacks = lots[summary["coffee_export_lot"]]
    assert sacks["quantity_g"] % 69_000 == 0
    assert sacks["package"] == {
        "unit": "sack",
        "count": sacks["quantity_g"] // 69_000,
        "unit_kg": 69,
    }
    drums = lots[summary["honey_drums_lot"]]
    assert drums["product"] == "honey" and drums["form"] == "filtered"
    assert drums["quantity_g"] % 300_000 == 0
    assert drums["package"] == {
        "unit": "drum",
        "count": drums["quantity_g"] // 300_000,
        "unit_kg": 300,
    }
    dry = lots[summary["cacao_dry_lot"]]
    assert (dry["product"], dry["form"]) == ("cacao", "dry")
    # Remainders stay in stock as their own lots, below one package.
    assert 0 < lots[summary["lots"]["coffee_remainder"]]["quantity_g"] < 69_000
    assert 0 < lots[summary["lots"]["honey_remainder"]]["quantity_g"] < 300_000


def test_coffee_plot_geometry(service: LedgerService) -> None:
    cafe = _org("org-cafe-sierra")
    plots = [d for d in _docs(service, "plot").values() if d["org_id"] == cafe]
    large = [p for p in plots if p["area_ha"] > 4]
    assert len(large) >= 2
    assert all(p["geometry"]["type"] == "Polygon" for p in large)
    assert all(p["geometry"]["type"] == "Polygon" for p in plots)
    assert sum(p["area_ha"] <= 1 for p in plots) / len(plots) >= 0.7
    for plot in plots:
        lon, lat = plot["geometry"]["coordinates"][0][0]
        assert -92.9 <= lon <= -92.6 and 15.5 <= lat <= 15.8
    cacao = [
        d for d in _docs(service, "plot").values() if d["org_id"] == _org("org-cacao-chontalpa")
    ]
    assert {p["geometry"]["type"] for p in cacao} == {"Point", "Polygon"}
    assert all(1 <= p["area_ha"] <= 3 for p in cacao)


def test_numbers_stay_in_documented_ranges(
    demo: tuple[Settings, dict[str, Any]], service: LedgerService
) -> None:
    _cfg, summary = demo
    kg = summary["kg"]
    assert 4.0 <= kg["coffee_cherry"] / kg["coffee_parchment"] <= 4.5
    assert 0.79 <= kg["coffee_green"] / kg["coffee_parchment"] <= 0.80
    assert kg["coffee_export"] == kg["coffee_sacks"] * 69
    assert 0.97 <= kg["honey_filtered"] / kg["honey_raw"] <= 0.98
    assert kg["honey_drummed"] == kg["honey_drums"] * 300
    assert 0.37 <= kg["cacao_dry"] / kg["cacao_wet"] <= 0.38

    plots = _docs(service, "plot")
    apiaries = _docs(service, "apiary")
    per_site: dict[str, int] = {}
    for tally in _docs(service, "site_harvest").values():
        per_site[tally["site"]] = per_site.get(tally["site"], 0) + tally["grams"]
    for site, grams in per_site.items():
        kind, site_id = site.split(":", 1)
        if kind == "apiary":
            per_hive = grams / 1000 / apiaries[site_id]["hive_count"]
            assert 20 <= per_hive <= 40, site
        else:
            per_ha = grams / 1000 / plots[site_id]["area_ha"]
            assert 990 <= per_ha <= 1510, site
    assert len(per_site) == 20 + 6 + 8


def _eligibility(service: LedgerService, lot_id: str) -> Eligibility:
    with service.store.reading() as cursor:
        return check_eligibility(SqlState(cursor), lot_id)


def test_certification_is_recorded(service: LedgerService) -> None:
    standards = _docs(service, "standard").values()
    assert sorted((d["id"], d["version"]) for d in standards) == [
        ("cacao-ab", 1),
        ("coffee-ab", 1),
        ("honey-ab", 1),
    ]
    [accreditation] = _docs(service, "accreditation").values()
    assert accreditation["certifier_id"] == "certimex" and accreditation["status"] == "active"
    assert set(accreditation["products"]) == {"coffee", "honey", "cacao"}
    verifications = _docs(service, "verification")
    assert {k: (d["result"], d["status"]) for k, d in verifications.items()} == {
        "cs-ver-2526-001": ("pass", "active"),
        "cs-ver-2526-002": ("fail", "active"),
        "mc-ver-2026-001": ("pass", "active"),
        "mc-ver-2026-002": ("pass", "active"),
    }
    assert all(d["certifier_id"] == "certimex" for d in verifications.values())
    assert len(verifications["cs-ver-2526-001"]["scope"]["plots"]) == 18
    assert all(d["observed_on"] <= "2026-05-28" for d in _docs(service, "evidence").values())


def test_coffee_export_lots_one_eligible_one_not(
    demo: tuple[Settings, dict[str, Any]], service: LedgerService
) -> None:
    _cfg, summary = demo
    assert summary["coffee_failing_plots"] == ["cs-plot07", "cs-plot14"]
    main = _eligibility(service, summary["coffee_export_lot"])
    assert not main.eligible
    assert [(r.code, r.subject) for r in main.reasons] == [
        ("input_not_eligible", "lot:cs-green-export")
    ]
    for plot in summary["coffee_failing_plots"]:
        assert f"plot:{plot}" in main.reasons[0].message_en
        assert f"plot:{plot}" in main.reasons[0].message_es

    certified_lot = summary["coffee_export_certified_lot"]
    assert certified_lot != summary["coffee_export_lot"]
    certified = _eligibility(service, certified_lot)
    assert certified.eligible, certified.reasons
    assert certified.verifications == ["cs-ver-2526-001"]

    lots = _docs(service, "lot")
    doc = lots[certified_lot]
    assert doc["custodian"] == _org("org-exportadora")
    assert doc["lot_number"] == "CS2526X002"
    assert doc["quantity_g"] == summary["kg"]["coffee_export_certified"] * 1000
    assert doc["quantity_g"] < lots[summary["coffee_export_lot"]]["quantity_g"]
    assert doc["package"]["count"] == summary["kg"]["coffee_sacks_certified"]
    with service.store.reading() as cursor:
        lineage = upstream(SqlState(cursor), certified_lot)
    assert not set(lineage.plots) & set(summary["coffee_failing_plots"])


def test_honey_drums_are_eligible_cacao_is_not(
    demo: tuple[Settings, dict[str, Any]], service: LedgerService
) -> None:
    _cfg, summary = demo
    drums = _eligibility(service, summary["honey_drums_lot"])
    assert drums.eligible, drums.reasons
    assert drums.verifications == ["mc-ver-2026-001", "mc-ver-2026-002"]
    cacao = _eligibility(service, summary["cacao_dry_lot"])
    assert not cacao.eligible
    assert {r.code for r in cacao.reasons} == {"input_not_eligible"}


def _lapsed(service: LedgerService, day: str) -> dict[str, Any]:
    """Every certificate window (accreditations and verifications) that does not hold
    ``day``, and every market-card certificate not called current on it."""
    windows = {
        f"{kind}:{key}": (doc["valid_from"], doc["valid_until"])
        for kind in ("accreditation", "verification")
        for key, doc in _docs(service, kind).items()
    }
    assert len(windows) == 5
    lapsed: dict[str, Any] = {k: w for k, w in windows.items() if not w[0] <= day <= w[1]}
    with service.store.read_state() as state:
        for _key, lot in state.scan("lot"):
            for cert in catalogue_entry(state, lot, day)["certificates"]:
                if not cert["current"]:
                    lapsed[f"card:{lot['lot_id']}:{cert['verification_id']}"] = cert
    return lapsed


def test_fresh_demo_has_no_expired_certificate(service: LedgerService) -> None:
    assert _lapsed(service, datetime.now(UTC).date().isoformat()) == {}


def test_demo_built_later_stays_current_and_replays(tmp_path: Path, db_url: str) -> None:
    cfg = Settings(data_dir=tmp_path / "data", key_passphrase=PASSPHRASE, database_url=db_url)
    later = date(2031, 3, 1)
    build_demo(cfg, built_on=later)
    again = build_demo(cfg, built_on=later + timedelta(days=400))
    assert again["appended"] == 0
    svc = LedgerService.open(db_url, migrate=False)
    try:
        assert _lapsed(svc, later.isoformat()) == {}
    finally:
        svc.close()
