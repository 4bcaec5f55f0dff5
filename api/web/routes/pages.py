"""Human pages: the index of lots in stock and one page per lot (HTML, Spanish or English).

`GET /` lists the lots still in stock, packed lots first, each with whether it may carry the
seal. `GET /lots/{lot_id}` shows the lot's facts, its eligibility with every reason, the
verifications and practices behind it, where it came from (a picture when the SVG exporter
is installed, a list otherwise), the inclusion proof of the entry that created it and links
to the auditor exports. Both answer JSON instead when the client prefers
`application/json`. Language: `?lang=es|en`, else `Accept-Language`, else Spanish.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.exports.registry import FORMATS
from api.http.deps import ServiceDep
from api.http.responses import page_or_json
from api.i18n import term, translate
from api.services.indicators import Indicators, compute_indicators
from api.web.lot_view import lot_index
from api.web.negotiation import request_language, wants_json
from api.web.programme_view import programme_view
from api.web.state import WebStateDep
from api.web.templating import lot_not_found, page, request_switch_url
from ledger.errors import CheckpointError, EntryNotFoundError

__all__ = ["router"]

router = APIRouter(tags=["pages"])

LangQuery = Annotated[
    str | None, Query(max_length=8, description="Page language: es or en (default: negotiated).")
]


def proof_url(seq: int) -> str:
    """The inclusion proof of entry ``seq`` in the current tree."""
    return f"/api/v1/proofs/inclusion?seq={seq}"


def _exports(lot_id: str, lang: str) -> list[dict[str, str]]:
    found = []
    for name in sorted(FORMATS):
        title = term(lang, "export", name)
        found.append(
            {
                "name": name,
                "url": f"/api/v1/lots/{lot_id}/trail?format={name}",
                "title": FORMATS[name].description if title == name else title,
            }
        )
    return found


@router.get(
    "/",
    response_class=HTMLResponse,
    responses={200: page_or_json("The lots in stock")},
)
def index_page(
    request: Request, service: ServiceDep, web: WebStateDep, lang: LangQuery = None
) -> Response:
    """The lots still in stock, packed lots first, with their eligibility (HTML or JSON)."""
    size = service.head().size
    rows = web.pages.get(size, ("index",), lambda: lot_index(service))
    if wants_json(request.headers.get("accept")):
        return JSONResponse({"data": rows, "count": len(rows), "tree_size": size})
    chosen = request_language(request, lang)
    return page(
        "index.html",
        chosen,
        packed=[row for row in rows if row["lot"].get("package")],
        others=[row for row in rows if not row["lot"].get("package")],
        switch_url=request_switch_url(request, chosen),
        tree_size=size,
    )


def _report_date(value: str | None) -> date | None:
    """The report date of ``?as_of=``; a pattern-valid non-date (2026-02-30) is refused like
    every malformed parameter (400, naming it).

    Raises:
        RequestValidationError: not a calendar date.
    """
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        error = {"loc": ("query", "as_of"), "msg": f"{value!r} is not a calendar date",
                 "type": "value_error"}  # fmt: skip
        raise RequestValidationError([error]) from None


@router.get(
    "/programme",
    response_class=HTMLResponse,
    responses={
        200: page_or_json("The programme indicators by landscape"),
        404: {
            "description": "No signed checkpoint covers the ledger yet: a page (HTML) or the "
            "error envelope (JSON).",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}},
            },
        },
    },
)
def programme_page(
    request: Request,
    service: ServiceDep,
    web: WebStateDep,
    lang: LangQuery = None,
    as_of: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            description="Report date YYYY-MM-DD (default: the day of the last entry).",
        ),
    ] = None,
) -> Response:
    """Programme indicators by landscape at the latest signed checkpoint, charts in SVG."""
    size = service.head().size
    as_json = wants_json(request.headers.get("accept"))
    chosen = request_language(request, lang)
    day = _report_date(as_of)
    try:
        found: Indicators = web.pages.get(
            size, ("programme", day), lambda: compute_indicators(service, as_of=day)
        )
    except CheckpointError:
        if as_json:
            raise
        message = translate(chosen, "programme.no_checkpoint")
        return page(
            "programme.html",
            chosen,
            status_code=404,
            message=message,
            view=None,
            switch_url=request_switch_url(request, chosen),
            tree_size=size,
        )
    if as_json:
        header = found.header
        return JSONResponse(
            {"figures": header.figures, "checkpoint": header.checkpoint, "tree_size": size}
        )
    return page(
        "programme.html",
        chosen,
        message=None,
        view=programme_view(found, chosen),
        switch_url=request_switch_url(request, chosen),
        tree_size=size,
    )


@router.get(
    "/lots/{lot_id}",
    response_class=HTMLResponse,
    responses={
        200: page_or_json("The lot page"),
        404: {
            "description": "No such lot: a page (HTML) or the error envelope (JSON).",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}},
            },
        },
    },
)
def lot_page(
    request: Request,
    service: ServiceDep,
    web: WebStateDep,
    lot_id: Annotated[str, Path(min_length=1, max_length=200)],
    lang: LangQuery = None,
) -> Response:
    """One lot: facts, eligibility and reasons, certification, lineage, proof, exports."""
    size = service.head().size
    as_json = wants_json(request.headers.get("accept"))
    chosen = request_language(request, lang)
    try:
        facts = web.lot_facts(service, size, lot_id)
    except EntryNotFoundError:
        if as_json:
            raise
        return lot_not_found(request, chosen, lot_id, size)
    exports = _exports(lot_id, chosen)
    proof = proof_url(int(facts["lot"]["created_seq"]))
    if as_json:
        links = {"proof": proof, "exports": {e["name"]: e["url"] for e in exports}}
        return JSONResponse({**facts, "links": links, "tree_size": size})
    return page(
        "lot.html",
        chosen,
        facts=facts,
        lineage_svg=web.lineage_picture(service, size, lot_id, chosen),
        proof_url=proof,
        exports=exports,
        switch_url=request_switch_url(request, chosen),
        tree_size=size,
    )
