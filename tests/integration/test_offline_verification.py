"""Issue 18: a verification signed offline (findings version 2) on SQLite and PostgreSQL.

A version-2 ``verification.issued`` lists the evidence it evaluated by ``evidence_id`` and the
ledger recomputes the findings from exactly that list: at admission and again when ``ledger
verify`` replays the log (``service.verify()`` here, projections included). The world: two
associations (``coop-a`` with plot ``pl-a``, ``coop-b`` with ``pl-b``), ``coffee-ab@1``,
certifier ``certimex`` accredited 2025–2027, passing evidence for ``pl-a`` and ``coop-a``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.services.certification import evaluation_body
from api.services.ledger import LedgerService
from ledger.chain import append
from ledger.errors import DomainRuleError, SchemaError
from ledger.statements import SignedStatement
from tests.cert_factories import (
    add_certifier,
    certifier_ready,
    record_evidence,
    recorded,
    verification_body,
    verification_body_v2,
)
from tests.supply_factories import SupplyWorld
from verifiers.errors import FindingsMismatchError
from verifiers.rules import findings_digest

SCOPE_A: dict[str, Any] = {"products": ["coffee"], "plots": ["pl-a"]}


@dataclass
class World:
    service: LedgerService
    w: SupplyWorld
    key: Ed25519PrivateKey
    evidence_ids: list[str]

    def docs(self, ids: list[str] | None = None) -> list[dict[str, Any]]:
        with self.service.store.read_state() as state:
            return recorded(state, self.evidence_ids if ids is None else ids)

    def doc(self, kind: str, key: str) -> dict[str, Any] | None:
        with self.service.store.read_state() as state:
            return state.get(kind, key)

    def sign(self, body: dict[str, Any]) -> SignedStatement:
        """Signed now, as the device signs in the field; appended whenever the test says."""
        return self.w.sign(self.key, "verification.issued", body)

    def append(self, signed: SignedStatement) -> Any:
        return append(self.w.store, self.w.registry, signed, clock=self.w.clock)

    def refused(self, error: type[Exception], signed: SignedStatement) -> Exception:
        """Appending raises ``error`` and leaves the head where it was."""
        before = self.service.store.head()
        with pytest.raises(error) as info:
            self.append(signed)
        assert self.service.store.head() == before
        return info.value


@pytest.fixture
def world(service: LedgerService) -> Iterator[World]:
    w = SupplyWorld(service.store, service.registry, ["coop-a", "coop-b"])
    w.producer("coop-a", "p-a")
    w.producer("coop-b", "p-b")
    w.plot("coop-a", "pl-a", "p-a")
    w.plot("coop-b", "pl-b", "p-b")
    key = certifier_ready(w)
    ids = record_evidence(w, "coop-a", "plot", "pl-a")
    ids += record_evidence(w, "coop-a", "association", "coop-a")
    yield World(service, w, key, ids)


def test_a_v2_verification_is_admitted_and_replays(world: World) -> None:
    body = verification_body_v2("v2", "coop-a", SCOPE_A, world.docs())
    assert body["result"] == "pass"
    assert all("evidence_id" in f and "evidence_seq" not in f for f in body["findings"])
    assert world.append(world.sign(body)).created
    doc = world.doc("verification", "v2")
    assert doc is not None
    assert (doc["status"], doc["findings_version"]) == ("active", 2)
    assert doc["evidence_ids"] == world.evidence_ids
    assert doc["findings"] == body["findings"]
    world.service.verify()  # replays the rule and compares the projections


def test_a_v1_verification_is_still_admitted_unchanged(world: World) -> None:
    with world.service.store.read_state() as state:
        body = verification_body(state, "v1", "coop-a", SCOPE_A)
    assert all(isinstance(f["evidence_seq"], int) for f in body["findings"])
    assert world.append(world.sign(body)).created
    doc = world.doc("verification", "v1")
    assert doc is not None
    assert "findings_version" not in doc and "evidence_ids" not in doc
    world.service.verify()


def test_another_inspectors_unlisted_evidence_changes_nothing(world: World) -> None:
    """Signed offline, uploaded after a second certifier recorded a failing, later shade
    cover for the same plot: the v2 verification is still admitted as signed; a v1 body
    signed at the same moment is refused, the surprise version 2 removes."""
    v2 = world.sign(verification_body_v2("v2", "coop-a", SCOPE_A, world.docs()))
    with world.service.store.read_state() as state:
        v1 = world.sign(verification_body(state, "v1", "coop-a", SCOPE_A))
    other = add_certifier(world.w, "certimex-2")
    record_evidence(
        world.w,
        other,
        "plot",
        "pl-a",
        override={"shade_cover_pct": 12},
        observed_on="2026-01-20",
    )
    error = world.refused(FindingsMismatchError, v1)
    assert 'engine "2026-01-20"' in str(error)  # v1 reads the other inspector's evidence
    assert world.append(v2).created
    doc = world.doc("verification", "v2")
    assert doc is not None and doc["result"] == "pass"
    world.service.verify()


def test_unknown_evidence_id_is_refused(world: World) -> None:
    body = verification_body_v2("v2", "coop-a", SCOPE_A, world.docs())
    body["evidence_ids"] = [*body["evidence_ids"], "ev-never-recorded"]
    error = world.refused(DomainRuleError, world.sign(body))
    assert "ev-never-recorded is not recorded before this verification" in str(error)
    assert getattr(error, "field", "").endswith(f"evidence_ids.{len(world.evidence_ids)}")


def test_evidence_recorded_after_the_verification_is_refused(world: World) -> None:
    """The device's evidence must reach the ledger first (capture order): the same signed
    verification is refused before its evidence is admitted and accepted after it."""
    late = {
        "evidence_id": "ev-late-shade",
        "subject_kind": "plot",
        "subject_id": "pl-a",
        "field": "shade_cover_pct",
        "value": 47,
        "observed_on": "2026-01-25",
        "method": "densiómetro",
    }
    signed = world.sign(verification_body_v2("v2", "coop-a", SCOPE_A, [*world.docs(), late]))
    error = world.refused(DomainRuleError, signed)
    assert "ev-late-shade is not recorded before this verification" in str(error)
    world.w.submit(world.key, "evidence.recorded", late)
    assert world.append(signed).created
    doc = world.doc("verification", "v2")
    assert doc is not None
    shade = [f for f in doc["findings"] if f["criterion_id"] == "CAB-SHADE-COVER"]
    assert [(f["evidence_id"], f["value"]) for f in shade] == [("ev-late-shade", 47)]
    world.service.verify()


def test_evidence_about_another_subject_is_refused(world: World) -> None:
    foreign = record_evidence(world.w, world.key, "plot", "pl-b")
    body = verification_body_v2("v2", "coop-a", SCOPE_A, world.docs())
    body["evidence_ids"] = [foreign[0], *body["evidence_ids"]]
    error = world.refused(DomainRuleError, world.sign(body))
    assert "is about plot pl-b, which this verification does not cover" in str(error)
    assert getattr(error, "field", "").endswith("evidence_ids.0")


def test_findings_that_differ_are_refused(world: World) -> None:
    body = verification_body_v2("v2", "coop-a", SCOPE_A, world.docs())
    tampered = copy.deepcopy(body)
    assert tampered["findings"][0]["evidence_id"] != world.evidence_ids[0]
    tampered["findings"][0]["evidence_id"] = world.evidence_ids[0]
    error = world.refused(FindingsMismatchError, world.sign(tampered))
    assert "evidence_id recorded" in str(error)
    # Dropping evidence from the list changes the findings: the signed ones no longer match.
    short = copy.deepcopy(body)
    short["evidence_ids"] = short["evidence_ids"][1:]
    world.refused(FindingsMismatchError, world.sign(short))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"findings_version": None}, "findings_version 2 and evidence_ids go together"),
        ({"evidence_ids": None}, "findings_version 2 and evidence_ids go together"),
        ({"findings_version": 3}, "findings_version"),
        ({"evidence_ids": ["ev-a", "ev-a"]}, "evidence_ids lists an id twice"),
    ],
)
def test_malformed_v2_bodies_are_refused_by_the_schema(
    world: World, change: dict[str, Any], message: str
) -> None:
    body = verification_body_v2("v2", "coop-a", SCOPE_A, world.docs())
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    error = world.refused(SchemaError, world.sign(body))
    assert message in str(error) + repr(getattr(error, "errors", ""))


def test_a_v2_digest_is_recomputed_from_the_listed_evidence(world: World) -> None:
    """A group certificate signs the findings' SHA-256; the ledger recomputes it from the
    listed evidence and stores the full findings, as for version 1."""
    body = verification_body_v2("v2", "coop-a", SCOPE_A, world.docs())
    digest = findings_digest(body.pop("findings"))
    wrong = {**body, "findings_sha256": "0" * 64}
    error = world.refused(FindingsMismatchError, world.sign(wrong))
    assert f"sha256 {digest}" in str(error)
    assert world.append(world.sign({**body, "findings_sha256": digest})).created
    doc = world.doc("verification", "v2")
    assert doc is not None and doc["findings_sha256"] == digest
    assert findings_digest(doc["findings"]) == digest
    world.service.verify()


def test_the_default_v2_preview_survives_evidence_recorded_before_its_append(
    world: World,
) -> None:
    """What ``biotraza verification issue`` signs by default (``POST /api/v1/evaluations``
    with ``findings_version`` 2 and no list): every evidence about the subjects, by seq. A
    failing shade cover another certifier records between that evaluation and the append
    does not get it refused, as it would a version-1 body."""
    preview = evaluation_body(
        world.service,
        standard_ref="coffee-ab@1",
        association_id="coop-a",
        scope=SCOPE_A,
        as_of="2026-02-01",
        findings_version=2,
    )
    assert preview["evidence_ids"] == world.evidence_ids  # recorded in this order
    assert (
        preview["findings"]
        == verification_body_v2("v", "coop-a", SCOPE_A, world.docs())["findings"]
    )
    keys = ("association_id", "scope", "standard_hash", "as_of", "findings_version")
    body = {
        "verification_id": "v2",
        **{k: preview[k] for k in (*keys, "evidence_ids", "findings", "result")},
        "valid_from": "2025-10-01",
        "valid_until": "2026-09-30",
    }
    signed = world.sign(body)
    other = add_certifier(world.w, "certimex-2")
    record_evidence(
        world.w, other, "plot", "pl-a", override={"shade_cover_pct": 12}, observed_on="2026-01-20"
    )
    assert world.append(signed).created
    doc = world.doc("verification", "v2")
    assert doc is not None and (doc["result"], doc["evidence_ids"]) == ("pass", world.evidence_ids)
    world.service.verify()
