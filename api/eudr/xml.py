"""The V3 DDS and Verify Declaration SOAP messages as XML: building requests, reading answers.

Element names, order and namespaces follow the Commission's V3 schema
(``xsd4-due-diligence-statement-v3.xsd``, ``xsd2-eudr-common-v3.xsd``, IS release 8.2.1) and
the samples of the Operator API Reference §5.1 and the Downstream Operator and Trader API
Reference; the tests validate every request this module builds against that XSD
(``tests/vectors/oracles/eudr/``). The SOAP header carries the WS-Security UsernameToken
with a password digest (OASIS Username Token Profile 1.0:
``Base64(SHA-1(nonce ‖ created ‖ password))``), a ``wsu:Timestamp`` and the
``v4:WebServiceClientId`` the service requires.

Kept apart from the transport (``api.eudr.client``) so each is small and tested alone. Pure
standard library (``xml.etree``): nothing here parses untrusted DTDs — answers with a
``<!DOCTYPE`` are refused before parsing.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import xml.etree.ElementTree as ET  # noqa: S405 - building; answers are checked below
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = [
    "COMMON",
    "DDS",
    "SOAP",
    "VERIFY",
    "WSSE",
    "WSU",
    "Overview",
    "ProducerXml",
    "RepresentedOperator",
    "SoapFaultError",
    "StatementXml",
    "VerifyResult",
    "WsCredentials",
    "amend_request",
    "envelope",
    "get_dds_request",
    "parse_body",
    "parse_modification",
    "parse_overviews",
    "parse_submit",
    "parse_verify",
    "password_digest",
    "submit_request",
    "verify_request",
    "withdraw_request",
]

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
DDS = "http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3"
COMMON = "http://ec.europa.eu/tracesnt/certificate/eudr/common/v3"
VERIFY = "http://ec.europa.eu/tracesnt/certificate/eudr/verify-declaration/v3"
BASE = "http://ec.europa.eu/sanco/tracesnt/base/v4"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_USERNAME_PROFILE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
)
DIGEST_TYPE = f"{_USERNAME_PROFILE}#PasswordDigest"
"""The ``Type`` of ``wsse:Password`` when it holds a digest (not the password)."""
BASE64_BINARY = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
TIMESTAMP_TTL = timedelta(seconds=60)
"""How long a request's timestamp is valid (the service allows 5 minutes of clock skew)."""

for _prefix, _uri in (
    ("soapenv", SOAP),
    ("dds", DDS),
    ("eudrCommon", COMMON),
    ("verify", VERIFY),
    ("v4", BASE),
    ("wsse", WSSE),
    ("wsu", WSU),
):
    ET.register_namespace(_prefix, _uri)


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _sub(parent: ET.Element, namespace: str, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, _q(namespace, name))
    if text is not None:
        element.text = text
    return element


# --------------------------------------------------------------------------- WS-Security


@dataclass(frozen=True)
class WsCredentials:
    """What the SOAP header needs: the web-service user, its authentication key, client id.

    ``repr`` hides the key so that it never reaches a log or a traceback.
    """

    username: str
    auth_key: str
    client_id: str

    def __repr__(self) -> str:
        return f"WsCredentials(username={self.username!r}, client_id={self.client_id!r})"


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """``Base64(SHA-1(nonce ‖ created ‖ password))`` (Username Token Profile 1.0 §3.1)."""
    digest = hashlib.sha1(nonce + created.encode() + password.encode()).digest()  # noqa: S324
    return base64.b64encode(digest).decode()


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def envelope(
    body: ET.Element,
    credentials: WsCredentials,
    *,
    now: datetime | None = None,
    nonce: bytes | None = None,
) -> bytes:
    """A complete SOAP 1.1 envelope: WS-Security header, client id, and ``body``.

    Args:
        body: The request element (``dds:SubmitDdsRequest`` …).
        credentials: Username, authentication key (only its digest is sent) and client id.
        now: The creation time (default: the current UTC time).
        nonce: 16 random bytes (default: fresh from :mod:`secrets`).

    Returns:
        The UTF-8 XML document.
    """
    moment = now or datetime.now(UTC)
    created = _utc_text(moment)
    nonce = nonce if nonce is not None else secrets.token_bytes(16)
    root = ET.Element(_q(SOAP, "Envelope"))
    header = _sub(root, SOAP, "Header")
    security = _sub(header, WSSE, "Security")
    stamp = _sub(security, WSU, "Timestamp")
    stamp.set(_q(WSU, "Id"), "TS-1")
    _sub(stamp, WSU, "Created", created)
    _sub(stamp, WSU, "Expires", _utc_text(moment + TIMESTAMP_TTL))
    token = _sub(security, WSSE, "UsernameToken")
    token.set(_q(WSU, "Id"), "UT-1")
    _sub(token, WSSE, "Username", credentials.username)
    password = _sub(token, WSSE, "Password", password_digest(nonce, created, credentials.auth_key))
    password.set("Type", DIGEST_TYPE)
    nonce_element = _sub(token, WSSE, "Nonce", base64.b64encode(nonce).decode())
    nonce_element.set("EncodingType", BASE64_BINARY)
    _sub(token, WSU, "Created", created)
    _sub(header, BASE, "WebServiceClientId", credentials.client_id)
    _sub(root, SOAP, "Body").append(body)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class RepresentedOperator:
    """The operator an authorised representative acts for (``representedOperator``)."""

    name: str
    eori: str
    country: str | None = None


