"""``eudr.dds_recorded``: the EU Information System's numbers for a lot's due diligence statement.

When an operator submits a DDS for a coffee or cacao lot, the EU system answers with a DDS
identifier (UUID) and, once it has processed the statement, a reference number and a
verification number — what customs and downstream operators ask for. Recording them as
signed entries puts them on the lot for good: trail bundles, EPCIS exports and the buyer's page
carry them, and a downstream trader's own statement can name them (``groupedDeclarations``).

Each entry records one state of one statement (keyed by its UUID); a later entry for the same
UUID (numbers after a poll, ``WITHDRAWN`` after a withdrawal, ``AVAILABLE`` after an
amendment) replaces the projection's document, and every step stays on the ledger. The
document keeps ``submitted_at``, the log time of the first record, from which the 72-hour
amendment and withdrawal window is counted.

Rules: the lot exists, is an EUDR commodity (not honey), and the signer's organization holds
it or created it; a statement stays on the lot it was first recorded for; reference and
verification numbers, once known, do not change. No personal data: the entry holds numbers,
a status and the SHA-256 of the request that was sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import Field

from ledger.registry import AppendContext, EntryType
from ledger.state import State
from ledger.supply.common import Body, Id, acting_org, require, rule
from ledger.supply.eudr import is_eudr_product
from ledger.supply.lots import LOT_KIND

__all__ = [
    "DDS_KIND",
    "DDS_OF",
    "DdsRecordedBody",
    "dds_entry_types",
    "dds_trail_seqs",
    "recorded_statements",
]

DDS_KIND = "eudr_dds"
DDS_OF = "eudr_dds_of"
"""Link kind: lot id → DDS identifier."""

DdsStatus = Literal[
    "SUBMITTED",
    "AVAILABLE",
    "REJECTED",
    "WITHDRAWN",
    "ARCHIVED",
    "SUSPENDED",
    "UPDATED",
    "GROUPED",
    "OBSOLETE",
]
"""``eudrCommon:EudrStatusType`` of the V3 schema."""


class DdsRecordedBody(Body):
    """``eudr.dds_recorded``: a DDS identifier and its numbers, on a lot."""

    lot_id: Id
    dds_uuid: str = Field(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )
    internal_reference: str = Field(min_length=1, max_length=50)
    status: DdsStatus
    reference_number: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{1,14}$")
    verification_number: str | None = Field(default=None, min_length=5, max_length=35)
    request_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    plots: int = Field(ge=0, le=1_000_000)
    environment: Literal["production", "acceptance", "test"] = "production"


def _reads(body: DdsRecordedBody) -> list[tuple[str, str]]:
    return [(LOT_KIND, body.lot_id), (DDS_KIND, body.dds_uuid)]


def _apply(ctx: AppendContext, body: DdsRecordedBody) -> None:
    org_id = acting_org(ctx)
    lot = require(ctx.state.get(LOT_KIND, body.lot_id), f"unknown lot {body.lot_id}", "lot_id")
    rule(
        is_eudr_product(str(lot["product"])),
        f"lot {body.lot_id} is {lot['product']}, not an EUDR commodity: it needs no due "
        "diligence statement",
        "lot_id",
    )
    rule(
        org_id in (lot.get("custodian"), lot.get("org_id")),
        f"lot {body.lot_id} is held by {lot.get('custodian')}, not {org_id}",
        "lot_id",
    )
    known = ctx.state.get(DDS_KIND, body.dds_uuid)
    if known is not None:
        rule(
            known["lot_id"] == body.lot_id,
            f"statement {body.dds_uuid} is recorded for lot {known['lot_id']}",
            "dds_uuid",
        )
        for name in ("reference_number", "verification_number"):
            before = known.get(name)
            rule(
                before is None or getattr(body, name) in (None, before),
                f"statement {body.dds_uuid} already has {name} {before}",
                name,
            )
    doc = body.model_dump()
    for name in ("reference_number", "verification_number"):
        if doc[name] is None and known is not None:
            doc[name] = known.get(name)
    first = known.get("submitted_at") if known is not None else None
    before_seqs = list(known.get("recorded_seqs", [])) if known is not None else []
    doc.update(
        recorded_seqs=[*before_seqs, ctx.seq],
        org_id=org_id,
        recorded_seq=ctx.seq,
        recorded_at=ctx.judged_at,
        submitted_at=first or ctx.judged_at,
    )
    ctx.state.put(DDS_KIND, body.dds_uuid, doc, ctx.seq)
    if known is None:
        ctx.state.link(DDS_OF, body.lot_id, body.dds_uuid, ctx.seq)


def recorded_statements(state: State, lot_ids: list[str]) -> list[dict[str, Any]]:
    """The latest recorded state of every statement on the given lots, by lot then reference."""
    links = state.links_from(DDS_OF, lot_ids)
    docs = state.get_many(DDS_KIND, sorted({uuid for _lot, uuid in links}))
    return sorted(docs.values(), key=lambda d: (d["lot_id"], d["internal_reference"]))


def dds_trail_seqs(state: State, lots: Sequence[str]) -> Iterable[int]:
    """Every ``eudr.dds_recorded`` entry about the given lots: what a trail carries of them
    (a scope extension, so the offline auditor re-derives the same set)."""
    seqs: set[int] = set()
    for doc in recorded_statements(state, list(lots)):
        seqs.update(int(s) for s in doc.get("recorded_seqs", [doc["recorded_seq"]]))
    return seqs


def dds_entry_types() -> list[EntryType]:
    """The EUDR statement entry type."""
    return [
        EntryType(
            name="eudr.dds_recorded",
            body_model=DdsRecordedBody,
            roles=frozenset({"association"}),
            apply=_apply,
            description=(
                "An operator records the EU Information System's identifier, reference and "
                "verification numbers of a lot's due diligence statement (EUDR)."
            ),
            reads=_reads,
        )
    ]
