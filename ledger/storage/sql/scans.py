"""Label scans at the resolver: a log, per-place and per-device tallies, the monthly salt.

Operational data beside the ledger, not in it: nothing here is signed, hashed into the tree
or replayed by ``rebuild``, and rows are updated (tallies) and deleted (old salts). Writes use
their own short transactions and never take the ledger's append lock, so on PostgreSQL a
scan never waits for an append; on SQLite the database file has one writer at a time, which
is why the resolver batches scans and writes them after the response (``api.web.scans``).

A *place* is whatever opaque string the caller derived from the client's network (the
resolver stores a keyed hash of the ``/24`` or ``/48`` prefix), and a *device* one derived
from the client's address and User-Agent (a keyed hash too); this module never sees an IP
address and has no way to tell one place or device from another except by equality.
Devices are counted over a recent window (``since``): the anomaly check asks how many
distinct devices scanned a label lately, not how many requests were made.

Left out: deriving places, the anomaly heuristic and any HTTP (``api.web.scans``).
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from ledger.storage.sql.store import SqlCursor

__all__ = ["Scan", "ScanStore", "ScanTotals", "read_totals"]

SALT_BYTES = 32


@dataclass(frozen=True)
class Scan:
    """One resolve of a label: issuance seq, unit serial (``""`` when none), time, place."""

    label_seq: int
    serial: str
    scanned_at: str
    place: str
    device: str = ""
    """Empty when the caller tells no devices apart (then no device is tallied)."""


@dataclass(frozen=True)
class ScanTotals:
    """How often and from how many places and devices a label was scanned (so far)."""

    scans: int
    places: int
    place_seen: bool
    """Whether the place asked about is already among ``places``."""
    devices: int = 0
    """Distinct devices seen since the window's start."""
    device_seen: bool = False
    """Whether the device asked about is already among ``devices``."""


