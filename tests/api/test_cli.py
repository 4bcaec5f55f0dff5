"""The installed ``biotraza`` console script, run as a subprocess on SQLite and PostgreSQL.

What each group proves:

* ``init`` creates the keys and the genesis entry once; running it again changes nothing.
* ``keys``: list, export (key id matches the public key), new (duplicates refused with one
  clear line, no traceback), grant and revoke append entries.
* ``ledger verify``: passes on an honest ledger (exit 0, ``--json`` ok) and, after one stored
  leaf byte is changed behind the append-only triggers, fails with exit 1 naming that seq.
* A wrong passphrase is one error line and exit 1; ``demo`` is idempotent and writes only
  under its ``--data-dir`` (or ``--database-url``), never into the configured ledger.

Each run of the script costs about a second of interpreter start-up, so set-up that is not
the subject of a test (extra keys, extra grants) is done in-process.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from api.services.ledger import LedgerService
from ledger.keys import decode_public_key, key_id
from ledger.keystore import KeyStore
from ledger.statements import sign_statement

BIOTRAZA = Path(sys.executable).with_name("biotraza")
ORIGIN = "ledger.coop-test.mx/log"
PASSPHRASE = "cli-test-passphrase"


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env.update({"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    return env


@pytest.fixture
def env(tmp_path: Path, db_url: str) -> dict[str, str]:
    """Environment of a CLI run on a fresh database (SQLite file or PostgreSQL schema)."""
    return {
        **_base_env(),
        "BIOTRAZA_DATA_DIR": str(tmp_path / "data"),
        "BIOTRAZA_KEY_PASSPHRASE": PASSPHRASE,
        "BIOTRAZA_DATABASE_URL": db_url,
        "BIOTRAZA_ORIGIN": ORIGIN,
    }


@pytest.fixture
def keys_env(tmp_path: Path) -> dict[str, str]:
    """Environment for key-store commands, which touch no database."""
    return {
        **_base_env(),
        "BIOTRAZA_DATA_DIR": str(tmp_path / "data"),
        "BIOTRAZA_KEY_PASSPHRASE": PASSPHRASE,
    }


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIOTRAZA), *args],
        check=False,  # each caller asserts the exit code
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def ok(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = run(env, *args)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result


def failed(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a command that must fail cleanly: exit 1, an error line, no traceback."""
    result = run(env, *args)
    assert result.returncode == 1, f"{args}: {result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr
    assert "error:" in result.stderr
    return result


def head_size(db_url: str) -> int:
    service = LedgerService.open(db_url, migrate=False)
    try:
        return service.head().size
    finally:
        service.close()


def verify_json(env: dict[str, str]) -> tuple[int, dict[str, object]]:
    result = run(env, "ledger", "verify", "--json")
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.fixture
def initialized(env: dict[str, str], db_url: str) -> dict[str, str]:
    ok(env, "init")
    assert head_size(db_url) == 1
    return env


def test_binary_is_installed() -> None:
    assert BIOTRAZA.is_file(), BIOTRAZA


# =========================================================================== init / keys


def test_init_twice_and_keys_list_export(env: dict[str, str], db_url: str) -> None:
    first = ok(env, "init")
    assert "genesis created" in first.stdout
    created_hash = re.search(r"[0-9a-f]{64}", first.stdout)
    assert created_hash is not None
    assert head_size(db_url) == 1

    second = ok(env, "init")
    assert "already present" in second.stdout
    assert created_hash.group(0) in second.stdout
    assert head_size(db_url) == 1

    listing = ok(env, "keys", "list").stdout
    assert "root" in listing and "operator" in listing

    exported = json.loads(ok(env, "keys", "export", "root").stdout)
    assert set(exported) == {"name", "key_id", "public_key"}
    assert exported["name"] == "root"
    assert exported["key_id"] == key_id(decode_public_key(exported["public_key"]))
    assert exported["key_id"] in listing

    service = LedgerService.open(db_url, migrate=False)
    try:
        genesis = service.entry(0)
    finally:
        service.close()
    assert genesis.statement.actor == exported["key_id"]
    assert genesis.entry_hash.hex() == created_hash.group(0)


def test_keys_new_twice_is_a_clean_error(keys_env: dict[str, str], tmp_path: Path) -> None:
    created = ok(keys_env, "keys", "new", "x").stdout
    assert "created key" in created
    key_file = tmp_path / "data" / "keys" / "x.key"
    content = key_file.read_bytes()
    again = failed(keys_env, "keys", "new", "x")
    assert "already exists" in again.stderr
    assert key_file.read_bytes() == content
    bad = failed(keys_env, "keys", "new", "Bad/Name")
    assert "bad key name" in bad.stderr


def test_grant_revoke_and_verify(initialized: dict[str, str], db_url: str) -> None:
    env = initialized
    info = KeyStore(Path(env["BIOTRAZA_DATA_DIR"]) / "keys").create("certifier-a", PASSPHRASE)
    cert = {"key_id": info.key_id}

    granted = ok(
        env,
        "keys",
        "grant",
        "certifier-a",
        "--role",
        "certifier",
        "--scope",
        "certifier_id=certimex",
    ).stdout
    assert f"key {cert['key_id']} granted certifier at seq 1" in " ".join(granted.split())
    assert head_size(db_url) == 2

    revoked = ok(env, "keys", "revoke", cert["key_id"], "--reason", "left the body").stdout
    assert "revoked at seq 2" in " ".join(revoked.split())
    assert head_size(db_url) == 3

    # Revoking again is a rule violation: one line, exit 1, nothing appended.
    again = failed(env, "keys", "revoke", cert["key_id"], "--reason", "again")
    assert "already revoked" in again.stderr
    assert head_size(db_url) == 3

    plain = ok(env, "ledger", "verify")
    assert "3 entries verified" in plain.stdout
    code, report = verify_json(env)
    assert code == 0
    assert report["ok"] is True and report["size"] == 3
    service = LedgerService.open(db_url, migrate=False)
    try:
        assert report["head_hash"] == service.head().last_hash.hex()
    finally:
        service.close()


