"""``biotraza`` commands of certification: standards, evaluation, verifications, eligibility."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from api.cli.common import (
    ServerOpt,
    app,
    cli_errors,
    load_key,
    open_service,
    opened_service,
    out,
    server_option,
    settings,
    submit,
)

__all__ = ["accreditation_app", "standard_app", "verification_app"]

standard_app = typer.Typer(no_args_is_help=True, help="Standards: list, show, diff, publish.")
verification_app = typer.Typer(no_args_is_help=True, help="Certifiers' verifications.")
app.add_typer(standard_app, name="standard")
app.add_typer(verification_app, name="verification")
accreditation_app = typer.Typer(
    no_args_is_help=True, help="Accreditation of certification bodies (root-signed)."
)
app.add_typer(accreditation_app, name="accreditation")


def _echo(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@standard_app.command("list")
def standard_list() -> None:
    """Standards shipped with Biotraza and those published in this ledger."""
    from api.services.certification import published_standards
    from verifiers.standards.model import shipped_standards

    cfg = settings()
    with cli_errors():
        service = open_service(cfg)
        try:
            published = {
                f"{s['id']}@{s['version']}": s["hash"] for s in published_standards(service)
            }
        finally:
            service.close()
    for ref, standard in sorted(shipped_standards().items()):
        state = f"published {published.pop(ref)[:16]}…" if ref in published else "not published"
        out.print(f"{ref:20} {standard.title.en} — {state}")
    for ref, digest in sorted(published.items()):
        out.print(f"{ref:20} (published only) {digest[:16]}…")


@standard_app.command("show")
def standard_show(ref: str) -> None:
    """Print a standard (shipped ``id@version``, or published id/hash) as JSON."""
    from api.services.certification import resolve_standard
    from verifiers.standards.model import shipped_standards

    cfg = settings()
    shipped = shipped_standards()
    if ref in shipped:
        _echo(shipped[ref].to_dict())
        return
    with cli_errors():
        service = open_service(cfg)
        try:
            digest, standard = resolve_standard(service, ref)
        finally:
            service.close()
    _echo({"hash": digest, **standard.to_dict()})


@standard_app.command("diff")
def standard_diff_command(a: str, b: str) -> None:
    """Criterion-level differences between two standard versions."""
    from api.services.certification import standard_diff

    cfg = settings()
    with cli_errors():
        service = open_service(cfg)
        try:
            _echo(standard_diff(service, a, b))
        finally:
            service.close()


@standard_app.command("publish")
def standard_publish(
    ref: Annotated[str, typer.Argument(help="A shipped standard, e.g. coffee-ab@1.")],
    signer: Annotated[str, typer.Option(help="Stored root key.")] = "root",
    server: ServerOpt = None,
) -> None:
    """Publish a shipped standard into the ledger (root-signed)."""
    from ledger.errors import EntryNotFoundError
    from ledger.statements import sign_statement
    from verifiers.standards.model import shipped_standards

    cfg = settings()
    shipped = shipped_standards()
    with cli_errors():
        if ref not in shipped:
            raise EntryNotFoundError(f"no shipped standard {ref!r}; known: {sorted(shipped)}")
        signed = sign_statement(
            load_key(cfg, signer), "standard.published", {"standard": shipped[ref].to_dict()}
        )
        result = submit(cfg, signed, server)
    out.print(f"{ref} published at seq {result['seq']}")


ScopeOpts = dict[str, list[str]]

FULL_FINDINGS_LIMIT = 48 * 1024
"""Verification bodies up to this many canonical bytes sign their findings in full (the
statement must stay under 64 KiB); beyond it, ``verification issue`` signs their digest
(``findings_sha256``). A version-2 body also lists its evidence ids: one still over it with
the digest is refused before signing."""


def _scope(
    products: list[str], plots: list[str], apiaries: list[str], lots: list[str]
) -> ScopeOpts:
    return {"products": products, "plots": plots, "apiaries": apiaries, "lots": lots}


ProductOpt = Annotated[list[str], typer.Option("--product", help="Product in scope (repeat).")]
PlotOpt = Annotated[list[str], typer.Option("--plot", help="Plot in scope (repeat).")]
ApiaryOpt = Annotated[list[str], typer.Option("--apiary", help="Apiary in scope (repeat).")]
LotOpt = Annotated[list[str], typer.Option("--lot", help="Lot in scope (repeat).")]
EvidenceOpt = Annotated[
    list[str],
    typer.Option(
        "--evidence",
        help="Evidence id to evaluate (repeat; in this order, on the same day the later one "
        "decides). Default: every evidence about the subjects observed by --as-of, in "
        "ledger order. Version 2 only.",
    ),
]
FindingsVersionOpt = Annotated[
    int,
    typer.Option(
        "--findings-version",
        min=1,
        max=2,
        help="2 (default): the verification lists its evidence by id and the ledger "
        "evaluates exactly that list, so evidence recorded meanwhile cannot get it refused. "
        "1: every evidence recorded before it, cited by seq (for servers older than "
        "version 2, or more evidence than a statement can list).",
    ),
]


EvaluateServerOpt = Annotated[
    str | None,
    server_option(
        "Evaluate on this Biotraza server's ledger (POST /api/v1/evaluations; http:// or "
        "https://) instead of the local DB, as `verification issue --server` does before it "
        "signs."
    ),
]


def _preview(
    standard: str,
    association: str,
    as_of: str,
    scope: ScopeOpts,
    evidence_ids: list[str],
    findings_version: int,
    server: str | None,
) -> dict[str, Any]:
    """The dry-run evaluation both ``evaluate`` and ``verification issue`` show or sign,
    computed by the ledger that will re-check it: the server's with ``--server``, else the
    local one (``POST /api/v1/evaluations`` and the CLI call the same service function).
    Both commands call this one function with their same options, so what ``evaluate``
    shows is what ``issue`` would sign, on either ledger."""
    from api.services.certification import evaluation_body, requested_version

    ids = evidence_ids or None
    version = requested_version(2 if findings_version == 2 else 1, ids)
    if server:
        from api.client import BiotrazaClient

        request: dict[str, Any] = {
            "standard": standard,
            "association_id": association,
            "scope": scope,
            "as_of": as_of,
        }
        # Version 1 is the key's absence: a server older than version 2 understands it.
        if version == 2:
            request.update(findings_version=2, evidence_ids=ids)
        with BiotrazaClient(server) as client:
            return client.evaluate({k: v for k, v in request.items() if v is not None})
    with opened_service(settings()) as service:
        return evaluation_body(
            service,
            standard_ref=standard,
            association_id=association,
            scope=scope,
            as_of=as_of,
            findings_version=version,
            evidence_ids=ids,
        )


@app.command("evaluate")
def evaluate_command(
    standard: Annotated[str, typer.Option(help="Published standard: id, id@version or hash.")],
    association: Annotated[str, typer.Option(help="Association id.")],
    as_of: Annotated[str, typer.Option(help="Evaluate evidence up to this date.")],
    product: ProductOpt,
    plot: PlotOpt = [],  # noqa: B006 - typer reads list defaults, never mutates them
    apiary: ApiaryOpt = [],  # noqa: B006
    lot: LotOpt = [],  # noqa: B006
    evidence: EvidenceOpt = [],  # noqa: B006
    findings_version: FindingsVersionOpt = 2,
    server: EvaluateServerOpt = None,
) -> None:
    """Dry run: evaluate recorded evidence against a standard (records nothing), as
    `verification issue` with the same options would sign it; with --server, on that
    server's ledger."""
    with cli_errors():
        scope = _scope(product, plot, apiary, lot)
        body = _preview(standard, association, as_of, scope, evidence, findings_version, server)
    _echo(body)


