"""``biotraza serve`` and ``biotraza demo``: run the HTTP app, with or without demo data."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import (
    app,
    cli_errors,
    out,
    settings,
)


def ensure_port_free(host: str, port: int) -> None:
    """Fail in one line, before any work, when nothing can listen on ``host:port``.

    Raises:
        ValueError: the port is taken (or not ours to bind), naming it and the way out.
    """
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ValueError(
                f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc}); "
                "another server may be running there: choose another port "
                "(--port N, or make demo PORT=N)"
            ) from exc


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP API (uvicorn)."""
    import uvicorn

    from api.services.ledger import LedgerService

    cfg = settings()
    with cli_errors():
        ensure_port_free(host or cfg.host, port or cfg.port)
        LedgerService.from_settings(cfg).close()  # migrate (and seal) once, before workers
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or cfg.host,
        port=port or cfg.port,
        workers=workers,
    )


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option(help="Where the demo ledger and keys go.")] = Path(
        "biotraza-demo"
    ),
    run_server: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the server afterwards.")
    ] = True,
    port: Annotated[int, typer.Option(help="Port for --serve.")] = 8000,
    database_url: Annotated[
        str | None,
        typer.Option(help="Put the demo in this database instead of SQLite under DATA_DIR."),
    ] = None,
) -> None:
    """Build the demo ledger (SQLite under DATA_DIR by default) and serve it.

    The demo never writes into the configured ledger: it uses DATA_DIR (not
    BIOTRAZA_DATA_DIR) and its own SQLite file unless --database-url is given.
    """
    from api.demo import build_demo
    from ledger.storage.sql import redact_url

    os.environ["BIOTRAZA_DATA_DIR"] = str(data_dir.resolve())
    os.environ.pop("BIOTRAZA_DATABASE_URL", None)
    if database_url:
        os.environ["BIOTRAZA_DATABASE_URL"] = database_url
    os.environ.setdefault("BIOTRAZA_KEY_PASSPHRASE", "demo-passphrase-not-secret")
    cfg = settings()
    with cli_errors():
        if run_server:
            ensure_port_free(cfg.host, port)  # before minutes of building, not after
        summary = build_demo(cfg, port=port)
    out.print(f"demo ledger: {summary['size']} entries in {redact_url(cfg.resolved_database_url)}")
    base = f"http://{cfg.host}:{port}"
    out.print(f"lots:   {base}/  (index of export lots, Spanish/English)", highlight=False)
    out.print(
        f"app:    {base}/app/  (the association's field app; `make webapp` builds it)",
        highlight=False,
    )
    for name, label in summary.get("labels", {}).items():
        out.print(f"label {name:15} {base}{label['path']}", highlight=False)
    if run_server:
        out.print(f"serving on {base}/  (API reference: {base}/docs)", highlight=False)
        serve(host=None, port=port, workers=1)
