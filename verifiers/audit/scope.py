"""Which ledger entries form a lot's trail: one rule, for the exporter and the auditor alike.

The exporter (``api.exports.trail``) runs this rule over the live projections; the offline
auditor (``verifiers.audit.verify``) runs it again over the state it replayed from the bundle
and requires the same set, so a bundle cannot be relabelled with another lot id or padded
with unrelated entries. The rule reads only the document fields that never change once
written (creation seqs, ids), never volatile ones such as a lot's remaining quantity, so both
sides agree.

A lot's trail holds:

1. **Lineage**: the lot and every lot upstream and downstream of it.
2. **Closure for replay**: every input of an included lot (transitively), every lot shipped
   together with an included lot and every lot a included verification covers — the entries
   an offline replay needs to re-admit the lineage's entries.
3. For every included lot: its creation (harvest or transformation), its shipments and
   receipts, its origin plots and apiaries with their producers, and the organizations that
   own or hold it.
4. For every included lot and origin site: the verifications covering it and their
   revocations; for each verification its standard, the accreditation history of its
   certifier, its association, every subject it covers, and every piece of evidence about
   every subject in the trail.
5. Whatever the ``extensions`` add for the lineage lots (the API adds labels and their
   revocations; ``labels`` sits above this package).
6. Trust: genesis, and for every signer of an included entry the entry that introduced its
   key (``key.added`` or ``org.registered``) and any revocation of it, transitively.

Cost over the SQL state: two recursive walks, then one set query per kind of document and
per round of the closure (normally one or two rounds), plus one scan of the shipments.

Left out: personal data (entries carry only a salted hash; the side table is never read),
entries about other lots' consumption of an upstream lot (see ``docs/audit-bundle.md``: an
offline check of mass balance covers the trail's own entries), and I/O (callers pass a
``State`` and a way to look up who signed an entry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.errors import EntryNotFoundError
from ledger.state import State
from ledger.supply.lots import LOT_INPUT, LOT_KIND, LOT_ORIGIN
from ledger.supply.orgs import ORG_KIND
from ledger.supply.producers import PRODUCER_KIND
from ledger.supply.sites import APIARY_KIND, PLOT_KIND
from ledger.supply.transfers import SHIPMENT_KIND
from ledger.trust import KEY_KIND
from verifiers.certification import (
    ACCREDITATION_KIND,
    EVIDENCE_KIND,
    EVIDENCE_OF,
    STANDARD_KIND,
    VERIFICATION_KIND,
    VERIFIES,
    subject_node,
)

__all__ = ["ActorLookup", "ScopeExtension", "TrailScope", "trail_scope"]

ActorLookup = Callable[[Sequence[int]], Mapping[int, str]]
"""Who signed each of the given entries: ``{seq: actor key id}`` (missing seqs are skipped)."""

ScopeExtension = Callable[[State, Sequence[str]], Iterable[int]]
"""More entries about the lineage lots (e.g. labels): called with the state and those lots."""

_SITE_KINDS = {"plot": PLOT_KIND, "apiary": APIARY_KIND}


@dataclass(frozen=True)
class TrailScope:
    """A lot's trail: the entry seqs (ascending) and the lots they are about."""

    lot_id: str
    seqs: list[int]
    lineage: list[str]
    """The lot and every lot upstream and downstream of it."""
    lots: list[str]
    """Every lot with entries in the trail: the lineage plus what replaying it needs."""


def trail_scope(
    state: State,
    lot_id: str,
    actors: ActorLookup,
    extensions: Sequence[ScopeExtension] = (),
) -> TrailScope:
    """The entries that form ``lot_id``'s trail, by the rule in this module's docstring.

    Raises:
        EntryNotFoundError: no lot of that id.
    """
    if state.get(LOT_KIND, lot_id) is None:
        raise EntryNotFoundError(f"no lot {lot_id!r}")
    collector = _Collector(state)
    lineage = collector.lots_of(lot_id)
    for extension in extensions:
        collector.seqs.update(extension(state, lineage))
    collector.documents()
    collector.trust(actors)
    return TrailScope(
        lot_id=lot_id,
        seqs=sorted(collector.seqs),
        lineage=lineage,
        lots=sorted(collector.lots),
    )


def _add(seqs: set[int], value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool):
        seqs.add(value)


