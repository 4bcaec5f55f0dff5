"""Labels over a ``LedgerService``: issue, revoke, look up, resolve, and cut trust lists.

Both the HTTP routes (``api.http.routes.labels``, the resolver pages) and the CLI
(``api.cli.labels``) call these, so the label a cooperative prints, the label the API serves
and the verdict the resolver shows come from one code path.

Issuance follows the design for ``n`` (``docs/labels.md``): the ``label.issued`` statement is
appended first, the ledger gives it seq ``n``, and only then the same label-issuer key signs
the labels naming ``n``. Ed25519 is deterministic, so :func:`issuance_labels` re-renders an
issuance's labels at any time from the recorded body.

Trust lists are cut from one read cursor (head, then projections) and cached per
(database, tree size, head hash): every resolver request reuses the same list until the
ledger grows.

Left out: HTTP, files and key stores (routes and CLI), the rules themselves (``labels``).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.services.ledger import LedgerService
from api.services.placeholders import PlaceholderNameError, is_placeholder, placeholder_reason
from api.services.supply import lot_public
from labels.errors import IneligibleLotError
from labels.issuance import ISSUANCE_KIND, LABEL_LOT_KIND, RESOLVERS_TYPE, resolver_hosts
from labels.payload import DEFAULT_HOST, LabelClaims, format_label, label_path, sign_label
from labels.printing import LabelFace, short_code
from labels.status import lot_revocation
from labels.trustlist import TrustList, build_trust_list, sign_trust_list
from labels.verify import LabelStatus, LabelVerdict, check_label
from ledger.chain import AppendResult
from ledger.checkpoints import Checkpoint, sign_checkpoint
from ledger.errors import EntryNotFoundError
from ledger.keys import key_id
from ledger.merkle import root_at
from ledger.state import State
from ledger.statements import format_ts, sign_statement
from ledger.storage.base import StoredCheckpoint
from ledger.storage.sql.store import SqlState, TreeSnapshot
from ledger.supply.balance import lot_balance
from ledger.supply.lineage import upstream
from ledger.supply.lots import LOT_KIND
from verifiers.certification import (
    ACCREDITATION_KIND,
    STANDARD_KIND,
    VERIFICATION_KIND,
)
from verifiers.eligibility import check_eligibility

__all__ = [
    "Issued",
    "body_from_lot",
    "current_trust_list",
    "export_trust_list",
    "issuance_body",
    "issuance_labels",
    "issuance_preview",
    "issue_labels",
    "label_document",
    "label_face",
    "label_for",
    "resolver_host",
    "resolve_label",
    "revoke_label",
    "served_trust_list",
]


@dataclass(frozen=True)
class Issued:
    """A recorded issuance and its label texts (one per serial, or one for all units)."""

    seq: int
    entry_hash: str
    created: bool
    body: dict[str, Any]
    labels: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "created": self.created,
            "issuance": self.body,
            "labels": self.labels,
        }


# --------------------------------------------------------------------------- issuance


def _lot(state: State, lot_id: str) -> dict[str, Any]:
    lot = state.get(LOT_KIND, lot_id)
    if lot is None:
        raise EntryNotFoundError(f"no lot {lot_id!r}")
    return lot


def default_unit_g(lot: dict[str, Any]) -> int | None:
    package = lot.get("package")
    if package is None:
        return None
    return int(round(float(package["unit_kg"]) * 1000))


def body_from_lot(
    lot: dict[str, Any],
    units: int,
    *,
    day: dt.date,
    unit_g: int | None = None,
    serial_from: int | None = None,
    lot_number: str | None = None,
) -> dict[str, Any]:
    """The ``label.issued`` body for a lot document: GTIN and lot number from the lot, the
    unit mass from its package unless given.

    Raises:
        ValueError: no unit mass given and the lot has no package to take it from, or no
            lot number given and the lot has none.
    """
    grams = unit_g if unit_g is not None else default_unit_g(lot)
    if grams is None:
        raise ValueError(f"lot {lot['lot_id']} has no package: give the net grams per unit")
    number = lot["lot_number"] or lot_number
    if number is None:
        raise ValueError(f"lot {lot['lot_id']} has no lot number: give one ([0-9A-Z]{{1,20}})")
    body: dict[str, Any] = {
        "lot_id": lot["lot_id"],
        "gtin": lot["gtin"],
        "lot_number": number,
        "units": units,
        "unit_g": grams,
        "day": day.isoformat(),
    }
    if serial_from is not None:
        body["serial_from"] = serial_from
    return body


def issuance_body(
    service: LedgerService,
    lot_id: str,
    units: int,
    *,
    day: dt.date,
    unit_g: int | None = None,
    serial_from: int | None = None,
    lot_number: str | None = None,
) -> dict[str, Any]:
    """:func:`body_from_lot` for a lot of this ledger.

    Eligibility is checked first, as the ledger will check it again on admission: an
    issuer asking for labels of an ineligible lot should read why, not that a lot number is
    missing for labels that could never be issued.

    Raises:
        EntryNotFoundError: no such lot.
        IneligibleLotError: the lot may not carry the label now (every reason attached).
        ValueError: as :func:`body_from_lot`.
    """
    with service.store.read_state() as state:
        lot = _lot(state, lot_id)
        answer = check_eligibility(state, lot_id)
    if not answer.eligible:
        raise IneligibleLotError(lot_id, [r.to_dict() for r in answer.reasons])
    return body_from_lot(
        lot, units, day=day, unit_g=unit_g, serial_from=serial_from, lot_number=lot_number
    )


def issuance_preview(
    service: LedgerService, lot_id: str, units: int, *, unit_g: int | None = None
) -> dict[str, Any]:
    """Dry run of an issuance: eligibility with reasons, and the quantity still labelable.

    Raises:
        EntryNotFoundError: no such lot.
    """
    with service.store.read_state() as state:
        lot = _lot(state, lot_id)
        answer = check_eligibility(state, lot_id, stock=True)
        tally = state.get(LABEL_LOT_KIND, lot_id)
    grams = unit_g if unit_g is not None else default_unit_g(lot)
    balance = lot_balance(lot)
    requested = None if grams is None else units * grams
    fits = requested is not None and requested <= balance.unlabelled_g
    revoked = bool(tally and tally["revoked_seq"] is not None)
    return {
        "lot_id": lot_id,
        "eligibility": answer.to_dict(),
        "quantity_g": balance.quantity_g,
        "consumed_g": balance.consumed_g,
        "labelled_g": balance.labelled_g,
        "available_g": balance.unlabelled_g,
        "unit_g": grams,
        "units": units,
        "requested_g": requested,
        "fits": fits,
        "labels_revoked": revoked,
        "can_issue": answer.eligible and fits and not revoked and lot["lot_number"] is not None,
        "gtin": lot["gtin"],
        "lot_number": lot["lot_number"],
    }


def issuance_labels(
    body: dict[str, Any], seq: int, signer: Ed25519PrivateKey, host: str
) -> list[str]:
    """The label texts of an issuance: one per serial, or one shared by every unit.

    Raises:
        ValueError: the signer is not the issuing key (when ``body`` names one).
        MalformedLabelError: the host is not a valid label host.
    """
    recorded = body.get("key_id")
    if recorded is not None and recorded != key_id(signer):
        raise ValueError(f"issuance {seq} was recorded by key {recorded}, not {key_id(signer)}")
    day = dt.date.fromisoformat(str(body["day"]))

    def one(serial: str | None) -> str:
        claims = sign_label(
            signer,
            host=host,
            gtin=body["gtin"],
            lot=body["lot_number"],
            seq=seq,
            day=day,
            serial=serial,
        )
        return format_label(claims)

    first = body.get("serial_from")
    if first is None:
        return [one(None)]
    return [one(str(first + i)) for i in range(int(body["units"]))]


def issue_labels(
    service: LedgerService,
    lot_id: str,
    units: int,
    *,
    signer: Ed25519PrivateKey,
    unit_g: int | None = None,
    serial_from: int | None = None,
    lot_number: str | None = None,
    host: str | None = None,
    ts: str | None = None,
    nonce: str | None = None,
) -> Issued:
    """Append ``label.issued`` (signed by ``signer``) and sign the labels naming its seq.

    Raises:
        EntryNotFoundError: no such lot.
        IneligibleLotError: the lot is not eligible (every reason attached).
        DomainRuleError: over the lot's quantity, revoked lot, serial overlap…
        AuthorizationError: ``signer`` is not an active label-issuer key.
    """
    host = printable_host(host) if host else resolver_host(service)  # before anything is recorded
    moment = ts or format_ts(dt.datetime.now(dt.UTC))
    body = issuance_body(
        service,
        lot_id,
        units,
        day=dt.date.fromisoformat(moment[:10]),
        unit_g=unit_g,
        serial_from=serial_from,
        lot_number=lot_number,
    )
    result = service.submit(sign_statement(signer, "label.issued", body, ts=moment, nonce=nonce))
    seq = result.entry.seq
    recorded = dict(result.entry.statement.body)
    texts = issuance_labels(recorded, seq, signer, host)
    return Issued(seq, result.entry.entry_hash.hex(), result.created, recorded, texts)


def revoke_label(
    service: LedgerService,
    *,
    signer: Ed25519PrivateKey,
    reason: str,
    issuance_seq: int | None = None,
    lot_id: str | None = None,
    ts: str | None = None,
    nonce: str | None = None,
) -> AppendResult:
    """Append ``label.revoked`` for one issuance or every label of a lot.

    Raises:
        SchemaError: neither or both targets given, or the reason is empty.
        DomainRuleError: no such issuance or labelled lot, or already revoked.
    """
    body: dict[str, Any] = {"reason": reason}
    if issuance_seq is not None:
        body["issuance_seq"] = issuance_seq
    if lot_id is not None:
        body["lot_id"] = lot_id
    return service.submit(sign_statement(signer, "label.revoked", body, ts=ts, nonce=nonce))


# --------------------------------------------------------------------------- look-ups


def _issuance_status(state: State, doc: dict[str, Any]) -> dict[str, Any]:
    if doc["status"] == "revoked":
        return {
            "status": "revoked",
            "scope": "label",
            "revoked_from_seq": doc["revoked_seq"],
            "reason_en": doc["revoked_reason"],
            "reason_es": doc["revoked_reason"],
        }
    found = lot_revocation(state, doc["lot_id"])
    if found is not None:
        return {
            "status": "revoked",
            "scope": "lot",
            "implicit": found.implicit,
            "revoked_from_seq": found.effective_seq,
            "reason_en": found.reason_en,
            "reason_es": found.reason_es,
        }
    return {"status": "active"}


def label_for(service: LedgerService, seq: int) -> dict[str, Any]:
    """The issuance recorded at ``seq``: lot, units, GTIN, issuer key, day, status (revoked
    from which seq and why, explicit or because the lot stopped being eligible).

    Raises:
        EntryNotFoundError: no label issuance at that seq.
    """
    with service.store.read_state() as state:
        doc = state.get(ISSUANCE_KIND, str(seq))
        if doc is None:
            raise EntryNotFoundError(f"no label issuance at seq {seq}")
        status = _issuance_status(state, doc)
        key_doc = state.get("key", doc["key_id"]) or {}
    return {
        **doc,
        "issuer": {"key_id": doc["key_id"], "name": key_doc.get("name")},
        **status,
        "quantity_g": doc["units"] * doc["unit_g"],
    }


def label_face(service: LedgerService, lot_id: str) -> LabelFace:
    """What the printed label shows for a lot: product, form, unit mass, seal, origin.

    Raises:
        EntryNotFoundError: no such lot.
    """
    with service.store.read_state() as state:
        lot = _lot(state, lot_id)
        answer = check_eligibility(state, lot_id)
        seal = _seal(state, answer.verifications)
        org = state.get("org", lot["org_id"]) or {}
    places = [org.get("landscape"), org.get("municipality")]
    origin = ", ".join(dict.fromkeys(p for p in places if p))
    return LabelFace(
        product=lot["product"],
        form=lot["form"],
        unit_g=default_unit_g(lot) or lot["quantity_g"],
        origin=origin,
        **seal,
    )


def _seal(state: State, verifications: list[str]) -> dict[str, str]:
    for doc in state.get_many(VERIFICATION_KIND, verifications).values():
        standard = state.get(STANDARD_KIND, doc["standard_hash"])
        if standard is not None:
            title = standard["content"]["title"]
            return {"seal_es": title["es"], "seal_en": title["en"]}
    return {}


# --------------------------------------------------------------------------- trust lists

_CACHE: dict[tuple[str, str], tuple[int, bytes, TrustList]] = {}
_CACHE_LOCK = threading.Lock()


def _cut(service: LedgerService, *, checkpoint: bool) -> TrustList:
    with service.store.reading() as cursor:
        head = TreeSnapshot(cursor).head()
        if head.size == 0:
            raise EntryNotFoundError("the ledger is empty: no trust list to cut")
        root = bytes(root_at(service.store, head.size))
        note = _checkpoint_note(service, head.size, root) if checkpoint else None
        return build_trust_list(
            SqlState(cursor),
            tree_size=head.size,
            root_hash=root,
            issued_at=format_ts(dt.datetime.now(dt.UTC)),
            note=note,
        )


def _checkpoint_note(service: LedgerService, size: int, root: bytes) -> str | None:
    """The operator's signed checkpoint at ``size``: kept, or signed now if we hold the key."""
    kept = service.store.checkpoint_at(size)
    if kept is not None:
        return kept.note
    if service.operator_key is None:
        return None
    origin = service.log_info().origin
    note = sign_checkpoint(Checkpoint(origin, size, root), origin, service.operator_key)
    stored = service.store.add_checkpoint(
        StoredCheckpoint(size, root, note, format_ts(dt.datetime.now(dt.UTC)))
    )
    return stored.note


