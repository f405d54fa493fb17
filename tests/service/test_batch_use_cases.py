"""The batch use cases behind GraphQL's DataLoaders: units, unit memberships and cycles.

Each reads many rows in one unit of work, with the directory's read permission, and stays
inside the caller's organization: another tenant's ids are simply absent (or memberless).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import UUID

import pytest

from domain.cycles import Cycle, CycleKind
from domain.errors import Forbidden
from domain.units import OrgUnit, UnitKind
from service.context import Deps
from service.cycles import NewCycle, create_cycle, cycles_by_id
from service.ports import UnitOfWork, UnitOfWorkFactory
from service.units import NewUnit, add_unit_member, create_unit, unit_member_ids, units_by_id
from tests.service.harness import Tenant, hire, principal_of

NOBODY = UUID(int=1)


class CountingUnitOfWorks:
    """A ``Deps.uow`` that counts the units of work the use cases open."""

    def __init__(self, opens: UnitOfWorkFactory) -> None:
        self._opens = opens
        self.opened = 0

    def __call__(self) -> UnitOfWork:
        self.opened += 1
        return self._opens()


async def _tree(deps: Deps, tenant: Tenant) -> tuple[OrgUnit, OrgUnit, OrgUnit]:
    company = await create_unit(deps, tenant.admin, NewUnit(UnitKind.COMPANY, tenant.org.name))
    sales = await create_unit(
        deps, tenant.admin, NewUnit(UnitKind.DEPARTMENT, "Sales", parent_id=company.id)
    )
    team = await create_unit(deps, tenant.admin, NewUnit(UnitKind.TEAM, "Deals", sales.id))
    return company, sales, team


async def _year_and_quarter(deps: Deps, tenant: Tenant) -> tuple[Cycle, Cycle]:
    year = await create_cycle(
        deps, tenant.admin, NewCycle("FY2026", CycleKind.YEAR, date(2026, 1, 1), date(2026, 12, 31))
    )
    q1 = await create_cycle(
        deps,
        tenant.admin,
        NewCycle("Q1", CycleKind.QUARTER, date(2026, 1, 1), date(2026, 3, 31), parent_id=year.id),
    )
    return year, q1


# -- units ---------------------------------------------------------------------------------


async def test_units_by_id_finds_the_organizations_units_only(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    company, sales, team = await _tree(deps, acme)
    (foreign, *_) = await _tree(deps, globex)

    found = await units_by_id(deps, acme.reader, [team.id, company.id, foreign.id, NOBODY])

    assert found == {team.id: team, company.id: company}
    assert await units_by_id(deps, acme.admin, [sales.id, sales.id]) == {sales.id: sales}
    assert await units_by_id(deps, globex.admin, [company.id, sales.id, team.id]) == {}
    assert await units_by_id(deps, acme.admin, []) == {}


async def test_unit_member_ids_lists_each_units_members_by_id(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    company, sales, team = await _tree(deps, acme)
    (foreign, *_) = await _tree(deps, globex)
    ann, bob, cai = [await hire(deps, acme, name) for name in ("Ann", "Bob", "Cai")]
    # Added out of order: the answer is ordered by member id all the same.
    for unit, member in [(team, cai), (team, ann), (sales, bob), (team, bob)]:
        await add_unit_member(deps, acme.admin, unit.id, member.id)
    await add_unit_member(deps, globex.admin, foreign.id, globex.admin_member.id)

    found = await unit_member_ids(
        deps, acme.reader, [team.id, sales.id, company.id, foreign.id, NOBODY]
    )

    assert found == {
        team.id: sorted([ann.id, bob.id, cai.id]),
        sales.id: [bob.id],
        company.id: [],
        foreign.id: [],  # another tenant's unit: no members here
        NOBODY: [],
    }
    assert list(found) == [team.id, sales.id, company.id, foreign.id, NOBODY]
    assert await unit_member_ids(deps, globex.admin, [team.id, foreign.id]) == {
        team.id: [],
        foreign.id: [globex.admin_member.id],
    }
    assert await unit_member_ids(deps, acme.admin, []) == {}


# -- cycles --------------------------------------------------------------------------------


async def test_cycles_by_id_finds_the_organizations_cycles_only(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    year, q1 = await _year_and_quarter(deps, acme)
    foreign, _ = await _year_and_quarter(deps, globex)

    assert await cycles_by_id(deps, acme.reader, [q1.id, year.id, foreign.id, NOBODY]) == {
        q1.id: q1,
        year.id: year,
    }
    assert await cycles_by_id(deps, globex.admin, [year.id, q1.id]) == {}
    assert await cycles_by_id(deps, acme.admin, []) == {}


# -- permissions and units of work ---------------------------------------------------------


async def test_the_batch_use_cases_need_the_directory_read_permission(
    deps: Deps, acme: Tenant
) -> None:
    company, *_ = await _tree(deps, acme)
    year, _ = await _year_and_quarter(deps, acme)
    no_scope = acme.service()
    hr_system = acme.service("members:write")
    member = principal_of(await hire(deps, acme, "Ann"))

    for attempt in (
        units_by_id(deps, no_scope, [company.id]),
        unit_member_ids(deps, no_scope, [company.id]),
        cycles_by_id(deps, no_scope, [year.id]),
    ):
        with pytest.raises(Forbidden):
            await attempt
    for reader in (member, hr_system):
        assert await units_by_id(deps, reader, [company.id]) == {company.id: company}
        assert await unit_member_ids(deps, reader, [company.id]) == {company.id: []}
        assert await cycles_by_id(deps, reader, [year.id]) == {year.id: year}


async def test_each_batch_use_case_opens_one_unit_of_work(deps: Deps, acme: Tenant) -> None:
    company, sales, team = await _tree(deps, acme)
    year, q1 = await _year_and_quarter(deps, acme)
    # They only read: they open a reading unit of work.
    counting = CountingUnitOfWorks(deps.reads or deps.uow)
    batch = replace(deps, reads=counting)

    await units_by_id(batch, acme.admin, [company.id, sales.id, team.id])
    assert counting.opened == 1
    await unit_member_ids(batch, acme.admin, [company.id, sales.id, team.id])
    assert counting.opened == 2
    await cycles_by_id(batch, acme.admin, [year.id, q1.id])
    assert counting.opened == 3
