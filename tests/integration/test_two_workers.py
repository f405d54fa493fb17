"""``okr serve --workers 2``: what one process guarantees holds across two.

The real command runs as a subprocess on the session's database, and each test drives it
over connections that are known to have been accepted by one worker or the other, so a race
is really fought between two processes: the same ``Idempotency-Key`` sent to both at once
creates one resource, alignment and manager links that would close a loop raced through
both never store one, and a request that failed with a 5xx on one worker runs when retried
on the other.

Which worker holds a connection is read from ``/proc`` (the server-side socket of the
client's port, and the worker whose file descriptors include it): the API exposes no
process id, and should not for a test. Hand-written rather than psutil, which the project
does not depend on directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from service.organizations import NewOrganization, create_organization
from service.ports import Graph
from service.runtime.app import build_services
from service.runtime.tokens import mint_token
from service.storage.postgres.database import create_engine
from service.storage.postgres.unit_of_work import graph_lock_key
from tests.api.harness import TEST_SECRET, create_member
from tests.api.harness import test_settings as settings_for_tests
from tests.api.okr_harness import active_cycle, get, objective
from tests.api.test_graph_races import (
    allow_any_alignment,
    fresh_objectives,
    has_loop,
    objective_parents,
    refusals,
)
from tests.integration.test_serve_signals import _free_port

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads /proc")

WORKERS = 2
ROUNDS = 15
BURST = 20


# -- the server -----------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """The pids of the server's children (uvicorn's workers)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # "pid (comm) state ppid ...": comm may hold spaces, so split after ")".
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def worker_of(self, response: httpx.Response) -> int:
        """The pid of the worker that accepted the connection ``response`` came over."""
        stream = response.extensions["network_stream"]
        client_port = stream.get_extra_info("client_addr")[1]
        inode = _server_socket(self.port, client_port)
        target = f"socket:[{inode}]"
        for pid in self.workers():
            try:
                descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
            except OSError:
                continue
            for fd in descriptors:
                try:
                    if os.readlink(fd) == target:
                        return pid
                except OSError:
                    continue
        raise AssertionError(f"no worker holds the connection from port {client_port}")

    def access_log(self) -> list[dict[str, Any]]:
        lines = self.log.read_text().splitlines()
        return [entry for entry in map(_json_or_none, lines) if entry and entry.get("route")]


def _json_or_none(line: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def _server_socket(server_port: int, client_port: int) -> int:
    """The inode of the server's end of the loopback connection from ``client_port``."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], int(fields[9])
        if int(local.split(":")[1], 16) == server_port and (
            int(remote.split(":")[1], 16) == client_port
        ):
            return inode
    raise AssertionError(f"no connection from port {client_port} to {server_port}")


def _environment(database_url: str, port: int) -> dict[str, str]:
    # Nothing of the test runner's own configuration leaks in; the token secret is shared
    # so the workers accept what the test mints.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKR_") and k != "DATABASE_URL"}
    env.update(
        {
            "DATABASE_URL": database_url,
            "OKR_JWT_SECRET": TEST_SECRET,
            "OKR_PORT": str(port),
            "OKR_LOG_LEVEL": "info",  # the access log is read back for 5xx answers
        }
    )
    return env


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.log.read_text()[-3000:]
        try:
            if httpx.get(f"{server.base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("okr serve --workers 2 did not become ready")


def _stop(server: Server, workers: set[int]) -> None:
    """SIGTERM (uvicorn stops its workers), then SIGKILL whatever is left, workers too."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def server(shared_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = _free_port()
    log = tmp_path_factory.mktemp("two_workers") / "server.log"
    with log.open("wb") as output:  # a file, not a pipe: a full pipe would stall the server
        process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "service.runtime.cli", "serve", "--workers", str(WORKERS)],
            env=_environment(shared_database_url, port),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = Server(process, port, log)
    seen: set[int] = set()
    try:
        _wait_ready(running)
        seen.update(running.workers())
        yield running
        seen.update(running.workers())
    finally:
        _stop(running, seen)


# -- a tenant and connections pinned to workers ---------------------------------------------


