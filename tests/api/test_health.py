"""The probes: liveness never needs the database, readiness needs it migrated to head."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from service.runtime.app import build_app
from tests.api import harness
from tests.postgres import PostgresServer, unique_name

UNREACHABLE_PASSWORD = "hunter2-not-leaked"
UNREACHABLE_URL = f"postgresql://okr_probe:{UNREACHABLE_PASSWORD}@127.0.0.1:1/okr_probe_db"


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://okr.test",
    )


@pytest.fixture
async def empty_database_url(pg_server: PostgresServer) -> AsyncIterator[str]:
    """A database nobody ran the migrations on."""
    name = unique_name("okr_unmigrated")
    url = await pg_server.create_database(name)
    yield url
    await pg_server.drop_database(name)


async def _get(database_url: str, path: str) -> httpx.Response:
    app = build_app(harness.test_settings(), database_url)
    async with app.router.lifespan_context(app), client(app) as http:
        return await http.get(path)


async def test_healthz_is_ok_without_a_token(app: FastAPI) -> None:
    async with client(app) as http:
        response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_healthz_does_not_touch_the_database() -> None:
    response = await _get(UNREACHABLE_URL, "/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ok_on_a_migrated_database(app: FastAPI) -> None:
    async with client(app) as http:
        response = await http.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready"}


async def test_readyz_is_not_ready_before_the_migrations(empty_database_url: str) -> None:
    response = await _get(empty_database_url, "/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["status"] == 503
    assert body["detail"]


async def test_readyz_is_not_ready_when_the_database_is_unreachable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    response = await _get(UNREACHABLE_URL, "/readyz")
    logged = capsys.readouterr()

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_ready"
    for secret in (UNREACHABLE_PASSWORD, "okr_probe", "127.0.0.1", "postgresql://"):
        assert secret not in response.text, f"{secret!r} leaked: {response.text}"
        assert secret not in str(response.headers), f"{secret!r} leaked in headers"
    assert UNREACHABLE_PASSWORD not in logged.out + logged.err, "the password was logged"


async def test_probes_answer_head_too(app: FastAPI) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://okr.test"
    ) as client:
        assert (await client.head("/healthz")).status_code == 200
        assert (await client.head("/readyz")).status_code == 200
