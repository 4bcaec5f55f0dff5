"""Programme indicators, computed from the ledger's state at one position: no database needed.

:func:`compute_figures` reads only a :class:`ledger.state.State`, so the same code runs over
the live projections (``api.services.indicators``) and over the state a donor replays from
a report's entries (``verifiers.indicators.report``): the two cannot disagree.

Every figure is counted in a **cell**: association × landscape × product × season.

* Standing figures — plots, hectares, plots and hectares under biodiversity-friendly practice
  (a passing, active verification for the plot's product whose validity contains the report
  date), producers reached (members with a plot or apiary of the product) — count in the
  season the report date falls in.
* Flows — labels issued and revoked, lots shipped by associations and how many of them were
  eligible (``verifiers.eligibility``), lots sold and their value per currency, eligible or
  not (``sale.recorded``), farm-gate purchases, their premiums and what was paid against them
  (``purchase.recorded``, ``payment.recorded``) — count in the season of the lot's harvest.
* Trained producers (``training.held``) count in the season of the session's date, in the
  session's product cell or, when it names none, in each product cell its attendees grow.
* The landscape is the plot's (or session's) own when it names one, the association's
  otherwise.

People figures drawn from off-ledger personal data (women, youth) are passed in as
:class:`Person` records; the ledger never holds them.

Left out: which figures may be shown (``verifiers.indicators.disclosure``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.gc_pause import paused_cycle_collector
from ledger.state import State
from ledger.supply.lots import LOT_KIND, harvest_season
from ledger.supply.orgs import ORG_KIND
from ledger.supply.payments import PURCHASE_KIND, cents
from ledger.supply.sales import SALE_KIND
from ledger.supply.sites import APIARY_KIND, PLOT_KIND
from ledger.supply.transfers import SHIPMENT_KIND
from verifiers.certification import VERIFIES, subject_node
from verifiers.eligibility import eligible_lots, verification_facts
from verifiers.training import TRAINING_KIND

__all__ = [
    "YOUTH_MAX_AGE",
    "Judge",
    "Cell",
    "CellKey",
    "Person",
    "RawFigures",
    "compute_figures",
    "is_youth",
]

Judge = Callable[[State, Iterable[str]], dict[str, bool]]
"""What judges the shipped and sold lots: ``verifiers.eligibility.eligible_lots``, or the
same verdicts judged on more cores (``api.services.eligibility_workers``) where a database
other processes can open holds the state."""

YOUTH_MAX_AGE = 29
"""Youth: at most 29 years old in the report's year (Mexico's Ley del Instituto Mexicano de
la Juventud counts 12 to 29)."""

NO_LANDSCAPE = "-"
"""The landscape of an association that registered none."""

NO_PRODUCT = "-"
"""The product of a training attendee with no plot or apiary, when the session named none."""

ISSUANCE_KIND = "label_issuance"
LABEL_LOT_KIND = "label_lot"
"""Label issuances and each lot's label tally with its lot-wide revocation (``labels.issuance``
writes them; named here because verifiers may not import labels)."""


@dataclass(frozen=True, order=True)
class CellKey:
    """Where a figure counts."""

    association: str
    landscape: str
    product: str
    season: str


@dataclass(frozen=True)
class Person:
    """A producer's consented statistical attributes, from the off-ledger personal data."""

    gender: str | None
    birth_year: int | None
    indigenous: bool | None = None
    """Speaks an Indigenous language (``None``: not recorded)."""


def is_youth(person: Person, as_of: date) -> bool:
    """Whether the person is young (≤ :data:`YOUTH_MAX_AGE`) in the report's year."""
    return person.birth_year is not None and as_of.year - person.birth_year <= YOUTH_MAX_AGE


