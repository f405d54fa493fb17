"""Fixtures shared by the integration and API tests: a real Postgres, a database per test."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.postgres import PostgresServer, migrated_template, start_server, unique_name


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = start_server()
    yield server
    if server.embedded is not None:
        server.embedded.stop()
        shutil.rmtree(server.embedded.pgdata.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_template(pg_server: PostgresServer) -> Iterator[str]:
    name = migrated_template(pg_server)
    yield name
    asyncio.run(pg_server.drop_database(name))


@pytest.fixture
async def database_url(pg_server: PostgresServer, pg_template: str) -> AsyncIterator[str]:
    """A fresh, migrated database for this test alone, dropped afterwards."""
    name = unique_name("okr_test")
    url = await pg_server.create_database(name, template=pg_template)
    yield url
    await pg_server.drop_database(name)
