"""The README is executable truth: its command blocks run, word for word, and do what it says.

* "Using it": every ``sh`` block of the section runs in order with ``bash -euo pipefail`` in a
  fresh directory, the venv's ``bin`` first on ``PATH`` and no ``BIOTRAZA_*`` setting but the
  ones the README sets, once on SQLite (as written) and once with the PostgreSQL URL the README
  gives (pointed at a fresh schema). The only substitution: the server's port 8000 becomes a
  free one, so the test never collides with another server.
* "Quick start": ``make demo`` serves the demo, whose label opens as genuine on that port,
  and the browser app it built at ``/app/``;
  ``make test`` is this very suite, so it is checked to be what ``.ci/run`` runs, not re-run.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


def _section(title: str) -> str:
    after = README.split(f"\n## {title}\n", 1)[1]
    return after.split("\n## ", 1)[0]


def _blocks(title: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", _section(title), re.S)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", COLUMNS="200", NO_COLOR="1")
    return env


def test_the_readme_has_the_blocks_this_test_runs() -> None:
    assert len(_blocks("Quick start")) == 1
    assert len(_blocks("Using it")) == 2
    assert "BIOTRAZA_DATABASE_URL=postgresql+psycopg://" in _section("Using it")


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_using_it_runs_word_for_word(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = _environment()
    if engine == "postgres":
        env["BIOTRAZA_DATABASE_URL"] = request.getfixturevalue("pg_schema_url")
    port = str(_free_port())
    script = "\n".join(_blocks("Using it")).replace("8000", port)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],  # noqa: S607 - bash from PATH, as a reader
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    assert "Traceback" not in result.stderr
    assert "log ledger.cafe-sierra.mx/log" in out
    assert "verification ver-001 (pass, version 2)" in out
    assert '"eligible": true' in out
    assert "VALID:" in out and "host qr.cafe-sierra.mx" in out
    assert "VERIFIED trail of lot pg-001" in out
    assert re.search(r"ok: \d+ entries verified", out)
    served = out.rsplit("entries verified", 1)[1]  # what the server answered afterwards
    assert '{"lot_id":"pg-001","eligible":true' in served
    exports = ("csv", "jsonld", "geojson", "svg")
    files = [f"pg-001-trail.{ext}" for ext in exports]
    for name in (*files, "pg-001.bundle.json", "trust.json", "operator.vkey"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert list((tmp_path / "labels").glob("*.png"))


def test_quick_start_make_test_is_what_ci_runs() -> None:
    [block] = _blocks("Quick start")
    commands = [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    dry = subprocess.run(
        ["make", "-n", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,  # noqa: S607
    )
    assert dry.returncode == 0 and "pytest" in dry.stdout


@pytest.mark.slow
def test_quick_start_make_demo_serves_genuine_labels(tmp_path: Path) -> None:
    port = _free_port()
    env = _environment()
    process = subprocess.Popen(
        ["make", "demo", f"PORT={port}", f"DEMO_DIR={tmp_path / 'demo'}"],  # noqa: S607
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 1200
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "serving on" in line:
                break
        label = next((line.split()[-1] for line in lines if line.startswith("label coffee ")), None)
        assert label is not None, "".join(lines)
        assert label.startswith(f"http://127.0.0.1:{port}/")
        for _attempt in range(120):
            try:
                page = httpx.get(label, headers={"accept-language": "es-MX"}, timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            pytest.fail("the demo server did not answer:\n" + "".join(lines))
        assert page.status_code == 200
        assert "Etiqueta auténtica" in page.text and "sitio no oficial" not in page.text
        # `make demo` builds the browser app too: the field app is served, not the 503 page.
        app = httpx.get(f"http://127.0.0.1:{port}/app/", timeout=10)
        assert app.status_code == 200 and '<div id="app">' in app.text
        assert any(line.startswith("app:") and "/app/" in line for line in lines), "".join(lines)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        if process.stdout is not None:
            process.stdout.close()
