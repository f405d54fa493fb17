"""A second ``okr serve`` (a second ``make run``) refuses early and leaves the first alone.

Before: it started on the first one's embedded Postgres, failed to bind the port and, on
its way out, stopped that Postgres: the first server then answered 500.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.runtime.embedded import EmbeddedPostgres, postgres_running
from tests.integration.test_serve_signals import _free_port, _wait_ready


def _environment(data: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"OKR_DATA_DIR": str(data), "OKR_PORT": str(port), "OKR_LOG_LEVEL": "warning"})
    return env


def _okr_serve(data: Path, port: int, output: int = subprocess.PIPE) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "service.runtime.cli", "serve"],
        env=_environment(data, port),
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _folder(path: Path) -> Path:
    path.mkdir()
    os.chmod(path.parent, 0o755)  # noqa: S103 - the embedded server runs as its own user when root
    os.chmod(path, 0o755)  # noqa: S103
    return path


def _stop_postgres(pgdata: Path) -> None:
    if postgres_running(pgdata):  # leave no server behind, even when the test fails
        server = EmbeddedPostgres(pgdata)
        server.start()
        server.stop()


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """A running ``okr serve`` on its embedded Postgres: its data folder and port."""
    data = _folder(tmp_path_factory.mktemp("serve") / "okr")
    port = _free_port()
    process = _okr_serve(data, port, output=subprocess.DEVNULL)
    try:
        _wait_ready(port, process)  # type: ignore[arg-type]
        yield data, port
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        _stop_postgres(data / "pgdata")


def _second(data: Path, port: int) -> tuple[int, str]:
    process = _okr_serve(data, port)
    try:
        out, _ = process.communicate(timeout=20)  # refusing is quick: nothing was started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, out


def _still_ready(port: int) -> None:
    ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
    assert ready.status_code == 200, ready.text


def test_a_second_serve_on_the_same_folder_and_port_refuses(first: tuple[Path, int]) -> None:
    data, port = first
    code, out = _second(data, port)
    assert code == 1, out
    assert "another `okr serve` is running with this data folder (pid " in out
    _still_ready(port)


def test_a_second_serve_on_the_same_folder_and_another_port_refuses(
    first: tuple[Path, int],
) -> None:
    data, port = first
    code, out = _second(data, _free_port())
    assert code == 1, out
    assert "another `okr serve` is running with this data folder (pid " in out
    _still_ready(port)


def test_a_serve_on_a_busy_port_refuses_before_starting_postgres(
    first: tuple[Path, int], tmp_path: Path
) -> None:
    _, port = first
    other = _folder(tmp_path / "other")
    try:
        code, out = _second(other, port)
        assert code == 1, out
        assert f"port {port} on 127.0.0.1 is in use" in out
        assert not postgres_running(other / "pgdata")
    finally:
        _stop_postgres(other / "pgdata")
    _still_ready(port)


def test_another_command_beside_the_server_leaves_its_postgres_running(
    first: tuple[Path, int],
) -> None:
    """``okr org create`` in a second terminal (as the banner says) shares the server's
    Postgres, and leaves it running for the server when it is done."""
    data, port = first
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "service.runtime.cli",
            "org",
            "create",
            "Initech",
            "--admin-email",
            "a@b.co",
        ],
        env=_environment(data, port),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    assert postgres_running(data / "pgdata")
    _still_ready(port)
