"""One request-body size limit for every route, enforced while the body is received.

A limit checked after ``await request.body()`` comes too late: the body is already in
memory (a 300 MB body took the server from 116 MB to 690 MB). This ASGI middleware counts
the bytes as the application receives them and stops at the first chunk past the limit, so
at most one chunk more than the limit is ever held, whatever the route does with its body,
and whether the size is declared (``Content-Length``), absent (chunked) or false:

* a declared ``Content-Length`` over the limit is answered 413 at once, before any byte of
  the body is read;
* otherwise the application's ``receive`` raises :class:`RequestTooLargeError` (413, the JSON
  error envelope) as soon as the bytes received pass the limit.

The limit is ``BIOTRAZA_MAX_REQUEST_BYTES`` for every route but evidence-file uploads, whose
bodies are files and get ``BIOTRAZA_MAX_BLOB_BYTES`` (``limit_for`` decides).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.errors import RequestTooLargeError, too_large_response

__all__ = ["BodyLimitMiddleware"]


class BodyLimitMiddleware:
    """Refuse request bodies over ``limit_for(path)`` bytes while they are being received."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await too_large_response(limit)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLargeError(limit)
            return message

        await self.app(scope, limited_receive, send)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
