"""Versioned standards (DESIGN §6): the data model, its loader, hashes and diffs.

The shipped standards live in ``data/<id>-<version>.json`` and are built from
``docs/domain-facts.md`` §1 and §3 (Bird Friendly, Rainforest Alliance 2020, EU organic
beekeeping, honey quality directives, cacao grading, EUDR cut-off), each criterion citing its
source. Left out here: evaluating evidence (``verifiers.rules``).
"""

from verifiers.standards.model import (
    OPERATORS,
    SEVERITIES,
    SUBJECT_KINDS,
    Change,
    Criterion,
    LocalizedText,
    Standard,
    StandardHash,
    diff_standards,
    load_standard,
    shipped_standards,
    standard_hash,
)

__all__ = [
    "OPERATORS",
    "SEVERITIES",
    "SUBJECT_KINDS",
    "Change",
    "Criterion",
    "LocalizedText",
    "Standard",
    "StandardHash",
    "diff_standards",
    "load_standard",
    "shipped_standards",
    "standard_hash",
]
