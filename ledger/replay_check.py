"""Compare what the store keeps beside the entries with what replaying the entries gives.

``ledger verify`` replays every signed entry from genesis (``ledger.chain``); the projection
tables (``state_objects``, ``state_links``) and the entries' copied columns (``type``,
``actor``, ``nonce``, ``ts``) are derived from those entries, and appends read them. A row
changed behind the ledger's back would pass a check of the entries alone and mislead the next
append (issue 15 item 6), so verification compares every derived row with its replay and
names the first difference.

Rows written by entries appended after the replay's snapshot are left to the next run; a row
claiming to be written by an entry that does not exist is a difference.

Left out: the entries' own bytes, hashes and links (``ledger.chain``), Merkle nodes and
checkpoints (``api.services.ledger``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ledger.errors import IntegrityError
from ledger.state import InMemoryState

__all__ = ["check_links", "check_projection_documents"]

Row = tuple[str, str, str, int]


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…"


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


_ABSENT = "<absent>"


def _first_difference(stored: Any, replayed: Any, path: str = "") -> tuple[str, Any, Any]:
    """The dotted path of the first (in key order) field where two JSON values differ, and
    the two values there."""
    if isinstance(stored, dict) and isinstance(replayed, dict):
        for key in sorted(set(stored) | set(replayed)):
            left, right = stored.get(key, _ABSENT), replayed.get(key, _ABSENT)
            if left != right:
                return _first_difference(left, right, f"{path}.{key}" if path else str(key))
    if isinstance(stored, list) and isinstance(replayed, list) and len(stored) == len(replayed):
        for index, (left, right) in enumerate(zip(stored, replayed, strict=True)):
            if left != right:
                return _first_difference(left, right, f"{path}.{index}" if path else str(index))
    return path, stored, replayed


def check_projection_documents(
    stored: Iterable[Row], replayed: InMemoryState, size: int, head_size: int
) -> None:
    """``stored`` ``(kind, key, JSON, seq)`` rows equal the replay of ``size`` entries.

    ``head_size`` is the ledger's size when ``stored`` was read: rows written by entries in
    ``[size, head_size)`` came after the replay and are skipped.

    Raises:
        IntegrityError: naming the first (by kind, key) document that differs, is missing
            or has no entry behind it.
    """
    expected = replayed.dump()
    seen: set[tuple[str, str]] = set()
    for kind, key, text, seq in sorted(stored):
        seen.add((kind, key))
        where = f"projection document {kind}/{key}"
        if seq >= head_size:
            raise IntegrityError(f"{where}: stored as written by entry {seq}, which does not exist")
        if seq >= size:
            continue  # a later append's: the next verification covers it
        found = expected.get((kind, key))
        if found is None:
            raise IntegrityError(f"{where}: stored (seq {seq}), but no entry writes it")
        document, replay_seq = found
        stored_document: Any = json.loads(text)
        if seq != replay_seq:
            raise IntegrityError(
                f"{where}: stored as written by entry {seq}; the signed entries give {replay_seq}"
            )
        if stored_document != document:
            path, stored_value, replayed_value = _first_difference(stored_document, document)
            raise IntegrityError(
                f"{where}: {path or 'document'} is stored as {_short(_json(stored_value))}; "
                f"the signed entries give {_short(_json(replayed_value))}"
            )
    for kind, key in sorted(set(expected) - seen):
        raise IntegrityError(
            f"projection document {kind}/{key}: missing (written by entry "
            f"{expected[(kind, key)][1]})"
        )


def check_links(stored: Iterable[Row], replayed: InMemoryState, size: int, head_size: int) -> None:
    """``stored`` ``(kind, src, dst, seq)`` links equal the replay of ``size`` entries.

    Raises:
        IntegrityError: naming the first link that differs, is missing or is extra.
    """
    expected = replayed.dump_links()
    seen: set[tuple[str, str, str]] = set()
    for kind, src, dst, seq in sorted(stored):
        seen.add((kind, src, dst))
        where = f"projection link {kind}: {src} -> {dst}"
        if seq >= head_size:
            raise IntegrityError(f"{where}: stored as written by entry {seq}, which does not exist")
        if seq >= size:
            continue
        replay_seq = expected.get((kind, src, dst))
        if replay_seq is None:
            raise IntegrityError(f"{where}: stored (seq {seq}), but no entry writes it")
        if seq != replay_seq:
            raise IntegrityError(f"{where}: stored seq {seq}; the entries give {replay_seq}")
    for link in sorted(set(expected) - seen):
        raise IntegrityError(
            f"projection link {link[0]}: {link[1]} -> {link[2]}: missing (written by entry "
            f"{expected[link]})"
        )
