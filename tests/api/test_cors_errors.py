"""An unexpected error (500) reaches a browser app as what it is: a problem+json with the
request id and the CORS grant. Without the grant the browser hides the answer and the app
sees only an opaque network error, with no request id to quote."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import NoReturn

import httpx
import pytest
from fastapi import FastAPI

from service.runtime.app import build_app
from tests.api import harness

APP_ORIGIN = "https://app.example.com"
OTHER_ORIGIN = "https://evil.example.net"
# The route under test touches no database: nothing needs to listen here.
NO_DATABASE = "postgresql://okr@127.0.0.1:9/okr"


@pytest.fixture
async def app() -> AsyncIterator[FastAPI]:
    """The app allowing one browser origin, with one route that fails like a bug would."""
    application = build_app(harness.test_settings(cors_origins=[APP_ORIGIN]), NO_DATABASE)

    async def broken() -> NoReturn:
        raise RuntimeError("boom SELECT secret FROM members")

    application.add_api_route("/v1/broken", broken, methods=["GET"], response_model=None)
    async with application.router.lifespan_context(application):
        yield application


def client(app: FastAPI) -> httpx.AsyncClient:
    # raise_app_exceptions: an exception escaping the app would, under uvicorn, also close
    # the client's keep-alive connection; the 500 must be an ordinary answer.
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=True),
        base_url="http://okr.test",
    )


def names(header: str) -> set[str]:
    return {name.strip().lower() for name in header.split(",")}


async def test_a_500_carries_the_grant_the_request_id_and_a_problem(app: FastAPI) -> None:
    async with client(app) as browser:
        response = await browser.get(
            "/v1/broken", headers={"Origin": APP_ORIGIN, "X-Request-ID": "trace-500"}
        )
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "x-request-id" in names(response.headers["access-control-expose-headers"])
    assert "origin" in names(response.headers["vary"])
    assert response.headers["x-request-id"] == "trace-500"
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["status"] == 500
    assert body["request_id"] == "trace-500"
    for leak in ("boom", "SELECT", "secret", "Traceback", "RuntimeError"):
        assert leak not in response.text


async def test_a_500_grants_no_other_origin(app: FastAPI) -> None:
    async with client(app) as browser:
        response = await browser.get("/v1/broken", headers={"Origin": OTHER_ORIGIN})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "access-control-allow-origin" not in response.headers
    assert response.json()["request_id"] == response.headers["x-request-id"]
