"""A database outage, simulated by cutting a real TCP proxy between the app and Postgres.

During the outage every request answers 503 ``database_unavailable`` with ``Retry-After``
(GraphQL: the same ``extensions.code``), the app never lets the error escape (under a real
server that would close the keep-alive connection), and the first requests after Postgres
is back succeed. A POST whose write the outage cut off after its ``Idempotency-Key`` was
claimed runs exactly once when the same retry comes after the claim's lease.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from service.runtime.app import build_app
from service.storage.postgres.repositories import PostgresIdempotencyStore
from tests.api import harness
from tests.api.harness import SettableClock, Tenant, new_tenant
from tests.tcp_proxy import TcpProxy

LEASE = PostgresIdempotencyStore.DEFAULT_LEASE
ROUNDS = 20


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy.to_database(database_url)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture
async def app(database_url: str, proxy: TcpProxy, clock: SettableClock) -> AsyncIterator[FastAPI]:
    """The app reaching its database through the proxy only."""
    application = build_app(harness.test_settings(), proxy.url_through(database_url), clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def acme(app: FastAPI) -> Tenant:
    return await new_tenant(app, app.state.settings, "Acme")


def strict_client(tenant: Tenant) -> httpx.AsyncClient:
    """An admin client that fails the test if an exception escapes the app: under uvicorn an
    escaped exception closes the client's keep-alive connection."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=tenant.app, raise_app_exceptions=True),
        base_url="http://okr.test",
        headers={"Authorization": f"Bearer {tenant.token(tenant.admin_id, 'admin')}"},
    )


@contextmanager
def cut_before(proxy: TcpProxy, statement_prefix: str) -> Iterator[None]:
    """Cut the proxy when the app is about to run a statement starting with the prefix:
    the claim has been written by then, the write and the release of the claim will fail."""

    def listener(conn: Connection, _c: Any, statement: str, *_: Any) -> None:
        if conn.engine.url.port == proxy.port and statement.startswith(statement_prefix):
            proxy.cut()

    event.listen(Engine, "before_cursor_execute", listener)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", listener)


def body_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


async def post_member(client: httpx.AsyncClient, body: dict[str, Any], key: str) -> httpx.Response:
    return await client.post(
        "/v1/members",
        content=body_bytes(body),
        headers={"Content-Type": "application/json", "Idempotency-Key": key},
    )


async def count_members(client: httpx.AsyncClient, email: str) -> int:
    response = await client.get("/v1/members", params={"email": email})
    assert response.status_code == 200, response.text
    return len(response.json()["items"])


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "database_unavailable"
    assert 1 <= int(response.headers["retry-after"]) <= 30


def assert_in_flight(response: httpx.Response) -> int:
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "idempotency_in_flight"
    seconds = int(response.headers["retry-after"])
    assert 1 <= seconds <= LEASE.total_seconds()
    return seconds


async def test_a_write_cut_off_after_its_claim_runs_once_after_the_lease(
    acme: Tenant, proxy: TcpProxy, clock: SettableClock
) -> None:
    body = {"name": "Li Wei", "email": "li.wei@acme.example"}
    async with strict_client(acme) as client:
        with cut_before(proxy, "INSERT INTO members"):
            cut_off = await post_member(client, body, "outage-1")
        during = await post_member(client, body, "outage-1")
        await proxy.restore()
        # The first request may still be running as far as the server knows: wait.
        within_lease = await post_member(client, body, "outage-1")
        clock.pin(datetime.now(UTC) + LEASE + timedelta(seconds=1))
        after_lease = await post_member(client, body, "outage-1")
        replayed = await post_member(client, body, "outage-1")
        created = await count_members(client, "li.wei@acme.example")
    assert_unavailable(cut_off)
    assert_unavailable(during)
    assert_in_flight(within_lease)
    assert after_lease.status_code == 201, after_lease.text
    assert "idempotent-replayed" not in after_lease.headers
    assert replayed.status_code == 201
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.content == after_lease.content
    assert created == 1


