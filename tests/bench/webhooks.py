"""`make bench-webhooks`: webhook delivery latency (commit to receiver) and worker throughput.

Run by hand (not part of ``make test``; it asserts nothing about speed)::

    .venv/bin/python -m tests.bench.webhooks

Uses DATABASE_URL when set (a new organization is added to it each run), else an embedded
Postgres in a temporary folder removed at the end (the helpers of ``make bench``). Every part
is the real one, as production runs it:

- the API is ``okr serve`` in its own process (tests.bench.servers.api_server); the
  check-ins are written through it over HTTP, so a write's commit is the API's own;
- the workers are ``okr worker`` subprocesses (``python -m service.runtime.cli worker``, with
  ``OKR_WEBHOOKS_ALLOW_PRIVATE=true``, the default concurrency of 20): not the Worker class
  in-process, so that each has its own CPU and event loop as in production, the measuring
  process steals no time from them, and "2 workers" means two processes sharing the queue;
- the receiver is a threaded HTTP server on 127.0.0.1 in this process, answering 204 and
  recording when each delivery arrived and its ``external_id`` (every check-in carries one).

Commit time is when the API's answer reached this process: the commit happened before it,
so the latencies are a lower bound by at most the answer's trip (~1 ms on loopback). Both
ends are read on this process's monotonic clock. The endpoint subscribes to
``check_in.created`` only: one delivery per check-in.

Phases: 200 single check-ins ~20 ms apart (one worker), then 2,000 check-ins as 4 bulk calls
of 500 with one worker, then again with two. Beside each throughput row: the workers' CPU
per delivery (``/proc/<pid>/stat``) and how busy the machine's cores were meanwhile
(``/proc/stat``, everyone's work): on a shared 2-core machine the second tells whether the
first, not the worker, was the limit. Exits 1 when an event never arrived.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import UUID

from service.context import Deps
from service.organizations import NewOrganization, create_organization
from service.runtime.migrate import upgrade
from service.runtime.settings import Settings
from service.runtime.tokens import mint_token
from service.storage.postgres.database import create_engine
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.bench.__main__ import database
from tests.bench.client import Connection, Reply
from tests.bench.load import percentile
from tests.bench.servers import HOST, REPO, _stop, api_server

LATENCY_EVENTS = 200
LATENCY_GAP_S = 0.020
THROUGHPUT_EVENTS = 2_000
BULK_SIZE = 500
KEY_RESULTS = 4  # the check-ins go round them
ARRIVAL_TIMEOUT_S = 120.0  # a guard: on a loaded machine 2,000 took ~45 s
WORKER_READY_LINE = b"okr worker: delivering webhooks"
JSON_HEADERS = {"Content-Type": "application/json"}


# -- the receiver ------------------------------------------------------------------------


class Arrivals:
    """When each delivery first arrived, by the check-in's external id (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._first: dict[str, float] = {}
        self.duplicates = 0  # at least once: a second arrival of an event is counted here

    def record(self, external_id: str, at: float) -> None:
        with self._lock:
            if external_id in self._first:
                self.duplicates += 1
            else:
                self._first[external_id] = at

    def of(self, external_ids: Sequence[str]) -> dict[str, float]:
        with self._lock:
            return {e: self._first[e] for e in external_ids if e in self._first}


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True
    arrivals: Arrivals


