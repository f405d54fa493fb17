"""What the use cases rely on from the repositories, on Postgres: versions, keys, references,
the alignment walk, orderings, fixed-point numbers and visibility.

These rules were first checked on a copy of the storage layer written in Python, which
copied them from Postgres; the copy is gone and they are checked where they live. Rules already
checked elsewhere on Postgres (commit and rollback, stale versions of members and
organizations, taken emails and external ids, the manager chain, cycles containing a day:
``test_repositories.py``; units and concurrent writes: the API tests) are not repeated here.
A refused statement aborts a Postgres transaction, so each refusal gets its own unit of work.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain.cycles import Cycle, CycleKind, CycleState
from domain.errors import Conflict, RuleViolation, StaleVersion
from domain.members import Member, Role
from domain.okrs import (
    Action,
    ActionStatus,
    CheckIn,
    Direction,
    KeyResult,
    Level,
    MetricKind,
    Objective,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.units import OrgUnit, UnitKind
from service.context import Deps
from service.ids import new_id
from service.okr_ports import ActionFilter, AuditEvent, AuditFilter, ObjectiveFilter, Viewer
from service.pagination import PageRequest
from service.ports import UnitOfWork
from tests.service.conftest import acme, clock, deps, engine, globex
from tests.service.harness import NOW, Tenant, hire, stored_member

# The use-case tests' fixtures (the session's database, fresh tenants), shared by import:
# pytest finds them in this module's namespace.
__all__ = ["acme", "clock", "deps", "engine", "globex"]

EVERYONE = Viewer(member_id=None, sees_everything=True)
Write = Callable[[UnitOfWork], Awaitable[object]]


async def _refused(deps: Deps, write: Write) -> Exception:
    """The error one write raises, in a unit of work of its own (the error aborts it)."""
    async with deps.uow() as uow:
        try:
            await write(uow)
        except (Conflict, RuleViolation) as error:
            return error
    raise AssertionError("the write was accepted")


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


async def test_writes_after_a_commit_need_their_own_commit(deps: Deps, acme: Tenant) -> None:
    first = _member(acme.id, "first@acme.example")
    second = _member(acme.id, "second@acme.example")
    async with deps.uow() as uow:
        await uow.members.add(first)
        await uow.commit()
        await uow.members.add(second)
    assert await stored_member(deps, first) == first
    assert await stored_member(deps, second) is None


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
    writes: list[Write] = [
        lambda uow: uow.members.add(_member(new_id(), "orphan@nowhere.example")),
        lambda uow: uow.members.add(
            _member(acme.id, "b@acme.example", manager_id=globex.admin_member.id)
        ),
        lambda uow: uow.units.add(_unit(acme.id, UnitKind.TEAM, parent_id=new_id())),
    ]
    for write in writes:
        refused = await _refused(deps, write)
        assert (type(refused), getattr(refused, "code", None)) == (
            RuleViolation,
            "unknown_reference",
        )


async def test_a_cycle_ending_before_it_starts_is_refused(deps: Deps, acme: Tenant) -> None:
    async with deps.uow() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.cycles.add(_cycle(acme.id, date(2026, 4, 1), date(2026, 3, 1)))
    assert caught.value.code == "conflict"


def _objective(
    org_id: UUID,
    cycle_id: UUID,
    owner_id: UUID,
    *,
    owner_kind: OwnerKind = OwnerKind.MEMBER,
    visibility: Visibility = Visibility.PUBLIC,
    parent_objective_id: UUID | None = None,
    parent_key_result_id: UUID | None = None,
    title: str = "Grow",
) -> Objective:
    return Objective(
        id=new_id(),
        organization_id=org_id,
        cycle_id=cycle_id,
        title=title,
        description="",
        owner_kind=owner_kind,
        owner_id=owner_id,
        level=Level.INDIVIDUAL,
        status=ObjectiveStatus.DRAFT,
        visibility=visibility,
        roll_up=False,
        parent_objective_id=parent_objective_id,
        parent_key_result_id=parent_key_result_id,
        source_objective_id=None,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def _key_result(objective: Objective, owner_id: UUID) -> KeyResult:
    return KeyResult(
        id=new_id(),
        organization_id=objective.organization_id,
        objective_id=objective.id,
        title="New customers",
        owner_id=owner_id,
        metric_kind=MetricKind.NUMBER,
        unit=None,
        currency=None,
        start=Decimal(0),
        target=Decimal(10),
        direction=Direction.INCREASE,
        weight=Decimal(1),
        due_date=date(2026, 3, 31),
        confidence=None,
        milestones=(),
        final_score=None,
        final_score_reason=None,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def _check_in(kr: KeyResult, value: int, *, minutes: int = 0) -> CheckIn:
    return CheckIn(
        id=new_id(),
        organization_id=kr.organization_id,
        key_result_id=kr.id,
        author="member:x",
        value=Decimal(value),
        milestones_done=None,
        confidence=None,
        note="",
        blockers="",
        created_at=NOW + timedelta(minutes=minutes),
    )


def _action(kr: KeyResult, owner_id: UUID | None = None) -> Action:
    return Action(
        id=new_id(),
        organization_id=kr.organization_id,
        key_result_id=kr.id,
        title="Visit",
        owner_id=owner_id,
        due_date=None,
        status=ActionStatus.TODO,
        completion_standard=None,
        accepted_by=None,
        accepted_at=None,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


async def _okr_base(deps: Deps, tenant: Tenant) -> tuple[Cycle, Objective, KeyResult]:
    """A cycle, the admin's objective in it and a KR of it, committed."""
    cycle = _cycle(tenant.id, date(2026, 1, 1), date(2026, 3, 31))
    objective = _objective(tenant.id, cycle.id, tenant.admin_member.id)
    kr = _key_result(objective, tenant.admin_member.id)
    async with deps.uow() as uow:
        await uow.cycles.add(cycle)
        await uow.objectives.add(objective)
        await uow.key_results.add(kr)
        await uow.commit()
    return cycle, objective, kr


