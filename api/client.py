"""A small HTTP client for the Biotraza API: sign locally, submit, read back.

Submitting is safe to retry on flaky rural networks: the signed statement (with its nonce)
is built once, and re-sending the same object returns the entry it already became.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.entries import Entry
from ledger.errors import HashMismatchError, IntegrityError
from ledger.hashing import EntryHash
from ledger.read_auth import sign_read
from ledger.statements import SignedStatement
from ledger.upload_auth import sign_upload

__all__ = ["BatchItemResult", "BiotrazaClient", "ClientError", "SubmitResult", "server_url"]


def server_url(text: str) -> str:
    """``text`` if it is an absolute http(s) URL with a host (what a server address must be).

    Checked before anything is signed or sent: a malformed address is a typo to fix, not a
    network error to retry.

    Raises:
        ValueError: not a URL, another scheme, or no host.
    """
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise ValueError(f"not a URL ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("expected an http:// or https:// URL with a host, e.g. http://host:8000")
    return text


class ClientError(Exception):
    """The server refused a request; ``status`` and ``body`` say why."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        super().__init__(f"HTTP {status}: {error.get('message', body)}")
        self.status = status
        self.body = body
        self.code = str(error.get("code", ""))
        self.fields: list[dict[str, str]] = list(error.get("fields", []))


class SubmitResult:
    """The entry a submission became and whether this call created it."""

    def __init__(self, entry: dict[str, Any], created: bool) -> None:
        self.entry = entry
        self.created = created
        self.seq = int(entry["seq"])
        self.entry_hash = str(entry["entry_hash"])


