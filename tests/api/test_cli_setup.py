"""A deployment's identity, chosen at ``biotraza init``: the log's origin and the resolver
hosts its labels point to; placeholders never reach genesis or print.

Runs the installed ``biotraza`` script as a subprocess on SQLite and PostgreSQL; the demo's
``--port`` is checked on SQLite through the resolver pages (the same code on both engines).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import build_demo, demo_resolvers
from api.services.labels import recorded_resolver_hosts
from api.services.ledger import LedgerService
from api.settings import Settings

BIOTRAZA = Path(sys.executable).with_name("biotraza")
PASSPHRASE = "setup-passphrase"


@pytest.fixture
def env(tmp_path: Path, db_url: str) -> dict[str, str]:
    """A fresh data dir and database, no origin configured, no terminal."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    return {
        **clean,
        "COLUMNS": "250",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "BIOTRAZA_DATA_DIR": str(tmp_path / "data"),
        "BIOTRAZA_KEY_PASSPHRASE": PASSPHRASE,
        "BIOTRAZA_DATABASE_URL": db_url,
    }


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIOTRAZA), *args],
        check=False,  # each caller asserts the exit code
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=180,
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The failure's message: exit 1, one line on stderr, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def head_size(db_url: str) -> int:
    service = LedgerService.open(db_url, migrate=False)
    try:
        return service.head().size
    finally:
        service.close()


def test_init_without_an_origin_names_the_flag_and_creates_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    line = one_error_line(run(env, "init"))
    assert "--origin" in line and "BIOTRAZA_ORIGIN" in line
    assert not (tmp_path / "data" / "keys").exists()


@pytest.mark.parametrize("origin", ["biotraza.example/log", "ledger.coop.test/log"])
def test_init_refuses_a_placeholder_origin(env: dict[str, str], origin: str) -> None:
    line = one_error_line(run(env, "init", "--origin", origin))
    assert line.startswith("error: --origin:") and "placeholder" in line


