"""Indicator reports whose evidence is a state commitment (``state.committed``), not every entry.

What each test proves:

* On the demo ledger, on SQLite and PostgreSQL, a state report verifies offline, its figures
  equal the full-replay report's, and the log with the ``state.committed`` entry still
  passes ``ledger verify`` (the replay recomputes the root).
* The ledger refuses a ``state.committed`` whose counts or root do not follow from its state,
  naming the kind or the root; a log holding one anyway (written around the ledger's checks)
  fails ``ledger verify`` at that entry, naming the difference.
* Offline, a tampered document, a withheld document, a changed figure, a bad inclusion
  proof and an entry that is not a state commitment all fail naming the step.
* With the leaves hashed in a worker process, block by block, the honest report verifies
  and every tampered one (altered, withheld, added, re-spaced, indented, trailing or
  malformed line, an uncommitted kind) fails exactly as when hashed in this one, naming
  the step; a last line without its newline changes nothing.
* The CLI writes a state report (``--evidence state``) and verifies it with no database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from api.services.indicators import compute_indicators, report_bytes
from api.services.ledger import LedgerService, full_registry
from api.settings import Settings
from ledger.chain import verify_stored_leaves
from ledger.entries import build_entry
from ledger.errors import DomainRuleError, IntegrityError
from ledger.state import state_json
from ledger.state_commitment import STATE_COMMITTED_TYPE, remembered_commitment, reusing
from ledger.statements import sign_statement
from ledger.storage.base import StoredLeaf
from ledger.storage.sql.store import SqlState
from ledger.supply.sites import PLOT_KIND
from tests.api.operated_demo import demo_env, offline_env, operated_demo
from tests.api.test_cli import run
from verifiers.certification import VERIFICATION_KIND
from verifiers.indicators import check_report, state_evidence
from verifiers.indicators.state_evidence import STATE_KINDS, STATE_LINK_KINDS

AS_OF = date(2026, 6, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, LedgerService]]:
    """The demo ledger on SQLite, built once for the offline tamper tests."""
    with operated_demo(tmp_path_factory.mktemp("indicators-state")) as opened:
        yield opened


@pytest.fixture(scope="module")
def state_report(demo: tuple[Settings, LedgerService]) -> tuple[bytes, str]:
    """The demo's state report and the operator key a donor trusts."""
    _cfg, service = demo
    found = compute_indicators(service, as_of=AS_OF, evidence="state")
    return b"".join(report_bytes(service, found)), service.log_info().verifier_key


def _failures(report: bytes, key: str) -> list[tuple[str, str]]:
    return check_report(report, full_registry(), key).failures


def _replace_line(report: bytes, index: int, line: bytes | None) -> bytes:
    lines = report.split(b"\n")
    if line is None:
        del lines[index]
    else:
        lines[index] = line
    return b"\n".join(lines)


def _line_of(report: bytes, kind: str) -> tuple[int, list[Any]]:
    for index, line in enumerate(report.split(b"\n")[1:], start=1):
        doc = json.loads(line)
        if doc[0] == "doc" and doc[1] == kind:
            return index, doc
    raise AssertionError(f"no {kind} document in the report")


# --------------------------------------------------------------------------- both engines


def test_state_report_verifies_and_equals_full_replay(db_url: str, tmp_path: Path) -> None:
    with operated_demo(tmp_path, db_url) as (_cfg, service):
        full = compute_indicators(service, as_of=AS_OF)
        full_report = b"".join(report_bytes(service, full))
        fast = compute_indicators(service, as_of=AS_OF, evidence="state")
        report = b"".join(report_bytes(service, fast))
        key = service.log_info().verifier_key
        checked = check_report(report, full_registry(), key)
        assert checked, checked.failures
        assert fast.header.version == 3 and fast.header.state_entry is not None
        assert fast.header.figures == full.header.figures
        assert checked.state_leaves == report.count(b"\n") - 1 > 0
        assert check_report(full_report, full_registry(), key)
        replayed = verify_stored_leaves(service.store.stored_leaves(), full_registry())
        assert replayed.size == fast.header.tree_size


