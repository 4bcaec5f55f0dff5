"""``biotraza evidence …`` and ``biotraza blob …``: evidence with its files, and the file store.

Recording evidence with attachments is two steps that must happen in this order: the files go
to the content-addressed store first (locally, or to a server with ``--server``), then the
signed ``evidence.recorded`` entry cites their SHA-256. A ledger entry therefore never points
at a file nobody can fetch, and re-running the command after a dropped connection is safe:
the upload is idempotent by hash and the statement by its nonce.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.common import (
    ServerOpt,
    app,
    cli_errors,
    load_key,
    opened_service,
    out,
    progress,
    settings,
    submit,
)

if TYPE_CHECKING:  # types only: the modules load when a command runs
    from api.settings import Settings
    from ledger.storage.blobs import BlobStore

__all__ = ["blob_app", "evidence_app"]

evidence_app = typer.Typer(no_args_is_help=True, help="Evidence: measurements and declarations.")
blob_app = typer.Typer(no_args_is_help=True, help="Evidence files, stored by SHA-256.")
app.add_typer(evidence_app, name="evidence")
app.add_typer(blob_app, name="blob")


def local_blobs(cfg: Settings) -> BlobStore:
    """The configured local file store."""
    from ledger.storage.blobs import BlobStore

    return BlobStore(cfg.blob_dir, cfg.max_blob_bytes)


def upload(
    cfg: Settings, path: Path, server: str | None, signer: str | None = None
) -> dict[str, Any]:
    """Store one file (locally or on ``server``, authorized by the stored key ``signer``); its
    attachment record for an entry."""
    from api.client import BiotrazaClient

    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if server:
        if not signer:
            raise ValueError("--signer: uploading to a server needs a ledger key to sign with")
        with BiotrazaClient(server) as client:
            client.put_blob(data, digest, load_key(cfg, signer))
    else:
        local_blobs(cfg).put_bytes(data, digest)
    media_type = mimetypes.guess_type(path.name)[0]
    record: dict[str, Any] = {"sha256": digest, "name": path.name[:200]}
    if media_type:
        record["media_type"] = media_type
    return record


def parse_value(text: str) -> Any:
    """A JSON value (number, true/false, list…) when the text is one, else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


@evidence_app.command("record")
def evidence_record(
    evidence_id: str,
    subject: Annotated[str, typer.Option(help="KIND:ID, e.g. plot:pl-1, apiary:ap-3, lot:h-1.")],
    field: Annotated[str, typer.Option(help="Evidence field, e.g. shade_cover_pct.")],
    value: Annotated[str, typer.Option(help='The value: JSON (55, true, ["x"]) or text.')],
    observed_on: Annotated[str, typer.Option(help="Day observed, YYYY-MM-DD.")],
    method: Annotated[str, typer.Option(help="How it was measured or declared.")],
    signer: Annotated[str, typer.Option(help="Stored key of the association or certifier.")],
    attach: Annotated[
        list[Path], typer.Option("--attach", help="A file the evidence rests on (repeat).")
    ] = [],  # noqa: B006 - typer reads list defaults, never mutates them
    server: ServerOpt = None,
) -> None:
    """Upload the attached files, then sign and record the evidence citing their hashes."""
    from ledger.statements import sign_statement

    cfg = settings()
    with cli_errors():
        kind, sep, subject_id = subject.partition(":")
        if not sep or not subject_id:
            raise ValueError("--subject must be KIND:ID, e.g. plot:pl-1")
        attachments = [upload(cfg, path, server, signer) for path in attach]
        body = {
            "evidence_id": evidence_id,
            "subject_kind": kind,
            "subject_id": subject_id,
            "field": field,
            "value": parse_value(value),
            "observed_on": observed_on,
            "method": method,
            "attachments": attachments,
        }
        signed = sign_statement(load_key(cfg, signer), "evidence.recorded", body)
        result = submit(cfg, signed, server)
    files = f" with {len(attachments)} file(s)" if attachments else ""
    out.print(f"evidence {evidence_id}{files} at seq {result['seq']}")


@evidence_app.command("show")
def evidence_show(evidence_id: str) -> None:
    """A recorded evidence item, each attachment marked stored or missing here."""
    from api.services.supply import document

    cfg = settings()
    with cli_errors(), opened_service(cfg) as service:
        doc = document(service, "evidence", evidence_id)
    blobs = local_blobs(cfg)
    for attachment in doc.get("attachments", []):
        attachment["stored"] = blobs.exists(attachment["sha256"])
    typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))


@blob_app.command("put")
def blob_put(
    files: list[Path],
    server: ServerOpt = None,
    signer: Annotated[
        str | None,
        typer.Option(help="With --server: stored key (association or certifier) to authorize."),
    ] = None,
) -> None:
    """Store files by SHA-256 and print each hash (for an entry's attachments)."""
    cfg = settings()
    with cli_errors():
        for path in files:
            record = upload(cfg, path, server, signer)
            out.print(f"{record['sha256']}  {path}", highlight=False)


@blob_app.command("get")
def blob_get(
    sha256: str,
    output: Annotated[Path, typer.Option("--out", "-o", help="Where to write the file.")],
    server: ServerOpt = None,
    signer: Annotated[
        str | None,
        typer.Option(
            help="With --server: stored key entitled to the file (root, certifier, the "
            "association whose evidence cites it, or its uploader) to sign the read."
        ),
    ] = None,
) -> None:
    """Fetch a stored file by hash, checked against it, into ``--out``."""
    from api.client import BiotrazaClient
    from ledger.storage.blobs import check_digest

    cfg = settings()
    with cli_errors():
        check_digest(sha256)
        if server:
            if not signer:
                raise ValueError(
                    "--signer: evidence files on a server are read with a signed request"
                )
            with BiotrazaClient(server) as client:
                data = client.get_blob(sha256, load_key(cfg, signer))
        else:
            data = local_blobs(cfg).read_bytes(sha256)
        output.write_bytes(data)
    out.print(f"{len(data)} bytes → {output}", highlight=False)


@blob_app.command("verify")
def blob_verify() -> None:
    """Re-hash every stored file; name any whose bytes no longer match (exit 1)."""
    from ledger.errors import IntegrityError

    cfg = settings()
    blobs = local_blobs(cfg)
    digests = sorted(blobs.digests())
    bad: list[str] = []
    with progress() as bar:
        task = bar.add_task("verify files", total=len(digests))
        for digest in digests:
            try:
                for _chunk in blobs.read(digest):
                    pass
            except IntegrityError:
                bad.append(digest)
            bar.advance(task)
    for digest in bad:
        out.print(f"[red]corrupt[/red] {digest}")
    out.print(f"{len(digests) - len(bad)} of {len(digests)} files intact")
    if bad:
        raise typer.Exit(1)
