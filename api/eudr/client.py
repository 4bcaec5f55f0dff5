"""A small SOAP client for the EU Information System's DDS V3 and Verify Declaration V3 services.

One method per documented operation (Operator API Reference §4.1, Downstream Operator and
Trader API Reference): ``submit``, ``get`` (the poll for reference and verification numbers),
``amend`` and ``withdraw`` (within 72 hours of submission, checked by the caller that knows
when it submitted), and ``verify``. Each call builds its body with ``api.eudr.xml``, wraps it
in a fresh WS-Security envelope (new nonce and timestamp every time), POSTs it with the
operation's ``SOAPAction`` and reads the answer; a SOAP fault becomes
:class:`~api.eudr.xml.SoapFaultError` with the service's field/message pairs, anything else
unexpected :class:`EudrServiceError`. Credentials never appear in an error message.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET  # noqa: S405 - our own request elements
from collections.abc import Callable, Sequence
from typing import TypeVar

import httpx

from api.eudr.credentials import EudrCredentials
from api.eudr.xml import (
    DDS,
    Overview,
    SoapFaultError,
    StatementXml,
    VerifyResult,
    amend_request,
    envelope,
    get_dds_request,
    parse_modification,
    parse_overviews,
    parse_submit,
    parse_verify,
    submit_request,
    verify_request,
    withdraw_request,
)

_T = TypeVar("_T")

__all__ = ["DDS_SERVICE", "VERIFY_SERVICE", "EudrClient", "EudrServiceError"]

DDS_SERVICE = "EUDRDueDiligenceStatementServiceV3"
VERIFY_SERVICE = "EUDRVerifyDeclarationServiceV3"
_VERIFY_ACTION = "http://ec.europa.eu/tracesnt/certificate/eudr/verification/v3/verify-declaration"
FINAL_STATUSES = frozenset({"AVAILABLE", "REJECTED", "WITHDRAWN", "ARCHIVED", "OBSOLETE"})
"""Statuses after which polling stops (the statement left ``SUBMITTED``)."""


class EudrServiceError(Exception):
    """The service could not be reached or answered something that is not the documented shape."""


class EudrClient:
    """Calls the EU services at ``credentials.endpoint`` (acceptance by default)."""

    def __init__(
        self,
        credentials: EudrCredentials,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._credentials = credentials
        self._http = httpx.Client(timeout=timeout, transport=transport)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> EudrClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _call(self, service: str, action: str, body: ET.Element) -> bytes:
        document = envelope(body, self._credentials.ws())
        url = self._credentials.endpoint + service
        try:
            response = self._http.post(
                url,
                content=document,
                headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'},
            )
        except httpx.HTTPError as exc:
            raise EudrServiceError(f"{url}: {type(exc).__name__}: {exc}") from None
        if response.status_code not in (200, 500) or b"Envelope" not in response.content[:2048]:
            raise EudrServiceError(
                f"{url}: HTTP {response.status_code}, expected a SOAP answer "
                f"({response.content[:200]!r})"
            )
        return response.content

    def _dds(self, operation: str, body: ET.Element) -> bytes:
        return self._call(DDS_SERVICE, f"{DDS}/{operation}", body)

    def submit(self, statement: StatementXml) -> str:
        """``submitDds``; the DDS identifier (UUID) the system assigned."""
        return _checked(parse_submit, self._dds("submitDds", submit_request(statement)))

    def get(self, uuids: Sequence[str]) -> list[Overview]:
        """``getDds``: status and, once processed, reference and verification numbers."""
        return _checked(parse_overviews, self._dds("getDds", get_dds_request(uuids)))

    def poll(
        self,
        uuid: str,
        *,
        attempts: int = 10,
        interval: float = 3.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Overview:
        """``getDds`` until the statement has left ``SUBMITTED`` (or ``attempts`` run out).

        Returns:
            The last overview seen (still ``SUBMITTED`` if the system has not finished).
        """
        last: Overview | None = None
        for attempt in range(attempts):
            found = [o for o in self.get([uuid]) if o.uuid == uuid]
            if found:
                last = found[0]
                if last.status in FINAL_STATUSES or last.reference_number:
                    return last
            if attempt + 1 < attempts:
                sleep(interval)
        if last is None:
            raise EudrServiceError(f"getDds: the system does not know statement {uuid}")
        return last

    def amend(self, uuid: str, statement: StatementXml) -> str:
        """``amendDds``; the resulting status."""
        answer = self._dds("amendDds", amend_request(uuid, statement))
        return _checked(lambda d: parse_modification(d, "AmendDdsResponse")[1], answer)

    def withdraw(self, uuid: str) -> str:
        """``withdrawDds``; the resulting status (``WITHDRAWN``)."""
        answer = self._dds("withdrawDds", withdraw_request(uuid))
        return _checked(lambda d: parse_modification(d, "WithdrawDdsResponse")[1], answer)

    def verify(self, reference: str, verification: str) -> VerifyResult:
        """``verifyDeclaration`` (downstream operators and traders)."""
        answer = self._call(VERIFY_SERVICE, _VERIFY_ACTION, verify_request(reference, verification))
        return _checked(parse_verify, answer)


def _checked(parse: Callable[[bytes], _T], document: bytes) -> _T:
    try:
        return parse(document)
    except SoapFaultError:
        raise
    except ValueError as exc:
        raise EudrServiceError(str(exc)) from None
