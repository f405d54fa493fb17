"""Webhooks end to end: the API creates an endpoint, ``okr worker``'s loop (in this event
loop, with a short retry schedule) signs and POSTs events to a real receiver on 127.0.0.1,
which verifies them with the independent ``standardwebhooks`` package."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from standardwebhooks.webhooks import Webhook

from service.runtime.app import build_app
from service.runtime.worker import Worker, WorkerConfig
from service.webhooks import RetrySchedule
from tests.api.harness import Tenant, new_tenant
from tests.api.harness import test_settings as settings_for_tests
from tests.api.okr_harness import active_cycle, get, objective, post

FAST = RetrySchedule((timedelta(milliseconds=50),) * 3, jitter=0)


@dataclass
class Receiver:
    url: str = ""
    fail_first: int = 0
    failing_answer: bytes = b"busy, try later"
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def bodies(self, secret: str) -> list[dict[str, Any]]:
        """Every request verified with the secret (raises on a bad signature)."""
        return [Webhook(secret).verify(body, headers) for headers, body in self.received]


@contextmanager
def receiver(fail_first: int = 0, failing_answer: bytes | None = None) -> Iterator[Receiver]:
    state = Receiver(fail_first=fail_first)
    if failing_answer is not None:
        state.failing_answer = failing_answer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            failing = len(state.received) <= state.fail_first
            # A failing receiver says why, as real ones do: the delivery log keeps it.
            answer = state.failing_answer if failing else b""
            self.send_response(503 if failing else 204)
            if failing:
                self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@asynccontextmanager
async def running_worker(database_url: str, **config: Any) -> AsyncIterator[Worker]:
    worker = Worker(database_url, WorkerConfig(schedule=FAST, dispatch_interval=0.02, **config))
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await asyncio.wait_for(task, timeout=10)


async def eventually(condition: Callable[[], bool], within: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    application = build_app(settings_for_tests(), database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def acme(app: FastAPI) -> Tenant:
    return await new_tenant(app, settings_for_tests())


async def _endpoint(tenant: Tenant, url: str, **body: Any) -> dict[str, Any]:
    async with tenant.admin() as admin:
        return await post(admin, "/v1/webhook-endpoints", {"url": url, **body})


async def _objective(tenant: Tenant, **body: Any) -> dict[str, Any]:
    async with tenant.admin() as admin:
        cycle = await active_cycle(admin, "Q1", "quarter", "2026-01-01", "2026-03-31")
        return await objective(admin, title="Grow", cycle_id=cycle["id"], **body)


async def test_an_event_reaches_the_receiver_signed_after_failures_with_one_webhook_id(
    database_url: str, acme: Tenant
) -> None:
    with receiver(fail_first=2) as hook:
        endpoint = await _endpoint(acme, hook.url, event_types=["objective.created"])
        assert endpoint["secret"].startswith("whsec_")
        async with running_worker(database_url, allow_private=True):
            created = await _objective(acme, visibility="private")
            await eventually(lambda: len(hook.received) >= 3)
            await asyncio.sleep(0.2)  # nothing more should come
        payloads = hook.bodies(endpoint["secret"])  # verified by the independent package
    assert len(hook.received) == 3  # two 503s, then one 204: no attempt after the success
    assert {h["webhook-id"] for h, _ in hook.received} == {payloads[0]["id"]}
    assert payloads[0]["type"] == "objective.created"
    # Admin-configured: a private objective's events are delivered.
    assert payloads[0]["resource"]["id"] == created["id"]
    async with acme.admin() as admin:
        log = await get(admin, f"/v1/webhook-endpoints/{endpoint['id']}/deliveries")
        shown = await get(admin, f"/v1/webhook-endpoints/{endpoint['id']}")
    (delivery,) = log["items"]
    assert delivery["status"] == "succeeded"
    assert delivery["attempts"] == 3
    assert delivery["response_status"] == 204
    assert "secret" not in shown


async def test_an_endpoint_that_keeps_failing_is_disabled_and_a_replay_sends_again(
    database_url: str, acme: Tenant
) -> None:
    with receiver(fail_first=4) as hook:
        endpoint = await _endpoint(acme, hook.url, event_types=["objective.created"])
        path = f"/v1/webhook-endpoints/{endpoint['id']}"
        async with running_worker(database_url, allow_private=True):
            await _objective(acme)
            await eventually(lambda: len(hook.received) >= FAST.attempts)
            async with acme.admin() as admin:
                await eventually_async(lambda: _disabled(admin, path), within=5)
                shown = await get(admin, path)
                assert shown["enabled"] is False
                assert "failed" in shown["disabled_reason"]
                (delivery,) = (await get(admin, f"{path}/deliveries"))["items"]
                assert delivery["status"] == "failed"
                await post(admin, path + "/deliveries/" + delivery["id"] + "/replay", {})
                assert (await admin.patch(path, json={"enabled": True})).status_code == 200
                await eventually(lambda: len(hook.received) == FAST.attempts + 1)
    assert len({h["webhook-id"] for h, _ in hook.received}) == 1


async def _disabled(admin: Any, path: str) -> bool:
    return (await admin.get(path)).json()["enabled"] is False


async def eventually_async(check: Callable[[], Any], within: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_the_sender_refuses_a_loopback_address_unless_allowed(
    database_url: str, acme: Tenant
) -> None:
    with receiver() as hook:
        endpoint = await _endpoint(acme, hook.url, event_types=["objective.created"])
        path = f"/v1/webhook-endpoints/{endpoint['id']}/deliveries"
        async with running_worker(database_url, allow_private=False), acme.admin() as admin:
            await _objective(acme)

            async def attempted() -> bool:
                items = (await admin.get(path)).json()["items"]
                return bool(items) and items[0]["attempts"] >= 1

            await eventually_async(attempted)
            (delivery,) = (await get(admin, path))["items"]
    assert hook.received == []
    assert "refused" in delivery["last_error"]


async def test_only_admins_manage_endpoints_and_the_types_must_be_in_the_catalogue(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        wrong = await admin.post(
            "/v1/webhook-endpoints", json={"url": "https://x.example", "event_types": ["nope"]}
        )
        assert wrong.status_code == 422
        assert wrong.json()["code"] == "validation_failed"
        bad_url = await admin.post("/v1/webhook-endpoints", json={"url": "ftp://x.example"})
        assert bad_url.status_code == 422
        member = await post(admin, "/v1/members", {"name": "Mo", "email": "mo@acme.example"})
    async with acme.as_member(member["id"]) as someone:
        response = await someone.get("/v1/webhook-endpoints")
    assert response.status_code == 403
