"""Catalogue entries in a buyer's language: the lines a market card and the offer page show.

Numbers and dates the Mexican way (``1,234.5``, ``30/11/2026``), money with centavos, the
product and form in words, certificates with whether they are current today, the price
indication or a plain "no price published". Nothing here reads the ledger.

Left out: the data (``api.services.market``), the pages (``api.market.routes``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from api.i18n import mx_date, mx_money, mx_number, term, translate

__all__ = ["card", "choices", "kg"]


def kg(text: str) -> str:
    """Exact kilograms (a decimal string) as Mexican digits: ``"6831.25"`` → ``6,831.25``."""
    return mx_number(float(Decimal(text)))


def _certificate(cert: dict[str, Any], lang: str) -> str:
    standard = cert["standard"]
    title = (standard.get("title") or {}).get(lang) or standard.get("id") or "?"
    state = "market.cert_current" if cert["current"] else "market.cert_not_current"
    return translate(
        lang,
        "market.cert_line",
        title=title,
        certifier=cert["certifier"].get("name") or cert["certifier"]["id"],
        until=mx_date(cert.get("valid_until") or ""),
        state=translate(lang, state),
    )


def _price(offer: dict[str, Any] | None, lang: str) -> list[str]:
    if offer is None:
        return []
    found = []
    for currency in ("mxn", "usd"):
        value = offer.get(f"price_per_kg_{currency}")
        if value:
            found.append(
                translate(
                    lang, "market.price_line", amount=mx_money(value), currency=currency.upper()
                )
            )
    return found


def card(entry: dict[str, Any], lang: str) -> dict[str, Any]:
    """One catalogue entry as display lines in ``lang``."""
    origin = entry["origin"]
    offer = entry["offer"]
    product = term(lang, "product", entry["product"]).capitalize()
    facts: list[tuple[str, str]] = [
        (translate(lang, "field.association"), entry["association"]["name"]),
    ]
    if entry["custodian"]["org_id"] != entry["association"]["org_id"]:
        facts.append((translate(lang, "market.held_by"), entry["custodian"]["name"]))
    if origin["landscapes"]:
        facts.append((translate(lang, "field.landscape"), ", ".join(origin["landscapes"])))
    season = " · ".join(origin["seasons"])
    facts.append((translate(lang, "origin.season"), season))
    if origin["plots"]:
        facts.append(
            (translate(lang, "origin.area"),
             translate(lang, "origin.area_text", ha=kg(origin["hectares"]), plots=origin["plots"]))
        )  # fmt: skip
    if origin["apiaries"]:
        facts.append(
            (translate(lang, "origin.hives"),
             translate(lang, "origin.hives_text", hives=mx_number(origin["hives"]),
                       apiaries=origin["apiaries"]))
        )  # fmt: skip
    if origin["producers"]:
        facts.append(
            (translate(lang, "origin.people"),
             translate(lang, "origin.people_count", count=mx_number(origin["producers"])))
        )  # fmt: skip
    quantity = translate(lang, "market.remaining", kg=kg(entry["remaining_kg"]))
    if Decimal(entry["labelled_kg"]) > 0:
        quantity += " · " + translate(lang, "market.labelled", kg=kg(entry["labelled_kg"]))
    facts.append((translate(lang, "field.quantity"), quantity))
    if entry.get("package"):
        package = entry["package"]
        word = term(lang, "units" if package["count"] != 1 else "unit", package["unit"])
        facts.append(
            (translate(lang, "field.package"),
             translate(lang, "package.text", count=package["count"], units=word,
                       unit_kg=package["unit_kg"]))
        )  # fmt: skip
    certificates = [_certificate(c, lang) for c in entry["certificates"]]
    offer_lines: list[str] = []
    if offer is not None:
        offer_lines.append(translate(lang, "market.offer_kg", kg=kg(offer["available_kg"])))
        if offer.get("min_order_kg"):
            offer_lines.append(translate(lang, "market.min_order", kg=kg(offer["min_order_kg"])))
        if offer.get("valid_until"):
            offer_lines.append(
                translate(lang, "market.offer_until", day=mx_date(offer["valid_until"]))
            )
        if offer.get("incoterm"):
            offer_lines.append(translate(lang, "market.incoterm", term=offer["incoterm"]))
    return {
        "lot_id": entry["lot_id"],
        "title": f"{product}, {term(lang, 'form', entry['form'])}",
        "lot_number": entry.get("lot_number"),
        "eligible": entry["eligibility"]["eligible"],
        "reasons": [r[f"message_{lang}"] for r in entry["eligibility"]["reasons"]],
        "facts": facts,
        "certificates": certificates,
        "prices": _price(offer, lang),
        "offer": offer_lines,
        "links": entry["links"],
    }


def choices(entries: list[dict[str, Any]], lang: str) -> dict[str, list[tuple[str, str]]]:
    """The values each filter of the page can take, from the whole catalogue: (value, label)."""
    products = sorted({e["product"] for e in entries})
    landscapes = sorted({name for e in entries for name in e["origin"]["landscapes"]})
    associations = sorted({(e["association"]["org_id"], e["association"]["name"]) for e in entries})
    standards = sorted(
        {c["standard"]["id"] for e in entries for c in e["certificates"] if c["standard"]["id"]}
    )
    return {
        "product": [(p, term(lang, "product", p).capitalize()) for p in products],
        "landscape": [(name, name) for name in landscapes],
        "association": associations,
        "standard": [(s, s) for s in standards],
    }
