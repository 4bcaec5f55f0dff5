"""Builders for supply-chain tests: a bootstrapped ledger with a registrar and organizations.

:class:`SupplyWorld` appends genesis, grants a registrar key (signed by the root) and lets
the registrar register each organization with its own deterministic key. Its methods build a
valid default body, sign it with the right key and append it, returning the entry. The
``*_body`` functions build the same bodies without appending, so tests can break one field
and submit the result through :meth:`SupplyWorld.submit`.

Defaults are real: plots sit in the Sierra Madre de Chiapas (around lon -92.6, lat 15.6) and
polygon plots declare the area :func:`ledger.supply.geo.geodesic_area_ha` computes for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.chain import append
from ledger.entries import Entry
from ledger.keys import encode_public_key
from ledger.registry import Registry
from ledger.statements import SignedStatement, parse_ts, sign_statement
from ledger.storage.base import LedgerStore
from ledger.supply.geo import geodesic_area_ha
from ledger.supply.identifiers import gtin14_check_digit
from tests.factories import TS, make_genesis, make_key, make_key_added

__all__ = [
    "FIELD_YIELD_KG",
    "HARVEST_DATE",
    "SIERRA_AREA_HA",
    "SIERRA_POINT",
    "SIERRA_POLYGON",
    "SIERRA_RING",
    "Qty",
    "SupplyWorld",
    "apiary_body",
    "harvest_body",
    "max_site_kg",
    "org_body",
    "org_key",
    "plot_body",
    "point",
    "polygon_at",
    "producer_body",
    "receive_body",
    "ship_body",
    "transform_body",
    "valid_gtin",
]

Qty = int | float
"""A quantity in kg as it goes into a body (JSON number)."""

HARVEST_DATE = "2026-01-15"

# A five-sided coffee plot on a slope of the Sierra Madre de Chiapas (municipio of Siltepec
# area), written clockwise; the ledger stores it counter-clockwise.
SIERRA_RING: list[list[float]] = [
    [-92.6010, 15.6000],
    [-92.6013, 15.6019],
    [-92.5996, 15.6034],
    [-92.5978, 15.6021],
    [-92.5985, 15.6003],
    [-92.6010, 15.6000],
]
SIERRA_POLYGON: dict[str, Any] = {"type": "Polygon", "coordinates": [SIERRA_RING]}
SIERRA_AREA_HA: float = round(geodesic_area_ha(SIERRA_RING), 3)
"""The polygon's ellipsoidal area (≈ 9.44 ha), declared as is: above 4 ha, so it must be a
polygon."""
SIERRA_POINT: dict[str, Any] = {"type": "Point", "coordinates": [-92.6, 15.6]}

FIELD_YIELD_KG: dict[str, Decimal] = {
    "coffee": Decimal("4110"),
    "cacao": Decimal("3600"),
    "honey": Decimal("80"),
}
"""The plausible maxima of conversion table 2026-11, per ha (coffee, cacao) or hive (honey)."""


def max_site_kg(product: str, area_or_hives: float | int) -> Decimal:
    """Most kg a plot of that area (or an apiary of that many hives) may yield in a year."""
    grams = (Decimal(str(area_or_hives)) * FIELD_YIELD_KG[product] * 1000).to_integral_value(
        rounding=ROUND_FLOOR
    )
    return grams / 1000


def org_key(org_id: str) -> Ed25519PrivateKey:
    """The deterministic key an organization signs with."""
    return make_key(f"org:{org_id}")


def valid_gtin(first13: str = "0750123456789") -> str:
    """A GTIN-14 with a correct GS1 check digit."""
    return first13 + str(gtin14_check_digit(first13))


def point(lon: float = -92.6, lat: float = 15.6) -> dict[str, Any]:
    """A GeoJSON Point."""
    return {"type": "Point", "coordinates": [lon, lat]}


def polygon_at(index: int) -> tuple[dict[str, Any], float]:
    """The Sierra polygon shifted east by ``index`` × 0.005° with its computed area (ha)."""
    ring = [[round(lon + 0.005 * index, 7), lat] for lon, lat in SIERRA_RING]
    return {"type": "Polygon", "coordinates": [ring]}, round(geodesic_area_ha(ring), 3)


def _kg(grams: int) -> Qty:
    return grams // 1000 if grams % 1000 == 0 else grams / 1000


def _grams(kg: Qty) -> int:
    return int(Decimal(str(kg)) * 1000)


# --------------------------------------------------------------------------- bodies


def org_body(
    org_id: str, key: Ed25519PrivateKey, *, kind: str = "association", **over: Any
) -> dict[str, Any]:
    """``org.registered``: a Chiapas cooperative (or exporter, …) with its public key."""
    body: dict[str, Any] = {
        "org_id": org_id,
        "name": f"Organización {org_id}",
        "kind": kind,
        "legal_form": "cooperativa" if kind == "association" else "sa_de_cv",
        "state": "07",
        "municipality": "Siltepec",
        "landscape": "Sierra Madre de Chiapas",
        "products": ["coffee", "cacao", "honey"] if kind == "association" else [],
        "public_key": encode_public_key(key),
    }
    body.update(over)
    return body


def producer_body(producer_id: str, **over: Any) -> dict[str, Any]:
    """``producer.registered``: a pseudonymous member."""
    body: dict[str, Any] = {
        "producer_id": producer_id,
        "pii_hash": "ab" * 32,
        "community": "Ejido Nueva Esperanza",
        "member_since": "2019-04-01",
    }
    body.update(over)
    return body


def plot_body(
    plot_id: str,
    producer_id: str,
    *,
    product: str = "coffee",
    geometry: Mapping[str, Any] | None = None,
    area_ha: float | int | None = None,
    **over: Any,
) -> dict[str, Any]:
    """``plot.registered``: by default the Sierra polygon with its computed area.

    A Point geometry without ``area_ha`` declares 2 ha.
    """
    geom = dict(geometry) if geometry is not None else SIERRA_POLYGON
    if area_ha is None:
        area_ha = SIERRA_AREA_HA if geom["type"] == "Polygon" else 2
        if geometry is not None and geom["type"] == "Polygon":
            area_ha = round(geodesic_area_ha(geom["coordinates"][0]), 3)
    body: dict[str, Any] = {
        "plot_id": plot_id,
        "producer_id": producer_id,
        "product": product,
        "area_ha": area_ha,
        "geometry": geom,
        "municipality": "Siltepec",
        "landscape": "Sierra Madre de Chiapas",
    }
    body.update(over)
    return body


def apiary_body(
    apiary_id: str, producer_id: str, *, hive_count: int = 20, **over: Any
) -> dict[str, Any]:
    """``apiary.registered``: an apiary in the Chiapas lowlands."""
    body: dict[str, Any] = {
        "apiary_id": apiary_id,
        "producer_id": producer_id,
        "location": point(-92.65, 15.55),
        "hive_count": hive_count,
        "municipality": "Escuintla",
    }
    body.update(over)
    return body


HARVEST_FORM = {"coffee": "cherry", "cacao": "wet", "honey": "raw"}


def harvest_body(
    lot_id: str,
    origins: Mapping[str, Qty],
    *,
    product: str = "coffee",
    quantity_kg: Qty | None = None,
    harvested_from: str = HARVEST_DATE,
    **over: Any,
) -> dict[str, Any]:
    """``lot.harvested``: ``origins`` maps site id → kg (apiaries for honey, else plots).

    The lot quantity defaults to the exact sum of the origins and the form to the product's
    harvest form.
    """
    site_field = "apiary_id" if product == "honey" else "plot_id"
    total = _kg(sum(_grams(q) for q in origins.values()))
    body: dict[str, Any] = {
        "lot_id": lot_id,
        "product": product,
        "form": HARVEST_FORM[product],
        "quantity_kg": total if quantity_kg is None else quantity_kg,
        "harvested_from": harvested_from,
        "origins": [{site_field: site, "quantity_kg": q} for site, q in origins.items()],
    }
    body.update(over)
    return body


def transform_body(
    transformation_id: str,
    kind: str,
    inputs: Sequence[tuple[str, Qty]],
    outputs: Sequence[tuple[str, Qty] | Mapping[str, Any]],
    *,
    form: str | None = None,
    **over: Any,
) -> dict[str, Any]:
    """``lot.transformed``: ``inputs`` are (lot, kg); outputs (lot, kg) pairs or full dicts.

    ``form`` is set on every (lot, kg) output (the target form of a ``process``).
    """
    outs: list[dict[str, Any]] = []
    for out in outputs:
        if isinstance(out, Mapping):
            outs.append(dict(out))
        else:
            lot_id, quantity = out
            item: dict[str, Any] = {"lot_id": lot_id, "quantity_kg": quantity}
            if form is not None:
                item["form"] = form
            outs.append(item)
    body: dict[str, Any] = {
        "transformation_id": transformation_id,
        "kind": kind,
        "inputs": [{"lot_id": lot_id, "quantity_kg": q} for lot_id, q in inputs],
        "outputs": outs,
        "performed_on": "2026-02-01",
    }
    body.update(over)
    return body


def ship_body(shipment_id: str, lot_ids: Sequence[str], to_org: str, **over: Any) -> dict[str, Any]:
    """``lot.shipped``: whole lots to another organization."""
    body: dict[str, Any] = {
        "shipment_id": shipment_id,
        "lot_ids": list(lot_ids),
        "to_org": to_org,
        "shipped_on": "2026-02-10",
        "document_ref": f"CP-{shipment_id}",
    }
    body.update(over)
    return body


def receive_body(shipment_id: str, **over: Any) -> dict[str, Any]:
    """``lot.received``: the recipient takes custody."""
    body: dict[str, Any] = {"shipment_id": shipment_id, "received_on": "2026-02-12"}
    body.update(over)
    return body


# --------------------------------------------------------------------------- world


Signer = str | Ed25519PrivateKey
"""An organization id (its key signs) or a key itself."""


class SupplyWorld:
    """A ledger bootstrapped with genesis, a registrar and registered organizations.

    Args:
        store: An empty ledger store (memory or SQL).
        registry: The entry types (``core_registry()``).
        orgs: Organization ids (all associations) or a mapping id → kind.
        nonce_prefix: Prefix of the deterministic nonces (distinct worlds, distinct nonces).
    """

    def __init__(
        self,
        store: LedgerStore,
        registry: Registry,
        orgs: Sequence[str] | Mapping[str, str] = ("coop-a", "coop-b"),
        *,
        nonce_prefix: str = "sw",
    ) -> None:
        self.store = store
        self.registry = registry
        self.ts = TS  # statement time; tests of later seasons move it forward
        # The world is a simulation: the log's clock reads the world's time too.
        self.clock = lambda: parse_ts(self.ts)
        self.root = make_key("root")
        self.operator = make_key("operator")
        self.registrar = make_key("registrar")
        self.keys: dict[str, Ed25519PrivateKey] = {}
        self._nonce_prefix = nonce_prefix
        self._counter = 0
        self.genesis = append(
            store, registry, make_genesis(self.root, self.operator), clock=self.clock
        ).entry
        self.registrar_grant = append(
            store,
            registry,
            make_key_added(self.root, self.registrar, role="registrar", name="registrar"),
            clock=self.clock,
        ).entry
        kinds = dict(orgs) if isinstance(orgs, Mapping) else dict.fromkeys(orgs, "association")
        for org_id, kind in kinds.items():
            self.register_org(org_id, kind=kind)

    # ----------------------------------------------------------------- signing

    def key(self, signer: Signer) -> Ed25519PrivateKey:
        """The key of an organization id, or the key given."""
        return self.keys[signer] if isinstance(signer, str) else signer

    def next_nonce(self) -> str:
        """A fresh deterministic nonce."""
        self._counter += 1
        return f"{self._nonce_prefix}-{self._counter:08d}"

    def sign(self, signer: Signer, entry_type: str, body: dict[str, Any]) -> SignedStatement:
        """Sign a statement with a deterministic nonce and the test timestamp."""
        return sign_statement(
            self.key(signer), entry_type, body, ts=self.ts, nonce=self.next_nonce()
        )

    def submit(self, signer: Signer, entry_type: str, body: dict[str, Any]) -> Entry:
        """Sign and append; return the new entry (raises what the ledger raises)."""
        result = append(
            self.store, self.registry, self.sign(signer, entry_type, body), clock=self.clock
        )
        assert result.created
        return result.entry

    def entries(self) -> list[Entry]:
        """Every entry of the ledger, in order."""
        return self.store.entries(0, self.store.head().size + 1)

    # ----------------------------------------------------------------- entry builders

    def register_org(
        self, org_id: str, *, kind: str = "association", signer: Signer | None = None, **over: Any
    ) -> Entry:
        """``org.registered`` by the registrar; the org's key is ``org_key(org_id)``."""
        key = org_key(org_id)
        entry = self.submit(
            signer or self.registrar, "org.registered", org_body(org_id, key, kind=kind, **over)
        )
        self.keys[org_id] = key
        return entry

    def producer(self, org: str, producer_id: str, **over: Any) -> Entry:
        """``producer.registered`` by ``org``."""
        return self.submit(org, "producer.registered", producer_body(producer_id, **over))

    def plot(
        self,
        org: str,
        plot_id: str,
        producer_id: str,
        geometry: Mapping[str, Any] | None = None,
        **over: Any,
    ) -> Entry:
        """``plot.registered`` by ``org`` (default: the Sierra polygon, area as computed)."""
        return self.submit(
            org, "plot.registered", plot_body(plot_id, producer_id, geometry=geometry, **over)
        )

    def apiary(self, org: str, apiary_id: str, producer_id: str, **over: Any) -> Entry:
        """``apiary.registered`` by ``org``."""
        return self.submit(org, "apiary.registered", apiary_body(apiary_id, producer_id, **over))

    def harvest(self, org: str, lot_id: str, origins: Mapping[str, Qty], **over: Any) -> Entry:
        """``lot.harvested`` by ``org`` from ``origins`` (site id → kg)."""
        return self.submit(org, "lot.harvested", harvest_body(lot_id, origins, **over))

    def transform(
        self,
        org: str,
        transformation_id: str,
        kind: str,
        inputs: Sequence[tuple[str, Qty]],
        outputs: Sequence[tuple[str, Qty] | Mapping[str, Any]],
        **over: Any,
    ) -> Entry:
        """``lot.transformed`` by ``org``."""
        return self.submit(
            org, "lot.transformed", transform_body(transformation_id, kind, inputs, outputs, **over)
        )

    def ship(
        self, org: str, shipment_id: str, lot_ids: Sequence[str], to_org: str, **over: Any
    ) -> Entry:
        """``lot.shipped`` by ``org`` to ``to_org``."""
        return self.submit(org, "lot.shipped", ship_body(shipment_id, lot_ids, to_org, **over))

    def receive(self, org: str, shipment_id: str, **over: Any) -> Entry:
        """``lot.received`` by ``org``."""
        return self.submit(org, "lot.received", receive_body(shipment_id, **over))