def _findings_form(body: dict[str, Any], preview: dict[str, Any], digest: bool | None) -> None:
    """Put the findings (or, when too large or asked for, their digest) into ``body``.

    Raises:
        ValueError: a version-2 body over :data:`FULL_FINDINGS_LIMIT` even with the digest
            (too many evidence ids for one statement).
    """
    from ledger.canonical import canonicalize

    body["findings"] = preview["findings"]
    if digest is None:
        digest = len(canonicalize(body)) > FULL_FINDINGS_LIMIT
    if digest:
        del body["findings"]
        body["findings_sha256"] = preview["findings_sha256"]
    size = len(canonicalize(body))
    if "evidence_ids" in body and size > FULL_FINDINGS_LIMIT:
        raise ValueError(
            f"{len(body['evidence_ids'])} evidence ids make the verification {size} bytes "
            f"even with the findings' digest, over the {FULL_FINDINGS_LIMIT} bytes a statement "
            "leaves for its body: list fewer with --evidence, narrow the scope, or sign "
            "version 1 (--findings-version 1), which does not list its evidence"
        )


@verification_app.command("issue")
def verification_issue(
    verification_id: str,
    standard: Annotated[str, typer.Option(help="Published standard: id, id@version or hash.")],
    association: Annotated[str, typer.Option(help="Association id.")],
    as_of: Annotated[str, typer.Option(help="Evidence up to this date.")],
    valid_from: Annotated[str, typer.Option(help="First day the verification is valid.")],
    valid_until: Annotated[str, typer.Option(help="Last day it is valid.")],
    signer: Annotated[str, typer.Option(help="The certifier's stored key.")],
    product: ProductOpt,
    plot: PlotOpt = [],  # noqa: B006 - typer reads list defaults, never mutates them
    apiary: ApiaryOpt = [],  # noqa: B006
    lot: LotOpt = [],  # noqa: B006
    evidence: EvidenceOpt = [],  # noqa: B006
    findings_version: FindingsVersionOpt = 2,
    sign_digest: Annotated[
        bool | None,
        typer.Option(
            "--sign-digest/--sign-findings",
            help="Sign the findings' SHA-256 instead of the findings (default: only when "
            "they are too many to sign in full).",
        ),
    ] = None,
    server: ServerOpt = None,
) -> None:
    """Evaluate, sign and record a verification (the ledger re-checks the findings); with
    --server, evaluated on that server's ledger.

    Version 2 by default: the body lists the evidence it was evaluated on, so evidence
    recorded by others between this evaluation and the append cannot make the ledger refuse
    it, and the certificate says which records it judged.
    """
    from ledger.statements import sign_statement

    cfg = settings()
    with cli_errors():
        scope = _scope(product, plot, apiary, lot)
        preview = _preview(standard, association, as_of, scope, evidence, findings_version, server)
        body: dict[str, Any] = {
            "verification_id": verification_id,
            "association_id": association,
            "scope": preview["scope"],
            "standard_hash": preview["standard_hash"],
            "as_of": as_of,
            "result": preview["result"],
            "valid_from": valid_from,
            "valid_until": valid_until,
        }
        if preview.get("findings_version") == 2:
            body.update(findings_version=2, evidence_ids=preview["evidence_ids"])
        _findings_form(body, preview, sign_digest)
        signed = sign_statement(load_key(cfg, signer), "verification.issued", body)
        result = submit(cfg, signed, server)
    version = f"version {body.get('findings_version', 1)}"
    out.print(
        f"verification {verification_id} ({preview['result']}, {version}) at seq {result['seq']}"
    )