class BatchItemResult:
    """One statement's outcome in a batch: ``appended``, ``duplicate`` (it already was
    ``entry``) or ``refused`` (``code``, ``message`` and ``fields`` as the single endpoint's
    error says them)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.status = str(data["status"])
        self.http_status = int(data["http_status"])
        self.entry: dict[str, Any] | None = data.get("entry")
        error = data.get("error") or {}
        self.code = str(error.get("code", ""))
        self.message = str(error.get("message", ""))
        self.fields: list[dict[str, str]] = list(error.get("fields", []))

    @property
    def refused(self) -> bool:
        """Whether nothing was recorded for this statement."""
        return self.status == "refused"


class BiotrazaClient:
    """Talks to one Biotraza server."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retries: int = 3,
    ) -> None:
        self._http = httpx.Client(
            base_url=server_url(base_url), transport=transport, timeout=timeout
        )
        self._retries = retries

    def __enter__(self) -> BiotrazaClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _request(
        self,
        method: str,
        url: str,
        *,
        sign: Callable[[], dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        # Retrying a POST is safe here: submissions are idempotent by (actor, nonce).
        # ``sign`` gives fresh headers per attempt (upload authorizations are single-use).
        for attempt in range(self._retries + 1):
            if sign is not None:
                kwargs["headers"] = {**kwargs.get("headers", {}), **sign()}
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TransportError:
                if attempt == self._retries:
                    raise
                time.sleep(0.2 * 2**attempt)
                continue
            if response.status_code >= 500 and attempt < self._retries:
                time.sleep(0.2 * 2**attempt)
                continue
            if response.status_code >= 400:
                try:
                    body = response.json()
                except ValueError:
                    body = {"error": {"message": response.text}}
                raise ClientError(response.status_code, body)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def submit(self, signed: SignedStatement) -> SubmitResult:
        """Submit a signed statement; retries transport errors and 5xx answers.

        Raises:
            ClientError: the server refused it (4xx), naming the reason and fields.
        """
        response = self._request("POST", "/api/v1/entries", json=signed.to_dict())
        return SubmitResult(response.json(), created=response.status_code == 201)

    def submit_batch(self, statements: Sequence[SignedStatement]) -> list[BatchItemResult]:
        """Submit many signed statements in one request (``POST /api/v1/batches``);
        one result per statement, in order. Retries transport errors and 5xx answers: the
        server records all of a batch or none of it, and a statement already recorded comes
        back as ``duplicate``.

        Every entry received is checked against what was sent (its statement and signature)
        and against its own hash, so an acknowledgement is one of this statement, unchanged.

        Raises:
            ClientError: the batch itself was refused (4xx: too many statements, too large).
            IntegrityError: an entry received is not the statement sent, or not its hash.
        """
        body = {"statements": [signed.to_dict() for signed in statements]}
        response = self._request("POST", "/api/v1/batches", json=body)
        results = [BatchItemResult(item) for item in response.json()["results"]]
        if len(results) != len(statements):
            raise IntegrityError(
                f"sent {len(statements)} statements, the server answered for {len(results)}"
            )
        for index, (signed, result) in enumerate(zip(statements, results, strict=True)):
            if result.entry is None:
                continue
            entry = entry_from_public(result.entry)
            if (entry.statement.canonical_bytes, entry.signed.sig) != (
                signed.statement.canonical_bytes,
                signed.sig,
            ):
                raise IntegrityError(
                    f"statement {index}: the server answered with entry {entry.seq}, which is "
                    "another statement"
                )
        return results

    def register_producer(
        self, signed: SignedStatement, personal_data: dict[str, Any], salt: str
    ) -> SubmitResult:
        """Register a producer with its off-ledger personal data (idempotent)."""
        response = self._request(
            "POST",
            "/api/v1/producers",
            json={"entry": signed.to_dict(), "personal_data": personal_data, "salt": salt},
        )
        return SubmitResult(response.json(), created=response.status_code == 201)

    def put_blob(self, data: bytes, sha256: str, signer: Ed25519PrivateKey) -> dict[str, Any]:
        """Upload an evidence file under its hash (idempotent: retrying is harmless).

        ``signer`` is a ledger key allowed to record evidence: each attempt carries a fresh
        upload authorization it signs (see ``ledger.upload_auth``).
        """
        response = self._request(
            "PUT",
            f"/api/v1/blobs/{sha256}",
            sign=lambda: {"Authorization": sign_upload(signer, sha256, len(data))},
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        result: dict[str, Any] = response.json()
        return result

    def get_blob(self, sha256: str, reader: Ed25519PrivateKey) -> bytes:
        """Download an evidence file and check it against its hash.

        Evidence files are private: ``reader`` is a ledger key entitled to the file (root, a
        certifier, the association whose evidence cites it, or its uploader); each attempt
        carries a fresh signed read (``ledger.read_auth``: one read per header).

        Raises:
            IntegrityError: the bytes received do not hash to ``sha256``.
        """
        path = f"/api/v1/blobs/{sha256}"
        data = self._request(
            "GET", path, sign=lambda: {"Authorization": sign_read(reader, path)}
        ).content
        if hashlib.sha256(data).hexdigest() != sha256:
            raise IntegrityError(f"file received for {sha256} hashes to something else")
        return data

    def evaluate(self, request: dict[str, Any]) -> dict[str, Any]:
        """A dry-run evaluation on the server's ledger (``POST /api/v1/evaluations``): the
        fields a ``verification.issued`` body signs. Records nothing, so retrying is safe.

        Raises:
            ClientError: the server refused the request, naming the field (e.g.
                ``evidence_ids.3``).
        """
        found: dict[str, Any] = self._request("POST", "/api/v1/evaluations", json=request).json()
        return found

    def device_request(self, short_code: str) -> dict[str, Any]:
        """The enrolment request a browser or phone left under its short code."""
        response = self._request("GET", f"/api/v1/device-requests/{short_code}")
        found: dict[str, Any] = response.json()
        return found

    def devices(self, org_id: str) -> list[dict[str, Any]]:
        """An association's field devices (``GET /api/v1/orgs/{org_id}/devices``)."""
        page: dict[str, Any] = self._request("GET", f"/api/v1/orgs/{org_id}/devices").json()
        return list(page["data"])

    def device_refusals(
        self, org_id: str, key_id: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Refused device submissions of an association, newest first."""
        params: dict[str, Any] = {"limit": limit}
        if key_id is not None:
            params["key_id"] = key_id
        page: dict[str, Any] = self._request(
            "GET", f"/api/v1/orgs/{org_id}/device-refusals", params=params
        ).json()
        return list(page["data"])

    def head(self) -> dict[str, Any]:
        """``{"size": n, "head_hash": hex}``."""
        result: dict[str, Any] = self._request("GET", "/api/v1/head").json()
        return result

    def entry(self, seq: int) -> Entry:
        """Fetch one entry and check its hash against its own bytes."""
        return entry_from_public(self._request("GET", f"/api/v1/entries/{seq}").json())

    def entries(self, start: int = 0, limit: int = 1000) -> list[Entry]:
        """Fetch a page of entries, each checked against its claimed hash."""
        page = self._request("GET", "/api/v1/entries", params={"start": start, "limit": limit})
        return [entry_from_public(item) for item in page.json()["data"]]

    def all_entries(self) -> list[Entry]:
        """Fetch the whole ledger page by page."""
        result: list[Entry] = []
        while True:
            page = self.entries(len(result))
            if not page:
                return result
            result.extend(page)


def entry_from_public(data: dict[str, Any]) -> Entry:
    """Rebuild an entry from its API form; the claimed hash must match the rebuilt bytes."""
    entry = Entry.from_dict(data)
    claimed = EntryHash(bytes.fromhex(str(data["entry_hash"])))
    if claimed != entry.entry_hash:
        raise HashMismatchError(
            f"entry {entry.seq}: claimed hash {claimed.hex()} != computed {entry.entry_hash.hex()}",
            entry.seq,
        )
    return entry
