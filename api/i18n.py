"""Every string the web pages show, in Spanish and English: one catalog, two languages.

Pages never hold literal text: templates call ``t("key", name=value)`` and the view code calls
:func:`translate`. Both languages must define exactly the same keys with the same
``{placeholders}`` (a test checks it), so a page can never fall back to the other language or
to a raw key. Values from the ledger that name a closed vocabulary (products, lot forms,
package units, lot statuses, export formats) are translated through :func:`term`, which
shows the ledger's own word for a value the catalog does not know yet, instead of failing.

Texts that come with their own translations stay where they are: eligibility reasons
(``verifiers.eligibility``), criterion titles (the standards) and label verdict messages
(``labels.verify``) carry ``es``/``en`` themselves.

Left out: choosing the language (``api.web.negotiation``) and plural rules beyond the simple
one/many split our sentences need.
"""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal
from typing import Final

__all__ = [
    "CATALOG",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "mx_date",
    "mx_kg",
    "mx_number",
    "placeholders",
    "term",
    "translate",
]

LANGUAGES: Final = ("es", "en")
DEFAULT_LANGUAGE: Final = "es"

_ES: dict[str, str] = {
    # ----------------------------------------------------------------- every page
    "site.name": "Biotraza",
    "site.tagline": "Trazabilidad verificable de café, miel y cacao amigables con la biodiversidad",
    "lang.switch": "English",
    "lang.switch_title": "Ver esta página en inglés",
    "footer.ledger": "Consultado en el registro público de Biotraza ({size} entradas).",
    "footer.offline": "Cualquier etiqueta también se verifica sin conexión: biotraza label verify.",
    "nav.home": "Inicio",
    "nav.api": "API para aplicaciones",
    # ----------------------------------------------------------------- resolver: verdict
    "resolver.title": "Verificación de etiqueta",
    "paid.title": "Lo que se pagó a los productores",
    "paid.figure": "$ {paid} MXN por kg de {form}",
    "paid.reference": (
        "Precio de referencia de la asociación: $ {reference} MXN por kg ({percent} % de la "
        "referencia; fuente: {source})."
    ),
    "paid.basis": (
        "Calculado de la bitácora: {purchases} compras firmadas por la asociación, {kg} kg de "
        "{producers} productores en el origen de este lote (descuentos restados y premios "
        "sumados). La asociación eligió mostrarlo."
    ),
    "verdict.genuine": "Etiqueta auténtica",
    "verdict.genuine_untrusted": "Firma auténtica, sitio no oficial",
    "verdict.revoked": "Etiqueta revocada",
    "verdict.not_genuine": "Etiqueta no auténtica",
    "verdict.label": "Resultado de la verificación",
    "verdict.checked_label": "Etiqueta verificada",
    # ----------------------------------------------------------------- scans
    "scans.count": (
        "Esta etiqueta se ha escaneado desde {devices} {device_word} en los últimos {days} "
        "días, en {places} {place_word}."
    ),
    "scans.what": (
        "Cada teléfono o navegador cuenta una vez, aunque recargue la página; no se cuentan "
        "vistas previas de enlaces ni robots."
    ),
    "scans.warning_title": "Atención: posible copia de la etiqueta",
    "scans.warning": (
        "Esta etiqueta se ha escaneado desde {devices} dispositivos distintos en los últimos "
        "{days} días y en {places} lugares; la etiqueta de un {unit} auténtico normalmente la "
        "escanean unas pocas personas. Si la compró, pida al vendedor el comprobante de origen."
    ),
    "scans.device_one": "dispositivo",
    "scans.device_many": "dispositivos distintos",
    "scans.place_one": "lugar",
    "scans.place_many": "lugares distintos",
    # ----------------------------------------------------------------- product and lot
    "section.product": "Producto",
    "field.product": "Producto",
    "field.form": "Presentación",
    "field.lot_number": "Número de lote",
    "field.lot_id": "Lote en el registro",
    "field.gtin": "GTIN (código de barras)",
    "field.serial": "Número de serie",
    "field.quantity": "Cantidad",
    "field.remaining": "En existencia",
    "field.package": "Envase",
    "field.units": "Unidades etiquetadas",
    "field.issued_on": "Etiqueta emitida el",
    "field.status": "Estado",
    "field.custodian": "En custodia de",
    "field.created_by": "Creado por",
    "package.text": "{count} {units} de {unit_kg} kg",
    "quantity.kg": "{kg} kg",
    # ----------------------------------------------------------------- origin
    "section.origin": "Quién lo produjo y dónde",
    "field.association": "Organización productora",
    "field.landscape": "Paisaje",
    "field.region": "Región",
    "region.text": "{municipality}, {state}",
    "field.harvest": "Cosecha",
    "harvest.range": "del {start} al {end}",
    # ----------------------------------------------------------------- certification
    "section.certification": "Norma y certificación",
    "field.standard": "Norma",
    "standard.text": "{title} ({id}, versión {version})",
    "field.certifier": "Certificador",
    "field.verification": "Verificación",
    "verification.text": "{id}: vigente del {start} al {end}",
    "certification.none": "No hay una verificación vigente que cubra este producto.",
    "section.eudr": "Declaración de diligencia debida (EUDR)",
    "eudr.intro": "Números del Sistema de Información de la UE para el Reglamento (UE) "
    "2023/1115 sobre productos libres de deforestación.",
    "field.dds_reference": "Número de referencia",
    "field.dds_verification": "Número de verificación",
    "field.dds_status": "Estado",
    "eudr.pending": "en trámite",
    "eudr.of_lot": "del lote {lot}",
    "section.practices": "Prácticas verificadas",
    "practices.intro": "Criterios que el certificador comprobó (✓ cumplido, ✗ no cumplido):",
    "practices.failed": "no cumplido en {failed} de {total} {subject_word}",
    "practices.none": "No hay prácticas verificadas que mostrar.",
    "practices.subjects": "en {count} {subject_word}",
    "practices.subject_one": "sitio o lote",
    "practices.subject_many": "sitios o lotes",
    # ----------------------------------------------------------------- lineage
    "section.lineage": "De dónde viene",
    "lineage.summary": (
        "{lots} lotes anteriores, {plots} parcelas, {apiaries} apiarios y {producers} productores."
    ),
    "lineage.item": "{lot}: {product}, {form}, {kg} kg",
    "lineage.more": "… y {count} lotes más.",
    "lineage.picture": "Diagrama del linaje del lote",
    # ----------------------------------------------------------------- proof
    "section.proof": "Prueba en el registro",
    "proof.issuance": "La emisión de esta etiqueta es la entrada n.º {seq} del registro.",
    "proof.created": "La creación de este lote es la entrada n.º {seq} del registro.",
    "proof.link": "Prueba de inclusión en el árbol de Merkle (JSON)",
    "proof.lot_link": "Página completa del lote",
    # ----------------------------------------------------------------- credentials
    "credential.title": "Verificar una constancia de producción",
    "credential.intro": (
        "Suba o pegue la constancia de producción y entregas (archivo JSON) que le dio el "
        "productor, o escanee el código QR de la constancia impresa."
    ),
    "credential.check": "Verificar una constancia",
    "credential.check_another": "Verificar otra constancia",
    "credential.upload": "Archivo de la constancia (JSON)",
    "credential.paste": "O pegue aquí su contenido",
    "credential.submit": "Verificar",
    "credential.offline": (
        "También se verifica sin conexión: biotraza credential verify ARCHIVO. "
        "Nada de lo que envía se guarda."
    ),
    "credential.valid": "Constancia válida",
    "credential.valid_text": (
        "Firmada por {issuer}; sus {entries} entradas están en el registro, y la asociación "
        "no la ha revocado."
    ),
    "credential.revoked": "Constancia revocada",
    "credential.revoked_text": "{issuer} revocó esta constancia: ya no la respalda.",
    "credential.invalid": "Constancia no válida",
    "credential.invalid_text": (
        "La constancia no se pudo verificar: fue modificada, está incompleta o no es de este "
        "registro."
    ),
    "credential.facts": "Lo que dice la constancia",
    "credential.producer": "Productor(a)",
    "credential.signers": "Firmada por",
    "credential.signer.association": "La asociación {name} ({id})",
    "credential.signer.certifier": (
        "Cofirmada por el certificador {name} ({id}), acreditado en la bitácora"
    ),
    "credential.issued": "Emitida el",
    "credential.sites": "Parcelas y apiarios (sin coordenadas)",
    "credential.deliveries": "Entregas por temporada",
    "credential.delivery": "{season}: {product} {form}, {kg} kg en {count} entregas",
    "credential.certification": "{standard}, {certifier}, vigencia del {start} al {end}",
    "credential.result_pass": "cumple",
    "credential.result_fail": "no cumple",
    "credential.status_active": "vigente",
    "credential.status_revoked": "revocada",
    "credential.payments": "Compras y pagos por temporada",
    "credential.payment": (
        "{season}: comprado $ {purchased}, pagado $ {paid}, anticipos $ {advanced} (MXN)"
    ),
    "credential.none": "Ninguno.",
    "credential.log": "Calculada del registro {origin} en su punto de control de {size} entradas.",
    "credential.privacy": (
        "Sin coordenadas de parcelas; el nombre aparece solo si el productor lo consintió."
    ),
    # ----------------------------------------------------------------- credential PDF
    "credential_pdf.title": "Constancia de producción y entregas",
    "credential_pdf.issuer": "Emitida por: {name} ({id})",
    "credential_pdf.producer": "Productor(a): {name}clave {id}",
    "credential_pdf.community": "Comunidad: {community}",
    "credential_pdf.member_since": " · socio(a) desde {day}",
    "credential_pdf.issued": "Fecha de emisión: {day}",
    "credential_pdf.hives": "{count} colmenas",
    "credential_pdf.sites_head": "Clave|Cultivo|Superficie|Paisaje",
    "credential_pdf.seasons_head": "Temporada|Producto|Forma|Cantidad|Entregas",
    "credential_pdf.money": "Compras y pagos por temporada (MXN)",
    "credential_pdf.money_head": "Temporada|Comprado|Pagado|Anticipos",
    "credential_pdf.certification": "Certificación",
    "credential_pdf.certification_head": "Estándar|Certificador|Resultado|Vigencia|Estado",
    "credential_pdf.validity": "{start} a {end}",
    "credential_pdf.none": "(ninguno)",
    "credential_pdf.more": "... y {count} más (ver la constancia digital)",
    "credential_pdf.signed_on": "{who}, llave {kid}, firmó el {day}",
    "credential_pdf.log": (
        "Calculada de la bitácora {origin} en su punto de control firmado de {size} entradas; "
        "cada cifra remite a entradas con prueba de inclusión."
    ),
    "credential_pdf.privacy": (
        "Sin coordenadas de parcelas. El nombre aparece solo con el consentimiento del productor."
    ),
    "credential_pdf.id": "Identificador: {id}",
    "credential_pdf.verify": "Verifique escaneando el código QR o en {url}",
    "credential_pdf.offline": "o sin conexión con: biotraza credential verify ARCHIVO",
    # ----------------------------------------------------------------- lot page
    "lot.title": "Lote {lot}",
    "lot.eligible": "Elegible para el sello amigable con la biodiversidad",
    "lot.not_eligible": "No elegible para el sello amigable con la biodiversidad",
    "lot.reasons": "Motivos",
    "lot.not_found": "No hay ningún lote {lot} en el registro.",
    "section.exports": "Descargas para auditoría",
    "exports.intro": "El rastro completo del lote, verificable sin conexión:",
    "section.verifications": "Verificaciones que respaldan el lote",
    # ----------------------------------------------------------------- index
    "index.title": "Lotes en existencia",
    "index.intro": (
        "Lotes registrados y todavía disponibles. Abra uno para ver su origen, su elegibilidad "
        "para el sello y las pruebas que lo respaldan."
    ),
    "index.packed": "Listos para exportar",
    "index.other": "Otros lotes en existencia",
    "index.empty": "Todavía no hay lotes en existencia.",
    "index.eligible": "elegible",
    "index.not_eligible": "no elegible",
    # ----------------------------------------------------------------- programme dashboard
    "programme.title": "Indicadores del programa",
    "programme.intro": (
        "Cifras calculadas del registro al {as_of}, sobre el punto de control firmado de "
        "{size} entradas, por paisaje, producto y temporada."
    ),
    "programme.privacy": (
        "Para proteger a las personas, ninguna cifra de personas se muestra si reúne a menos "
        "de {min}."
    ),
    "programme.empty": "Todavía no hay parcelas, apiarios ni lotes registrados.",
    "programme.chart": "Indicadores de {landscape}",
    "programme.ha_label": "Hectáreas con verificación vigente aprobada",
    "programme.kg_label": "Kilos enviados de lotes elegibles",
    "programme.sales_label": "Valor de ventas de lotes elegibles ({currency})",
    "programme.paid": "Pagado a productores (de lo comprado; primas)",
    "programme.of": "{part} de {whole} {unit}",
    "programme.producers": "Productores alcanzados",
    "programme.plots": "Parcelas verificadas / registradas",
    "programme.labels": "Etiquetas emitidas",
    "programme.lots": "Lotes elegibles / enviados",
    "programme.women": "Mujeres",
    "programme.youth": "Jóvenes (hasta 29 años)",
    "programme.indigenous": "Hablantes de lengua indígena",
    "programme.trained": "Productores capacitados",
    "programme.suppressed": "menos de 5 (oculto)",
    "programme.verify": (
        "Un donante verifica estas cifras sin conexión: biotraza indicators verify."
    ),
    "programme.pdf_verified": (
        "Informe verificado sin conexión: firma del punto de control, {size} entradas "
        "vueltas a admitir, raíz Merkle y cada cifra recalculada."
    ),
    "programme.pdf_people": (
        "Las cifras de mujeres, jóvenes y hablantes de lengua indígena no salen del registro: "
        "vienen de datos personales con consentimiento y las atestigua con su firma el "
        "operador del programa."
    ),
    "programme.pdf_origin": "Registro {origin}, punto de control de {size} entradas.",
    "programme.pdf_page": "Página {page}",
    "programme.no_checkpoint": (
        "Las cifras aparecerán cuando el operador del registro firme un punto de control "
        "(en unos segundos)."
    ),
    # ----------------------------------------------------------------- errors
    "error.title": "Página no encontrada",
    "error.back": "Volver al inicio",
    # ------------------------------------------------ the buyer's origin story (label page)
    "origin.title": "Origen",
    "origin.people": "Productoras y productores",
    "origin.people_count": "{count} familias productoras",
    "origin.area": "Superficie",
    "origin.area_text": "{ha} ha en {plots} parcelas",
    "origin.hives": "Colmenas",
    "origin.hives_text": "{hives} colmenas en {apiaries} apiarios",
    "origin.season": "Temporada de cosecha",
    "origin.season_text": "{season} (del {start} al {end})",
    "origin.sketch_title": "Croquis del origen",
    "origin.sketch_desc": (
        "Cada punto agrupa las parcelas o apiarios de un cuadro de unos {km} km; "
        "sin mapa ni coordenadas."
    ),
    "origin.sketch_note": (
        "Cada punto reúne las parcelas o apiarios de un cuadro de unos {km} km: muestra la "
        "zona, no la ubicación de ninguna finca."
    ),
    "origin.cell_plots": "{ha} ha · parcelas: {plots}",
    "origin.cell_apiaries": "{hives} colmenas · apiarios: {apiaries}",
    "origin.scale": "≈ {km} km",
    "origin.north": "Norte",
    "journey.title": "Su recorrido",
    "journey.harvest": "Cosecha",
    "journey.process": "Transformación",
    "journey.split": "División",
    "journey.blend": "Mezcla",
    "journey.pack": "Envasado",
    "journey.line": "{product}, {form}: {kg} kg en {lots} lotes",
    "journey.line_one": "{product}, {form}: {kg} kg",
    "journey.by": "{organization} · {start} – {end}",
    "label.details": "Detalles técnicos de la etiqueta",
    "label.footer": (
        "Esta página consultó el registro público de Biotraza; la firma de la etiqueta también "
        "se puede comprobar sin conexión."
    ),
    # ------------------------------------------------------------- the buyers' market
    "market.title": "Mercado: lotes a la venta",
    "market.intro": (
        "Lotes en existencia de las organizaciones productoras, con su origen, su certificación "
        "y, cuando la organización lo publica, un precio indicativo. Cada dato se puede "
        "comprobar con el paquete firmado del lote."
    ),
    "market.filter_title": "Revise los filtros",
    "market.filter_unknown": "«{param}» no es un filtro de esta página.",
    "market.filter_repeated": "El filtro «{param}» aparece más de una vez.",
    "market.filter_value": "El valor del filtro «{param}» no es válido.",
    "market.any": "Todos",
    "market.eligible_only": "Solo elegibles para el sello",
    "market.offered_only": "Solo con precio publicado",
    "market.filter": "Filtrar",
    "market.count": "Lotes encontrados: {count}",
    "market.open": "Ver y pedir",
    "market.sheet": "Hoja de oferta (PDF)",
    "market.bundle": "Paquete de rastro firmado (JSON, verificable sin conexión)",
    "market.verifiable": (
        "Los precios son indicativos; lo verificable es el origen, la certificación y la "
        "elegibilidad, firmados en el registro."
    ),
    "market.back": "Volver al mercado",
    "market.thanks_title": "Mensaje enviado",
    "market.thanks": (
        "{association} recibió su interés por {kg} kg. Le responderá por correo. "
        "Referencia: {reference}."
    ),
    "market.thanks_plain": (
        "Recibimos su interés; la organización le responderá por correo. No se publica en el "
        "registro."
    ),
    "market.not_in_stock": "Este lote ya no está en existencia.",
    "market.held_by": "Lo vende",
    "market.verify_title": "Qué puede comprobar",
    "market.verify_intro": (
        "El paquete de rastro contiene las entradas firmadas del lote, sus pruebas de inclusión "
        "y el punto de control firmado: cualquiera lo verifica sin confiar en este servidor."
    ),
    "market.lot_page": "Página técnica del lote (linaje, pruebas, exportaciones)",
    "market.interest_title": "Me interesa este lote",
    "market.interest_privacy": (
        "Sus datos van solo a {association}; no se publican en el registro ni se muestran a "
        "nadie más."
    ),
    "market.err_title": "Revise el formulario",
    "market.form_name": "Nombre",
    "market.form_company": "Empresa (opcional)",
    "market.form_email": "Correo electrónico",
    "market.form_quantity_kg": "Cantidad que busca (kg)",
    "market.form_message": "Mensaje (opcional)",
    "market.send": "Enviar",
    "market.err_required": "es obligatorio",
    "market.err_short": "es demasiado corto",
    "market.err_long": "es demasiado largo",
    "market.err_invalid": "no es válido",
    "market.err_email": "no es una dirección de correo (nombre@dominio.mx)",
    "market.err_quantity_kg": "escriba kilos con hasta 3 decimales, mayor que cero (p. ej. 690)",
    "market.err_limited": (
        "Se enviaron demasiados mensajes desde su conexión, o sobre este lote, en la última "
        "hora; intente más tarde."
    ),
    "market.eligible": "Elegible para el sello",
    "market.not_eligible": "No elegible para el sello",
    "market.no_price": "Sin precio publicado: pregunte a la organización",
    "market.cert_line": "{title} · {certifier} · hasta el {until} ({state})",
    "market.cert_current": "vigente",
    "market.cert_not_current": "vencido",
    "market.price_line": "{currency} {amount} por kg",
    "market.remaining": "{kg} kg disponibles",
    "market.labelled": "{kg} kg ya etiquetados",
    "market.offer_kg": "Ofrece {kg} kg",
    "market.min_order": "Pedido mínimo: {kg} kg",
    "market.offer_until": "Oferta válida hasta el {day}",
    "market.incoterm": "Entrega: {term}",
    "sheet.title": "Hoja de oferta: {product}, {form}",
    "sheet.intro": (
        "Datos del registro público de Biotraza. Escanee el código para ver el lote y "
        "descargar las pruebas."
    ),
    "sheet.lot": "Lote",
    "sheet.validity": "Vigencia",
    "sheet.validity_text": "del {start} al {end} ({state})",
    "sheet.price": "Precio indicativo",
    "sheet.offered": "Cantidad ofrecida",
    "sheet.min_order": "Pedido mínimo",
    "sheet.until": "Oferta válida hasta",
    "sheet.lot_and_origin": "Lote y origen",
    "sheet.price_title": "Oferta",
    "sheet.verify": "Página del lote: {url}",
    "sheet.bundle": "Pruebas verificables sin conexión: {path}",
    "sheet.privacy": "Sin datos personales de productores: solo conteos y superficies.",
    "sheet.more_reasons": "... y {count} motivos más (ver la página del lote).",
}

