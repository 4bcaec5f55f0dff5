"""Buyers' expressions of interest in lots offered on the market: off the ledger.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

A buyer who finds a lot in the catalogue leaves a name, company, e-mail, message and the
kilograms wanted for the association that holds it. That is a stranger's personal data and a
commercial message, not a fact to publish: it is kept here, beside the ledger and never in
it, read only by the association (a signed read) or root, like members' personal data.
``source`` is a hash of the sender's network prefix, kept only to limit how many messages one
network may send (``ledger.storage.sql.interest``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "market_interest",
        sa.Column("interest_id", sa.String(32), primary_key=True),
        sa.Column("lot_id", sa.String(200), nullable=False),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("received_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_market_interest_org", "market_interest", ["org_id", "received_at"])
    op.create_index("ix_market_interest_source", "market_interest", ["source", "received_at"])
    op.create_index("ix_market_interest_lot", "market_interest", ["lot_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_market_interest_lot", "market_interest")
    op.drop_index("ix_market_interest_source", "market_interest")
    op.drop_index("ix_market_interest_org", "market_interest")
    op.drop_table("market_interest")
