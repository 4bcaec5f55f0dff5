"""Shared fixtures: a fresh ledger database per test, on SQLite and on PostgreSQL.

PostgreSQL runs by default against the machine's server (``BIOTRAZA_TEST_PG_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); each test gets its own schema, dropped
afterwards. Only ``BIOTRAZA_TEST_PG=0`` skips it: if PostgreSQL is expected but down, the
tests fail instead of silently skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from api.services.ledger import LedgerService
from ledger.catalog import core_registry
from ledger.registry import Registry
from ledger.storage.sql import SqlLedgerStore
from tests.helpers_storage import open_store

PG_URL = os.environ.get("BIOTRAZA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_enabled() -> bool:
    """PostgreSQL tests run unless explicitly turned off."""
    return os.environ.get("BIOTRAZA_TEST_PG", "1") != "0"


def _schema_url(schema: str) -> str:
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """A URL whose connections see only a fresh, empty schema; dropped on leaving.

    Skips the calling test when PostgreSQL tests are turned off. Fixtures of any scope use
    it (a per-test database below, a module's or a session's demo elsewhere).
    """
    if not pg_enabled():
        pytest.skip("BIOTRAZA_TEST_PG=0: PostgreSQL tests turned off explicitly")
    schema = f"bt_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A URL whose connections see only a fresh, empty schema; dropped after the test."""
    with fresh_pg_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """A URL of an empty database, once per engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/ledger.db"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


@pytest.fixture
def registry() -> Registry:
    """The core entry types."""
    return core_registry()


@pytest.fixture
def sql_store(db_url: str) -> Iterator[SqlLedgerStore]:
    """A migrated, empty SQL ledger store."""
    with open_store(db_url) as store:
        yield store


@pytest.fixture
def service(db_url: str) -> Iterator[LedgerService]:
    """A ledger service over the empty per-engine database, closed after the test.

    The plain service most API and integration tests need; a test module that needs a
    seeded ledger defines its own ``service`` fixture, which overrides this one.
    """
    opened = LedgerService.open(db_url)
    try:
        yield opened
    finally:
        opened.close()
