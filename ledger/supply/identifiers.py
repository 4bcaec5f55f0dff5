"""Identifier validation: GS1 GTIN and lot numbers, CURP, RFC, SINIIGA hive ids, INEGI states.

Formats come from ``docs/domain-facts.md`` §6 and the GS1 General Specifications:

* **GTIN** (GTIN-8/12/13/14): digits with the GS1 mod-10 check digit (weights 3, 1, 3, …
  from the rightmost data digit); returned as the 14-digit form used in AI (01) and GS1
  Digital Link URIs.
* **Lot/batch number**, GS1 AI (10): 1–20 characters of GS1 AI encodable character set 82.
  Biotraza labels use the stricter ``[0-9A-Z]{1,20}`` (DESIGN §7) so the lot is URL-safe and
  fits QR alphanumeric mode.
* **CURP** (18 characters): the RENAPO pattern plus the check digit (18th character), and a
  real birth date: the 17th character is a digit for births up to 1999 and a letter from 2000.
* **RFC**: persona moral (12 characters) and persona física (13), pattern plus a real
  ``YYMMDD`` date (in either century); the generic RFCs ``XAXX010101000`` and
  ``XEXX010101000`` pass.
* **SINIIGA hive id** (14 characters): ``MX`` + ``03`` (species: hive) + 2-digit INEGI state
  code + 8-digit serial.
* :data:`INEGI_STATES`: INEGI "clave de entidad federativa" → official state name.

Validators return the value unchanged when it is valid: no trimming and no case folding
(callers normalize user input first, so the ledger holds one canonical spelling).

Left out on purpose: the RFC homoclave check digit (mod 11), SAT/RENAPO registry look-ups,
the CURP "inconvenient words" list, INE voter keys, SINIIGA cattle ear tags, ICO marks and GS1
serials (AI 21). Errors are :class:`ValueError` with a lowercase "expected …, found …" message.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = [
    "CURP_ALPHABET",
    "GS1_CSET82",
    "INEGI_STATES",
    "gtin14_check_digit",
    "is_label_safe_lot",
    "validate_curp",
    "validate_gtin",
    "validate_lot_number",
    "validate_rfc_fisica",
    "validate_rfc_moral",
    "validate_siniiga_hive_id",
]

INEGI_STATES: dict[str, str] = {
    "01": "Aguascalientes",
    "02": "Baja California",
    "03": "Baja California Sur",
    "04": "Campeche",
    "05": "Coahuila de Zaragoza",
    "06": "Colima",
    "07": "Chiapas",
    "08": "Chihuahua",
    "09": "Ciudad de México",
    "10": "Durango",
    "11": "Guanajuato",
    "12": "Guerrero",
    "13": "Hidalgo",
    "14": "Jalisco",
    "15": "México",
    "16": "Michoacán de Ocampo",
    "17": "Morelos",
    "18": "Nayarit",
    "19": "Nuevo León",
    "20": "Oaxaca",
    "21": "Puebla",
    "22": "Querétaro",
    "23": "Quintana Roo",
    "24": "San Luis Potosí",
    "25": "Sinaloa",
    "26": "Sonora",
    "27": "Tabasco",
    "28": "Tamaulipas",
    "29": "Tlaxcala",
    "30": "Veracruz de Ignacio de la Llave",
    "31": "Yucatán",
    "32": "Zacatecas",
}
"""INEGI state code (Marco Geoestadístico ``CVE_ENT``) → official state name (``NOM_ENT``)."""

GS1_CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
"""GS1 AI encodable character set 82: ``!"%&'()*+,-./0-9:;<=>?A-Z_a-z``."""

CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
"""RENAPO dictionary for the CURP check digit: a character's value is its index here."""

