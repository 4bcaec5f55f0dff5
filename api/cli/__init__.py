"""The ``biotraza`` command line, one module per group of commands (see ``api.cli.main``).

Importing this package loads nothing else: ``main`` imports the command tree when called, so
``python -c "import api.cli.common"`` or a test importing one helper stays cheap.
"""

from __future__ import annotations

__all__ = ["main"]


def main() -> None:
    """Console-script entry point (``biotraza = "api.cli:main"``)."""
    from api.cli.main import main as run

    run()
