"""Buyers' interest: forget the unkeyed client hashes written before keyed ones.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

Until this revision ``market_interest.source`` held the first 32 hex digits of a plain
SHA-256 of the sender's IPv4 address (or IPv6 /64): anyone reading the table recovers an IPv4
address by hashing all 2³² of them. The server now keeps an HMAC-SHA-256 under a key file of
its data directory (``api.services.market.source_of``), and a keyed value cannot be computed
from an unkeyed one: old rows cannot be converted. They are overwritten with ``unkeyed``
instead, which matches no client's keyed value. The only use of ``source`` is the hourly
per-client bound, so the cost is one hour in which a client that wrote just before the upgrade
may write its quota again; the per-lot bound is untouched. The messages themselves stay
until the retention purge (``biotraza market purge``, 180 days by default).

Run by the schema owner: the service role still may not update this table
(``ledger.storage.sql.roles``).
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

FORGOTTEN = "unkeyed"
"""What an unkeyed client hash becomes: not hex, so no keyed value can equal it."""


def upgrade() -> None:
    op.execute(f"UPDATE market_interest SET source = '{FORGOTTEN}'")


def downgrade() -> None:
    """Nothing to undo: the unkeyed hashes are gone for good (that was the point), and an
    older server counts ``unkeyed`` rows against no client."""
