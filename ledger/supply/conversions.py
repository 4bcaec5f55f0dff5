"""Versioned conversion (yield) tables and plausible field yields, as data with their sources.

A transformation that changes a lot's form (coffee cherry → parchment, cacao wet → dry, …) may
output at most ``input × maximum`` of the new form (DESIGN §5, mass balance); outputs between
``minimum`` and ``maximum`` are plausible, outside that range they are flagged. Same-form
transformations (split, blend, pack) have a maximum yield of exactly 1. A harvest lot is
checked against a plausible field yield per hectare (coffee, cacao) or per hive (honey).

Numbers come from ``docs/domain-facts.md`` §2. Each entry's ``source`` starts with the
facts.md confidence tag: ``[S]`` seen in a source, ``[M]`` background knowledge not re-checked,
``[D]`` derived here from other entries. Ratios quoted as "n : 1" are stored as ``1/n``; where
that is not a finite decimal, minimum and maximum are rounded *outward* to 6 decimals, so the
plausible range is never narrower than the source's.

Tables are versioned: :data:`TABLES` maps a version to a :class:`ConversionTable`, and a ledger
entry records the version it used, so a past check can be replayed with the same numbers. A
new version is added, an existing one is never edited. Products and their forms are data
(:data:`PRODUCTS`, :data:`HARVEST_FORMS`), so timber, dairy or beef can be added the same way.

Also here: :func:`kg_to_grams`, the exact conversion of a JSON quantity in kg to integer grams.

Left out on purpose: I/O, unit conversions other than kg → g (quintales, sacks and drums belong
to the caller), composite pairs not quoted by a source (parchment → roasted, wet → nibs: record
the intermediate lot), natural-process dried cherry (not a form here), moisture correction,
and multi-ingredient products. Errors are :class:`ValueError` with a lowercase "expected …,
found …" message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache
from typing import Literal

__all__ = [
    "DEFAULT_TABLE",
    "HARVEST_FORMS",
    "MAX_GRAMS",
    "PRODUCTS",
    "TABLES",
    "Conversion",
    "ConversionTable",
    "FieldYield",
    "get_table",
    "kg_to_grams",
]

PRODUCTS: dict[str, tuple[str, ...]] = {
    "coffee": ("cherry", "parchment", "green", "roasted"),
    "cacao": ("wet", "dry", "nibs"),
    "honey": ("raw", "filtered"),
}
"""Product → allowed lot forms, from the harvested form onwards."""

HARVEST_FORMS: dict[str, str] = {
    "coffee": "cherry",
    "cacao": "wet",
    "honey": "raw",
}
"""Product → the form a harvest lot must have (field yields are quoted in this form)."""

YieldUnit = Literal["ha", "hive"]

_ONE = Decimal(1)
_PLACES = Decimal("0.000001")


def _inverse(ratio: str, rounding: str) -> Decimal:
    """``1 / ratio`` rounded to 6 decimals in the given direction."""
    return (_ONE / Decimal(ratio)).quantize(_PLACES, rounding=rounding)


def _check_product_form(product: str, form: str) -> None:
    forms = PRODUCTS.get(product)
    if forms is None:
        raise ValueError(f"expected a product among {sorted(PRODUCTS)}, found {product!r}")
    if form not in forms:
        raise ValueError(f"expected a {product} form among {list(forms)}, found {form!r}")


@dataclass(frozen=True, slots=True)
class Conversion:
    """Mass yield of one form change: kg of ``to_form`` per kg of ``from_form``.

    Attributes:
        product: Product key of :data:`PRODUCTS`.
        from_form: Input form.
        to_form: Output form.
        typical: Typical yield.
        minimum: Lowest plausible yield (flag below).
        maximum: Highest plausible yield; outputs above ``input × maximum`` are refused.
        source: Where the numbers come from, starting with a facts.md tag ``[S]``/``[M]``/``[D]``.
    """

    product: str
    from_form: str
    to_form: str
    typical: Decimal
    minimum: Decimal
    maximum: Decimal
    source: str

    def __post_init__(self) -> None:
        """Check the entry is consistent.

        Raises:
            ValueError: If a form is unknown for the product, the factors are not Decimals,
                or not ``0 <= minimum <= typical <= maximum <= 1`` with ``maximum > 0``
                (every process here loses mass), or ``source`` is empty.
        """
        _check_product_form(self.product, self.from_form)
        _check_product_form(self.product, self.to_form)
        for name in ("typical", "minimum", "maximum"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                raise ValueError(f"expected a finite Decimal {name}, found {value!r}")
        if not (0 <= self.minimum <= self.typical <= self.maximum <= 1 and self.maximum > 0):
            raise ValueError(
                "expected 0 <= minimum <= typical <= maximum <= 1, found "
                f"{self.minimum} / {self.typical} / {self.maximum} for "
                f"{self.product} {self.from_form}→{self.to_form}"
            )
        if not self.source:
            raise ValueError("expected a source for the conversion, found an empty string")


@dataclass(frozen=True, slots=True)
class FieldYield:
    """Plausible yearly yield of the harvested form per hectare or per hive.

    The quantity is in kg of ``HARVEST_FORMS[product]`` (coffee cherry, cacao wet beans, raw
    honey).

    Attributes:
        product: Product key of :data:`PRODUCTS`.
        unit: ``"ha"`` (plots) or ``"hive"`` (apiaries).
        typical_kg: Typical kg per unit and year.
        max_kg: Highest plausible kg per unit and year (flag above).
        source: Where the numbers come from, starting with a facts.md tag.
    """

    product: str
    unit: YieldUnit
    typical_kg: Decimal
    max_kg: Decimal
    source: str

    def __post_init__(self) -> None:
        """Check the entry is consistent.

        Raises:
            ValueError: If the product or unit is unknown, the quantities are not Decimals,
                or not ``0 < typical_kg <= max_kg``, or ``source`` is empty.
        """
        if self.product not in PRODUCTS:
            raise ValueError(f"expected a product among {sorted(PRODUCTS)}, found {self.product!r}")
        if self.unit not in ("ha", "hive"):
            raise ValueError(f"expected unit 'ha' or 'hive', found {self.unit!r}")
        for name in ("typical_kg", "max_kg"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                raise ValueError(f"expected a finite Decimal {name}, found {value!r}")
        if not 0 < self.typical_kg <= self.max_kg:
            raise ValueError(
                f"expected 0 < typical_kg <= max_kg, found {self.typical_kg} / {self.max_kg}"
            )
        if not self.source:
            raise ValueError("expected a source for the field yield, found an empty string")


@dataclass(frozen=True, slots=True)
class ConversionTable:
    """One immutable version of the conversion and field-yield data.

    Attributes:
        version: Version label recorded by entries that use the table, e.g. ``"2026-11"``.
        conversions: Form changes between different forms of a product.
        field_yields: At most one field yield per product.
    """

    version: str
    conversions: tuple[Conversion, ...]
    field_yields: tuple[FieldYield, ...]

    def __post_init__(self) -> None:
        """Check the table is consistent.

        Raises:
            ValueError: If the version is empty, a conversion maps a form to itself (same-form
                yields are implicit), a pair or a product's field yield appears twice.
        """
        if not self.version:
            raise ValueError("expected a table version, found an empty string")
        seen: set[tuple[str, str, str]] = set()
        for conv in self.conversions:
            key = (conv.product, conv.from_form, conv.to_form)
            if conv.from_form == conv.to_form:
                raise ValueError(
                    f"expected different forms in a conversion, found {conv.from_form!r} twice "
                    "(same-form yields are implicit)"
                )
            if key in seen:
                raise ValueError(f"expected one conversion per pair, found {key} twice")
            seen.add(key)
        products = [fy.product for fy in self.field_yields]
        if len(products) != len(set(products)):
            raise ValueError(f"expected one field yield per product, found {products}")

    def conversion(self, product: str, from_form: str, to_form: str) -> Conversion:
        """The conversion entry for a form change.

        Same-form transformations (split, blend, pack) get a synthesized entry with typical
        and maximum yield exactly 1 and minimum 0 (a split may take only part of a lot).

        Args:
            product: Product key, e.g. ``"coffee"``.
            from_form: Input form.
            to_form: Output form.

        Returns:
            The matching :class:`Conversion`.

        Raises:
            ValueError: If the product or a form is unknown, or the table has no conversion
                for this pair (including reverse pairs such as green → cherry).
        """
        _check_product_form(product, from_form)
        _check_product_form(product, to_form)
        if from_form == to_form:
            return Conversion(
                product, from_form, to_form, _ONE, Decimal(0), _ONE, "[D] same form: mass kept"
            )
        for conv in self.conversions:
            if (conv.product, conv.from_form, conv.to_form) == (product, from_form, to_form):
                return conv
        known = ", ".join(
            f"{c.from_form}→{c.to_form}" for c in self.conversions if c.product == product
        )
        raise ValueError(
            f"expected a known {product} conversion in table {self.version} ({known}), "
            f"found {from_form}→{to_form}"
        )

    def max_yield(self, product: str, from_form: str, to_form: str) -> Decimal:
        """Highest plausible kg of ``to_form`` per kg of ``from_form``.

        Args:
            product: Product key.
            from_form: Input form.
            to_form: Output form.

        Returns:
            The maximum yield (exactly 1 for same-form transformations).

        Raises:
            ValueError: If the product, a form, or the pair is unknown.
        """
        return self.conversion(product, from_form, to_form).maximum

    def typical(self, product: str, from_form: str, to_form: str) -> Decimal:
        """Typical kg of ``to_form`` per kg of ``from_form``.

        Args:
            product: Product key.
            from_form: Input form.
            to_form: Output form.

        Returns:
            The typical yield (exactly 1 for same-form transformations).

        Raises:
            ValueError: If the product, a form, or the pair is unknown.
        """
        return self.conversion(product, from_form, to_form).typical

    def field_yield(self, product: str) -> FieldYield:
        """Plausible yearly field yield of a product's harvested form.

        Args:
            product: Product key.

        Returns:
            The :class:`FieldYield` entry.

        Raises:
            ValueError: If the product is unknown or the table has no field yield for it.
        """
        if product not in PRODUCTS:
            raise ValueError(f"expected a product among {sorted(PRODUCTS)}, found {product!r}")
        for fy in self.field_yields:
            if fy.product == product:
                return fy
        raise ValueError(
            f"expected a field yield for {product!r} in table {self.version}, found none"
        )


_TABLE_2026_11 = ConversionTable(
    version="2026-11",
    conversions=(
        Conversion(
            "coffee",
            "cherry",
            "parchment",
            typical=Decimal("0.23"),  # 57.5 kg parchment (1 quintal) from 250 kg cherry = 4.35:1
            minimum=_inverse("5.5", ROUND_FLOOR),
            maximum=_inverse("4.0", ROUND_CEILING),
            source=(
                "[S] facts.md §2: 250 kg cereza → 57.5 kg pergamino (4.35:1), plausible "
                "4.0–5.5:1 (elbuentono.com.mx; nuevomexicoplural)"
            ),
        ),
        Conversion(
            "coffee",
            "parchment",
            "green",
            typical=Decimal("0.80"),
            minimum=Decimal("0.76"),
            maximum=Decimal("0.84"),
            source="[S] facts.md §2: ICO factor 0.80, plausible 0.76–0.84 (kenyacoffeeschool)",
        ),
        Conversion(
            "coffee",
            "cherry",
            "green",
            typical=Decimal("0.184"),  # 0.23 × 0.80 ≈ 5.43:1, inside the quoted 5–6:1
            minimum=_inverse("7.0", ROUND_FLOOR),
            maximum=_inverse("4.8", ROUND_CEILING),
            source=(
                "[S] facts.md §2: 5–6 kg cherry per kg green, plausible 4.8–7.0:1 "
                "(thecoffeeguide QA-108; kenyacoffeeschool); typical [D] 0.23 × 0.80"
            ),
        ),
        Conversion(
            "coffee",
            "green",
            "roasted",
            typical=Decimal("0.84"),
            minimum=Decimal("0.70"),
            maximum=Decimal("0.88"),
            source=(
                "[S] facts.md §2: 47 → 33 kg (0.70, elbuentono); [M] typical 0.82–0.86 and "
                "upper bound 0.88"
            ),
        ),
        Conversion(
            "cacao",
            "wet",
            "dry",
            typical=Decimal("0.375"),
            minimum=Decimal("0.30"),
            maximum=Decimal("0.45"),
            source="[M] facts.md §2: wet (baba) → dry fermented 35–40 %, flag outside 30–45 %",
        ),
        Conversion(
            "cacao",
            "dry",
            "nibs",
            typical=Decimal("0.80"),
            minimum=Decimal("0.75"),
            maximum=Decimal("0.87"),
            source="[M] background knowledge (shell/winnowing loss 13–25 %), not in facts.md",
        ),
        Conversion(
            "honey",
            "raw",
            "filtered",
            typical=Decimal("0.98"),
            minimum=Decimal("0.95"),
            maximum=Decimal("1"),
            source="[M] background knowledge (straining loss 0–5 %), not in facts.md",
        ),
    ),
    field_yields=(
        FieldYield(
            "coffee",
            "ha",
            typical_kg=Decimal("1370"),
            max_kg=Decimal("4110"),
            source=(
                "[S] facts.md §2: national 1.37 t cherry/ha (SIAP 2017/18, umffaac.org.mx); "
                "max [D] 3 × typical"
            ),
        ),
        FieldYield(
            "cacao",
            "ha",
            typical_kg=Decimal("1200"),
            max_kg=Decimal("3600"),
            source=(
                "[M] facts.md §2: ~0.45 t dry/ha ÷ 0.375 wet→dry ≈ 1.2 t wet/ha; "
                "max [D] 3 × typical"
            ),
        ),
        FieldYield(
            "honey",
            "hive",
            typical_kg=Decimal("29.1"),
            max_kg=Decimal("80"),
            source=(
                "[S] facts.md §2: 29.1 kg/hive/yr (Magaña et al. 2016); max 80 kg/hive/yr "
                "[D] plausibility rule"
            ),
        ),
    ),
)

TABLES: dict[str, ConversionTable] = {_TABLE_2026_11.version: _TABLE_2026_11}
"""Every published table by version. Add new versions; never edit or remove one."""

DEFAULT_TABLE: ConversionTable = _TABLE_2026_11
"""The table new entries use (version ``"2026-11"``)."""


def get_table(version: str) -> ConversionTable:
    """The conversion table of a given version.

    Args:
        version: A key of :data:`TABLES`.

    Returns:
        The table.

    Raises:
        ValueError: If no table has that version.
    """
    table = TABLES.get(version)
    if table is None:
        raise ValueError(
            f"expected a conversion table version among {sorted(TABLES)}, found {version!r}"
        )
    return table


MAX_GRAMS = 2**53 - 1
"""Largest quantity in grams: integers above 2**53 lose precision as JSON/JCS numbers."""
_MAX_KG = Decimal(MAX_GRAMS) / 1000
_MAX_STR_LEN = 32
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")  # RFC 8259 §6
_KG_DECIMALS = 3


def kg_to_grams(value: float | int | str) -> int:
    """Convert a JSON quantity in kilograms to integer grams, exactly.

    The value is read as the decimal it prints as (``Decimal(str(value))``), so ``0.1`` kg is
    exactly 100 g. Strings must be JSON numbers (RFC 8259 grammar, at most 32 characters).

    Args:
        value: Kilograms as an int, a float or a numeric string, with at most 3 decimals.

    Returns:
        The quantity in grams (1 to :data:`MAX_GRAMS`).

    Raises:
        ValueError: If ``value`` is a bool or another type, a malformed string, NaN or
            infinite, zero or negative, has more than 3 decimals (finer than 1 g), or exceeds
            :data:`MAX_GRAMS` grams.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number of kg, found {type(value).__name__}")
    return _grams(type(value).__name__, value)


