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

With ``evidence="state"`` the report's evidence is a state commitment instead of every entry
(``verifiers.indicators.state_evidence``): this process signs a ``state.committed`` entry
with the operator key at the head, a checkpoint covering it, and writes the committed
documents the figures read.

Left out: the counting and the report format (``verifiers.indicators``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import takewhile

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.services.eligibility_workers import SharedJudge, shareable_url
from api.services.ledger import LedgerService
from api.services.supply import committed_on_ledger
from ledger.chain import signature_workers
from ledger.entries import Entry
from ledger.errors import CheckpointError, DomainRuleError
from ledger.state_commitment import (
    STATE_COMMITTED_TYPE,
    remembered_commitment,
    reusing,
    state_leaves,
)
from ledger.statements import sign_statement
from ledger.storage.base import StoredCheckpoint
from ledger.storage.sql.personal import PersonalDataStore
from ledger.storage.sql.store import SqlState
from ledger.supply.producers import PRODUCER_KIND
from verifiers.indicators import Person, RawFigures, ReportHeader, compute_figures, publish
from verifiers.indicators.attestation import attest_people
from verifiers.indicators.report import REPORT_VERSION, STATE_REPORT_VERSION, report_lines
from verifiers.indicators.state_evidence import STATE_KINDS, STATE_LINK_KINDS

__all__ = [
    "Indicators",
    "commit_state",
    "compute_indicators",
    "consented_people",
    "report_bytes",
]

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


def commit_state(service: LedgerService) -> Entry:
    """Append a ``state.committed`` entry for the kinds the figures read, signed by the
    operator key, at the head (retried while other appends move the state under it).

    Raises:
        CheckpointError: this process holds no operator key, or the state kept changing.
    """
    key = service.operator_key
    if key is None:
        raise CheckpointError(
            "the state evidence is a state.committed entry signed by the operator key, which "
            "this process does not hold (load it, or use the entries evidence)"
        )
    for _attempt in range(_ATTEMPTS):
        with service.store.reading() as cursor:
            body, known = remembered_commitment(SqlState(cursor), STATE_KINDS, STATE_LINK_KINDS)
        try:
            # The admission recomputes the root inside the append (the writer lock): with
            # the hashes of the documents no entry has rewritten since, it reads only keys
            # and seqs for those (ledger.state_commitment.reusing).
            with reusing(known):
                signed = sign_statement(key, STATE_COMMITTED_TYPE, body)
                return service.submit(signed).entry
        except DomainRuleError:
            continue  # an append changed the state between the read and the admission
    raise CheckpointError("the ledger kept changing while its state was committed; try again")


def compute_indicators(
    service: LedgerService,
    *,
    as_of: date | None = None,
    with_people: bool = True,
    attest_with: Ed25519PrivateKey | None = None,
    evidence: str = "entries",
    workers: int | None = None,
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
        evidence: ``"entries"`` (the report carries every entry; the donor replays them) or
            ``"state"`` (a state commitment appended now, its inclusion proof and the
            committed documents; needs the operator key in ``service``).
        workers: processes judging eligibility beside this one
            (``api.services.eligibility_workers``); by default one per extra core once the
            ledger is large enough to repay starting them (``ledger.chain.signature_workers``).

    Raises:
        CheckpointError: no checkpoint covers the head and none can be signed here, or the
            ledger kept growing while being read.
        ValueError: an unknown ``evidence``.
    """
    if evidence not in ("entries", "state"):
        raise ValueError(f"evidence: {evidence!r}, expected 'entries' or 'state'")
    people = consented_people(service) if with_people else None
    for _attempt in range(_ATTEMPTS):
        state_entry = None
        if evidence == "state":
            committed = commit_state(service)
            checkpoint = service.issue_checkpoint()
            if checkpoint.tree_size != committed.seq + 1:
                continue  # another entry landed after the commitment: commit again
            proof = service.inclusion(committed.seq, checkpoint.tree_size)
            state_entry = {
                "seq": committed.seq,
                "leaf": committed.leaf_bytes.decode("utf-8"),
                "inclusion": proof.hashes,
            }
        else:
            checkpoint = _covering(service)
        size = checkpoint.tree_size
        day = as_of or _last_day(service, size)
        judge = SharedJudge(
            shareable_url(service.engine),
            signature_workers(size) if workers is None else workers,
        )
        with service.store.reading() as cursor:
            raw = compute_figures(SqlState(cursor), day, people, judge)
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
                version=REPORT_VERSION if state_entry is None else STATE_REPORT_VERSION,
                state_entry=state_entry,
            )
            return Indicators(header, raw)
    raise CheckpointError("the ledger kept growing while its figures were read; try again")


def _last_day(service: LedgerService, size: int) -> date:
    entry: Entry = service.entry(size - 1)
    stamp = entry.log_time or entry.statement.ts
    return date.fromisoformat(stamp[:10])


def report_bytes(
    service: LedgerService,
    indicators: Indicators,
    *,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The report file: the header, then every entry of the checkpoint's tree (or, for a
    state report, every committed document and link; ``progress`` is told how many).

    Raises:
        ValueError: people figures without the operator's attestation (no key held here).
    """
    header = indicators.header
    if header.people_attestation is None and any("people" in r for r in header.figures["cells"]):
        raise ValueError(
            "people: women, youth and Indigenous-language figures are attested with the "
            "operator key, which is not available here; use the operator key or --no-people"
        )
    if header.state_entry is not None:
        return _state_lines(service, header, progress)
    size = indicators.header.tree_size
    leaves = takewhile(lambda row: row.seq < size, service.store.stored_leaves())
    return report_lines(indicators.header, leaves)


def _state_lines(
    service: LedgerService, header: ReportHeader, progress: Callable[[int], None] | None
) -> Iterator[bytes]:
    """The header, then each committed leaf's exact bytes on its own line (RFC 8785 output
    holds no raw newline). The documents are read live: the head must still be the
    checkpoint's, where only the commitment entry follows the committed state.

    Raises:
        CheckpointError: the ledger grew while the report was written.
    """
    leaf = (header.state_entry or {})["leaf"]
    body = Entry.from_leaf_bytes(leaf.encode("utf-8")).statement.body
    yield header.to_line()
    with service.store.reading() as cursor:
        leaves = state_leaves(SqlState(cursor), body["kinds"], body["link_kinds"])
        for done, (_tag, _kind, leaf) in enumerate(leaves, start=1):
            yield leaf + b"\n"
            if progress is not None and done % 1000 == 0:
                progress(done)
    if service.head().size != header.tree_size:
        raise CheckpointError("the ledger grew while the report was written; compute it again")
