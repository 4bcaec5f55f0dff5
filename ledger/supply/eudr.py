"""EUDR geolocation rules: what the EU Information System accepts, checked before it sees it.

Regulation (EU) 2023/1115 (EUDR) needs the geolocation of every plot behind coffee and cocoa
placed on the EU market, as GeoJSON inside the due diligence statement (DDS). The rules
below are those of the Commission's *EUDR Operator API Reference* v1.0 (API V3, 29 May 2026)
§9 "EUDR GeoJSON File Description" v1.3 and §10.3 "Rules description", and the annotations
of the V3 DDS schema (``xsd4-due-diligence-statement-v3.xsd``); ``docs/eudr.md`` lists each
with its section. This module is pure: no I/O, no ledger state. Plot admission
(``ledger.supply.sites``), the GeoJSON export and the DDS request (``api.eudr``) all call it,
so a plot the ledger admits is a plot the export writes.

* **Truncation to 6 decimals** (§9.3 note 1): the EU system *truncates* (not rounds)
  coordinates to 6 decimals, and vertices that coincide after that are an error (§9.5
  item 7). :func:`coordinate_text` writes exactly what the system will store, and
  :func:`eudr_geometry` re-checks the ring *as truncated*: closed, at least 4 positions, no
  repeated or coincident vertices, no spike, no self-crossing (``ledger.supply.geo.check_ring``),
  and a non-zero area (points on a straight line are an error, §9.5 items 5–6).
* **Points only for small plots**: a Point stands for a plot of at most 4 ha (non-cattle),
  and its ``Area`` must be at least 0.0001 ha (§10.3 "Geolocation area for point").
* **Properties**: only ``ProducerName``, ``ProducerCountry``, ``ProductionPlace`` and ``Area``
  (a JSON number of hectares) are read (§9.2); :func:`feature_text` writes exactly these.
* **Limits per statement**: at most :data:`MAX_GEOLOCATION_BYTES` of geolocation per DDS and
  :data:`MAX_PRODUCERS_PER_COMMODITY` producers per commodity (§10.3; the XSD's
  ``maxOccurs="1000"``); :func:`split_statements` packs producers into as many statements as
  needed.

Errors are :class:`ValueError` with an "expected …, found …" message, as in
``ledger.supply.geo``; callers turn them into domain errors or ``refused`` entries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledger.supply.geo import MAX_POINT_AREA_HA, check_ring, parse_geometry

__all__ = [
    "EUDR_DECIMALS",
    "EUDR_PRODUCTS",
    "EUDR_PROPERTIES",
    "MAX_GEOLOCATION_BYTES",
    "MAX_PRODUCERS_PER_COMMODITY",
    "MAX_PRODUCERS_PER_DDS",
    "MIN_POINT_AREA_HA",
    "EudrGeometry",
    "coordinate_text",
    "eudr_geometry",
    "feature_text",
    "is_eudr_product",
    "split_statements",
]

EUDR_DECIMALS = 6
"""Decimals the EU system keeps: it truncates coordinates to this many (§9.3 note 1)."""
MIN_POINT_AREA_HA = 0.0001
"""Smallest ``Area`` of a Point the EU system accepts (§10.3)."""
MAX_GEOLOCATION_BYTES = 25_000_000
"""Most geolocation bytes in one DDS (§10.3 "25 Mb"; counted as the base64 text sent, the
larger of the readings, so a statement under it is under every reading)."""
MAX_PRODUCERS_PER_COMMODITY = 1000
"""Most producers of one commodity in one DDS (§10.3; ``producers maxOccurs="1000"``)."""
MAX_PRODUCERS_PER_DDS = 10_000
"""Most producers in one DDS over all its commodities (§10.3)."""
EUDR_PROPERTIES = ("ProducerName", "ProducerCountry", "ProductionPlace", "Area")
"""The only Feature properties the EU system reads, with their exact case (§9.2)."""
EUDR_PRODUCTS: dict[str, str] = {"coffee": "coffee", "cacao": "cocoa"}
"""Products of this ledger in EUDR Annex I → the Annex's commodity name. Honey is not in it
(Annex I: cattle, cocoa, coffee, oil palm, rubber, soya, wood)."""

_PAD = "0" * EUDR_DECIMALS


def is_eudr_product(product: str) -> bool:
    """Whether goods of ``product`` fall under the EUDR (coffee, cacao; not honey)."""
    return product in EUDR_PRODUCTS


def coordinate_text(value: float) -> str:
    """A coordinate as the EU system stores it: truncated toward zero to exactly 6 decimals.

    Works on the shortest decimal text of the float (what any JSON writer sends), so
    ``15.6`` is ``15.600000`` and ``-92.6012349`` is ``-92.601234``, never a binary-rounding
    artefact. ``-0.0000004`` truncates to ``0.000000`` (no negative zero).
    """
    text = repr(float(value))
    dot = text.find(".")
    if dot < 0 or "e" in text or "E" in text:
        text = f"{Decimal(text):f}"
        dot = text.find(".")
        if dot < 0:
            text, dot = text + ".", len(text)
    decimals = len(text) - dot - 1
    if decimals >= EUDR_DECIMALS:
        result = text[: dot + 1 + EUDR_DECIMALS]
    else:
        result = text + _PAD[decimals:]
    if result[0] == "-" and result[1:].strip("0.") == "":
        return result[1:]
    return result


@dataclass(frozen=True)
class EudrGeometry:
    """A plot geometry as the EU system will store it: JSON text and its type."""

    kind: str
    text: str


def _position_text(position: Sequence[float]) -> tuple[str, str]:
    return coordinate_text(position[0]), coordinate_text(position[1])


def _truncated_area_sign(ring: Sequence[tuple[float, float]]) -> float:
    x0, y0 = ring[0]
    return sum(
        (a[0] - x0) * (b[1] - y0) - (b[0] - x0) * (a[1] - y0)
        for a, b in zip(ring, ring[1:], strict=False)
    )


def eudr_geometry(geometry: Mapping[str, Any], area_ha: float) -> EudrGeometry:
    """Check a recorded plot geometry against the EU rules, as the system will truncate it.

    The object's shape is checked (``ledger.supply.geo.parse_geometry``: keys, type, one
    ring, numbers in range), then the ring *as truncated* gets the full ring checks; the
    untruncated ring is not checked again (plot admission did, and it is not what the EU
    system stores), which keeps the export of 5,000 plots within seconds.

    Args:
        geometry: A Point or single-ring Polygon.
        area_ha: The plot's declared area in hectares.

    Returns:
        The geometry's GeoJSON text with every coordinate truncated to 6 decimals.

    Raises:
        ValueError: a malformed geometry, a type other than Point/Polygon (lines, holes,
            Multi*), a Point for a plot above 4 ha or below 0.0001 ha, or a ring invalid as
            truncated (fewer than 4 positions, open, coincident vertices, spike,
            self-crossing, no area).
    """
    kind, positions = parse_geometry(geometry)
    if kind == "Point":
        if area_ha > MAX_POINT_AREA_HA:
            raise ValueError(
                f"expected a 'Polygon' for a plot above {MAX_POINT_AREA_HA:g} ha (EUDR), "
                f"found a 'Point' for {area_ha:g} ha"
            )
        if area_ha < MIN_POINT_AREA_HA:
            raise ValueError(
                f"expected a point plot of at least {MIN_POINT_AREA_HA:g} ha (EUDR), "
                f"found {area_ha:g} ha"
            )
        lon, lat = _position_text(positions[0])
        return EudrGeometry("Point", f'{{"type":"Point","coordinates":[{lon},{lat}]}}')
    texts = [_position_text(p) for p in positions]
    truncated = [(float(lon), float(lat)) for lon, lat in texts]
    context = f"after truncation to {EUDR_DECIMALS} decimals, as the EU system stores it"
    check_ring(truncated, context)
    if _truncated_area_sign(truncated) == 0:
        raise ValueError(f"{context}: expected a ring enclosing an area, found a straight line")
    ring = ",".join(f"[{lon},{lat}]" for lon, lat in texts)
    return EudrGeometry("Polygon", f'{{"type":"Polygon","coordinates":[[{ring}]]}}')


def feature_text(
    geometry: EudrGeometry,
    *,
    feature_id: str,
    country: str,
    production_place: str,
    area_ha: float,
    producer_name: str | None,
) -> str:
    """One GeoJSON Feature with exactly the EUDR properties, as compact JSON text.

    ``ProducerName`` is left out when ``producer_name`` is None (§9.2: every property is
    optional), so nothing is published that the producer did not agree to.
    """
    properties: dict[str, Any] = {}
    if producer_name is not None:
        properties["ProducerName"] = producer_name
    properties["ProducerCountry"] = country
    properties["ProductionPlace"] = production_place
    properties["Area"] = area_ha
    props = json.dumps(properties, ensure_ascii=False, separators=(",", ":"))
    return (
        f'{{"type":"Feature","id":{json.dumps(feature_id, ensure_ascii=False)},'
        f'"geometry":{geometry.text},"properties":{props}}}'
    )


def split_statements(
    sizes: Sequence[int],
    *,
    max_bytes: int = MAX_GEOLOCATION_BYTES,
    max_producers: int = MAX_PRODUCERS_PER_COMMODITY,
) -> list[list[int]]:
    """Pack producers, in order, into as few statements as the limits allow.

    Args:
        sizes: Geolocation bytes of each producer, as sent (base64 text length).
        max_bytes: Geolocation bytes one statement may carry.
        max_producers: Producers one statement may carry.

    Returns:
        Lists of producer indexes, one list per statement, in input order.

    Raises:
        ValueError: a single producer's geolocation is larger than ``max_bytes``; it cannot
            go into any statement and has to be split into several producers' plots by hand.
    """
    groups: list[list[int]] = []
    current: list[int] = []
    used = 0
    for index, size in enumerate(sizes):
        if size > max_bytes:
            raise ValueError(
                f"expected at most {max_bytes} bytes of geolocation per producer, found "
                f"{size} for producer {index + 1}"
            )
        if current and (used + size > max_bytes or len(current) >= max_producers):
            groups.append(current)
            current, used = [], 0
        current.append(index)
        used += size
    if current:
        groups.append(current)
    return groups