class _Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the worker's httpx client reuses connections
    server: _Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        at = time.perf_counter()
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
        external_id = (json.loads(body).get("data") or {}).get("external_id")
        if isinstance(external_id, str):
            self.server.arrivals.record(external_id, at)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: thousands of lines would bury the table."""


@contextmanager
def receiver() -> Iterator[tuple[str, Arrivals]]:
    """The webhook URL on 127.0.0.1 and what arrives there, for the block."""
    server = _Receiver((HOST, 0), _Hook)
    server.arrivals = Arrivals()
    thread = threading.Thread(target=server.serve_forever, name="receiver", daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}/hook", server.arrivals
    finally:
        server.shutdown()
        server.server_close()


# -- the processes -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def worker(url: str, data_dir: Path, number: int) -> Iterator[subprocess.Popen[bytes]]:
    """``okr worker`` in its own process, its output in ``data_dir``; stopped after the block."""
    out = data_dir / f"worker-{number}.out"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "OKR_DATA_DIR": str(data_dir),
        "OKR_WEBHOOKS_ALLOW_PRIVATE": "true",  # the receiver is on loopback
        "OKR_LOG_LEVEL": "warning",
    }
    command = [sys.executable, "-m", "service.runtime.cli", "worker"]
    with out.open("wb") as stdout:
        process = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=stdout, stderr=subprocess.STDOUT
        )
    try:
        _wait_for_line(process, out, f"worker {number}")
        yield process
    finally:
        _stop(process)


def _wait_for_line(process: subprocess.Popen[bytes], out: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if WORKER_READY_LINE in out.read_bytes():
            return
        if process.poll() is not None:
            break
        time.sleep(0.05)
    tail = out.read_text(errors="replace")[-2000:]
    raise SystemExit(f"{what} did not start:\n{tail}")


# -- the organization --------------------------------------------------------------------


async def new_organization(url: str) -> tuple[UUID, UUID]:
    """An organization and its admin, through the use case (as ``okr org create``)."""
    engine = create_engine(url, pool_size=1, statement_cache_size=0)
    try:
        org, admin = await create_organization(
            Deps(uow=PostgresUnitOfWorkFactory(engine)),
            NewOrganization(name="Webhook bench", admin_email="admin@webhooks.example"),
        )
    finally:
        await engine.dispose()
    return org.id, admin.id


async def _ok(reply: Reply, what: str, statuses: tuple[int, ...] = (200, 201)) -> Any:
    if reply.status not in statuses:
        raise SystemExit(f"{what}: HTTP {reply.status} {reply.text[:500]}")
    return reply.json()


async def key_results(api: Connection, admin_id: UUID) -> list[str]:
    """An active cycle of this year, one objective, :data:`KEY_RESULTS` KRs of the admin's."""
    year = datetime.now(UTC).year
    cycle = await _ok(
        await api.post_json(
            "/v1/cycles",
            {
                "name": str(year),
                "kind": "year",
                "start_date": f"{year}-01-01",
                "end_date": f"{year}-12-31",
            },
        ),
        "create the cycle",
    )
    activate = json.dumps({"state": "active"}).encode()
    await _ok(
        await api.request("PATCH", f"/v1/cycles/{cycle['id']}", activate, JSON_HEADERS),
        "activate the cycle",
    )
    objective = await _ok(
        await api.post_json(
            "/v1/objectives",
            {"cycle_id": cycle["id"], "title": "Deliver webhooks fast", "status": "active"},
        ),
        "create the objective",
    )
    made = []
    for i in range(KEY_RESULTS):
        kr = await _ok(
            await api.post_json(
                f"/v1/objectives/{objective['id']}/key-results",
                {"title": f"KR {i}", "target": "1000000", "owner_id": str(admin_id)},
            ),
            "create a KR",
        )
        made.append(kr["id"])
    return made


async def subscribe(api: Connection, hook_url: str) -> None:
    await _ok(
        await api.post_json(
            "/v1/webhook-endpoints",
            {"url": hook_url, "event_types": ["check_in.created"], "description": "bench"},
        ),
        "create the webhook endpoint",
    )


# -- the measures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    sent: int
    delivered: int
    p50_ms: float
    p95_ms: float
    max_ms: float


@dataclass(frozen=True)
class Throughput:
    workers: int
    sent: int
    delivered: int
    write_s: float  # first commit to last commit
    per_second: float  # deliveries from the first commit to the last arrival
    drain_s: float  # last commit to last arrival
    p50_ms: float  # commit to arrival, each event
    p95_ms: float
    worker_cpu_ms: float  # the workers' CPU per delivery
    machine_busy: float  # the share of all cores busy (everyone's work), 0-1


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores (``/proc/stat``): the machine is shared."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


async def wait_for(arrivals: Arrivals, external_ids: Sequence[str]) -> dict[str, float]:
    """The arrivals of these events, once all came or :data:`ARRIVAL_TIMEOUT_S` passed.
    Polling is fine: the receiver stamps each arrival itself."""
    deadline = time.monotonic() + ARRIVAL_TIMEOUT_S
    came = arrivals.of(external_ids)
    while len(came) < len(external_ids) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        came = arrivals.of(external_ids)
    return came