@dataclass
class Tenant:
    organization_id: UUID
    admin_id: UUID

    def token(self) -> str:
        return mint_token(
            settings_for_tests(),
            organization_id=self.organization_id,
            member_id=self.admin_id,
            roles=["admin"],
        )


@pytest.fixture
async def tenant(shared_database_url: str) -> Tenant:
    """A fresh organization with its admin, made in the test process on the server's DB."""
    engine = create_engine(shared_database_url, pool_size=1, statement_cache_size=0)
    try:
        services = build_services(engine, settings_for_tests())
        org, admin = await create_organization(
            services.deps, NewOrganization(name="Twin", admin_email="admin@twin.example")
        )
    finally:
        await engine.dispose()
    return Tenant(org.id, admin.id)


Pinned = dict[int, list[httpx.AsyncClient]]


async def pinned_connections(server: Server, token: str, per_worker: int) -> Pinned:
    """``per_worker`` one-connection clients for each worker, by worker pid.

    The kernel hands each new connection to whichever worker accepts first: open
    connections until every worker holds enough, closing the extras.
    """
    pinned: Pinned = {}
    deadline = time.monotonic() + 30
    while len(pinned) < WORKERS or min(map(len, pinned.values())) < per_worker:
        assert time.monotonic() < deadline, f"connections reached only {list(pinned)}"
        client = httpx.AsyncClient(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {token}"},
            limits=httpx.Limits(max_connections=1),
            timeout=20,
        )
        pid = server.worker_of(await client.get("/healthz"))
        if len(pinned.setdefault(pid, [])) < per_worker:
            pinned[pid].append(client)
        else:
            await client.aclose()
    return pinned


async def close_all(pinned: Pinned) -> None:
    for clients in pinned.values():
        for client in clients:
            await client.aclose()


def one_each(pinned: Pinned) -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
    first, second = (clients[0] for clients in pinned.values())
    return first, second


# -- the tests ------------------------------------------------------------------------------


