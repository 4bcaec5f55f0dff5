"""GS1 identifiers in the form the EPCIS event hash compares them: constrained canonical
GS1 Digital Link URIs.

CBV 2.0 §8.9 (rules 17 and 18 of the event hash) asks that every GS1 key in an event be
written one way before hashing, whatever way the event spelled it:

* EPC URIs (``urn:epc:id:sgtin:4012345.011111.987``), EPC class URIs
  (``urn:epc:class:lgtin:…``) and EPC pattern URIs (``urn:epc:idpat:sgtin:…``) become canonical
  GS1 Digital Link URIs (``https://id.gs1.org/01/04012345111118/21/987``): the GS1 key is
  reassembled from company prefix and reference and its check digit computed (GS1 General
  Specifications §7.9.1).
* GS1 Digital Link URIs lose any custom domain (replaced by ``https://id.gs1.org``), their
  query string, short key names (``/gtin/`` → ``/01/``), the CPV qualifier (AI 22), and every
  level coarser than the finest one (a lot when a serial is present); GTINs are padded to 14
  digits. A URI that does not end up as one of the allowed key/qualifier shapes is left as it
  was (it is then just an opaque value to the hash).

Left out: decoding of percent escapes (they are kept as written, as the reference
implementation does), GS1 company prefix length tables (the EPC URI carries the split), and the
compressed Digital Link form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

__all__ = ["gs1_check_digit", "normalise_gs1_uri"]

ID_HOST = "https://id.gs1.org"

# Characters Digital Link keeps for alphanumeric key values here (the reference's set):
# " ' - . 0-9 ; < = > ? A-Z _ a-z
_VALUE = "[\"'\\-.0-9;-?A-Z_a-z]"
_EPC_CHAR = r"(?:%[0-9A-Fa-f]{2}|[!')(*+,.0-9:;=A-Za-z_-])"
_SHORT_NAMES = {
    "gtin": "01",
    "itip": "8006",
    "cpid": "8010",
    "gln": "414",
    "party": "417",
    "gsrnp": "8017",
    "gsrn": "8018",
    "gcn": "255",
    "sscc": "00",
    "gdti": "253",
    "ginc": "401",
    "gsin": "402",
    "grai": "8003",
    "giai": "8004",
    "cpv": "22",
    "lot": "10",
    "ser": "21",
}
_PRIMARY_KEYS = (
    "00", "01", "253", "255", "401", "402", "414", "417",
    "8003", "8004", "8006", "8010", "8017", "8018",
)  # fmt: skip
_ALLOWED = [
    re.compile(pattern)
    for pattern in (
        r"/00/\d{18}",
        rf"/01/\d{{14}}(?:/21/{_VALUE}{{0,20}}|/10/{_VALUE}{{0,20}}|/235/{_VALUE}{{0,28}})?",
        rf"/253/\d{{13}}{_VALUE}{{0,17}}",
        r"/255/\d{13}\d{0,12}",
        rf"/401/{_VALUE}{{0,30}}",
        r"/402/\d{17}",
        rf"/414/\d{{13}}(?:/254/{_VALUE}{{0,20}})?",
        r"/417/\d{13}",
        rf"/8003/\d{{14}}{_VALUE}{{0,16}}",
        rf"/8004/{_VALUE}{{0,30}}",
        rf"/8006/\d{{18}}(?:/21/{_VALUE}{{0,20}}|/10/{_VALUE}{{0,20}})?",
        r"/8010/[#\-/0-9A-Z]{0,30}(?:/8011/\d{0,12})?",
        r"/8017/\d{18}",
        r"/8018/\d{18}",
    )
]


def gs1_check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit of a key's data digits (any length: GTIN, GLN, SSCC…).

    Weights 3, 1, 3, … from the rightmost data digit; the digit is ``(10 − sum mod 10) mod 10``.

    Raises:
        ValueError: ``digits`` is not a non-empty string of ASCII digits.
    """
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"expected ASCII digits, found {digits!r}")
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def _encode(text: str) -> str:
    # GS1 Digital Link 1.2 table 7-1: characters that must be percent-encoded in a path value.
    for char, escaped in (("!", "%21"), ("(", "%28"), (")", "%29"), ("*", "%2A"),
                          ("+", "%2B"), (",", "%2C"), (":", "%3A")):  # fmt: skip
        text = text.replace(char, escaped)
    return text


