"""Use cases of check-ins (进度更新): the latest one is the KR's current value; history is
kept newest first and never rewritten; yes/no and milestones KRs report their own way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain.cycles import Cycle, CycleState
from domain.errors import Forbidden, RuleViolation
from domain.members import Member
from domain.okrs import Direction, MetricKind, Objective
from domain.scoring import Grade, TrackStatus
from service.checkins import NewCheckIn, check_in, check_in_history
from service.context import Deps
from service.cycles import CycleChanges, update_cycle
from service.key_results import MilestoneInput, NewKeyResult, create_key_result, get_key_result
from service.pagination import PageRequest
from tests import factories as make
from tests.service.harness import FixedClock, Tenant, principal_of

# Q2 2026 runs 90 days from April 1; on May 16 half of it has passed.
MID_Q2 = datetime(2026, 5, 16, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    acme: Tenant
    q2: Cycle
    lena: Member  # Ann's and Bob's manager
    ann: Member
    bob: Member
    mine: Objective  # Ann's


async def _world(deps: Deps, acme: Tenant, clock: FixedClock) -> World:
    clock.current = MID_Q2
    lena = await make.member(deps, acme, "Lena")
    ann, bob = await make.reports(deps, acme, lena, "Ann", "Bob")
    q2 = await make.cycle(deps, acme)
    return World(acme, q2, lena, ann, bob, await make.objective(deps, ann, q2))


async def _kr(deps: Deps, w: World, data: NewKeyResult | None = None) -> UUID:
    data = data or NewKeyResult("New customers", owner_id=w.ann.id, target=Decimal(10))
    return (await create_key_result(deps, principal_of(w.ann), w.mine.id, data)).key_result.id


# -- the current value ---------------------------------------------------------------------


async def test_the_latest_check_in_is_the_krs_current_value(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    kr_id = await _kr(deps, w)

    first = await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal(3), confidence=6))
    clock.current = MID_Q2 + timedelta(days=1)
    second = await check_in(
        deps,
        ann,
        kr_id,
        NewCheckIn(value=Decimal(6), confidence=8, note=" two demos won ", blockers=" legal "),
    )

    assert (second.author, second.value, second.confidence) == (
        f"member:{w.ann.id}",
        Decimal(6),
        8,
    )
    assert (second.note, second.blockers, second.milestones_done) == (
        "two demos won",
        "legal",
        None,
    )
    assert second.created_at == MID_Q2 + timedelta(days=1)
    view = await get_key_result(deps, ann, kr_id)
    assert view.latest == second
    assert (view.current, view.progress, view.score, view.grade) == (
        Decimal(6),
        Decimal("0.6000"),
        Decimal("0.6000"),
        Grade.YELLOW,
    )
    # 46 of 90 days gone: 0.5111 expected, 0.6 is on track.
    assert (view.expected_progress, view.status) == (Decimal("0.5111"), TrackStatus.ON_TRACK)
    history = await check_in_history(deps, ann, kr_id, PageRequest())
    assert (list(history.items), history.next_after) == ([second, first], None)


async def test_a_correction_is_a_new_check_in_and_history_is_kept(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    kr_id = await _kr(deps, w)
    typo = await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal(80)))
    fixed = await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal(8), note="typo: 8, not 80"))

    view = await get_key_result(deps, ann, kr_id)

    assert (view.current, view.progress, view.grade) == (
        Decimal(8),
        Decimal("0.8000"),
        Grade.GREEN,
    )
    history = await check_in_history(deps, ann, kr_id, PageRequest())
    assert [c.id for c in history.items] == [fixed.id, typo.id]


async def test_progress_clamps_and_decrease_krs_count_down(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    cycle_days = await _kr(
        deps,
        w,
        NewKeyResult(
            "Sales cycle under 30 days",
            owner_id=w.ann.id,
            start=Decimal(60),
            target=Decimal(30),
            direction=Direction.DECREASE,
        ),
    )
    customers = await _kr(deps, w)
    await check_in(deps, ann, cycle_days, NewCheckIn(value=Decimal(45)))
    await check_in(deps, ann, customers, NewCheckIn(value=Decimal(14)))

    days = await get_key_result(deps, ann, cycle_days)
    over = await get_key_result(deps, ann, customers)

    assert (days.current, days.progress, days.status) == (
        Decimal(45),
        Decimal("0.5000"),
        TrackStatus.ON_TRACK,
    )
    assert (over.current, over.progress) == (Decimal(14), Decimal("1.0000"))


async def test_a_yes_no_kr_takes_0_or_1(deps: Deps, acme: Tenant, clock: FixedClock) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    kr_id = await _kr(
        deps,
        w,
        NewKeyResult("Feedback process live", owner_id=w.ann.id, metric_kind=MetricKind.BOOLEAN),
    )
    assert (await get_key_result(deps, ann, kr_id)).progress == Decimal("0.0000")

    with pytest.raises(RuleViolation) as caught:
        await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal("0.5")))
    assert caught.value.code == "validation_failed"
    assert [(e.field, e.code) for e in caught.value.errors] == [("value", "boolean_value")]

    await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal(1)))
    view = await get_key_result(deps, ann, kr_id)
    assert (view.current, view.progress, view.grade) == (Decimal(1), Decimal("1.0000"), Grade.GREEN)


async def test_a_milestones_kr_reports_the_milestones_done(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    created = await create_key_result(
        deps,
        ann,
        w.mine.id,
        NewKeyResult(
            "Launch the partner portal",
            owner_id=w.ann.id,
            metric_kind=MetricKind.MILESTONES,
            milestones=(
                MilestoneInput("Design"),
                MilestoneInput("Pilot"),
                MilestoneInput("Launch", Decimal(2)),
            ),
        ),
    )
    kr_id = created.key_result.id
    design, pilot, launch = (m.id for m in created.key_result.milestones)

    entry = await check_in(deps, ann, kr_id, NewCheckIn(milestones_done=(pilot, design, pilot)))

    assert (entry.value, entry.milestones_done) == (None, tuple(sorted({design, pilot})))
    view = await get_key_result(deps, ann, kr_id)
    assert (view.current, view.milestones_done, view.progress) == (
        None,
        frozenset({design, pilot}),
        Decimal("0.5000"),
    )
    await check_in(deps, ann, kr_id, NewCheckIn(milestones_done=(design, pilot, launch)))
    assert (await get_key_result(deps, ann, kr_id)).progress == Decimal("1.0000")


async def test_a_milestones_check_in_refuses_unknown_milestones_and_values(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    created = await create_key_result(
        deps,
        ann,
        w.mine.id,
        NewKeyResult(
            "Portal",
            owner_id=w.ann.id,
            metric_kind=MetricKind.MILESTONES,
            milestones=(MilestoneInput("Design"),),
        ),
    )
    kr_id = created.key_result.id
    design = created.key_result.milestones[0].id
    stranger = UUID(int=77)

    with pytest.raises(RuleViolation) as unknown:
        await check_in(deps, ann, kr_id, NewCheckIn(milestones_done=(design, stranger)))
    assert unknown.value.code == "unknown_milestone"
    assert unknown.value.extra == {"unknown": [str(stranger)]}
    assert [e.field for e in unknown.value.errors] == ["milestones_done.1"]

    with pytest.raises(RuleViolation) as valued:
        await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal(1)))
    assert [e.field for e in valued.value.errors] == ["value"]
    history = await check_in_history(deps, ann, kr_id, PageRequest())
    assert list(history.items) == []


async def test_a_check_in_needs_a_value_and_a_confidence_in_range(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    kr_id = await _kr(deps, w)
    for data, field in (
        (NewCheckIn(), "value"),
        (NewCheckIn(value=Decimal("NaN")), "value"),
        (NewCheckIn(value=Decimal(1), confidence=11), "confidence"),
    ):
        with pytest.raises(RuleViolation) as caught:
            await check_in(deps, ann, kr_id, data)
        assert caught.value.code == "validation_failed"
        assert [e.field for e in caught.value.errors] == [field]


# -- history -------------------------------------------------------------------------------


async def test_history_pages_newest_first(deps: Deps, acme: Tenant, clock: FixedClock) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    kr_id = await _kr(deps, w)
    entries = [await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal(v))) for v in range(5)]
    newest_first = [e.id for e in reversed(entries)]

    seen: list[UUID] = []
    after = None
    while True:
        page = await check_in_history(deps, ann, kr_id, PageRequest(limit=2, after=after))
        seen.extend(c.id for c in page.items)
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == newest_first


async def test_the_latest_is_by_time_then_id(deps: Deps, acme: Tenant, clock: FixedClock) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    kr_id = await _kr(deps, w)
    await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal(7)))
    # A later id stamped earlier (a clock that stepped back) is not the latest.
    clock.current = MID_Q2 - timedelta(hours=1)
    await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal(2)))
    assert (await get_key_result(deps, ann, kr_id)).current == Decimal(7)


# -- who and when --------------------------------------------------------------------------


async def test_the_kr_owner_and_their_managers_check_in_and_peers_may_not(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    bobs_kr = await _kr(deps, w, NewKeyResult("Demos", owner_id=w.bob.id, target=Decimal(4)))
    by_bob = await check_in(deps, principal_of(w.bob), bobs_kr, NewCheckIn(value=Decimal(1)))
    by_lena = await check_in(deps, principal_of(w.lena), bobs_kr, NewCheckIn(value=Decimal(2)))
    by_ann = await check_in(deps, principal_of(w.ann), bobs_kr, NewCheckIn(value=Decimal(3)))
    assert [c.author for c in (by_bob, by_lena, by_ann)] == [
        f"member:{w.bob.id}",
        f"member:{w.lena.id}",
        f"member:{w.ann.id}",
    ]

    anns_kr = await _kr(deps, w)
    for who in (principal_of(w.bob), acme.reader):
        with pytest.raises(Forbidden):
            await check_in(deps, who, anns_kr, NewCheckIn(value=Decimal(1)))
    assert list((await check_in_history(deps, acme.admin, anns_kr, PageRequest())).items) == []


async def test_a_closed_cycle_takes_no_check_ins(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    kr_id = await _kr(deps, w)
    before = await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal(5)))
    for state in (CycleState.ACTIVE, CycleState.CLOSED):
        await update_cycle(deps, acme.admin, w.q2.id, CycleChanges(state=state))

    with pytest.raises(RuleViolation) as caught:
        await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal(9)))

    assert caught.value.code == "cycle_closed"
    assert (await get_key_result(deps, ann, kr_id)).latest == before
