"""Label entry types: issuance, revocation and resolver hosts, with their rules at admission.

DESIGN §7, Certificate-Transparency style: every label names the ledger entry that issued it
(``n`` is that entry's seq), so a label signed but never recorded is caught by any verifier.

* ``label.issued`` (a ``label_issuer`` key delegated by root): ``units`` labels of
  ``unit_g`` net grams each for one lot, on ``day`` (the statement's own UTC date: labels
  cannot be backdated into another key's validity window), optionally numbered
  ``serial_from`` … ``serial_from + units - 1``. Refused unless the lot is eligible *now*
  (``verifiers.eligibility``; the refusal lists every reason) and unless the lot's mass
  balance allows it: labelled + consumed by transformations stays within the lot's quantity
  (``ledger.supply.balance``, which records the labelled mass on the lot and so reserves it
  from later processing). Appends are serialized on the chain head, so the check holds under
  any number of concurrent writers. Revoked issuances keep counting: their labels may
  already be on jars.
* ``label.revoked`` (a ``label_issuer`` or root key): one issuance, or every label of a lot
  (including later issuances, which are then refused), with a reason, from this seq on.
* ``label.resolvers`` (root): the hosts a verifier should accept in label URLs.

A label's lot code is the lot's GS1 AI (10) lot number restricted to ``[0-9A-Z]{1,20}``; the
pair (GTIN, lot number) is bound to one ledger lot on first issuance and never rebound.

Left out: implicit revocation of labels whose lot stopped being eligible (computed when a
trust list is cut or a label resolved: ``labels.status``), signing the QR (``labels.payload``).
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from labels.errors import IneligibleLotError
from ledger.registry import AppendContext, EntryType
from ledger.state import State
from ledger.supply.balance import reserve_labels
from ledger.supply.common import Body, Day, Id, format_kg, require, rule
from ledger.supply.identifiers import is_label_safe_lot
from ledger.supply.lots import LOT_KIND
from verifiers.eligibility import check_eligibility

__all__ = [
    "ISSUANCE_KIND",
    "LABEL_CODE_KIND",
    "LABEL_CONFIG_KIND",
    "LABEL_LOT_KIND",
    "LabelIssuedBody",
    "LabelResolversBody",
    "LabelRevokedBody",
    "RESOLVERS_TYPE",
    "code_key",
    "label_entry_types",
    "resolver_hosts",
    "serial_text",
]

ISSUANCE_KIND = "label_issuance"  # key: str(seq)
LABEL_LOT_KIND = "label_lot"  # key: lot id; labelled total, issuances, lot-wide revocation
LABEL_CODE_KIND = "label_code"  # key: "<gtin or ->/<lot number>" → the ledger lot it names
LABEL_CONFIG_KIND = "label_config"  # key: "resolvers"
RESOLVERS_TYPE = "label.resolvers"
MAX_SERIAL = 10**20 - 1
"""Serials are written in decimal in at most 20 characters (GS1 AI 21 allows 20)."""

_HOST = re.compile(
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
    r"(?::[1-9][0-9]{0,4})?"
)


def code_key(gtin: str | None, lot_number: str) -> str:
    """The key binding a label's (GTIN, lot number) to one ledger lot."""
    return f"{gtin or '-'}/{lot_number}"


def serial_text(number: int) -> str:
    """A unit serial as the label writes it: decimal, no leading zeros."""
    return str(number)


class LabelIssuedBody(Body):
    """``label.issued``: labels for units of one eligible lot."""

    lot_id: Id
    gtin: str | None = Field(default=None, pattern=r"^[0-9]{14}$")
    lot_number: str = Field(pattern=r"^[0-9A-Z]{1,20}$")
    units: int = Field(ge=1, le=10_000_000)
    unit_g: int = Field(ge=1, le=50_000_000, description="net grams per labelled unit")
    day: Day
    serial_from: int | None = Field(default=None, ge=1, le=MAX_SERIAL)

    @model_validator(mode="after")
    def _serials_fit(self) -> LabelIssuedBody:
        if self.serial_from is not None and self.serial_from + self.units - 1 > MAX_SERIAL:
            raise ValueError("serials would exceed 20 digits")
        return self

    @field_validator("day")
    @classmethod
    def _label_years(cls, value: str) -> str:
        if not "2000" <= value[:4] <= "2099":
            raise ValueError("label dates are written YYMMDD: years 2000-2099")
        return value


