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
thousands of lots is walked once.

Left out: labels and their own revocation (``labels``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ledger.state import State
from ledger.supply.lots import LOT_INPUT, LOT_KIND, LOT_ORIGIN
from ledger.supply.stock import lot_stock
from verifiers.certification import VERIFICATION_KIND, VERIFIES, standard_from_state, subject_node

__all__ = ["Eligibility", "Reason", "check_eligibility", "is_eligible"]


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


def _active_passing(state: _StateView, node: str, product: str) -> list[dict[str, Any]]:
    found = []
    for verification_id in state.linked(VERIFIES, node):
        doc = state.get(VERIFICATION_KIND, verification_id)
        if doc and doc["status"] == "active" and doc["result"] == "pass":
            if product in doc["scope"]["products"]:
                found.append(doc)
    return found


class _StateView(Protocol):
    def linked(self, kind: str, node: str) -> list[str]: ...

    def get(self, kind: str, key: str) -> dict[str, Any] | None: ...


@dataclass
class _Origin:
    """Whether every harvest behind a lot was certified (memoized per lot)."""

    ok: bool
    reasons: list[Reason]
    verifications: set[str]
    standards: set[str]


class _Prefetched:
    """The part of the state one eligibility answer reads, fetched in a few set queries.

    A lot of 10,000 upstream lots would otherwise cost tens of thousands of round trips to
    PostgreSQL; this answers ``linked``/``get`` from memory and falls back to the state.
    """

    def __init__(self, state: State, lot_id: str) -> None:
        self.state = state
        edges = state.reachable_edges(LOT_INPUT, lot_id)
        lots = sorted({lot_id} | {dst for _src, dst in edges})
        self.links: dict[tuple[str, str], list[str]] = {}
        for src, dst in edges:
            self.links.setdefault((LOT_INPUT, src), []).append(dst)
        origins = state.links_from(LOT_ORIGIN, lots)
        for src, dst in origins:
            self.links.setdefault((LOT_ORIGIN, src), []).append(dst)
        # The origin sites' verifications only: lot-level criteria read the state directly,
        # for the one lot judged, when its standard has any.
        nodes = sorted({site for _lot, site in origins})
        verifies = state.links_from(VERIFIES, nodes)
        for src, dst in verifies:
            self.links.setdefault((VERIFIES, src), []).append(dst)
        self.known = {(LOT_INPUT, lot) for lot in lots} | {(LOT_ORIGIN, lot) for lot in lots}
        self.known |= {(VERIFIES, node) for node in nodes}
        self.docs = {
            LOT_KIND: state.get_many(LOT_KIND, lots),
            VERIFICATION_KIND: state.get_many(VERIFICATION_KIND, sorted({v for _n, v in verifies})),
        }

    def linked(self, kind: str, node: str) -> list[str]:
        """Sorted, as the state answers (the queries above return their pairs sorted); the
        list is the view's own, for reading only."""
        if (kind, node) in self.known:
            return self.links.get((kind, node), [])
        return self.state.linked(kind, node)

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        cached = self.docs.get(kind)
        if cached is not None and key in cached:
            return cached[key]
        return self.state.get(kind, key)


class _Checker:
    def __init__(self, state: State, lot_id: str, *, explain: bool = True) -> None:
        self.state = state
        self.view = _Prefetched(state, lot_id)
        self.memo: dict[str, _Origin] = {}
        # Without ``explain``, a failing lot is marked not ok and no reason is written: the
        # sentences and their root causes cost more than the verdict on a failing lineage.
        self.explain = explain

    def origin(self, lot_id: str) -> _Origin:
        """Segregation: the lot's harvests were all certified; walked iteratively, memoized."""
        pending, order, seen = [lot_id], [], set()
        while pending:
            current = pending.pop()
            if current in seen or current in self.memo:
                continue
            seen.add(current)
            order.append(current)
            pending.extend(self.view.linked(LOT_INPUT, current))
        for current in reversed(order):
            self.memo[current] = self._origin_of(current)
        return self.memo[lot_id]

    def _origin_of(self, lot_id: str) -> _Origin:
        lot = self.view.get(LOT_KIND, lot_id)
        if lot is None:
            return _Origin(False, [Reason(
                "unknown_lot", lot_id, f"lot:{lot_id}",
                f"lot {lot_id} is not recorded", f"el lote {lot_id} no está registrado",
            )], set(), set())  # fmt: skip
        result = _Origin(True, [], set(), set())
        if lot["created_by"] == "harvest":
            product, window = lot["product"], lot["harvest"]
            for node in self.view.linked(LOT_ORIGIN, lot_id):
                covering = [
                    v for v in _active_passing(self.view, node, product)
                    if v["valid_from"] <= window["from"] and window["to"] <= v["valid_until"]
                ]  # fmt: skip
                result.verifications.update(v["verification_id"] for v in covering)
                result.standards.update(v["standard_hash"] for v in covering)
                if not covering:
                    result.ok = False
                    if not self.explain:
                        continue
                    result.reasons.append(Reason(
                        "origin_not_certified", lot_id, node,
                        f"{node} had no valid passing verification for {product} covering the "
                        f"harvest {window['from']}..{window['to']}",
                        f"{node} no tenía una verificación aprobada y vigente para {product} "
                        f"durante la cosecha {window['from']}..{window['to']}",
                        {"product": product, "from": window["from"], "to": window["to"]},
                    ))  # fmt: skip
            return result
        for input_id in self.view.linked(LOT_INPUT, lot_id):
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
        return result

    def lot_criteria(self, lot_id: str, origin: _Origin) -> tuple[list[Reason], set[str]]:
        """Lot-level criteria: the lot or an upstream lot has a passing lot verification."""
        lot = self.view.get(LOT_KIND, lot_id)
        if lot is None:
            return [], set()
        needs = any(
            (standard := standard_from_state(self.state, digest)) is not None
            and any(c.applies_to == "lot" for c in standard.criteria)
            for digest in sorted(origin.standards)
        )
        if not needs:
            return [], set()
        chain = [lot_id, *self.state.reachable(LOT_INPUT, lot_id)]
        for candidate in chain:
            found = _active_passing(self.state, subject_node("lot", candidate), lot["product"])
            if found:
                return [], {v["verification_id"] for v in found}
        return [Reason(
            "lot_criteria_unverified", lot_id, f"lot:{lot_id}",
            "the standard has lot-level criteria (e.g. lab results) and no passing "
            "verification covers this lot or its upstream lots",
            "la norma tiene criterios por lote (p. ej. análisis de laboratorio) y "
            "ninguna verificación aprobada cubre este lote ni sus lotes de origen",
        )], set()  # fmt: skip


def check_eligibility(state: State, lot_id: str, *, stock: bool = False) -> Eligibility:
    """Whether ``lot_id`` may carry the label now, with every reason when it may not.

    Inputs only need certified origins (segregation); lot-level criteria apply to the lot
    asked about, met by a lot verification of it or of any lot upstream of it. With
    ``stock``, the answer also says how much of the lot is left and which transformations
    consumed the rest (three more queries; the label rules read the balance themselves).
    """
    checker = _Checker(state, lot_id)
    origin = checker.origin(lot_id)
    lot_reasons, lot_verifications = checker.lot_criteria(lot_id, origin)
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
    reasons: what counting needs (``verifiers.indicators`` judges every shipped and sold
    lot, and on a lineage that fails the sentences cost more than the walk)."""
    checker = _Checker(state, lot_id, explain=False)
    origin = checker.origin(lot_id)
    return origin.ok and not checker.lot_criteria(lot_id, origin)[0]
