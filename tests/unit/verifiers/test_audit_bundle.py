"""Offline audit of trail bundles (``verifiers.audit``), on in-memory ledgers.

The bundles here are written by a second, independent writer (``_bundle`` below: the layout
functions, ``ledger.transparency.issue_checkpoint`` and ``ledger.merkle.inclusion_proof``
over ``InMemoryLedgerStore``), so the tests pin the format, not one implementation of it.
The ledger: coffee plots pl-1…pl-4 of coop-a, pl-1 and pl-2 verified; harvests h-1…h-4;
h-1 → pa-1 and h-2 → pa-2 processed; pa-1 + pa-2 blended into bl; bl shipped to exporter
exp-b together with h-3, and received. The trail of pa-1 reaches bl downstream, so its
replay needs pa-2, h-2 (bl's other input) and h-3 (shipped with bl) — but never h-4.

What each test proves:

* a fresh bundle verifies, every step ran and counted something, and the replayed lot is
  eligible; the trail holds exactly what the scope rule says and nothing about h-4;
* every single-field mutation (seeded samples of entry seqs, hashes, leaves, proofs, the
  checkpoint and every header field), re-rendered in the canonical layout, fails and the
  first failure names the mutated line and field;
* every single-byte change anywhere in the file fails, named at the changed line;
* another ledger's operator key, a relabelled lot id, a padded or truncated bundle fail;
* an over-consuming transformation that a dishonest operator put into the log — signed by
  the real association key, with a valid proof — is refused by the offline replay under
  "mass-balance", naming its seq.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import verifiers.audit as audit
from api.services.ledger import full_registry
from ledger.checkpoints import verifier_key_string
from ledger.entries import build_entry
from ledger.errors import EntryNotFoundError
from ledger.keys import encode_public_key, key_id
from ledger.merkle import inclusion_proof
from ledger.statements import sign_statement
from ledger.storage import InMemoryLedgerStore
from ledger.transparency import issue_checkpoint
from tests.cert_factories import (
    certifier_ready,
    issue_verification,
    record_evidence,
    recorded,
    verification_body_v2,
)
from tests.factories import ORIGIN, TS, make_key
from tests.supply_factories import (
    SupplyWorld,
    harvest_body,
    plot_body,
    producer_body,
    transform_body,
)
from verifiers.audit import (
    AuditReport,
    BundleError,
    BundleHeader,
    check_bundle,
    trail_scope,
    verify_bundle,
)
from verifiers.audit.layout import FOOTER, entry_line, header_line

REGISTRY = full_registry()
OPERATOR = make_key("operator")
VKEY = verifier_key_string(ORIGIN, OPERATOR.public_key())


@dataclass
class World:
    w: SupplyWorld
    store: InMemoryLedgerStore
    lots: dict[str, int]  # lot id → seq that created it


def _world() -> World:
    store = InMemoryLedgerStore()
    w = SupplyWorld(store, REGISTRY, {"coop-a": "association", "exp-b": "exporter"})
    certifier = certifier_ready(w)
    record_evidence(w, "coop-a", "association", "coop-a")
    lots: dict[str, int] = {}
    for n in "1234":
        w.producer("coop-a", f"p-{n}")
        w.plot("coop-a", f"pl-{n}", f"p-{n}")
        if n != "4":
            record_evidence(w, "coop-a", "plot", f"pl-{n}")
    scope = {"products": ["coffee"], "plots": ["pl-1", "pl-2"]}
    issue_verification(w, certifier, "v1", "coop-a", scope)
    for n in "1234":
        lots[f"h-{n}"] = w.harvest("coop-a", f"h-{n}", {f"pl-{n}": 1000}).seq
    for n in "12":
        lots[f"pa-{n}"] = w.transform("coop-a", f"wet-{n}", "process", [(f"h-{n}", 1000)],
                                      [(f"pa-{n}", 220)], form="parchment").seq  # fmt: skip
    lots["bl"] = w.transform("coop-a", "mix", "blend", [("pa-1", 220), ("pa-2", 220)],
                             [("bl", 440)]).seq  # fmt: skip
    w.ship("coop-a", "sh-1", ["bl", "h-3"], "exp-b")
    w.receive("exp-b", "sh-1")
    return World(w, store, lots)


@pytest.fixture(scope="module")
def world() -> World:
    return _world()


def _actors(store: InMemoryLedgerStore) -> Any:
    return lambda seqs: {s: store.get(s).statement.actor for s in seqs}


def _bundle(store: InMemoryLedgerStore, lot_id: str, extra: tuple[int, ...] = ()) -> bytes:
    """A bundle written independently of ``api.exports.bundle``."""
    scope = trail_scope(store.projections, lot_id, _actors(store))
    seqs = sorted({*scope.seqs, *extra})
    checkpoint = issue_checkpoint(store, ORIGIN, OPERATOR)
    size = checkpoint.tree_size
    header = BundleHeader(lot_id, ORIGIN, key_id(OPERATOR.public_key()), size,
                          len(seqs), checkpoint.note)  # fmt: skip
    lines = [header_line(header)]
    for index, seq in enumerate(seqs):
        entry = store.get(seq)
        proof = [h.hex() for h in inclusion_proof(store.nodes, seq, size)]
        lines.append(entry_line(seq, entry.entry_hash.hex(), entry.leaf_bytes.decode(), proof,
                                last=index == len(seqs) - 1))  # fmt: skip
    return b"".join([*lines, FOOTER])


@pytest.fixture(scope="module")
def bundle(world: World) -> bytes:
    return _bundle(world.store, "pa-1")


def _check(data: bytes) -> AuditReport:
    return check_bundle(data, REGISTRY, VKEY)


# --------------------------------------------------------------------------- passing


def test_fresh_bundle_verifies_every_step(world: World, bundle: bytes) -> None:
    seen: list[tuple[int, int | None]] = []
    report = verify_bundle(bundle, REGISTRY, VKEY, progress=lambda d, t: seen.append((d, t)))
    assert report and report.ok and report.failures == [] and report.failure_count == 0
    assert report.lot_id == "pa-1" and report.origin == ORIGIN
    assert report.tree_size == world.store.head().size
    assert [c.step for c in report.checks] == [step for step, _ in audit.STEPS]
    assert all(c.ran and c.checked > 0 for c in report.checks), report.checks
    assert report.summary["eligibility"]["eligible"] is True
    assert report.summary["lot"]["quantity_kg"] == 220
    assert seen[-1] == (report.entry_count, report.entry_count)
    assert report.cannot_check == list(audit.CANNOT_CHECK)
    json.dumps(report.to_dict())  # the --json form serializes


def test_trail_holds_the_closure_and_nothing_unrelated(world: World, bundle: bytes) -> None:
    seqs = {json.loads(line.rstrip(b",\n"))["seq"] for line in bundle.splitlines()[1:-1]}
    lots = world.lots
    # Lineage (h-1, pa-1, bl) and what replaying bl needs (pa-2, h-2, and h-3 shipped with it).
    assert {lots[x] for x in ("h-1", "pa-1", "bl", "pa-2", "h-2", "h-3")} <= seqs
    assert lots["h-4"] not in seqs
    types = {world.store.get(s).statement.type for s in seqs}
    assert {"ledger.genesis", "key.added", "org.registered", "verification.issued",
            "evidence.recorded", "standard.published", "accreditation.granted",
            "lot.shipped", "lot.received"} <= types  # fmt: skip
    scope = trail_scope(world.store.projections, "pa-1", _actors(world.store))
    assert scope.lineage == ["bl", "h-1", "pa-1"]
    assert "h-3" in scope.lots and "h-4" not in scope.lots


def test_ineligible_lot_verifies_and_says_so(world: World) -> None:
    report = verify_bundle(_bundle(world.store, "h-3"), REGISTRY, VKEY)
    assert report.summary["eligibility"]["eligible"] is False
    assert report.summary["eligibility"]["reasons"][0]["subject"] == "plot:pl-3"


def test_unknown_lot_is_not_found(world: World) -> None:
    with pytest.raises(EntryNotFoundError, match="no lot 'nope'"):
        trail_scope(world.store.projections, "nope", _actors(world.store))


# --------------------------------------------------------------------------- mutations


def _parse(data: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    document = json.loads(data)
    entries = document.pop("entries")
    return document, entries


def _render(header: dict[str, Any], entries: list[dict[str, Any]]) -> bytes:
    lines = [header_line(BundleHeader(**header))]
    for i, e in enumerate(entries):
        lines.append(entry_line(e["seq"], e["hash"], e["leaf"], e["proof"],
                                last=i == len(entries) - 1))  # fmt: skip
    return b"".join([*lines, FOOTER])


def _other_char(rng: random.Random, text: str, alphabet: str) -> str:
    i = rng.randrange(len(text))
    choice = rng.choice([c for c in alphabet if c != text[i]])
    return text[:i] + choice + text[i + 1 :]


HEX = "0123456789abcdef"


def _mutate(data: bytes, rng: random.Random) -> tuple[bytes, int, str]:
    """One single-field mutation; returns the bundle, the line and the field to be named."""
    header, entries = _parse(data)
    target = rng.choice(["seq", "hash", "leaf", "proof", "checkpoint", "header"])
    if target == "checkpoint":
        header["checkpoint"] = _other_char(rng, header["checkpoint"][:-90], HEX + "XYZ") + \
            header["checkpoint"][-90:]  # fmt: skip
        return _render(header, entries), 1, "checkpoint"
    if target == "header":
        field = rng.choice(["lot_id", "origin", "operator_key_id", "tree_size", "entry_count",
                            "format", "version"])  # fmt: skip
        value = header[field]
        header[field] = {
            # h-1 would not do: its trail is pa-1's (one chain), so that relabelling is true.
            "lot_id": lambda: rng.choice(["h-4", "pl-1", "p-1"]),
            "origin": lambda: "biotraza.other/log",
            "operator_key_id": lambda: _other_char(rng, value, HEX),
            "tree_size": lambda: value + rng.choice([-1, 1]),
            "entry_count": lambda: value + 1,
            "format": lambda: "biotraza-other",
            "version": lambda: 2,
        }[field]()
        return _render(header, entries), 1, f"header.{field}"
    index = rng.randrange(len(entries))
    entry = entries[index]
    if target == "seq":
        entry["seq"] += rng.choice([1, 2, 1000])
    elif target == "hash":
        entry["hash"] = _other_char(rng, entry["hash"], HEX)
    elif target == "leaf":
        entry["leaf"] = _other_char(rng, entry["leaf"], "abcXYZ019:{}")
    else:
        if not entry["proof"]:
            entry["proof"] = [HEX * 4]
        else:
            j = rng.randrange(len(entry["proof"]))
            entry["proof"][j] = _other_char(rng, entry["proof"][j], HEX)
    return _render(header, entries), index + 2, target


@pytest.mark.parametrize("seed", range(60))
def test_every_single_field_mutation_is_caught_and_named(bundle: bytes, seed: int) -> None:
    mutated, line, field = _mutate(bundle, random.Random(seed))
    assert mutated != bundle
    report = _check(mutated)
    assert not report
    first = report.failures[0]
    assert first.line == line, (field, [str(f) for f in report.failures[:3]])
    if field.startswith("header.") or field == "checkpoint":
        assert any(f.where == field for f in report.failures), [str(f) for f in report.failures]
    elif field == "seq":
        assert ".seq" in first.where or ".leaf" in first.where
    else:
        assert first.where.endswith(f".{field}") or ".proof" in first.where, str(first)


@pytest.mark.parametrize("seed", range(40))
def test_every_changed_byte_is_caught_at_its_line(bundle: bytes, seed: int) -> None:
    rng = random.Random(1000 + seed)
    position = rng.randrange(len(bundle))
    new = rng.choice([b for b in b'0123456789abcdefXYZ {}[]",:\\' if b != bundle[position]])
    mutated = bundle[:position] + bytes([new]) + bundle[position + 1 :]
    line = bundle[:position].count(b"\n") + 1
    report = _check(mutated)
    assert not report
    assert report.failures[0].line in (line, line + 1), (line, str(report.failures[0]))


def test_another_ledgers_key_fails(bundle: bytes) -> None:
    other = verifier_key_string(ORIGIN, Ed25519PrivateKey.generate().public_key())
    report = check_bundle(bundle, REGISTRY, other)
    assert not report
    steps = {f.step for f in report.failures}
    assert {"checkpoint", "genesis"} <= steps
    assert not next(c for c in report.checks if c.step == "proofs").ran
    with pytest.raises(BundleError, match="does not verify") as caught:
        verify_bundle(bundle, REGISTRY, other)
    assert caught.value.report.failure_count == report.failure_count


def test_a_bundle_of_another_ledger_fails_with_our_key() -> None:
    store = InMemoryLedgerStore()
    w = SupplyWorld(store, REGISTRY, ["coop-z"])
    w.producer("coop-z", "p-z")
    w.plot("coop-z", "pl-z", "p-z")
    w.harvest("coop-z", "h-z", {"pl-z": 500})
    foreign = _bundle(store, "h-z")
    assert check_bundle(foreign, REGISTRY, VKEY)  # same test keys: it is a valid bundle…
    stranger = make_key("another-operator")
    report = check_bundle(foreign, REGISTRY, verifier_key_string(ORIGIN, stranger.public_key()))
    assert not report  # …but not of the log whose key the auditor holds
    assert report.failures[0].where == "header.operator_key_id"


def test_padding_with_a_proven_unrelated_entry_fails(world: World) -> None:
    producer = world.store.projections.get("producer", "p-4")
    assert producer is not None
    padded = _bundle(world.store, "pa-1", extra=(producer["registered_seq"],))
    report = _check(padded)
    assert not report
    (failure,) = report.failures  # it replays fine: only the trail rule objects
    assert failure.step == "trail" and failure.where == "header.lot_id"
    assert f"seqs {producer['registered_seq']})" in failure.message


def test_truncated_bundle_fails(bundle: bytes) -> None:
    lines = bundle.splitlines(keepends=True)
    report = _check(b"".join(lines[:-3]))
    assert not report
    assert {f.where for f in report.failures} >= {"end", "header.entry_count"}
    assert _check(b"").failures[0].where == "header"
    assert not _check(bundle + b"\n")


def test_reformatted_bundle_is_named_as_layout(bundle: bytes) -> None:
    pretty = json.dumps(json.loads(bundle), indent=1).encode()
    report = _check(pretty)
    assert not report and report.failures[0].step == "layout"
    assert not any(c.ran for c in report.checks[1:])


def test_operator_key_must_be_a_verifier_key(bundle: bytes) -> None:
    with pytest.raises(ValueError, match="name\\+keyid\\+base64key"):
        check_bundle(bundle, REGISTRY, "not-a-key")


# --------------------------------------------------------------------------- dishonest log


def test_forged_over_consumption_is_refused_offline(world: World) -> None:
    """The operator appends, bypassing the rules, a transformation consuming 5 t of a 1 t lot,
    signed by the association's real key; the proof is valid, the replay refuses it."""
    w = _world()
    store = w.store
    forged = sign_statement(
        w.w.keys["coop-a"], "lot.transformed",
        transform_body("forge", "process", [("h-4", 5000)], [("pa-4", 1100)], form="parchment"),
        ts=TS, nonce="forged-nonce-1",
    )  # fmt: skip
    head = store.head()
    entry = build_entry(head.size, head.last_hash, forged)
    store.commit_entry(entry)  # straight into the log: no admission
    report = _check(_bundle(store, "h-4", extra=(entry.seq,)))
    assert not report
    refused = [f for f in report.failures if f.seq == entry.seq]
    assert refused and refused[0].step == "mass-balance"
    assert "5,000 kg requested" in refused[0].message
    steps = {c.step: c for c in report.checks}
    assert steps["proofs"].checked == report.entry_count  # its proof was fine


