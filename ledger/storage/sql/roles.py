"""PostgreSQL roles for a ledger: an owner that runs migrations, a service that only appends.

The append-only triggers stop the service from rewriting history only if the service cannot
switch them off. On PostgreSQL a table's owner can ``ALTER TABLE … DISABLE TRIGGER`` and a
superuser can ``SET session_replication_role = replica`` (which skips ordinary triggers), so
the service must be neither: it runs as a role with exactly the privileges each table needs
and owns nothing. The tables, their sequences and the trigger function belong to an owner
role, which runs ``biotraza db upgrade`` and never serves requests.

:data:`TABLE_PRIVILEGES` is the decision per table: history (entries, Merkle nodes,
checkpoints) gets SELECT and INSERT only; projections can also be updated and, for
``ledger rebuild``, deleted; operational tables get what their code runs. A table not in the
map gets nothing, and :func:`apply_roles` refuses to run while the schema has one (the test
suite checks that every table the migrations create has a decision).

What a superuser, or the owner, can still do, and how ``ledger verify`` catches it, is in
docs/security.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine, text

__all__ = [
    "SEQUENCE_PRIVILEGES",
    "TABLE_PRIVILEGES",
    "RoleNames",
    "apply_roles",
    "roles_sql",
    "undecided_objects",
]

TABLE_PRIVILEGES: dict[str, tuple[str, ...]] = {
    # History: the triggers refuse UPDATE, DELETE and TRUNCATE, and the service may not
    # even ask. INSERT is the append itself; a forged insert is caught by verify.
    "entries": ("SELECT", "INSERT"),
    "merkle_nodes": ("SELECT", "INSERT"),
    "checkpoints": ("SELECT", "INSERT"),
    # Projections: appends upsert documents (ON CONFLICT DO UPDATE) and add links
    # (ON CONFLICT DO NOTHING); ``ledger rebuild`` deletes and rewrites both.
    "state_objects": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "state_links": ("SELECT", "INSERT", "DELETE"),
    # Personal data: recorded, corrected (upsert) and erased on request.
    "personal_data": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    # Resolver scans: the log is only added to; tallies are upserted; a month's salt is
    # added and the previous months' deleted.
    "label_scans": ("SELECT", "INSERT"),
    "label_scan_places": ("SELECT", "INSERT", "UPDATE"),
    "label_scan_salts": ("SELECT", "INSERT", "DELETE"),
    # Distinct devices per label: added, or their last-seen day moved on (upsert).
    "label_scan_devices": ("SELECT", "INSERT", "UPDATE"),
    # Evidence-file uploads: one row per used authorization (replay refusal, quotas); the
    # charge is set once the file is stored.
    "blob_uploads": ("SELECT", "INSERT", "UPDATE"),
    # Refused device submissions: one row per statement (a retry bumps its count), the
    # oldest of a key deleted beyond the per-key cap.
    "device_refusals": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    # Phones asking to be enrolled: one row per key (asking again refreshes it), the least
    # recently asked deleted beyond the cap.
    "device_requests": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    # Signed reads: one row per used (key, nonce); rows past the replay horizon are deleted.
    "read_nonces": ("SELECT", "INSERT", "DELETE"),
    # Buyers' expressions of interest (off the ledger): counted for the rate limit, added,
    # listed for the association, deleted past the retention period (``market purge``);
    # nothing in the service updates them. Migration 0013 overwrites the old unkeyed client
    # hashes as the schema owner, so the keyed-hash change needs no new privilege.
    "market_interest": ("SELECT", "INSERT", "DELETE"),
    # Migrations are the owner's: the service only reads which revision it talks to.
    "alembic_version": ("SELECT",),
}
"""Privileges of the service role per table; every table of the schema must be here."""

SEQUENCE_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "label_scans_id_seq": ("USAGE",),  # nextval() for the scan log's id
}
"""Privileges of the service role per sequence; every sequence of the schema must be here."""

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class RoleNames:
    """Which roles and schema the statements name (plain lowercase SQL identifiers)."""

    owner: str = "biotraza_owner"
    service: str = "biotraza_service"
    schema: str = "public"

    def __post_init__(self) -> None:
        for field, value in (("owner", self.owner), ("service", self.service)):
            if not _IDENTIFIER.fullmatch(value):
                raise ValueError(
                    f"{field}: {value!r} is not a plain role name (lowercase letters, digits, _)"
                )
        if not _IDENTIFIER.fullmatch(self.schema):
            raise ValueError(
                f"schema: {self.schema!r} is not a plain schema name (lowercase letters, digits, _)"
            )
        if self.owner == self.service:
            raise ValueError("service: must differ from the owner (an owner can drop triggers)")


def _create_role(name: str, extra: str = "") -> list[str]:
    return [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN "
        f'CREATE ROLE "{name}" LOGIN; END IF; END $$',
        f'ALTER ROLE "{name}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION '
        f"NOBYPASSRLS{extra}",
    ]


def roles_sql(names: RoleNames) -> list[str]:
    """The statements, in order, that make the roles and hand out the privileges; safe to run
    again (after each ``db upgrade``, so new tables get their decision). Run by a superuser
    (or the database owner) on a database already at the latest revision."""
    owner, service, schema = f'"{names.owner}"', f'"{names.service}"', f'"{names.schema}"'
    statements = [
        *_create_role(names.owner),
        # NOINHERIT: even if someone later grants it a role, it does not act as that role.
        *_create_role(names.service, " NOINHERIT"),
        f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {owner}",
        f"GRANT USAGE ON SCHEMA {schema} TO {service}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        f"REVOKE CREATE ON SCHEMA {schema} FROM {service}",
        f"ALTER FUNCTION {schema}.biotraza_append_only() OWNER TO {owner}",
    ]
    for table, privileges in sorted(TABLE_PRIVILEGES.items()):
        qualified = f'{schema}."{table}"'
        statements += [
            # Also moves the table's indexes and the sequences of its serial columns.
            f"ALTER TABLE {qualified} OWNER TO {owner}",
            f"REVOKE ALL ON TABLE {qualified} FROM PUBLIC, {service}",
            f"GRANT {', '.join(privileges)} ON TABLE {qualified} TO {service}",
        ]
    for sequence, privileges in sorted(SEQUENCE_PRIVILEGES.items()):
        qualified = f'{schema}."{sequence}"'
        statements += [
            f"REVOKE ALL ON SEQUENCE {qualified} FROM PUBLIC, {service}",
            f"GRANT {', '.join(privileges)} ON SEQUENCE {qualified} TO {service}",
        ]
    if names.schema != "public":
        for role in (owner, service):
            statements.append(f"ALTER ROLE {role} SET search_path = {schema}")
    return statements


def undecided_objects(engine: Engine, schema: str) -> list[str]:
    """Tables and sequences of ``schema`` that have no privilege decision (sorted)."""
    with engine.connect() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
        ).scalars()
        sequences = conn.execute(
            text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s"), {"s": schema}
        ).scalars()
        found = [f"table {t}" for t in tables if t not in TABLE_PRIVILEGES]
        found += [f"sequence {s}" for s in sequences if s not in SEQUENCE_PRIVILEGES]
    return sorted(found)


def apply_roles(engine: Engine, names: RoleNames) -> int:
    """Run :func:`roles_sql` in one transaction on ``engine`` (an administrator's connection
    to a database at the latest revision); returns the number of tables granted.

    Raises:
        ValueError: not PostgreSQL, or the schema has a table or sequence with no decision
            (nothing is changed then).
    """
    if engine.dialect.name != "postgresql":
        raise ValueError("database URL: roles exist on PostgreSQL only (SQLite has no roles)")
    undecided = undecided_objects(engine, names.schema)
    if undecided:
        raise ValueError(
            f"schema {names.schema}: no privilege decision for {', '.join(undecided)} "
            "(add it to ledger.storage.sql.roles)"
        )
    with engine.begin() as conn:
        for statement in roles_sql(names):
            conn.exec_driver_sql(statement)
    return len(TABLE_PRIVILEGES)
