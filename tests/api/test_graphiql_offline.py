"""GraphiQL works on a machine without internet: every asset it loads comes from the service."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI

from api.graphql.ide import ASSETS_PATH
from service.runtime.app import build_app
from tests.api import harness
from tests.api.harness import Tenant

_LOADS = re.compile(r'(?:src|href)="([^"]+)"\s+integrity="(sha384-[^"]+)"')


def _sri(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


async def test_the_ide_page_loads_nothing_from_another_host(acme: Tenant) -> None:
    async with acme.client() as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "unpkg.com" not in page.text
    assert not re.search(r'(?:src|href)="https?://', page.text)
    loads = _LOADS.findall(page.text)
    # React, ReactDOM, js-cookie, GraphiQL (js + css), the explorer plugin (js + css).
    assert len(loads) == 7
    assert all(url.startswith(f"{ASSETS_PATH}/") for url, _ in loads)


async def test_every_asset_is_served_and_matches_the_integrity_the_page_demands(
    acme: Tenant,
) -> None:
    async with acme.client() as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        for url, integrity in _LOADS.findall(page.text):
            asset = await client.get(url)
            assert asset.status_code == 200, url
            kind = "text/css" if url.endswith(".css") else "javascript"
            assert kind in asset.headers["content-type"], url
            # The browser refuses a file whose hash differs: the page would stay blank.
            assert _sri(asset.content) == integrity, url


async def test_no_ide_and_no_assets_when_introspection_is_off(database_url: str) -> None:
    settings = harness.test_settings(graphql_introspection=False)
    app: FastAPI = build_app(settings, database_url)
    async with app.router.lifespan_context(app):
        acme = await harness.new_tenant(app, settings, "Acme")
        async with acme.client() as client:
            ide = await client.get("/graphql", headers={"Accept": "text/html"})
            asset = await client.get(f"{ASSETS_PATH}/graphiql.min.js")
    assert ide.status_code == 404
    assert asset.status_code == 404
