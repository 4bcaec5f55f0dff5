"""Tests for ``ledger.supply.identifiers``.

Check digits are confirmed by a second, independently written method in this file:
GTINs by the "whole code weighted sum ≡ 0 (mod 10)" form of the GS1 rule, CURPs by an explicit
value table and a left-to-right fold instead of index arithmetic.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.supply.identifiers import (
    CURP_ALPHABET,
    GS1_CSET82,
    INEGI_STATES,
    gtin14_check_digit,
    is_label_safe_lot,
    validate_curp,
    validate_gtin,
    validate_lot_number,
    validate_rfc_fisica,
    validate_rfc_moral,
    validate_siniiga_hive_id,
)

# ----------------------------------------------------------------- GTIN

# Published examples: GS1 Digital Link standard's example GTIN; GS1 General Specifications'
# check-digit worked example (GTIN-13); the classic UPC-A and EAN-8 examples.
GS1_EXAMPLES = ["09506000134352", "6291041500213", "036000291452", "96385074"]


def gs1_valid_second_method(code: str) -> bool:
    """Independent check: with the check digit weighted 1, 3, 1, … from the right, sum ≡ 0."""
    weights = [1, 3] * 7
    return sum(int(c) * w for c, w in zip(reversed(code), weights, strict=False)) % 10 == 0


@pytest.mark.parametrize("code", GS1_EXAMPLES)
def test_published_gtins_are_valid_by_both_methods(code: str) -> None:
    assert gs1_valid_second_method(code)
    assert validate_gtin(code) == code.zfill(14)
    assert gtin14_check_digit(code.zfill(14)[:13]) == int(code[-1])


def test_check_digit_values() -> None:
    assert gtin14_check_digit("0950600013435") == 2
    assert gtin14_check_digit("0629104150021") == 3
    assert gtin14_check_digit("0000000000000") == 0


def test_bad_check_digit_names_expected_digit() -> None:
    with pytest.raises(ValueError, match="expected gtin check digit 2, found 5"):
        validate_gtin("09506000134355")
    with pytest.raises(ValueError, match="expected gtin check digit 3, found 4"):
        validate_gtin("6291041500214")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1234567",
        "123456789",
        "12345678901",
        "123456789012345",
        "0950600013435X",
        "09506000134352\n",
        " 09506000134352",
        "٠٩٥٠٦٠٠٠١٣٤٣٥٢",
        "+9506000134352",
    ],
)
def test_malformed_gtins_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="expected a gtin of 8, 12, 13 or 14 digits"):
        validate_gtin(bad)


def test_gtin_must_be_a_string() -> None:
    with pytest.raises(ValueError, match="as a string, found int"):
        validate_gtin(9506000134352)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad", ["123456789012", "12345678901234", "abcdefghijklm", "１２３４５６７８９０１２３"]
)
def test_check_digit_needs_13_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="expected 13 digits"):
        gtin14_check_digit(bad)


@given(st.text(alphabet="0123456789", min_size=13, max_size=13), st.integers(1, 9))
def test_property_only_the_computed_digit_validates(data: str, delta: int) -> None:
    digit = gtin14_check_digit(data)
    good = data + str(digit)
    assert gs1_valid_second_method(good)
    assert validate_gtin(good) == good
    wrong = data + str((digit + delta) % 10)
    with pytest.raises(ValueError, match=f"expected gtin check digit {digit}"):
        validate_gtin(wrong)


# ----------------------------------------------------------------- lot numbers


def test_cset82_is_exactly_the_gs1_set() -> None:
    listed = "!\"%&'()*+,-./" + string.digits + ":;<=>?" + string.ascii_uppercase + "_"
    listed += string.ascii_lowercase
    assert len(GS1_CSET82) == 82
    assert set(listed) == GS1_CSET82


@pytest.mark.parametrize(
    "lot", ["L2026-03/A", "A", "x" * 20, "!\"%&'()*+,-./0123456", "789:;<=>?AZ_az"]
)
def test_valid_lot_numbers(lot: str) -> None:
    assert validate_lot_number(lot) == lot


def test_every_cset82_character_is_accepted() -> None:
    chars = sorted(GS1_CSET82)
    for i in range(0, len(chars), 20):
        chunk = "".join(chars[i : i + 20])
        assert validate_lot_number(chunk) == chunk


@pytest.mark.parametrize(
    "lot", ["LOTE 1", "A#1", "A$1", "A@1", "CAFÉ", "A\n", "a\tb", "ñ", "A`", "A~"]
)
def test_lot_characters_outside_cset82_refused(lot: str) -> None:
    with pytest.raises(ValueError, match="gs1 character set 82"):
        validate_lot_number(lot)


@pytest.mark.parametrize("lot", ["", "X" * 21])
def test_lot_length_refused(lot: str) -> None:
    with pytest.raises(ValueError, match="1 to 20 characters"):
        validate_lot_number(lot)


def test_label_safe_lots() -> None:
    assert is_label_safe_lot("ABC123")
    assert is_label_safe_lot("Z" * 20)
    for bad in ("", "Z" * 21, "abc", "A-1", "A/1", "A 1", "Ñ1", "A1\n", 123):
        assert not is_label_safe_lot(bad)  # type: ignore[arg-type]


@given(st.from_regex(r"[0-9A-Z]{1,20}", fullmatch=True))
def test_label_safe_lots_are_valid_ai10(lot: str) -> None:
    assert is_label_safe_lot(lot)
    assert validate_lot_number(lot) == lot


# ----------------------------------------------------------------- CURP

# Published examples with correct check digits (RENAPO/SAT documentation and open-source test
# suites); EOTN… is born abroad (NE).
CURP_EXAMPLES = [
    "HEGG560427MVZRRL04",
    "SABC560626MDFLRN01",
    "MOTR930411HJCRMN03",
    "BEML920313HCMLNS09",
    "OEVL921024MDFLRR07",
    "EOTN981127HNESLC06",
    "GOAR881103HDFNRL04",
    # born in 2000 or later: letter in position 17 (computed, checked by the second method)
    "PEGA050312MCSRRNA7",
    "LOPM000229HOCPRRB7",
]


def curp_check_digit_second_method(first17: str) -> int:
    values = {c: i for i, c in enumerate("0123456789")}
    values.update({c: 10 + i for i, c in enumerate("ABCDEFGHIJKLMN")})
    values["Ñ"] = 24
    values.update({c: 25 + i for i, c in enumerate("OPQRSTUVWXYZ")})
    total = 0
    weight = 18
    for c in first17:
        total += values[c] * weight
        weight -= 1
    remainder = total % 10
    return 0 if remainder == 0 else 10 - remainder


def test_curp_alphabet() -> None:
    assert len(CURP_ALPHABET) == 37
    assert CURP_ALPHABET.index("Ñ") == 24
    assert CURP_ALPHABET.index("Z") == 36


@pytest.mark.parametrize("curp", CURP_EXAMPLES)
def test_valid_curps(curp: str) -> None:
    assert curp_check_digit_second_method(curp[:17]) == int(curp[17])
    assert validate_curp(curp) == curp


def test_wrong_curp_check_digit_names_expected() -> None:
    with pytest.raises(ValueError, match="expected curp check digit 4, found 5"):
        validate_curp("HEGG560427MVZRRL05")


@pytest.mark.parametrize(
    "bad",
    [
        "hegg560427mvzrrl04",  # lower case
        "HEGG560427MVZRRL0",  # 17 characters
        "HEGG560427MVZRRL044",  # 19 characters
        "HBGG560427MVZRRL04",  # second letter must be a vowel or X
        "HEGG560427XVZRRL04",  # sex must be H or M
        "HEGG560427MXXRRL04",  # unknown state
        "HEGG560427MVZARL04",  # position 14 must be a consonant
        "HEGG560427MVZRRL0A",  # check digit must be a digit
        "HEGG56O427MVZRRL04",  # letter O in the date
        "HEGG5604٢7MVZRRL04",  # non-ASCII digit
    ],
)
def test_malformed_curps_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="renapo pattern"):
        validate_curp(bad)


def test_curp_birth_date_must_exist() -> None:
    first17 = "HEGG560230MVZRRL0"  # 30 February
    curp = first17 + str(curp_check_digit_second_method(first17))
    with pytest.raises(ValueError, match="real birth date"):
        validate_curp(curp)
    # 29 Feb 1900 does not exist (digit in position 17 → 1900s); 29 Feb 2000 does.
    first17 = "LOPM000229HOCPRR1"
    with pytest.raises(ValueError, match="century 1900"):
        validate_curp(first17 + str(curp_check_digit_second_method(first17)))
    assert validate_curp("LOPM000229HOCPRRB7") == "LOPM000229HOCPRRB7"


def test_curp_must_be_string() -> None:
    with pytest.raises(ValueError, match="as a string, found NoneType"):
        validate_curp(None)  # type: ignore[arg-type]


# ----------------------------------------------------------------- RFC


@pytest.mark.parametrize("rfc", ["CMC990514AB8", "ÑAB000229A12", "A&B010101XY9", "SPR121231RL3"])
def test_valid_rfc_moral(rfc: str) -> None:
    assert validate_rfc_moral(rfc) == rfc


@pytest.mark.parametrize(
    "rfc", ["XAXX010101000", "XEXX010101000", "GODE561231GR8", "MAÑO841201AB1"]
)
def test_valid_rfc_fisica(rfc: str) -> None:
    assert validate_rfc_fisica(rfc) == rfc


@pytest.mark.parametrize(
    ("rfc", "message"),
    [
        ("CMC991314AB8", "real yymmdd date"),  # month 13
        ("CMC990230AB8", "real yymmdd date"),  # 30 February
        ("CMC010229AB8", "real yymmdd date"),  # 2001 and 1901 are not leap years
        ("CMC99051AB8", "12-character rfc"),
        ("cmc990514AB8", "12-character rfc"),
        ("CMC990514AB-", "12-character rfc"),
        ("GODE561231GR8", "12-character rfc"),  # a física is not a moral
    ],
)
def test_invalid_rfc_moral(rfc: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_rfc_moral(rfc)


@pytest.mark.parametrize(
    ("rfc", "message"),
    [
        ("GODE561232GR8", "real yymmdd date"),
        ("GODE560001GR8", "real yymmdd date"),
        ("GOD3561231GR8", "13-character rfc"),
        ("CMC990514AB8", "13-character rfc"),  # a moral is not a física
        ("GODE561231GR", "13-character rfc"),
    ],
)
def test_invalid_rfc_fisica(rfc: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_rfc_fisica(rfc)


# ----------------------------------------------------------------- SINIIGA and INEGI


@pytest.mark.parametrize(
    "hive", ["MX030700012345", "MX033100000001", "MX030400000000", "MX032399999999"]
)
def test_valid_siniiga_hive_ids(hive: str) -> None:
    assert validate_siniiga_hive_id(hive) == hive


@pytest.mark.parametrize("hive", ["MX030000012345", "MX033300012345", "MX039900012345"])
def test_siniiga_unknown_state_refused(hive: str) -> None:
    with pytest.raises(ValueError, match="inegi state code 01-32"):
        validate_siniiga_hive_id(hive)


@pytest.mark.parametrize(
    "hive",
    [
        "MX010700012345",
        "mx030700012345",
        "MX03070001234",
        "MX0307000123456",
        "MÉ030700012345",
        "MX0307000123A5",
        "US030700012345",
    ],
)
def test_siniiga_malformed_refused(hive: str) -> None:
    with pytest.raises(ValueError, match="siniiga hive id of 14 characters"):
        validate_siniiga_hive_id(hive)


def test_inegi_states() -> None:
    assert list(INEGI_STATES) == [f"{i:02d}" for i in range(1, 33)]
    assert INEGI_STATES["04"] == "Campeche"
    assert INEGI_STATES["07"] == "Chiapas"
    assert INEGI_STATES["20"] == "Oaxaca"
    assert INEGI_STATES["23"] == "Quintana Roo"
    assert INEGI_STATES["27"] == "Tabasco"
    assert INEGI_STATES["31"] == "Yucatán"
    assert INEGI_STATES["09"] == "Ciudad de México"
    assert len(set(INEGI_STATES.values())) == 32
