"""Package namespaces that import a public name's module on first use (PEP 562).

Eager re-exports in ``__init__`` made every ``import ledger.errors`` pay for the whole package,
SQLAlchemy and Alembic included, which kept the CLI's start-up above a second. A package lists
``name → module`` and hands this module its namespace; type checkers still see the real
imports under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose public names load lazily.

    Args:
        namespace: The package's ``globals()``; a name, once loaded, is cached there.
        exports: Public name → the module that defines it.
    """

    def module_getattr(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def module_dir() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return module_getattr, module_dir
