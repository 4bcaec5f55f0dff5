"""Label scans counted per distinct device over a window, not per request.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

One client reloading a page is one device, not 37 scans: the anomaly check counts distinct
devices seen in the last 30 days (``api.web.scans``). ``device`` is a keyed hash (HMAC under
the monthly salt of ``label_scan_salts``) of the client's address and User-Agent, cut to 16
bytes: equal within a month, unlinkable to any address once the month's salt is deleted.
Operational data like the other scan tables: no append-only triggers, not rebuilt.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label_scan_devices",
        sa.Column("label_seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("serial", sa.String(64), primary_key=True),
        sa.Column("device", sa.String(32), primary_key=True),
        sa.Column("scans", sa.BigInteger(), nullable=False),
        sa.Column("first_at", sa.String(32), nullable=False),
        sa.Column("last_at", sa.String(32), nullable=False),
    )
    op.create_index(
        "ix_label_scan_devices_recent", "label_scan_devices", ["label_seq", "serial", "last_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_label_scan_devices_recent", "label_scan_devices")
    op.drop_table("label_scan_devices")
