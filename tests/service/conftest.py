"""Fixtures of the use-case tests: the service's own storage, on the session's Postgres.

Every test works in organizations of its own (``acme``, ``globex``, fresh ids each time) on
the one migrated database of the session: tenants cannot see each other, the rule the
service guarantees, so a fresh organization isolates a test as well as a fresh database.
The use cases get what the composition root gives them: the Postgres unit of work (real
repositories, real transactions) and a clock, pinned here so expected progress is stable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from service.context import Deps
from service.storage.postgres.database import create_engine
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.service.harness import FixedClock, Tenant, new_tenant


@pytest.fixture(scope="session")
async def engine(shared_database_url: str) -> AsyncIterator[AsyncEngine]:
    """One pool for the session; a few connections, for the tests that race two writers."""
    created = create_engine(shared_database_url, pool_size=4, statement_cache_size=100)
    yield created
    await created.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def deps(engine: AsyncEngine, clock: FixedClock) -> Deps:
    return Deps(
        uow=PostgresUnitOfWorkFactory(engine),
        reads=PostgresUnitOfWorkFactory(engine, read_only=True),
        clock=clock,
    )


@pytest.fixture
async def acme(deps: Deps) -> Tenant:
    return await new_tenant(deps, "Acme")


@pytest.fixture
async def globex(deps: Deps) -> Tenant:
    return await new_tenant(deps, "Globex")