def test_exported_members() -> None:
    assert sorted(audit.__all__) == sorted(
        name for name in dir(audit) if not name.startswith("_") and name.isidentifier()
        and name not in {"annotations", "layout", "report", "scope", "verify"}
    )  # fmt: skip


def test_a_lot_captured_by_a_revoked_field_device_verifies_offline() -> None:
    """A field device registered the member, the plot and the harvest, then was lost and
    revoked: the lot's bundle carries the enrolment and the revocation, and verifies."""
    store = InMemoryLedgerStore()
    w = SupplyWorld(store, REGISTRY, {"coop-a": "association"})
    phone = make_key("phone-audit")
    enrol = {
        "org_id": "coop-a",
        "public_key": encode_public_key(phone),
        "label": "Técnico 1",
        "entry_types": ["producer.registered", "plot.registered", "lot.harvested"],
    }
    enrolled = w.submit("coop-a", "device.enrolled", enrol).seq
    w.submit(phone, "producer.registered", producer_body("p-d"))
    w.submit(phone, "plot.registered", plot_body("pl-d", "p-d"))
    harvest = w.submit(phone, "lot.harvested", harvest_body("h-d", {"pl-d": 800})).seq
    revoke = {"org_id": "coop-a", "key_id": key_id(phone), "reason": "lost"}
    revoked = w.submit("coop-a", "device.revoked", revoke).seq
    data = _bundle(store, "h-d")
    seqs = {json.loads(line.rstrip(b",\n"))["seq"] for line in data.splitlines()[1:-1]}
    assert {enrolled, harvest, revoked} <= seqs
    report = verify_bundle(data, REGISTRY, VKEY)
    assert report.ok, report.failures


def test_a_version_2_verification_verifies_offline() -> None:
    """A verification signed offline (findings version 2) lists its evidence by id; the trail
    carries every evidence about the subjects it covers, so the offline replay re-admits it
    and the lot is eligible."""
    store = InMemoryLedgerStore()
    w = SupplyWorld(store, REGISTRY, {"coop-a": "association"})
    certifier = certifier_ready(w)
    w.producer("coop-a", "p-1")
    w.plot("coop-a", "pl-1", "p-1")
    ids = record_evidence(w, "coop-a", "association", "coop-a")
    ids += record_evidence(w, certifier, "plot", "pl-1")
    scope = {"products": ["coffee"], "plots": ["pl-1"]}
    body = verification_body_v2("v2", "coop-a", scope, recorded(store.projections, ids))
    w.submit(certifier, "verification.issued", body)
    w.harvest("coop-a", "h-1", {"pl-1": 1000})
    report = verify_bundle(_bundle(store, "h-1"), REGISTRY, VKEY)
    assert report.ok, report.failures
    assert report.summary["eligibility"]["eligible"] is True
