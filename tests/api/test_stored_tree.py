"""The stored Merkle tree past the folded levels: proofs from it, and full verification of it.

With 50 entries the store keeps nodes (4, 0..2) and (5, 0) and folds everything below
level 4 from the entries' hashes (``ledger.merkle.STORED_FROM_LEVEL``). Proofs are checked
against the full in-memory tree; verification is checked against rows changed, removed
and added around the append-only triggers. Both engines.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from api.services.ledger import LedgerService
from ledger.errors import HashMismatchError, IntegrityError
from ledger.merkle import InMemoryNodes, consistency_proof, inclusion_proof
from tests.factories import make_genesis, make_key, make_key_added
from tests.helpers_storage import triggers_bypassed

SIZE = 50


@pytest.fixture
def service(db_url: str) -> Iterator[LedgerService]:
    svc = LedgerService.open(db_url, operator_key=make_key("operator"))
    try:
        svc.submit(make_genesis(make_key("root"), make_key("operator")))
        for i in range(SIZE - 1):
            svc.submit(make_key_added(make_key("root"), make_key(f"k{i}"), name=f"k{i}"))
        yield svc
    finally:
        svc.close()


def _reference(service: LedgerService) -> InMemoryNodes:
    return InMemoryNodes(e.entry_hash for e in service.entries(0, SIZE))


def _stored_rows(service: LedgerService) -> list[tuple[int, int]]:
    with service.engine.connect() as conn:
        rows = conn.execute(text("SELECT level, idx FROM merkle_nodes ORDER BY level, idx"))
        return [(int(level), int(index)) for level, index in rows]


def test_every_proof_matches_the_full_tree(service: LedgerService) -> None:
    assert _stored_rows(service) == [(4, 0), (4, 1), (4, 2), (5, 0)]
    reference = _reference(service)
    for size in (1, 15, 16, 17, 32, 33, 47, 48, SIZE):
        for seq in range(size):
            document = service.inclusion(seq, size)
            assert [bytes.fromhex(h) for h in document.hashes] == inclusion_proof(
                reference, seq, size
            ), (seq, size)
        for first in range(1, size + 1):
            document_c = service.consistency(first, size)
            assert [bytes.fromhex(h) for h in document_c.hashes] == consistency_proof(
                reference, first, size
            ), (first, size)
            assert document_c.first_root == reference.root(first).hex()
            assert document_c.second_root == reference.root(size).hex()


def test_full_verification_passes_on_an_untouched_tree(service: LedgerService) -> None:
    assert service.verify(workers=0).size == SIZE


def test_full_verification_catches_a_rewritten_node_off_the_root_path(
    service: LedgerService,
) -> None:
    # The root of 50 reads (5, 0), (4, 2) and leaves 48, 49: (4, 1) is not among them.
    with triggers_bypassed(service.engine, "merkle_nodes") as conn:
        conn.execute(text("UPDATE merkle_nodes SET hash = :h WHERE level = 4 AND idx = 1"),
                     {"h": bytes(32)})  # fmt: skip
    with pytest.raises(HashMismatchError, match=r"level 4, index 1\) is 0000"):
        service.verify(workers=0)


def test_full_verification_catches_a_missing_node(service: LedgerService) -> None:
    with triggers_bypassed(service.engine, "merkle_nodes") as conn:
        conn.execute(text("DELETE FROM merkle_nodes WHERE level = 4 AND idx = 0"))
    with pytest.raises(IntegrityError, match="incomplete: 3 of the 4 nodes"):
        service.verify(workers=0)


def test_full_verification_catches_a_node_beyond_the_head(service: LedgerService) -> None:
    with service.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO merkle_nodes (level, idx, hash) VALUES (4, 7, :h)"),
            {"h": bytes(32)},
        )
    with pytest.raises(IntegrityError, match="up to seq 127, beyond the head"):
        service.verify(workers=0)
