"""Fixtures of the use-case tests: every test gets its own empty memory store."""

from __future__ import annotations

import pytest

from service.context import Deps
from service.storage.memory import MemoryStore, MemoryUnitOfWorkFactory
from tests.service.harness import FixedClock, Tenant, new_tenant


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def deps(store: MemoryStore, clock: FixedClock) -> Deps:
    return Deps(uow=MemoryUnitOfWorkFactory(store), clock=clock)


@pytest.fixture
async def acme(deps: Deps) -> Tenant:
    return await new_tenant(deps, "Acme")


@pytest.fixture
async def globex(deps: Deps) -> Tenant:
    return await new_tenant(deps, "Globex")
