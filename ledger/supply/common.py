"""Shared pieces of the supply-chain entry types: ids, quantities, the acting organization.

Left out: the rules of each entry type (their own modules).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ledger.errors import AuthorizationError, DomainRuleError
from ledger.registry import AppendContext
from ledger.statements import DATE_PATTERN
from ledger.supply.conversions import kg_to_grams
from ledger.supply.identifiers import validate_gtin, validate_lot_number

__all__ = [
    "Body",
    "Day",
    "Gtin",
    "Id",
    "LotNumber",
    "Quantity",
    "acting_org",
    "format_kg",
    "grams_to_kg",
    "require",
    "rule",
]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]
"""Client-chosen identifiers of organizations, producers, plots, lots…: 1–64 URL-safe chars."""


def _quantity(value: float | int) -> float | int:
    kg_to_grams(value)
    return value


def _gtin(value: str) -> str:
    validate_gtin(value)
    return value


def _lot_number(value: str) -> str:
    validate_lot_number(value)
    return value


def _day(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("expected a date like 2026-03-01")
    date.fromisoformat(value)  # raises ValueError for 2026-02-30, 2026-13-01 …
    return value


Day = Annotated[str, Field(json_schema_extra={"pattern": DATE_PATTERN}), AfterValidator(_day)]
"""A calendar date ``YYYY-MM-DD`` that exists."""

Quantity = Annotated[float | int, AfterValidator(_quantity)]
"""A mass in kilograms: positive, at most three decimals (exact in grams)."""

Gtin = Annotated[str, AfterValidator(_gtin)]
LotNumber = Annotated[str, AfterValidator(_lot_number)]


class Body(BaseModel):
    """Base of every supply-chain body: frozen, strict types, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


def grams_to_kg(grams: int) -> float | int:
    """Kilograms for display: an int when whole, else a float with ≤ 3 decimals."""
    return grams // 1000 if grams % 1000 == 0 else grams / 1000


def format_kg(grams: int) -> str:
    """Kilograms for messages, written as in Mexico: comma thousands, dot decimals, exact to
    the gram (``18927800`` → ``"18,927.8 kg"``, ``-1500`` → ``"-1.5 kg"``)."""
    whole, frac = divmod(abs(grams), 1000)
    text = f"{whole:,}" + (f".{frac:03d}".rstrip("0") if frac else "")
    return f"{'-' if grams < 0 else ''}{text} kg"


def rule(condition: bool, message: str, field: str | None = None) -> None:
    """Refuse the entry with a ``DomainRuleError`` unless ``condition`` holds."""
    if not condition:
        raise DomainRuleError(message, field=f"statement.body.{field}" if field else None)


def require(state_doc: dict[str, Any] | None, message: str, field: str) -> dict[str, Any]:
    """Return a document that must exist, or refuse the entry naming the field."""
    if state_doc is None:
        raise DomainRuleError(message, field=f"statement.body.{field}")
    return state_doc


def acting_org(ctx: AppendContext) -> str:
    """The organization the signing key speaks for (its ``scope.org_id``).

    Raises:
        AuthorizationError: the key is not bound to an organization.
    """
    scope = (ctx.actor or {}).get("scope") or {}
    org_id = scope.get("org_id")
    if not isinstance(org_id, str):
        raise AuthorizationError(f"key {ctx.statement.actor} does not speak for an organization")
    return org_id