def _commitment(service: LedgerService) -> dict[str, Any]:
    from ledger.state_commitment import state_commitment, state_leaves

    with service.store.reading() as cursor:
        leaves = state_leaves(SqlState(cursor), STATE_KINDS, STATE_LINK_KINDS)
        return state_commitment(leaves, STATE_KINDS, STATE_LINK_KINDS)


def test_ledger_refuses_a_state_root_that_does_not_follow(db_url: str, tmp_path: Path) -> None:
    with operated_demo(tmp_path, db_url) as (_cfg, service):
        operator = service.operator_key
        assert operator is not None
        body = _commitment(service)
        wrong_count = {**body, "kinds": {**body["kinds"], PLOT_KIND: body["kinds"][PLOT_KIND] + 1}}
        with pytest.raises(DomainRuleError, match=r"kinds\.plot: the entry says \d+") as caught:
            service.submit(sign_statement(operator, STATE_COMMITTED_TYPE, wrong_count))
        assert caught.value.field == "statement.body.root"
        wrong_root = {**body, "root": "0" * 64}
        with pytest.raises(DomainRuleError, match="root: the entry says 0000"):
            service.submit(sign_statement(operator, STATE_COMMITTED_TYPE, wrong_root))
        size = service.head().size
        assert service.submit(sign_statement(operator, STATE_COMMITTED_TYPE, body)).entry.seq == (
            size
        )


def test_reused_hashes_never_admit_a_root_the_state_does_not_give(
    db_url: str, tmp_path: Path
) -> None:
    """The admission reuses the leaf hashes of documents no entry rewrote since they were
    computed (``ledger.state_commitment.reusing``); a document written since (a later seq)
    is read and hashed again. So the root computed before that write is refused, with the
    old hashes in hand, and the root of the state as it now is, admitted."""
    with operated_demo(tmp_path, db_url) as (_cfg, service):
        operator = service.operator_key
        assert operator is not None
        with service.store.reading() as cursor:
            stale, known = remembered_commitment(SqlState(cursor), STATE_KINDS, STATE_LINK_KINDS)
        assert stale == _commitment(service)
        assert len(known) == sum(stale["kinds"].values()) > 0
        # A later entry rewriting one plot, as far as the projections show: same counts,
        # another document, a later seq (written here directly; nothing is sealed).
        with service.store.reading() as cursor:
            key, value = cursor.all(
                "SELECT key, value FROM state_objects WHERE kind = ? ORDER BY key", (PLOT_KIND,)
            )[0]
        changed = {**json.loads(value), "area_ha": 123.5}
        with service.engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE state_objects SET value = %s, seq = %s WHERE kind = %s AND key = %s"
                if connection.dialect.name == "postgresql"
                else "UPDATE state_objects SET value = ?, seq = ? WHERE kind = ? AND key = ?",
                (state_json(changed), service.head().size - 1, PLOT_KIND, key),
            )
        fresh = _commitment(service)
        assert fresh["kinds"] == stale["kinds"] and fresh["root"] != stale["root"]
        with reusing(known), pytest.raises(DomainRuleError, match="root: the entry says"):
            service.submit(sign_statement(operator, STATE_COMMITTED_TYPE, stale))
        with reusing(known):
            admitted = service.submit(sign_statement(operator, STATE_COMMITTED_TYPE, fresh))
        assert admitted.entry.statement.body["root"] == fresh["root"]


# --------------------------------------------------------------------------- ledger verify


