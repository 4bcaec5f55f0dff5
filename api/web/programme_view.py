"""The public programme dashboard's view: the shared indicator cards of the latest checkpoint.

Left out: the cards and charts themselves (``api.exports.programme_cards``) and the page
(``api.web.routes.pages``, ``templates/programme.html``).
"""

from __future__ import annotations

from typing import Any

from api.exports.programme_cards import bar_chart, header_view
from api.services.indicators import Indicators

__all__ = ["bar_chart", "programme_view"]


def programme_view(found: Indicators, lang: str) -> dict[str, Any]:
    """The dashboard in ``lang``: report date, checkpoint size and one card per landscape."""
    return header_view(found.header, lang)
