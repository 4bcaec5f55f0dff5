"""Label scan counting at the resolver: a scan log, per-place tallies and rotating salts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Not ledger tables: scans are mutable operational data (counted, tallied, purged), so they get
no append-only triggers and ``rebuild`` neither writes nor drops them. No raw IP address is
ever stored: ``place`` is a keyed hash of the client's network prefix (``/24`` or ``/48``)
under a salt that is replaced every month (``label_scan_salts``; see docs/resolver.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# SQLite only auto-numbers an ``INTEGER PRIMARY KEY`` (the rowid alias), not ``BIGINT``.
_SCAN_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # One row per resolve: which label (issuance seq, unit serial or ''), when, from where.
    op.create_table(
        "label_scans",
        sa.Column("id", _SCAN_ID, primary_key=True, autoincrement=True),
        sa.Column("label_seq", sa.BigInteger(), nullable=False),
        sa.Column("serial", sa.String(64), nullable=False),
        sa.Column("scanned_at", sa.String(32), nullable=False),
        sa.Column("place", sa.String(32), nullable=False),
    )
    op.create_index("ix_label_scans_label", "label_scans", ["label_seq", "serial", "scanned_at"])
    # The tallies the anomaly check reads: one row per label and place, so the check costs
    # one indexed range read however often a photocopied label was scanned.
    op.create_table(
        "label_scan_places",
        sa.Column("label_seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("serial", sa.String(64), primary_key=True),
        sa.Column("place", sa.String(32), primary_key=True),
        sa.Column("scans", sa.BigInteger(), nullable=False),
        sa.Column("first_at", sa.String(32), nullable=False),
        sa.Column("last_at", sa.String(32), nullable=False),
    )
    # The salt of the current month only; older ones are deleted when a new month starts,
    # after which the places of past months can no longer be matched to any network.
    op.create_table(
        "label_scan_salts",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("salt", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("label_scan_salts")
    op.drop_table("label_scan_places")
    op.drop_index("ix_label_scans_label", "label_scans")
    op.drop_table("label_scans")
