"""``biotraza credential …``: a producer's "Constancia de producción y entregas".

``issue`` computes the credential from the local ledger, records ``credential.issued`` and
signs it with the association's key; ``--pdf`` also prints the one-page Spanish PDF whose QR
leads to the public verifier page (the credential is then kept in the local file store under
its SHA-256, which only the paper names). ``verify`` needs nothing but the file (and, to read
the revocation bit, the association's status list); ``revoke`` records the association's
signed ``credential.revoked``; ``status-list`` prints the list the server publishes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.common import app, cli_errors, load_key, opened_service, out, settings
from api.cli.labels import LangOpt, VerdictJsonOpt

if TYPE_CHECKING:
    from verifiers.credentials import CredentialVerdict

__all__ = ["credential_app"]

credential_app = typer.Typer(
    no_args_is_help=True,
    help="Producer credentials (Constancia de producción y entregas): issue, verify, revoke.",
)
app.add_typer(credential_app, name="credential")


def _read_json(path: Path, what: str) -> Any:
    from ledger.canonical import parse_json_strict
    from ledger.errors import EncodingError

    try:
        return parse_json_strict(path.read_bytes())
    except OSError as exc:
        raise ValueError(f"{what}: cannot read {path}: {exc.strerror}") from exc
    except EncodingError as exc:
        raise ValueError(f"{what}: {path} is not JSON: {exc}") from exc


def _host(service: Any, host: str | None) -> str:
    from api.services.labels import resolver_host

    return host or resolver_host(service)


def verify_url(host: str, digest: str) -> str:
    """The public verifier page's address for a stored credential."""
    return f"https://{host}/credentials/verify?sha256={digest}"