def _cached(service: LedgerService, kind: str, build: Callable[[], TrustList]) -> TrustList:
    key = (str(service.engine.url), kind)
    head = service.head()
    with _CACHE_LOCK:
        found = _CACHE.get(key)
    if found is not None and found[0] == head.size and found[1] == head.last_hash:
        return found[2]
    trust_list = build()
    if trust_list.tree_size == head.size:
        with _CACHE_LOCK:
            _CACHE[key] = (head.size, head.last_hash, trust_list)
    return trust_list


def current_trust_list(service: LedgerService) -> TrustList:
    """The (unsigned) trust list of the current ledger, cached per tree size.

    Raises:
        EntryNotFoundError: the ledger is empty.
    """
    return _cached(service, "current", lambda: _cut(service, checkpoint=False))


def export_trust_list(service: LedgerService, signer: Ed25519PrivateKey) -> TrustList:
    """A trust list of the current ledger signed by ``signer``.

    A root key signs alone; any other key (the log operator's) is accompanied by the
    genesis statement, root-signed, that names it — verifiers check that against their
    pinned root keys.

    Raises:
        EntryNotFoundError: the ledger is empty.
    """
    trust_list = _cut(service, checkpoint=True)
    signer_id = key_id(signer)
    if any(k.key_id == signer_id for k in trust_list.root_keys):
        return sign_trust_list(trust_list, signer)
    return sign_trust_list(trust_list, signer, service.entry(0).signed)