_EN: dict[str, str] = {
    "site.name": "Biotraza",
    "site.tagline": "Verifiable traceability of biodiversity-friendly coffee, honey and cacao",
    "lang.switch": "Español",
    "lang.switch_title": "See this page in Spanish",
    "footer.ledger": "Looked up in Biotraza's public ledger ({size} entries).",
    "footer.offline": "Any label can also be verified offline: biotraza label verify.",
    "nav.home": "Home",
    "nav.api": "API for apps",
    "resolver.title": "Label check",
    "paid.title": "What producers were paid",
    "paid.figure": "$ {paid} MXN per kg of {form}",
    "paid.reference": (
        "The association's reference price: $ {reference} MXN per kg ({percent} % of the "
        "reference; source: {source})."
    ),
    "paid.basis": (
        "Computed from the log: {purchases} purchases signed by the association, {kg} kg from "
        "{producers} producers in this lot's origin (deductions subtracted, premiums added). "
        "The association chose to show it."
    ),
    "verdict.genuine": "Genuine label",
    "verdict.genuine_untrusted": "Genuine signature, unofficial site",
    "verdict.revoked": "Revoked label",
    "verdict.not_genuine": "Not a genuine label",
    "verdict.label": "Verification result",
    "verdict.checked_label": "Label checked",
    "scans.count": (
        "This label has been scanned from {devices} {device_word} in the last {days} days, "
        "in {places} {place_word}."
    ),
    "scans.what": (
        "Each phone or browser counts once, however often it reloads the page; link previews "
        "and bots are not counted."
    ),
    "scans.warning_title": "Caution: this label may have been copied",
    "scans.warning": (
        "This label has been scanned from {devices} different devices in the last {days} days "
        "and in {places} places; a genuine {unit}'s label is usually scanned by a few people. "
        "If you bought it, ask the seller for proof of origin."
    ),
    "scans.device_one": "device",
    "scans.device_many": "different devices",
    "scans.place_one": "place",
    "scans.place_many": "different places",
    "section.product": "Product",
    "field.product": "Product",
    "field.form": "Form",
    "field.lot_number": "Lot number",
    "field.lot_id": "Ledger lot",
    "field.gtin": "GTIN (barcode)",
    "field.serial": "Serial number",
    "field.quantity": "Quantity",
    "field.remaining": "In stock",
    "field.package": "Packaging",
    "field.units": "Units labelled",
    "field.issued_on": "Label issued on",
    "field.status": "Status",
    "field.custodian": "Held by",
    "field.created_by": "Created by",
    "package.text": "{count} {units} of {unit_kg} kg",
    "quantity.kg": "{kg} kg",
    "section.origin": "Who produced it, and where",
    "field.association": "Producer organization",
    "field.landscape": "Landscape",
    "field.region": "Region",
    "region.text": "{municipality}, {state}",
    "field.harvest": "Harvest",
    "harvest.range": "{start} to {end}",
    "section.certification": "Standard and certification",
    "field.standard": "Standard",
    "standard.text": "{title} ({id}, version {version})",
    "field.certifier": "Certifier",
    "field.verification": "Verification",
    "verification.text": "{id}: valid {start} to {end}",
    "certification.none": "No valid verification covers this product.",
    "section.eudr": "Due diligence statement (EUDR)",
    "eudr.intro": "Numbers from the EU Information System for Regulation (EU) 2023/1115 on "
    "deforestation-free products.",
    "field.dds_reference": "Reference number",
    "field.dds_verification": "Verification number",
    "field.dds_status": "Status",
    "eudr.pending": "being processed",
    "eudr.of_lot": "of lot {lot}",
    "section.practices": "Verified practices",
    "practices.intro": "Criteria the certifier checked (✓ met, ✗ not met):",
    "practices.failed": "not met on {failed} of {total} {subject_word}",
    "practices.none": "No verified practices to show.",
    "practices.subjects": "on {count} {subject_word}",
    "practices.subject_one": "site or lot",
    "practices.subject_many": "sites or lots",
    "section.lineage": "Where it comes from",
    "lineage.summary": (
        "{lots} upstream lots, {plots} plots, {apiaries} apiaries and {producers} producers."
    ),
    "lineage.item": "{lot}: {product}, {form}, {kg} kg",
    "lineage.more": "… and {count} more lots.",
    "lineage.picture": "Diagram of the lot's lineage",
    "section.proof": "Ledger proof",
    "proof.issuance": "This label's issuance is entry no. {seq} of the ledger.",
    "proof.created": "This lot's creation is entry no. {seq} of the ledger.",
    "proof.link": "Merkle tree inclusion proof (JSON)",
    "proof.lot_link": "The lot's full page",
    "credential.title": "Verify a production credential",
    "credential.intro": (
        "Upload or paste the production and delivery credential (JSON file) the producer gave "
        "you, or scan the QR code of the printed credential."
    ),
    "credential.check": "Verify a credential",
    "credential.check_another": "Verify another credential",
    "credential.upload": "Credential file (JSON)",
    "credential.paste": "Or paste its content here",
    "credential.submit": "Verify",
    "credential.offline": (
        "It also verifies offline: biotraza credential verify FILE. Nothing you send is kept."
    ),
    "credential.valid": "Valid credential",
    "credential.valid_text": (
        "Signed by {issuer}; its {entries} entries are in the ledger, and the association has "
        "not revoked it."
    ),
    "credential.revoked": "Revoked credential",
    "credential.revoked_text": "{issuer} revoked this credential: it no longer stands behind it.",
    "credential.invalid": "Invalid credential",
    "credential.invalid_text": (
        "The credential could not be verified: it was changed, is incomplete or is not from "
        "this ledger."
    ),
    "credential.facts": "What the credential says",
    "credential.producer": "Producer",
    "credential.signers": "Signed by",
    "credential.signer.association": "The association {name} ({id})",
    "credential.signer.certifier": (
        "Co-signed by the certifier {name} ({id}), accredited in the log"
    ),
    "credential.issued": "Issued on",
    "credential.sites": "Plots and apiaries (no coordinates)",
    "credential.deliveries": "Deliveries per season",
    "credential.delivery": "{season}: {product} {form}, {kg} kg in {count} deliveries",
    "credential.certification": "{standard}, {certifier}, valid {start} to {end}",
    "credential.result_pass": "pass",
    "credential.result_fail": "fail",
    "credential.status_active": "in force",
    "credential.status_revoked": "revoked",
    "credential.payments": "Purchases and payments per season",
    "credential.payment": (
        "{season}: bought $ {purchased}, paid $ {paid}, advances $ {advanced} (MXN)"
    ),
    "credential.none": "None.",
    "credential.log": "Computed from the ledger {origin} at its checkpoint of {size} entries.",
    "credential.privacy": ("No plot coordinates; the name appears only if the producer consented."),
    "credential_pdf.title": "Certificate of production and deliveries",
    "credential_pdf.issuer": "Issued by: {name} ({id})",
    "credential_pdf.producer": "Producer: {name}id {id}",
    "credential_pdf.community": "Community: {community}",
    "credential_pdf.member_since": " · member since {day}",
    "credential_pdf.issued": "Issued on: {day}",
    "credential_pdf.hives": "{count} hives",
    "credential_pdf.sites_head": "Id|Crop|Area|Landscape",
    "credential_pdf.seasons_head": "Season|Product|Form|Quantity|Deliveries",
    "credential_pdf.money": "Purchases and payments per season (MXN)",
    "credential_pdf.money_head": "Season|Purchased|Paid|Advances",
    "credential_pdf.certification": "Certification",
    "credential_pdf.certification_head": "Standard|Certifier|Result|Validity|Status",
    "credential_pdf.validity": "{start} to {end}",
    "credential_pdf.none": "(none)",
    "credential_pdf.more": "... and {count} more (see the digital certificate)",
    "credential_pdf.signed_on": "{who}, key {kid}, signed on {day}",
    "credential_pdf.log": (
        "Computed from the ledger {origin} at its signed checkpoint of {size} entries; every "
        "figure refers to entries with an inclusion proof."
    ),
    "credential_pdf.privacy": (
        "No plot coordinates. The name appears only with the producer's consent."
    ),
    "credential_pdf.id": "Identifier: {id}",
    "credential_pdf.verify": "Verify by scanning the QR code or at {url}",
    "credential_pdf.offline": "or offline with: biotraza credential verify FILE",
    "lot.title": "Lot {lot}",
    "lot.eligible": "Eligible for the biodiversity-friendly seal",
    "lot.not_eligible": "Not eligible for the biodiversity-friendly seal",
    "lot.reasons": "Reasons",
    "lot.not_found": "There is no lot {lot} in the ledger.",
    "section.exports": "Downloads for auditors",
    "exports.intro": "The lot's whole trail, verifiable offline:",
    "section.verifications": "Verifications behind the lot",
    "index.title": "Lots in stock",
    "index.intro": (
        "Recorded lots that are still available. Open one to see its origin, whether it may "
        "carry the seal, and the proofs behind it."
    ),
    "index.packed": "Ready for export",
    "index.other": "Other lots in stock",
    "index.empty": "No lots in stock yet.",
    "index.eligible": "eligible",
    "index.not_eligible": "not eligible",
    # ----------------------------------------------------------------- programme dashboard
    "programme.title": "Programme indicators",
    "programme.intro": (
        "Figures computed from the ledger as of {as_of}, over the signed checkpoint of "
        "{size} entries, by landscape, product and season."
    ),
    "programme.privacy": (
        "To protect people, no figure about people is shown when it covers fewer than {min}."
    ),
    "programme.empty": "No plots, apiaries or lots are recorded yet.",
    "programme.chart": "Indicators of {landscape}",
    "programme.ha_label": "Hectares with a current passing verification",
    "programme.kg_label": "Kilograms shipped from eligible lots",
    "programme.sales_label": "Value of sales of eligible lots ({currency})",
    "programme.paid": "Paid to producers (of purchases; premiums)",
    "programme.of": "{part} of {whole} {unit}",
    "programme.producers": "Producers reached",
    "programme.plots": "Plots verified / registered",
    "programme.labels": "Labels issued",
    "programme.lots": "Eligible / shipped lots",
    "programme.women": "Women",
    "programme.youth": "Youth (up to 29)",
    "programme.indigenous": "Indigenous-language speakers",
    "programme.trained": "Producers trained",
    "programme.suppressed": "fewer than 5 (hidden)",
    "programme.verify": "A donor verifies these figures offline: biotraza indicators verify.",
    "programme.pdf_verified": (
        "Report verified offline: checkpoint signature, {size} entries admitted again, Merkle "
        "root and every figure recomputed."
    ),
    "programme.pdf_people": (
        "Women, youth and Indigenous-language figures are not derived from the ledger: they "
        "come from consented personal data and the programme operator attests them with its "
        "signature."
    ),
    "programme.pdf_origin": "Ledger {origin}, checkpoint of {size} entries.",
    "programme.pdf_page": "Page {page}",
    "programme.no_checkpoint": (
        "The figures will appear once the log operator signs a checkpoint (within seconds)."
    ),
    "error.title": "Page not found",
    "error.back": "Back to the start",
    # ------------------------------------------------ the buyer's origin story (label page)
    "origin.title": "Origin",
    "origin.people": "Producers",
    "origin.people_count": "{count} producer families",
    "origin.area": "Area",
    "origin.area_text": "{ha} ha on {plots} plots",
    "origin.hives": "Hives",
    "origin.hives_text": "{hives} hives in {apiaries} apiaries",
    "origin.season": "Harvest season",
    "origin.season_text": "{season} ({start} to {end})",
    "origin.sketch_title": "Origin sketch",
    "origin.sketch_desc": (
        "Each dot gathers the plots or apiaries of a square of about {km} km; "
        "no map, no coordinates."
    ),
    "origin.sketch_note": (
        "Each dot gathers the plots or apiaries of a square of about {km} km: it shows the "
        "area, not where any farm is."
    ),
    "origin.cell_plots": "{ha} ha · plots: {plots}",
    "origin.cell_apiaries": "{hives} hives · apiaries: {apiaries}",
    "origin.scale": "≈ {km} km",
    "origin.north": "North",
    "journey.title": "Its journey",
    "journey.harvest": "Harvest",
    "journey.process": "Processing",
    "journey.split": "Split",
    "journey.blend": "Blend",
    "journey.pack": "Packing",
    "journey.line": "{product}, {form}: {kg} kg in {lots} lots",
    "journey.line_one": "{product}, {form}: {kg} kg",
    "journey.by": "{organization} · {start} – {end}",
    "label.details": "Technical details of the label",
    "label.footer": (
        "This page looked up Biotraza's public ledger; the label's signature can also be "
        "checked offline."
    ),
    # ------------------------------------------------------------- the buyers' market
    "market.title": "Market: lots for sale",
    "market.intro": (
        "Lots in stock at producer organizations, with their origin, their certification and, "
        "when the organization publishes one, an indicative price. Every fact can be checked "
        "with the lot's signed bundle."
    ),
    "market.filter_title": "Check the filters",
    "market.filter_unknown": "“{param}” is not a filter of this page.",
    "market.filter_repeated": "The filter “{param}” is given more than once.",
    "market.filter_value": "The value of the filter “{param}” is not valid.",
    "market.any": "Any",
    "market.eligible_only": "Eligible for the seal only",
    "market.offered_only": "With a published price only",
    "market.filter": "Filter",
    "market.count": "Lots found: {count}",
    "market.open": "View and ask",
    "market.sheet": "Offer sheet (PDF)",
    "market.bundle": "Signed trail bundle (JSON, verifiable offline)",
    "market.verifiable": (
        "Prices are indicative; what is verifiable is the origin, the certification and the "
        "eligibility, signed in the ledger."
    ),
    "market.back": "Back to the market",
    "market.thanks_title": "Message sent",
    "market.thanks": (
        "{association} received your interest in {kg} kg and will answer by e-mail. "
        "Reference: {reference}."
    ),
    "market.thanks_plain": (
        "We received your interest; the organization will answer by e-mail. It is not "
        "published on the ledger."
    ),
    "market.not_in_stock": "This lot is no longer in stock.",
    "market.held_by": "Sold by",
    "market.verify_title": "What you can check",
    "market.verify_intro": (
        "The trail bundle holds the lot's signed entries, their inclusion proofs and the signed "
        "checkpoint: anyone verifies it without trusting this server."
    ),
    "market.lot_page": "The lot's technical page (lineage, proofs, exports)",
    "market.interest_title": "I am interested in this lot",
    "market.interest_privacy": (
        "Your details go to {association} only; they are not published on the ledger or shown "
        "to anyone else."
    ),
    "market.err_title": "Check the form",
    "market.form_name": "Name",
    "market.form_company": "Company (optional)",
    "market.form_email": "E-mail",
    "market.form_quantity_kg": "Quantity wanted (kg)",
    "market.form_message": "Message (optional)",
    "market.send": "Send",
    "market.err_required": "is required",
    "market.err_short": "is too short",
    "market.err_long": "is too long",
    "market.err_invalid": "is not valid",
    "market.err_email": "is not an e-mail address (name@domain.com)",
    "market.err_quantity_kg": "write kilograms with up to 3 decimals, more than zero (e.g. 690)",
    "market.err_limited": (
        "Too many messages were sent from your connection, or about this lot, in the last "
        "hour; please try later."
    ),
    "market.eligible": "Eligible for the seal",
    "market.not_eligible": "Not eligible for the seal",
    "market.no_price": "No price published: ask the organization",
    "market.cert_line": "{title} · {certifier} · until {until} ({state})",
    "market.cert_current": "current",
    "market.cert_not_current": "expired",
    "market.price_line": "{currency} {amount} per kg",
    "market.remaining": "{kg} kg available",
    "market.labelled": "{kg} kg already labelled",
    "market.offer_kg": "Offers {kg} kg",
    "market.min_order": "Minimum order: {kg} kg",
    "market.offer_until": "Offer valid until {day}",
    "market.incoterm": "Delivery: {term}",
    "sheet.title": "Offer sheet: {product}, {form}",
    "sheet.intro": (
        "Facts from Biotraza's public ledger. Scan the code to see the lot and download the proofs."
    ),
    "sheet.lot": "Lot",
    "sheet.validity": "Validity",
    "sheet.validity_text": "{start} to {end} ({state})",
    "sheet.price": "Indicative price",
    "sheet.offered": "Quantity offered",
    "sheet.min_order": "Minimum order",
    "sheet.until": "Offer valid until",
    "sheet.lot_and_origin": "Lot and origin",
    "sheet.price_title": "Offer",
    "sheet.verify": "The lot's page: {url}",
    "sheet.bundle": "Proofs verifiable offline: {path}",
    "sheet.privacy": "No producer's personal data: counts and areas only.",
    "sheet.more_reasons": "... and {count} more reasons (see the lot's page).",
}

