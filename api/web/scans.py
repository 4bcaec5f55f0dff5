"""Counting label scans at the resolver, privately, and flagging labels scanned too widely.

**Privacy.** A scan is recorded as (label issuance seq, unit serial, time, place). The place
is never the client's IP address: it is ``HMAC-SHA256(salt, network prefix)`` cut to 16
bytes, where the prefix is the address's ``/24`` (IPv4) or ``/48`` (IPv6) — a neighbourhood
or an operator's block, not a person — and the salt is random, kept in the database and
replaced every calendar month (the old one is deleted). Within a month, equal prefixes give
equal places, which is all counting needs; after the month, nobody (the operator included)
can tell which network a stored place was. Clients that are not IP addresses (tests, unix
sockets) count as one place.

**Devices, not requests.** One person reloading the page, or a script fetching it 37 times,
is one device: a scan is also tallied per *device*, ``HMAC-SHA256(salt, "device" ‖ address ‖
User-Agent)`` cut to 16 bytes under the same monthly salt (so equal within a month, and
unlinkable to any address once the month is over; across a month boundary one device may
count twice). The check counts distinct devices seen in the last ``WINDOW_DAYS`` days.

**Not scans.** Requests that are not a person looking are answered but not counted: link
prefetchers and previews (``Purpose``/``Sec-Purpose``/``X-Purpose``/``X-Moz`` saying prefetch,
prerender or preview), known crawlers and link-preview bots by User-Agent (``BOT_AGENT``),
and requests with no User-Agent. ``HEAD`` is not served by the resolver at all.

**Anomaly heuristic.** A printed label (one issuance of ``units`` labels without serials, or
one unit with its serial) is flagged when either

* it was scanned from more than ``DEVICES_PER_UNIT × units`` distinct devices in the last
  ``WINDOW_DAYS`` days — a jar or a sack is scanned by the packer, a shop and a buyer or two,
  not by dozens of phones; or
* it was scanned from more than ``units + PLACE_SLACK`` distinct places — each unit is in
  one place at a time and a legitimate one passes through only a few networks (packer, shop,
  the buyer's home and mobile) on its way.

A photocopied label scanned in many towns trips the second rule first; one pasted on a
market stall trips the first. The flag is a warning, never a verdict: the signature check
stands on its own. The page says what it counts ("scanned from N different devices in the
last 30 days"), in Spanish and English.

**Writes off the request path.** A request reads the stored totals (one indexed query, in
the same read cursor as the tree size), adds its own scan to them, and queues the
scan; the queue is written in one transaction *after* the response has been sent (a
Starlette background task; at most one writer per process at a time, taking whatever
queued meanwhile). So a page never waits for a scan write, and on
SQLite never waits behind a ledger append holding the database's single write lock. Scans
of other requests still in the queue are not yet counted (they are, milliseconds later).

Left out: the tables (``ledger.storage.sql.scans``) and the page (``api.web.routes.resolver``).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ledger.statements import format_ts
from ledger.storage.sql.scans import Scan, ScanStore, ScanTotals

__all__ = [
    "BOT_AGENT",
    "DEVICES_PER_UNIT",
    "MAX_QUEUED",
    "PLACE_SLACK",
    "WINDOW_DAYS",
    "ScanRecorder",
    "ScanReport",
    "device_of",
    "is_anomalous",
    "network_prefix",
    "not_a_scan",
    "place_of",
]

logger = logging.getLogger(__name__)

DEVICES_PER_UNIT = 10
"""Distinct devices per labelled unit (in the window) above which a label is flagged."""
WINDOW_DAYS = 30
"""How far back distinct devices are counted."""
PLACE_SLACK = 3
"""Distinct places a label may be seen from beyond one per unit before it is flagged."""
MAX_QUEUED = 10_000
"""Scans queued beyond this (the database is down) are dropped, and logged, not kept."""


def network_prefix(client: str | None) -> str:
    """The coarse network of a client address: ``a.b.c.0/24`` or the ``/48`` of IPv6.

    IPv4-mapped IPv6 addresses count as IPv4. Anything that is not an IP address (a test
    client's name, a unix socket) is one shared ``other`` place.
    """
    try:
        address = ipaddress.ip_address((client or "").split("%", 1)[0])
    except ValueError:
        return "other"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    bits = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def place_of(salt: bytes, client: str | None) -> str:
    """The stored place of a client: keyed hash of its network prefix (32 hex)."""
    prefix = network_prefix(client).encode("ascii")
    return hmac.new(salt, prefix, hashlib.sha256).digest()[:16].hex()


BOT_AGENT = re.compile(
    r"bot/|bot\)|bot;|\+https?://|crawl|spider|slurp|googlebot|bingbot|duckduckbot|applebot|"
    r"yandex|baidu|slackbot|discordbot|twitterbot|linkedinbot|telegrambot|skypeuripreview|"
    r"facebookexternalhit|facebookcatalog|whatsapp|preview|embedly|pinterest|headless|"
    r"lighthouse|python-requests|python-httpx|aiohttp|curl/|wget|go-http-client|okhttp|"
    r"java/|libwww|scrapy|feedfetcher|uptime|monitor",
    re.IGNORECASE,
)
"""User-Agents of crawlers, link previews, monitors and HTTP libraries: not a person looking."""

_PURPOSE_HEADERS = ("purpose", "sec-purpose", "x-purpose", "x-moz")
_PREFETCH = re.compile(r"prefetch|prerender|preview", re.IGNORECASE)


def not_a_scan(method: str, headers: Mapping[str, str]) -> str | None:
    """Why a request is not counted as a scan (``None`` when it is one): module docstring."""
    if method.upper() != "GET":
        return f"{method.upper()} request"
    for name in _PURPOSE_HEADERS:
        if _PREFETCH.search(headers.get(name, "")):
            return f"{name}: prefetch or preview"
    agent = headers.get("user-agent", "").strip()
    if not agent:
        return "no user agent"
    if BOT_AGENT.search(agent):
        return "crawler or link preview"
    return None


def device_of(salt: bytes, client: str | None, user_agent: str) -> str:
    """The stored device of a client: keyed hash of its address and User-Agent (32 hex)."""
    message = b"\x00".join([b"device", (client or "").encode(), user_agent.encode()])
    return hmac.new(salt, message, hashlib.sha256).digest()[:16].hex()


def is_anomalous(devices: int, places: int, units: int) -> bool:
    """Whether a label of ``units`` units scanned from ``devices`` distinct devices lately
    and ``places`` places looks copied (module docstring: the heuristic)."""
    units = max(units, 1)
    return devices > DEVICES_PER_UNIT * units or places > units + PLACE_SLACK


@dataclass(frozen=True)
class ScanReport:
    """What the page says about a label's scans, this one included if it counted."""

    scans: int
    places: int
    units: int
    anomalous: bool
    devices: int = 0
    counted: bool = True

    def to_dict(self) -> dict[str, int | bool]:
        """JSON form."""
        return {
            "scans": self.scans,
            "devices": self.devices,
            "window_days": WINDOW_DAYS,
            "places": self.places,
            "units": self.units,
            "anomalous": self.anomalous,
            "counted": self.counted,
            "threshold_devices": DEVICES_PER_UNIT * max(self.units, 1),
            "threshold_places": max(self.units, 1) + PLACE_SLACK,
        }


class ScanRecorder:
    """Counts a scan against the stored totals and queues it for a write after the response.

    One per app (per worker process). Thread-safe: sync routes run on a thread pool.
    """

    def __init__(self, store: ScanStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._queue: list[Scan] = []
        self._writing = False
        self._salt: tuple[str, bytes] | None = None
        self.dropped = 0

    def _salt_for(self, now: datetime) -> bytes:
        period = now.strftime("%Y-%m")
        cached = self._salt
        if cached is not None and cached[0] == period:
            return cached[1]
        salt = self.store.salt(period, format_ts(now))
        self._salt = (period, salt)
        return salt

    def place(self, client: str | None) -> str:
        """The stored place of a client now (this month's salt)."""
        return place_of(self._salt_for(datetime.now(UTC)), client)

    def device(self, client: str | None, user_agent: str) -> str:
        """The stored device of a client now (this month's salt)."""
        return device_of(self._salt_for(datetime.now(UTC)), client, user_agent)

    @staticmethod
    def window_start(now: datetime | None = None) -> str:
        """The earliest ``last_at`` a device may have to count (``WINDOW_DAYS`` ago)."""
        return format_ts((now or datetime.now(UTC)) - timedelta(days=WINDOW_DAYS))

    def count(
        self,
        label_seq: int,
        serial: str | None,
        units: int,
        place: str,
        device: str,
        stored: ScanTotals | None = None,
        *,
        record: bool = True,
    ) -> tuple[ScanReport, bool]:
        """Count this scan on top of the stored totals (read now unless given) and queue it;
        with ``record`` false (a prefetch or a bot), only report the stored totals.

        Returns:
            The report and whether the caller must schedule :meth:`write_queued` after its
            response (a scan was queued and no writer is running yet).
        """
        key = serial or ""
        if stored is None:
            stored = self.store.totals(label_seq, key, place, device, self.window_start())
        if not record:
            report = ScanReport(
                stored.scans,
                stored.places,
                units,
                is_anomalous(stored.devices, stored.places, units),
                stored.devices,
                counted=False,
            )
            return report, False
        scans = stored.scans + 1
        places = stored.places + (0 if stored.place_seen else 1)
        devices = stored.devices + (0 if stored.device_seen else 1)
        report = ScanReport(scans, places, units, is_anomalous(devices, places, units), devices)
        with self._lock:
            if len(self._queue) >= MAX_QUEUED:
                self.dropped += 1
                logger.warning("scan queue full: dropped a scan of label %s", label_seq)
                return report, False
            self._queue.append(Scan(label_seq, key, format_ts(datetime.now(UTC)), place, device))
            start = not self._writing
            self._writing = True
        return report, start

    def write_queued(self) -> int:
        """Write everything queued, batch after batch, until the queue is empty; the number
        of scans written. Run by exactly one caller at a time (the one :meth:`count` told)."""
        written = 0
        while True:
            with self._lock:
                batch, self._queue = self._queue, []
                if not batch:
                    self._writing = False
                    return written
            try:
                self.store.record(batch)
                written += len(batch)
            except Exception:
                # Scans are operational data: losing a batch must not take the resolver down
                # or loop forever on a dead database. Drop it, say so, and stop this writer.
                with self._lock:
                    self.dropped += len(batch)
                    self._writing = False
                logger.exception("could not write %d label scans; dropped", len(batch))
                return written

    @property
    def queued(self) -> int:
        """Scans waiting to be written."""
        with self._lock:
            return len(self._queue)