async def test_okr_rows_stay_in_their_organization(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    _, objective, kr = await _okr_base(deps, acme)
    async with deps.uow() as uow:
        entry = _check_in(kr, 1)
        action = _action(kr)
        await uow.check_ins.add(entry)
        await uow.actions.add(action)
        assert await uow.objectives.get(globex.id, objective.id) is None
        assert await uow.objectives.get_many(globex.id, [objective.id]) == {}
        assert await uow.objectives.get_many(acme.id, [objective.id, objective.id, new_id()]) == {
            objective.id: objective
        }
        assert await uow.key_results.get(globex.id, kr.id) is None
        assert await uow.key_results.of_objectives(globex.id, [objective.id]) == {}
        assert await uow.key_results.of_objectives(acme.id, [objective.id]) == {objective.id: [kr]}
        assert await uow.check_ins.latest(globex.id, [kr.id]) == {}
        assert await uow.actions.get(globex.id, action.id) is None
        assert await uow.actions.of_key_results(acme.id, [kr.id]) == {kr.id: [action]}
        page = await uow.objectives.list(globex.id, ObjectiveFilter(), PageRequest(), EVERYONE)
        assert list(page.items) == []
        assert not await uow.objectives.is_visible(globex.id, objective.id, EVERYONE)
        # Rows of one tenant may not point at another's.
        foreign = _objective(globex.id, objective.cycle_id, globex.admin_member.id)
        with pytest.raises(RuleViolation) as caught:
            await uow.objectives.add(foreign)
        assert caught.value.code == "unknown_reference"


async def test_okr_updates_compare_versions(deps: Deps, acme: Tenant) -> None:
    _, objective, kr = await _okr_base(deps, acme)
    action = _action(kr)
    async with deps.uow() as uow:
        await uow.actions.add(action)
        for write in (
            uow.objectives.update(replace(objective, version=3), previous_version=2),
            uow.key_results.update(replace(kr, version=3), previous_version=2),
            uow.actions.update(replace(action, version=3), previous_version=2),
            uow.objectives.update(replace(objective, id=new_id()), previous_version=1),
        ):
            with pytest.raises(StaleVersion):
                await write
        await uow.objectives.update(replace(objective, version=2), previous_version=1)
        assert (await uow.objectives.get(acme.id, objective.id)) == replace(objective, version=2)


async def test_okr_foreign_keys_and_checks_are_enforced(deps: Deps, acme: Tenant) -> None:
    cycle, objective, kr = await _okr_base(deps, acme)
    admin_id = acme.admin_member.id
    dangling: list[Write] = [
        lambda uow: uow.objectives.add(_objective(acme.id, new_id(), admin_id)),
        lambda uow: uow.objectives.add(_objective(acme.id, cycle.id, new_id())),
        lambda uow: uow.objectives.add(
            _objective(acme.id, cycle.id, admin_id, owner_kind=OwnerKind.UNIT)
        ),
        lambda uow: uow.objectives.add(
            _objective(acme.id, cycle.id, admin_id, parent_objective_id=new_id())
        ),
        lambda uow: uow.objectives.add(
            _objective(acme.id, cycle.id, admin_id, parent_key_result_id=new_id())
        ),
        lambda uow: uow.key_results.add(
            replace(_key_result(objective, admin_id), objective_id=new_id())
        ),
        lambda uow: uow.key_results.add(_key_result(objective, new_id())),
        lambda uow: uow.check_ins.add(replace(_check_in(kr, 1), key_result_id=new_id())),
        lambda uow: uow.actions.add(_action(kr, owner_id=new_id())),
        lambda uow: uow.actions.add(replace(_action(kr), accepted_by=new_id())),
    ]
    for write in dangling:
        refused = await _refused(deps, write)
        assert (type(refused), getattr(refused, "code", None)) == (
            RuleViolation,
            "unknown_reference",
        )
    both_links = _objective(
        acme.id,
        cycle.id,
        admin_id,
        parent_objective_id=objective.id,
        parent_key_result_id=kr.id,
    )
    checked: list[Write] = [
        lambda uow: uow.objectives.add(both_links),
        lambda uow: uow.key_results.add(
            replace(_key_result(objective, admin_id), weight=Decimal(-1))
        ),
        lambda uow: uow.key_results.add(replace(_key_result(objective, admin_id), confidence=11)),
        lambda uow: uow.check_ins.add(replace(_check_in(kr, 1), confidence=-1)),
        lambda uow: uow.objectives.add(objective),  # the primary key
    ]
    for write in checked:
        refused = await _refused(deps, write)
        assert (type(refused), getattr(refused, "code", None)) == (Conflict, "conflict")


async def test_alignment_ancestors_follow_parents_and_contributed_krs(
    deps: Deps, acme: Tenant
) -> None:
    cycle, top, top_kr = await _okr_base(deps, acme)
    admin_id = acme.admin_member.id
    middle = _objective(acme.id, cycle.id, admin_id, parent_key_result_id=top_kr.id)
    bottom = _objective(acme.id, cycle.id, admin_id, parent_objective_id=middle.id)
    async with deps.uow() as uow:
        await uow.objectives.add(middle)
        await uow.objectives.add(bottom)
        assert await uow.objectives.alignment_ancestors(acme.id, bottom.id) == {
            bottom.id: middle.id,
            middle.id: top.id,
            top.id: None,
        }
        assert await uow.objectives.alignment_ancestors(acme.id, new_id()) == {}
        assert await uow.objectives.has_aligned_children(acme.id, top.id)  # through its KR
        assert await uow.objectives.has_aligned_children(acme.id, middle.id)
        assert not await uow.objectives.has_aligned_children(acme.id, bottom.id)
        # A loop stored anyway (the use cases refuse them) does not hang the walk.
        await uow.objectives.update(
            replace(top, parent_objective_id=bottom.id, version=2), previous_version=1
        )
        assert await uow.objectives.alignment_ancestors(acme.id, top.id) == {
            top.id: bottom.id,
            bottom.id: middle.id,
            middle.id: top.id,
        }


async def test_check_in_history_and_latest_are_by_time_then_id(deps: Deps, acme: Tenant) -> None:
    _, objective, kr = await _okr_base(deps, acme)
    other = _key_result(objective, acme.admin_member.id)
    early = _check_in(kr, 1, minutes=10)
    late_id_early_time = _check_in(kr, 2, minutes=0)
    same_time_later_id = _check_in(kr, 3, minutes=10)
    async with deps.uow() as uow:
        await uow.key_results.add(other)
        assert not await uow.objectives.has_check_ins(acme.id, objective.id)
        for entry in (early, late_id_early_time, same_time_later_id):
            await uow.check_ins.add(entry)
        assert await uow.objectives.has_check_ins(acme.id, objective.id)
        assert await uow.check_ins.latest(acme.id, [kr.id, other.id]) == {kr.id: same_time_later_id}
        first = await uow.check_ins.history(acme.id, kr.id, PageRequest(limit=2))
        # A check-in dated before others stored earlier (a KPI's late reading) is listed
        # at its time, as latest() orders them.
        assert (list(first.items), first.next_after) == (
            [same_time_later_id, early],
            early.id,
        )
        rest = await uow.check_ins.history(
            acme.id, kr.id, PageRequest(limit=2, after=first.next_after)
        )
        assert (list(rest.items), rest.next_after) == ([late_id_early_time], None)


async def test_deleting_an_objective_runs_its_four_statements(deps: Deps, acme: Tenant) -> None:
    cycle, objective, kr = await _okr_base(deps, acme)
    action = _action(kr)
    copy = replace(
        _objective(acme.id, cycle.id, acme.admin_member.id), source_objective_id=objective.id
    )
    async with deps.uow() as uow:
        await uow.actions.add(action)
        await uow.objectives.add(copy)
        await uow.commit()
    async with deps.uow() as uow:
        await uow.objectives.delete(acme.id, objective.id)
        assert await uow.objectives.get(acme.id, objective.id) is None
        assert await uow.objectives.get(acme.id, copy.id) == replace(copy, source_objective_id=None)
        assert await uow.key_results.get(acme.id, kr.id) is None
        assert await uow.actions.get(acme.id, action.id) is None
        await uow.objectives.delete(acme.id, objective.id)  # nothing left: no error
    async with deps.uow() as uow:
        await uow.check_ins.add(_check_in(kr, 1))
        await uow.commit()
    # A KR with check-ins keeps its objective: the refused delete rolls the whole unit of
    # work back, the actions' statement that ran before it included.
    refused = await _refused(deps, lambda uow: uow.objectives.delete(acme.id, objective.id))
    assert (type(refused), getattr(refused, "code", None)) == (
        Conflict,
        "key_result_has_check_ins",
    )
    async with deps.uow() as uow:
        assert await uow.actions.get(acme.id, action.id) == action
        assert await uow.key_results.get(acme.id, kr.id) == kr
        assert await uow.objectives.get(acme.id, objective.id) == objective


async def test_contributor_ids_are_the_objectives_contributing_to_a_kr(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    cycle, objective, kr = await _okr_base(deps, acme)
    admin_id = acme.admin_member.id
    second = _objective(acme.id, cycle.id, admin_id, parent_key_result_id=kr.id)
    first = _objective(acme.id, cycle.id, admin_id, parent_key_result_id=kr.id)
    aligned = _objective(acme.id, cycle.id, admin_id, parent_objective_id=objective.id)
    async with deps.uow() as uow:
        for o in (first, second, aligned):
            await uow.objectives.add(o)
        assert await uow.objectives.contributor_ids(acme.id, kr.id) == sorted([first.id, second.id])
        assert await uow.objectives.contributor_ids(globex.id, kr.id) == []
        with pytest.raises(Conflict) as caught:
            await uow.key_results.delete(acme.id, kr.id)  # they still point at it
        assert caught.value.code == "key_result_has_contributors"


async def test_numbers_read_back_in_fixed_point(deps: Deps, acme: Tenant) -> None:
    _, objective, kr = await _okr_base(deps, acme)
    big = replace(
        _key_result(objective, acme.admin_member.id),
        target=Decimal("8E+7"),
        weight=Decimal("1.50"),
        final_score=Decimal("5E-1"),
    )
    entry = replace(_check_in(kr, 0), value=Decimal("2.5E+3"))
    async with deps.uow() as uow:
        await uow.key_results.add(big)
        await uow.check_ins.add(entry)
        stored = await uow.key_results.get(acme.id, big.id)
        assert stored == big
        assert stored is not None
        assert (str(stored.target), str(stored.weight), str(stored.final_score)) == (
            "80000000",
            "1.50",
            "0.5",
        )
        latest = (await uow.check_ins.latest(acme.id, [kr.id]))[kr.id]
        assert str(latest.value) == "2500"


async def test_private_objectives_are_visible_down_the_viewers_line(
    deps: Deps, acme: Tenant
) -> None:
    cycle = _cycle(acme.id, date(2026, 1, 1), date(2026, 3, 31))
    boss = _member(acme.id, "boss@acme.example")
    lead = _member(acme.id, "lead@acme.example", manager_id=boss.id)
    rep = _member(acme.id, "rep@acme.example", manager_id=lead.id)
    peer = _member(acme.id, "peer@acme.example", manager_id=boss.id)
    team = replace(_unit(acme.id, UnitKind.TEAM), lead_id=lead.id)
    private = Visibility.PRIVATE
    reps = _objective(acme.id, cycle.id, rep.id, visibility=private, title="rep")
    teams = _objective(
        acme.id, cycle.id, team.id, owner_kind=OwnerKind.UNIT, visibility=private, title="team"
    )
    public = _objective(acme.id, cycle.id, peer.id, title="public")
    async with deps.uow() as uow:
        await uow.cycles.add(cycle)
        for member in (boss, lead, rep, peer):
            await uow.members.add(member)
        await uow.units.add(team)
        for objective in (reps, teams, public):
            await uow.objectives.add(objective)

        async def seen(viewer: Viewer) -> list[str]:
            page = await uow.objectives.list(acme.id, ObjectiveFilter(), PageRequest(), viewer)
            titles = [o.title for o in page.items]
            for o in (reps, teams, public):
                assert await uow.objectives.is_visible(acme.id, o.id, viewer) == (o.title in titles)
            return titles

        assert await seen(Viewer(boss.id, sees_everything=False)) == ["rep", "team", "public"]
        assert await seen(Viewer(lead.id, sees_everything=False)) == ["rep", "team", "public"]
        assert await seen(Viewer(rep.id, sees_everything=False)) == ["rep", "public"]
        assert await seen(Viewer(peer.id, sees_everything=False)) == ["public"]
        assert await seen(Viewer(new_id(), sees_everything=False)) == ["public"]
        assert await seen(Viewer(None, sees_everything=False)) == ["public"]
        assert await seen(EVERYONE) == ["rep", "team", "public"]


async def test_actions_filter(deps: Deps, acme: Tenant) -> None:
    _, _, kr = await _okr_base(deps, acme)
    dated = replace(_action(kr), due_date=date(2026, 2, 1), status=ActionStatus.DOING)
    undated = _action(kr, owner_id=acme.admin_member.id)
    async with deps.uow() as uow:
        await uow.actions.add(dated)
        await uow.actions.add(undated)

        async def found(filters: ActionFilter) -> list[Action]:
            return list((await uow.actions.list(acme.id, filters, PageRequest())).items)

        assert await found(ActionFilter(key_result_id=kr.id)) == [dated, undated]
        assert await found(ActionFilter(due_after=date(2026, 1, 1))) == [dated]
        assert await found(ActionFilter(due_before=date(2026, 2, 1))) == []
        assert await found(ActionFilter(owner_id=acme.admin_member.id)) == [undated]
        assert await found(ActionFilter(status=ActionStatus.DOING)) == [dated]


async def test_audit_events_are_read_back_as_written_in_their_organization(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    after = {"title": "Grow", "tags": ["a"]}
    event = AuditEvent(
        id=new_id(),
        organization_id=acme.id,
        occurred_at=NOW,
        actor="member:x",
        action="objective.created",
        resource_type="objective",
        resource_id=new_id(),
        before=None,
        after=after,
    )
    async with deps.uow() as uow:
        await uow.audit.record(event)
        after["title"] = "changed by the caller"
        (read,) = (await uow.audit.list(acme.id, AuditFilter(), PageRequest())).items
        assert read.after == {"title": "Grow", "tags": ["a"]}
        assert read.after is not None
        read.after["tags"].append("b")
        (again,) = (await uow.audit.list(acme.id, AuditFilter(), PageRequest())).items
        assert again.after == {"title": "Grow", "tags": ["a"]}
        assert list((await uow.audit.list(globex.id, AuditFilter(), PageRequest())).items) == []
        with pytest.raises(RuleViolation):
            await uow.audit.record(replace(event, id=new_id(), organization_id=new_id()))
