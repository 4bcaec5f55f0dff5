"""``redact_url``: the one helper through which printed and logged database URLs pass.

Passwords in the userinfo (even with ``/`` or ``:`` in them) and in ``password``-like query
parameters become ``***``; everything else, and text that is not a URL, is left as it was.
"""

from __future__ import annotations

import pytest

from ledger.storage.sql import redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://bt:s3cr/e:t@db:5432/x", "postgresql+psycopg://bt:***@db:5432/x"),
        ("postgresql://u:p@h/d?sslmode=require", "postgresql://u:***@h/d?sslmode=require"),
        (
            "postgresql+psycopg://u@h/d?password=abc&x=1",
            "postgresql+psycopg://u@h/d?password=***&x=1",
        ),
        ("postgresql://h/d?a=1&SSLPassword=k", "postgresql://h/d?a=1&SSLPassword=***"),
        (
            "postgresql+psycopg://postgres@127.0.0.1/test",
            "postgresql+psycopg://postgres@127.0.0.1/test",
        ),
        ("sqlite:////var/lib/biotraza/ledger.db", "sqlite:////var/lib/biotraza/ledger.db"),
        ("not a url", "not a url"),
        (
            "Could not parse URL from string 'postgresql://u:pw@h:x/d' here",
            "Could not parse URL from string 'postgresql://u:***@h:x/d' here",
        ),
    ],
)
def test_passwords_are_hidden(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_unsupported_url_error_hides_the_password() -> None:
    from ledger.storage.sql import create_ledger_engine

    with pytest.raises(ValueError, match=r"mysql://u:\*\*\*@h/d") as caught:
        create_ledger_engine("mysql://u:topsecret@h/d")
    assert "topsecret" not in str(caught.value)
