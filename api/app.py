"""The FastAPI application factory: wiring only, built per call, never at import time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from api.http.compression import PageCompressionMiddleware
from api.http.disconnects import QuietDisconnectMiddleware
from api.http.docs_ui import install_docs
from api.http.early_route import EarlyRoute
from api.http.entry_schemas import add_entry_schemas
from api.http.errors import install_error_handlers
from api.http.limits import BodyLimitMiddleware
from api.http.openapi import install_method_not_allowed, install_openapi
from api.http.params import check_parameters
from api.http.routes import blobs, certification, devices, entries, exports, log, supply
from api.http.routes import credentials as credential_routes
from api.http.routes import epcis as epcis_routes
from api.http.routes import eudr as eudr_routes
from api.http.routes import labels as label_routes
from api.market import routes as market_routes
from api.services.checkpointer import Checkpointer
from api.services.ledger import LedgerService
from api.services.market import market_source_key
from api.services.uploads import UploadGate, UploadPolicy
from api.settings import Settings
from api.web.app_files import DEFAULT_DIST
from api.web.routes import credentials as credential_pages
from api.web.routes import label_scans, pages, resolver
from api.web.routes.field_app import install_field_app
from ledger.errors import KeyStoreError
from ledger.keystore import KeyStore
from ledger.private_paths import private_dir
from ledger.storage.blobs import BlobStore

logger = logging.getLogger(__name__)

__all__ = ["create_app", "load_operator_key"]


def load_operator_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The log operator's private key, if the key store has it and the passphrase is set.

    Without it the server still serves the checkpoints already issued (by ``biotraza
    checkpoint`` or another server) but cannot sign new ones.
    """
    store = KeyStore(settings.key_dir)
    if not settings.key_passphrase or not store.exists(settings.operator_key_name):
        return None
    try:
        return store.load(settings.operator_key_name, settings.key_passphrase)
    except KeyStoreError:
        logger.warning("operator key %s could not be decrypted", settings.operator_key_name)
        return None


async def _tick_forever(checkpointer: Checkpointer) -> None:
    """Sign a checkpoint every ``max_age_seconds`` if the tree grew: the bound on how long the
    newest entries wait for a checkpoint when no further append comes."""
    while True:
        await asyncio.sleep(checkpointer.policy.max_age_seconds)
        try:
            await run_in_threadpool(checkpointer.tick)
        except Exception:
            # A database outage must not end the schedule: the next tick tries again.
            logger.exception("scheduled checkpoint failed")


def create_app(settings: Settings | None = None, service: LedgerService | None = None) -> FastAPI:
    """Build the app for ``settings`` (read from the environment when omitted).

    A ``service`` may be passed in (tests, the CLI's ``serve``); otherwise one is opened on the
    configured database, migrating it first.
    """
    settings = settings or Settings()
    # Keys, evidence files and the SQLite file (personal data) live here: owner-only.
    private_dir(settings.data_dir)
    own_service = service is None
    service = service or LedgerService.from_settings(
        settings, operator_key=load_operator_key(settings)
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        checkpointer = service.checkpointer
        ticker = None if checkpointer is None else asyncio.create_task(_tick_forever(checkpointer))
        yield
        if ticker is not None:
            ticker.cancel()
        if own_service:
            service.close()

    app = FastAPI(
        title="Biotraza",
        version="0.1.0",
        summary="Traceability and biolabel certification ledger",
        lifespan=lifespan,
        dependencies=[Depends(check_parameters)],
        # FastAPI's built-in OpenTelemetry: asked on every request whether a provider is
        # configured (about 20 µs). Nothing here exports telemetry; off, so nobody pays it.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        docs_url=None,  # served from local files by install_docs
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = service
    # Buyers' interest keeps each client only as a keyed hash; the key is a file beside the
    # other keys, made at the first start and read at every one after (the bound survives).
    app.state.market_source_key = market_source_key(settings.data_dir)
    app.state.blobs = BlobStore(settings.blob_dir, settings.max_blob_bytes)
    upload_policy = UploadPolicy(
        settings.upload_window_seconds,
        settings.upload_bytes_per_key_per_day,
        settings.upload_bytes_per_key_total,
        settings.upload_min_free_bytes,
    )
    app.state.upload_gate = UploadGate(service, app.state.blobs, upload_policy)
    install_error_handlers(app)

    def body_limit(path: str) -> int:
        # Evidence files are the one body that is not a JSON document; a batch of signed
        # statements is one JSON document of many.
        if path == "/api/v1/blobs" or path.startswith("/api/v1/blobs/"):
            return settings.max_blob_bytes
        if path == entries.BATCH_PATH:
            return settings.max_batch_bytes
        return settings.max_request_bytes

    app.add_middleware(BodyLimitMiddleware, limit_for=body_limit)
    app.add_middleware(QuietDisconnectMiddleware)
    app.add_middleware(PageCompressionMiddleware)
    # Appends skip the framework's routing, with the same limits and error handlers
    # (api.http.early_route; docs/performance.md, "HTTP appends").
    app.add_middleware(
        EarlyRoute,
        method="POST",
        path=entries.ENTRIES_PATH,
        endpoint=entries.submit_entry,
        limit_for=body_limit,
        handlers=app.exception_handlers,
    )
    install_method_not_allowed(app)
    app.include_router(entries.router)
    app.include_router(log.router)
    app.include_router(supply.router)
    app.include_router(devices.router)
    app.include_router(certification.router)
    app.include_router(label_routes.router)
    app.include_router(exports.router)
    app.include_router(eudr_routes.router)
    app.include_router(epcis_routes.router)
    app.include_router(blobs.router)
    app.include_router(credential_routes.router)
    app.include_router(pages.router)
    app.include_router(market_routes.router)
    app.include_router(resolver.router)
    app.include_router(label_scans.router)
    app.include_router(credential_pages.router)
    install_openapi(app, extend=add_entry_schemas)
    install_docs(app)
    install_field_app(app, settings.webapp_dir or DEFAULT_DIST)
    return app
