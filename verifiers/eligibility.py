"""Eligibility: may this lot carry the biodiversity-friendly label, and if not, why not.

DESIGN §7, segregation chain of custody (the model Bird Friendly and EUDR accept): a lot is
eligible when

1. it exists and mass balance held at every step (the ledger refuses any entry that would
   break it, so this is a fact of every recorded lot — reported, not recomputed; asked with
   ``stock``, the answer says what was consumed, by which transformation, and what is left
   to label: a consumed lot keeps its verdict, which its inputs' eligibility and its
   labels' standing rest on, but no label can be issued for it);
2. a harvest lot's every origin plot or apiary was covered, for that product, by an active
   passing verification whose validity window contains the whole harvest window;
3. a transformed lot's every input lot is eligible (one ineligible input spoils the blend —
   segregation, not mass-balance credits);
4. where the standard that certified the origins has lot-level criteria (honey moisture, HMF…),
   the lot or one of its upstream lots carries an active passing lot verification;
5. nothing it relies on was revoked.

The answer lists every reason, each naming the lot and subject at fault, in Spanish and
English, so a cooperative knows what to fix. Results are memoized per lot, so a DAG of
thousands of lots is walked once; :func:`eligible_lots` keeps the memo across the lots it
judges, so lots sharing inputs (splits of one blend) have them judged once.

Left out: labels and their own revocation (``labels``).
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from ledger.state import State
from ledger.supply.lots import LOT_INPUT, LOT_KIND, LOT_ORIGIN
from ledger.supply.stock import lot_stock
from verifiers.certification import VERIFICATION_KIND, VERIFIES, standard_from_state, subject_node

__all__ = [
    "Eligibility",
    "Reason",
    "check_eligibility",
    "eligible_lots",
    "is_eligible",
    "verification_facts",
]


@dataclass(frozen=True)
class Reason:
    """Why a lot is not eligible (or, with ``ok``, a fact that held).

    ``detail`` carries the facts a message is made of (product, harvest window), and an
    ``input_not_eligible`` reason lists in ``causes`` the root failures down its lineage (the
    plots, apiaries or lots at fault, each once), so a screen can say briefly what to fix in
    the reader's language and date format instead of repeating the sentence chain.
    """

    code: str
    lot_id: str
    subject: str
    message_en: str
    message_es: str
    detail: dict[str, str] | None = None
    causes: tuple[Reason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``detail`` and ``causes`` only when there are some)."""
        found: dict[str, Any] = {
            "code": self.code,
            "lot_id": self.lot_id,
            "subject": self.subject,
            "message_en": self.message_en,
            "message_es": self.message_es,
        }
        if self.detail is not None:
            found["detail"] = self.detail
        if self.causes:
            found["causes"] = [c.to_dict() for c in self.causes]
        return found


def _root_causes(reasons: list[Reason]) -> tuple[Reason, ...]:
    """The failures at the roots of ``reasons`` (no ``input_not_eligible``), each once."""
    found: dict[tuple[str, str, str], Reason] = {}
    for reason in reasons:
        for cause in reason.causes or (reason,):
            found.setdefault((cause.code, cause.lot_id, cause.subject), cause)
    return tuple(found.values())


