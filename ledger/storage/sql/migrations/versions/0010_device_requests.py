"""Enrolment requests of field devices: a phone's public key, found by its short code.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

A phone makes its key pair itself and shows a short code (``a1b2-c3d4-e5f6``, the first 12
hex digits of its key id); the office types that code to enrol it. The office needs the whole
public key to sign ``device.enrolled``, so the phone leaves it here when it asks to be
enrolled. A request carries no authority (the association's signed entry does, after the
office compared the code on the phone's screen), so this is operational data beside the
ledger, bounded (``ledger.storage.sql.device_requests.MAX_ROWS``, oldest first).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_requests",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("first_at", sa.String(32), nullable=False),
        sa.Column("last_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_device_requests_last", "device_requests", ["last_at"])


def downgrade() -> None:
    op.drop_index("ix_device_requests_last", "device_requests")
    op.drop_table("device_requests")
