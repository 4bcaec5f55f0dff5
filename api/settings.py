"""Settings, read from the environment (prefix ``BIOTRAZA_``) — the only module that does.

Defaults give a working single-machine ledger: an embedded SQLite file under the data
directory. Set ``BIOTRAZA_DATABASE_URL=postgresql+psycopg://…`` for PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.storage.limits import DEFAULT_LOCK_TIMEOUT

__all__ = ["SETTINGS_PREFIX", "Settings"]

SETTINGS_PREFIX = "BIOTRAZA_"


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "biotraza"


class Settings(BaseSettings):
    """Runtime configuration of the server and the CLI."""

    model_config = SettingsConfigDict(env_prefix=SETTINGS_PREFIX, extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    admin_database_url: str | None = None
    """An administrator's URL, used only by ``db roles --apply`` (never by the server)."""
    key_passphrase: str | None = None
    pem_passphrase: str | None = None  # of a PEM file given to `keys import` (never argv)
    origin: str | None = None
    """The log's name for ``biotraza init`` (``BIOTRAZA_ORIGIN``); genesis records it for good."""
    operator_key_name: str = "operator"
    max_request_bytes: int = 128 * 1024
    max_blob_bytes: int = 25 * 1024 * 1024
    max_batch_bytes: int = Field(default=4 * 1024 * 1024, gt=0)
    """Largest body of ``POST /api/v1/batches`` (``BIOTRAZA_MAX_BATCH_BYTES``): a
    batch of 1,000 field statements is about 0.6 MB."""
    max_batch_statements: int = Field(default=1000, ge=1)
    """Most statements one batch may carry (``BIOTRAZA_MAX_BATCH_STATEMENTS``): all of them
    are admitted under the ledger's write lock, which other writers wait for meanwhile."""
    upload_window_seconds: float = Field(default=300.0, gt=0)
    upload_bytes_per_key_per_day: int = Field(default=1 << 30, ge=0)
    upload_bytes_per_key_total: int = Field(default=20 << 30, ge=0)
    upload_min_free_bytes: int = Field(default=1 << 30, ge=0)
    checkpoint_every_entries: int = Field(default=256, ge=1)
    checkpoint_max_age_seconds: float = Field(default=10.0, gt=0)
    epcis_max_events: int = Field(default=10_000, gt=0)
    """Most events one EPCIS document may bring in (import and capture; issue 15 #17)."""
    epcis_max_bytes: int = Field(default=16 * 1024 * 1024, gt=0)
    """Largest EPCIS file ``biotraza epcis import`` reads."""
    lock_timeout_seconds: float = Field(default=DEFAULT_LOCK_TIMEOUT, gt=0, le=3600)
    """How long an append waits for other writers before it answers 503 / fails."""
    forest_layers_dir: Path | None = None
    """Folder of the forest maps the API's deforestation screen may read
    (``BIOTRAZA_FOREST_LAYERS_DIR``): requests name files in it, never paths."""
    webapp_dir: Path | None = None
    """The built browser app served at ``/app/``; default ``api/webapp/dist`` (``make webapp``)."""
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or the SQLite file under the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'ledger.db'}"

    @property
    def blob_dir(self) -> Path:
        """Where evidence files live, by SHA-256 (on the server's disk, whatever the database)."""
        return self.data_dir / "blobs"

    @property
    def key_dir(self) -> Path:
        """Where the encrypted private keys live."""
        return self.data_dir / "keys"
