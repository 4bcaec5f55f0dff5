"""The association office's view of its field devices: who, since when, what synced, refusals.

Devices are the ``device`` keys of the trust state (``ledger.supply.devices``), so what the
office sees is exactly what admission checks. The enrolment and revocation entries add when
(``ts`` and the log's ``log_time``) and, for a revocation, the reason and note; the entries
table gives what each key synced (count per type, last seq). Refusals come from the
operational table ``device_refusals`` (``api.services.refusals``), never from the ledger.

Left out: enrolling and revoking (signed ``device.*`` statements, sent like any other).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.services.ledger import LedgerService
from ledger.entries import Entry
from ledger.errors import EntryNotFoundError
from ledger.statements import parse_ts
from ledger.storage.sql.refusals import RefusalStore
from ledger.storage.sql.store import SqlCursor
from ledger.supply.orgs import ORG_KIND
from ledger.trust import DEVICE_ROLE, KEY_KIND

__all__ = ["device_refusals", "org_device", "org_devices"]


def org_devices(service: LedgerService, org_id: str) -> list[dict[str, Any]]:
    """Every device an organization enrolled, oldest first, with status and sync tallies.

    Raises:
        EntryNotFoundError: no such organization.
    """
    with service.store.read_state() as state:
        if state.get(ORG_KIND, org_id) is None:
            raise EntryNotFoundError(f"no org {org_id!r}")
        keys = [
            doc
            for _kid, doc in state.scan(KEY_KIND)
            if doc["role"] == DEVICE_ROLE and doc["scope"].get("org_id") == org_id
        ]
    keys.sort(key=lambda doc: int(doc["added_seq"]))
    refused = RefusalStore(service.engine).counts(org_id)
    now = service.clock()
    with service.store.reading() as cursor:
        tallies = _tallies(cursor, [doc["key_id"] for doc in keys])
    return [_device(service, doc, tallies.get(doc["key_id"], {}), refused, now) for doc in keys]


def org_device(service: LedgerService, org_id: str, kid: str) -> dict[str, Any]:
    """One device of an organization.

    Raises:
        EntryNotFoundError: no such organization, or no device of it with that key id.
    """
    for device in org_devices(service, org_id):
        if device["key_id"] == kid:
            return device
    raise EntryNotFoundError(f"org {org_id!r} has no device {kid!r}")


def device_refusals(
    service: LedgerService, org_id: str, kid: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """An organization's refused device submissions (one device's, if given), newest first.

    Raises:
        EntryNotFoundError: no such organization.
    """
    if service.store.state_get(ORG_KIND, org_id) is None:
        raise EntryNotFoundError(f"no org {org_id!r}")
    return [
        {
            "key_id": r.key_id,
            "statement_hash": r.statement_hash,
            "type": r.type,
            "nonce": r.nonce,
            "ts": r.ts,
            "code": r.code,
            "reason": r.reason,
            "field": r.field,
            "attempts": r.attempts,
            "first_at": r.first_at,
            "last_at": r.last_at,
            "admitted_seq": r.admitted_seq,
        }
        for r in RefusalStore(service.engine).recent(org_id, kid, limit)
    ]


def _tallies(cursor: SqlCursor, kids: list[str]) -> dict[str, dict[str, tuple[int, int]]]:
    """Per key id: entry type → (count, last seq)."""
    if not kids:
        return {}
    marks = ", ".join("?" for _ in kids)
    rows = cursor.all(
        f"SELECT actor, type, COUNT(*), MAX(seq) FROM entries WHERE actor IN ({marks}) "  # noqa: S608 - placeholders only
        "GROUP BY actor, type",
        kids,
    )
    found: dict[str, dict[str, tuple[int, int]]] = {}
    for actor, entry_type, count, last in rows:
        found.setdefault(str(actor), {})[str(entry_type)] = (int(count), int(last))
    return found


def _moment(entry: Entry) -> dict[str, Any]:
    statement = entry.statement
    return {"seq": entry.seq, "ts": statement.ts, "log_time": entry.log_time, "by": statement.actor}


def _status(doc: dict[str, Any], now: datetime) -> str:
    if doc["revoked_seq"] is not None:
        return "revoked"
    if doc["valid_until"] is not None and parse_ts(doc["valid_until"]) < now:
        return "expired"
    return "active"


def _device(
    service: LedgerService,
    doc: dict[str, Any],
    tally: dict[str, tuple[int, int]],
    refused: dict[str, int],
    now: datetime,
) -> dict[str, Any]:
    revoked = None
    if doc["revoked_seq"] is not None:
        entry = service.entry(int(doc["revoked_seq"]))
        body = entry.statement.body
        revoked = {
            **_moment(entry),
            # device.revoked gives a code (lost, stolen, retired); a root's key.revoked of the
            # device, or of the association key that enrolled it, gives text.
            "reason": doc["revoked_reason"],
            "note": body.get("note") if entry.statement.type == "device.revoked" else None,
        }
    last_seq = max((last for _count, last in tally.values()), default=None)
    last_synced_at = None if last_seq is None else service.entry(last_seq).log_time
    return {
        "key_id": doc["key_id"],
        "label": doc["name"],
        "public_key": doc["public_key"],
        "org_id": doc["scope"]["org_id"],
        "entry_types": list(doc["scope"]["types"]),
        "status": _status(doc, now),
        "valid_until": doc["valid_until"],
        "offline_grace_days": int(doc.get("offline_grace_days") or 0),
        "enrolled": _moment(service.entry(int(doc["added_seq"]))),
        "revoked": revoked,
        "entries": {
            "total": sum(count for count, _last in tally.values()),
            "by_type": {t: count for t, (count, _last) in sorted(tally.items())},
        },
        "last_seq": last_seq,
        "last_synced_at": last_synced_at,
        "refusals": refused.get(doc["key_id"], 0),
    }
