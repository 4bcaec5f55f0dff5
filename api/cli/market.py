"""``biotraza market interest ORG_ID``: buyers' messages about an organization's lots.

Expressions of interest are kept off the ledger, in the local database's private side table
(``ledger.storage.sql.interest``); like members' personal data, the local CLI reads them
straight from the database (whoever runs it holds the database), while over HTTP they need
a request signed by the organization's key (``GET /api/v1/market/interest/{org_id}``).

``biotraza market purge`` deletes messages past the retention period
(``api.services.interest_retention``, 180 days unless ``--older-than-days``).

Left out: offers, which are ordinary signed entries (``biotraza submit lot.offered``).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import app, cli_errors, fail, opened_service, out, settings
from api.cli.labels import LangOpt
from api.services.interest_retention import INTEREST_RETENTION_DAYS

__all__ = ["market_app"]

market_app = typer.Typer(no_args_is_help=True, help="The buyers' market: interest in lots.")
app.add_typer(market_app, name="market")


@market_app.command("interest")
def market_interest(
    org_id: Annotated[str, typer.Argument(help="The organization holding the lots.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List buyers' messages about an organization's lots, newest first (local database)."""
    from api.services.market import interests_of
    from ledger.supply.orgs import ORG_KIND

    cfg = settings()
    with cli_errors(), opened_service(cfg) as service:
        if service.store.state_get(ORG_KIND, org_id) is None:
            fail(f"org_id: no organization {org_id!r} in the ledger")
        rows = interests_of(service, org_id)
    if as_json:
        typer.echo(json.dumps({"data": rows, "count": len(rows)}, ensure_ascii=False, indent=2))
        return
    if not rows:
        out.print(f"no messages for {org_id}")
        return
    table = Table("received", "lot", "name", "company", "e-mail", "kg", "message")
    for row in rows:
        table.add_row(
            row["received_at"], row["lot_id"], row["name"], row.get("company", ""),
            row["email"], row["quantity_kg"], row.get("message", "")[:80],
        )  # fmt: skip
    out.print(table)


@market_app.command("purge")
def market_purge(
    older_than_days: Annotated[
        int,
        typer.Option(
            "--older-than-days",
            min=0,
            help="Delete messages received more than this many days ago "
            "(default: the documented retention, 180).",
        ),
    ] = INTEREST_RETENTION_DAYS,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    lang: LangOpt = "es",
) -> None:
    """Delete buyers' messages past the retention period (all organizations, local database):
    a stranger's name and e-mail are kept only as long as the follow-up needs them."""
    from api.i18n import mx_date
    from api.services.interest_retention import purge_interest

    cfg = settings()
    with cli_errors(), opened_service(cfg) as service:
        deleted, before = purge_interest(service, older_than_days)
    if as_json:
        found = {"deleted": deleted, "received_before": before, "days": older_than_days}
        typer.echo(json.dumps(found))
        return
    day, time = mx_date(before), before[11:16]
    out.print(
        f"{deleted} mensajes de compradores borrados: los recibidos antes del {day} a las "
        f"{time} UTC (retención de {older_than_days} días)"
        if lang == "es"
        else f"{deleted} buyer messages deleted: those received before {day} at {time} UTC "
        f"(retention {older_than_days} days)",
        markup=False,
        highlight=False,
    )
