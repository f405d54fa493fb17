"""`okr serve` stops the embedded Postgres it started when it is stopped with SIGTERM
(`docker stop`, `kill`, systemd), not only on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from service.runtime.embedded import EmbeddedPostgres, postgres_running


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "okr serve exited early"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("okr serve did not become ready")


def test_sigterm_stops_the_api_and_its_embedded_postgres(tmp_path: Path) -> None:
    data = tmp_path / "okr"
    data.mkdir()
    os.chmod(tmp_path, 0o755)  # noqa: S103 - the embedded server runs as its own user when root
    os.chmod(data, 0o755)  # noqa: S103
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"OKR_DATA_DIR": str(data), "OKR_PORT": str(port), "OKR_LOG_LEVEL": "warning"})
    process = subprocess.Popen(
        [sys.executable, "-m", "service.runtime.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pgdata = data / "pgdata"
    try:
        _wait_ready(port, process)
        assert postgres_running(pgdata)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        assert not postgres_running(pgdata)
    finally:
        if process.poll() is None:
            process.kill()
        if postgres_running(pgdata):  # leave no server behind, even when the test fails
            server = EmbeddedPostgres(pgdata)
            server.start()
            server.stop()
