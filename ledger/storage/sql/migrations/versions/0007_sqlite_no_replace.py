"""SQLite: refuse an insert whose key exists in an append-only table (closes REPLACE).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

``INSERT OR REPLACE`` and ``REPLACE INTO`` resolve a uniqueness conflict by deleting the old
row, and SQLite fires DELETE triggers for that only when ``PRAGMA recursive_triggers`` is on
in the connection doing it, so the append-only triggers of 0001 did not stop them: an entry,
a Merkle node or a checkpoint could be overwritten. A BEFORE INSERT trigger runs before the
conflict is resolved; it refuses a row that any unique key of the table already names. Each
test is one index probe, and the store never inserts an existing key, so appends are
unchanged. PostgreSQL has no REPLACE; its upsert fires the UPDATE trigger, as SQLite's does.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Every unique key of each append-only table (written out: a revision keeps meaning what it
# meant when it ran).
_KEYS = {
    "entries": (("seq",), ("entry_hash",), ("actor", "nonce")),
    "merkle_nodes": (("level", "idx"),),
    "checkpoints": (("tree_size",),),
}


def _exists(table: str, columns: tuple[str, ...]) -> str:
    match = " AND ".join(f"{c} = NEW.{c}" for c in columns)
    return f"EXISTS (SELECT 1 FROM {table} WHERE {match})"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, keys in _KEYS.items():
        taken = " OR ".join(_exists(table, columns) for columns in keys)
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {taken} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: a row with this key exists, "
            "REPLACE refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in _KEYS:
        op.execute(f"DROP TRIGGER {table}_no_replace")
