"""An app per test on its own fresh database, and two tenants in it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from service.app import build_app
from tests.api.harness import SettableClock, Tenant, new_tenant, test_settings


@pytest.fixture
def clock() -> SettableClock:
    """The app's clock: real time unless a test pins it (``clock.pin(...)``)."""
    return SettableClock()


@pytest.fixture
async def app(database_url: str, clock: SettableClock) -> AsyncIterator[FastAPI]:
    application = build_app(test_settings(), database_url, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def acme(app: FastAPI) -> Tenant:
    return await new_tenant(app, app.state.okr.settings, "Acme")


@pytest.fixture
async def globex(app: FastAPI) -> Tenant:
    return await new_tenant(app, app.state.okr.settings, "Globex")
