"""Entry body schemas in the OpenAPI document, generated from the models the ledger validates
with, and a worked example of every entry type.

The ledger validates a statement's body with its entry type's pydantic model
(``EntryType.parse_body``); the schemas here are those same models' JSON Schemas, so the
document cannot drift from the validation. Components added:

* one schema per body model (``KeyAddedBody``, ``HarvestBody``, …, with their sub-models);
* ``Statement.<type>``: the statement envelope with ``type`` fixed and ``body`` that type's
  model, with the worked example;
* ``Statement``: the union of those, discriminated on ``type``;
* ``SignedStatement``: ``{"statement", "sig"}``, the body of ``POST /api/v1/entries``.

The examples live in ``entry_examples.json`` beside this module (real statements from the
demo ledger, plus hand-written ones for the types the demo never records); a test checks each
against the real validator and that every registered type has one. ``docs/entry-bodies.md``
is rendered from them (``python -m api.http.entry_schemas > docs/entry-bodies.md``).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api.services.ledger import full_registry
from ledger.registry import Registry
from ledger.statements import SignedStatement, Statement

__all__ = [
    "add_entry_schemas",
    "entry_bodies_markdown",
    "entry_examples",
    "signed_statement_ref",
    "statement_ref",
]

_EXAMPLES = Path(__file__).with_name("entry_examples.json")
_REF = "#/components/schemas/{model}"


@cache
def entry_examples() -> dict[str, dict[str, Any]]:
    """A complete example statement (``v, type, actor, ts, nonce, body``) per entry type."""
    loaded: dict[str, dict[str, Any]] = json.loads(_EXAMPLES.read_text(encoding="utf-8"))
    return loaded


def statement_ref(entry_type: str | None = None) -> dict[str, str]:
    """A ``$ref`` to the statement schema of one entry type, or to the union of all."""
    name = "Statement" if entry_type is None else f"Statement.{entry_type}"
    return {"$ref": _REF.format(model=name)}


def signed_statement_ref(entry_type: str | None = None) -> dict[str, Any]:
    """The schema of a signed statement of one entry type (or of any, by ``$ref``)."""
    if entry_type is None:
        return {"$ref": _REF.format(model="SignedStatement")}
    return _signed(statement_ref(entry_type))


def _signed(statement: dict[str, Any]) -> dict[str, Any]:
    envelope = SignedStatement.model_json_schema()
    envelope.pop("$defs", None)
    envelope.pop("title", None)
    envelope["properties"]["statement"] = statement
    return envelope


MAX_SAFE_INTEGER = 2**53 - 1
"""Integers in statements stay within I-JSON's exact range (RFC 7493), which canonical JSON
(RFC 8785) requires; the canonicalizer refuses any other."""


def _bound_integers(node: Any) -> None:
    """Keep every integer of a schema within the canonical-JSON range (a model's own bound may
    be wider: the canonicalizer refuses the rest anyway)."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            node["maximum"] = min(node.get("maximum", MAX_SAFE_INTEGER), MAX_SAFE_INTEGER)
            node["minimum"] = max(node.get("minimum", -MAX_SAFE_INTEGER), -MAX_SAFE_INTEGER)
        for value in node.values():
            _bound_integers(value)
    elif isinstance(node, list):
        for item in node:
            _bound_integers(item)


def _body_schemas(registry: Registry) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Each type's body ``$ref`` and the components they point into (names made unique)."""
    models: list[type[BaseModel]] = []
    for name in registry.names():
        model = registry.get(name).body_model
        if model not in models:
            models.append(model)
    refs, defs = models_json_schema([(model, "validation") for model in models], ref_template=_REF)
    by_type = {
        name: refs[(registry.get(name).body_model, "validation")] for name in registry.names()
    }
    components = defs.get("$defs", {})
    _bound_integers(components)
    return by_type, components


def _statement_variant(
    entry_type: str, body_ref: dict[str, Any], example: dict[str, Any] | None
) -> dict[str, Any]:
    schema = Statement.model_json_schema()
    schema.pop("$defs", None)
    schema["title"] = f"Statement.{entry_type}"
    schema["description"] = f"A `{entry_type}` statement."
    schema["properties"]["type"] = {"type": "string", "const": entry_type}
    schema["properties"]["body"] = body_ref
    if example is not None:
        schema["examples"] = [example]
    return schema


def add_entry_schemas(doc: dict[str, Any], registry: Registry | None = None) -> None:
    """Add the body, statement and signed-statement components to an OpenAPI document."""
    registry = registry or full_registry()
    components: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    body_refs, defs = _body_schemas(registry)
    for name, schema in defs.items():
        if components.setdefault(name, schema) != schema:
            raise ValueError(f"two different schemas named {name!r} in the OpenAPI document")
    examples = entry_examples()
    mapping: dict[str, str] = {}
    for name in registry.names():
        components[f"Statement.{name}"] = _statement_variant(
            name, body_refs[name], examples.get(name)
        )
        mapping[name] = statement_ref(name)["$ref"]
    components["Statement"] = {
        "description": "A statement of any registered entry type, by its `type`.",
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": "type", "mapping": mapping},
    }
    components["SignedStatement"] = _signed(statement_ref())


def entry_bodies_markdown(registry: Registry | None = None) -> str:
    """``docs/entry-bodies.md``: each entry type, who may sign it, and a complete example."""
    registry = registry or full_registry()
    examples = entry_examples()
    lines = [
        "# Entry bodies: a complete example of every entry type",
        "",
        "Generated from `api/http/entry_examples.json` by "
        "`python -m api.http.entry_schemas > docs/entry-bodies.md`; do not edit by hand.",
        "`tests/api/test_entry_schemas.py` checks that every registered entry type has an "
        "example, that each example passes the ledger's own validation of that type "
        "(`EntryType.parse_body`), and that this file is up to date.",
        "",
        "Each example is a whole statement (`v`, `type`, `actor`, `ts`, `nonce`, `body`); sign "
        'it (`{"statement": …, "sig": …}`, see docs/entry-format.md) and send it to '
        "`POST /api/v1/entries`. The JSON Schema of every body is in `/openapi.json` under "
        "`components.schemas` (`Statement.<type>`, discriminated on `type`).",
        "",
    ]
    for name in registry.names():
        entry_type = registry.get(name)
        roles = ", ".join(sorted(entry_type.roles)) or "(authorized by its own rules)"
        lines += [
            f"## `{name}`",
            "",
            f"Body model `{entry_type.body_model.__name__}`; signed by: {roles}.",
            "",
            "```json",
            json.dumps(examples[name], indent=2, ensure_ascii=False),
            "```",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(entry_bodies_markdown())