@dataclass(frozen=True)
class ProducerXml:
    """One ``dds:producers``: country of production, optional name, GeoJSON bytes."""

    country: str
    name: str | None
    geojson: bytes


@dataclass(frozen=True)
class StatementXml:
    """Everything one ``dds:statement`` holds (one commodity: a lot is one product)."""

    internal_reference: str
    activity_type: str
    country_of_activity: str | None
    border_cross_country: str | None
    comment: str | None
    description: str
    net_weight_kg: str
    supplementary_unit: str | None
    supplementary_unit_qualifier: str | None
    hs_heading: str
    scientific_name: str | None
    common_name: str | None
    producers: Sequence[ProducerXml]
    confidential: bool
    grouped: Sequence[str]
    represented: RepresentedOperator | None = None


def _statement(parent: ET.Element, s: StatementXml) -> None:
    statement = _sub(parent, DDS, "statement")
    _sub(statement, DDS, "internalReferenceNumber", s.internal_reference)
    _sub(statement, DDS, "activityType", s.activity_type)
    if s.represented is not None:
        operator = _sub(statement, DDS, "representedOperator")
        number = _sub(operator, COMMON, "operatorReferenceNumber")
        _sub(number, COMMON, "identifierType", "eori")
        _sub(number, COMMON, "identifierValue", s.represented.eori)
        _sub(operator, COMMON, "operatorName", s.represented.name)
    if s.country_of_activity:
        _sub(statement, DDS, "countryOfActivity", s.country_of_activity)
    if s.border_cross_country:
        _sub(statement, DDS, "borderCrossCountry", s.border_cross_country)
    if s.comment:
        _sub(statement, DDS, "comment", s.comment)
    commodity = _sub(statement, DDS, "commodities")
    _sub(commodity, DDS, "position", "1")
    descriptors = _sub(commodity, DDS, "descriptors")
    _sub(descriptors, COMMON, "descriptionOfGoods", s.description)
    measure = _sub(descriptors, COMMON, "goodsMeasure")
    _sub(measure, COMMON, "netWeight", s.net_weight_kg)
    if s.supplementary_unit is not None and s.supplementary_unit_qualifier is not None:
        _sub(measure, COMMON, "supplementaryUnit", s.supplementary_unit)
        _sub(measure, COMMON, "supplementaryUnitQualifier", s.supplementary_unit_qualifier)
    _sub(commodity, DDS, "hsHeading", s.hs_heading)
    if s.scientific_name or s.common_name:
        species = _sub(commodity, DDS, "speciesInfo")
        if s.scientific_name:
            _sub(species, DDS, "scientificName", s.scientific_name)
        if s.common_name:
            _sub(species, DDS, "commonName", s.common_name)
    for position, producer in enumerate(s.producers, start=1):
        element = _sub(commodity, DDS, "producers")
        _sub(element, DDS, "position", str(position))
        _sub(element, DDS, "country", producer.country)
        if producer.name:
            _sub(element, DDS, "name", producer.name)
        _sub(element, DDS, "geometryGeojson", base64.b64encode(producer.geojson).decode())
    _sub(statement, DDS, "geoLocationConfidential", "true" if s.confidential else "false")
    for reference in s.grouped:
        grouped = _sub(statement, DDS, "groupedDeclarations")
        _sub(grouped, COMMON, "groupedDeclaration", reference)


def submit_request(statement: StatementXml) -> ET.Element:
    """``dds:SubmitDdsRequest``: operator role, then the statement."""
    root = ET.Element(_q(DDS, "SubmitDdsRequest"))
    role = "REPRESENTATIVE_OPERATOR" if statement.represented else "OPERATOR"
    _sub(root, DDS, "operatorRole", role)
    _statement(root, statement)
    return root


def amend_request(uuid: str, statement: StatementXml) -> ET.Element:
    """``dds:AmendDdsRequest``: the DDS identifier and the whole new statement."""
    root = ET.Element(_q(DDS, "AmendDdsRequest"))
    _sub(root, DDS, "uuid", uuid)
    _statement(root, statement)
    return root


def withdraw_request(uuid: str) -> ET.Element:
    """``dds:WithdrawDdsRequest``."""
    root = ET.Element(_q(DDS, "WithdrawDdsRequest"))
    _sub(root, DDS, "uuid", uuid)
    return root


def get_dds_request(uuids: Sequence[str]) -> ET.Element:
    """``dds:GetDdsRequest`` for up to 100 identifiers (the poll after a submission)."""
    root = ET.Element(_q(DDS, "GetDdsRequest"))
    for uuid in uuids:
        _sub(root, DDS, "uuidList", uuid)
    return root


