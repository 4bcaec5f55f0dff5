"""Evidence files by SHA-256: upload, download, and check presence.

`PUT /api/v1/blobs/{sha256}` stores the raw request body if it hashes to the name (the usual
way: the client knows the hash it will put in the `evidence.recorded` entry, and a retried
upload is harmless). `POST /api/v1/blobs` stores a body and tells you its hash.
`GET`/`HEAD /api/v1/blobs/{sha256}` serve the file, immutable and checked against its name.
Bodies are streamed to disk, never held whole in memory, and refused past the size limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from api.http.deps import BlobsDep
from api.http.responses import binary, error_responses
from ledger.storage.blobs import BlobInfo, BlobStore, BlobTooLargeError

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["evidence files"])

DigestPath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file, lowercase hex")
]

_IMMUTABLE = "public, max-age=31536000, immutable"

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


async def _store(request: Request, blobs: BlobStore, expected: str | None) -> BlobInfo:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > blobs.max_bytes:
        raise BlobTooLargeError(blobs.max_bytes)
    with blobs.writer(expected) as writer:
        async for chunk in request.stream():
            writer.write(chunk)
        return writer.commit()


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
        **error_responses(413, 422, r422="The body does not hash to `sha256`."),
    },
    openapi_extra=_UPLOAD,
)
async def put_blob(request: Request, blobs: BlobsDep, sha256: DigestPath) -> JSONResponse:
    """Store a file under its SHA-256 (201; 200 if it was already there).

    The raw request body is the file. It is refused (422, field `sha256`) if it hashes to
    anything else, and (413, field `body`) if it is over the size limit; nothing is stored then.
    """
    return _stored(await _store(request, blobs, sha256))


@router.post(
    "/blobs",
    status_code=201,
    responses={200: _STORED, 201: {**_STORED, "description": "Stored."}, **error_responses(413)},
    openapi_extra=_UPLOAD,
)
async def post_blob(request: Request, blobs: BlobsDep) -> JSONResponse:
    """Store a file and answer with its SHA-256, to cite in an `evidence.recorded` entry."""
    return _stored(await _store(request, blobs, None))


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
        **error_responses(404, r404="Not stored."),
    },
)
def get_blob(blobs: BlobsDep, sha256: DigestPath) -> StreamingResponse:
    """The file's bytes. Cached forever by clients: a name never changes content."""
    size = blobs.size(sha256)
    chunks: Iterator[bytes] = blobs.read(sha256)
    return StreamingResponse(
        chunks,
        media_type="application/octet-stream",
        headers={"Content-Length": str(size), "ETag": f'"{sha256}"', "Cache-Control": _IMMUTABLE},
    )
