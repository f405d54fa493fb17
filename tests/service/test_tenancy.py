"""Tenants never mix: another organization's ids are simply not found, whatever the role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

import pytest

from domain.cycles import Cycle, CycleKind, CycleState
from domain.errors import NotFound
from domain.members import Member
from domain.units import OrgUnit, UnitKind
from service.auth import Principal
from service.context import Deps
from service.cycles import (
    CycleChanges,
    NewCycle,
    create_cycle,
    get_cycle,
    list_cycles,
    update_cycle,
)
from service.members import (
    MemberChanges,
    deactivate_member,
    get_member,
    list_members,
    update_member,
)
from service.pagination import PageRequest
from service.ports import CycleFilter, MemberFilter, UnitFilter
from service.units import (
    NewUnit,
    UnitChanges,
    add_unit_member,
    create_unit,
    delete_unit,
    get_unit,
    list_unit_members,
    list_units,
    remove_unit_member,
    update_unit,
)
from tests.service.harness import Tenant, hire, stored_member


@dataclass(frozen=True)
class AcmeRows:
    member: Member
    unit: OrgUnit
    cycle: Cycle


Attempt = Callable[[Deps, Principal, AcmeRows], Awaitable[object]]

# Every use case that takes a member, unit or cycle id, aimed at another tenant's rows.
ATTEMPTS: dict[str, Attempt] = {
    "get member": lambda d, p, r: get_member(d, p, r.member.id),
    "update member": lambda d, p, r: update_member(d, p, r.member.id, MemberChanges(name="x")),
    "deactivate member": lambda d, p, r: deactivate_member(d, p, r.member.id),
    "get unit": lambda d, p, r: get_unit(d, p, r.unit.id),
    "update unit": lambda d, p, r: update_unit(d, p, r.unit.id, UnitChanges(name="x")),
    "delete unit": lambda d, p, r: delete_unit(d, p, r.unit.id),
    "list unit members": lambda d, p, r: list_unit_members(d, p, r.unit.id),
    "add unit member": lambda d, p, r: add_unit_member(d, p, r.unit.id, r.member.id),
    "remove unit member": lambda d, p, r: remove_unit_member(d, p, r.unit.id, r.member.id),
    "get cycle": lambda d, p, r: get_cycle(d, p, r.cycle.id),
    "update cycle": lambda d, p, r: update_cycle(
        d, p, r.cycle.id, CycleChanges(state=CycleState.ACTIVE)
    ),
}


async def _acme_rows(deps: Deps, acme: Tenant) -> AcmeRows:
    ann = await hire(deps, acme, "Ann")
    company = await create_unit(deps, acme.admin, NewUnit(UnitKind.COMPANY, "Acme"))
    await add_unit_member(deps, acme.admin, company.id, ann.id)
    year = await create_cycle(
        deps, acme.admin, NewCycle("FY2026", CycleKind.YEAR, date(2026, 1, 1), date(2026, 12, 31))
    )
    return AcmeRows(member=ann, unit=company, cycle=year)


@pytest.mark.parametrize("attempt", list(ATTEMPTS))
async def test_another_tenants_admin_gets_not_found(
    deps: Deps, acme: Tenant, globex: Tenant, attempt: str
) -> None:
    rows = await _acme_rows(deps, acme)

    with pytest.raises(NotFound) as caught:
        await ATTEMPTS[attempt](deps, globex.admin, rows)

    assert caught.value.code == "not_found"
    # Nothing of Acme's moved.
    assert await stored_member(deps, rows.member) == rows.member
    assert await get_unit(deps, acme.admin, rows.unit.id) == rows.unit
    assert await get_cycle(deps, acme.admin, rows.cycle.id) == rows.cycle
    assert await list_unit_members(deps, acme.admin, rows.unit.id) == [rows.member.id]


async def test_another_tenants_lists_show_none_of_its_rows(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    await _acme_rows(deps, acme)
    page = PageRequest()
    members = await list_members(deps, globex.admin, MemberFilter(q="ann"), page)
    units = await list_units(deps, globex.admin, UnitFilter(), page)
    cycles = await list_cycles(deps, globex.admin, CycleFilter(), page)
    assert list(members.items) == []
    assert list(units.items) == []
    assert list(cycles.items) == []
