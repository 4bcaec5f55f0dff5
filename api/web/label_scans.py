"""Scan statistics of one label issuance, for the label office's copied-label alarms.

The resolver counts each scan and flags a label scanned from more devices or places than its
units explain (``api.web.scans``); the office needs the same figures for every label of a print
run at once, one row per unit serial, with the same heuristic deciding the alarm.

Left out: counting scans (``api.web.scans``), the issuance itself (``api.services.labels``).
"""

from __future__ import annotations

from typing import Any

from api.services.labels import label_for
from api.services.ledger import LedgerService
from api.web.scans import DEVICES_PER_UNIT, PLACE_SLACK, WINDOW_DAYS, ScanRecorder, is_anomalous

__all__ = ["issuance_scans"]


def issuance_scans(service: LedgerService, recorder: ScanRecorder, seq: int) -> dict[str, Any]:
    """Scan statistics of every scanned label of issuance ``seq`` (one row per unit serial,
    ``""`` when its labels carry none), each with the resolver's copied-label alarm.

    Raises:
        EntryNotFoundError: no label issuance at that seq.
    """
    issuance = label_for(service, seq)
    serials = issuance.get("serial_from") is not None
    units = 1 if serials else int(issuance["units"])
    totals = recorder.store.issuance_totals(seq, recorder.window_start())
    rows = [
        {
            "serial": serial or None,
            "scans": t.scans,
            "places": t.places,
            "devices": t.devices,
            "anomalous": is_anomalous(t.devices, t.places, units),
        }
        for serial, t in sorted(totals.items(), key=lambda item: (len(item[0]), item[0]))
    ]
    return {
        "seq": seq,
        "units_per_label": units,
        "window_days": WINDOW_DAYS,
        "threshold_devices": DEVICES_PER_UNIT * units,
        "threshold_places": units + PLACE_SLACK,
        "scans": sum(r["scans"] for r in rows),
        "alarms": sum(1 for r in rows if r["anomalous"]),
        "data": rows,
    }
