"""Format ``bundle``: the offline-verifiable trail bundle (``docs/audit-bundle.md``).

One JSON file: the format tag and version, the lot, the log's origin and operator key id,
one signed checkpoint covering the whole trail, and every trail entry with its leaf bytes as
stored and its RFC 9162 inclusion proof against that checkpoint — written line by line in
the layout of ``verifiers.audit.layout``, which ``biotraza audit verify`` checks byte for byte.

The checkpoint is the latest one kept when it covers every trail entry (so exports repeat
byte for byte); otherwise a new one is signed if this process holds the operator key, and
the export is refused if it does not. Proofs are computed per batch of entries: one dry run
lists the Merkle nodes the batch's proofs read, one query fetches them, so 10,000 entries
cost a few dozen queries, not 10,000.

Left out: which entries (``api.exports.trail``), checking a bundle (``verifiers.audit``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from api.exports.base import ExportError, ExportFormat, ExportRequest
from api.exports.trail import Trail, collect_trail, iter_trail_leaves
from api.services.ledger import LedgerService
from ledger.merkle import NodeReader, inclusion_proof
from ledger.storage.base import StoredCheckpoint
from ledger.storage.sql.store import TreeSnapshot
from ledger.transparency import prefetch_nodes
from verifiers.audit.layout import FOOTER, BundleHeader, entry_line, header_line

__all__ = ["BATCH", "FORMAT", "export_bundle"]

BATCH = 1000
"""Entries per read, per Merkle-node prefetch and per chunk written."""


def _covering_checkpoint(service: LedgerService, trail: Trail) -> StoredCheckpoint:
    """The latest checkpoint, if it covers the trail. Never signs one: an export is a read,
    and checkpoints are signed by the operator on growth and on a schedule
    (``api.services.checkpointer``), so a refused export succeeds a few seconds later.

    Raises:
        ExportError: no checkpoint covers the trail yet.
    """
    needed = trail.seqs[-1] + 1
    latest = service.store.latest_checkpoint()
    if latest is not None and latest.tree_size >= needed:
        return latest
    have = f"the latest covers {latest.tree_size} entries" if latest else "none was issued"
    raise ExportError(
        f"no signed checkpoint covers entry {needed - 1} of the trail yet ({have}); the log "
        "operator signs one within seconds of an append (or run `biotraza checkpoint`), "
        "then export again",
        field="checkpoint",
    )


def _proof_plan(seqs: list[int], size: int) -> Callable[[NodeReader], object]:
    """The proofs of ``seqs``, as a plan ``prefetch_nodes`` dry-runs to list the nodes they read."""
    return lambda reader: [inclusion_proof(reader, seq, size) for seq in seqs]


def _lines(
    service: LedgerService, request: ExportRequest, trail: Trail, checkpoint: StoredCheckpoint
) -> Iterator[bytes]:
    size = checkpoint.tree_size
    total = len(trail.seqs)
    done = 0
    leaves = iter_trail_leaves(service, trail, BATCH)
    for start in range(0, total, BATCH):
        batch = trail.seqs[start : start + BATCH]
        with service.store.reading() as cursor:
            nodes = prefetch_nodes(TreeSnapshot(cursor), _proof_plan(batch, size))
        chunk: list[bytes] = []
        for seq in batch:
            row = next(leaves)
            if row.seq != seq:  # pragma: no cover - iter_trail_leaves yields trail.seqs in order
                raise RuntimeError(f"trail read out of order: expected {seq}, got {row.seq}")
            proof = [h.hex() for h in inclusion_proof(nodes, seq, size)]
            done += 1
            chunk.append(
                entry_line(
                    seq,
                    row.entry_hash.hex(),
                    row.leaf_bytes.decode("utf-8"),
                    proof,
                    last=done == total,
                )
            )
        yield b"".join(chunk)
        request.report(done, total)
    yield FOOTER


def export_bundle(service: LedgerService, request: ExportRequest) -> Iterator[bytes]:
    """Decide the trail and the checkpoint now (refusing with 404/422), then stream.

    Raises:
        EntryNotFoundError: no such lot.
        ExportError: no checkpoint covers the trail and none can be signed here.
    """
    trail = collect_trail(service, request.lot_id)
    checkpoint = _covering_checkpoint(service, trail)
    info = service.log_info()
    header = BundleHeader(
        lot_id=trail.lot_id,
        origin=info.origin,
        operator_key_id=info.operator_key_id,
        tree_size=checkpoint.tree_size,
        entry_count=len(trail.seqs),
        checkpoint=checkpoint.note,
    )
    request.report(0, len(trail.seqs))

    def stream() -> Iterator[bytes]:
        yield header_line(header)
        yield from _lines(service, request, trail, checkpoint)

    return stream()


FORMAT = ExportFormat(
    name="bundle",
    media_type="application/json",
    suffix=".bundle.json",
    description="Every trail entry with its inclusion proof and a signed checkpoint; "
    "checked offline by `biotraza audit verify`.",
    export=export_bundle,
)
