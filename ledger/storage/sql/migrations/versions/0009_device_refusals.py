"""Refused submissions of field devices, for the association's office: why, and when.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

A field device syncs statements it signed offline; some are refused (a revoked key, a plot of
another association, a rule). The office needs to see those refusals, but a refusal is not a
ledger fact: this table is operational data beside the ledger like the label scans, with no
append-only triggers, not rebuilt. Only statements carrying a valid signature by a known
device key are kept (so nobody without a device's key can write here), one row per distinct
statement (a retry bumps ``attempts``), and at most ``ledger.storage.sql.refusals.PER_KEY``
rows per key (the oldest go first), so a stolen phone cannot fill the disk.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_refusals",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("statement_hash", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("ts", sa.String(40), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("field", sa.String(200), nullable=True),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("first_at", sa.String(32), nullable=False),
        sa.Column("last_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_device_refusals_key_last", "device_refusals", ["key_id", "last_at"])
    op.create_index("ix_device_refusals_org_last", "device_refusals", ["org_id", "last_at"])


def downgrade() -> None:
    op.drop_index("ix_device_refusals_org_last", "device_refusals")
    op.drop_index("ix_device_refusals_key_last", "device_refusals")
    op.drop_table("device_refusals")