@dataclass(frozen=True)
class Eligibility:
    """The answer for one lot: truthy iff eligible."""

    lot_id: str
    eligible: bool
    reasons: list[Reason] = field(default_factory=list)
    verifications: list[str] = field(default_factory=list)
    stock: dict[str, Any] | None = None
    """What is left of the lot and what consumed the rest (``ledger.supply.stock``), when
    asked for: the verdict is about certification, the stock about what can still be
    labelled."""

    def __bool__(self) -> bool:
        return self.eligible

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the API and the CLI (``stock`` only when it was asked for)."""
        found: dict[str, Any] = {
            "lot_id": self.lot_id,
            "eligible": self.eligible,
            "reasons": [r.to_dict() for r in self.reasons],
            "verifications": self.verifications,
        }
        if self.stock is not None:
            found["stock"] = self.stock
        return found


class _Lot(NamedTuple):
    """What eligibility reads of a lot document."""

    harvest: bool
    """Made by a harvest (judged by its origins), not by a transformation (by its inputs)."""
    product: str
    start: str
    end: str
    """The harvest window (of its inputs' harvests, for a transformed lot)."""


_LOT_FIELDS = ["created_by", "product", "harvest.from", "harvest.to"]


def _lot(values: list[Any]) -> _Lot:
    """A lot's facts from the values at ``_LOT_FIELDS``."""
    created_by, product, start, end = values
    return _Lot(created_by == "harvest", product, start, end)


def _lots(state: State, lot_ids: list[str]) -> dict[str, _Lot]:
    """The facts of the recorded lots among ``lot_ids``, read without decoding their whole
    documents (``State.get_fields``): the indicators read tens of thousands."""
    return {
        key: _lot(values)
        for key, values in state.get_fields(LOT_KIND, lot_ids, _LOT_FIELDS).items()
    }


class _Verification(NamedTuple):
    """What eligibility reads of a verification document: a group certificate's document
    also holds every finding (tens of kilobytes for an association's plots), which no
    verdict reads."""

    verification_id: str
    passing: bool
    """Active (not revoked) and passed."""
    products: list[str]
    valid_from: str
    valid_until: str
    standard_hash: str


_VERIFICATION_FIELDS = [
    "verification_id", "status", "result", "scope.products", "valid_from", "valid_until",
    "standard_hash",
]  # fmt: skip


def verification_facts(state: State, ids: list[str]) -> dict[str, _Verification]:
    """The facts of the recorded verifications among ``ids``, read without decoding their
    findings (``State.get_fields``)."""
    return {
        key: _Verification(
            vid, status == "active" and result == "pass", products, start, end, digest
        )  # fmt: skip
        for key, (vid, status, result, products, start, end, digest) in state.get_fields(
            VERIFICATION_KIND, ids, _VERIFICATION_FIELDS
        ).items()
    }


@dataclass(slots=True)
class _Origin:
    """Whether every harvest behind a lot was certified (memoized per lot)."""

    ok: bool
    reasons: list[Reason]
    verifications: set[str]
    standards: set[str]


class _Verifications:
    """Sites' and lots' verifications, fetched in set queries and kept for every lot one
    checker judges (a plot's verifications are read once, however many harvests it
    delivered)."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.links: dict[str, list[str]] = {}
        self.docs: dict[str, _Verification] = {}

    def fetch(self, nodes: list[str]) -> None:
        """Fetch the ``VERIFIES`` links of the nodes not fetched yet, and their documents."""
        wanted = [node for node in nodes if node not in self.links]
        if not wanted:
            return
        pairs = self.state.links_from(VERIFIES, wanted)
        for node in wanted:
            self.links[node] = []
        for node, verification_id in pairs:  # sorted, so each node's list is too
            self.links[node].append(verification_id)
        missing = sorted({v for _node, v in pairs if v not in self.docs})
        self.docs.update(verification_facts(self.state, missing))

    def ids(self, node: str) -> list[str]:
        """The verifications naming the node (through the state for a node not fetched)."""
        found = self.links.get(node)
        return self.state.linked(VERIFIES, node) if found is None else found

    def of(self, node: str) -> list[_Verification]:
        """The facts of the node's verifications."""
        ids = self.ids(node)
        missing = [v for v in ids if v not in self.docs]
        if missing:
            self.docs.update(verification_facts(self.state, missing))
        return [self.docs[v] for v in ids if v in self.docs]


class _Links(Protocol):
    """Where a judgement reads lineages and origins: the state (:class:`_QueriedLinks`, a
    query or two per lot), or :class:`_LotGraph` (every link read once)."""

    def lineage(self, lot_id: str) -> dict[str, list[str]]:
        """Every lot of ``lot_id``'s lineage (itself included) with its inputs, sorted."""
        ...

    def origins(self, lots: list[str]) -> dict[str, list[str]]:
        """Each of ``lots`` with its origin sites, sorted (``[]`` for none)."""
        ...


class _QueriedLinks:
    """Lineages and origins queried from the state: one recursive query per lineage
    (``State.reachable_edges``) and one set query for its harvests' origins."""

    def __init__(self, state: State) -> None:
        self.state = state

    def lineage(self, lot_id: str) -> dict[str, list[str]]:
        edges = self.state.reachable_edges(LOT_INPUT, lot_id)
        return _successors(sorted({lot_id} | {dst for _src, dst in edges}), edges)

    def origins(self, lots: list[str]) -> dict[str, list[str]]:
        return _successors(lots, self.state.links_from(LOT_ORIGIN, lots))


class _LotGraph:
    """The ``LOT_INPUT`` and ``LOT_ORIGIN`` links, read in one scan each and walked here
    (``eligible_lots(..., whole_graph=True)``): the same answers as :class:`_QueriedLinks`."""

    def __init__(self, state: State) -> None:
        self.inputs = _adjacency(state.scan_links(LOT_INPUT))
        self.sites = _adjacency(state.scan_links(LOT_ORIGIN))

    def lineage(self, lot_id: str) -> dict[str, list[str]]:
        inputs, none = self.inputs, _NONE
        found = {lot_id: inputs.get(lot_id, none)}
        pending = [lot_id]
        while pending:
            for input_id in found[pending.pop()]:
                if input_id not in found:
                    found[input_id] = inputs.get(input_id, none)
                    pending.append(input_id)
        return {lot: found[lot] for lot in sorted(found)}

    def origins(self, lots: list[str]) -> dict[str, list[str]]:
        sites, none = self.sites, _NONE
        return {lot: sites.get(lot, none) for lot in lots}


_NONE: list[str] = []
"""The inputs or sites of a lot with none (shared: the lists are read, never changed)."""


def _adjacency(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Each source's destinations (sorted pairs give sorted lists)."""
    found: dict[str, list[str]] = {}
    for src, dst in pairs:
        listed = found.get(src)
        if listed is None:
            found[src] = [dst]
        else:
            listed.append(dst)
    return found


class _Prefetched:
    """The part of the state one lot's eligibility reads, fetched in a few set queries.

    A lot of 10,000 upstream lots would otherwise cost tens of thousands of round trips to
    PostgreSQL; this answers ``linked`` and the lots' facts from memory and falls back to
    the state. Lots already judged (``judged``) are not fetched again, so a lot sharing
    inputs with one judged before reads only its new lots' origins and facts.

    Only what a judgement reads is fetched. A lot with inputs is a transformation's output
    (``lot.transformed`` links its new outputs, and only them, to their inputs; a harvest
    links its new lot to its sites): it is judged by its inputs, with no origins and no
    facts of its own. Without reasons to write (``verdicts``), a harvest lot with a site
    that no verification names fails whatever its product and harvest window, so its
    facts are not read either.

    One lot at a time, even when many are judged (``eligible_lots``): on SQLite one
    recursive query per lot reads a lineage faster than one set query per level of many
    lineages together (measured on the indicators' bench ledger, docs/indicators.md).
    """

    def __init__(
        self,
        state: State,
        lot_id: str,
        judged: Container[str],
        sites: _Verifications,
        *,
        verdicts: bool,
        links: _Links,
    ) -> None:
        self.state = state
        self.inputs = links.lineage(lot_id)
        leaves = [lot for lot, inputs in self.inputs.items() if not inputs and lot not in judged]
        self.origins = links.origins(leaves)
        # The origin sites' verifications; lot verifications only when a standard with
        # lot-level criteria asks for them (``_Checker.lot_criteria``).
        sites.fetch(sorted({site for found in self.origins.values() for site in found}))
        if verdicts:
            leaves = [lot for lot in leaves if all(map(sites.ids, self.origins[lot]))]
        self.read = set(leaves)
        self.lots = _lots(state, leaves)

    def linked(self, kind: str, node: str) -> list[str]:
        """``State.linked`` of ``LOT_INPUT`` or ``LOT_ORIGIN`` (sorted); the list is the
        view's own, for reading only."""
        found = (self.inputs if kind == LOT_INPUT else self.origins).get(node)
        return self.state.linked(kind, node) if found is None else found

    def lot(self, lot_id: str) -> _Lot | None:
        """The lot's facts, ``None`` if it is not recorded."""
        found = self.lots.get(lot_id)
        if found is None and lot_id not in self.read:
            return _lots(self.state, [lot_id]).get(lot_id)
        return found

    def upstream(self, lot_id: str) -> list[str]:
        """Every lot upstream of ``lot_id`` (not itself), sorted: ``State.reachable``."""
        seen: set[str] = set()
        pending = [lot_id]
        while pending:
            for input_id in self.linked(LOT_INPUT, pending.pop()):
                if input_id not in seen and input_id != lot_id:
                    seen.add(input_id)
                    pending.append(input_id)
        return sorted(seen)


def _successors(nodes: list[str], pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Each node's successors among ``pairs`` (sorted pairs give sorted lists), ``[]`` for
    a node with none."""
    found: dict[str, list[str]] = {node: [] for node in nodes}
    for src, dst in pairs:
        found[src].append(dst)
    return found


class _Checker:
    """Judges lots one after the other, with memos shared by every lot it judges: each
    lot's origins (blends share inputs), each site's or lot's active passing verifications
    per product (a plot delivers many harvests), and which standards have lot-level
    criteria."""

    def __init__(self, state: State, *, explain: bool = True, links: _Links | None = None) -> None:
        self.state = state
        self.links: _Links = _QueriedLinks(state) if links is None else links
        self.memo: dict[str, _Origin] = {}
        self.verified = _Verifications(state)
        self.passing: dict[tuple[str, str], list[_Verification]] = {}
        self.lot_level: dict[str, bool] = {}
        # Verdicts only (``_settled``): one shared answer per outcome.
        self.outcomes: dict[tuple[bool, frozenset[str]], _Origin] = {}
        self.harvests: dict[tuple[Any, ...], _Origin] = {}
        # Without ``explain``, a failing lot is marked not ok and no reason is written: the
        # sentences and their root causes cost more than the verdict on a failing lineage.
        self.explain = explain

    def judge(self, lot_id: str) -> tuple[_Origin, list[Reason], set[str]]:
        """The lot's origins, and its lot-level criteria's reasons and verifications."""
        verdicts = not self.explain
        self.view = _Prefetched(
            self.state, lot_id, self.memo, self.verified, verdicts=verdicts, links=self.links
        )
        origin = self.origin(lot_id)
        if verdicts and not origin.ok:
            return origin, [], set()  # not eligible, whatever the lot-level criteria say
        return origin, *self.lot_criteria(lot_id, origin)

    def origin(self, lot_id: str) -> _Origin:
        """Segregation: the lot's harvests were all certified; walked iteratively in
        post-order (every input judged before the lots made from it, even one reached
        both directly and through another input), memoized.

        Raises:
            ValueError: the lineage loops (no ledger records one: a lot's inputs exist
                before it).
        """
        memo, entered, pending, linked = self.memo, set(), [lot_id], self.view.linked
        fetched = self.view.inputs  # every lot of the lineage: ``linked`` without a call
        while pending:
            current = pending[-1]
            if current in memo:
                pending.pop()
                continue
            inputs = fetched.get(current)
            if inputs is None:
                inputs = linked(LOT_INPUT, current)
            waiting = [i for i in inputs if i not in memo] if inputs else inputs
            if not waiting:
                pending.pop()
                memo[current] = self._origin_of(current, inputs)
            elif current in entered:  # its inputs were walked and are still not judged
                raise ValueError(f"the lineage of lot {lot_id} loops through lot {current}")
            else:
                entered.add(current)
                pending += waiting
        return memo[lot_id]

    def _passing(self, node: str, product: str) -> list[_Verification]:
        """The node's active passing verifications for ``product`` (memoized)."""
        found = self.passing.get((node, product))
        if found is None:
            found = [v for v in self.verified.of(node) if v.passing and product in v.products]
            self.passing[(node, product)] = found
        return found

    def _origin_of(self, lot_id: str, inputs: list[str]) -> _Origin:
        """One lot's answer, its ``inputs`` all judged."""
        if inputs:
            return self._inputs_of(lot_id, inputs)
        origins = self.view.linked(LOT_ORIGIN, lot_id)
        if not self.explain and not all(map(self.verified.ids, origins)):
            return self._settled(_Origin(False, [], set(), set()))  # see ``_Prefetched``
        lot = self.view.lot(lot_id)
        if lot is None:
            return _Origin(False, [Reason(
                "unknown_lot", lot_id, f"lot:{lot_id}",
                f"lot {lot_id} is not recorded", f"el lote {lot_id} no está registrado",
            )], set(), set())  # fmt: skip
        if not lot.harvest:
            return self._inputs_of(lot_id, [])
        if self.explain:
            return self._harvest(lot_id, lot, origins)
        # Verdicts: every harvest of the same sites, product and window has the same answer.
        key = (lot, *origins)
        found = self.harvests.get(key)
        if found is None:
            found = self.harvests[key] = self._harvest(lot_id, lot, origins)
        return found

    def _harvest(self, lot_id: str, lot: _Lot, origins: list[str]) -> _Origin:
        """A harvest lot's answer: each of its sites certified for its product and window."""
        result = _Origin(True, [], set(), set())
        for node in origins:
            covering = [
                v for v in self._passing(node, lot.product)
                if v.valid_from <= lot.start and lot.end <= v.valid_until
            ]  # fmt: skip
            for verification in covering:
                if self.explain:
                    result.verifications.add(verification.verification_id)
                result.standards.add(verification.standard_hash)
            if not covering:
                result.ok = False
                if not self.explain:
                    continue
                result.reasons.append(Reason(
                    "origin_not_certified", lot_id, node,
                    f"{node} had no valid passing verification for {lot.product} covering "
                    f"the harvest {lot.start}..{lot.end}",
                    f"{node} no tenía una verificación aprobada y vigente para "
                    f"{lot.product} durante la cosecha {lot.start}..{lot.end}",
                    {"product": lot.product, "from": lot.start, "to": lot.end},
                ))  # fmt: skip
        return self._settled(result)

    def _inputs_of(self, lot_id: str, inputs: list[str]) -> _Origin:
        """A transformation's output: eligible when every input is (all judged already)."""
        if not self.explain and inputs:
            # Verdicts: inputs sharing one answer (most blends) give the blend that answer.
            first = self.memo[inputs[0]]
            if all(self.memo[input_id] is first for input_id in inputs):
                return first
        result = _Origin(True, [], set(), set())
        for input_id in inputs:
            upstream = self.memo[input_id]
            result.verifications |= upstream.verifications
            result.standards |= upstream.standards
            if not upstream.ok:
                result.ok = False
                if not self.explain:
                    continue
                result.reasons.append(Reason(
                    "input_not_eligible", lot_id, f"lot:{input_id}",
                    f"input lot {input_id} is not eligible: "
                    + "; ".join(r.message_en for r in upstream.reasons[:3]),
                    f"el lote de entrada {input_id} no es elegible: "
                    + "; ".join(r.message_es for r in upstream.reasons[:3]),
                    None,
                    _root_causes(upstream.reasons),
                ))  # fmt: skip
        return self._settled(result)

    def _settled(self, result: _Origin) -> _Origin:
        """``result``, or without ``explain`` the one equal answer already memoized: a
        verdict is its outcome and standards, and tens of thousands of lots share a few
        (shared answers are never changed: each lot's is built anew)."""
        if self.explain:
            return result
        outcome = (result.ok, frozenset(result.standards))
        return self.outcomes.setdefault(outcome, result)

    def _has_lot_criteria(self, digest: str) -> bool:
        """Whether the standard with this hash has lot-level criteria (memoized)."""
        found = self.lot_level.get(digest)
        if found is None:
            standard = standard_from_state(self.state, digest)
            found = standard is not None and any(c.applies_to == "lot" for c in standard.criteria)
            self.lot_level[digest] = found
        return found

    def lot_criteria(self, lot_id: str, origin: _Origin) -> tuple[list[Reason], set[str]]:
        """Lot-level criteria: the lot or an upstream lot has a passing lot verification."""
        if not any(self._has_lot_criteria(digest) for digest in sorted(origin.standards)):
            return [], set()
        lot = self.view.lot(lot_id)  # recorded: its standards come from its harvests
        if lot is None:
            return [], set()
        chain = [lot_id, *self.view.upstream(lot_id)]
        self.verified.fetch([subject_node("lot", candidate) for candidate in chain])
        for candidate in chain:
            found = self._passing(subject_node("lot", candidate), lot.product)
            if found:
                return [], {v.verification_id for v in found}
        return [Reason(
            "lot_criteria_unverified", lot_id, f"lot:{lot_id}",
            "the standard has lot-level criteria (e.g. lab results) and no passing "
            "verification covers this lot or its upstream lots",
            "la norma tiene criterios por lote (p. ej. análisis de laboratorio) y "
            "ninguna verificación aprobada cubre este lote ni sus lotes de origen",
        )], set()  # fmt: skip

    def verdict(self, lot_id: str) -> bool:
        """Eligible or not, by the rules of :func:`check_eligibility`."""
        origin, lot_reasons, _verifications = self.judge(lot_id)
        return origin.ok and not lot_reasons


def check_eligibility(state: State, lot_id: str, *, stock: bool = False) -> Eligibility:
    """Whether ``lot_id`` may carry the label now, with every reason when it may not.

    Inputs only need certified origins (segregation); lot-level criteria apply to the lot
    asked about, met by a lot verification of it or of any lot upstream of it. With
    ``stock``, the answer also says how much of the lot is left and which transformations
    consumed the rest (three more queries; the label rules read the balance themselves).
    """
    origin, lot_reasons, lot_verifications = _Checker(state).judge(lot_id)
    reasons = [*origin.reasons, *lot_reasons]
    return Eligibility(
        lot_id,
        not reasons,
        reasons,
        sorted(origin.verifications | lot_verifications),
        lot_stock(state, lot_id) if stock else None,
    )


def is_eligible(state: State, lot_id: str) -> bool:
    """The verdict of :func:`check_eligibility`, by the same rules, without writing the
    reasons: on a lineage that fails the sentences cost more than the walk."""
    return eligible_lots(state, [lot_id])[lot_id]


def eligible_lots(
    state: State, lot_ids: Iterable[str], *, whole_graph: bool = False
) -> dict[str, bool]:
    """:func:`is_eligible` for each of ``lot_ids``, judged together.

    What counting needs: ``verifiers.indicators`` judges every shipped and sold lot. They
    are judged with one memo, so a harvest, blend or certified plot that several lots share
    is read and judged once. Each lineage is read by its own recursive query
    (``_Prefetched``): on SQLite, reading the whole lot graph in scans instead was slower
    on the indicators' benchmark ledgers but one (docs/indicators.md). With
    ``whole_graph`` the lineage and origin links are read in one scan each
    (:class:`_LotGraph`) and walked here: what PostgreSQL wants when hundreds of lots are
    judged, as each of its recursive queries costs the server milliseconds (1,000 lineages
    of 891 links: 13.6 s of recursive and origin queries, against 1.5 s to fetch every
    link of both kinds).
    """
    lots = sorted(set(lot_ids))
    if not lots:
        return {}
    links = _LotGraph(state) if whole_graph else None
    checker = _Checker(state, explain=False, links=links)
    return {lot_id: checker.verdict(lot_id) for lot_id in lots}
