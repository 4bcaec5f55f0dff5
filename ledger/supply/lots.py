"""Lots, harvests and transformations, with mass balance enforced at append time.

Every quantity is kept in integer grams, so balances are exact. The rules:

* A harvest lot comes from the signing association's own plots or apiaries, in the harvest
  form of its product (coffee cherry, cacao wet beans, raw honey); the per-site quantity in a
  harvest season stays within the plausible field yield (kg per ha, or per hive). Coffee
  seasons follow the ICO coffee year (1 October – 30 September), so a December and a January
  picking of one plot count against one cap; cacao and honey count by calendar year.
* A transformation consumes declared quantities of input lots held by the signer: never more
  than a lot's unlabelled stock (its remaining quantity less what labels reserved:
  ``ledger.supply.balance``). ``process`` changes the form and its outputs never exceed the
  inputs × the maximum yield of that form change (a versioned conversion table the entry
  cites); ``split``, ``blend`` and ``pack`` keep the form and never create mass.
* Lineage is recorded as links: ``lot_input`` (output → input) and ``lot_origin``
  (harvest lot → ``plot:<id>`` / ``apiary:<id>``).

Left out: custody changes (``ledger.supply.transfers``), lineage queries
(``ledger.supply.lineage``).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ledger.errors import DomainRuleError
from ledger.registry import AppendContext, EntryType
from ledger.supply.balance import consume
from ledger.supply.common import Body, Day, Gtin, Id, LotNumber, Quantity, acting_org, require, rule
from ledger.supply.conversions import DEFAULT_TABLE, HARVEST_FORMS, PRODUCTS, TABLES, kg_to_grams
from ledger.supply.identifiers import validate_gtin
from ledger.supply.sites import APIARY_KIND, PLOT_KIND, site_key

__all__ = [
    "LOT_INPUT",
    "LOT_KIND",
    "LOT_ORIGIN",
    "HarvestBody",
    "TransformBody",
    "lot_entry_types",
]

LOT_KIND = "lot"
LOT_INPUT = "lot_input"
LOT_ORIGIN = "lot_origin"
TRANSFORMATION_KIND = "transformation"
SITE_HARVEST_KIND = "site_harvest"
MAX_HARVEST_AGE_YEARS = 2
"""Harvests are recorded within two years of picking, so a yield cap cannot be dodged by
dating a harvest into a distant season."""


class OriginShare(Body):
    """How much of a harvest lot came from one plot or apiary."""

    plot_id: Id | None = None
    apiary_id: Id | None = None
    quantity_kg: Quantity

    @model_validator(mode="after")
    def _one_site(self) -> OriginShare:
        if (self.plot_id is None) == (self.apiary_id is None):
            raise ValueError("give exactly one of plot_id or apiary_id")
        return self


class HarvestBody(Body):
    """``lot.harvested``: a new lot straight from plots or apiaries."""

    lot_id: Id
    product: str
    form: str
    quantity_kg: Quantity
    harvested_from: Day
    harvested_to: Day | None = None
    origins: list[OriginShare] = Field(min_length=1, max_length=1000)
    gtin: Gtin | None = None
    lot_number: LotNumber | None = None

    @field_validator("product")
    @classmethod
    def _product(cls, value: str) -> str:
        if value not in PRODUCTS:
            raise ValueError(f"unknown product {value!r}; known: {sorted(PRODUCTS)}")
        return value


class LotInput(Body):
    """A quantity consumed from one input lot."""

    lot_id: Id
    quantity_kg: Quantity


class Package(Body):
    """Units a ``pack`` output is packed in (e.g. 69 kg sacks, 300 kg drums)."""

    unit: Literal["sack", "drum", "bag", "box", "jar", "bucket", "bale"]
    count: int = Field(ge=1, le=1_000_000)
    unit_kg: Quantity


class LotOutput(Body):
    """A lot a transformation creates."""

    lot_id: Id
    quantity_kg: Quantity
    form: str | None = None
    gtin: Gtin | None = None
    lot_number: LotNumber | None = None
    package: Package | None = None


class TransformBody(Body):
    """``lot.transformed``: process, split, blend or pack lots held by the signer."""

    transformation_id: Id
    kind: Literal["process", "split", "blend", "pack"]
    inputs: list[LotInput] = Field(min_length=1, max_length=20_000)
    outputs: list[LotOutput] = Field(min_length=1, max_length=1000)
    conversion_table: str = DEFAULT_TABLE.version
    performed_on: Day | None = None


def _lot_document(
    *,
    lot_id: str,
    org_id: str,
    product: str,
    form: str,
    grams: int,
    seq: int,
    created_by: str,
    harvest: dict[str, str | None],
    gtin: str | None,
    lot_number: str | None,
    package: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "lot_id": lot_id,
        "org_id": org_id,
        "custodian": org_id,
        "product": product,
        "form": form,
        "quantity_g": grams,
        "remaining_g": grams,
        "labelled_g": 0,
        "status": "active",
        "pending_to": None,
        "harvest": harvest,
        "gtin": validate_gtin(gtin) if gtin else None,
        "lot_number": lot_number,
        "package": package,
        "created_by": created_by,
        "created_seq": seq,
    }


def harvest_season(product: str, day: str) -> str:
    """The season a harvest date counts in: ``2025/26`` for coffee (ICO coffee year, from
    1 October), the calendar year otherwise."""
    year, month = int(day[:4]), int(day[5:7])
    if product == "coffee":
        start = year if month >= 10 else year - 1
        return f"{start}/{(start + 1) % 100:02d}"
    return str(year)


def _max_site_grams(site: dict[str, Any], kind: str, product: str, table_version: str) -> int:
    field_yield = TABLES[table_version].field_yield(product)
    if kind == APIARY_KIND:
        limit = Decimal(site["hive_count"]) * field_yield.max_kg
    else:
        limit = Decimal(str(site["area_ha"])) * field_yield.max_kg
    return int((limit * 1000).to_integral_value(ROUND_FLOOR))


def _harvest_reads(body: HarvestBody) -> list[tuple[str, str]]:
    year = harvest_season(body.product, body.harvested_from)
    wanted = [(LOT_KIND, body.lot_id)]
    for origin in body.origins:
        kind = PLOT_KIND if origin.plot_id else APIARY_KIND
        site_id = origin.plot_id or origin.apiary_id or ""
        wanted += [(kind, site_id), (SITE_HARVEST_KIND, f"{site_key(kind, site_id)}:{year}")]
    return wanted


def _transform_reads(body: TransformBody) -> list[tuple[str, str]]:
    lots = [item.lot_id for item in body.inputs] + [out.lot_id for out in body.outputs]
    return [(TRANSFORMATION_KIND, body.transformation_id), *((LOT_KIND, lot) for lot in lots)]


def _apply_harvest(ctx: AppendContext, body: HarvestBody) -> None:
    org_id = acting_org(ctx)
    rule(ctx.state.get(LOT_KIND, body.lot_id) is None, f"lot {body.lot_id} exists", "lot_id")
    expected_form = HARVEST_FORMS[body.product]
    rule(
        body.form == expected_form,
        f"a {body.product} harvest lot must be {expected_form!r}, not {body.form!r}",
        "form",
    )
    rule(
        body.harvested_to is None or body.harvested_to >= body.harvested_from,
        "harvested_to is before harvested_from",
        "harvested_to",
    )
    signed_on = ctx.statement.ts[:10]
    rule(
        (body.harvested_to or body.harvested_from) <= signed_on,
        f"a harvest cannot end after the statement's date {signed_on}",
        "harvested_to" if body.harvested_to else "harvested_from",
    )
    earliest = f"{int(signed_on[:4]) - MAX_HARVEST_AGE_YEARS}{signed_on[4:]}"
    rule(
        body.harvested_from >= earliest,
        f"a harvest recorded on {signed_on} cannot start before {earliest}",
        "harvested_from",
    )
    total = kg_to_grams(body.quantity_kg)
    shares = sum(kg_to_grams(o.quantity_kg) for o in body.origins)
    rule(
        shares == total,
        f"origin quantities add up to {shares / 1000} kg, the lot is {total / 1000} kg",
        "origins",
    )
    year = harvest_season(body.product, body.harvested_from)
    seen: set[str] = set()
    for index, origin in enumerate(body.origins):
        kind = PLOT_KIND if origin.plot_id else APIARY_KIND
        site_id = origin.plot_id or origin.apiary_id or ""
        field = f"origins.{index}"
        node = site_key(kind, site_id)
        rule(node not in seen, f"{node} is listed twice", field)
        seen.add(node)
        site = require(ctx.state.get(kind, site_id), f"unknown {kind} {site_id}", field)
        rule(site["org_id"] == org_id, f"{kind} {site_id} belongs to {site['org_id']}", field)
        rule(
            site["product"] == body.product,
            f"{kind} {site_id} grows {site['product']}, not {body.product}",
            field,
        )
        grams = kg_to_grams(origin.quantity_kg)
        tally_key = f"{node}:{year}"
        tally = ctx.state.get(SITE_HARVEST_KIND, tally_key) or {"grams": 0}
        limit = _max_site_grams(site, kind, body.product, DEFAULT_TABLE.version)
        rule(
            tally["grams"] + grams <= limit,
            f"{kind} {site_id} would yield {(tally['grams'] + grams) / 1000} kg in season {year}; "
            f"plausible maximum is {limit / 1000} kg",
            field,
        )
        ctx.state.put(
            SITE_HARVEST_KIND,
            tally_key,
            {"site": node, "season": year, "grams": tally["grams"] + grams},
            ctx.seq,
        )
        ctx.state.link(LOT_ORIGIN, body.lot_id, node, ctx.seq)
    ctx.state.put(
        LOT_KIND,
        body.lot_id,
        _lot_document(
            lot_id=body.lot_id,
            org_id=org_id,
            product=body.product,
            form=body.form,
            grams=total,
            seq=ctx.seq,
            created_by="harvest",
            harvest={"from": body.harvested_from, "to": body.harvested_to or body.harvested_from},
            gtin=body.gtin,
            lot_number=body.lot_number,
        ),
        ctx.seq,
    )


def _apply_transform(ctx: AppendContext, body: TransformBody) -> None:
    org_id = acting_org(ctx)
    rule(
        ctx.state.get(TRANSFORMATION_KIND, body.transformation_id) is None,
        f"transformation {body.transformation_id} exists",
        "transformation_id",
    )
    rule(
        body.conversion_table in TABLES,
        f"unknown table {body.conversion_table}",
        "conversion_table",
    )
    table = TABLES[body.conversion_table]
    shape = {"split": (1, 2), "blend": (2, 1)}.get(body.kind)
    if shape is not None:
        rule(len(body.inputs) == 1 if body.kind == "split" else len(body.inputs) >= 2,
             f"{body.kind} takes {'one input' if body.kind == 'split' else 'two or more inputs'}",
             "inputs")  # fmt: skip
        rule(len(body.outputs) >= 2 if body.kind == "split" else len(body.outputs) == 1,
             f"{body.kind} makes {'two or more outputs' if body.kind == 'split' else 'one output'}",
             "outputs")  # fmt: skip

    # 1. Inputs: held by the signer, active, enough left, one product and form.
    inputs: list[tuple[dict[str, Any], int]] = []
    consumed: list[dict[str, Any]] = []  # each input lot's document after this transformation
    for index, item in enumerate(body.inputs):
        field = f"inputs.{index}"
        lot = require(ctx.state.get(LOT_KIND, item.lot_id), f"unknown lot {item.lot_id}", field)
        rule(all(item.lot_id != d["lot_id"] for d, _ in inputs), f"lot {item.lot_id} twice", field)
        rule(
            lot["custodian"] == org_id,
            f"lot {item.lot_id} is held by {lot['custodian']}, not {org_id}",
            field,
        )
        rule(lot["status"] != "in_transit", f"lot {item.lot_id} is in transit", field)
        grams = kg_to_grams(item.quantity_kg)
        consumed.append(consume(lot, grams, field))  # refused before the outputs are judged
        inputs.append((lot, grams))
    product = inputs[0][0]["product"]
    from_form = inputs[0][0]["form"]
    for index, (lot, _g) in enumerate(inputs):
        rule(
            lot["product"] == product,
            f"inputs mix {product} and {lot['product']}",
            f"inputs.{index}",
        )
        rule(
            lot["form"] == from_form, f"inputs mix {from_form} and {lot['form']}", f"inputs.{index}"
        )

    # 2. Outputs: new lots, forms as the kind requires, packages consistent.
    forms = {o.form or from_form for o in body.outputs}
    rule(len(forms) == 1, "outputs of one transformation share one form", "outputs")
    to_form = forms.pop()
    rule(to_form in PRODUCTS[product], f"{product} has no form {to_form!r}", "outputs")
    if body.kind == "process":
        rule(to_form != from_form, f"process must change the form (still {from_form})", "outputs")
    else:
        rule(to_form == from_form, f"{body.kind} keeps the form {from_form}", "outputs")
    seen: set[str] = set()
    in_grams = sum(g for _lot, g in inputs)
    out_grams = 0
    for index, out in enumerate(body.outputs):
        field = f"outputs.{index}"
        rule(out.lot_id not in seen and ctx.state.get(LOT_KIND, out.lot_id) is None,
             f"lot {out.lot_id} already exists", field)  # fmt: skip
        seen.add(out.lot_id)
        grams = kg_to_grams(out.quantity_kg)
        if out.package is not None:
            packed = out.package.count * kg_to_grams(out.package.unit_kg)
            rule(
                packed == grams,
                f"{out.package.count} × {out.package.unit_kg} kg ≠ {grams / 1000} kg",
                field,
            )
        rule(body.kind != "pack" or out.package is not None, "pack outputs need a package", field)
        out_grams += grams

    # 3. Mass balance: never more out than in × the maximum yield of the form change.
    try:
        factor = table.max_yield(product, from_form, to_form)
    except ValueError as exc:
        raise DomainRuleError(str(exc), field="statement.body.outputs") from exc
    limit = int((Decimal(in_grams) * factor).to_integral_value(ROUND_FLOOR))
    rule(
        out_grams <= limit,
        f"outputs {out_grams / 1000} kg exceed inputs {in_grams / 1000} kg × maximum yield "
        f"{factor} ({from_form} → {to_form}, table {table.version})",
        "outputs",
    )

    # 4. Effects.
    harvest_from = min(lot["harvest"]["from"] for lot, _g in inputs)
    harvest_to = max(lot["harvest"]["to"] for lot, _g in inputs)
    for doc in consumed:
        ctx.state.put(LOT_KIND, doc["lot_id"], doc, ctx.seq)
    for out in body.outputs:
        ctx.state.put(
            LOT_KIND,
            out.lot_id,
            _lot_document(
                lot_id=out.lot_id,
                org_id=org_id,
                product=product,
                form=to_form,
                grams=kg_to_grams(out.quantity_kg),
                seq=ctx.seq,
                created_by=body.transformation_id,
                harvest={"from": harvest_from, "to": harvest_to},
                gtin=out.gtin,
                lot_number=out.lot_number,
                package=out.package.model_dump() if out.package else None,
            ),
            ctx.seq,
        )
        for lot, _grams in inputs:
            ctx.state.link(LOT_INPUT, out.lot_id, lot["lot_id"], ctx.seq)
    ctx.state.put(
        TRANSFORMATION_KIND,
        body.transformation_id,
        {
            "transformation_id": body.transformation_id,
            "kind": body.kind,
            "org_id": org_id,
            "inputs": [{"lot_id": lot["lot_id"], "grams": g} for lot, g in inputs],
            "outputs": [
                {"lot_id": o.lot_id, "grams": kg_to_grams(o.quantity_kg)} for o in body.outputs
            ],
            "from_form": from_form,
            "to_form": to_form,
            "max_yield": str(factor),
            "conversion_table": table.version,
            "seq": ctx.seq,
        },
        ctx.seq,
    )


def lot_entry_types() -> list[EntryType]:
    """Entry types of harvests and transformations."""
    return [
        EntryType(
            name="lot.harvested",
            body_model=HarvestBody,
            roles=frozenset({"association"}),
            apply=_apply_harvest,
            description="An association records a harvest lot from its plots or apiaries.",
            reads=_harvest_reads,
        ),
        EntryType(
            name="lot.transformed",
            body_model=TransformBody,
            roles=frozenset({"association"}),
            apply=_apply_transform,
            description="The custodian processes, splits, blends or packs lots.",
            reads=_transform_reads,
        ),
    ]