async def resent(api: Connection, path: str, payload: object) -> Reply:
    """POST, sent again once on a connection the API closed while idle (uvicorn's keep-alive
    ends after 5 s, e.g. while a worker starts): harmless, every check-in has an external id."""
    try:
        return await api.post_json(path, payload)
    except (asyncio.IncompleteReadError, ConnectionError):
        return await api.post_json(path, payload)


def _delays_ms(committed: dict[str, float], came: dict[str, float]) -> list[float]:
    return sorted((came[e] - committed[e]) * 1000 for e in came)


async def single(api: Connection, kr_id: str, external_id: str, value: int) -> float:
    """One check-in through the API; when its commit was seen."""
    body = {"value": str(value), "external_id": external_id}
    await _ok(await resent(api, f"/v1/key-results/{kr_id}/check-ins", body), "a check-in")
    return time.perf_counter()


async def warm_up(api: Connection, krs: list[str], arrivals: Arrivals, label: str) -> None:
    """One event end to end: the worker is up and its connections open before measuring."""
    external_id = f"warm-up-{label}"
    await single(api, krs[0], external_id, 1)
    if not await wait_for(arrivals, [external_id]):
        raise SystemExit(f"the warm-up event ({label}) never arrived: see the worker's output")


async def latency(api: Connection, krs: list[str], arrivals: Arrivals) -> Latency:
    committed: dict[str, float] = {}
    for i in range(LATENCY_EVENTS):
        external_id = f"latency-{i}"
        committed[external_id] = await single(api, krs[i % len(krs)], external_id, 10 + i)
        await asyncio.sleep(LATENCY_GAP_S)
    came = await wait_for(arrivals, list(committed))
    delays = _delays_ms(committed, came)
    if not delays:
        raise SystemExit("no latency event arrived")
    return Latency(
        LATENCY_EVENTS,
        len(came),
        percentile(delays, 0.50),
        percentile(delays, 0.95),
        delays[-1],
    )


async def throughput(
    api: Connection, krs: list[str], arrivals: Arrivals, pids: Sequence[int]
) -> Throughput:
    """:data:`THROUGHPUT_EVENTS` check-ins in bulk calls of :data:`BULK_SIZE`, one after the
    other as fast as the API answers, delivered by the workers ``pids``."""
    workers = len(pids)
    cpu = sum(process_cpu_s(p) for p in pids)
    busy, total = machine_ticks()
    committed: dict[str, float] = {}
    for start in range(0, THROUGHPUT_EVENTS, BULK_SIZE):
        ids = [f"bulk-{workers}w-{i}" for i in range(start, start + BULK_SIZE)]
        items = [
            {"key_result_id": krs[i % len(krs)], "value": str(1000 + i), "external_id": e}
            for i, e in enumerate(ids, start)
        ]
        answer = await _ok(await resent(api, "/v1/check-ins/bulk", {"items": items}), "bulk")
        at = time.perf_counter()
        if answer["applied"] != BULK_SIZE:
            raise SystemExit(f"bulk: {answer['applied']} of {BULK_SIZE} applied")
        committed.update(dict.fromkeys(ids, at))
    came = await wait_for(arrivals, list(committed))
    cpu = sum(process_cpu_s(p) for p in pids) - cpu
    busy_after, total_after = machine_ticks()
    delays = _delays_ms(committed, came)
    first_commit, last_commit = min(committed.values()), max(committed.values())
    last_arrival = max(came.values(), default=last_commit)
    return Throughput(
        workers=workers,
        sent=THROUGHPUT_EVENTS,
        delivered=len(came),
        write_s=last_commit - first_commit,
        per_second=len(came) / (last_arrival - first_commit),
        drain_s=last_arrival - last_commit,
        p50_ms=percentile(delays, 0.50) if delays else float("nan"),
        p95_ms=percentile(delays, 0.95) if delays else float("nan"),
        worker_cpu_ms=cpu * 1000 / max(len(came), 1),
        machine_busy=(busy_after - busy) / max(total_after - total, 1),
    )


