"""GET /v1/objectives loads a page with its KRs, their latest check-ins and scores in a fixed
number of SQL statements, whatever the page size (no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

import httpx
from fastapi import FastAPI
from sqlalchemy import event

from domain.cycles import CycleKind, CycleState
from domain.members import Role
from domain.okrs import ObjectiveStatus, OwnerKind, Visibility
from service import checkins, cycles, key_results, objectives
from service.auth import Principal
from service.context import Deps
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.api.harness import SettableClock, Tenant, create_member

OBJECTIVES = 100
KRS_PER_OBJECTIVE = 3


@contextmanager
def sql_statements(app: FastAPI) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    uow = cast(PostgresUnitOfWorkFactory, app.state.okr.services.deps.uow)
    engine = uow._engine.sync_engine
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def seed(app: FastAPI, tenant: Tenant, owner_id: UUID) -> UUID:
    """A cycle with OBJECTIVES objectives of ``owner_id`` (every fourth private), each with
    KRS_PER_OBJECTIVE KRs checked in on twice, straight through the use cases."""
    deps = cast(Deps, app.state.okr.services.deps)
    admin = Principal(
        organization_id=tenant.organization_id,
        subject=str(tenant.admin_id),
        member_id=tenant.admin_id,
        roles=frozenset({Role.ADMIN, Role.MEMBER}),
    )
    cycle = await cycles.create_cycle(
        deps,
        admin,
        cycles.NewCycle(
            name="2027",
            kind=CycleKind.YEAR,
            start_date=date(2027, 1, 1),
            end_date=date(2027, 12, 31),
        ),
    )
    await cycles.update_cycle(deps, admin, cycle.id, cycles.CycleChanges(state=CycleState.ACTIVE))
    for i in range(OBJECTIVES):
        view = await objectives.create_objective(
            deps,
            admin,
            objectives.NewObjective(
                cycle_id=cycle.id,
                title=f"Objective {i:03d}",
                owner_kind=OwnerKind.MEMBER,
                owner_id=owner_id,
                status=ObjectiveStatus.ACTIVE,
                visibility=Visibility.PRIVATE if i % 4 == 0 else Visibility.PUBLIC,
            ),
        )
        for k in range(KRS_PER_OBJECTIVE):
            kr = await key_results.create_key_result(
                deps,
                admin,
                view.objective.id,
                key_results.NewKeyResult(
                    title=f"KR {i:03d}.{k}", owner_id=owner_id, target=Decimal(10)
                ),
            )
            for value in (k, k + 1):
                await checkins.check_in(
                    deps,
                    admin,
                    kr.key_result.id,
                    checkins.NewCheckIn(value=Decimal(value)),
                )
    return cycle.id


async def count(
    app: FastAPI, client: httpx.AsyncClient, params: dict[str, str | int]
) -> tuple[int, dict[str, Any]]:
    # Warm the caller's identity check first: a member's first request in a while costs one
    # lookup more (cached for seconds), which is not what this test counts.
    assert (await client.get("/v1/organization")).status_code == 200
    with sql_statements(app) as seen:
        response = await client.get("/v1/objectives", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return len(seen), body


async def test_a_page_of_objectives_costs_the_same_statements_whatever_its_size(
    app: FastAPI, acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(datetime(2027, 7, 1, 9, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        manager = await create_member(admin, "Zhang Wei", roles=["manager"])
        rep = await create_member(admin, "Li Na", manager_id=manager["id"])
        peer = await create_member(admin, "Qian Jun", manager_id=manager["id"])
    cycle_id = await seed(app, acme, UUID(rep["id"]))

    async with acme.admin() as admin:
        small, five = await count(app, admin, {"limit": 5})
        large, hundred = await count(app, admin, {"limit": 100})
        filtered, by_cycle = await count(app, admin, {"limit": 100, "cycle_id": str(cycle_id)})
    # A manager sees the private ones through the reporting line (a recursive CTE);
    # a peer sees the public ones only. Neither costs a statement per objective.
    async with acme.as_member(UUID(manager["id"]), "manager") as boss:
        as_manager_small, _ = await count(app, boss, {"limit": 5})
        as_manager_large, seen_by_manager = await count(app, boss, {"limit": 100})
    async with acme.as_member(UUID(peer["id"])) as colleague:
        as_peer_small, _ = await count(app, colleague, {"limit": 5})
        as_peer_large, seen_by_peer = await count(app, colleague, {"limit": 100})

    assert len(five["items"]) == 5
    assert len(hundred["items"]) == len(by_cycle["items"]) == OBJECTIVES
    assert hundred["next_cursor"] is None
    assert len(seen_by_manager["items"]) == OBJECTIVES
    assert len(seen_by_peer["items"]) == OBJECTIVES - OBJECTIVES // 4  # every fourth is private
    # The work was really done: every KR with its latest value and score.
    # KR k was checked in at k, then k + 1 (the current value): progress (k + 1) / 10.
    # Objective: (0.1 + 0.2 + 0.3) / 3 = 0.2; expected 181/364 = 0.4973: 0.2 < 0.2473: off
    # track.
    for item in hundred["items"]:
        assert [kr["current"] for kr in item["key_results"]] == ["1", "2", "3"]
        assert [kr["score"]["progress"] for kr in item["key_results"]] == [
            "0.1000",
            "0.2000",
            "0.3000",
        ]
        assert item["score"] == {
            "progress": "0.2000",
            "grade": "red",
            "expected_progress": "0.4973",
            "track_status": "off_track",
            "rolled_up": False,
        }
    assert small == large == filtered, (small, large, filtered)
    assert as_manager_small == as_manager_large, (as_manager_small, as_manager_large)
    assert as_peer_small == as_peer_large, (as_peer_small, as_peer_large)
    # The page with each objective's cycle, KRs and their latest check-ins as composite
    # columns of its row, and the organization only if it changed: never one per objective.
    assert large == 1, large
