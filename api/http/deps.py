"""FastAPI dependencies as ``Annotated`` aliases: routes ask for what they need by type.

The providers are ``async def`` because they only look up ``app.state``: a sync provider
would cost a threadpool round trip per request for nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.services.ledger import LedgerService
from api.services.uploads import UploadGate
from api.settings import Settings
from ledger.storage.blobs import BlobStore

__all__ = ["BlobsDep", "ServiceDep", "SettingsDep", "UploadGateDep"]


async def _service(request: Request) -> LedgerService:
    service: LedgerService = request.app.state.service
    return service


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _blobs(request: Request) -> BlobStore:
    blobs: BlobStore = request.app.state.blobs
    return blobs


async def _upload_gate(request: Request) -> UploadGate:
    gate: UploadGate = request.app.state.upload_gate
    return gate


ServiceDep = Annotated[LedgerService, Depends(_service)]
SettingsDep = Annotated[Settings, Depends(_settings)]
BlobsDep = Annotated[BlobStore, Depends(_blobs)]
UploadGateDep = Annotated[UploadGate, Depends(_upload_gate)]
