"""Use cases of org units: one company at the root, a tree below it, leads and members."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import UUID

import pytest

from domain.errors import Conflict, Forbidden, NotFound, RuleViolation, StaleVersion
from domain.meetings import MeetingKind
from domain.members import Role
from domain.units import OrgUnit, UnitKind
from service.context import Deps
from service.meetings import NewMeeting, create_meeting
from service.pagination import PageRequest
from service.ports import UnitFilter
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
from tests.service.harness import Tenant, hire, principal_of


async def _tree(deps: Deps, tenant: Tenant) -> tuple[OrgUnit, OrgUnit, OrgUnit]:
    """Company <- Sales (department) <- Inside Sales (sub-department)."""
    company = await create_unit(deps, tenant.admin, NewUnit(UnitKind.COMPANY, "Acme"))
    sales = await create_unit(
        deps, tenant.admin, NewUnit(UnitKind.DEPARTMENT, "Sales", parent_id=company.id)
    )
    inside = await create_unit(
        deps, tenant.admin, NewUnit(UnitKind.DEPARTMENT, "Inside Sales", parent_id=sales.id)
    )
    return company, sales, inside


async def _stored(deps: Deps, unit: OrgUnit) -> OrgUnit | None:
    async with deps.uow() as uow:
        return await uow.units.get(unit.organization_id, unit.id)


# -- the tree ------------------------------------------------------------------------------


async def test_an_admin_builds_the_tree(deps: Deps, acme: Tenant) -> None:
    lead = await hire(deps, acme, "Lena")
    company, sales, _ = await _tree(deps, acme)
    team = await create_unit(
        deps,
        acme.admin,
        NewUnit(UnitKind.TEAM, " Key Accounts ", parent_id=sales.id, lead_id=lead.id),
    )

    assert (team.name, team.parent_id, team.lead_id, team.version) == (
        "Key Accounts",
        sales.id,
        lead.id,
        1,
    )
    assert await get_unit(deps, acme.reader, team.id) == team
    departments = await list_units(
        deps, acme.admin, UnitFilter(kind=UnitKind.DEPARTMENT), PageRequest()
    )
    assert [u.name for u in departments.items] == ["Sales", "Inside Sales"]
    under_sales = await list_units(deps, acme.admin, UnitFilter(parent_id=sales.id), PageRequest())
    assert [u.name for u in under_sales.items] == ["Inside Sales", "Key Accounts"]
    assert company.parent_id is None


async def test_there_is_one_company_unit(deps: Deps, acme: Tenant, globex: Tenant) -> None:
    await create_unit(deps, acme.admin, NewUnit(UnitKind.COMPANY, "Acme"))
    await create_unit(deps, globex.admin, NewUnit(UnitKind.COMPANY, "Globex"))  # its own
    with pytest.raises(Conflict) as caught:
        await create_unit(deps, acme.admin, NewUnit(UnitKind.COMPANY, "Acme again"))
    assert caught.value.code == "company_unit_exists"
    units = await list_units(deps, acme.admin, UnitFilter(), PageRequest())
    assert [u.name for u in units.items] == ["Acme"]


@pytest.mark.parametrize("kind", [UnitKind.DEPARTMENT, UnitKind.TEAM])
async def test_a_department_or_team_needs_a_parent(
    deps: Deps, acme: Tenant, kind: UnitKind
) -> None:
    with pytest.raises(RuleViolation) as caught:
        await create_unit(deps, acme.admin, NewUnit(kind, "Floating"))
    assert caught.value.code == "invalid_unit_parent"
    assert caught.value.errors[0].field == "parent_id"


async def test_a_unit_sits_under_its_own_rank_or_higher(deps: Deps, acme: Tenant) -> None:
    company, sales, _ = await _tree(deps, acme)
    team = await create_unit(deps, acme.admin, NewUnit(UnitKind.TEAM, "Team", parent_id=sales.id))
    with pytest.raises(RuleViolation) as under_team:
        await create_unit(deps, acme.admin, NewUnit(UnitKind.DEPARTMENT, "D", parent_id=team.id))
    with pytest.raises(RuleViolation) as company_with_parent:
        await update_unit(deps, acme.admin, company.id, UnitChanges(parent_id=sales.id))
    assert under_team.value.code == company_with_parent.value.code == "invalid_unit_parent"


async def test_an_unknown_parent_or_lead_is_an_unknown_reference(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    company, _, _ = await _tree(deps, acme)
    globex_company = await create_unit(deps, globex.admin, NewUnit(UnitKind.COMPANY, "Globex"))
    with pytest.raises(RuleViolation) as parent:
        await create_unit(
            deps, acme.admin, NewUnit(UnitKind.TEAM, "T", parent_id=globex_company.id)
        )
    with pytest.raises(RuleViolation) as lead:
        await update_unit(deps, acme.admin, company.id, UnitChanges(lead_id=globex.admin_member.id))
    assert parent.value.code == lead.value.code == "unknown_reference"
    assert (parent.value.errors[0].field, lead.value.errors[0].field) == ("parent_id", "lead_id")
    assert await _stored(deps, company) == company


async def test_moving_a_unit_under_its_descendant_is_refused(deps: Deps, acme: Tenant) -> None:
    _, sales, inside = await _tree(deps, acme)

    with pytest.raises(RuleViolation) as caught:
        await update_unit(
            deps, acme.admin, sales.id, UnitChanges(parent_id=inside.id, name="Moved")
        )

    assert caught.value.code == "unit_cycle"
    assert caught.value.extra == {"cycle": [str(sales.id), str(inside.id), str(sales.id)]}
    assert await _stored(deps, sales) == sales  # not renamed either


async def test_a_unit_cannot_move_under_itself(deps: Deps, acme: Tenant) -> None:
    _, sales, _ = await _tree(deps, acme)
    with pytest.raises(RuleViolation) as caught:
        await update_unit(deps, acme.admin, sales.id, UnitChanges(parent_id=sales.id))
    assert caught.value.code == "unit_cycle"


async def test_moving_a_unit_elsewhere_bumps_its_version(deps: Deps, acme: Tenant) -> None:
    company, sales, inside = await _tree(deps, acme)
    moved = await update_unit(
        deps, acme.admin, inside.id, UnitChanges(parent_id=company.id), expected_version=1
    )
    assert moved == replace(inside, parent_id=company.id, version=2)
    with pytest.raises(StaleVersion) as caught:
        await update_unit(deps, acme.admin, inside.id, UnitChanges(name="x"), expected_version=1)
    assert caught.value.code == "stale_version"
    assert await _stored(deps, sales) == sales


# -- deleting ------------------------------------------------------------------------------


async def test_a_unit_with_sub_units_cannot_be_deleted(deps: Deps, acme: Tenant) -> None:
    _, sales, inside = await _tree(deps, acme)
    with pytest.raises(Conflict) as caught:
        await delete_unit(deps, acme.admin, sales.id)
    assert caught.value.code == "unit_has_children"
    assert await _stored(deps, sales) == sales

    await delete_unit(deps, acme.admin, inside.id, expected_version=1)
    await delete_unit(deps, acme.admin, sales.id)

    assert await _stored(deps, sales) is None
    with pytest.raises(NotFound) as again:
        await delete_unit(deps, acme.admin, sales.id)
    assert again.value.code == "not_found"


async def test_a_unit_with_review_meetings_keeps_its_record(deps: Deps, acme: Tenant) -> None:
    _, _, inside = await _tree(deps, acme)
    meeting = NewMeeting(MeetingKind.RETROSPECTIVE, "Q2 复盘", date(2026, 7, 2), unit_id=inside.id)
    await create_meeting(deps, acme.admin, meeting)
    with pytest.raises(Conflict) as caught:
        await delete_unit(deps, acme.admin, inside.id)
    assert caught.value.code == "unit_has_meetings"
    assert await _stored(deps, inside) == inside


async def test_a_stale_delete_is_refused(deps: Deps, acme: Tenant) -> None:
    _, _, inside = await _tree(deps, acme)
    await update_unit(deps, acme.admin, inside.id, UnitChanges(name="Renamed"))
    with pytest.raises(StaleVersion):
        await delete_unit(deps, acme.admin, inside.id, expected_version=1)
    assert await _stored(deps, inside) is not None


# -- members of a unit ---------------------------------------------------------------------


async def test_adding_and_removing_members(deps: Deps, acme: Tenant) -> None:
    _, sales, _ = await _tree(deps, acme)
    ann = await hire(deps, acme, "Ann")
    bo = await hire(deps, acme, "Bo")

    await add_unit_member(deps, acme.admin, sales.id, bo.id)
    await add_unit_member(deps, acme.admin, sales.id, ann.id)
    await add_unit_member(deps, acme.admin, sales.id, ann.id)  # twice: still one membership
    assert await list_unit_members(deps, acme.reader, sales.id) == sorted([ann.id, bo.id])

    await remove_unit_member(deps, acme.admin, sales.id, ann.id)
    assert await list_unit_members(deps, acme.admin, sales.id) == [bo.id]
    with pytest.raises(NotFound) as caught:
        await remove_unit_member(deps, acme.admin, sales.id, ann.id)
    assert caught.value.code == "not_found"


async def test_deleting_a_unit_drops_its_memberships(deps: Deps, acme: Tenant) -> None:
    _, _, inside = await _tree(deps, acme)
    ann = await hire(deps, acme, "Ann")
    await add_unit_member(deps, acme.admin, inside.id, ann.id)
    await delete_unit(deps, acme.admin, inside.id)
    async with deps.uow() as uow:
        assert await uow.units.member_ids(acme.id, inside.id) == []


async def test_only_members_of_the_organization_join_its_units(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    _, sales, _ = await _tree(deps, acme)
    with pytest.raises(NotFound) as caught:
        await add_unit_member(deps, acme.admin, sales.id, globex.admin_member.id)
    assert caught.value.code == "not_found"
    with pytest.raises(NotFound):
        await add_unit_member(deps, acme.admin, sales.id, UUID(int=7))
    assert await list_unit_members(deps, acme.admin, sales.id) == []


# -- permissions ---------------------------------------------------------------------------


async def test_only_admins_change_units_but_members_read_them(deps: Deps, acme: Tenant) -> None:
    company, sales, _ = await _tree(deps, acme)
    hr = principal_of(await hire(deps, acme, "Hanna", roles=frozenset({Role.HR})))
    ann = await hire(deps, acme, "Ann")
    attempts = [
        create_unit(deps, hr, NewUnit(UnitKind.TEAM, "T", parent_id=sales.id)),
        update_unit(deps, hr, sales.id, UnitChanges(name="Mine")),
        delete_unit(deps, hr, sales.id),
        add_unit_member(deps, hr, sales.id, ann.id),
        remove_unit_member(deps, hr, sales.id, ann.id),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden) as caught:
            await attempt
        assert caught.value.code == "forbidden"
    assert await get_unit(deps, principal_of(ann), company.id) == company
    assert await _stored(deps, sales) == sales
