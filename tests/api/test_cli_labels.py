"""``biotraza label …`` and ``biotraza trustlist …`` as a subprocess, on the demo ledger.

On SQLite and PostgreSQL: issue labels for the eligible coffee export lot (files written and
decoding to the printed label), export a root-signed trust list, verify the PNG offline
(exit 0), revoke the issuance, re-export and get REVOKED (exit 1); the ineligible export lot
is refused with its reasons in one line, no traceback. On SQLite only (the commands are the
same code on both engines): malformed input, a tampered trust list, an unpinned root,
rendering, print-run sheets and ``--server`` issuance through a running API.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pypdfium2
import pytest

from api.demo import build_demo
from api.settings import Settings
from labels.decode import decode_image

BIOTRAZA = Path(sys.executable).with_name("biotraza")
PASSPHRASE = "cli-label-passphrase"


def _env(data_dir: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env.update(
        {
            "COLUMNS": "250",
            "NO_COLOR": "1",
            "TERM": "dumb",
            "BIOTRAZA_DATA_DIR": str(data_dir),
            "BIOTRAZA_KEY_PASSPHRASE": PASSPHRASE,
            "BIOTRAZA_DATABASE_URL": db_url,
        }
    )
    return env


def run(env: dict[str, str], *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: PLW1510 - the exit code is asserted below
        [str(BIOTRAZA), *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == code, (args, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _demo(data_dir: Path, db_url: str) -> tuple[dict[str, str], dict[str, Any]]:
    cfg = Settings(data_dir=data_dir, key_passphrase=PASSPHRASE, database_url=db_url)
    return _env(data_dir, db_url), build_demo(cfg)


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("cli-demo")
    return _demo(data_dir, f"sqlite:///{data_dir / 'ledger.db'}")


def test_issue_export_verify_revoke(tmp_path: Path, db_url: str) -> None:
    env, summary = _demo(tmp_path / "data", db_url)
    lot = summary["coffee_export_certified_lot"]
    out_dir = tmp_path / "labels"
    issued = json.loads(
        run(env, "label", "issue", lot, "--units", "1", "--out-dir", str(out_dir),
            "--format", "png", "--json").stdout
    )  # fmt: skip
    [text] = issued["labels"]
    [png] = issued["files"]
    assert decode_image(Path(png).read_bytes()) == [text]
    assert f"n={issued['seq']}&" in text

    trust_list = tmp_path / "trust.json"
    run(env, "trustlist", "export", "--out", str(trust_list))
    run(env, "trustlist", "verify", str(trust_list))
    verdict = json.loads(
        run(env, "label", "verify", png, "--trust-list", str(trust_list), "--json").stdout
    )
    assert verdict["status"] == "valid" and verdict["claims"]["n"] == issued["seq"]

    run(env, "label", "revoke", "--issuance", str(issued["seq"]), "--reason", "sack torn")
    run(env, "trustlist", "export", "--out", str(trust_list))
    revoked = run(env, "label", "verify", text, "--trust-list", str(trust_list), code=1)
    assert "REVOKED" in revoked.stdout and "sack torn" in revoked.stdout

    plain = run(env, "label", "issue", lot, "--units", "1")  # the last sack; the line speaks kg
    assert re.search(r"issuance recorded at seq \d+: 1 × 69 kg \(69 kg\) of " + lot, plain.stdout)

    refused = run(env, "label", "issue", summary["coffee_export_lot"], "--units", "1", code=1)
    assert "not eligible" in refused.stderr and "cs-plot07" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_labels_for_consumed_goods_are_one_clear_refusal(tmp_path: Path, db_url: str) -> None:
    """Issue 15: on the demo, ``label issue mc-filtered-drums --units 21 --unit-g 300000``
    (honey already packed into drums) was accepted; now refused in one line naming the lot
    and the kg, nothing appended, the ledger verifies, and ``eligibility`` says why."""
    env, summary = _demo(tmp_path / "data", db_url)
    refused = run(env, "label", "issue", "mc-filtered-drums", "--units", "21", "--unit-g",
                  "300000", "--lot-number", "MCF001", code=1)  # fmt: skip
    assert refused.stderr.strip() == (
        "error: lot mc-filtered-drums has 6,300 kg: 6,300 kg consumed by transformations and "
        "0 kg already labelled, so at most 0 kg may be labelled; 6,300 kg requested "
        "(21 × 300 kg)"
    )
    rest = run(env, "label", "issue", summary["lots"]["honey_remainder"], "--units", "1",
               "--unit-g", "30000", "--lot-number", "MCR001", code=1)  # fmt: skip
    assert "at most 27.8 kg may be labelled; 30 kg requested" in rest.stderr
    assert len(rest.stderr.strip().splitlines()) == 1
    verified = run(env, "ledger", "verify")
    assert f"{summary['size']} entries verified" in verified.stdout
    answer = json.loads(run(env, "eligibility", "mc-filtered-drums").stdout)
    assert answer["eligible"] and answer["stock"]["status"] == "consumed"
    assert answer["stock"]["consumed_by"][0]["transformation_id"] == "mc-pack-2026"


def test_bad_input_is_one_clear_line(
    sqlite_demo: tuple[dict[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    env, summary = sqlite_demo
    trust_list = tmp_path / "trust.json"
    run(env, "trustlist", "export", "--out", str(trust_list))
    malformed = run(env, "label", "verify", "https://x.example/nope", "--trust-list",
                    str(trust_list), code=1)  # fmt: skip
    assert "MALFORMED" in malformed.stdout and "no es una etiqueta" in malformed.stdout
    english = run(env, "label", "verify", summary["labels"]["honey"]["text"], "--trust-list",
                  str(trust_list), "--lang", "en")  # fmt: skip
    assert "VALID" in english.stdout and "Genuine label" in english.stdout

    document = json.loads(trust_list.read_text())
    document["resolver_hosts"].append("evil.example")
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document))
    bad = run(env, "label", "verify", "x", "--trust-list", str(tampered), code=1)
    assert "does not verify" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    unpinned = run(env, "label", "verify", "x", "--trust-list", str(trust_list), "--root-key",
                   "operator", code=1)  # fmt: skip
    assert "not a pinned root" in unpinned.stderr or "neither" in unpinned.stderr
    missing = run(env, "label", "verify", "x", "--trust-list", str(tmp_path / "none.json"),
                  code=1)  # fmt: skip
    assert "error:" in missing.stderr
    both = run(env, "label", "revoke", "--reason", "x y", code=1)
    assert "exactly one of --issuance or --lot" in both.stderr
    over = run(env, "label", "issue", summary["honey_drums_lot"], "--units", "1", code=1)
    assert "already labelled" in over.stderr


def test_render_and_sheets(
    sqlite_demo: tuple[dict[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    env, summary = sqlite_demo
    honey = summary["labels"]["honey"]
    svg = tmp_path / "q.svg"
    result = run(env, "label", "render", honey["text"], "--out", str(svg), "--format", "svg")
    assert "QR version" in result.stdout
    assert decode_image(svg.read_bytes()) == [honey["text"]]
    printable = tmp_path / "label.svg"
    run(env, "label", "render", honey["text"], "--out", str(printable), "--format", "label")
    assert "Miel filtrada" in printable.read_text()
    sheet = tmp_path / "drums.html"
    run(env, "label", "sheet", str(honey["seq"]), "--out", str(sheet))
    html = sheet.read_text()
    assert html.count("<figure>") == honey["units"]
    assert f"/21/{honey['units']}?" in html  # every drum's serial is on the sheet
    pdf = tmp_path / "drums.pdf"
    run(env, "label", "sheet", str(honey["seq"]), "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF-")
    thermal = tmp_path / "roll.pdf"
    run(env, "label", "sheet", str(honey["seq"]), "--out", str(thermal), "--stock", "thermal")
    roll = pypdfium2.PdfDocument(thermal.read_bytes())
    assert len(roll) == honey["units"]  # one label a page on a thermal roll
    width, height = roll[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (70, 36)
    wrong = run(
        env, "label", "sheet", str(honey["seq"]), "--out", str(pdf), "--stock", "a3", code=1
    )
    assert "--stock" in wrong.stderr + wrong.stdout
    run(env, "label", "sheet", str(honey["seq"]), "--out", str(tmp_path / "x.doc"), code=1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_issue_and_revoke_through_a_server(
    sqlite_demo: tuple[dict[str, str], dict[str, Any]],
) -> None:
    env, summary = sqlite_demo
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own console script
        [str(BIOTRAZA), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/v1/head", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not start")
        lot = summary["coffee_export_certified_lot"]
        issued = json.loads(
            run(env, "label", "issue", lot, "--units", "1", "--server", base, "--json").stdout
        )
        [text] = issued["labels"]
        assert text.startswith("https://127.0.0.1:8000/01/")  # the demo's printed host
        online = httpx.post(f"{base}/api/v1/labels/verify", json={"text": text}).json()
        assert online["verdict"]["status"] == "valid"
        run(env, "label", "revoke", "--issuance", str(issued["seq"]), "--reason", "wet sack",
            "--server", base)  # fmt: skip
        again = httpx.post(f"{base}/api/v1/labels/verify", json={"text": text}).json()
        assert again["verdict"]["status"] == "revoked"
    finally:
        server.terminate()
        server.wait(timeout=30)
