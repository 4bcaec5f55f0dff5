"""Compressing the server-rendered pages: Brotli when the browser offers it, else gzip.

A label page is opened on a rural phone connection, once per scan: its whole HTML (the
stylesheet and the sketch inline) shrinks to about a third. Only whole, unstreamed responses
of the page types (HTML, SVG) are compressed; JSON, downloads, exports and streamed bodies
pass untouched, so byte-exact downloads, ranges and streaming keep working as before.

The page's ``ETag`` (if any) is weak (``W/"…"``, set by the page from its uncompressed text),
so it stays true for every encoding; ``Vary: Accept-Encoding`` tells caches the body varies.

Left out: which pages are cacheable and how (``api.web.caching``).
"""

from __future__ import annotations

import gzip

import brotli
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MIN_BYTES", "PageCompressionMiddleware", "choose_encoding"]

MIN_BYTES = 500
"""Smaller bodies are sent as they are: the encoding's overhead would outweigh the gain."""

_TYPES = ("text/html", "image/svg+xml")


def choose_encoding(accept_encoding: str) -> str | None:
    """``br`` or ``gzip`` as the client accepts them (``q=0`` refuses), Brotli preferred."""
    offered: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                weight = 0.0
        offered[name.strip().lower()] = weight
    for name in ("br", "gzip"):
        if offered.get(name, offered.get("*", 0.0)) > 0:
            return name
    return None


def _compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return bytes(brotli.compress(body, quality=5))
    return gzip.compress(body, compresslevel=6, mtime=0)


class PageCompressionMiddleware:
    """ASGI middleware: compress whole HTML/SVG responses for clients that accept it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        encoding = choose_encoding(Headers(scope=scope).get("accept-encoding", ""))
        if encoding is None:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        passing = False

        async def wrapped(message: Message) -> None:
            nonlocal start, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                headers = Headers(raw=message["headers"])
                kind = headers.get("content-type", "").split(";")[0].strip()
                if kind not in _TYPES or "content-encoding" in headers:
                    passing = True
                    await send(message)
                else:
                    start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = MutableHeaders(raw=start["headers"])
            headers.add_vary_header("Accept-Encoding")
            if len(body) >= MIN_BYTES:
                body = _compress(body, encoding)
                headers["Content-Encoding"] = encoding
                headers["Content-Length"] = str(len(body))
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, wrapped)
