"""The label resolver: the page any phone camera opens from a Biotraza QR code.

`GET /01/{gtin}/10/{lot}?k=&n=&d=&s=` (GS1 Digital Link, optionally `/21/{serial}` after the
lot) and `GET /l/{lot}?k=&n=&d=&s=` for lots without a GTIN. The label text is rebuilt from
the URL with this request's host, verified online against the current ledger, and answered
with a big verdict (genuine / revoked / not genuine, with the reason), the product, who
produced it and where, the harvest, the standard and certifier, the practices verified, the
lineage, and the inclusion proof of the label's issuance entry.

HTML works without JavaScript, in Spanish (default) or English (`Accept-Language`, or the
`?lang=` switch link, which the label text ignores). Apps send `Accept: application/json` and
get the same facts as JSON. A text that is not a label is a *not genuine* page for people
(200) and a 400 error envelope naming the part at fault for apps — never a 500.

Every resolve of a recorded label by a person counts a scan (privately: see `docs/resolver.md`;
prefetchers and bots are not counted) and warns when a label was scanned from far more
devices, or places, than its units explain.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from api.http.deps import ServiceDep
from api.http.errors import error_body
from api.http.responses import error_responses, page_or_json
from api.web.caching import conditional
from api.web.negotiation import request_language, wants_json
from api.web.origin_view import origin_display
from api.web.paid_view import paid_figure
from api.web.resolver_view import label_text, resolver_view
from api.web.routes.pages import proof_url
from api.web.scans import ScanReport, not_a_scan
from api.web.state import WebState, WebStateDep
from api.web.templating import page, render, request_switch_url
from labels.errors import MalformedLabelError
from labels.payload import parse_label
from labels.verify import LabelStatus
from ledger.storage.sql.scans import read_totals
from ledger.storage.sql.store import TreeSnapshot

__all__ = ["router"]

router = APIRouter(tags=["label resolver"])

_NO_STORE = {"Cache-Control": "no-store"}
"""The JSON answers: every visit is a scan to count, and a revocation must show on the next
one (the HTML page is revalidated instead: ``api.web.caching``)."""


def _resolve(
    request: Request,
    service: ServiceDep,
    web: WebState,
    background: BackgroundTasks,
) -> Response:
    host = request.headers.get("host", "")
    text = label_text(host, request.url.path, request.url.query)
    claimed = claimed_label(text)
    address = request.client.host if request.client else None
    place = web.recorder.place(address)
    device = web.recorder.device(address, request.headers.get("user-agent", ""))
    since = web.recorder.window_start()
    # One read cursor for the tree size and the claimed label's scan totals: the
    # totals count only if the verdict confirms the claimed issuance (same seq and serial).
    with service.store.reading() as cursor:
        size = TreeSnapshot(cursor).head().size
        stored = None if claimed is None else read_totals(cursor, *claimed, place, device, since)

    view: dict[str, Any] = web.pages.get(
        size,
        ("label", text),
        lambda: resolver_view(service, text, lambda lot_id: web.lot_facts(service, size, lot_id)),
    )
    scans: ScanReport | None = None
    if view["label"] is not None:
        label = view["label"]
        seq, serial = int(label["seq"]), label["serial"]
        confirmed = stored if claimed == (seq, serial or "") else None
        scans, start_writer = web.recorder.count(
            seq,
            serial,
            int(label["units"]),
            place,
            device,
            confirmed,
            record=not_a_scan(request.method, request.headers) is None,
        )
        if start_writer:
            background.add_task(web.recorder.write_queued)
    proof = proof_url(int(view["label"]["seq"])) if view["label"] else None
    if wants_json(request.headers.get("accept")):
        label = view["label"]
        origin = None if label is None else web.origin(service, size, label["lot_id"])
        return _json(view, scans, proof, size, origin)
    lang = request_language(request, request.query_params.get("lang"))
    lot = (view["facts"] or {}).get("lot") or {}
    facts_html = Markup()
    if view["label"] is not None:

        def facts_fragment() -> Markup:
            # The origin first, in words and a coarse sketch; the journey replaces the
            # lineage diagram (ids, wide) that the lot page keeps for auditors.
            origin = origin_display(web.origin(service, size, view["label"]["lot_id"]), lang)
            html = render(
                "_label_facts.html", lang, view=view, origin=origin, lineage_svg=None,
                proof_url=proof,
            )  # fmt: skip
            return Markup(html)  # noqa: S704 - rendered by our autoescaping templates

        facts_html = web.pages.get(size, ("label-html", text, lang), facts_fragment)
    paid = None
    if view["label"] is not None:
        lot_id = str(view["label"]["lot_id"])
        paid = web.pages.get(size, ("paid", lot_id), lambda: paid_figure(service, lot_id))
    response = page(
        "resolver.html",
        lang,
        view=view,
        label_facts_html=facts_html,
        paid=paid,
        text=text,
        scans=scans,
        unit_word=(lot.get("package") or {}).get("unit", "item"),
        proof_url=proof,
        switch_url=request_switch_url(request, lang),
        tree_size=size,
    )
    # Revalidated on every visit (a revocation shows on the next scan, and the visit is
    # counted); an unchanged page is a bodiless 304.
    return conditional(request, response)


def claimed_label(text: str) -> tuple[int, str] | None:
    """The issuance seq and serial a label text claims (before any verification), or
    ``None`` for a text that does not parse."""
    try:
        claims = parse_label(text)
    except MalformedLabelError:
        return None
    return claims.seq, claims.serial or ""


def _json(
    view: dict[str, Any],
    scans: ScanReport | None,
    proof: str | None,
    size: int,
    origin: dict[str, Any] | None,
) -> JSONResponse:
    document = view["document"]
    verdict = document["verdict"]
    if view["status"] is LabelStatus.MALFORMED:
        part, message = str(verdict["detail"]), str(verdict["error"])
        reason = message.removeprefix(f"malformed label: {part}: ")
        body = error_body("malformed_label", message, [(part, reason)])
        body["verdict"] = verdict
        return JSONResponse(body, status_code=400, headers=_NO_STORE)
    lot_id = view["label"]["lot_id"] if view["label"] else None
    links = {
        **document.get("links", {}),
        "proof": proof,
        "lot_page": f"/lots/{lot_id}" if lot_id else None,
        "market_page": f"/market/lots/{lot_id}" if lot_id else None,
    }
    return JSONResponse(
        {
            **document,
            # What the page tells first: counts, season, coarse sketch (no coordinate).
            "origin": origin,
            "scans": None if scans is None else scans.to_dict(),
            "links": links,
            "tree_size": size,
        },
        headers=_NO_STORE,
    )


_VERDICT: dict[int | str, dict[str, Any]] = {
    200: page_or_json("The label's verdict and its lot"),
    **error_responses(400, r400="Malformed label; `fields` names the part."),
}


@router.get("/01/{gtin}/10/{lot}", response_class=HTMLResponse, responses=_VERDICT)
@router.get("/01/{gtin}/10/{lot}/21/{serial}", response_class=HTMLResponse, responses=_VERDICT)
def resolve_gs1(
    request: Request,
    service: ServiceDep,
    web: WebStateDep,
    background: BackgroundTasks,
    gtin: str,
    lot: str,
    serial: str | None = None,
) -> Response:
    """Verify a GS1 Digital Link label (`?k=&n=&d=&s=`) and show the verdict and the lot.

    The path parameters are read from the URL as printed; the label grammar checks them.
    """
    del gtin, lot, serial  # the whole URL is the label text; the grammar checks each part
    return _resolve(request, service, web, background)


@router.get("/l/{lot}", response_class=HTMLResponse, responses=_VERDICT)
@router.get("/l/{lot}/21/{serial}", response_class=HTMLResponse, responses=_VERDICT)
def resolve_plain(
    request: Request,
    service: ServiceDep,
    web: WebStateDep,
    background: BackgroundTasks,
    lot: str,
    serial: str | None = None,
) -> Response:
    """Verify a label of a lot without a GTIN (`/l/<LOT>?k=&n=&d=&s=`)."""
    del lot, serial  # the whole URL is the label text; the grammar checks each part
    return _resolve(request, service, web, background)
