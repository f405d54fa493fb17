"""``okr serve --workers 2``: whichever worker answers ``/metrics`` counts both workers.

The CLI gives the workers a temporary ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's
multiprocess mode) and removes it when the server stops.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.test_serve_signals import _free_port
from tests.integration.test_two_workers import (
    WORKERS,
    Server,
    _environment,
    _stop,
    _wait_ready,
    close_all,
    pinned_connections,
)

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads /proc")

REQUESTS = 5


@pytest.fixture
def server(shared_database_url: str, tmp_path: Path) -> Iterator[Server]:
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as output:
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
    finally:
        _stop(running, seen)


def metrics(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


HEALTHZ_OK = (
    "okr_http_requests_total",
    frozenset({("method", "GET"), ("route", "/healthz"), ("status", "200")}),
)


def shared_folder(pid: int) -> Path:
    """The PROMETHEUS_MULTIPROC_DIR a worker was started with."""
    variables = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    [value] = [v for v in variables if v.startswith(b"PROMETHEUS_MULTIPROC_DIR=")]
    return Path(value.split(b"=", 1)[1].decode())


async def test_any_worker_reports_the_requests_of_all(server: Server) -> None:
    pinned = await pinned_connections(server, "no-token-needed", per_worker=1)
    try:
        first, second = (clients[0] for clients in pinned.values())
        before = metrics((await first.get("/metrics")).text)
        for client in (first, second):
            for _ in range(REQUESTS):
                assert (await client.get("/healthz")).status_code == 200
        answer = await second.get("/metrics")
        after = metrics(answer.text)
        assert server.worker_of(answer) != server.worker_of(await first.get("/healthz"))
    finally:
        await close_all(pinned)
    assert after[HEALTHZ_OK] - before[HEALTHZ_OK] == WORKERS * REQUESTS
    # Summed over the live workers: only the scrape itself is in flight.
    assert after[("okr_http_requests_in_flight", frozenset())] == 1
    pool_size = after[("okr_db_pool_size_connections", frozenset({("database", "primary")}))]
    assert pool_size == WORKERS * 10  # OKR_DB_POOL_SIZE's default, in each worker

    folders = {shared_folder(pid) for pid in server.workers()}
    assert len(folders) == 1
    [folder] = folders
    assert folder.is_dir()
    _stop(server, set(server.workers()))
    assert not folder.exists(), "the temporary metrics folder outlived the server"
