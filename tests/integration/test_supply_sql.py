"""Supply chain on the SQL store, once per engine (SQLite file, PostgreSQL schema).

* Lineage at scale: a blend of 1,000 harvest lots (1,000 plots, 100 producers) traces back
  through SQL's recursive query to exactly those lots, plots and producers, the same answer
  the in-memory replay gives; downstream from one harvest lot reaches the export sacks.
* Replay equality: after a mixed coffee/honey/cacao scenario (with refused statements in
  between), replaying the stored leaves reproduces ``state_objects`` and ``state_links`` row
  for row, and writing the replayed state back with ``replace_projections`` changes nothing.
* Mass balance under concurrency: two OS processes started on a barrier each try to consume
  60 kg of the same 100 kg lot; exactly one wins, the other gets ``DomainRuleError``, 40 kg
  remain. Repeated several times per engine.

The race worker lives in this module so spawned children can import it by name.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections import defaultdict
from typing import Any

import pytest

from ledger.catalog import core_registry
from ledger.chain import append, verify_stored_leaves
from ledger.errors import DomainRuleError, LedgerError
from ledger.registry import Registry
from ledger.state import InMemoryState
from ledger.statements import SignedStatement
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine
from ledger.storage.sql.store import SqlState
from ledger.supply.lineage import Lineage, downstream, upstream
from tests.supply_factories import SupplyWorld, harvest_body, point, transform_body

pytestmark = pytest.mark.slow

ORG = "coop-sierra"
EXPORTER = "exp-tapachula"
N_PRODUCERS = 100
N_LOTS = 1000
LOT_KG = 40
RACE_ROUNDS = 5
RACE_LOT_KG = 100
RACE_TAKE_KG = 60
CHILD_TIMEOUT = 120.0


def replayed_state(store: SqlLedgerStore, registry: Registry) -> InMemoryState:
    """Verify every stored leaf from genesis and return the replayed projections."""
    result = verify_stored_leaves(store.stored_leaves(), registry)
    assert result.size == store.head().size
    assert result.head_hash == store.head().last_hash
    return result.state


def sql_lineage(store: SqlLedgerStore, lot_id: str, *, down: bool = False) -> Lineage:
    """Lineage answered by ``SqlState`` (recursive CTE) in one read transaction."""
    with store.reading() as cursor:
        state = SqlState(cursor)
        return downstream(state, lot_id) if down else upstream(state, lot_id)


# =========================================================================== lineage at scale


def test_lineage_of_a_blend_of_1000_harvest_lots(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    world = SupplyWorld(sql_store, registry, {ORG: "association", EXPORTER: "exporter"})
    producers = [f"p-{i:03d}" for i in range(N_PRODUCERS)]
    for producer in producers:
        world.producer(ORG, producer)
    plots = [f"pl-{i:04d}" for i in range(N_LOTS)]
    for i, plot_id in enumerate(plots):
        where = point(round(-92.65 + (i % 40) * 0.002, 6), round(15.55 + (i // 40) * 0.002, 6))
        world.plot(ORG, plot_id, producers[i % N_PRODUCERS], geometry=where, area_ha=1)
    lots = [f"h-{i:04d}" for i in range(N_LOTS)]
    for lot_id, plot_id in zip(lots, plots, strict=True):
        world.harvest(ORG, lot_id, {plot_id: LOT_KG})
    # Decoys outside the blend: another producer's plot and lot, and a lot of a blended plot.
    world.producer(ORG, "p-decoy")
    world.plot(ORG, "pl-decoy", "p-decoy", geometry=point(-92.5, 15.5), area_ha=1)
    world.harvest(ORG, "h-decoy", {"pl-decoy": 10})
    world.harvest(ORG, "h-decoy-2", {plots[0]: 10})

    total = N_LOTS * LOT_KG
    world.transform(ORG, "t-blend", "blend", [(lot, LOT_KG) for lot in lots], [("bl-1", total)])
    world.transform(
        ORG, "t-pulp", "process", [("bl-1", total)], [("par-1", 9200)], form="parchment"
    )
    sacks = {
        "lot_id": "sk-1",
        "quantity_kg": 6900,
        "package": {"unit": "sack", "count": 100, "unit_kg": 69},
    }
    world.transform(ORG, "t-pack", "pack", [("par-1", 6900)], [sacks])
    world.ship(ORG, "sh-1", ["sk-1"], EXPORTER)
    world.receive(EXPORTER, "sh-1")

    memory = replayed_state(sql_store, registry)

    blend_up = sql_lineage(sql_store, "bl-1")
    assert blend_up.lots == ["bl-1", *lots]
    assert blend_up.plots == plots
    assert blend_up.producers == producers
    assert blend_up.apiaries == []
    assert len(blend_up.edges) == N_LOTS
    assert blend_up == upstream(memory, "bl-1")

    sacks_up = sql_lineage(sql_store, "sk-1")
    assert sacks_up.lots == ["sk-1", "bl-1", *lots, "par-1"]
    assert sacks_up.plots == plots
    assert sacks_up.producers == producers
    assert sacks_up == upstream(memory, "sk-1")

    with sql_store.reading() as cursor:
        sql_state = SqlState(cursor)
        assert sql_state.reachable("lot_input", "sk-1") == memory.reachable("lot_input", "sk-1")
        assert sql_state.reachable("lot_input", "h-0500", reverse=True) == ["bl-1", "par-1", "sk-1"]

    down = sql_lineage(sql_store, "h-0500", down=True)
    assert down.lots == ["h-0500", "bl-1", "par-1", "sk-1"]
    assert set(down.edges) == {("bl-1", "h-0500"), ("par-1", "bl-1"), ("sk-1", "par-1")}
    assert down == downstream(memory, "h-0500")
    assert sql_lineage(sql_store, "h-decoy", down=True).lots == ["h-decoy"]

    sk = sql_store.state_get("lot", "sk-1")
    assert sk is not None and (sk["custodian"], sk["status"]) == (EXPORTER, "active")


# =========================================================================== replay equality


def mixed_scenario(world: SupplyWorld) -> None:
    """Coffee, honey and cacao chains across two associations and an exporter, with refusals."""
    a, b, exp = "coop-a", "coop-b", "exp-1"
    for producer in ("pa-1", "pa-2"):
        world.producer(a, producer)
    world.producer(b, "pb-1")
    world.plot(a, "pl-1", "pa-1")
    world.plot(a, "pl-2", "pa-2", geometry=point(-92.58, 15.62), area_ha=2)
    world.plot(a, "cp-1", "pa-1", product="cacao", geometry=point(-92.3, 15.2), area_ha=3)
    world.apiary(a, "ap-1", "pa-2", hive_count=15, siniiga_ids=["MX030700000001"])
    world.plot(b, "pl-b1", "pb-1", geometry=point(-92.7, 15.7), area_ha=3)

    world.harvest(a, "h-1", {"pl-1": 3000, "pl-2": 1000}, lot_number="CER2026A")
    world.harvest(a, "h-2", {"pl-2": 2000}, harvested_from="2026-02-03")
    world.harvest(b, "hb-1", {"pl-b1": 1500})
    world.harvest(a, "r-1", {"ap-1": 700}, product="honey")
    world.harvest(a, "w-1", {"cp-1": 1000}, product="cacao")

    # Refused statements in between: a harvest whose second origin breaks the yield cap after
    # the first origin's tally was written, a transform beyond the yield, a foreign lot.
    refusals = [
        (a, "lot.harvested", harvest_body("h-x", {"pl-1": 10, "pl-2": 9000})),
        (
            a,
            "lot.transformed",
            transform_body(
                "t-x", "process", [("h-2", 2000)], [("par-x", 500.001)], form="parchment"
            ),
        ),
        (b, "lot.transformed", transform_body("t-x", "split", [("h-1", 10)], [("y", 5)] * 2)),
    ]
    for signer, entry_type, body in refusals:
        before = (world.store.head(), store_rows(world))
        with pytest.raises(DomainRuleError):
            world.submit(signer, entry_type, body)
        assert (world.store.head(), store_rows(world)) == before

    world.transform(a, "t-1", "process", [("h-1", 4000)], [("par-1", 920)], form="parchment")
    world.transform(a, "t-2", "process", [("h-2", 2000)], [("par-2", 460)], form="parchment")
    world.transform(a, "t-3", "blend", [("par-1", 920), ("par-2", 460)], [("par-b", 1380)])
    world.transform(a, "t-4", "process", [("par-b", 1380)], [("grn-1", 1104)], form="green")
    world.transform(a, "t-5", "split", [("grn-1", 1104)], [("grn-1a", 690), ("grn-1b", 414)])
    sacks = {
        "lot_id": "sk-1",
        "quantity_kg": 690,
        "lot_number": "CAFE2026A",
        "package": {"unit": "sack", "count": 10, "unit_kg": 69},
    }
    world.transform(a, "t-6", "pack", [("grn-1a", 690)], [sacks])
    world.ship(a, "sh-1", ["sk-1"], exp)
    world.receive(exp, "sh-1")
    world.transform(a, "t-h1", "process", [("r-1", 700)], [("f-1", 690)], form="filtered")
    drums = {
        "lot_id": "d-1",
        "quantity_kg": 600,
        "package": {"unit": "drum", "count": 2, "unit_kg": 300},
    }
    world.transform(a, "t-h2", "pack", [("f-1", 600)], [drums])
    world.ship(a, "sh-2", ["d-1"], b)  # in transit at the end
    world.transform(a, "t-c1", "process", [("w-1", 1000)], [("dry-1", 400)], form="dry")
    world.ship(b, "sh-3", ["hb-1"], exp)
    world.receive(exp, "sh-3")


def store_rows(world: SupplyWorld) -> tuple[list[Any], list[Any]]:
    store = world.store
    assert isinstance(store, SqlLedgerStore)
    return store.projection_rows(), store.link_rows()


def by_kind(rows: list[tuple[str, str, str, int]]) -> dict[str, list[tuple[str, str, str, int]]]:
    grouped: dict[str, list[tuple[str, str, str, int]]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    return dict(grouped)


def test_replay_reproduces_projections_and_links(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    world = SupplyWorld(
        sql_store, registry, {"coop-a": "association", "coop-b": "association", "exp-1": "exporter"}
    )
    mixed_scenario(world)
    rows, links = sql_store.projection_rows(), sql_store.link_rows()
    kinds = {row[0] for row in rows}
    assert {"key", "org", "producer", "plot", "apiary", "lot", "site_harvest"} <= kinds
    assert {"transformation", "shipment"} <= kinds
    assert {row[0] for row in links} == {"lot_input", "lot_origin"}

    state = replayed_state(sql_store, registry)
    # Table by table (and kind by kind, for a readable failure), then whole.
    assert by_kind(state.rows()).keys() == by_kind(rows).keys()
    for kind, kind_rows in by_kind(rows).items():
        assert by_kind(state.rows())[kind] == kind_rows, kind
    for kind, kind_links in by_kind(links).items():
        assert by_kind(state.link_rows())[kind] == kind_links, kind
    assert state.rows() == rows
    assert state.link_rows() == links

    # No tally of the refused harvest survived its rollback.
    tally = sql_store.state_get("site_harvest", "plot:pl-1:2025/26")
    assert tally is not None and tally["grams"] == 3_000_000
    assert sql_store.state_get("lot", "h-x") is None

    # A rebuild from the replayed state writes back exactly the same rows.
    sql_store.replace_projections(state.dump(), state.dump_links())
    assert sql_store.projection_rows() == rows
    assert sql_store.link_rows() == links

    # And the rebuilt projections keep working: the next append sees the right balances.
    with pytest.raises(DomainRuleError) as info:
        world.transform("coop-a", "t-7", "split", [("grn-1b", 414.001)], [("x", 1), ("y", 1)])
    assert info.value.field == "statement.body.inputs.0"
    world.transform("coop-a", "t-7", "split", [("grn-1b", 414)], [("x", 214), ("y", 200)])
    after = replayed_state(sql_store, registry)
    assert after.rows() == sql_store.projection_rows()
    assert after.link_rows() == sql_store.link_rows()


# =========================================================================== concurrency


def race_child(
    url: str, index: int, statements: list[dict[str, Any]], barrier: Any, results: Any
) -> None:
    """Append this child's statement of each round right after the barrier opens."""
    engine = create_ledger_engine(url)
    try:
        store, registry = SqlLedgerStore(engine), core_registry()
        signed = [SignedStatement.from_dict(data) for data in statements]
        store.head()  # connect before the race, not during it
        for round_no, statement in enumerate(signed):
            barrier.wait(timeout=CHILD_TIMEOUT)
            try:
                result = append(store, registry, statement)
            except LedgerError as exc:
                field = getattr(exc, "field", None)
                results.put((index, round_no, type(exc).__name__, field, str(exc)))
            else:
                results.put((index, round_no, "ok", result.entry.seq, ""))
    except BaseException:  # every failure goes back to the parent
        results.put((index, -1, "crash", None, traceback.format_exc()))
    finally:
        engine.dispose()


