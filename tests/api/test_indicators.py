"""Programme indicators (``verifiers.indicators``, ``api.services.indicators``) and their report.

What each test proves:

* On the demo ledger, the figures equal an independent recomputation written here from the
  raw entries (no projection, no code of ``verifiers.indicators``): hectares and plots under a
  passing current verification, producers reached, labels issued and revoked, kilograms
  shipped by associations, and the eligible share (the demo's documented eligible export).
* The report verifies offline (no database) and a tampered one fails naming the reason: a
  changed figure, a changed entry, a withheld entry, a people figure under five, a report
  checked with another operator's key.
* Small cells are suppressed on both engines: people figures from consented off-ledger data
  show only when the group and the rest of its cell reach five; producers who did not consent,
  and records the ledger's ``pii_hash`` does not commit to, are not counted.
* The CLI computes a report and verifies it with no database; a tampered report exits 1 with
  the reason.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2
import pytest

from api.services.indicators import compute_indicators, report_bytes
from api.services.ledger import LedgerService, full_registry
from api.services.supply import register_producer
from api.settings import Settings
from ledger.canonical import canonicalize
from ledger.entries import Entry
from ledger.keys import decode_public_key, key_id
from ledger.storage.sql.personal import PersonalDataStore
from ledger.supply.producers import PersonalData, new_salt, personal_data_hash
from tests.api.operated_demo import demo_env, offline_env, operated_demo
from tests.api.test_cli import run
from tests.factories import make_key
from tests.supply_factories import SupplyWorld, producer_body
from verifiers.indicators import check_disclosure, check_report

AS_OF = date(2026, 6, 30)


# --------------------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, LedgerService]]:
    """The demo ledger, built once for the module."""
    with operated_demo(tmp_path_factory.mktemp("indicators-demo")) as opened:
        yield opened


def _recompute(entries: list[Entry], as_of: date) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Landscape totals (landscape, product, coffee-or-calendar season) from raw entries only."""
    day = as_of.isoformat()
    org_of_key: dict[str, str] = {}
    orgs: dict[str, dict[str, Any]] = {}
    producers: dict[str, str] = {}
    plots: dict[str, dict[str, Any]] = {}
    sites: list[tuple[str, str, str, str]] = []  # org, landscape, product, producer
    verifications: dict[str, dict[str, Any]] = {}
    lots: dict[str, dict[str, Any]] = {}
    issuances: dict[int, dict[str, Any]] = {}
    lot_revoked: set[str] = set()
    shipped: list[tuple[str, str]] = []  # (sender org, lot)

    def season(product: str, when: str) -> str:
        year, month = int(when[:4]), int(when[5:7])
        if product != "coffee":
            return str(year)
        start = year if month >= 10 else year - 1
        return f"{start}/{(start + 1) % 100:02d}"

    for entry in entries:
        st = entry.statement
        body = st.body
        actor_org = org_of_key.get(st.actor)
        if st.type == "org.registered":
            orgs[body["org_id"]] = body
            org_of_key[key_id(decode_public_key(body["public_key"]))] = body["org_id"]
        elif st.type == "producer.registered":
            assert actor_org is not None
            producers[body["producer_id"]] = actor_org
        elif st.type in ("plot.registered", "apiary.registered"):
            org = producers[body["producer_id"]]
            landscape = str(body.get("landscape") or orgs[org].get("landscape"))
            product = body.get("product", "honey")
            sites.append((org, landscape, product, body["producer_id"]))
            if st.type == "plot.registered":
                plots[body["plot_id"]] = {"landscape": landscape, "area": body["area_ha"], **body}
        elif st.type == "verification.issued":
            verifications[body["verification_id"]] = {**body, "revoked": False}
        elif st.type == "verification.revoked":
            verifications[body["verification_id"]]["revoked"] = True
        elif st.type == "lot.harvested":
            lots[body["lot_id"]] = {
                "org": actor_org,
                "product": body["product"],
                "from": body["harvested_from"],
                "kg": body["quantity_kg"],
            }
        elif st.type == "lot.transformed":
            first = lots[body["inputs"][0]["lot_id"]]
            start = min(lots[i["lot_id"]]["from"] for i in body["inputs"])
            for out in body["outputs"]:
                lots[out["lot_id"]] = {"org": actor_org, "product": first["product"],
                                       "from": start, "kg": out["quantity_kg"]}  # fmt: skip
        elif st.type == "label.issued":
            issuances[entry.seq] = {"lot": body["lot_id"], "units": body["units"], "live": True}
        elif st.type == "label.revoked":
            if body.get("issuance_seq") is not None:
                issuances[body["issuance_seq"]]["live"] = False
            else:
                lot_revoked.add(body["lot_id"])
        elif st.type == "lot.shipped":
            shipped += [(str(actor_org), lot) for lot in body["lot_ids"]]

    totals: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(
        lambda: {
            "plots": 0,
            "ha": Decimal(0),
            "plots_verified": 0,
            "ha_verified": Decimal(0),
            "producers": set(),
            "labels": 0,
            "revoked": 0,
            "units": 0,
            "shipped": 0,
            "shipped_kg": Decimal(0),
        }  # fmt: skip
    )
    for org, landscape, product, producer in sites:
        totals[(landscape, product, season(product, day))]["producers"].add(producer)
        del org
    for plot_id, plot in plots.items():
        row = totals[(plot["landscape"], plot["product"], season(plot["product"], day))]
        row["plots"] += 1
        row["ha"] += Decimal(str(plot["area"]))
        current = any(
            plot_id in v["scope"].get("plots", []) and plot["product"] in v["scope"]["products"]
            and v["result"] == "pass" and not v["revoked"]
            and v["valid_from"] <= day <= v["valid_until"]
            for v in verifications.values()
        )  # fmt: skip
        if current:
            row["plots_verified"] += 1
            row["ha_verified"] += Decimal(str(plot["area"]))
    for issuance in issuances.values():
        lot = lots[issuance["lot"]]
        landscape = orgs[lot["org"]]["landscape"]
        row = totals[(landscape, lot["product"], season(lot["product"], lot["from"]))]
        if issuance["live"] and issuance["lot"] not in lot_revoked:
            row["labels"] += 1
            row["units"] += issuance["units"]
        else:
            row["revoked"] += 1
    for sender, lot_id in sorted(set(shipped)):
        if orgs[sender].get("kind", "association") != "association":
            continue
        lot = lots[lot_id]
        row = totals[(orgs[lot["org"]]["landscape"], lot["product"],
                      season(lot["product"], lot["from"]))]  # fmt: skip
        row["shipped"] += 1
        row["shipped_kg"] += Decimal(str(lot["kg"]))
    return dict(totals)


