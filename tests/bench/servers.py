"""The processes the bench drives: the API (``okr serve``, as production runs it) and the
bare baseline app; the API's access log (SQL statements per request) and peak RSS."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Requests:
    """What the access log says about a batch of requests."""

    count: int
    sql_mean: float
    sql_max: int
    server_p50_ms: float


class AccessLog:
    """The API's stderr: one JSON object per line, ``"event": "request"`` per request.

    ``mark()`` before a batch, ``requests_since_mark(n)`` after it: the log line is written
    after the response is sent, so it waits (briefly) for the batch's lines to arrive.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0

    def mark(self) -> None:
        self._offset = self.path.stat().st_size

    def settle(self, expected: int) -> None:
        """Wait for the lines of the ``expected`` requests sent since the mark (e.g. the
        warm-up), then mark: the next batch is counted alone."""
        self.requests_since_mark(expected)
        self.mark()

    def _entries(self) -> list[dict[str, Any]]:
        with self.path.open("rb") as f:
            f.seek(self._offset)
            chunk = f.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        entries: list[dict[str, Any]] = []
        for line in complete.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("event") == "request":
                entries.append(entry)
        return entries

    def requests_since_mark(self, expected: int, timeout: float = 3.0) -> Requests | None:
        deadline = time.monotonic() + timeout
        entries = self._entries()
        while len(entries) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
            entries = self._entries()
        sql = [int(e["sql"]) for e in entries if isinstance(e.get("sql"), int)]
        durations = [float(e["duration_ms"]) for e in entries if "duration_ms" in e]
        if not sql or not durations:
            return None
        return Requests(
            count=len(entries),
            sql_mean=statistics.fmean(sql),
            sql_max=max(sql),
            server_p50_ms=statistics.median(durations),
        )

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.path.read_text(errors="replace").splitlines()[-lines:])


# -- peak RSS ----------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _status_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_kb(pid: int) -> int | None:
    """The server's peak RSS (``VmHWM``): of the process, or of its largest descendant when
    uvicorn forked workers (the serving processes)."""
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        stack += _children(current)
    peaks = [kb for p in pids if (kb := _status_kb(p, "VmHWM")) is not None]
    return max(peaks) if peaks else None


# -- processes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: AccessLog | None

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_rss_kb(self) -> int | None:
        return peak_rss_kb(self.pid)


def _wait_ready(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode} before it was ready")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} did not become ready at {url}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _ensure_port_free(port: int, what: str) -> None:
    """Refuse a taken port: the readiness probe would otherwise find another server."""
    with socket.socket() as probe:
        if probe.connect_ex((HOST, port)) == 0:
            raise SystemExit(f"{HOST}:{port} is taken: stop what listens there to run {what}")


@contextmanager
def _running(
    command: list[str], env: Mapping[str, str], port: int, ready_path: str, what: str, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command`` (stderr to ``log``), wait until ``ready_path`` answers 200, stop it
    after the block."""
    _ensure_port_free(port, what)
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            command, env=dict(env), cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        try:
            _wait_ready(f"http://{HOST}:{port}{ready_path}", process, what)
        except BaseException:
            sys.stderr.write(f"--- {what}: stderr (tail) ---\n{AccessLog(log).tail()}\n")
            raise
        yield process
    finally:
        _stop(process)


@contextmanager
def api_server(
    database_url: str,
    jwt_secret: str,
    data_dir: Path,
    port: int,
    log_path: Path,
    statement_cache_size: int | None = None,
) -> Iterator[Server]:
    """``python -m service.runtime.cli serve`` on 127.0.0.1, access logs (JSON) on ``log_path``;
    ``statement_cache_size`` sets ``OKR_DB_STATEMENT_CACHE_SIZE`` (0 behind PgBouncer)."""
    cache = (
        {}
        if statement_cache_size is None
        else {"OKR_DB_STATEMENT_CACHE_SIZE": str(statement_cache_size)}
    )
    env = {
        **os.environ,
        **cache,
        "DATABASE_URL": database_url,
        "OKR_JWT_SECRET": jwt_secret,
        "OKR_DATA_DIR": str(data_dir),
        "OKR_LOG_LEVEL": "info",
        "OKR_LOG_JSON": "true",
        "OKR_HOST": HOST,
    }
    command = [sys.executable, "-m", "service.runtime.cli", "serve"]
    command += ["--host", HOST, "--port", str(port)]
    with _running(command, env, port, "/readyz", "the API", log_path) as process:
        yield Server(process, port, AccessLog(log_path))


@contextmanager
def bare_server(
    database_url: str,
    organization_id: UUID,
    port: int,
    log_path: Path,
    statement_cache_size: int | None = None,
) -> Iterator[Server]:
    """:mod:`tests.bench.bare_app` under uvicorn: one worker, no access log."""
    cache = (
        {}
        if statement_cache_size is None
        else {"BENCH_BARE_STATEMENT_CACHE_SIZE": str(statement_cache_size)}
    )
    env = {
        **os.environ,
        **cache,
        "BENCH_BARE_DSN": database_url,
        "BENCH_BARE_ORG": str(organization_id),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "tests.bench.bare_app:app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with _running(command, env, port, "/ready", "the bare app", log_path) as process:
        yield Server(process, port, None)
