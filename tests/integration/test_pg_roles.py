"""The server runs as a role that cannot switch the append-only guarantees off.

* Every table and sequence the migrations create has a privilege decision
  (``ledger.storage.sql.roles``), on both engines — a new table without one fails here.
* ``biotraza db roles`` prints the SQL; ``--apply`` runs it as the administrator. Then, on
  PostgreSQL, the service role appends, reads, verifies and rebuilds projections, but cannot
  UPDATE, DELETE or TRUNCATE entries, disable a trigger, ``SET session_replication_role``,
  or create tables; ``--apply`` refuses a schema holding a table with no decision.

Every role a test creates is dropped afterwards, and what it owned handed back first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from api.services.ledger import LedgerService
from ledger.chain import append
from ledger.registry import Registry
from ledger.storage.sql import create_ledger_engine, upgrade_database
from ledger.storage.sql.roles import SEQUENCE_PRIVILEGES, TABLE_PRIVILEGES, RoleNames, roles_sql
from tests.conftest import PG_URL
from tests.factories import bootstrap, make_key, make_key_added
from tests.helpers_storage import is_sqlite_url, open_store

BIOTRAZA = str(Path(sys.executable).with_name("biotraza"))


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    return subprocess.run(  # noqa: S603 - the project's own console script
        [BIOTRAZA, *args],
        env={**base, "COLUMNS": "300", "NO_COLOR": "1", "TERM": "dumb", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_table_and_sequence_has_a_privilege_decision(db_url: str) -> None:
    engine = create_ledger_engine(db_url)
    try:
        upgrade_database(engine)
        tables = set(inspect(engine).get_table_names())
        assert tables == set(TABLE_PRIVILEGES)
        if not is_sqlite_url(db_url):
            with engine.connect() as conn:
                sequences = set(
                    conn.execute(
                        text(
                            "SELECT sequencename FROM pg_sequences "
                            "WHERE schemaname = current_schema()"
                        )
                    ).scalars()
                )
            assert sequences == set(SEQUENCE_PRIVILEGES)
    finally:
        engine.dispose()
    # History is never updatable or deletable by the service.
    for table in ("entries", "merkle_nodes", "checkpoints"):
        assert set(TABLE_PRIVILEGES[table]) == {"SELECT", "INSERT"}


def test_the_cli_prints_the_sql_and_refuses_bad_names() -> None:
    printed = run({}, "db", "roles", "--owner", "ow", "--service", "sv", "--schema", "ledger")
    assert printed.returncode == 0, printed.stderr
    lines = printed.stdout.splitlines()
    assert lines[2:] == [f"{s};" for s in roles_sql(RoleNames("ow", "sv", "ledger"))]
    assert 'GRANT SELECT, INSERT ON TABLE "ledger"."entries" TO "sv";' in lines
    bad = run({}, "db", "roles", "--service", "x; DROP TABLE entries")
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [
        "error: service: 'x; DROP TABLE entries' is not a plain role name "
        "(lowercase letters, digits, _)"
    ]
    same = run({}, "db", "roles", "--owner", "one", "--service", "one")
    assert same.returncode == 1 and "must differ from the owner" in same.stderr


@pytest.fixture
def roles(pg_schema_url: str) -> Iterator[tuple[RoleNames, str]]:
    """Fresh owner and service roles for the test's schema, applied through the CLI; the
    service role's URL. Dropped afterwards (what they own handed back to the admin first,
    so that the schema fixture can drop the schema)."""
    schema = make_url(pg_schema_url).query["options"]
    schema = str(schema).removeprefix("-csearch_path=")
    tag = uuid.uuid4().hex[:10]
    names = RoleNames(owner=f"bt_owner_{tag}", service=f"bt_service_{tag}", schema=schema)
    admin = create_engine(PG_URL)
    try:
        applied = run(
            {"BIOTRAZA_ADMIN_DATABASE_URL": pg_schema_url},
            "db",
            "roles",
            "--apply",
            "--owner",
            names.owner,
            "--service",
            names.service,
            "--schema",
            schema,
        )
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert f"owner {names.owner} owns {len(TABLE_PRIVILEGES)} tables" in applied.stdout
        yield names, make_url(pg_schema_url).set(username=names.service).render_as_string(False)
    finally:
        with admin.begin() as conn:
            for role in (names.service, names.owner):
                exists = conn.execute(
                    text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
                ).first()
                if exists:
                    conn.exec_driver_sql(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER')
                    conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                    conn.exec_driver_sql(f'DROP ROLE "{role}"')
        admin.dispose()


@pytest.mark.postgres
def test_the_service_role_appends_but_cannot_rewrite_or_switch_triggers_off(
    roles: tuple[RoleNames, str], registry: Registry
) -> None:
    names, service_url = roles
    with open_store(service_url) as store:
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar_one() == names.service
            is_super = conn.execute(
                text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            )
            assert is_super.scalar_one() is False
        keys = bootstrap(store, registry)
        for i in range(16):  # leaf 15 completes a stored Merkle node
            append(store, registry, make_key_added(keys.root, make_key(f"svc-{i}"), name=f"s{i}"))
        assert store.head().size == 17
        refused = [
            "UPDATE entries SET nonce = 'x' WHERE seq = 0",
            "DELETE FROM entries WHERE seq = 0",
            "TRUNCATE entries",
            "UPDATE merkle_nodes SET hash = hash",
            "DELETE FROM checkpoints",
            "SET session_replication_role = replica",
            "ALTER TABLE entries DISABLE TRIGGER entries_append_only",
            "DROP TRIGGER entries_append_only ON entries",
            "CREATE TABLE shadow (x int)",
        ]
        for statement in refused:
            with pytest.raises(DBAPIError) as caught, store.engine.begin() as conn:
                conn.exec_driver_sql(statement)
            # Refused for want of privilege, before any trigger had to say no.
            assert getattr(caught.value.orig, "sqlstate", None) == "42501", statement
        assert store.head().size == 17
    # What the server does as the service role works: verify, rebuild (projections).
    service = LedgerService.open(service_url)
    try:
        assert service.verify().size == 17
        assert service.rebuild() == 17
    finally:
        service.close()


@pytest.mark.postgres
def test_apply_refuses_a_schema_with_an_undecided_table(pg_schema_url: str) -> None:
    engine = create_ledger_engine(pg_schema_url)
    try:
        upgrade_database(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE surprise (id bigserial PRIMARY KEY)")
    finally:
        engine.dispose()
    schema = str(make_url(pg_schema_url).query["options"]).removeprefix("-csearch_path=")
    tag = uuid.uuid4().hex[:10]
    refused = run(
        {"BIOTRAZA_ADMIN_DATABASE_URL": pg_schema_url},
        "db",
        "roles",
        "--apply",
        "--owner",
        f"bt_owner_{tag}",
        "--service",
        f"bt_service_{tag}",
        "--schema",
        schema,
    )
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert "sequence surprise_id_seq, table surprise" in refused.stderr
    admin = create_engine(PG_URL)
    try:
        with admin.connect() as conn:
            made = conn.execute(
                text("SELECT count(*) FROM pg_roles WHERE rolname LIKE :p"), {"p": f"%{tag}"}
            )
            assert made.scalar_one() == 0  # nothing was created
    finally:
        admin.dispose()
