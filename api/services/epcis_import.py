"""Plan an EPCIS import before recording anything: limits, what would be recorded, what not.

``biotraza epcis import`` streams the partner's file (``verifiers.epcis.stream``) and classifies
every event before the first entry is appended, so a file that would be refused in part is
refused whole, and ``--dry-run`` prints the same plan without writing. The plan counts the
events that would be recorded by event type and by the ledger lot they name, and the refused
ones by reason (schema errors, events that name no lot of the ledger unless unrelated events
are allowed, events captured before, events repeated in the file), with the first few indexes.

Limits (``Settings.epcis_max_events``, ``epcis_max_bytes``): a file over the byte limit is
refused before it is read; the event limit stops the stream at the first event over it.
Memory stays bounded: one event at a time, counters, and the set of event hashes (at most
``max_events`` of them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from verifiers.epcis.event_hash import document_event_hashes, document_events
from verifiers.epcis.relation import LotIndex
from verifiers.epcis.stream import CheckedEvent, header_errors

__all__ = ["ImportLimitError", "ImportPlan", "checked_document", "plan_import"]

EXAMPLES = 10
"""Indexes listed per refusal reason."""

UNRELATED = "names no lot of this ledger"
SCHEMA = "does not match the EPCIS 2.0.1 schema"


class ImportLimitError(ValueError):
    """The file is over a configured limit (bytes or events)."""


@dataclass
class ImportPlan:
    """What an import would record and refuse."""

    events: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    by_lot: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[int]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    unrelated_recorded: int = 0

    @property
    def refused_count(self) -> int:
        return sum(self.refused.values())

    @property
    def recorded(self) -> int:
        return self.events - self.refused_count

    def refuse(self, index: int, reason: str) -> None:
        self.refused[reason] += 1
        listed = self.examples.setdefault(reason, [])
        if len(listed) < EXAMPLES:
            listed.append(index)

    def lines(self) -> list[str]:
        """The plan as text, one fact per line."""
        out = [f"{self.events} events read; {self.recorded} would be recorded"]
        for event_type, count in sorted(self.by_type.items()):
            out.append(f"  {event_type}: {count}")
        for lot_id, count in sorted(self.by_lot.items()):
            out.append(f"  lot {lot_id}: {count} events")
        if self.unrelated_recorded:
            out.append(f"  naming no lot of this ledger (allowed): {self.unrelated_recorded}")
        if self.refused:
            out.append(f"{self.refused_count} would be refused")
            for reason, count in sorted(self.refused.items()):
                shown = ", ".join(str(i) for i in self.examples.get(reason, []))
                more = ", …" if count > len(self.examples.get(reason, [])) else ""
                out.append(f"  {reason}: {count} (events {shown}{more})")
        return out

    def as_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data."""
        return {
            "events": self.events,
            "recorded": self.recorded,
            "by_type": dict(sorted(self.by_type.items())),
            "by_lot": dict(sorted(self.by_lot.items())),
            "unrelated_recorded": self.unrelated_recorded,
            "refused": {
                reason: {"count": count, "events": self.examples.get(reason, [])}
                for reason, count in sorted(self.refused.items())
            },
        }


def plan_import(
    checked_events: Iterable[CheckedEvent],
    header: dict[str, Any],
    *,
    max_events: int,
    lots: LotIndex | None,
    captured_in: Callable[[str], str | None],
    allow_unrelated: bool,
) -> ImportPlan:
    """Classify every event of a document as it streams.

    Args:
        checked_events: The events, validated and hashed (``verifiers.epcis.stream.
            check_events`` for a file, :func:`checked_document` for a parsed document).
        header: The document without its events (for the header's own schema errors).
        max_events: The event limit.
        lots: The ledger's lots, or ``None`` when the ledger is remote (the server checks).
        captured_in: The capture that already holds an event hash, if any.
        allow_unrelated: Record events that name no lot of the ledger.

    Raises:
        ImportLimitError: more events than ``max_events``.
    """
    plan = ImportPlan()
    seen: dict[str, int] = {}
    for checked in checked_events:
        if checked.index >= max_events:
            raise ImportLimitError(
                f"the document has more than {max_events} events "
                "(limit: BIOTRAZA_EPCIS_MAX_EVENTS or --max-events)"
            )
        plan.events += 1
        if checked.errors or checked.event_hash is None:
            plan.errors.extend(checked.errors[: max(0, 50 - len(plan.errors))])
            plan.refuse(checked.index, SCHEMA)
            continue
        digest = checked.event_hash
        if digest in seen:
            plan.refuse(checked.index, "repeats an earlier event of this document")
            continue
        seen[digest] = checked.index
        earlier = captured_in(digest)
        if earlier is not None:
            plan.refuse(checked.index, f"was captured in {earlier}")
            continue
        named = lots.lots_of(checked.event) if lots is not None else []
        if lots is not None and not named:
            if not allow_unrelated:
                plan.refuse(checked.index, UNRELATED)
                continue
            plan.unrelated_recorded += 1
        plan.by_type[str(checked.event.get("type"))] += 1
        for lot_id in named:
            plan.by_lot[lot_id] += 1
    if plan.events == 0:
        plan.errors = header_errors(header) or [("epcisBody.eventList", "no events")]
    return plan


def checked_document(document: dict[str, Any]) -> Iterator[CheckedEvent]:
    """The events of a parsed document that already passed the schema check, with hashes."""
    for index, (event, digest) in enumerate(
        zip(document_events(document), document_event_hashes(document), strict=True)
    ):
        yield CheckedEvent(index, event, digest)
