"""Programme indicators of a live ledger, at its latest signed checkpoint, and their report.

The figures are counted by ``verifiers.indicators`` over the live projections, read only when
the latest checkpoint covers exactly the ledger's head (so they are the figures of that
checkpoint's tree, which a donor replays from the report). If the log grew past it, this
process signs a new checkpoint when it holds the operator key, and refuses otherwise.

People figures come from the off-ledger personal data: only records whose producer consented
to statistics (``consent_to_statistics``) and whose ledger entry still commits to them
(``pii_hash``) are counted, and only in aggregate with small cells suppressed. A donor cannot
recount them, so the report carries them attested by the operator key
(``verifiers.indicators.attestation``); without that key here, a report with people figures
is refused rather than written unsigned.

Left out: the counting and the report format (``verifiers.indicators``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import takewhile

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.services.ledger import LedgerService
from api.services.supply import committed_on_ledger
from ledger.entries import Entry
from ledger.errors import CheckpointError
from ledger.storage.base import StoredCheckpoint
from ledger.storage.sql.personal import PersonalDataStore
from ledger.storage.sql.store import SqlState
from ledger.supply.producers import PRODUCER_KIND
from verifiers.indicators import Person, RawFigures, ReportHeader, compute_figures, publish
from verifiers.indicators.attestation import attest_people
from verifiers.indicators.report import report_lines

__all__ = ["Indicators", "compute_indicators", "consented_people", "report_bytes"]

_ATTEMPTS = 5
"""Reads retried while appends keep moving the head past the checkpoint."""


@dataclass(frozen=True)
class Indicators:
    """The published figures of one checkpoint, and its raw counts (never shown as such)."""

    header: ReportHeader
    raw: RawFigures


def consented_people(service: LedgerService) -> dict[str, Person]:
    """Statistical attributes of every producer who consented, as the ledger committed them."""
    records = PersonalDataStore(service.engine).scan()
    consenting = [r for r in records if r.data.get("consent_to_statistics") is True]
    with service.store.reading() as cursor:
        producers = SqlState(cursor).get_many(PRODUCER_KIND, [r.producer_id for r in consenting])
    people: dict[str, Person] = {}
    for record in consenting:
        if committed_on_ledger(producers.get(record.producer_id), record):
            gender, born = record.data.get("gender"), record.data.get("birth_year")
            speaks = record.data.get("indigenous_language_speaker")
            people[record.producer_id] = Person(
                gender if isinstance(gender, str) else None,
                born if isinstance(born, int) else None,
                speaks if isinstance(speaks, bool) else None,
            )
    return people


def _covering(service: LedgerService) -> StoredCheckpoint:
    """The latest checkpoint when it covers the head; a new one if this process may sign.

    Raises:
        CheckpointError: the log grew past its latest checkpoint and no operator key is here.
    """
    latest = service.store.latest_checkpoint()
    size = service.head().size
    if latest is not None and latest.tree_size == size:
        return latest
    if service.checkpointer is None:
        have = f"the latest covers {latest.tree_size}" if latest else "none was issued"
        raise CheckpointError(
            f"no signed checkpoint covers the ledger's {size} entries ({have}); the log "
            "operator signs one within seconds of an append (or run `biotraza checkpoint`)"
        )
    return service.issue_checkpoint()


def compute_indicators(
    service: LedgerService,
    *,
    as_of: date | None = None,
    with_people: bool = True,
    attest_with: Ed25519PrivateKey | None = None,
) -> Indicators:
    """The figures at the checkpoint that covers the ledger now.

    Args:
        service: the ledger.
        as_of: the report date; by default the day of the checkpoint's last entry.
        with_people: count women, youth and Indigenous-language speakers from the consented
            off-ledger data.
        attest_with: the operator key that attests the people figures; by default the
            service's own, if it holds one (else the figures carry no attestation and
            :func:`report_bytes` will not write them).

    Raises:
        CheckpointError: no checkpoint covers the head and none can be signed here, or the
            ledger kept growing while being read.
    """
    people = consented_people(service) if with_people else None
    for _attempt in range(_ATTEMPTS):
        checkpoint = _covering(service)
        size = checkpoint.tree_size
        day = as_of or _last_day(service, size)
        with service.store.reading() as cursor:
            raw = compute_figures(SqlState(cursor), day, people)
        if service.head().size == size:  # nothing was appended while the state was read
            info = service.log_info()
            figures = publish(raw, has_people=people is not None)
            key = attest_with or service.operator_key
            attestation = None
            if people is not None and key is not None:
                attestation = attest_people(key, info.origin, size, day.isoformat(), figures)
            header = ReportHeader(
                origin=info.origin,
                operator_key_id=info.operator_key_id,
                tree_size=size,
                checkpoint=checkpoint.note,
                as_of=day.isoformat(),
                figures=figures,
                people_attestation=attestation,
            )
            return Indicators(header, raw)
    raise CheckpointError("the ledger kept growing while its figures were read; try again")


def _last_day(service: LedgerService, size: int) -> date:
    entry: Entry = service.entry(size - 1)
    stamp = entry.log_time or entry.statement.ts
    return date.fromisoformat(stamp[:10])


def report_bytes(service: LedgerService, indicators: Indicators) -> Iterator[bytes]:
    """The report file: the header, then every entry of the checkpoint's tree.

    Raises:
        ValueError: people figures without the operator's attestation (no key held here).
    """
    header = indicators.header
    if header.people_attestation is None and any("people" in r for r in header.figures["cells"]):
        raise ValueError(
            "people: women, youth and Indigenous-language figures are attested with the "
            "operator key, which is not available here; use the operator key or --no-people"
        )
    size = indicators.header.tree_size
    leaves = takewhile(lambda row: row.seq < size, service.store.stored_leaves())
    return report_lines(indicators.header, leaves)
