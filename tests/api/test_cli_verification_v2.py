"""``biotraza verification issue`` and ``evaluate`` with findings version 2, on SQLite and
PostgreSQL, through the installed script.

By default the CLI signs version 2 over every evidence about the subjects it knows at issue
time (the local ledger's, or the server's with ``--server``), in ledger order; ``--evidence``
picks the list, ``--findings-version 1`` signs the older form. The ledger admits what was
signed, refusals are one line with exit 1 and leave the ledger unchanged.

The ledger is the one of ``tests/api/test_cli_certification.py``: ``coop-a`` with plot
``pl-1`` (every evidence but the shade cover) and ``pl-2`` (none).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.cli.certification import FULL_FINDINGS_LIMIT, _findings_form
from api.services.ledger import LedgerService
from api.settings import Settings
from tests.api.live_server import serve_in_thread
from tests.api.test_cli import ok, run
from tests.api.test_cli_certification import ISSUE, _environment, _setup_certifier

EVALUATE = ISSUE[: ISSUE.index("--valid-from")] + ISSUE[ISSUE.index("--product") :]


@pytest.fixture
def env(tmp_path: Path, db_url: str) -> dict[str, str]:
    """The certification ledger, the certifier granted and accredited, the standard
    published."""
    environment = _environment(tmp_path, db_url)
    _setup_certifier(environment)
    return environment


def _ledger(db_url: str) -> LedgerService:
    return LedgerService.open(db_url, migrate=False)


def _issued_body(db_url: str) -> dict[str, Any]:
    """The body of the last entry (the verification just issued)."""
    service = _ledger(db_url)
    try:
        return dict(service.entry(service.head().size - 1).statement.body)
    finally:
        service.close()


def _recorded_in_scope(db_url: str) -> list[str]:
    """Evidence about coop-a and pl-1, by seq: what the default list must be."""
    service = _ledger(db_url)
    try:
        with service.store.read_state() as state:
            docs = [d for _k, d in state.scan("evidence")]
    finally:
        service.close()
    covered = {("association", "coop-a"), ("plot", "pl-1")}
    in_scope = [d for d in docs if (d["subject_kind"], d["subject_id"]) in covered]
    return [d["evidence_id"] for d in sorted(in_scope, key=lambda d: int(d["seq"]))]


def test_version_2_by_default_over_everything_recorded(env: dict[str, str], db_url: str) -> None:
    expected = _recorded_in_scope(db_url)
    assert len(expected) == 10  # the organic certificate and nine plot fields
    preview = json.loads(ok(env, "evaluate", *EVALUATE).stdout)
    assert (preview["findings_version"], preview["evidence_ids"]) == (2, expected)
    issued = ok(env, "verification", "issue", "v-2", *ISSUE).stdout
    assert "verification v-2 (fail, version 2) at seq" in issued  # no shade cover evidence
    body = _issued_body(db_url)
    assert (body["findings_version"], body["evidence_ids"]) == (2, expected)
    assert body["findings"] == preview["findings"]
    assert all("evidence_id" in f and "evidence_seq" not in f for f in body["findings"])


def test_listed_evidence_and_version_1(env: dict[str, str], db_url: str) -> None:
    listed = _recorded_in_scope(db_url)[:3]
    picks = [arg for evidence_id in listed for arg in ("--evidence", evidence_id)]
    ok(env, "verification", "issue", "v-listed", *ISSUE, *picks)
    body = _issued_body(db_url)
    assert body["evidence_ids"] == listed
    cited = {f["evidence_id"] for f in body["findings"]} - {None}
    assert cited <= set(listed) and cited

    issued = ok(env, "verification", "issue", "v-old", *ISSUE, "--findings-version", "1").stdout
    assert "verification v-old (fail, version 1) at seq" in issued
    body = _issued_body(db_url)
    assert "findings_version" not in body and "evidence_ids" not in body
    assert all("evidence_seq" in f for f in body["findings"])


def _size(db_url: str) -> int:
    service = _ledger(db_url)
    try:
        return service.head().size
    finally:
        service.close()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--evidence", "ev-nope"), "evidence ev-nope is not recorded"),
        (("--evidence", "ev-nope", "--findings-version", "1"), "findings_version"),
    ],
    ids=["unknown-id", "list-with-version-1"],
)
def test_refusals_are_one_line(
    env: dict[str, str], db_url: str, extra: tuple[str, ...], message: str
) -> None:
    size = _size(db_url)
    for command in (("evaluate", *EVALUATE), ("verification", "issue", "v-x", *ISSUE)):
        result = run(env, *command, *extra)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert _size(db_url) == size


def test_through_a_server_the_servers_evidence_is_listed(
    env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    """With ``--server`` the evaluation is the server's, for ``evaluate`` as for ``issue``:
    the local database is never read (here it does not even exist), the dry run shows what
    the server's ledger would evaluate and ``issue`` signs exactly those findings."""
    expected = _recorded_in_scope(db_url)
    local = json.loads(ok(env, "evaluate", *EVALUATE).stdout)
    remote = {**env, "BIOTRAZA_DATABASE_URL": f"sqlite:///{tmp_path}/absent/none.db"}
    unknown = ("--evidence", expected[0], "--evidence", "ev-nope")
    service = _ledger(db_url)
    try:
        settings = Settings(data_dir=tmp_path / "server", database_url=db_url)
        with serve_in_thread(create_app(settings, service)) as url:
            refusals = [
                run(remote, *command, "--server", url, *unknown)
                for command in (("evaluate", *EVALUATE), ("verification", "issue", "v-x", *ISSUE))
            ]
            previewed = json.loads(ok(remote, "evaluate", *EVALUATE, "--server", url).stdout)
            issued = ok(remote, "verification", "issue", "v-srv", *ISSUE, "--server", url)
    finally:
        service.close()
    for refused in refusals:
        assert refused.returncode == 1 and "HTTP 409" in refused.stderr
        assert "evidence ev-nope is not recorded" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert not (tmp_path / "absent").exists()
    assert previewed == local
    assert (previewed["findings_version"], previewed["evidence_ids"]) == (2, expected)
    assert "verification v-srv (fail, version 2) at seq" in issued.stdout
    body = _issued_body(db_url)
    assert body["evidence_ids"] == expected and body["findings"] == previewed["findings"]


def test_evaluate_refuses_a_malformed_server_before_evaluating(env: dict[str, str]) -> None:
    """``evaluate --server`` checks the address as ``issue --server`` does: one line, exit 1."""
    result = run(env, "evaluate", *EVALUATE, "--server", "ftp://example.org")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "--server" in result.stderr, result.stderr


def test_a_list_too_long_for_one_statement_is_refused_before_signing() -> None:
    """About 1,500 ids pass the limit even with the findings' digest: the CLI says what to
    do instead of letting the ledger refuse a signed statement."""
    ids = [f"ev-{n:05d}-plot-{n:05d}-shade_cover_pct" for n in range(1_500)]
    preview = {"findings": [], "findings_sha256": "0" * 64}
    body: dict[str, Any] = {"findings_version": 2, "evidence_ids": ids}
    with pytest.raises(ValueError, match=r"1500 evidence ids .*\(--findings-version 1\)"):
        _findings_form(body, preview, None)
    fits: dict[str, Any] = {"findings_version": 2, "evidence_ids": ids[:900]}
    _findings_form(fits, preview, None)
    assert fits["findings"] == [] and len(json.dumps(fits)) < FULL_FINDINGS_LIMIT
