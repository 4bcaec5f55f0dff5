"""A documented API route whose handler FastAPI calls without solving dependencies.

``POST /api/v1/entries`` is the hottest route and its handler takes nothing but the request
(it reads and parses the body itself). FastAPI still runs its generic request handler around
it — dependency solving for the app-wide parameter check, the request's exit stacks, the
endpoint context for error messages — about 60 µs of CPU per request on this machine, enough
to matter when one client waits for every answer (docs/performance.md, "HTTP appends").

:class:`DirectRoute` keeps everything FastAPI derives from the route declaration (matching,
405 with ``Allow``, the OpenAPI operation, the body-size wrapper) and replaces only the
handler: it runs the app-wide parameter check (``api.http.params.check_parameters``, the one
dependency every route has; ``tests/api/test_direct_route.py`` fails if another is added)
and then the endpoint. Exceptions take the same path to the app's error handlers as from any
route, so error bodies do not change.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from api.http.params import check_parameters

__all__ = ["DirectRoute"]

Endpoint = Callable[[Request], Awaitable[Response]]


class DirectRoute(APIRoute):
    """An API route for an ``async def endpoint(request: Request) -> Response``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint
        parameters = list(inspect.signature(endpoint).parameters.values())
        if (
            not inspect.iscoroutinefunction(endpoint)
            or len(parameters) != 1
            or parameters[0].annotation not in (Request, "Request")
            or self.dependant.dependencies
        ):
            raise TypeError(
                f"{self.path}: a DirectRoute endpoint is async, takes only the request and "
                "declares no dependencies"
            )

        async def handler(request: Request) -> Response:
            await check_parameters(request)
            response: Response = await endpoint(request)
            return response

        return handler
