"""The import map of docs/architecture.md, enforced: which folder may import which, no cycles.

Read from the source with :mod:`ast` (nothing is imported), counting every import: module
level, inside functions (lazy imports) and under ``TYPE_CHECKING`` alike, because each is a
dependency a reader must follow. A failure names the importing module and what it imported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "verifiers", "labels", "api")

CORE = {"ledger", "verifiers", "labels"}
ALLOWED: dict[str, set[str]] = {
    "ledger": set(),
    "verifiers": {"ledger"},
    "labels": {"ledger", "verifiers"},
    "api.settings": {"ledger"},
    "api.i18n": set(),
    "api.client": {"ledger"},
    "api.services": CORE | {"api.settings"},
    "api.exports": CORE | {"api.services", "api.settings", "api.i18n"},
    "api.eudr": CORE | {"api.services", "api.exports", "api.settings"},
    "api.demo": CORE | {"api.services", "api.settings"},
    "api.error_report": CORE | {"api.exports"},
    "api.http": CORE
    | {"api.services", "api.exports", "api.eudr", "api.settings", "api.i18n", "api.error_report"},
    "api.web": CORE | {"api.http", "api.services", "api.exports", "api.settings", "api.i18n"},
    "api.market": CORE
    | {"api.http", "api.web", "api.services", "api.exports", "api.settings", "api.i18n"},
    "api.cli": CORE
    | {
        "api.client",
        "api.demo",
        "api.error_report",
        "api.eudr",
        "api.exports",
        "api.services",
        "api.settings",
        "api.i18n",
    },
    "api.app": CORE | {"api.http", "api.web", "api.market", "api.services", "api.settings"},
}
"""Folder (or top-level module) → the folders it may import; the table in docs/architecture.md."""

WEB = ("api.http", "api.web", "api.market", "api.app")
THIRD_PARTY_ONLY_IN: dict[str, tuple[str, ...]] = {
    "sqlalchemy": ("ledger.storage.sql", "api"),
    "alembic": ("ledger.storage.sql",),
    "msgspec": ("ledger.storage.sql",),
    "fastapi": WEB,
    "starlette": WEB,
    "jinja2": ("api.web",),
    "typer": ("api.cli",),
    "rasterio": ("verifiers.deforestation",),
    "shapely": ("verifiers.deforestation",),
}
"""A framework → the only folders that may import it: the core stays free of the faces' tools,
and the faces of each other's (the CLI never needs the web framework)."""


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _owner(name: str) -> str | None:
    """The project module a dotted import name lands in (longest known prefix), if any."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imported_names(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every dotted name the module imports, with its line, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                yield (submodule if submodule in MODULES else source), node.lineno


def _face(module: str) -> str:
    """The folder a module belongs to in the map: a core package or ``api.<face>``."""
    parts = module.split(".")
    if parts[0] != "api":
        return parts[0]
    return ".".join(parts[:2]) if len(parts) > 1 else "api"


def _edges() -> dict[str, dict[str, int]]:
    edges: dict[str, dict[str, int]] = {}
    for module, path in MODULES.items():
        targets: dict[str, int] = {}
        for name, line in _imported_names(module, path):
            owner = _owner(name)
            if owner is not None and owner != module:
                targets.setdefault(owner, line)
        edges[module] = targets
    return edges


EDGES = _edges()


def test_every_folder_is_in_the_map() -> None:
    faces = {_face(module) for module in MODULES} - {"api"}
    assert faces <= set(ALLOWED), f"add to ALLOWED and docs/architecture.md: {faces - set(ALLOWED)}"


def test_imports_point_inward() -> None:
    wrong = [
        f"{module}:{line} imports {target} ({_face(module)} may import only "
        f"{sorted(ALLOWED[_face(module)]) or 'nothing of the project'})"
        for module, targets in EDGES.items()
        for target, line in targets.items()
        if _face(module) != "api"
        and _face(target) != _face(module)
        and _face(target) not in ALLOWED[_face(module)]
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("framework", sorted(THIRD_PARTY_ONLY_IN))
def test_frameworks_stay_in_their_folder(framework: str) -> None:
    homes = THIRD_PARTY_ONLY_IN[framework]
    wrong = [
        f"{module}:{line} imports {name}"
        for module, path in MODULES.items()
        if not any(module == home or module.startswith(home + ".") for home in homes)
        for name, line in _imported_names(module, path)
        if name == framework or name.startswith(framework + ".")
    ]
    assert not wrong, "\n".join(wrong)


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(EDGES):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(EDGES[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(EDGES[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    cycles = _cycles()
    assert not cycles, "import cycles: " + "; ".join(" ↔ ".join(c) for c in cycles)


def test_the_checker_sees_a_cycle_and_a_wrong_way_import() -> None:
    """The checks can fail: a ledger module importing api, and a two-module cycle, are caught."""
    EDGES["ledger.canonical"]["api.app"] = 1
    EDGES["api.app"]["ledger.canonical"] = 1
    try:
        assert any("ledger.canonical" in c and "api.app" in c for c in _cycles())
        with pytest.raises(AssertionError, match="ledger.canonical:1 imports api.app"):
            test_imports_point_inward()
    finally:
        del EDGES["ledger.canonical"]["api.app"]
