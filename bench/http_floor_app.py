"""The cheapest server that keeps an append off the event loop: the 1-client floor.

``bench.bench_http`` runs this ASGI app under the same uvicorn and load generator as the real
server. It reads the body, makes one hop to the loop's executor doing nothing (the route's
append runs there, issue 15 item 2: blocking work never runs on the event loop) and answers
201 with a small JSON body. Its time per request is what any server obeying that rule pays
before doing any work, so ``library_ms / (library_ms + floor_ms)`` bounds the 1-client ratio.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["create"]

Message = MutableMapping[str, Any]
Asgi = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[Message]],
        Callable[[Message], Awaitable[None]],
    ],
    Awaitable[None],
]

_ANSWER = b'{"seq":1,"entry_hash":"00"}'


def _nothing() -> None:
    """The append's stand-in in the executor."""


def create() -> Asgi:
    """The app (a uvicorn ``--factory``)."""

    async def app(
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = bool(message.get("more_body", False))
        await asyncio.get_running_loop().run_in_executor(None, _nothing)
        status = 201 if scope["method"] == "POST" else 200
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(_ANSWER)),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": _ANSWER})

    return app
