"""The deforestation screen of a lot: its EUDR origin plots against forest maps, as a report.

``biotraza eudr screen LOT --baseline …``, ``POST /api/v1/lots/{id}/eudr/screen`` and the DDS
package (``api.eudr.package``) all come here. The plots are those of the lot's EUDR
geolocation file (``api.exports.eudr.collect_eudr``), as the EU system will store them
(6-decimal coordinates); plots the EU system would refuse are listed as not screened.
The screen itself is ``verifiers.deforestation``.

The server never opens a path a client sends: the API names layers *within* the folder the
operator configured (``BIOTRAZA_FOREST_LAYERS_DIR``), see :func:`server_layers`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.exports.base import ExportError, ExportRequest
from api.exports.eudr import EudrCollection, collect_eudr
from api.services.ledger import LedgerService
from verifiers.deforestation.footprint import Footprint, footprint
from verifiers.deforestation.layers import LayerError
from verifiers.deforestation.report import risk_report
from verifiers.deforestation.screen import Screen

__all__ = ["ScreenFiles", "screen_collection", "screen_lot", "server_layers"]


@dataclass(frozen=True)
class ScreenFiles:
    """The maps a screen reads: one baseline, loss layers (years/dated), loss masks."""

    baseline: Path
    losses: tuple[Path, ...] = ()
    masks: tuple[Path, ...] = ()


def _footprints(collection: EudrCollection) -> list[Footprint]:
    plots = []
    for feature in collection.features:
        geometry = json.loads(feature.text)["geometry"]
        plots.append(footprint(feature.plot_id, geometry, feature.area_ha))
    return plots


def screen_collection(
    collection: EudrCollection,
    files: ScreenFiles,
    request: ExportRequest | None = None,
    *,
    field_prefix: str = "",
) -> dict[str, Any]:
    """The risk report of an already collected lot (see ``verifiers.deforestation.report``).

    Progress goes to ``request`` (plots screened of all). ``field_prefix`` is put before a
    refused layer's field (``forest_layers.`` for the API).

    Raises:
        ExportError: a layer cannot be used; its field names the layer's option.
    """
    plots = _footprints(collection)
    total = len(plots)

    def progress(done: int) -> None:
        if request is not None:
            request.report(done, total)

    try:
        with Screen.open(files.baseline, files.losses, files.masks) as screen:
            results = screen.plots(plots, progress)
            layers = screen.layers.describe()
    except LayerError as exc:
        raise ExportError(exc.reason, f"{field_prefix}{exc.field}") from exc
    refused = [{"plot_id": r["plot_id"], "reason": r["reason"]} for r in collection.refused]
    return risk_report(collection.lot_id, collection.product, results, layers, refused)


def screen_lot(
    service: LedgerService,
    lot_id: str,
    files: ScreenFiles,
    request: ExportRequest | None = None,
    *,
    field_prefix: str = "",
) -> dict[str, Any]:
    """The risk report of a lot's origin plots.

    Raises:
        EntryNotFoundError: no such lot.
        ExportError: not an EUDR commodity, no origin plots, or a layer cannot be used.
    """
    collection = collect_eudr(service, lot_id)
    return screen_collection(collection, files, request, field_prefix=field_prefix)


def _named(folder: Path, name: str, field: str) -> Path:
    if not name or Path(name).name != name or name.startswith("."):
        raise ExportError(
            f"expected a file name within the forest-layer folder, found {name!r}", field
        )
    path = folder / name
    if not path.is_file():
        raise ExportError(f"no forest layer named {name!r} on this server", field)
    return path


def server_layers(
    folder: Path | None, baseline: str, losses: Sequence[str] = (), masks: Sequence[str] = ()
) -> ScreenFiles:
    """Layer names from an API request → files in the operator's configured folder.

    Raises:
        ExportError: no folder configured, or a name that is not a plain file name in it
            (the field names the request member: ``forest_layers.baseline``,
            ``forest_layers.loss.0``…).
    """
    if folder is None:
        raise ExportError(
            "this server has no forest layers: its operator sets BIOTRAZA_FOREST_LAYERS_DIR "
            "to the folder holding the downloaded maps",
            "forest_layers",
        )
    return ScreenFiles(
        _named(folder, baseline, "forest_layers.baseline"),
        tuple(_named(folder, n, f"forest_layers.loss.{i}") for i, n in enumerate(losses)),
        tuple(_named(folder, n, f"forest_layers.loss_mask.{i}") for i, n in enumerate(masks)),
    )
