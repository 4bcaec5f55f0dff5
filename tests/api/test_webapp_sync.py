"""The browser app's sync (api/webapp/src/sync) against the real server, on both engines.

The JavaScript side (api/webapp/tests/e2e/sync.e2e.ts, run here with vitest) generates device
keys (WebCrypto and the noble fallback), has the registrar enrol them (signed in JS too),
signs statements, uploads them, is killed mid-sync and re-run, and verifies every inclusion
proof against the operator-signed checkpoint. Then this side checks its own ledger: the
entries the device signed are there exactly once each, the refused one is not, and the whole
ledger verifies.

Needs `make webapp` (node_modules); `make test` builds it before pytest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from api.services.checkpointer import CheckpointPolicy
from api.services.ledger import LedgerService
from api.settings import Settings
from tests.api.live_server import serve_in_thread
from tests.factories import make_genesis, make_key, make_key_added

WEBAPP = Path(__file__).resolve().parents[2] / "api" / "webapp"
REGISTRAR_SEED = "biotraza-test:registrar"
VITEST_TIMEOUT_S = 600


@pytest.fixture
def service(db_url: str) -> Iterator[LedgerService]:
    # One checkpoint per append, so proofs are available right after each upload.
    svc = LedgerService.open(
        db_url, operator_key=make_key("operator"), checkpoint_policy=CheckpointPolicy(1, 3600.0)
    )
    try:
        svc.submit(make_genesis(make_key("root"), make_key("operator")))
        svc.submit(
            make_key_added(make_key("root"), make_key("registrar"), role="registrar", name="reg")
        )
        yield svc
    finally:
        svc.close()


def test_statements_signed_in_js_are_admitted_once_and_proved(
    service: LedgerService, db_url: str, tmp_path: Path
) -> None:
    npx = shutil.which("npx")
    assert npx is not None, "node/npx is needed: run `make webapp`"
    assert (WEBAPP / "node_modules").is_dir(), "run `make webapp` first"
    out = tmp_path / "e2e.json"
    seed = hashlib.sha256(REGISTRAR_SEED.encode()).hexdigest()
    settings = Settings(data_dir=tmp_path, database_url=db_url)
    with serve_in_thread(create_app(settings, service)) as url:
        run = subprocess.run(  # noqa: S603 - our own test runner
            [npx, "vitest", "run", "--config", "vitest.e2e.config.ts"],
            cwd=WEBAPP,
            env={
                **os.environ,
                "BIOTRAZA_E2E_URL": url + "/",
                "BIOTRAZA_E2E_REGISTRAR_SEED": seed,
                "BIOTRAZA_E2E_OUT": str(out),
                "NO_COLOR": "1",
            },
            capture_output=True,
            text=True,
            timeout=VITEST_TIMEOUT_S,
            check=False,
        )
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:]
    results = json.loads(out.read_text("utf-8"))

    entries = service.entries(0, 1000)
    by_actor = Counter(e.statement.actor for e in entries)
    keys = Counter(f"{e.statement.actor}:{e.statement.nonce}" for e in entries)
    assert max(keys.values()) == 1  # no statement recorded twice
    for backend in ("webcrypto", "noble"):
        device = results[backend]
        admitted = {a["key"]: a["seq"] for a in device["admitted"]}
        assert len(admitted) == 4
        assert by_actor[device["key_id"]] == 4  # and nothing else by this device
        for key, seq in admitted.items():
            entry = entries[seq]
            assert f"{entry.statement.actor}:{entry.statement.nonce}" == key
        for key in device["refused"]:
            assert keys[key] == 0
    # An altered answer is flagged on the device; the ledger recorded the statement once.
    lies = results["lies"]
    assert by_actor[lies["key_id"]] == 2
    assert keys[lies["altered"]] == 1
    assert by_actor[results["auto"]["key_id"]] == 1
    for device in (lies, results["auto"]):
        for admitted_item in device["admitted"]:
            entry = entries[admitted_item["seq"]]
            assert f"{entry.statement.actor}:{entry.statement.nonce}" == admitted_item["key"]
    assert by_actor[results["stranger"]["key_id"]] == 0
    assert service.verify().size == len(entries)
