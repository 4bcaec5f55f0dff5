"""Builders for certification tests on top of :class:`tests.supply_factories.SupplyWorld`.

Publish a shipped standard, add a certifier key bound to a ``certifier_id`` and accredit it,
record a full set of passing evidence for a plot, apiary, lot or association (the fields are
read from the standard's criteria, the values are realistic passing measurements), and issue a
verification whose findings are the rule engine's evaluation of the recorded evidence.

Plain functions, as in ``tests/factories.py``; they work on in-memory stores (they read the
projections through ``store.projections``) or on any ``State`` passed explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.entries import Entry
from ledger.keys import encode_public_key
from ledger.state import State
from tests.factories import make_key
from tests.supply_factories import Signer, SupplyWorld
from verifiers.certification import EVIDENCE_KIND, Scope, evidence_for
from verifiers.rules import Evidence, evaluate
from verifiers.standards.model import Standard, shipped_standards, standard_hash

__all__ = [
    "CERTIFIER_ID",
    "OBSERVED_ON",
    "PASSING_VALUES",
    "accredit",
    "add_certifier",
    "certifier_ready",
    "evaluation",
    "issue_verification",
    "passing_evidence",
    "publish",
    "record_evidence",
    "recorded",
    "shipped",
    "verification_body",
    "verification_body_v2",
]

CERTIFIER_ID = "certimex"
OBSERVED_ON = "2026-01-10"
"""Evidence date: before the supply worlds' statement time (2026-03-01)."""

PASSING_VALUES: dict[str, Any] = {
    # coffee-ab / cacao-ab plots
    "shade_cover_pct": 55,
    "native_woody_species_count": 14,
    "native_tree_species_count": 12,
    "canopy_height_m": 15,
    "canopy_strata_count": 3,
    "stream_buffer_m": 8,
    "river_buffer_m": 12,
    "agrochemicals_used": [],
    "deforestation_free_since_2020_12_31": True,
    "leaf_litter_present": True,
    "herbaceous_layer_present": True,
    # association
    "organic_certificate_valid": True,
    # honey-ab apiaries and lots
    "forage_natural_share_pct": 72,
    "varroa_treatments": ["oxalic acid", "thymol"],
    "wax_foundation_organic": True,
    "moisture_pct": 18.2,
    "hmf_mg_per_kg": 12,
    "diastase_schade": 14,
    "sucrose_g_per_100g": 1.5,
    "free_acidity_meq_per_kg": 28,
    # cacao-ab lots
    "bean_moisture_pct": 7,
    "cut_test_mouldy_pct": 1,
    "cut_test_slaty_pct": 2,
}
"""A realistic passing value for every criterion field of the shipped standards."""


def shipped(ref: str = "coffee-ab@1") -> Standard:
    """A shipped standard by ``id@version``."""
    return shipped_standards()[ref]


def publish(w: SupplyWorld, ref: str = "coffee-ab@1") -> str:
    """``standard.published`` by the root; returns the standard hash."""
    standard = shipped(ref)
    w.submit(w.root, "standard.published", {"standard": standard.to_dict()})
    return standard_hash(standard)


def add_certifier(
    w: SupplyWorld, name: str = "certimex-1", certifier_id: str = CERTIFIER_ID
) -> Ed25519PrivateKey:
    """A new certifier key (``key.added`` by the root) bound to ``certifier_id``."""
    key = make_key(f"certifier:{name}")
    w.submit(
        w.root,
        "key.added",
        {
            "name": name,
            "public_key": encode_public_key(key),
            "role": "certifier",
            "scope": {"certifier_id": certifier_id},
        },
    )
    return key


