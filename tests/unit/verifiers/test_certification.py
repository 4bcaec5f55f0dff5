"""Certification entry types: accreditation scope, expiry, suspension, revocation and key
rotation each change the outcome as expected; a forged or out-of-scope verification is
rejected and the ledger is unchanged.

Every test runs on an in-memory ledger: a registrar, two associations (``coop-a`` with plot
``pl-a``, ``coop-b`` with plot ``pl-b``), ``coffee-ab@1`` published, certifier ``certimex``
accredited for coffee / coffee-ab in 2025–2027 with one key, and passing evidence for
``pl-a`` and ``coop-a``. Statements are signed at 2026-03-01.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.services.ledger import full_registry
from ledger.chain import verify_entries
from ledger.errors import (
    AuthorizationError,
    DomainRuleError,
    LedgerError,
    SchemaError,
    UnknownKeyError,
)
from ledger.keys import encode_public_key, key_id
from ledger.storage import InMemoryLedgerStore
from tests.cert_factories import (
    CERTIFIER_ID,
    accredit,
    add_certifier,
    publish,
    record_evidence,
    shipped,
    verification_body,
)
from tests.factories import make_key
from tests.supply_factories import SupplyWorld
from verifiers.eligibility import check_eligibility
from verifiers.errors import FindingsMismatchError
from verifiers.rules import findings_digest

SCOPE_A: dict[str, Any] = {"products": ["coffee"], "plots": ["pl-a"]}


@dataclass
class Cert:
    w: SupplyWorld
    key: Ed25519PrivateKey
    digest: str

    @property
    def state(self) -> Any:
        return self.w.store.projections  # type: ignore[attr-defined]

    def body(self, verification_id: str = "v1", **over: Any) -> dict[str, Any]:
        association = over.pop("association_id", "coop-a")
        scope = over.pop("scope", SCOPE_A)
        return verification_body(self.state, verification_id, association, scope, **over)

    def issue(self, verification_id: str = "v1", key: Ed25519PrivateKey | None = None) -> Any:
        return self.w.submit(key or self.key, "verification.issued", self.body(verification_id))

    def snapshot(self) -> tuple[Any, Any, Any]:
        return (
            self.w.store.head(),
            copy.deepcopy(self.state.dump()),
            copy.deepcopy(self.state.dump_links()),
        )

    def refused(
        self, error: type[Exception], signer: Any, entry_type: str, body: dict[str, Any]
    ) -> Exception:
        """Submitting raises ``error`` and changes neither the head nor the projections."""
        before = self.snapshot()
        with pytest.raises(error) as info:
            self.w.submit(signer, entry_type, body)
        assert self.snapshot() == before
        return info.value


@pytest.fixture
def cert() -> Cert:
    w = SupplyWorld(InMemoryLedgerStore(), full_registry(), ["coop-a", "coop-b"])
    w.producer("coop-a", "p-a")
    w.producer("coop-b", "p-b")
    w.plot("coop-a", "pl-a", "p-a")
    w.plot("coop-b", "pl-b", "p-b")
    digest = publish(w)
    key = add_certifier(w)
    accredit(w)
    record_evidence(w, "coop-a", "plot", "pl-a")
    record_evidence(w, "coop-a", "association", "coop-a")
    return Cert(w, key, digest)


def _status(cert: Cert, verification_id: str = "v1") -> str | None:
    doc = cert.state.get("verification", verification_id)
    return None if doc is None else str(doc["status"])


# --------------------------------------------------------------------------- accreditation


def test_accredited_certifier_verification_is_accepted(cert: Cert) -> None:
    cert.issue()
    doc = cert.state.get("verification", "v1")
    assert doc["status"] == "active" and doc["result"] == "pass"
    assert doc["certifier_id"] == CERTIFIER_ID
    assert doc["standard_hash"] == cert.digest
    assert cert.state.linked("verifies", "plot:pl-a") == ["v1"]
    assert verify_entries(cert.w.entries(), full_registry()).size == cert.w.store.head().size


def test_product_outside_accreditation_is_refused(cert: Cert) -> None:
    body = cert.body(scope={"products": ["cacao"], "plots": ["pl-a"]})
    error = cert.refused(AuthorizationError, cert.key, "verification.issued", body)
    assert "cacao" in str(error)


def test_standard_outside_accreditation_is_refused(cert: Cert) -> None:
    publish(cert.w, "honey-ab@1")
    cert.w.apiary("coop-a", "ap-a", "p-a")
    record_evidence(cert.w, "coop-a", "apiary", "ap-a", ref="honey-ab@1")
    body = cert.body(scope={"products": ["honey"], "apiaries": ["ap-a"]}, ref="honey-ab@1")
    error = cert.refused(AuthorizationError, cert.key, "verification.issued", body)
    assert "honey-ab" in str(error)


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [("2024-01-01", "2026-02-28"), ("2026-03-02", "2027-12-31")],
    ids=["expired", "not-yet-valid"],
)
def test_outside_the_accreditation_window_is_refused(
    cert: Cert, valid_from: str, valid_until: str
) -> None:
    accredit(cert.w, valid_from=valid_from, valid_until=valid_until)  # re-grant, new window
    error = cert.refused(AuthorizationError, cert.key, "verification.issued", cert.body())
    assert "2026-03-01" in str(error)


def test_window_edges_are_inclusive(cert: Cert) -> None:
    accredit(cert.w, valid_from="2026-03-01", valid_until="2026-12-31")
    cert.issue("v1")
    accredit(cert.w, valid_from="2025-01-01", valid_until="2026-03-01")
    cert.issue("v2")
    assert _status(cert, "v1") == _status(cert, "v2") == "active"


def _change(cert: Cert, what: str) -> None:
    cert.w.submit(
        cert.w.root,
        f"accreditation.{what}",
        {"certifier_id": CERTIFIER_ID, "reason": f"{what} by the accreditation body"},
    )


def test_suspended_refused_then_reinstated_accepted(cert: Cert) -> None:
    _change(cert, "suspended")
    error = cert.refused(AuthorizationError, cert.key, "verification.issued", cert.body())
    assert "suspended" in str(error)
    _change(cert, "reinstated")
    cert.issue()
    assert _status(cert) == "active"
    history = [h["status"] for h in cert.state.get("accreditation", CERTIFIER_ID)["history"]]
    assert history == ["granted", "suspended", "active"]


def test_withdrawn_is_refused_for_good(cert: Cert) -> None:
    cert.issue("v1")
    _change(cert, "withdrawn")
    error = cert.refused(AuthorizationError, cert.key, "verification.issued", cert.body("v2"))
    assert "withdrawn" in str(error)
    reinstate = {"certifier_id": CERTIFIER_ID, "reason": "try to undo"}
    cert.refused(DomainRuleError, cert.w.root, "accreditation.reinstated", reinstate)
    regrant = {
        "certifier_id": CERTIFIER_ID,
        "name": "again",
        "products": ["coffee"],
        "standards": ["coffee-ab"],
        "valid_from": "2025-01-01",
        "valid_until": "2027-12-31",
    }
    cert.refused(DomainRuleError, cert.w.root, "accreditation.granted", regrant)
    assert _status(cert, "v1") == "active"  # withdrawal does not revoke past verifications


def test_accreditation_changes_need_root(cert: Cert) -> None:
    body = {"certifier_id": CERTIFIER_ID, "reason": "self-reinstatement"}
    cert.refused(AuthorizationError, cert.key, "accreditation.suspended", body)


# --------------------------------------------------------------------------- keys


def _revoke_key(cert: Cert, key: Ed25519PrivateKey) -> None:
    body = {"key_id": str(key_id(key)), "reason": "laptop lost"}
    cert.w.submit(cert.w.root, "key.revoked", body)


def test_revoked_key_cannot_issue_but_its_verification_stays_valid(cert: Cert) -> None:
    cert.issue("v1")
    cert.w.harvest("coop-a", "h-a", {"pl-a": 500})
    _revoke_key(cert, cert.key)
    cert.refused(AuthorizationError, cert.key, "verification.issued", cert.body("v2"))
    assert _status(cert, "v1") == "active"
    assert check_eligibility(cert.state, "h-a").eligible
    result = verify_entries(cert.w.entries(), full_registry())
    assert result.size == cert.w.store.head().size


def test_rotated_key_for_the_same_certifier_works(cert: Cert) -> None:
    cert.issue("v1")
    new_key = add_certifier(cert.w, name="certimex-2")
    _revoke_key(cert, cert.key)
    cert.issue("v2", key=new_key)
    doc = cert.state.get("verification", "v2")
    assert doc["certifier_id"] == CERTIFIER_ID and doc["issued_by"] == str(key_id(new_key))
    assert _status(cert, "v1") == "active"
    # The new key may revoke what the old key issued: same certification body.
    revoke = {"verification_id": "v1", "reason": "re-issued as v2"}
    cert.w.submit(new_key, "verification.revoked", revoke)
    assert _status(cert, "v1") == "revoked"
    assert verify_entries(cert.w.entries(), full_registry()).size == cert.w.store.head().size


def test_key_without_certifier_id_cannot_issue(cert: Cert) -> None:
    loose = make_key("certifier:no-scope")
    cert.w.submit(
        cert.w.root,
        "key.added",
        {"name": "loose", "public_key": encode_public_key(loose), "role": "certifier"},
    )
    error = cert.refused(AuthorizationError, loose, "verification.issued", cert.body())
    assert "certifier_id" in str(error)


def test_unknown_key_is_refused(cert: Cert) -> None:
    forger = make_key("forger")
    cert.refused(UnknownKeyError, forger, "verification.issued", cert.body())


def test_association_key_cannot_issue(cert: Cert) -> None:
    cert.refused(AuthorizationError, "coop-a", "verification.issued", cert.body())


# --------------------------------------------------------------------------- findings


def _tamper_value(body: dict[str, Any]) -> None:
    body["findings"][0]["value"] = 99


def _tamper_drop(body: dict[str, Any]) -> None:
    body["findings"].pop()


def _tamper_status(body: dict[str, Any]) -> None:
    body["findings"][0]["status"] = "fail"
    body["result"] = "fail"


def _tamper_result(body: dict[str, Any]) -> None:
    body["result"] = "fail"


@pytest.mark.parametrize(
    "tamper",
    [_tamper_value, _tamper_drop, _tamper_status, _tamper_result],
    ids=["changed-value", "dropped-finding", "changed-status", "changed-result"],
)
def test_findings_that_differ_from_the_engine_are_refused(
    cert: Cert, tamper: Callable[[dict[str, Any]], None]
) -> None:
    body = cert.body()
    tamper(body)
    cert.refused(FindingsMismatchError, cert.key, "verification.issued", body)
    assert _status(cert) is None


def test_pass_signed_where_the_engine_says_fail_is_refused(cert: Cert) -> None:
    record_evidence(
        cert.w, "coop-a", "plot", "pl-a", override={"shade_cover_pct": 25}, drop=["stream_buffer_m"]
    )  # later evidence overrides the earlier shade cover
    body = cert.body()
    assert body["result"] == "fail"
    body["result"] = "pass"
    cert.refused(FindingsMismatchError, cert.key, "verification.issued", body)
    # The honest failing verification is accepted (and is recorded as a fail).
    cert.issue()
    assert cert.state.get("verification", "v1")["result"] == "fail"


def test_findings_with_later_evidence_are_refused(cert: Cert) -> None:
    """Findings computed before new evidence was recorded no longer match."""
    stale = cert.body()
    record_evidence(cert.w, "coop-a", "plot", "pl-a", override={"shade_cover_pct": 30})
    cert.refused(FindingsMismatchError, cert.key, "verification.issued", stale)


def _digest_form(body: dict[str, Any]) -> dict[str, Any]:
    """The same verification signing the findings' digest instead of the findings."""
    findings = body.pop("findings")
    return {**body, "findings_sha256": findings_digest(findings)}


