"""CORS: a browser app on an allowed origin gets its preflights answered (with a max-age),
can read the headers the API sends (ETag, Location, ...) and its error answers too; any
other origin gets no grant, and with no ``OKR_CORS_ORIGINS`` the API adds no CORS header."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from service.runtime.app import build_app
from service.runtime.settings import Settings, SettingsError, load_settings
from service.runtime.tokens import mint_token
from tests.api import harness
from tests.api.harness import Tenant, new_tenant

APP_ORIGIN = "https://app.example.com"
OTHER_ORIGIN = "https://evil.example.net"


@pytest.fixture
async def app(shared_database_url: str) -> AsyncIterator[FastAPI]:
    """The app allowing one browser origin."""
    settings = harness.test_settings(cors_origins=[APP_ORIGIN])
    application = build_app(settings, shared_database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def acme(app: FastAPI) -> Tenant:
    return await new_tenant(app, app.state.settings, "Acme")


def preflight(method: str, *headers: str, origin: str = APP_ORIGIN) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": ", ".join(headers),
    }


def names(header: str) -> set[str]:
    return {name.strip().lower() for name in header.split(",")}


async def test_a_preflight_from_an_allowed_origin_is_granted(acme: Tenant) -> None:
    async with acme.client() as client:
        response = await client.options(
            f"/v1/objectives/{uuid4()}",
            headers=preflight("PATCH", "Authorization", "Content-Type", "If-Match"),
        )
        post = await client.options(
            "/v1/members", headers=preflight("POST", "Idempotency-Key", "X-Request-ID")
        )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert response.headers["access-control-max-age"] == "600"
    assert "patch" in names(response.headers["access-control-allow-methods"])
    assert {"if-match", "idempotency-key", "authorization"} <= names(
        response.headers["access-control-allow-headers"]
    )
    assert "access-control-allow-credentials" not in response.headers
    assert post.status_code == 200, post.text


async def test_a_preflight_from_another_origin_gets_no_grant(acme: Tenant) -> None:
    async with acme.client() as client:
        response = await client.options(
            "/v1/members", headers=preflight("POST", "Authorization", origin=OTHER_ORIGIN)
        )
    assert response.status_code != 200
    assert "access-control-allow-origin" not in response.headers


async def test_a_request_from_an_allowed_origin_may_read_the_headers(acme: Tenant) -> None:
    async with acme.admin() as client:
        created = await client.post(
            "/v1/members",
            json={"name": "Ann", "email": "ann@example.com"},
            headers={"Origin": APP_ORIGIN, "Idempotency-Key": str(uuid4())},
        )
        read = await client.get(created.headers["location"], headers={"Origin": APP_ORIGIN})
    assert created.status_code == 201, created.text
    for response in (created, read):
        assert response.headers["access-control-allow-origin"] == APP_ORIGIN
        assert names(response.headers["access-control-expose-headers"]) >= {
            "etag",
            "location",
            "x-request-id",
            "idempotent-replayed",
            "retry-after",
        }
        assert "origin" in names(response.headers["vary"])


async def test_a_request_from_another_origin_gets_no_grant(acme: Tenant) -> None:
    async with acme.admin() as client:
        response = await client.get("/v1/members", headers={"Origin": OTHER_ORIGIN})
    assert response.status_code == 200  # the server answers; the browser hides it
    assert "access-control-allow-origin" not in response.headers


async def test_error_answers_carry_the_grant_too(acme: Tenant) -> None:
    """A browser shows a script no response without the grant, errors included."""
    origin = {"Origin": APP_ORIGIN}
    async with acme.client() as anonymous, acme.admin() as admin:
        unauthenticated = await anonymous.get("/v1/members", headers=origin)
        too_large = await admin.post(
            "/v1/members",
            content=b"x" * (acme.settings.max_body_bytes + 1),
            headers={**origin, "Content-Type": "application/json"},
        )
        not_allowed = await admin.post(f"/v1/objectives/{uuid4()}", headers=origin)
    for response, status in ((unauthenticated, 401), (too_large, 413), (not_allowed, 405)):
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["access-control-allow-origin"] == APP_ORIGIN
        assert "x-request-id" in names(response.headers["access-control-expose-headers"])


async def test_a_database_outage_answer_carries_the_grant() -> None:
    with socket.socket() as probe:  # a port nothing listens on: every connection fails
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = harness.test_settings(cors_origins=[APP_ORIGIN])
    application = build_app(settings, f"postgresql://okr@127.0.0.1:{port}/okr")
    token = mint_token(settings, organization_id=uuid4(), member_id=uuid4(), roles=("admin",))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application, raise_app_exceptions=False),
            base_url="http://okr.test",
        ) as client,
    ):
        response = await client.get(
            "/v1/members", headers={"Origin": APP_ORIGIN, "Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 503, response.text
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "retry-after" in names(response.headers["access-control-expose-headers"])


async def test_no_origins_configured_adds_no_cors_header(database_url: str) -> None:
    application = build_app(harness.test_settings(), database_url)
    async with application.router.lifespan_context(application):
        tenant = await new_tenant(application, application.state.settings)
        async with tenant.admin() as client:
            read = await client.get("/v1/members", headers={"Origin": APP_ORIGIN})
            asked = await client.options("/v1/members", headers=preflight("GET"))
    assert read.status_code == 200
    assert asked.status_code == 405  # no CORS: OPTIONS is a method like any other
    for response in (read, asked):
        assert not [name for name in response.headers if name.startswith("access-control-")]


def test_origins_are_read_as_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKR_JWT_SECRET", harness.TEST_SECRET)
    monkeypatch.setenv("OKR_CORS_ORIGINS", f'["{APP_ORIGIN}", "http://localhost:5173"]')
    assert load_settings(Settings).cors_origins == [APP_ORIGIN, "http://localhost:5173"]
    monkeypatch.delenv("OKR_CORS_ORIGINS")
    assert load_settings(Settings).cors_origins == []


@pytest.mark.parametrize(
    "origin", ["https://app.example.com/", "app.example.com", "https://app.example.com/ui"]
)
def test_an_origin_that_could_never_match_is_refused(
    monkeypatch: pytest.MonkeyPatch, origin: str
) -> None:
    monkeypatch.setenv("OKR_JWT_SECRET", harness.TEST_SECRET)
    monkeypatch.setenv("OKR_CORS_ORIGINS", f'["{origin}"]')
    with pytest.raises(SettingsError, match="OKR_CORS_ORIGINS"):
        load_settings(Settings)
