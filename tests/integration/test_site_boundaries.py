"""Plots and apiaries must lie in their declared state, on SQLite and PostgreSQL (issue 15 #19).

A plot with its longitude sign flipped was accepted for a Chiapas association; now it is
refused at append (library and HTTP) naming the field and the likely slip, a plot in another
state needs that state declared, and a ledger that recorded such a plot under the old rule
still verifies and rebuilds (the rule checks admission, not replay).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.chain import admit
from ledger.entries import build_entry
from ledger.errors import DomainRuleError, SchemaError
from ledger.statements import SignedStatement
from ledger.supply.sites import PLOT_KIND
from ledger.timing import next_log_time
from tests.supply_factories import SupplyWorld, plot_body, point

OAXACA_SQUARE = {  # about 4.8 ha near Oaxaca de Juárez
    "type": "Polygon",
    "coordinates": [
        [[-96.72, 17.06], [-96.718, 17.06], [-96.718, 17.062], [-96.72, 17.062], [-96.72, 17.06]]
    ],
}


@pytest.fixture
def world(service: LedgerService) -> SupplyWorld:
    w = SupplyWorld(service.store, service.registry, ["coop-a"])  # a Chiapas association
    w.producer("coop-a", "pr-1")
    return w


def _refused(world: SupplyWorld, entry_type: str, body: dict[str, Any]) -> DomainRuleError:
    size = world.store.head().size
    with pytest.raises(DomainRuleError) as caught:
        world.submit("coop-a", entry_type, body)
    assert world.store.head().size == size
    return caught.value


def _plot(plot_id: str, geometry: dict[str, Any], **over: Any) -> dict[str, Any]:
    return plot_body(plot_id, "pr-1", geometry=geometry, **over)


def test_a_flipped_longitude_is_refused_naming_the_field(world: SupplyWorld) -> None:
    error = _refused(world, "plot.registered", _plot("pl-1", point(92.72, 15.6)))
    assert error.field == "statement.body.geometry"
    assert str(error) == "plot geometry: longitude +92.72 lies outside Mexico: sign flipped?"
    assert world.store.state_get(PLOT_KIND, "pl-1") is None


def test_swapped_apiary_coordinates_are_refused(world: SupplyWorld) -> None:
    """East of 90° W (Campeche) a swap stays in the valid lat/lon ranges: [18.5, -89.5]."""
    world.register_org("coop-c", state="04", municipality="Calakmul")
    world.producer("coop-c", "pr-c")
    world.apiary("coop-c", "ap-ok", "pr-c", location=point(-89.5, 18.5))
    size = world.store.head().size
    with pytest.raises(DomainRuleError) as caught:
        world.apiary("coop-c", "ap-1", "pr-c", location=point(18.5, -89.5))
    assert world.store.head().size == size
    assert caught.value.field == "statement.body.location"
    assert str(caught.value) == (
        "apiary location: position [18.5, -89.5] lies outside Mexico: "
        "longitude and latitude swapped?"
    )


def test_a_plot_in_another_state_needs_that_state(world: SupplyWorld) -> None:
    error = _refused(world, "plot.registered", _plot("pl-oax", OAXACA_SQUARE))
    assert error.field == "statement.body.geometry"
    assert "plot lies in Oaxaca, declared Chiapas" in str(error)
    world.plot("coop-a", "pl-oax", "pr-1", OAXACA_SQUARE, state="20")
    doc = world.store.state_get(PLOT_KIND, "pl-oax")
    assert doc is not None and doc["state"] == "20"
    # Declaring the wrong state explicitly is refused the same way.
    error = _refused(world, "plot.registered", _plot("pl-x", point(-92.6, 15.6), state="20"))
    assert "plot lies in Chiapas, declared Oaxaca" in str(error)


def test_plots_and_apiaries_in_the_declared_state_are_accepted(world: SupplyWorld) -> None:
    world.plot("coop-a", "pl-1", "pr-1")  # the Sierra polygon, Chiapas
    world.apiary("coop-a", "ap-1", "pr-1")
    doc = world.store.state_get(PLOT_KIND, "pl-1")
    assert doc is not None and "state" not in doc  # absent: the organization's state


def test_an_unknown_state_code_is_a_schema_error(world: SupplyWorld) -> None:
    with pytest.raises(SchemaError) as caught:
        world.submit("coop-a", "plot.registered", _plot("pl-1", point(), state="33"))
    assert [f for f, _ in caught.value.errors] == ["statement.body.state"]


def _append_under_the_old_rule(world: SupplyWorld, signed: SignedStatement) -> None:
    """Record a statement the way the code before the boundary rule did (no site check)."""
    with world.store.appending() as tx:
        head = tx.head()
        log_time = next_log_time(world.clock, head.log_time)  # the log stamps every entry
        admit(
            head.size,
            signed,
            tx.state,
            world.registry,
            replaying=True,
            log_time=log_time,
        )
        tx.insert(build_entry(head.size, head.last_hash, signed, log_time))


def test_a_ledger_recorded_under_the_old_rule_still_verifies(
    service: LedgerService, world: SupplyWorld
) -> None:
    flipped = world.sign("coop-a", "plot.registered", _plot("pl-old", point(92.72, 15.6)))
    _append_under_the_old_rule(world, flipped)
    world.plot("coop-a", "pl-new", "pr-1")  # appends keep working after it
    assert service.verify().size == world.store.head().size
    assert service.rebuild() == world.store.head().size
    assert world.store.state_get(PLOT_KIND, "pl-old") is not None
    # The same kind of statement is refused when admitted now.
    with pytest.raises(DomainRuleError, match="sign flipped"):
        world.submit("coop-a", "plot.registered", _plot("pl-old2", point(92.72, 15.6)))


def test_http_answers_409_naming_the_field(
    service: LedgerService, world: SupplyWorld, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, database_url="sqlite:///unused")
    client = TestClient(create_app(settings, service))
    signed = world.sign("coop-a", "plot.registered", _plot("pl-1", point(92.72, 15.6)))
    response = client.post("/api/v1/entries", json=signed.to_dict())
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "rule_violation"
    assert error["fields"][0]["field"] == "statement.body.geometry"
    assert "sign flipped?" in error["message"]
