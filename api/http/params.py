"""Path and query parameters are checked once, for every route, before any route code runs.

Routes declare the shape of their own parameters (patterns, lengths); this is the floor under
all of them, for the parameters a route takes as free text (a lot id on the lot page, a
filter value) and passes to the database: PostgreSQL refuses a NUL byte in text with an
exception, which surfaced as a 500. A value with a control character (C0, DEL, C1) or longer
than :data:`MAX_PARAM_CHARS` is refused with 400 and the error envelope naming it
(``path.lot_id``, ``query.org_id``), as FastAPI's own parameter validation does.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

__all__ = ["MAX_PARAM_CHARS", "check_parameters"]

MAX_PARAM_CHARS = 2048
"""No parameter of this API is longer (the longest is a label's QR text, 600 characters)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _problem(value: str) -> str | None:
    if len(value) > MAX_PARAM_CHARS:
        return f"longer than {MAX_PARAM_CHARS} characters"
    found = _CONTROL.search(value)
    if found:
        return f"control character U+{ord(found.group()):04X} is not allowed"
    return None


async def check_parameters(request: Request) -> None:
    """Refuse a request whose path or query parameters hold control characters or are too long.

    Raises:
        RequestValidationError: one error per bad parameter (answered 400 by the handlers).
    """
    errors: list[dict[str, Any]] = []
    sources = (("path", request.path_params.items()), ("query", request.query_params.multi_items()))
    for where, items in sources:
        for name, value in items:
            problem = _problem(name)
            if problem:
                shown = name.encode("unicode_escape").decode("ascii")[:64]
                errors.append({"type": "value_error", "loc": (where, shown), "msg": problem})
            elif isinstance(value, str) and (problem := _problem(value)):
                errors.append({"type": "value_error", "loc": (where, name), "msg": problem})
    if errors:
        raise RequestValidationError(errors)
