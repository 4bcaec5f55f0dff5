"""``state.committed``: a Merkle root over chosen projection documents, checked by replay.

A report that must be verifiable without replaying the whole log (programme indicators at a
million entries: ``docs/indicators.md``) can carry the projection documents its figures read
instead of the entries that wrote them — if something ties those documents to the log. This
entry is that tie. Signed by the log operator (or a root key), it names kinds of documents
and links and states, for the state at its own position (after every entry before it,
before itself):

* how many documents of each kind and links of each kind there are, and
* the RFC 9162 Merkle root (``ledger.merkle``, the log's own tree hash) over one leaf per
  document and per link, each leaf the RFC 8785 bytes of ``["doc", kind, key, document]`` or
  ``["link", kind, src, dst]``, documents first in (kind, key) order, then links in
  (kind, src, dst) order, comparing strings by code point.

Admission recomputes both from the state and refuses the entry naming what differs; the
same rule runs when ``biotraza ledger verify`` replays the log, so a state root that does
not follow from the entries before it fails verification at that entry for anyone who
audits the log. A holder of the leaves recomputes the root offline: a withheld, added or
altered document changes it (completeness as well as integrity). The exact bytes are
specified in ``docs/entry-format.md``.

Left out: which kinds a report needs (its verifier's choice, e.g. ``verifiers.indicators``)
and the checkpoint and inclusion proof that tie the entry to a signed tree head.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledger.canonical import canonicalize
from ledger.errors import DomainRuleError
from ledger.hashing import leaf_hash
from ledger.merkle import root_from_leaf_hashes
from ledger.registry import AppendContext, EntryType
from ledger.state import State

__all__ = [
    "BLOCK_LEAVES",
    "STATE_COMMITMENT_KIND",
    "STATE_COMMITTED_TYPE",
    "BlockRoots",
    "KnownLeaves",
    "StateCommittedBody",
    "remembered_commitment",
    "reusing",
    "state_commitment",
    "state_commitment_entry_types",
    "state_leaves",
]

STATE_COMMITTED_TYPE = "state.committed"
STATE_COMMITMENT_KIND = "state_commitment"  # key: the entry's seq, as a decimal string

_KIND = r"^[a-z][a-z0-9_.]{0,63}$"
_MAX_KINDS = 64


def _kinds(value: dict[str, int]) -> dict[str, int]:
    for kind, count in value.items():
        if not re.fullmatch(_KIND, kind):
            raise ValueError(f"{kind!r} is not a kind name ({_KIND})")
        if count < 0:
            raise ValueError(f"{kind}: a count cannot be negative")
    return value


class StateCommittedBody(BaseModel):
    """The body of ``state.committed``: what is committed and its root."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    kinds: dict[str, int] = Field(min_length=1, max_length=_MAX_KINDS)
    """Document kind → number of documents of that kind in the state."""
    link_kinds: dict[str, int] = Field(max_length=_MAX_KINDS)
    """Link kind → number of links of that kind in the state."""
    root: str = Field(pattern="^[0-9a-f]{64}$")
    """RFC 9162 MTH over the leaves, lowercase hex."""

    _check = field_validator("kinds", "link_kinds")(_kinds)


Leaf = tuple[str, str, bytes]
"""``("doc" | "link", kind, leaf bytes)``."""

KnownLeaves = dict[tuple[str, str, int], bytes]
"""Leaf hashes of documents by ``(kind, key, seq of the entry that last wrote it)``."""

_KNOWN: ContextVar[KnownLeaves | None] = ContextVar("state_commitment_known", default=None)


def state_leaves(state: State, kinds: Iterable[str], link_kinds: Iterable[str]) -> Iterator[Leaf]:
    """Every leaf of a commitment over these kinds, in order.

    Sorted here by code point, not by the store: SQL collations differ between engines.
    """
    for kind in sorted(kinds):
        for key, doc in sorted(state.scan(kind), key=lambda item: item[0]):
            yield "doc", kind, canonicalize(["doc", kind, key, doc])
    yield from _link_leaves(state, link_kinds)


def _link_leaves(state: State, link_kinds: Iterable[str]) -> Iterator[Leaf]:
    for kind in sorted(link_kinds):
        for src, dst in state.scan_links(kind):
            yield "link", kind, canonicalize(["link", kind, src, dst])


