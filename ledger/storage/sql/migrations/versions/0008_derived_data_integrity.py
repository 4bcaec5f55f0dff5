"""Derived data an append relies on cannot be changed unnoticed (issue 15 item 6).

1. ``state_objects.seal``: an HMAC seal per projection row (``ledger.seals``), written and
   checked by appends when the deployment has a ``projection.key``. Existing rows get none;
   the first migrating start with the key (``biotraza db upgrade``, ``serve``) then
   rebuilds the projections from the verified entries, sealed
   (``LedgerService.reseal_if_needed``).
2. One entry per signed statement: a unique index on the signature inside each leaf.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

A retried statement must come back as the entry it already became (DESIGN §2). The append
finds it by the ``(actor, nonce)`` columns, which are copies of what the leaf says; if those
columns were changed behind the ledger's back (issue 15 item 6), the retry would not be found
and the same signed statement would be appended twice. Ed25519 signatures are deterministic,
so the same statement always carries the same ``sig``; this index is on the signature as it
stands in the leaf bytes themselves (``"sig":"`` occurs first as the leaf's own key, before
the statement), so no copied column can defeat it. A second insert of the same statement
fails, and the append reports the ledger as damaged instead of recording it.

Entries written before this revision are unaffected (their leaves carry the same key); the
index build fails only on a ledger that already holds one statement twice, which
``ledger verify`` reports as a reused nonce.

No entry is rewritten by this revision, nor by the one that introduced ``log_time`` (a
leaf's bytes are hashed into the chain): entries appended before the upgrade have no
``log_time`` and stay as they are, judged at their ``ts`` and counted as legacy by
``ledger verify`` (docs/entry-format.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_SIG_LENGTH = 86  # unpadded base64url of a 64-byte Ed25519 signature


def upgrade() -> None:
    op.add_column("state_objects", sa.Column("seal", sa.LargeBinary(32), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # X'22736967223A22' is the bytes of "sig":" (7 bytes).
        expression = f"substr(leaf, instr(leaf, X'22736967223A22') + 7, {_SIG_LENGTH})"
    else:
        expression = (
            "substring(leaf from position('\\x22736967223a22'::bytea in leaf) + 7 "
            f"for {_SIG_LENGTH})"
        )
    op.execute(f"CREATE UNIQUE INDEX uq_entries_leaf_sig ON entries (({expression}))")


def downgrade() -> None:
    op.execute("DROP INDEX uq_entries_leaf_sig")
    with op.batch_alter_table("state_objects") as batch:
        batch.drop_column("seal")