_GTIN_LENGTHS = (8, 12, 13, 14)
_DIGITS = re.compile(r"[0-9]+")
_LABEL_LOT = re.compile(r"[0-9A-Z]{1,20}")
_CURP = re.compile(
    r"[A-Z][AEIOUX][A-Z]{2}[0-9]{6}[HM]"
    r"(AS|BC|BS|CC|CL|CM|CS|CH|DF|DG|GT|GR|HG|JC|MC|MN|MS|NT|NL|OC|PL|QT|QR|SP|SL|SR|TC|TS|TL|VZ"
    r"|YN|ZS|NE)"
    r"[B-DF-HJ-NP-TV-Z]{3}[A-Z0-9][0-9]"
)
_RFC_MORAL = re.compile(r"[A-ZÑ&]{3}[0-9]{6}[A-Z0-9]{3}")
_RFC_FISICA = re.compile(r"[A-ZÑ&]{4}[0-9]{6}[A-Z0-9]{3}")
_SINIIGA_HIVE = re.compile(r"MX03([0-9]{2})[0-9]{8}")


def _require_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected {what} as a string, found {type(value).__name__}")
    return value


def gtin14_check_digit(first13: str) -> int:
    """GS1 mod-10 check digit for the 13 data digits of a GTIN-14.

    Shorter GTINs are zero-padded on the left to 13 data digits first (leading zeros do not
    change the digit). Weights alternate 3, 1, 3, … starting from the rightmost data digit;
    the check digit is ``(10 − sum mod 10) mod 10``.

    Args:
        first13: Exactly 13 ASCII digits.

    Returns:
        The check digit, 0–9.

    Raises:
        ValueError: If ``first13`` is not a string of exactly 13 ASCII digits.
    """
    text = _require_str(first13, "the gtin data digits")
    if len(text) != 13 or not _DIGITS.fullmatch(text):
        raise ValueError(f"expected 13 digits, found {text!r}")
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(text)))
    return (10 - total % 10) % 10


def validate_gtin(value: str) -> str:
    """Validate a GTIN-8, -12, -13 or -14 and return its 14-digit form.

    Args:
        value: The GTIN as ASCII digits, check digit included.

    Returns:
        The GTIN-14: ``value`` zero-padded on the left to 14 digits.

    Raises:
        ValueError: If ``value`` is not 8, 12, 13 or 14 ASCII digits, or its check digit is
            wrong (the message names the expected digit).
    """
    text = _require_str(value, "a gtin")
    if not _DIGITS.fullmatch(text) or len(text) not in _GTIN_LENGTHS:
        raise ValueError(f"expected a gtin of 8, 12, 13 or 14 digits, found {text!r}")
    gtin14 = text.zfill(14)
    expected = gtin14_check_digit(gtin14[:13])
    if int(gtin14[13]) != expected:
        raise ValueError(f"expected gtin check digit {expected}, found {gtin14[13]} in {text!r}")
    return gtin14


def validate_lot_number(value: str) -> str:
    """Validate a GS1 AI (10) batch/lot number.

    Args:
        value: The lot number.

    Returns:
        ``value`` unchanged.

    Raises:
        ValueError: If ``value`` is not 1–20 characters from GS1 AI encodable character set
            82 (``!"%&'()*+,-./0-9:;<=>?A-Z_a-z``; no space, ``#``, ``$``, ``@`` or non-ASCII).
    """
    text = _require_str(value, "a lot number")
    if not 1 <= len(text) <= 20:
        raise ValueError(f"expected a lot number of 1 to 20 characters, found {len(text)}")
    bad = sorted({c for c in text if c not in GS1_CSET82})
    if bad:
        raise ValueError(
            f"expected lot number characters from gs1 character set 82, found {''.join(bad)!r}"
        )
    return text


def is_label_safe_lot(value: str) -> bool:
    """Whether a lot number may go on a Biotraza label: ``[0-9A-Z]{1,20}`` (DESIGN §7).

    Such lots are also valid AI (10) values, URL-safe without escaping, and QR alphanumeric.

    Args:
        value: The lot number.

    Returns:
        True if ``value`` is 1–20 characters of ASCII digits and upper-case letters.
    """
    return isinstance(value, str) and _LABEL_LOT.fullmatch(value) is not None


