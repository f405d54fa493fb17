"""GraphiQL that works without internet: its assets are served by the service itself.

Strawberry's GraphiQL page loads React, GraphiQL and the explorer plugin from unpkg.com, so
on a machine with no internet it stays on "Loading...". The exact files it names are
vendored in ``graphiql/`` (their sha384 equals the page's ``integrity`` attributes, which
the browser still checks) and the page is rewritten to load them from :data:`ASSETS_PATH`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

ASSETS_DIR = Path(__file__).parent / "graphiql"
ASSETS_PATH = "/static/graphiql"

# The CDN address Strawberry's page names -> the vendored file (see graphiql/LICENSES.md).
VENDORED = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js": (
        "react-dom.production.min.js"
    ),
    "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.css",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": (
        "plugin-explorer.umd.js"
    ),
}


class IdeAssetsOutdated(RuntimeError):
    """Strawberry's page names an asset that is not vendored: re-vendor after an upgrade."""


def offline_page(html: str) -> str:
    """Strawberry's GraphiQL page with every CDN address replaced by the vendored file."""
    for url, name in VENDORED.items():
        if url not in html:
            raise IdeAssetsOutdated(f"the GraphiQL page no longer loads {url}")
        html = html.replace(url, f"{ASSETS_PATH}/{name}")
    if "https://unpkg.com/" in html:
        raise IdeAssetsOutdated("the GraphiQL page loads an asset that is not vendored")
    return html


def mount_ide_assets(app: FastAPI) -> None:
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="graphiql-assets")
