"""``biotraza receipt verify`` and ``receipt render`` as a user runs them (a subprocess).

The receipts and trust lists are those of ``tests/vectors/receipt.json`` (cut from a real
ledger and signed by its root key), so the CLI answers exactly what the library and the
browser answer for them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from labels.receipt import encode_receipt
from ledger.statements import SignedStatement

BIOTRAZA = Path(sys.executable).parent / "biotraza"
VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "receipt.json"


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    clean.update({"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"})
    clean["BIOTRAZA_DATA_DIR"] = str(tmp_path / "data")
    return clean


def run(env: dict[str, str], *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: PLW1510 - the exit code is asserted below
        [str(BIOTRAZA), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == code, (args, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def trust_file(tmp_path: Path, vectors: dict[str, Any], name: str = "current") -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(vectors["trust_lists"][name]), encoding="utf-8")
    return str(path)


def test_render_then_verify_the_image(
    env: dict[str, str], tmp_path: Path, vectors: dict[str, Any]
) -> None:
    signed = tmp_path / "delivery.json"
    signed.write_text(json.dumps(vectors["signed_statement"]), encoding="utf-8")
    png = tmp_path / "receipt.png"
    rendered = run(env, "receipt", "render", str(signed), "-o", str(png))
    assert f"QR version {vectors['qr_version_m']}" in rendered.stdout
    root = vectors["root_public_key"]
    trust = trust_file(tmp_path, vectors)
    verdict = run(env, "receipt", "verify", str(png), "--trust-list", trust, "--root-key", root,
                  "--association", "coop-a")  # fmt: skip
    assert verdict.stdout.startswith("VALID: Recibo auténtico")
    assert "412.5 kg" in verdict.stdout and "02/03/2026" in verdict.stdout
    english = run(env, "receipt", "verify", vectors["text"], "--trust-list", trust,
                  "--root-key", root, "--lang", "en", "--json")  # fmt: skip
    doc = json.loads(english.stdout)
    assert doc["status"] == "valid" and doc["recorded_in_ledger"] == "unknown_offline"
    assert (
        SignedStatement.from_dict(doc["signed_statement"]).to_dict() == vectors["signed_statement"]
    )


def test_refusals_and_bad_input(
    env: dict[str, str], tmp_path: Path, vectors: dict[str, Any]
) -> None:
    root = vectors["root_public_key"]
    trust = trust_file(tmp_path, vectors)
    cases = {c["name"]: c for c in vectors["cases"]}
    forged = run(env, "receipt", "verify", cases["weight changed"]["text"], "--trust-list",
                 trust, "--root-key", root, code=1)  # fmt: skip
    assert forged.stdout.startswith("BAD_SIGNATURE")
    text_file = tmp_path / "receipt.txt"
    text_file.write_text(cases["device of coop-b, producer of coop-a"]["text"] + "\n")
    other = run(env, "receipt", "verify", str(text_file), "--trust-list", trust, "--root-key",
                root, "--association", "coop-a", code=1)  # fmt: skip
    assert other.stdout.startswith("WRONG_ASSOCIATION")
    lost = trust_file(tmp_path, vectors, "revoked_before")
    revoked = run(env, "receipt", "verify", vectors["text"], "--trust-list", lost, "--root-key",
                  root, code=1)  # fmt: skip
    assert revoked.stdout.startswith("REVOKED")
    garbage = run(env, "receipt", "verify", "hola", "--trust-list", trust, "--root-key", root,
                  code=1)  # fmt: skip
    assert garbage.stdout.startswith("MALFORMED") and "prefix" in garbage.stdout
    french = run(env, "receipt", "verify", vectors["text"], "--trust-list", trust,
                 "--root-key", root, "--lang", "fr", code=1)  # fmt: skip
    assert french.stdout == "" and french.stderr.strip().splitlines() == [
        "error: --lang: expected es or en, got 'fr'"
    ], french.stderr
    missing = run(env, "receipt", "verify", vectors["text"], "--trust-list",
                  str(tmp_path / "none.json"), "--root-key", root, code=1)  # fmt: skip
    assert len(missing.stderr.strip().splitlines()) == 1
    signed = tmp_path / "not-a-delivery.json"
    signed.write_text(json.dumps({"statement": {"v": 1}, "sig": "x"}))
    bad = run(env, "receipt", "render", str(signed), "-o", str(tmp_path / "r.png"), code=1)
    assert len(bad.stderr.strip().splitlines()) == 1 and "statement" in bad.stderr
    assert encode_receipt(SignedStatement.from_dict(vectors["signed_statement"])) == vectors["text"]