def _gtin(company: str, item: str) -> str:
    # EPC TDS: the indicator digit leads the item reference; the GTIN is indicator + company
    # prefix + rest of the item reference + check digit.
    raw = item[:1] + company + item[1:]
    return raw + gs1_check_digit(raw)


def _keyed(company: str, ref: str) -> str:
    raw = company + ref
    return raw + gs1_check_digit(raw)


def _sscc(company: str, ref: str) -> str:
    raw = ref[:1] + company + ref[1:]
    return raw + gs1_check_digit(raw)


_CP = r"(\d{6,12})"
_EPC_RULES: list[tuple[re.Pattern[str], int, Callable[[list[str]], str]]] = [
    (re.compile(rf"urn:epc:id:sgtin:{_CP}\.(\d+)\.({_EPC_CHAR}{{1,20}})"), 13,
     lambda g: f"/01/{_gtin(g[0], g[1])}/21/{_encode(g[2])}"),
    (re.compile(rf"urn:epc:id:sscc:{_CP}\.(\d+)"), 17,
     lambda g: f"/00/{_sscc(g[0], g[1])}"),
    (re.compile(rf"urn:epc:id:sgln:{_CP}\.(\d*)\.({_EPC_CHAR}{{1,20}})"), 12,
     lambda g: f"/414/{_keyed(g[0], g[1])}" + ("" if g[2] == "0" else f"/254/{_encode(g[2])}")),
    (re.compile(rf"urn:epc:id:grai:{_CP}\.(\d*)\.({_EPC_CHAR}{{1,16}})"), 12,
     lambda g: f"/8003/{_keyed('0' + g[0], g[1])}{_encode(g[2])}"),
    (re.compile(rf"urn:epc:id:giai:{_CP}\.({_EPC_CHAR}+)"), 0,
     lambda g: f"/8004/{g[0]}{_encode(g[1])}"),
    (re.compile(rf"urn:epc:id:gsrn:{_CP}\.(\d+)"), 17, lambda g: f"/8018/{_keyed(g[0], g[1])}"),
    (re.compile(rf"urn:epc:id:gsrnp:{_CP}\.(\d+)"), 17, lambda g: f"/8017/{_keyed(g[0], g[1])}"),
    (re.compile(rf"urn:epc:id:gdti:{_CP}\.(\d*)\.({_EPC_CHAR}{{0,17}})"), 12,
     lambda g: f"/253/{_keyed(g[0], g[1])}{_encode(g[2])}"),
    (re.compile(rf"urn:epc:id:cpi:{_CP}\.((?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])+)"
                r"\.(\d{1,12})"), 0,
     lambda g: f"/8010/{_encode(g[0] + g[1])}/8011/{g[2]}"),
    (re.compile(rf"urn:epc:id:sgcn:{_CP}\.(\d*)\.(\d{{1,12}})"), 12,
     lambda g: f"/255/{_keyed(g[0], g[1])}{g[2]}"),
    (re.compile(rf"urn:epc:id:ginc:{_CP}\.({_EPC_CHAR}+)"), 0,
     lambda g: f"/401/{g[0]}{_encode(g[1])}"),
    (re.compile(rf"urn:epc:id:gsin:{_CP}\.(\d+)"), 16, lambda g: f"/402/{_keyed(g[0], g[1])}"),
    (re.compile(rf"urn:epc:id:itip:{_CP}\.(\d+)\.(\d{{2}})\.(\d{{2}})\.({_EPC_CHAR}{{1,20}})"), 13,
     lambda g: f"/8006/{_gtin(g[0], g[1])}{g[2]}{g[3]}/21/{_encode(g[4])}"),
    (re.compile(rf"urn:epc:id:upui:{_CP}\.(\d+)\.({_EPC_CHAR}{{1,28}})"), 13,
     lambda g: f"/01/{_gtin(g[0], g[1])}/235/{_encode(g[2])}"),
    (re.compile(rf"urn:epc:id:pgln:{_CP}\.(\d*)"), 12, lambda g: f"/417/{_keyed(g[0], g[1])}"),
    (re.compile(rf"urn:epc:class:lgtin:{_CP}\.(\d+)\.({_EPC_CHAR}{{1,20}})"), 13,
     lambda g: f"/01/{_gtin(g[0], g[1])}/10/{_encode(g[2])}"),
    (re.compile(rf"urn:epc:idpat:sgtin:{_CP}\.(\d+)\.\*"), 13,
     lambda g: f"/01/{_gtin(g[0], g[1])}"),
    (re.compile(rf"urn:epc:idpat:grai:{_CP}\.(\d*)\.\*"), 12,
     lambda g: f"/8003/{_keyed('0' + g[0], g[1])}"),
    (re.compile(rf"urn:epc:idpat:gdti:{_CP}\.(\d*)\.\*"), 12,
     lambda g: f"/253/{_keyed(g[0], g[1])}"),
    (re.compile(rf"urn:epc:idpat:sgcn:{_CP}\.(\d*)\.\*"), 12,
     lambda g: f"/255/{_keyed(g[0], g[1])}"),
    (re.compile(rf"urn:epc:idpat:cpi:{_CP}\.([0-9A-Z%-]+)\.\*"), 0,
     lambda g: f"/8010/{_encode(g[0] + g[1])}"),
    (re.compile(rf"urn:epc:idpat:itip:{_CP}\.(\d+)\.(\d{{2}})\.(\d{{2}})\.\*"), 13,
     lambda g: f"/8006/{_gtin(g[0], g[1])}{g[2]}{g[3]}"),
    (re.compile(rf"urn:epc:idpat:upui:{_CP}\.(\d+)\.\*"), 13,
     lambda g: f"/01/{_gtin(g[0], g[1])}"),
]  # fmt: skip
"""(pattern, digits of company prefix + reference, builder). A length of 0 means free."""


