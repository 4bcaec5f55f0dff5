"""Batch appends (``ledger.chain.append_batch``) on SQLite, PostgreSQL and in memory.

Each statement of a batch is judged as a single append would judge it, at the position it
gets, so it may build on an earlier one of the same batch; a refused one leaves nothing and
carries the single append's error; the admitted ones commit together; a retried batch is
answered from the ledger. Afterwards the chain, its Merkle tree and its projections are
exactly what appending the admitted statements one by one gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.chain import AppendResult, BatchOutcome, append, append_batch, verify_stored_leaves
from ledger.errors import (
    DomainRuleError,
    LedgerError,
    NonceReplayError,
    SchemaError,
    SignatureError,
    TamperedDataError,
    UnknownKeyError,
)
from ledger.merkle import root_at, root_from_leaf_hashes
from ledger.registry import Registry
from ledger.seals import SEAL_KEY_BYTES
from ledger.statements import SignedStatement, sign_statement
from ledger.storage.base import LedgerStore
from ledger.storage.memory import InMemoryLedgerStore
from ledger.storage.sql import SqlLedgerStore
from tests.factories import TS, make_key, make_key_added
from tests.helpers_storage import (
    merkle_node_count,
    open_store,
    projection_of,
    raw_count,
    raw_update_document,
)
from tests.supply_factories import (
    SupplyWorld,
    harvest_body,
    plot_body,
    producer_body,
)


def _created(outcome: BatchOutcome) -> AppendResult:
    assert isinstance(outcome, AppendResult), outcome
    return outcome


def _check_ledger(store: LedgerStore, registry: Registry) -> None:
    """The stored chain verifies, its Merkle tree and projections are the replay's."""
    leaves = list(store.stored_leaves())
    result = verify_stored_leaves(iter(leaves), registry)
    assert result.size == store.head().size == len(leaves)
    assert [leaf.seq for leaf in leaves] == list(range(len(leaves)))
    assert root_at(store, result.size) == root_from_leaf_hashes(result.leaf_hashes)
    if isinstance(store, SqlLedgerStore):
        assert raw_count(store.engine, "merkle_nodes") == merkle_node_count(result.size)
        assert store.projection_rows() == projection_of(result.state)
        assert store.link_rows() == result.state.link_rows()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    """An empty ledger on each engine, and the in-memory reference store."""
    if request.param == "memory":
        yield InMemoryLedgerStore()
        return
    url = f"sqlite:///{tmp_path}/ledger.db"
    if request.param == "postgres":
        url = request.getfixturevalue("pg_schema_url")
    with open_store(url) as sql:
        yield sql


def _field_batch(world: SupplyWorld) -> list[SignedStatement]:
    """A field phone's outbox: a member, a plot, a harvest on that plot, and among them a
    harvest on a plot nobody registered (refused) and one with a malformed body."""
    return [
        world.sign("coop-a", "producer.registered", producer_body("prod-b1")),
        world.sign("coop-a", "plot.registered", plot_body("plot-b1", "prod-b1")),
        world.sign("coop-a", "lot.harvested", harvest_body("lot-x", {"plot-none": 100})),
        world.sign("coop-a", "lot.harvested", harvest_body("lot-b1", {"plot-b1": 250.5})),
        world.sign("coop-a", "plot.registered", {"plot_id": "plot-bad"}),
        world.sign("coop-a", "lot.harvested", harvest_body("lot-b2", {"plot-b1": 100})),
    ]


def test_items_build_on_earlier_items_and_refusals_stand_alone(
    store: LedgerStore, registry: Registry
) -> None:
    world = SupplyWorld(store, registry)
    start = store.head().size
    batch = _field_batch(world)
    outcomes = append_batch(store, registry, batch, clock=world.clock)

    assert len(outcomes) == len(batch)
    created = [_created(outcomes[i]) for i in (0, 1, 3, 5)]
    assert [r.entry.seq for r in created] == list(range(start, start + 4))
    assert all(r.created for r in created)
    assert isinstance(outcomes[2], DomainRuleError)
    assert isinstance(outcomes[4], SchemaError)
    assert store.head().size == start + 4
    if isinstance(store, SqlLedgerStore):
        assert store.state_get("lot", "lot-b1") is not None
        assert store.state_get("lot", "lot-x") is None
    _check_ledger(store, registry)

    # The refusals are the single append's, word for word, at the same head.
    for index in (2, 4):
        with pytest.raises(LedgerError) as single:
            append(store, registry, batch[index], clock=world.clock)
        assert type(single.value) is type(outcomes[index])
        assert str(single.value) == str(outcomes[index])