# Closed vocabularies from the ledger: (kind, value) → (es, en).
_TERMS: dict[tuple[str, str], tuple[str, str]] = {
    ("product", "coffee"): ("café", "coffee"),
    ("product", "honey"): ("miel", "honey"),
    ("product", "cacao"): ("cacao", "cacao"),
    ("form", "cherry"): ("cereza", "cherry"),
    ("form", "parchment"): ("pergamino", "parchment"),
    ("form", "green"): ("café verde (oro)", "green coffee"),
    ("form", "roasted"): ("tostado", "roasted"),
    ("form", "wet"): ("en baba", "wet beans"),
    ("form", "dry"): ("fermentado y seco", "fermented and dried"),
    ("form", "nibs"): ("nibs", "nibs"),
    ("form", "raw"): ("cruda", "raw"),
    ("form", "filtered"): ("filtrada", "filtered"),
    ("unit", "sack"): ("costal", "sack"),
    ("unit", "drum"): ("tambor", "drum"),
    ("unit", "bag"): ("bolsa", "bag"),
    ("unit", "box"): ("caja", "box"),
    ("unit", "jar"): ("frasco", "jar"),
    ("unit", "bucket"): ("cubeta", "bucket"),
    ("unit", "bale"): ("paca", "bale"),
    ("unit", "item"): ("producto", "product"),
    ("units", "sack"): ("costales", "sacks"),
    ("units", "drum"): ("tambores", "drums"),
    ("units", "bag"): ("bolsas", "bags"),
    ("units", "box"): ("cajas", "boxes"),
    ("units", "jar"): ("frascos", "jars"),
    ("units", "bucket"): ("cubetas", "buckets"),
    ("units", "bale"): ("pacas", "bales"),
    ("status", "active"): ("disponible", "available"),
    ("status", "consumed"): ("usado en otros lotes", "used in other lots"),
    ("status", "in_transit"): ("en tránsito", "in transit"),
    ("dds_status", "SUBMITTED"): ("enviada, en trámite", "submitted, being processed"),
    ("dds_status", "AVAILABLE"): ("disponible", "available"),
    ("dds_status", "REJECTED"): ("rechazada", "rejected"),
    ("dds_status", "WITHDRAWN"): ("retirada", "withdrawn"),
    ("dds_status", "ARCHIVED"): ("archivada", "archived"),
    ("dds_status", "SUSPENDED"): ("suspendida", "suspended"),
    ("dds_status", "UPDATED"): ("modificada", "amended"),
    ("dds_status", "GROUPED"): ("agrupada en otra declaración", "grouped into another statement"),
    ("dds_status", "OBSOLETE"): ("obsoleta", "obsolete"),
    ("export", "bundle"): ("Paquete de rastro firmado (JSON)", "Signed trail bundle (JSON)"),
    ("export", "epcis"): ("Eventos GS1 EPCIS 2.0 (JSON-LD)", "GS1 EPCIS 2.0 events (JSON-LD)"),
    ("export", "csv"): ("Tabla para hojas de cálculo (CSV)", "Spreadsheet table (CSV)"),
    ("export", "eudr-geojson"): (
        "Parcelas de origen para EUDR (GeoJSON)",
        "EUDR origin plots (GeoJSON)",
    ),
    ("export", "svg"): ("Diagrama del linaje (SVG)", "Lineage diagram (SVG)"),
}