def test_demo_figures_equal_a_recomputation_from_raw_entries(
    demo: tuple[Settings, LedgerService],
) -> None:
    _cfg, service = demo
    found = compute_indicators(service, as_of=AS_OF)
    figures = found.header.figures
    size = found.header.tree_size
    expected = _recompute(service.entries(0, size), AS_OF)
    rows = {(r["landscape"], r["product"], r["season"]): r for r in figures["landscapes"]}
    assert set(rows) == set(expected)
    for key, want in expected.items():
        got = rows[key]
        assert got["plots"] == want["plots"], key
        assert Decimal(got["hectares"]) == want["ha"].quantize(Decimal("0.01")), key
        assert got["plots_verified"] == want["plots_verified"], key
        assert Decimal(got["hectares_verified"]) == want["ha_verified"].quantize(Decimal("0.01"))
        people = len(want["producers"])
        assert got["producers"] == (people if people >= 5 else None), key
        assert (got["labels_issued"], got["labels_revoked"]) == (want["labels"], want["revoked"])
        assert got["label_units"] == want["units"], key
        assert got["lots_shipped"] == want["shipped"], key
        assert Decimal(got["shipped_kg"]) == want["shipped_kg"], key
    # The demo's documented facts: two coffee plots fail shade cover, one export lot of the
    # two shipped is eligible (the segregated one), one print run was revoked.
    coffee = rows[("Sierra Madre de Chiapas", "coffee", "2025/26")]
    assert (coffee["plots"], coffee["plots_verified"]) == (20, 18)
    assert (coffee["lots_shipped"], coffee["eligible_lots_shipped"]) == (2, 1)
    export = service.store.state_get("lot", "cs-export-2526-002")
    assert export is not None
    assert Decimal(coffee["eligible_shipped_kg"]) == Decimal(export["quantity_g"]) / 1000
    assert coffee["labels_revoked"] == 1
    # People figures: recounted here from the off-ledger records that consented and that the
    # raw producer entries' pii_hash commits to, then suppressed by the rules written out.
    recounted = _recount_people(service, service.entries(0, size), AS_OF)
    for key, row in rows.items():
        assert row["people"] == recounted.get(key, _suppressed(set(), set(), set(), set())), key
    assert coffee["people"]["with_data"] == 18  # cs-p10 and cs-p20 did not consent
    # Trained producers: recounted from the raw training.held entries.
    trained = _recount_training(service.entries(0, size))
    for key, row in rows.items():
        sessions, attendees = trained.get(key, (0, set()))
        assert row["training_sessions"] == sessions, key
        assert row["trained_producers"] == (len(attendees) if len(attendees) >= 5 else None)
    assert (coffee["training_sessions"], coffee["trained_producers"]) == (2, 14)
    honey = rows[("Calakmul", "honey", "2026")]
    assert (honey["training_sessions"], honey["trained_producers"]) == (1, None)  # 4 people
    # Sales and farm-gate money: recounted from the raw sale, purchase and payment entries.
    money = _recount_money(service.entries(0, size))
    for key, row in rows.items():
        want = money.get(key, _no_money())
        got = {name: row[name] for name in want}
        assert got == want, key
    assert coffee["sales_value"]["USD"] != coffee["eligible_sales_value"]["USD"]
    assert coffee["eligible_lots_sold"] == 1 and coffee["lots_sold"] == 2
    assert coffee["paid_to_producers_mxn"] != coffee["purchased_mxn"]  # three still owed


