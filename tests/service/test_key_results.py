"""Use cases of key results (关键结果): defaults, metric rules, edits, moves between
objectives, deletes, and the final score set at cycle close (audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from domain.cycles import Cycle, CycleState
from domain.errors import Conflict, Forbidden, NotFound, RuleViolation
from domain.members import Member
from domain.okrs import Direction, Level, MetricKind, Objective, OwnerKind
from domain.scoring import Grade, TrackStatus
from domain.units import OrgUnit, UnitKind
from service.actions import NewAction, create_action, list_actions
from service.audit import list_audit_events
from service.checkins import NewCheckIn, check_in, check_in_history
from service.context import Deps
from service.key_results import (
    KeyResultChanges,
    MilestoneInput,
    NewKeyResult,
    create_key_result,
    delete_key_result,
    get_key_result,
    list_key_results,
    move_key_result,
    set_final_score,
    update_key_result,
)
from service.objectives import NewObjective, create_objective, get_objective
from service.okr_ports import ActionFilter, AuditFilter
from service.pagination import PageRequest
from tests import factories as make
from tests.service.harness import FixedClock, Tenant, principal_of

# Q2 2026 runs 90 days from April 1; on May 16 half of it has passed.
MID_Q2 = datetime(2026, 5, 16, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    acme: Tenant
    q2: Cycle
    vic: Member  # Lena's manager
    lena: Member  # Ann's and Bob's manager
    ann: Member
    bob: Member
    deals: OrgUnit  # a team Lena leads
    mine: Objective  # Ann's, in Q2


async def _world(deps: Deps, acme: Tenant, clock: FixedClock) -> World:
    clock.current = MID_Q2
    vic = await make.member(deps, acme, "Vic")
    lena = await make.member(deps, acme, "Lena", manager=vic)
    ann, bob = await make.reports(deps, acme, lena, "Ann", "Bob")
    company = await make.unit(deps, acme, "Acme", UnitKind.COMPANY)
    deals = await make.unit(deps, acme, "Deals", parent=company, lead=lena)
    q2 = await make.cycle(deps, acme)
    mine = await make.objective(deps, ann, q2)
    return World(acme, q2, vic, lena, ann, bob, deals, mine)


async def _customers(deps: Deps, w: World, objective: Objective | None = None) -> UUID:
    """Ann's KR "10 new customers" (0 -> 10), on her objective unless told (made by an admin)."""
    view = await create_key_result(
        deps,
        w.acme.admin if objective else principal_of(w.ann),
        (objective or w.mine).id,
        NewKeyResult("New customers", owner_id=w.ann.id, target=Decimal(10), unit="customers"),
    )
    return view.key_result.id


# -- create and defaults -------------------------------------------------------------------


async def test_a_kr_defaults_to_weight_one_and_the_cycles_end(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)

    view = await create_key_result(
        deps,
        principal_of(w.ann),
        w.mine.id,
        NewKeyResult("  New customers ", owner_id=w.ann.id, target=Decimal(10)),
    )

    kr = view.key_result
    assert (kr.title, kr.objective_id, kr.owner_id) == ("New customers", w.mine.id, w.ann.id)
    assert (kr.weight, kr.due_date, kr.version) == (Decimal(1), date(2026, 6, 30), 1)
    assert (kr.metric_kind, kr.direction, kr.start, kr.target) == (
        MetricKind.NUMBER,
        Direction.INCREASE,
        Decimal(0),
        Decimal(10),
    )
    assert (kr.confidence, kr.milestones, kr.final_score, kr.final_score_reason) == (
        None,
        (),
        None,
        None,
    )
    # Not checked in yet: it stands at its start while half the cycle is gone.
    assert (view.latest, view.current, view.progress, view.score) == (
        None,
        None,
        Decimal("0.0000"),
        Decimal("0.0000"),
    )
    assert (view.grade, view.expected_progress, view.status) == (
        Grade.RED,
        Decimal("0.5000"),
        TrackStatus.OFF_TRACK,
    )
    assert await get_key_result(deps, acme.viewer, kr.id) == view


