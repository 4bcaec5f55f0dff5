"""A local stand-in for the EU Information System's DDS V3 and Verify V3 SOAP services.

The real service is not reachable from here, so the client is tested against this server,
which is strict where the real one is documented to be:

* **WS-Security** (Operator API Reference §3.5, §5.1 samples): a ``wsse:Security`` header with
  a ``wsu:Timestamp`` (Created/Expires) and a ``wsse:UsernameToken`` whose ``Password`` has the
  ``#PasswordDigest`` type and equals ``Base64(SHA-1(nonce ‖ created ‖ key))`` for the
  registered user, a base64 ``Nonce`` never seen before, and a ``Created`` within 5 minutes;
  the ``v4:WebServiceClientId`` header equal to the registered client id; a ``SOAPAction``
  naming the body's operation. Failures answer the documented "Authentication failed" fault.
* **Schema**: every DDS request body is validated against the Commission's V3 XSD
  (``tests/eudr_xsd.py``); an invalid one gets a ``BusinessRulesValidationException`` fault
  with one ``Error`` (ID, Message, Field) per schema error, as ``xsd5-error-v01.xsd`` defines.
  Every DDS answer this server builds is validated against the same XSD before it is sent.
* **Behaviour** (§4.1): ``submitDds`` answers a new UUID and the statement is ``SUBMITTED``;
  the ``processing_polls``-th ``getDds`` after it shows it ``AVAILABLE`` with a reference and a
  verification number; ``amendDds`` keeps the numbers (``AVAILABLE``); ``withdrawDds`` makes it
  ``WITHDRAWN``; ``verifyDeclaration`` answers ``EXISTING_USABLE``, ``EXISTING_NON_USABLE`` or
  ``NON_EXISTENT`` (Downstream Operator and Trader API Reference samples).

It runs in a thread on 127.0.0.1 (a free port) and keeps every request for assertions.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import uuid as uuid_module
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.eudr_xsd import dds_schema

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
DDS = "http://ec.europa.eu/tracesnt/certificate/eudr/due-diligence-statement/v3"
COMMON = "http://ec.europa.eu/tracesnt/certificate/eudr/common/v3"
VERIFY = "http://ec.europa.eu/tracesnt/certificate/eudr/verify-declaration/v3"
ERROR = "http://ec.europa.eu/sanco/tracesnt/error/v01"
BASE = "http://ec.europa.eu/sanco/tracesnt/base/v4"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordDigest"
)
DDS_OPERATIONS = {
    "SubmitDdsRequest": "submitDds",
    "AmendDdsRequest": "amendDds",
    "WithdrawDdsRequest": "withdrawDds",
    "GetDdsRequest": "getDds",
}
VERIFY_ACTION = "http://ec.europa.eu/tracesnt/certificate/eudr/verification/v3/verify-declaration"
SKEW = timedelta(minutes=5)


class RefusedError(Exception):
    """A request the service refuses; becomes a SOAP fault."""

    def __init__(self, kind: str, message: str, errors: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.kind = kind
        self.errors = errors or []


@dataclass
class Statement:
    """What the fake system knows of one DDS."""

    uuid: str
    internal_reference: str
    status: str = "SUBMITTED"
    polls: int = 0
    reference_number: str | None = None
    verification_number: str | None = None
    amendments: int = 0


@dataclass
class LocalIS:
    """The fake service's state and its registered web-service user."""

    username: str = "ws-operator"
    auth_key: str = "local-is-auth-key-0123456789"
    client_id: str = "eudr-test"
    processing_polls: int = 2
    statements: dict[str, Statement] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def endpoint(self) -> str:
        """The base URL clients are given (services hang below it)."""
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/tracesnt/ws/"

    # ----------------------------------------------------------------- checks

    def check_security(self, header: ET.Element | None) -> None:
        """The WS-Security header and client id, as documented."""
        if header is None:
            raise RefusedError("Authentication", "Authentication failed: no SOAP header")
        security = header.find(f"{{{WSSE}}}Security")
        client = header.findtext(f"{{{BASE}}}WebServiceClientId")
        if client != self.client_id:
            raise RefusedError("Authentication", "Missing or unknown WebServiceClientId")
        if security is None:
            raise RefusedError("Authentication", "Authentication failed: no wsse:Security")
        stamp = security.find(f"{{{WSU}}}Timestamp")
        token = security.find(f"{{{WSSE}}}UsernameToken")
        if stamp is None or token is None:
            raise RefusedError(
                "Authentication", "Authentication failed: timestamp or token missing"
            )
        created = token.findtext(f"{{{WSU}}}Created") or ""
        expires = stamp.findtext(f"{{{WSU}}}Expires") or ""
        if stamp.findtext(f"{{{WSU}}}Created") != created:
            raise RefusedError("Authentication", "Authentication failed: timestamps disagree")
        moment = _instant(created)
        now = datetime.now(UTC)
        if abs(now - moment) > SKEW or _instant(expires) < now:
            raise RefusedError("Authentication", "Timestamp expired")
        password = token.find(f"{{{WSSE}}}Password")
        nonce_text = token.findtext(f"{{{WSSE}}}Nonce") or ""
        if password is None or password.get("Type") != DIGEST:
            raise RefusedError(
                "Authentication", "Authentication failed: expected a password digest"
            )
        nonce = base64.b64decode(nonce_text, validate=True)
        expected = base64.b64encode(
            hashlib.sha1(nonce + created.encode() + self.auth_key.encode()).digest()
        ).decode()
        if token.findtext(f"{{{WSSE}}}Username") != self.username or password.text != expected:
            raise RefusedError("Authentication", "Authentication failed")
        with self.lock:
            if nonce_text in self.nonces:
                raise RefusedError("Authentication", "Authentication failed: nonce replayed")
            self.nonces.add(nonce_text)

    # ----------------------------------------------------------------- operations

    def answer(self, action: str, payload: ET.Element) -> ET.Element:
        """The response element for a checked request."""
        name = _local(payload.tag)
        if payload.tag.startswith(f"{{{VERIFY}}}"):
            if action != VERIFY_ACTION or name != "VerifyDeclarationRequest":
                raise RefusedError("BusinessRulesValidation", f"unexpected {name} for {action}")
            return self.verify(payload)
        operation = DDS_OPERATIONS.get(name)
        if operation is None or action != f"{DDS}/{operation}":
            raise RefusedError("BusinessRulesValidation", f"unexpected {name} for {action}")
        errors = [
            (str(e.path or ""), str(e.reason or e.message))
            for e in dds_schema().iter_errors(payload)
        ]
        if errors:
            raise RefusedError(
                "BusinessRulesValidation", "Business rules validation failed", errors
            )
        response = getattr(self, operation)(payload)
        assert list(dds_schema().iter_errors(response)) == []  # our answers are schema-valid
        return response

    def submitDds(self, payload: ET.Element) -> ET.Element:  # noqa: N802 - operation name
        reference = payload.findtext(f".//{{{DDS}}}internalReferenceNumber") or ""
        statement = Statement(str(uuid_module.uuid4()), reference)
        with self.lock:
            self.statements[statement.uuid] = statement
        response = ET.Element(f"{{{DDS}}}SubmitDdsResponse")
        ET.SubElement(response, f"{{{DDS}}}uuid").text = statement.uuid
        return response

    def _known(self, payload: ET.Element) -> Statement:
        uuid = payload.findtext(f"{{{DDS}}}uuid") or ""
        statement = self.statements.get(uuid)
        if statement is None:
            raise RefusedError("NotFound", f"No DDS with uuid {uuid}", [("uuid", "not found")])
        return statement

    def getDds(self, payload: ET.Element) -> ET.Element:  # noqa: N802 - operation name
        response = ET.Element(f"{{{DDS}}}GetDdsResponse")
        for element in payload.findall(f"{{{DDS}}}uuidList"):
            statement = self.statements.get(element.text or "")
            if statement is None:
                continue
            statement.polls += 1
            if statement.status == "SUBMITTED" and statement.polls >= self.processing_polls:
                statement.status = "AVAILABLE"
                statement.reference_number = "26DE" + secrets.token_hex(5).upper()
                statement.verification_number = secrets.token_hex(4).upper()
            item = ET.SubElement(response, f"{{{DDS}}}ddsOverviewList")
            ET.SubElement(item, f"{{{COMMON}}}uuid").text = statement.uuid
            ET.SubElement(
                item, f"{{{COMMON}}}internalReferenceNumber"
            ).text = statement.internal_reference
            if statement.reference_number:
                ET.SubElement(
                    item, f"{{{COMMON}}}referenceNumber"
                ).text = statement.reference_number
                ET.SubElement(
                    item, f"{{{COMMON}}}verificationNumber"
                ).text = statement.verification_number
            ET.SubElement(item, f"{{{COMMON}}}status").text = statement.status
            ET.SubElement(item, f"{{{COMMON}}}date").text = "2026-05-20T09:55:01.000Z"
            ET.SubElement(item, f"{{{COMMON}}}version").text = str(1 + statement.amendments)
        return response

    def _modification(self, name: str, statement: Statement) -> ET.Element:
        response = ET.Element(f"{{{DDS}}}{name}")
        ET.SubElement(response, f"{{{DDS}}}uuid").text = statement.uuid
        ET.SubElement(response, f"{{{DDS}}}status").text = statement.status
        return response

    def amendDds(self, payload: ET.Element) -> ET.Element:  # noqa: N802 - operation name
        statement = self._known(payload)
        if statement.status not in ("AVAILABLE", "SUBMITTED"):
            raise RefusedError("BusinessRulesValidation", f"DDS is {statement.status}")
        statement.amendments += 1
        statement.status = "AVAILABLE"
        return self._modification("AmendDdsResponse", statement)

    def withdrawDds(self, payload: ET.Element) -> ET.Element:  # noqa: N802 - operation name
        statement = self._known(payload)
        if statement.status == "WITHDRAWN":
            raise RefusedError("BusinessRulesValidation", "DDS is already WITHDRAWN")
        statement.status = "WITHDRAWN"
        return self._modification("WithdrawDdsResponse", statement)

    def verify(self, payload: ET.Element) -> ET.Element:
        reference = payload.findtext(f"{{{VERIFY}}}referenceNumber")
        verification = payload.findtext(f"{{{VERIFY}}}verificationNumber")
        if not reference or not verification:
            raise RefusedError("BusinessRulesValidation", "Business rules validation failed",
                          [("referenceNumber", "Reference number format is invalid")])  # fmt: skip
        response = ET.Element(f"{{{VERIFY}}}VerifyDeclarationResponse")
        found = [
            s
            for s in self.statements.values()
            if s.reference_number == reference and s.verification_number == verification
        ]
        if not found:
            ET.SubElement(response, f"{{{VERIFY}}}result").text = "NON_EXISTENT"
        else:
            usable = found[0].status == "AVAILABLE"
            result = "EXISTING_USABLE" if usable else "EXISTING_NON_USABLE"
            ET.SubElement(response, f"{{{VERIFY}}}result").text = result
            ET.SubElement(response, f"{{{VERIFY}}}status").text = found[0].status
        ET.SubElement(response, f"{{{VERIFY}}}dateTime").text = "2026-05-20T10:00:00.000Z"
        return response


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _envelope(body: ET.Element) -> bytes:
    root = ET.Element(f"{{{SOAP}}}Envelope")
    ET.SubElement(root, f"{{{SOAP}}}Body").append(body)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _fault(refusal: RefusedError) -> bytes:
    fault = ET.Element(f"{{{SOAP}}}Fault")
    ET.SubElement(fault, "faultcode").text = "soapenv:Server"
    ET.SubElement(fault, "faultstring").text = str(refusal)
    if refusal.kind != "Authentication":
        detail = ET.SubElement(fault, "detail")
        exception = ET.SubElement(detail, f"{{{DDS}}}{refusal.kind}Exception")
        for index, (where, message) in enumerate(refusal.errors, start=1):
            error = ET.SubElement(exception, f"{{{ERROR}}}Error")
            ET.SubElement(error, f"{{{ERROR}}}ID").text = str(index)
            ET.SubElement(error, f"{{{ERROR}}}Message").text = message
            ET.SubElement(error, f"{{{ERROR}}}Field").text = where
    return _envelope(fault)