EXPORTED_ELIGIBLE = {"cs-export-2526-002", "mc-drums-2026-001"}
"""The demo's documented eligible lots among those sold (scenario: the segregated export lot
and the honey drums)."""


def _no_money() -> dict[str, Any]:
    return {"lots_sold": 0, "eligible_lots_sold": 0, "sales_value": {},
            "eligible_sales_value": {}, "purchases": 0, "purchased_mxn": "0.00",
            "premiums_mxn": "0.00", "paid_to_producers_mxn": "0.00"}  # fmt: skip


def _recount_money(entries: list[Entry]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Per landscape row: lots sold and their value per currency (eligible or not), and the
    farm-gate purchases, premiums and payments, from raw entries only."""
    landscape_of_key: dict[str, str] = {}
    lots: dict[str, tuple[str, str, str]] = {}  # lot → (actor key, product, harvest start)
    purchases: dict[str, tuple[tuple[str, str, str], Decimal, Decimal]] = {}
    paid: dict[str, Decimal] = defaultdict(Decimal)
    sold: list[tuple[str, str, Decimal]] = []

    def season(product: str, when: str) -> str:
        year, month = int(when[:4]), int(when[5:7])
        start = year if month >= 10 else year - 1
        return f"{start}/{(start + 1) % 100:02d}" if product == "coffee" else str(year)

    def row_of(lot_id: str) -> tuple[str, str, str]:
        actor, product, start = lots[lot_id]
        return (landscape_of_key[actor], product, season(product, start))

    for entry in entries:
        st, body = entry.statement, entry.statement.body
        if st.type == "org.registered":
            landscape_of_key[key_id(decode_public_key(body["public_key"]))] = body.get(
                "landscape") or "-"  # fmt: skip
        elif st.type == "lot.harvested":
            lots[body["lot_id"]] = (st.actor, body["product"], body["harvested_from"])
        elif st.type == "lot.transformed":
            firsts = [lots[i["lot_id"]] for i in body["inputs"]]
            start = min(f[2] for f in firsts)
            for out in body["outputs"]:
                lots[out["lot_id"]] = (st.actor, firsts[0][1], start)
        elif st.type == "sale.recorded":
            for line in body["lots"]:
                sold.append((line["lot_id"], body["currency"], Decimal(line["value"])))
        elif st.type == "purchase.recorded":
            premium = sum((Decimal(p["amount_mxn"]) for p in body.get("premiums", [])), Decimal())
            purchases[body["purchase_id"]] = (row_of(body["lot_id"]),
                                              Decimal(body["amount_mxn"]), premium)  # fmt: skip
        elif st.type == "payment.recorded" and body["kind"] != "advance":
            left = Decimal(body["amount_mxn"])
            for purchase_id in body["purchase_ids"]:
                part = min(left, purchases[purchase_id][1] - paid[purchase_id])
                paid[purchase_id] += part
                left -= part
    found: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(_no_money)
    for lot_id, currency, value in sold:
        row = found[row_of(lot_id)]
        row["lots_sold"] += 1
        names = ["sales_value"] + (["eligible_sales_value"] if lot_id in EXPORTED_ELIGIBLE else [])
        row["eligible_lots_sold"] += lot_id in EXPORTED_ELIGIBLE
        for name in names:
            row[name][currency] = f"{Decimal(row[name].get(currency, '0')) + value:.2f}"
    for purchase_id, (key, amount, premium) in purchases.items():
        row = found[key]
        row["purchases"] += 1
        for name, value in (("purchased_mxn", amount), ("premiums_mxn", premium),
                            ("paid_to_producers_mxn", paid[purchase_id])):  # fmt: skip
            row[name] = f"{Decimal(row[name]) + value:.2f}"
    return dict(found)


def _recount_training(entries: list[Entry]) -> dict[tuple[str, str, str], tuple[int, set[str]]]:
    """Per landscape row, sessions and distinct attendees from the raw entries."""
    landscape_of_key: dict[str, str] = {}
    found: dict[tuple[str, str, str], tuple[int, set[str]]] = {}
    for entry in entries:
        st = entry.statement
        if st.type == "org.registered":
            actor = key_id(decode_public_key(st.body["public_key"]))
            landscape_of_key[actor] = st.body.get("landscape") or "-"
        elif st.type == "training.held":
            body = st.body
            year, month = int(body["date"][:4]), int(body["date"][5:7])
            start = year if month >= 10 else year - 1
            season = (
                f"{start}/{(start + 1) % 100:02d}" if body["product"] == "coffee" else str(year)
            )
            key = (body.get("landscape") or landscape_of_key[st.actor], body["product"], season)
            sessions, people = found.get(key, (0, set()))
            found[key] = (sessions + 1, people | set(body["attendees"]))
    return found


def _suppressed(
    among: set[str], women: set[str], youth: set[str], speakers: set[str]
) -> dict[str, int | None]:
    def group(part: set[str]) -> int | None:
        return len(part) if len(part) >= 5 and len(among) - len(part) >= 5 else None

    return {"with_data": len(among) if len(among) >= 5 else None, "women": group(women),
            "youth": group(youth), "indigenous": group(speakers)}  # fmt: skip


def _recount_people(
    service: LedgerService, entries: list[Entry], as_of: date
) -> dict[tuple[str, str, str], dict[str, int | None]]:
    """Per landscape row, the people figures from raw entries and the personal-data table."""
    committed: dict[str, str] = {}
    orgs: dict[str, str] = {}
    org_of_key: dict[str, str] = {}
    member_of: dict[str, str] = {}
    sites: list[tuple[str, str, str]] = []
    for entry in entries:
        st = entry.statement
        if st.type == "org.registered":
            orgs[st.body["org_id"]] = st.body.get("landscape") or "-"
            org_of_key[key_id(decode_public_key(st.body["public_key"]))] = st.body["org_id"]
        elif st.type == "producer.registered":
            committed[st.body["producer_id"]] = st.body.get("pii_hash", "")
            member_of[st.body["producer_id"]] = org_of_key[st.actor]
        elif st.type in ("plot.registered", "apiary.registered"):
            landscape = st.body.get("landscape") or orgs[member_of[st.body["producer_id"]]]
            product = st.body.get("product", "honey")
            sites.append((landscape, product, st.body["producer_id"]))
    consented = {}
    for record in PersonalDataStore(service.engine).scan():
        digest = hashlib.sha256(bytes.fromhex(record.salt) + canonicalize(record.data))
        if (
            record.data.get("consent_to_statistics")
            and committed.get(record.producer_id) == digest.hexdigest()
        ):
            consented[record.producer_id] = record.data
    found: dict[tuple[str, str, str], tuple[set[str], ...]] = defaultdict(
        lambda: (set(), set(), set(), set())
    )
    for landscape, product, producer in sites:
        data = consented.get(producer)
        if data is None:
            continue
        # The report date is in June: before the coffee year's 1 October start.
        season = f"{as_of.year - 1}/{str(as_of.year)[2:]}" if product == "coffee" else (
            str(as_of.year))  # fmt: skip
        among, women, youth, speakers = found[(landscape, product, season)]
        among.add(producer)
        if data.get("gender") == "female":
            women.add(producer)
        if data.get("birth_year") and as_of.year - data["birth_year"] <= 29:
            youth.add(producer)
        if data.get("indigenous_language_speaker") is True:
            speakers.add(producer)
    return {key: _suppressed(*sets) for key, sets in found.items()}


@pytest.fixture(scope="module")
def demo_report(demo: tuple[Settings, LedgerService]) -> tuple[bytes, str]:
    """The demo's report and the operator key a donor trusts."""
    _cfg, service = demo
    found = compute_indicators(service, as_of=AS_OF)
    return b"".join(report_bytes(service, found)), service.log_info().verifier_key


def _lines(report: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in report.splitlines()]


def _join(lines: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(line, ensure_ascii=False).encode() + b"\n" for line in lines)


def test_demo_report_verifies_offline(demo_report: tuple[bytes, str]) -> None:
    report, key = demo_report
    result = check_report(report, full_registry(), key)
    assert result, result.failures
    assert result.header is not None
    assert result.entries == result.header.tree_size


def test_demo_report_verifies_with_a_signature_worker(demo_report: tuple[bytes, str]) -> None:
    """What ``indicators verify`` does by default on a large report with two or more cores;
    a forged entry signature is still found (at its entry, before the root is compared)."""
    report, key = demo_report
    assert check_report(report, full_registry(), key, workers=1)
    lines = _lines(report)
    leaf = lines[5]["leaf"]
    at = leaf.index('"sig":"') + 7
    lines[5]["leaf"] = leaf[:at] + ("B" if leaf[at] == "A" else "A") + leaf[at + 1 :]
    result = check_report(_join(lines), full_registry(), key, workers=1)
    assert [where for where, _why in result.failures] == ["entries"]
    assert result.failures[0][1].startswith("entry 4: ")
    assert "signature" in result.failures[0][1]


def _where(report: bytes, key: str) -> list[str]:
    return [where for where, _why in check_report(report, full_registry(), key).failures]


def test_changed_figure_fails_naming_it(demo_report: tuple[bytes, str]) -> None:
    report, key = demo_report
    lines = _lines(report)
    row = lines[0]["figures"]["landscapes"][-1]
    row["hectares_verified"] = str(Decimal(row["hectares_verified"]) + 100)
    result = check_report(_join(lines), full_registry(), key)
    assert not result
    (where, why), *_ = result.failures
    assert where.endswith(".hectares_verified") and "the ledger gives" in why


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("eligible_sales_value", lambda v: {**v, "USD": "999999.00"}),
        ("paid_to_producers_mxn", lambda v: "1.00"),
        ("premiums_mxn", lambda v: "0.00"),
        ("training_sessions", lambda v: v + 1),
        ("trained_producers", lambda v: 15),
    ],
)
def test_changed_sales_money_or_training_figure_fails(
    demo_report: tuple[bytes, str], name: str, change: Any
) -> None:
    report, key = demo_report
    lines = _lines(report)
    row = next(r for r in lines[0]["figures"]["landscapes"] if r["product"] == "coffee")
    row[name] = change(row[name])
    result = check_report(_join(lines), full_registry(), key)
    assert not result
    assert any(where.endswith(f".{name}") for where, _why in result.failures), result.failures


