"""Fixtures shared by the integration and API tests: a real Postgres, and databases on it.

Two kinds of database, both copies of one migrated template:

* ``shared_database_url``: one database for the whole session. Tests that work only inside
  organizations of their own share it: tenants cannot see each other (the tenancy rule the
  service guarantees), so a fresh organization isolates a test as well as a fresh database,
  at a fraction of the cost.
* ``database_url``: a database for one test alone, dropped afterwards. For what an
  organization cannot isolate: counting every organization, the CLI, the demo loader,
  migrations, a proxy between the app and the database.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator

import pytest
import structlog

from service.runtime.logging import configure_logging
from tests.postgres import PostgresServer, migrated_template, start_server, unique_name


@pytest.fixture(autouse=True)
def _service_logging() -> None:
    """Log as the service does (JSON lines, plain tracebacks), whatever ran before.

    Unconfigured, structlog renders a logged exception with rich, every local included:
    seconds for each 500 a test provokes. A test may reset the configuration (the logging
    tests do); the next test gets it back.
    """
    if not structlog.is_configured():
        configure_logging(level="info", json=True)


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


@pytest.fixture(scope="session")
async def shared_database_url(pg_server: PostgresServer, pg_template: str) -> AsyncIterator[str]:
    """One migrated database for every test of the session that isolates by organization."""
    name = unique_name("okr_shared")
    url = await pg_server.create_database(name, template=pg_template)
    yield url
    await pg_server.drop_database(name)


@pytest.fixture
async def database_url(pg_server: PostgresServer, pg_template: str) -> AsyncIterator[str]:
    """A fresh, migrated database for this test alone, dropped afterwards."""
    name = unique_name("okr_test")
    url = await pg_server.create_database(name, template=pg_template)
    yield url
    await pg_server.drop_database(name)