@verification_app.command("revoke")
def verification_revoke(
    verification_id: str,
    reason: Annotated[str, typer.Option(help="Why, for the record.")],
    signer: Annotated[str, typer.Option(help="The certifier's (or root's) stored key.")],
    server: ServerOpt = None,
) -> None:
    """Revoke a verification; lots relying on it stop being eligible."""
    from ledger.statements import sign_statement

    cfg = settings()
    with cli_errors():
        signed = sign_statement(
            load_key(cfg, signer),
            "verification.revoked",
            {"verification_id": verification_id, "reason": reason},
        )
        result = submit(cfg, signed, server)
    out.print(f"verification {verification_id} revoked at seq {result['seq']}")


@accreditation_app.command("grant")
def accreditation_grant(
    certifier_id: str,
    name: Annotated[str, typer.Option(help="The certification body's name.")],
    product: ProductOpt,
    standard: Annotated[list[str], typer.Option(help="Standard id it may certify (repeat).")],
    valid_from: Annotated[str, typer.Option(help="First day of the accreditation.")],
    valid_until: Annotated[str, typer.Option(help="Last day of the accreditation.")],
    accreditation_ref: Annotated[
        str | None, typer.Option(help="The accreditor's reference, e.g. EMA file number.")
    ] = None,
    signer: Annotated[str, typer.Option(help="Stored root key.")] = "root",
    server: ServerOpt = None,
) -> None:
    """Accredit a certifier for products and standards over a validity window."""
    from ledger.statements import sign_statement

    cfg = settings()
    body: dict[str, Any] = {
        "certifier_id": certifier_id,
        "name": name,
        "products": product,
        "standards": standard,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }
    if accreditation_ref:
        body["accreditation_ref"] = accreditation_ref
    with cli_errors():
        signed = sign_statement(load_key(cfg, signer), "accreditation.granted", body)
        result = submit(cfg, signed, server)
    out.print(f"{certifier_id} accredited at seq {result['seq']}")


def _change_accreditation(
    change: str, certifier_id: str, reason: str, signer: str, server: str | None
) -> None:
    from ledger.statements import sign_statement

    cfg = settings()
    with cli_errors():
        signed = sign_statement(
            load_key(cfg, signer),
            f"accreditation.{change}",
            {"certifier_id": certifier_id, "reason": reason},
        )
        result = submit(cfg, signed, server)
    out.print(f"{certifier_id} {change} at seq {result['seq']}")


ReasonOpt = Annotated[str, typer.Option(help="Why, for the record.")]
RootSignerOpt = Annotated[str, typer.Option(help="Stored root key.")]


@accreditation_app.command("suspend")
def accreditation_suspend(
    certifier_id: str, reason: ReasonOpt, signer: RootSignerOpt = "root", server: ServerOpt = None
) -> None:
    """Suspend: the certifier's new verifications are refused until reinstated."""
    _change_accreditation("suspended", certifier_id, reason, signer, server)


@accreditation_app.command("reinstate")
def accreditation_reinstate(
    certifier_id: str, reason: ReasonOpt, signer: RootSignerOpt = "root", server: ServerOpt = None
) -> None:
    """Lift a suspension."""
    _change_accreditation("reinstated", certifier_id, reason, signer, server)


@accreditation_app.command("withdraw")
def accreditation_withdraw(
    certifier_id: str, reason: ReasonOpt, signer: RootSignerOpt = "root", server: ServerOpt = None
) -> None:
    """Withdraw for good (a new accreditation needs a new certifier id)."""
    _change_accreditation("withdrawn", certifier_id, reason, signer, server)


@app.command("eligibility")
def eligibility_command(lot_id: str) -> None:
    """Whether a lot may carry the biolabel, with every reason (es/en). Exit 1 if not."""
    from api.services.certification import eligibility

    cfg = settings()
    with cli_errors():
        service = open_service(cfg)
        try:
            answer = eligibility(service, lot_id)
        finally:
            service.close()
    _echo(answer.to_dict())
    if not answer.eligible:
        raise typer.Exit(1)