def test_init_records_origin_and_resolver_hosts(env: dict[str, str], db_url: str) -> None:
    result = run(
        env, "init", "--origin", "ledger.coop-xyz.mx/log",
        "--resolver-host", "qr.coop-xyz.mx", "--resolver-host", "qr2.coop-xyz.mx",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "log ledger.coop-xyz.mx/log" in result.stdout
    assert "resolver hosts qr.coop-xyz.mx qr2.coop-xyz.mx recorded at seq 1" in result.stdout
    service = LedgerService.open(db_url, migrate=False)
    try:
        assert service.log_info().origin == "ledger.coop-xyz.mx/log"
        assert recorded_resolver_hosts(service) == ["qr.coop-xyz.mx", "qr2.coop-xyz.mx"]
    finally:
        service.close()
    again = run(
        env, "init", "--origin", "other.coop-xyz.mx/log", "--resolver-host", "qr.coop-xyz.mx"
    )
    assert again.returncode == 0, again.stderr
    assert (
        "genesis already present" in again.stdout and "log ledger.coop-xyz.mx/log" in again.stdout
    )
    assert head_size(db_url) == 3  # genesis, the first hosts, the changed hosts


def test_labels_are_refused_until_a_real_resolver_host_is_recorded(
    env: dict[str, str], db_url: str
) -> None:
    assert run(env, "init", "--origin", "ledger.coop-xyz.mx/log").returncode == 0
    size = head_size(db_url)
    line = one_error_line(run(env, "label", "issue", "any-lot", "--units", "1", "--signer", "root"))
    assert "resolver host: none recorded yet" in line and "biotraza label resolvers" in line
    line = one_error_line(run(env, "label", "resolvers", "qr.bt.example"))
    assert "'qr.bt.example' is a placeholder" in line
    line = one_error_line(
        run(env, "label", "issue", "any-lot", "--units", "1", "--signer", "root",
            "--host", "qr.bt.example")
    )  # fmt: skip
    assert "placeholder" in line
    assert head_size(db_url) == size  # nothing recorded by the refusals
    recorded = run(env, "label", "resolvers", "qr.coop-xyz.mx")
    assert recorded.returncode == 0, recorded.stderr
    assert head_size(db_url) == size + 1
    # Past the host check, the next problem is the lot itself.
    line = one_error_line(run(env, "label", "issue", "any-lot", "--units", "1", "--signer", "root"))
    assert "any-lot" in line


def _verdict(cfg: Settings, summary: dict[str, Any], host: str) -> str:
    service = LedgerService.open(cfg.resolved_database_url)
    try:
        with TestClient(create_app(cfg, service)) as client:
            page = client.get(
                summary["labels"]["coffee"]["path"],
                headers={"host": host, "accept": "application/json"},
            )
    finally:
        service.close()
    assert page.status_code == 200, page.text
    return str(page.json()["verdict"]["status"])


def test_demo_labels_resolve_as_genuine_on_the_port_it_serves(tmp_path: Path) -> None:
    cfg = Settings(
        data_dir=tmp_path, key_passphrase=PASSPHRASE, database_url=f"sqlite:///{tmp_path}/l.db"
    )
    summary = build_demo(cfg, port=8101)
    assert summary["labels"]["coffee"]["text"].startswith("https://127.0.0.1:8101/")
    assert _verdict(cfg, summary, "127.0.0.1:8101") == "valid"
    assert _verdict(cfg, summary, "localhost:8101") == "valid"
    assert _verdict(cfg, summary, "127.0.0.1:8000") == "valid_untrusted_host"
    again = build_demo(cfg, port=8102)  # the same demo served on another port
    assert again["appended"] == 1  # only the new resolver hosts
    service = LedgerService.open(cfg.resolved_database_url)
    try:
        assert recorded_resolver_hosts(service) == demo_resolvers(8102)
    finally:
        service.close()
    assert _verdict(cfg, again, "127.0.0.1:8102") == "valid"


def test_keys_grant_checks_role_spelling_and_the_scope_a_role_needs(
    env: dict[str, str], db_url: str
) -> None:
    assert run(env, "init", "--origin", "ledger.coop-xyz.mx/log").returncode == 0
    assert run(env, "keys", "new", "label-issuer").returncode == 0
    assert run(env, "keys", "new", "certimex").returncode == 0
    size = head_size(db_url)
    line = one_error_line(run(env, "keys", "grant", "label-issuer", "--role", "label-issuer"))
    assert "--role 'label-issuer': not a role (did you mean label_issuer?)" in line
    assert "valid roles: certifier, label_issuer, operator, registrar, root" in line
    line = one_error_line(run(env, "keys", "grant", "certimex", "--role", "certifier"))
    assert "--scope: role certifier needs certifier_id=" in line
    assert head_size(db_url) == size  # refused before anything was signed
    granted = run(env, "keys", "grant", "label-issuer", "--role", "label_issuer")
    assert granted.returncode == 0, granted.stderr
    scoped = run(
        env, "keys", "grant", "certimex", "--role", "certifier", "--scope", "certifier_id=certimex"
    )
    assert scoped.returncode == 0, scoped.stderr
    assert head_size(db_url) == size + 2


def test_local_errors_name_the_field_and_reason_as_the_http_api_does(
    env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    from ledger.keystore import KeyStore
    from ledger.statements import sign_statement

    assert run(env, "init", "--origin", "ledger.coop-xyz.mx/log").returncode == 0
    body = {"name": "x", "public_key": "not-a-key", "role": "label-issuer"}
    line = one_error_line(
        run(env, "submit", "key.added", "--body", json.dumps(body), "--signer", "root")
    )
    root = KeyStore(tmp_path / "data" / "keys").load("root", PASSPHRASE)
    cfg = Settings(data_dir=tmp_path / "data", database_url=db_url)
    service = LedgerService.open(db_url, migrate=False)
    try:
        with TestClient(create_app(cfg, service)) as client:
            answer = client.post(
                "/api/v1/entries", json=sign_statement(root, "key.added", body).to_dict()
            )
    finally:
        service.close()
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["fields"], error
    assert line.startswith(f"error: {error['message']} (")
    for field in error["fields"]:
        assert f"{field['field']}: {field['reason']}" in line


def test_demo_and_serve_on_a_busy_port_fail_at_once(env: dict[str, str], tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        demo_dir = tmp_path / "demo"
        line = one_error_line(run(env, "demo", "--data-dir", str(demo_dir), "--port", port))
        assert f"--port {port}: cannot listen on 127.0.0.1:{port}" in line
        assert not demo_dir.exists()  # refused before building anything
        line = one_error_line(run(env, "serve", "--port", port))
        assert f"--port {port}: cannot listen" in line


@pytest.mark.parametrize(
    "command", [("ledger", "verify"), ("ledger", "head"), ("lot", "show", "x")]
)
def test_commands_before_init_say_run_init_first(tmp_path: Path, command: tuple[str, ...]) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env = {**clean, "BIOTRAZA_DATA_DIR": str(tmp_path / "nowhere"), "NO_COLOR": "1"}
    line = one_error_line(run(env, *command))
    assert "run `biotraza init` first" in line
    assert not (tmp_path / "nowhere" / "ledger.db").exists()  # looking created nothing


def test_a_database_without_a_ledger_says_run_init_first(env: dict[str, str], db_url: str) -> None:
    if db_url.startswith("sqlite"):
        Path(db_url.removeprefix("sqlite:///")).touch()  # an empty file, as SQLite makes one
    line = one_error_line(run(env, "ledger", "verify"))
    assert "no ledger here yet: run `biotraza init` first" in line