def served_trust_list(service: LedgerService) -> TrustList:
    """The trust list ``GET /api/v1/trustlist`` serves: signed by the operator key under the
    genesis delegation, cached per tree size (``None`` signature if no operator key here).

    Raises:
        EntryNotFoundError: the ledger is empty.
    """
    key = service.operator_key
    if key is None:
        return current_trust_list(service)
    return _cached(service, "served", lambda: export_trust_list(service, key))


def recorded_resolver_hosts(service: LedgerService) -> list[str] | None:
    """The hosts of the latest ``label.resolvers``, or ``None`` if none was recorded."""
    with service.store.reading() as cursor:
        return resolver_hosts(SqlState(cursor))


def record_resolver_hosts(
    service: LedgerService,
    root: Ed25519PrivateKey,
    hosts: list[str],
    *,
    ts: str | None = None,
    nonce: str | None = None,
) -> AppendResult:
    """Append ``label.resolvers`` (signed by a root key): where this deployment's labels point.

    Raises:
        PlaceholderNameError: a host is a documentation placeholder (``qr.bt.example``).
        SchemaError: a host is not a valid label host, or one is listed twice.
        AuthorizationError: ``root`` is not an active root key.
    """
    for host in hosts:
        printable_host(host)
    return service.submit(
        sign_statement(root, RESOLVERS_TYPE, {"hosts": list(hosts)}, ts=ts, nonce=nonce)
    )


