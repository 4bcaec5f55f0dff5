"""``biotraza proof …``: fetch Merkle proofs, and verify them offline with no database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import (
    CheckpointOpt,
    OperatorKeyOpt,
    ProofOpt,
    cli_errors,
    open_service,
    out,
    proof_app,
    read_text_arg,
    settings,
)


@proof_app.command("inclusion")
def proof_inclusion(
    seq: int,
    tree_size: Annotated[int | None, typer.Option(help="Tree size (default: current).")] = None,
) -> None:
    """Print the inclusion proof of entry SEQ as JSON."""
    cfg = settings()
    with cli_errors():
        service = open_service(cfg)
        try:
            document = service.inclusion(seq, tree_size)
        finally:
            service.close()
    typer.echo(document.model_dump_json(indent=2))


@proof_app.command("consistency")
def proof_consistency(
    first: int,
    second: Annotated[int | None, typer.Argument(help="Larger size (default: current).")] = None,
) -> None:
    """Print the consistency proof between tree sizes FIRST and SECOND as JSON."""
    cfg = settings()
    with cli_errors():
        service = open_service(cfg)
        try:
            document = service.consistency(first, second)
        finally:
            service.close()
    typer.echo(document.model_dump_json(indent=2))


@proof_app.command("verify-inclusion")
def proof_verify_inclusion(
    checkpoint_file: CheckpointOpt,
    operator_key: OperatorKeyOpt,
    proof_file: ProofOpt,
    entry_file: Annotated[
        Path | None, typer.Option("--entry", help="Entry JSON; its hash must be the leaf.")
    ] = None,
) -> None:
    """Offline: the entry is in the tree the operator signed. Needs no database."""
    from api.client import entry_from_public
    from ledger.canonical import parse_json_strict
    from ledger.checkpoints import parse_verifier_key
    from ledger.transparency import (
        InclusionProofDocument,
        parse_proof_document,
        verify_inclusion_document,
    )

    with cli_errors():
        origin, _kid, public = parse_verifier_key(read_text_arg(operator_key))
        proof = parse_proof_document(
            parse_json_strict(proof_file.read_bytes()), InclusionProofDocument
        )
        leaf = None
        if entry_file is not None:
            leaf = entry_from_public(parse_json_strict(entry_file.read_bytes())).entry_hash
        verified = verify_inclusion_document(
            proof, checkpoint_file.read_text(encoding="utf-8"), origin, public, leaf
        )
    out.print(
        f"[green]ok[/]: entry {proof.leaf_index} is in {origin} at tree size {verified.tree_size}"
    )


@proof_app.command("verify-consistency")
def proof_verify_consistency(
    checkpoint_file: CheckpointOpt,
    operator_key: OperatorKeyOpt,
    proof_file: ProofOpt,
    old_checkpoint: Annotated[
        Path | None, typer.Option(help="The older signed checkpoint (recommended).")
    ] = None,
) -> None:
    """Offline: the older tree is a prefix of the checkpointed one (nothing rewritten)."""
    from ledger.canonical import parse_json_strict
    from ledger.checkpoints import parse_verifier_key
    from ledger.transparency import (
        ConsistencyProofDocument,
        parse_proof_document,
        verify_consistency_document,
    )

    with cli_errors():
        origin, _kid, public = parse_verifier_key(read_text_arg(operator_key))
        proof = parse_proof_document(
            parse_json_strict(proof_file.read_bytes()), ConsistencyProofDocument
        )
        old_note = old_checkpoint.read_text(encoding="utf-8") if old_checkpoint else None
        new, _old_root = verify_consistency_document(
            proof, checkpoint_file.read_text(encoding="utf-8"), origin, public, old_note
        )
    source = "signed old checkpoint" if old_checkpoint else "root stated in the proof"
    out.print(f"[green]ok[/]: tree {proof.first} ({source}) is a prefix of tree {new.tree_size}")