def accredit(
    w: SupplyWorld,
    certifier_id: str = CERTIFIER_ID,
    *,
    products: Sequence[str] = ("coffee",),
    standards: Sequence[str] = ("coffee-ab",),
    valid_from: str = "2025-01-01",
    valid_until: str = "2027-12-31",
) -> Entry:
    """``accreditation.granted`` by the root."""
    return w.submit(
        w.root,
        "accreditation.granted",
        {
            "certifier_id": certifier_id,
            "name": f"Certificadora {certifier_id}",
            "products": list(products),
            "standards": list(standards),
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
    )


def certifier_ready(w: SupplyWorld) -> Ed25519PrivateKey:
    """``coffee-ab@1`` published, the ``certimex`` certifier key added and accredited (coffee,
    2025–2027): what most certification tests set up before recording evidence; returns the
    certifier's key."""
    publish(w)
    key = add_certifier(w)
    accredit(w)
    return key


def passing_evidence(standard: Standard, applies_to: str) -> dict[str, Any]:
    """Field → passing value for every criterion of ``standard`` that applies to the kind."""
    return {
        c.field: PASSING_VALUES[c.field] for c in standard.criteria if c.applies_to == applies_to
    }


def record_evidence(
    w: SupplyWorld,
    signer: Signer,
    kind: str,
    subject_id: str,
    *,
    ref: str = "coffee-ab@1",
    override: Mapping[str, Any] | None = None,
    observed_on: str = OBSERVED_ON,
    drop: Sequence[str] = (),
) -> list[str]:
    """Record one ``evidence.recorded`` per criterion field of ``kind`` (passing values,
    ``override`` replacing some, ``drop`` leaving some out); returns the evidence ids."""
    values = {**passing_evidence(shipped(ref), kind), **(override or {})}
    ids = []
    for field_name, value in values.items():
        if field_name in drop:
            continue
        evidence_id = f"ev-{w.next_nonce()}-{subject_id}-{field_name}"[:64]
        w.submit(
            signer,
            "evidence.recorded",
            {
                "evidence_id": evidence_id,
                "subject_kind": kind,
                "subject_id": subject_id,
                "field": field_name,
                "value": value,
                "observed_on": observed_on,
                "method": "field survey" if kind != "lot" else "laboratory report",
            },
        )
        ids.append(evidence_id)
    return ids


def evaluation(
    state: State,
    ref: str,
    association_id: str,
    scope: Mapping[str, Any],
    as_of: str,
) -> dict[str, Any]:
    """The rule engine's evaluation (``to_dict``) of the recorded evidence for the scope."""
    subjects = Scope.model_validate(dict(scope)).subjects(association_id)
    return evaluate(shipped(ref), subjects, evidence_for(state, subjects), as_of).to_dict()


def verification_body(
    state: State,
    verification_id: str,
    association_id: str,
    scope: Mapping[str, Any],
    *,
    ref: str = "coffee-ab@1",
    as_of: str = "2026-02-01",
    valid_from: str = "2025-10-01",
    valid_until: str = "2026-09-30",
) -> dict[str, Any]:
    """A ``verification.issued`` body whose findings and result are the engine's."""
    found = evaluation(state, ref, association_id, scope, as_of)
    return _verification(verification_id, association_id, scope, ref, as_of, found,
                         valid_from, valid_until)  # fmt: skip


def _verification(
    verification_id: str,
    association_id: str,
    scope: Mapping[str, Any],
    ref: str,
    as_of: str,
    found: Mapping[str, Any],
    valid_from: str,
    valid_until: str,
    listed: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A ``verification.issued`` body around the engine's evaluation ``found``: version 1, or
    version 2 over the evidence ids ``listed``."""
    version = {} if listed is None else {"findings_version": 2, "evidence_ids": list(listed)}
    return {
        "verification_id": verification_id,
        "association_id": association_id,
        "scope": dict(scope),
        "standard_hash": standard_hash(shipped(ref)),
        "as_of": as_of,
        **version,
        "findings": found["findings"],
        "result": found["result"],
        "valid_from": valid_from,
        "valid_until": valid_until,
    }


def recorded(state: State, evidence_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The recorded evidence documents of ``evidence_ids``, in that order."""
    docs = []
    for evidence_id in evidence_ids:
        doc = state.get(EVIDENCE_KIND, evidence_id)
        assert doc is not None, f"the test lists unrecorded evidence {evidence_id}"
        docs.append(doc)
    return docs


def verification_body_v2(
    verification_id: str,
    association_id: str,
    scope: Mapping[str, Any],
    evidence: Sequence[Mapping[str, Any]],
    *,
    ref: str = "coffee-ab@1",
    as_of: str = "2026-02-01",
    valid_from: str = "2025-10-01",
    valid_until: str = "2026-09-30",
) -> dict[str, Any]:
    """A version-2 ``verification.issued`` body (``findings_version: 2``) over exactly
    ``evidence`` (``evidence.recorded`` bodies or their documents), in that order, with the
    engine's findings: what a device signs offline from the evidence it holds."""
    subjects = Scope.model_validate(dict(scope)).subjects(association_id)
    listed = [
        Evidence(
            e["subject_kind"],
            e["subject_id"],
            e["field"],
            e["value"],
            e["observed_on"],
            evidence_id=e["evidence_id"],
        )
        for e in evidence
    ]
    found = evaluate(shipped(ref), subjects, listed, as_of, findings_version=2).to_dict()
    ids = [e["evidence_id"] for e in evidence]
    return _verification(verification_id, association_id, scope, ref, as_of, found,
                         valid_from, valid_until, ids)  # fmt: skip


def issue_verification(
    w: SupplyWorld,
    certifier: Ed25519PrivateKey,
    verification_id: str,
    association_id: str,
    scope: Mapping[str, Any],
    **over: Any,
) -> Entry:
    """Build the body from the engine and submit it signed by ``certifier``.

    Works on in-memory stores (``projections``) and SQL stores (``read_state()``).
    """
    store: Any = w.store
    if hasattr(store, "read_state"):
        with store.read_state() as state:
            body = verification_body(state, verification_id, association_id, scope, **over)
    else:
        body = verification_body(store.projections, verification_id, association_id, scope, **over)
    return w.submit(certifier, "verification.issued", body)
