"""The V3 ``submitDds`` request of a lot, validated against the Commission's XSD.

What each test proves:

* The validator is real: the Commission's §5.1.1 / §5.1.2 samples fail only on their
  ``BASE64_ENCODED_GEOJSON`` placeholder, and pass once it is replaced by the base64 of the
  Commission's own Type I GeoJSON example.
* The demo's coffee export lot gives one schema-valid request: HS 0901, net mass = the lot's
  kg, one ``producers`` element per producer whose base64 GeoJSON holds exactly that
  producer's Features from the EUDR file (truncated coordinates, no ``ProducerName``), country
  MX; an authorised representative's request carries the represented operator's EORI and
  is valid too. The cacao lot is HS 1801.
* A lot above the limits is split into several valid statements: every plot in exactly one,
  the net mass summing to the lot's to the gram, references suffixed ``-kofn``.
* Honey is "not an EUDR commodity"; option values the schema would refuse are refused naming
  the option; an unknown lot is not found.
* A downstream lot's statement names the statements recorded on its input lots
  (``groupedDeclarations``), from ``eudr.dds_recorded`` entries.
* The SOAP envelope: WS-Security UsernameToken with the password digest of the Username
  Token Profile (recomputed here from its definition), nonce, timestamps, client id; the key
  itself never appears.
"""

from __future__ import annotations

import base64
import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from api.demo import build_demo
from api.eudr.dds import DdsOptions, build_dds
from api.eudr.xml import (
    COMMON,
    DDS,
    SOAP,
    WSSE,
    WSU,
    ProducerXml,
    StatementXml,
    WsCredentials,
    envelope,
    submit_request,
)
from api.exports.base import ExportError, ExportRequest
from api.exports.eudr import FORMAT
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.errors import DomainRuleError, EntryNotFoundError
from tests.eudr_xsd import dds_errors
from tests.supply_factories import SupplyWorld, polygon_at

ORACLES = Path(__file__).resolve().parents[1] / "vectors" / "oracles" / "eudr"
PASSPHRASE = "eudr-dds-test-passphrase"
UUID = "071874bd-8c62-4cac-8eb6-b2fbe003410c"


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, Any], LedgerService]]:
    """The demo ledger on embedded SQLite (the DDS reads projections only)."""
    root = tmp_path_factory.mktemp("dds-demo")
    url = f"sqlite:///{root / 'ledger.db'}"
    summary = build_demo(Settings(data_dir=root / "data", key_passphrase=PASSPHRASE,
                                  database_url=url))  # fmt: skip
    service = LedgerService.open(url, migrate=False)
    try:
        yield summary, service
    finally:
        service.close()