def test_ledger_verify_fails_at_a_forged_state_root(demo: tuple[Settings, LedgerService]) -> None:
    """An operator who wrote a state.committed around the ledger's checks (straight into the
    database) is caught by anyone replaying the log."""
    _cfg, service = demo
    operator = service.operator_key
    assert operator is not None
    leaves = list(service.store.stored_leaves())
    head = service.head()
    body = {**_commitment(service), "root": "ab" * 32}
    forged = build_entry(
        head.size,
        head.last_hash,
        sign_statement(operator, STATE_COMMITTED_TYPE, body),
        service.entry(head.size - 1).log_time,
    )
    leaves.append(StoredLeaf(forged.seq, forged.leaf_bytes, bytes(forged.entry_hash)))
    with pytest.raises(IntegrityError) as caught:
        verify_stored_leaves(leaves, full_registry())
    assert caught.value.seq == head.size
    message = str(caught.value)
    assert message.startswith(f"entry {head.size}: state root at seq {head.size}")
    assert "root: the entry says abab" in message


# --------------------------------------------------------------------------- offline tampering


def test_state_report_verifies_offline(state_report: tuple[bytes, str]) -> None:
    report, key = state_report
    result = check_report(report, full_registry(), key)
    assert result, result.failures
    assert result.to_dict()["state_leaves"] == result.state_leaves > 0


def test_tampered_document_fails(state_report: tuple[bytes, str]) -> None:
    report, key = state_report
    index, doc = _line_of(report, PLOT_KIND)
    doc[3] = {**doc[3], "area_ha": doc[3]["area_ha"] + 100}
    line = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    failures = _failures(_replace_line(report, index, line), key)
    assert [where for where, _why in failures] == ["state.root"]
    assert "altered, added or withheld" in failures[0][1]


def test_withheld_document_fails(state_report: tuple[bytes, str]) -> None:
    """A withheld verification (or its revocation, which rewrites the same document) would
    change the hectares under practice: the counts and the root both catch it."""
    report, key = state_report
    index, _doc = _line_of(report, VERIFICATION_KIND)
    failures = _failures(_replace_line(report, index, None), key)
    assert [where for where, _why in failures] == [f"state.kinds.{VERIFICATION_KIND}"]
    assert "the report carries" in failures[0][1]


def test_changed_figure_fails(state_report: tuple[bytes, str]) -> None:
    report, key = state_report
    header = json.loads(report.split(b"\n", 1)[0])
    header["figures"]["landscapes"][0]["plots"] += 1
    line = json.dumps(header, ensure_ascii=False, sort_keys=True).encode()
    failures = _failures(_replace_line(report, 0, line), key)
    assert [where for where, _why in failures] == ["figures.landscapes[0].plots"]


def test_bad_inclusion_proof_fails(state_report: tuple[bytes, str]) -> None:
    report, key = state_report
    header = json.loads(report.split(b"\n", 1)[0])
    proof = header["state_entry"]["inclusion"]
    proof[0] = ("1" if proof[0][0] == "0" else "0") + proof[0][1:]
    line = json.dumps(header, ensure_ascii=False, sort_keys=True).encode()
    failures = _failures(_replace_line(report, 0, line), key)
    assert [where for where, _why in failures] == ["state_entry.inclusion"]
    assert "not in the checkpoint's tree" in failures[0][1]


def test_another_entry_in_place_of_the_commitment_fails(
    demo: tuple[Settings, LedgerService], state_report: tuple[bytes, str]
) -> None:
    """A genuine entry with a genuine proof, but not a state commitment."""
    _cfg, service = demo
    report, key = state_report
    header = json.loads(report.split(b"\n", 1)[0])
    size = header["tree_size"]
    entry = service.entry(1)
    header["state_entry"] = {
        "seq": 1,
        "leaf": entry.leaf_bytes.decode(),
        "inclusion": service.inclusion(1, size).hashes,
    }
    line = json.dumps(header, ensure_ascii=False, sort_keys=True).encode()
    failures = _failures(_replace_line(report, 0, line), key)
    assert [where for where, _why in failures] == ["state_entry"]
    assert STATE_COMMITTED_TYPE in failures[0][1]


