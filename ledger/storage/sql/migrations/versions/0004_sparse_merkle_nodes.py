"""Keep Merkle nodes from level 4 up only; lower ones are folded from the entries' hashes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

A node below level 4 covers at most 8 leaves, and every leaf hash is already stored as an
entry's ``entry_hash``; the store now folds such nodes when a proof needs them
(``ledger.merkle.STORED_FROM_LEVEL``) and appends no longer write them. This revision
deletes the rows earlier revisions wrote for them (about 94% of the table), with the
append-only trigger set aside for that one statement. Nothing a proof or a checkpoint can
show changes: the folded hashes are the deleted ones, bit for bit.

The downgrade writes them back, computed from the entries in seq order.

The level is written here as a number, not imported: a revision must keep meaning what it
meant when it ran.
"""

from __future__ import annotations

import hashlib

from alembic import op
from sqlalchemy import text

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_LOWEST_STORED_LEVEL = 4
_BATCH = 10_000


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def upgrade() -> None:
    delete = f"DELETE FROM merkle_nodes WHERE level < {_LOWEST_STORED_LEVEL}"
    if _sqlite():
        op.execute("DROP TRIGGER merkle_nodes_no_delete")
        op.execute(delete)
        op.execute(
            "CREATE TRIGGER merkle_nodes_no_delete BEFORE DELETE ON merkle_nodes "
            "BEGIN SELECT RAISE(ABORT, 'merkle_nodes is append-only: DELETE refused'); END"
        )
    else:
        # In the migration's transaction: other sessions never see the trigger disabled.
        op.execute("ALTER TABLE merkle_nodes DISABLE TRIGGER merkle_nodes_append_only")
        op.execute(delete)
        op.execute("ALTER TABLE merkle_nodes ENABLE TRIGGER merkle_nodes_append_only")


def downgrade() -> None:
    bind = op.get_bind()
    insert = text("INSERT INTO merkle_nodes (level, idx, hash) VALUES (:level, :idx, :hash)")
    rows: list[dict[str, object]] = []
    right_edge: list[bytes] = []  # the complete subtrees below level 4 at the right edge
    result = bind.execute(text("SELECT seq, entry_hash FROM entries ORDER BY seq"))
    for seq, entry_hash in result:
        # RFC 9162 §2.1.1: the leaf is a level-0 node; each trailing one bit of its index
        # completes a parent, HASH(0x01 ‖ left ‖ right).
        node, level, index = bytes(entry_hash), 0, int(seq)
        rows.append({"level": 0, "idx": index, "hash": node})
        while index & 1 and level + 1 < _LOWEST_STORED_LEVEL:
            node = hashlib.sha256(b"\x01" + right_edge.pop() + node).digest()
            level, index = level + 1, index >> 1
            rows.append({"level": level, "idx": index, "hash": node})
        right_edge.append(node)
        if (int(seq) + 1) % (1 << (_LOWEST_STORED_LEVEL - 1)) == 0:
            right_edge.clear()  # a complete level-3 node: its parent is stored already
        if len(rows) >= _BATCH:
            bind.execute(insert, rows)
            rows.clear()
    if rows:
        bind.execute(insert, rows)
