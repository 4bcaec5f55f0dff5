"""The trail bundle's bytes: one JSON document, one line per entry, in one canonical layout.

A bundle is valid JSON (any JSON tool reads it) written in exactly one way, so that the
auditor can re-render every line from what it parsed and compare bytes: a changed space, a
re-escaped character or a reordered key is caught and named by line, like any other change::

    {"format":"biotraza-trail-bundle","version":1,"lot_id":…,"origin":…,"operator_key_id":…,"tree_size":…,"entry_count":…,"checkpoint":"…","entries":[
    {"seq":0,"hash":"<hex>","leaf":"<leaf bytes as a JSON string>","proof":["<hex>",…]},
    …
    {"seq":…,"hash":…,"leaf":…,"proof":[…]}
    ]}

Strings are written by ``json.dumps`` with ``ensure_ascii=False`` (UTF-8, minimal escapes),
which never emits a raw newline, so lines split the document safely. ``leaf`` is the stored
leaf text itself (UTF-8 JCS), so signatures and hashes are checked on the exact bytes the
ledger stored.

Left out: what the values mean and how they are checked (``verifiers.audit.verify``), where
they come from (``api.exports.bundle``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "FOOTER",
    "HEADER_FIELDS",
    "BundleHeader",
    "entry_line",
    "header_line",
]

BUNDLE_FORMAT = "biotraza-trail-bundle"
BUNDLE_VERSION = 1
FOOTER = b"]}\n"
HEADER_FIELDS = (
    "format",
    "version",
    "lot_id",
    "origin",
    "operator_key_id",
    "tree_size",
    "entry_count",
    "checkpoint",
)
"""The header's fields in the order they are written (``entries`` follows them)."""


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class BundleHeader:
    """Everything before the entries."""

    lot_id: str
    origin: str
    operator_key_id: str
    tree_size: int
    entry_count: int
    checkpoint: str
    format: str = BUNDLE_FORMAT
    version: int = BUNDLE_VERSION


def header_line(header: BundleHeader) -> bytes:
    """The first line: the header object, opened ``entries`` array and a newline."""
    return (
        f'{{"format":{_text(header.format)},"version":{header.version},'
        f'"lot_id":{_text(header.lot_id)},"origin":{_text(header.origin)},'
        f'"operator_key_id":{_text(header.operator_key_id)},"tree_size":{header.tree_size},'
        f'"entry_count":{header.entry_count},"checkpoint":{_text(header.checkpoint)},'
        '"entries":[\n'
    ).encode()


def entry_line(
    seq: int, entry_hash: str, leaf: str, proof: Sequence[str], *, last: bool = False
) -> bytes:
    """One entry's line: the comma after it unless it is the last, and a newline."""
    hashes = ",".join(f'"{h}"' for h in proof)
    end = "\n" if last else ",\n"
    return (
        f'{{"seq":{seq},"hash":"{entry_hash}","leaf":{_text(leaf)},"proof":[{hashes}]}}{end}'
    ).encode()
