"""Checkpoints are signed by the operator on growth and on a schedule, never by a reader's GET
(issue 15 item 12b), on both engines."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.checkpointer import Checkpointer, CheckpointPolicy
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.checkpoints import verify_checkpoint
from tests.factories import ORIGIN, make_genesis, make_key, make_key_added

_root = make_key("root")
_operator = make_key("operator")


def _add(service: LedgerService, name: str) -> None:
    service.submit(make_key_added(_root, make_key(name), name=name))


@pytest.fixture
def service(db_url: str) -> Iterator[LedgerService]:
    svc = LedgerService.open(
        db_url, operator_key=_operator, checkpoint_policy=CheckpointPolicy(4, 3600.0)
    )
    try:
        svc.submit(make_genesis(_root, _operator))
        yield svc
    finally:
        svc.close()


def _sizes(service: LedgerService) -> list[int]:
    return [c.tree_size for c in service.store.checkpoints()]


def test_repeated_gets_sign_and_store_nothing(service: LedgerService, tmp_path: Path) -> None:
    _add(service, "a")
    _add(service, "b")  # 3 entries: the tree grew, no checkpoint is due yet
    before = _sizes(service)
    assert before == [1]  # genesis's own, signed by the append that wrote it
    client = TestClient(create_app(Settings(data_dir=tmp_path), service))
    notes = {client.get("/api/v1/checkpoint").text for _ in range(20)}
    assert _sizes(service) == before
    (note,) = notes
    assert verify_checkpoint(note, ORIGIN, _operator.public_key()).tree_size == 1


def test_appends_sign_a_checkpoint_every_n_entries(service: LedgerService, tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(data_dir=tmp_path), service))
    for i in range(8):
        _add(service, f"k{i}")
    assert _sizes(service) == [1, 5, 9]
    note = client.get("/api/v1/checkpoint").text
    assert verify_checkpoint(note, ORIGIN, _operator.public_key()).tree_size == 9


def test_a_quiet_log_is_covered_by_the_next_append_or_the_scheduled_tick(
    service: LedgerService,
) -> None:
    now = [datetime.now(UTC)]
    checkpointer = Checkpointer(
        service.store,
        lambda: ORIGIN,
        _operator,
        CheckpointPolicy(every_entries=100, max_age_seconds=10.0),
        clock=lambda: now[0],
    )
    _add(service, "a")
    assert checkpointer.after_append(2) is None  # 1 new entry, latest checkpoint is fresh
    assert checkpointer.tick() is not None  # the timer: the tree grew, sign it
    assert _sizes(service) == [1, 2]
    assert checkpointer.tick() is None  # nothing new: nothing signed
    _add(service, "b")
    now[0] += timedelta(seconds=11)  # the latest checkpoint is now older than the bound
    issued = checkpointer.after_append(3)
    assert issued is not None and issued.tree_size == 3
    assert _sizes(service) == [1, 2, 3]


def test_a_reader_without_the_key_serves_what_the_operator_signed(
    service: LedgerService, db_url: str, tmp_path: Path
) -> None:
    keyless = LedgerService.open(db_url, migrate=False)
    try:
        client = TestClient(create_app(Settings(data_dir=tmp_path), keyless))
        for i in range(4):
            _add(service, f"k{i}")
        note = client.get("/api/v1/checkpoint").text
        assert verify_checkpoint(note, ORIGIN, _operator.public_key()).tree_size == 5
    finally:
        keyless.close()


def test_the_server_schedule_covers_the_newest_entries(
    service: LedgerService, tmp_path: Path
) -> None:
    """With no further append, the server's background task signs the grown tree."""
    _add(service, "a")
    _add(service, "b")
    assert _sizes(service) == [1]
    server = LedgerService(
        service.engine,
        service.store,
        service.registry,
        operator_key=_operator,
        checkpoint_policy=CheckpointPolicy(1000, 0.05),
    )
    with TestClient(create_app(Settings(data_dir=tmp_path), server)) as client:
        for _ in range(400):  # polls; the bound itself is the policy's, not asserted here
            if _sizes(service)[-1] == 3:
                break
            threading.Event().wait(0.05)
        note = client.get("/api/v1/checkpoint").text
    assert verify_checkpoint(note, ORIGIN, _operator.public_key()).tree_size == 3