def _tamper_leaf(db_url: str, seq: int) -> None:
    """Change one byte of a stored leaf, getting past the append-only triggers."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            leaf = bytes(
                conn.execute(
                    text("SELECT leaf FROM entries WHERE seq = :s"), {"s": seq}
                ).scalar_one()
            )
            at = leaf.index(b'"name":"') + len(b'"name":"')
            changed = leaf[:at] + (b"X" if leaf[at : at + 1] != b"X" else b"Y") + leaf[at + 1 :]
            assert len(changed) == len(leaf) and changed != leaf
            update = text("UPDATE entries SET leaf = :leaf WHERE seq = :s")
            if engine.dialect.name == "sqlite":
                trigger = conn.execute(
                    text("SELECT sql FROM sqlite_master WHERE type='trigger' AND name=:n"),
                    {"n": "entries_no_update"},
                ).scalar_one()
                conn.execute(text("DROP TRIGGER entries_no_update"))
                conn.execute(update, {"leaf": changed, "s": seq})
                conn.exec_driver_sql(trigger)
            else:
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(update, {"leaf": changed, "s": seq})
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT leaf FROM entries WHERE seq = :s"), {"s": seq})
            assert bytes(stored.scalar_one()) == changed
    finally:
        engine.dispose()


def _grant_in_process(env: dict[str, str], db_url: str, name: str, role: str) -> None:
    keystore = KeyStore(Path(env["BIOTRAZA_DATA_DIR"]) / "keys")
    info = keystore.create(name, PASSPHRASE)
    body = {"name": name, "public_key": info.public_key, "role": role}
    signed = sign_statement(keystore.load("root", PASSPHRASE), "key.added", body)
    service = LedgerService.open(db_url, migrate=False)
    try:
        assert service.submit(signed).created
    finally:
        service.close()


def test_verify_names_the_tampered_seq(initialized: dict[str, str], db_url: str) -> None:
    env = initialized
    _grant_in_process(env, db_url, "registrar-a", "registrar")
    _grant_in_process(env, db_url, "issuer-a", "label_issuer")
    service = LedgerService.open(db_url, migrate=False)
    try:
        assert service.verify().size == 3
    finally:
        service.close()

    _tamper_leaf(db_url, 1)

    code, report = verify_json(env)
    assert code == 1
    assert report["ok"] is False
    assert report["bad_seq"] == 1
    assert "entry 1" in str(report["reason"])
    plain = run(env, "ledger", "verify")
    assert plain.returncode == 1
    assert "Traceback" not in plain.stderr
    assert "verification failed at seq 1" in " ".join(plain.stderr.split())


def test_wrong_passphrase_is_one_clean_line(initialized: dict[str, str], db_url: str) -> None:
    wrong = {**initialized, "BIOTRAZA_KEY_PASSPHRASE": "not-the-passphrase"}
    grant = failed(wrong, "keys", "grant", "operator", "--role", "registrar")
    assert "wrong passphrase" in grant.stderr
    assert len(grant.stderr.strip().splitlines()) == 1
    assert head_size(db_url) == 1


# =========================================================================== demo


def _demo_size(output: str) -> int:
    found = re.search(r"demo ledger: (\d+) entries", " ".join(output.split()))
    assert found is not None, output
    return int(found.group(1))


def test_demo_twice_gives_the_same_size(env: dict[str, str], db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "demo"
    args = ["demo", "--no-serve", "--data-dir", str(target), "--database-url", db_url]
    first = _demo_size(ok(env, *args).stdout)
    second = _demo_size(ok(env, *args).stdout)
    assert first == second >= 4  # at least genesis + registrar, certifier, label issuer
    service = LedgerService.open(db_url, migrate=False)
    try:
        assert service.verify().size == first
    finally:
        service.close()
    # The configured ledger (BIOTRAZA_DATA_DIR) is not touched by the demo.
    assert not Path(env["BIOTRAZA_DATA_DIR"]).exists()


def test_demo_data_dir_option_wins_over_environment(tmp_path: Path) -> None:
    real = tmp_path / "real"
    target = tmp_path / "demo"
    env = {**_base_env(), "BIOTRAZA_DATA_DIR": str(real), "BIOTRAZA_KEY_PASSPHRASE": PASSPHRASE}
    size = _demo_size(ok(env, "demo", "--no-serve", "--data-dir", str(target)).stdout)
    assert size >= 4
    assert (target / "ledger.db").is_file()
    assert {"root.key", "operator.key"} <= {p.name for p in (target / "keys").glob("*.key")}
    assert not real.exists()


@pytest.mark.parametrize("args", [("ledger", "head"), ("log-key",), ("ledger", "verify")])
def test_unreachable_database_is_one_line(keys_env: dict[str, str], args: tuple[str, ...]) -> None:
    env = {**keys_env, "BIOTRAZA_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    result = run(env, *args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "database error" in result.stderr and "BIOTRAZA_DATABASE_URL" in result.stderr
