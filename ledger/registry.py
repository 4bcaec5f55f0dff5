"""Entry types: the schema, the authorized roles and the projection rules of each type.

A ledger knows exactly the types registered here; a statement of any other type is refused
with ``UnknownEntryTypeError``. Each type's body is a pydantic model with ``extra="forbid"``,
and its ``apply`` function both enforces the type's rules (raising ``DomainRuleError`` or
``AuthorizationError``) and writes its projections. The same ``apply`` runs at append time,
during full verification and during rebuild, so the three can never disagree.

Left out: the concrete types (``ledger.trust`` and the domain packages register them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ledger.errors import SchemaError, UnknownEntryTypeError
from ledger.state import State
from ledger.statements import Statement, schema_errors

__all__ = ["AppendContext", "EntryType", "Registry"]


@dataclass(frozen=True)
class AppendContext:
    """What an entry type's rules see: the position, the statement and the state before it.

    ``actor`` is the signer's key document from the trust state (``None`` only for genesis).
    ``replaying`` is true when an already-recorded ledger is replayed (verify, rebuild, audit):
    rules added after entries were recorded under older rules check admission only, so those
    entries keep verifying (the boundary check of sites, ``ledger.supply.sites``).
    ``log_time`` is the log's clock when it admitted the entry (``ledger.timing``); ``None``
    only for legacy entries written before the log stamped them.
    """

    seq: int
    statement: Statement
    state: State
    actor: dict[str, Any] | None
    replaying: bool = False
    log_time: str | None = None

    @property
    def judged_at(self) -> str:
        """The moment validity windows are judged at: ``log_time``, or ``ts`` for a legacy
        entry (as it was admitted)."""
        return self.log_time if self.log_time is not None else self.statement.ts


@dataclass(frozen=True)
class EntryType:
    """One registered entry type.

    ``roles`` lists the trust roles whose keys may sign it; an empty set means the type
    authorizes itself inside ``apply`` (genesis does).
    """

    name: str
    body_model: type[BaseModel]
    roles: frozenset[str]
    apply: Callable[[AppendContext, Any], None]
    description: str = ""
    reads: Callable[[Any], Iterable[tuple[str, str]]] | None = None
    """The ``(kind, key)`` documents ``apply`` will read for a body, known before it runs;
    the ledger prefetches them with the actor's key in one query (see ``State.prefetch``).
    Optional, and only about speed: a document left out is still read when asked for."""

    def parse_body(self, body: dict[str, Any]) -> BaseModel:
        """Validate a statement body against this type's model.

        Raises:
            SchemaError: naming each bad field as ``statement.body.<path>``.
        """
        try:
            return self.body_model.model_validate(body)
        except ValidationError as exc:
            raise SchemaError(
                f"body does not match entry type {self.name!r}",
                schema_errors(exc, "statement.body."),
            ) from exc


class Registry:
    """The set of entry types a ledger accepts."""

    def __init__(self, types: Iterable[EntryType] = ()) -> None:
        self._types: dict[str, EntryType] = {}
        for entry_type in types:
            self.register(entry_type)

    def register(self, entry_type: EntryType) -> None:
        """Add a type; registering a name twice is a programming error."""
        if entry_type.name in self._types:
            raise ValueError(f"entry type {entry_type.name!r} registered twice")
        self._types[entry_type.name] = entry_type

    def get(self, name: str) -> EntryType:
        """Return a registered type.

        Raises:
            UnknownEntryTypeError: no type of that name.
        """
        try:
            return self._types[name]
        except KeyError:
            raise UnknownEntryTypeError(
                f"unknown entry type {name!r}", [("statement.type", "unknown entry type")]
            ) from None

    def names(self) -> list[str]:
        """All registered type names, sorted."""
        return sorted(self._types)
