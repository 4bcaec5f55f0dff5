"""The market's routes: the catalogue (JSON and page), a lot's offer page and sheet, and
buyers' expressions of interest (form and JSON), with the association's signed read.

* ``GET /api/v1/market/lots`` — the catalogue as JSON, filtered (``api.market.filters``: an
  unknown, repeated or malformed parameter is a 400 naming ``query.<name>``).
* ``GET /api/v1/market/lots/{lot_id}`` — one entry (404 for no such lot).
* ``POST /api/v1/market/lots/{lot_id}/interest`` — a buyer's interest, kept off the ledger
  (201; 400 naming each bad field; 404; 429 with ``Retry-After`` beyond the hourly bounds).
* ``GET /api/v1/market/interest/{org_id}`` — the association's messages, for a request
  signed by its key or root (``Authorization: Biotraza-Read``; 401/403 otherwise).
* ``GET /market`` and ``GET /market/lots/{lot_id}`` — the same as pages (es/en, no script,
  phone first), the lot page with the origin story and an interest form that works without
  JavaScript (``POST /market/lots/{lot_id}/interest``: a confirmation, or the form again with
  each problem in the reader's language).
* ``GET /market/lots/{lot_id}/offer.pdf`` — the printable offer sheet (``?lang=es|en``).

The catalogue is cached per ledger tree size (``api.web.cache``), like the lot pages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from api.exports.offer_sheet import offer_sheet_pdf
from api.http.body import StrictJsonRoute
from api.http.deps import ServiceDep
from api.http.errors import error_body
from api.http.responses import binary, error_responses, page_or_json
from api.i18n import translate
from api.market.filters import FilterProblem, parse_filters
from api.market.view import card, choices, kg
from api.services.ledger import LedgerService
from api.services.market import (
    PER_SOURCE_PER_HOUR,
    CatalogueFilter,
    InterestForm,
    catalogue,
    client_of,
    lot_entry,
    read_interests,
    record_interest,
)
from api.web.negotiation import request_language
from api.web.origin_view import origin_display
from api.web.state import WebState, WebStateDep
from api.web.templating import lot_not_found, page, request_switch_url
from ledger.errors import EntryNotFoundError
from ledger.storage.sql.interest import InterestLimitError
from ledger.supply.common import ID_PATTERN
from ledger.supply.conversions import PRODUCTS

__all__ = ["router"]

router = APIRouter(tags=["market"], route_class=StrictJsonRoute)

LotPath = Annotated[str, Path(min_length=1, max_length=200)]
LangQuery = Annotated[
    str | None, Query(max_length=8, description="Page language: es or en (default: negotiated).")
]
MAX_FORM_BYTES = 16_384
"""An interest form is a few fields of text: 2,000 characters of message at most."""
_NO_STORE = {"Cache-Control": "no-store"}
_FIELDS = ("name", "company", "email", "quantity_kg", "message")
"""The interest form's fields, as the page posts them."""
# The filters' shapes, documented in the OpenAPI document (an empty value means "any");
# ``api.market.filters`` checks the same, for the page too.
_PRODUCT = "^(" + "|".join(sorted(PRODUCTS)) + ")?$"
_ID = "^(" + ID_PATTERN.strip("^$") + ")?$"
_FLAG = "^(true|false)?$"
_HTML_404 = {
    "description": "No such lot: a page.",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def _all(service: LedgerService, web: WebState) -> list[dict[str, Any]]:
    size = service.head().size
    # Keyed by the day too: an offer's end and a certificate's validity are judged on today.
    found: list[dict[str, Any]] = web.pages.get(
        size, ("market", _today()), lambda: catalogue(service)
    )
    return found


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _refuse(problems: list[FilterProblem]) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("query", p.param), "msg": p.reason} for p in problems]
    )


# ---------------------------------------------------------------------------------- JSON


