"""People figures in a report are attested, not derived: signed by the programme's operator key.

Women, youth and Indigenous-language speakers are counted from personal data that never
enters the ledger (``ledger.supply.producers``): a donor replaying the report's entries cannot
recount them. Rather than pass them off as ledger figures, a report carries them under an
**attestation**: the operator key — the key the donor already trusts for the checkpoint —
signs exactly the published (already suppressed) people figures of every row, bound to the
report's origin, tree size and date, under the domain :data:`PEOPLE_DOMAIN` (so the signature
can never be taken for a checkpoint or an entry signature).

What a verifier can then check (``verifiers.indicators.report``):

* the signature: the figures are the ones the programme stands behind, unaltered;
* the disclosure rules (``verifiers.indicators.disclosure``) on every row;
* consistency with the ledger: people with data never exceed the ledger-derived producers of
  their row, a group never exceeds the people it is drawn from, and a total never shows fewer
  people than any of the rows it adds up shows (people are counted as sets).

What it cannot: that the counts are true. That rests on the programme's word, and the
attestation's ``basis`` says so in the report itself.

Left out: the disclosure rules and the figures themselves.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.canonical import canonicalize
from ledger.encoding import b64url_decode, b64url_encode
from ledger.errors import SignatureError
from ledger.keys import key_id, sign_message, verify_message
from verifiers.indicators.disclosure import PEOPLE_FIELDS

__all__ = [
    "BASIS",
    "PEOPLE_DOMAIN",
    "attest_people",
    "check_people_attestation",
    "check_people_consistency",
    "people_message",
]

PEOPLE_DOMAIN = b"biotraza/indicators/people-attestation/v1\n"
"""Domain separation of the signature: nothing else the operator key signs starts so."""

BASIS = (
    "attested by the programme's operator key, not derived from the ledger: counted from "
    "personal data kept off the ledger with the producers' consent, groups under 5 suppressed"
)

_LEVELS = ("cells", "landscapes", "products")


def people_message(origin: str, tree_size: int, as_of: str, figures: dict[str, Any]) -> bytes:
    """The canonical bytes signed: report identity and every row's people figures in order."""
    rows = {level: [row.get("people") for row in figures.get(level, [])] for level in _LEVELS}
    return canonicalize(
        {"origin": origin, "tree_size": tree_size, "as_of": as_of, "people": rows, "basis": BASIS}
    )


def attest_people(
    key: Ed25519PrivateKey, origin: str, tree_size: int, as_of: str, figures: dict[str, Any]
) -> dict[str, str]:
    """The attestation a report's header carries for its people figures."""
    message = people_message(origin, tree_size, as_of, figures)
    return {
        "basis": BASIS,
        "key_id": str(key_id(key)),
        "signature": b64url_encode(sign_message(key, PEOPLE_DOMAIN, message)),
    }


def check_people_attestation(
    attestation: object,
    public: bytes,
    origin: str,
    tree_size: int,
    as_of: str,
    figures: dict[str, Any],
) -> list[tuple[str, str]]:
    """``(where, why)`` for an attestation that is missing, malformed or not by ``public``."""
    where = "people_attestation"
    if not isinstance(attestation, dict) or set(attestation) != {"basis", "key_id", "signature"}:
        return [(where, "people figures without an attestation {basis, key_id, signature}: "
                 "they are not ledger figures and nobody signed them")]  # fmt: skip
    if attestation["basis"] != BASIS:
        return [(f"{where}.basis", f"expected {BASIS!r}")]
    if attestation["key_id"] != str(key_id(public)):
        return [(f"{where}.key_id", "not the operator key you trust")]
    try:
        signature = b64url_decode(str(attestation["signature"]), 64)
        verify_message(
            public, PEOPLE_DOMAIN, people_message(origin, tree_size, as_of, figures), signature
        )
    except (ValueError, SignatureError):
        return [(f"{where}.signature", "does not verify over the report's people figures: "
                 "they were changed after the programme attested them")]  # fmt: skip
    return []


def check_people_consistency(figures: dict[str, Any]) -> list[tuple[str, str]]:
    """People figures against each other and the ledger-derived producer counts.

    Assumes every row's ``people`` is a dict of counts or ``None`` (checked before).
    """
    problems: list[tuple[str, str]] = []
    for level in _LEVELS:
        for index, row in enumerate(figures.get(level, [])):
            people = row.get("people")
            if not isinstance(people, dict):
                continue
            where = f"{level}[{index}].people"
            among = people.get("with_data")
            producers = row.get("producers")
            if among is not None and producers is not None and among > producers:
                problems.append((f"{where}.with_data", f"{among} people with data, only "
                                 f"{producers} producers on the ledger"))  # fmt: skip
            if among is not None and producers is None:
                problems.append((f"{where}.with_data", "shown where the producers it is "
                                 "drawn from are too few to show"))  # fmt: skip
            for name in PEOPLE_FIELDS[1:]:
                value = people.get(name)
                if value is not None and (among is None or value > among):
                    problems.append((f"{where}.{name}", f"{value} of {among} people with data"))
    problems += _totals_cover_rows(figures)
    return problems


def _totals_cover_rows(figures: dict[str, Any]) -> list[tuple[str, str]]:
    """A landscape total holds every cell's people; a product total every landscape's."""
    problems: list[tuple[str, str]] = []
    below = {"landscapes": ("cells", ("landscape", "product", "season")),
             "products": ("landscapes", ("product", "season"))}  # fmt: skip
    for level, (lower, keys) in below.items():
        for index, total in enumerate(figures.get(level, [])):
            people = total.get("people")
            if not isinstance(people, dict):
                continue
            ident = tuple(total.get(k) for k in keys)
            for row in figures.get(lower, []):
                theirs = row.get("people")
                if tuple(row.get(k) for k in keys) != ident or not isinstance(theirs, dict):
                    continue
                for name in PEOPLE_FIELDS:
                    mine, part = people.get(name), theirs.get(name)
                    if mine is not None and part is not None and part > mine:
                        problems.append((f"{level}[{index}].people.{name}", f"{mine}, fewer "
                                         f"than the {part} of a row it adds up"))  # fmt: skip
    return problems