def test_retrying_a_batch_answers_from_the_ledger(store: LedgerStore, registry: Registry) -> None:
    world = SupplyWorld(store, registry)
    batch = _field_batch(world)
    first = append_batch(store, registry, batch, clock=world.clock)
    size = store.head().size
    again = append_batch(store, registry, batch, clock=world.clock)
    assert store.head().size == size
    for before, after in zip(first, again, strict=True):
        if isinstance(before, AppendResult):
            replay = _created(after)
            assert not replay.created
            assert (replay.entry.seq, replay.entry.entry_hash) == (
                before.entry.seq,
                before.entry.entry_hash,
            )
        else:
            assert type(after) is type(before) and str(after) == str(before)
    _check_ledger(store, registry)


def test_repeats_inside_one_batch(store: LedgerStore, registry: Registry) -> None:
    world = SupplyWorld(store, registry)
    member = world.sign("coop-a", "producer.registered", producer_body("prod-r"))
    other = sign_statement(
        world.keys["coop-a"],
        "producer.registered",
        producer_body("prod-r2"),
        ts=TS,
        nonce=member.statement.nonce,
    )
    outcomes = append_batch(store, registry, [member, member, other], clock=world.clock)
    first, repeat = _created(outcomes[0]), _created(outcomes[1])
    assert first.created and not repeat.created
    assert repeat.entry.entry_hash == first.entry.entry_hash
    assert isinstance(outcomes[2], NonceReplayError)
    assert store.head().size == first.entry.seq + 1
    _check_ledger(store, registry)


def test_a_key_authorized_earlier_in_the_batch_signs_later_items(
    store: LedgerStore, registry: Registry
) -> None:
    world = SupplyWorld(store, registry)
    fresh, never = make_key("batch-fresh"), make_key("batch-never-added")
    signed_by_fresh = make_key_added(fresh, make_key("x"), role="certifier", name="forged")
    # The statement names ``fresh`` as its actor but carries another key's signature.
    forged = signed_by_fresh.model_copy(
        update={"sig": make_key_added(never, make_key("x"), name="forged").sig}
    )
    batch = [
        make_key_added(never, make_key("y"), role="certifier", name="by-unknown"),
        make_key_added(world.root, fresh, role="root", name="fresh"),
        make_key_added(fresh, make_key("z"), role="certifier", name="by-fresh"),
        forged,
    ]
    outcomes = append_batch(store, registry, batch, clock=world.clock)
    assert isinstance(outcomes[0], UnknownKeyError)
    assert _created(outcomes[1]).created and _created(outcomes[2]).created
    assert isinstance(outcomes[3], SignatureError)
    # The unknown key is refused in the single append's words.
    with pytest.raises(UnknownKeyError) as single:
        append(store, registry, batch[0], clock=world.clock)
    assert str(single.value) == str(outcomes[0])
    _check_ledger(store, registry)


@pytest.mark.parametrize("count", [1, 15, 16, 17, 100])
def test_merkle_tree_across_a_batch(
    sql_store: SqlLedgerStore, registry: Registry, count: int
) -> None:
    """Batches starting and ending at every kind of position in the 16-leaf blocks."""
    world = SupplyWorld(sql_store, registry)  # 5 entries: not at a block boundary
    for round_ in range(3):
        keys = [make_key(f"tree-{count}-{round_}-{i}") for i in range(count)]
        batch = [make_key_added(world.root, k, name=f"k{i}") for i, k in enumerate(keys)]
        outcomes = append_batch(sql_store, registry, batch, clock=world.clock)
        assert all(_created(o).created for o in outcomes)
        _check_ledger(sql_store, registry)


def test_empty_batch_and_all_refused(store: LedgerStore, registry: Registry) -> None:
    world = SupplyWorld(store, registry)
    size = store.head().size
    assert append_batch(store, registry, [], clock=world.clock) == []
    bad = world.sign("coop-a", "plot.registered", {"plot_id": "nope"})
    decoded = SchemaError("not a statement", [("statement", "missing")])
    outcomes = append_batch(store, registry, [bad, decoded], clock=world.clock)
    assert isinstance(outcomes[0], SchemaError) and outcomes[1] is decoded
    assert store.head().size == size


def test_a_failure_mid_batch_keeps_nothing_of_it(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    """A statement late in the batch reads a projection row changed behind the ledger's back
    (its seal fails): the batch stops and none of it is kept, not even the statements
    admitted before that one, whose rows were already sent to the database."""
    store = SqlLedgerStore(sql_store.engine, b"s" * SEAL_KEY_BYTES)
    world = SupplyWorld(store, registry)
    world.producer("coop-a", "prod-t")
    world.plot("coop-a", "plot-t", "prod-t")
    raw_update_document(store.engine, "plot", "plot-t", lambda doc: doc.update(area_ha=99))
    size = store.head().size
    members = [
        world.sign("coop-a", "producer.registered", producer_body(f"p-{i}")) for i in range(250)
    ]
    harvest = world.sign("coop-a", "lot.harvested", harvest_body("lot-t", {"plot-t": 10}))
    with pytest.raises(TamperedDataError):
        append_batch(store, registry, [*members, harvest], clock=world.clock)
    assert store.head().size == raw_count(store.engine, "entries") == size
    assert store.state_get("producer", "p-0") is None
    store.close()