def _payload(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    body = root.find(f"{{{SOAP}}}Body")
    return body[0] if body is not None else root


@pytest.mark.parametrize(
    "name",
    [
        "submitDds-request_OperatorAPIRef-5.1.1.xml",
        "submitDds-request_OperatorAPIRef-5.1.1.body.xml",
        "submitDds-grouped-request_OperatorAPIRef-5.1.2.body.xml",
    ],
)
def test_the_validator_catches_the_placeholder_and_accepts_real_base64(name: str) -> None:
    payload = _payload(ORACLES / "examples" / "v3" / name)
    errors = dds_errors(payload)
    assert len(errors) == 1 and "base64Binary" in errors[0] and "geometryGeojson" in errors[0]
    example = (
        ORACLES / "examples" / "geojson" / "typeI-single-producer_OperatorAPIRef-9.4.1.geojson"
    )
    geometry = payload.find(f".//{{{DDS}}}geometryGeojson")
    assert geometry is not None
    geometry.text = base64.b64encode(example.read_bytes()).decode()
    assert dds_errors(payload) == []


def _decoded(part_xml: bytes) -> list[dict[str, Any]]:
    root = ET.fromstring(part_xml)
    found = []
    for producer in root.iter(f"{{{DDS}}}producers"):
        country = producer.findtext(f"{{{DDS}}}country")
        geojson = json.loads(base64.b64decode(producer.findtext(f"{{{DDS}}}geometryGeojson") or ""))
        found.append({"country": country, "name": producer.findtext(f"{{{DDS}}}name"),
                      "geojson": geojson})  # fmt: skip
    return found


def test_the_coffee_export_lot_gives_a_schema_valid_request(
    demo: tuple[dict[str, Any], LedgerService],
) -> None:
    summary, service = demo
    lot = summary["coffee_export_lot"]
    options = DdsOptions(country_of_activity="DE", border_cross_country="DE")
    plan = build_dds(service, lot, options)
    [part] = plan.parts
    xml = part.request_xml()
    assert dds_errors(xml) == []
    root = ET.fromstring(xml)
    assert root.findtext(f"{{{DDS}}}operatorRole") == "OPERATOR"
    assert root.findtext(f".//{{{DDS}}}hsHeading") == "0901"
    assert root.findtext(f".//{{{DDS}}}activityType") == "IMPORT"
    lot_doc = service.store.state_get("lot", lot)
    assert lot_doc is not None
    weight = root.findtext(f".//{{{COMMON}}}netWeight")
    assert weight is not None and Decimal(weight) * 1000 == lot_doc["quantity_g"]
    description = root.findtext(f".//{{{COMMON}}}descriptionOfGoods") or ""
    assert description.startswith("Green coffee beans / Café verde")

    text = b"".join(FORMAT.export(service, ExportRequest(lot_id=lot))).decode()
    features = {f["id"]: f for f in json.loads(text)["features"]}
    producers = _decoded(xml)
    with service.store.read_state() as state:
        plots = state.get_many("plot", list(features))
    owners = {p: doc["producer_id"] for p, doc in plots.items()}
    assert len(producers) == len(set(owners.values()))
    seen: list[str] = []
    for producer in producers:
        assert producer["country"] == "MX" and producer["name"] is None
        ids = [f["id"] for f in producer["geojson"]["features"]]
        assert len({owners[i] for i in ids}) == 1
        assert all(f == features[f["id"]] for f in producer["geojson"]["features"])
        seen += ids
    assert sorted(seen) == sorted(features) == sorted(part.plot_ids)

    represented = DdsOptions(country_of_activity="ES", represented_name="Cafés Importados SL",
                             represented_eori="ESB12345678")  # fmt: skip
    xml = build_dds(service, lot, represented).parts[0].request_xml()
    assert dds_errors(xml) == []
    root = ET.fromstring(xml)
    assert root.findtext(f"{{{DDS}}}operatorRole") == "REPRESENTATIVE_OPERATOR"
    assert root.findtext(f".//{{{COMMON}}}identifierValue") == "ESB12345678"

    cacao = build_dds(service, summary["cacao_dry_lot"])
    assert cacao.hs_heading == "1801" and dds_errors(cacao.parts[0].request_xml()) == []


def test_large_lots_are_split_across_statements(
    demo: tuple[dict[str, Any], LedgerService],
) -> None:
    summary, service = demo
    lot = summary["coffee_export_lot"]
    plan = build_dds(service, lot, DdsOptions(max_producers=7))
    assert [len(p.statement.producers) for p in plan.parts] == [7, 7, 6]
    assert [p.statement.internal_reference for p in plan.parts] == [
        f"{lot}-{k}of3" for k in (1, 2, 3)
    ]
    total = sum(Decimal(p.statement.net_weight_kg) for p in plan.parts)
    assert total == Decimal(plan.net_weight_kg)
    ids = [i for p in plan.parts for i in p.plot_ids]
    assert len(ids) == len(set(ids)) == 20
    for part in plan.parts:
        assert dds_errors(part.request_xml()) == []
    assert [w.code for w in plan.warnings] == ["dds_split"]

    by_bytes = build_dds(service, lot, DdsOptions(max_bytes=2000))
    sizes = [s["geolocation_bytes"] for s in by_bytes.summary()["statements"]]
    assert len(sizes) > 1 and all(size <= 2000 for size in sizes)
    with pytest.raises(ExportError, match="at most 100 bytes of geolocation per producer"):
        build_dds(service, lot, DdsOptions(max_bytes=100))


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        (DdsOptions(country_of_activity="MX"), "country_of_activity", "EU country code"),
        (DdsOptions(hs_heading="1801"), "hs_heading", "0901 for coffee"),
        (DdsOptions(activity_type="TRADE"), "activity_type", "IMPORT, EXPORT, DOMESTIC"),
        (DdsOptions(represented_name="X", represented_eori="12"), "represented_eori", "EORI"),
        (DdsOptions(represented_name="X"), "represented_eori", "both"),
        (DdsOptions(supplementary_units="3"), "supplementary_qualifier", "qualifier"),
        (
            DdsOptions(supplementary_units="1.1234567", supplementary_qualifier="NAR"),
            "supplementary_units",
            "6 decimals",
        ),  # fmt: skip
        (DdsOptions(grouped=("not a reference!",)), "grouped", "reference numbers"),
        (DdsOptions(description="x" * 151), "description", "1 to 150"),
    ],
)
def test_bad_options_are_refused_naming_the_option(
    demo: tuple[dict[str, Any], LedgerService], options: DdsOptions, field: str, words: str
) -> None:
    summary, service = demo
    with pytest.raises(ExportError, match=words) as err:
        build_dds(service, summary["coffee_export_lot"], options)
    assert err.value.field == field


