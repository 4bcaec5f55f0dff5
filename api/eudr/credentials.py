"""Where the EU web-service credentials come from: the environment, else the key store.

The EUDR Information System authenticates each SOAP call with a web-service user's name and
authentication key (WS-Security UsernameToken, password digest) plus a client id (Operator
API Reference §2). Those are an operator's secrets, so:

* **Environment first**: ``BIOTRAZA_EUDR_USERNAME``, ``BIOTRAZA_EUDR_AUTH_KEY``,
  ``BIOTRAZA_EUDR_CLIENT_ID`` and optionally ``BIOTRAZA_EUDR_ENDPOINT`` (``acceptance``,
  ``production`` or a base URL ending in ``/tracesnt/ws/``), readable only by the same user.
* **Else the key store**: ``eudr-credentials.key`` in the key directory, sealed like every key
  file (Argon2id + AES-256-GCM, ``ledger.keyfile``) under the key-store passphrase.
* **Never printed**: :class:`EudrCredentials` hides the key in ``repr``; only the digest of
  it ever leaves the process.

The default endpoint is the Commission's *acceptance* environment: sending to production is
a choice the operator makes explicitly.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from api.eudr.xml import WsCredentials
from ledger.keyfile import open_secret, seal_secret

__all__ = [
    "ENDPOINTS",
    "STORE_FILE",
    "CredentialsError",
    "EudrCredentials",
    "forget_credentials",
    "load_credentials",
    "resolve_endpoint",
    "save_credentials",
]

ENDPOINTS = {
    "production": "https://eudr.webcloud.ec.europa.eu/tracesnt/ws/",
    "acceptance": "https://acceptance.eudr.webcloud.ec.europa.eu/tracesnt/ws/",
}
"""The Commission's environments (Operator API Reference §5.1); services hang below them."""
STORE_FILE = "eudr-credentials.key"
_CONTENT = "eudr-ws-credentials"


class CredentialsError(ValueError):
    """No usable credentials; the message says what is missing and where to put it."""


def resolve_endpoint(value: str | None) -> tuple[str, str]:
    """``(base URL, environment)`` for a name or URL; environment ``test`` for other URLs.

    Raises:
        CredentialsError: neither a known environment nor an http(s) URL.
    """
    name = (value or "acceptance").strip()
    if name in ENDPOINTS:
        return ENDPOINTS[name], name
    if not name.startswith(("https://", "http://")):
        raise CredentialsError(
            f"endpoint: expected acceptance, production or an http(s) URL, found {name!r}"
        )
    base = name if name.endswith("/") else name + "/"
    for environment, url in ENDPOINTS.items():
        if base == url:
            return base, environment
    return base, "test"


@dataclass(frozen=True)
class EudrCredentials:
    """A web-service user, its key, the client id and the endpoint to call."""

    username: str
    auth_key: str
    client_id: str
    endpoint: str
    environment: str
    source: str

    def __repr__(self) -> str:
        return (
            f"EudrCredentials(username={self.username!r}, client_id={self.client_id!r}, "
            f"endpoint={self.endpoint!r}, source={self.source!r})"
        )

    def ws(self) -> WsCredentials:
        """What the SOAP header needs."""
        return WsCredentials(self.username, self.auth_key, self.client_id)

    def public(self) -> dict[str, str]:
        """Everything but the key, for ``credentials show``."""
        return {
            "username": self.username,
            "client_id": self.client_id,
            "endpoint": self.endpoint,
            "environment": self.environment,
            "source": self.source,
            "auth_key": "set (never shown)",
        }


def _from_env(env: Mapping[str, str]) -> EudrCredentials | None:
    names = ("BIOTRAZA_EUDR_USERNAME", "BIOTRAZA_EUDR_AUTH_KEY", "BIOTRAZA_EUDR_CLIENT_ID")
    present = [n for n in names if env.get(n)]
    if not present:
        return None
    missing = [n for n in names if not env.get(n)]
    if missing:
        raise CredentialsError(f"{missing[0]}: not set (the other EUDR variables are)")
    endpoint, environment = resolve_endpoint(env.get("BIOTRAZA_EUDR_ENDPOINT"))
    return EudrCredentials(
        env[names[0]], env[names[1]], env[names[2]], endpoint, environment, "environment"
    )


def save_credentials(
    key_dir: Path,
    passphrase: str,
    *,
    username: str,
    auth_key: str,
    client_id: str,
    endpoint: str | None = None,
) -> Path:
    """Seal the credentials into the key store (file mode 0600); the file's path."""
    for name, value in (("username", username), ("auth_key", auth_key), ("client_id", client_id)):
        if not value.strip():
            raise CredentialsError(f"{name}: expected a value, found an empty one")
    resolved, _environment = resolve_endpoint(endpoint)
    secret = json.dumps(
        {"username": username, "auth_key": auth_key, "client_id": client_id, "endpoint": resolved}
    ).encode()
    key_dir.mkdir(parents=True, exist_ok=True)
    path = key_dir / STORE_FILE
    sealed = seal_secret(secret, passphrase, _CONTENT)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(sealed)
    return path


def forget_credentials(key_dir: Path) -> bool:
    """Delete the sealed credentials; whether there were any."""
    path = key_dir / STORE_FILE
    if not path.exists():
        return False
    path.unlink()
    return True


def load_credentials(
    key_dir: Path, passphrase: str | None, env: Mapping[str, str] | None = None
) -> EudrCredentials:
    """The credentials to use: the environment's, else the key store's.

    Raises:
        CredentialsError: none configured, some variables missing, or no passphrase to open
            the key store's file.
        WrongPassphraseError: the passphrase does not open it.
    """
    found = _from_env(os.environ if env is None else env)
    if found is not None:
        return found
    path = key_dir / STORE_FILE
    if not path.exists():
        raise CredentialsError(
            "no EUDR credentials: set BIOTRAZA_EUDR_USERNAME, BIOTRAZA_EUDR_AUTH_KEY and "
            "BIOTRAZA_EUDR_CLIENT_ID, or store them with `biotraza eudr credentials set`"
        )
    if not passphrase:
        raise CredentialsError(
            "the EUDR credentials are in the key store: set BIOTRAZA_KEY_PASSPHRASE"
        )
    data = json.loads(open_secret(path.read_bytes(), passphrase, _CONTENT))
    endpoint, environment = resolve_endpoint(data["endpoint"])
    return EudrCredentials(
        data["username"], data["auth_key"], data["client_id"], endpoint, environment, "key store"
    )