def printable_host(host: str) -> str:
    """``host``, if labels may be printed pointing at it.

    Raises:
        PlaceholderNameError: it is a documentation placeholder, which no phone can reach.
    """
    if is_placeholder(host):
        raise PlaceholderNameError(
            f"resolver host: {placeholder_reason(host)}; record the host your labels' QR codes "
            "will point to (biotraza label resolvers HOST, or biotraza init --resolver-host HOST)"
        )
    return host


def resolver_host(service: LedgerService) -> str:
    """Where new labels point: the first host of the latest ``label.resolvers``.

    Raises:
        PlaceholderNameError: no resolver host was recorded yet, or the first is a placeholder.
    """
    hosts = recorded_resolver_hosts(service)
    if not hosts:
        raise PlaceholderNameError(
            "resolver host: none recorded yet, so labels would point at the placeholder "
            f"{DEFAULT_HOST!r}; record the host your labels' QR codes will point to "
            "(biotraza label resolvers HOST, or biotraza init --resolver-host HOST)"
        )
    return printable_host(hosts[0])


# --------------------------------------------------------------------------- resolving


def resolve_label(
    service: LedgerService, text: str, *, allowed_hosts: list[str] | None = None
) -> LabelVerdict:
    """Verify a label online against the current ledger (an issuance must be recorded)."""
    return check_label(
        text, current_trust_list(service), allowed_hosts=allowed_hosts, require_recorded=True
    )


