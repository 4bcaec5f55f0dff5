"""Per-app state of the web pages: the page-data cache and the scan recorder.

Created on first use by whichever page asks first (one per app, so one per worker process),
because the pages are an optional part of the app and ``create_app`` need not know them.

Left out: what is cached (``api.web.lot_view``, ``api.web.resolver_view``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from api.services.ledger import LedgerService
from api.services.origin import origin_summary
from api.web.cache import TreeSizeCache
from api.web.lot_view import lineage_svg, lot_view
from api.web.scans import ScanRecorder
from ledger.storage.sql.scans import ScanStore

__all__ = ["WebState", "WebStateDep", "web_state"]

_CREATE = threading.Lock()


@dataclass
class WebState:
    """What the pages of one app share."""

    recorder: ScanRecorder
    pages: TreeSizeCache[Any] = field(default_factory=lambda: TreeSizeCache(maxsize=1024))

    def lot_facts(self, service: LedgerService, size: int, lot_id: str) -> dict[str, Any]:
        """``lot_view`` of the lot at tree ``size``, cached.

        Raises:
            EntryNotFoundError: no such lot.
        """
        found: dict[str, Any] = self.pages.get(
            size, ("lot", lot_id), lambda: lot_view(service, lot_id)
        )
        return found

    def origin(self, service: LedgerService, size: int, lot_id: str) -> dict[str, Any]:
        """``origin_summary`` of the lot at tree ``size``, cached.

        Raises:
            EntryNotFoundError: no such lot.
        """
        found: dict[str, Any] = self.pages.get(
            size, ("origin", lot_id), lambda: origin_summary(service, lot_id)
        )
        return found

    def lineage_picture(
        self, service: LedgerService, size: int, lot_id: str, lang: str
    ) -> str | None:
        """The lot's lineage SVG in ``lang`` at tree ``size`` (``None`` without the
        exporter), cached."""
        found: str | None = self.pages.get(
            size, ("svg", lot_id, lang), lambda: lineage_svg(service, lot_id, lang)
        )
        return found


def web_state(request: Request) -> WebState:
    """The app's web state, created on first use."""
    app_state = request.app.state
    found: WebState | None = getattr(app_state, "web", None)
    if found is None:
        with _CREATE:
            found = getattr(app_state, "web", None)
            if found is None:
                service: LedgerService = app_state.service
                found = WebState(recorder=ScanRecorder(ScanStore(service.engine)))
                app_state.web = found
    return found


WebStateDep = Annotated[WebState, Depends(web_state)]