def _from_epc_uri(uri: str) -> str | None:
    for pattern, digits, build in _EPC_RULES:
        found = pattern.fullmatch(uri)
        if found is None:
            continue
        groups = list(found.groups())
        if digits and len(groups[0]) + len(groups[1]) != digits:
            return None
        return ID_HOST + build(groups)
    return None


def _from_digital_link(uri: str) -> str | None:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or "." not in uri:
        return None
    segments = parts.path.split("/")
    # The first primary key followed by a value that starts with 4 digits opens the GS1 path.
    for index, segment in enumerate(segments[:-1]):
        key = _SHORT_NAMES.get(segment, segment)
        if key in _PRIMARY_KEYS and re.match(r"\d{4}", segments[index + 1]):
            break
    else:
        return None
    rest = [_SHORT_NAMES.get(s, s) if i % 2 == 0 else s for i, s in enumerate(segments[index:])]
    if rest and rest[-1] == "":
        rest.pop()  # a trailing slash
    if len(rest) % 2:
        return None
    pairs = [(rest[i], rest[i + 1]) for i in range(0, len(rest), 2)]
    key, value = pairs[0]
    if key == "01" and len(value) in (8, 12, 13):
        value = value.zfill(14)
    qualifiers = [(ai, v) for ai, v in pairs[1:] if ai != "22"]  # the CPV never identifies
    if any(ai == "21" for ai, _v in qualifiers):
        qualifiers = [(ai, v) for ai, v in qualifiers if ai != "10"]  # finest level only
    path = f"/{key}/{value}" + "".join(f"/{ai}/{v}" for ai, v in qualifiers)
    if parts.fragment or not any(p.fullmatch(path) for p in _ALLOWED):
        return None
    return ID_HOST + path


def normalise_gs1_uri(value: str) -> str | None:
    """The constrained canonical GS1 Digital Link URI of a GS1 identifier, or ``None``.

    Args:
        value: An EPC URI, EPC class or pattern URI, or an http(s) URI with a GS1 key path.

    Returns:
        ``https://id.gs1.org/…`` for identifiers this module recognises, ``None`` for any other
        value (which the caller then keeps as it is).
    """
    if value.startswith("urn:epc:"):
        return _from_epc_uri(value)
    if value.startswith(("http://", "https://")):
        return _from_digital_link(value)
    return None