_SHOWN = (LabelStatus.VALID, LabelStatus.VALID_UNTRUSTED_HOST, LabelStatus.REVOKED)


def label_document(
    service: LedgerService, text: str, *, allowed_hosts: list[str] | None = None
) -> dict[str, Any]:
    """Everything a buyer's page shows for a label: the verdict and, for labels whose
    signature and issuance check out, the product, association, landscape, harvest dates,
    standard and certifier, verified practices and links to the ledger proof."""
    verdict = resolve_label(service, text, allowed_hosts=allowed_hosts)
    document: dict[str, Any] = {"verdict": verdict.to_dict(), "text": text}
    claims, issuance = verdict.claims, verdict.issuance
    if claims is None or issuance is None or verdict.status not in _SHOWN:
        return document
    document["label"] = _label_part(claims)
    with service.store.read_state() as state:
        document.update(_facts(state, issuance.lot_id, issuance.seq))
    return document


def _label_part(claims: LabelClaims) -> dict[str, Any]:
    return {
        "path": label_path(claims),
        "short_code": short_code(claims),
        "lot": claims.lot,
        "gtin": claims.gtin,
        "serial": claims.serial,
        "day": claims.day.isoformat(),
        "seq": claims.seq,
    }


def _facts(state: State, lot_id: str, seq: int) -> dict[str, Any]:
    lot = _lot(state, lot_id)
    issuance = state.get(ISSUANCE_KIND, str(seq)) or {}
    org = state.get("org", lot["org_id"]) or {}
    graph = upstream(state, lot_id)
    sites = [
        *state.get_many("plot", graph.plots).values(),
        *state.get_many("apiary", graph.apiaries).values(),
    ]
    verifications = list(
        state.get_many(VERIFICATION_KIND, issuance.get("verifications", [])).values()
    )
    certificates, practices = [], {}
    for doc in sorted(verifications, key=lambda d: str(d["verification_id"])):
        standard = state.get(STANDARD_KIND, doc["standard_hash"]) or {"content": {}}
        content = standard["content"]
        accreditation = state.get(ACCREDITATION_KIND, doc["certifier_id"]) or {}
        certificates.append(
            {
                "verification_id": doc["verification_id"],
                "standard": {
                    "id": doc["standard_id"],
                    "version": doc["standard_version"],
                    "hash": doc["standard_hash"],
                    "title": content.get("title"),
                },
                "certifier": {"id": doc["certifier_id"], "name": accreditation.get("name")},
                "valid_from": doc["valid_from"],
                "valid_until": doc["valid_until"],
                "status": doc["status"],
                "result": doc["result"],
                "seq": doc["issued_seq"],
            }
        )
        criteria = {c["id"]: c for c in content.get("criteria", [])}
        for finding in doc["findings"]:
            criterion = criteria.get(finding["criterion_id"])
            if finding["status"] == "pass" and criterion is not None:
                practices[criterion["id"]] = {
                    "criterion_id": criterion["id"],
                    "title": criterion["title"],
                    "severity": criterion["severity"],
                    "applies_to": criterion["applies_to"],
                }
    return {
        "product": {**lot_public(lot), "unit_g": issuance.get("unit_g")},
        "association": {
            key: org.get(key)
            for key in ("org_id", "name", "kind", "state", "municipality", "landscape")
        },
        "origins": {
            "landscapes": sorted({s["landscape"] for s in sites if s.get("landscape")}),
            "municipalities": sorted({s["municipality"] for s in sites if s.get("municipality")}),
            "plots": len(graph.plots),
            "apiaries": len(graph.apiaries),
            "producers": len(graph.producers),
        },
        "harvest": lot["harvest"],
        "certificates": certificates,
        "practices": sorted(practices.values(), key=lambda p: str(p["criterion_id"])),
        "issuance": {
            key: issuance.get(key)
            for key in ("seq", "units", "unit_g", "day", "key_id", "serial_from", "serial_to")
        },
        "links": {
            "entry": f"/api/v1/entries/{seq}",
            "proof": f"/api/v1/proofs/inclusion?seq={seq}",
            "lineage": f"/api/v1/lots/{lot_id}/lineage",
            "label": f"/api/v1/labels/{seq}",
        },
    }
