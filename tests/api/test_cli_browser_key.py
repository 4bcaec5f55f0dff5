"""``biotraza keys export-for-browser``: a stored key sealed for the field app's office.

The file opens with the browser passphrase to the very key in the store (the field app opens
the same format in api/webapp/tests/office.test.ts); the passphrase never comes from argv;
a short passphrase, a missing one without a terminal, or an unknown key is one error line.
"""

from __future__ import annotations

from pathlib import Path

from ledger.browser_keyfile import open_for_browser
from ledger.keys import key_id
from ledger.keystore import KeyStore
from tests.api.test_cli import PASSPHRASE, failed, keys_env, ok

__all__ = ["keys_env"]  # fixture, used by name


def test_export_for_browser(keys_env: dict[str, str], tmp_path: Path) -> None:
    env = keys_env
    ok(env, "keys", "new", "coop")
    secret = tmp_path / "browser-pass"
    secret.write_text("una frase larga para la oficina\n", encoding="utf-8")
    target = tmp_path / "coop.browser-key.json"
    done = ok(
        env,
        "keys",
        "export-for-browser",
        "coop",
        "-o",
        str(target),
        "--browser-passphrase-file",
        str(secret),
    )
    assert "delete it once imported" in done.stdout
    assert target.stat().st_mode & 0o777 == 0o600
    stored = KeyStore(Path(env["BIOTRAZA_DATA_DIR"]) / "keys").load("coop", PASSPHRASE)
    opened = open_for_browser(target.read_bytes(), "una frase larga para la oficina")
    assert key_id(opened) == key_id(stored)

    short = tmp_path / "short"
    short.write_text("corta\n", encoding="utf-8")
    args = ["keys", "export-for-browser", "coop", "-o", str(tmp_path / "x.json")]
    assert "12 characters" in failed(env, *args, "--browser-passphrase-file", str(short)).stderr
    assert "--browser-passphrase-file" in failed(env, *args).stderr
    unknown = ["keys", "export-for-browser", "nope", "-o", str(tmp_path / "y.json")]
    failed(env, *unknown, "--browser-passphrase-file", str(secret))
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "y.json").exists()