def test_changed_entry_fails(demo_report: tuple[bytes, str]) -> None:
    report, key = demo_report
    lines = _lines(report)
    for line in lines[1:]:
        if '"plot.registered"' in line["leaf"]:
            line["leaf"] = line["leaf"].replace('"area_ha":', '"area_ha":1', 1)
            break
    assert _where(_join(lines), key) == ["entries"]


def test_withheld_revocation_fails(demo_report: tuple[bytes, str]) -> None:
    report, key = demo_report
    lines = [line for line in _lines(report) if '"label.revoked"' not in line.get("leaf", "")]
    assert len(lines) < len(_lines(report))
    result = check_report(_join(lines), full_registry(), key)
    assert [w for w, _ in result.failures] == ["entries"]
    size = _lines(report)[0]["tree_size"]
    assert f"{size - 1} entries, the checkpoint covers {size}" in result.failures[0][1]
    # An entry withheld from the middle breaks the sequence where it was.
    lines = _lines(report)
    del lines[100]
    result = check_report(_join(lines), full_registry(), key)
    assert result.failures == [("entries", "entry 99: missing; next stored is 100")]


def test_other_operator_key_fails(demo_report: tuple[bytes, str]) -> None:
    report, _key = demo_report
    from ledger.checkpoints import verifier_key_string

    origin = _lines(report)[0]["origin"]
    other = verifier_key_string(origin, make_key("not-the-operator").public_key())
    assert _where(report, other) == ["checkpoint"]


