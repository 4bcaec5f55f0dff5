"""The erasable personal-data side table: names, CURP and contact of producers.

Entries never carry personal data; a ``producer.registered`` entry carries
``pii_hash = SHA-256(salt ‖ JCS(personal data))``. This table keeps the data and the salt, so
the association can prove which person a pseudonymous producer is — until the data is
erased, after which the hash alone links to nobody and every entry still verifies.

Left out: who may read the data (only the local CLI does; the HTTP API never serves it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from ledger.statements import format_ts
from ledger.storage.sql.store import SqlCursor

__all__ = ["PersonalDataStore", "StoredPersonalData"]


@dataclass(frozen=True)
class StoredPersonalData:
    """One producer's personal data as kept."""

    producer_id: str
    association_id: str
    data: dict[str, Any]
    salt: str
    recorded_at: str


class PersonalDataStore:
    """Personal data in the ``personal_data`` table of a ledger database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self, producer_id: str, association_id: str, data: dict[str, Any], salt: str
    ) -> None:
        """Store (or replace) a producer's personal data and salt."""
        with self.engine.connect() as conn, conn.begin():
            SqlCursor(conn).run(
                "INSERT INTO personal_data (producer_id, association_id, data, salt, recorded_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (producer_id) DO UPDATE SET "
                "association_id = excluded.association_id, data = excluded.data, "
                "salt = excluded.salt, recorded_at = excluded.recorded_at",
                (
                    producer_id,
                    association_id,
                    json.dumps(data, sort_keys=True, ensure_ascii=False),
                    salt,
                    format_ts(datetime.now(UTC)),
                ),
            )

    def get(self, producer_id: str) -> StoredPersonalData | None:
        """A producer's personal data, or ``None`` (never recorded, or erased)."""
        with self.engine.connect() as conn, conn.begin():
            row = SqlCursor(conn).one(
                "SELECT producer_id, association_id, data, salt, recorded_at FROM personal_data "
                "WHERE producer_id = ?",
                (producer_id,),
            )
        if row is None:
            return None
        return StoredPersonalData(
            str(row[0]), str(row[1]), json.loads(row[2]), str(row[3]), str(row[4])
        )

    def scan(self) -> Iterator[StoredPersonalData]:
        """Every record kept, by producer id (aggregate statistics read them all)."""
        with self.engine.connect() as conn, conn.begin():
            rows = SqlCursor(conn).all(
                "SELECT producer_id, association_id, data, salt, recorded_at FROM personal_data "
                "ORDER BY producer_id",
                (),
            )
        for row in rows:
            yield StoredPersonalData(
                str(row[0]), str(row[1]), json.loads(row[2]), str(row[3]), str(row[4])
            )

    def erase(self, producer_id: str) -> bool:
        """Delete a producer's personal data; ``True`` if there was any."""
        with self.engine.connect() as conn, conn.begin():
            cursor = SqlCursor(conn)
            found = cursor.one("SELECT 1 FROM personal_data WHERE producer_id = ?", (producer_id,))
            cursor.run("DELETE FROM personal_data WHERE producer_id = ?", (producer_id,))
        return found is not None
