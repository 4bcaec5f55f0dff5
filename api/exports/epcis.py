"""GS1 EPCIS 2.0 export of a lot's trail: one ``EPCISDocument`` (JSON-LD), streamed.

Every ledger entry of the trail (``api.exports.trail``) that records something happening to
goods becomes one EPCIS event; the others (registrations, keys, standards, evidence, labels)
are the trust and master data behind those events and are left to the trail bundle.

=====================  =========================================================================
ledger entry           EPCIS event
=====================  =========================================================================
``lot.harvested``      ``ObjectEvent`` ADD, bizStep ``commissioning``, disposition ``active``;
                       ILMD: harvest start/end date, country of origin, origin plots/apiaries
                       with their kilograms, the producer association, product and form
``lot.transformed``    ``TransformationEvent``: input and output lots as quantity lists;
                       bizStep ``creating_class_instance`` for process/split/blend, ``packing``
                       for pack (the packages go in ILMD)
``lot.shipped``        ``ObjectEvent`` OBSERVE, ``shipping``, ``in_transit``; source and
                       destination lists name the owning and possessing parties
``lot.received``       ``ObjectEvent`` OBSERVE, ``receiving``, ``active``; same parties
verifications          ``certificationInfo`` (URIs) on the events of the plots, apiaries and
                       lots they cover, when they passed and were valid on the event's day
EUDR statements        on every event of a lot with a recorded due diligence statement
                       (``eudr.dds_recorded`` with a reference number): a ``bizTransactionList``
                       entry of type ``<base>/btt/eudrDueDiligenceStatement`` whose ID is
                       ``<base>/eudr-dds/<reference number>`` (the GS1 Germany EUDR white paper
                       carries DDS numbers this way, in shipping and transformation events),
                       and ``biotraza:eudrStatements`` with reference and verification numbers
                       and the status (a downstream operator needs both numbers)
=====================  =========================================================================

Identifiers (all URIs, documented in ``docs/epcis.md``):

* A lot with a GTIN and a lot number is the LGTIN class ``https://id.gs1.org/01/<gtin>/10/<lot>``
  (the canonical Digital Link form of ``urn:epc:class:lgtin:…``); any other lot is
  ``https://<origin>/epcis/lot/<lot_id>``, where ``<origin>`` is the log's origin from genesis,
  so the URI is stable for the ledger's life.
* Plots, apiaries and organizations (read points, business locations, parties) are
  ``https://<origin>/epcis/<plot|apiary|org>/<id>``, or the SGLN ``https://id.gs1.org/414/<gln>``
  when the document records a ``gln``.
* Quantities are kilograms (``uom`` ``KGM``) and always positive.
* The ledger records days, not times: an event dated by the entry (harvest end, processing,
  shipping or receiving day) happens at 00:00 of that day in Mexico's central time
  (``-06:00``); otherwise at the statement's UTC timestamp. ``recordTime`` is the statement's.
* Every event's ``eventID`` is its GS1 event hash (``verifiers.epcis.event_hash``).

Left out: ``AggregationEvent`` (the ledger does not identify each sack or drum, so there is no
parent ID to aggregate under; packing is the transformation into a packed lot), captured
partner events (re-exported per capture by ``GET /api/v1/epcis/captures/{id}``), and master
data (``epcisHeader.epcisMasterData``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from api.exports.base import ExportFormat, ExportRequest
from api.exports.trail import Trail, collect_trail, iter_trail_entries
from api.services.ledger import LedgerService
from ledger.entries import Entry
from ledger.state import State
from ledger.supply.common import grams_to_kg
from ledger.supply.conversions import DEFAULT_TABLE, kg_to_grams
from ledger.supply.dds import recorded_statements
from ledger.supply.lots import LOT_KIND
from ledger.supply.transfers import SHIPMENT_KIND
from verifiers.certification import VERIFICATION_KIND, VERIFIES, subject_node
from verifiers.epcis.event_hash import HashContext, event_hash
from verifiers.epcis.uris import ProjectUris
from verifiers.epcis.vocabulary import EPCIS_CONTEXT_URL

__all__ = ["FORMAT", "EventMapper", "ProjectUris", "document_chunks", "export_epcis"]

LOCAL_OFFSET = "-06:00"
"""Chiapas and Oaxaca keep UTC−6 all year (Mexico dropped daylight saving time in 2022)."""
PREFIX = "biotraza"


def _day_time(day: str | None, ts: str) -> tuple[str, str]:
    if day:
        return f"{day}T00:00:00{LOCAL_OFFSET}", LOCAL_OFFSET
    return ts, "+00:00"


def _quantity(uri: str, grams: int) -> dict[str, Any]:
    return {"epcClass": uri, "quantity": grams_to_kg(grams), "uom": "KGM"}


class EventMapper:
    """Ledger entries → EPCIS events, reading lot, shipment and verification documents."""

    def __init__(self, uris: ProjectUris, state: State) -> None:
        self.uris = uris
        self.state = state
        self._lots: dict[str, dict[str, Any] | None] = {}

    def _lot(self, lot_id: str) -> dict[str, Any] | None:
        if lot_id not in self._lots:
            self._lots[lot_id] = self.state.get(LOT_KIND, lot_id)
        return self._lots[lot_id]

    def lot_uri(self, lot_id: str) -> str:
        return self.uris.lot(self._lot(lot_id), lot_id)

    def org_uri(self, org_id: str) -> str:
        return self.uris.place("org", self.state.get("org", org_id), org_id)

    def certifications(self, nodes: Iterable[str], day: str) -> list[str]:
        """URIs of passed verifications covering any of ``nodes`` and valid on ``day``."""
        found: set[str] = set()
        for node in nodes:
            for verification_id in self.state.linked(VERIFIES, node):
                doc = self.state.get(VERIFICATION_KIND, verification_id)
                if doc is None or doc.get("result") != "pass":
                    continue
                revoked_on = doc.get("revoked_on")
                valid = doc["valid_from"] <= day <= doc["valid_until"]
                if valid and (revoked_on is None or revoked_on > day):
                    found.add(self.uris.thing("verification", verification_id))
        return sorted(found)

    def events(self, entry: Entry) -> list[dict[str, Any]]:
        """The EPCIS events one entry stands for (none for entries that move no goods)."""
        statement = entry.statement
        body = statement.body
        handler = {
            "lot.harvested": self._harvest,
            "lot.transformed": self._transform,
            "lot.shipped": self._shipped,
            "lot.received": self._received,
        }.get(statement.type)
        if handler is None:
            return []
        event = handler(body, statement.ts)
        if event is None:
            return []
        self._add_statements(event, statement.type, body)
        event["recordTime"] = statement.ts
        event[f"{PREFIX}:ledgerSeq"] = entry.seq
        event[f"{PREFIX}:entryHash"] = entry.entry_hash.hex()
        return [event]

    def _subject_lots(self, entry_type: str, body: dict[str, Any]) -> list[str]:
        if entry_type == "lot.harvested":
            return [body["lot_id"]]
        if entry_type == "lot.transformed":
            return [output["lot_id"] for output in body["outputs"]]
        if entry_type == "lot.shipped":
            return list(body["lot_ids"])
        shipment = self.state.get(SHIPMENT_KIND, body["shipment_id"]) or {}
        return list(shipment.get("lot_ids", []))

    def _add_statements(self, event: dict[str, Any], entry_type: str, body: dict[str, Any]) -> None:
        """DDS numbers of the event's lots, as business transactions and an extension field."""
        found = [
            doc
            for doc in recorded_statements(self.state, self._subject_lots(entry_type, body))
            if doc.get("reference_number")
        ]
        if not found:
            return
        event.setdefault("bizTransactionList", []).extend(
            {
                "type": f"{self.uris.base}/btt/eudrDueDiligenceStatement",
                "bizTransaction": self.uris.thing("eudr-dds", str(doc["reference_number"])),
            }
            for doc in found
        )
        event[f"{PREFIX}:eudrStatements"] = [
            {
                f"{PREFIX}:lot": self.lot_uri(str(doc["lot_id"])),
                f"{PREFIX}:referenceNumber": doc["reference_number"],
                f"{PREFIX}:verificationNumber": doc.get("verification_number"),
                f"{PREFIX}:status": doc["status"],
            }
            for doc in found
        ]

    def _base(self, kind: str, day: str | None, ts: str) -> dict[str, Any]:
        event_time, offset = _day_time(day, ts)
        return {"type": kind, "eventTime": event_time, "eventTimeZoneOffset": offset}

    def _harvest(self, body: dict[str, Any], ts: str) -> dict[str, Any]:
        lot_id = body["lot_id"]
        lot = self._lot(lot_id) or {}
        org_id = str(lot.get("org_id", ""))
        day = body.get("harvested_to") or body["harvested_from"]
        sites: list[tuple[str, str, Any]] = []
        for origin in body["origins"]:
            kind = "plot" if origin.get("plot_id") else "apiary"
            site_id = origin.get("plot_id") or origin.get("apiary_id")
            sites.append((kind, site_id, origin["quantity_kg"]))
        site_uris = [self.uris.place(kind, None, site_id) for kind, site_id, _kg in sites]
        event = self._base("ObjectEvent", day, ts)
        event.update(
            epcList=[],
            quantityList=[_quantity(self.lot_uri(lot_id), kg_to_grams(body["quantity_kg"]))],
            action="ADD",
            bizStep="commissioning",
            disposition="active",
            readPoint={"id": site_uris[0] if len(site_uris) == 1 else self.org_uri(org_id)},
            bizLocation={"id": self.org_uri(org_id)},
        )
        certified = self.certifications(
            [subject_node(kind, site_id) for kind, site_id, _kg in sites]
            + [subject_node("lot", lot_id)],
            day,
        )
        if certified:
            event["certificationInfo"] = certified
        event["ilmd"] = {
            "cbvmda:harvestStartDate": body["harvested_from"],
            "cbvmda:harvestEndDate": day,
            "cbvmda:countryOfOrigin": "MX",
            f"{PREFIX}:product": lot.get("product", ""),
            f"{PREFIX}:form": body["form"],
            f"{PREFIX}:producerAssociation": self.org_uri(org_id),
            f"{PREFIX}:originSites": [
                {f"{PREFIX}:site": uri, f"{PREFIX}:quantityKg": kg}
                for uri, (_kind, _id, kg) in zip(site_uris, sites, strict=True)
            ],
        }
        return event

    def _transform(self, body: dict[str, Any], ts: str) -> dict[str, Any]:
        outputs = body["outputs"]
        first_out = self._lot(outputs[0]["lot_id"]) or {}
        org_id = str(first_out.get("org_id", ""))
        day = body.get("performed_on")
        event = self._base("TransformationEvent", day, ts)
        event.update(
            inputQuantityList=[
                _quantity(self.lot_uri(i["lot_id"]), kg_to_grams(i["quantity_kg"]))
                for i in body["inputs"]
            ],
            outputQuantityList=[
                _quantity(self.lot_uri(o["lot_id"]), kg_to_grams(o["quantity_kg"])) for o in outputs
            ],
            transformationID=self.uris.thing("transformation", body["transformation_id"]),
            bizStep="packing" if body["kind"] == "pack" else "creating_class_instance",
            disposition="active",
            readPoint={"id": self.org_uri(org_id)},
            bizLocation={"id": self.org_uri(org_id)},
        )
        certified = self.certifications(
            [subject_node("lot", o["lot_id"]) for o in outputs], day or ts[:10]
        )
        if certified:
            event["certificationInfo"] = certified
        ilmd: dict[str, Any] = {
            f"{PREFIX}:transformationKind": body["kind"],
            f"{PREFIX}:product": first_out.get("product", ""),
            f"{PREFIX}:form": first_out.get("form", ""),
            f"{PREFIX}:conversionTable": body.get("conversion_table") or DEFAULT_TABLE.version,
        }
        packages = [
            {
                f"{PREFIX}:lot": self.lot_uri(o["lot_id"]),
                f"{PREFIX}:unit": o["package"]["unit"],
                f"{PREFIX}:count": o["package"]["count"],
                f"{PREFIX}:unitKg": o["package"]["unit_kg"],
            }
            for o in outputs
            if o.get("package")
        ]
        if packages:
            ilmd[f"{PREFIX}:packages"] = packages
        event["ilmd"] = ilmd
        return event

    def _parties(self, from_org: str, to_org: str) -> dict[str, Any]:
        source, destination = self.org_uri(from_org), self.org_uri(to_org)
        return {
            "sourceList": [
                {"type": "owning_party", "source": source},
                {"type": "possessing_party", "source": source},
            ],
            "destinationList": [
                {"type": "owning_party", "destination": destination},
                {"type": "possessing_party", "destination": destination},
            ],
        }

    def _moved(self, lot_ids: list[str]) -> list[dict[str, Any]]:
        return [
            _quantity(self.lot_uri(lot_id), int((self._lot(lot_id) or {})["quantity_g"]))
            for lot_id in lot_ids
            if self._lot(lot_id)
        ]

    def _shipped(self, body: dict[str, Any], ts: str) -> dict[str, Any]:
        shipment = self.state.get(SHIPMENT_KIND, body["shipment_id"]) or {}
        from_org = str(shipment.get("from_org", ""))
        event = self._base("ObjectEvent", body.get("shipped_on"), ts)
        event.update(
            epcList=[],
            quantityList=self._moved(body["lot_ids"]),
            action="OBSERVE",
            bizStep="shipping",
            disposition="in_transit",
            readPoint={"id": self.org_uri(from_org)},
            **self._parties(from_org, body["to_org"]),
        )
        if body.get("document_ref"):
            event[f"{PREFIX}:documentRef"] = body["document_ref"]
        event[f"{PREFIX}:shipment"] = self.uris.thing("shipment", body["shipment_id"])
        return event

    def _received(self, body: dict[str, Any], ts: str) -> dict[str, Any] | None:
        shipment = self.state.get(SHIPMENT_KIND, body["shipment_id"])
        if shipment is None:
            return None
        to_org = str(shipment["to_org"])
        event = self._base("ObjectEvent", body.get("received_on"), ts)
        event.update(
            epcList=[],
            quantityList=self._moved(list(shipment["lot_ids"])),
            action="OBSERVE",
            bizStep="receiving",
            disposition="active",
            readPoint={"id": self.org_uri(to_org)},
            bizLocation={"id": self.org_uri(to_org)},
            **self._parties(str(shipment["from_org"]), to_org),
        )
        event[f"{PREFIX}:shipment"] = self.uris.thing("shipment", body["shipment_id"])
        return event