def test_small_people_figure_fails(demo_report: tuple[bytes, str]) -> None:
    report, key = demo_report
    lines = _lines(report)
    lines[0]["figures"]["cells"][0]["people"] = {"with_data": 3, "women": None, "youth": None}
    wheres = _where(_join(lines), key)
    assert "figures.cells[0].people.with_data" in wheres


def test_changed_people_figure_fails_the_attestation(demo_report: tuple[bytes, str]) -> None:
    report, key = demo_report
    lines = _lines(report)
    header = lines[0]
    assert header["people_attestation"]["basis"].startswith("attested by the programme")
    # One more person with data in the coffee landscape and product totals: still within
    # every rule and consistent with the ledger's 20 producers; only the signature tells.
    for level in ("landscapes", "products"):
        row = next(r for r in header["figures"][level] if r["product"] == "coffee")
        assert row["people"]["with_data"] == 18 and row["producers"] == 20
        row["people"]["with_data"] += 1
    result = check_report(_join(lines), full_registry(), key)
    assert [w for w, _ in result.failures] == ["people_attestation.signature"]


def test_people_figures_without_attestation_fail(demo_report: tuple[bytes, str]) -> None:
    report, key = demo_report
    lines = _lines(report)
    lines[0]["people_attestation"] = None
    assert _where(_join(lines), key) == ["people_attestation"]
    # A group larger than the people it is drawn from breaks consistency, signed or not.
    lines = _lines(report)
    row = next(r for r in lines[0]["figures"]["cells"] if r["people"]["women"])
    row["people"]["women"] = row["people"]["with_data"] + 5
    assert any(w.endswith(".people.women") for w in _where(_join(lines), key))