def test_honey_and_unknown_lots(demo: tuple[dict[str, Any], LedgerService]) -> None:
    summary, service = demo
    with pytest.raises(ExportError, match="honey, not an EUDR commodity") as err:
        build_dds(service, summary["honey_drums_lot"])
    assert err.value.field == "lot_id"
    with pytest.raises(EntryNotFoundError):
        build_dds(service, "no-such-lot")


def _dds_body(lot_id: str, **over: Any) -> dict[str, Any]:
    body = {
        "lot_id": lot_id,
        "dds_uuid": UUID,
        "internal_reference": lot_id,
        "status": "SUBMITTED",
        "request_sha256": hashlib.sha256(b"request").hexdigest(),
        "plots": 1,
    }
    return {**body, **over}


def test_downstream_statements_name_the_upstream_ones(service: LedgerService) -> None:
    w = SupplyWorld(service.store, service.registry, ("coop-a",))
    w.producer("coop-a", "p1")
    geometry, _area = polygon_at(0)
    w.plot("coop-a", "pl-1", "p1", geometry=geometry)
    w.harvest("coop-a", "h1", {"pl-1": 100})
    w.submit("coop-a", "eudr.dds_recorded", _dds_body("h1"))
    w.submit("coop-a", "eudr.dds_recorded", _dds_body(
        "h1", status="AVAILABLE", reference_number="26DE7XTVCZAQ2S",
        verification_number="SFFCB4Y3"))  # fmt: skip
    with pytest.raises(DomainRuleError, match="already has reference_number"):
        w.submit("coop-a", "eudr.dds_recorded", _dds_body("h1", reference_number="26XX0000000000"))
    w.transform("coop-a", "t1", "split", [("h1", 100)], [("h1-a", 60), ("h1-b", 40)])
    plan = build_dds(service, "h1-a")
    [part] = plan.parts
    assert list(part.statement.grouped) == ["26DE7XTVCZAQ2S"]
    assert dds_errors(part.request_xml()) == []
    own = build_dds(service, "h1")  # the lot's own statement is not its upstream
    assert list(own.parts[0].statement.grouped) == []


def test_the_envelope_carries_a_password_digest_and_the_client_id() -> None:
    credentials = WsCredentials("ws-user", "s3cr3t-auth-key", "eudr-test")
    nonce = bytes(range(16))
    moment = datetime(2026, 5, 20, 9, 55, 1, 123000, tzinfo=UTC)
    body = submit_request(build_statement_for_envelope())
    document = envelope(body, credentials, now=moment, nonce=nonce)
    assert b"s3cr3t-auth-key" not in document
    assert "s3cr3t" not in repr(credentials)
    root = ET.fromstring(document)
    token = root.find(f".//{{{WSSE}}}UsernameToken")
    assert token is not None
    created = token.findtext(f"{{{WSU}}}Created")
    assert created == "2026-05-20T09:55:01.123Z"
    assert token.findtext(f"{{{WSSE}}}Username") == "ws-user"
    assert token.findtext(f"{{{WSSE}}}Nonce") == base64.b64encode(nonce).decode()
    expected = base64.b64encode(
        hashlib.sha1(nonce + b"2026-05-20T09:55:01.123Z" + b"s3cr3t-auth-key").digest()
    ).decode()
    password = token.find(f"{{{WSSE}}}Password")
    assert password is not None and password.text == expected
    assert password.get("Type", "").endswith("#PasswordDigest")
    assert root.findtext(f".//{{{WSU}}}Expires") == "2026-05-20T09:56:01.123Z"
    assert root.findtext(".//{http://ec.europa.eu/sanco/tracesnt/base/v4}WebServiceClientId") == (
        "eudr-test"
    )
    payload = root.find(f"{{{SOAP}}}Body")
    assert payload is not None and dds_errors(payload[0]) == []


def build_statement_for_envelope() -> StatementXml:
    """A small valid statement (the Commission's Type I example) for the envelope test."""
    geojson = (
        ORACLES / "examples" / "geojson" / "typeI-single-producer_OperatorAPIRef-9.4.1.geojson"
    )
    return StatementXml(
        internal_reference="env-test", activity_type="IMPORT", country_of_activity="BE",
        border_cross_country="BE", comment=None, description="Green coffee",
        net_weight_kg="69", supplementary_unit=None, supplementary_unit_qualifier=None,
        hs_heading="0901", scientific_name=None, common_name=None,
        producers=[ProducerXml("BR", None, geojson.read_bytes())], confidential=False,
        grouped=(),
    )  # fmt: skip
