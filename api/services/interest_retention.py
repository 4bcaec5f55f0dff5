"""How long buyers' expressions of interest are kept, and their deletion.

A buyer's name, company, e-mail and message (``ledger.storage.sql.interest``) are a
stranger's personal data kept for one purpose, the association's follow-up. Once that is
over they have no reason to stay: ``biotraza market purge`` deletes those older than
:data:`INTEREST_RETENTION_DAYS` (or a period the operator chooses); run it from cron.

A module of its own, without imports at load time, so the CLI can show the default without
loading the market service.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.services.ledger import LedgerService

__all__ = ["INTEREST_RETENTION_DAYS", "purge_interest"]

INTEREST_RETENTION_DAYS = 180
"""How long buyers' messages are kept by default: two harvest seasons' worth of follow-up
(a buyer who wrote about one lot is answered and, if at all, buys within a season)."""


def purge_interest(
    service: LedgerService, days: int = INTEREST_RETENTION_DAYS, now: datetime | None = None
) -> tuple[int, str]:
    """Delete buyers' messages received more than ``days`` days before ``now``: how many
    went, and the cut-off (ISO time; messages received before it are gone).

    Raises:
        ValueError: ``days`` is negative.
    """
    from ledger.statements import format_ts
    from ledger.storage.sql.interest import InterestStore

    if days < 0:
        raise ValueError("days must be 0 or more")
    before = format_ts((now or datetime.now(UTC)) - timedelta(days=days))
    return InterestStore(service.engine).delete_before(before), before
