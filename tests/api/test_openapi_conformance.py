"""Schemathesis, every check, against the real app on SQLite and on PostgreSQL.

The app serves the demo ledger (449 entries: organizations, plots, lots, certification,
labels), so generated GETs reach real lots as well as missing ones. Schemathesis runs all its
phases (examples, coverage, fuzzing, stateful) with all checks: every status, content type
and header the app answers must be documented, schema-valid requests must be accepted and
schema-violating ones refused, and `Allow` must list every method of a path. The few
expected statuses JSON Schema cannot express (a signature, a check digit, a hash of the
body) are widened per operation in ``tests/api/schemathesis.toml``, each with its reason.

Bounded and deterministic: a fixed number of examples per operation, a fixed seed and
Schemathesis's deterministic generation, one worker.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from api.demo import build_demo
from api.settings import Settings
from tests.api.live_server import serve_in_thread

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 8
SEED = 20260301
PASSPHRASE = "conformance-passphrase"


@pytest.fixture
def demo_server(db_url: str, tmp_path: Path) -> Iterator[str]:
    """The demo ledger on ``db_url``, served by uvicorn on a free loopback port."""
    settings = Settings(data_dir=tmp_path, key_passphrase=PASSPHRASE, database_url=db_url)
    build_demo(settings)
    with serve_in_thread(create_app(settings)) as url:
        yield url


def _schemathesis() -> str:
    found = shutil.which("st", path=str(Path(sys.executable).parent))
    assert found, "schemathesis is a dev dependency: pip install -e '.[dev]'"
    return found


@pytest.mark.slow
def test_schemathesis_finds_no_failure(demo_server: str, tmp_path: Path) -> None:
    command = [
        _schemathesis(),
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{demo_server}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--workers",
        "1",
    ]
    done = subprocess.run(  # noqa: S603 - a fixed command line
        command, capture_output=True, text=True, timeout=1500, cwd=tmp_path, check=False
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-20000:]
    assert "No issues found" in report or " passed" in report, report[-5000:]