async def test_the_same_idempotency_key_on_both_workers_at_once_creates_once(
    server: Server, tenant: Tenant
) -> None:
    pinned = await pinned_connections(server, tenant.token(), per_worker=BURST // WORKERS)
    try:
        admin = one_each(pinned)[0]
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        for burst in range(3):
            title = f"Launch in two regions {burst}"
            body = {"cycle_id": cycle["id"], "title": title}
            headers = {"Idempotency-Key": str(uuid.uuid4())}
            clients = [client for clients in pinned.values() for client in clients]
            answers = await asyncio.gather(
                *(c.post("/v1/objectives", json=body, headers=headers) for c in clients)
            )
            assert {server.worker_of(a) for a in answers} == set(pinned), "both workers answer"
            created = [a for a in answers if a.status_code == 201]
            assert created, [a.text for a in answers]
            assert {a.content for a in created} == {created[0].content}
            for refused in (a for a in answers if a.status_code != 201):
                # A retry while the first is running (API.md): 409 with Retry-After.
                assert refused.status_code == 409, refused.text
                assert refused.json()["code"] == "idempotency_in_flight"
                assert 1 <= int(refused.headers["retry-after"]) <= 30
            for client in one_each(pinned):  # done: each worker replays the first answer
                again = await client.post("/v1/objectives", json=body, headers=headers)
                assert again.status_code == 201, again.text
                assert again.headers["idempotent-replayed"] == "true"
                assert again.content == created[0].content
            listed = await get(admin, f"/v1/objectives?cycle_id={cycle['id']}&q={title}")
            assert [o["title"] for o in listed["items"]] == [title]
    finally:
        await close_all(pinned)


async def test_alignment_links_raced_across_workers_never_store_a_loop(
    server: Server, tenant: Tenant
) -> None:
    pinned = await pinned_connections(server, tenant.token(), per_worker=1)
    try:
        first, second = one_each(pinned)
        # The second worker reads the organization's settings before the first changes
        # them: a per-process settings cache that missed the change would refuse its links
        # with another code than the loop's.
        assert (await get(second, "/v1/organization"))["scoring"]["alignment_upward_only"]
        await allow_any_alignment(first)
        cycle = await active_cycle(first, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        for _ in range(ROUNDS):
            x, y = await fresh_objectives(first, cycle["id"], 2)
            answers = list(
                await asyncio.gather(
                    first.patch(f"/v1/objectives/{x}", json={"parent_objective_id": y}),
                    second.patch(f"/v1/objectives/{y}", json={"parent_objective_id": x}),
                )
            )
            assert len({server.worker_of(a) for a in answers}) == WORKERS
            assert refusals(answers, "alignment_cycle") == 1
            assert not has_loop(await objective_parents(first, [x, y], {}))
    finally:
        await close_all(pinned)


async def test_managers_raced_across_workers_never_store_a_loop(
    server: Server, tenant: Tenant
) -> None:
    pinned = await pinned_connections(server, tenant.token(), per_worker=1)
    try:
        first, second = one_each(pinned)
        for i in range(ROUNDS):
            a = (await create_member(first, f"A{i}"))["id"]
            b = (await create_member(first, f"B{i}"))["id"]
            answers = list(
                await asyncio.gather(
                    first.patch(f"/v1/members/{a}", json={"manager_id": b}),
                    second.patch(f"/v1/members/{b}", json={"manager_id": a}),
                )
            )
            assert len({server.worker_of(r) for r in answers}) == WORKERS
            assert refusals(answers, "manager_cycle") == 1
            managers = {m: (await get(first, f"/v1/members/{m}"))["manager_id"] for m in (a, b)}
            assert not has_loop(managers)
    finally:
        await close_all(pinned)


async def _terminate_when_blocked(conn: asyncpg.Connection) -> int:
    """Terminate the backend waiting on the lock ``conn`` holds: the worker that sent the
    request loses its connection mid-request, as in a database failover."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        blocked = await conn.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        if blocked is not None:
            assert await conn.fetchval("SELECT pg_terminate_backend($1)", blocked)
            return int(blocked)
        await asyncio.sleep(0.05)
    raise AssertionError("the request never waited on the alignment lock")


async def test_a_retry_after_a_5xx_on_one_worker_runs_on_the_other(
    server: Server, tenant: Tenant, shared_database_url: str
) -> None:
    """An unexpected failure frees the Idempotency-Key: the retry runs (once), wherever."""
    pinned = await pinned_connections(server, tenant.token(), per_worker=1)
    lock = await asyncpg.connect(shared_database_url)
    try:
        first, second = one_each(pinned)
        cycle = await active_cycle(first, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        parent = await objective(first, cycle_id=cycle["id"], title="Company", level="company")
        body = {"cycle_id": cycle["id"], "title": "Aligned", "parent_objective_id": parent["id"]}
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        # Hold the organization's alignment lock, so the create waits inside Postgres.
        transaction = lock.transaction()
        await transaction.start()
        await lock.execute(
            "SELECT pg_advisory_xact_lock($1)",
            graph_lock_key(tenant.organization_id, Graph.ALIGNMENT),
        )
        failing = asyncio.create_task(first.post("/v1/objectives", json=body, headers=headers))
        await _terminate_when_blocked(lock)
        failed = await failing
        await transaction.rollback()
        assert failed.status_code >= 500, failed.text
        retried = await second.post("/v1/objectives", json=body, headers=headers)
        assert retried.status_code == 201, retried.text
        assert "idempotent-replayed" not in retried.headers
        assert server.worker_of(failed) != server.worker_of(retried)
        replayed = await first.post("/v1/objectives", json=body, headers=headers)
        assert replayed.headers["idempotent-replayed"] == "true"
        assert replayed.content == retried.content
        listed = await get(first, f"/v1/objectives?cycle_id={cycle['id']}&q=Aligned")
        assert len(listed["items"]) == 1
    finally:
        await lock.close()
        await close_all(pinned)


def test_no_answer_was_a_500(server: Server) -> None:
    """Last in the file: the workers' access log holds no unexpected failure (the 503 of
    the terminated connection above is an outage, answered as one)."""
    statuses = [entry["status"] for entry in server.access_log()]
    assert statuses, "the access log is empty"
    assert 500 not in statuses