HashedLeaf = tuple[str, str, bytes]
"""``("doc" | "link", kind, leaf hash)``."""


def _hashed(leaves: Iterable[Leaf]) -> Iterator[HashedLeaf]:
    for tag, kind, leaf in leaves:
        yield tag, kind, bytes(leaf_hash(leaf))


def _commitment(
    hashed: Iterable[HashedLeaf], kinds: Iterable[str], link_kinds: Iterable[str]
) -> dict[str, Any]:
    counts = {"doc": dict.fromkeys(sorted(kinds), 0), "link": dict.fromkeys(sorted(link_kinds), 0)}
    hashes: list[bytes] = []
    for tag, kind, digest in hashed:
        counts[tag][kind] += 1
        hashes.append(digest)
    return {
        "kinds": counts["doc"],
        "link_kinds": counts["link"],
        "root": root_from_leaf_hashes(hashes).hex(),
    }


def state_commitment(
    leaves: Iterable[Leaf], kinds: Iterable[str], link_kinds: Iterable[str]
) -> dict[str, Any]:
    """The body a ``state.committed`` entry states for these leaves: counts and root.

    The caller vouches that the leaves are in commitment order (:func:`state_leaves` makes
    them so); an offline checker gets that for free, since any other order changes the root.

    Raises:
        KeyError: a leaf of a kind not named in ``kinds`` / ``link_kinds``.
    """
    return _commitment(_hashed(leaves), kinds, link_kinds)


BLOCK_LEAVES = 8192
"""Leaves per block of :class:`BlockRoots`: a power of two, so each full block is one
complete subtree of the RFC 9162 tree, a few megabytes of leaf lines."""


def block_root(lines: bytes) -> bytes:
    """The RFC 9162 Merkle root of the leaves of a block: each line of ``lines`` without
    its newline (the last may lack one) is a leaf's bytes. A worker's task."""
    leaves = lines.split(b"\n")
    if leaves[-1] == b"":
        leaves.pop()
    return bytes(root_from_leaf_hashes([leaf_hash(leaf) for leaf in leaves]))