class ScanStore:
    """Scans in the ``label_scans``, ``label_scan_places``, ``label_scan_devices`` and
    ``label_scan_salts`` tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, scans: Sequence[Scan]) -> None:
        """Log the scans and add them to the per-place tallies, in one transaction."""
        if not scans:
            return
        rows = _tally([(s.label_seq, s.serial, s.place, s.scanned_at) for s in scans])
        device_rows = _tally(
            [(s.label_seq, s.serial, s.device, s.scanned_at) for s in scans if s.device]
        )
        with self.engine.connect() as conn, conn.begin():
            cursor = SqlCursor(conn)
            cursor.run_many(
                "INSERT INTO label_scans (label_seq, serial, scanned_at, place) "
                "VALUES (?, ?, ?, ?)",
                [(s.label_seq, s.serial, s.scanned_at, s.place) for s in scans],
            )
            cursor.run_many(
                "INSERT INTO label_scan_places "
                "(label_seq, serial, place, scans, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (label_seq, serial, place) DO UPDATE SET "
                "scans = label_scan_places.scans + excluded.scans, "
                "first_at = CASE WHEN excluded.first_at < label_scan_places.first_at "
                "THEN excluded.first_at ELSE label_scan_places.first_at END, "
                "last_at = CASE WHEN excluded.last_at > label_scan_places.last_at "
                "THEN excluded.last_at ELSE label_scan_places.last_at END",
                rows,
            )
            cursor.run_many(
                "INSERT INTO label_scan_devices "
                "(label_seq, serial, device, scans, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (label_seq, serial, device) DO UPDATE SET "
                "scans = label_scan_devices.scans + excluded.scans, "
                "first_at = CASE WHEN excluded.first_at < label_scan_devices.first_at "
                "THEN excluded.first_at ELSE label_scan_devices.first_at END, "
                "last_at = CASE WHEN excluded.last_at > label_scan_devices.last_at "
                "THEN excluded.last_at ELSE label_scan_devices.last_at END",
                device_rows,
            )

    def totals(
        self,
        label_seq: int,
        serial: str = "",
        place: str | None = None,
        device: str | None = None,
        since: str = "",
    ) -> ScanTotals:
        """Scans and distinct places of one label (and unit serial), as recorded so far, and
        distinct devices seen since ``since``."""
        with self.engine.connect() as conn, conn.begin():
            return read_totals(SqlCursor(conn), label_seq, serial, place, device, since)

    def issuance_totals(self, label_seq: int, since: str = "") -> dict[str, ScanTotals]:
        """Scans, distinct places and distinct devices (since ``since``) of every scanned
        label of one issuance, by unit serial (``""`` for labels without serials): what the
        label office looks at for copied labels."""
        with self.engine.connect() as conn, conn.begin():
            cursor = SqlCursor(conn)
            places = cursor.all(
                "SELECT serial, SUM(scans), COUNT(*) FROM label_scan_places "
                "WHERE label_seq = ? GROUP BY serial",
                (label_seq,),
            )
            devices = cursor.all(
                "SELECT serial, COUNT(*) FROM label_scan_devices "
                "WHERE label_seq = ? AND last_at >= ? GROUP BY serial",
                (label_seq, since),
            )
        seen = {str(r[0]): int(r[1]) for r in devices}
        return {
            str(r[0]): ScanTotals(int(r[1]), int(r[2]), False, seen.get(str(r[0]), 0))
            for r in places
        }

    def scan_log(self, label_seq: int, serial: str = "") -> list[Scan]:
        """Every logged scan of one label, oldest first."""
        with self.engine.connect() as conn, conn.begin():
            rows = SqlCursor(conn).all(
                "SELECT label_seq, serial, scanned_at, place FROM label_scans "
                "WHERE label_seq = ? AND serial = ? ORDER BY scanned_at, id",
                (label_seq, serial),
            )
        return [Scan(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def salt(self, period: str, now: str) -> bytes:
        """The salt of ``period`` (``YYYY-MM``), created at ``now`` if it does not exist yet.

        Creating a period's salt deletes the salts of earlier periods, so the places recorded
        then can no longer be linked to a network prefix. Concurrent workers agree: the
        first insert wins and everyone reads it back.
        """
        with self.engine.connect() as conn, conn.begin():
            cursor = SqlCursor(conn)
            row = cursor.one("SELECT salt FROM label_scan_salts WHERE period = ?", (period,))
            if row is not None:
                return bytes(row[0])
        with self.engine.connect() as conn, conn.begin():
            cursor = SqlCursor(conn)
            cursor.run(
                "INSERT INTO label_scan_salts (period, salt, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (period) DO NOTHING",
                (period, secrets.token_bytes(SALT_BYTES), now),
            )
            cursor.run("DELETE FROM label_scan_salts WHERE period < ?", (period,))
            row = cursor.one("SELECT salt FROM label_scan_salts WHERE period = ?", (period,))
        assert row is not None  # noqa: S101 - inserted or kept just above
        return bytes(row[0])

    def salt_periods(self) -> list[str]:
        """The periods whose salt is still kept (normally only the current one)."""
        with self.engine.connect() as conn, conn.begin():
            rows = SqlCursor(conn).all("SELECT period FROM label_scan_salts ORDER BY period")
        return [str(r[0]) for r in rows]


def _tally(
    scans: Sequence[tuple[int, str, str, str]],
) -> list[tuple[int, str, str, int, str, str]]:
    """``(label_seq, serial, who, at)`` scans → one row ``(…, count, first_at, last_at)`` per
    key: PostgreSQL refuses an upsert that touches a row twice."""
    tallies: Counter[tuple[int, str, str]] = Counter()
    first: dict[tuple[int, str, str], str] = {}
    last: dict[tuple[int, str, str], str] = {}
    for label_seq, serial, who, at in scans:
        key = (label_seq, serial, who)
        tallies[key] += 1
        first[key] = min(first.get(key, at), at)
        last[key] = max(last.get(key, at), at)
    return [(*key, count, first[key], last[key]) for key, count in sorted(tallies.items())]


def read_totals(
    cursor: SqlCursor,
    label_seq: int,
    serial: str = "",
    place: str | None = None,
    device: str | None = None,
    since: str = "",
) -> ScanTotals:
    """:meth:`ScanStore.totals` on a caller's cursor, so it can share a read cursor
    (the resolver reads the tree size and the totals together)."""
    row = cursor.one(
        "SELECT COALESCE(SUM(scans), 0), COUNT(*), "
        "COALESCE(SUM(CASE WHEN place = ? THEN 1 ELSE 0 END), 0) "
        "FROM label_scan_places WHERE label_seq = ? AND serial = ?",
        (place or "", label_seq, serial),
    )
    devices = cursor.one(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN device = ? THEN 1 ELSE 0 END), 0) "
        "FROM label_scan_devices WHERE label_seq = ? AND serial = ? AND last_at >= ?",
        (device or "", label_seq, serial, since),
    )
    assert row is not None and devices is not None  # noqa: S101 - aggregates: one row each
    return ScanTotals(
        int(row[0]),
        int(row[1]),
        place is not None and int(row[2]) > 0,
        int(devices[0]),
        device is not None and int(devices[1]) > 0,
    )
