"""Supply chain: organizations, producers, plots, apiaries, lots and their lineage.

Reads only, except producer registration with personal data: every other write is a signed
statement sent to `POST /api/v1/entries`. Quantities are exact grams (`quantity_g`) with
kilograms alongside (`quantity_kg`). Personal data is never served here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response

from api.http.body import JsonBody
from api.http.deps import ServiceDep
from api.http.device_refusals import noting_refusal
from api.http.responses import error_responses, json_body
from api.http.schemas import EntryPublic, producer_request_schema
from api.services.personal_reads import read_personal_data
from api.services.supply import document, documents, lineage, register_producer
from ledger.errors import SchemaError
from ledger.statements import SignedStatement

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["supply chain"])

IdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
Filter = Annotated[str | None, Query(max_length=64)]


@router.get("/orgs")
def list_orgs(service: ServiceDep, kind: Filter = None, state: Filter = None) -> dict[str, Any]:
    """Registered organizations (associations, processors, exporters…), optionally filtered."""
    found = documents(service, "org", kind=kind, state=state)
    return {"data": found, "count": len(found)}


@router.get("/orgs/{org_id}", responses=error_responses(404))
def get_org(service: ServiceDep, org_id: IdPath) -> dict[str, Any]:
    """One organization."""
    return document(service, "org", org_id)


@router.get("/producers")
def list_producers(service: ServiceDep, org_id: Filter = None) -> dict[str, Any]:
    """Producers, pseudonymous (id, association, community, member since, the hash of their
    personal data), optionally of one association: the field app's member picker. Never a
    gender, year of birth or Indigenous language, not even from entries recorded before those
    moved off the ledger: they are read only from the consented personal-data record."""
    found = documents(service, "producer", org_id=org_id)
    return {"data": found, "count": len(found)}


@router.get("/producers/{producer_id}", responses=error_responses(404))
def get_producer(service: ServiceDep, producer_id: IdPath) -> dict[str, Any]:
    """One producer, pseudonymous: id, association, community, the hash of its personal data."""
    return document(service, "producer", producer_id)


@router.get(
    "/producers/{producer_id}/personal-data",
    responses=error_responses(
        401,
        403,
        404,
        r401="No valid signed read for this method and path (`WWW-Authenticate: Biotraza-Read`).",
        r403="The signing key may not read this member's data.",
    ),
)
def get_personal_data(
    service: ServiceDep,
    request: Request,
    response: Response,
    producer_id: IdPath,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """A member's personal data (never on the ledger), for a request signed with the key of
    the member's association (or root): `Authorization: Biotraza-Read <request>.<signature>`
    over this method and path (docs/security.md). `committed` says whether the ledger's
    `pii_hash` still commits to exactly this record. Never cached."""
    response.headers["Cache-Control"] = "no-store"
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return read_personal_data(service, producer_id, authorization, path)


@router.post(
    "/producers",
    response_model=EntryPublic,
    status_code=201,
    responses={
        200: {"description": "Idempotent replay: this producer entry is already recorded."},
        **error_responses(
            400,
            403,
            409,
            422,
            r409="`pii_hash` is not the hash of this data, a nonce reused, or a rule refused it.",
        ),
    },
    openapi_extra=json_body(producer_request_schema()),
)
def post_producer(payload: JsonBody, response: Response, service: ServiceDep) -> EntryPublic:
    """Register a producer and keep its personal data outside the ledger.

    Body: `{"entry": {signed producer.registered}, "personal_data": {"name", "curp"?, "phone"?,
    "email"?, "consent_to_publish_name"?}, "salt": "<64 hex>"}`. The entry's `pii_hash` must
    be `SHA-256(salt ‖ JCS(personal_data))`. Retrying is safe (200 with the same entry).
    The registration runs in the threadpool (a plain ``def``).
    """
    if not isinstance(payload, dict) or set(payload) != {"entry", "personal_data", "salt"}:
        raise SchemaError(
            "expected an object with entry, personal_data and salt",
            [("body", "expected keys entry, personal_data, salt")],
        )
    if not isinstance(payload["personal_data"], dict) or not isinstance(payload["salt"], str):
        raise SchemaError("bad personal_data or salt", [("personal_data", "expected an object")])
    signed = SignedStatement.from_dict(payload["entry"])
    with noting_refusal(service, signed):
        result = register_producer(service, signed, payload["personal_data"], payload["salt"])
    if not result.created:
        response.status_code = 200
    return EntryPublic.from_entry(result.entry)


@router.get("/plots")
def list_plots(
    service: ServiceDep,
    org_id: Filter = None,
    product: Filter = None,
    producer_id: Filter = None,
) -> dict[str, Any]:
    """Plots with their geometry, optionally filtered by organization, product or producer."""
    found = documents(service, "plot", org_id=org_id, product=product, producer_id=producer_id)
    return {"data": found, "count": len(found)}


@router.get("/plots/{plot_id}", responses=error_responses(404))
def get_plot(service: ServiceDep, plot_id: IdPath) -> dict[str, Any]:
    """One plot: producer, product, area (declared), GeoJSON geometry (WGS84)."""
    return document(service, "plot", plot_id)


@router.get("/apiaries")
def list_apiaries(
    service: ServiceDep, org_id: Filter = None, producer_id: Filter = None
) -> dict[str, Any]:
    """Apiaries with their location and hive count, optionally of one association or one
    producer: the field app's delivery-origin picker."""
    found = documents(service, "apiary", org_id=org_id, producer_id=producer_id)
    return {"data": found, "count": len(found)}


@router.get("/apiaries/{apiary_id}", responses=error_responses(404))
def get_apiary(service: ServiceDep, apiary_id: IdPath) -> dict[str, Any]:
    """One apiary: producer, location, hive count."""
    return document(service, "apiary", apiary_id)


@router.get("/lots")
def list_lots(
    service: ServiceDep,
    org_id: Filter = None,
    custodian: Filter = None,
    product: Filter = None,
    form: Filter = None,
    status: Filter = None,
) -> dict[str, Any]:
    """Lots, optionally filtered by owner, custodian, product, form or status."""
    found = documents(
        service,
        "lot",
        org_id=org_id,
        custodian=custodian,
        product=product,
        form=form,
        status=status,
    )
    return {"data": found, "count": len(found)}


@router.get("/lots/{lot_id}", responses=error_responses(404))
def get_lot(service: ServiceDep, lot_id: IdPath) -> dict[str, Any]:
    """One lot: product, form, quantity and what remains, custodian, harvest window."""
    return document(service, "lot", lot_id)


@router.get("/lots/{lot_id}/lineage", responses=error_responses(404))
def get_lineage(
    service: ServiceDep,
    lot_id: IdPath,
    direction: Annotated[Literal["upstream", "downstream"], Query()] = "upstream",
) -> dict[str, Any]:
    """The lot's upstream graph (down to plots, apiaries and producers) or downstream graph."""
    return lineage(service, lot_id, direction)


@router.get("/transformations/{transformation_id}", responses=error_responses(404))
def get_transformation(service: ServiceDep, transformation_id: IdPath) -> dict[str, Any]:
    """One transformation: kind, inputs and outputs in grams, the yield bound applied."""
    return document(service, "transformation", transformation_id)


@router.get("/shipments/{shipment_id}", responses=error_responses(404))
def get_shipment(service: ServiceDep, shipment_id: IdPath) -> dict[str, Any]:
    """One shipment: from, to, lots, status."""
    return document(service, "shipment", shipment_id)
