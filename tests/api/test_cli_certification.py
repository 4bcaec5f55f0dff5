"""Certification through the installed ``biotraza`` script, on SQLite and PostgreSQL.

One scenario walks the certifier's whole job from a terminal: root grants a certifier key
and accredits the body; publishes a standard; the association records evidence with a photo
(stored by hash in the file store first); the certifier dry-runs the evaluation, signs the
verification and later revokes it; eligibility answers with exit codes. A second test shows
the refusals: a suspended certifier, a malformed subject, an unknown standard — each one
line on stderr, exit 1, no traceback, and the ledger unchanged.

Set-up that is not the subject (organization, producer, plots, harvests, most evidence) is
appended in-process, with keys saved into the CLI's key store so both sign as the same
parties.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from api.services.ledger import LedgerService, full_registry
from ledger.keystore import KeyStore
from tests.api.test_cli import PASSPHRASE, _base_env, ok, run
from tests.cert_factories import record_evidence
from tests.supply_factories import SupplyWorld, org_key

PHOTO = b"\xff\xd8\xff\xe0JFIF" + b"dosel de sombra, finca La Esperanza " * 200


def _environment(tmp_path: Path, db_url: str, group_plots: int = 0) -> dict[str, str]:
    """A ledger with coop-a, plots pl-1 (full evidence but shade cover) and pl-2 (none), one
    harvest from each, and ``group_plots`` more plots with full evidence; root and coop-a
    keys in the CLI's key store."""
    service = LedgerService.open(db_url)
    try:
        world = SupplyWorld(service.store, full_registry(), ["coop-a"])
        world.producer("coop-a", "p-1")
        world.plot("coop-a", "pl-1", "p-1")
        world.plot("coop-a", "pl-2", "p-1")
        record_evidence(world, "coop-a", "association", "coop-a")
        record_evidence(world, "coop-a", "plot", "pl-1", drop=("shade_cover_pct",))
        for number in range(group_plots):
            world.plot("coop-a", f"pl-g{number:02d}", "p-1")
            record_evidence(world, "coop-a", "plot", f"pl-g{number:02d}")
        world.harvest("coop-a", "h-1", {"pl-1": 500})
        world.harvest("coop-a", "h-2", {"pl-2": 500})
    finally:
        service.close()
    data = tmp_path / "data"
    keys = KeyStore(data / "keys")
    keys.save("root", world.root, PASSPHRASE)
    keys.save("coop-a", org_key("coop-a"), PASSPHRASE)
    keys.create("certifier-a", PASSPHRASE)
    return {
        **_base_env(),
        "BIOTRAZA_DATA_DIR": str(data),
        "BIOTRAZA_KEY_PASSPHRASE": PASSPHRASE,
        "BIOTRAZA_DATABASE_URL": db_url,
    }


@pytest.fixture
def env(tmp_path: Path, db_url: str) -> dict[str, str]:
    """See :func:`_environment`."""
    return _environment(tmp_path, db_url)


def _size(env: dict[str, str]) -> int:
    return int(json.loads(ok(env, "ledger", "head").stdout)["size"])


def _json(env: dict[str, str], *args: str) -> Any:
    return json.loads(ok(env, *args).stdout)


ISSUE = (
    "--standard", "coffee-ab", "--association", "coop-a", "--as-of", "2026-02-01",
    "--valid-from", "2025-10-01", "--valid-until", "2026-09-30",
    "--signer", "certifier-a", "--product", "coffee", "--plot", "pl-1",
)  # fmt: skip


def _setup_certifier(env: dict[str, str]) -> None:
    granted = ok(env, "keys", "grant", "certifier-a", "--role", "certifier",
                 "--scope", "certifier_id=certimex").stdout  # fmt: skip
    assert "granted certifier" in granted
    accredited = ok(env, "accreditation", "grant", "certimex", "--name", "Certimex S.C.",
                    "--product", "coffee", "--standard", "coffee-ab",
                    "--valid-from", "2025-01-01", "--valid-until", "2027-12-31").stdout  # fmt: skip
    assert "certimex accredited at seq" in accredited
    assert "coffee-ab@1" in ok(env, "standard", "list").stdout
    assert "published at seq" in ok(env, "standard", "publish", "coffee-ab@1").stdout


