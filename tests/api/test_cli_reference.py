"""The docs agree with the program: docs/cli.md is what the command tree says about itself,
and every ``biotraza …`` command quoted in README.md and docs/ exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer.main

from api.cli.main import app
from api.cli.reference import cli_reference

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_docs_cli_md_is_the_generated_reference() -> None:
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == cli_reference(), (
        "docs/cli.md is stale: run `python -m api.cli.reference > docs/cli.md`"
    )


def _unknown_subcommand(words: list[str]) -> str | None:
    """The first word that names no command where a command is expected, if any."""
    command: Any = typer.main.get_command(app)
    for word in words:
        if not hasattr(command, "commands") or word.startswith("-"):
            return None  # reached a command: the rest are its arguments and options
        if word not in command.commands:
            return word
        command = command.commands[word]
    return None


def _quoted_commands() -> list[tuple[str, str]]:
    found = []
    pattern = re.compile(r"(?:^|[`\s(])(?:\.venv/bin/)?biotraza((?: [a-z][a-z-]*)+)")
    for path in DOCUMENTS:
        for line in path.read_text(encoding="utf-8").splitlines():
            for match in pattern.finditer(line):
                found.append((f"{path.name}: {line.strip()}", match.group(1)))
    return found


def test_every_quoted_command_exists() -> None:
    quoted = _quoted_commands()
    assert len(quoted) > 30  # the scan sees the README and docs
    wrong = [
        f"{where}  ← no command {word!r}"
        for where, words in quoted
        if (word := _unknown_subcommand(words.split())) is not None
    ]
    assert not wrong, "\n".join(wrong)


def test_the_scan_catches_a_command_that_does_not_exist() -> None:
    assert _unknown_subcommand(["lot", "list"]) == "list"
    assert _unknown_subcommand(["lot", "show", "x"]) is None
    assert _unknown_subcommand(["keys", "grant", "--role", "certifier"]) is None


def _groups(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    found = []
    for name, sub in getattr(command, "commands", {}).items():
        if hasattr(sub, "commands"):
            found.append(([*path, name], sub))
            found += _groups(sub, [*path, name])
    return found


def test_group_help_lists_only_real_subcommands() -> None:
    """A group's help that lists its commands ("Lots: show, lineage.") names real ones: it
    once listed ``list`` for ``lot``, which does not exist."""
    root: Any = typer.main.get_command(app)
    checked = 0
    for path, group in _groups(root, []):
        _, colon, listed = (group.help or "").partition(": ")
        items = [item.strip().rstrip(".") for item in listed.split(",")] if colon else []
        if not items or not all(re.fullmatch(r"[a-z][a-z-]*", item) for item in items):
            continue  # prose, not a list of commands
        missing = [item for item in items if item not in group.commands]
        assert not missing, f"biotraza {' '.join(path)} --help lists {missing}"
        checked += 1
    assert checked >= 4
