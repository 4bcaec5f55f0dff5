"""Format ``csv``: one row per trail entry, for spreadsheets (``docs/audit-bundle.md``).

Columns never move (:data:`COLUMNS`), the first row names them, times are the statements'
ISO 8601 UTC timestamps, quantities are kilograms with a dot decimal and at most three
decimals (exact: the ledger counts grams), lists inside a cell are joined with ``;``. Each
row carries the entry hash, so any row can be matched to the bundle and its proof. With the
``bom`` option the file starts with a UTF-8 byte-order mark, which Excel needs to read
accents correctly; without it the file is plain UTF-8. Rows are CRLF-terminated (RFC 4180).

Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``)
is prefixed with an apostrophe, so a body field cannot become a formula (OWASP CSV
injection); numbers are written as numbers.

Left out: which entries (``api.exports.trail``); proofs and signatures (``bundle``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from api.exports.base import ExportFormat, ExportRequest
from api.exports.trail import collect_trail, iter_trail_entries
from api.services.ledger import LedgerService
from ledger.entries import Entry
from ledger.storage.sql.store import SqlState
from ledger.supply.common import grams_to_kg
from ledger.supply.conversions import kg_to_grams
from ledger.supply.lots import LOT_KIND
from verifiers.certification import STANDARD_KIND

__all__ = ["BOM", "COLUMNS", "FORMAT", "export_csv"]

BOM = "\ufeff"
COLUMNS = (
    "seq",
    "time",
    "type",
    "actor_key",
    "actor",
    "lot_ids",
    "input_kg",
    "output_kg",
    "inputs",
    "outputs",
    "product",
    "form",
    "sites",
    "standard",
    "result",
    "details_en",
    "details_es",
    "entry_hash",
)
"""The header row, in order. ``actor`` is the organization, certifier or role of the key."""

_BATCH = 1000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _kg(value: Any) -> str:
    """Kilograms with a dot decimal, exact to the gram."""
    return str(grams_to_kg(kg_to_grams(value)))


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _Lookups:
    """Key, lot and standard documents the rows name, fetched once each per export."""

    def __init__(self, service: LedgerService, lots: list[str]) -> None:
        self.service = service
        self.keys: dict[str, dict[str, Any]] = {}
        self.standards: dict[str, dict[str, Any]] = {}
        with service.store.reading() as cursor:
            self.lots = SqlState(cursor).get_many(LOT_KIND, lots)

    def actor(self, kid: str) -> str:
        if kid not in self.keys:
            self.keys[kid] = self.service.store.state_get("key", kid) or {}
        doc = self.keys[kid]
        scope = doc.get("scope") or {}
        return str(scope.get("org_id") or scope.get("certifier_id") or doc.get("role") or "")

    def standard(self, digest: str) -> str:
        if digest not in self.standards:
            self.standards[digest] = self.service.store.state_get(STANDARD_KIND, digest) or {}
        doc = self.standards[digest]
        return f"{doc['id']}@{doc['version']}" if doc else digest

    def form(self, lot_id: str) -> str:
        return str(self.lots.get(lot_id, {}).get("form") or "")

    def product(self, lot_id: str) -> str:
        return str(self.lots.get(lot_id, {}).get("product") or "")


def _row(entry: Entry, look: _Lookups) -> list[Any]:
    statement = entry.statement
    body: dict[str, Any] = statement.body
    row: dict[str, Any] = {
        "seq": entry.seq,
        "time": statement.ts,
        "type": statement.type,
        "actor_key": statement.actor,
        "actor": look.actor(statement.actor),
        "entry_hash": entry.entry_hash.hex(),
    }
    _describe(statement.type, body, row, look)
    return [_cell(row.get(column, "")) for column in COLUMNS]


def _describe(kind: str, body: dict[str, Any], row: dict[str, Any], look: _Lookups) -> None:
    """Fill the domain columns and the two-language description of one entry."""
    if kind == "lot.harvested":
        origins = [o.get("plot_id") or o.get("apiary_id") for o in body["origins"]]
        day, count = body["harvested_from"], len(origins)
        row.update(
            lot_ids=body["lot_id"],
            output_kg=_kg(body["quantity_kg"]),
            outputs=f"{body['lot_id']}={_kg(body['quantity_kg'])}",
            product=body["product"],
            form=body["form"],
            sites=";".join(origins),
            details_en=f"harvest {day} from {count} site(s)",
            details_es=f"cosecha {day} de {count} sitio(s)",
        )
    elif kind == "lot.transformed":
        ins, outs = body["inputs"], body["outputs"]
        first = ins[0]["lot_id"]
        from_form = look.form(first)
        to_form = outs[0].get("form") or look.form(outs[0]["lot_id"]) or from_form
        name = f"{body['kind']} {body['transformation_id']}"
        name_es = f"{_KIND_ES[body['kind']]} {body['transformation_id']}"
        row.update(
            lot_ids=";".join([*(i["lot_id"] for i in ins), *(o["lot_id"] for o in outs)]),
            input_kg=str(grams_to_kg(sum(kg_to_grams(i["quantity_kg"]) for i in ins))),
            output_kg=str(grams_to_kg(sum(kg_to_grams(o["quantity_kg"]) for o in outs))),
            inputs=";".join(f"{i['lot_id']}={_kg(i['quantity_kg'])}" for i in ins),
            outputs=";".join(f"{o['lot_id']}={_kg(o['quantity_kg'])}" for o in outs),
            product=look.product(first),
            form=f"{from_form}>{to_form}" if from_form != to_form else from_form,
            details_en=f"{name}: {len(ins)} in, {len(outs)} out",
            details_es=f"{name_es}: {len(ins)} entrada(s), {len(outs)} salida(s)",
        )
    elif kind == "lot.shipped":
        row.update(
            lot_ids=";".join(body["lot_ids"]),
            details_en=f"shipment {body['shipment_id']} to {body['to_org']}",
            details_es=f"envío {body['shipment_id']} a {body['to_org']}",
        )
    elif kind == "lot.received":
        row.update(
            details_en=f"shipment {body['shipment_id']} received",
            details_es=f"envío {body['shipment_id']} recibido",
        )
    elif kind == "evidence.recorded":
        subject_kind, day = body["subject_kind"], body["observed_on"]
        subject = f"{subject_kind}:{body['subject_id']}"
        value = body["value"]
        row.update(
            lot_ids=body["subject_id"] if subject_kind == "lot" else "",
            sites=subject if subject_kind in ("plot", "apiary") else "",
            result=";".join(map(str, value)) if isinstance(value, list) else value,
            details_en=f"{body['field']} of {subject} observed {day}",
            details_es=f"{body['field']} de {subject} observado {day}",
        )
    elif kind == "verification.issued":
        scope = body["scope"]
        lots, apiaries = scope.get("lots", []), scope.get("apiaries", [])
        plots = [f"plot:{p}" for p in scope.get("plots", [])]
        window = f"{body['valid_from']}..{body['valid_until']}"
        row.update(
            lot_ids=";".join(lots),
            sites=";".join([*plots, *(f"apiary:{a}" for a in apiaries)]),
            product=";".join(scope["products"]),
            standard=look.standard(body["standard_hash"]),
            result=body["result"],
            details_en=f"verification {body['verification_id']} valid {window}",
            details_es=f"verificación {body['verification_id']} vigente {window}",
        )
    elif kind in ("plot.registered", "apiary.registered"):
        plot = kind == "plot.registered"
        site = f"plot:{body['plot_id']}" if plot else f"apiary:{body['apiary_id']}"
        row.update(
            sites=site,
            product=body.get("product", "honey"),
            details_en=f"{site} of producer {body['producer_id']}",
            details_es=f"{site} del productor {body['producer_id']}",
        )
    elif kind == "standard.published":
        standard = body["standard"]
        row.update(
            standard=f"{standard.get('id')}@{standard.get('version')}",
            details_en="standard published",
            details_es="norma publicada",
        )
    elif kind.startswith("label."):
        row.update(
            lot_ids=body.get("lot_id") or "",
            result=body.get("reason", ""),
            details_en=kind.replace(".", " "),
            details_es=_LABEL_ES.get(kind, kind),
        )
    else:
        keys = ("org_id", "producer_id", "name", "certifier_id", "key_id", "origin")
        name = next((str(body[k]) for k in keys if body.get(k)), "")
        row.update(
            details_en=f"{kind} {name}".strip(),
            details_es=f"{_TYPE_ES.get(kind, kind)} {name}".strip(),
        )


_KIND_ES = {"process": "proceso", "split": "división", "blend": "mezcla", "pack": "empaque"}
_LABEL_ES = {"label.issued": "etiquetas emitidas", "label.revoked": "etiquetas revocadas"}
_TYPE_ES = {
    "ledger.genesis": "génesis del registro",
    "key.added": "llave añadida",
    "key.revoked": "llave revocada",
    "org.registered": "organización registrada",
    "producer.registered": "productor registrado",
    "accreditation.granted": "acreditación otorgada",
    "accreditation.suspended": "acreditación suspendida",
    "accreditation.reinstated": "acreditación restablecida",
    "accreditation.withdrawn": "acreditación retirada",
    "verification.revoked": "verificación revocada",
}


def export_csv(service: LedgerService, request: ExportRequest) -> Iterator[bytes]:
    """Decide the trail now (404 for an unknown lot), then stream the rows.

    Raises:
        EntryNotFoundError: no such lot.
    """
    trail = collect_trail(service, request.lot_id)
    total = len(trail.seqs)
    request.report(0, total)

    def stream() -> Iterator[bytes]:
        look = _Lookups(service, trail.lots)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        prefix = BOM if request.excel_bom else ""
        done = 0
        for entry in iter_trail_entries(service, trail, _BATCH):
            writer.writerow(_row(entry, look))
            done += 1
            if done % _BATCH == 0 or done == total:
                yield (prefix + buffer.getvalue()).encode("utf-8")
                prefix = ""
                buffer.seek(0)
                buffer.truncate()
                request.report(done, total)

    return stream()


FORMAT = ExportFormat(
    name="csv",
    media_type="text/csv; charset=utf-8",
    suffix=".csv",
    description="One row per trail entry (ISO times, kg with a dot decimal); --bom for Excel.",
    export=export_csv,
)