def test_group_certificate_over_many_plots_signs_the_findings_digest(cert: Cert) -> None:
    """A cooperative's certificate over 60 plots: its findings (about 660) would pass the
    64 KiB statement limit; the digest form is accepted, re-checked by the engine, and the
    projection still carries the full findings for pages and eligibility."""
    plots = [f"pl-g{n:02d}" for n in range(60)]
    for plot_id in plots:
        cert.w.plot("coop-a", plot_id, "p-a")
        record_evidence(cert.w, "coop-a", "plot", plot_id)
    scope = {"products": ["coffee"], "plots": plots}
    full = cert.body("v-group", scope=scope)
    with pytest.raises(LedgerError, match="over the 65536-byte limit"):
        cert.w.submit(cert.key, "verification.issued", full)
    expected = full["findings"]
    cert.w.submit(cert.key, "verification.issued", _digest_form(full))
    doc = cert.state.get("verification", "v-group")
    assert doc["status"] == "active" and doc["result"] == "pass"
    assert doc["findings"] == expected and doc["findings_sha256"] == findings_digest(expected)
    assert cert.state.linked("verifies", "plot:pl-g59") == ["v-group"]
    assert verify_entries(cert.w.entries(), full_registry()).size == cert.w.store.head().size


def test_a_digest_of_other_findings_is_refused(cert: Cert) -> None:
    body = cert.body()
    _tamper_value(body)
    error = cert.refused(FindingsMismatchError, cert.key, "verification.issued", _digest_form(body))
    assert "is not the digest of the rule engine's findings" in str(error)
    honest = _digest_form(cert.body())
    honest["result"] = "fail"
    error = cert.refused(FindingsMismatchError, cert.key, "verification.issued", honest)
    assert "signed result fail differs" in str(error)


