"""docs/cli.md, generated from the command tree itself, so the docs cannot drift from ``--help``.

``python -m api.cli.reference > docs/cli.md`` rewrites it; ``tests/api/test_cli_reference.py``
fails when the committed file differs from what the program says about itself (a command
added, an option renamed, a help text changed).
"""

from __future__ import annotations

import sys
from typing import Any

import typer.main

from api.cli.main import app

__all__ = ["cli_reference"]

HEADER = """# CLI reference (`biotraza`)

Generated from the program by `python -m api.cli.reference > docs/cli.md`; a test fails when
this file and `biotraza … --help` disagree. Every command prints one clear line and exits
non-zero on bad input; long operations show a progress bar on stderr. The passphrase of the
key store comes from `BIOTRAZA_KEY_PASSPHRASE` or a prompt; the database from
`BIOTRAZA_DATABASE_URL` (default: SQLite under `BIOTRAZA_DATA_DIR`).
"""


def _first_paragraph(text: str | None) -> str:
    return " ".join((text or "").strip().split("\n\n", 1)[0].split())


def _param_row(param: Any) -> str:
    """One table row; ``param`` is Typer's (vendored click) argument or option."""
    if param.param_type_name == "argument":
        name = f"`{str(param.metavar or param.name).upper()}`"
        kind = "argument" + (", repeatable" if param.nargs == -1 else "")
        text = param.help or ""
    else:
        names = [*param.opts, *param.secondary_opts]
        name = " / ".join(f"`{n}`" for n in names)
        kind = "flag" if param.is_flag else "option" + (", repeatable" if param.multiple else "")
        text = param.help or ""
    required = " (required)" if param.required else ""
    meaning = _first_paragraph(text).replace("|", r"\|")
    return f"| {name} | {kind}{required} | {meaning} |"


def _is_group(command: Any) -> bool:
    return hasattr(command, "commands")


def _walk(command: Any, path: list[str]) -> list[str]:
    lines: list[str] = []
    if _is_group(command):
        if path:
            lines += [f"## `biotraza {' '.join(path)}`", "", _first_paragraph(command.help), ""]
        for name in sorted(command.commands):
            lines += _walk(command.commands[name], [*path, name])
        return lines
    lines += [f"### `biotraza {' '.join(path)}`", "", _first_paragraph(command.help), ""]
    params = [p for p in command.params if p.name not in ("help",)]
    if params:
        lines += ["| parameter | kind | meaning |", "|---|---|---|"]
        lines += [_param_row(p) for p in params]
        lines.append("")
    return lines


def cli_reference() -> str:
    """The whole reference as Markdown: every command, its arguments and options."""
    root: Any = typer.main.get_command(app)
    top = [n for n in sorted(root.commands) if not _is_group(root.commands[n])]
    lines = [HEADER, "## Top-level commands", ""]
    for name in top:
        lines += _walk(root.commands[name], [name])
    for name in sorted(set(root.commands) - set(top)):
        lines += _walk(root.commands[name], [name])
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(cli_reference())