def _file_and_pdf(
    cfg: Any, service: Any, credential: dict[str, Any], where: str, pdf: Path | None, lang: str
) -> bytes:
    """The credential's JSON file bytes; with ``pdf``, also stores them (the QR's verifier
    page reads them by SHA-256) and writes the printable page with the signers the local
    ledger verifies (the association, and any certifier that co-signed)."""
    from api.cli.evidence import local_blobs
    from api.exports.credential_pdf import credential_pdf
    from api.services.credentials import verify_here

    data = json.dumps(credential, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    if pdf is not None:
        signers = verify_here(service, credential).signers
        digest = local_blobs(cfg).put_bytes(data).sha256
        pdf.write_bytes(credential_pdf(credential, verify_url(where, digest), signers, lang))
    return data


PdfOpt = Annotated[
    Path | None,
    typer.Option(help="Also write the printable PDF (with QR and who signed it)."),
]


@credential_app.command("issue")
def credential_issue(
    producer_id: str,
    signer: Annotated[str, typer.Option(help="The association's stored key.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Credential JSON file to write.")],
    pdf: PdfOpt = None,
    no_name: Annotated[
        bool, typer.Option("--no-name", help="Leave the name out even with consent.")
    ] = False,
    host: Annotated[
        str | None, typer.Option(help="Host of the status list and verifier page.")
    ] = None,
    lang: LangOpt = "es",
) -> None:
    """Issue a producer's credential from the local ledger (signed by the association)."""
    from api.services.credentials import issue_credential

    cfg = settings()
    with cli_errors():
        key = load_key(cfg, signer)
        with opened_service(cfg, with_operator=cfg_has_operator(cfg)) as service:
            where = _host(service, host)
            issued = issue_credential(service, producer_id, key, host=where, with_name=not no_name)
            data = _file_and_pdf(cfg, service, issued.credential, where, pdf, lang)
        output.write_bytes(data)
    out.print(
        f"credential {issued.credential['id']} for {producer_id} written to {output} "
        f"(recorded at seq {issued.recorded.entry.seq})",
        markup=False,
        highlight=False,
    )


@credential_app.command("cosign")
def credential_cosign(
    file: Annotated[Path, typer.Argument(help="The credential JSON file.")],
    key: Annotated[str, typer.Option("--key", help="The certifier's stored key.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to write (default: FILE).")
    ] = None,
    pdf: PdfOpt = None,
    host: Annotated[
        str | None, typer.Option(help="Host of the verifier page (for --pdf's QR).")
    ] = None,
    lang: LangOpt = "es",
) -> None:
    """Co-sign a credential as its certifier: a second, independent proof (a proof set) by an
    accredited certifier key, checked against the local ledger."""
    from api.services.credentials import cosign_credential

    cfg = settings()
    with cli_errors():
        credential = _read_json(file, "FILE")
        if not isinstance(credential, dict):
            raise ValueError("FILE: a credential is a JSON object")
        signer = load_key(cfg, key)
        with opened_service(cfg, with_operator=cfg_has_operator(cfg)) as service:
            signed = cosign_credential(service, credential, signer)
            data = _file_and_pdf(cfg, service, signed, _host(service, host), pdf, lang)
    target = output or file
    target.write_bytes(data)
    out.print(f"credential {signed['id']} co-signed, written to {target}", markup=False)


def cfg_has_operator(cfg: Any) -> bool:
    """Whether the operator key is in the local key store (then a fresh checkpoint is signed)."""
    from api.cli.common import keystore

    return bool(keystore(cfg).exists(cfg.operator_key_name))


def _print(verdict: CredentialVerdict, lang: str) -> None:
    es = lang == "es"
    if verdict.revoked:
        out.print(f"[bold red]{'REVOCADA' if es else 'REVOKED'}[/]")
    else:
        out.print(f"[bold green]{'VÁLIDA' if es else 'VALID'}[/]")
    status = {
        None: "estado no consultado (sin lista de estado)"
        if es
        else "status not checked (no status list)",
        False: "no revocada" if es else "not revoked",
        True: "revocada por la asociación" if es else "revoked by the association",
    }[verdict.revoked]
    lines = [
        f"{'emitida por' if es else 'issued by'} {verdict.issuer_name} ({verdict.org_id})",
        f"{'productor' if es else 'producer'} {verdict.producer_id}",
        f"{'bitácora' if es else 'log'} {verdict.origin}, "
        f"{verdict.entries_checked} "
        f"{'entradas con prueba de inclusión' if es else 'entries proved included'} "
        f"({'árbol de' if es else 'tree of'} {verdict.tree_size})",
        f"{'clave de la bitácora' if es else 'log key'} {verdict.verifier_key}",
        status,
    ]
    for signer in verdict.signers:
        role = signer["role"]
        if role == "association":
            who = "firmada por la asociación" if es else "signed by the association"
        else:
            who = "cofirmada por el certificador" if es else "co-signed by the certifier"
        ident = signer.get("org_id") or signer.get("certifier_id")
        lines.append(
            f"{who} {signer['name']} ({ident}, {'llave' if es else 'key'} {signer['key_id']})"
        )
    for line in lines:
        out.print(f"  {line}", markup=False, highlight=False)


@credential_app.command("verify")
def credential_verify(
    file: Annotated[Path, typer.Argument(help="The credential JSON file.")],
    status_list: Annotated[
        Path | None,
        typer.Option("--status-list", help="The association's status list JSON (revocation)."),
    ] = None,
    log_key: Annotated[
        str | None, typer.Option("--log-key", help="The log's verifier key you trust.")
    ] = None,
    as_json: VerdictJsonOpt = False,
    lang: LangOpt = "es",
) -> None:
    """Offline: verify a credential (signature, log evidence, status). Exit 0 only if valid
    and not revoked."""
    from dataclasses import asdict

    from verifiers.credentials import verify_credential

    with cli_errors():
        credential = _read_json(file, "FILE")
        listed = _read_json(status_list, "--status-list") if status_list else None
        if not isinstance(credential, dict):
            raise ValueError("FILE: a credential is a JSON object")
        verdict = verify_credential(credential, trusted_log_key=log_key, status_list=listed)
    if as_json:
        typer.echo(json.dumps(asdict(verdict), ensure_ascii=False))
    else:
        _print(verdict, lang)
    if verdict.revoked:
        raise typer.Exit(1)


@credential_app.command("revoke")
def credential_revoke(
    credential_id: Annotated[str, typer.Argument(help="The credential's urn:uuid id.")],
    signer: Annotated[str, typer.Option(help="The issuing association's stored key.")],
    reason: Annotated[str, typer.Option(help="Why (no personal data).")],
) -> None:
    """Revoke a credential: the association's signed credential.revoked entry."""
    from api.services.credentials import revoke_credential

    cfg = settings()
    with cli_errors():
        key = load_key(cfg, signer)
        with opened_service(cfg) as service:
            result = revoke_credential(service, credential_id, key, reason)
    out.print(f"credential {credential_id} revoked at seq {result.entry.seq}", markup=False)


@credential_app.command("status-list")
def credential_status_list(
    org_id: str,
    output: Annotated[Path, typer.Option("--output", "-o", help="Status list JSON to write.")],
    host: Annotated[str | None, typer.Option(help="Host the list's URL names.")] = None,
) -> None:
    """Write an association's status list, signed by the log operator (needs its key)."""
    from api.services.credentials import status_list

    cfg = settings()
    with cli_errors():
        with opened_service(cfg, with_operator=True) as service:
            document = status_list(service, org_id, _host(service, host))
        output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    out.print(f"status list of {org_id} written to {output}", markup=False)
