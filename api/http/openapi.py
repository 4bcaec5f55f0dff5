"""The OpenAPI document: what FastAPI generates, corrected to say what the app really does.

FastAPI documents a 422 ``HTTPValidationError`` on every route with parameters; this app
answers parameter errors with 400 and its own envelope (``api.http.errors``), so that 422 is
replaced. Responses every route can give are added here once instead of on each decorator:
400 (a bad parameter or body) where there is anything to validate, 413 where there is a body,
503 everywhere (storage unreachable). Route-specific responses (404, 409, file types…) are
declared by each route's decorator with ``api.http.responses``.

Starlette answers a wrong method with 405 and an ``Allow`` header naming only the first route
whose path matched; ``install_method_not_allowed`` lists every method of the path instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from api.http.errors import error_body
from api.http.params import MAX_PARAM_CHARS
from api.http.responses import ErrorEnvelope

__all__ = ["allowed_methods", "install_method_not_allowed", "install_openapi"]

_ENVELOPE_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}
_FASTAPI_VALIDATION = "#/components/schemas/HTTPValidationError"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _envelope(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ENVELOPE_REF}},
    }
    if headers:
        response["headers"] = headers
    return response


_BAD_REQUEST = _envelope("Malformed request: `fields` names each bad parameter or field.")
_TOO_LARGE = _envelope("Request body over the size limit (refused while it is received).")
_INTERNAL = _envelope("A bug: the same envelope with no detail; the traceback is logged.")
_UNAVAILABLE = _envelope(
    "Storage unavailable; retry later.",
    {
        "Retry-After": {
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "integer", "minimum": 0},
        }
    },
)


def _uses_fastapi_validation(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref") == _FASTAPI_VALIDATION)


PARAMETER_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f]*$"
"""What every path and query parameter matches (``api.http.params``: no control character)."""


def _publish_parameter_floor(parameter: dict[str, Any]) -> None:
    """State in a string parameter's schema what ``api.http.params`` enforces on every one:
    no control characters, at most ``MAX_PARAM_CHARS``. A schema with its own pattern is
    already stricter (every pattern here is a whitelist of printable characters)."""
    schema = parameter.get("schema")
    alternatives = schema.get("anyOf", [schema]) if isinstance(schema, dict) else []
    for option in alternatives:
        if isinstance(option, dict) and option.get("type") == "string":
            option.setdefault("pattern", PARAMETER_PATTERN)
            option["maxLength"] = min(option.get("maxLength", MAX_PARAM_CHARS), MAX_PARAM_CHARS)


def correct_operation(operation: dict[str, Any]) -> None:
    """Replace FastAPI's 422 validation answer by the 400 envelope; add 400 (any request may
    carry a malformed parameter, even an undeclared one), 413, 500 and 503; publish the
    parameter floor."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if "422" in responses and _uses_fastapi_validation(responses["422"]):
        del responses["422"]
    for parameter in operation.get("parameters", []):
        _publish_parameter_floor(parameter)
    responses.setdefault("400", _BAD_REQUEST)
    # A page's own 400 is HTML for people; a bad parameter is refused before the page runs,
    # with the JSON envelope, so every 400 also documents that.
    responses["400"].setdefault("content", {}).setdefault(
        "application/json", {"schema": _ENVELOPE_REF}
    )
    if "requestBody" in operation:
        responses.setdefault("413", _TOO_LARGE)
    responses.setdefault("500", _INTERNAL)
    responses.setdefault("503", _UNAVAILABLE)


def _add_component(components: dict[str, Any], model: Any) -> None:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    components.setdefault(model.__name__, schema)


def build_openapi(app: FastAPI, extend: Callable[[dict[str, Any]], None] | None) -> dict[str, Any]:
    """The corrected document of ``app``; ``extend`` may add components (entry bodies)."""
    doc = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    _add_component(components, ErrorEnvelope)
    for item in doc.get("paths", {}).values():
        for method in _METHODS:
            if method in item:
                correct_operation(item[method])
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    if extend is not None:
        extend(doc)
    return doc


def install_openapi(app: FastAPI, extend: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Serve the corrected document at ``/openapi.json`` (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, extend)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route serves at ``path``, sorted (routes of included routers too)."""
    methods: set[str] = set()
    for context in iter_route_contexts(app.routes):
        template, route_methods = context.path, context.methods
        if template and route_methods and compile_path(template)[0].fullmatch(path):
            methods.update(route_methods)
    return sorted(methods)


def install_method_not_allowed(app: FastAPI) -> None:
    """Answer 405 with the JSON envelope and an ``Allow`` naming all the path's methods."""

    def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for 405 only
        allow = ", ".join(allowed_methods(app, request.url.path))
        return JSONResponse(
            error_body("http_error", f"method {request.method} not allowed; use {allow}"),
            status_code=405,
            headers={"Allow": allow},
        )

    app.add_exception_handler(405, method_not_allowed)
