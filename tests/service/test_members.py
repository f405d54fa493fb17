"""Use cases of members: who may manage the directory, its keys and the manager chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import UUID

import pytest

from domain.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation, StaleVersion
from domain.members import Member, Role
from domain.units import UnitKind
from service.auth import Principal, Scope
from service.context import Deps
from service.members import (
    MemberChanges,
    NewMember,
    create_member,
    deactivate_member,
    get_member,
    list_members,
    members_by_id,
    reports_of,
    update_member,
)
from service.pagination import PageRequest
from service.ports import MemberFilter
from service.units import NewUnit, add_unit_member, create_unit
from tests.service.harness import NOW, FixedClock, Tenant, hire, principal_of, stored_member

# -- who may manage members ----------------------------------------------------------------


async def test_an_admin_creates_a_member(deps: Deps, acme: Tenant) -> None:
    boss = acme.admin_member
    created = await create_member(
        deps,
        acme.admin,
        NewMember(
            name=" Ann Lee ",
            email=" Ann.Lee@Acme.Example",
            external_id=" HR-7 ",
            manager_id=boss.id,
            roles=frozenset({Role.MANAGER}),
        ),
    )

    assert created.organization_id == acme.id
    assert (created.name, created.email, created.external_id) == (
        "Ann Lee",
        "ann.lee@acme.example",
        "HR-7",
    )
    assert created.manager_id == boss.id
    assert created.roles == frozenset({Role.MANAGER})
    assert (created.active, created.version, created.created_at) == (True, 1, NOW)
    assert await get_member(deps, acme.admin, created.id) == created


async def test_hr_and_an_hr_system_with_members_write_create_members(
    deps: Deps, acme: Tenant
) -> None:
    hr = await hire(deps, acme, "Hanna", roles=frozenset({Role.HR}))
    by_hr = await create_member(deps, principal_of(hr), NewMember("Bo", "bo@acme.example"))
    by_service = await create_member(
        deps, acme.service(Scope.MEMBERS_WRITE), NewMember("Cy", "cy@acme.example")
    )
    assert await stored_member(deps, by_hr) == by_hr
    assert await stored_member(deps, by_service) == by_service


async def test_only_admins_make_or_unmake_admins(deps: Deps, acme: Tenant) -> None:
    hr = principal_of(await hire(deps, acme, "Hanna", roles=frozenset({Role.HR})))
    hr_system = acme.service(Scope.MEMBERS_WRITE)
    for caller in (hr, hr_system):
        with pytest.raises(Forbidden):
            await create_member(
                deps, caller, NewMember("Eve", "eve@acme.example", roles=frozenset({Role.ADMIN}))
            )
    with pytest.raises(Forbidden):
        await update_member(
            deps,
            hr,
            hr.member_id or acme.admin_member.id,
            MemberChanges(roles=frozenset({Role.ADMIN})),
        )
    with pytest.raises(Forbidden):
        await update_member(
            deps, hr, acme.admin_member.id, MemberChanges(roles=frozenset({Role.MEMBER}))
        )
    # HR still manages everyone else's roles, and admins grant admin.
    bo = await create_member(deps, hr, NewMember("Bo", "bo@acme.example"))
    promoted = await update_member(deps, hr, bo.id, MemberChanges(roles=frozenset({Role.MANAGER})))
    assert promoted.roles == frozenset({Role.MANAGER})
    made_admin = await update_member(
        deps, acme.admin, bo.id, MemberChanges(roles=frozenset({Role.ADMIN}))
    )
    assert made_admin.roles == frozenset({Role.ADMIN})
    assert await stored_member(deps, acme.admin_member) == acme.admin_member


@pytest.mark.parametrize(
    "roles", [frozenset({Role.MEMBER}), frozenset({Role.MANAGER}), frozenset[Role]()]
)
async def test_plain_members_and_managers_may_not_manage_members(
    deps: Deps, acme: Tenant, roles: frozenset[Role]
) -> None:
    someone = await hire(deps, acme, "Ann", roles=roles)
    caller = principal_of(someone)
    with pytest.raises(Forbidden) as created:
        await create_member(deps, caller, NewMember("Bo", "bo@acme.example"))
    with pytest.raises(Forbidden) as updated:
        await update_member(deps, caller, someone.id, MemberChanges(roles=frozenset({Role.ADMIN})))
    assert created.value.code == updated.value.code == "forbidden"
    assert await stored_member(deps, someone) == someone


async def test_a_read_only_service_reads_the_directory_but_cannot_write_it(
    deps: Deps, acme: Tenant
) -> None:
    reader = acme.reader
    admin = acme.admin_member
    assert await get_member(deps, reader, admin.id) == admin
    assert list((await list_members(deps, reader, MemberFilter(), PageRequest())).items) == [admin]
    with pytest.raises(Forbidden) as created:
        await create_member(deps, reader, NewMember("Bo", "bo@acme.example"))
    with pytest.raises(Forbidden) as deactivated:
        await deactivate_member(deps, reader, admin.id)
    assert created.value.code == deactivated.value.code == "forbidden"


async def test_a_service_without_scopes_cannot_even_read(deps: Deps, acme: Tenant) -> None:
    with pytest.raises(Forbidden) as caught:
        await get_member(deps, acme.service(), acme.admin_member.id)
    assert caught.value.code == "forbidden"


# -- keys and references -------------------------------------------------------------------


async def test_an_email_is_taken_whatever_its_case(deps: Deps, acme: Tenant) -> None:
    await hire(deps, acme, "Ann")  # ann@acme.example
    with pytest.raises(Conflict) as caught:
        await create_member(deps, acme.admin, NewMember("Other Ann", "  ANN@Acme.example"))
    assert caught.value.code == "email_taken"
    assert caught.value.errors == (FieldError("email", "already used by another member", "taken"),)


async def test_changing_to_a_taken_email_conflicts_and_changes_nothing(
    deps: Deps, acme: Tenant
) -> None:
    ann = await hire(deps, acme, "Ann")
    with pytest.raises(Conflict) as caught:
        await update_member(
            deps, acme.admin, ann.id, MemberChanges(email=acme.admin_member.email.upper())
        )
    assert caught.value.code == "email_taken"
    assert await stored_member(deps, ann) == ann


async def test_an_external_id_is_unique_in_the_organization(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    await hire(deps, acme, "Ann", external_id="E-1")
    await hire(deps, globex, "Ann", external_id="E-1")  # another tenant may reuse it
    with pytest.raises(Conflict) as caught:
        await hire(deps, acme, "Bo", external_id="E-1")
    assert caught.value.code == "external_id_taken"
    assert caught.value.errors[0].field == "external_id"


async def test_the_same_email_may_exist_in_two_organizations(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    in_acme = await create_member(deps, acme.admin, NewMember("Ann", "ann@shared.example"))
    in_globex = await create_member(deps, globex.admin, NewMember("Ann", "ann@shared.example"))
    assert in_acme.id != in_globex.id


async def test_a_manager_from_another_organization_is_an_unknown_reference(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    foreign = globex.admin_member.id
    with pytest.raises(RuleViolation) as on_create:
        await create_member(
            deps, acme.admin, NewMember("Ann", "ann@acme.example", manager_id=foreign)
        )
    ann = await hire(deps, acme, "Ann")
    with pytest.raises(RuleViolation) as on_update:
        await update_member(deps, acme.admin, ann.id, MemberChanges(manager_id=foreign))
    for caught in (on_create, on_update):
        assert caught.value.code == "unknown_reference"
        assert caught.value.errors == (
            FieldError("manager_id", "no such member", "unknown_reference"),
        )
    assert await stored_member(deps, ann) == ann


async def test_a_blank_external_id_is_refused(deps: Deps, acme: Tenant) -> None:
    with pytest.raises(RuleViolation) as caught:
        await hire(deps, acme, "Ann", external_id="   ")
    assert caught.value.code == "validation_failed"
    assert caught.value.errors[0].field == "external_id"


async def test_an_overlong_external_id_is_a_validation_error(deps: Deps, acme: Tenant) -> None:
    with pytest.raises(RuleViolation) as caught:
        await hire(deps, acme, "Ann", external_id="x" * 201)
    assert caught.value.code == "validation_failed"


# -- the manager chain ---------------------------------------------------------------------


async def _chain_of_three(deps: Deps, tenant: Tenant) -> tuple[Member, Member, Member]:
    """A <- B <- C: B reports to A, C reports to B."""
    a = await hire(deps, tenant, "A")
    b = await hire(deps, tenant, "B", manager_id=a.id)
    c = await hire(deps, tenant, "C", manager_id=b.id)
    return a, b, c


async def test_a_manager_that_closes_a_loop_is_refused_and_nothing_changes(
    deps: Deps, acme: Tenant
) -> None:
    a, b, c = await _chain_of_three(deps, acme)

    with pytest.raises(RuleViolation) as caught:
        await update_member(deps, acme.admin, a.id, MemberChanges(manager_id=c.id, name="A2"))

    assert caught.value.code == "manager_cycle"
    assert caught.value.extra == {"cycle": [str(a.id), str(c.id), str(b.id), str(a.id)]}
    assert caught.value.errors[0].field == "manager_id"
    # The refused use case left every member as it was, as a fresh unit of work shows.
    assert [await stored_member(deps, m) for m in (a, b, c)] == [a, b, c]


async def test_a_member_cannot_manage_themself(deps: Deps, acme: Tenant) -> None:
    ann = await hire(deps, acme, "Ann")
    with pytest.raises(RuleViolation) as caught:
        await update_member(deps, acme.admin, ann.id, MemberChanges(manager_id=ann.id))
    assert caught.value.code == "manager_cycle"


async def test_a_manager_elsewhere_in_the_tree_is_fine(deps: Deps, acme: Tenant) -> None:
    a, _, c = await _chain_of_three(deps, acme)
    d = await hire(deps, acme, "D")
    moved = await update_member(deps, acme.admin, c.id, MemberChanges(manager_id=d.id))
    to_top = await update_member(deps, acme.admin, d.id, MemberChanges(manager_id=a.id))
    assert (moved.manager_id, to_top.manager_id) == (d.id, a.id)
    cleared = await update_member(deps, acme.admin, c.id, MemberChanges(manager_id=None))
    assert cleared.manager_id is None


async def test_reports_and_members_by_id_stay_in_the_organization(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    a, b, c = await _chain_of_three(deps, acme)
    foreign = globex.admin_member.id
    assert await reports_of(deps, acme.admin, [a.id, b.id, c.id, foreign]) == {
        a.id: [b],
        b.id: [c],
        c.id: [],
        foreign: [],
    }
    assert await members_by_id(deps, acme.admin, [a.id, c.id, foreign]) == {a.id: a, c.id: c}
    assert await members_by_id(deps, globex.admin, [a.id, b.id]) == {}


# -- updates and deactivation --------------------------------------------------------------


async def test_deactivation_keeps_the_member_inactive_and_bumps_the_version(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    ann = await hire(deps, acme, "Ann")
    clock.current = NOW + timedelta(days=3)

    gone = await deactivate_member(deps, acme.admin, ann.id, expected_version=1)

    assert gone == replace(ann, active=False, version=2, updated_at=NOW + timedelta(days=3))
    assert await stored_member(deps, ann) == gone


async def test_a_stale_version_is_refused(deps: Deps, acme: Tenant) -> None:
    ann = await hire(deps, acme, "Ann")
    renamed = await update_member(deps, acme.admin, ann.id, MemberChanges(name="Annie"))
    with pytest.raises(StaleVersion) as caught:
        await deactivate_member(deps, acme.admin, ann.id, expected_version=1)
    assert caught.value.code == "stale_version"
    assert await stored_member(deps, ann) == renamed


async def test_an_unknown_member_is_not_found(deps: Deps, acme: Tenant) -> None:
    nobody = UUID(int=1)
    with pytest.raises(NotFound) as read:
        await get_member(deps, acme.admin, nobody)
    with pytest.raises(NotFound) as written:
        await update_member(deps, acme.admin, nobody, MemberChanges(name="x"))
    assert read.value.code == written.value.code == "not_found"


async def test_changes_apply_only_to_the_fields_sent(deps: Deps, acme: Tenant) -> None:
    ann = await hire(deps, acme, "Ann", external_id="E-1", manager_id=acme.admin_member.id)
    updated = await update_member(
        deps,
        acme.admin,
        ann.id,
        MemberChanges(external_id=None, roles=frozenset({Role.MANAGER, Role.HR})),
    )
    assert updated == replace(
        ann, external_id=None, roles=frozenset({Role.MANAGER, Role.HR}), version=2
    )


# -- listing -------------------------------------------------------------------------------


async def _ids(deps: Deps, caller: Principal, filters: MemberFilter) -> list[UUID]:
    page = await list_members(deps, caller, filters, PageRequest(limit=200))
    return [m.id for m in page.items]


async def test_list_filters(deps: Deps, acme: Tenant, globex: Tenant) -> None:
    boss = acme.admin_member
    ann = await hire(deps, acme, "Ann Lee", manager_id=boss.id, external_id="E-1")
    bo = await hire(deps, acme, "Bo Zhang", manager_id=boss.id)
    cy = await hire(deps, acme, "Cy Leeds")
    await hire(deps, globex, "Ann Lee")  # same name in another tenant: never listed
    await deactivate_member(deps, acme.admin, bo.id)
    team = await create_unit(deps, acme.admin, NewUnit(UnitKind.COMPANY, "Acme"))
    await add_unit_member(deps, acme.admin, team.id, cy.id)
    await add_unit_member(deps, acme.admin, team.id, ann.id)
    admin = acme.admin

    assert await _ids(deps, admin, MemberFilter()) == [boss.id, ann.id, bo.id, cy.id]
    assert await _ids(deps, admin, MemberFilter(q="LEE")) == [ann.id, cy.id]
    assert await _ids(deps, admin, MemberFilter(q="zhang@")) == [bo.id]  # emails match too
    assert await _ids(deps, admin, MemberFilter(q="admin@acme")) == [boss.id]
    assert await _ids(deps, admin, MemberFilter(active=False)) == [bo.id]
    assert await _ids(deps, admin, MemberFilter(active=True, manager_id=boss.id)) == [ann.id]
    assert await _ids(deps, admin, MemberFilter(unit_id=team.id)) == [ann.id, cy.id]
    assert await _ids(deps, admin, MemberFilter(email=" Ann.Lee@ACME.example")) == [ann.id]
    assert await _ids(deps, admin, MemberFilter(external_id="E-1")) == [ann.id]
    assert await _ids(deps, globex.admin, MemberFilter(unit_id=team.id)) == []


async def test_list_pages_through_members_in_creation_order(deps: Deps, acme: Tenant) -> None:
    hired = [acme.admin_member] + [await hire(deps, acme, f"M{i}") for i in range(5)]

    pages: list[list[UUID]] = []
    after: UUID | None = None
    while True:
        page = await list_members(
            deps, acme.admin, MemberFilter(), PageRequest(limit=2, after=after)
        )
        pages.append([m.id for m in page.items])
        if page.next_after is None:
            break
        assert page.next_cursor is not None
        after = page.next_after

    expected = [m.id for m in hired]
    assert pages == [expected[0:2], expected[2:4], expected[4:6]]
