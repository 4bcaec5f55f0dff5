"""The ``biotraza`` console script: load every command module, then run the command tree.

Each module registers its commands on ``api.cli.common.app`` when imported; this is the only
module that imports them all, so the import graph of the CLI has no cycle. They are imported
in :data:`COMMAND_MODULES` order, which is the order ``biotraza --help`` lists them: setting
up and checking the ledger first, then the supply chain, certification, labels and exports.
"""

from __future__ import annotations

import importlib

from api.cli.common import app

__all__ = ["COMMAND_MODULES", "app", "main"]

COMMAND_MODULES = (
    "api.cli.ledger",
    "api.cli.keys",
    "api.cli.db",
    "api.cli.server",
    "api.cli.supply",
    "api.cli.devices",
    "api.cli.batch",
    "api.cli.evidence",
    "api.cli.certification",
    "api.cli.labels",
    "api.cli.receipts",
    "api.cli.payments",
    "api.cli.credentials",
    "api.cli.exports",
    "api.cli.eudr",
    "api.cli.epcis",
    "api.cli.proofs",
    "api.cli.audit",
    "api.cli.indicators",
    "api.cli.market",
)
"""Every command module, in the order their commands appear in ``--help``."""

for _module in COMMAND_MODULES:
    importlib.import_module(_module)


def main() -> None:
    """Console-script entry point."""
    app()
