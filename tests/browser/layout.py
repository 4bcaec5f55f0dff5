"""Layout checks shared by the browser tests of the office screens.

A screen that is wider than the phone or the narrow office window makes the clerk scroll
sideways and hides buttons off to the right; the tests check it the same way everywhere.
"""

from __future__ import annotations

from playwright.sync_api import Page

__all__ = ["assert_no_sideways_overflow"]


def assert_no_sideways_overflow(page: Page) -> None:
    """No element reaches past the window's right edge (1 px of rounding allowed); the
    failure names up to eight offenders as ``TAG.class``."""
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 8)"
    )
    assert not wide, wide