async def test_reads_answer_503_during_an_outage_and_work_again_after(
    acme: Tenant, proxy: TcpProxy
) -> None:
    query = {"query": "{ organization { name } }"}
    async with strict_client(acme) as client:
        assert (await client.get("/v1/members")).status_code == 200
        proxy.cut()
        rest = await client.get("/v1/members")
        graphql = await client.post("/graphql", json=query)
        await proxy.restore()
        rest_after = await client.get("/v1/members")
        graphql_after = await client.post("/graphql", json=query)
    assert_unavailable(rest)
    assert graphql.status_code == 200
    [error] = graphql.json()["errors"]
    assert error["extensions"]["code"] == "database_unavailable"
    assert rest_after.status_code == 200, rest_after.text
    assert graphql_after.json() == {"data": {"organization": {"name": "Acme"}}}


async def test_the_first_requests_after_a_blip_succeed(acme: Tenant, proxy: TcpProxy) -> None:
    """Pooled connections die with the outage; nobody used them in between."""
    async with strict_client(acme) as client:
        warm = await asyncio.gather(*(client.get("/v1/members") for _ in range(5)))
        proxy.cut()
        await asyncio.sleep(0.05)
        await proxy.restore()
        after = await asyncio.gather(*(client.get("/v1/members") for _ in range(5)))
    assert [r.status_code for r in warm] == [200] * 5
    assert [r.status_code for r in after] == [200] * 5, [r.text for r in after]


async def test_only_one_retry_takes_over_an_abandoned_claim(
    app: FastAPI, acme: Tenant, clock: SettableClock
) -> None:
    """Two identical retries race for a claim whose lease ran out: one runs the write, the
    other waits (409 with Retry-After) or gets the answer replayed; one member either way."""
    services = app.state.okr.services
    outcomes: list[tuple[int, int]] = []
    async with strict_client(acme) as client:
        for round_ in range(ROUNDS):
            body = {"name": f"Racer {round_}", "email": f"racer{round_}@acme.example"}
            key = f"abandoned-{round_}"
            hash_ = request_hash(body)
            abandoned = await services.idempotency.claim(
                organization_id=acme.organization_id,
                caller=str(acme.admin_id),
                key=key,
                request_hash=hash_,
                now=clock.now() - LEASE - timedelta(seconds=1),
            )
            assert abandoned is None
            first, second = await asyncio.gather(
                post_member(client, body, key), post_member(client, body, key)
            )
            statuses = sorted([first.status_code, second.status_code])
            for response in (first, second):
                if response.status_code == 409:
                    assert_in_flight(response)
            assert statuses in ([201, 201], [201, 409]), (first.text, second.text)
            if statuses == [201, 201]:
                assert {"idempotent-replayed" in r.headers for r in (first, second)} == {
                    True,
                    False,
                }
            outcomes.append((statuses[1], await count_members(client, body["email"])))
    assert [count for _, count in outcomes] == [1] * ROUNDS


async def test_a_concurrent_retry_while_the_lease_is_live_gets_409(acme: Tenant) -> None:
    body = {"name": "Li Wei", "email": "li.wei@acme.example"}
    in_flight = 0
    async with strict_client(acme) as client:
        for round_ in range(ROUNDS):
            key = f"live-{round_}"
            email = f"live{round_}@acme.example"
            responses = await asyncio.gather(
                *(post_member(client, {**body, "email": email}, key) for _ in range(3))
            )
            created = [r for r in responses if r.status_code == 201]
            fresh = [r for r in created if "idempotent-replayed" not in r.headers]
            for response in responses:
                if response.status_code == 409:
                    assert_in_flight(response)
                    in_flight += 1
            assert len(fresh) == 1
            assert await count_members(client, email) == 1
    assert in_flight > 0  # the race was actually run, not every retry came late


def request_hash(body: dict[str, Any]) -> str:
    """The hash the server computes for ``post_member``."""
    return hashlib.sha256(b"POST /v1/members\n" + body_bytes(body)).hexdigest()
