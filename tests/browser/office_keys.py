"""Loading a key into the office screens of the field app, as an office clerk does.

The credential, label and sync office tests all start the same way: the key is sealed for
the browser (``ledger.browser_keyfile.seal_for_browser``, what ``biotraza keys
export-for-browser`` writes), chosen in the key form, unlocked with its passphrase, and the
screen shows the loaded key. One helper, so a change to that form is fixed in one place.
"""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Page

from ledger.browser_keyfile import seal_for_browser

__all__ = ["BROWSER_PASSPHRASE", "import_browser_key"]

BROWSER_PASSPHRASE = "frase larga de la oficina de la cooperativa"
"""The passphrase the sealed key files of the office tests are sealed under."""


def import_browser_key(
    page: Page,
    key: Ed25519PrivateKey,
    key_file: Path,
    *,
    loaded: str = "#key-loaded",
    wrong_passphrase_first: bool = False,
) -> str:
    """Seal ``key`` into ``key_file``, import it on the page's key form and wait until the
    ``loaded`` element shows; returns the key id the file names.

    ``wrong_passphrase_first`` types a wrong passphrase once and waits for the Spanish
    refusal before the right one (the form must say so, and keep the file chosen).
    """
    key_file.write_bytes(seal_for_browser(key, BROWSER_PASSPHRASE))
    page.locator("#key-file").set_input_files(str(key_file))
    if wrong_passphrase_first:
        page.locator("#key-passphrase").fill("una frase equivocada")
        page.locator("#key-import-submit").click()
        page.get_by_text("La frase no es correcta").wait_for()
    page.locator("#key-passphrase").fill(BROWSER_PASSPHRASE)
    page.locator("#key-import-submit").click()
    page.locator(loaded).wait_for(timeout=60_000)
    return str(json.loads(key_file.read_text(encoding="utf-8"))["key_id"])