@pytest.mark.parametrize("form", ["both", "neither"])
def test_exactly_one_form_of_findings(cert: Cert, form: str) -> None:
    body = cert.body()
    if form == "both":
        body["findings_sha256"] = findings_digest(body["findings"])
    else:
        del body["findings"]
    error = cert.refused(SchemaError, cert.key, "verification.issued", body)
    assert "exactly one of findings or findings_sha256" in str(error.errors)  # type: ignore[attr-defined]


def test_unpublished_standard_hash_is_refused(cert: Cert) -> None:
    body = {**cert.body(), "standard_hash": "ab" * 32}
    error = cert.refused(DomainRuleError, cert.key, "verification.issued", body)
    assert isinstance(error, DomainRuleError) and error.field == "statement.body.standard_hash"


# --------------------------------------------------------------------------- ownership


def test_verification_covering_another_associations_plot_is_refused(cert: Cert) -> None:
    record_evidence(cert.w, "coop-b", "plot", "pl-b")
    body = cert.body(scope={"products": ["coffee"], "plots": ["pl-a", "pl-b"]})
    error = cert.refused(DomainRuleError, cert.key, "verification.issued", body)
    assert isinstance(error, DomainRuleError) and error.field == "statement.body.scope.plots.1"
    assert "coop-b" in str(error)


