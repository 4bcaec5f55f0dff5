"""Producer groups and their programme's targeting rules, checked on every change.

A **programme** (PROINPRO, SPSB…) publishes its targeting rules as versioned data, like a
standard (``programme.published``, signed by a root key; ``id@version`` never changes
content). An association forms a **group** of its members under one programme version
(``group.formed``) and changes its membership (``group.membership_changed``). Both are
refused, with every reason in Spanish and English, unless the group after the change meets
every rule:

* ``min_members`` — at least this many members (PROINPRO: 5);
* ``shares`` — at least ``min_share`` of the members (strictly more with ``strictly_more``:
  PROINPRO's "50 % + 1") meet a condition: a flag the association declares on the
  membership (``beneficiary``), recorded in the group's entries;
* ``one_group_per_producer`` — a member belongs to one group of the programme at a time.

Members are the association's own producers. Nothing personal is involved: members are
pseudonymous ids, flags are programme statuses.

Left out: indicators by group (``verifiers.indicators`` counts by association).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from ledger.canonical import canonicalize
from ledger.errors import DomainRuleError
from ledger.registry import AppendContext, EntryType
from ledger.supply.common import Body, Id, acting_org, require, rule
from ledger.supply.producers import PRODUCER_KIND

__all__ = [
    "GROUP_KIND",
    "PROGRAMME_KIND",
    "GroupReason",
    "GroupRuleError",
    "Programme",
    "group_entry_types",
]

PROGRAMME_KIND = "programme"  # key: "<id>@<version>"
GROUP_KIND = "group"  # key: group id
GROUP_SEAT_KIND = "group_seat"  # key: "<programme id>:<producer id>" → the producer's group


class Text(Body):
    """A text in both languages."""

    es: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)


class Condition(Body):
    """What a member must meet for a share rule: a flag the association declares on the
    membership (e.g. ``beneficiary``), which the group's entries record."""

    kind: Literal["flag"] = "flag"
    flag: Id


class ShareRule(Body):
    """At least (or more than) ``min_share`` of the members meet ``condition``."""

    condition: Condition
    min_share: str = Field(pattern=r"^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$")
    """A fraction written as a decimal string ("0.5"): exact, and JSON-safe to hash."""
    strictly_more: bool = False
    title: Text


class Programme(Body):
    """A programme's targeting rules, version by version."""

    id: Id
    version: int = Field(ge=1)
    title: Text
    min_members: int = Field(default=1, ge=1, le=10_000)
    shares: list[ShareRule] = Field(default_factory=list, max_length=20)
    one_group_per_producer: bool = True


class ProgrammePublishedBody(Body):
    """``programme.published``: a root key publishes a programme version's rules."""

    programme: Programme


class Member(Body):
    """One membership: the producer and the flags the association declares for it."""

    producer_id: Id
    flags: list[Id] = Field(default_factory=list, max_length=20)


class GroupFormedBody(Body):
    """``group.formed``: an association forms a group of its members under a programme."""

    group_id: Id
    programme: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*@[1-9][0-9]*$")
    name: str = Field(min_length=1, max_length=200)
    members: list[Member] = Field(min_length=1, max_length=10_000)


class MembershipChangedBody(Body):
    """``group.membership_changed``: members join (or change flags) and leave."""

    group_id: Id
    add: list[Member] = Field(default_factory=list, max_length=10_000)
    remove: list[Id] = Field(default_factory=list, max_length=10_000)

    @model_validator(mode="after")
    def _something(self) -> MembershipChangedBody:
        if not self.add and not self.remove:
            raise ValueError("add or remove at least one member")
        return self


@dataclass(frozen=True)
class GroupReason:
    """Why a group breaks a rule, in both languages, with the field at fault."""

    code: str
    field: str
    message_en: str
    message_es: str

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"code": self.code, "field": self.field, "message_en": self.message_en,
                "message_es": self.message_es}  # fmt: skip


