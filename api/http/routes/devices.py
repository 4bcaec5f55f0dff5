"""An association's field devices and what the ledger refused from them (office reads).

Enrolling and revoking a device are signed statements (`device.enrolled`, `device.revoked`)
sent to `POST /api/v1/entries` like any other; these routes read, except the phone's request
to be enrolled (its public key, found by the office through the short code the phone shows),
which grants nothing. Devices come from the ledger's trust state; refusals and requests from
operational side tables (never the ledger), bounded.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.http.body import StrictJsonRoute
from api.http.deps import ServiceDep
from api.http.responses import error_responses
from api.http.schemas import PUBLIC_KEY_PATTERN
from api.services.device_requests import SHORT_CODE, find_request, request_enrolment
from api.services.devices import device_refusals, org_device, org_devices
from ledger.storage.sql.refusals import PER_KEY

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["field devices"], route_class=StrictJsonRoute)

OrgPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
KeyIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The device's key id.")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeviceMoment(_Model):
    """The entry that enrolled or revoked a device: where, when (claimed and logged), by whom."""

    seq: int
    ts: str
    log_time: str | None
    by: str = Field(description="Key id that signed the entry.")


class DeviceRevocation(DeviceMoment):
    """A revocation: `reason` is lost, stolen or retired, or text when a root revoked the
    device's key or the association key that enrolled it (`by` is then a root key)."""

    reason: str
    note: str | None


class DeviceEntries(_Model):
    """How many entries the device's key signed, in all and per entry type."""

    total: int
    by_type: dict[str, int]


class DevicePublic(_Model):
    """One field device of an association."""

    key_id: str
    label: str
    public_key: str
    org_id: str
    entry_types: list[str]
    status: Literal["active", "expired", "revoked"]
    valid_until: str | None
    offline_grace_days: int
    enrolled: DeviceMoment
    revoked: DeviceRevocation | None
    entries: DeviceEntries
    last_seq: int | None = Field(description="The last entry this device synced.")
    last_synced_at: str | None = Field(description="That entry's log_time (the log's clock).")
    refusals: int = Field(description="Refused submissions kept for this device.")


class DevicesPublic(_Model):
    """An association's devices, oldest enrolment first."""

    data: list[DevicePublic]
    count: int


class RefusalPublic(_Model):
    """A statement signed by a device and refused: what, why (code, reason, field), when."""

    key_id: str
    statement_hash: str = Field(description="SHA-256 of the statement's canonical bytes.")
    type: str
    nonce: str
    ts: str
    code: str
    reason: str
    field: str | None
    attempts: int
    first_at: str
    last_at: str
    admitted_seq: int | None = Field(
        description="Set when the same statement was admitted on a later retry."
    )


class RefusalsPublic(_Model):
    """Refused device submissions, newest first."""

    data: list[RefusalPublic]
    count: int


@router.get("/orgs/{org_id}/devices", response_model=DevicesPublic, responses=error_responses(404))
def list_devices(service: ServiceDep, org_id: OrgPath) -> DevicesPublic:
    """The field devices an association enrolled: label, key, status, entries synced."""
    found = org_devices(service, org_id)
    return DevicesPublic.model_validate({"data": found, "count": len(found)})


@router.get(
    "/orgs/{org_id}/devices/{key_id}",
    response_model=DevicePublic,
    responses=error_responses(404),
)
def get_device(service: ServiceDep, org_id: OrgPath, key_id: KeyIdPath) -> DevicePublic:
    """One field device of an association."""
    return DevicePublic.model_validate(org_device(service, org_id, key_id))


@router.get(
    "/orgs/{org_id}/device-refusals",
    response_model=RefusalsPublic,
    responses=error_responses(404),
)
def list_refusals(
    service: ServiceDep,
    org_id: OrgPath,
    key_id: Annotated[
        str | None, Query(pattern=r"^[0-9a-f]{32}$", description="Only this device's.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=PER_KEY)] = 100,
) -> RefusalsPublic:
    """Submissions validly signed by one of the association's devices and refused."""
    found = device_refusals(service, org_id, key_id, limit)
    return RefusalsPublic.model_validate({"data": found, "count": len(found)})


class DeviceRequestIn(_Model):
    """A phone asking to be enrolled: its public key and the label it proposes."""

    public_key: str = Field(
        pattern=PUBLIC_KEY_PATTERN,
        description="The phone's Ed25519 public key, unpadded base64url.",
    )
    label: str = Field(
        min_length=1,
        max_length=100,
        description="What the office will call it (1–100 characters, not only spaces).",
    )


class DeviceRequestPublic(_Model):
    """A phone's enrolment request, as the office finds it by short code."""

    key_id: str
    short_code: str = Field(description="`a1b2-c3d4-e5f6`: the key id's first 12 hex digits.")
    public_key: str
    label: str
    first_at: str
    last_at: str


@router.post(
    "/device-requests",
    response_model=DeviceRequestPublic,
    status_code=201,
    responses=error_responses(422, r422="`public_key` or `label` is not valid."),
)
def post_device_request(service: ServiceDep, body: DeviceRequestIn) -> DeviceRequestPublic:
    """A phone leaves its public key so the office can enrol it by the short code the phone
    shows. Grants nothing: enrolment is the association's signed `device.enrolled`."""
    return DeviceRequestPublic.model_validate(
        request_enrolment(service, body.public_key, body.label)
    )


@router.get(
    "/device-requests/{short_code}",
    response_model=DeviceRequestPublic,
    responses=error_responses(404, r404="No phone with that code asked to be enrolled."),
)
def get_device_request(
    service: ServiceDep,
    short_code: Annotated[str, Path(pattern=SHORT_CODE, description="`a1b2-c3d4-e5f6`.")],
) -> DeviceRequestPublic:
    """The phone that shows this short code: its public key and proposed label."""
    return DeviceRequestPublic.model_validate(find_request(service, short_code))
