"""Quota roll-up at the use-case tier: sums of sums (individuals -> team -> department), the
statements a page of sum KRs costs (one per level of sums, never one per KR), and a
contributor's KR that cannot be deleted while KRs add into it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import Conflict
from domain.okrs import Aggregation, KeyResult, Objective
from domain.organizations import OrganizationChanges, ScoringSettings
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.key_results import delete_key_result, get_key_result
from service.okr_access import viewer_of
from service.organizations import update_organization
from service.quotas import key_result_allocation, summed_values
from tests import factories as make
from tests.service.harness import Tenant


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def _aligned(deps: Deps, acme: Tenant, parent: Objective | None, title: str) -> Objective:
    cycle_id = parent.cycle_id if parent else (await make.cycle(deps, acme)).id
    parent_id = parent.id if parent else None
    return await make.objective(deps, acme.admin, cycle_id, title, parent_objective_id=parent_id)


async def _kr(
    deps: Deps, acme: Tenant, of: Objective, target: int, into: KeyResult | None, **extra: Any
) -> KeyResult:
    return await make.key_result(
        deps,
        acme.admin,
        of,
        owner=acme.admin_member,
        target=Decimal(target),
        contributes_to_key_result_id=into.id if into else None,
        **extra,
    )


async def test_sums_of_sums_one_statement_per_level(
    deps: Deps, acme: Tenant, engine: AsyncEngine
) -> None:
    await update_organization(
        deps, acme.admin, OrganizationChanges(scoring=ScoringSettings(alignment_upward_only=False))
    )
    dept = await _aligned(deps, acme, None, "Department")
    team = await _aligned(deps, acme, dept, "Team")
    people = await _aligned(deps, acme, team, "People")
    quota = await _kr(deps, acme, dept, 30, None, aggregation=Aggregation.SUM)
    team_sum = await _kr(deps, acme, team, 10, quota, aggregation=Aggregation.SUM)
    other_team = await _kr(deps, acme, team, 20, quota)
    ann = await _kr(deps, acme, people, 5, team_sum)
    bob = await _kr(deps, acme, people, 5, team_sum)
    for kr, value in ((ann, 2), (bob, 3), (other_team, 4)):
        await check_in(deps, acme.admin, kr.id, NewCheckIn(value=Decimal(value)))

    viewer = viewer_of(acme.admin)
    async with deps.read() as uow:
        with statements(engine) as seen:
            sums = await summed_values(uow, acme.id, [quota, team_sum, ann], viewer)
        assert len(seen) == 1  # every sum KR of the page at once: not one per KR
        with statements(engine) as seen:
            alone = await summed_values(uow, acme.id, [quota], viewer)
        assert len(seen) == 2  # the department's contributors, then the team's
        with statements(engine) as none:
            assert await summed_values(uow, acme.id, [ann, bob], viewer) == {}
        assert none == []
    assert sums == {quota.id: Decimal(9), team_sum.id: Decimal(5)}
    assert alone == {quota.id: Decimal(9)}
    assert (await get_key_result(deps, acme.admin, quota.id)).current == Decimal(9)
    allocation = await key_result_allocation(deps, acme.admin, quota.id)
    assert [c.current for c in allocation.contributors] == [Decimal(5), Decimal(4)]
    assert allocation.allocation.allocated == Decimal(30)

    # A KR others add into is kept until they are unlinked.
    with pytest.raises(Conflict) as refused:
        await delete_key_result(deps, acme.admin, team_sum.id)
    assert refused.value.code == "key_result_has_contributors"
