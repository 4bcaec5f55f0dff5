"""The ``biotraza`` console script: load every command module, then run the command tree.

Each module registers its commands on ``api.cli.common.app`` when imported; this is the only
module that imports them all, so the import graph of the CLI has no cycle.
"""

from __future__ import annotations

import api.cli.audit
import api.cli.certification
import api.cli.epcis
import api.cli.evidence
import api.cli.exports
import api.cli.keys
import api.cli.labels
import api.cli.ledger
import api.cli.proofs
import api.cli.server
import api.cli.supply
from api.cli.common import app

__all__ = ["app", "main"]

COMMAND_MODULES = (
    api.cli.audit,
    api.cli.certification,
    api.cli.epcis,
    api.cli.evidence,
    api.cli.exports,
    api.cli.keys,
    api.cli.labels,
    api.cli.ledger,
    api.cli.proofs,
    api.cli.server,
    api.cli.supply,
)
"""Imported for their side effect of registering commands (named so linters see them used)."""


def main() -> None:
    """Console-script entry point."""
    app()
