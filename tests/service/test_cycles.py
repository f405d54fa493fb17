"""Use cases of cycles (周期): nesting by dates, planning -> active -> closed, closed is final."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.cycles import Cycle, CycleKind, CycleState
from domain.errors import Forbidden, RuleViolation, StaleVersion
from service.context import Deps
from service.cycles import (
    CycleChanges,
    NewCycle,
    create_cycle,
    get_cycle,
    list_cycles,
    update_cycle,
)
from service.pagination import PageRequest
from service.ports import CycleFilter
from tests.service.harness import Tenant, hire, principal_of

FY2026 = NewCycle("FY2026", CycleKind.YEAR, date(2026, 1, 1), date(2026, 12, 31))


async def _year_and_q1(deps: Deps, tenant: Tenant) -> tuple[Cycle, Cycle]:
    year = await create_cycle(deps, tenant.admin, FY2026)
    q1 = await create_cycle(
        deps,
        tenant.admin,
        NewCycle("Q1", CycleKind.QUARTER, date(2026, 1, 1), date(2026, 3, 31), parent_id=year.id),
    )
    return year, q1


async def _stored(deps: Deps, cycle: Cycle) -> Cycle | None:
    async with deps.uow() as uow:
        return await uow.cycles.get(cycle.organization_id, cycle.id)


async def _to(deps: Deps, tenant: Tenant, cycle: Cycle, state: CycleState) -> Cycle:
    return await update_cycle(deps, tenant.admin, cycle.id, CycleChanges(state=state))


# -- creating and nesting ------------------------------------------------------------------


async def test_a_quarter_sits_inside_its_year(deps: Deps, acme: Tenant) -> None:
    year, q1 = await _year_and_q1(deps, acme)
    assert (year.state, year.version, year.parent_id) == (CycleState.PLANNING, 1, None)
    assert q1.parent_id == year.id
    assert await get_cycle(deps, acme.reader, q1.id) == q1


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2025, 12, 1), date(2026, 2, 28)),  # starts before the year
        (date(2026, 11, 1), date(2027, 1, 31)),  # ends after it
    ],
)
async def test_a_quarter_outside_its_year_is_refused(
    deps: Deps, acme: Tenant, start: date, end: date
) -> None:
    year = await create_cycle(deps, acme.admin, FY2026)
    with pytest.raises(RuleViolation) as caught:
        await create_cycle(
            deps, acme.admin, NewCycle("Q?", CycleKind.QUARTER, start, end, parent_id=year.id)
        )
    assert caught.value.code == "invalid_cycle_dates"
    children = await list_cycles(deps, acme.admin, CycleFilter(parent_id=year.id), PageRequest())
    assert list(children.items) == []


async def test_a_year_cannot_sit_inside_a_quarter(deps: Deps, acme: Tenant) -> None:
    _, q1 = await _year_and_q1(deps, acme)
    with pytest.raises(RuleViolation) as caught:
        await create_cycle(deps, acme.admin, replace(FY2026, name="Inner year", parent_id=q1.id))
    assert caught.value.code == "invalid_cycle_parent"


async def test_a_cycle_ends_after_it_starts(deps: Deps, acme: Tenant) -> None:
    with pytest.raises(RuleViolation) as caught:
        await create_cycle(
            deps, acme.admin, NewCycle("Back", CycleKind.MONTH, date(2026, 5, 31), date(2026, 5, 1))
        )
    assert caught.value.code == "invalid_cycle_dates"
    assert caught.value.errors[0].field == "end_date"


async def test_a_parent_from_another_organization_is_an_unknown_reference(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    theirs = await create_cycle(deps, globex.admin, FY2026)
    with pytest.raises(RuleViolation) as caught:
        await create_cycle(
            deps,
            acme.admin,
            NewCycle("Q1", CycleKind.QUARTER, date(2026, 1, 1), date(2026, 3, 31), theirs.id),
        )
    assert caught.value.code == "unknown_reference"


# -- states --------------------------------------------------------------------------------


async def test_a_cycle_moves_from_planning_to_active_to_closed(deps: Deps, acme: Tenant) -> None:
    year = await create_cycle(deps, acme.admin, FY2026)
    active = await _to(deps, acme, year, CycleState.ACTIVE)
    closed = await _to(deps, acme, active, CycleState.CLOSED)
    assert (active.state, active.version) == (CycleState.ACTIVE, 2)
    assert (closed.state, closed.version) == (CycleState.CLOSED, 3)
    assert await _stored(deps, year) == closed


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], CycleState.CLOSED),  # planning cannot skip active
        ([CycleState.ACTIVE], CycleState.PLANNING),  # no way back
    ],
)
async def test_other_transitions_are_refused(
    deps: Deps, acme: Tenant, path: list[CycleState], refused: CycleState
) -> None:
    cycle = await create_cycle(deps, acme.admin, FY2026)
    for state in path:
        cycle = await _to(deps, acme, cycle, state)
    with pytest.raises(RuleViolation) as caught:
        await _to(deps, acme, cycle, refused)
    assert caught.value.code == "invalid_transition"
    assert await _stored(deps, cycle) == cycle


async def test_a_closed_cycle_is_read_only(deps: Deps, acme: Tenant) -> None:
    year = await create_cycle(deps, acme.admin, FY2026)
    await _to(deps, acme, year, CycleState.ACTIVE)
    closed = await _to(deps, acme, year, CycleState.CLOSED)

    for changes in (
        CycleChanges(name="FY2026 (final)"),
        CycleChanges(end_date=date(2027, 1, 31)),
        CycleChanges(state=CycleState.ACTIVE),
    ):
        with pytest.raises(RuleViolation) as caught:
            await update_cycle(deps, acme.admin, year.id, changes)
        assert caught.value.code == "cycle_closed"
    with pytest.raises(RuleViolation) as nested:
        await create_cycle(
            deps,
            acme.admin,
            NewCycle("Q4", CycleKind.QUARTER, date(2026, 10, 1), date(2026, 12, 31), year.id),
        )
    assert nested.value.code == "cycle_closed"
    assert await _stored(deps, year) == closed


async def test_the_quarters_of_a_closed_year_are_read_only(deps: Deps, acme: Tenant) -> None:
    year, q1 = await _year_and_q1(deps, acme)
    await _to(deps, acme, year, CycleState.ACTIVE)
    await _to(deps, acme, year, CycleState.CLOSED)
    with pytest.raises(RuleViolation) as caught:
        await update_cycle(deps, acme.admin, q1.id, CycleChanges(name="Q1 (late)"))
    assert caught.value.code == "cycle_closed"
    assert await _stored(deps, q1) == q1


# -- dates ---------------------------------------------------------------------------------


async def test_a_year_cannot_shrink_away_from_its_quarters(deps: Deps, acme: Tenant) -> None:
    year, q1 = await _year_and_q1(deps, acme)

    with pytest.raises(RuleViolation) as caught:
        await update_cycle(
            deps,
            acme.admin,
            year.id,
            CycleChanges(name="FY2026 from Feb", start_date=date(2026, 2, 1)),
        )

    assert caught.value.code == "invalid_cycle_dates"
    assert caught.value.extra == {"cycles": [str(q1.id)]}
    assert await _stored(deps, year) == year


async def test_a_quarter_cannot_move_out_of_its_year(deps: Deps, acme: Tenant) -> None:
    _, q1 = await _year_and_q1(deps, acme)
    with pytest.raises(RuleViolation) as caught:
        await update_cycle(deps, acme.admin, q1.id, CycleChanges(start_date=date(2025, 12, 1)))
    assert caught.value.code == "invalid_cycle_dates"
    assert await _stored(deps, q1) == q1


async def test_dates_inside_the_bounds_may_change(deps: Deps, acme: Tenant) -> None:
    year, q1 = await _year_and_q1(deps, acme)
    longer = await update_cycle(
        deps, acme.admin, year.id, CycleChanges(end_date=date(2027, 1, 31)), expected_version=1
    )
    shorter = await update_cycle(deps, acme.admin, q1.id, CycleChanges(end_date=date(2026, 3, 15)))
    assert longer == replace(year, end_date=date(2027, 1, 31), version=2)
    assert shorter == replace(q1, end_date=date(2026, 3, 15), version=2)
    with pytest.raises(StaleVersion) as caught:
        await update_cycle(deps, acme.admin, year.id, CycleChanges(name="x"), expected_version=1)
    assert caught.value.code == "stale_version"


# -- listing and permissions ---------------------------------------------------------------


async def test_list_filters(deps: Deps, acme: Tenant, globex: Tenant) -> None:
    year, q1 = await _year_and_q1(deps, acme)
    q2 = await create_cycle(
        deps,
        acme.admin,
        NewCycle("Q2", CycleKind.QUARTER, date(2026, 4, 1), date(2026, 6, 30), parent_id=year.id),
    )
    await create_cycle(deps, globex.admin, FY2026)
    await _to(deps, acme, q1, CycleState.ACTIVE)

    async def names(filters: CycleFilter) -> list[str]:
        page = await list_cycles(deps, acme.admin, filters, PageRequest())
        return [c.name for c in page.items]

    assert await names(CycleFilter()) == ["FY2026", "Q1", "Q2"]
    assert await names(CycleFilter(kind=CycleKind.QUARTER)) == ["Q1", "Q2"]
    assert await names(CycleFilter(state=CycleState.ACTIVE)) == ["Q1"]
    assert await names(CycleFilter(parent_id=year.id)) == ["Q1", "Q2"]
    assert await names(CycleFilter(contains_date=date(2026, 4, 1))) == ["FY2026", q2.name]
    assert await names(CycleFilter(contains_date=date(2027, 1, 1))) == []


async def test_only_admins_change_cycles_but_members_read_them(deps: Deps, acme: Tenant) -> None:
    year = await create_cycle(deps, acme.admin, FY2026)
    ann = principal_of(await hire(deps, acme, "Ann"))
    with pytest.raises(Forbidden) as created:
        await create_cycle(deps, ann, replace(FY2026, name="Mine"))
    with pytest.raises(Forbidden) as updated:
        await update_cycle(deps, ann, year.id, CycleChanges(state=CycleState.ACTIVE))
    assert created.value.code == updated.value.code == "forbidden"
    assert await get_cycle(deps, ann, year.id) == year