class BlockRoots:
    """The root of a tree of leaf lines handed over in order, :data:`BLOCK_LEAVES` at a
    time, hashed here or in worker processes while the caller decodes the same lines.

    Every block but the last is a complete subtree starting at a multiple of its size, and
    the last (shorter) one is the ragged right edge, so the level-by-level root over the
    block roots (``ledger.merkle.root_from_leaf_hashes``) is the tree's root: the bytes
    hashed are the caller's, never read again, and the answer is the same either way.
    With ``workers`` (``ledger.chain.signature_workers`` decides how many, as for a
    replay's signatures), at most a few blocks per worker wait in memory.
    """

    def __init__(self, workers: int) -> None:
        self._pool = ProcessPoolExecutor(workers) if workers > 0 else None
        self._limit = 4 * workers
        self._roots: list[bytes | Future[bytes]] = []
        self._waiting = 0  # index of the first root that may still be a future

    def add(self, lines: bytes) -> None:
        """The next block: :data:`BLOCK_LEAVES` leaf lines, fewer only for the last."""
        if self._pool is None:
            self._roots.append(block_root(lines))
            return
        self._roots.append(self._pool.submit(block_root, lines))
        while len(self._roots) - self._waiting > self._limit:
            self._settle()

    def _settle(self) -> None:
        found = self._roots[self._waiting]
        if isinstance(found, Future):
            self._roots[self._waiting] = found.result()
        self._waiting += 1

    def root(self) -> str:
        """The tree's root, lowercase hex, once every block is hashed."""
        while self._waiting < len(self._roots):
            self._settle()
        roots = [r for r in self._roots if isinstance(r, bytes)]
        return root_from_leaf_hashes(roots).hex()

    def close(self) -> None:
        """Stop the workers (dropping blocks not yet hashed, after a failure)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def remembered_commitment(
    state: State, kinds: Iterable[str], link_kinds: Iterable[str]
) -> tuple[dict[str, Any], KnownLeaves]:
    """:func:`state_commitment` of :func:`state_leaves`, and each document's leaf hash by
    ``(kind, key, seq)``, for the admission of the entry to reuse (:func:`reusing`).

    Each document is read with its seq in one row, so a hash is never filed under the seq
    of a later version of its document.
    """
    known: KnownLeaves = {}

    def documents() -> Iterator[HashedLeaf]:
        for kind in sorted(kinds):
            for key, doc, seq in sorted(state.scan_written(kind), key=lambda item: item[0]):
                digest = bytes(leaf_hash(canonicalize(["doc", kind, key, doc])))
                known[(kind, key, seq)] = digest
                yield "doc", kind, digest
        yield from _hashed(_link_leaves(state, link_kinds))

    return _commitment(documents(), kinds, link_kinds), known


@contextmanager
def reusing(known: KnownLeaves) -> Iterator[None]:
    """While inside, the admission of a ``state.committed`` entry takes a document's leaf
    hash from ``known`` when the document's ``(kind, key, seq)`` is there, instead of
    reading, encoding and hashing the document again.

    The admission still recomputes the counts and the root from the state it admits at
    (every key, every link, and every document written since ``known`` was made, since a
    write carries a later seq): a root that does not follow from that state is refused
    as before. What is reused is only the ledger's own hash of a document version that a
    committed entry wrote and no entry can change again; the statement's root is never
    trusted. ``known`` comes from :func:`remembered_commitment` in this process; a replay
    (``biotraza ledger verify``) runs without it and recomputes everything.

    A context variable, so only this thread's appends see it (a group commit led by another
    thread admits the entry without it, recomputing everything: slower, not different).
    """
    token = _KNOWN.set(known)
    try:
        yield
    finally:
        _KNOWN.reset(token)


def _admitted_leaves(
    state: State, kinds: Iterable[str], link_kinds: Iterable[str]
) -> Iterator[HashedLeaf]:
    """The hashed leaves of the state being admitted at, reusing :func:`reusing`'s hashes."""
    known = _KNOWN.get()
    if known is None:
        yield from _hashed(state_leaves(state, kinds, link_kinds))
        return
    for kind in sorted(kinds):
        for key, seq in sorted(state.written_seqs(kind), key=lambda item: item[0]):
            digest = known.get((kind, key, seq))
            if digest is None:  # written since: read, encode and hash it here
                doc = state.get(kind, key)
                digest = bytes(leaf_hash(canonicalize(["doc", kind, key, doc])))
            yield "doc", kind, digest
    yield from _hashed(_link_leaves(state, link_kinds))


def _differences(stated: StateCommittedBody, found: Mapping[str, Any]) -> list[str]:
    out = []
    for field in ("kinds", "link_kinds"):
        mine: dict[str, int] = found[field]
        theirs: dict[str, int] = getattr(stated, field)
        for kind in sorted(set(mine) | set(theirs)):
            if mine.get(kind) != theirs.get(kind):
                out.append(f"{field}.{kind}: the entry says {theirs.get(kind)}, the state has "
                           f"{mine.get(kind)}")  # fmt: skip
    if not out and found["root"] != stated.root:
        out.append(f"root: the entry says {stated.root}, the state gives {found['root']} "
                   "(same counts: a document or link differs)")  # fmt: skip
    return out


def _apply(ctx: AppendContext, body: StateCommittedBody) -> None:
    """Recompute the commitment from the state before this entry; refuse any difference."""
    kinds, link_kinds = list(body.kinds), list(body.link_kinds)
    found = _commitment(_admitted_leaves(ctx.state, kinds, link_kinds), kinds, link_kinds)
    differences = _differences(body, found)
    if differences:
        raise DomainRuleError(
            f"state root at seq {ctx.seq} does not match the state: " + "; ".join(differences),
            field="statement.body.root",
        )
    ctx.state.put(
        STATE_COMMITMENT_KIND, str(ctx.seq), {**body.model_dump(), "seq": ctx.seq}, ctx.seq
    )


def state_commitment_entry_types() -> list[EntryType]:
    """``state.committed``, signed by the log operator or a root key."""
    return [
        EntryType(
            name=STATE_COMMITTED_TYPE,
            body_model=StateCommittedBody,
            roles=frozenset({"operator", "root"}),
            apply=_apply,
            description="A Merkle root over named projection kinds at this position.",
        )
    ]
