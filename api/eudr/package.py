"""The DDS package of a lot: everything an exporter files or keeps for one EUDR statement, zipped.

One ZIP per lot (``biotraza eudr package LOT``, ``POST /api/v1/lots/{id}/eudr/package``):

* ``LOT.geojson`` — the validated geolocation file of every accepted origin plot
  (``api.exports.eudr``), and, when the lot needs several statements, ``LOT-kofn.geojson``
  with the plots of each statement (each under the EU system's 25 MB);
* ``LOT-dds.xml`` (or ``LOT-dds-kofn.xml``) — the V3 ``submitDds`` request of each statement
  (``api.eudr.dds``);
* ``LOT-trail.bundle.json`` — the offline-verifiable trail bundle (``api.exports.bundle``);
* ``summary.json`` — statements, plots, refused plots and warnings (es/en);
* ``LEEME-README.txt`` — what is in the package, in Spanish and English.

The deforestation risk report (issue 19 item 4) is **not** in the package: the screen against
forest-cover rasters is not built. The README says so rather than shipping a placeholder.
The plots are collected once for the GeoJSON and the requests; progress is reported per
file written.
"""

from __future__ import annotations

import io
import json
import zipfile

from api.eudr.dds import DdsOptions, DdsPlan, build_dds
from api.exports.base import ExportRequest
from api.exports.bundle import export_bundle
from api.exports.eudr import EudrCollection, collect_eudr
from api.services.ledger import LedgerService

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
- Informe de riesgo de deforestación: NO incluido; la comparación con mapas de cobertura
  forestal aún no está disponible. El riesgo se basa en la evidencia
  deforestation_free_since_2020_12_31 registrada (ver avisos).

EN
- {lot}.geojson: geolocation file of the {plots} accepted origin plots (coordinates
  truncated to 6 decimals, as the EU system stores them).
{split_en}- {dds_files}: V3 submitDds request(s) of the due diligence statement.
- {lot}-trail.bundle.json: signed trail bundle; verify it offline with `biotraza audit verify`.
- summary.json: statements, refused plots ({refused}) and warnings ({warnings}).
- Deforestation risk report: NOT included; the screen against forest-cover maps is not
  available yet. Risk rests on the recorded deforestation_free_since_2020_12_31 evidence
  (see the warnings).
"""


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
) -> bytes:
    """The lot's DDS package as ZIP bytes; refusals are raised before anything is built.

    Raises:
        EntryNotFoundError: no such lot.
        ExportError: honey or another product outside the EUDR, no acceptable plot, an
            option refused (see ``build_dds``), or no checkpoint covering the trail yet.
    """
    options = options or DdsOptions()
    request = request or ExportRequest(lot_id=lot_id)
    collection = collect_eudr(service, lot_id, producer_names=options.producer_names)
    plan = build_dds(service, lot_id, options, collection=collection)
    bundle = export_bundle(service, ExportRequest(lot_id=lot_id))
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
        archive.writestr("summary.json", json.dumps(summary, indent=2, ensure_ascii=False))
        split = len(plan.parts) > 1
        archive.writestr("LEEME-README.txt", _README.format(
            lot=lot_id, plots=len(collection.features), refused=len(collection.refused),
            warnings=len(plan.warnings), dds_files=", ".join(names),
            split_es=f"- {lot_id}-kofn.geojson: las parcelas de cada una de las "
            f"{len(plan.parts)} declaraciones.\n" if split else "",
            split_en=f"- {lot_id}-kofn.geojson: the plots of each of the {len(plan.parts)} "
            "statements.\n" if split else "",
        ))  # fmt: skip
        step()
    for warning in plan.warnings:
        request.warn(f"{warning.message_en}\n  aviso: {warning.message_es}")
    return buffer.getvalue()