class GroupRuleError(DomainRuleError):
    """The group would break its programme's rules; ``reasons`` lists every one (es/en)."""

    def __init__(self, reasons: list[GroupReason]) -> None:
        super().__init__(
            "; ".join(f"{r.message_en} / {r.message_es}" for r in reasons),
            field=f"statement.body.{reasons[0].field}",
        )
        self.reasons = reasons


def _pct(value: Decimal) -> str:
    return f"{(value * 100).normalize():f} %"


def _check(
    ctx: AppendContext, programme: dict[str, Any], group_id: str, members: dict[str, list[str]]
) -> None:
    """Every rule of the programme over the group's members after the change."""
    rules = Programme.model_validate(programme)
    reasons: list[GroupReason] = []
    count = len(members)
    if count < rules.min_members:
        reasons.append(GroupReason(
            "too_few_members", "members",
            f"group {group_id} would have {count} members; {rules.id}@{rules.version} "
            f"requires at least {rules.min_members}",
            f"el grupo {group_id} quedaría con {count} integrantes; {rules.id}@{rules.version} "
            f"exige al menos {rules.min_members}",
        ))  # fmt: skip
    for index, share in enumerate(rules.shares):
        meeting = sum(share.condition.flag in flags for flags in members.values())
        have = Decimal(meeting) / count if count else Decimal(0)
        bound = Decimal(share.min_share)
        ok = have > bound if share.strictly_more else have >= bound
        if not ok:
            bound_en = "more than" if share.strictly_more else "at least"
            bound_es = "más de" if share.strictly_more else "al menos"
            reasons.append(GroupReason(
                "share_not_met", f"members (shares.{index})",
                f"{meeting} of {count} members meet '{share.title.en}'; "
                f"{rules.id}@{rules.version} requires {bound_en} {_pct(bound)}",
                f"{meeting} de {count} integrantes cumplen «{share.title.es}»; "
                f"{rules.id}@{rules.version} exige {bound_es} {_pct(bound)}",
            ))  # fmt: skip
    if reasons:
        raise GroupRuleError(reasons)


def _programme_doc(ctx: AppendContext, ref: str) -> dict[str, Any]:
    doc = require(ctx.state.get(PROGRAMME_KIND, ref), f"no programme {ref} is published",
                  "programme")  # fmt: skip
    rules: dict[str, Any] = doc["rules"]
    return rules


def _members_of(ctx: AppendContext, org_id: str, members: list[Member], field: str) -> None:
    seen: set[str] = set()
    for index, member in enumerate(members):
        where = f"{field}.{index}.producer_id"
        rule(member.producer_id not in seen, f"producer {member.producer_id} is listed twice",
             where)  # fmt: skip
        seen.add(member.producer_id)
        producer = require(ctx.state.get(PRODUCER_KIND, member.producer_id),
                           f"unknown producer {member.producer_id}", where)  # fmt: skip
        rule(producer["org_id"] == org_id,
             f"producer {member.producer_id} belongs to {producer['org_id']}, not {org_id}",
             where)  # fmt: skip


def _seat(ctx: AppendContext, programme_id: str, one_only: bool, group_id: str, producer: str,
          field: str) -> None:  # fmt: skip
    """Take the producer's seat in the programme, refusing a second group when one only."""
    if not one_only:
        return
    key = f"{programme_id}:{producer}"
    held = ctx.state.get(GROUP_SEAT_KIND, key)
    if held is not None and held["group_id"] not in (None, group_id):
        raise GroupRuleError([GroupReason(
            "already_in_a_group", field,
            f"producer {producer} already belongs to group {held['group_id']} of programme "
            f"{programme_id}, which allows one group per producer",
            f"la persona productora {producer} ya pertenece al grupo {held['group_id']} del "
            f"programa {programme_id}, que permite un solo grupo por persona",
        )])  # fmt: skip
    ctx.state.put(GROUP_SEAT_KIND, key, {"group_id": group_id}, ctx.seq)


