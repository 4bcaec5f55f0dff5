"""Strict JSON request bodies, the same on every route.

Signed statements are parsed by hand rather than by FastAPI's model binding, and every other
JSON body goes through the same strict parser: duplicate keys would let two parsers disagree
on what was sent (or signed), and NaN/Infinity are not JSON. Routes whose body is a Pydantic
model get it through :class:`StrictJsonRoute` (FastAPI calls ``request.json()``, which is
strict here); routes that parse the body themselves ask for :data:`JsonBody`, read on the
event loop before a synchronous route runs in the threadpool.

The size limit is not enforced here but while the body is received, by
``api.http.limits.BodyLimitMiddleware``, for every route alike.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute

from api.http.errors import MalformedBodyError
from ledger.canonical import parse_json_strict
from ledger.errors import EncodingError

__all__ = ["JsonBody", "StrictJsonRequest", "StrictJsonRoute", "read_json_body"]


async def read_json_body(request: Request) -> Any:
    """The request body parsed as strict JSON.

    Raises:
        EncodingError: the body is not strict JSON.
        RequestTooLargeError: the body went over the limit while it was received.
    """
    return parse_json_strict(await request.body())


JsonBody = Annotated[Any, Depends(read_json_body)]
"""A route parameter holding the strictly parsed body (read before a sync route starts)."""


class StrictJsonRequest(Request):
    """A request whose ``json()`` is the strict parser (what FastAPI's model binding calls)."""

    async def json(self) -> Any:
        """The body as strict JSON.

        Raises:
            MalformedBodyError: not strict JSON; an HTTP exception, because FastAPI turns
                any other exception raised while it reads a body into a bare 400.
        """
        if not hasattr(self, "_json"):
            try:
                self._json = parse_json_strict(await self.body())
            except EncodingError as exc:
                raise MalformedBodyError(exc) from exc
        return self._json


class StrictJsonRoute(APIRoute):
    """An API route that hands its handler a :class:`StrictJsonRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict_handler