def test_foreign_lot_is_named_by_its_index_in_scope_lots(cert: Cert) -> None:
    cert.w.harvest("coop-b", "h-b", {"pl-b": 300})
    body = cert.body(scope={"products": ["coffee"], "plots": ["pl-a"], "lots": ["h-b"]})
    error = cert.refused(DomainRuleError, cert.key, "verification.issued", body)
    assert isinstance(error, DomainRuleError)
    assert error.field == "statement.body.scope.lots.0"


def test_association_cannot_record_evidence_on_another_associations_plot(cert: Cert) -> None:
    body = {
        "evidence_id": "ev-foreign",
        "subject_kind": "plot",
        "subject_id": "pl-b",
        "field": "shade_cover_pct",
        "value": 80,
        "observed_on": "2026-01-10",
        "method": "field survey",
    }
    cert.refused(AuthorizationError, "coop-a", "evidence.recorded", body)
    assert cert.state.get("evidence", "ev-foreign") is None


def test_certifier_may_record_evidence_on_any_subject(cert: Cert) -> None:
    ids = record_evidence(cert.w, cert.key, "plot", "pl-b", override={"shade_cover_pct": 41})
    doc = cert.state.get("evidence", ids[0])
    assert doc["recorder_role"] == "certifier" and doc["value"] == 41
    assert set(cert.state.linked("evidence_of", "plot:pl-b")) == set(ids)


