"""A page in a fresh phone-like browser context, shared by the public-page browser tests.

Each test module keeps its own viewport (the widths the pages must fit) and says whether
JavaScript runs; what a "phone" is — a 2× touch screen on a mobile browser — is said once.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, ViewportSize


def phone_page(browser: Browser, locale: str, viewport: ViewportSize, *, javascript: bool) -> Page:
    """A new page in its own context: ``locale``, ``viewport``, touch, 2× pixels, mobile."""
    context = browser.new_context(
        locale=locale,
        viewport=viewport,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=javascript,
    )
    return context.new_page()