def _tampered(report: bytes) -> dict[str, bytes]:
    """The honest report and one of each kind of tampering with its leaf lines."""
    plot_index, plot = _line_of(report, PLOT_KIND)
    plot[3] = {**plot[3], "area_ha": plot[3]["area_ha"] + 100}
    altered = json.dumps(plot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    verification_index, _doc = _line_of(report, VERIFICATION_KIND)
    lines = report.split(b"\n")
    return {
        "honest": report,
        "altered": _replace_line(report, plot_index, altered.encode()),
        "withheld": _replace_line(report, verification_index, None),
        "added": _replace_line(report, 3, lines[3] + b"\n" + lines[3]),
        "spaced": _replace_line(report, 5, lines[5].replace(b",", b", ", 1)),
        "indented": _replace_line(report, 6, b" " + lines[6]),
        "trailing": _replace_line(report, 6, lines[6] + b" 1"),
        "malformed": _replace_line(report, len(lines) - 3, b'["doc",'),
        "uncommitted": _replace_line(report, 7, b'["doc","nonsense","k",{}]'),
        "unterminated": report.rstrip(b"\n"),
    }


def test_leaves_hashed_in_a_worker_fail_as_inline(
    state_report: tuple[bytes, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks of 16 leaves, so that even the demo's report is many blocks and a ragged last
    one; the verdicts of one process are the reference."""
    report, key = state_report
    monkeypatch.setattr(state_evidence, "BLOCK_LEAVES", 16)
    assert report.count(b"\n") > 100
    added_kind = json.loads(report.split(b"\n")[3])[1]  # line 3 twice: one too many
    verdicts = {}
    for name, tampered in _tampered(report).items():
        inline = check_report(tampered, full_registry(), key, workers=0)
        hashed = check_report(tampered, full_registry(), key, workers=1)
        assert hashed.failures == inline.failures, name
        assert hashed.state_leaves == inline.state_leaves, name
        verdicts[name] = [where for where, _why in inline.failures]
        if name == "trailing":  # the message json.loads gives, though the scanner read first
            assert "line 7: not a state leaf (Extra data: line 1" in inline.failures[0][1]
    assert verdicts == {
        "honest": [],
        "altered": ["state.root"],
        "withheld": [f"state.kinds.{VERIFICATION_KIND}"],
        "added": [f"state.kinds.{added_kind}"],
        "spaced": ["state.root"],
        "indented": ["state.root"],  # still JSON, but not the committed bytes
        "trailing": ["state"],
        "malformed": ["state"],
        "uncommitted": ["state"],
        "unterminated": [],
    }


# --------------------------------------------------------------------------- CLI


def test_cli_state_report_compute_and_verify(
    demo: tuple[Settings, LedgerService], tmp_path: Path
) -> None:
    cfg, service = demo
    report = tmp_path / "q2.jsonl"
    compute = ("indicators", "compute", "--as-of", "2026-06-30", "--output", str(report))
    done = run(demo_env(cfg), *compute, "--evidence", "state")
    assert done.returncode == 0, done.stderr
    assert "the state committed at entry" in done.stdout
    key = tmp_path / "operator.vkey"
    key.write_text(service.log_info().verifier_key)
    offline = offline_env(tmp_path / "nothing-here")
    verify = ("indicators", "verify", str(report), "--operator-key", str(key))
    done = run(offline, *verify)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERIFIED" in done.stdout and "committed documents and links" in done.stdout
    report.write_bytes(_replace_line(report.read_bytes(), 2, None))
    done = run(offline, *verify)
    assert done.returncode == 1 and "NOT VERIFIED" in done.stdout
    assert "state.kinds." in done.stdout
    bad = run(demo_env(cfg), *compute, "--evidence", "everything")
    assert bad.returncode != 0 and "--evidence" in bad.stdout + bad.stderr
