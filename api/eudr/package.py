"""The DDS package of a lot: everything an exporter files or keeps for one EUDR statement, zipped.

One ZIP per lot (``biotraza eudr package LOT``, ``POST /api/v1/lots/{id}/eudr/package``):

* ``LOT.geojson`` — the validated geolocation file of every accepted origin plot
  (``api.exports.eudr``), and, when the lot needs several statements, ``LOT-kofn.geojson``
  with the plots of each statement (each under the EU system's 25 MB);
* ``LOT-dds.xml`` (or ``LOT-dds-kofn.xml``) — the V3 ``submitDds`` request of each statement
  (``api.eudr.dds``);
* ``LOT-trail.bundle.json`` — the offline-verifiable trail bundle (``api.exports.bundle``);
* ``summary.json`` — statements, plots, refused plots and warnings (es/en);
* when forest maps are given (``--baseline``/``--loss``; the API's ``forest_layers``), the
  deforestation risk report (``api.eudr.screen``): ``LOT-deforestation.json``,
  ``LOT-riesgo-deforestacion.txt`` (es) and ``LOT-deforestation-risk.txt`` (en);
* ``LEEME-README.txt`` — what is in the package, in Spanish and English; without maps it
  says the risk report is not included rather than shipping a placeholder.

The plots are collected once for the GeoJSON, the requests and the screen; progress is
reported per file written and, during the screen, per plot.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from api.eudr.dds import DdsOptions, DdsPlan, build_dds
from api.eudr.screen import ScreenFiles, screen_collection
from api.exports.base import ExportRequest
from api.exports.bundle import export_bundle
from api.exports.eudr import EudrCollection, collect_eudr
from api.services.ledger import LedgerService
from verifiers.deforestation.report import render_text

__all__ = ["MEDIA_TYPE", "build_package"]

MEDIA_TYPE = "application/zip"

_README = """\
Paquete EUDR del lote {lot} / EUDR package of lot {lot}

ES
- {lot}.geojson: archivo de geolocalización de las {plots} parcelas de origen aceptadas
  (coordenadas truncadas a 6 decimales, como las guarda el sistema de la UE).
{split_es}- {dds_files}: solicitud(es) submitDds V3 de la declaración de diligencia debida.
- {lot}-trail.bundle.json: paquete de rastro firmado; se verifica sin conexión con
  `biotraza audit verify`.
- summary.json: declaraciones, parcelas rechazadas ({refused}) y avisos ({warnings}).
{risk_es}