def test_evidence_observed_after_the_statement_is_refused(cert: Cert) -> None:
    body = {
        "evidence_id": "ev-future",
        "subject_kind": "plot",
        "subject_id": "pl-a",
        "field": "shade_cover_pct",
        "value": 60,
        "observed_on": "2026-03-02",
        "method": "field survey",
    }
    cert.refused(DomainRuleError, "coop-a", "evidence.recorded", body)


# --------------------------------------------------------------------------- standards


def test_standard_published_by_non_root_is_refused(cert: Cert) -> None:
    body = {"standard": shipped("cacao-ab@1").to_dict()}
    cert.refused(AuthorizationError, cert.key, "standard.published", body)
    cert.refused(AuthorizationError, "coop-a", "standard.published", body)


def test_same_id_and_version_with_other_content_is_refused(cert: Cert) -> None:
    content = shipped("coffee-ab@1").to_dict()
    content["criteria"][0]["threshold"] = 30
    error = cert.refused(DomainRuleError, cert.w.root, "standard.published", {"standard": content})
    assert "coffee-ab@1" in str(error)
    cert.refused(
        DomainRuleError, cert.w.root, "standard.published", {"standard": shipped().to_dict()}
    )  # the very same content twice is refused too


def test_bad_standard_content_is_refused_with_its_field(cert: Cert) -> None:
    content = shipped("cacao-ab@1").to_dict()
    content["criteria"][0]["operator"] = "roughly"
    error = cert.refused(DomainRuleError, cert.w.root, "standard.published", {"standard": content})
    assert isinstance(error, DomainRuleError) and error.field == "statement.body.standard"


def test_new_version_is_published_alongside(cert: Cert) -> None:
    content = shipped("coffee-ab@1").to_dict()
    content["version"] = 2
    cert.w.submit(cert.w.root, "standard.published", {"standard": content})
    versions = sorted(d["version"] for _k, d in cert.state.scan("standard"))
    assert versions == [1, 2]


# --------------------------------------------------------------------------- revocation


def test_revocation_by_another_certifier_is_refused_by_root_accepted(cert: Cert) -> None:
    cert.issue()
    other = add_certifier(cert.w, name="other-1", certifier_id="other-body")
    accredit(cert.w, "other-body")
    revoke = {"verification_id": "v1", "reason": "not ours to revoke"}
    error = cert.refused(AuthorizationError, other, "verification.revoked", revoke)
    assert CERTIFIER_ID in str(error)
    cert.refused(AuthorizationError, "coop-a", "verification.revoked", revoke)
    cert.w.submit(cert.w.root, "verification.revoked", {**revoke, "reason": "fraud found"})
    doc = cert.state.get("verification", "v1")
    assert (doc["status"], doc["revoked_reason"]) == ("revoked", "fraud found")
    assert doc["revoked_on"] == cert.w.ts[:10]
    cert.refused(DomainRuleError, cert.w.root, "verification.revoked", revoke)  # twice


def test_issuing_certifier_may_revoke(cert: Cert) -> None:
    cert.issue()
    cert.w.submit(cert.key, "verification.revoked", {"verification_id": "v1", "reason": "error"})
    assert _status(cert) == "revoked"


def test_duplicate_verification_id_is_refused(cert: Cert) -> None:
    cert.issue()
    cert.refused(DomainRuleError, cert.key, "verification.issued", cert.body())


def test_refusals_leave_a_verifiable_ledger(cert: Cert) -> None:
    body = cert.body()
    body["result"] = "fail"
    with pytest.raises(LedgerError):
        cert.w.submit(cert.key, "verification.issued", body)
    cert.issue()
    assert verify_entries(cert.w.entries(), full_registry()).size == cert.w.store.head().size
