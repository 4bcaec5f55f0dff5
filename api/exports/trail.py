"""A lot's trail: which entries every export of the lot covers, read in bounded batches.

:func:`collect_trail` is the one place the exports decide which entries form a lot's trail.
It applies ``verifiers.audit.scope.trail_scope`` — the rule the offline auditor re-applies to
a bundle — to the live projections on one read cursor (two recursive lineage walks, a set
query per kind of document, one query for the signers of the collected entries), and
adds the labels and the EUDR statements through :data:`TRAIL_EXTENSIONS`.
:func:`iter_trail_entries` then reads the entries in seq order, ``batch_size`` at a time, so a
100,000-entry trail never sits in memory.

Left out: formats (each ``api.exports`` module), personal data (only the salted hash in
``producer.registered`` entries is ever read; the side table is not).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from api.services.ledger import LedgerService
from labels.issuance import ISSUANCE_KIND, LABEL_LOT_KIND
from ledger.entries import Entry
from ledger.state import State
from ledger.storage.base import StoredLeaf
from ledger.storage.sql.store import SqlCursor, SqlState
from ledger.supply.dds import dds_trail_seqs
from verifiers.audit.scope import ScopeExtension, trail_scope

__all__ = [
    "TRAIL_EXTENSIONS",
    "Trail",
    "collect_trail",
    "iter_trail_entries",
    "iter_trail_leaves",
    "label_entries",
]

_IN_CHUNK = 500
"""Seqs per ``IN (…)`` list: well under SQLite's parameter limit on every build."""


@dataclass(frozen=True)
class Trail:
    """The entries of a lot's trail (ascending seqs) and the lots they concern."""

    lot_id: str
    seqs: list[int]
    lineage: list[str]
    """The lot and every lot upstream and downstream of it."""
    lots: list[str]
    """Every lot with entries in the trail (the lineage plus what a replay needs)."""

    def __len__(self) -> int:
        return len(self.seqs)


def label_entries(state: State, lots: Sequence[str]) -> Iterable[int]:
    """The label issuances of the given lots and every label revocation concerning them."""
    seqs: set[int] = set()
    issuances: list[str] = []
    for tally in state.get_many(LABEL_LOT_KIND, list(lots)).values():
        issuances += [str(s) for s in tally.get("issuances", [])]
        if isinstance(tally.get("revoked_seq"), int):
            seqs.add(tally["revoked_seq"])
    for doc in state.get_many(ISSUANCE_KIND, issuances).values():
        seqs.add(int(doc["seq"]))
        if isinstance(doc.get("revoked_seq"), int):
            seqs.add(doc["revoked_seq"])
    return seqs


TRAIL_EXTENSIONS: tuple[ScopeExtension, ...] = (label_entries, dds_trail_seqs)
"""What the trail adds beyond ``verifiers.audit.scope`` (labels, EUDR statements recorded on
the lots); the auditor must be given the same."""


def _actors(cursor: SqlCursor, seqs: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(seqs), _IN_CHUNK):
        chunk = list(seqs[start : start + _IN_CHUNK])
        marks = ",".join("?" * len(chunk))
        rows = cursor.all(f"SELECT seq, actor FROM entries WHERE seq IN ({marks})", chunk)  # noqa: S608 - placeholders only
        found.update((int(seq), str(actor)) for seq, actor in rows)
    return found


def collect_trail(service: LedgerService, lot_id: str) -> Trail:
    """Every entry in ``lot_id``'s trail, decided once for every export format.

    Raises:
        EntryNotFoundError: no such lot.
    """
    with service.store.reading() as cursor:
        scope = trail_scope(
            SqlState(cursor), lot_id, lambda seqs: _actors(cursor, seqs), TRAIL_EXTENSIONS
        )
    return Trail(lot_id=lot_id, seqs=scope.seqs, lineage=scope.lineage, lots=scope.lots)


def iter_trail_leaves(
    service: LedgerService, trail: Trail, batch_size: int = 1000
) -> Iterator[StoredLeaf]:
    """The trail's rows exactly as stored, in seq order, one query per batch."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    for start in range(0, len(trail.seqs), batch_size):
        batch = trail.seqs[start : start + batch_size]
        rows: list[tuple[int, bytes, bytes]] = []
        with service.store.reading() as cursor:
            for offset in range(0, len(batch), _IN_CHUNK):
                chunk = batch[offset : offset + _IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows += [
                    (int(seq), bytes(leaf), bytes(entry_hash))
                    for seq, leaf, entry_hash in cursor.all(
                        f"SELECT seq, leaf, entry_hash FROM entries WHERE seq IN ({marks})",  # noqa: S608 - placeholders only
                        chunk,
                    )
                ]
        rows.sort()
        for seq, leaf, entry_hash in rows:
            yield StoredLeaf(seq, leaf, entry_hash)


def iter_trail_entries(
    service: LedgerService, trail: Trail, batch_size: int = 1000
) -> Iterator[Entry]:
    """The trail's entries in seq order, parsed; ``batch_size`` rows per query."""
    for row in iter_trail_leaves(service, trail, batch_size):
        yield Entry.from_leaf_bytes(row.leaf_bytes)
