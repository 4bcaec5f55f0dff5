"""Signed reads used once: each (key, nonce) of a ``Biotraza-Read`` header opens one read.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

A signed read (``ledger.read_auth``) is valid for ``MAX_SKEW_S`` seconds either side of the
server's clock. Without a record of the nonces already used, a header captured in that window
could be replayed to read the same data again. One row per accepted read; rows older than
twice the window are deleted as new reads arrive (a header that old is refused by its
timestamp anyway), so the table stays small. Operational data beside the ledger.

Also an index on ``blob_uploads.sha256``: who may read an evidence file depends on who
uploaded it (``api.services.evidence_reads``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "read_nonces",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("used_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_read_nonces_used", "read_nonces", ["used_at"])
    op.create_index("ix_blob_uploads_sha256", "blob_uploads", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_blob_uploads_sha256", "blob_uploads")
    op.drop_index("ix_read_nonces_used", "read_nonces")
    op.drop_table("read_nonces")
