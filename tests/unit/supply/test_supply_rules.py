"""Supply-chain rules (DESIGN §4–5) on the in-memory store.

Every rule is checked both ways: the valid case is appended, the invalid case is refused with
the right ``LedgerError`` subclass (``DomainRuleError`` naming the body field in ``.field``,
``AuthorizationError``, ``SchemaError`` naming ``statement.body.<path>``), and a refused
statement leaves the store exactly as it was: same head, same projection rows, same links.
Then full coffee, honey and cacao chains verify offline and trace back to exactly their
lots, sites and producers.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.chain import verify_entries
from ledger.entries import Entry
from ledger.errors import (
    AuthorizationError,
    DomainRuleError,
    LedgerError,
    SchemaError,
    UnknownKeyError,
)
from ledger.keys import encode_public_key
from ledger.registry import Registry
from ledger.storage import InMemoryLedgerStore
from ledger.supply.lineage import downstream, upstream
from tests.factories import make_key
from tests.supply_factories import (
    SIERRA_AREA_HA,
    SIERRA_RING,
    SupplyWorld,
    apiary_body,
    harvest_body,
    max_site_kg,
    org_body,
    org_key,
    plot_body,
    point,
    producer_body,
    receive_body,
    ship_body,
    transform_body,
    valid_gtin,
)

A = "coop-a"
B = "coop-b"
EXP = "exp-1"

# Fixture sites: pl-a1 (coffee polygon, ≈9.44 ha), pl-a2 (coffee point, 2 ha → 8,220 kg/yr),
# pl-a3 (cacao point, 3 ha), ap-a1 (10 hives → 800 kg/yr), all coop-a; pl-b1 belongs to coop-b.
POINT_HA = 2
POINT_MAX_KG = 8220
HIVES = 10
HONEY_MAX_KG = 800


def memory_store(world: SupplyWorld) -> InMemoryLedgerStore:
    store = world.store
    assert isinstance(store, InMemoryLedgerStore)
    return store


def snapshot(world: SupplyWorld) -> tuple[Any, ...]:
    """Head, projection rows and link rows: what a refused statement must not change."""
    store = memory_store(world)
    return store.head(), store.projections.rows(), store.projections.link_rows()


def lot(world: SupplyWorld, lot_id: str) -> dict[str, Any]:
    doc = memory_store(world).projections.get("lot", lot_id)
    assert doc is not None, f"no lot {lot_id}"
    return doc


def accepted(world: SupplyWorld, signer: Any, entry_type: str, body: dict[str, Any]) -> Entry:
    """Append a statement that must be admitted as the next entry."""
    size = world.store.head().size
    entry = world.submit(signer, entry_type, body)
    assert entry.seq == size
    assert world.store.head().size == size + 1
    return entry


def rejected(
    world: SupplyWorld,
    signer: Any,
    entry_type: str,
    body: dict[str, Any],
    error: type[LedgerError],
    field: str | None = None,
    match: str | None = None,
) -> LedgerError:
    """Submit a statement that must be refused with exactly ``error``; the store is unchanged.

    ``field`` is the body path: ``DomainRuleError.field`` must equal ``statement.body.<field>``;
    for a ``SchemaError`` one of its error paths must be (or start with) it.
    """
    before = snapshot(world)
    with pytest.raises(LedgerError) as info:
        world.submit(signer, entry_type, body)
    err = info.value
    assert type(err) is error, f"{type(err).__name__}: {err}"
    if field is not None:
        path = f"statement.body.{field}"
        if isinstance(err, SchemaError):
            paths = [p for p, _ in err.errors]
            assert any(p == path or p.startswith(path + ".") for p in paths), paths
        else:
            assert isinstance(err, DomainRuleError)
            assert err.field == path, (err.field, str(err))
    if match is not None:
        assert match in str(err), str(err)
    assert snapshot(world) == before
    return err


@pytest.fixture
def world(registry: Registry) -> SupplyWorld:
    w = SupplyWorld(
        InMemoryLedgerStore(), registry, {A: "association", B: "association", EXP: "exporter"}
    )
    w.producer(A, "pa-1")
    w.producer(A, "pa-2")
    w.producer(B, "pb-1")
    w.plot(A, "pl-a1", "pa-1")
    w.plot(A, "pl-a2", "pa-2", geometry=point(), area_ha=POINT_HA)
    w.plot(A, "pl-a3", "pa-1", geometry=point(-92.61, 15.58), product="cacao", area_ha=3)
    w.apiary(A, "ap-a1", "pa-2", hive_count=HIVES)
    w.plot(B, "pl-b1", "pb-1", geometry=point(-92.7, 15.7))
    w.harvest(A, "h-a1", {"pl-a1": 1000})
    return w


# =========================================================================== authorization


class TestAuthorization:
    def test_org_registered_by_registrar_only(self, world: SupplyWorld) -> None:
        body = org_body("coop-c", org_key("coop-c"))
        err = rejected(world, world.root, "org.registered", body, AuthorizationError)
        assert "registrar" in str(err)
        rejected(world, A, "org.registered", body, AuthorizationError)
        rejected(world, make_key("stranger"), "org.registered", body, UnknownKeyError)
        accepted(world, world.registrar, "org.registered", body)

    @pytest.mark.parametrize(
        ("entry_type", "body"),
        [
            ("producer.registered", producer_body("pa-9")),
            ("plot.registered", plot_body("pl-9", "pa-1")),
            ("apiary.registered", apiary_body("ap-9", "pa-1")),
            ("lot.harvested", harvest_body("h-9", {"pl-a2": 10})),
            ("lot.transformed", transform_body("t-9", "split", [("h-a1", 10)], [("x", 5)] * 2)),
            ("lot.shipped", ship_body("sh-9", ["h-a1"], EXP)),
            ("lot.received", receive_body("sh-9")),
        ],
    )
    def test_registrar_and_root_cannot_sign_association_entries(
        self, world: SupplyWorld, entry_type: str, body: dict[str, Any]
    ) -> None:
        err = rejected(world, world.registrar, entry_type, body, AuthorizationError)
        assert "'registrar'" in str(err)
        rejected(world, world.root, entry_type, body, AuthorizationError)

    def test_producer_registered_by_registrar_is_wrong_role(self, world: SupplyWorld) -> None:
        body = producer_body("pa-3")
        rejected(world, world.registrar, "producer.registered", body, AuthorizationError)
        accepted(world, A, "producer.registered", body)
        doc = memory_store(world).projections.get("producer", "pa-3")
        assert doc is not None and doc["org_id"] == A

    def test_unregistered_key_cannot_sign(self, world: SupplyWorld) -> None:
        rejected(
            world, org_key("coop-z"), "producer.registered", producer_body("x"), UnknownKeyError
        )

    def test_association_role_comes_only_from_org_registered(self, world: SupplyWorld) -> None:
        """A root cannot mint an association key (scoped or not) with ``key.added``."""
        loose = make_key("loose-association")
        for scope in ({}, {"org_id": A}):
            rejected(
                world,
                world.root,
                "key.added",
                make_key_added_body(loose, scope),
                DomainRuleError,
                "role",
            )
        certifier = make_key("certifier")
        grant = make_key_added_body(certifier, {}) | {"role": "certifier"}
        accepted(world, world.root, "key.added", grant)
        rejected(world, certifier, "producer.registered", producer_body("pa-8"), AuthorizationError)
        rejected(world, certifier, "org.registered", org_body("coop-c", loose), AuthorizationError)


def make_key_added_body(key: Any, scope: dict[str, Any]) -> dict[str, Any]:
    """A ``key.added`` body granting the association role directly."""
    return {
        "name": "assoc",
        "public_key": encode_public_key(key),
        "role": "association",
        "scope": scope,
    }


# =========================================================================== onboarding


class TestOrganizations:
    def test_mexican_org_needs_inegi_state(self, world: SupplyWorld) -> None:
        body = org_body("coop-c", org_key("coop-c"), state=None)
        rejected(world, world.registrar, "org.registered", body, DomainRuleError, "state")
        foreign = org_body("imp-de", org_key("imp-de"), kind="importer", country="DE", state=None)
        accepted(world, world.registrar, "org.registered", foreign)
        accepted(world, world.registrar, "org.registered", org_body("coop-c", org_key("coop-c")))

    def test_key_is_introduced_once(self, world: SupplyWorld) -> None:
        reused = org_body("coop-c", org_key(A))
        rejected(world, world.registrar, "org.registered", reused, DomainRuleError, "public_key")

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("rfc", "XYZ"),
            ("state", "99"),
            ("kind", "bank"),
            ("legal_form", "llc"),
            ("public_key", "not-a-key"),
            ("org_id", "coop a"),
        ],
    )
    def test_org_schema(self, world: SupplyWorld, field: str, value: str) -> None:
        body = {**org_body("coop-c", org_key("coop-c")), field: value}
        rejected(world, world.registrar, "org.registered", body, SchemaError, field)
        good = org_body("coop-c", org_key("coop-c"), rfc="CSM010101AB1")
        accepted(world, world.registrar, "org.registered", good)


# =========================================================================== duplicates


DUPLICATES = [
    ("org", "org.registered", "org_id"),
    ("producer", "producer.registered", "producer_id"),
    ("plot", "plot.registered", "plot_id"),
    ("apiary", "apiary.registered", "apiary_id"),
    ("lot (harvest)", "lot.harvested", "lot_id"),
    ("lot (transform output)", "lot.transformed", "outputs.0"),
    ("transformation", "lot.transformed", "transformation_id"),
    ("shipment", "lot.shipped", "shipment_id"),
]


def _duplicate_case(world: SupplyWorld, what: str, fresh: bool) -> tuple[Any, dict[str, Any]]:
    """(signer, body) of a second statement reusing an id (or a fresh id when ``fresh``)."""
    suffix = "-new" if fresh else ""
    if what == "org":
        org_id = "coop-c" if fresh else A
        return world.registrar, org_body(org_id, org_key("coop-c"))
    if what == "producer":  # ids are global: coop-b may not reuse coop-a's producer id
        return B, producer_body("pa-1" + suffix)
    if what == "plot":
        return A, plot_body("pl-a1" + suffix, "pa-1")
    if what == "apiary":
        return A, apiary_body("ap-a1" + suffix, "pa-1")
    if what == "lot (harvest)":
        return A, harvest_body("h-a1" + suffix, {"pl-a2": 10})
    if what == "lot (transform output)":
        out = "h-a1" if not fresh else "par-new"
        return A, transform_body("t-new", "process", [("h-a1", 40)], [(out, 10)], form="parchment")
    if what == "transformation":
        tid = "t-1" + suffix
        return A, transform_body(tid, "process", [("h-a1", 40)], [("par-2", 10)], form="parchment")
    assert what == "shipment"
    return A, ship_body("sh-1" + suffix, ["h-a2"], EXP)


@pytest.mark.parametrize(("what", "entry_type", "field"), DUPLICATES)
def test_duplicate_ids_are_refused(
    world: SupplyWorld, what: str, entry_type: str, field: str
) -> None:
    world.transform(A, "t-1", "process", [("h-a1", 40)], [("par-1", 10)], form="parchment")
    world.harvest(A, "h-a2", {"pl-a2": 10})
    world.harvest(A, "h-a3", {"pl-a2": 10})
    world.ship(A, "sh-1", ["h-a3"], EXP)
    signer, body = _duplicate_case(world, what, fresh=False)
    rejected(world, signer, entry_type, body, DomainRuleError, field, match="exist")
    signer, body = _duplicate_case(world, what, fresh=True)
    accepted(world, signer, entry_type, body)


def test_two_outputs_with_one_lot_id(world: SupplyWorld) -> None:
    body = transform_body("t-s", "split", [("h-a1", 100)], [("x-1", 50), ("x-1", 50)])
    rejected(world, A, "lot.transformed", body, DomainRuleError, "outputs.1")
    accepted(
        world,
        A,
        "lot.transformed",
        transform_body("t-s", "split", [("h-a1", 100)], [("x-1", 50), ("x-2", 50)]),
    )


# =========================================================================== producers, sites


class TestSites:
    def test_plot_of_unknown_or_foreign_producer(self, world: SupplyWorld) -> None:
        rejected(
            world,
            A,
            "plot.registered",
            plot_body("pl-n", "pz-9"),
            DomainRuleError,
            "producer_id",
            match="unknown producer",
        )
        rejected(
            world,
            A,
            "plot.registered",
            plot_body("pl-n", "pb-1"),
            DomainRuleError,
            "producer_id",
            match="belongs to coop-b",
        )
        accepted(world, A, "plot.registered", plot_body("pl-n", "pa-2"))

    def test_self_intersecting_polygon(self, world: SupplyWorld) -> None:
        a, b, c, d = [-92.60, 15.60], [-92.59, 15.60], [-92.60, 15.61], [-92.59, 15.61]
        bowtie = {"type": "Polygon", "coordinates": [[a, b, c, d, a]]}  # edges a-b … c-d cross
        body = plot_body("pl-n", "pa-1", geometry=bowtie, area_ha=50)
        rejected(
            world,
            A,
            "plot.registered",
            body,
            DomainRuleError,
            "geometry",
            match="self-intersection",
        )
        square = {"type": "Polygon", "coordinates": [[a, b, d, c, a]]}
        accepted(world, A, "plot.registered", plot_body("pl-n", "pa-1", geometry=square))

    def test_point_only_up_to_four_hectares(self, world: SupplyWorld) -> None:
        body = plot_body("pl-n", "pa-1", geometry=point(), area_ha=4.5)
        rejected(world, A, "plot.registered", body, DomainRuleError, "geometry", match="Polygon")
        accepted(
            world, A, "plot.registered", plot_body("pl-n", "pa-1", geometry=point(), area_ha=4)
        )
        # The same 9.44 ha as a point is refused; as the polygon it is accepted (fixture pl-a1).
        big = plot_body("pl-m", "pa-1", geometry=point(), area_ha=SIERRA_AREA_HA)
        rejected(world, A, "plot.registered", big, DomainRuleError, "geometry")

    @pytest.mark.parametrize("factor", [2.0, 0.5, 1.15, 0.85])
    def test_declared_area_far_from_computed(self, world: SupplyWorld, factor: float) -> None:
        body = plot_body("pl-n", "pa-1", area_ha=round(SIERRA_AREA_HA * factor, 3))
        rejected(world, A, "plot.registered", body, DomainRuleError, "geometry", match="declared")
        near = plot_body("pl-n", "pa-1", area_ha=round(SIERRA_AREA_HA * 1.05, 3))
        accepted(world, A, "plot.registered", near)

    def test_polygon_stored_counter_clockwise(self, world: SupplyWorld) -> None:
        doc = memory_store(world).projections.get("plot", "pl-a1")
        assert doc is not None
        ring = doc["geometry"]["coordinates"][0]
        assert ring[0] == SIERRA_RING[0]
        assert ring[1:-1] == list(reversed(SIERRA_RING[1:-1]))  # input was clockwise
        assert doc["org_id"] == A and doc["area_ha"] == SIERRA_AREA_HA

    def test_plot_schema(self, world: SupplyWorld) -> None:
        for field, value in [("product", "vanilla"), ("area_ha", 0), ("area_ha", True)]:
            body = plot_body("pl-n", "pa-1", **{field: value})
            rejected(world, A, "plot.registered", body, SchemaError, field)

    def test_apiary_rules(self, world: SupplyWorld) -> None:
        ids = [f"MX0307{n:08d}" for n in range(1, 4)]
        rejected(
            world,
            A,
            "apiary.registered",
            apiary_body("ap-n", "pb-1"),
            DomainRuleError,
            "producer_id",
        )
        square = {"type": "Polygon", "coordinates": [SIERRA_RING]}
        rejected(
            world,
            A,
            "apiary.registered",
            apiary_body("ap-n", "pa-1", location=square),
            DomainRuleError,
            "location",
        )
        rejected(
            world,
            A,
            "apiary.registered",
            apiary_body("ap-n", "pa-1", hive_count=2, siniiga_ids=ids),
            DomainRuleError,
            "siniiga_ids",
        )
        rejected(
            world,
            A,
            "apiary.registered",
            apiary_body("ap-n", "pa-1", siniiga_ids=["MX0399000001"]),
            SchemaError,
            "siniiga_ids",
        )
        rejected(
            world,
            A,
            "apiary.registered",
            apiary_body("ap-n", "pa-1", siniiga_ids=[ids[0], ids[0]]),
            SchemaError,
            "siniiga_ids",
        )
        rejected(
            world,
            A,
            "apiary.registered",
            apiary_body("ap-n", "pa-1", hive_count=0),
            SchemaError,
            "hive_count",
        )
        accepted(
            world,
            A,
            "apiary.registered",
            apiary_body("ap-n", "pa-1", hive_count=3, siniiga_ids=ids),
        )


# =========================================================================== harvests


class TestHarvest:
    @pytest.mark.parametrize(
        ("product", "site", "bad_form", "good_form"),
        [
            ("coffee", "pl-a2", "parchment", "cherry"),
            ("coffee", "pl-a2", "green", "cherry"),
            ("cacao", "pl-a3", "dry", "wet"),
            ("honey", "ap-a1", "filtered", "raw"),
        ],
    )
    def test_harvest_form(
        self, world: SupplyWorld, product: str, site: str, bad_form: str, good_form: str
    ) -> None:
        bad = harvest_body("h-n", {site: 10}, product=product, form=bad_form)
        rejected(world, A, "lot.harvested", bad, DomainRuleError, "form")
        good = harvest_body("h-n", {site: 10}, product=product, form=good_form)
        accepted(world, A, "lot.harvested", good)

    def test_origins_must_add_up_to_the_lot(self, world: SupplyWorld) -> None:
        origins = {"pl-a1": 600, "pl-a2": 399.999}
        body = harvest_body("h-n", origins, quantity_kg=1000)
        rejected(world, A, "lot.harvested", body, DomainRuleError, "origins")
        body = harvest_body("h-n", {"pl-a1": 600, "pl-a2": 400.001}, quantity_kg=1000)
        rejected(world, A, "lot.harvested", body, DomainRuleError, "origins")
        body = harvest_body("h-n", {"pl-a1": 0.1, "pl-a2": 0.2}, quantity_kg=0.3)  # exact grams
        accepted(world, A, "lot.harvested", body)
        assert lot(world, "h-n")["quantity_g"] == 300

    def test_harvested_to_not_before_from(self, world: SupplyWorld) -> None:
        body = harvest_body("h-n", {"pl-a2": 10}, harvested_to="2026-01-14")
        rejected(world, A, "lot.harvested", body, DomainRuleError, "harvested_to")
        accepted(
            world, A, "lot.harvested", harvest_body("h-n", {"pl-a2": 10}, harvested_to="2026-01-20")
        )

    def test_site_of_another_association(self, world: SupplyWorld) -> None:
        body = harvest_body("h-n", {"pl-a2": 10, "pl-b1": 10})
        rejected(
            world, A, "lot.harvested", body, DomainRuleError, "origins.1", match="belongs to coop-b"
        )
        rejected(
            world,
            B,
            "lot.harvested",
            harvest_body("h-n", {"pl-a2": 10}),
            DomainRuleError,
            "origins.0",
        )
        accepted(world, B, "lot.harvested", harvest_body("h-n", {"pl-b1": 10}))

    def test_site_of_another_product(self, world: SupplyWorld) -> None:
        cacao_plot = harvest_body("h-n", {"pl-a3": 10}, product="coffee")
        rejected(
            world, A, "lot.harvested", cacao_plot, DomainRuleError, "origins.0", match="grows cacao"
        )
        honey_from_plot = harvest_body("h-n", {"pl-a2": 10}, product="honey")
        honey_from_plot["origins"] = [{"plot_id": "pl-a2", "quantity_kg": 10}]
        rejected(world, A, "lot.harvested", honey_from_plot, DomainRuleError, "origins.0")
        coffee_from_apiary = harvest_body("h-n", {"pl-a2": 10})
        coffee_from_apiary["origins"] = [{"apiary_id": "ap-a1", "quantity_kg": 10}]
        rejected(world, A, "lot.harvested", coffee_from_apiary, DomainRuleError, "origins.0")
        accepted(world, A, "lot.harvested", harvest_body("h-n", {"pl-a3": 10}, product="cacao"))

    def test_unknown_or_repeated_site(self, world: SupplyWorld) -> None:
        rejected(
            world,
            A,
            "lot.harvested",
            harvest_body("h-n", {"pl-zz": 10}),
            DomainRuleError,
            "origins.0",
            match="unknown plot",
        )
        body = harvest_body("h-n", {"pl-a2": 10}, quantity_kg=20)
        body["origins"] = body["origins"] * 2
        rejected(world, A, "lot.harvested", body, DomainRuleError, "origins.1", match="twice")

    @pytest.mark.parametrize(
        "origin",
        [{"quantity_kg": 10}, {"plot_id": "pl-a2", "apiary_id": "ap-a1", "quantity_kg": 10}],
    )
    def test_origin_names_exactly_one_site(
        self, world: SupplyWorld, origin: dict[str, Any]
    ) -> None:
        body = {**harvest_body("h-n", {"pl-a2": 10}), "origins": [origin]}
        rejected(world, A, "lot.harvested", body, SchemaError, "origins.0")

    def test_field_yield_per_hectare(self, world: SupplyWorld) -> None:
        assert max_site_kg("coffee", POINT_HA) == POINT_MAX_KG
        body = harvest_body("h-n", {"pl-a2": POINT_MAX_KG + 0.001})
        rejected(
            world,
            A,
            "lot.harvested",
            body,
            DomainRuleError,
            "origins.0",
            match="plausible maximum is 8220.0 kg",
        )
        accepted(world, A, "lot.harvested", harvest_body("h-n", {"pl-a2": POINT_MAX_KG}))

    def test_field_yield_of_the_polygon_plot_uses_its_declared_area(
        self, world: SupplyWorld
    ) -> None:
        limit = max_site_kg("coffee", SIERRA_AREA_HA) - 1000  # h-a1 already took 1,000 kg
        over = float(limit) + 0.001
        rejected(
            world,
            A,
            "lot.harvested",
            harvest_body("h-n", {"pl-a1": over}),
            DomainRuleError,
            "origins.0",
        )
        accepted(world, A, "lot.harvested", harvest_body("h-n", {"pl-a1": float(limit)}))

    def test_field_yield_per_hive(self, world: SupplyWorld) -> None:
        body = harvest_body("r-n", {"ap-a1": HONEY_MAX_KG + 0.001}, product="honey")
        rejected(world, A, "lot.harvested", body, DomainRuleError, "origins.0")
        accepted(
            world, A, "lot.harvested", harvest_body("r-n", {"ap-a1": HONEY_MAX_KG}, product="honey")
        )

    def test_coffee_yield_accumulates_within_a_coffee_year_and_resets_the_next(
        self, world: SupplyWorld
    ) -> None:
        """Coffee counts per ICO coffee year (1 Oct – 30 Sep): Dec and Jan share one cap."""
        world.ts = "2028-01-01T00:00:00Z"  # recorded after every harvest below
        world.harvest(A, "h-1", {"pl-a2": 5000}, harvested_from="2026-10-05")
        world.harvest(A, "h-2", {"pl-a2": 3000}, harvested_from="2027-01-10")
        # 8,000 kg so far in 2026/27: 220.001 more is too much, in any lot and any mix of sites.
        rejected(
            world,
            A,
            "lot.harvested",
            harvest_body("h-3", {"pl-a2": 220.001}, harvested_from="2027-09-30"),
            DomainRuleError,
            "origins.0",
            match="8220.001 kg in season 2026/27",
        )
        rejected(
            world,
            A,
            "lot.harvested",
            harvest_body("h-3", {"pl-a1": 100, "pl-a2": 221}, harvested_from="2027-03-20"),
            DomainRuleError,
            "origins.1",
        )
        accepted(
            world,
            A,
            "lot.harvested",
            harvest_body("h-3", {"pl-a2": 220}, harvested_from="2027-03-20"),
        )
        rejected(
            world,
            A,
            "lot.harvested",
            harvest_body("h-4", {"pl-a2": 0.001}, harvested_from="2027-09-30"),
            DomainRuleError,
            "origins.0",
        )
        # The next coffee year starts from zero on 1 October.
        accepted(
            world,
            A,
            "lot.harvested",
            harvest_body("h-4", {"pl-a2": POINT_MAX_KG}, harvested_from="2027-10-01"),
        )
        tallies = dict(memory_store(world).projections.scan("site_harvest"))
        assert tallies["plot:pl-a2:2026/27"]["grams"] == POINT_MAX_KG * 1000
        assert tallies["plot:pl-a2:2027/28"]["grams"] == POINT_MAX_KG * 1000

    def test_honey_yield_counts_per_calendar_year(self, world: SupplyWorld) -> None:
        world.ts = "2028-01-01T00:00:00Z"  # recorded after every harvest below
        world.harvest(
            A, "r-1", {"ap-a1": HONEY_MAX_KG}, product="honey", harvested_from="2026-12-31"
        )
        rejected(
            world,
            A,
            "lot.harvested",
            harvest_body("r-2", {"ap-a1": 0.001}, product="honey", harvested_from="2026-01-01"),
            DomainRuleError,
            "origins.0",
            match="in season 2026",
        )
        accepted(
            world,
            A,
            "lot.harvested",
            harvest_body(
                "r-2", {"ap-a1": HONEY_MAX_KG}, product="honey", harvested_from="2027-01-01"
            ),
        )

    def test_harvest_cannot_be_dated_after_its_statement(self, world: SupplyWorld) -> None:
        # The statement is signed on 2026-03-01 (tests.factories.TS).
        rejected(
            world,
            A,
            "lot.harvested",
            harvest_body("h-n", {"pl-a2": 10}, harvested_from="2026-03-02"),
            DomainRuleError,
            "harvested_from",
        )
        rejected(
            world,
            A,
            "lot.harvested",
            harvest_body(
                "h-n", {"pl-a2": 10}, harvested_from="2026-02-01", harvested_to="2099-01-01"
            ),
            DomainRuleError,
            "harvested_to",
        )
        accepted(
            world,
            A,
            "lot.harvested",
            harvest_body("h-n", {"pl-a2": 10}, harvested_from="2026-03-01"),
        )

    def test_harvest_cannot_be_dated_into_a_distant_past_season(self, world: SupplyWorld) -> None:
        rejected(
            world,
            A,
            "lot.harvested",
            harvest_body("h-n", {"pl-a2": 10}, harvested_from="1999-01-10"),
            DomainRuleError,
            "harvested_from",
        )
        accepted(
            world,
            A,
            "lot.harvested",
            harvest_body("h-n", {"pl-a2": 10}, harvested_from="2024-03-01"),
        )

    @pytest.mark.parametrize(
        ("field", "day"),
        [
            ("harvested_from", "2026-02-30"),
            ("harvested_from", "2026-13-01"),
            ("harvested_from", "0000-99-99"),
            ("harvested_to", "2026-04-31"),
        ],
    )
    def test_harvest_dates_must_be_real_dates(
        self, world: SupplyWorld, field: str, day: str
    ) -> None:
        body = harvest_body("h-n", {"pl-a2": 10}, harvested_from="2026-01-15")
        body[field] = day
        rejected(world, A, "lot.harvested", body, SchemaError, field)

    def test_unknown_product(self, world: SupplyWorld) -> None:
        body = harvest_body("h-n", {"pl-a2": 10}, product="coffee") | {"product": "vanilla"}
        rejected(world, A, "lot.harvested", body, SchemaError, "product")

    def test_gtin_check_digit(self, world: SupplyWorld) -> None:
        good = valid_gtin()
        bad = good[:-1] + str((int(good[-1]) + 1) % 10)
        err = rejected(
            world,
            A,
            "lot.harvested",
            harvest_body("h-n", {"pl-a2": 10}, gtin=bad),
            SchemaError,
            "gtin",
        )
        assert isinstance(err, SchemaError)
        assert "statement.body.gtin" in [p for p, _ in err.errors]
        accepted(world, A, "lot.harvested", harvest_body("h-n", {"pl-a2": 10}, gtin=good[1:]))
        assert lot(world, "h-n")["gtin"] == good  # GTIN-13 stored as GTIN-14
        out = {
            "lot_id": "s-n",
            "quantity_kg": 10,
            "gtin": bad,
            "package": {"unit": "bag", "count": 1, "unit_kg": 10},
        }
        rejected(
            world,
            A,
            "lot.transformed",
            transform_body("t-n", "pack", [("h-n", 10)], [out]),
            SchemaError,
            "outputs.0.gtin",
        )

    @pytest.mark.parametrize("number", ["L 2026", "L#1", "LOTE-Ñ", "", "A" * 21])
    def test_lot_number_characters(self, world: SupplyWorld, number: str) -> None:
        body = harvest_body("h-n", {"pl-a2": 10}, lot_number=number)
        rejected(world, A, "lot.harvested", body, SchemaError, "lot_number")
        accepted(
            world, A, "lot.harvested", harvest_body("h-n", {"pl-a2": 10}, lot_number="L2026A01")
        )


# =========================================================================== quantities


BAD_QUANTITIES = [
    pytest.param(1.0005, id="4-decimals"),
    pytest.param(12.3456, id="4-decimals-b"),
    pytest.param(0, id="zero"),
    pytest.param(0.0, id="zero-float"),
    pytest.param(-5, id="negative"),
    pytest.param(-0.001, id="negative-gram"),
    pytest.param(True, id="bool"),
    pytest.param(False, id="bool-false"),
    pytest.param("10", id="string"),
    pytest.param(None, id="null"),
    pytest.param(9_007_199_254_741, id="beyond-2^53-grams"),
]


def _quantity_case(where: str, value: Any) -> tuple[str, dict[str, Any], str]:
    """(entry type, body, field) with ``value`` at one quantity field."""
    if where == "harvest.quantity_kg":
        return (
            "lot.harvested",
            {**harvest_body("h-n", {"pl-a2": 10}), "quantity_kg": value},
            ("quantity_kg"),
        )
    if where == "harvest.origins":
        body = harvest_body("h-n", {"pl-a2": 10})
        body["origins"][0]["quantity_kg"] = value
        return "lot.harvested", body, "origins.0.quantity_kg"
    if where == "transform.inputs":
        body = transform_body("t-n", "split", [("h-a1", value)], [("x-1", 1), ("x-2", 1)])
        return "lot.transformed", body, "inputs.0.quantity_kg"
    if where == "transform.outputs":
        body = transform_body("t-n", "split", [("h-a1", 10)], [("x-1", 1), ("x-2", value)])
        return "lot.transformed", body, "outputs.1.quantity_kg"
    assert where == "package.unit_kg"
    out = {
        "lot_id": "s-n",
        "quantity_kg": 10,
        "package": {"unit": "bag", "count": 1, "unit_kg": value},
    }
    return (
        "lot.transformed",
        transform_body("t-n", "pack", [("h-a1", 10)], [out]),
        ("outputs.0.package.unit_kg"),
    )


QUANTITY_FIELDS = [
    "harvest.quantity_kg",
    "harvest.origins",
    "transform.inputs",
    "transform.outputs",
    "package.unit_kg",
]


@pytest.mark.parametrize("where", QUANTITY_FIELDS)
@pytest.mark.parametrize("value", BAD_QUANTITIES)
def test_bad_quantities_are_schema_errors(world: SupplyWorld, where: str, value: Any) -> None:
    entry_type, body, field = _quantity_case(where, value)
    rejected(world, A, entry_type, body, SchemaError, field)


@pytest.mark.parametrize("where", QUANTITY_FIELDS)
def test_three_decimals_are_exact_grams(world: SupplyWorld, where: str) -> None:
    if where.startswith("harvest"):
        body = harvest_body("h-n", {"pl-a2": 10.125})
        accepted(world, A, "lot.harvested", body)
        assert lot(world, "h-n")["quantity_g"] == 10125
    elif where == "package.unit_kg":
        out = {
            "lot_id": "s-n",
            "quantity_kg": 2.5,
            "package": {"unit": "jar", "count": 10, "unit_kg": 0.25},
        }
        accepted(world, A, "lot.transformed", transform_body("t-n", "pack", [("h-a1", 2.5)], [out]))
        assert lot(world, "h-a1")["remaining_g"] == 997_500
    else:
        body = transform_body("t-n", "split", [("h-a1", 0.003)], [("x-1", 0.001), ("x-2", 0.002)])
        accepted(world, A, "lot.transformed", body)
        assert lot(world, "h-a1")["remaining_g"] == 999_997
        assert lot(world, "x-2")["quantity_g"] == 2


# =========================================================================== mass balance


class TestMassBalance:
    def test_over_consumption(self, world: SupplyWorld) -> None:
        body = transform_body(
            "t-n", "process", [("h-a1", 1000.001)], [("par-1", 200)], form="parchment"
        )
        rejected(
            world,
            A,
            "lot.transformed",
            body,
            DomainRuleError,
            "inputs.0",
            match="has 1,000 kg left; 1,000.001 kg requested",
        )
        world.transform(A, "t-1", "split", [("h-a1", 600)], [("x-1", 300), ("x-2", 300)])
        body = transform_body(
            "t-n", "process", [("h-a1", 400.001)], [("par-1", 100)], form="parchment"
        )
        rejected(world, A, "lot.transformed", body, DomainRuleError, "inputs.0")
        body = transform_body("t-n", "process", [("h-a1", 400)], [("par-1", 100)], form="parchment")
        accepted(world, A, "lot.transformed", body)
        assert lot(world, "h-a1")["remaining_g"] == 0
        assert lot(world, "h-a1")["status"] == "consumed"

    def test_lot_used_after_fully_consumed(self, world: SupplyWorld) -> None:
        world.transform(A, "t-1", "split", [("h-a1", 1000)], [("x-1", 500), ("x-2", 500)])
        for kind, outputs in [
            ("split", [("y-1", 0.5), ("y-2", 0.5)]),
            ("process", [{"lot_id": "y-1", "quantity_kg": 0.2, "form": "parchment"}]),
        ]:
            body = transform_body("t-n", kind, [("h-a1", 1)], outputs)
            rejected(
                world,
                A,
                "lot.transformed",
                body,
                DomainRuleError,
                "inputs.0",
                match="has 0 kg left",
            )
        blend = transform_body("t-n", "blend", [("x-1", 500), ("h-a1", 0.001)], [("y-1", 500)])
        rejected(world, A, "lot.transformed", blend, DomainRuleError, "inputs.1")
        rejected(
            world,
            A,
            "lot.shipped",
            ship_body("sh-n", ["h-a1"], EXP),
            DomainRuleError,
            "lot_ids.0",
            match="consumed",
        )
        accepted(
            world,
            A,
            "lot.transformed",
            transform_body("t-n", "blend", [("x-1", 500), ("x-2", 500)], [("y-1", 1000)]),
        )

    @pytest.mark.parametrize(
        ("product", "site", "from_form", "to_form", "given", "max_out", "over"),
        [
            # cherry → parchment at most 1 / 4.0 = 0.25
            ("coffee", "pl-a2", "cherry", "parchment", 1000, 250, 250.001),
            # cherry → green at most 1 / 4.8 (ceil to 6 decimals: 0.208334)
            ("coffee", "pl-a2", "cherry", "green", 1000, 208.334, 208.335),
            # cacao wet → dry at most 0.45
            ("cacao", "pl-a3", "wet", "dry", 1000, 450, 450.001),
            # honey raw → filtered at most 1: straining never creates honey
            ("honey", "ap-a1", "raw", "filtered", 500, 500, 500.001),
        ],
    )
    def test_process_yield_from_harvest(
        self,
        world: SupplyWorld,
        product: str,
        site: str,
        from_form: str,
        to_form: str,
        given: int,
        max_out: float,
        over: float,
    ) -> None:
        world.harvest(A, "h-n", {site: given}, product=product)
        body = transform_body("t-n", "process", [("h-n", given)], [("o-1", over)], form=to_form)
        rejected(
            world, A, "lot.transformed", body, DomainRuleError, "outputs", match="maximum yield"
        )
        # Two outputs that together exceed the limit are refused as well.
        half = round(max_out / 2, 3)
        body = transform_body(
            "t-n",
            "process",
            [("h-n", given)],
            [("o-1", half), ("o-2", round(over - half, 3))],
            form=to_form,
        )
        rejected(world, A, "lot.transformed", body, DomainRuleError, "outputs")
        body = transform_body("t-n", "process", [("h-n", given)], [("o-1", max_out)], form=to_form)
        accepted(world, A, "lot.transformed", body)
        assert lot(world, "o-1")["form"] == to_form
        assert lot(world, "h-n")["status"] == "consumed"

    def test_parchment_to_green_beyond_0_84(self, world: SupplyWorld) -> None:
        world.transform(A, "t-1", "process", [("h-a1", 1000)], [("par-1", 250)], form="parchment")
        for out in (212.5, 210.001):  # 0.85 and just above 0.84
            body = transform_body("t-n", "process", [("par-1", 250)], [("g-1", out)], form="green")
            rejected(world, A, "lot.transformed", body, DomainRuleError, "outputs", match="0.84")
        body = transform_body("t-n", "process", [("par-1", 250)], [("g-1", 210)], form="green")
        accepted(world, A, "lot.transformed", body)

    def test_same_form_never_creates_mass(self, world: SupplyWorld) -> None:
        world.harvest(A, "h-2", {"pl-a2": 100})
        cases = [
            transform_body("t-n", "split", [("h-a1", 100)], [("x-1", 50), ("x-2", 50.001)]),
            transform_body("t-n", "blend", [("h-a1", 100), ("h-2", 100)], [("x-1", 200.001)]),
            transform_body(
                "t-n",
                "pack",
                [("h-a1", 69)],
                [
                    {
                        "lot_id": "x-1",
                        "quantity_kg": 138,
                        "package": {"unit": "sack", "count": 2, "unit_kg": 69},
                    }
                ],
            ),
        ]
        for body in cases:
            rejected(
                world,
                A,
                "lot.transformed",
                body,
                DomainRuleError,
                "outputs",
                match="maximum yield 1",
            )
        accepted(
            world,
            A,
            "lot.transformed",
            transform_body("t-n", "blend", [("h-a1", 100), ("h-2", 100)], [("x-1", 200)]),
        )


# =========================================================================== forms and shapes


class TestForms:
    def test_reverse_or_unknown_form_change(self, world: SupplyWorld) -> None:
        world.transform(A, "t-1", "process", [("h-a1", 1000)], [("g-1", 200)], form="green")
        for form in ("cherry", "parchment"):
            body = transform_body("t-n", "process", [("g-1", 100)], [("x-1", 50)], form=form)
            rejected(
                world, A, "lot.transformed", body, DomainRuleError, "outputs", match=f"green→{form}"
            )
        body = transform_body("t-n", "process", [("g-1", 100)], [("x-1", 50)], form="espresso")
        rejected(
            world,
            A,
            "lot.transformed",
            body,
            DomainRuleError,
            "outputs",
            match="no form 'espresso'",
        )
        body = transform_body("t-n", "process", [("g-1", 100)], [("x-1", 80)], form="roasted")
        accepted(world, A, "lot.transformed", body)

    def test_process_must_change_the_form(self, world: SupplyWorld) -> None:
        for form in (None, "cherry"):
            body = transform_body("t-n", "process", [("h-a1", 100)], [("x-1", 20)], form=form)
            rejected(
                world,
                A,
                "lot.transformed",
                body,
                DomainRuleError,
                "outputs",
                match="must change the form",
            )
        body = transform_body("t-n", "process", [("h-a1", 100)], [("x-1", 20)], form="parchment")
        accepted(world, A, "lot.transformed", body)

    @pytest.mark.parametrize("kind", ["split", "blend", "pack"])
    def test_split_blend_pack_keep_the_form(self, world: SupplyWorld, kind: str) -> None:
        world.harvest(A, "h-2", {"pl-a2": 100})
        inputs = {
            "split": [("h-a1", 100)],
            "blend": [("h-a1", 50), ("h-2", 50)],
            "pack": [("h-a1", 100)],
        }[kind]
        package = {"unit": "sack", "count": 1, "unit_kg": 20} if kind == "pack" else None
        n_out = 2 if kind == "split" else 1

        def outputs(form: str | None) -> list[dict[str, Any]]:
            outs = []
            for i in range(n_out):
                out: dict[str, Any] = {"lot_id": f"x-{i}", "quantity_kg": 20}
                if form is not None:
                    out["form"] = form
                if package is not None:
                    out["package"] = package
                outs.append(out)
            return outs

        body = transform_body("t-n", kind, inputs, outputs("parchment"))
        rejected(
            world,
            A,
            "lot.transformed",
            body,
            DomainRuleError,
            "outputs",
            match=f"{kind} keeps the form cherry",
        )
        accepted(
            world, A, "lot.transformed", transform_body("t-n", kind, inputs, outputs("cherry"))
        )
        assert lot(world, "x-0")["form"] == "cherry"

    def test_outputs_share_one_form(self, world: SupplyWorld) -> None:
        outs = [
            {"lot_id": "x-1", "quantity_kg": 100, "form": "parchment"},
            {"lot_id": "x-2", "quantity_kg": 100, "form": "green"},
        ]
        body = transform_body("t-n", "process", [("h-a1", 1000)], outs)
        rejected(world, A, "lot.transformed", body, DomainRuleError, "outputs", match="one form")

    def test_split_shape(self, world: SupplyWorld) -> None:
        world.harvest(A, "h-2", {"pl-a2": 100})
        one_out = transform_body("t-n", "split", [("h-a1", 100)], [("x-1", 100)])
        rejected(world, A, "lot.transformed", one_out, DomainRuleError, "outputs")
        two_in = transform_body("t-n", "split", [("h-a1", 50), ("h-2", 50)], [("x-1", 50)] * 2)
        rejected(world, A, "lot.transformed", two_in, DomainRuleError, "inputs")
        accepted(
            world,
            A,
            "lot.transformed",
            transform_body("t-n", "split", [("h-a1", 100)], [("x-1", 60), ("x-2", 40)]),
        )

    def test_blend_shape(self, world: SupplyWorld) -> None:
        world.harvest(A, "h-2", {"pl-a2": 100})
        one_in = transform_body("t-n", "blend", [("h-a1", 100)], [("x-1", 100)])
        rejected(world, A, "lot.transformed", one_in, DomainRuleError, "inputs")
        two_out = transform_body(
            "t-n", "blend", [("h-a1", 50), ("h-2", 50)], [("x-1", 50), ("x-2", 50)]
        )
        rejected(world, A, "lot.transformed", two_out, DomainRuleError, "outputs")
        accepted(
            world,
            A,
            "lot.transformed",
            transform_body("t-n", "blend", [("h-a1", 50), ("h-2", 50)], [("x-1", 100)]),
        )
        assert memory_store(world).projections.linked("lot_input", "x-1") == ["h-2", "h-a1"]

    def test_blend_cannot_mix_products_or_forms(self, world: SupplyWorld) -> None:
        world.harvest(A, "w-1", {"pl-a3": 100}, product="cacao")
        world.harvest(A, "h-2", {"pl-a2": 100})
        world.transform(A, "t-1", "process", [("h-2", 100)], [("par-1", 20)], form="parchment")
        mixed = transform_body("t-n", "blend", [("h-a1", 50), ("w-1", 50)], [("x-1", 100)])
        rejected(
            world,
            A,
            "lot.transformed",
            mixed,
            DomainRuleError,
            "inputs.1",
            match="mix coffee and cacao",
        )
        forms = transform_body("t-n", "blend", [("h-a1", 50), ("par-1", 20)], [("x-1", 70)])
        rejected(
            world,
            A,
            "lot.transformed",
            forms,
            DomainRuleError,
            "inputs.1",
            match="mix cherry and parchment",
        )
        twice = transform_body("t-n", "blend", [("h-a1", 50), ("h-a1", 50)], [("x-1", 100)])
        rejected(world, A, "lot.transformed", twice, DomainRuleError, "inputs.1", match="twice")
        unknown = transform_body("t-n", "blend", [("h-a1", 50), ("h-zz", 50)], [("x-1", 100)])
        rejected(
            world, A, "lot.transformed", unknown, DomainRuleError, "inputs.1", match="unknown lot"
        )

    def test_pack_needs_a_consistent_package(self, world: SupplyWorld) -> None:
        no_package = transform_body("t-n", "pack", [("h-a1", 138)], [("s-1", 138)])
        rejected(
            world,
            A,
            "lot.transformed",
            no_package,
            DomainRuleError,
            "outputs.0",
            match="need a package",
        )
        for count, unit_kg in [(2, 70), (3, 69), (1, 138.001)]:
            out = {
                "lot_id": "s-1",
                "quantity_kg": 138,
                "package": {"unit": "sack", "count": count, "unit_kg": unit_kg},
            }
            body = transform_body("t-n", "pack", [("h-a1", 138)], [out])
            rejected(world, A, "lot.transformed", body, DomainRuleError, "outputs.0", match="≠")
        out = {
            "lot_id": "s-1",
            "quantity_kg": 138,
            "lot_number": "CAFE2026A",
            "package": {"unit": "sack", "count": 2, "unit_kg": 69},
        }
        accepted(world, A, "lot.transformed", transform_body("t-n", "pack", [("h-a1", 138)], [out]))
        assert lot(world, "s-1")["package"] == {"unit": "sack", "count": 2, "unit_kg": 69}

    def test_schema_of_transformations(self, world: SupplyWorld) -> None:
        for field, value in [("kind", "roast"), ("inputs", []), ("outputs", [])]:
            body = transform_body("t-n", "split", [("h-a1", 2)], [("x-1", 1), ("x-2", 1)])
            rejected(world, A, "lot.transformed", {**body, field: value}, SchemaError, field)
        out = {
            "lot_id": "s-1",
            "quantity_kg": 10,
            "package": {"unit": "crate", "count": 1, "unit_kg": 10},
        }
        body = transform_body("t-n", "pack", [("h-a1", 10)], [out])
        rejected(world, A, "lot.transformed", body, SchemaError, "outputs.0.package.unit")

    def test_unknown_conversion_table(self, world: SupplyWorld) -> None:
        body = transform_body(
            "t-n",
            "process",
            [("h-a1", 100)],
            [("x-1", 20)],
            form="parchment",
            conversion_table="1999-01",
        )
        rejected(world, A, "lot.transformed", body, DomainRuleError, "conversion_table")
        body["conversion_table"] = "2026-11"
        accepted(world, A, "lot.transformed", body)


# =========================================================================== custody


class TestCustody:
    def test_association_cannot_use_another_associations_lot(self, world: SupplyWorld) -> None:
        body = transform_body("t-n", "process", [("h-a1", 100)], [("x-1", 20)], form="parchment")
        rejected(
            world,
            B,
            "lot.transformed",
            body,
            DomainRuleError,
            "inputs.0",
            match="held by coop-a, not coop-b",
        )
        rejected(
            world,
            B,
            "lot.shipped",
            ship_body("sh-n", ["h-a1"], EXP),
            DomainRuleError,
            "lot_ids.0",
            match="held by coop-a",
        )
        accepted(world, A, "lot.transformed", body)

    def test_ship_to_unknown_custodian_or_to_self(self, world: SupplyWorld) -> None:
        rejected(
            world,
            A,
            "lot.shipped",
            ship_body("sh-n", ["h-a1"], "exp-zz"),
            DomainRuleError,
            "to_org",
            match="unknown custodian",
        )
        rejected(world, A, "lot.shipped", ship_body("sh-n", ["h-a1"], A), DomainRuleError, "to_org")
        accepted(world, A, "lot.shipped", ship_body("sh-n", ["h-a1"], EXP))
        doc = lot(world, "h-a1")
        assert (doc["status"], doc["pending_to"], doc["custodian"]) == ("in_transit", EXP, A)

    def test_ship_lot_list(self, world: SupplyWorld) -> None:
        rejected(
            world,
            A,
            "lot.shipped",
            ship_body("sh-n", ["h-a1", "h-a1"], EXP),
            DomainRuleError,
            "lot_ids",
        )
        rejected(
            world,
            A,
            "lot.shipped",
            ship_body("sh-n", ["h-a1", "h-zz"], EXP),
            DomainRuleError,
            "lot_ids.1",
            match="unknown lot",
        )
        rejected(world, A, "lot.shipped", ship_body("sh-n", [], EXP), SchemaError, "lot_ids")
        world.harvest(A, "h-2", {"pl-a2": 10})
        accepted(world, A, "lot.shipped", ship_body("sh-n", ["h-a1", "h-2"], EXP))

    def test_ship_lot_in_transit_or_partly_consumed(self, world: SupplyWorld) -> None:
        world.harvest(A, "h-2", {"pl-a2": 100})
        world.ship(A, "sh-1", ["h-a1"], EXP)
        rejected(
            world,
            A,
            "lot.shipped",
            ship_body("sh-n", ["h-a1"], B),
            DomainRuleError,
            "lot_ids.0",
            match="in_transit",
        )
        world.transform(A, "t-1", "split", [("h-2", 40)], [("x-1", 20), ("x-2", 20)])
        rejected(
            world,
            A,
            "lot.shipped",
            ship_body("sh-n", ["h-2"], EXP),
            DomainRuleError,
            "lot_ids.0",
            match="partly consumed",
        )
        # Split off the remainder and ship that as its own lot.
        world.transform(A, "t-2", "split", [("h-2", 60)], [("x-3", 30), ("x-4", 30)])
        accepted(world, A, "lot.shipped", ship_body("sh-n", ["x-3", "x-4", "x-1"], B))

    def test_transform_lot_in_transit(self, world: SupplyWorld) -> None:
        world.ship(A, "sh-1", ["h-a1"], EXP)
        body = transform_body("t-n", "process", [("h-a1", 100)], [("x-1", 20)], form="parchment")
        rejected(world, A, "lot.transformed", body, DomainRuleError, "inputs.0", match="in transit")
        # The recipient cannot use it before receiving it either.
        rejected(
            world, EXP, "lot.transformed", body, DomainRuleError, "inputs.0", match="held by coop-a"
        )
        world.receive(EXP, "sh-1")
        rejected(
            world, A, "lot.transformed", body, DomainRuleError, "inputs.0", match="held by exp-1"
        )
        accepted(world, EXP, "lot.transformed", body)
        assert lot(world, "x-1")["custodian"] == EXP

    def test_receive_rules(self, world: SupplyWorld) -> None:
        world.ship(A, "sh-1", ["h-a1"], EXP)
        rejected(
            world,
            B,
            "lot.received",
            receive_body("sh-1"),
            DomainRuleError,
            "shipment_id",
            match="addressed to exp-1, not coop-b",
        )
        rejected(world, A, "lot.received", receive_body("sh-1"), DomainRuleError, "shipment_id")
        rejected(
            world,
            EXP,
            "lot.received",
            receive_body("sh-zz"),
            DomainRuleError,
            "shipment_id",
            match="unknown shipment",
        )
        accepted(world, EXP, "lot.received", receive_body("sh-1"))
        doc = lot(world, "h-a1")
        assert (doc["status"], doc["pending_to"], doc["custodian"]) == ("active", None, EXP)
        rejected(
            world,
            EXP,
            "lot.received",
            receive_body("sh-1"),
            DomainRuleError,
            "shipment_id",
            match="was received",
        )
        shipment = memory_store(world).projections.get("shipment", "sh-1")
        assert shipment is not None and shipment["status"] == "received"
        # The new custodian ships it on; the original association cannot.
        rejected(
            world, A, "lot.shipped", ship_body("sh-2", ["h-a1"], B), DomainRuleError, "lot_ids.0"
        )
        accepted(world, EXP, "lot.shipped", ship_body("sh-2", ["h-a1"], B))


# =========================================================================== happy paths


def assert_replays(world: SupplyWorld) -> None:
    """The exported entries verify offline and replay to the live projections and links."""
    store = memory_store(world)
    entries = world.entries()
    result = verify_entries(entries, world.registry)
    assert result.size == len(entries) == store.head().size
    assert result.head_hash == store.head().last_hash
    assert result.state.rows() == store.projections.rows()
    assert result.state.link_rows() == store.projections.link_rows()


def test_coffee_cherry_to_export_sacks(registry: Registry) -> None:
    world = SupplyWorld(InMemoryLedgerStore(), registry, {A: "association", EXP: "exporter"})
    for producer in ("pa-1", "pa-2", "pa-3"):
        world.producer(A, producer)
    world.plot(A, "pl-1", "pa-1")
    world.plot(A, "pl-2", "pa-2", geometry=point(-92.58, 15.62), area_ha=2)
    world.plot(A, "pl-3", "pa-3", geometry=point(-92.57, 15.63), area_ha=1.5)
    world.harvest(A, "h-1", {"pl-1": 3000, "pl-2": 1000}, lot_number="CER2026A")
    world.harvest(A, "h-2", {"pl-2": 2000}, harvested_from="2026-02-03")
    world.harvest(A, "h-3", {"pl-3": 500})  # not in the export lot
    world.transform(A, "t-1", "process", [("h-1", 4000)], [("par-1", 920)], form="parchment")
    world.transform(A, "t-2", "process", [("h-2", 2000)], [("par-2", 460)], form="parchment")
    world.transform(A, "t-3", "process", [("par-1", 920)], [("grn-1", 736)], form="green")
    world.transform(A, "t-4", "process", [("par-2", 460)], [("grn-2", 368)], form="green")
    world.transform(A, "t-5", "blend", [("grn-1", 736), ("grn-2", 368)], [("bl-1", 1104)])
    gtin = valid_gtin()
    sacks = {
        "lot_id": "sk-1",
        "quantity_kg": 1104,
        "gtin": gtin,
        "lot_number": "CAFE2026A",
        "package": {"unit": "sack", "count": 16, "unit_kg": 69},
    }
    world.transform(A, "t-6", "pack", [("bl-1", 1104)], [sacks])
    world.ship(A, "sh-1", ["sk-1"], EXP)
    world.receive(EXP, "sh-1")

    state = memory_store(world).projections
    sk = lot(world, "sk-1")
    assert (sk["custodian"], sk["org_id"], sk["status"], sk["form"]) == (EXP, A, "active", "green")
    assert (sk["quantity_g"], sk["remaining_g"], sk["gtin"]) == (1_104_000, 1_104_000, gtin)
    assert sk["harvest"] == {"from": "2026-01-15", "to": "2026-02-03"}
    for consumed in ("h-1", "h-2", "par-1", "par-2", "grn-1", "grn-2", "bl-1"):
        assert lot(world, consumed)["status"] == "consumed"
    assert lot(world, "h-3")["status"] == "active"

    up = upstream(state, "sk-1")
    assert up.lots == ["sk-1", "bl-1", "grn-1", "grn-2", "h-1", "h-2", "par-1", "par-2"]
    assert set(up.edges) == {
        ("sk-1", "bl-1"),
        ("bl-1", "grn-1"),
        ("bl-1", "grn-2"),
        ("grn-1", "par-1"),
        ("grn-2", "par-2"),
        ("par-1", "h-1"),
        ("par-2", "h-2"),
    }
    assert len(up.edges) == 7
    assert (up.plots, up.apiaries, up.producers) == (["pl-1", "pl-2"], [], ["pa-1", "pa-2"])
    down = downstream(state, "h-2")
    assert down.lots == ["h-2", "bl-1", "grn-2", "par-2", "sk-1"]
    assert downstream(state, "h-3").lots == ["h-3"]
    assert_replays(world)


def test_honey_raw_to_drums(registry: Registry) -> None:
    world = SupplyWorld(InMemoryLedgerStore(), registry, {A: "association", EXP: "exporter"})
    world.producer(A, "pa-1")
    world.producer(A, "pa-2")
    world.apiary(A, "ap-1", "pa-1", hive_count=10, siniiga_ids=["MX030700000001"])
    world.apiary(A, "ap-2", "pa-2", hive_count=12, location=point(-92.66, 15.52))
    world.apiary(A, "ap-3", "pa-2", hive_count=5, location=point(-92.67, 15.51))
    world.harvest(A, "r-1", {"ap-1": 400, "ap-2": 300}, product="honey")
    world.harvest(A, "r-2", {"ap-3": 100}, product="honey")  # not drummed
    world.transform(A, "t-1", "process", [("r-1", 700)], [("f-1", 690)], form="filtered")
    drums = {
        "lot_id": "d-1",
        "quantity_kg": 600,
        "package": {"unit": "drum", "count": 2, "unit_kg": 300},
    }
    world.transform(A, "t-2", "pack", [("f-1", 600)], [drums])
    world.ship(A, "sh-1", ["d-1"], EXP)
    world.receive(EXP, "sh-1")

    assert lot(world, "f-1")["remaining_g"] == 90_000
    assert lot(world, "f-1")["status"] == "active"
    assert lot(world, "d-1")["custodian"] == EXP
    up = upstream(memory_store(world).projections, "d-1")
    assert up.lots == ["d-1", "f-1", "r-1"]
    assert up.edges == [("d-1", "f-1"), ("f-1", "r-1")]
    assert (up.plots, up.apiaries, up.producers) == ([], ["ap-1", "ap-2"], ["pa-1", "pa-2"])
    assert_replays(world)


def test_cacao_wet_to_dry(registry: Registry) -> None:
    world = SupplyWorld(InMemoryLedgerStore(), registry, [A])
    world.producer(A, "pa-1")
    world.producer(A, "pa-2")
    world.plot(A, "cp-1", "pa-1", product="cacao", geometry=point(-92.3, 15.2), area_ha=3)
    world.plot(A, "cp-2", "pa-2", product="cacao", geometry=point(-92.31, 15.21), area_ha=1)
    world.harvest(A, "w-1", {"cp-1": 1000}, product="cacao")
    world.harvest(A, "w-2", {"cp-2": 300}, product="cacao")
    world.transform(A, "t-1", "process", [("w-1", 1000)], [("dry-1", 400)], form="dry")
    world.transform(A, "t-2", "split", [("dry-1", 400)], [("dry-1a", 250), ("dry-1b", 150)])

    up = upstream(memory_store(world).projections, "dry-1b")
    assert up.lots == ["dry-1b", "dry-1", "w-1"]
    assert (up.plots, up.apiaries, up.producers) == (["cp-1"], [], ["pa-1"])
    assert downstream(memory_store(world).projections, "w-1").lots == [
        "w-1",
        "dry-1",
        "dry-1a",
        "dry-1b",
    ]
    assert lot(world, "dry-1a")["form"] == "dry"
    assert_replays(world)


def test_refused_statements_leave_no_trace_in_the_chain(world: SupplyWorld) -> None:
    """After a run of refusals, the chain still verifies and replays to the same state."""
    body = transform_body("t-n", "process", [("h-a1", 1000)], [("x-1", 251)], form="parchment")
    rejected(world, A, "lot.transformed", body, DomainRuleError, "outputs")
    rejected(world, A, "lot.harvested", harvest_body("h-n", {"pl-a2": 9000}), DomainRuleError)
    rejected(world, world.registrar, "producer.registered", producer_body("x"), AuthorizationError)
    world.harvest(A, "h-n", {"pl-a2": 10})
    assert_replays(world)


def test_registrar_public_key_is_not_an_association(world: SupplyWorld) -> None:
    """A registrar cannot register an organization with its own (registrar) key."""
    body = org_body("coop-c", world.registrar)
    rejected(world, world.registrar, "org.registered", body, DomainRuleError, "public_key")
