"""Members' personal data read over HTTP, only by a signed request from an authorized key.

Personal data never reaches the ledger (``ledger.supply.producers``); the association that
registered a member keeps it in a side table (``api.services.supply``). Its office may read
its own members' data back — a name to print on a receipt, a phone to call — with a request
signed by the association's key (``ledger.read_auth``); the root key may read any. Device keys
(phones in the field) may not: a lost phone should open nothing more than what it captured.

Order of checks: the request is authenticated (``api.services.signed_reads``: authentic,
active key, header not used before), then the producer exists, then the key may read it — so
an unsigned caller learns nothing, not even whether a producer id exists.

Left out: audit logging of reads.
"""

from __future__ import annotations

from typing import Any

from api.services.ledger import LedgerService
from api.services.signed_reads import authenticate_read
from api.services.supply import committed_on_ledger, personal_data
from ledger.errors import EntryNotFoundError
from ledger.read_auth import ReadForbiddenError

__all__ = ["read_personal_data"]


def read_personal_data(
    service: LedgerService, producer_id: str, header: str | None, path: str
) -> dict[str, Any]:
    """A producer's personal data for a signed request by its association's key (or root).

    Raises:
        ReadUnauthorizedError, ReadForbiddenError: see :func:`authenticate_read`; forbidden
            also for a key that is neither root nor the producer's association.
        EntryNotFoundError: no such producer, or its personal data was never recorded or was
            erased.
    """
    key = authenticate_read(service, header, path)
    producer = service.store.state_get("producer", producer_id)
    if producer is None:
        raise EntryNotFoundError(f"no producer {producer_id!r}")
    scope = key.get("scope") or {}
    own = key["role"] == "association" and scope.get("org_id") == producer["org_id"]
    if not (own or key["role"] == "root"):
        raise ReadForbiddenError(
            f"key {key['key_id']} ({key['role']}) may not read the personal data of "
            f"{producer['org_id']}'s members"
        )
    record = personal_data(service, producer_id)
    if record is None:
        raise EntryNotFoundError(f"no personal data for producer {producer_id!r} (erased?)")
    return {
        "producer_id": producer_id,
        "org_id": producer["org_id"],
        "data": record.data,
        "committed": committed_on_ledger(producer, record),
    }