def test_people_figures_are_not_written_unattested(demo: tuple[Settings, LedgerService]) -> None:
    cfg, _service = demo
    keyless = LedgerService.open(cfg.resolved_database_url, migrate=False)
    try:
        found = compute_indicators(keyless, as_of=AS_OF)
        assert found.header.people_attestation is None
        with pytest.raises(ValueError, match="--no-people"):
            b"".join(report_bytes(keyless, found))
        plain = compute_indicators(keyless, as_of=AS_OF, with_people=False)
        assert check_report(
            b"".join(report_bytes(keyless, plain)), full_registry(), keyless.log_info().verifier_key
        )
    finally:
        keyless.close()


def test_not_a_report_fails_at_the_header(demo_report: tuple[bytes, str]) -> None:
    _report, key = demo_report
    assert _where(b'{"format": "something-else"}\n', key) == ["header"]


def test_cli_compute_and_verify_offline(
    demo: tuple[Settings, LedgerService], tmp_path: Path
) -> None:
    cfg, service = demo
    report = tmp_path / "q2.jsonl"
    compute = ("indicators", "compute", "--as-of", "2026-06-30", "--output", str(report))
    done = run(demo_env(cfg), *compute)
    assert done.returncode == 0, done.stderr
    assert "Sierra Madre" in done.stdout
    key = tmp_path / "operator.vkey"
    key.write_text(service.log_info().verifier_key)
    offline = offline_env(tmp_path / "nothing-here")
    verify = ("indicators", "verify", str(report), "--operator-key", str(key), "--json")
    done = run(offline, *verify)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["verified"] is True
    lines = _lines(report.read_bytes())
    lines[0]["figures"]["products"][0]["labels_issued"] += 1
    report.write_bytes(_join(lines))
    done = run(offline, *verify[:-1])
    assert done.returncode == 1
    assert "labels_issued" in done.stdout and "NOT VERIFIED" in done.stdout
    bad = run(demo_env(cfg), "indicators", "compute", "--as-of", "June", "--output", str(report))
    assert bad.returncode != 0 and "--as-of" in bad.stdout + bad.stderr