def document_context(uris: ProjectUris) -> list[Any]:
    """The ``@context`` of exported documents: the EPCIS 2.0.0 context plus our prefix."""
    return [EPCIS_CONTEXT_URL, {PREFIX: uris.namespace}]


def _with_event_id(event: dict[str, Any], ctx: HashContext) -> dict[str, Any]:
    # eventID is not part of its own hash, so it can be computed from the event without it.
    return {"type": event["type"], "eventID": event_hash(event, ctx), **event}


def document_chunks(
    events: Iterable[dict[str, Any]], context: list[Any], created: str
) -> Iterator[bytes]:
    """Write an EPCISDocument around ``events`` as they come, one chunk per event.

    Each event gets its ``eventID`` (the event hash under ``context``) on the way out.
    """
    head = {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created,
    }
    opening = json.dumps(head, ensure_ascii=False)[:-1] + ', "epcisBody": {"eventList": ['
    yield opening.encode("utf-8")
    ctx = HashContext.from_context(context)
    for index, event in enumerate(events):
        text = json.dumps(_with_event_id(event, ctx), ensure_ascii=False)
        yield (("," if index else "") + "\n" + text).encode("utf-8")
    yield b"\n]}}\n"


def export_epcis(service: LedgerService, request: ExportRequest) -> Iterator[bytes]:
    """Validate (unknown lot → 404), then stream the lot's trail as an EPCIS document."""
    trail = collect_trail(service, request.lot_id)
    uris = ProjectUris(service.log_info().origin)
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return _stream(service, trail, uris, created, request)


def _stream(
    service: LedgerService, trail: Trail, uris: ProjectUris, created: str, request: ExportRequest
) -> Iterator[bytes]:
    total = len(trail)
    request.report(0, total)

    def events() -> Iterator[dict[str, Any]]:
        with service.store.read_state() as state:
            mapper = EventMapper(uris, state)
            for done, entry in enumerate(iter_trail_entries(service, trail), start=1):
                yield from mapper.events(entry)
                if done % 100 == 0 or done == total:
                    request.report(done, total)

    yield from document_chunks(events(), document_context(uris), created)


FORMAT = ExportFormat(
    name="epcis",
    media_type="application/ld+json",
    suffix=".jsonld",
    description="GS1 EPCIS 2.0 JSON-LD document; eventIDs are GS1 event hashes",
    export=export_epcis,
)
