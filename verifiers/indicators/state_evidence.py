"""The short evidence of an indicator report: the committed state, not every entry.

Replaying a million entries (Ed25519 alone ≈ 100 s on one core) cannot meet a 30-second
offline check, so a report may instead carry (``docs/indicators.md``, "Qué verifica el
donante"):

* a ``state.committed`` entry (``ledger.state_commitment``) at seq N — a Merkle root over
  every document and link of the kinds the figures read (:data:`STATE_KINDS`,
  :data:`STATE_LINK_KINDS`) in the state before N;
* its RFC 9162 inclusion proof in the operator-signed checkpoint of the report;
* every leaf of that commitment, one per line.

The donor checks the inclusion proof against the signed root, recomputes the state root and
counts from the carried leaves (a withheld revocation or an altered document changes them)
and recomputes the figures from a state holding exactly those documents, with the same code
that computed them (``verifiers.indicators.figures``). What it no longer re-checks itself is
that the committed state follows from the entries: the log admitted the entry only after
recomputing the root from its state, and ``biotraza ledger verify`` recomputes it again for
anyone who audits the log.

Left out: the checkpoint signature and the figure comparison (``verifiers.indicators.report``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from pydantic import ValidationError

from ledger.entries import Entry
from ledger.errors import LedgerError
from ledger.merkle import verify_inclusion
from ledger.state import InMemoryState
from ledger.state_commitment import (
    BLOCK_LEAVES,
    STATE_COMMITTED_TYPE,
    BlockRoots,
    StateCommittedBody,
)
from ledger.supply.lots import LOT_INPUT, LOT_KIND, LOT_ORIGIN
from ledger.supply.orgs import ORG_KIND
from ledger.supply.payments import PURCHASE_KIND
from ledger.supply.sales import SALE_KIND
from ledger.supply.sites import APIARY_KIND, PLOT_KIND
from ledger.supply.transfers import SHIPMENT_KIND
from verifiers.certification import STANDARD_KIND, VERIFICATION_KIND, VERIFIES
from verifiers.indicators.figures import ISSUANCE_KIND, LABEL_LOT_KIND
from verifiers.training import TRAINING_KIND

__all__ = [
    "STATE_KINDS",
    "STATE_LINK_KINDS",
    "CoveredState",
    "EvidenceError",
    "UncoveredKindError",
    "check_state_entry",
    "committed_state",
]

STATE_KINDS = (
    APIARY_KIND, ISSUANCE_KIND, LABEL_LOT_KIND, LOT_KIND, ORG_KIND, PLOT_KIND, PURCHASE_KIND,
    SALE_KIND, SHIPMENT_KIND, STANDARD_KIND, TRAINING_KIND, VERIFICATION_KIND,
)  # fmt: skip
"""The document kinds ``compute_figures`` reads (eligibility included)."""

STATE_LINK_KINDS = (LOT_INPUT, LOT_ORIGIN, VERIFIES)
"""The link kinds it walks: lot lineage, harvest origins, verified subjects."""


class EvidenceError(Exception):
    """The state evidence fails a check: ``where`` names the step, the message says why."""

    def __init__(self, where: str, why: str) -> None:
        super().__init__(why)
        self.where = where


class UncoveredKindError(LookupError):
    """The figures read a kind the commitment does not cover (a verifier/report mismatch)."""


def check_state_entry(
    state_entry: Any, tree_size: int, root_hash: bytes
) -> tuple[int, dict[str, Any]]:
    """The header's ``state_entry`` is a ``state.committed`` entry included in the
    checkpoint's tree, committing to every kind the figures read.

    Returns:
        The entry's seq and body.

    Raises:
        EvidenceError: naming the field and the reason.
    """
    if not isinstance(state_entry, dict) or set(state_entry) != {"seq", "leaf", "inclusion"}:
        raise EvidenceError("state_entry", "expected {seq, leaf, inclusion}")
    seq, leaf, proof = state_entry["seq"], state_entry["leaf"], state_entry["inclusion"]
    if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(leaf, str):
        raise EvidenceError("state_entry", "seq must be an integer and leaf a string")
    if not isinstance(proof, list) or not all(isinstance(h, str) for h in proof):
        raise EvidenceError("state_entry.inclusion", "expected a list of hex hashes")
    try:
        entry = Entry.from_leaf_bytes(leaf.encode("utf-8"))
        hashes = [bytes.fromhex(h) for h in proof]
        if entry.seq != seq:
            raise EvidenceError("state_entry.seq", f"{seq}, the leaf says {entry.seq}")
        verify_inclusion(bytes(entry.entry_hash), seq, tree_size, hashes, root_hash)
    except (LedgerError, ValueError) as exc:
        raise EvidenceError(
            "state_entry.inclusion", f"entry {seq} is not in the checkpoint's tree: {exc}"
        ) from exc
    statement = entry.statement
    if statement.type != STATE_COMMITTED_TYPE:
        raise EvidenceError(
            "state_entry", f"entry {seq} is {statement.type}, not {STATE_COMMITTED_TYPE}"
        )
    try:
        body = StateCommittedBody.model_validate(statement.body).model_dump()
    except ValidationError as exc:
        raise EvidenceError("state_entry", f"entry {seq}: not a state commitment ({exc})") from exc
    missing = sorted(set(STATE_KINDS) - set(body["kinds"]))
    missing += sorted(set(STATE_LINK_KINDS) - set(body["link_kinds"]))
    if missing:
        raise EvidenceError(
            "state_entry", f"entry {seq} does not commit to {missing}, which the figures read"
        )
    return seq, body


def _stored(
    block: list[bytes],
    state: InMemoryState,
    counts: dict[str, dict[str, int]],
    done: int,
    count: Callable[[int], None],
) -> int:
    """Each line of a block parsed, checked for shape, counted by tag and kind and stored
    in ``state``; one loop, since at a million entries this runs a few million times
    (``bench.bench_indicators``). Returns the leaves done so far.

    Raises:
        KeyError: a kind the commitment does not name for the leaf's tag.
    """
    # str in, not bytes: json.loads would detect the encoding of every line first. The
    # decoder's own scanner (what decode() calls) first: a third less per line than
    # decode(), which looks for whitespace around the value with two regular expressions; a
    # line the scanner does not read to its end from its first character (whitespace, or
    # more than one value) goes to decode(), for the same value or error. (scan_once is set
    # by JSONDecoder.__init__; typeshed does not declare it.)
    decoder = json.JSONDecoder()
    scan: Callable[[str, int], tuple[Any, int]] = decoder.scan_once  # type: ignore[attr-defined]
    decode, put, link = decoder.decode, state.put, state.link
    docs, links = counts["doc"], counts["link"]
    seq = -1  # no entry wrote these documents here; the figures never read a document's seq
    for line in block:
        leaf = line[:-1] if line[-1:] == b"\n" else line
        try:
            text = leaf.decode("utf-8")
            try:
                value, end = scan(text, 0)
            except StopIteration:
                end = -1
            tag, kind, first, second = value if end == len(text) else decode(text)
        except (ValueError, TypeError) as exc:
            raise EvidenceError("state", f"line {done + 2}: not a state leaf ({exc})") from exc
        if type(kind) is not str or type(first) is not str:
            raise EvidenceError("state", f"line {done + 2}: kind and key must be strings")
        if tag == "doc" and type(second) is dict:
            put(kind, first, second, seq)
            docs[kind] += 1
        elif tag == "link" and type(second) is str:
            link(kind, first, second, seq)
            links[kind] += 1
        else:
            raise EvidenceError("state", f"line {done + 2}: not a document or link leaf")
        done += 1
        if done % 10_000 == 0:
            count(done)
    return done


def committed_state(
    lines: Iterable[bytes],
    body: dict[str, Any],
    count: Callable[[int], None],
    *,
    workers: int = 0,
) -> CoveredState:
    """The state the leaves hold, after checking they are exactly the committed ones.

    Decoding the leaves into documents is most of the work; hashing them into the root is
    the rest, and needs nothing decoded. With ``workers``, worker processes hash each
    block of lines (``ledger.state_commitment.BlockRoots``) while this one decodes it:
    the same bytes, the same checks in the same order, the same failures.

    Args:
        lines: the report's lines after the header, one leaf each.
        body: the ``state.committed`` body (checked by :func:`check_state_entry`).
        count: told how many leaves were read so far, now and then.
        workers: processes that hash the leaves (0: this one).

    Raises:
        EvidenceError: a malformed line, a leaf of a kind the entry does not name, or counts
            or a root that differ from the entry's (naming the kind that differs).
    """
    kinds, link_kinds = dict(body["kinds"]), dict(body["link_kinds"])
    state = InMemoryState()
    counts = {"doc": dict.fromkeys(kinds, 0), "link": dict.fromkeys(link_kinds, 0)}
    rest = iter(lines)
    blocks = iter(lambda: list(islice(rest, BLOCK_LEAVES)), [])
    roots = BlockRoots(workers)
    try:
        done = 0
        for block in blocks:
            roots.add(b"".join(block))
            done = _stored(block, state, counts, done, count)
        count(done)
        root = roots.root()
    except KeyError as exc:
        raise EvidenceError("state", f"a leaf of kind {exc} the entry does not commit to") from exc
    finally:
        roots.close()
    found = {"kinds": counts["doc"], "link_kinds": counts["link"]}
    for name in ("kinds", "link_kinds"):
        for kind, stated in body[name].items():
            if found[name].get(kind) != stated:
                carried = found[name].get(kind)
                raise EvidenceError(
                    f"state.{name}.{kind}",
                    f"the state commitment counts {stated}, the report carries {carried}",
                )
    if root != body["root"]:
        raise EvidenceError("state.root", "the carried documents' Merkle root is not the "
                            "committed one: a document was altered, added or withheld")  # fmt: skip
    return CoveredState(state, set(kinds), set(link_kinds))


class CoveredState:
    """A :class:`ledger.state.State` of committed documents only, read-only: a read of any
    other kind raises :class:`UncoveredKindError` instead of answering "none"."""

    def __init__(self, inner: InMemoryState, kinds: set[str], link_kinds: set[str]) -> None:
        self._inner = inner
        self._kinds = kinds
        self._link_kinds = link_kinds

    def _doc(self, kind: str) -> InMemoryState:
        if kind not in self._kinds:
            raise UncoveredKindError(f"documents of kind {kind!r}")
        return self._inner

    def _link(self, kind: str) -> InMemoryState:
        if kind not in self._link_kinds:
            raise UncoveredKindError(f"links of kind {kind!r}")
        return self._inner

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        return self._doc(kind).get(kind, key)

    def put(self, kind: str, key: str, value: dict[str, Any], seq: int) -> None:
        raise TypeError("a committed state is read-only")

    def scan(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        return self._doc(kind).scan(kind)

    def scan_written(self, kind: str) -> Iterator[tuple[str, dict[str, Any], int]]:
        return self._doc(kind).scan_written(kind)

    def written_seqs(self, kind: str) -> Iterator[tuple[str, int]]:
        return self._doc(kind).written_seqs(kind)

    def link(self, kind: str, src: str, dst: str, seq: int) -> None:
        raise TypeError("a committed state is read-only")

    def linked(self, kind: str, node: str, *, reverse: bool = False) -> list[str]:
        return self._link(kind).linked(kind, node, reverse=reverse)

    def reachable(self, kind: str, start: str, *, reverse: bool = False) -> list[str]:
        return self._link(kind).reachable(kind, start, reverse=reverse)

    def reachable_edges(
        self, kind: str, start: str, *, reverse: bool = False
    ) -> list[tuple[str, str]]:
        return self._link(kind).reachable_edges(kind, start, reverse=reverse)

    def links_from(self, kind: str, nodes: list[str]) -> list[tuple[str, str]]:
        return self._link(kind).links_from(kind, nodes)

    def scan_links(self, kind: str) -> list[tuple[str, str]]:
        return self._link(kind).scan_links(kind)

    def get_many(self, kind: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        return self._doc(kind).get_many(kind, keys)

    def get_fields(
        self, kind: str, keys: list[str] | None, paths: list[str]
    ) -> dict[str, list[Any]]:
        return self._doc(kind).get_fields(kind, keys, paths)

    def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """In memory: nothing to fetch."""
