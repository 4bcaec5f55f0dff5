"""Who may put files on the server's disk, and how much: admission of evidence-file uploads.

An anonymous client must not be able to fill the disk, so every upload carries an
authorization signed by a ledger key (``ledger.upload_auth``, which also defines the
refusals). :meth:`UploadGate.admit` checks, in this order, and refuses with

* 401 — no or malformed authorization, one for another file, a signature that does not
  verify, a ``ts`` outside ``window_seconds`` of the server's clock, or a nonce already used
  (a replay: each authorization is good for one upload);
* 403 — a key the ledger does not know, one revoked or outside its validity window now, or one
  whose role may not record evidence (the roles of ``evidence.recorded``);
* 413 — a declared size over ``BIOTRAZA_MAX_BLOB_BYTES``;
* 507 — the disk would drop below ``min_free_bytes`` (a floor for the whole server);
* 429 — the key would go over its bytes per UTC day (with ``Retry-After`` until midnight) or
  its total.

Only then is the body read. The declared size is charged when admitted and corrected when the
upload ends (0 if the file was already stored or the upload failed), so quotas count the bytes
each key really added to the disk.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from api.services.ledger import LedgerService
from ledger.errors import AuthorizationError
from ledger.keys import decode_public_key
from ledger.statements import format_ts
from ledger.storage.blobs import BlobInfo, BlobStore, BlobTooLargeError
from ledger.storage.sql.store import SqlState
from ledger.storage.sql.uploads import UploadLedger, UploadNonceUsedError, UploadQuotaExceededError
from ledger.trust import KEY_KIND, active_key
from ledger.upload_auth import (
    InsufficientStorageError,
    UploadAuthorization,
    UploadForbiddenError,
    UploadQuotaError,
    UploadUnauthorizedError,
    check_upload_signature,
    parse_upload_authorization,
)

__all__ = ["EVIDENCE_TYPE", "UploadGate", "UploadPolicy"]

EVIDENCE_TYPE = "evidence.recorded"
"""Keys whose role may sign this entry type may upload the files it cites."""


@dataclass(frozen=True)
class UploadPolicy:
    """Limits on uploads (``BIOTRAZA_UPLOAD_*`` settings)."""

    window_seconds: float = 300.0
    bytes_per_key_per_day: int = 1 << 30
    bytes_per_key_total: int = 20 << 30
    min_free_bytes: int = 1 << 30


def _free_bytes(root: Path) -> int:
    """Free bytes on the file system that holds ``root`` (or its nearest existing parent)."""
    path = root
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


class UploadGate:
    """Admits or refuses uploads, and settles what each one cost (see the module docstring)."""

    def __init__(
        self,
        service: LedgerService,
        blobs: BlobStore,
        policy: UploadPolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._service = service
        self._blobs = blobs
        self.policy = policy
        self._clock = clock
        self.book = UploadLedger(service.engine)

    def admit(self, header: str | None, expected_sha256: str | None) -> UploadAuthorization:
        """Check an upload's authorization and reserve its size (see the module docstring).

        Raises:
            UploadUnauthorizedError, UploadForbiddenError, BlobTooLargeError,
            InsufficientStorageError, UploadQuotaError: as listed there.
        """
        auth, signature = parse_upload_authorization(header)
        if expected_sha256 is not None and auth.sha256 != expected_sha256:
            raise UploadUnauthorizedError(
                f"the authorization is for file {auth.sha256}, not {expected_sha256}",
                "authorization.sha256",
            )
        now = self._clock()
        self._check_key(auth, signature, now)
        if abs((now - auth.moment).total_seconds()) > self.policy.window_seconds:
            raise UploadUnauthorizedError(
                f"authorization ts {auth.ts} is more than {self.policy.window_seconds:g} s from "
                f"the server's clock ({format_ts(now)}): sign a fresh one",
                "authorization.ts",
            )
        if auth.size > self._blobs.max_bytes:
            raise BlobTooLargeError(self._blobs.max_bytes)
        if _free_bytes(self._blobs.root) - auth.size < self.policy.min_free_bytes:
            raise InsufficientStorageError("the server is short of disk space; try again later")
        day = now.strftime("%Y-%m-%d")
        try:
            self.book.reserve(
                auth.key,
                auth.nonce,
                auth.sha256,
                auth.size,
                day=day,
                now=format_ts(now),
                per_day=self.policy.bytes_per_key_per_day,
                total=self.policy.bytes_per_key_total,
            )
        except UploadNonceUsedError:
            raise UploadUnauthorizedError(
                "this upload authorization was already used: sign a fresh one for each upload",
                "authorization.nonce",
            ) from None
        except UploadQuotaExceededError as exc:
            raise _quota_error(exc, now) from None
        return auth

    def _check_key(self, auth: UploadAuthorization, signature: bytes, now: datetime) -> None:
        roles = self._service.registry.get(EVIDENCE_TYPE).roles
        with self._service.store.reading() as cursor:
            state = SqlState(cursor)
            doc = state.get(KEY_KIND, auth.key)
            if doc is None:
                raise UploadForbiddenError(f"unknown key {auth.key}: not registered in the ledger")
            check_upload_signature(auth, signature, decode_public_key(doc["public_key"]))
            try:
                active_key(state, auth.key, format_ts(now))
            except AuthorizationError as exc:
                raise UploadForbiddenError(str(exc)) from None
        if doc["role"] not in roles:
            raise UploadForbiddenError(
                f"key {auth.key} has role {doc['role']}; uploading evidence files needs one of "
                f"{sorted(roles)}"
            )

    def settle(self, auth: UploadAuthorization, info: BlobInfo | None) -> None:
        """Charge what the upload added: its size if it stored a new file, else nothing."""
        charged = info.size if info is not None and info.created else 0
        self.book.settle(auth.key, auth.nonce, charged)


def _quota_error(exc: UploadQuotaExceededError, now: datetime) -> UploadQuotaError:
    if exc.which == "day":
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return UploadQuotaError(
            f"upload quota exceeded: this key stored {exc.usage.today} of its {exc.limit} "
            "bytes today (UTC)",
            retry_after=max(int((midnight - now).total_seconds()), 1),
        )
    return UploadQuotaError(
        f"upload quota exceeded: this key stored {exc.usage.total} of its {exc.limit} bytes",
        retry_after=None,
    )