def _curp_check_digit(first17: str) -> int:
    total = sum(CURP_ALPHABET.index(c) * (18 - i) for i, c in enumerate(first17))
    return (10 - total % 10) % 10


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def validate_curp(value: str) -> str:
    """Validate a CURP (Clave Única de Registro de Población).

    Checks the RENAPO pattern (facts.md §6), a real birth date (century from the 17th
    character: digit → 1900–1999, letter → 2000 onwards) and the check digit: each of the
    first 17 characters takes its index in :data:`CURP_ALPHABET`, weighted 18 down to 2;
    the digit is ``(10 − sum mod 10) mod 10``.

    Args:
        value: The 18-character CURP, upper case.

    Returns:
        ``value`` unchanged.

    Raises:
        ValueError: If the pattern, the birth date or the check digit (the message names the
            expected digit) is wrong.
    """
    text = _require_str(value, "a curp")
    if not _CURP.fullmatch(text):
        raise ValueError(
            f"expected a curp of 18 characters matching the renapo pattern, found {text!r}"
        )
    century = 1900 if text[16].isdigit() else 2000
    yy, mm, dd = int(text[4:6]), int(text[6:8]), int(text[8:10])
    if _date(century + yy, mm, dd) is None:
        raise ValueError(
            f"expected a real birth date in the curp, found {text[4:10]!r} "
            f"(century {century} from character 17)"
        )
    expected = _curp_check_digit(text[:17])
    if int(text[17]) != expected:
        raise ValueError(f"expected curp check digit {expected}, found {text[17]} in {text!r}")
    return text


def _check_rfc_date(text: str, digits: str) -> None:
    yy, mm, dd = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    if _date(1900 + yy, mm, dd) is None and _date(2000 + yy, mm, dd) is None:
        raise ValueError(f"expected a real yymmdd date in the rfc, found {digits!r} in {text!r}")


def validate_rfc_moral(value: str) -> str:
    """Validate the RFC of a legal entity (persona moral): 12 characters.

    Args:
        value: The RFC, upper case: 3 letters (``A-Z``, ``Ñ``, ``&``), ``YYMMDD``, 3-character
            homoclave.

    Returns:
        ``value`` unchanged.

    Raises:
        ValueError: If the pattern does not match or ``YYMMDD`` is not a real date.
    """
    text = _require_str(value, "an rfc")
    if not _RFC_MORAL.fullmatch(text):
        raise ValueError(f"expected a 12-character rfc of a persona moral, found {text!r}")
    _check_rfc_date(text, text[3:9])
    return text


def validate_rfc_fisica(value: str) -> str:
    """Validate the RFC of a natural person (persona física): 13 characters.

    Args:
        value: The RFC, upper case: 4 letters (``A-Z``, ``Ñ``, ``&``), ``YYMMDD``, 3-character
            homoclave.

    Returns:
        ``value`` unchanged.

    Raises:
        ValueError: If the pattern does not match or ``YYMMDD`` is not a real date.
    """
    text = _require_str(value, "an rfc")
    if not _RFC_FISICA.fullmatch(text):
        raise ValueError(f"expected a 13-character rfc of a persona física, found {text!r}")
    _check_rfc_date(text, text[4:10])
    return text


def validate_siniiga_hive_id(value: str) -> str:
    """Validate a SINIIGA hive identifier: ``MX`` + ``03`` + INEGI state + 8-digit serial.

    Args:
        value: The 14-character id, e.g. ``"MX030700012345"`` (a hive registered in Chiapas).

    Returns:
        ``value`` unchanged.

    Raises:
        ValueError: If the pattern does not match or the state code is not one of the 32
            INEGI codes ``01``–``32``.
    """
    text = _require_str(value, "a siniiga hive id")
    match = _SINIIGA_HIVE.fullmatch(text)
    if match is None:
        raise ValueError(
            "expected a siniiga hive id of 14 characters 'MX' + '03' + 2-digit state + "
            f"8-digit serial, found {text!r}"
        )
    if match.group(1) not in INEGI_STATES:
        raise ValueError(f"expected an inegi state code 01-32, found {match.group(1)!r}")
    return text
