"""GS1 EPCIS 2.0 / CBV 2.0 vocabulary: the JSON-LD context and its standard term tables.

EPCIS 2.0 JSON-LD writes standard vocabulary values as bare strings (``"receiving"``); the
ratified context (``https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld``, shipped
verbatim in ``data/``) maps each of them, per property, to its CBV web URI
(``https://ref.gs1.org/cbv/BizStep-receiving``). The event hash (CBV 2.0 §8.9, rule 16) and
the exporter both need those tables, so they are read once from the context itself rather than
copied into code.

Left out: general JSON-LD processing (expansion, compaction, remote contexts). Only the term
tables of the vocabulary-typed properties and the context's prefixes are read.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "BIZ_STEPS",
    "CONTEXT_PREFIXES",
    "DISPOSITIONS",
    "EPCIS_CONTEXT_URL",
    "VocabularyTables",
    "vocabulary",
]

EPCIS_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
"""The ratified EPCIS 2.0.0 JSON-LD context every document names first in ``@context``."""


def _load_context() -> dict[str, Any]:
    data = resources.files("verifiers.epcis").joinpath("data/epcis-context-2.0.0.jsonld")
    context: dict[str, Any] = json.loads(data.read_text(encoding="utf-8"))["@context"]
    return context


class VocabularyTables:
    """Bare term → full URI, per vocabulary-typed EPCIS property, read from the context."""

    def __init__(self, context: dict[str, Any]) -> None:
        self.prefixes: dict[str, str] = {
            key: value
            for key, value in context.items()
            if isinstance(value, str) and value.endswith(("/", "#", ":"))
        }

        def table(node: dict[str, Any]) -> dict[str, str]:
            inner = node["@context"]
            terms = inner[0] if isinstance(inner, list) else inner
            return {
                term: self.expand_curie(target)
                for term, target in terms.items()
                if not term.startswith("@") and isinstance(target, str)
            }

        sensor = context["sensorElementList"]["@context"]["sensorReport"]["@context"]
        self.biz_step = table(context["bizStep"])
        self.disposition = table(context["disposition"])
        self.persistent_disposition = table(context["persistentDisposition"])
        self.biz_transaction_type = table(context["bizTransactionList"]["@context"]["type"])
        self.source_destination_type = table(context["sourceList"]["@context"]["type"])
        self.measurement_type = table(sensor["type"])
        self.sensor_exception = table(sensor["exception"])
        self.component = table(sensor["component"])
        self.error_reason = table(context["errorDeclaration"]["@context"]["reason"])

    def expand_curie(self, value: str) -> str:
        """``cbv:BizStep-x`` → ``https://ref.gs1.org/cbv/BizStep-x`` for the context's prefixes."""
        prefix, sep, rest = value.partition(":")
        if sep and prefix in self.prefixes:
            return self.prefixes[prefix] + rest
        return value


@cache
def vocabulary() -> VocabularyTables:
    """The term tables of the shipped EPCIS 2.0.0 context (read once)."""
    return VocabularyTables(_load_context())


CONTEXT_PREFIXES: dict[str, str] = vocabulary().prefixes
"""Prefixes the EPCIS context defines (``cbv``, ``gs1``, ``epcis``, ``cbvmda``, …)."""

BIZ_STEPS: frozenset[str] = frozenset(vocabulary().biz_step)
"""CBV 2.0 business steps in their bare JSON form (``commissioning``, ``shipping``…)."""

DISPOSITIONS: frozenset[str] = frozenset(vocabulary().disposition)
"""CBV 2.0 dispositions in their bare JSON form (``active``, ``in_transit``…)."""