class _Collector:
    """Accumulates seqs and the objects whose entries still have to be looked up."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.seqs: set[int] = {0}  # genesis: the root keys, the operator key, the origin
        self.lots: set[str] = set()
        self.sites: set[str] = set()  # "plot:<id>" / "apiary:<id>"
        self.orgs: set[str] = set()
        self.evidence_nodes: set[str] = set()
        self.verifications: set[str] = set()
        self.certifiers: set[str] = set()
        self.standards: set[str] = set()
        self._shipments: dict[str, list[dict[str, Any]]] | None = None

    # ----------------------------------------------------------------- lots

    def lots_of(self, lot_id: str) -> list[str]:
        """Collect the lineage and its closure; return the lineage."""
        up = self.state.reachable_edges(LOT_INPUT, lot_id)
        down = self.state.reachable_edges(LOT_INPUT, lot_id, reverse=True)
        upstream = {lot_id} | {dst for _src, dst in up}
        lineage = upstream | {src for src, _dst in down}
        closed = set(upstream)  # their inputs are already in `upstream`
        pending = set(lineage)
        while pending:
            batch = sorted(pending - self.lots)
            self.lots.update(batch)
            found: set[str] = set()
            open_lots = [lot for lot in batch if lot not in closed]
            found.update(dst for _src, dst in self.state.links_from(LOT_INPUT, open_lots))
            closed.update(batch)
            for lot in batch:
                for shipment in self._shipments_of(lot):
                    _add(self.seqs, shipment.get("shipped_seq"))
                    _add(self.seqs, shipment.get("received_seq"))
                    self.orgs.update((shipment["from_org"], shipment["to_org"]))
                    found.update(shipment["lot_ids"])
            found.update(self._verifications_of(batch))
            pending = found - self.lots
        return sorted(lineage)

    def _shipments_of(self, lot_id: str) -> list[dict[str, Any]]:
        if self._shipments is None:
            # Shipments are few (whole export lots move), and no link indexes them by lot.
            self._shipments = {}
            for _key, doc in self.state.scan(SHIPMENT_KIND):
                for shipped in doc["lot_ids"]:
                    self._shipments.setdefault(shipped, []).append(doc)
        return self._shipments.get(lot_id, [])

    def _verifications_of(self, lots: list[str]) -> set[str]:
        """Verifications of these lots and their origin sites; returns the lots they cover."""
        origins = sorted({site for _lot, site in self.state.links_from(LOT_ORIGIN, lots)})
        self.sites.update(origins)
        nodes = [subject_node("lot", lot) for lot in lots] + origins
        self.evidence_nodes.update(nodes)
        ids = sorted({v for _n, v in self.state.links_from(VERIFIES, nodes)} - self.verifications)
        self.verifications.update(ids)
        covered: set[str] = set()
        for doc in self.state.get_many(VERIFICATION_KIND, ids).values():
            _add(self.seqs, doc.get("issued_seq"))
            _add(self.seqs, doc.get("revoked_seq"))
            self.orgs.add(doc["association_id"])
            self.certifiers.add(doc["certifier_id"])
            self.standards.add(doc["standard_hash"])
            scope = doc["scope"]
            subjects = [
                subject_node("association", doc["association_id"]),
                *(subject_node("plot", p) for p in scope.get("plots", [])),
                *(subject_node("apiary", a) for a in scope.get("apiaries", [])),
            ]
            self.sites.update(subjects[1:])
            self.evidence_nodes.update(subjects)
            self.evidence_nodes.update(subject_node("lot", lot) for lot in scope.get("lots", []))
            covered.update(scope.get("lots", []))
        return covered

    # ----------------------------------------------------------------- documents

    def documents(self) -> None:
        """The creation entries of every collected lot, site, producer, org and the rest."""
        get_many = self.state.get_many
        for doc in get_many(LOT_KIND, sorted(self.lots)).values():
            _add(self.seqs, doc.get("created_seq"))
            self.orgs.update(o for o in (doc.get("org_id"), doc.get("custodian")) if o)
        producers: set[str] = set()
        for kind, state_kind in _SITE_KINDS.items():
            ids = sorted(s.split(":", 1)[1] for s in self.sites if s.startswith(f"{kind}:"))
            for doc in get_many(state_kind, ids).values():
                _add(self.seqs, doc.get("registered_seq"))
                producers.add(doc["producer_id"])
                self.orgs.add(doc["org_id"])
        for doc in get_many(PRODUCER_KIND, sorted(producers)).values():
            _add(self.seqs, doc.get("registered_seq"))
            self.orgs.add(doc["org_id"])
        evidence = {e for _n, e in self.state.links_from(EVIDENCE_OF, sorted(self.evidence_nodes))}
        for doc in get_many(EVIDENCE_KIND, sorted(evidence)).values():
            _add(self.seqs, doc.get("seq"))
        for doc in get_many(ACCREDITATION_KIND, sorted(self.certifiers)).values():
            for change in doc.get("history", []):
                _add(self.seqs, change.get("seq"))
        for doc in get_many(STANDARD_KIND, sorted(self.standards)).values():
            _add(self.seqs, doc.get("published_seq"))
        for doc in get_many(ORG_KIND, sorted(self.orgs)).values():
            _add(self.seqs, doc.get("registered_seq"))

    # ----------------------------------------------------------------- trust

    def trust(self, actors: ActorLookup) -> None:
        """Add the entries that introduced (and revoked) every signer's key, transitively."""
        asked: set[int] = set()
        known: set[str] = set()
        while True:
            new_seqs = sorted(self.seqs - asked)
            asked.update(new_seqs)
            keys = set(actors(new_seqs).values()) - known
            if not keys:
                return
            while keys:
                known.update(keys)
                docs = self.state.get_many(KEY_KIND, sorted(keys))
                keys = set()
                for doc in docs.values():
                    _add(self.seqs, doc.get("added_seq"))
                    _add(self.seqs, doc.get("revoked_seq"))
                    added_by = doc.get("added_by")
                    if isinstance(added_by, str) and added_by not in known:
                        keys.add(added_by)
