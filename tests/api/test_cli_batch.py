"""``biotraza submit-batch`` (the console script, as a subprocess) and
``BiotrazaClient.submit_batch`` against a real server, on SQLite and PostgreSQL.

Files of statements signed elsewhere go in batches, locally or through ``--server``; a
refused statement is one stderr line naming its file, item and reason, and the exit code is
1; a second run records nothing twice; a malformed file is one line naming the item and
field, and nothing is sent. The client checks every acknowledgement against what it sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from api.client import BiotrazaClient
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.statements import SignedStatement
from tests.api.live_server import serve_in_thread
from tests.api.test_cli import env, run  # noqa: F401 - the CLI environment fixture
from tests.api.test_entries_api import GENESIS, ROOT, STRANGER, added
from tests.factories import make_key


@pytest.fixture
def ledger(db_url: str) -> Iterator[LedgerService]:
    """A ledger holding genesis (root key ``ROOT``)."""
    service = LedgerService.open(db_url)
    try:
        assert service.submit(GENESIS).created
        yield service
    finally:
        service.close()


def _outbox(count: int) -> list[SignedStatement]:
    """``count`` grants by root, with a statement by an unknown key at index 2."""
    grants = [
        added(ROOT, make_key(f"cli-{i}"), "certifier", f"cli-batch-{i:04d}") for i in range(count)
    ]
    grants[2] = added(STRANGER, make_key("s"), "certifier", "cli-stranger")
    return grants


def test_submit_batch_locally_in_chunks(
    env: dict[str, str],  # noqa: F811 - the fixture
    ledger: LedgerService,
    tmp_path: Path,
) -> None:
    statements = _outbox(7)
    lines = tmp_path / "outbox.jsonl"
    lines.write_text("\n".join(json.dumps(s.to_dict()) for s in statements[:4]) + "\n")
    listed = tmp_path / "more.json"
    listed.write_text(json.dumps({"statements": [s.to_dict() for s in statements[4:]]}))

    first = run(env, "submit-batch", str(lines), str(listed), "--batch-size", "3")
    assert first.returncode == 1, first.stderr
    assert "6 appended, 0 already present, 1 refused" in first.stdout
    refused = [line for line in first.stderr.splitlines() if "refused:" in line]
    assert refused == [f"{lines} item 2: refused: unknown key {statements[2].statement.actor}"]
    assert ledger.head().size == 7

    again = run(env, "submit-batch", str(lines), str(listed))
    assert "0 appended, 6 already present, 1 refused" in again.stdout
    assert ledger.head().size == 7


def test_a_malformed_file_sends_nothing(
    env: dict[str, str],  # noqa: F811 - the fixture
    ledger: LedgerService,
    tmp_path: Path,
) -> None:
    good = _outbox(3)[0].to_dict()
    bad = {**good, "sig": 5}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([good, bad]))
    result = run(env, "submit-batch", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{path} item 1" in result.stderr and "sig" in result.stderr
    assert ledger.head().size == 1


def test_client_and_cli_through_a_server(
    env: dict[str, str],  # noqa: F811 - the fixture
    ledger: LedgerService,
    tmp_path: Path,
    db_url: str,
) -> None:
    settings = Settings(data_dir=tmp_path / "server", database_url=db_url)
    statements = _outbox(5)
    with serve_in_thread(create_app(settings, ledger)) as url:
        with BiotrazaClient(url) as client:
            results = client.submit_batch(statements[:3])
            assert [r.status for r in results] == ["appended", "appended", "refused"]
            assert results[2].code == "unknown_key" and results[2].http_status == 403
            assert results[0].entry is not None and results[0].entry["seq"] == 1
            replay = client.submit_batch(statements[:1])
            assert replay[0].status == "duplicate" and replay[0].entry == results[0].entry
        path = tmp_path / "outbox.json"
        path.write_text(json.dumps([s.to_dict() for s in statements]))
        sent = run(env, "submit-batch", str(path), "--server", url, "--batch-size", "2")
    assert sent.returncode == 1, sent.stderr
    assert "2 appended, 2 already present, 1 refused" in sent.stdout
    assert ledger.head().size == 5
