"""``biotraza db roles``: the PostgreSQL owner and service roles, printed as SQL or applied.

Without ``--apply`` it prints the statements (for a DBA to read and run with psql); with it,
they run in one transaction on ``BIOTRAZA_ADMIN_DATABASE_URL`` (a superuser's or the database
owner's URL; ``BIOTRAZA_DATABASE_URL`` when unset), after migrating the database to the latest
revision. No password is created, printed or taken from the command line: set the roles'
passwords with psql's ``\\password`` (which sends only a hash), then point
``BIOTRAZA_DATABASE_URL`` of the server at the service role and run ``db upgrade`` as the
owner role.

Left out: the decisions themselves (``ledger.storage.sql.roles``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import cli_errors, db_app, fail, out, settings

__all__ = ["db_roles"]


@db_app.command("roles")
def db_roles(
    owner: Annotated[str, typer.Option(help="Role that owns the tables and migrates.")] = (
        "biotraza_owner"
    ),
    service: Annotated[str, typer.Option(help="Role the server runs as.")] = "biotraza_service",
    schema: Annotated[str, typer.Option(help="Schema of the ledger's tables.")] = "public",
    apply: Annotated[
        bool, typer.Option("--apply", help="Run it on BIOTRAZA_ADMIN_DATABASE_URL.")
    ] = False,
) -> None:
    """PostgreSQL: print (or --apply) the SQL that makes an owner role and a least-privilege
    service role, so the server cannot disable the append-only triggers."""
    from ledger.storage.sql import create_ledger_engine, upgrade_database
    from ledger.storage.sql.roles import RoleNames, apply_roles, roles_sql

    try:
        names = RoleNames(owner=owner, service=service, schema=schema)
    except ValueError as exc:
        fail(str(exc))
    if not apply:
        typer.echo("-- Biotraza roles: run as a superuser on a database at the latest revision")
        typer.echo(f"-- then set passwords in psql: \\password {owner} and \\password {service}")
        for statement in roles_sql(names):
            typer.echo(f"{statement};")
        return
    cfg = settings()
    url = cfg.admin_database_url or cfg.resolved_database_url
    with cli_errors():
        engine = create_ledger_engine(url)
        try:
            upgrade_database(engine)
            tables = apply_roles(engine, names)
        finally:
            engine.dispose()
    out.print(
        f"roles applied on schema {schema}: owner {owner} owns {tables} tables; "
        f"service {service} has the privileges of ledger.storage.sql.roles"
    )
