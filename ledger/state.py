"""Projection state: the derived tables that entry types read and write while appending.

Every table other than the ledger's own is a projection (DESIGN §1): derived from entries,
updated in the same transaction as the append and rebuildable by replaying the ledger. Entry
types see projections only through :class:`State`, a small keyed-document interface, so one
piece of rule code runs against the SQL store (inside the append transaction), against memory
(unit tests, offline verification of exported entries) and during ``rebuild``.

Documents are JSON objects addressed by ``(kind, key)``. Values handed out by ``get`` must be
treated as read-only: write a new dict with ``put`` instead of mutating.

Left out: persistence (``ledger.storage``), and any query richer than key lookup and a scan of
one kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

__all__ = ["InMemoryState", "StagedState", "State", "field_names", "fields_of", "state_json"]


def state_json(value: dict[str, Any]) -> str:
    """The stored text of a projection document: deterministic, compact JSON.

    Projections are never hashed or signed (entries are; see ``ledger.canonical``), so the
    fast standard encoder with sorted keys is enough to make replay comparisons exact.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class State(Protocol):
    """Keyed JSON documents grouped by kind, and directed links between keys.

    Links (``kind``, ``src`` → ``dst``) carry graphs such as lot lineage, so that the SQL
    store can walk them with a recursive query instead of loading documents one by one.
    """

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        """Return the document or ``None``."""

    def put(self, kind: str, key: str, value: dict[str, Any], seq: int) -> None:
        """Create or replace a document; ``seq`` is the entry that wrote it."""

    def scan(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield every ``(key, document)`` of a kind, ordered by key."""

    def scan_written(self, kind: str) -> Iterator[tuple[str, dict[str, Any], int]]:
        """Yield every ``(key, document, seq)`` of a kind, ``seq`` the entry that last wrote
        the document, read together (in any order)."""

    def written_seqs(self, kind: str) -> Iterator[tuple[str, int]]:
        """Yield every ``(key, seq)`` of a kind without reading the documents (in any order).

        A committed entry's writes never change again, and a later write carries a later
        seq: an unchanged ``(kind, key, seq)`` is an unchanged document, which is what lets
        a state commitment reuse the leaf hashes it computed moments earlier
        (``ledger.state_commitment.reusing``)."""

    def link(self, kind: str, src: str, dst: str, seq: int) -> None:
        """Record the link ``src`` → ``dst`` (idempotent)."""

    def linked(self, kind: str, node: str, *, reverse: bool = False) -> list[str]:
        """Direct successors of ``node`` (predecessors with ``reverse``), sorted."""

    def reachable(self, kind: str, start: str, *, reverse: bool = False) -> list[str]:
        """Every node reachable from ``start`` (not including it), sorted."""

    def reachable_edges(
        self, kind: str, start: str, *, reverse: bool = False
    ) -> list[tuple[str, str]]:
        """Every link ``(src, dst)`` on the walk from ``start``, sorted (one query in SQL)."""

    def links_from(self, kind: str, nodes: list[str]) -> list[tuple[str, str]]:
        """Every link ``(src, dst)`` leaving any of ``nodes``, sorted."""

    def scan_links(self, kind: str) -> list[tuple[str, str]]:
        """Every link ``(src, dst)`` of a kind, sorted by code point (a state commitment
        hashes them in this order, ``ledger.state_commitment``)."""

    def get_many(self, kind: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The documents that exist among ``keys``."""

    def get_fields(
        self, kind: str, keys: list[str] | None, paths: list[str]
    ) -> dict[str, list[Any]]:
        """Of each document among ``keys`` (every one of the kind, ordered as ``scan``
        orders them, with ``None``), the values at ``paths`` in their order: dotted member
        names such as ``harvest.from``, each value ``None`` where its path leads nowhere.

        What a reader needs of many large documents (a plot's polygon, a lot's history)
        without decoding them whole: the SQL store extracts the values in the database,
        and checks each row's seal as ``get`` does.
        """

    def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """A hint: these ``(kind, key)`` documents are about to be read.

        A store that pays a round trip per read fetches them together, so an entry type's
        rules cost one query for their inputs instead of one per document; in memory it is
        a no-op. Reads after it return exactly what they would have without it.
        """


Link = tuple[str, str, str]


class InMemoryState:
    """State held in dicts: for unit tests and for verifying exported entries offline.

    Documents and links are filed by kind first: the figures scan one kind many times
    over a state of millions of documents of a dozen kinds (an indicator report's short
    evidence, ``verifiers.indicators.state_evidence``), and a scan then reads its own
    kind only.
    """

    def __init__(self) -> None:
        self._docs: dict[str, dict[str, tuple[dict[str, Any], int]]] = {}
        self._links: dict[str, dict[tuple[str, str], int]] = {}
        self._out: dict[tuple[str, str], list[str]] = {}
        self._in: dict[tuple[str, str], list[str]] = {}

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        found = self._docs.get(kind, _NONE).get(key)
        return None if found is None else found[0]

    def put(self, kind: str, key: str, value: dict[str, Any], seq: int) -> None:
        docs = self._docs.get(kind)
        if docs is None:
            docs = self._docs[kind] = {}
        docs[key] = (value, seq)

    def scan(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        docs = self._docs.get(kind, _NONE)
        for key in sorted(docs):
            yield key, docs[key][0]

    def scan_written(self, kind: str) -> Iterator[tuple[str, dict[str, Any], int]]:
        for key, (doc, seq) in self._docs.get(kind, _NONE).items():
            yield key, doc, seq

    def written_seqs(self, kind: str) -> Iterator[tuple[str, int]]:
        for key, (_doc, seq) in self._docs.get(kind, _NONE).items():
            yield key, seq

    def link(self, kind: str, src: str, dst: str, seq: int) -> None:
        links = self._links.get(kind)
        if links is None:
            links = self._links[kind] = {}
        if (src, dst) in links:
            return
        links[(src, dst)] = seq
        # Lists, not sets (the check above keeps them free of duplicates): a committed
        # state has a few hundred thousand links, most the only one of their node, and a
        # one-element set costs four times the memory and twice the time of a list.
        out = self._out.get((kind, src))
        if out is None:
            self._out[(kind, src)] = [dst]
        else:
            out.append(dst)
        into = self._in.get((kind, dst))
        if into is None:
            self._in[(kind, dst)] = [src]
        else:
            into.append(src)

    def linked(self, kind: str, node: str, *, reverse: bool = False) -> list[str]:
        table = self._in if reverse else self._out
        return sorted(table.get((kind, node), ()))

    def reachable(self, kind: str, start: str, *, reverse: bool = False) -> list[str]:
        return sorted(_walk(lambda n: self.linked(kind, n, reverse=reverse), start))

    def reachable_edges(
        self, kind: str, start: str, *, reverse: bool = False
    ) -> list[tuple[str, str]]:
        return _edges(self, kind, start, reverse)

    def links_from(self, kind: str, nodes: list[str]) -> list[tuple[str, str]]:
        return sorted((n, d) for n in set(nodes) for d in self.linked(kind, n))

    def scan_links(self, kind: str) -> list[tuple[str, str]]:
        return sorted(self._links.get(kind, _NONE))

    def get_many(self, kind: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        docs = self._docs.get(kind, _NONE)
        return {k: found[0] for k in keys if (found := docs.get(k)) is not None}

    def get_fields(
        self, kind: str, keys: list[str] | None, paths: list[str]
    ) -> dict[str, list[Any]]:
        return fields_of(self, kind, keys, paths)

    def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """In memory: nothing to fetch."""

    def dump(self) -> dict[tuple[str, str], tuple[dict[str, Any], int]]:
        """Every document with the seq that wrote it, for replay-equality checks."""
        return {
            (kind, key): found for kind, docs in self._docs.items() for key, found in docs.items()
        }

    def dump_links(self) -> dict[Link, int]:
        """Every link with the seq that wrote it."""
        return {(kind, src, dst): seq for kind, links in self._links.items()
                for (src, dst), seq in links.items()}  # fmt: skip

    def rows(self) -> list[tuple[str, str, str, int]]:
        """``(kind, key, JSON, seq)`` sorted: the shape ``SqlLedgerStore.projection_rows`` has."""
        return [(k, key, state_json(v), s) for (k, key), (v, s) in sorted(self.dump().items())]

    def link_rows(self) -> list[tuple[str, str, str, int]]:
        """``(kind, src, dst, seq)`` sorted: the shape ``SqlLedgerStore.link_rows`` has."""
        return [(k, src, dst, seq) for (k, src, dst), seq in sorted(self.dump_links().items())]


_NONE: dict[Any, Any] = {}
"""The documents or links of a kind with none (never written to)."""


def field_names(path: str) -> list[str]:
    """The member names of a ``get_fields`` path (letters, digits and ``_`` only, so a SQL
    store can quote them into a JSON path).

    Raises:
        ValueError: an empty name or another character.
    """
    names = path.split(".")
    if not all(name and name.replace("_", "a").isalnum() and name.isascii() for name in names):
        raise ValueError(f"a field path is dotted names of letters, digits and _: {path!r}")
    return names


def fields_picker(paths: list[str]) -> Callable[[dict[str, Any]], list[Any]]:
    """What takes the values at ``paths`` out of one document (``State.get_fields``), each
    path's names looked up in turn, ``None`` where one leads nowhere.

    Raises:
        ValueError: a path that is not dotted names (``field_names``).
    """
    split = [field_names(path) for path in paths]

    def pick(doc: dict[str, Any]) -> list[Any]:
        values = []
        for names in split:
            value: Any = doc
            for name in names:
                value = value.get(name) if isinstance(value, dict) else None
            values.append(value)
        return values

    return pick


def fields_of(
    state: State, kind: str, keys: list[str] | None, paths: list[str]
) -> dict[str, list[Any]]:
    """``State.get_fields`` from whole documents (what a store in memory answers)."""
    pick = fields_picker(paths)
    docs = state.scan(kind) if keys is None else state.get_many(kind, keys).items()
    return {key: pick(doc) for key, doc in docs}


def _edges(state: State, kind: str, start: str, reverse: bool) -> list[tuple[str, str]]:
    nodes = [start, *state.reachable(kind, start, reverse=reverse)]
    if reverse:
        return sorted((s, n) for n in nodes for s in state.linked(kind, n, reverse=True))
    return sorted((n, d) for n in nodes for d in state.linked(kind, n))


def _walk(successors: Callable[[str], list[str]], start: str) -> set[str]:
    seen: set[str] = set()
    frontier = [start]
    while frontier:
        node = frontier.pop()
        for nxt in successors(node):
            if nxt not in seen and nxt != start:
                seen.add(nxt)
                frontier.append(nxt)
    return seen


class StagedState:
    """Buffers writes over a base state until :meth:`commit`.

    An entry type may raise after some of its writes; in memory there is no database
    transaction to roll them back, so the writes stay staged and are dropped. A batch
    append (``ledger.chain.append_batch``) stages each statement over its transaction's
    state the same way: a refused statement's writes are dropped, the transaction (and the
    statements admitted before and after it) goes on.
    """

    def __init__(self, base: State) -> None:
        self._base = base
        self._writes: dict[tuple[str, str], tuple[dict[str, Any], int]] = {}
        self._links: dict[Link, int] = {}

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        staged = self._writes.get((kind, key))
        return staged[0] if staged is not None else self._base.get(kind, key)

    def put(self, kind: str, key: str, value: dict[str, Any], seq: int) -> None:
        self._writes[(kind, key)] = (value, seq)

    def scan(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        merged = dict(self._base.scan(kind))
        merged.update({k: v[0] for (kd, k), v in self._writes.items() if kd == kind})
        for key in sorted(merged):
            yield key, merged[key]

    def scan_written(self, kind: str) -> Iterator[tuple[str, dict[str, Any], int]]:
        staged = {k: v for (kd, k), v in self._writes.items() if kd == kind}
        for key, doc, seq in self._base.scan_written(kind):
            if key not in staged:
                yield key, doc, seq
        for key, (doc, seq) in staged.items():
            yield key, doc, seq

    def written_seqs(self, kind: str) -> Iterator[tuple[str, int]]:
        staged = {k: v[1] for (kd, k), v in self._writes.items() if kd == kind}
        for key, seq in self._base.written_seqs(kind):
            if key not in staged:
                yield key, seq
        yield from staged.items()

    def link(self, kind: str, src: str, dst: str, seq: int) -> None:
        self._links.setdefault((kind, src, dst), seq)

    def linked(self, kind: str, node: str, *, reverse: bool = False) -> list[str]:
        found = set(self._base.linked(kind, node, reverse=reverse))
        for k, src, dst in self._links:
            if k == kind and (dst if reverse else src) == node:
                found.add(src if reverse else dst)
        return sorted(found)

    def reachable(self, kind: str, start: str, *, reverse: bool = False) -> list[str]:
        return sorted(_walk(lambda n: self.linked(kind, n, reverse=reverse), start))

    def reachable_edges(
        self, kind: str, start: str, *, reverse: bool = False
    ) -> list[tuple[str, str]]:
        return _edges(self, kind, start, reverse)

    def links_from(self, kind: str, nodes: list[str]) -> list[tuple[str, str]]:
        return sorted((n, d) for n in set(nodes) for d in self.linked(kind, n))

    def scan_links(self, kind: str) -> list[tuple[str, str]]:
        staged = {(src, dst) for (k, src, dst) in self._links if k == kind}
        return sorted(staged.union(self._base.scan_links(kind)))

    def get_many(self, kind: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        return {k: doc for k in keys if (doc := self.get(kind, k)) is not None}

    def get_fields(
        self, kind: str, keys: list[str] | None, paths: list[str]
    ) -> dict[str, list[Any]]:
        return fields_of(self, kind, keys, paths)

    def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """What is not staged is the base's to fetch (a no-op in memory)."""
        self._base.prefetch(k for k in keys if k not in self._writes)

    def commit(self) -> None:
        """Apply the staged writes to the base state."""
        for (kind, key), (value, seq) in self._writes.items():
            self._base.put(kind, key, value, seq)
        for (kind, src, dst), seq in self._links.items():
            self._base.link(kind, src, dst, seq)
        self._writes.clear()
        self._links.clear()