CATALOG: dict[str, dict[str, str]] = {"es": _ES, "en": _EN}
"""Language → key → text with ``{placeholders}``."""


def translate(lang: str, key: str, **params: object) -> str:
    """The text of ``key`` in ``lang`` with its placeholders filled.

    Raises:
        KeyError: unknown language or key (a bug in a template, caught by the tests).
    """
    text = CATALOG[lang][key]
    return text.format(**params) if params else text


def term(lang: str, kind: str, value: str | None) -> str:
    """A ledger vocabulary word (``product``, ``form``, ``unit``, ``units``, ``status``,
    ``dds_status``, ``export``) in ``lang``; the ledger's own word when the catalog does not
    know it."""
    if value is None:
        return ""
    pair = _TERMS.get((kind, value))
    if pair is None:
        return value
    return pair[LANGUAGES.index(lang)]


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a catalog text expects (for the completeness test)."""
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def mx_number(value: float | int) -> str:
    """A number as written in Mexico: ``,`` between thousands, ``.`` before decimals."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def mx_money(text: str) -> str:
    """An exact decimal amount (MXN string from the ledger) as written in Mexico, always with
    centavos: ``"3000.5"`` → ``"3,000.50"``. Decimal, never float."""
    return f"{Decimal(text):,.2f}"


def mx_date(day: str) -> str:
    """``YYYY-MM-DD`` as ``dd/mm/aaaa``; anything else unchanged."""
    try:
        return dt.date.fromisoformat(day[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return day


def mx_kg(grams: int) -> str:
    """A mass in grams as kilograms written the Mexican way: ``207,000 g`` → ``207 kg``."""
    return f"{mx_number(grams / 1000)} kg"