def verify_request(reference: str, verification: str) -> ET.Element:
    """``verify:VerifyDeclarationRequest`` (Downstream Operator and Trader API Reference)."""
    root = ET.Element(_q(VERIFY, "VerifyDeclarationRequest"))
    _sub(root, VERIFY, "referenceNumber", reference)
    _sub(root, VERIFY, "verificationNumber", verification)
    return root


# --------------------------------------------------------------------------- answers


class SoapFaultError(Exception):
    """The service answered with a SOAP fault; ``errors`` are its (field, message) pairs."""

    def __init__(self, kind: str, message: str, errors: list[tuple[str, str]]) -> None:
        detail = "; ".join(f"{f}: {m}" if f else m for f, m in errors)
        super().__init__(f"{kind}: {message}" + (f" ({detail})" if detail else ""))
        self.kind = kind
        self.errors = errors


@dataclass(frozen=True)
class Overview:
    """One ``ddsOverviewList`` entry: the numbers and the status of a statement."""

    uuid: str
    internal_reference: str
    reference_number: str | None
    verification_number: str | None
    status: str
    rejection_reason: str | None


@dataclass(frozen=True)
class VerifyResult:
    """A ``VerifyDeclarationResponse``: EXISTING_USABLE / EXISTING_NON_USABLE / NON_EXISTENT."""

    result: str
    status: str | None
    date_time: str | None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: ET.Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def _fault(fault: ET.Element) -> SoapFaultError:
    message = _text(fault, "faultstring") or "SOAP fault"
    kind = "Fault"
    errors: list[tuple[str, str]] = []
    for detail in fault:
        if _local(detail.tag) != "detail":
            continue
        for exception in detail:
            kind = _local(exception.tag)
            for node in exception.iter():
                name = _local(node.tag).lower()
                if name == "error":
                    field = _text_ci(node, "field") or ""
                    errors.append((field, _text_ci(node, "message") or ""))
                elif name == "message" and node in list(exception):
                    errors.append(("", (node.text or "").strip()))
    return SoapFaultError(kind, message, errors)


def _text_ci(element: ET.Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag).lower() == name:
            return (child.text or "").strip()
    return None


def parse_body(document: bytes) -> ET.Element:
    """The first element of the answer's SOAP Body.

    Raises:
        SoapFaultError: the body is a fault (its detail's error fields are kept).
        ValueError: not a SOAP envelope, or the document declares a DTD.
    """
    if b"<!DOCTYPE" in document[:4096].upper():
        raise ValueError("expected a SOAP envelope, found a document type declaration")
    try:
        root = ET.fromstring(document)  # noqa: S314 - no DTD (checked above)
    except ET.ParseError as exc:
        raise ValueError(f"expected a SOAP envelope, found unreadable XML ({exc})") from exc
    body = root.find(_q(SOAP, "Body"))
    if _local(root.tag) != "Envelope" or body is None or len(body) == 0:
        raise ValueError("expected a SOAP envelope with a body, found none")
    first = body[0]
    if _local(first.tag) == "Fault":
        raise _fault(first)
    return first


def _expect(element: ET.Element, name: str) -> ET.Element:
    if _local(element.tag) != name:
        raise ValueError(f"expected {name} in the answer, found {_local(element.tag)}")
    return element


def parse_submit(document: bytes) -> str:
    """The DDS identifier (UUID) of a ``SubmitDdsResponse``."""
    uuid = _text(_expect(parse_body(document), "SubmitDdsResponse"), "uuid")
    if not uuid:
        raise ValueError("expected a uuid in SubmitDdsResponse, found none")
    return uuid


def parse_modification(document: bytes, name: str) -> tuple[str, str]:
    """``(uuid, status)`` of an ``AmendDdsResponse`` or ``WithdrawDdsResponse``."""
    element = _expect(parse_body(document), name)
    return _text(element, "uuid") or "", _text(element, "status") or ""


def parse_overviews(document: bytes) -> list[Overview]:
    """The ``ddsOverviewList`` entries of a ``GetDdsResponse``."""
    element = _expect(parse_body(document), "GetDdsResponse")
    return [
        Overview(
            uuid=_text(item, "uuid") or "",
            internal_reference=_text(item, "internalReferenceNumber") or "",
            reference_number=_text(item, "referenceNumber") or None,
            verification_number=_text(item, "verificationNumber") or None,
            status=_text(item, "status") or "",
            rejection_reason=_text(item, "rejectionReason") or None,
        )
        for item in element
        if _local(item.tag) == "ddsOverviewList"
    ]


def parse_verify(document: bytes) -> VerifyResult:
    """A ``VerifyDeclarationResponse``."""
    element = _expect(parse_body(document), "VerifyDeclarationResponse")
    return VerifyResult(
        result=_text(element, "result") or "",
        status=_text(element, "status"),
        date_time=_text(element, "dateTime"),
    )
