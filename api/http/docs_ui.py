"""`/docs`: Swagger UI served from an installed package, so it works with no internet.

FastAPI's default `/docs` and `/redoc` load their JavaScript and CSS from a CDN: on a
cooperative's office network or a laptop in the field the page stays blank. Here the Swagger
UI files come from the `swagger-ui-bundle-v2` package (the upstream `swagger-ui-dist` files)
and are served under `/docs/assets/`; `/redoc` is not offered (no package ships ReDoc's
bundle), `/docs` is the API reference.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

__all__ = ["ASSETS_URL", "DOCS_URL", "install_docs"]

DOCS_URL = "/docs"
ASSETS_URL = "/docs/assets"


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI at ``/docs`` with every asset from this server.

    The app must be created with ``docs_url=None`` and ``redoc_url=None``.
    """
    app.mount(ASSETS_URL, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            oauth2_redirect_url=f"{DOCS_URL}/oauth2-redirect",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
            # Swagger UI would otherwise send the document to validator.swagger.io for a badge.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(f"{DOCS_URL}/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