# --------------------------------------------------------------------------- both engines


def _member(
    service: LedgerService, w: SupplyWorld, producer_id: str, person: dict[str, Any]
) -> None:
    data = PersonalData.model_validate({"name": f"Persona {producer_id}", **person}).model_dump()
    salt = new_salt()
    body = producer_body(producer_id, pii_hash=personal_data_hash(salt, data))
    register_producer(service, w.sign("coop-a", "producer.registered", body), data, salt)
    w.plot("coop-a", f"pl-{producer_id}", producer_id)


@pytest.fixture
def people_world(db_url: str) -> Iterator[LedgerService]:
    """Twelve consenting members (7 women, 4 young), one who did not consent, one whose side
    record was edited after the ledger committed to it."""
    service = LedgerService.open(db_url, operator_key=make_key("operator"))
    w = SupplyWorld(service.store, service.registry, {"coop-a": "association"})
    for n in range(12):
        _member(service, w, f"p-{n:02d}", {
            "gender": "female" if n < 7 else "male",
            "birth_year": 2000 if n < 4 else 1970,
            "indigenous_language_speaker": n >= 5,
            "consent_to_statistics": True,
        })  # fmt: skip
    _member(service, w, "p-quiet", {"gender": "female", "birth_year": 2001})
    _member(service, w, "p-edited", {"gender": "male", "consent_to_statistics": True})
    side = PersonalDataStore(service.engine)
    stored = side.get("p-edited")
    assert stored is not None
    side.record("p-edited", "coop-a", {**stored.data, "gender": "female"}, stored.salt)
    try:
        yield service
    finally:
        service.close()