class LabelRevokedBody(Body):
    """``label.revoked``: one issuance (``issuance_seq``) or every label of ``lot_id``."""

    issuance_seq: int | None = Field(default=None, ge=1)
    lot_id: Id | None = None
    reason: str = Field(min_length=2, max_length=500)

    @model_validator(mode="after")
    def _one_target(self) -> LabelRevokedBody:
        if (self.issuance_seq is None) == (self.lot_id is None):
            raise ValueError("give exactly one of issuance_seq or lot_id")
        return self


class LabelResolversBody(Body):
    """``label.resolvers``: the resolver hosts label URLs may name."""

    hosts: list[str] = Field(min_length=1, max_length=20)

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        for host in value:
            if len(host) > 253 or not _HOST.fullmatch(host):
                raise ValueError(f"{host!r} is not a lowercase host name (optional :port)")
        if len(set(value)) != len(value):
            raise ValueError("hosts are listed twice")
        return value


def _apply_issued(ctx: AppendContext, body: LabelIssuedBody) -> None:
    # 1. The lot, and what the label will say about it.
    lot = require(ctx.state.get(LOT_KIND, body.lot_id), f"unknown lot {body.lot_id}", "lot_id")
    rule(
        body.gtin == lot["gtin"],
        f"lot {body.lot_id} has gtin {lot['gtin']}; the label says {body.gtin}",
        "gtin",
    )
    if lot["lot_number"] is not None:
        rule(
            body.lot_number == lot["lot_number"],
            f"lot {body.lot_id} has lot number {lot['lot_number']!r}; the label says "
            f"{body.lot_number!r}",
            "lot_number",
        )
    rule(is_label_safe_lot(body.lot_number), "lot number is not label-safe", "lot_number")
    signed_on = ctx.statement.ts[:10]
    rule(body.day == signed_on, f"day must be the statement's date {signed_on}", "day")
    code = code_key(body.gtin, body.lot_number)
    bound = ctx.state.get(LABEL_CODE_KIND, code)
    rule(
        bound is None or bound["lot_id"] == body.lot_id,
        f"labels {code} already name lot {bound['lot_id'] if bound else ''}",
        "lot_number",
    )
    tally = ctx.state.get(LABEL_LOT_KIND, body.lot_id) or {
        "lot_id": body.lot_id,
        "gtin": body.gtin,
        "lot_number": body.lot_number,
        "labelled_g": 0,
        "units": 0,
        "issuances": [],
        "serials": [],
        "revoked_seq": None,
        "revoked_reason": None,
    }
    rule(
        tally["revoked_seq"] is None,
        f"labels of lot {body.lot_id} were revoked at seq {tally['revoked_seq']}",
        "lot_id",
    )
    # 2. The mass balance: labels only for stock neither consumed nor labelled before.
    grams = body.units * body.unit_g
    reserved = reserve_labels(lot, grams, "units", f"{body.units} × {format_kg(body.unit_g)}")
    serial_to = None
    if body.serial_from is not None:
        serial_to = body.serial_from + body.units - 1
        for first, last in tally["serials"]:
            rule(
                serial_to < first or last < body.serial_from,
                f"serials {body.serial_from}..{serial_to} overlap {first}..{last}",
                "serial_from",
            )
    # 3. Eligibility now, with every reason when not.
    answer = check_eligibility(ctx.state, body.lot_id)
    if not answer.eligible:
        raise IneligibleLotError(body.lot_id, [r.to_dict() for r in answer.reasons])
    # 4. Effects.
    issuance = {
        "seq": ctx.seq,
        "lot_id": body.lot_id,
        "gtin": body.gtin,
        "lot_number": body.lot_number,
        "units": body.units,
        "unit_g": body.unit_g,
        "day": body.day,
        "serial_from": body.serial_from,
        "serial_to": serial_to,
        "key_id": ctx.statement.actor,
        "ts": ctx.statement.ts,
        "verifications": answer.verifications,
        "status": "active",
        "revoked_seq": None,
        "revoked_reason": None,
    }
    ctx.state.put(ISSUANCE_KIND, str(ctx.seq), issuance, ctx.seq)
    ctx.state.put(LOT_KIND, body.lot_id, reserved, ctx.seq)
    serials = tally["serials"] + ([[body.serial_from, serial_to]] if serial_to else [])
    ctx.state.put(
        LABEL_LOT_KIND,
        body.lot_id,
        {
            **tally,
            "labelled_g": tally["labelled_g"] + grams,
            "units": tally["units"] + body.units,
            "issuances": [*tally["issuances"], ctx.seq],
            "serials": serials,
        },
        ctx.seq,
    )
    if bound is None:
        ctx.state.put(LABEL_CODE_KIND, code, {"lot_id": body.lot_id}, ctx.seq)


