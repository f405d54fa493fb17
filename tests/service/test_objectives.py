"""Use cases of objectives (目标): create with defaults, status moves, closed cycles, delete or
archive, alignment (对齐) with its level and loop rules, carry-over copies, closing a cycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from domain.cycles import Cycle, CycleState
from domain.errors import Conflict, Forbidden, NotFound, RuleViolation, StaleVersion
from domain.members import Member
from domain.okrs import (
    ActionStatus,
    Level,
    MetricKind,
    Objective,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.organizations import OrganizationChanges, ScoringSettings
from domain.scoring import Grade, TrackStatus
from domain.units import OrgUnit, UnitKind
from service.actions import ActionChanges, NewAction, create_action, update_action
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.key_results import (
    KeyResultChanges,
    MilestoneInput,
    NewKeyResult,
    create_key_result,
    update_key_result,
)
from service.objectives import (
    CopyRequest,
    NewObjective,
    ObjectiveChanges,
    close_unfinished,
    copy_objective,
    create_objective,
    delete_objective,
    get_objective,
    list_objectives,
    update_objective,
)
from service.okr_ports import ActionFilter, ObjectiveFilter
from service.organizations import update_organization
from service.pagination import PageRequest
from service.units import delete_unit
from tests import factories as make
from tests.service.harness import FixedClock, Tenant, principal_of

# Q2 2026 runs 90 days from April 1; on May 16 half of it has passed.
MID_Q2 = datetime(2026, 5, 16, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    acme: Tenant
    q2: Cycle
    vic: Member  # runs sales
    lena: Member  # leads the deals team, reports to Vic
    ann: Member  # reports to Lena
    bob: Member  # reports to Lena: Ann's peer
    company: OrgUnit
    sales: OrgUnit
    deals: OrgUnit


async def _world(deps: Deps, acme: Tenant, clock: FixedClock) -> World:
    clock.current = MID_Q2
    vic = await make.member(deps, acme, "Vic")
    lena = await make.member(deps, acme, "Lena", manager=vic)
    ann, bob = await make.reports(deps, acme, lena, "Ann", "Bob")
    company = await make.unit(deps, acme, "Acme", UnitKind.COMPANY)
    sales = await make.unit(deps, acme, "Sales", UnitKind.DEPARTMENT, parent=company, lead=vic)
    deals = await make.unit(deps, acme, "Deals", parent=sales, lead=lena)
    q2 = await make.cycle(deps, acme)
    return World(acme, q2, vic, lena, ann, bob, company, sales, deals)


async def _objective(
    deps: Deps,
    w: World,
    title: str,
    *,
    by: Member | None = None,
    unit: OrgUnit | None = None,
    level: Level | None = None,
    parent_objective_id: UUID | None = None,
    parent_key_result_id: UUID | None = None,
    status: ObjectiveStatus = ObjectiveStatus.DRAFT,
) -> Objective:
    """An objective of ``by`` (default Ann), or of ``unit`` created by its admin."""
    principal = w.acme.admin if unit is not None else principal_of(by or w.ann)
    data = NewObjective(
        cycle_id=w.q2.id,
        title=title,
        owner_kind=OwnerKind.UNIT if unit is not None else OwnerKind.MEMBER,
        owner_id=unit.id if unit is not None else None,
        level=level,
        status=status,
        parent_objective_id=parent_objective_id,
        parent_key_result_id=parent_key_result_id,
    )
    return (await create_objective(deps, principal, data)).objective


async def _stored(deps: Deps, objective: Objective) -> Objective | None:
    async with deps.uow() as uow:
        return await uow.objectives.get(objective.organization_id, objective.id)


async def _kr(deps: Deps, w: World, objective: Objective, title: str = "New customers") -> UUID:
    view = await create_key_result(
        deps,
        w.acme.admin,
        objective.id,
        NewKeyResult(title=title, owner_id=w.ann.id, start=Decimal(0), target=Decimal(10)),
    )
    return view.key_result.id


# -- create --------------------------------------------------------------------------------


async def test_a_member_creates_an_objective_they_own_at_individual_level(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)

    view = await create_objective(
        deps,
        principal_of(w.ann),
        NewObjective(cycle_id=w.q2.id, title="  Win ten new customers  ", description=" Q2 "),
    )

    o = view.objective
    assert (o.owner_kind, o.owner_id, o.level) == (OwnerKind.MEMBER, w.ann.id, Level.INDIVIDUAL)
    assert (o.title, o.description) == ("Win ten new customers", "Q2")
    assert (o.status, o.visibility, o.version, o.source_objective_id) == (
        ObjectiveStatus.DRAFT,
        Visibility.PUBLIC,
        1,
        None,
    )
    assert (o.created_at, o.updated_at) == (MID_Q2, MID_Q2)
    # No KRs yet: nothing to measure, but the cycle is half gone.
    assert (view.key_results, view.progress, view.grade, view.status) == ([], None, None, None)
    assert view.expected_progress == Decimal("0.5000")
    assert await get_objective(deps, acme.viewer, o.id) == view


async def test_a_unit_objective_takes_the_units_rank_as_its_level(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    levels = {
        unit.kind: (await _objective(deps, w, f"{unit.name} aim", unit=unit)).level
        for unit in (w.company, w.sales, w.deals)
    }
    assert levels == {
        UnitKind.COMPANY: Level.COMPANY,
        UnitKind.DEPARTMENT: Level.DEPARTMENT,
        UnitKind.TEAM: Level.TEAM,
    }
    explicit = await _objective(deps, w, "Set by hand", unit=w.deals, level=Level.DEPARTMENT)
    assert explicit.level is Level.DEPARTMENT


async def test_create_refuses_unknown_cycles_and_owners(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    nobody = UUID(int=7)
    for data, field in (
        (NewObjective(cycle_id=nobody, title="x"), "cycle_id"),
        (NewObjective(cycle_id=w.q2.id, title="x", owner_id=nobody), "owner_id"),
        (
            NewObjective(cycle_id=w.q2.id, title="x", owner_kind=OwnerKind.UNIT, owner_id=nobody),
            "owner_id",
        ),
    ):
        with pytest.raises(RuleViolation) as caught:
            await create_objective(deps, acme.admin, data)
        assert caught.value.code == "unknown_reference"
        assert caught.value.errors[0].field == field


async def test_a_blank_title_is_refused(deps: Deps, acme: Tenant, clock: FixedClock) -> None:
    w = await _world(deps, acme, clock)
    with pytest.raises(RuleViolation) as caught:
        await create_objective(deps, principal_of(w.ann), NewObjective(w.q2.id, title="   "))
    assert caught.value.code == "validation_failed"
    assert caught.value.errors[0].field == "title"


# -- closed cycles, status moves, versions -------------------------------------------------


async def test_a_closed_cycle_refuses_every_write_to_its_objectives(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    objective = await _objective(deps, w, "Grow")
    await make.move_cycle(deps, acme, w.q2, CycleState.CLOSED)
    ann = principal_of(w.ann)

    attempts = [
        create_objective(deps, ann, NewObjective(cycle_id=w.q2.id, title="Late")),
        update_objective(deps, ann, objective.id, ObjectiveChanges(title="Renamed")),
        delete_objective(deps, ann, objective.id),
        create_key_result(deps, acme.admin, objective.id, NewKeyResult("KR", owner_id=w.ann.id)),
    ]
    for attempt in attempts:
        with pytest.raises(RuleViolation) as caught:
            await attempt
        assert caught.value.code == "cycle_closed"
    assert await _stored(deps, objective) == objective
    # Reading still works.
    assert (await get_objective(deps, ann, objective.id)).objective == objective


async def test_status_moves_draft_active_closed_and_archived_is_final(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    o = await _objective(deps, w, "Grow")

    with pytest.raises(RuleViolation) as skipped:
        await update_objective(deps, ann, o.id, ObjectiveChanges(status=ObjectiveStatus.CLOSED))
    assert skipped.value.code == "invalid_transition"

    seen = []
    for status in (ObjectiveStatus.ACTIVE, ObjectiveStatus.CLOSED, ObjectiveStatus.ARCHIVED):
        view = await update_objective(deps, ann, o.id, ObjectiveChanges(status=status))
        seen.append((view.objective.status, view.objective.version))
    assert seen == [
        (ObjectiveStatus.ACTIVE, 2),
        (ObjectiveStatus.CLOSED, 3),
        (ObjectiveStatus.ARCHIVED, 4),
    ]

    for status in (ObjectiveStatus.DRAFT, ObjectiveStatus.ACTIVE, ObjectiveStatus.CLOSED):
        with pytest.raises(RuleViolation) as caught:
            await update_objective(deps, ann, o.id, ObjectiveChanges(status=status))
        assert caught.value.code == "invalid_transition"
        assert caught.value.errors[0].field == "status"


async def test_an_update_that_changes_nothing_keeps_the_version(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    o = await _objective(deps, w, "Grow")
    view = await update_objective(deps, principal_of(w.ann), o.id, ObjectiveChanges(title="Grow"))
    assert view.objective == o


async def test_an_update_naming_an_old_version_is_stale(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    o = await _objective(deps, w, "Grow")
    await update_objective(deps, ann, o.id, ObjectiveChanges(title="Grow more"), expected_version=1)
    with pytest.raises(StaleVersion) as caught:
        await update_objective(deps, ann, o.id, ObjectiveChanges(title="x"), expected_version=1)
    assert caught.value.code == "stale_version"
    assert caught.value.extra == {"current_version": 2}


# -- delete --------------------------------------------------------------------------------


async def test_deleting_an_objective_never_checked_in_removes_it_with_its_krs_and_actions(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    o = await _objective(deps, w, "Grow")
    kr_id = await _kr(deps, w, o)
    action = await create_action(deps, principal_of(w.ann), kr_id, NewAction("Call leads"))

    assert await delete_objective(deps, principal_of(w.ann), o.id) is None

    async with deps.uow() as uow:
        assert await uow.objectives.get(acme.id, o.id) is None
        assert await uow.key_results.get(acme.id, kr_id) is None
        assert await uow.actions.get(acme.id, action.id) is None
    with pytest.raises(NotFound):
        await get_objective(deps, acme.admin, o.id)


async def test_an_objective_with_check_ins_is_archived_instead_of_deleted(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    o = await _objective(deps, w, "Grow")
    kr_id = await _kr(deps, w, o)
    await check_in(deps, principal_of(w.ann), kr_id, NewCheckIn(value=Decimal(4)))

    view = await delete_objective(deps, principal_of(w.ann), o.id)

    assert view is not None
    assert (view.objective.status, view.objective.version) == (ObjectiveStatus.ARCHIVED, 2)
    # History is kept: the KR and its progress are still there.
    assert [kr.progress for kr in view.key_results] == [Decimal("0.4000")]
    assert await _stored(deps, o) == view.objective


async def test_an_objective_others_align_to_cannot_be_deleted(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    team = await _objective(deps, w, "Team aim", unit=w.deals)
    dept = await _objective(deps, w, "Department aim", unit=w.sales)
    kr_id = await _kr(deps, w, dept)
    await _objective(deps, w, "Mine", parent_objective_id=team.id)
    await _objective(deps, w, "Helps sales", by=w.bob, parent_key_result_id=kr_id)

    for parent in (team, dept):
        with pytest.raises(Conflict) as caught:
            await delete_objective(deps, acme.admin, parent.id)
        assert caught.value.code == "objective_has_children"
        assert await _stored(deps, parent) == parent


# -- alignment -----------------------------------------------------------------------------


async def test_an_objective_aligns_to_a_higher_level_but_not_to_its_own(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    team = await _objective(deps, w, "Team aim", unit=w.deals)
    bobs = await _objective(deps, w, "Bob's", by=w.bob)

    mine = await _objective(deps, w, "Mine", parent_objective_id=team.id)
    assert mine.parent_objective_id == team.id

    with pytest.raises(RuleViolation) as sideways:
        await _objective(deps, w, "Beside Bob", parent_objective_id=bobs.id)
    assert sideways.value.code == "alignment_level"
    assert sideways.value.errors[0].field == "parent_objective_id"
    assert sideways.value.extra == {"child_level": "individual", "parent_level": "individual"}

    with pytest.raises(RuleViolation) as downward:
        await update_objective(
            deps, acme.admin, team.id, ObjectiveChanges(parent_objective_id=bobs.id)
        )
    assert downward.value.code == "alignment_level"


async def test_contributing_to_a_kr_may_go_sideways_but_not_down(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    bobs = await _objective(deps, w, "Bob's", by=w.bob)
    bobs_kr = await _kr(deps, w, bobs)
    team = await _objective(deps, w, "Team aim", unit=w.deals)

    mine = await _objective(deps, w, "Mine", parent_key_result_id=bobs_kr)
    assert (mine.parent_key_result_id, mine.parent_objective_id) == (bobs_kr, None)

    with pytest.raises(RuleViolation) as caught:
        await update_objective(
            deps, acme.admin, team.id, ObjectiveChanges(parent_key_result_id=bobs_kr)
        )
    assert caught.value.code == "alignment_level"
    assert caught.value.errors[0].field == "parent_key_result_id"


async def test_an_objective_links_to_one_parent_that_must_exist(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    team = await _objective(deps, w, "Team aim", unit=w.deals)
    kr_id = await _kr(deps, w, team)
    with pytest.raises(RuleViolation) as both:
        await _objective(deps, w, "x", parent_objective_id=team.id, parent_key_result_id=kr_id)
    assert both.value.code == "validation_failed"
    with pytest.raises(RuleViolation) as no_objective:
        await _objective(deps, w, "x", parent_objective_id=UUID(int=9))
    with pytest.raises(RuleViolation) as no_kr:
        await _objective(deps, w, "x", parent_key_result_id=UUID(int=9))
    for caught, field in ((no_objective, "parent_objective_id"), (no_kr, "parent_key_result_id")):
        assert caught.value.code == "unknown_reference"
        assert caught.value.errors[0].field == field


async def test_an_alignment_loop_is_refused_with_the_loop(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    bobs = await _objective(deps, w, "Bob's", by=w.bob)
    bobs_kr = await _kr(deps, w, bobs)
    mine = await _objective(deps, w, "Mine", parent_key_result_id=bobs_kr)
    my_kr = await _kr(deps, w, mine)

    with pytest.raises(RuleViolation) as caught:
        await update_objective(
            deps, principal_of(w.bob), bobs.id, ObjectiveChanges(parent_key_result_id=my_kr)
        )

    assert caught.value.code == "alignment_cycle"
    assert caught.value.extra["cycle"] == [str(bobs.id), str(mine.id), str(bobs.id)]
    assert caught.value.errors[0].field == "parent_key_result_id"
    # Contributing to one's own KR is the shortest loop.
    with pytest.raises(RuleViolation) as own:
        await update_objective(
            deps, principal_of(w.ann), mine.id, ObjectiveChanges(parent_key_result_id=my_kr)
        )
    assert own.value.code == "alignment_cycle"
    assert own.value.extra["cycle"] == [str(mine.id), str(mine.id)]


async def test_without_upward_only_any_level_aligns_but_loops_stay_refused(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    await update_organization(
        deps, acme.admin, OrganizationChanges(scoring=ScoringSettings(alignment_upward_only=False))
    )
    team = await _objective(deps, w, "Team aim", unit=w.deals)
    bobs = await _objective(deps, w, "Bob's", by=w.bob)

    beside = await _objective(deps, w, "Beside Bob", parent_objective_id=bobs.id)
    down = await update_objective(
        deps, acme.admin, team.id, ObjectiveChanges(parent_objective_id=beside.id)
    )
    assert (beside.parent_objective_id, down.objective.parent_objective_id) == (bobs.id, beside.id)

    with pytest.raises(RuleViolation) as caught:
        await update_objective(
            deps, principal_of(w.bob), bobs.id, ObjectiveChanges(parent_objective_id=team.id)
        )
    assert caught.value.code == "alignment_cycle"
    assert caught.value.extra["cycle"] == [
        str(bobs.id),
        str(team.id),
        str(beside.id),
        str(bobs.id),
    ]


async def test_a_level_change_that_breaks_an_aligned_childs_rule_is_refused(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    team = await _objective(deps, w, "Team aim", unit=w.deals)
    await _objective(deps, w, "Mine", parent_objective_id=team.id)

    with pytest.raises(RuleViolation) as caught:
        await update_objective(deps, acme.admin, team.id, ObjectiveChanges(level=Level.INDIVIDUAL))

    assert caught.value.code == "alignment_level"
    assert await _stored(deps, team) == team


async def test_a_private_objective_hidden_from_the_caller_is_no_alignment_target(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    secret = await create_objective(
        deps,
        acme.admin,
        NewObjective(
            cycle_id=w.q2.id,
            title="Secret",
            owner_kind=OwnerKind.UNIT,
            owner_id=w.sales.id,
            visibility=Visibility.PRIVATE,
        ),
    )
    with pytest.raises(RuleViolation) as caught:
        await _objective(deps, w, "Mine", parent_objective_id=secret.objective.id)
    assert caught.value.code == "unknown_reference"
    # Lena reports to the sales lead, Vic, so she does not see it either; Vic does.
    vics = await _objective(
        deps, w, "Vic's", by=w.vic, level=Level.TEAM, parent_objective_id=secret.objective.id
    )
    assert vics.parent_objective_id == secret.objective.id


async def test_a_unit_owning_objectives_is_not_deleted(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    team = await _objective(deps, w, "Team aim", unit=w.deals)

    with pytest.raises(Conflict):
        await delete_unit(deps, acme.admin, w.deals.id)

    assert await _stored(deps, team) == team
    assert (await get_objective(deps, acme.admin, team.id)).objective.owner_id == w.deals.id


# -- copy into another cycle ---------------------------------------------------------------


async def test_copying_carries_krs_milestones_and_open_actions_into_a_draft(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    team = await _objective(deps, w, "Team aim", unit=w.deals)
    source = await _objective(
        deps, w, "Grow", parent_objective_id=team.id, status=ObjectiveStatus.ACTIVE
    )
    number_kr = await _kr(deps, w, source)
    steps = await create_key_result(
        deps,
        ann,
        source.id,
        NewKeyResult(
            "Launch the portal",
            owner_id=w.ann.id,
            metric_kind=MetricKind.MILESTONES,
            milestones=(MilestoneInput("Design"), MilestoneInput("Ship", Decimal(2))),
        ),
    )
    todo = await create_action(deps, ann, number_kr, NewAction("Call leads"))
    doing = await create_action(
        deps,
        ann,
        number_kr,
        NewAction("Demo", w.ann.id, date(2026, 6, 1), "signed", status=ActionStatus.DOING),
    )
    done = await create_action(
        deps, ann, number_kr, NewAction("Price list", w.ann.id, date(2026, 6, 1), "published")
    )
    await update_action(deps, ann, done.id, ActionChanges(status=ActionStatus.DONE))
    await check_in(deps, ann, number_kr, NewCheckIn(value=Decimal(7)))
    q3 = await make.cycle(deps, acme, "Q3", date(2026, 7, 1), date(2026, 9, 30))

    view = (await copy_objective(deps, ann, source.id, CopyRequest(cycle_id=q3.id))).view

    copy = view.objective
    assert copy.id != source.id
    assert (copy.cycle_id, copy.status, copy.source_objective_id, copy.version) == (
        q3.id,
        ObjectiveStatus.DRAFT,
        source.id,
        1,
    )
    assert (copy.title, copy.owner_id, copy.level) == (source.title, w.ann.id, source.level)
    assert (copy.parent_objective_id, copy.parent_key_result_id) == (None, None)
    krs = {kr.key_result.title: kr for kr in view.key_results}
    assert set(krs) == {"New customers", "Launch the portal"}
    for kr in krs.values():
        assert kr.key_result.id not in {number_kr, steps.key_result.id}
        assert kr.key_result.objective_id == copy.id
        assert kr.key_result.due_date == date(2026, 9, 30)
        assert (kr.latest, kr.progress) == (None, Decimal("0.0000"))  # no check-ins copied
    copied_steps = krs["Launch the portal"].key_result.milestones
    original_steps = steps.key_result.milestones
    assert [(m.title, m.weight) for m in copied_steps] == [
        (m.title, m.weight) for m in original_steps
    ]
    assert {m.id for m in copied_steps}.isdisjoint({m.id for m in original_steps})
    new_kr = krs["New customers"].key_result
    async with deps.uow() as uow:
        actions = await uow.actions.list(
            acme.id, ActionFilter(key_result_id=new_kr.id), PageRequest()
        )
    assert [(a.title, a.status) for a in actions.items] == [
        ("Call leads", ActionStatus.TODO),
        ("Demo", ActionStatus.DOING),
    ]
    assert {a.id for a in actions.items}.isdisjoint({todo.id, doing.id})
    # The source is untouched.
    assert await _stored(deps, source) == source


async def test_copying_into_a_closed_cycle_is_refused(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    source = await _objective(deps, w, "Grow")
    old = await make.cycle(
        deps, acme, "Q1", date(2026, 1, 1), date(2026, 3, 31), state=CycleState.CLOSED
    )
    with pytest.raises(RuleViolation) as caught:
        await copy_objective(deps, principal_of(w.ann), source.id, CopyRequest(cycle_id=old.id))
    assert caught.value.code == "cycle_closed"


async def test_a_closed_cycles_objective_carries_over(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    source = await _objective(deps, w, "Grow")
    q3 = await make.cycle(deps, acme, "Q3", date(2026, 7, 1), date(2026, 9, 30))
    await make.move_cycle(deps, acme, w.q2, CycleState.CLOSED)
    view = (await copy_objective(deps, principal_of(w.lena), source.id, CopyRequest(q3.id))).view
    assert (view.objective.cycle_id, view.objective.owner_id) == (q3.id, w.ann.id)


async def test_an_objective_carried_over_can_still_be_deleted_and_the_copy_forgets_it(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    source = await _objective(deps, w, "Grow")
    q3 = await make.cycle(deps, acme, "Q3", date(2026, 7, 1), date(2026, 9, 30))
    copy = (await copy_objective(deps, principal_of(w.ann), source.id, CopyRequest(q3.id))).view

    assert await delete_objective(deps, principal_of(w.ann), source.id) is None

    assert await _stored(deps, source) is None
    kept = await _stored(deps, copy.objective)
    assert kept is not None
    assert (kept.title, kept.source_objective_id) == ("Grow", None)


# -- close unfinished ----------------------------------------------------------------------


async def test_close_unfinished_closes_drafts_and_active_ones_only(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    draft = await _objective(deps, w, "Draft")
    active = await _objective(deps, w, "Active", status=ObjectiveStatus.ACTIVE)
    closed = await _objective(deps, w, "Closed", status=ObjectiveStatus.ACTIVE)
    closed = (
        await update_objective(
            deps, ann, closed.id, ObjectiveChanges(status=ObjectiveStatus.CLOSED)
        )
    ).objective
    archived = await _objective(deps, w, "Archived")
    archived = (
        await update_objective(
            deps, ann, archived.id, ObjectiveChanges(status=ObjectiveStatus.ARCHIVED)
        )
    ).objective
    other = await make.cycle(deps, acme, "Q3", date(2026, 7, 1), date(2026, 9, 30))
    elsewhere = await create_objective(deps, ann, NewObjective(cycle_id=other.id, title="Later"))

    with pytest.raises(Forbidden):
        await close_unfinished(deps, ann, w.q2.id)
    assert await close_unfinished(deps, acme.admin, w.q2.id) == [draft.id, active.id]

    statuses = {
        o.title: (o.status, o.version)
        for o in [await _stored(deps, x) for x in (draft, active, closed, archived)]
        if o is not None
    }
    assert statuses == {
        "Draft": (ObjectiveStatus.CLOSED, 2),
        "Active": (ObjectiveStatus.CLOSED, 2),
        "Closed": (ObjectiveStatus.CLOSED, 2),
        "Archived": (ObjectiveStatus.ARCHIVED, 2),
    }
    assert await _stored(deps, elsewhere.objective) == elsewhere.objective
    with pytest.raises(NotFound):
        await close_unfinished(deps, acme.admin, UUID(int=3))


# -- lists ---------------------------------------------------------------------------------


async def test_list_filters_and_pages_objectives_in_creation_order(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    team = await _objective(deps, w, "Team: close big deals", unit=w.deals)
    first = await _objective(deps, w, "Win new customers")
    second = await _objective(deps, w, "Keep customers", status=ObjectiveStatus.ACTIVE)
    bobs = await _objective(deps, w, "Bob's customers", by=w.bob)

    async def titles(filters: ObjectiveFilter) -> list[str]:
        page = await list_objectives(deps, acme.viewer, filters, PageRequest())
        return [v.objective.title for v in page.items]

    assert await titles(ObjectiveFilter(owner_id=w.ann.id)) == [first.title, second.title]
    assert await titles(ObjectiveFilter(unit_id=w.deals.id)) == [team.title]
    assert await titles(ObjectiveFilter(level=Level.TEAM)) == [team.title]
    assert await titles(ObjectiveFilter(status=ObjectiveStatus.ACTIVE)) == [second.title]
    assert await titles(ObjectiveFilter(q="CUSTOMERS")) == [
        first.title,
        second.title,
        bobs.title,
    ]
    assert await titles(ObjectiveFilter(cycle_id=UUID(int=5))) == []

    page_one = await list_objectives(deps, acme.viewer, ObjectiveFilter(), PageRequest(limit=3))
    assert [v.objective.id for v in page_one.items] == [team.id, first.id, second.id]
    assert page_one.next_after == second.id
    page_two = await list_objectives(
        deps, acme.viewer, ObjectiveFilter(), PageRequest(limit=3, after=page_one.next_after)
    )
    assert ([v.objective.id for v in page_two.items], page_two.next_after) == ([bobs.id], None)


async def test_an_objective_view_rolls_up_its_kr_scores(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    o = await _objective(deps, w, "Grow")
    heavy = await _kr(deps, w, o, "Heavy")
    light = await _kr(deps, w, o, "Light")
    # Weights 3 and 1: (0.2 * 3 + 0.6 * 1) / 4 = 0.3.
    await update_key_result(deps, ann, heavy, KeyResultChanges(weight=Decimal(3)))
    await check_in(deps, ann, heavy, NewCheckIn(value=Decimal(2)))
    await check_in(deps, ann, light, NewCheckIn(value=Decimal(6)))

    view = await get_objective(deps, ann, o.id)

    assert view.progress == Decimal("0.3000")
    assert (view.grade, view.status) == (Grade.RED, TrackStatus.AT_RISK)
