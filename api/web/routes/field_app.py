"""`/app/`: the association's browser app (the built ``api/webapp/dist``), served as files.

Every screen of the app (``/app/``, ``/app/plots``, …) answers with index.html, so a reload
or a shared link opens the app, which then routes itself; a missing *file* (an old hashed
asset, a typo) is a 404. The service worker is ``/app/sw.js``, whose scope is ``/app/``.
When the app has not been built the server still runs and ``/app/`` answers 503 with a
short page saying how to build it.

These routes are not part of the API, so they stay out of the OpenAPI document (like
``/docs``). Why files are cached the way they are: :mod:`api.web.app_files`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.web.app_files import AppFile, AppFiles, is_asset_path

__all__ = ["APP_URL", "CONTENT_SECURITY_POLICY", "NOT_BUILT_PAGE", "install_field_app"]

APP_URL = "/app/"

NOT_BUILT_PAGE = """<!doctype html>
<html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Biotraza: aplicación no compilada · app not built</title></head>
<body style="font-family:sans-serif;font-size:18px;max-width:40rem;margin:1rem auto;padding:0 1rem">
<h1>La aplicación de campo no está compilada</h1>
<p>En el servidor, en la carpeta del proyecto, ejecute <code>make webapp</code>
(o <code>make demo</code>) y vuelva a cargar esta página.</p>
<h1 lang="en">The field app is not built</h1>
<p lang="en">On the server, in the project folder, run <code>make webapp</code>
(or <code>make demo</code>) and reload this page.</p>
</body></html>
"""


CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # Preact sets `style` through the CSSOM, which style-src does not govern; no
        # <style> element or style attribute comes from markup.
        "style-src 'self'",
        # QR codes and sketches may be drawn as data:/blob: images.
        "img-src 'self' data: blob:",
        # The app talks only to the server that served it (statements, proofs, lists).
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""What the app may load and run: only its own files. The app holds the device's signing key
(non-extractable where the browser allows, but usable by any script on the page), so no
injected or third-party script may run beside it, and no other site may frame it."""


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def _send(request: Request, found: AppFile, path: str) -> Response:
    gzipped = found.gzipped is not None and _accepts_gzip(request)
    etag = f'"{found.etag}-gz"' if gzipped else f'"{found.etag}"'
    headers = {
        "Cache-Control": found.cache_control,
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "Referrer-Policy": "same-origin",
    }
    if found.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if path == "sw.js":
        headers["Service-Worker-Allowed"] = APP_URL
    wanted = request.headers.get("if-none-match", "")
    if etag in (tag.strip() for tag in wanted.split(",")):
        return Response(status_code=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    body = found.gzipped if gzipped and found.gzipped is not None else found.body
    return Response(body, media_type=found.media_type, headers=headers)


def install_field_app(app: FastAPI, root: Path) -> None:
    """Serve the build folder ``root`` at ``/app/`` (``/app`` redirects there)."""
    files = AppFiles(root)
    app.state.field_app = files

    @app.api_route("/app", methods=["GET", "HEAD"], include_in_schema=False)
    def field_app_root() -> RedirectResponse:
        return RedirectResponse(APP_URL, status_code=308)

    @app.api_route("/app/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def field_app_file(request: Request, path: str) -> Response:
        if not files.built():
            return HTMLResponse(
                NOT_BUILT_PAGE, status_code=503, headers={"Cache-Control": "no-store"}
            )
        found = files.get(path) if path else None
        if found is None:
            if path and is_asset_path(path):
                raise StarletteHTTPException(404, f"no file {path} in the app")
            path = "index.html"
            found = files.get(path)
            if found is None:  # removed between the two looks (a rebuild)
                raise StarletteHTTPException(503, "the app is being rebuilt")
        return _send(request, found, path)
