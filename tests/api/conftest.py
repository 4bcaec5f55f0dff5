"""Fixtures shared by the HTTP API tests."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from api.app import create_app
from api.services.ledger import LedgerService
from api.settings import Settings
from tests.factories import make_genesis, make_key

with warnings.catch_warnings():
    # The test client's import-time preference is not ours to fix.
    warnings.filterwarnings("ignore", category=StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


@pytest.fixture
def genesis_client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The app over a ledger holding only its genesis, once per engine.

    Server exceptions come back as responses (``raise_server_exceptions=False``): the
    tests using it check that bad requests never become a 500, so a 500 must be seen.
    """
    service = LedgerService.open(db_url)
    service.submit(make_genesis(make_key("root"), make_key("operator")))
    try:
        app = create_app(Settings(data_dir=tmp_path, database_url=db_url), service)
        with TestClient(app, raise_server_exceptions=False) as test_client:
            yield test_client
    finally:
        service.close()