def test_certifier_workflow_from_the_terminal(env: dict[str, str], tmp_path: Path) -> None:
    _setup_certifier(env)
    shown = _json(env, "standard", "show", "coffee-ab")
    assert shown["id"] == "coffee-ab" and len(shown["hash"]) == 64
    assert _json(env, "standard", "diff", "coffee-ab@1", "coffee-ab@1") == []

    # Before the shade-cover evidence, the dry run finds it missing and does not pass.
    evaluate = ("evaluate", "--standard", "coffee-ab", "--association", "coop-a",
                "--as-of", "2026-02-01", "--product", "coffee", "--plot", "pl-1")  # fmt: skip
    before = _json(env, *evaluate)
    missing = [f for f in before["findings"] if f["status"] == "missing"]
    assert before["result"] == "fail" and [f["criterion_id"] for f in missing] == [
        "CAB-SHADE-COVER"
    ]

    photo = tmp_path / "sombra.jpg"
    photo.write_bytes(PHOTO)
    recorded = ok(env, "evidence", "record", "ev-shade", "--subject", "plot:pl-1",
                  "--field", "shade_cover_pct", "--value", "55", "--observed-on", "2026-01-10",
                  "--method", "densiómetro esférico", "--attach", str(photo),
                  "--signer", "coop-a").stdout  # fmt: skip
    assert "evidence ev-shade with 1 file(s) at seq" in recorded
    evidence = _json(env, "evidence", "show", "ev-shade")
    digest = hashlib.sha256(PHOTO).hexdigest()
    assert evidence["value"] == 55
    assert evidence["attachments"] == [
        {"sha256": digest, "media_type": "image/jpeg", "name": "sombra.jpg", "stored": True}
    ]
    copy = tmp_path / "copia.jpg"
    ok(env, "blob", "get", digest, "--out", str(copy))
    assert copy.read_bytes() == PHOTO

    after = _json(env, *evaluate)
    assert after["result"] == "pass"
    issued = ok(env, "verification", "issue", "v-1", *ISSUE).stdout
    assert "verification v-1 (pass, version 2) at seq" in issued

    eligible = run(env, "eligibility", "h-1")
    assert eligible.returncode == 0, eligible.stderr
    assert json.loads(eligible.stdout)["eligible"] is True
    ineligible = run(env, "eligibility", "h-2")
    assert ineligible.returncode == 1
    reasons = json.loads(ineligible.stdout)["reasons"]
    assert any(r["subject"] == "plot:pl-2" and r["message_es"] and r["message_en"] for r in reasons)

    revoked = ok(env, "verification", "revoke", "v-1", "--reason", "auditoría de campo",
                 "--signer", "certifier-a").stdout  # fmt: skip
    assert "verification v-1 revoked at seq" in revoked
    assert run(env, "eligibility", "h-1").returncode == 1


def test_refusals_are_one_line_and_change_nothing(env: dict[str, str], tmp_path: Path) -> None:
    _setup_certifier(env)
    suspended = ok(env, "accreditation", "suspend", "certimex", "--reason", "audit pending")
    assert "certimex suspended at seq" in suspended.stdout
    size = _size(env)
    failures = [
        (("verification", "issue", "v-2", *ISSUE), "suspended"),
        (
            (
                "evidence",
                "record",
                "ev-x",
                "--subject",
                "plot",
                "--field",
                "shade_cover_pct",
                "--value",
                "55",
                "--observed-on",
                "2026-01-10",
                "--method",
                "survey",
                "--signer",
                "coop-a",
            ),
            "--subject must be KIND:ID",
        ),  # fmt: skip
        (
            (
                "evaluate",
                "--standard",
                "no-such-standard",
                "--association",
                "coop-a",
                "--as-of",
                "2026-02-01",
                "--product",
                "coffee",
                "--plot",
                "pl-1",
            ),
            "no-such-standard",
        ),  # fmt: skip
        (
            ("keys", "grant", "certifier-a", "--role", "certifier", "--scope", "certifier_id"),
            "expected KEY=VALUE",
        ),  # fmt: skip
        (("blob", "get", "ABC", "--out", str(tmp_path / "x")), "64 lowercase hex"),
        # Uploads to a server are signed by a ledger key: without one, refused before sending.
        (("blob", "put", __file__, "--server", "http://127.0.0.1:1"), "--signer"),
        # Evidence files are private: reading one from a server is a signed read.
        (
            ("blob", "get", "a" * 64, "-o", str(tmp_path / "x"), "--server", "http://127.0.0.1:1"),
            "--signer",
        ),  # fmt: skip
    ]
    for args, message in failures:
        result = run(env, *args)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert _size(env) == size
    reinstated = ok(env, "accreditation", "reinstate", "certimex", "--reason", "audit passed")
    assert "certimex reinstated" in reinstated.stdout


