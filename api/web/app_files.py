"""The browser app's built files (``api/webapp/dist``), ready to send: type, caching, gzip.

Vite names every asset under ``assets/`` by the hash of its content, so those may be cached
for a year (``immutable``); everything else (``index.html``, the service worker ``sw.js``, the
manifest and icons) keeps its name across versions and must be revalidated on each use
(``no-cache`` with an ETag, so an unchanged file costs a 304). Text files are gzipped once
and kept in memory: the app is a few hundred kilobytes, and a phone on a slow rural link
gets a third of the bytes.

A path is only ever looked up inside the build folder (no ``..`` escape), and the files
are re-read when they change on disk (a ``make webapp`` while the server runs).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = ["DEFAULT_DIST", "AppFile", "AppFiles", "is_asset_path"]

DEFAULT_DIST = Path(__file__).resolve().parents[1] / "webapp" / "dist"
"""Where ``make webapp`` writes the build (``api/webapp/dist``)."""

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".wasm": "application/wasm",
}
_COMPRESSIBLE = {".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".svg", ".txt"}
_MIN_GZIP_BYTES = 512


def is_asset_path(path: str) -> bool:
    """Whether ``path`` names a file (``assets/…`` or a name with an extension) rather than
    a screen of the app: a missing file is a 404, a missing screen gets index.html."""
    name = PurePosixPath(path).name
    return path.startswith("assets/") or "." in name


@dataclass(frozen=True)
class AppFile:
    """One built file as it is sent."""

    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str
    cache_control: str


class AppFiles:
    """The files of one build folder; ``get`` is thread-safe and cached by size and mtime."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, tuple[tuple[int, int], AppFile]] = {}
        self._lock = threading.Lock()

    def built(self) -> bool:
        """Whether the app has been built (its index.html exists)."""
        return (self.root / "index.html").is_file()

    def _locate(self, path: str) -> Path | None:
        root = self.root.resolve()
        try:
            candidate = (root / path).resolve()
        except (OSError, ValueError):
            return None
        if not candidate.is_relative_to(root) or not candidate.is_file():
            return None
        return candidate

    def get(self, path: str) -> AppFile | None:
        """The file at ``path`` inside the build, or ``None`` if there is none."""
        found = self._locate(path)
        if found is None:
            return None
        stat = found.stat()
        key = (stat.st_size, stat.st_mtime_ns)
        with self._lock:
            cached = self._cache.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        loaded = _load(found, path)
        with self._lock:
            self._cache[path] = (key, loaded)
        return loaded


def _load(found: Path, path: str) -> AppFile:
    body = found.read_bytes()
    suffix = found.suffix.lower()
    compress = suffix in _COMPRESSIBLE and len(body) >= _MIN_GZIP_BYTES
    return AppFile(
        body=body,
        gzipped=gzip.compress(body, compresslevel=9, mtime=0) if compress else None,
        media_type=_TYPES.get(suffix, "application/octet-stream"),
        etag=hashlib.sha256(body).hexdigest()[:32],
        cache_control=IMMUTABLE if path.startswith("assets/") else REVALIDATE,
    )
