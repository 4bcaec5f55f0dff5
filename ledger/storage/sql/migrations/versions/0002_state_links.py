"""Projection links (lot lineage and other graphs) and the erasable personal-data table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "state_links",
        sa.Column("kind", sa.String(64), primary_key=True),
        sa.Column("src", sa.String(200), primary_key=True),
        sa.Column("dst", sa.String(200), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
    )
    # Walking a graph backwards (downstream lineage) looks links up by destination.
    op.create_index("ix_state_links_dst", "state_links", ["kind", "dst"])
    # Personal data lives outside the ledger so that it can be erased (entries keep only a
    # salted hash of it). It is not a projection: rebuild neither writes nor drops it.
    op.create_table(
        "personal_data",
        sa.Column("producer_id", sa.String(200), primary_key=True),
        sa.Column("association_id", sa.String(200), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("personal_data")
    op.drop_index("ix_state_links_dst", "state_links")
    op.drop_table("state_links")