async def test_an_explicit_due_date_and_weight_are_kept(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    view = await create_key_result(
        deps,
        principal_of(w.ann),
        w.mine.id,
        NewKeyResult(
            "Revenue",
            owner_id=w.bob.id,
            metric_kind=MetricKind.CURRENCY,
            currency="CNY",
            target=Decimal(2_000_000),
            weight=Decimal("2.5"),
            due_date=date(2026, 5, 31),
            confidence=7,
        ),
    )
    kr = view.key_result
    assert (kr.owner_id, kr.currency, kr.weight, kr.due_date, kr.confidence) == (
        w.bob.id,
        "CNY",
        Decimal("2.5"),
        date(2026, 5, 31),
        7,
    )


async def test_a_direction_contradicting_start_and_target_is_refused(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    shorter_cycle = NewKeyResult(
        "Sales cycle under 30 days",
        owner_id=w.ann.id,
        start=Decimal(45),
        target=Decimal(60),
        direction=Direction.DECREASE,
        unit="days",
    )
    with pytest.raises(RuleViolation) as caught:
        await create_key_result(deps, ann, w.mine.id, shorter_cycle)
    assert caught.value.code == "direction_contradicts_target"
    assert [e.field for e in caught.value.errors] == ["direction"]

    kr_id = await _customers(deps, w)
    with pytest.raises(RuleViolation) as on_update:
        await update_key_result(deps, ann, kr_id, KeyResultChanges(start=Decimal(20)))
    assert on_update.value.code == "direction_contradicts_target"


async def test_every_metric_problem_is_listed(deps: Deps, acme: Tenant, clock: FixedClock) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    cases = [
        (
            NewKeyResult(
                "x",
                owner_id=w.ann.id,
                metric_kind=MetricKind.CURRENCY,
                milestones=(MilestoneInput("a"),),
            ),
            "validation_failed",
            ["currency", "milestones"],
        ),
        (
            NewKeyResult("x", owner_id=w.ann.id, metric_kind=MetricKind.BOOLEAN, target=Decimal(5)),
            "validation_failed",
            ["target"],
        ),
        (
            NewKeyResult("x", owner_id=w.ann.id, metric_kind=MetricKind.MILESTONES),
            "validation_failed",
            ["milestones"],
        ),
        (NewKeyResult("x", owner_id=w.ann.id, weight=Decimal(-1)), "validation_failed", ["weight"]),
        (NewKeyResult("x", owner_id=w.ann.id, confidence=11), "validation_failed", ["confidence"]),
        (NewKeyResult(" ", owner_id=w.ann.id), "validation_failed", ["title"]),
        (NewKeyResult("x", owner_id=UUID(int=4)), "unknown_reference", ["owner_id"]),
    ]
    for data, code, fields in cases:
        with pytest.raises(RuleViolation) as caught:
            await create_key_result(deps, ann, w.mine.id, data)
        assert (caught.value.code, [e.field for e in caught.value.errors]) == (code, fields)
    assert await list_key_results(deps, ann, w.mine.id) == []


# -- edits ---------------------------------------------------------------------------------


async def test_the_kr_owner_edits_the_kr_but_only_the_objectives_editors_delete_it(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    bobs_kr = await create_key_result(
        deps, principal_of(w.ann), w.mine.id, NewKeyResult("Demos", owner_id=w.bob.id)
    )
    kr_id = bobs_kr.key_result.id

    view = await update_key_result(
        deps,
        principal_of(w.bob),
        kr_id,
        KeyResultChanges(title="Demos booked", target=Decimal(20), confidence=6),
        expected_version=1,
    )
    assert (view.key_result.title, view.key_result.target, view.key_result.version) == (
        "Demos booked",
        Decimal(20),
        2,
    )
    with pytest.raises(Forbidden):
        await delete_key_result(deps, principal_of(w.bob), kr_id)
    await delete_key_result(deps, principal_of(w.ann), kr_id)
    with pytest.raises(NotFound):
        await get_key_result(deps, acme.admin, kr_id)


async def test_a_kr_with_check_ins_cannot_be_deleted(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    kr_id = await _customers(deps, w)
    action = await create_action(deps, principal_of(w.ann), kr_id, NewAction("Call leads"))
    await check_in(deps, principal_of(w.ann), kr_id, NewCheckIn(value=Decimal(1)))

    with pytest.raises(Conflict) as caught:
        await delete_key_result(deps, principal_of(w.ann), kr_id)

    assert caught.value.code == "key_result_has_check_ins"
    async with deps.uow() as uow:
        assert await uow.actions.get(acme.id, action.id) == action


async def test_a_kr_others_contribute_to_cannot_be_deleted(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    kr_id = await _customers(deps, w)
    await create_objective(
        deps, principal_of(w.bob), NewObjective(w.q2.id, "Helps", parent_key_result_id=kr_id)
    )

    with pytest.raises(Conflict) as caught:
        await delete_key_result(deps, principal_of(w.ann), kr_id)

    assert caught.value.code == "key_result_has_contributors"
    assert (await get_key_result(deps, acme.admin, kr_id)).key_result.id == kr_id


async def test_deleting_a_kr_takes_its_actions(deps: Deps, acme: Tenant, clock: FixedClock) -> None:
    w = await _world(deps, acme, clock)
    kr_id = await _customers(deps, w)
    action = await create_action(deps, principal_of(w.ann), kr_id, NewAction("Call leads"))
    await delete_key_result(deps, principal_of(w.ann), kr_id)
    async with deps.uow() as uow:
        assert await uow.actions.get(acme.id, action.id) is None


# -- moves ---------------------------------------------------------------------------------


async def test_a_kr_moves_to_another_objective_of_the_cycle_with_its_history_and_actions(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    kr_id = await _customers(deps, w)
    first = await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal(2)))
    second = await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal(5)))
    action = await create_action(deps, ann, kr_id, NewAction("Call leads"))
    other = (await create_objective(deps, ann, NewObjective(w.q2.id, "Keep"))).objective

    view = await move_key_result(deps, ann, kr_id, other.id, expected_version=1)

    assert (view.key_result.objective_id, view.key_result.version) == (other.id, 2)
    assert (view.current, view.progress) == (Decimal(5), Decimal("0.5000"))
    history = await check_in_history(deps, ann, kr_id, PageRequest())
    assert [c.id for c in history.items] == [second.id, first.id]
    actions = await list_actions(deps, ann, kr_id, ActionFilter(), PageRequest())
    assert [a.id for a in actions.items] == [action.id]
    assert (await get_objective(deps, ann, w.mine.id)).key_results == []
    assert [k.key_result.id for k in (await get_objective(deps, ann, other.id)).key_results] == [
        kr_id
    ]


async def test_a_kr_does_not_move_into_another_cycle(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    kr_id = await _customers(deps, w)
    q3 = await make.cycle(deps, acme, "Q3", date(2026, 7, 1), date(2026, 9, 30))
    later = (await create_objective(deps, ann, NewObjective(q3.id, "Later"))).objective

    with pytest.raises(RuleViolation) as caught:
        await move_key_result(deps, ann, kr_id, later.id)

    assert caught.value.code == "different_cycle"
    assert caught.value.errors[0].field == "objective_id"
    assert (await get_key_result(deps, ann, kr_id)).key_result.objective_id == w.mine.id


async def test_a_kr_moves_only_between_objectives_the_caller_edits(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    kr_id = await _customers(deps, w)
    bobs = (await create_objective(deps, principal_of(w.bob), NewObjective(w.q2.id, "B"))).objective
    with pytest.raises(Forbidden):
        await move_key_result(deps, principal_of(w.ann), kr_id, bobs.id)
    moved = await move_key_result(deps, principal_of(w.lena), kr_id, bobs.id)
    assert moved.key_result.objective_id == bobs.id


async def test_moving_a_kr_under_an_objective_contributing_to_it_is_refused(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    team = await create_objective(
        deps,
        acme.admin,
        NewObjective(w.q2.id, "Team aim", owner_kind=OwnerKind.UNIT, owner_id=w.deals.id),
    )
    assert team.objective.level is Level.TEAM
    kr_id = await _customers(deps, w, team.objective)
    helper = await create_objective(
        deps, principal_of(w.ann), NewObjective(w.q2.id, "Helps", parent_key_result_id=kr_id)
    )

    with pytest.raises(RuleViolation) as caught:
        await move_key_result(deps, acme.admin, kr_id, helper.objective.id)

    assert caught.value.code == "alignment_cycle"
    assert caught.value.errors[0].field == "objective_id"
    assert caught.value.extra["cycle"] == [str(helper.objective.id)] * 2
    async with deps.uow() as uow:
        ancestors = await uow.objectives.alignment_ancestors(acme.id, helper.objective.id)
    assert ancestors == {helper.objective.id: team.objective.id, team.objective.id: None}


async def test_a_kr_with_contributors_moves_where_no_loop_closes(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    kr_id = await _customers(deps, w)
    helper = await create_objective(
        deps, principal_of(w.bob), NewObjective(w.q2.id, "Helps", parent_key_result_id=kr_id)
    )
    other = await create_objective(deps, principal_of(w.ann), NewObjective(w.q2.id, "Keep"))

    await move_key_result(deps, principal_of(w.lena), kr_id, other.objective.id)

    async with deps.uow() as uow:
        ancestors = await uow.objectives.alignment_ancestors(acme.id, helper.objective.id)
    assert ancestors == {helper.objective.id: other.objective.id, other.objective.id: None}


# -- final scores --------------------------------------------------------------------------


async def test_the_owners_manager_sets_a_final_score_on_a_closed_cycle_audited(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    kr_id = await _customers(deps, w)
    await check_in(deps, principal_of(w.ann), kr_id, NewCheckIn(value=Decimal(4)))
    await make.move_cycle(deps, acme, w.q2, CycleState.CLOSED)

    view = await set_final_score(
        deps,
        principal_of(w.lena),
        kr_id,
        score=Decimal("0.8"),
        reason="  the last two deals slipped into July by a week  ",
        expected_version=1,
    )

    kr = view.key_result
    assert (kr.final_score, kr.final_score_reason, kr.version) == (
        Decimal("0.8"),
        "the last two deals slipped into July by a week",
        2,
    )
    # The score is the final one; progress still tells where the value stands.
    assert (view.progress, view.score, view.grade) == (
        Decimal("0.4000"),
        Decimal("0.8000"),
        Grade.GREEN,
    )
    events = await list_audit_events(
        deps, acme.admin, AuditFilter(resource_id=kr_id, actor=f"member:{w.lena.id}"), PageRequest()
    )
    assert [e.action for e in events.items] == ["key_result.final_scored"]
    (event,) = events.items
    assert event.before is not None
    assert event.after is not None
    assert (event.before["final_score"], event.after["final_score"]) == (None, "0.8")
    assert event.after["final_score_reason"] == kr.final_score_reason
    # The skip-level manager and admins may too.
    again = await set_final_score(deps, principal_of(w.vic), kr_id, score=Decimal(1), reason="ok")
    assert again.score == Decimal("1.0000")
    await set_final_score(deps, acme.admin, kr_id, score=Decimal(0), reason="reset")


async def test_the_owner_and_peers_do_not_score_their_own_kr(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    kr_id = await _customers(deps, w)
    for who in (principal_of(w.ann), principal_of(w.bob), acme.reader):
        with pytest.raises(Forbidden):
            await set_final_score(deps, who, kr_id, score=Decimal(1), reason="great")
    assert (await get_key_result(deps, acme.admin, kr_id)).key_result.final_score is None


async def test_a_final_score_needs_a_reason_and_lies_between_0_and_1(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    kr_id = await _customers(deps, w)
    lena = principal_of(w.lena)
    with pytest.raises(RuleViolation) as no_reason:
        await set_final_score(deps, lena, kr_id, score=Decimal("0.5"), reason="   ")
    with pytest.raises(RuleViolation) as too_high:
        await set_final_score(deps, lena, kr_id, score=Decimal("1.5"), reason="why not")
    assert (no_reason.value.code, [e.field for e in no_reason.value.errors]) == (
        "validation_failed",
        ["reason"],
    )
    assert [e.field for e in too_high.value.errors] == ["score"]
    events = await list_audit_events(
        deps, acme.admin, AuditFilter(resource_id=kr_id), PageRequest()
    )
    assert [e.action for e in events.items] == ["key_result.created"]
