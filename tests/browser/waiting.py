"""Wait for a condition inside a page whose Content-Security-Policy forbids ``eval``.

Playwright's ``page.wait_for_function`` evaluates its predicate with ``eval`` inside the page,
which the field app's policy (``script-src 'self'``, no ``'unsafe-eval'``) rightly refuses. Each
``page.evaluate`` call goes through the DevTools protocol instead, which the policy does not
govern, so polling with it keeps the app's real policy in force during every browser test.
"""

from __future__ import annotations

import time

from playwright.sync_api import Page


def wait_until(page: Page, expression: str, timeout_ms: int = 30_000) -> None:
    """Poll ``expression`` (a JS expression, may return a promise) until it is truthy."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout_ms} ms: {expression}")
        time.sleep(0.05)
