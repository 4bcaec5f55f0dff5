"""Where a lot comes from, told for a buyer: landscape, association, people, area, season,
a coarse origin sketch and the journey from harvest to the lot — with no farm locatable.

One language-neutral, JSON-ready summary per lot, read from the lot's upstream lineage
(``ledger.supply.lineage.upstream``) and the documents of its plots, apiaries, lots,
transformations and organizations. The label page, the market catalogue and the offer sheet
all tell the origin from this one summary, so they cannot disagree.

Privacy: no coordinate leaves this module. Each plot (its polygon's centroid, or its point)
and each apiary is snapped to a cell of a :data:`GRID_DEGREES` grid (about 5.5 km), and the
cells are numbered *relative to the sketch's own corner*: the summary holds cell offsets,
hectares and counts, never a latitude or longitude, never a plot's shape. A 5 km square
around rural Chiapas holds many farms; an offset from an unnamed corner holds none.
Producers are counted, never named.

Left out: drawing the sketch (``api.web.origin_sketch``) and the words (``api.i18n``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from decimal import Decimal
from typing import Any

from api.services.ledger import LedgerService
from ledger.errors import EntryNotFoundError
from ledger.state import State
from ledger.supply.geo import centroid
from ledger.supply.lineage import upstream
from ledger.supply.lots import LOT_KIND, TRANSFORMATION_KIND, harvest_season
from ledger.supply.orgs import ORG_KIND
from ledger.supply.sites import APIARY_KIND, PLOT_KIND

__all__ = ["GRID_DEGREES", "MAX_CELLS", "origin_summary", "origin_from_state"]

GRID_DEGREES = 0.05
"""Sketch cell size in degrees of latitude and longitude (≈ 5.5 km × 5.4 km at 15° N)."""

MAX_CELLS = 24
"""Cells across the sketch at most; a wider spread is drawn on a coarser grid."""


def _decimal(value: Decimal) -> str:
    """An exact decimal without exponent or trailing zeros: ``6300.0`` → ``"6300"``."""
    text = format(value.normalize(), "f")
    return text if text not in ("-0", "") else "0"


def _cell_of(lon: float, lat: float, size: float) -> tuple[int, int]:
    return math.floor(lon / size), math.floor(lat / size)


def _sites(state: State, plots: list[str], apiaries: list[str]) -> list[dict[str, Any]]:
    """One record per site: kind, (lon, lat) for snapping only, hectares or hives, landscape."""
    found: list[dict[str, Any]] = []
    for plot in state.get_many(PLOT_KIND, plots).values():
        lon, lat = centroid(plot["geometry"])
        found.append(
            {"kind": "plot", "lon": lon, "lat": lat, "ha": Decimal(str(plot["area_ha"])),
             "hives": 0, "landscape": plot.get("landscape"), "org_id": plot.get("org_id")}
        )  # fmt: skip
    for apiary in state.get_many(APIARY_KIND, apiaries).values():
        lon, lat = apiary["location"]["coordinates"][:2]
        found.append(
            {"kind": "apiary", "lon": float(lon), "lat": float(lat), "ha": Decimal(0),
             "hives": int(apiary.get("hive_count", 0)), "landscape": apiary.get("landscape"),
             "org_id": apiary.get("org_id")}
        )  # fmt: skip
    return found


def _sketch(sites: list[dict[str, Any]]) -> dict[str, Any]:
    """The sites on a coarse grid, as offsets from the grid's south-west cell.

    The grid doubles until the spread fits :data:`MAX_CELLS` cells across, so an
    association spread over a whole state still gets a readable sketch, coarser.
    """
    if not sites:
        return {"cell_km": 0, "columns": 0, "rows": 0, "cells": []}
    size = GRID_DEGREES
    while True:
        snapped = [_cell_of(s["lon"], s["lat"], size) for s in sites]
        xs, ys = [c[0] for c in snapped], [c[1] for c in snapped]
        if max(xs) - min(xs) < MAX_CELLS and max(ys) - min(ys) < MAX_CELLS:
            break
        size *= 2
    cells: dict[tuple[int, int], dict[str, Any]] = {}
    for site, (cx, cy) in zip(sites, snapped, strict=True):
        key = (cx - min(xs), max(ys) - cy)  # column from the west, row from the north
        cell = cells.setdefault(key, {"x": key[0], "y": key[1], "plots": 0, "apiaries": 0,
                                      "ha": Decimal(0), "hives": 0})  # fmt: skip
        cell["plots" if site["kind"] == "plot" else "apiaries"] += 1
        cell["ha"] += site["ha"]
        cell["hives"] += site["hives"]
    middle = (max(ys) + min(ys) + 1) / 2 * size
    return {
        # A cell's east-west width at the sketch's latitude, in whole km (for the scale).
        "cell_km": round(size * 111.32 * math.cos(math.radians(middle))),
        "columns": max(xs) - min(xs) + 1,
        "rows": max(ys) - min(ys) + 1,
        "cells": [{**c, "ha": _decimal(c["ha"])} for _k, c in sorted(cells.items())],
    }


_STEP = {"harvest": 0, "process": 1, "split": 2, "blend": 2, "pack": 3}


def _journey(
    state: State, root: str, lots: list[str], edges: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """The lots grouped into steps, from the harvests to ``root``: one step per depth (the
    longest path from the lot asked about), its kind (harvest, process, split, blend, pack),
    and per product/form/organization the number of lots and kilograms."""
    inputs: dict[str, list[str]] = defaultdict(list)
    for out, src in edges:
        inputs[out].append(src)
    depth: dict[str, int] = {root: 0}
    order = [root]
    for lot in order:  # breadth-first; a longer path raises the depth
        for src in inputs.get(lot, []):
            if depth.get(src, -1) < depth[lot] + 1:
                depth[src] = depth[lot] + 1
                order.append(src)
    docs = state.get_many(LOT_KIND, lots)
    made_by = {d["created_by"] for d in docs.values() if d["created_by"] != "harvest"}
    made = state.get_many(TRANSFORMATION_KIND, sorted(made_by))
    kinds = {key: value.get("kind", "process") for key, value in made.items()}
    orgs = {d["org_id"] for d in docs.values()}
    names = {k: v.get("name", k) for k, v in state.get_many(ORG_KIND, sorted(orgs)).items()}
    steps: dict[int, dict[tuple[str, str, str, str], dict[str, Any]]] = defaultdict(dict)
    for lot_id, doc in docs.items():
        kind = (
            "harvest" if doc["created_by"] == "harvest" else kinds.get(doc["created_by"], "process")
        )
        key = (kind, doc["product"], doc["form"], doc["org_id"])
        group = steps[depth.get(lot_id, 0)].setdefault(
            key,
            {"kind": kind, "product": doc["product"], "form": doc["form"],
             "organization": names.get(doc["org_id"], doc["org_id"]), "lots": 0, "grams": 0,
             "from": doc["harvest"]["from"], "to": doc["harvest"]["to"]},
        )  # fmt: skip
        group["lots"] += 1
        group["grams"] += int(doc["quantity_g"])
        group["from"] = min(group["from"], doc["harvest"]["from"])
        group["to"] = max(group["to"], doc["harvest"]["to"])
    journey = []
    for level in sorted(steps, reverse=True):
        for group in sorted(steps[level].values(), key=lambda g: (_STEP[g["kind"]], g["form"])):
            grams = group.pop("grams")
            journey.append({**group, "kg": _decimal(Decimal(grams) / 1000)})
    return journey


def origin_from_state(state: State, lot_id: str) -> dict[str, Any]:
    """:func:`origin_summary` over an open ``state`` (for callers already reading one).

    Raises:
        EntryNotFoundError: no such lot.
    """
    doc = state.get(LOT_KIND, lot_id)
    if doc is None:
        raise EntryNotFoundError(f"no lot {lot_id!r}")
    graph = upstream(state, lot_id)
    sites = _sites(state, graph.plots, graph.apiaries)
    org = state.get(ORG_KIND, doc["org_id"]) or {}
    site_orgs = sorted({s["org_id"] for s in sites if s["org_id"]})
    producing = state.get_many(ORG_KIND, site_orgs)
    landscapes = sorted(
        {s["landscape"] for s in sites if s["landscape"]}
        | {o["landscape"] for o in producing.values() if o.get("landscape")}
    ) or ([org["landscape"]] if org.get("landscape") else [])
    harvest = doc["harvest"]
    seasons = sorted(
        {harvest_season(doc["product"], harvest["from"]),
         harvest_season(doc["product"], harvest["to"])}
    )  # fmt: skip
    hectares = sum((s["ha"] for s in sites if s["kind"] == "plot"), Decimal(0))
    return {
        "lot_id": lot_id,
        "product": doc["product"],
        "form": doc["form"],
        "association": {"org_id": doc["org_id"], "name": org.get("name", doc["org_id"])},
        "producing_organizations": [
            producing[o].get("name", o) for o in site_orgs if o in producing
        ],
        "landscapes": landscapes,
        "municipality": org.get("municipality"),
        "state_name": org.get("state_name"),
        "producers": len(graph.producers),
        "plots": sum(1 for s in sites if s["kind"] == "plot"),
        "hectares": _decimal(hectares),
        "apiaries": sum(1 for s in sites if s["kind"] == "apiary"),
        "hives": sum(s["hives"] for s in sites),
        "harvest": {"from": harvest["from"], "to": harvest["to"]},
        "seasons": seasons,
        "sketch": _sketch(sites),
        "journey": _journey(state, lot_id, graph.lots, graph.edges),
    }


def origin_summary(service: LedgerService, lot_id: str) -> dict[str, Any]:
    """The lot's origin for buyers (see the module docstring), JSON-ready.

    Raises:
        EntryNotFoundError: no such lot.
    """
    with service.store.read_state() as state:
        return origin_from_state(state, lot_id)
