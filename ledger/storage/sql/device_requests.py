"""Enrolment requests of field devices (table ``device_requests``, migration 0010).

Operational data beside the ledger: a phone's public key and the label it proposes, kept so
the office can find the key by the short code the phone shows. Nothing here is trusted: the
office enrols a device by signing ``device.enrolled`` after comparing the code on the
phone. One row per key (asking again refreshes it); at most :data:`MAX_ROWS` rows, the
least recently asked go first, so strangers announcing keys cannot fill the disk.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from ledger.storage.sql.store import SqlCursor

__all__ = ["MAX_ROWS", "DeviceRequest", "DeviceRequestStore"]

MAX_ROWS = 2000
"""Requests kept in all: far more phones than an association enrols in a season."""


@dataclass(frozen=True)
class DeviceRequest:
    """A phone's request to be enrolled: its key, its proposed label, when it asked."""

    key_id: str
    public_key: str
    label: str
    first_at: str
    last_at: str


class DeviceRequestStore:
    """The ``device_requests`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, request: DeviceRequest) -> DeviceRequest:
        """Keep a request (or refresh its label and time), then trim to :data:`MAX_ROWS`;
        return the row as stored."""
        with self.engine.connect() as conn, conn.begin():
            cursor = SqlCursor(conn)
            cursor.run(
                "INSERT INTO device_requests (key_id, public_key, label, first_at, last_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key_id) DO UPDATE SET "
                "label = excluded.label, last_at = excluded.last_at",
                (
                    request.key_id,
                    request.public_key,
                    request.label,
                    request.first_at,
                    request.last_at,
                ),
            )
            cursor.run(
                "DELETE FROM device_requests WHERE key_id NOT IN (SELECT key_id FROM "
                "device_requests ORDER BY last_at DESC, key_id DESC LIMIT ?)",
                (MAX_ROWS,),
            )
            row = cursor.one(
                "SELECT key_id, public_key, label, first_at, last_at FROM device_requests "
                "WHERE key_id = ?",
                (request.key_id,),
            )
        assert row is not None  # noqa: S101 - written in this transaction
        return _request(row)

    def by_prefix(self, prefix: str) -> list[DeviceRequest]:
        """Requests whose key id starts with ``prefix`` (hex), most recent first."""
        with self.engine.connect() as conn, conn.begin():
            rows = SqlCursor(conn).all(
                "SELECT key_id, public_key, label, first_at, last_at FROM device_requests "
                "WHERE key_id LIKE ? ORDER BY last_at DESC, key_id DESC LIMIT 10",
                (prefix + "%",),
            )
        return [_request(r) for r in rows]


def _request(row: tuple[object, ...]) -> DeviceRequest:
    return DeviceRequest(
        key_id=str(row[0]),
        public_key=str(row[1]),
        label=str(row[2]),
        first_at=str(row[3]),
        last_at=str(row[4]),
    )
