"""Training and technical assistance sessions, signed by the association that held them.

SPSB's capacity building was central to it: who attended which session on which practice is
what a programme reports as "trained producers". A ``training.held`` entry records one
session:

* ``session_id`` — unique on the ledger;
* ``date`` — the day it was held; never after the day the log admits the entry (judged at
  the log's clock, ``AppendContext.judged_at``, like every validity window:
  ``ledger.timing``), so nobody records attendance at a session still to come;
* ``topic`` — a practice code from a **versioned list** (``topic_list``, e.g.
  ``practices@1``; a list version never changes: new topics come in a new version);
* ``landscape`` — where it was held (the association's by default), ``product`` if the
  session was about one product only;
* ``trainer_org`` — who taught (an organization, not a person);
* ``attendees`` — pseudonymous producer ids, each a registered member of the signing
  association, none twice.

Nothing personal is recorded: attendees are the same pseudonymous ids as everywhere else.
The indicator (``verifiers.indicators.figures``) counts distinct trained producers per cell,
a people figure suppressed under five.

Left out: the counting.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field, field_validator

from ledger.registry import AppendContext, EntryType
from ledger.supply.common import Body, Day, Id, acting_org, require, rule
from ledger.supply.conversions import PRODUCTS
from ledger.supply.producers import PRODUCER_KIND

__all__ = [
    "TOPIC_LISTS",
    "TRAINING_KIND",
    "TrainingHeldBody",
    "training_entry_types",
]

TRAINING_KIND = "training"  # key: session id

TOPIC_LISTS: dict[str, dict[str, dict[str, str]]] = {
    "practices@1": {
        "shade_management": {"es": "Manejo de sombra", "en": "Shade management"},
        "soil_conservation": {"es": "Conservación de suelos", "en": "Soil conservation"},
        "organic_fertilization": {"es": "Abonos orgánicos", "en": "Organic fertilization"},
        "integrated_pest_management": {
            "es": "Manejo integrado de plagas",
            "en": "Integrated pest management",
        },
        "agroforestry": {"es": "Sistemas agroforestales", "en": "Agroforestry"},
        "pollinator_protection": {
            "es": "Protección de polinizadores",
            "en": "Pollinator protection",
        },
        "beekeeping_practices": {
            "es": "Buenas prácticas apícolas",
            "en": "Good beekeeping practice",
        },
        "harvest_quality": {"es": "Cosecha y poscosecha", "en": "Harvest and post-harvest"},
        "fire_prevention": {"es": "Prevención de incendios", "en": "Fire prevention"},
        "water_care": {"es": "Cuidado del agua", "en": "Water care"},
        "biodiversity_monitoring": {
            "es": "Monitoreo de biodiversidad",
            "en": "Biodiversity monitoring",
        },
        "records_and_traceability": {
            "es": "Registros y trazabilidad",
            "en": "Records and traceability",
        },
    },
}
"""Versioned practice/topic lists. A version never changes content once released."""


class TrainingHeldBody(Body):
    """``training.held``: one session and who attended it."""

    session_id: Id
    date: Day
    topic_list: str = Field(pattern=r"^[a-z_]+@[1-9][0-9]*$")
    topic: str = Field(pattern=r"^[a-z_]{2,64}$")
    landscape: str | None = Field(default=None, min_length=1, max_length=100)
    product: str | None = None
    trainer_org: str = Field(min_length=2, max_length=200)
    attendees: list[Id] = Field(min_length=1, max_length=1000)

    @field_validator("product")
    @classmethod
    def _product(cls, value: str | None) -> str | None:
        if value is not None and value not in PRODUCTS:
            raise ValueError(f"unknown product {value!r}; one of {sorted(PRODUCTS)}")
        return value


def _apply_training(ctx: AppendContext, body: TrainingHeldBody) -> None:
    org_id = acting_org(ctx)
    rule(ctx.state.get(TRAINING_KIND, body.session_id) is None,
         f"session {body.session_id} is already recorded", "session_id")  # fmt: skip
    topics = TOPIC_LISTS.get(body.topic_list)
    rule(topics is not None, f"unknown topic list {body.topic_list}; known: "
         f"{', '.join(sorted(TOPIC_LISTS))}", "topic_list")  # fmt: skip
    assert topics is not None  # noqa: S101 - refused just above
    rule(body.topic in topics, f"{body.topic} is not in {body.topic_list}", "topic")
    admitted = date.fromisoformat(ctx.judged_at[:10])
    held = date.fromisoformat(body.date)
    rule(held <= admitted, f"session date {body.date} is after the day it is recorded "
         f"({admitted.isoformat()})", "date")  # fmt: skip
    seen: set[str] = set()
    for index, producer_id in enumerate(body.attendees):
        where = f"attendees.{index}"
        rule(producer_id not in seen, f"producer {producer_id} is listed twice", where)
        seen.add(producer_id)
        producer = require(ctx.state.get(PRODUCER_KIND, producer_id),
                           f"unknown producer {producer_id}", where)  # fmt: skip
        rule(producer["org_id"] == org_id,
             f"producer {producer_id} belongs to {producer['org_id']}, not {org_id}",
             where)  # fmt: skip
    doc: dict[str, Any] = body.model_dump()
    doc.update(org_id=org_id, recorded_seq=ctx.seq)
    ctx.state.put(TRAINING_KIND, body.session_id, doc, ctx.seq)


def _training_reads(body: TrainingHeldBody) -> list[tuple[str, str]]:
    return [(TRAINING_KIND, body.session_id)] + [(PRODUCER_KIND, p) for p in body.attendees]


def training_entry_types() -> list[EntryType]:
    """Entry types of training and technical assistance."""
    return [
        EntryType(
            name="training.held",
            body_model=TrainingHeldBody,
            roles=frozenset({"association"}),
            apply=_apply_training,
            description="An association records a training session and its attendees.",
            reads=_training_reads,
        )
    ]