def _apply_published(ctx: AppendContext, body: ProgrammePublishedBody) -> None:
    programme = body.programme
    ref = f"{programme.id}@{programme.version}"
    content = programme.model_dump(mode="json")
    digest = hashlib.sha256(canonicalize(content)).hexdigest()
    rule(ctx.state.get(PROGRAMME_KIND, ref) is None,
         f"{ref} is already published; publish a new version", "programme")  # fmt: skip
    ctx.state.put(PROGRAMME_KIND, ref, {"ref": ref, "hash": digest, "rules": content,
                                        "published_seq": ctx.seq}, ctx.seq)  # fmt: skip


def _apply_formed(ctx: AppendContext, body: GroupFormedBody) -> None:
    org_id = acting_org(ctx)
    rule(ctx.state.get(GROUP_KIND, body.group_id) is None, f"group {body.group_id} exists",
         "group_id")  # fmt: skip
    programme = _programme_doc(ctx, body.programme)
    _members_of(ctx, org_id, body.members, "members")
    members = {m.producer_id: sorted(set(m.flags)) for m in body.members}
    _check(ctx, programme, body.group_id, members)
    for index, producer in enumerate(members):
        _seat(ctx, programme["id"], programme["one_group_per_producer"], body.group_id,
              producer, f"members.{index}.producer_id")  # fmt: skip
    ctx.state.put(GROUP_KIND, body.group_id, {
        "group_id": body.group_id, "org_id": org_id, "programme": body.programme,
        "name": body.name, "members": members, "formed_seq": ctx.seq, "changed_seq": ctx.seq,
    }, ctx.seq)  # fmt: skip


def _apply_changed(ctx: AppendContext, body: MembershipChangedBody) -> None:
    org_id = acting_org(ctx)
    group = require(ctx.state.get(GROUP_KIND, body.group_id), f"unknown group {body.group_id}",
                    "group_id")  # fmt: skip
    rule(group["org_id"] == org_id, f"group {body.group_id} belongs to {group['org_id']}",
         "group_id")  # fmt: skip
    programme = _programme_doc(ctx, group["programme"])
    members: dict[str, list[str]] = dict(group["members"])
    for index, producer in enumerate(body.remove):
        rule(producer in members, f"producer {producer} is not in group {body.group_id}",
             f"remove.{index}")  # fmt: skip
        del members[producer]
    _members_of(ctx, org_id, body.add, "add")
    joining = [m.producer_id for m in body.add if m.producer_id not in members]
    for member in body.add:
        members[member.producer_id] = sorted(set(member.flags))
    _check(ctx, programme, body.group_id, members)
    for producer in body.remove:
        ctx.state.put(GROUP_SEAT_KIND, f"{programme['id']}:{producer}", {"group_id": None},
                      ctx.seq)  # fmt: skip
    for index, producer in enumerate(joining):
        _seat(ctx, programme["id"], programme["one_group_per_producer"], body.group_id,
              producer, f"add.{index}.producer_id")  # fmt: skip
    ctx.state.put(GROUP_KIND, body.group_id,
                  {**group, "members": dict(sorted(members.items())), "changed_seq": ctx.seq},
                  ctx.seq)  # fmt: skip


def group_entry_types() -> list[EntryType]:
    """Entry types of programmes and producer groups."""
    return [
        EntryType("programme.published", ProgrammePublishedBody, frozenset({"root"}),
                  _apply_published, "A root key publishes a programme's targeting rules."),
        EntryType("group.formed", GroupFormedBody, frozenset({"association"}), _apply_formed,
                  "An association forms a producer group under a programme version."),
        EntryType("group.membership_changed", MembershipChangedBody,
                  frozenset({"association"}), _apply_changed,
                  "Members join or leave a group; the programme's rules are checked again."),
    ]  # fmt: skip
