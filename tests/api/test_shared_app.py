"""The shared app of the API tests gives each test what it would get from an app of its own.

The first two tests run in file order: the first changes what a test may change on the app
(its clock, ``app.state``, a dependency override), the second sees all of it put back. Run
alone, the second still checks the clock and the overrides.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from api.deps import rest_principal
from service.identity import MemberIdentities
from service.storage.postgres import tables
from tests.api.harness import SettableClock, Tenant

PINNED = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
_seen: dict[str, Any] = {}


def _cycle() -> dict[str, str]:
    return {"name": "Q1", "kind": "quarter", "start_date": "2020-01-01", "end_date": "2020-03-31"}


async def test_a_test_may_pin_the_clock_and_swap_the_app_state(
    app: FastAPI, clock: SettableClock, acme: Tenant
) -> None:
    clock.pin(PINNED)
    async with acme.admin() as admin:
        created = await admin.post("/v1/cycles", json=_cycle())
    assert created.status_code == 201, created.text
    assert created.json()["created_at"].startswith("2020-01-06")
    _seen["okr"] = app.state.okr
    app.state.okr = dataclasses.replace(app.state.okr, identities=MemberIdentities(ttl_seconds=1))
    app.dependency_overrides[rest_principal] = lambda: None


async def test_the_next_test_gets_the_app_back_as_it_was(
    app: FastAPI, clock: SettableClock, acme: Tenant
) -> None:
    assert clock.pinned is None
    assert app.state.okr is _seen.get("okr", app.state.okr)
    assert app.dependency_overrides == {}
    async with acme.admin() as admin:
        created = await admin.post("/v1/cycles", json=_cycle())
    assert created.status_code == 201, created.text
    made = datetime.fromisoformat(created.json()["created_at"])
    assert abs(made - datetime.now(UTC)) < timedelta(minutes=5)


async def test_the_app_is_shared_but_the_organizations_are_not(
    app: FastAPI, shared_app: FastAPI, acme: Tenant, globex: Tenant
) -> None:
    assert app is shared_app
    assert acme.organization_id != globex.organization_id


@pytest.mark.own_database
async def test_an_own_database_test_gets_an_app_and_a_database_of_its_own(
    app: FastAPI, shared_app: FastAPI, acme: Tenant
) -> None:
    assert app is not shared_app
    engine = app.state.okr.services.deps.uow._engine
    async with engine.connect() as conn:
        organizations = await conn.scalar(select(func.count()).select_from(tables.organizations))
    assert organizations == 1
