"""Rendering the server-side pages: one Jinja2 environment, one response shape.

Pages are plain HTML with the stylesheet inlined: a phone on a rural connection gets the whole
page in one response, and nothing needs JavaScript. The Content-Security-Policy sent with
every page allows no script at all and no third-party resource, so "works without JavaScript"
and "no external CDN" are enforced by the browser, not just promised.

Templates are autoescaped. The only markup passed in pre-built is the lineage SVG drawn by
our own exporter (``api.exports.lineage_svg``), marked safe where it is embedded.

Left out: what the pages say (``api.i18n``), which language (``api.web.negotiation``)
and the data behind them (``api.web.lot_view``, ``api.web.resolver_view``).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from api.i18n import LANGUAGES, term, translate

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "lot_not_found",
    "page",
    "render",
    "request_switch_url",
    "switch_url",
]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""No scripts, no fonts, no remote anything; inline style (the page's own stylesheet and the
lineage SVG's attributes) is the one allowance."""


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("api.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["css"] = Markup(_stylesheet())  # noqa: S704 - our own file, no user input
    return env


@cache
def _stylesheet() -> str:
    return resources.files("api.web").joinpath("static/site.css").read_text(encoding="utf-8")


def switch_url(path: str, query: list[tuple[str, str]], lang: str) -> str:
    """``path`` with its query kept in order and ``lang`` set to the other language."""
    other = LANGUAGES[1 - LANGUAGES.index(lang)]
    kept = [(name, value) for name, value in query if name != "lang"]
    return f"{path}?{urlencode([*kept, ('lang', other)])}"


def request_switch_url(request: Request, lang: str) -> str:
    """The page ``request`` asked for, in the other language (see :func:`switch_url`)."""
    return switch_url(request.url.path, request.query_params.multi_items(), lang)


def render(template: str, lang: str, **context: Any) -> str:
    """Render ``template`` in ``lang``; ``t(key, **params)`` and ``term(kind, value)`` are
    available to it, bound to the language."""

    def t(key: str, **params: object) -> str:
        return translate(lang, key, **params)

    def term_in(kind: str, value: str | None) -> str:
        return term(lang, kind, value)

    return _environment().get_template(template).render(lang=lang, t=t, term=term_in, **context)


def page(template: str, lang: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A rendered page with the headers every page carries."""
    return HTMLResponse(
        render(template, lang, **context),
        status_code=status_code,
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "Content-Language": lang,
            "Vary": "Accept, Accept-Language",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def lot_not_found(request: Request, lang: str, lot_id: str, tree_size: int) -> HTMLResponse:
    """The 404 page of a lot the ledger does not hold, as the lot page and the market's lot
    page both answer it (same wording, same language switch, the tree size read)."""
    return page(
        "not_found.html",
        lang,
        status_code=404,
        message=translate(lang, "lot.not_found", lot=lot_id),
        switch_url=request_switch_url(request, lang),
        tree_size=tree_size,
    )
