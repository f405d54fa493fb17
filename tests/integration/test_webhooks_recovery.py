"""Webhooks when things go wrong: a job that raises, a worker killed mid-delivery, two
workers at once. Each worker is the real one (service/runtime/worker.py) on this test's
database; the killed one runs in a process of its own (tests/integration/webhook_worker.py)
so ``kill -9`` leaves its job picked in the queue, as a crash would."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI

from service import webhooks
from service.context import Deps
from service.webhook_ports import AttemptOutcome
from tests.api.harness import Tenant, new_tenant
from tests.api.harness import test_settings as settings_for_tests
from tests.api.okr_harness import active_cycle, get, objective
from tests.integration.test_webhooks import (
    _endpoint,
    _objective,
    eventually,
    receiver,
    running_worker,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    from service.runtime.app import build_app

    application = build_app(settings_for_tests(), database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def acme(app: FastAPI) -> Tenant:
    return await new_tenant(app, settings_for_tests())


async def test_a_delivery_whose_job_raised_is_delivered_by_the_sweep(
    database_url: str, acme: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = webhooks.attempt_delivery
    raised: list[UUID] = []

    async def down_once(
        deps: Deps, organization_id: UUID, delivery_id: UUID, *args: Any
    ) -> AttemptOutcome | None:
        if not raised:  # the database went away for this one job
            raised.append(delivery_id)
            raise ConnectionError("the database is down a moment")
        return await real(deps, organization_id, delivery_id, *args)

    monkeypatch.setattr(webhooks, "attempt_delivery", down_once)
    with receiver() as hook:
        endpoint = await _endpoint(acme, hook.url, event_types=["objective.created"])
        async with running_worker(database_url, allow_private=True, sweep_interval=0.2):
            await _objective(acme)
            await eventually(lambda: len(hook.received) >= 1, within=8)
        async with acme.admin() as admin:
            log = await get(admin, f"/v1/webhook-endpoints/{endpoint['id']}/deliveries")
    assert len(raised) == 1
    (delivery,) = log["items"]
    assert delivery["id"] == str(raised[0])
    assert delivery["status"] == "succeeded"
    assert delivery["attempts"] == 1  # the raise recorded no attempt: the sender never ran
    assert len(hook.received) == 1


@dataclass
class Gate:
    """A receiver that holds its first request until released, and counts requests in
    flight per ``webhook-id``."""

    url: str = ""
    first_arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    hold_first: bool = True
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: Counter[str] = field(default_factory=Counter)
    most_at_once: Counter[str] = field(default_factory=Counter)
    received: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)


@contextmanager
def gate(*, hold_first: bool, delay: float = 0.0) -> Iterator[Gate]:
    state = Gate(hold_first=hold_first, delay=delay)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            msg = self.headers["webhook-id"]
            with state.lock:
                first = not state.received
                state.received.append(msg)
                state.in_flight[msg] += 1
                state.most_at_once[msg] = max(state.most_at_once[msg], state.in_flight[msg])
            try:
                if first and state.hold_first:
                    state.first_arrived.set()
                    state.release.wait(20)
                    return  # its worker is dead by now: nobody reads an answer
                threading.Event().wait(state.delay)
                self.send_response(204)
                self.end_headers()
                with state.lock:
                    state.answered.append(msg)
            finally:
                with state.lock:
                    state.in_flight[msg] -= 1

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


def _worker_process(database_url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own worker
        [sys.executable, str(ROOT / "tests" / "integration" / "webhook_worker.py"), database_url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_a_worker_killed_mid_delivery_loses_nothing(database_url: str, acme: Tenant) -> None:
    with gate(hold_first=True) as hook:
        await _endpoint(acme, hook.url, event_types=["objective.created"])
        first = _worker_process(database_url)
        second: subprocess.Popen[bytes] | None = None
        try:
            await _objective(acme)
            arrived = await asyncio.to_thread(hook.first_arrived.wait, 15)
            assert arrived, "the first worker never sent the event"
            os.kill(first.pid, signal.SIGKILL)  # mid-delivery: its job stays picked
            first.wait(5)
            second = _worker_process(database_url)
            await eventually(lambda: bool(hook.answered), within=15)
        finally:
            for process in (first, second):
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait(5)
    assert len(hook.received) == 2  # at least once: the killed attempt, then the new worker's
    assert len(set(hook.received)) == 1  # the same webhook-id: receivers deduplicate by it


async def test_two_workers_never_send_one_delivery_twice_at_once(
    database_url: str, acme: Tenant
) -> None:
    with gate(hold_first=False, delay=0.05) as hook:
        await _endpoint(acme, hook.url, event_types=["objective.created"])
        config: dict[str, Any] = {"allow_private": True, "sweep_interval": 0.05}
        async with (
            running_worker(database_url, concurrency=4, **config),
            running_worker(database_url, concurrency=4, **config),
        ):
            created = 12
            async with acme.admin() as admin:
                cycle = await active_cycle(admin, "Q1", "quarter", "2026-01-01", "2026-03-31")
                for n in range(created):
                    await objective(admin, title=f"Grow {n}", cycle_id=cycle["id"])
            await eventually(lambda: len(set(hook.answered)) == created, within=15)
            await asyncio.sleep(0.3)  # a duplicate would arrive now
    assert max(hook.most_at_once.values()) == 1
    assert len(hook.received) == created  # and, with nothing failing, each exactly once