@dataclass
class Cell:
    """Raw counts of one cell, before any suppression."""

    plots: int = 0
    hectares: Decimal = Decimal(0)
    plots_verified: int = 0
    hectares_verified: Decimal = Decimal(0)
    producers: set[str] = field(default_factory=set)
    labels_issued: int = 0
    labels_revoked: int = 0
    label_units: int = 0
    lots_shipped: int = 0
    shipped_g: int = 0
    eligible_lots_shipped: int = 0
    eligible_shipped_g: int = 0
    people: set[str] = field(default_factory=set)
    """Producers of the cell with consented statistical data."""
    women: set[str] = field(default_factory=set)
    youth: set[str] = field(default_factory=set)
    indigenous: set[str] = field(default_factory=set)
    """Producers of the cell who speak an Indigenous language (consented data)."""
    lots_sold: int = 0
    sold_g: int = 0
    eligible_lots_sold: int = 0
    eligible_sold_g: int = 0
    sales_cents: dict[str, int] = field(default_factory=dict)
    """Value of the cell's lots sold (``sale.recorded``), per currency, in cents."""
    eligible_sales_cents: dict[str, int] = field(default_factory=dict)
    purchases: int = 0
    purchased_cents: int = 0
    """MXN centavos the association owes its producers for the cell's deliveries."""
    premiums_cents: int = 0
    """Of which premiums (biodiversity-friendly and others the association names)."""
    paid_cents: int = 0
    """MXN centavos paid against those purchases (``payment.recorded``, offsets included)."""
    trained: set[str] = field(default_factory=set)
    """Producers who attended a training session counted in this cell (``training.held``)."""
    training_sessions: int = 0

    def merge(self, other: Cell) -> None:
        """Add another cell's counts (people as sets, so nobody counts twice)."""
        self.plots += other.plots
        self.hectares += other.hectares
        self.plots_verified += other.plots_verified
        self.hectares_verified += other.hectares_verified
        self.labels_issued += other.labels_issued
        self.labels_revoked += other.labels_revoked
        self.label_units += other.label_units
        self.lots_shipped += other.lots_shipped
        self.shipped_g += other.shipped_g
        self.eligible_lots_shipped += other.eligible_lots_shipped
        self.eligible_shipped_g += other.eligible_shipped_g
        self.training_sessions += other.training_sessions
        for name in ("lots_sold", "sold_g", "eligible_lots_sold", "eligible_sold_g",
                     "purchases", "purchased_cents", "premiums_cents", "paid_cents"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.sales_cents, other.sales_cents),
                             (self.eligible_sales_cents, other.eligible_sales_cents)):  # fmt: skip
            for currency, amount in theirs.items():
                mine[currency] = mine.get(currency, 0) + amount
        for name in ("producers", "people", "women", "youth", "indigenous", "trained"):
            getattr(self, name).update(getattr(other, name))


@dataclass
class RawFigures:
    """Every cell's raw counts at one ledger position and report date."""

    as_of: date
    cells: dict[CellKey, Cell]


