"""Content negotiation for the web pages: which language, and HTML or JSON.

Language: an explicit ``?lang=es|en`` wins (the switch link on every page sets it), then the
best ``Accept-Language`` range we have, then Spanish — the producers, the cooperatives and
most buyers who scan a label are in Mexico. Media type: JSON only when the client prefers
``application/json`` to ``text/html`` (apps send ``Accept: application/json``; browsers send
``text/html`` first), so a bare ``*/*`` (curl) gets the page.

Both parsers are lenient on purpose: a malformed header is never an error, it is ignored
(RFC 9110 §12.4.2 lets a server treat a bad weight as absent).

Left out: the message catalog (``api.i18n``) and building links (``api.web.templating``).
"""

from __future__ import annotations

from fastapi import Request

from api.i18n import DEFAULT_LANGUAGE, LANGUAGES

__all__ = ["choose_language", "parse_weighted", "request_language", "wants_json"]

_MAX_HEADER = 1024
"""Longer headers are cut before parsing: no honest client sends more."""


def parse_weighted(header: str | None) -> list[tuple[str, float]]:
    """``"es-MX,es;q=0.9,en;q=0.5"`` → ``[("es-mx", 1.0), ("es", 0.9), ("en", 0.5)]``.

    Values are lowercased and sorted by weight (stable for equal weights); entries with a
    malformed or zero weight are dropped.
    """
    if not header:
        return []
    found: list[tuple[str, float]] = []
    for item in header[:_MAX_HEADER].split(","):
        value, *params = (part.strip() for part in item.split(";"))
        if not value:
            continue
        weight = 1.0
        for param in params:
            name, _eq, number = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(number)
                except ValueError:
                    weight = -1.0
        if 0.0 < weight <= 1.0:
            found.append((value.lower(), weight))
    return sorted(found, key=lambda pair: -pair[1])


def choose_language(query_lang: str | None, accept_language: str | None) -> str:
    """The page language: ``?lang=`` if supported, else Accept-Language, else Spanish."""
    if query_lang is not None and query_lang in LANGUAGES:
        return query_lang
    for tag, _weight in parse_weighted(accept_language):
        primary = tag.split("-", 1)[0]
        if primary in LANGUAGES:
            return primary
        if tag == "*":
            return DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def request_language(request: Request, query_lang: str | None) -> str:
    """:func:`choose_language` for ``request``: its ``?lang=``, else its Accept-Language."""
    return choose_language(query_lang, request.headers.get("accept-language"))


def wants_json(accept: str | None) -> bool:
    """Whether the client prefers ``application/json`` to ``text/html``."""
    weights: dict[str, float] = {}
    for media, weight in parse_weighted(accept):
        weights.setdefault(media, weight)
    json_weight = weights.get("application/json", 0.0)
    html_weight = max(weights.get("text/html", 0.0), weights.get("application/xhtml+xml", 0.0))
    return json_weight > 0.0 and json_weight > html_weight
