"""A producer's production history, computed from the ledger: the content of the
"Constancia de producción y entregas" (``verifiers.credentials`` signs it).

Everything is read from what the log recorded up to one tree size (a signed checkpoint), so
each figure can be traced to entries a lender can find in the log:

* the producer (pseudonymous id, community, member since) — ``producer.registered``;
* plots with crop, area, municipality and landscape, and apiaries with hive counts —
  ``plot.registered`` / ``apiary.registered``, **never their coordinates**;
* per season, product and form: kilograms delivered and the number of deliveries — the
  ``lot.harvested`` entries whose origins are this producer's plots or apiaries (only the
  producer's share of a harvest with several origins counts);
* per season, MXN bought, paid and advanced — ``purchase.recorded`` / ``payment.recorded``;
* certification status of those plots and apiaries — ``verification.issued`` (and
  ``verification.revoked``) with standard, certifier and validity.

The result names the sequence numbers it summarises, so the credential can carry their
inclusion proofs. Quantities are exact decimal strings of kilograms (grams are integers on
the ledger; no float ever rounds a delivery).

Left out: names and other personal data (the caller adds the name only with consent), the
entries' signatures (the log checked them on admission; inclusion is what a lender checks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ledger.entries import Entry
from ledger.errors import EntryNotFoundError
from ledger.state import State
from ledger.supply.conversions import kg_to_grams
from ledger.supply.lots import LOT_KIND, LOT_ORIGIN, harvest_season
from ledger.supply.orgs import ORG_KIND
from ledger.supply.payments import PAYMENT_KIND, PURCHASE_KIND, mxn
from ledger.supply.producers import PRODUCER_KIND
from ledger.supply.sites import APIARY_KIND, PLOT_KIND, site_key
from verifiers.certification import ACCREDITATION_KIND, VERIFICATION_KIND, VERIFIES, subject_node

__all__ = ["ProductionHistory", "kg_text", "production_history"]


@dataclass
class ProductionHistory:
    """The credential subject (without any name) and the entries it summarises."""

    org_id: str
    subject: dict[str, Any]
    seqs: list[int] = field(default_factory=list)


def kg_text(grams: int) -> str:
    """Exact kilograms as a decimal string: ``2500000`` → ``"2500"``, ``72600`` → ``"72.6"``."""
    whole, frac = divmod(grams, 1000)
    return str(whole) if frac == 0 else f"{whole}.{frac:03d}".rstrip("0")


def _site(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    site: dict[str, Any] = {"id": doc[f"{kind}_id"], "product": doc.get("product", "honey")}
    if kind == PLOT_KIND:
        site["areaHa"] = str(doc["area_ha"])
    else:
        site["hiveCount"] = doc["hive_count"]
    for source, target in (("state", "state"), ("municipality", "municipality")):
        if doc.get(source):
            site[target] = doc[source]
    site["landscape"] = doc.get("landscape")
    return site


def _covered(seq: int | None, tree_size: int) -> bool:
    return seq is not None and seq < tree_size


def production_history(
    state: State, read_entry: Callable[[int], Entry], producer_id: str, tree_size: int
) -> ProductionHistory:
    """Compute a producer's history from the entries ``0 … tree_size - 1``.

    Args:
        state: the projections (read only), used to find the relevant entries.
        read_entry: the entry at a sequence number (harvest origins come from the entry).
        producer_id: the pseudonymous producer id.
        tree_size: the checkpoint's tree size; later entries are left out.

    Raises:
        EntryNotFoundError: no such producer, or registered after the checkpoint.
    """
    producer = state.get(PRODUCER_KIND, producer_id)
    if producer is None or not _covered(producer.get("registered_seq"), tree_size):
        raise EntryNotFoundError(f"no producer {producer_id!r} in the log up to its checkpoint")
    org = state.get(ORG_KIND, producer["org_id"]) or {}
    seqs = {producer["registered_seq"]}
    sites: dict[str, list[dict[str, Any]]] = {PLOT_KIND: [], APIARY_KIND: []}
    for kind in (PLOT_KIND, APIARY_KIND):
        for _key, doc in state.scan(kind):
            if doc.get("producer_id") == producer_id and _covered(
                doc.get("registered_seq"), tree_size
            ):
                sites[kind].append(doc)
                seqs.add(doc["registered_seq"])
    nodes = {
        site_key(kind, doc[f"{kind}_id"]): (kind, doc[f"{kind}_id"])
        for kind, docs in sites.items()
        for doc in docs
    }
    deliveries = _deliveries(state, read_entry, nodes, tree_size, seqs)
    certifications = _certifications(state, nodes, tree_size, seqs)
    money = _money(state, producer_id, tree_size, seqs)
    subject: dict[str, Any] = {
        "type": "Producer",
        "producerId": producer_id,
        "association": {
            "orgId": producer["org_id"],
            "name": org.get("name"),
            "state": org.get("state"),
            "landscape": org.get("landscape"),
        },
        "community": producer.get("community"),
        "memberSince": producer.get("member_since"),
        "plots": sorted((_site(d, PLOT_KIND) for d in sites[PLOT_KIND]), key=lambda s: s["id"]),
        "apiaries": sorted(
            (_site(d, APIARY_KIND) for d in sites[APIARY_KIND]), key=lambda s: s["id"]
        ),
        "seasons": deliveries,
        "payments": money,
        "certifications": certifications,
    }
    return ProductionHistory(org_id=producer["org_id"], subject=subject, seqs=sorted(seqs))


def _deliveries(
    state: State,
    read_entry: Callable[[int], Entry],
    nodes: dict[str, tuple[str, str]],
    tree_size: int,
    seqs: set[int],
) -> list[dict[str, Any]]:
    lots = sorted({lot for node in nodes for lot in state.linked(LOT_ORIGIN, node, reverse=True)})
    tally: dict[tuple[str, str], dict[str, Any]] = {}
    for lot_id in lots:
        lot = state.get(LOT_KIND, lot_id)
        if lot is None or lot.get("created_by") != "harvest":
            continue
        seq = lot["created_seq"]
        if not _covered(seq, tree_size):
            continue
        body = read_entry(seq).statement.body
        grams = sum(
            kg_to_grams(origin["quantity_kg"])
            for origin in body["origins"]
            if site_key(
                PLOT_KIND if origin.get("plot_id") else APIARY_KIND,
                origin.get("plot_id") or origin.get("apiary_id") or "",
            )
            in nodes
        )
        if grams == 0:
            continue
        seqs.add(seq)
        season = harvest_season(body["product"], body["harvested_from"])
        key = (season, body["product"])
        entry = tally.setdefault(
            key, {"season": season, "product": body["product"], "forms": {}, "dates": []}
        )
        form = entry["forms"].setdefault(body["form"], {"grams": 0, "count": 0})
        form["grams"] += grams
        form["count"] += 1
        entry["dates"] += [
            body["harvested_from"],
            body.get("harvested_to") or body["harvested_from"],
        ]
    return [
        {
            "season": item["season"],
            "product": item["product"],
            "firstDelivery": min(item["dates"]),
            "lastDelivery": max(item["dates"]),
            "deliveries": [
                {"form": form, "quantityKg": kg_text(v["grams"]), "count": v["count"]}
                for form, v in sorted(item["forms"].items())
            ],
        }
        for _key, item in sorted(tally.items())
    ]


def _money(state: State, producer_id: str, tree_size: int, seqs: set[int]) -> list[dict[str, Any]]:
    """Per season: MXN bought (purchases), paid (cash, transfer, instalments, offsets) and
    advanced, in exact centavos, from the recorded purchases and payments."""
    seasons: dict[str, dict[str, int]] = {}

    def add(season: str, name: str, cents: int) -> None:
        tally = seasons.setdefault(
            season, {"purchased": 0, "paid": 0, "advanced": 0, "purchases": 0, "payments": 0}
        )
        tally[name] += cents

    for kind in (PURCHASE_KIND, PAYMENT_KIND):
        for _key, doc in state.scan(kind):
            if doc.get("producer_id") != producer_id or not _covered(
                doc.get("recorded_seq"), tree_size
            ):
                continue
            seqs.add(doc["recorded_seq"])
            if kind == PURCHASE_KIND:
                add(doc["season"], "purchased", doc["amount_cents"])
                add(doc["season"], "purchases", 1)
            else:
                add(doc["season"], "advanced" if doc["kind"] == "advance" else "paid",
                    doc["amount_cents"])  # fmt: skip
                add(doc["season"], "payments", 1)
    return [
        {
            "season": season,
            "currency": "MXN",
            "purchasedMxn": mxn(t["purchased"]),
            "paidMxn": mxn(t["paid"]),
            "advancedMxn": mxn(t["advanced"]),
            "purchases": t["purchases"],
            "payments": t["payments"],
        }
        for season, t in sorted(seasons.items())
    ]


def _certifications(
    state: State, nodes: dict[str, tuple[str, str]], tree_size: int, seqs: set[int]
) -> list[dict[str, Any]]:
    found: dict[str, list[str]] = {}
    for kind, site_id in nodes.values():
        for verification_id in state.linked(VERIFIES, subject_node(kind, site_id)):
            found.setdefault(verification_id, []).append(site_id)
    result = []
    for verification_id, subjects in sorted(found.items()):
        doc = state.get(VERIFICATION_KIND, verification_id)
        if doc is None or not _covered(doc.get("issued_seq"), tree_size):
            continue
        seqs.add(doc["issued_seq"])
        revoked = _covered(doc.get("revoked_seq"), tree_size)
        if revoked:
            seqs.add(doc["revoked_seq"])
        certifier = state.get(ACCREDITATION_KIND, doc["certifier_id"]) or {}
        result.append(
            {
                "verificationId": verification_id,
                "standard": f"{doc['standard_id']}@{doc['standard_version']}",
                "standardHash": doc["standard_hash"],
                "certifier": {"id": doc["certifier_id"], "name": certifier.get("name")},
                "result": doc["result"],
                "validFrom": doc["valid_from"],
                "validUntil": doc["valid_until"],
                "status": "revoked" if revoked else "active",
                "subjects": sorted(subjects),
            }
        )
    return result
