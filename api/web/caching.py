"""Caching headers of the pages: a weak ETag from the page's own text, and 304 on a match.

A label can be revoked at any moment and the buyer must see it on the next scan, so label
pages are ``Cache-Control: no-cache, private``: the phone may keep the page but asks again
every time (the request is also how a scan is counted), and the answer is ``304 Not
Modified`` with no body when nothing it shows has changed — a revocation, a new entry behind
the lot or a new scan count all change the text, hence the tag. ``private`` because the scan
line is about this reader's visit. The tag is weak (``W/``) because the compression
middleware may re-encode the bytes (``api.http.compression``).

Left out: compression itself.
"""

from __future__ import annotations

import hashlib

from fastapi import Request
from fastapi.responses import Response

__all__ = ["REVOCABLE", "conditional", "etag_of"]

REVOCABLE = "no-cache, private"
"""Keep it, but revalidate on every visit: what a revocable label's page needs."""


def etag_of(body: bytes) -> str:
    """A weak entity tag for ``body``: 16 bytes of its SHA-256."""
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def _matches(header: str | None, tag: str) -> bool:
    if not header:
        return False
    wanted = tag.removeprefix("W/")
    return any(
        part.strip() == "*" or part.strip().removeprefix("W/") == wanted
        for part in header.split(",")
    )


def conditional(request: Request, response: Response, cache_control: str = REVOCABLE) -> Response:
    """``response`` with its ETag and ``cache_control``; a bodiless 304 when the request's
    ``If-None-Match`` already names that tag (weak comparison, RFC 9110 §13.1.2)."""
    tag = etag_of(bytes(response.body))
    if response.status_code == 200 and _matches(request.headers.get("if-none-match"), tag):
        kept = {k: v for k, v in response.headers.items() if k.lower() in _KEPT}
        return Response(
            status_code=304, headers={**kept, "ETag": tag, "Cache-Control": cache_control}
        )
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = cache_control
    return response


_KEPT = frozenset({"vary", "content-language", "content-security-policy"})
