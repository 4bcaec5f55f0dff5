"""The label payload: one URL any phone opens, carrying claims and a detached COSE signature.

DESIGN §7, to the byte (``docs/labels.md`` has the worked example a test recomputes)::

    https://<host>/01/<GTIN-14>/10/<LOT>[/21/<SERIAL>]?k=<4 hex>&n=<seq>&d=<YYMMDD>&s=<155 digits>
    https://<host>/l/<LOT>[/21/<SERIAL>]?k=<4 hex>&n=<seq>&d=<YYMMDD>&s=<155 digits>

The second form is for lots without a GTIN. ``k`` is the first 4 hex characters of the
label-issuer key id, ``n`` the ledger seq of the ``label.issued`` entry, ``d`` the issuance
day. The signature is COSE_Sign1 (RFC 9052 §4.4) with EdDSA over a *detached* payload that
the verifier rebuilds from the URL, so the QR carries each claim once:

* protected = bstr(CBOR ``{1: -8, 4: h'<16-byte key id>'}``) — alg EdDSA, kid; rebuilt from
  the trust list, not carried;
* payload = CBOR ``{1: gtin, 2: lot, 3: seq, 4: "YYMMDD" [, 5: serial]}`` — key 1 absent
  without a GTIN; text strings except ``seq`` (an unsigned integer);
* Sig_structure = ``["Signature1", protected, h'', payload]``; Ed25519 signs its CBOR.

CBOR is deterministic (RFC 8949 §4.2.1, ``labels.cbor``). The 64-byte signature is written as
exactly 155 decimal digits (the big-endian integer, zero-padded): QR numeric mode packs digits
at 3.33 bits each, which is what brings a label to version 8 at ECC M, 10 at ECC Q.

Parsing is strict and happens before any cryptography: one spelling per claim (lowercase
host and hex, no leading zeros in ``n``, a real date, a GTIN with a correct check digit, the
query fields in this order and nothing else), so two different strings never carry the same
claims, except for the host, which is deliberately not signed (labels survive a resolver
move; verifiers flag hosts outside the trust list).

Left out: which keys, issuances and hosts are trusted (``labels.trustlist``), the verdict
(``labels.verify``) and drawing the QR (``labels.render``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from labels import cbor
from labels.errors import MalformedLabelError
from ledger.keys import KEY_ID_PATTERN, key_id
from ledger.supply.identifiers import gtin14_check_digit

__all__ = [
    "DEFAULT_HOST",
    "LABEL_TEXT_PATTERN",
    "SIGNATURE_DIGITS",
    "LabelClaims",
    "detached_payload",
    "digits_to_signature",
    "format_label",
    "label_path",
    "parse_label",
    "protected_header",
    "sig_structure",
    "sig_structure_prefix",
    "sign_label",
    "signature_digits",
    "to_be_signed",
]

DEFAULT_HOST = "qr.bt.example"
"""Resolver host used when the ledger records none: 13 characters, the longest host for
which a 20-character lot still fits version 10 at ECC Q (a reserved ``.example`` name:
deployments record their real hosts with ``label.resolvers``)."""

SIGNATURE_DIGITS = 155
"""Decimal digits of a 512-bit integer: 2**512 - 1 has 155 digits."""

ALG_EDDSA = -8  # RFC 9053 §2.2, COSE algorithm "EdDSA"
HDR_ALG = 1  # RFC 9052 §3.1, header parameter "alg"
HDR_KID = 4  # RFC 9052 §3.1, header parameter "kid"
CONTEXT = "Signature1"  # RFC 9052 §4.4, COSE_Sign1 context string

_HOST = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
_PORT = r"(?::[1-9][0-9]{0,4})?"
_CODE = r"[0-9A-Z]{1,20}"
_LABEL = re.compile(
    rf"https://(?P<host>{_HOST}{_PORT})"
    rf"/(?:01/(?P<gtin>[0-9]{{14}})/10/(?P<lot>{_CODE})|l/(?P<plain_lot>{_CODE}))"
    rf"(?:/21/(?P<serial>{_CODE}))?"
    r"\?k=(?P<k>[0-9a-f]{4})&n=(?P<n>[1-9][0-9]{0,17})&d=(?P<d>[0-9]{6})"
    rf"&s=(?P<s>[0-9]{{{SIGNATURE_DIGITS}}})"
)
_MMDD = (
    r"(?:(?:0[13578]|1[02])(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)(?:0[1-9]|[12][0-9]|30)"
    r"|02(?:0[1-9]|1[0-9]|2[0-8]))"
)
_YYMMDD = rf"(?:[0-9]{{2}}{_MMDD}|(?:[02468][048]|[13579][26])0229)"  # 2000-2099
LABEL_TEXT_PATTERN = (
    "^"
    + re.sub(r"\(\?P<\w+>", "(?:", _LABEL.pattern).replace("d=(?:[0-9]{6})", f"d={_YYMMDD}")
    + "$"
)
"""The label grammar as a portable regular expression (no named groups), for JSON Schema:
what ``parse_label`` checks before the GTIN check digit, the port range and the date."""
_MAX_SIGNATURE = 1 << 512
_MAX_TEXT = 600
"""No label is longer (a 253-character host plus every field at its maximum)."""


@dataclass(frozen=True, slots=True)
class LabelClaims:
    """What one label says, as parsed from (or formatted into) its URL.

    Attributes:
        host: the resolver host (and optional port); not signed.
        gtin: the GTIN-14, or ``None`` for the plain ``/l/<LOT>`` form.
        lot: the GS1 AI (10) lot number, ``[0-9A-Z]{1,20}``.
        key_hint: the first 4 lowercase hex characters of the issuer key id (``k``).
        seq: the ledger seq of the ``label.issued`` entry (``n``).
        day: the issuance day (``d``, written ``YYMMDD``, years 2000–2099).
        serial: the unit serial (GS1 AI 21), or ``None``.
        signature: the 64-byte Ed25519 signature (``s``).
    """

    host: str
    gtin: str | None
    lot: str
    key_hint: str
    seq: int
    day: dt.date
    serial: str | None
    signature: bytes

    @property
    def yymmdd(self) -> str:
        """The day as the ``d`` field writes it."""
        day = self.day
        return f"{day.year % 100:02d}{day.month:02d}{day.day:02d}"


def signature_digits(signature: bytes) -> str:
    """The ``s`` field: the signature as a big-endian integer in 155 zero-padded digits."""
    if len(signature) != 64:
        raise ValueError(f"expected a 64-byte signature, got {len(signature)} bytes")
    return str(int.from_bytes(signature, "big")).zfill(SIGNATURE_DIGITS)


def digits_to_signature(digits: str) -> bytes:
    """The 64-byte signature written by :func:`signature_digits`.

    Raises:
        MalformedLabelError: not 155 digits, or a number of more than 512 bits.
    """
    if len(digits) != SIGNATURE_DIGITS or not digits.isascii() or not digits.isdigit():
        raise MalformedLabelError("s", f"expected {SIGNATURE_DIGITS} decimal digits")
    number = int(digits)
    if number >= _MAX_SIGNATURE:
        raise MalformedLabelError("s", "the number is larger than 2**512 - 1")
    return number.to_bytes(64, "big")


@lru_cache(maxsize=4096)
def _gtin_ok(gtin: str) -> bool:
    # A verifier sees few GTINs many times: the check digit is computed once per GTIN.
    return int(gtin[13]) == gtin14_check_digit(gtin[:13])


def _day(text: str) -> dt.date:
    try:
        return dt.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise MalformedLabelError("d", f"{text!r} is not a real date YYMMDD") from None


def parse_label(text: str) -> LabelClaims:
    """Parse a QR text strictly into claims; nothing cryptographic happens here.

    Raises:
        MalformedLabelError: the text does not match the grammar; ``part`` names the first
            part at fault.
    """
    if len(text) > _MAX_TEXT:
        raise MalformedLabelError("text", f"longer than {_MAX_TEXT} characters")
    match = _LABEL.fullmatch(text)
    if match is None:
        _diagnose(text)
        raise MalformedLabelError("text", "does not match the label grammar")
    gtin = match["gtin"]
    if gtin is not None and not _gtin_ok(gtin):
        raise MalformedLabelError(
            "gtin", f"check digit should be {gtin14_check_digit(gtin[:13])}, found {gtin[13]}"
        )
    if len(match["host"]) > 253 + 6:
        raise MalformedLabelError("host", "longer than 253 characters")
    port = match["host"].partition(":")[2]
    if port and int(port) > 65535:
        raise MalformedLabelError("host", f"port {port} is over 65535")
    number = int(match["s"])
    if number >= _MAX_SIGNATURE:
        raise MalformedLabelError("s", "the number is larger than 2**512 - 1")
    return LabelClaims(
        host=match["host"],
        gtin=gtin,
        lot=match["lot"] or match["plain_lot"],
        key_hint=match["k"],
        seq=int(match["n"]),
        day=_day(match["d"]),
        serial=match["serial"],
        signature=number.to_bytes(64, "big"),
    )


_DIAGNOSIS: list[tuple[str, re.Pattern[str], str]] = [
    ("scheme", re.compile(r"https://"), "expected 'https://'"),
    ("host", re.compile(rf"{_HOST}{_PORT}(?=/)"), "expected a lowercase host name"),
    ("path", re.compile(r"/(?:01/|l/)"), "expected '/01/<GTIN-14>/10/<LOT>' or '/l/<LOT>'"),
]


def _diagnose(text: str) -> None:
    """Name the first part of ``text`` that breaks the grammar (slow path, errors only)."""
    position = 0
    for part, pattern, reason in _DIAGNOSIS:
        found = pattern.match(text, position)
        if found is None:
            raise MalformedLabelError(part, f"{reason}, found {text[position : position + 24]!r}")
        position = found.end()
    path, _sep, query = text[position - 3 :].partition("?")
    segments = path.strip("/").split("/")
    if segments[0] == "01":
        if len(segments) < 2 or not re.fullmatch(r"[0-9]{14}", segments[1]):
            raise MalformedLabelError("gtin", "expected 14 digits")
        if len(segments) < 4 or segments[2] != "10":
            raise MalformedLabelError("path", "expected '/10/<LOT>' after the GTIN")
        rest = segments[3:]
    else:
        rest = segments[1:]
    if not rest or not re.fullmatch(_CODE, rest[0]):
        raise MalformedLabelError("lot", "expected 1–20 characters of 0-9 and A-Z")
    if len(rest) > 1:
        if rest[1] != "21" or len(rest) != 3:
            raise MalformedLabelError("path", "expected only '/21/<SERIAL>' after the lot")
        if not re.fullmatch(_CODE, rest[2]):
            raise MalformedLabelError("serial", "expected 1–20 characters of 0-9 and A-Z")
    if not _sep:
        raise MalformedLabelError("query", "expected '?k=…&n=…&d=…&s=…'")
    fields = query.split("&")
    names = [f.partition("=")[0] for f in fields]
    if names != ["k", "n", "d", "s"]:
        raise MalformedLabelError("query", f"expected fields k, n, d, s in order, found {names}")
    values = dict(f.partition("=")[::2] for f in fields)
    checks = [
        ("k", r"[0-9a-f]{4}", "expected 4 lowercase hex characters"),
        ("n", r"[1-9][0-9]{0,17}", "expected a seq in decimal without leading zeros"),
        ("d", r"[0-9]{6}", "expected a date YYMMDD"),
        ("s", rf"[0-9]{{{SIGNATURE_DIGITS}}}", f"expected {SIGNATURE_DIGITS} decimal digits"),
    ]
    for name, field_pattern, reason in checks:
        if not re.fullmatch(field_pattern, values[name]):
            raise MalformedLabelError(name, reason)


def label_path(claims: LabelClaims) -> str:
    """The path part: ``/01/<GTIN>/10/<LOT>[/21/<SERIAL>]`` or ``/l/<LOT>[/21/<SERIAL>]``."""
    base = f"/01/{claims.gtin}/10/{claims.lot}" if claims.gtin else f"/l/{claims.lot}"
    return base if claims.serial is None else f"{base}/21/{claims.serial}"


def format_label(claims: LabelClaims) -> str:
    """The QR text of a label; ``parse_label(format_label(c)) == c`` for valid claims."""
    return (
        f"https://{claims.host}{label_path(claims)}?k={claims.key_hint}&n={claims.seq}"
        f"&d={claims.yymmdd}&s={signature_digits(claims.signature)}"
    )


@lru_cache(maxsize=1024)
def protected_header(kid: str) -> bytes:
    """The protected header's bytes: CBOR ``{1: -8, 4: h'<16-byte key id>'}``.

    Raises:
        ValueError: ``kid`` is not a 32-hex key id.
    """
    if not KEY_ID_PATTERN.fullmatch(kid):
        raise ValueError(f"expected a 32-hex key id, got {kid!r}")
    return cbor.encode({HDR_ALG: ALG_EDDSA, HDR_KID: bytes.fromhex(kid)})


def detached_payload(claims: LabelClaims) -> bytes:
    """The detached payload: CBOR ``{1: gtin, 2: lot, 3: seq, 4: "YYMMDD" [, 5: serial]}``.

    Written out field by field (keys 1–5 are one byte each, so ascending order is the
    deterministic order): this runs once per verified label, and the general encoder costs
    as much as a tenth of an Ed25519 verification. ``tests/unit/labels`` checks it equals
    ``cbor.encode`` of the same map.
    """
    gtin, serial = claims.gtin, claims.serial
    parts = [
        _MAP_HEADS[3 + (gtin is not None) + (serial is not None)],
        b"" if gtin is None else _GTIN_KEY + gtin.encode("ascii"),
        b"\x02" + cbor.text_head(len(claims.lot)) + claims.lot.encode("ascii"),
        b"\x03" + cbor.encode(claims.seq),
        _DAY_KEY + claims.yymmdd.encode("ascii"),
    ]
    if serial is not None:
        parts.append(b"\x05" + cbor.text_head(len(serial)) + serial.encode("ascii"))
    return b"".join(parts)


_MAP_HEADS = {n: bytes([0xA0 | n]) for n in (3, 4, 5)}
_GTIN_KEY = b"\x01\x6e"  # key 1, a 14-byte text string
_DAY_KEY = b"\x04\x66"  # key 4, a 6-byte text string


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """CBOR ``["Signature1", protected, h'', payload]`` (RFC 9052 §4.4): what is signed."""
    return cbor.encode([CONTEXT, protected, b"", payload])


@lru_cache(maxsize=1024)
def sig_structure_prefix(kid: str) -> bytes:
    """Everything of the Sig_structure before the payload's byte string, for key ``kid``."""
    return sig_structure(protected_header(kid), b"")[:-1]


def to_be_signed(claims: LabelClaims, kid: str) -> bytes:
    """The exact bytes Ed25519 signs for these claims under key ``kid``."""
    payload = detached_payload(claims)
    return sig_structure_prefix(kid) + cbor.bytes_head(len(payload)) + payload


def sign_label(
    private_key: Ed25519PrivateKey,
    *,
    host: str,
    gtin: str | None,
    lot: str,
    seq: int,
    day: dt.date,
    serial: str | None = None,
) -> LabelClaims:
    """Sign a label (Ed25519 is deterministic: the same inputs give the same label).

    Raises:
        MalformedLabelError: the claims would not parse back (bad host, lot, GTIN…).
    """
    kid = key_id(private_key)
    unsigned = LabelClaims(host, gtin, lot, kid[:4], seq, day, serial, bytes(64))
    signature = private_key.sign(to_be_signed(unsigned, kid))
    claims = LabelClaims(host, gtin, lot, kid[:4], seq, day, serial, signature)
    if parse_label(format_label(claims)) != claims:
        raise MalformedLabelError("text", "claims do not survive a parse round trip")
    return claims
