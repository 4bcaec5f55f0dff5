"""Reading request bodies with a size limit and strict JSON.

Signed statements are parsed by hand rather than by FastAPI's model binding: the JSON must be
strict (duplicate keys would let two parsers disagree on what was signed), and an oversize
body must be refused before it is held in memory.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.http.errors import RequestTooLargeError
from ledger.canonical import parse_json_strict

__all__ = ["read_json_body"]


async def read_json_body(request: Request, limit: int) -> Any:
    """Read at most ``limit`` bytes and parse them as strict JSON.

    Raises:
        RequestTooLargeError: the declared or actual size is over the limit.
        EncodingError: the body is not strict JSON.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLargeError(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLargeError(limit)
        chunks.append(chunk)
    return parse_json_strict(b"".join(chunks))
