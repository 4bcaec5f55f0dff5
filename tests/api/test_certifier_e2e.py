"""A certifier's inspection done by the browser modules against the real server, both engines.

The JavaScript side (api/webapp/tests/e2e/certifier.e2e.ts, run here with vitest) holds a
certifier key granted by the root like any browser key, downloads the inspection plan of
``coop-a`` against ``coffee-ab@1``, records evidence with a photo for two plots (``pl-1``
passing, ``pl-2`` with 25 % shade cover), uploads the files, computes the findings itself and
signs one verification per plot; then revokes the failing one. This side checks its ledger:
the ledger's own rule engine agreed with the device (both verifications admitted, with the
device's results), every cited file is in the blob store, and the eligibility of the two
harvest lots changed as expected: ``h-1`` (from pl-1) eligible, ``h-2`` (from pl-2) not.

Needs `make webapp` (node_modules); `make test` builds it before pytest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.services.certification import eligibility
from api.services.ledger import LedgerService, full_registry
from api.settings import Settings
from ledger.keys import encode_public_key
from tests.api.live_server import serve_in_thread
from tests.cert_factories import CERTIFIER_ID, accredit, publish, record_evidence
from tests.factories import make_key
from tests.supply_factories import SupplyWorld

WEBAPP = Path(__file__).resolve().parents[2] / "api" / "webapp"
SEED_NAME = "certifier-browser"
VITEST_TIMEOUT_S = 600


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[LedgerService, SupplyWorld]]:
    service = LedgerService.open(db_url)
    try:
        w = SupplyWorld(service.store, full_registry(), ["coop-a"])
        w.producer("coop-a", "p-1")
        for plot in ("pl-1", "pl-2"):
            w.plot("coop-a", plot, "p-1")
        publish(w)
        accredit(w)
        record_evidence(w, "coop-a", "association", "coop-a")
        body = {
            "name": "Inspectora Certimex 1",
            "public_key": encode_public_key(make_key(SEED_NAME)),
            "role": "certifier",
            "scope": {"certifier_id": CERTIFIER_ID},
        }
        w.submit(w.root, "key.added", body)
        w.harvest("coop-a", "h-1", {"pl-1": 500})
        w.harvest("coop-a", "h-2", {"pl-2": 500})
        yield service, w
    finally:
        service.close()


def test_inspection_signed_in_the_browser_is_admitted_and_changes_eligibility(
    world: tuple[LedgerService, SupplyWorld], db_url: str, tmp_path: Path
) -> None:
    service, _w = world
    npx = shutil.which("npx")
    assert npx is not None, "node/npx is needed: run `make webapp`"
    assert (WEBAPP / "node_modules").is_dir(), "run `make webapp` first"
    assert not eligibility(service, "h-1", stock=False).eligible
    out = tmp_path / "e2e.json"
    seed = hashlib.sha256(f"biotraza-test:{SEED_NAME}".encode()).hexdigest()
    settings = Settings(data_dir=tmp_path, database_url=db_url)
    with serve_in_thread(create_app(settings, service)) as url:
        run = subprocess.run(  # noqa: S603 - our own test runner
            [
                npx,
                "vitest",
                "run",
                "--config",
                "vitest.e2e.config.ts",
                "tests/e2e/certifier.e2e.ts",
            ],
            cwd=WEBAPP,
            env={
                **os.environ,
                "BIOTRAZA_E2E_CERTIFIER": "1",
                "BIOTRAZA_E2E_URL": url + "/",
                "BIOTRAZA_E2E_CERTIFIER_SEED": seed,
                "BIOTRAZA_E2E_OUT": str(out),
                "NO_COLOR": "1",
            },
            capture_output=True,
            text=True,
            timeout=VITEST_TIMEOUT_S,
            check=False,
        )
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:]
    results: dict[str, Any] = json.loads(out.read_text("utf-8"))

    ver1 = service.store.state_get("verification", "ver-pl-1")
    ver2 = service.store.state_get("verification", "ver-pl-2")
    assert ver1 is not None and ver2 is not None
    assert (ver1["result"], ver1["status"]) == ("pass", "active")
    # Signed as findings version 2: the findings cite the device's evidence ids, no seq.
    assert ver1["findings_version"] == 2 and ver1["evidence_ids"]
    assert all("evidence_seq" not in f for f in ver1["findings"])
    assert (ver2["result"], ver2["status"]) == ("fail", "revoked")
    assert ver2["revoked_reason"] == "sombra medida antes de la poda"
    assert results["verifications"]["ver-pl-2"]["result"] == "fail"
    shade = [f for f in ver2["findings"] if f["criterion_id"] == "CAB-SHADE-COVER"]
    assert [(f["status"], f["value"]) for f in shade] == [("fail", 25)]
    # Every file an evidence entry cites is stored, under its hash.
    blobs_dir = settings.blob_dir
    cited = set()
    for seq in results["evidence_seqs"]:
        entry = service.entries(seq, 1)[0]
        assert entry.statement.actor == results["key_id"]
        cited |= {a["sha256"] for a in entry.statement.body["attachments"]}
    assert len(cited) == 2 + len(results["evidence_seqs"])
    for digest in cited:
        path = blobs_dir / digest[:2] / digest[2:4] / digest
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    # Eligibility follows: the passing plot's lot now is, the failing plot's lot is not.
    assert eligibility(service, "h-1", stock=False).eligible
    assert not eligibility(service, "h-2", stock=False).eligible
