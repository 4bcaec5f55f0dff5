"""A client that goes away mid-request is normal, not a server error.

Phones on rural networks drop requests all the time. Starlette raises ``ClientDisconnect``
when a route reads the body of a request whose client has gone; left alone it reaches the
server's error handler and is logged as an ERROR with a traceback, burying real errors.
This middleware logs it at INFO, without traceback, and answers nothing: nobody is there.
"""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["QuietDisconnectMiddleware"]

logger = logging.getLogger(__name__)


class QuietDisconnectMiddleware:
    """Log ``ClientDisconnect`` at INFO and end the request without a response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except ClientDisconnect:
            logger.info("client disconnected during %s %s", scope.get("method"), scope["path"])
