"""Drive one endpoint: warm it up, send a bounded number of requests at a concurrency,
measure the client-side latencies, and read what the server says about them."""

from __future__ import annotations

import asyncio
import json
import math
import resource
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tests.bench.client import Connection, Reply
from tests.bench.servers import HOST, Requests, Server

Call = Callable[[Connection, int], Awaitable[Reply]]
Check = Callable[[Reply], str | None]
REQUEST_TIMEOUT_S = 120.0


def http_failure(reply: Reply) -> str | None:
    """Why a reply counts as a failure (None: it does not)."""
    if reply.status >= 400:
        return f"HTTP {reply.status} {reply.text[:200]}"
    return None


def graphql_failure(reply: Reply) -> str | None:
    """An HTTP failure, or a GraphQL answer carrying ``errors``."""
    failed = http_failure(reply)
    if failed is not None:
        return failed
    try:
        body = reply.json()
    except ValueError:
        return f"HTTP {reply.status} not JSON: {reply.text[:200]}"
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        return f"HTTP {reply.status} errors: {json.dumps(errors)[:200]}"
    return None


@dataclass(frozen=True)
class Endpoint:
    name: str
    call: Call
    requests: int
    concurrency: int
    warmup: int = 5
    budget_s: float = 45.0  # stop sending after this long (the bench's wall time is bounded)
    failure: Check = http_failure
    describe: Check | None = None  # a line about the first warm-up reply, e.g. a count


@dataclass(frozen=True)
class Result:
    name: str
    requests: int  # sent and answered (fewer than planned when the time budget ran out)
    planned: int
    budget_s: float
    concurrency: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rps: float
    errors: int
    first_error: str | None
    client_cpu: float  # this process's CPU time / wall time while driving (1.0 = one core)
    server: Requests | None  # from the access log (the API only)
    peak_rss_kb: int | None
    note: str | None


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _send(endpoint: Endpoint, conn: Connection, i: int) -> Reply | str:
    """The reply, or why there is none."""
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT_S):
            return await endpoint.call(conn, i)
    except (OSError, EOFError, TimeoutError, ValueError, asyncio.IncompleteReadError) as error:
        return f"{type(error).__name__}: {error}"[:200]


async def _warm_up(conn: Connection, endpoint: Endpoint) -> str | Skipped:
    """Send the warm-up requests; the note on the first reply, or why the endpoint is out."""
    note = ""
    for i in range(endpoint.warmup):
        reply = await _send(endpoint, conn, endpoint.requests + i)
        failed = reply if isinstance(reply, str) else endpoint.failure(reply)
        if failed is not None:
            return Skipped(endpoint.name, failed)
        assert isinstance(reply, Reply)
        if i == 0 and endpoint.describe is not None:
            note = endpoint.describe(reply) or ""
    return note


async def _measure(
    endpoint: Endpoint, connections: list[Connection]
) -> tuple[list[float], list[str], float]:
    """Latencies (ms), failures, elapsed seconds."""
    latencies: list[float] = []
    failures: list[str] = []
    indexes = iter(range(endpoint.requests))
    began = time.perf_counter()
    deadline = began + endpoint.budget_s

    async def worker(conn: Connection) -> None:
        for i in indexes:
            if time.perf_counter() > deadline:
                return
            started = time.perf_counter()
            reply = await _send(endpoint, conn, i)
            latencies.append((time.perf_counter() - started) * 1000)
            failed = reply if isinstance(reply, str) else endpoint.failure(reply)
            if failed is not None:
                failures.append(failed)

    await asyncio.gather(*(worker(c) for c in connections))
    return latencies, failures, time.perf_counter() - began


async def drive(endpoint: Endpoint, server: Server, headers: dict[str, str]) -> Result | Skipped:
    connections = [Connection(HOST, server.port, headers) for _ in range(endpoint.concurrency)]
    try:
        if server.log is not None:
            server.log.mark()
        warm = await _warm_up(connections[0], endpoint)
        if isinstance(warm, Skipped):
            return warm
        if server.log is not None:
            await asyncio.to_thread(server.log.settle, endpoint.warmup)
        cpu = _cpu_seconds()
        latencies, failures, elapsed = await _measure(endpoint, connections)
        cpu = _cpu_seconds() - cpu
    finally:
        for conn in connections:
            await conn.close()
    ordered = sorted(latencies)
    if not ordered:
        return Skipped(endpoint.name, "no request completed")
    seen = (
        await asyncio.to_thread(server.log.requests_since_mark, len(ordered))
        if server.log is not None
        else None
    )
    return Result(
        name=endpoint.name,
        requests=len(ordered),
        planned=endpoint.requests,
        budget_s=endpoint.budget_s,
        concurrency=endpoint.concurrency,
        p50_ms=percentile(ordered, 0.50),
        p95_ms=percentile(ordered, 0.95),
        p99_ms=percentile(ordered, 0.99),
        rps=len(ordered) / elapsed,
        errors=len(failures),
        first_error=failures[0] if failures else None,
        client_cpu=cpu / elapsed,
        server=seen,
        peak_rss_kb=server.peak_rss_kb(),
        note=warm or None,
    )
