"""Biolabels: issuances, QR symbols, printable labels, verification and the trust list.

Writes are signed statements sent to `POST /api/v1/entries` like everything else:
`label.issued` (by the label-issuer key), `label.revoked` and `label.resolvers`.
`POST /api/v1/labels/preview` answers before signing whether an issuance would be accepted:
the lot's eligibility with every reason (es/en) and the quantity still labelable.

QR symbols and printable labels are rendered only for labels that verify against the current
ledger, so this server never draws a forged or revoked label.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.http.body import StrictJsonRoute
from api.http.deps import ServiceDep
from api.http.responses import binary, error_responses
from api.http.schemas import MAX_SEQ
from api.services.label_office import labellable_lots
from api.services.labels import (
    issuance_preview,
    label_document,
    label_face,
    label_for,
    resolve_label,
    resolver_host,
    served_trust_list,
)
from api.services.ledger import LedgerService
from api.services.placeholders import PlaceholderNameError
from labels.issuance import LABEL_LOT_KIND
from labels.payload import LABEL_TEXT_PATTERN, parse_label
from labels.printing import STOCKS, label_html, label_pdf, label_svg
from labels.render import make_qr
from labels.verify import LabelStatus, LabelVerdict
from ledger.errors import ConflictError, EntryNotFoundError

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["labels"], route_class=StrictJsonRoute)

IdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
LabelText = Annotated[
    str,
    Query(
        min_length=1,
        max_length=600,
        description="The label's QR text.",
        json_schema_extra={"pattern": LABEL_TEXT_PATTERN},
    ),
]
Ecc = Annotated[Literal["M", "Q"], Query(description="QR error correction level.")]


_NOT_PRINTABLE = error_responses(
    400, 409, r400="Malformed label text; `fields` names the part.", r409="The label is not valid."
)


def _printable(service: LedgerService, text: str) -> LabelVerdict:
    parse_label(text)  # a malformed text is a bad request (400 naming the part), not a verdict
    return _verified(service, text)


def _verified(service: LedgerService, text: str) -> LabelVerdict:
    """The verdict of a label this server may draw; any other (malformed too) is a 409."""
    verdict = resolve_label(service, text)
    if verdict.status not in (LabelStatus.VALID, LabelStatus.VALID_UNTRUSTED_HOST):
        raise ConflictError(f"label is {verdict.status.value}: {verdict.message('en')}")
    return verdict


@router.get("/trustlist")
def get_trust_list(service: ServiceDep) -> Response:
    """The current trust list for offline verifiers (JCS JSON).

    Signed by the log operator's key, with the root-signed genesis statement that names that
    key as `signature.delegation`; verifiers pin the root keys. Unsigned (`signature: null`)
    when this server holds no operator key.
    """
    return Response(served_trust_list(service).to_bytes(), media_type="application/json")


@router.get("/lots/{lot_id}/labels", responses=error_responses(404))
def get_lot_labels(service: ServiceDep, lot_id: IdPath) -> dict[str, Any]:
    """Every label issuance of a lot and the quantity labelled so far."""
    tally = service.store.state_get(LABEL_LOT_KIND, lot_id)
    if service.store.state_get("lot", lot_id) is None:
        raise EntryNotFoundError(f"no lot {lot_id!r}")
    seqs = [] if tally is None else [int(s) for s in tally["issuances"]]
    found = [label_for(service, seq) for seq in seqs]
    return {
        "lot_id": lot_id,
        "labelled_g": 0 if tally is None else tally["labelled_g"],
        "units": 0 if tally is None else tally["units"],
        "revoked_seq": None if tally is None else tally["revoked_seq"],
        "data": found,
        "count": len(found),
    }


class PreviewRequest(BaseModel):
    """A planned issuance: which lot, how many units, how heavy each."""

    model_config = ConfigDict(extra="forbid")

    lot_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    units: int = Field(ge=1, le=10_000_000)
    unit_g: int | None = Field(default=None, ge=1, le=50_000_000)


@router.post("/labels/preview", responses=error_responses(404))
def post_preview(service: ServiceDep, request: PreviewRequest) -> dict[str, Any]:
    """Would this issuance be accepted? Eligibility with every reason (es/en), the quantity
    still labelable, and `can_issue`. Records nothing."""
    return issuance_preview(service, request.lot_id, request.units, unit_g=request.unit_g)


class VerifyRequest(BaseModel):
    """A label's QR text."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)


@router.post("/labels/verify")
def post_verify(service: ServiceDep, request: VerifyRequest) -> dict[str, Any]:
    """Verify a label online: the verdict (es/en) and, for genuine or revoked labels, the
    product, association, landscape, harvest, certificates, practices and proof links."""
    return label_document(service, request.text)


