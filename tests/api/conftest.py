"""The app and two fresh tenants in it, for every API test.

One app on one database serves the whole session (building an app and copying a database
for each test was most of the suite's time): each test still gets organizations of its own,
and tenants cannot see each other, which is the rule the service guarantees. What a test may
change on the app itself (its clock, ``app.state``, dependency overrides) is put back after it.

A test that needs what an organization cannot isolate (every organization counted, a sweep
over all of them) is marked ``@pytest.mark.own_database``: its ``app`` is built for it alone,
on a fresh database. Tests that need other settings build their own app on ``database_url``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from service.runtime.app import build_app
from tests.api.harness import SettableClock, Tenant, new_tenant, test_settings


@pytest.fixture(scope="session")
def session_clock() -> SettableClock:
    """The one clock of the session's apps; ``clock`` unpins it around every test."""
    return SettableClock()


@pytest.fixture
def clock(session_clock: SettableClock) -> Iterator[SettableClock]:
    """The app's clock: real time unless a test pins it (``clock.pin(...)``)."""
    session_clock.reset()
    yield session_clock
    session_clock.reset()


async def _running_app(database_url: str, clock: SettableClock) -> AsyncIterator[FastAPI]:
    application = build_app(test_settings(), database_url, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def shared_app(
    shared_database_url: str, session_clock: SettableClock
) -> AsyncIterator[FastAPI]:
    """The session's app on the session's database; tests reach it through ``app``."""
    async for application in _running_app(shared_database_url, session_clock):
        yield application


@pytest.fixture
async def own_app(database_url: str, clock: SettableClock) -> AsyncIterator[FastAPI]:
    """An app for this test alone, on a fresh database (``@pytest.mark.own_database``)."""
    async for application in _running_app(database_url, clock):
        yield application


@pytest.fixture
def app(request: pytest.FixtureRequest, clock: SettableClock) -> Iterator[FastAPI]:
    """The app under test: the shared one, or one of its own for ``own_database`` tests.

    Synchronous on purpose: it only picks an async fixture, which pytest-asyncio then sets up
    on the session's loop.
    """
    if request.node.get_closest_marker("own_database"):
        yield request.getfixturevalue("own_app")
        return
    application: FastAPI = request.getfixturevalue("shared_app")
    state: dict[str, Any] = dict(application.state._state)
    overrides = dict(application.dependency_overrides)
    yield application
    # What a test swapped (``app.state.okr`` with another identity cache, an override) goes
    # back; what it only added (memos such as the declared query parameters) may stay.
    application.state._state.update(state)
    application.dependency_overrides.clear()
    application.dependency_overrides.update(overrides)


@pytest.fixture
async def acme(app: FastAPI) -> Tenant:
    return await new_tenant(app, app.state.settings, "Acme")


@pytest.fixture
async def globex(app: FastAPI) -> Tenant:
    return await new_tenant(app, app.state.settings, "Globex")
