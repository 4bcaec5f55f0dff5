"""The FastAPI application factory: wiring only, built per call, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.routes import entries
from api.service import LedgerService
from api.settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, service: LedgerService | None = None) -> FastAPI:
    """Build the app for ``settings`` (read from the environment when omitted).

    A ``service`` may be passed in (tests, the CLI's ``serve``); otherwise one is opened on the
    configured database, migrating it first.
    """
    settings = settings or Settings()
    own_service = service is None
    service = service or LedgerService.open(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if own_service:
            service.close()

    app = FastAPI(
        title="Biotraza",
        version="0.1.0",
        summary="Traceability and biolabel certification ledger",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.service = service
    install_error_handlers(app)
    app.include_router(entries.router)
    return app