@router.get(
    "/api/v1/market/lots",
    responses=error_responses(400, r400="A filter is unknown, repeated or malformed; "
                              "`fields` names it (`query.<name>`)."),
)  # fmt: skip
def market_lots(
    request: Request,
    service: ServiceDep,
    web: WebStateDep,
    product: Annotated[
        str | None, Query(pattern=_PRODUCT, description="A product: " + ", ".join(PRODUCTS))
    ] = None,
    landscape: Annotated[str | None, Query(max_length=100, description="A landscape")] = None,
    association: Annotated[
        str | None, Query(pattern=_ID, description="The producing association's org id")
    ] = None,
    standard: Annotated[
        str | None, Query(pattern=_ID, description="A standard id, e.g. coffee-ab")
    ] = None,
    eligible: Annotated[
        str | None, Query(pattern=_FLAG, description="true: eligible lots only; false: others")
    ] = None,
    offered: Annotated[
        str | None, Query(pattern=_FLAG, description="true: lots with a price indication")
    ] = None,
) -> JSONResponse:
    """Lots in stock for buyers: product, form, quantity left, origin (no producer's
    identity), eligibility with reasons, certificates and their validity, the association's
    price indication, and links to the verifiable trail bundle and the offer sheet."""
    del product, landscape, association, standard, eligible, offered  # parsed strictly below
    wanted, problems = parse_filters(request.query_params.multi_items())
    if problems:
        raise _refuse(problems)
    rows = [entry for entry in _all(service, web) if wanted.keeps(entry)]
    return JSONResponse(
        {"data": rows, "count": len(rows), "tree_size": service.head().size},
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/api/v1/market/lots/{lot_id}", responses=error_responses(404, r404="No such lot."))
def market_lot(service: ServiceDep, lot_id: LotPath) -> dict[str, Any]:
    """One lot as the catalogue shows it (also when no longer in stock: ``in_stock``)."""
    return lot_entry(service, lot_id)


def _record(
    request: Request, service: LedgerService, lot_id: str, form: InterestForm
) -> dict[str, Any]:
    """Keep a buyer's interest sent by this request's client, counted under the key the app
    read from its data directory at start (``api.app``), for the JSON route and the page's
    form alike."""
    client = client_of(request.client.host if request.client else None)
    key: bytes = request.app.state.market_source_key
    return record_interest(service, lot_id, form, client, key)


def _limited(exc: InterestLimitError) -> JSONResponse:
    field = "client" if exc.scope == "source" else "lot_id"
    body = error_body("rate_limited", str(exc), [(field, str(exc))])
    body["error"]["retry_after_s"] = exc.retry_after
    return JSONResponse(body, status_code=429, headers={"Retry-After": str(exc.retry_after)})


@router.post(
    "/api/v1/market/lots/{lot_id}/interest",
    status_code=201,
    responses=error_responses(
        400, 404, 429,
        r400="A field is missing or malformed; `fields` names it (`body.<field>`).",
        r429=f"More than {PER_SOURCE_PER_HOUR} messages from this client in an hour, or too "
        "many for this lot; `Retry-After` (and `error.retry_after_s`) says in how many "
        "seconds a slot frees.",
    ),
)  # fmt: skip
def post_interest(
    request: Request, service: ServiceDep, lot_id: LotPath, form: InterestForm
) -> Response:
    """Send the association holding the lot a buyer's interest (name, company, e-mail,
    kilograms, message). Kept off the public ledger; the association reads it with a signed
    request."""
    try:
        found = _record(request, service, lot_id, form)
    except InterestLimitError as exc:
        return _limited(exc)
    found["message"] = {lang: translate(lang, "market.thanks_plain") for lang in ("es", "en")}
    return JSONResponse(found, status_code=201, headers=_NO_STORE)


@router.get(
    "/api/v1/market/interest/{org_id}",
    responses=error_responses(
        401, 403, 404,
        r404="No such organization (answered only to a signed read).",
        r401="No valid signed read for this method and path (`WWW-Authenticate: Biotraza-Read`).",
        r403="The signing key is neither this association's nor root.",
    ),
)  # fmt: skip
def get_interest(
    request: Request,
    service: ServiceDep,
    org_id: Annotated[str, Path(min_length=1, max_length=64)],
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Buyers' messages about an association's lots, newest first, for a request signed with
    the association's key (or root). Never cached."""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    rows = read_interests(service, org_id, authorization, path)
    return JSONResponse({"data": rows, "count": len(rows)}, headers=_NO_STORE)


# --------------------------------------------------------------------------------- pages


def _problem_text(lang: str, problem: FilterProblem) -> str:
    return translate(lang, f"market.filter_{problem.code}", param=problem.param)


@router.get("/market", response_class=HTMLResponse, responses={200: page_or_json("The market")})
def market_page(
    request: Request, service: ServiceDep, web: WebStateDep, lang: LangQuery = None
) -> Response:
    """The catalogue as a page: filters (a plain GET form) and one card per lot."""
    chosen = request_language(request, lang)
    wanted, problems = parse_filters(request.query_params.multi_items(), page=True)
    everything = _all(service, web)
    rows = [] if problems else [entry for entry in everything if wanted.keeps(entry)]
    response = page(
        "market.html",
        chosen,
        status_code=400 if problems else 200,
        problems=[_problem_text(chosen, p) for p in problems],
        cards=[card(entry, chosen) for entry in rows],
        choices=choices(everything, chosen),
        wanted=wanted if not problems else CatalogueFilter(),
        switch_url=request_switch_url(request, chosen),
        tree_size=service.head().size,
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


def _lot_page(
    request: Request,
    service: ServiceDep,
    web: WebState,
    lot_id: str,
    lang: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    sent: dict[str, Any] | None = None,
) -> Response:
    size = service.head().size
    try:
        entry = web.pages.get(
            size, ("market-lot", lot_id, _today()), lambda: lot_entry(service, lot_id)
        )
    except EntryNotFoundError:
        return lot_not_found(request, lang, lot_id, size)
    origin = origin_display(web.origin(service, size, lot_id), lang)
    response = page(
        "market_lot.html",
        lang,
        status_code=status_code,
        entry=entry,
        card=card(entry, lang),
        origin=origin,
        errors=errors or {},
        values=values or {},
        sent=sent,
        switch_url=request_switch_url(request, lang),
        tree_size=size,
    )
    response.headers["Cache-Control"] = "no-store" if sent or errors else "no-cache"
    return response


@router.get(
    "/market/lots/{lot_id}",
    response_class=HTMLResponse,
    responses={200: page_or_json("A lot"), 404: _HTML_404},
)
def market_lot_page(
    request: Request, service: ServiceDep, web: WebStateDep, lot_id: LotPath, lang: LangQuery = None
) -> Response:
    """A lot for buyers: its origin first, what is verifiable, the price indication, the
    offer sheet and an interest form."""
    return _lot_page(request, service, web, lot_id, request_language(request, lang))


def _form_errors(exc: ValidationError, lang: str) -> dict[str, str]:
    """Each refused field's problem in ``lang`` (one per field, the first)."""
    found: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "form"
        kind = {
            "missing": "required",
            "string_too_short": "short",
            "string_too_long": "long",
        }.get(error["type"], "invalid")
        if name in ("email", "quantity_kg") and kind == "invalid":
            kind = name
        problem = translate(lang, f"market.err_{kind}")
        if name in _FIELDS:  # "Correo electrónico: no es una dirección de correo"
            problem = f"{translate(lang, f'market.form_{name}')}: {problem}"
        found.setdefault(name, problem)
    return found


@router.post(
    "/market/lots/{lot_id}/interest",
    response_class=HTMLResponse,
    responses={
        200: page_or_json("The confirmation, or the form with its problems"),
        404: _HTML_404,
        429: {
            "description": "Too many messages from this client or for this lot: the form "
            "again, with the reason and `Retry-After`.",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {name: {"type": "string"} for name in (*_FIELDS, "lang")},
                    }
                }
            }
        }
    },
)
async def market_interest_form(
    request: Request, service: ServiceDep, web: WebStateDep, lot_id: LotPath, lang: LangQuery = None
) -> Response:
    """The interest form of the lot page, sent without JavaScript (URL-encoded)."""
    body = await request.body()
    fields = dict(parse_qsl(body[:MAX_FORM_BYTES].decode("utf-8", "replace")))
    chosen = request_language(request, lang or fields.get("lang"))
    values = {name: fields.get(name, "")[:2000] for name in _FIELDS}
    try:
        form = InterestForm.model_validate({**values, "lang": chosen})
    except ValidationError as exc:
        return _lot_page(
            request, service, web, lot_id, chosen, status_code=400,
            errors=_form_errors(exc, chosen), values=values,
        )  # fmt: skip
    try:
        found = _record(request, service, lot_id, form)
    except EntryNotFoundError:
        return _lot_page(request, service, web, lot_id, chosen)
    except InterestLimitError as exc:
        response = _lot_page(
            request, service, web, lot_id, chosen, status_code=429,
            errors={"form": translate(chosen, "market.err_limited")}, values=values,
        )  # fmt: skip
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    sent = {**found, "kg": kg(form.quantity_kg)}
    return _lot_page(request, service, web, lot_id, chosen, sent=sent)


@router.get(
    "/market/lots/{lot_id}/offer.pdf",
    response_class=Response,
    responses={200: binary("application/pdf", "The offer sheet."), **error_responses(404)},
)
def offer_sheet(
    request: Request,
    service: ServiceDep,
    lot_id: LotPath,
    lang: Annotated[str, Query(pattern=r"^(es|en)$", description="es or en")] = "es",
) -> Response:
    """A one-page offer sheet of the lot (origin, product, quantity, standard and
    certificate, eligibility, price indication) with a QR of its market page."""
    entry = lot_entry(service, lot_id)
    url = str(request.base_url).rstrip("/") + f"/market/lots/{lot_id}"
    pdf = offer_sheet_pdf(entry, url, lang)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="oferta-{lot_id}.pdf"',
            "Cache-Control": "no-cache",
        },
    )
