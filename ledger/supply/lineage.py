"""Lineage: a lot's whole upstream graph (to plots, apiaries and producers) and downstream.

Works on any ``State``: the SQL store answers ``reachable`` with one recursive query, so the
upstream of an export lot with thousands of harvest lots costs a handful of round trips plus
one document read per lot.

Left out: pictures and exports of the graph (``api`` and the exporters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.state import State
from ledger.supply.lots import LOT_INPUT, LOT_KIND, LOT_ORIGIN
from ledger.supply.producers import PRODUCER_KIND

__all__ = ["Lineage", "downstream", "upstream"]


@dataclass(frozen=True)
class Lineage:
    """A lot and everything it came from (or went into)."""

    lot_id: str
    lots: list[str]
    edges: list[tuple[str, str]]
    plots: list[str] = field(default_factory=list)
    apiaries: list[str] = field(default_factory=list)
    producers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the API."""
        return {
            "lot_id": self.lot_id,
            "lots": self.lots,
            "edges": [{"from": src, "to": dst} for src, dst in self.edges],
            "plots": self.plots,
            "apiaries": self.apiaries,
            "producers": self.producers,
        }


def upstream(state: State, lot_id: str, *, producers: bool = True) -> Lineage:
    """Every lot the given lot came from, the input edges, and the origin sites and producers.

    ``edges`` are (output lot, input lot) pairs. A fixed number of set queries, whatever the
    size of the graph: the walk, the origins of all lots, the sites, the producers.
    ``producers=False`` skips reading the sites (their owners stay empty) for callers that
    read the site documents themselves anyway (the EUDR export of 5,000 plots).
    """
    edges = state.reachable_edges(LOT_INPUT, lot_id)
    lots = [lot_id, *sorted({dst for _src, dst in edges} - {lot_id})]
    sites = sorted({site for _lot, site in state.links_from(LOT_ORIGIN, lots)})
    plots = [s.split(":", 1)[1] for s in sites if s.startswith("plot:")]
    apiaries = [s.split(":", 1)[1] for s in sites if s.startswith("apiary:")]
    if not producers:
        return Lineage(lot_id=lot_id, lots=lots, edges=edges, plots=plots, apiaries=apiaries)
    owners = {
        doc["producer_id"]
        for kind, ids in (("plot", plots), ("apiary", apiaries))
        for doc in state.get_many(kind, ids).values()
    }
    found = sorted(state.get_many(PRODUCER_KIND, sorted(owners)))
    return Lineage(
        lot_id=lot_id, lots=lots, edges=edges, plots=plots, apiaries=apiaries, producers=found
    )


def downstream(state: State, lot_id: str) -> Lineage:
    """Every lot made (directly or not) from the given lot; ``edges`` are (output, input)."""
    edges = state.reachable_edges(LOT_INPUT, lot_id, reverse=True)
    lots = [lot_id, *sorted({src for src, _dst in edges} - {lot_id})]
    return Lineage(lot_id=lot_id, lots=lots, edges=edges)


def lot_exists(state: State, lot_id: str) -> bool:
    """Whether a lot of that id was recorded."""
    return state.get(LOT_KIND, lot_id) is not None