def test_blob_verify_names_a_corrupted_file(env: dict[str, str], tmp_path: Path) -> None:
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(PHOTO)
    digest = ok(env, "blob", "put", str(photo)).stdout.split()[0]
    assert digest == hashlib.sha256(PHOTO).hexdigest()
    assert "1 of 1 files intact" in ok(env, "blob", "verify").stdout
    stored = Path(env["BIOTRAZA_DATA_DIR"]) / "blobs" / digest[:2] / digest[2:4] / digest
    os.chmod(stored, 0o644)
    stored.write_bytes(PHOTO[:-1] + b"\x00")
    result = run(env, "blob", "verify")
    assert result.returncode == 1 and f"corrupt {digest}" in result.stdout


def test_keys_import_keeps_the_key_it_was_given(env: dict[str, str], tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        Encoding,
        PrivateFormat,
    )

    from ledger.keys import key_id

    key = Ed25519PrivateKey.generate()
    pem = tmp_path / "certifier-b.pem"
    pem.write_bytes(
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(b"pem-pass"))
    )
    # The PEM passphrase never goes in argv (visible in ps): a file, or the environment.
    wrong_file = tmp_path / "wrong-pass"
    wrong_file.write_text("nope\n")
    wrong = run(
        env, "keys", "import", "certifier-b", str(pem), "--pem-passphrase-file", str(wrong_file)
    )
    assert wrong.returncode == 1 and "passphrase" in wrong.stderr
    missing = run(env, "keys", "import", "certifier-b", str(pem))
    assert missing.returncode == 1 and "BIOTRAZA_PEM_PASSPHRASE" in missing.stderr
    assert "Traceback" not in wrong.stderr + missing.stderr
    ok({**env, "BIOTRAZA_PEM_PASSPHRASE": "pem-pass"}, "keys", "import", "certifier-b", str(pem))
    exported = json.loads(ok(env, "keys", "export", "certifier-b").stdout)
    assert exported["key_id"] == key_id(key)


def test_a_group_certificate_signs_the_findings_digest(tmp_path: Path, db_url: str) -> None:
    """Thirty plots' findings are too many to sign in full: ``verification issue`` signs
    their digest, the ledger recomputes it, and the stored verification has every finding."""
    env = _environment(tmp_path, db_url, group_plots=30)
    _setup_certifier(env)
    plots = [arg for n in range(30) for arg in ("--plot", f"pl-g{n:02d}")]
    issue = [*ISSUE[: ISSUE.index("--plot")], *plots]
    assert (
        "verification v-g (pass, version 2) at seq"
        in ok(env, "verification", "issue", "v-g", *issue).stdout
    )
    service = LedgerService.open(db_url, migrate=False)
    try:
        entry = service.entry(service.head().size - 1)
        body = entry.statement.body
        assert "findings" not in body and len(body["findings_sha256"]) == 64
        # Version 2 by default: the digest leaves room for every evidence id of the group.
        assert body["findings_version"] == 2 and len(body["evidence_ids"]) == 30 * 10 + 1
        doc = service.store.state_get("verification", "v-g")
        assert doc is not None and len(doc["findings"]) == 30 * 10 + 1
    finally:
        service.close()
