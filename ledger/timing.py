"""Time in the ledger: the log's own clock decides validity, the signer's ``ts`` is a claim.

A statement's ``ts`` is chosen by whoever signs it, so judging a key's ``valid_until`` or an
accreditation's window at ``ts`` lets an expired signer backdate its way in (issue 15 item 5).
The log therefore stamps every entry at admission with ``log_time`` — its own clock, read
inside the append lock, recorded in the leaf (docs/entry-format.md) — and judges validity at
that moment, as Rekor judges certificates at its "integrated time". Because ``log_time`` is in
the hashed leaf, verification replays exactly the decision the log made.

The rules, each enforced by :func:`check_claimed_time` and :func:`check_key_time` at admission
and again by verification:

* ``log_time`` never decreases along the log (a clock stepping back is clamped to the last
  entry's ``log_time``).
* ``ts`` may not be later than ``log_time`` + :data:`MAX_CLOCK_SKEW` (no claims from the
  future), nor earlier than the key's addition (the ``ts`` of its ``key.added``) minus the same
  skew.
* A key is acceptable when, at ``log_time``, it is within ``[valid_from, valid_until]`` and not
  revoked. Offline capture: a key added with ``offline_grace_days`` = *g* also accepts, for *g*
  days after ``valid_until``, statements whose claimed ``ts`` lies inside its window. A
  revocation ends a key at its position in the log, whatever any ``ts`` says.
* Legacy entries (written before ``log_time`` existed) carry none; they are judged at their
  ``ts`` as they were admitted, and may only form a prefix of the log.

Left out: where the time comes from in production (``system_clock``; deployments keep the
host's clock synchronised) and the domain rules that use ``ts`` as the event's date.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ledger.errors import AuthorizationError, DomainRuleError

__all__ = [
    "LOG_TIME_PATTERN",
    "MAX_CLOCK_SKEW",
    "MAX_OFFLINE_GRACE_DAYS",
    "Clock",
    "check_claimed_time",
    "check_key_time",
    "format_log_time",
    "next_log_time",
    "parse_log_time",
    "system_clock",
]

MAX_CLOCK_SKEW = timedelta(minutes=5)
"""How far a signer's clock may run ahead of the log's (and a key be used before its
``key.added`` claims it existed)."""

MAX_OFFLINE_GRACE_DAYS = 30
"""Upper bound of a key's ``offline_grace_days``: a device may sit offline this long at most."""

LOG_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"
"""One fixed-width form (microseconds, ``Z``): string order is time order."""

_LOG_TIME = re.compile(LOG_TIME_PATTERN)

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware. Injected so tests move time instead of sleeping."""


def system_clock() -> datetime:
    """The host's clock in UTC: the production clock."""
    return datetime.now(UTC)


def format_log_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC.

    Raises:
        ValueError: a naive datetime.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the log's clock must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_log_time(text: str) -> datetime:
    """Parse a ``log_time``.

    Raises:
        ValueError: not of the one fixed-width form.
    """
    if not _LOG_TIME.fullmatch(text):
        raise ValueError("log_time must look like 2026-03-01T12:00:00.000000Z")
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def next_log_time(clock: Clock, previous: str | None) -> str:
    """The ``log_time`` of the next entry: the clock, but never before the previous entry's."""
    now = format_log_time(clock())
    return now if previous is None or now >= previous else previous


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_claimed_time(ts: str, log_time: str) -> None:
    """The signer's ``ts`` is not in the log's future beyond :data:`MAX_CLOCK_SKEW`.

    Raises:
        DomainRuleError: naming ``statement.ts``.
    """
    if _ts(ts) > parse_log_time(log_time) + MAX_CLOCK_SKEW:
        raise DomainRuleError(
            f"ts {ts} is later than the log's time {log_time} plus the allowed clock skew "
            f"of {int(MAX_CLOCK_SKEW.total_seconds())} s",
            field="statement.ts",
        )


def check_key_time(doc: dict[str, Any], ts: str, log_time: str | None) -> None:
    """A (not revoked) key document is acceptable for a statement claiming ``ts``, admitted
    at ``log_time`` (``None``: a legacy entry, judged at ``ts`` as it was admitted).

    Raises:
        AuthorizationError: outside the key's window at the log's time (and outside its
            offline grace), or ``ts`` before the key existed or outside its window.
    """
    kid = doc["key_id"]
    claimed = _ts(ts)
    valid_from = None if doc["valid_from"] is None else _ts(doc["valid_from"])
    valid_until = None if doc["valid_until"] is None else _ts(doc["valid_until"])
    if log_time is None:
        if valid_from is not None and claimed < valid_from:
            raise AuthorizationError(f"key {kid} is not valid before {doc['valid_from']}")
        if valid_until is not None and claimed > valid_until:
            raise AuthorizationError(f"key {kid} expired at {doc['valid_until']}")
        return
    admitted = parse_log_time(log_time)
    added_ts = doc.get("added_ts")
    if added_ts is not None and claimed < _ts(added_ts) - MAX_CLOCK_SKEW:
        raise AuthorizationError(f"ts {ts} is before key {kid} was added ({added_ts})")
    if valid_from is not None and (claimed < valid_from or admitted < valid_from):
        raise AuthorizationError(f"key {kid} is not valid before {doc['valid_from']}")
    if valid_until is None or admitted <= valid_until:
        return
    grace = timedelta(days=int(doc.get("offline_grace_days") or 0))
    if claimed <= valid_until and admitted <= valid_until + grace:
        return  # captured while valid, uploaded within the key's offline grace
    raise AuthorizationError(
        f"key {kid} expired at {doc['valid_until']} (log time {log_time}, "
        f"offline grace {grace.days} days, claimed ts {ts})"
    )