@router.get(
    "/labels/qr.svg",
    response_class=Response,
    responses={200: binary("image/svg+xml", "The QR symbol."), **_NOT_PRINTABLE},
)
def get_qr_svg(
    service: ServiceDep,
    text: LabelText,
    ecc: Ecc = "Q",
    scale: Annotated[int, Query(ge=1, le=20)] = 4,
) -> Response:
    """The QR symbol of a valid label as SVG (mixed-mode segments)."""
    _printable(service, text)
    return Response(make_qr(text, error=ecc).svg(scale=scale), media_type="image/svg+xml")


@router.get(
    "/labels/qr.png",
    response_class=Response,
    responses={200: binary("image/png", "The QR symbol."), **_NOT_PRINTABLE},
)
def get_qr_png(
    service: ServiceDep,
    text: LabelText,
    ecc: Ecc = "Q",
    scale: Annotated[int, Query(ge=1, le=20)] = 4,
) -> Response:
    """The QR symbol of a valid label as PNG."""
    _printable(service, text)
    return Response(make_qr(text, error=ecc).png(scale=scale), media_type="image/png")


@router.get(
    "/labels/printable",
    response_class=Response,
    responses={
        200: {
            "description": "The label (SVG) or a sheet of labels (HTML, PDF).",
            "content": {
                "image/svg+xml": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **_NOT_PRINTABLE,
    },
)
def get_printable(
    service: ServiceDep,
    text: LabelText,
    format: Annotated[Literal["svg", "html", "pdf"], Query()] = "svg",  # noqa: A002 - API name
    copies: Annotated[int, Query(ge=1, le=500)] = 1,
    ecc: Ecc = "Q",
) -> Response:
    """A printable label (product, lot, seal, QR, short code; es/en) as SVG, or a print-ready
    sheet of `copies` labels as HTML or PDF."""
    verdict = _printable(service, text)
    assert verdict.issuance is not None  # noqa: S101 - a valid online verdict has its issuance
    face = label_face(service, verdict.issuance.lot_id)
    if format == "svg":
        return Response(label_svg(text, face, error=ecc), media_type="image/svg+xml")
    if format == "html":
        return Response(label_html([text] * copies, face, error=ecc), media_type="text/html")
    return Response(label_pdf([text] * copies, face, error=ecc), media_type="application/pdf")


@router.get("/labels/lots")
def get_labellable_lots(service: ServiceDep) -> dict[str, Any]:
    """Lots that carry a label lot number, for the label office: eligibility with every
    reason (es/en), quantity, consumed, labelled and still labellable grams, issuances; and
    `resolver_host`, where new labels point (null, with `resolver_problem`, while none usable
    is recorded)."""
    found = labellable_lots(service)
    try:
        host, problem = resolver_host(service), None
    except PlaceholderNameError as error:
        host, problem = None, str(error)
    return {"data": found, "count": len(found), "resolver_host": host, "resolver_problem": problem}


Stock = Literal["a4", "letter", "thermal"]
MAX_SHEET_LABELS = 500
"""Labels one PDF may hold (36 A4 pages; their texts fit the 128 KiB request limit): bounds
the work one request asks."""


class SheetRequest(BaseModel):
    """A print run: the signed label texts in print order (one per unit serial, or one label
    repeated once per copy)."""

    model_config = ConfigDict(extra="forbid")

    texts: list[
        Annotated[
            str,
            Field(min_length=1, max_length=600, json_schema_extra={"pattern": LABEL_TEXT_PATTERN}),
        ]
    ] = Field(min_length=1, max_length=MAX_SHEET_LABELS)
    stock: Stock = Field(default="a4", description="Label stock: " + ", ".join(STOCKS) + ".")
    ecc: Literal["M", "Q"] = "Q"


@router.post(
    "/labels/sheet",
    response_class=Response,
    responses={200: binary("application/pdf", "The print run as a PDF."), **_NOT_PRINTABLE},
)
def post_sheet(service: ServiceDep, request: SheetRequest) -> Response:
    """A print run as PDF on A4 or Letter sheets (2 × 7 labels) or a thermal roll (one label
    a page), drawn by the same renderer as `biotraza label sheet`. The labels are signed by
    the issuer (in the label office's browser); each must verify against the current ledger
    and all must belong to one lot (409 otherwise), so this server never draws a forged or
    revoked label. At most 500 labels a request (the office splits longer runs)."""
    verdicts = [_verified(service, text) for text in dict.fromkeys(request.texts)]
    lots = {v.issuance.lot_id for v in verdicts if v.issuance is not None}
    if len(lots) != 1:
        raise ConflictError("texts: labels of one lot only")
    face = label_face(service, lots.pop())
    return Response(
        label_pdf(request.texts, face, error=request.ecc, stock=request.stock),
        media_type="application/pdf",
    )


@router.get("/labels/{seq:int}", responses=error_responses(404))
def get_label(service: ServiceDep, seq: Annotated[int, Path(ge=1, le=MAX_SEQ)]) -> dict[str, Any]:
    """The label issuance recorded at `seq`: lot, units, GTIN, issuer key, day and status
    (revoked from which seq and why, including lots that stopped being eligible)."""
    return label_for(service, seq)
