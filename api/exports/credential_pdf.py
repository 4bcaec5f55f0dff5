"""The printable "Constancia de producción y entregas": one A4 page, Spanish or English, with a QR.

A producer without a phone, or a lender's clerk, works from paper. The page shows what the
credential says — association, producer, plots (area and landscape, never coordinates),
deliveries per season, certification — who signed it (the association and any certifier
that co-signed it: a lender trusts a constancia a certifier vouches for more than one the
association alone signed, so the paper must say so) and a QR of the address where the
credential can be verified (the public verifier page, which reads the credential the
association stored under its SHA-256 when printing). The figures on paper are for reading;
the proof is the signed credential the QR leads to, checked by ``biotraza credential
verify`` or that page. The signers printed are the verified ones (``CredentialVerdict``),
never read from the proofs unchecked.

Left out: more than one page (long histories are cut with a note to see the file).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.exports.a4 import a4_document, latin1
from api.i18n import mx_date, mx_money, mx_number, term, translate
from labels.printing import draw_qr_pdf
from labels.render import make_qr

__all__ = ["credential_pdf"]

_MAX_ROWS = 8


def _kg(text: str) -> str:
    return mx_number(float(text) if "." in text else int(text))


def _rows(subject: dict[str, Any], lang: str) -> dict[str, list[list[str]]]:
    sites = [
        [
            site["id"],
            term(lang, "product", site.get("product")),
            f"{mx_number(float(site['areaHa']))} ha"
            if "areaHa" in site
            else translate(lang, "credential_pdf.hives", count=site.get("hiveCount")),
            str(site.get("landscape") or site.get("municipality") or "-"),
        ]
        for site in [*subject.get("plots", []), *subject.get("apiaries", [])]
    ]
    seasons = [
        [
            season["season"],
            term(lang, "product", season["product"]),
            term(lang, "form", delivery["form"]),
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
            _known(lang, "credential.result_", cert["result"]),
            translate(
                lang,
                "credential_pdf.validity",
                start=mx_date(cert["validFrom"]),
                end=mx_date(cert["validUntil"]),
            ),
            _known(lang, "credential.status_", cert["status"]),
        ]
        for cert in subject.get("certifications", [])
    ]
    return {"sites": sites, "seasons": seasons, "money": money, "certifications": certifications}


def _known(lang: str, prefix: str, value: str) -> str:
    """A result or status word in ``lang``; the credential's own word when unknown."""
    try:
        return translate(lang, prefix + value)
    except KeyError:
        return value


def _signature_lines(signers: Sequence[dict[str, str]], lang: str) -> list[str]:
    """One line per verified signer: the association, then each co-signing certifier."""
    lines = []
    for signer in signers:
        association = signer["role"] == "association"
        who = translate(
            lang,
            "credential.signer.association" if association else "credential.signer.certifier",
            name=signer["name"],
            id=signer.get("org_id") if association else signer.get("certifier_id"),
        )
        day = mx_date(signer.get("created") or "")
        lines.append(
            translate(lang, "credential_pdf.signed_on", who=who, kid=signer["key_id"], day=day)
        )
    return lines


def _table(
    pdf: Any, lang: str, title: str, head: str, rows: list[list[str]], widths: Sequence[float]
) -> None:
    header = translate(lang, head).split("|")
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 9)
    for text, width in zip(header, widths, strict=True):
        pdf.cell(width, 6, latin1(text), border="B")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    none = translate(lang, "credential_pdf.none")
    shown = rows[:_MAX_ROWS] or [[none] + [""] * (len(header) - 1)]
    for row in shown:
        for text, width in zip(row, widths, strict=True):
            pdf.cell(width, 5.5, latin1(text))
        pdf.ln()
    if len(rows) > _MAX_ROWS:
        more = translate(lang, "credential_pdf.more", count=len(rows) - _MAX_ROWS)
        pdf.cell(0, 5.5, latin1(more))
        pdf.ln()
    pdf.ln(2)


def credential_pdf(
    credential: dict[str, Any],
    verify_url: str,
    signers: Sequence[dict[str, str]],
    lang: str = "es",
) -> bytes:
    """One A4 page in ``lang`` (es or en) summarising ``credential``, with its verified
    ``signers`` (``CredentialVerdict.signers``: association first, then co-signing
    certifiers) and a QR of ``verify_url``."""
    subject = credential["credentialSubject"]
    issuer = credential["issuer"]
    evidence = credential["evidence"][0]
    title = translate(lang, "credential_pdf.title")
    pdf = a4_document(title, lang)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    name = subject.get("name")
    since = subject.get("memberSince")
    lines = [
        translate(lang, "credential_pdf.issuer", name=issuer.get("name"), id=issuer.get("orgId")),
        translate(
            lang, "credential_pdf.producer", name=f"{name}, " if name else "",
            id=subject["producerId"],
        ),
        translate(lang, "credential_pdf.community", community=subject.get("community") or "-")
        + (translate(lang, "credential_pdf.member_since", day=mx_date(since)) if since else ""),
        translate(lang, "credential_pdf.issued", day=mx_date(credential["validFrom"])),
    ]  # fmt: skip
    for line in lines:
        pdf.cell(125, 6, latin1(line), new_x="LMARGIN", new_y="NEXT")
    qr = make_qr(verify_url, error="M")
    draw_qr_pdf(pdf, qr, 150, 12, 45)
    pdf.set_xy(15, 50)
    rows = _rows(subject, lang)
    sections = [
        ("credential.sites", "credential_pdf.sites_head", "sites", [35, 35, 35, 75]),
        ("credential.deliveries", "credential_pdf.seasons_head", "seasons", [30, 35, 35, 45, 35]),
        ("credential_pdf.money", "credential_pdf.money_head", "money", [30, 50, 50, 50]),
        ("credential_pdf.certification", "credential_pdf.certification_head", "certifications",
         [32, 48, 25, 50, 25]),
    ]  # fmt: skip
    for title_key, head, key, widths in sections:
        _table(pdf, lang, translate(lang, title_key), head, rows[key], widths)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, latin1(translate(lang, "credential.signers")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for line in _signature_lines(signers, lang):
        pdf.multi_cell(180, 4.5, latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8)
    notes = [
        translate(lang, "credential_pdf.log", origin=evidence["origin"],
                  size=mx_number(evidence["treeSize"])),
        translate(lang, "credential_pdf.privacy"),
        translate(lang, "credential_pdf.id", id=credential["id"]),
        translate(lang, "credential_pdf.verify", url=verify_url),
        translate(lang, "credential_pdf.offline"),
    ]  # fmt: skip
    pdf.set_xy(15, 250)
    for note in notes:
        pdf.multi_cell(180, 4, latin1(note), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
