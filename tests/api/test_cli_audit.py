"""``biotraza audit verify``, end to end through the installed script, with no database.

The worked example of ``docs/audit-bundle.md`` is executed as written: the demo is built, a
bundle exported and the operator key printed; the two ``audit verify`` commands then run with
``BIOTRAZA_DATABASE_URL`` pointing at a PostgreSQL server that does not exist and no data
directory, so any attempt to open a database would fail. What each test proves:

* the documented commands work and print what the document says (summary line, JSON shape,
  the header fields table matches the format);
* a changed byte makes the command exit 1 and name the entry; another log's key and a
  malformed key exit 1 with one error line and no traceback; a missing file likewise.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoints import verifier_key_string
from verifiers.audit import STEPS
from verifiers.audit.layout import HEADER_FIELDS

BIOTRAZA = str(Path(sys.executable).with_name("biotraza"))
DOC = Path(__file__).resolve().parents[2] / "docs" / "audit-bundle.md"
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:1/never-opened"
LOT = "cs-export-2526-002"


def _block(marker: str, fence: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    after = text.split(f"<!-- example:{marker} -->", 1)[1]
    match = re.search(rf"```{fence}\n(.*?)```", after, re.S)
    assert match, marker
    return match.group(1)


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed executable, test-controlled args
        [BIOTRAZA, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


def _offline() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env["BIOTRAZA_DATABASE_URL"] = NOWHERE
    return env


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Run the document's commands in a fresh directory; return it and each command's stdout."""
    cwd = tmp_path_factory.mktemp("audit-example")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    outputs: list[str] = []
    for line in _block("commands", "sh").strip().splitlines():
        words = shlex.split(line)
        if words[0] == "export":
            env.update(word.split("=", 1) for word in words[1:])
            continue
        target = None
        if ">" in words:
            words, target = words[: words.index(">")], words[words.index(">") + 1]
        assert words[0] == "biotraza", line
        offline = words[1] == "audit"
        result = _run(words[1:], _offline() if offline else env, cwd)
        assert result.returncode == 0, (line, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        if target:
            (cwd / target).write_text(result.stdout, encoding="utf-8")
        outputs.append(result.stdout)
    return cwd, outputs


def test_documented_commands_verify_offline(example: tuple[Path, list[str]]) -> None:
    cwd, outputs = example
    summary = outputs[-2]
    report = json.loads((cwd / "report.json").read_text(encoding="utf-8"))
    # The demo grows with the project, so the document's counts are illustrative.
    assert summary.startswith(f"VERIFIED trail of lot {LOT} — {report['entry_count']} entries")
    assert "not checkable from a bundle alone" in summary
    assert report["ok"] is True and report["failures"] == [] and report["entry_count"] > 200
    assert [c["step"] for c in report["checks"]] == [step for step, _ in STEPS]
    assert report["summary"]["eligibility"]["eligible"] is True
    documented = json.loads(_block("commands", "json"))
    assert set(documented) == set(report)
    assert set(documented["summary"]) == set(report["summary"])
    assert documented["summary"]["lot"] == report["summary"]["lot"]


def test_documented_header_fields_are_the_format() -> None:
    rows = re.findall(r"^\| `(\w+)` \|", _block_table("header-fields"), re.M)
    assert rows == [*HEADER_FIELDS, "entries"]


def _block_table(marker: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split(f"<!-- example:{marker} -->", 1)[1].split("\n\n", 2)[0]


def test_changed_byte_exits_1_and_names_the_entry(example: tuple[Path, list[str]]) -> None:
    cwd, _outputs = example
    lines = (cwd / "lot.bundle.json").read_bytes().splitlines(keepends=True)
    seq = json.loads(lines[40].rstrip(b",\n"))["seq"]
    lines[40] = lines[40].replace(b'\\"nonce\\":\\"', b'\\"nonce\\":\\"X', 1)
    (cwd / "tampered.json").write_bytes(b"".join(lines))
    result = _run(["audit", "verify", "tampered.json", "--operator-key", "operator.vkey"],
                  _offline(), cwd)  # fmt: skip
    assert result.returncode == 1
    assert "NOT VERIFIED" in result.stdout and "Traceback" not in result.stderr
    assert f"line 41: entries[seq={seq}].leaf" in result.stdout
    as_json = _run(["audit", "verify", "tampered.json", "--operator-key", "operator.vkey",
                    "--json"], _offline(), cwd)  # fmt: skip
    assert as_json.returncode == 1
    first = json.loads(as_json.stdout)["failures"][0]
    assert (first["seq"], first["line"], first["where"]) == (seq, 41, f"entries[seq={seq}].leaf")


def test_wrong_or_malformed_key_and_missing_file(example: tuple[Path, list[str]]) -> None:
    cwd, _outputs = example
    vkey = (cwd / "operator.vkey").read_text(encoding="utf-8").strip()
    name, key_id, material = vkey.split("+", 2)
    stranger = verifier_key_string(name, Ed25519PrivateKey.generate().public_key())
    wrong = _run(
        ["audit", "verify", "lot.bundle.json", "--operator-key", stranger], _offline(), cwd
    )
    assert wrong.returncode == 1 and "NOT VERIFIED" in wrong.stdout
    assert "checkpoint" in wrong.stdout and "another ledger" in wrong.stdout
    # The replay of another ledger's trail is not run, so no misleading "lot … not recorded".
    assert "is not recorded" not in wrong.stdout and "[trail]" not in wrong.stdout

    for bad_key in ("not-a-key", f"{name}+{key_id}+{material[:-4]}AAAA"):
        bad = _run(["audit", "verify", "lot.bundle.json", "--operator-key", bad_key],
                   _offline(), cwd)  # fmt: skip
        assert bad.returncode == 1 and bad.stderr.startswith("error:"), bad.stderr
        assert "Traceback" not in bad.stderr
    missing = _run(["audit", "verify", "nope.json", "--operator-key", vkey], _offline(), cwd)
    assert missing.returncode == 1 and "nope.json" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_a_csv_or_another_document_is_named_as_not_a_bundle(
    example: tuple[Path, list[str]],
) -> None:
    cwd, _outputs = example
    (cwd / "trail.csv").write_text("seq,type,actor\n1,lot.harvested,abc\n", encoding="utf-8")
    csv = _run(["audit", "verify", "trail.csv", "--operator-key", "operator.vkey"], _offline(), cwd)
    assert csv.returncode == 1 and "Traceback" not in csv.stderr
    assert csv.stderr.strip().splitlines() == [
        "error: BUNDLE: trail.csv is not a trail bundle (the .bundle.json file written by "
        "`biotraza export trail LOT --format bundle`); other exports carry no signatures and "
        "cannot be verified offline"
    ]
    (cwd / "events.json").write_text('{"@context": [], "type": "EPCISDocument"}\n', "utf-8")
    other = _run(["audit", "verify", "events.json", "--operator-key", "operator.vkey"],
                 _offline(), cwd)  # fmt: skip
    assert other.returncode == 1
    assert "NOT VERIFIED: not a trail bundle (" in other.stdout
    assert "None" not in other.stdout