@lru_cache(maxsize=4096)
def _grams(_kind: str, value: float | int | str) -> int:
    """:func:`kg_to_grams` of an int, float or str, memoized (keyed by type too, so ``1`` and
    ``"1"`` stay apart): a replay meets the same few quantities hundreds of thousands of times
    (a harvest's total, each origin's share, the body model's check) and the exact decimal
    conversion cost about 10 µs each. Refusals raise and are not memoized."""
    if isinstance(value, str):
        if len(value) > _MAX_STR_LEN or not _JSON_NUMBER.fullmatch(value):
            raise ValueError(f"expected a json number of kg, found {value[:_MAX_STR_LEN]!r}")
        text = value
    else:
        text = str(value)
    amount = Decimal(text)
    if not amount.is_finite():
        raise ValueError(f"expected a finite number of kg, found {text}")
    if amount <= 0:
        raise ValueError(f"expected a quantity > 0 kg, found {text}")
    if amount > _MAX_KG:
        raise ValueError(f"expected at most {_MAX_KG} kg, found {text}")
    _, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int):  # pragma: no cover - excluded by is_finite above
        raise ValueError(f"expected a finite number of kg, found {text}")
    coefficient = "".join(map(str, digits)).rstrip("0")  # amount > 0: never empty
    exponent += len(digits) - len(coefficient)
    if exponent < -_KG_DECIMALS:
        raise ValueError(f"expected at most {_KG_DECIMALS} decimals of kg, found {text}")
    scale: int = 10 ** (exponent + _KG_DECIMALS)  # exponent >= -3 here
    return int(coefficient) * scale