def _apply_revoked(ctx: AppendContext, body: LabelRevokedBody) -> None:
    if body.issuance_seq is not None:
        doc = require(
            ctx.state.get(ISSUANCE_KIND, str(body.issuance_seq)),
            f"no label issuance at seq {body.issuance_seq}",
            "issuance_seq",
        )
        rule(
            doc["status"] == "active",
            f"issuance {body.issuance_seq} was revoked at seq {doc['revoked_seq']}",
            "issuance_seq",
        )
        ctx.state.put(
            ISSUANCE_KIND,
            str(body.issuance_seq),
            {**doc, "status": "revoked", "revoked_seq": ctx.seq, "revoked_reason": body.reason},
            ctx.seq,
        )
        return
    lot_id = body.lot_id or ""
    require(ctx.state.get(LOT_KIND, lot_id), f"unknown lot {lot_id}", "lot_id")
    tally = require(ctx.state.get(LABEL_LOT_KIND, lot_id), f"lot {lot_id} has no labels", "lot_id")
    rule(
        tally["revoked_seq"] is None,
        f"labels of lot {lot_id} were revoked at seq {tally['revoked_seq']}",
        "lot_id",
    )
    ctx.state.put(
        LABEL_LOT_KIND,
        lot_id,
        {**tally, "revoked_seq": ctx.seq, "revoked_reason": body.reason},
        ctx.seq,
    )


def _apply_resolvers(ctx: AppendContext, body: LabelResolversBody) -> None:
    ctx.state.put(
        LABEL_CONFIG_KIND, "resolvers", {"hosts": list(body.hosts), "seq": ctx.seq}, ctx.seq
    )


def resolver_hosts(state: State) -> list[str] | None:
    """The hosts recorded by the latest ``label.resolvers``, or ``None`` if none was."""
    doc = state.get(LABEL_CONFIG_KIND, "resolvers")
    return None if doc is None else list(doc["hosts"])


def label_entry_types() -> list[EntryType]:
    """Every label entry type."""
    return [
        EntryType(
            name="label.issued",
            body_model=LabelIssuedBody,
            roles=frozenset({"label_issuer"}),
            apply=_apply_issued,
            description="The label issuer records labels for units of an eligible lot.",
        ),
        EntryType(
            name="label.revoked",
            body_model=LabelRevokedBody,
            roles=frozenset({"label_issuer", "root"}),
            apply=_apply_revoked,
            description="One issuance, or every label of a lot, is revoked with a reason.",
        ),
        EntryType(
            name=RESOLVERS_TYPE,
            body_model=LabelResolversBody,
            roles=frozenset({"root"}),
            apply=_apply_resolvers,
            description="Root records the resolver hosts label URLs may name.",
        ),
    ]
