"""Tests for ``ledger.supply.conversions``: the versioned yield table and ``kg_to_grams``."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.supply import conversions
from ledger.supply.conversions import (
    DEFAULT_TABLE,
    HARVEST_FORMS,
    MAX_GRAMS,
    PRODUCTS,
    TABLES,
    Conversion,
    ConversionTable,
    FieldYield,
    get_table,
    kg_to_grams,
)

# ----------------------------------------------------------------- table identity


def test_default_table_version_and_registry() -> None:
    assert DEFAULT_TABLE.version == "2026-11"
    assert TABLES["2026-11"] is DEFAULT_TABLE
    assert get_table("2026-11") is DEFAULT_TABLE
    with pytest.raises(ValueError, match="expected a conversion table version among"):
        get_table("2099-01")


def test_products_and_harvest_forms() -> None:
    assert PRODUCTS == {
        "coffee": ("cherry", "parchment", "green", "roasted"),
        "cacao": ("wet", "dry", "nibs"),
        "honey": ("raw", "filtered"),
    }
    assert HARVEST_FORMS == {"coffee": "cherry", "cacao": "wet", "honey": "raw"}
    for product, form in HARVEST_FORMS.items():
        assert PRODUCTS[product][0] == form


# ----------------------------------------------------------------- lookups


@pytest.mark.parametrize(
    ("product", "src", "dst", "typical", "maximum"),
    [
        ("coffee", "cherry", "parchment", "0.23", "0.25"),
        ("coffee", "parchment", "green", "0.80", "0.84"),
        ("coffee", "cherry", "green", "0.184", "0.208334"),
        ("coffee", "green", "roasted", "0.84", "0.88"),
        ("cacao", "wet", "dry", "0.375", "0.45"),
        ("cacao", "dry", "nibs", "0.80", "0.87"),
        ("honey", "raw", "filtered", "0.98", "1"),
    ],
)
def test_pair_lookups(product: str, src: str, dst: str, typical: str, maximum: str) -> None:
    assert DEFAULT_TABLE.typical(product, src, dst) == Decimal(typical)
    assert DEFAULT_TABLE.max_yield(product, src, dst) == Decimal(maximum)
    conv = DEFAULT_TABLE.conversion(product, src, dst)
    assert isinstance(conv.minimum, Decimal) and conv.minimum <= conv.typical <= conv.maximum


def test_coffee_ranges_cover_the_quoted_ratios() -> None:
    cp = DEFAULT_TABLE.conversion("coffee", "cherry", "parchment")
    assert cp.typical == Decimal("57.5") / Decimal("250")  # 1 quintal from 250 kg cherry
    assert cp.minimum * Decimal("5.5") <= 1 <= cp.maximum * Decimal("4.0")
    cg = DEFAULT_TABLE.conversion("coffee", "cherry", "green")
    assert cg.minimum * Decimal("7.0") <= 1 <= cg.maximum * Decimal("4.8")
    # outward rounding: never narrower than the source, and at most 1e-6 wider
    assert Decimal(1) / Decimal("4.8") <= cg.maximum < Decimal(1) / Decimal("4.8") + Decimal("1e-6")
    pg = DEFAULT_TABLE.conversion("coffee", "parchment", "green")
    assert cg.typical == cp.typical * pg.typical
    assert (pg.minimum, pg.maximum) == (Decimal("0.76"), Decimal("0.84"))
    gr = DEFAULT_TABLE.conversion("coffee", "green", "roasted")
    assert (gr.minimum, gr.maximum) == (Decimal("0.70"), Decimal("0.88"))
    wd = DEFAULT_TABLE.conversion("cacao", "wet", "dry")
    assert (wd.minimum, wd.maximum) == (Decimal("0.30"), Decimal("0.45"))
    assert DEFAULT_TABLE.conversion("cacao", "dry", "nibs").minimum == Decimal("0.75")
    assert DEFAULT_TABLE.conversion("honey", "raw", "filtered").minimum == Decimal("0.95")


@pytest.mark.parametrize(("product", "form"), [(p, f) for p, fs in PRODUCTS.items() for f in fs])
def test_same_form_max_yield_is_exactly_one(product: str, form: str) -> None:
    assert DEFAULT_TABLE.max_yield(product, form, form) == Decimal(1)
    assert DEFAULT_TABLE.typical(product, form, form) == Decimal(1)
    assert DEFAULT_TABLE.conversion(product, form, form).minimum == Decimal(0)


@pytest.mark.parametrize(
    ("product", "src", "dst", "message"),
    [
        ("coffee", "green", "cherry", "found green→cherry"),
        ("coffee", "parchment", "roasted", "found parchment→roasted"),
        ("cacao", "wet", "nibs", "found wet→nibs"),
        ("honey", "filtered", "raw", "found filtered→raw"),
        ("coffee", "dried_cherry", "green", "expected a coffee form among"),
        ("coffee", "cherry", "nibs", "expected a coffee form among"),
        ("timber", "log", "sawn", "expected a product among"),
    ],
)
def test_unknown_pairs_refused(product: str, src: str, dst: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DEFAULT_TABLE.max_yield(product, src, dst)
    with pytest.raises(ValueError, match=message):
        DEFAULT_TABLE.typical(product, src, dst)


def test_unknown_pair_message_lists_known_pairs() -> None:
    with pytest.raises(ValueError, match=r"table 2026-11 \(cherry→parchment, parchment→green"):
        DEFAULT_TABLE.max_yield("coffee", "roasted", "green")


def test_all_factors_are_decimal_and_sourced() -> None:
    for conv in DEFAULT_TABLE.conversions:
        for value in (conv.typical, conv.minimum, conv.maximum):
            assert isinstance(value, Decimal)
        assert conv.source[:3] in ("[S]", "[M]", "[D]")
    for fy in DEFAULT_TABLE.field_yields:
        assert isinstance(fy.typical_kg, Decimal) and isinstance(fy.max_kg, Decimal)
        assert fy.source[:3] in ("[S]", "[M]", "[D]")


def test_background_knowledge_entries_are_marked() -> None:
    marked = {
        (c.product, c.from_form, c.to_form)
        for c in DEFAULT_TABLE.conversions
        if c.source.startswith("[M]")
    }
    assert marked == {
        ("cacao", "wet", "dry"),
        ("cacao", "dry", "nibs"),
        ("honey", "raw", "filtered"),
    }
    assert DEFAULT_TABLE.field_yield("cacao").source.startswith("[M]")
    assert "[M]" in DEFAULT_TABLE.conversion("coffee", "green", "roasted").source


# ----------------------------------------------------------------- field yields


def test_field_yields() -> None:
    coffee = DEFAULT_TABLE.field_yield("coffee")
    assert (coffee.unit, coffee.typical_kg, coffee.max_kg) == ("ha", Decimal(1370), Decimal(4110))
    assert coffee.max_kg == 3 * coffee.typical_kg
    cacao = DEFAULT_TABLE.field_yield("cacao")
    assert (cacao.unit, cacao.typical_kg, cacao.max_kg) == ("ha", Decimal(1200), Decimal(3600))
    # wet-bean yield is the dry-bean yield (0.45 t/ha) divided by the wet→dry factor
    assert cacao.typical_kg == Decimal(450) / DEFAULT_TABLE.typical("cacao", "wet", "dry")
    honey = DEFAULT_TABLE.field_yield("honey")
    assert (honey.unit, honey.typical_kg, honey.max_kg) == ("hive", Decimal("29.1"), Decimal(80))
    with pytest.raises(ValueError, match="expected a product among"):
        DEFAULT_TABLE.field_yield("beef")


def test_table_without_field_yield_refuses_lookup() -> None:
    table = ConversionTable("test", (), ())
    with pytest.raises(ValueError, match="expected a field yield for 'honey' in table test"):
        table.field_yield("honey")


# ----------------------------------------------------------------- immutability and checks


def test_entries_are_frozen() -> None:
    conv = DEFAULT_TABLE.conversion("coffee", "cherry", "parchment")
    with pytest.raises(dataclasses.FrozenInstanceError):
        conv.maximum = Decimal(1)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_TABLE.version = "x"  # type: ignore[misc]
    assert isinstance(DEFAULT_TABLE.conversions, tuple)


def _conv(**changes: object) -> Conversion:
    base: dict[str, object] = {
        "product": "coffee",
        "from_form": "cherry",
        "to_form": "parchment",
        "typical": Decimal("0.23"),
        "minimum": Decimal("0.18"),
        "maximum": Decimal("0.25"),
        "source": "[S] test",
    }
    base.update(changes)
    return Conversion(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"maximum": Decimal("4.35")}, "maximum <= 1"),  # ratio entered the wrong way round
        ({"minimum": Decimal("0.24")}, "minimum <= typical"),
        ({"maximum": Decimal("0")}, "maximum <= 1"),
        ({"typical": 0.23}, "finite Decimal typical"),
        ({"maximum": Decimal("NaN")}, "finite Decimal maximum"),
        ({"source": ""}, "expected a source"),
        ({"to_form": "nibs"}, "coffee form among"),
        ({"product": "maize"}, "product among"),
    ],
)
def test_conversion_entry_checks(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _conv(**changes)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"unit": "acre"}, "unit 'ha' or 'hive'"),
        ({"typical_kg": Decimal(100), "max_kg": Decimal(50)}, "typical_kg <= max_kg"),
        ({"typical_kg": Decimal(0)}, "0 < typical_kg"),
        ({"max_kg": 80}, "finite Decimal max_kg"),
        ({"product": "maize"}, "product among"),
        ({"source": ""}, "expected a source"),
    ],
)
def test_field_yield_entry_checks(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "product": "honey",
        "unit": "hive",
        "typical_kg": Decimal("29.1"),
        "max_kg": Decimal(80),
        "source": "[S] test",
    }
    base.update(kwargs)
    with pytest.raises(ValueError, match=message):
        FieldYield(**base)  # type: ignore[arg-type]


def test_table_checks() -> None:
    conv = _conv()
    with pytest.raises(ValueError, match="one conversion per pair"):
        ConversionTable("t", (conv, conv), ())
    same = _conv(to_form="cherry", minimum=Decimal(0), typical=Decimal(1), maximum=Decimal(1))
    with pytest.raises(ValueError, match="same-form yields are implicit"):
        ConversionTable("t", (same,), ())
    honey = DEFAULT_TABLE.field_yield("honey")
    with pytest.raises(ValueError, match="one field yield per product"):
        ConversionTable("t", (), (honey, honey))
    with pytest.raises(ValueError, match="table version"):
        ConversionTable("", (), ())


def test_new_product_is_added_as_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(conversions.PRODUCTS, "dairy", ("milk", "cheese"))
    monkeypatch.setitem(conversions.HARVEST_FORMS, "dairy", "milk")
    table = ConversionTable(
        "test-dairy",
        (
            Conversion(
                "dairy",
                "milk",
                "cheese",
                Decimal("0.10"),
                Decimal("0.08"),
                Decimal("0.14"),
                "[M] t",
            ),
        ),
        (),
    )
    assert table.max_yield("dairy", "milk", "cheese") == Decimal("0.14")
    assert table.max_yield("dairy", "cheese", "cheese") == 1


# ----------------------------------------------------------------- kg_to_grams


@pytest.mark.parametrize(
    ("value", "grams"),
    [
        (1, 1000),
        (0.1, 100),
        (0.001, 1),
        (57.5, 57500),
        (1234.567, 1234567),
        (69, 69000),
        ("12.345", 12345),
        ("1.2300", 1230),
        ("0.0010", 1),
        ("1e3", 1000000),
        ("2.5E-1", 250),
        (1e-3, 1),
        ("9007199254740.991", MAX_GRAMS),
    ],
)
def test_kg_to_grams_exact(value: float | int | str, grams: int) -> None:
    result = kg_to_grams(value)
    assert result == grams
    assert type(result) is int


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "> 0 kg"),
        (0.0, "> 0 kg"),
        (-0.0, "> 0 kg"),
        (-1, "> 0 kg"),
        ("-2.5", "> 0 kg"),
        (True, "found bool"),
        (False, "found bool"),
        (None, "found NoneType"),
        (Decimal("1.5"), "found Decimal"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        (float("-inf"), "finite"),
        (1.2345, "at most 3 decimals"),
        (0.1 + 0.2, "at most 3 decimals"),
        ("0.0005", "at most 3 decimals"),
        ("1e-4", "at most 3 decimals"),
        ("1e-999999999", "at most 3 decimals"),
        (1e16, "at most"),
        (2**53, "at most"),
        ("9007199254740.992", "at most"),
        ("NaN", "json number"),
        ("Infinity", "json number"),
        (" 1", "json number"),
        ("1_000", "json number"),
        ("0x10", "json number"),
        ("01", "json number"),
        ("1.", "json number"),
        (".5", "json number"),
        ("+1", "json number"),
        ("", "json number"),
        ("١", "json number"),
        ("1" * 33, "json number"),
    ],
)
def test_kg_to_grams_refuses(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        kg_to_grams(value)  # type: ignore[arg-type]


@given(st.integers(min_value=1, max_value=10**12))
def test_kg_to_grams_round_trips(grams: int) -> None:
    kg = Decimal(grams).scaleb(-3)
    assert kg_to_grams(str(kg)) == grams
    assert kg_to_grams(format(kg, "f")) == grams
    # a float with ≤ 15 significant digits prints back as the same decimal
    assert kg_to_grams(float(kg)) == grams
    if grams % 1000 == 0:
        assert kg_to_grams(grams // 1000) == grams
