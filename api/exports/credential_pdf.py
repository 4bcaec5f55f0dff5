"""The printable "Constancia de producción y entregas": one A4 page in Spanish with a QR.

A producer without a phone, or a lender's clerk, works from paper. The page shows what the
credential says — association, producer, plots (area and landscape, never coordinates),
deliveries per season, certification — and a QR of the address where the credential can be
verified (the public verifier page, which reads the credential the association stored under
its SHA-256 when printing). The figures on paper are for reading; the proof is the signed
credential the QR leads to, checked by ``biotraza credential verify`` or that page.

Left out: English (the page is for Mexican producers and lenders; the verifier page is
bilingual) and more than one page (long histories are cut with a note to see the file).
"""

from __future__ import annotations

from typing import Any

from api.i18n import mx_date, mx_money, mx_number, term
from labels.printing import draw_qr_pdf
from labels.render import make_qr

__all__ = ["credential_pdf"]

_MAX_ROWS = 8
_RESULT = {"pass": "cumple", "fail": "no cumple"}
_STATUS = {"active": "vigente", "revoked": "revocada"}


def _latin1(text: str) -> str:
    # fpdf2's core fonts are Latin-1: Spanish accents fit; anything else is replaced.
    return text.encode("latin-1", "replace").decode("latin-1")


def _kg(text: str) -> str:
    return mx_number(float(text) if "." in text else int(text))


def _rows(subject: dict[str, Any]) -> dict[str, list[list[str]]]:
    sites = [
        [
            site["id"],
            term("es", "product", site.get("product")),
            f"{mx_number(float(site['areaHa']))} ha"
            if "areaHa" in site
            else f"{site.get('hiveCount')} colmenas",
            str(site.get("landscape") or site.get("municipality") or "-"),
        ]
        for site in [*subject.get("plots", []), *subject.get("apiaries", [])]
    ]
    seasons = [
        [
            season["season"],
            term("es", "product", season["product"]),
            term("es", "form", delivery["form"]),
            f"{_kg(delivery['quantityKg'])} kg",
            str(delivery["count"]),
        ]
        for season in subject.get("seasons", [])
        for delivery in season["deliveries"]
    ]
    money = [
        [
            row["season"],
            f"$ {mx_money(row['purchasedMxn'])}",
            f"$ {mx_money(row['paidMxn'])}",
            f"$ {mx_money(row['advancedMxn'])}",
        ]
        for row in subject.get("payments", [])
    ]
    certifications = [
        [
            cert["standard"],
            str(cert["certifier"].get("name") or cert["certifier"]["id"]),
            _RESULT.get(cert["result"], cert["result"]),
            f"{mx_date(cert['validFrom'])} a {mx_date(cert['validUntil'])}",
            _STATUS.get(cert["status"], cert["status"]),
        ]
        for cert in subject.get("certifications", [])
    ]
    return {"sites": sites, "seasons": seasons, "money": money, "certifications": certifications}


def _table(
    pdf: Any, title: str, header: list[str], rows: list[list[str]], widths: list[float]
) -> None:
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 9)
    for text, width in zip(header, widths, strict=True):
        pdf.cell(width, 6, _latin1(text), border="B")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    shown = rows[:_MAX_ROWS] or [["(ninguno)"] + [""] * (len(header) - 1)]
    for row in shown:
        for text, width in zip(row, widths, strict=True):
            pdf.cell(width, 5.5, _latin1(text))
        pdf.ln()
    if len(rows) > _MAX_ROWS:
        pdf.cell(0, 5.5, _latin1(f"... y {len(rows) - _MAX_ROWS} más (ver la constancia digital)"))
        pdf.ln()
    pdf.ln(2)


def credential_pdf(credential: dict[str, Any], verify_url: str) -> bytes:
    """One A4 page in Spanish summarising ``credential``, with a QR of ``verify_url``."""
    # Imported here: fpdf2 (with fontTools) costs every CLI command half a second to import.
    from fpdf import FPDF

    subject = credential["credentialSubject"]
    issuer = credential["issuer"]
    evidence = credential["evidence"][0]
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creator("Biotraza")
    pdf.set_title(_latin1("Constancia de producción y entregas"))
    pdf.add_page()
    pdf.set_margins(15, 15, 15)
    pdf.set_xy(15, 15)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, _latin1("Constancia de producción y entregas"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    name = subject.get("name")
    lines = [
        f"Emitida por: {issuer.get('name')} ({issuer.get('orgId')})",
        f"Productor(a): {name + ', ' if name else ''}clave {subject['producerId']}",
        f"Comunidad: {subject.get('community') or '-'}"
        + (
            f" · socio(a) desde {mx_date(subject['memberSince'])}"
            if subject.get("memberSince")
            else ""
        ),
        f"Fecha de emisión: {mx_date(credential['validFrom'])}",
    ]
    for line in lines:
        pdf.cell(125, 6, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    qr = make_qr(verify_url, error="M")
    draw_qr_pdf(pdf, qr, 150, 12, 45)
    pdf.set_xy(15, 50)
    rows = _rows(subject)
    _table(
        pdf,
        "Parcelas y apiarios",
        ["Clave", "Cultivo", "Superficie", "Paisaje"],
        rows["sites"],
        [35, 35, 35, 75],
    )
    _table(
        pdf,
        "Entregas por temporada",
        ["Temporada", "Producto", "Forma", "Cantidad", "Entregas"],
        rows["seasons"],
        [30, 35, 35, 45, 35],
    )
    _table(
        pdf,
        "Compras y pagos por temporada (MXN)",
        ["Temporada", "Comprado", "Pagado", "Anticipos"],
        rows["money"],
        [30, 50, 50, 50],
    )
    _table(
        pdf,
        "Certificación",
        ["Estándar", "Certificador", "Resultado", "Vigencia", "Estado"],
        rows["certifications"],
        [32, 48, 25, 50, 25],
    )
    pdf.set_font("Helvetica", "", 8)
    notes = [
        f"Calculada de la bitácora {evidence['origin']} en su punto de control firmado de "
        f"{mx_number(evidence['treeSize'])} entradas; cada cifra remite a entradas con prueba "
        "de inclusión.",
        "Sin coordenadas de parcelas. El nombre aparece solo con el consentimiento del productor.",
        f"Identificador: {credential['id']}",
        f"Verifique escaneando el código QR o en {verify_url}",
        "o sin conexión con: biotraza credential verify ARCHIVO",
    ]
    pdf.set_xy(15, 250)
    for note in notes:
        pdf.multi_cell(180, 4, _latin1(note), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
