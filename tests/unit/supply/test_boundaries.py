"""State boundaries (``ledger.supply.boundaries``): real places land in their states, and the
slips that put a Mexican plot abroad (a flipped sign, swapped coordinates) are named."""

from __future__ import annotations

import json

import pytest

from ledger.supply.boundaries import BORDER_TOLERANCE_M, DATA_FILE, check_in_state, state_at
from ledger.supply.identifiers import INEGI_STATES

# State capitals and towns (INEGI localities, rounded to 0.01°), one or more per state.
PLACES = [
    ("01", -102.29, 21.88),  # Aguascalientes
    ("02", -115.47, 32.63),  # Mexicali
    ("03", -110.31, 24.14),  # La Paz
    ("04", -90.53, 19.85),  # Campeche
    ("04", -89.49, 18.5),  # Calakmul (Xpujil)
    ("05", -101.0, 25.42),  # Saltillo
    ("06", -103.72, 19.24),  # Colima
    ("07", -93.12, 16.75),  # Tuxtla Gutiérrez
    ("07", -92.66, 15.87),  # Ángel Albino Corzo (Jaltenango)
    ("07", -92.26, 14.9),  # Tapachula
    ("08", -106.08, 28.64),  # Chihuahua
    ("09", -99.13, 19.43),  # Ciudad de México
    ("10", -104.67, 24.02),  # Durango
    ("11", -101.26, 21.02),  # Guanajuato
    ("12", -99.5, 17.55),  # Chilpancingo
    ("13", -98.73, 20.12),  # Pachuca
    ("14", -103.35, 20.67),  # Guadalajara
    ("15", -99.66, 19.29),  # Toluca
    ("16", -101.19, 19.7),  # Morelia
    ("17", -99.23, 18.92),  # Cuernavaca
    ("18", -104.89, 21.51),  # Tepic
    ("19", -100.31, 25.67),  # Monterrey
    ("20", -96.72, 17.06),  # Oaxaca de Juárez
    ("21", -98.2, 19.04),  # Puebla
    ("22", -100.39, 20.59),  # Querétaro
    ("23", -88.3, 18.5),  # Chetumal
    ("24", -100.98, 22.15),  # San Luis Potosí
    ("25", -107.39, 24.8),  # Culiacán
    ("26", -110.96, 29.07),  # Hermosillo
    ("27", -92.93, 17.99),  # Villahermosa
    ("27", -93.22, 18.28),  # Comalcalco
    ("28", -99.14, 23.74),  # Ciudad Victoria
    ("29", -98.24, 19.32),  # Tlaxcala
    ("30", -96.92, 19.54),  # Xalapa
    ("30", -96.13, 19.18),  # Veracruz
    ("31", -89.62, 20.97),  # Mérida
    ("32", -102.57, 22.77),  # Zacatecas
]


def test_the_data_file_has_the_32_states_with_inegi_codes() -> None:
    features = json.loads(DATA_FILE.read_text(encoding="utf-8"))["features"]
    assert sorted(f["properties"]["cve_ent"] for f in features) == sorted(INEGI_STATES)


@pytest.mark.parametrize(("code", "lon", "lat"), PLACES)
def test_places_lie_in_their_state(code: str, lon: float, lat: float) -> None:
    assert state_at(lon, lat) == code
    check_in_state([[lon, lat]], code, "plot")


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(-90.0, 15.5), (-97.0, 30.0), (-117.5, 33.5), (-95.0, 22.0), (0.0, 0.0)],
    ids=["guatemala", "texas", "california", "gulf-of-mexico", "null-island"],
)
def test_places_outside_mexico_are_in_no_state(lon: float, lat: float) -> None:
    assert state_at(lon, lat) is None


def test_a_flipped_longitude_names_the_sign() -> None:
    with pytest.raises(
        ValueError, match=r"^longitude \+92\.72 lies outside Mexico: sign flipped\?$"
    ):
        check_in_state([[92.72, 15.6]], "07", "plot")


def test_a_flipped_latitude_names_the_sign() -> None:
    with pytest.raises(ValueError, match=r"^latitude -15\.6 lies outside Mexico: sign flipped\?$"):
        check_in_state([[-92.72, -15.6]], "07", "plot")


def test_swapped_coordinates_are_named() -> None:
    with pytest.raises(ValueError, match=r"longitude and latitude swapped\?$"):
        check_in_state([[15.6, -92.72]], "07", "plot")


def test_a_position_in_another_state_names_both_states() -> None:
    with pytest.raises(ValueError, match=r"^plot lies in Oaxaca, declared Chiapas"):
        check_in_state([[-92.66, 15.87], [-96.72, 17.06]], "07", "plot")


def test_an_unrelated_position_abroad_says_so() -> None:
    with pytest.raises(ValueError, match=r"^position \[2\.35, 48\.85\] lies outside Mexico$"):
        check_in_state([[2.35, 48.85]], "07", "plot")


def test_an_unknown_state_code_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown INEGI state code '33'"):
        check_in_state([[-92.66, 15.87]], "33", "plot")


def test_the_border_band_is_accepted_and_no_further() -> None:
    """Walk south from Calakmul across the straight Campeche–Guatemala border (17°49' N): a
    position within the tolerance beyond the border is accepted, one at 1.5 × it is not."""
    lon, lat = -90.0, 18.3
    step = 0.0005  # about 55 m
    while state_at(lon, lat) == "04":
        lat -= step
    border = lat + step / 2
    assert border == pytest.approx(17.8167, abs=0.01)
    check_in_state([[lon, border - 0.9 * BORDER_TOLERANCE_M / 110_574]], "04", "apiary")
    with pytest.raises(ValueError, match=r"lies outside Mexico$"):
        check_in_state([[lon, border - 1.5 * BORDER_TOLERANCE_M / 110_574]], "04", "apiary")
