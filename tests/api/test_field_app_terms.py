"""The field app names ledger words (products, forms, lot statuses) as the server's pages do.

The app's shell carries its own copy of these words (``shell.term.<kind>.<value>`` in
``api/webapp/src/shell/messages.ts``) because it must work offline; this test reads that file
and checks every word against :func:`api.i18n.term`, so the two can never drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.i18n import term

MESSAGES = Path(__file__).resolve().parents[2] / "api" / "webapp" / "src" / "shell" / "messages.ts"
_TERM = re.compile(r'^\s*"term\.(\w+)\.(\w+)": "([^"]*)",$', re.M)


def _terms(lang: str) -> list[tuple[str, str, str]]:
    text = MESSAGES.read_text(encoding="utf-8")
    spanish, english = text.split("\n  en: {\n", 1)
    return _TERM.findall(spanish if lang == "es" else english)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_app_terms_match_the_server(lang: str) -> None:
    found = _terms(lang)
    assert len(found) >= 15  # products, forms and statuses
    mismatched = [
        (kind, value, text) for kind, value, text in found if term(lang, kind, value) != text
    ]
    assert mismatched == []
