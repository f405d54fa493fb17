"""The check-in cadence of key results and stale KRs through the use cases, with a fixed
clock: the cadence on create and update (audited), the stale filter of
the KR list per cadence, the caller's updates due with their due instants, visibility, and
the KRs that are never stale (drafts, closed and archived objectives, final scores, closed
cycles)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain.cycles import Cycle, CycleKind, CycleState
from domain.errors import Forbidden
from domain.members import Member, Role
from domain.okrs import Cadence, ObjectiveStatus, Visibility
from service.audit import list_audit_events
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.cycles import CycleChanges, NewCycle, create_cycle, update_cycle
from service.key_results import (
    KeyResultChanges,
    NewKeyResult,
    create_key_result,
    find_key_results,
    set_final_score,
    update_key_result,
    updates_due,
)
from service.objectives import NewObjective, ObjectiveChanges, create_objective, update_objective
from service.okr_ports import AuditFilter, KeyResultFilter
from service.pagination import PageRequest
from tests import factories as make
from tests.service.harness import FixedClock, Tenant, principal_of

# Wednesday 2026-04-01 09:30 in Shanghai, the first day of Q2.
START = datetime(2026, 4, 1, 1, 30, tzinfo=UTC)
DAY = timedelta(days=1)
US = timedelta(microseconds=1)


@dataclass(frozen=True)
class World:
    acme: Tenant
    q2: Cycle
    lena: Member  # Ann's and Bob's manager
    ann: Member
    bob: Member
    weekly: UUID  # Ann's, on her active objective
    daily: UUID
    monthly: UUID
    biweekly: UUID  # Bob's, on Ann's objective


async def _world(deps: Deps, clock: FixedClock) -> World:
    clock.current = START
    acme = await make.tenant(deps, time_zone="Asia/Shanghai")
    lena = await make.member(deps, acme, "Lena", roles=frozenset({Role.MANAGER}))
    ann, bob = await make.reports(deps, acme, lena, "Ann", "Bob")
    q2 = await make.cycle(deps, acme, state=CycleState.ACTIVE)
    grow = await make.objective(deps, ann, q2, status=ObjectiveStatus.ACTIVE)
    ids: dict[Cadence, UUID] = {}
    for cadence in Cadence:
        owner = bob if cadence is Cadence.BIWEEKLY else ann
        kr = await make.key_result(deps, ann, grow, f"{cadence} KR", owner=owner, cadence=cadence)
        ids[cadence] = kr.id
    return World(
        acme,
        q2,
        lena,
        ann,
        bob,
        ids[Cadence.WEEKLY],
        ids[Cadence.DAILY],
        ids[Cadence.MONTHLY],
        ids[Cadence.BIWEEKLY],
    )


async def _stale_ids(
    deps: Deps, w: World, *, viewer: Member | None = None, stale: bool = True
) -> set[UUID]:
    principal = principal_of(viewer) if viewer else w.acme.admin
    found = await find_key_results(
        deps, principal, KeyResultFilter(cycle_id=w.q2.id, stale=stale), PageRequest(limit=200)
    )
    return {v.key_result.id for v in found.items}


async def _check_in(deps: Deps, clock: FixedClock, w: World, kr_id: UUID, at: datetime) -> None:
    clock.current = at
    await check_in(deps, principal_of(w.ann), kr_id, NewCheckIn(value=Decimal(1)))


# -- the cadence on the KR -----------------------------------------------------------------


async def test_the_cadence_defaults_to_weekly_and_an_update_is_audited(
    deps: Deps, clock: FixedClock
) -> None:
    w = await _world(deps, clock)
    grow_id = (
        (await find_key_results(deps, w.acme.admin, KeyResultFilter(), PageRequest()))
        .items[0]
        .key_result.objective_id
    )
    plain = await create_key_result(
        deps, principal_of(w.ann), grow_id, NewKeyResult("Plain", owner_id=w.ann.id)
    )
    assert plain.key_result.cadence is Cadence.WEEKLY

    changed = await update_key_result(
        deps, principal_of(w.ann), w.weekly, KeyResultChanges(cadence=Cadence.MONTHLY)
    )
    assert (changed.key_result.cadence, changed.key_result.version) == (Cadence.MONTHLY, 2)
    same = await update_key_result(
        deps, principal_of(w.ann), w.weekly, KeyResultChanges(cadence=Cadence.MONTHLY)
    )
    assert same.key_result.version == 2  # nothing changed, nothing written

    events = await list_audit_events(
        deps, w.acme.admin, AuditFilter(resource_id=w.weekly), PageRequest()
    )
    updated = [e for e in events.items if e.action == "key_result.updated"]
    assert len(updated) == 1
    assert updated[0].before is not None
    assert updated[0].after is not None
    assert (updated[0].before["cadence"], updated[0].after["cadence"]) == ("weekly", "monthly")


# -- the stale filter ----------------------------------------------------------------------


async def test_each_cadence_goes_stale_one_interval_after_its_last_check_in(
    deps: Deps, clock: FixedClock
) -> None:
    w = await _world(deps, clock)
    checked = START + DAY
    for kr_id in (w.weekly, w.daily, w.monthly, w.biweekly):
        await _check_in(deps, clock, w, kr_id, checked)

    expected = [
        (checked + DAY, set()),  # exactly a day: the daily one is due, not overdue
        (checked + DAY + US, {w.daily}),
        (checked + 6 * DAY, {w.daily}),
        (checked + 7 * DAY + US, {w.daily, w.weekly}),
        (checked + 8 * DAY, {w.daily, w.weekly}),
        (checked + 14 * DAY, {w.daily, w.weekly}),
        (checked + 14 * DAY + US, {w.daily, w.weekly, w.biweekly}),
        # April 2 to May 2 (Shanghai): the monthly KR is due on May 2 09:30 there.
        (datetime(2026, 5, 2, 1, 30, tzinfo=UTC), {w.daily, w.weekly, w.biweekly}),
        (datetime(2026, 5, 2, 1, 30, 1, tzinfo=UTC), {w.daily, w.weekly, w.biweekly, w.monthly}),
    ]
    every = {w.weekly, w.daily, w.monthly, w.biweekly}
    for now, stale in expected:
        clock.current = now
        assert await _stale_ids(deps, w) == stale, now
        assert await _stale_ids(deps, w, stale=False) == every - stale, now


async def test_a_weekly_kr_checked_in_8_days_ago_is_stale_and_6_days_ago_is_not(
    deps: Deps, clock: FixedClock
) -> None:
    w = await _world(deps, clock)
    now = START + 20 * DAY
    await _check_in(deps, clock, w, w.weekly, now - 8 * DAY)
    await _check_in(deps, clock, w, w.daily, now - 6 * DAY)
    await update_key_result(
        deps, principal_of(w.ann), w.daily, KeyResultChanges(cadence=Cadence.WEEKLY)
    )
    clock.current = now
    assert {w.weekly, w.daily} & await _stale_ids(deps, w) == {w.weekly}
    # A check-in clears it.
    await _check_in(deps, clock, w, w.weekly, now)
    assert {w.weekly, w.daily} & await _stale_ids(deps, w) == set()


async def test_without_check_ins_the_kr_goes_stale_a_cadence_after_its_creation(
    deps: Deps, clock: FixedClock
) -> None:
    w = await _world(deps, clock)
    clock.current = START + 7 * DAY
    assert await _stale_ids(deps, w) == {w.daily}
    clock.current = START + 7 * DAY + US
    assert await _stale_ids(deps, w) == {w.daily, w.weekly}


async def test_drafts_closed_archived_and_final_scored_krs_are_never_stale(
    deps: Deps, clock: FixedClock
) -> None:
    w = await _world(deps, clock)
    ann = principal_of(w.ann)
    draft = await create_objective(deps, ann, NewObjective(w.q2.id, "Maybe later"))
    in_draft = await create_key_result(
        deps, ann, draft.objective.id, NewKeyResult("Draft KR", owner_id=w.ann.id)
    )
    clock.current = START + 60 * DAY
    every = {w.weekly, w.daily, w.monthly, w.biweekly}
    assert await _stale_ids(deps, w) == every
    assert in_draft.key_result.id in await _stale_ids(deps, w, stale=False)

    clock.current = datetime(2026, 6, 30, 1, 30, tzinfo=UTC)  # final scores from the end date
    await set_final_score(
        deps, principal_of(w.lena), w.daily, score=Decimal("0.5"), reason="Merged into another"
    )
    assert await _stale_ids(deps, w) == every - {w.daily}

    grow = (await find_key_results(deps, ann, KeyResultFilter(), PageRequest())).items[0]
    objective_id = grow.key_result.objective_id
    await update_objective(deps, ann, objective_id, ObjectiveChanges(status=ObjectiveStatus.CLOSED))
    assert await _stale_ids(deps, w) == set()
    await update_objective(deps, ann, objective_id, ObjectiveChanges(status=ObjectiveStatus.ACTIVE))
    assert await _stale_ids(deps, w) == every - {w.daily}

    await update_cycle(deps, w.acme.admin, w.q2.id, CycleChanges(state=CycleState.CLOSED))
    assert await _stale_ids(deps, w) == set()


async def test_a_private_objectives_stale_krs_are_seen_only_by_those_who_see_it(
    deps: Deps, clock: FixedClock
) -> None:
    w = await _world(deps, clock)
    secret = await create_objective(
        deps,
        principal_of(w.bob),
        NewObjective(
            w.q2.id, "Secret", status=ObjectiveStatus.ACTIVE, visibility=Visibility.PRIVATE
        ),
    )
    # Bob's private objective, with a KR owned by Ann (who may not see it).
    hidden = await create_key_result(
        deps, w.acme.admin, secret.objective.id, NewKeyResult("Hidden", owner_id=w.ann.id)
    )
    clock.current = START + 30 * DAY
    hidden_id = hidden.key_result.id
    assert hidden_id in await _stale_ids(deps, w)  # admin
    assert hidden_id in await _stale_ids(deps, w, viewer=w.bob)
    assert hidden_id in await _stale_ids(deps, w, viewer=w.lena)  # Bob's manager
    assert hidden_id not in await _stale_ids(deps, w, viewer=w.ann)
    due = await updates_due(deps, principal_of(w.ann), PageRequest())
    assert hidden_id not in {d.key_result.key_result.id for d in due.items}


async def test_the_list_filters_by_owner_objective_and_cycle_and_pages(
    deps: Deps, clock: FixedClock
) -> None:
    w = await _world(deps, clock)
    q3 = await create_cycle(
        deps, w.acme.admin, NewCycle("Q3", CycleKind.QUARTER, date(2026, 7, 1), date(2026, 9, 30))
    )
    clock.current = START + 40 * DAY  # all four stale
    admin = w.acme.admin
    by_owner = await find_key_results(
        deps, admin, KeyResultFilter(owner_id=w.bob.id), PageRequest()
    )
    assert [v.key_result.id for v in by_owner.items] == [w.biweekly]
    other_cycle = await find_key_results(
        deps, admin, KeyResultFilter(cycle_id=q3.id, stale=True), PageRequest()
    )
    assert other_cycle.items == []

    first = await find_key_results(deps, admin, KeyResultFilter(stale=True), PageRequest(limit=3))
    assert len(first.items) == 3
    assert first.next_after is not None
    rest = await find_key_results(
        deps, admin, KeyResultFilter(stale=True), PageRequest(limit=3, after=first.next_after)
    )
    assert [v.key_result.id for v in [*first.items, *rest.items]] == sorted(
        [w.weekly, w.daily, w.monthly, w.biweekly]
    )
    assert rest.next_after is None
    objective_id = first.items[0].key_result.objective_id
    by_objective = await find_key_results(
        deps, admin, KeyResultFilter(objective_id=objective_id), PageRequest()
    )
    assert len(by_objective.items) == 4


# -- updates due ---------------------------------------------------------------------------


async def test_updates_due_are_the_callers_stale_krs_with_their_due_instants(
    deps: Deps, clock: FixedClock
) -> None:
    w = await _world(deps, clock)
    checked = START + DAY
    await _check_in(deps, clock, w, w.weekly, checked)
    clock.current = now = START + 10 * DAY

    due = await updates_due(deps, principal_of(w.ann), PageRequest())
    found = {d.key_result.key_result.id: d for d in due.items}
    assert set(found) == {w.weekly, w.daily}  # the monthly one is not due yet, Bob owns one
    weekly = found[w.weekly]
    assert weekly.last_check_in_at == checked
    assert weekly.due_at == weekly.stale_since == checked + 7 * DAY
    assert weekly.objective.title == "Grow"
    daily = found[w.daily]
    assert daily.last_check_in_at is None
    assert daily.due_at == START + DAY  # from its creation
    assert all(d.due_at < now for d in due.items)

    mine_in_q2 = await updates_due(deps, principal_of(w.bob), PageRequest(), cycle_id=w.q2.id)
    assert mine_in_q2.items == []  # Bob's biweekly KR is due on April 15
    clock.current = START + 14 * DAY + US
    bobs = await updates_due(deps, principal_of(w.bob), PageRequest(), cycle_id=w.q2.id)
    assert [d.key_result.key_result.id for d in bobs.items] == [w.biweekly]
    assert await updates_due(deps, principal_of(w.lena), PageRequest()) == type(bobs)([], None)


async def test_an_integration_has_no_updates_due(deps: Deps, clock: FixedClock) -> None:
    w = await _world(deps, clock)
    with pytest.raises(Forbidden):
        await updates_due(deps, w.acme.reader, PageRequest())