EN
- {lot}.geojson: geolocation file of the {plots} accepted origin plots (coordinates
  truncated to 6 decimals, as the EU system stores them).
{split_en}- {dds_files}: V3 submitDds request(s) of the due diligence statement.
- {lot}-trail.bundle.json: signed trail bundle; verify it offline with `biotraza audit verify`.
- summary.json: statements, refused plots ({refused}) and warnings ({warnings}).
{risk_en}
"""

_NO_RISK_ES = """\
- Informe de riesgo de deforestación: NO incluido; no se indicaron mapas forestales
  (`biotraza eudr package LOTE --baseline GFC2020.tif --loss ...`). El riesgo se basa en
  la evidencia deforestation_free_since_2020_12_31 registrada (ver avisos)."""
_NO_RISK_EN = """\
- Deforestation risk report: NOT included; no forest maps were given
  (`biotraza eudr package LOT --baseline GFC2020.tif --loss ...`). Risk rests on the recorded
  deforestation_free_since_2020_12_31 evidence (see the warnings)."""
_RISK_ES = """\
- {lot}-deforestation.json, {lot}-riesgo-deforestacion.txt: informe de riesgo de
  deforestación contra {layers}; {attention} de {plots} parcelas requieren atención."""
_RISK_EN = """\
- {lot}-deforestation.json, {lot}-deforestation-risk.txt: deforestation risk report against
  {layers}; {attention} of {plots} plots need attention."""


def _part_geojson(collection: EudrCollection, plot_ids: list[str]) -> bytes:
    wanted = set(plot_ids)
    part = EudrCollection(
        collection.lot_id,
        collection.product,
        [f for f in collection.features if f.plot_id in wanted],
        [],
        [],
    )
    return b"".join(part.chunks())


def _risk_text(found: str, absent: str, lot_id: str, risk: dict[str, Any] | None) -> str:
    if risk is None:
        return absent
    layers = ", ".join(layer["name"] for layer in risk["layers"])
    return found.format(lot=lot_id, layers=layers, attention=risk["needs_attention"],
                        plots=risk["plots"])  # fmt: skip


def _names(lot_id: str, plan: DdsPlan) -> list[str]:
    count = len(plan.parts)
    if count == 1:
        return [f"{lot_id}-dds.xml"]
    return [f"{lot_id}-dds-{k}of{count}.xml" for k in range(1, count + 1)]


def build_package(
    service: LedgerService,
    lot_id: str,
    options: DdsOptions | None = None,
    request: ExportRequest | None = None,
    forest: ScreenFiles | None = None,
    *,
    forest_field_prefix: str = "",
) -> bytes:
    """The lot's DDS package as ZIP bytes; refusals are raised before anything is built.

    ``forest`` adds the deforestation risk report; a layer that cannot be used is refused
    (its field is ``forest_field_prefix`` + ``baseline``/``loss``/``loss_mask``).

    Raises:
        EntryNotFoundError: no such lot.
        ExportError: honey or another product outside the EUDR, no acceptable plot, an
            option refused (see ``build_dds``), a forest layer unusable, or no checkpoint
            covering the trail yet.
    """
    options = options or DdsOptions()
    request = request or ExportRequest(lot_id=lot_id)
    collection = collect_eudr(service, lot_id, producer_names=options.producer_names)
    plan = build_dds(service, lot_id, options, collection=collection)
    bundle = export_bundle(service, ExportRequest(lot_id=lot_id))
    risk = None
    if forest is not None:
        risk = screen_collection(collection, forest, request, field_prefix=forest_field_prefix)
    steps = 3 + 2 * len(plan.parts)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        request.report(done, steps)

    summary = plan.summary()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{lot_id}.geojson", b"".join(collection.chunks()))
        step()
        names = _names(lot_id, plan)
        for index, (part, name) in enumerate(zip(plan.parts, names, strict=True), start=1):
            if len(plan.parts) > 1:
                geo_name = f"{lot_id}-{index}of{len(plan.parts)}.geojson"
                archive.writestr(geo_name, _part_geojson(collection, part.plot_ids))
            step()
            archive.writestr(name, part.request_xml())
            step()
        with archive.open(f"{lot_id}-trail.bundle.json", "w") as handle:
            for chunk in bundle:
                handle.write(chunk)
        step()
        if risk is not None:
            summary["deforestation"] = {
                key: risk[key] for key in ("plots", "screened", "needs_attention", "status_counts")
            }
            archive.writestr(
                f"{lot_id}-deforestation.json", json.dumps(risk, indent=2, ensure_ascii=False)
            )
            archive.writestr(f"{lot_id}-riesgo-deforestacion.txt", render_text(risk, "es"))
            archive.writestr(f"{lot_id}-deforestation-risk.txt", render_text(risk, "en"))
        archive.writestr("summary.json", json.dumps(summary, indent=2, ensure_ascii=False))
        split = len(plan.parts) > 1
        archive.writestr("LEEME-README.txt", _README.format(
            lot=lot_id, plots=len(collection.features), refused=len(collection.refused),
            warnings=len(plan.warnings), dds_files=", ".join(names),
            split_es=f"- {lot_id}-kofn.geojson: las parcelas de cada una de las "
            f"{len(plan.parts)} declaraciones.\n" if split else "",
            split_en=f"- {lot_id}-kofn.geojson: the plots of each of the {len(plan.parts)} "
            "statements.\n" if split else "",
            risk_es=_risk_text(_RISK_ES, _NO_RISK_ES, lot_id, risk),
            risk_en=_risk_text(_RISK_EN, _NO_RISK_EN, lot_id, risk),
        ))  # fmt: skip
        step()
    for warning in plan.warnings:
        request.warn(f"{warning.message_en}\n  aviso: {warning.message_es}")
    return buffer.getvalue()