def _handler(service: LocalIS) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            """Quiet: tests read ``service.requests`` instead."""

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length", "0"))
            document = self.rfile.read(length)
            action = (self.headers.get("SOAPAction") or "").strip('"')
            record: dict[str, Any] = {"path": self.path, "action": action, "body": document,
                                      "content_type": self.headers.get("Content-Type")}  # fmt: skip
            try:
                root = ET.fromstring(document)
                body = root.find(f"{{{SOAP}}}Body")
                if _local(root.tag) != "Envelope" or body is None or len(body) != 1:
                    raise RefusedError("BusinessRulesValidation", "expected one SOAP body element")
                service.check_security(root.find(f"{{{SOAP}}}Header"))
                expected_path = (
                    "/tracesnt/ws/EUDRVerifyDeclarationServiceV3"
                    if body[0].tag.startswith(f"{{{VERIFY}}}")
                    else "/tracesnt/ws/EUDRDueDiligenceStatementServiceV3"
                )
                if self.path != expected_path:
                    raise RefusedError("BusinessRulesValidation", f"no such service {self.path}")
                answer, status = _envelope(service.answer(action, body[0])), 200
                record["operation"] = _local(body[0].tag)
            except RefusedError as refusal:
                answer, status = _fault(refusal), 500
                record["fault"] = str(refusal)
            except ET.ParseError as exc:
                answer, status = _fault(RefusedError("BusinessRulesValidation", str(exc))), 500
                record["fault"] = str(exc)
            with service.lock:
                service.requests.append(record)
            self.send_response(status)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    return Handler


def start(service: LocalIS) -> LocalIS:
    """Serve ``service`` on 127.0.0.1 in a daemon thread; call ``stop`` when done."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    service.server = server
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return service


def stop(service: LocalIS) -> None:
    """Shut the server down and close its socket."""
    if service.server is not None:
        service.server.shutdown()
        service.server.server_close()
