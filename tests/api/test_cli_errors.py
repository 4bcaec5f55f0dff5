"""The real ``biotraza`` script on failures that used to end in a traceback or leak a secret.

What each test proves (each runs the installed console script as a subprocess):

* Known failures are one line on stderr (``error: …`` naming what is wrong), exit 1, no
  traceback: an unreachable ``--server`` (nothing listens on port 1), a ``--server`` that is
  not an http(s) URL (refused while parsing, before any key is decrypted), ``ledger verify`` and
  ``ledger head`` on a database that was never migrated (an empty SQLite file, an empty
  PostgreSQL schema), and an invalid ``BIOTRAZA_MAX_REQUEST_BYTES`` (named as the variable).
* ``keys new`` under a passphrase other than the store's is refused there and then, and the
  key is not created; under the store's passphrase it succeeds.
* ``init`` and ``db upgrade`` print the database URL without its password (PostgreSQL with a
  password in the URL: the local server uses trust authentication, so it is accepted), and a
  malformed or unsupported ``BIOTRAZA_DATABASE_URL`` is one line that does not show it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.keystore import KeyStore
from tests.api.test_cli import PASSPHRASE, _base_env, ok, run


def one_error_line(result: object, *needles: str) -> str:
    """Assert a clean failure (exit 1, one ``error:`` line, no traceback); return the line."""
    stdout, stderr = result.stdout, result.stderr  # type: ignore[attr-defined]
    assert result.returncode == 1, f"{stdout}\n{stderr}"  # type: ignore[attr-defined]
    assert "Traceback" not in stdout + stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    line = " ".join(stderr.split())
    assert line.startswith("error: "), line
    for needle in needles:
        assert needle in line, line
    return line


@pytest.fixture
def signer_env(tmp_path: Path) -> dict[str, str]:
    """A key store with one key and no database."""
    data = tmp_path / "data"
    KeyStore(data / "keys").create("org", PASSPHRASE)
    return {**_base_env(), "BIOTRAZA_DATA_DIR": str(data), "BIOTRAZA_KEY_PASSPHRASE": PASSPHRASE}


def test_unreachable_server_is_one_line(signer_env: dict[str, str]) -> None:
    result = run(
        signer_env,
        "submit",
        "lot.harvested",
        "--body",
        '{"lot_id": "l1"}',
        "--signer",
        "org",
        "--server",
        "http://127.0.0.1:1",
    )
    one_error_line(result, "cannot reach http://127.0.0.1:1", "refused")


@pytest.mark.parametrize("server", ["not a url", "ftp://example.org", "127.0.0.1:8000"])
def test_malformed_server_is_one_line(signer_env: dict[str, str], server: str) -> None:
    result = run(
        signer_env, "submit", "lot.harvested", "--body", "{}", "--signer", "org", "--server", server
    )
    one_error_line(result, f"--server {server!r}", "http:// or https://")


@pytest.mark.parametrize("command", [("ledger", "verify"), ("ledger", "head")])
def test_unmigrated_database_is_one_line(
    tmp_path: Path, db_url: str, command: tuple[str, ...]
) -> None:
    if db_url.startswith("sqlite"):
        Path(db_url.removeprefix("sqlite:///")).touch()  # an empty file, as on a typo'd path
    env = {**_base_env(), "BIOTRAZA_DATA_DIR": str(tmp_path), "BIOTRAZA_DATABASE_URL": db_url}
    one_error_line(run(env, *command), "no ledger here yet", "run `biotraza init` first")


def test_invalid_setting_is_one_line(tmp_path: Path, db_url: str) -> None:
    env = {
        **_base_env(),
        "BIOTRAZA_DATA_DIR": str(tmp_path),
        "BIOTRAZA_DATABASE_URL": db_url,
        "BIOTRAZA_MAX_REQUEST_BYTES": "lots",
    }
    for command in [("ledger", "head"), ("keys", "list")]:
        one_error_line(run(env, *command), "BIOTRAZA_MAX_REQUEST_BYTES", "valid integer")


def test_keys_new_under_another_passphrase_is_refused(signer_env: dict[str, str]) -> None:
    keys = Path(signer_env["BIOTRAZA_DATA_DIR"]) / "keys"
    other = {**signer_env, "BIOTRAZA_KEY_PASSPHRASE": "a-different-passphrase"}
    one_error_line(run(other, "keys", "new", "second"), "not this key store's")
    assert not (keys / "second.key").exists()
    assert "created key second" in ok(signer_env, "keys", "new", "second").stdout
    assert KeyStore(keys).load("second", PASSPHRASE) is not None


@pytest.mark.postgres
def test_database_password_is_never_printed(tmp_path: Path, pg_schema_url: str) -> None:
    secret = "hunter2-not-for-logs"
    url = pg_schema_url.replace("postgres@", f"postgres:{secret}@", 1)
    assert secret in url
    env = {
        **_base_env(),
        "BIOTRAZA_DATA_DIR": str(tmp_path / "data"),
        "BIOTRAZA_KEY_PASSPHRASE": PASSPHRASE,
        "BIOTRAZA_DATABASE_URL": url,
        "BIOTRAZA_ORIGIN": "ledger.coop-test.mx/log",
    }
    upgraded = ok(env, "db", "upgrade")
    assert secret not in upgraded.stdout + upgraded.stderr
    assert "postgres:***@" in " ".join(upgraded.stdout.split())
    initialized = ok(env, "init")  # names the log, not the database
    assert secret not in initialized.stdout + initialized.stderr


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("postgresql+psycopg://u:topsecret@127.0.0.1:notaport/db", "malformed database URL"),
        ("mysql://u:topsecret@127.0.0.1/db", "unsupported database URL"),
    ],
)
def test_bad_database_url_is_one_line_without_its_password(
    tmp_path: Path, url: str, needle: str
) -> None:
    env = {**_base_env(), "BIOTRAZA_DATA_DIR": str(tmp_path), "BIOTRAZA_DATABASE_URL": url}
    line = one_error_line(run(env, "ledger", "head"), needle, "u:***@127.0.0.1")
    assert "topsecret" not in line
