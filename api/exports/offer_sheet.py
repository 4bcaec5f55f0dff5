"""The offer sheet: one printable A4 page about a lot for sale, in Spanish or English.

What a buyer takes to a meeting or attaches to an e-mail: product and form, the quantity
left, the origin (landscape, association, region, producers, hectares or hives, season),
the standard and certificate with its validity, whether the lot is eligible for the seal
(with the reasons when it is not), the association's price indication, and a QR of the
lot's public market page where every claim links to the signed trail bundle. The figures on
paper are for reading; the proof is the bundle, checked offline.

Drawn with fpdf2's core fonts and the label printer's vector QR
(``labels.printing.draw_qr_pdf``), as the producer's credential sheet is
(``api.exports.credential_pdf``). No producer's identity appears: counts only.

Left out: more than one page (long reason lists are cut with a note to see the page).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from api.exports.a4 import a4_document, latin1
from api.i18n import mx_date, mx_money, mx_number, term, translate
from labels.printing import draw_qr_pdf
from labels.render import make_qr

__all__ = ["offer_sheet_pdf"]

_MAX_REASONS = 6


def _kg(text: str) -> str:
    return mx_number(float(Decimal(text)))


def _rows(entry: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    def t(key: str, **params: object) -> str:
        return translate(lang, key, **params)

    origin = entry["origin"]
    rows = [
        (t("sheet.lot"), entry.get("lot_number") or entry["lot_id"]),
        (t("field.quantity"), t("market.remaining", kg=_kg(entry["remaining_kg"]))),
        (t("field.association"), entry["association"]["name"]),
        (t("field.landscape"), ", ".join(origin["landscapes"]) or "-"),
    ]
    if origin.get("municipality"):
        region = t("region.text", municipality=origin["municipality"],
                   state=origin.get("state_name") or "")  # fmt: skip
        rows.append((t("field.region"), region.rstrip(", ")))
    if origin["producers"]:
        rows.append((t("origin.people"), t("origin.people_count", count=origin["producers"])))
    if origin["plots"]:
        area = t("origin.area_text", ha=_kg(origin["hectares"]), plots=origin["plots"])
        rows.append((t("origin.area"), area))
    if origin["apiaries"]:
        hives = t(
            "origin.hives_text", hives=mx_number(origin["hives"]), apiaries=origin["apiaries"]
        )
        rows.append((t("origin.hives"), hives))
    season = t(
        "origin.season_text",
        season=" · ".join(origin["seasons"]),
        start=mx_date(origin["harvest"]["from"]),
        end=mx_date(origin["harvest"]["to"]),
    )
    rows.append((t("origin.season"), season))
    for cert in entry["certificates"]:
        standard = cert["standard"]
        title = (standard.get("title") or {}).get(lang) or standard.get("id") or "?"
        state = t("market.cert_current" if cert["current"] else "market.cert_not_current")
        rows.append(
            (t("field.standard"),
             f"{title} ({standard.get('id')} v{standard.get('version')})"),
        )  # fmt: skip
        rows.append(
            (t("field.certifier"),
             f"{cert['certifier'].get('name') or cert['certifier']['id']}"),
        )  # fmt: skip
        rows.append(
            (t("sheet.validity"),
             t("sheet.validity_text", start=mx_date(cert.get("valid_from") or ""),
               end=mx_date(cert.get("valid_until") or ""), state=state)),
        )  # fmt: skip
    return rows


def _price_rows(entry: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    offer = entry["offer"]
    if offer is None:
        return [(translate(lang, "sheet.price"), translate(lang, "market.no_price"))]
    rows = []
    for currency in ("mxn", "usd"):
        value = offer.get(f"price_per_kg_{currency}")
        if value:
            rows.append(
                (translate(lang, "sheet.price"),
                 translate(lang, "market.price_line", amount=mx_money(value),
                           currency=currency.upper())),
            )  # fmt: skip
    rows.append((translate(lang, "sheet.offered"),
                 translate(lang, "market.offer_kg", kg=_kg(offer["available_kg"]))))  # fmt: skip
    if offer.get("min_order_kg"):
        rows.append((translate(lang, "sheet.min_order"), f"{_kg(offer['min_order_kg'])} kg"))
    if offer.get("valid_until"):
        rows.append((translate(lang, "sheet.until"), mx_date(offer["valid_until"])))
    if offer.get("incoterm"):
        rows.append(("Incoterm", str(offer["incoterm"])))
    return rows


def _table(pdf: Any, title: str, rows: list[tuple[str, str]]) -> None:
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, latin1(title), new_x="LMARGIN", new_y="NEXT")
    for name, value in rows:
        pdf.set_font("Helvetica", "", 9)
        pdf.cell(45, 5.5, latin1(name))
        pdf.set_font("Helvetica", "B", 9)
        pdf.multi_cell(0, 5.5, latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def offer_sheet_pdf(entry: dict[str, Any], page_url: str, lang: str = "es") -> bytes:
    """One A4 page in ``lang`` about the catalogue ``entry``, with a QR of ``page_url``."""
    product = term(lang, "product", entry["product"]).capitalize()
    title = translate(lang, "sheet.title", product=product, form=term(lang, "form", entry["form"]))
    pdf = a4_document(title, lang)
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(125, 8, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(125, 5, latin1(translate(lang, "sheet.intro")), new_x="LMARGIN", new_y="NEXT")
    draw_qr_pdf(pdf, make_qr(page_url, error="M"), 150, 12, 45)
    pdf.set_xy(15, 60)
    eligible = entry["eligibility"]["eligible"]
    pdf.set_font("Helvetica", "B", 12)
    pdf.set_text_color(*((30, 107, 53) if eligible else (155, 28, 28)))
    verdict = translate(lang, "market.eligible" if eligible else "market.not_eligible")
    pdf.cell(0, 8, latin1(verdict), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("Helvetica", "", 9)
    reasons = [r[f"message_{lang}"] for r in entry["eligibility"]["reasons"]]
    for reason in reasons[:_MAX_REASONS]:
        pdf.multi_cell(180, 4.5, latin1(f"- {reason}"), new_x="LMARGIN", new_y="NEXT")
    if len(reasons) > _MAX_REASONS:
        more = translate(lang, "sheet.more_reasons", count=len(reasons) - _MAX_REASONS)
        pdf.multi_cell(180, 4.5, latin1(more), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _table(pdf, translate(lang, "sheet.lot_and_origin"), _rows(entry, lang))
    _table(pdf, translate(lang, "sheet.price_title"), _price_rows(entry, lang))
    pdf.set_font("Helvetica", "", 8)
    notes = [
        translate(lang, "sheet.verify", url=page_url),
        translate(
            lang, "sheet.bundle", path=page_url.split("/market/")[0] + entry["links"]["bundle"]
        ),
        translate(lang, "sheet.privacy"),
    ]
    pdf.set_xy(15, 262)
    for note in notes:
        pdf.multi_cell(180, 4, latin1(note), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