class _Walk:
    """One computation: the state, the date and the cells filled so far."""

    def __init__(
        self, state: State, as_of: date, people: Mapping[str, Person] | None, judge: Judge
    ) -> None:
        self.state = state
        self.judge = judge
        self.as_of = as_of
        self.day = as_of.isoformat()
        self.people = people
        self.cells: defaultdict[CellKey, Cell] = defaultdict(Cell)
        self.orgs = dict(state.scan(ORG_KIND))
        # Filled by ``verdicts``: what shipments and sales count, and which lots are eligible.
        self.shipped: list[str] = []
        self.sold: list[tuple[str, dict[str, Any]]] = []
        self.eligible: dict[str, bool] = {}

    def landscape(self, org_id: str, own: object = None) -> str:
        if isinstance(own, str) and own:
            return own
        found = (self.orgs.get(org_id) or {}).get("landscape")
        return found if isinstance(found, str) and found else NO_LANDSCAPE

    def cell(self, org_id: str, landscape: str, product: str, season: str) -> Cell:
        return self.cells[CellKey(org_id, landscape, product, season)]

    def sites(self) -> None:
        """Plots, hectares and producers per cell: the few fields read without decoding
        the sites' documents whole (a plot's polygon is most of it)."""
        fields = ["product", "org_id", "landscape", "producer_id", "area_ha"]
        plots = self.state.get_fields(PLOT_KIND, None, fields)
        verified = self._verified_nodes([subject_node("plot", key) for key in plots])
        for key, (product, org_id, landscape, producer_id, area_ha) in plots.items():
            cell = self.cell(
                org_id,
                self.landscape(org_id, landscape),
                product,
                harvest_season(product, self.day),
            )
            area = Decimal(str(area_ha))
            cell.plots += 1
            cell.hectares += area
            cell.producers.add(producer_id)
            if product in verified.get(subject_node("plot", key), set()):
                cell.plots_verified += 1
                cell.hectares_verified += area
        apiaries = self.state.get_fields(APIARY_KIND, None, fields[:4])
        for product, org_id, landscape, producer_id in apiaries.values():
            cell = self.cell(
                org_id,
                self.landscape(org_id, landscape),
                product,
                harvest_season(product, self.day),
            )
            cell.producers.add(producer_id)

    def _verified_nodes(self, nodes: list[str]) -> dict[str, set[str]]:
        """Per subject node, the products a passing verification covers on the report date."""
        links = self.state.links_from(VERIFIES, nodes)
        facts = verification_facts(self.state, sorted({v for _n, v in links}))
        found: dict[str, set[str]] = {}
        for node, verification_id in links:
            fact = facts.get(verification_id)
            if fact is None or not fact.passing:
                continue
            if fact.valid_from <= self.day <= fact.valid_until:
                found.setdefault(node, set()).update(fact.products)
        return found

    def lot_cell(self, lot: dict[str, Any]) -> Cell:
        product = lot["product"]
        org_id = lot["org_id"]
        return self.cell(
            org_id,
            self.landscape(org_id),
            product,
            harvest_season(product, lot["harvest"]["from"]),
        )

    def labels(self) -> None:
        issuances = list(self.state.scan(ISSUANCE_KIND))
        lot_ids = sorted({doc["lot_id"] for _k, doc in issuances})
        lots = self.state.get_many(LOT_KIND, lot_ids)
        tallies = self.state.get_many(LABEL_LOT_KIND, lot_ids)
        for _key, issuance in issuances:
            cell = self.lot_cell(lots[issuance["lot_id"]])
            lot_wide = (tallies.get(issuance["lot_id"]) or {}).get("revoked_seq")
            if issuance["status"] == "active" and lot_wide is None:
                cell.labels_issued += 1
                cell.label_units += int(issuance["units"])
            else:
                cell.labels_revoked += 1

    def verdicts(self) -> None:
        """Judge every lot shipped by an association or sold, together
        (``verifiers.eligibility.eligible_lots`` by default): the inputs, plots and
        verifications they share are read and judged once. Nine tenths of the computation on
        a large ledger (docs/indicators.md), hence the ``judge`` that can share it out."""
        for _key, shipment in self.state.scan(SHIPMENT_KIND):
            sender = self.orgs.get(shipment["from_org"]) or {}
            if sender.get("kind") == "association":
                self.shipped += shipment["lot_ids"]
        self.sold = list(self.state.scan(SALE_KIND))
        judged = {lot_id for _key, sale in self.sold for lot_id in sale["value_cents"]}
        self.eligible = self.judge(self.state, judged.union(self.shipped))

    def shipments(self) -> None:
        lots = self.state.get_many(LOT_KIND, sorted(set(self.shipped)))
        for lot_id in sorted(set(self.shipped)):
            lot = lots[lot_id]
            cell = self.lot_cell(lot)
            grams = int(lot["quantity_g"])
            cell.lots_shipped += 1
            cell.shipped_g += grams
            if self.eligible[lot_id]:
                cell.eligible_lots_shipped += 1
                cell.eligible_shipped_g += grams

    def sales(self) -> None:
        """Lots sold (``sale.recorded``) in their harvest season's cell, and which were
        eligible, judged like shipments (``verifiers.eligibility``)."""
        for _key, sale in self.sold:
            currency = sale["currency"]
            lots = self.state.get_many(LOT_KIND, sorted(sale["value_cents"]))
            for lot_id, value in sorted(sale["value_cents"].items()):
                lot = lots[lot_id]
                cell = self.lot_cell(lot)
                cell.lots_sold += 1
                cell.sold_g += int(lot["quantity_g"])
                cell.sales_cents[currency] = cell.sales_cents.get(currency, 0) + value
                if self.eligible[lot_id]:
                    cell.eligible_lots_sold += 1
                    cell.eligible_sold_g += int(lot["quantity_g"])
                    cell.eligible_sales_cents[currency] = (
                        cell.eligible_sales_cents.get(currency, 0) + value
                    )

    def purchases(self) -> None:
        """Farm-gate purchases, their premiums and what was paid against them, in the
        delivery's cell."""
        purchases = list(self.state.scan(PURCHASE_KIND))
        lots = self.state.get_many(LOT_KIND, sorted({p["lot_id"] for _k, p in purchases}))
        for _key, purchase in purchases:
            cell = self.lot_cell(lots[purchase["lot_id"]])
            cell.purchases += 1
            cell.purchased_cents += int(purchase["amount_cents"])
            cell.premiums_cents += sum(cents(p["amount_mxn"]) for p in purchase["premiums"])
            cell.paid_cents += int(purchase["paid_cents"])

    def training(self) -> None:
        """Trained producers: each session counts in the cells of its product (or, with none
        named, of each product its attendees grow) in the season of its date."""
        grows: defaultdict[str, set[str]] = defaultdict(set)
        for key, cell in self.cells.items():
            for producer_id in cell.producers:
                grows[producer_id].add(key.product)
        for _key, session in self.state.scan(TRAINING_KIND):
            org_id = session["org_id"]
            landscape = self.landscape(org_id, session.get("landscape"))
            by_product: defaultdict[str, set[str]] = defaultdict(set)
            for producer_id in session["attendees"]:
                products = [session["product"]] if session.get("product") else grows[producer_id]
                for product in products or [NO_PRODUCT]:
                    by_product[product].add(producer_id)
            for product, attendees in sorted(by_product.items()):
                cell = self.cell(
                    org_id, landscape, product, harvest_season(product, session["date"])
                )
                cell.training_sessions += 1
                cell.trained.update(attendees)

    def demographics(self) -> None:
        if self.people is None:
            return
        for cell in self.cells.values():
            for producer_id in cell.producers:
                person = self.people.get(producer_id)
                if person is None:
                    continue
                cell.people.add(producer_id)
                if person.gender == "female":
                    cell.women.add(producer_id)
                if is_youth(person, self.as_of):
                    cell.youth.add(producer_id)
                if person.indigenous is True:
                    cell.indigenous.add(producer_id)


def compute_figures(
    state: State,
    as_of: date,
    people: Mapping[str, Person] | None = None,
    judge: Judge = eligible_lots,
) -> RawFigures:
    """Every cell's raw counts in ``state`` on the report date ``as_of``.

    Args:
        state: the ledger's projections at the report's position (live or replayed).
        as_of: the report date: which verifications are current, which season is "now".
        people: consented statistical attributes by producer id (off-ledger), if any.
        judge: what judges the shipped and sold lots' eligibility; any judge gives the
            verdicts of ``eligible_lots`` over ``state``.
    """
    with paused_cycle_collector():  # every document read is freed by reference counting
        walk = _Walk(state, as_of, people, judge)
        walk.sites()
        walk.labels()
        walk.verdicts()
        walk.shipments()
        walk.sales()
        walk.purchases()
        walk.training()
        walk.demographics()
    return RawFigures(as_of=as_of, cells=dict(sorted(walk.cells.items())))
