"""The public credential verifier page, Spanish and English, without JavaScript.

A lender pastes or uploads the JSON file a producer gave them (`POST /credentials/verify`),
or scans the QR of the printed constancia, which opens `GET /credentials/verify?sha256=…`:
the credential the association stored under that hash when it printed it. Either way the
server runs the same verification as `biotraza credential verify` and `POST
/api/v1/credentials/verify`, and shows the verdict with what the credential says. Bad input is
a page in the reader's language naming the field, never an error trace.

Forms are parsed here (URL-encoded or multipart, with the standard library): the app adds no
form-parsing dependency for one page.
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import asdict
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.http.deps import BlobsDep, ServiceDep
from api.http.responses import page_or_json
from api.i18n import mx_date, mx_money, mx_number, term
from api.services.credentials import verify_here
from api.web.negotiation import request_language, wants_json
from api.web.templating import page, request_switch_url
from ledger.canonical import parse_json_strict
from ledger.errors import EncodingError, EntryNotFoundError, LedgerError
from verifiers.credentials import CredentialVerdict
from verifiers.errors import CredentialError

__all__ = ["router"]

router = APIRouter(tags=["pages"])

MAX_FORM_BYTES = 1_000_000
LangQuery = Annotated[
    str | None, Query(max_length=8, description="Page language: es or en (default: negotiated).")
]
DigestQuery = Annotated[
    str | None,
    Query(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of a credential the association stored."),
]


def _form_text(content_type: str, body: bytes) -> str:
    """The credential text of a form: the uploaded file if any, else the pasted text."""
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body
        )
        found: dict[str, str] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                found[name] = payload.decode("utf-8", "replace").strip()
        return found.get("file") or found.get("credential") or ""
    fields = parse_qs(body.decode("utf-8", "replace"))
    return (fields.get("credential") or [""])[0].strip()


def _kg(text: str) -> str:
    return mx_number(float(text) if "." in text else int(text))


def _summary(credential: dict[str, Any], lang: str) -> dict[str, Any]:
    subject = credential["credentialSubject"]
    return {
        "name": subject.get("name"),
        "sites": [
            {
                "id": site["id"],
                "product": term(lang, "product", site.get("product")),
                "size": f"{mx_number(float(site['areaHa']))} ha"
                if "areaHa" in site
                else f"{site.get('hiveCount')}",
                "landscape": site.get("landscape") or site.get("municipality") or "—",
            }
            for site in [*subject.get("plots", []), *subject.get("apiaries", [])]
        ],
        "deliveries": [
            {
                "season": season["season"],
                "product": term(lang, "product", season["product"]),
                "form": term(lang, "form", delivery["form"]),
                "kg": _kg(delivery["quantityKg"]),
                "count": delivery["count"],
            }
            for season in subject.get("seasons", [])
            for delivery in season["deliveries"]
        ],
        "payments": [
            {
                "season": row["season"],
                "purchased": mx_money(row["purchasedMxn"]),
                "paid": mx_money(row["paidMxn"]),
                "advanced": mx_money(row["advancedMxn"]),
            }
            for row in subject.get("payments", [])
        ],
        "certifications": [
            {
                **cert,
                "certifier_name": cert["certifier"].get("name") or cert["certifier"]["id"],
                "from": mx_date(cert["validFrom"]),
                "until": mx_date(cert["validUntil"]),
            }
            for cert in subject.get("certifications", [])
        ],
        "issued": mx_date(credential["validFrom"]),
    }


def _as_json(request: Request, text: str | None, service: ServiceDep) -> Response:
    """The same verdict for ``Accept: application/json``: errors go to the JSON handlers."""
    if text is None:
        return JSONResponse({"form": "POST a credential (file or credential field)"})
    credential = parse_json_strict(text)
    if not isinstance(credential, dict):
        raise CredentialError("credential", "not a JSON object")
    return JSONResponse({"valid": True, **asdict(verify_here(service, credential))})


def _result(
    request: Request, service: ServiceDep, lang: str, text: str | None, switch: str
) -> Response:
    if wants_json(request.headers.get("accept")):
        return _as_json(request, text, service)
    context: dict[str, Any] = {"switch_url": switch, "tree_size": service.head().size}
    if text is None:
        return page("credential_verify.html", lang, verdict=None, error=None, **context)
    try:
        credential = parse_json_strict(text)
        if not isinstance(credential, dict):
            raise CredentialError("credential", "not a JSON object")
        verdict: CredentialVerdict = verify_here(service, credential)
    except EncodingError as exc:
        return page("credential_verify.html", lang, 422, verdict=None,
                    error={"field": "credential", "reason": str(exc)}, **context)  # fmt: skip
    except CredentialError as exc:
        return page("credential_verify.html", lang, 422, verdict=None,
                    error={"field": exc.field, "reason": exc.reason}, **context)  # fmt: skip
    except LedgerError as exc:  # e.g. a credential of an organization unknown here
        return page("credential_verify.html", lang, 422, verdict=None,
                    error={"field": "credential", "reason": str(exc)}, **context)  # fmt: skip
    return page(
        "credential_verify.html",
        lang,
        verdict=verdict,
        error=None,
        summary=_summary(credential, lang),
        **context,
    )


_PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: page_or_json("The form, or the verdict on a valid credential"),
    422: {
        "description": "The credential does not verify: a page naming the field (HTML), or "
        "the error envelope for `Accept: application/json`.",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}},
        },
    },
}


@router.get("/credentials/verify", response_class=HTMLResponse, responses=_PAGE_RESPONSES)
def credential_verify_page(
    request: Request,
    service: ServiceDep,
    blobs: BlobsDep,
    lang: LangQuery = None,
    sha256: DigestQuery = None,
) -> Response:
    """The verifier: a form (paste or upload), or the verdict on a stored credential."""
    chosen = request_language(request, lang)
    switch = request_switch_url(request, chosen)
    text = None
    if sha256 is not None:
        try:
            text = blobs.read_bytes(sha256).decode("utf-8", "replace")
        except EntryNotFoundError:
            text = ""
    return _result(request, service, chosen, text, switch)


@router.post(
    "/credentials/verify",
    response_class=HTMLResponse,
    responses=_PAGE_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "credential": {"type": "string"},
                        },
                    }
                },
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {"credential": {"type": "string"}},
                    }
                },
            },
        }
    },
)
async def credential_verify_post(
    request: Request, service: ServiceDep, lang: LangQuery = None
) -> Response:
    """The verdict on a pasted or uploaded credential (form post)."""
    chosen = request_language(request, lang)
    switch = request_switch_url(request, chosen)
    body = await request.body()
    text = (
        ""
        if len(body) > MAX_FORM_BYTES
        else _form_text(request.headers.get("content-type", ""), body)
    )
    return await run_in_threadpool(_result, request, service, chosen, text, switch)
