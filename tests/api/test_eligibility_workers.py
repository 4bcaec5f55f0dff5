"""Eligibility judged in worker processes gives the verdicts of one process, on both engines.

The ledger is five units of the ``--million`` benchmark's composition (about 8,000 entries:
five associations' seasons, each ending in one shipped lot of 500 deliveries, four of the
five certified), so the workers judge real lineages of the size the benchmark times. Real
worker processes run: the tests check that verdicts came back from them
(``judged_elsewhere``) and, where a worker cannot open the database, that its share was
judged here with the same answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

import api.services.eligibility_workers as workers_module
from api.services.eligibility_workers import SharedJudge, judge_share, shareable_url
from api.services.indicators import compute_indicators
from api.services.ledger import LedgerService, full_registry
from bench.bench_indicators import _million_batches
from bench.bench_ledger import LedgerKeys
from bench.bulk import BuiltLedger, LedgerBuilder, load_ledger
from ledger.storage.sql import create_ledger_engine
from ledger.storage.sql.store import SqlState
from ledger.supply.transfers import SHIPMENT_KIND
from verifiers.eligibility import eligible_lots

UNITS = 5


@pytest.fixture(scope="module")
def built() -> BuiltLedger:
    builder = LedgerBuilder(full_registry())
    for batch in _million_batches(UNITS):
        builder.add_all(batch)
    return builder.finish()


@pytest.fixture
def service(db_url: str, built: BuiltLedger) -> Iterator[LedgerService]:
    load_ledger(db_url, built)
    service = LedgerService.open(db_url, migrate=False, operator_key=LedgerKeys.make().operator)
    service.issue_checkpoint()
    yield service
    service.close()


def _lineage_lots(service: LedgerService) -> list[str]:
    """Every lot the shipments carry and every lot upstream of them (harvests, milled and
    blended lots): some eligible, some not."""
    with service.store.reading() as cursor:
        state = SqlState(cursor)
        shipped = sorted(lot for _k, doc in state.scan(SHIPMENT_KIND) for lot in doc["lot_ids"])
    assert len(shipped) == UNITS
    return shipped


def test_workers_judge_as_one_process(service: LedgerService) -> None:
    lots = _lineage_lots(service)
    judge = SharedJudge(shareable_url(service.engine), workers=2, min_share=1)
    with service.store.reading() as cursor:
        state = SqlState(cursor)
        shared = judge(state, lots)
        alone = eligible_lots(state, lots)
    assert shared == alone
    assert sorted(alone.values()) == [False, True, True, True, True]  # 80 % certified
    assert judge.failures == []
    assert judge.judged_elsewhere == 4  # shares of 1, 2 and 2 lots: the last two from workers


def test_postgres_reads_the_whole_lot_graph_from_many_lots(
    service: LedgerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From ``WHOLE_GRAPH_FROM`` lots each process on PostgreSQL reads the lot graph whole
    (the flag goes to the workers too); SQLite, and fewer lots, keep a query per lineage.
    The verdicts are the same either way."""
    lots = _lineage_lots(service)
    postgres = service.engine.url.get_backend_name() == "postgresql"
    asked: list[bool] = []

    def recording(state: SqlState, lot_ids: list[str], *, whole_graph: bool) -> dict[str, bool]:
        asked.append(whole_graph)
        return eligible_lots(state, lot_ids, whole_graph=whole_graph)

    monkeypatch.setattr(workers_module, "eligible_lots", recording)
    with service.store.reading() as cursor:
        state = SqlState(cursor)
        alone = eligible_lots(state, lots)
        few = SharedJudge(shareable_url(service.engine), workers=0)
        assert few(state, lots) == alone and asked == [False]
        monkeypatch.setattr(workers_module, "WHOLE_GRAPH_FROM", len(lots))
        many = SharedJudge(shareable_url(service.engine), workers=1, min_share=1)
        assert many.whole_graph is postgres
        assert many(state, lots) == alone
    assert asked == [False, postgres] and many.judged_elsewhere == 3 and many.failures == []


def test_a_worker_that_cannot_read_has_its_share_judged_here(
    service: LedgerService, tmp_path: Path
) -> None:
    lots = _lineage_lots(service)
    missing = f"sqlite:///{tmp_path}/no-such-dir/ledger.db"
    judge = SharedJudge(missing, workers=1, min_share=1)
    with service.store.reading() as cursor:
        state = SqlState(cursor)
        assert judge(state, lots) == eligible_lots(state, lots)
    assert judge.judged_elsewhere == 0
    assert len(judge.failures) == 1 and "exit 1" in judge.failures[0]


def test_indicators_with_workers_equal_one_process(
    service: LedgerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = compute_indicators(service, workers=0).header.figures
    monkeypatch.setattr(workers_module, "MIN_SHARE", 1)
    shared = compute_indicators(service, workers=1).header.figures
    assert shared == alone
    shipped = sum(cell["lots_shipped"] for cell in alone["cells"])
    eligible = sum(cell["eligible_lots_shipped"] for cell in alone["cells"])
    assert (shipped, eligible) == (UNITS, UNITS - 1)


def test_judge_share_reads_its_own_connection(service: LedgerService) -> None:
    lots = _lineage_lots(service)
    url = shareable_url(service.engine)
    assert url is not None
    with service.store.reading() as cursor:
        assert judge_share(url, lots) == eligible_lots(SqlState(cursor), lots)


def test_few_lots_or_no_shareable_database_stay_in_process(service: LedgerService) -> None:
    lots = _lineage_lots(service)
    with service.store.reading() as cursor:
        state = SqlState(cursor)
        few = SharedJudge(shareable_url(service.engine), workers=1)  # 5 lots < 2 × 16
        unshared = SharedJudge(None, workers=4, min_share=1)
        assert few(state, lots) == unshared(state, lots) == eligible_lots(state, lots)
    assert few.judged_elsewhere == unshared.judged_elsewhere == 0
    assert few.failures == unshared.failures == []


def test_shareable_url_keeps_the_password_and_refuses_memory() -> None:
    engine = create_ledger_engine("postgresql+psycopg://biotraza:s3cret@db.example:5432/ledger")
    try:
        assert (
            shareable_url(engine) == "postgresql+psycopg://biotraza:s3cret@db.example:5432/ledger"
        )
    finally:
        engine.dispose()
    memory = create_engine("sqlite://")
    try:
        assert shareable_url(memory) is None
    finally:
        memory.dispose()