def test_two_processes_race_for_the_same_quantity(
    sql_store: SqlLedgerStore, registry: Registry, db_url: str
) -> None:
    world = SupplyWorld(sql_store, registry, [ORG])
    world.producer(ORG, "p-1")
    world.plot(ORG, "pl-1", "p-1", geometry=point(), area_ha=2)
    for r in range(RACE_ROUNDS):
        world.harvest(ORG, f"race-{r}", {"pl-1": RACE_LOT_KG})
    base = sql_store.head().size

    def contender(r: int, i: int) -> dict[str, Any]:
        body = transform_body(
            f"t-{r}-{i}",
            "process",
            [(f"race-{r}", RACE_TAKE_KG)],
            [(f"par-{r}-{i}", 13.8)],
            form="parchment",
        )
        return world.sign(ORG, "lot.transformed", body).to_dict()

    per_child = [[contender(r, i) for r in range(RACE_ROUNDS)] for i in range(2)]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    children = [
        ctx.Process(target=race_child, args=(db_url, i, per_child[i], barrier, results))
        for i in range(2)
    ]
    for child in children:
        child.start()
    outcomes: dict[int, dict[int, tuple[str, Any, str]]] = defaultdict(dict)
    try:
        for _ in range(2 * RACE_ROUNDS):
            try:
                index, round_no, status, detail, message = results.get(timeout=CHILD_TIMEOUT)
            except queue.Empty:
                pytest.fail(f"race children silent for {CHILD_TIMEOUT}s")
            assert status != "crash", message
            outcomes[round_no][index] = (status, detail, message)
    finally:
        for child in children:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()
                child.join()
    assert all(child.exitcode == 0 for child in children)

    winners = []
    for r in range(RACE_ROUNDS):
        statuses = sorted(status for status, _, _ in outcomes[r].values())
        assert statuses == ["DomainRuleError", "ok"], (r, outcomes[r])
        winner = next(i for i, (status, _, _) in outcomes[r].items() if status == "ok")
        _, field, message = outcomes[r][1 - winner]
        assert field == "statement.body.inputs.0", message
        assert "has 40 kg left; 60 kg requested" in message
        lot = sql_store.state_get("lot", f"race-{r}")
        assert lot is not None
        assert (lot["remaining_g"], lot["status"]) == (40_000, "active")
        assert sql_store.state_get("transformation", f"t-{r}-{winner}") is not None
        assert sql_store.state_get("transformation", f"t-{r}-{1 - winner}") is None
        assert sql_store.state_get("lot", f"par-{r}-{1 - winner}") is None
        winners.append(winner)

    # One entry per round, contiguous, and the chain replays to the same projections.
    assert sql_store.head().size == base + RACE_ROUNDS
    seqs = sorted(
        detail for r in outcomes for status, detail, _ in outcomes[r].values() if status == "ok"
    )
    assert seqs == list(range(base, base + RACE_ROUNDS))
    state = replayed_state(sql_store, registry)
    assert state.rows() == sql_store.projection_rows()
    assert state.link_rows() == sql_store.link_rows()
