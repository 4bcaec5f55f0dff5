"""Evidence files by SHA-256: upload, download, and check presence.

`PUT /api/v1/blobs/{sha256}` stores the raw request body if it hashes to the name (the usual
way: the client knows the hash it will put in the `evidence.recorded` entry, and a retried
upload is harmless). `POST /api/v1/blobs` stores a body and tells you its hash.
`HEAD /api/v1/blobs/{sha256}` says whether a file is stored (public); `GET` serves it, checked
against its name, only for a signed read by a key entitled to it (``api.services.evidence_reads``).
Bodies are streamed to disk, never held whole in memory, and refused past the size limit.

Uploads write to the server's disk, so they need an ``Authorization: Biotraza-Upload …``
header signed by a ledger key allowed to record evidence, and count against that key's quota
(``api.services.uploads``); the header is checked before any of the body is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.http.deps import BlobsDep, ServiceDep, UploadGateDep
from api.http.responses import binary, error_responses
from api.services.evidence_reads import authorize_file_read
from api.services.uploads import UploadGate
from ledger.storage.blobs import BlobInfo, BlobStore

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["evidence files"])

DigestPath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file, lowercase hex")
]

_IMMUTABLE = "public, max-age=31536000, immutable"
_PRIVATE = "private, no-store"
"""A file's bytes are for the one reader who signed for them: no shared or stored copies."""

_STORED = {
    "description": "Already stored: the same answer as when it was first stored.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["sha256", "size", "created", "url"],
                "properties": {
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "size": {"type": "integer", "minimum": 0},
                    "created": {"type": "boolean"},
                    "url": {"type": "string"},
                },
            }
        }
    },
}
_UPLOAD = {
    "requestBody": {
        "required": False,  # an empty body is an empty file
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


_UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid upload authorization (missing, stale, replayed, bad)."},
    403: {"description": "The key is unknown, revoked, or may not record evidence."},
    413: {"description": "The file is over the size limit (refused while it is received)."},
    429: {"description": "The key is over its upload quota."},
    507: {"description": "The server is short of disk space."},
}


async def _store(
    request: Request, blobs: BlobStore, gate: UploadGate, expected: str | None
) -> BlobInfo:
    """Check the upload's authorization, then stream the body to disk.

    The size limit is enforced while the body is received (``api.http.limits``) and again by
    the blob writer; the file work (writes, fsync, rename) and the quota bookkeeping run in
    the threadpool, so a slow disk or database never stalls the event loop.
    """
    auth = await run_in_threadpool(gate.admit, request.headers.get("authorization"), expected)
    info: BlobInfo | None = None
    try:
        # The authorization names the hash: content that hashes to anything else is refused.
        with blobs.writer(auth.sha256) as writer:
            async for chunk in request.stream():
                await run_in_threadpool(writer.write, chunk)
            info = await run_in_threadpool(writer.commit)
        return info
    finally:
        await run_in_threadpool(gate.settle, auth, info)


def _stored(info: BlobInfo) -> JSONResponse:
    body: dict[str, Any] = {
        "sha256": info.sha256,
        "size": info.size,
        "created": info.created,
        "url": f"/api/v1/blobs/{info.sha256}",
    }
    return JSONResponse(body, status_code=201 if info.created else 200)


@router.put(
    "/blobs/{sha256}",
    status_code=201,
    responses={
        200: _STORED,
        201: {**_STORED, "description": "Stored."},
        **_UPLOAD_ERRORS,
        **error_responses(413, 422, r422="The body does not hash to `sha256`."),
    },
    openapi_extra=_UPLOAD,
)
async def put_blob(
    request: Request, blobs: BlobsDep, gate: UploadGateDep, sha256: DigestPath
) -> JSONResponse:
    """Store a file under its SHA-256 (201; 200 if it was already there).

    Needs `Authorization: Biotraza-Upload <authorization>.<signature>` for this hash and size,
    signed by an active ledger key that may record evidence (see docs/api.md). The raw request
    body is the file. It is refused (422, field `sha256`) if it hashes to anything else, and
    (413, field `body`) if it is over the size limit; nothing is stored then.
    """
    return _stored(await _store(request, blobs, gate, sha256))


@router.post(
    "/blobs",
    status_code=201,
    responses={
        200: _STORED,
        201: {**_STORED, "description": "Stored."},
        **_UPLOAD_ERRORS,
        **error_responses(413),
    },
    openapi_extra=_UPLOAD,
)
async def post_blob(request: Request, blobs: BlobsDep, gate: UploadGateDep) -> JSONResponse:
    """Store a file and answer with its SHA-256, to cite in an `evidence.recorded` entry.

    Needs the same signed authorization as `PUT`, which names the file's hash.
    """
    return _stored(await _store(request, blobs, gate, None))


@router.head(
    "/blobs/{sha256}",
    responses={
        200: binary("application/octet-stream", "Stored; `Content-Length` is its size."),
        404: {"description": "Not stored."},
    },
)
def head_blob(blobs: BlobsDep, sha256: DigestPath) -> Response:
    """Whether the file is stored (200 with its length) or not (404)."""
    size = blobs.size(sha256)
    return Response(
        headers={"Content-Length": str(size), "ETag": f'"{sha256}"', "Cache-Control": _IMMUTABLE},
        media_type="application/octet-stream",
    )


@router.get(
    "/blobs/{sha256}",
    response_class=StreamingResponse,
    responses={
        200: binary("application/octet-stream", "The file."),
        **error_responses(
            401,
            403,
            404,
            r401="No valid signed read for this method and path (`WWW-Authenticate: "
            "Biotraza-Read`), or one already used.",
            r403="The signing key may not read this file.",
            r404="Not stored.",
        ),
    },
)
def get_blob(
    request: Request,
    service: ServiceDep,
    blobs: BlobsDep,
    sha256: DigestPath,
    authorization: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """The file's bytes, for a signed read by a key entitled to it
    (`Authorization: Biotraza-Read …`; who may read is in docs/security.md). Evidence files
    are not public: their hashes are on the ledger, their contents are not."""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    authorize_file_read(service, sha256, authorization, path)
    size = blobs.size(sha256)
    chunks: Iterator[bytes] = blobs.read(sha256)
    return StreamingResponse(
        chunks,
        media_type="application/octet-stream",
        headers={"Content-Length": str(size), "ETag": f'"{sha256}"', "Cache-Control": _PRIVATE},
    )
