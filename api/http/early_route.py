"""One route answered before the framework's routing, with the app's own limits and errors.

With one client waiting for every answer, each microsecond of a request's path adds to each
append instead of overlapping it. Measured end to end (timestamps from the client's send to
its receipt of the answer, docs/performance.md, "HTTP appends"), FastAPI's path around
``POST /api/v1/entries`` — the compression middleware, the router's matching over every
route, the route's exception wrapper and exit stacks, the endpoint's ``Request`` and
``Response`` passing back out through every layer — cost about 0.2 ms of the 0.5 ms one
request added to the append, more than its CPU time in-process suggested (each layer also
runs between the wake-ups of the loop, the executor thread and the client).

:class:`EarlyRoute` is an ASGI middleware, outermost of the app's own (inside Starlette's
server-error handler, which logs and answers anything unexpected exactly as for every other
route), that answers one method and path, without a query string, by calling the route's
own endpoint — the same function the framework route calls, so the work and the answer
cannot differ. Around it sit the *same* layers the framework path has, as instances of the
same classes: the disconnect middleware (a client leaving is logged at INFO), the body
limit middleware (413 before or while the body arrives), and for an error the endpoint
raises, Starlette's exception middleware holding the app's exception handlers (every error
the same JSON envelope, status and headers; built only when there is an error to render,
so an append does not pay for its wrappers). What it skips is only what does nothing for
this request: page compression (HTML and SVG only; the answer is JSON), routing, and the
parameter check (no path parameters, and a request with a query string is left to the
framework, which checks it). Any other method on the path (405 with ``Allow``) and the
OpenAPI document stay the framework's. ``tests/api/test_early_route.py`` holds the two paths
to the same answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.http.disconnects import QuietDisconnectMiddleware
from api.http.limits import BodyLimitMiddleware

__all__ = ["EarlyRoute"]

Endpoint = Callable[[Request], Awaitable[Response]]


class EarlyRoute:
    """Answer ``method path`` (no query string) with ``endpoint`` before the framework."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        method: str,
        path: str,
        endpoint: Endpoint,
        limit_for: Callable[[str], int],
        handlers: Mapping[Any, Any],
    ) -> None:
        """``handlers`` is the app's ``exception_handlers``: all but the catch-all (``500`` /
        ``Exception``), which Starlette gives to the server-error middleware outside this
        one, exactly as it builds its own stack (``Starlette.build_middleware_stack``)."""
        self.app = app
        self.method = method
        self.path = path
        self.endpoint = endpoint
        self.handlers = {k: v for k, v in handlers.items() if k not in (500, Exception)}
        self.early: ASGIApp = QuietDisconnectMiddleware(
            BodyLimitMiddleware(self._answer, limit_for)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == self.path
            and scope["method"] == self.method
            and not scope["query_string"]
        ):
            await self.early(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await self.endpoint(Request(scope, receive, send))
        except Exception as exc:  # noqa: BLE001 - what the app's handlers do not take goes on
            # Nothing was sent yet: the exception middleware answers it with the app's
            # handler, or raises it on to the server-error middleware, as for any route.
            await ExceptionMiddleware(_raising(exc), handlers=self.handlers)(scope, receive, send)
            return
        await response(scope, receive, send)


def _raising(exc: Exception) -> ASGIApp:
    """An ASGI app that raises ``exc`` (for the exception middleware to handle)."""

    async def app(_scope: Scope, _receive: Receive, _send: Send) -> None:
        raise exc

    return app
