"""A real Postgres for the tests: the embedded one (default) or the server of DATABASE_URL.

Migrations run once into a template database; each test gets a fresh copy of it
(``CREATE DATABASE ... TEMPLATE``), so tests are isolated and may commit freely.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from service.runtime.embedded import EmbeddedPostgres
from service.runtime.migrate import upgrade


@dataclass
class PostgresServer:
    """Where to connect as an administrator, and how to name databases on it."""

    admin_url: str
    embedded: EmbeddedPostgres | None = None  # stopped (and removed) by the session fixture

    def url_of(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)

    async def execute(self, sql: str) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def create_database(self, name: str, *, template: str | None = None) -> str:
        suffix = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        await self.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url_of(name)

    async def drop_database(self, name: str) -> None:
        await self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server() -> PostgresServer:
    external = os.environ.get("DATABASE_URL")
    if external:
        return PostgresServer(admin_url=external.replace("postgres://", "postgresql://", 1))
    folder = tempfile.mkdtemp(prefix="okr-test-pg-")
    os.chmod(folder, 0o755)  # noqa: S103 - the server runs as its own system user when root
    server = EmbeddedPostgres(Path(folder) / "data")
    server.start()
    admin = PostgresServer(admin_url=server.url("postgres"), embedded=server)
    # Durability buys nothing in a throw-away test server; speed does.
    for setting in ("fsync", "synchronous_commit", "full_page_writes"):
        asyncio.run(admin.execute(f"ALTER SYSTEM SET {setting} = off"))
    asyncio.run(admin.execute("SELECT pg_reload_conf()"))
    return admin


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def migrated_template(server: PostgresServer) -> str:
    """A database at the head migration, to copy for each test."""
    name = unique_name("okr_template")
    url = asyncio.run(server.create_database(name))
    upgrade(url)
    return name
