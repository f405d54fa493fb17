"""The memory twin itself: it implements the ports and keeps Postgres's semantics."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID

import pytest

from domain.cycles import Cycle, CycleKind, CycleState
from domain.errors import Conflict, FieldError, RuleViolation, StaleVersion
from domain.members import Member, Role
from domain.units import OrgUnit, UnitKind
from service.context import Deps
from service.ids import new_id
from service.pagination import PageRequest
from service.ports import (
    CycleFilter,
    CycleRepository,
    IdempotencyRecord,
    IdempotencyStore,
    MemberRepository,
    OrganizationRepository,
    Readiness,
    StoredResponse,
    UnitOfWork,
    UnitOfWorkFactory,
    UnitRepository,
)
from service.storage.memory import (
    ColumnTooLongError,
    MemoryCycles,
    MemoryIdempotencyStore,
    MemoryMembers,
    MemoryOrganizations,
    MemoryReadiness,
    MemoryStore,
    MemoryUnitOfWork,
    MemoryUnitOfWorkFactory,
    MemoryUnits,
)
from service.storage.memory.store import Transaction
from tests.service.harness import NOW, Tenant, hire, stored_member


def test_the_twins_implement_the_ports(store: MemoryStore) -> None:
    # These annotated assignments are the check: mypy --strict refuses a twin that drifts
    # from its Protocol.
    tx = Transaction(store)
    uow: UnitOfWork = MemoryUnitOfWork(store)
    factory: UnitOfWorkFactory = MemoryUnitOfWorkFactory(store)
    organizations: OrganizationRepository = MemoryOrganizations(tx)
    members: MemberRepository = MemoryMembers(tx)
    units: UnitRepository = MemoryUnits(tx)
    cycles: CycleRepository = MemoryCycles(tx)
    idempotency: IdempotencyStore = MemoryIdempotencyStore()
    readiness: Readiness = MemoryReadiness()
    assert isinstance(factory(), MemoryUnitOfWork)
    assert all(
        x is not None for x in (uow, organizations, members, units, cycles, idempotency, readiness)
    )


def _member(
    org_id: UUID,
    email: str,
    *,
    external_id: str | None = None,
    manager_id: UUID | None = None,
    version: int = 1,
) -> Member:
    return Member(
        id=new_id(),
        organization_id=org_id,
        name=email.partition("@")[0],
        email=email,
        external_id=external_id,
        manager_id=manager_id,
        roles=frozenset({Role.MEMBER}),
        active=True,
        version=version,
        created_at=NOW,
        updated_at=NOW,
    )


def _unit(org_id: UUID, kind: UnitKind, parent_id: UUID | None = None) -> OrgUnit:
    return OrgUnit(
        id=new_id(),
        organization_id=org_id,
        kind=kind,
        name=str(kind),
        parent_id=parent_id,
        lead_id=None,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def _cycle(org_id: UUID, start: date, end: date) -> Cycle:
    return Cycle(
        id=new_id(),
        organization_id=org_id,
        name=f"{start}..{end}",
        kind=CycleKind.QUARTER,
        start_date=start,
        end_date=end,
        parent_id=None,
        state=CycleState.PLANNING,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


# -- the unit of work ----------------------------------------------------------------------


async def test_changes_are_kept_only_after_commit(deps: Deps, acme: Tenant) -> None:
    kept = _member(acme.id, "kept@acme.example")
    dropped = _member(acme.id, "dropped@acme.example")
    async with deps.uow() as uow:
        await uow.members.add(kept)
        assert await uow.members.get(acme.id, kept.id) == kept  # the working copy sees it
        await uow.commit()
    async with deps.uow() as uow:
        await uow.members.add(dropped)
    assert await stored_member(deps, kept) == kept
    assert await stored_member(deps, dropped) is None


async def test_an_error_inside_the_unit_of_work_discards_its_writes(
    deps: Deps, acme: Tenant
) -> None:
    member = _member(acme.id, "ghost@acme.example")

    async def add_then_fail() -> None:
        async with deps.uow() as uow:
            await uow.members.add(member)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await add_then_fail()
    assert await stored_member(deps, member) is None


async def test_writes_after_a_commit_need_their_own_commit(deps: Deps, acme: Tenant) -> None:
    first = _member(acme.id, "first@acme.example")
    second = _member(acme.id, "second@acme.example")
    async with deps.uow() as uow:
        await uow.members.add(first)
        await uow.commit()
        await uow.members.add(second)
    assert await stored_member(deps, first) == first
    assert await stored_member(deps, second) is None


async def test_repositories_refuse_to_work_once_the_unit_of_work_is_left(
    deps: Deps, acme: Tenant
) -> None:
    async with deps.uow() as uow:
        pass
    with pytest.raises(RuntimeError, match="closed"):
        await uow.members.get(acme.id, acme.admin_member.id)
    with pytest.raises(RuntimeError, match="closed"):
        await uow.commit()


async def test_a_refused_write_leaves_the_working_copy_as_it_was(deps: Deps, acme: Tenant) -> None:
    async with deps.uow() as uow:
        taken = _member(acme.id, acme.admin_member.email)
        with pytest.raises(Conflict):
            await uow.members.add(taken)
        assert await uow.members.get(acme.id, taken.id) is None
        await uow.commit()
    assert await stored_member(deps, taken) is None


async def test_the_later_of_two_concurrent_updates_fails_at_commit(
    deps: Deps, acme: Tenant
) -> None:
    original = acme.admin_member
    first = replace(original, name="First", version=2)
    second = replace(original, name="Second", version=2)
    async with deps.uow() as uow_a, deps.uow() as uow_b:
        await uow_a.members.update(first, previous_version=1)
        await uow_b.members.update(second, previous_version=1)  # its snapshot is still v1
        await uow_a.commit()
        with pytest.raises(StaleVersion) as caught:
            await uow_b.commit()
    assert caught.value.code == "stale_version"
    assert await stored_member(deps, original) == first


async def test_concurrent_writes_to_different_rows_both_land(deps: Deps, acme: Tenant) -> None:
    one = _member(acme.id, "one@acme.example")
    two = _member(acme.id, "two@acme.example")
    async with deps.uow() as uow_a, deps.uow() as uow_b:
        await uow_a.members.add(one)
        await uow_b.members.add(two)
        await uow_a.commit()
        await uow_b.commit()
    assert await stored_member(deps, one) == one
    assert await stored_member(deps, two) == two


# -- repositories: versions, keys and references -------------------------------------------


async def test_update_with_another_previous_version_is_stale(deps: Deps, acme: Tenant) -> None:
    async with deps.uow() as uow:
        org = replace(acme.org, name="Renamed", version=3)
        with pytest.raises(StaleVersion) as caught:
            await uow.organizations.update(org, previous_version=2)
        assert caught.value.code == "stale_version"
        missing = _member(acme.id, "nobody@acme.example", version=2)
        with pytest.raises(StaleVersion):
            await uow.members.update(missing, previous_version=1)


async def test_duplicate_email_and_external_id_conflict_per_organization(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    await hire(deps, acme, "Ann", external_id="E-1")
    async with deps.uow() as uow:
        with pytest.raises(Conflict) as email:
            await uow.members.add(_member(acme.id, "ann@acme.example"))
        with pytest.raises(Conflict) as external:
            await uow.members.add(_member(acme.id, "ann2@acme.example", external_id="E-1"))
        # Another tenant may use both; members without an external id never collide.
        await uow.members.add(_member(globex.id, "ann@acme.example", external_id="E-1"))
        await uow.members.add(_member(acme.id, "x@acme.example"))
        await uow.members.add(_member(acme.id, "y@acme.example"))
    assert email.value.code == "email_taken"
    assert email.value.errors == (FieldError("email", "already used by another member", "taken"),)
    assert external.value.code == "external_id_taken"
    assert external.value.errors == (
        FieldError("external_id", "already used by another member", "taken"),
    )


async def test_an_update_onto_a_taken_email_conflicts(deps: Deps, acme: Tenant) -> None:
    ann = await hire(deps, acme, "Ann")
    async with deps.uow() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.members.update(
                replace(ann, email=acme.admin_member.email, version=2), previous_version=1
            )
    assert caught.value.code == "email_taken"


async def test_references_must_exist_in_the_same_organization(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    async with deps.uow() as uow:
        for write in (
            uow.members.add(_member(new_id(), "orphan@nowhere.example")),
            uow.members.add(_member(acme.id, "b@acme.example", manager_id=globex.admin_member.id)),
            uow.units.add(_unit(acme.id, UnitKind.TEAM, parent_id=new_id())),
        ):
            with pytest.raises(RuleViolation) as caught:
                await write
            assert caught.value.code == "unknown_reference"


async def test_one_company_unit_per_organization(deps: Deps, acme: Tenant, globex: Tenant) -> None:
    async with deps.uow() as uow:
        await uow.units.add(_unit(acme.id, UnitKind.COMPANY))
        await uow.units.add(_unit(globex.id, UnitKind.COMPANY))
        with pytest.raises(Conflict) as caught:
            await uow.units.add(_unit(acme.id, UnitKind.COMPANY))
    assert caught.value.code == "company_unit_exists"


async def test_deleting_a_unit_takes_its_memberships_and_spares_its_parent(
    deps: Deps, acme: Tenant
) -> None:
    company = _unit(acme.id, UnitKind.COMPANY)
    team = _unit(acme.id, UnitKind.TEAM, parent_id=company.id)
    admin_id = acme.admin_member.id
    async with deps.uow() as uow:
        await uow.units.add(company)
        await uow.units.add(team)
        await uow.units.add_member(acme.id, team.id, admin_id)
        await uow.units.add_member(acme.id, team.id, admin_id)  # idempotent
        assert await uow.units.member_ids(acme.id, team.id) == [admin_id]
        with pytest.raises(RuleViolation) as caught:
            await uow.units.delete(acme.id, company.id)  # the team still points at it
        assert caught.value.code == "unknown_reference"
        await uow.units.delete(acme.id, team.id)
        assert await uow.units.member_ids(acme.id, team.id) == []
        assert await uow.units.remove_member(acme.id, team.id, admin_id) is False
        assert await uow.units.get(acme.id, company.id) == company


async def test_the_manager_chain_stops_at_a_stored_loop(deps: Deps, acme: Tenant) -> None:
    a = _member(acme.id, "a@acme.example")
    b = _member(acme.id, "b@acme.example", manager_id=a.id)
    async with deps.uow() as uow:
        await uow.members.add(a)
        await uow.members.add(b)
        # The repository stores what it is given; loops are the use case's job to refuse.
        await uow.members.update(replace(a, manager_id=b.id, version=2), previous_version=1)
        assert await uow.members.manager_chain(acme.id, a.id) == {a.id: b.id, b.id: a.id}
        assert await uow.members.manager_chain(acme.id, new_id()) == {}


async def test_cycle_dates_are_checked_like_the_table_constraint(deps: Deps, acme: Tenant) -> None:
    async with deps.uow() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.cycles.add(_cycle(acme.id, date(2026, 4, 1), date(2026, 3, 1)))
    assert caught.value.code == "conflict"


async def test_cycles_filter_on_the_day_they_contain(deps: Deps, acme: Tenant) -> None:
    q1 = _cycle(acme.id, date(2026, 1, 1), date(2026, 3, 31))
    q2 = _cycle(acme.id, date(2026, 4, 1), date(2026, 6, 30))
    async with deps.uow() as uow:
        await uow.cycles.add(q1)
        await uow.cycles.add(q2)
        for day, expected in (
            (date(2026, 3, 31), [q1]),
            (date(2026, 4, 1), [q2]),
            (date(2026, 7, 1), []),
        ):
            page = await uow.cycles.list(acme.id, CycleFilter(contains_date=day), PageRequest())
            assert list(page.items) == expected


async def test_values_longer_than_their_column_are_refused(deps: Deps, acme: Tenant) -> None:
    async with deps.uow() as uow:
        with pytest.raises(ColumnTooLongError, match=r"members\.external_id"):
            await uow.members.add(_member(acme.id, "long@acme.example", external_id="x" * 201))


# -- idempotency keys and readiness --------------------------------------------------------


async def test_an_idempotency_key_is_claimed_once_then_answers_with_its_response() -> None:
    keys = MemoryIdempotencyStore(retention_hours=24)
    org_id = new_id()

    async def claim(request_hash: str) -> IdempotencyRecord | None:
        return await keys.claim(
            organization_id=org_id, caller="member:1", key="k-1", request_hash=request_hash, now=NOW
        )

    assert await claim("h1") is None
    running = await claim("h2")
    assert running == IdempotencyRecord(request_hash="h1", response=None)

    response = StoredResponse(status=201, body=b"{}", headers={"location": "/v1/x"})
    await keys.complete(organization_id=org_id, caller="member:1", key="k-1", response=response)
    assert await claim("h1") == IdempotencyRecord(request_hash="h1", response=response)


async def test_idempotency_keys_are_scoped_released_and_expire() -> None:
    keys = MemoryIdempotencyStore(retention_hours=24)
    org_id = new_id()
    assert (
        await keys.claim(organization_id=org_id, caller="a", key="k", request_hash="h", now=NOW)
        is None
    )
    # Another caller, or another organization, has its own slot.
    assert (
        await keys.claim(organization_id=org_id, caller="b", key="k", request_hash="h", now=NOW)
        is None
    )
    assert (
        await keys.claim(organization_id=new_id(), caller="a", key="k", request_hash="h", now=NOW)
        is None
    )
    # A released claim can be taken again.
    await keys.release(organization_id=org_id, caller="a", key="k")
    assert (
        await keys.claim(organization_id=org_id, caller="a", key="k", request_hash="h", now=NOW)
        is None
    )
    # Within the retention the key is remembered; past it, forgotten.
    later = NOW + timedelta(hours=24)
    assert (
        await keys.claim(organization_id=org_id, caller="a", key="k", request_hash="h", now=later)
        is not None
    )
    much_later = NOW + timedelta(hours=24, seconds=1)
    assert (
        await keys.claim(
            organization_id=org_id, caller="a", key="k", request_hash="h2", now=much_later
        )
        is None
    )


async def test_memory_is_always_ready() -> None:
    assert await MemoryReadiness().check() is None
