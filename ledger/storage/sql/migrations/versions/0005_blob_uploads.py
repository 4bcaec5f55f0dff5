"""Evidence-file uploads: who uploaded what, once per signed authorization, for replay and quotas.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

Operational data beside the ledger, not in it: no append-only triggers, and ``rebuild``
neither writes nor drops it. One row per accepted upload authorization (its key id and nonce,
which makes a replayed authorization detectable), with the bytes it was charged (0 when the
file was already stored or the upload failed), for the per-key daily and total quotas.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_uploads",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("charged", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("uploaded_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_blob_uploads_key_day", "blob_uploads", ["key_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_blob_uploads_key_day", "blob_uploads")
    op.drop_table("blob_uploads")
