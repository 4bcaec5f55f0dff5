"""The cheapest server that keeps an append off the event loop: the 1-client floor.

``bench.bench_http`` runs this ASGI app under the same uvicorn and load generator as the real
server. It reads the body, makes one hop to the loop's executor doing nothing (the route's
append runs there, issue 15 item 2: blocking work never runs on the event loop) and answers
201 with a small JSON body. Its time per request is what any server obeying that rule pays
before doing any work, so ``library_ms / (library_ms + floor_ms)`` bounds the 1-client ratio.

:func:`create_appending` is the same app whose executor hop does the append itself — the
strict parse, ``SignedStatement.from_dict`` and ``LedgerService.submit`` on the ledger the
real server would open (``BIOTRAZA_*`` settings), answering a fixed 201: the cheapest server
that appends. That bound is lower than the arithmetic one above: on this 2-core VM, the event
loop's own work for a request cost it about twice the CPU when the executor thread between
two requests ran a real append instead of nothing (per-thread CPU from ``/proc/self/task``;
docs/performance.md, "HTTP appends"), so the floor app's time cannot simply be added to the
library's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["create", "create_appending"]

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
    return _app(None)


def create_appending() -> Asgi:
    """The app appending each POSTed statement (a uvicorn ``--factory``)."""
    from api.services.ledger import LedgerService
    from api.settings import Settings
    from ledger.canonical import parse_json_strict
    from ledger.statements import SignedStatement

    service = LedgerService.from_settings(Settings())

    def append(body: bytes) -> None:
        service.submit(SignedStatement.from_dict(parse_json_strict(body)))

    return _app(append)


def _app(work: Callable[[bytes], None] | None) -> Asgi:
    """The floor app; ``work`` (in the executor) takes each POST's body, else nothing runs."""

    async def app(
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        more = True
        chunks = []
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = bool(message.get("more_body", False))
        loop = asyncio.get_running_loop()
        if work is None or scope["method"] != "POST":
            await loop.run_in_executor(None, _nothing)
        else:
            await loop.run_in_executor(None, work, b"".join(chunks))
        status = 201 if scope["method"] == "POST" else 200
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(_ANSWER)),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": _ANSWER})

    return app