def test_people_figures_are_suppressed_below_five(people_world: LedgerService) -> None:
    found = compute_indicators(people_world, as_of=AS_OF)
    (cell,) = found.raw.cells.values()
    assert len(cell.producers) == 14
    assert (len(cell.people), len(cell.women), len(cell.youth)) == (12, 7, 4)
    assert len(cell.indigenous) == 7
    (row,) = found.header.figures["cells"]
    # 7 women of 12 leaves 5 others: shown. 4 young: under five, hidden. 7 speakers of 12:
    # shown (5 others).
    assert row["producers"] == 14
    assert row["people"] == {"with_data": 12, "women": 7, "youth": None, "indigenous": 7}
    assert found.header.figures["products"][0]["people"] == row["people"]
    assert check_disclosure(found.header.figures) == []
    assert check_report(
        b"".join(report_bytes(people_world, found)),
        full_registry(),
        people_world.log_info().verifier_key,
    )
    # Without the people data nothing about people is published at all.
    plain = compute_indicators(people_world, as_of=AS_OF, with_people=False)
    assert "people" not in plain.header.figures["cells"][0]


def test_disclosure_rules_flag_small_groups() -> None:
    figures = {"cells": [
        {"producers": 4, "people": {"with_data": 9, "women": 5, "youth": None}},
        {"producers": 30, "people": {"with_data": 20, "women": 17, "youth": 2}},
    ]}  # fmt: skip
    found = {where for where, _why in check_disclosure(figures)}
    assert found == {
        "cells[0].producers",
        "cells[0].people.women",  # 9 − 5 = 4 others
        "cells[1].people.women",  # 20 − 17 = 3 others
        "cells[1].people.youth",
    }


# --------------------------------------------------------------------------- the PDF


def _pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("es", ["Indicadores del programa", "Hectáreas con verificación vigente aprobada",
                "Informe verificado sin conexión", "menos de 5 (oculto)",
                "Valor de ventas de lotes elegibles (USD)", "Productores capacitados"]),
        ("en", ["Programme indicators", "Hectares with a current passing verification",
                "Report verified offline", "Value of sales of eligible lots (USD)",
                "Producers trained", "attests them"]),
    ],
)  # fmt: skip
def test_cli_report_pdf_in_both_languages(
    demo_report: tuple[bytes, str], tmp_path: Path, lang: str, words: list[str]
) -> None:
    report, key = demo_report
    source, pdf = tmp_path / "q2.jsonl", tmp_path / f"q2-{lang}.pdf"
    source.write_bytes(report)
    (tmp_path / "operator.vkey").write_text(key)
    env = offline_env(tmp_path / "nothing-here")
    command = ("indicators", "report", str(source), "--operator-key",
               str(tmp_path / "operator.vkey"), "--pdf", str(pdf), "--lang", lang)  # fmt: skip
    done = run(env, *command)
    assert done.returncode == 0, done.stdout + done.stderr
    text = " ".join(_pdf_text(pdf.read_bytes()).split())
    for word in words:
        assert word in text, word
    assert "Sierra Madre de Chiapas" in text
    # A tampered report is not drawn: exit 1, the reason, no PDF.
    lines = _lines(report)
    lines[0]["figures"]["landscapes"][0]["plots"] += 1
    source.write_bytes(_join(lines))
    pdf.unlink()
    done = run(env, *command)
    assert done.returncode == 1
    assert "does not verify" in done.stdout + done.stderr and not pdf.exists()
