"""Validate EPCIS 2.0 JSON-LD documents against the ratified EPCIS 2.0.1 JSON Schema.

The schema (``data/epcis-json-schema-2.0.1.json``, GS1's file verbatim, SHA-256 ``0f46ff69…``)
is checked with format checking on: without a ``uri`` format checker a non-standard bare
``bizStep`` or an ILMD key without a namespace passes, so formats are part of conformance.
Errors come back as (JSON path, reason) pairs, the path in the API's dotted form
(``epcisBody.eventList.0.bizStep``), so callers can name the field at fault.

Left out: what the schema cannot say (the event hash, quantities being positive, CBV terms in
extension fields); those checks live with the code that needs them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import ValidationError

__all__ = ["MAX_SCHEMA_ERRORS", "SCHEMA_ID", "schema_errors", "validator"]

SCHEMA_ID = "https://ref.gs1.org/standards/epcis/2.0.1/epcis-json-schema.json"
MAX_SCHEMA_ERRORS = 50
"""At most this many errors are reported (a broken document can have thousands)."""


@cache
def validator() -> Draft7Validator:
    """A draft-07 validator for the shipped EPCIS 2.0.1 schema, with format checking.

    jsonschema is imported here, on first use, not with this module: its format checkers
    import ``rfc3987_syntax``, which builds a grammar at import (about 1.8 s), and every
    CLI command would pay for it at start-up.
    """
    from jsonschema import Draft7Validator, FormatChecker

    text = (
        resources.files("verifiers.epcis")
        .joinpath("data/epcis-json-schema-2.0.1.json")
        .read_text(encoding="utf-8")
    )
    schema = json.loads(text)
    return Draft7Validator(schema, format_checker=FormatChecker())


def _path(error: ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "document"


def _reason(error: ValidationError) -> str:
    # anyOf/oneOf failures say "is not valid under any of the given schemas"; the deepest
    # sub-error usually names the real problem (a bad format, an unknown CBV term).
    best = error
    while best.context:
        best = max(best.context, key=lambda e: len(e.absolute_path))
    message = best.message if len(best.message) <= 300 else best.message[:297] + "..."
    return message


def schema_errors(document: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Every way ``document`` breaks the EPCIS 2.0.1 schema, as (path, reason) pairs.

    Args:
        document: A parsed EPCIS JSON-LD document.
        prefix: Put in front of every path (e.g. ``statement.body.document.``).

    Returns:
        An empty list when the document is valid; at most :data:`MAX_SCHEMA_ERRORS` pairs,
        sorted by path, otherwise.
    """
    found = []
    for error in validator().iter_errors(document):
        found.append((prefix + _path(error), _reason(error)))
        if len(found) >= MAX_SCHEMA_ERRORS:
            break
    return sorted(set(found))
