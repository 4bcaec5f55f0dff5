"""Names that must never reach print or a log's identity: documentation placeholders.

A label's QR code and a log's origin are permanent: once printed on a sack or signed into
genesis they cannot be changed. Names under the top-level domains that RFC 2606 and RFC 6761
reserve (``example``, ``invalid``, ``test``, ``localhost`` as a TLD) never resolve on the internet,
so a deployment that still carries one (``qr.bt.example``, ``biotraza.example/log``) would send
buyers nowhere. The faces refuse them at the last moment before anything permanent happens.
"""

from __future__ import annotations

__all__ = ["RESERVED_TLDS", "PlaceholderNameError", "is_placeholder", "placeholder_reason"]

RESERVED_TLDS = frozenset({"example", "invalid", "test"})
"""Top-level domains reserved for documentation and testing (RFC 2606, RFC 6761)."""


class PlaceholderNameError(ValueError):
    """A placeholder name was about to become permanent (a printed label, a genesis origin).

    A ``ValueError``: it is about the caller's input, and every face reports those as one
    line naming the field (HTTP 400, CLI exit 1).
    """


def _hostname(name: str) -> str:
    """The host part of ``host[:port][/path]``, lower case, without a trailing dot."""
    host = name.split("/", 1)[0]
    if host.startswith("["):  # an IPv6 literal: never a placeholder
        return host
    return host.rsplit(":", 1)[0].rstrip(".").lower()


def is_placeholder(name: str) -> bool:
    """Whether ``name`` (a host, ``host:port`` or an origin ``host/path``) is a placeholder."""
    return _hostname(name).rsplit(".", 1)[-1] in RESERVED_TLDS


def placeholder_reason(name: str) -> str:
    """Why a placeholder is refused, for error messages."""
    tld = _hostname(name).rsplit(".", 1)[-1]
    return f"{name!r} is a placeholder (.{tld} never resolves on the internet)"