# -- the report --------------------------------------------------------------------------


def print_latency(r: Latency) -> None:
    print(
        f"\nlatency: {LATENCY_EVENTS} single check-ins, ~{LATENCY_GAP_S * 1000:.0f} ms apart, "
        "1 worker (commit seen by the client -> arrival at the receiver)"
    )
    print(f"{'delivered':>10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    print(f"{r.delivered:>4} / {r.sent:<4} {r.p50_ms:>8.1f} {r.p95_ms:>8.1f} {r.max_ms:>8.1f}")


def print_throughput(rows: Sequence[Throughput]) -> None:
    print(
        f"\nthroughput: {THROUGHPUT_EVENTS:,} check-ins in bulk calls of {BULK_SIZE} "
        "(first commit -> last arrival)"
    )
    print(
        f"{'workers':>7} {'delivered':>11} {'write s':>8} {'deliveries/s':>13} "
        f"{'last commit -> last arrival s':>30} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'worker CPU ms/delivery':>23} {'machine busy':>13}"
    )
    for r in rows:
        print(
            f"{r.workers:>7} {r.delivered:>5} / {r.sent:<5} {r.write_s:>8.2f} "
            f"{r.per_second:>13.0f} {r.drain_s:>30.2f} {r.p50_ms:>8.0f} {r.p95_ms:>8.0f} "
            f"{r.worker_cpu_ms:>23.1f} {r.machine_busy:>12.0%}"
        )


# -- the run -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bench:
    url: str
    data_dir: Path
    api: Connection
    krs: list[str]
    arrivals: Arrivals


async def run(bench: Bench) -> bool:
    """Every phase; whether every event arrived."""
    b = bench
    with ExitStack() as workers:
        first = workers.enter_context(worker(b.url, b.data_dir, 1))
        await warm_up(b.api, b.krs, b.arrivals, "1")
        measured = await latency(b.api, b.krs, b.arrivals)
        print_latency(measured)
        rows = [await throughput(b.api, b.krs, b.arrivals, [first.pid])]
        second = workers.enter_context(worker(b.url, b.data_dir, 2))
        await warm_up(b.api, b.krs, b.arrivals, "2")
        rows.append(await throughput(b.api, b.krs, b.arrivals, [first.pid, second.pid]))
        print_throughput(rows)
    print(f"duplicate deliveries (at least once): {b.arrivals.duplicates}")
    return measured.delivered == measured.sent and all(r.delivered == r.sent for r in rows)


def main() -> None:
    began = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix="okr-bench-webhooks-"))
    os.chmod(data_dir, 0o755)  # noqa: S103 - the embedded server runs as its own user when root
    settings = Settings(data_dir=data_dir, jwt_secret="bench-" + "s" * 40)
    try:
        with database(data_dir) as url, receiver() as (hook_url, arrivals):
            upgrade(url)
            where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded Postgres"
            print(f"{where} migrated in {time.perf_counter() - began:.1f}s")
            org_id, admin_id = asyncio.run(new_organization(url))
            token = mint_token(
                settings, organization_id=org_id, member_id=admin_id, roles=["admin"]
            )
            port = free_port()
            log = data_dir / "api-stderr.jsonl"
            with api_server(url, settings.hmac_secret, data_dir, port, log):
                bench = _drive(url, data_dir, port, token, admin_id, hook_url, arrivals)
                complete = asyncio.run(bench)
        print(f"\nbench wall time {time.perf_counter() - began:.0f}s")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if not complete:
        raise SystemExit("some events never arrived (see above)")


async def _drive(
    url: str,
    data_dir: Path,
    port: int,
    token: str,
    admin_id: UUID,
    hook_url: str,
    arrivals: Arrivals,
) -> bool:
    api = Connection(HOST, port, {"Authorization": f"Bearer {token}"})
    try:
        krs = await key_results(api, admin_id)
        await subscribe(api, hook_url)
        print(
            f"API: okr serve on {HOST}:{port}; workers: okr worker subprocesses (concurrency "
            f"20 each); receiver {hook_url} (threaded, 204)"
        )
        return await run(Bench(url, data_dir, api, krs, arrivals))
    finally:
        await api.close()


if __name__ == "__main__":
    main()
