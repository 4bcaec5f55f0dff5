"""The CLI's transparency commands, end to end through the installed `biotraza` script.

Proofs and checkpoints are produced from a real SQLite ledger, then verified offline by the
CLI with no database configured at all.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

BIOTRAZA = str(Path(sys.executable).with_name("biotraza"))


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed executable, test-controlled args
        [BIOTRAZA, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(
        BIOTRAZA_DATA_DIR=str(tmp_path / "data"),
        BIOTRAZA_KEY_PASSPHRASE="test-passphrase",
        BIOTRAZA_ORIGIN="ledger.coop-test.mx/log",
        BIOTRAZA_DATABASE_URL=f"sqlite:///{tmp_path / 'ledger.db'}",
    )
    assert run(environment, "init").returncode == 0
    for name in ("c1", "c2", "c3"):
        assert run(environment, "keys", "new", name).returncode == 0
    return environment


def test_checkpoints_and_proofs_verify_offline(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "keys", "grant", "c1", "--role", "registrar").returncode == 0
    old_cp = tmp_path / "old.txt"
    assert run(env, "checkpoint", "-o", str(old_cp)).returncode == 0
    for name in ("c2", "c3"):
        assert run(env, "keys", "grant", name, "--role", "registrar").returncode == 0
    new_cp = tmp_path / "new.txt"
    assert run(env, "checkpoint", "-o", str(new_cp)).stdout == run(env, "checkpoint").stdout
    vkey = tmp_path / "operator.vkey"
    vkey.write_text(run(env, "log-key").stdout)
    inclusion = tmp_path / "inc.json"
    inclusion.write_text(run(env, "proof", "inclusion", "3").stdout)
    consistency = tmp_path / "cons.json"
    consistency.write_text(run(env, "proof", "consistency", "2").stdout)

    offline = {k: v for k, v in env.items() if not k.startswith("BIOTRAZA_")}
    offline["BIOTRAZA_DATABASE_URL"] = "sqlite:////nonexistent/dir/never-opened.db"
    ok = run(
        offline, "proof", "verify-inclusion", "--checkpoint", str(new_cp),
        "--operator-key", str(vkey), "--proof", str(inclusion),
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "entry 3 is in" in ok.stdout
    ok = run(
        offline, "proof", "verify-consistency", "--checkpoint", str(new_cp),
        "--operator-key", str(vkey), "--proof", str(consistency), "--old-checkpoint", str(old_cp),
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr

    # The same inclusion proof against the older checkpoint: sizes differ → refused.
    bad = run(
        offline, "proof", "verify-inclusion", "--checkpoint", str(old_cp),
        "--operator-key", str(vkey), "--proof", str(inclusion),
    )  # fmt: skip
    assert bad.returncode == 1
    assert "tree size" in bad.stderr and "Traceback" not in bad.stderr

    # A flipped proof hash is refused.
    doc = json.loads(inclusion.read_text())
    doc["hashes"][0] = ("0" if doc["hashes"][0][0] != "0" else "1") + doc["hashes"][0][1:]
    inclusion.write_text(json.dumps(doc))
    bad = run(
        offline, "proof", "verify-inclusion", "--checkpoint", str(new_cp),
        "--operator-key", str(vkey), "--proof", str(inclusion),
    )  # fmt: skip
    assert bad.returncode == 1 and "Traceback" not in bad.stderr

    # A checkpoint whose signed body was altered (tree size changed) is refused.
    lines = new_cp.read_text().split("\n")
    lines[1] = str(int(lines[1]) + 1)
    new_cp.write_text("\n".join(lines))
    bad = run(
        offline, "proof", "verify-consistency", "--checkpoint", str(new_cp),
        "--operator-key", str(vkey), "--proof", str(consistency),
    )  # fmt: skip
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


def test_ledger_verify_catches_a_rewritten_checkpoint(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "keys", "grant", "c1", "--role", "registrar").returncode == 0
    assert run(env, "checkpoint").returncode == 0
    assert run(env, "ledger", "verify").returncode == 0
    db = sqlite3.connect(tmp_path / "ledger.db")
    with db:
        db.execute("DROP TRIGGER checkpoints_no_update")
        db.execute("UPDATE checkpoints SET root_hash = zeroblob(32)")
    db.close()
    result = run(env, "ledger", "verify", "--json")
    assert result.returncode == 1
    assert "checkpoint" in json.loads(result.stdout)["reason"]


def test_ledger_verify_catches_a_rewritten_merkle_node(env: dict[str, str], tmp_path: Path) -> None:
    # The demo ledger has hundreds of entries; node (4, 3) is on no root path of its size,
    # so only the comparison of every stored node with the recomputed tree can catch it.
    target = tmp_path / "demo"
    built = run(env, "demo", "--no-serve", "--data-dir", str(target))
    assert built.returncode == 0, built.stderr
    demo_env = {**env, "BIOTRAZA_DATA_DIR": str(target), "BIOTRAZA_KEY_PASSPHRASE": "x"}
    demo_env["BIOTRAZA_DATABASE_URL"] = f"sqlite:///{target / 'ledger.db'}"
    assert run(demo_env, "ledger", "verify").returncode == 0
    db = sqlite3.connect(target / "ledger.db")
    with db:
        db.execute("DROP TRIGGER merkle_nodes_no_update")
        db.execute("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 3")
    db.close()
    result = run(demo_env, "ledger", "verify", "--json")
    assert result.returncode == 1
    assert "merkle node (level 4, index 3)" in json.loads(result.stdout)["reason"]
