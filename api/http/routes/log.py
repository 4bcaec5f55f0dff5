"""The transparency log: signed checkpoints and Merkle proofs anyone can check offline.

Proof hashes are lowercase hex, bottom-up (RFC 9162 order). Check them against a checkpoint
signed by the operator key that genesis names (see `GET /api/v1/log`), never against a root
taken from the proof itself.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from api.http.body import StrictJsonRoute
from api.http.deps import ServiceDep
from api.http.responses import error_responses
from api.http.schemas import MAX_SEQ
from ledger.encoding import hex_decode
from ledger.errors import ProofError
from ledger.transparency import ConsistencyProofDocument, InclusionProofDocument

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["transparency log"], route_class=StrictJsonRoute)


@router.get("/log")
def log_info(service: ServiceDep) -> dict[str, Any]:
    """The log's origin, its operator key (C2SP verifier key string) and its size."""
    info = service.log_info()
    head = service.head()
    return {
        "origin": info.origin,
        "operator_key_id": info.operator_key_id,
        "verifier_key": info.verifier_key,
        "size": head.size,
        "head_hash": head.last_hash.hex(),
    }


@router.get(
    "/checkpoint",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {}}, "description": "A C2SP signed note."},
        **error_responses(404, r404="No checkpoint issued yet."),
    },
)
def get_checkpoint(service: ServiceDep) -> PlainTextResponse:
    """The latest signed checkpoint as a C2SP signed note (origin, tree size, base64 root,
    signature). Reading it signs nothing: the operator signs on growth and on a schedule."""
    return PlainTextResponse(service.latest_checkpoint().note)


@router.get("/checkpoints")
def list_checkpoints(service: ServiceDep) -> dict[str, Any]:
    """Every checkpoint the log issued, so older tree sizes can be proved consistent."""
    kept = service.store.checkpoints()
    return {
        "data": [
            {
                "tree_size": c.tree_size,
                "root_hash": c.root_hash.hex(),
                "issued_at": c.issued_at,
                "note": c.note,
            }
            for c in kept
        ],
        "count": len(kept),
    }


@router.get(
    "/proofs/inclusion",
    response_model=InclusionProofDocument,
    responses=error_responses(
        400,
        404,
        r400="Not exactly one of `seq` and `entry_hash`, or `seq`/`tree_size` outside the log.",
        r404="No entry with that hash.",
    ),
)
def get_inclusion_proof(
    service: ServiceDep,
    seq: Annotated[
        int | None, Query(ge=0, le=MAX_SEQ, description="Entry sequence number.")
    ] = None,
    entry_hash: Annotated[
        str | None, Query(description="Entry hash (64 lowercase hex), instead of seq.")
    ] = None,
    tree_size: Annotated[
        int | None, Query(ge=1, le=MAX_SEQ, description="Tree size; defaults to the current size.")
    ] = None,
) -> InclusionProofDocument:
    """Inclusion proof of one entry (by `seq` or by `entry_hash`) in the tree of `tree_size`."""
    if (seq is None) == (entry_hash is None):
        raise ProofError("give exactly one of seq or entry_hash")
    if entry_hash is not None:
        try:
            wanted = hex_decode(entry_hash, 32)
        except ValueError as exc:
            raise ProofError(f"entry_hash: {exc}") from exc
        seq = service.entry_by_hash(wanted).seq
    assert seq is not None  # noqa: S101 - one of the two was given
    return service.inclusion(seq, tree_size)


MAX_PROOFS = 1000
"""Proofs in one request: a batch upload's worth (``BIOTRAZA_MAX_BATCH_STATEMENTS``)."""


class InclusionProofsRequest(BaseModel):
    """Which entries to prove, and in the tree of which size.

    Strict: ``false`` is not entry 0 (pydantic's lax mode would read it so).
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    tree_size: int = Field(ge=1, le=MAX_SEQ, description="The checkpoint's tree size.")
    seqs: list[Annotated[int, Field(ge=0, le=MAX_SEQ)]] = Field(
        min_length=1, max_length=MAX_PROOFS, description="Entry sequence numbers."
    )


class InclusionProofsPublic(BaseModel):
    """One inclusion proof per requested seq, in request order."""

    proofs: list[InclusionProofDocument]


@router.post(
    "/proofs/inclusion",
    response_model=InclusionProofsPublic,
    responses=error_responses(
        400, 422, r400="A seq or `tree_size` outside the log.", r422="Malformed body."
    ),
)
def post_inclusion_proofs(
    service: ServiceDep, body: InclusionProofsRequest
) -> InclusionProofsPublic:
    """Inclusion proofs of up to 1,000 entries in one tree, in request order: what a field
    phone fetches to prove a whole sync against one checkpoint (one request, not 1,000)."""
    return InclusionProofsPublic(proofs=service.inclusions(body.seqs, body.tree_size))


@router.get(
    "/proofs/consistency",
    response_model=ConsistencyProofDocument,
    responses=error_responses(400, r400="`first` or `second` outside the log, or first > second."),
)
def get_consistency_proof(
    service: ServiceDep,
    first: Annotated[int, Query(ge=1, le=MAX_SEQ, description="The smaller tree size.")],
    second: Annotated[
        int | None,
        Query(ge=1, le=MAX_SEQ, description="The larger tree size; defaults to the current size."),
    ] = None,
) -> ConsistencyProofDocument:
    """Proof that the tree of size `first` is a prefix of the tree of size `second`."""
    return service.consistency(first, second)
