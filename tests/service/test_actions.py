"""Use cases of actions (行动, the A of OKMA): work starts with an owner, a due date and a
completion standard; a done action is accepted (验收) by the KR's owner or the action owner's
manager, once, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from domain.cycles import CycleState
from domain.errors import Forbidden, NotFound, RuleViolation
from domain.members import Member
from domain.okrs import Action, ActionStatus
from service.actions import (
    ActionChanges,
    NewAction,
    accept_action,
    create_action,
    get_action,
    list_actions,
    update_action,
)
from service.audit import list_audit_events
from service.context import Deps
from service.cycles import CycleChanges, update_cycle
from service.okr_ports import ActionFilter, AuditFilter
from service.pagination import PageRequest
from tests import factories as make
from tests.service.harness import FixedClock, Tenant, principal_of

MID_Q2 = datetime(2026, 5, 16, 9, 30, tzinfo=UTC)
DUE = date(2026, 6, 15)


@dataclass(frozen=True)
class World:
    acme: Tenant
    cycle_id: UUID
    lena: Member  # manages Ann, Bob and Carl
    ann: Member  # owns the objective and its KR
    bob: Member
    carl: Member
    kr_id: UUID  # Ann's "New customers"


async def _world(deps: Deps, acme: Tenant, clock: FixedClock) -> World:
    clock.current = MID_Q2
    lena = await make.member(deps, acme, "Lena")
    ann, bob, carl = await make.reports(deps, acme, lena, "Ann", "Bob", "Carl")
    q2 = await make.cycle(deps, acme)
    grow = await make.objective(deps, ann, q2)
    kr = await make.key_result(deps, ann, grow, owner=ann)
    return World(acme, q2.id, lena, ann, bob, carl, kr.id)


def _ready(title: str, owner: Member) -> NewAction:
    return NewAction(title, owner_id=owner.id, due_date=DUE, completion_standard="contract signed")


async def _done(deps: Deps, w: World, owner: Member) -> Action:
    """An action of ``owner`` on Ann's KR, worked through to done."""
    action = await create_action(deps, principal_of(w.ann), w.kr_id, _ready("Visit", owner))
    changes = ActionChanges(status=ActionStatus.DONE)
    return await update_action(deps, principal_of(owner), action.id, changes)


# -- create and edit -----------------------------------------------------------------------


async def test_an_action_starts_as_a_todo(deps: Deps, acme: Tenant, clock: FixedClock) -> None:
    w = await _world(deps, acme, clock)

    action = await create_action(
        deps,
        principal_of(w.ann),
        w.kr_id,
        NewAction("  Call every lead  ", completion_standard="   "),
    )

    assert (action.title, action.key_result_id, action.status, action.version) == (
        "Call every lead",
        w.kr_id,
        ActionStatus.TODO,
        1,
    )
    assert (action.owner_id, action.due_date, action.completion_standard) == (None, None, None)
    assert (action.accepted_by, action.accepted_at, action.created_at) == (None, None, MID_Q2)
    assert await get_action(deps, acme.viewer, action.id) == action


async def test_work_does_not_start_without_owner_due_date_and_standard(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)

    with pytest.raises(RuleViolation) as at_create:
        await create_action(deps, ann, w.kr_id, NewAction("Visit", status=ActionStatus.DOING))
    assert at_create.value.code == "action_not_ready"
    assert [e.field for e in at_create.value.errors] == [
        "owner_id",
        "due_date",
        "completion_standard",
    ]
    listed = await list_actions(deps, ann, w.kr_id, ActionFilter(), PageRequest())
    assert list(listed.items) == []

    action = await create_action(
        deps, ann, w.kr_id, NewAction("Visit", owner_id=w.bob.id, completion_standard=" \n ")
    )
    with pytest.raises(RuleViolation) as at_update:
        await update_action(deps, ann, action.id, ActionChanges(status=ActionStatus.DOING))
    assert at_update.value.code == "action_not_ready"
    assert [e.field for e in at_update.value.errors] == ["due_date", "completion_standard"]

    started = await update_action(
        deps,
        ann,
        action.id,
        ActionChanges(
            due_date=DUE, completion_standard="visit report filed", status=ActionStatus.DOING
        ),
        expected_version=1,
    )
    assert (started.status, started.due_date, started.version) == (ActionStatus.DOING, DUE, 2)


async def test_a_started_action_keeps_its_owner_due_date_and_standard(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    ready = _ready("Visit", w.bob)
    started = await create_action(
        deps,
        ann,
        w.kr_id,
        NewAction(
            ready.title,
            ready.owner_id,
            ready.due_date,
            ready.completion_standard,
            status=ActionStatus.DOING,
        ),
    )

    with pytest.raises(RuleViolation) as caught:
        await update_action(deps, ann, started.id, ActionChanges(owner_id=None, due_date=None))

    assert caught.value.code == "action_not_ready"
    assert [e.field for e in caught.value.errors] == ["owner_id", "due_date"]
    assert await get_action(deps, ann, started.id) == started


async def test_the_action_owner_updates_their_action_and_bystanders_may_not(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    action = await create_action(deps, principal_of(w.ann), w.kr_id, _ready("Visit", w.bob))

    blocked = await update_action(
        deps, principal_of(w.bob), action.id, ActionChanges(status=ActionStatus.BLOCKED)
    )
    assert blocked.status is ActionStatus.BLOCKED
    with pytest.raises(Forbidden):
        await update_action(deps, principal_of(w.carl), action.id, ActionChanges(title="Mine"))
    # Nothing to change keeps the version.
    same = await update_action(deps, principal_of(w.bob), action.id, ActionChanges(title="Visit"))
    assert same == blocked


async def test_an_unknown_owner_is_refused(deps: Deps, acme: Tenant, clock: FixedClock) -> None:
    w = await _world(deps, acme, clock)
    with pytest.raises(RuleViolation) as caught:
        await create_action(
            deps, principal_of(w.ann), w.kr_id, NewAction("x", owner_id=UUID(int=5))
        )
    assert caught.value.code == "unknown_reference"
    assert caught.value.errors[0].field == "owner_id"


async def test_actions_list_by_owner_status_and_due_date(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    early = await create_action(
        deps, ann, w.kr_id, NewAction("Early", owner_id=w.bob.id, due_date=date(2026, 5, 1))
    )
    late = await create_action(
        deps, ann, w.kr_id, NewAction("Late", owner_id=w.carl.id, due_date=date(2026, 6, 20))
    )
    undated = await create_action(deps, ann, w.kr_id, NewAction("Undated", owner_id=w.bob.id))
    done = await _done(deps, w, w.carl)

    async def titles(filters: ActionFilter) -> list[str]:
        page = await list_actions(deps, acme.viewer, w.kr_id, filters, PageRequest())
        return [a.title for a in page.items]

    assert await titles(ActionFilter()) == ["Early", "Late", "Undated", "Visit"]
    assert await titles(ActionFilter(owner_id=w.bob.id)) == ["Early", "Undated"]
    assert await titles(ActionFilter(status=ActionStatus.DONE)) == ["Visit"]
    assert await titles(ActionFilter(due_before=date(2026, 6, 1))) == ["Early"]
    assert await titles(ActionFilter(due_after=date(2026, 6, 1))) == ["Late", "Visit"]
    first = await list_actions(deps, acme.viewer, w.kr_id, ActionFilter(), PageRequest(limit=2))
    assert ([a.id for a in first.items], first.next_after) == ([early.id, late.id], late.id)
    rest = await list_actions(
        deps, acme.viewer, w.kr_id, ActionFilter(), PageRequest(limit=2, after=late.id)
    )
    assert ([a.id for a in rest.items], rest.next_after) == ([undated.id, done.id], None)


# -- acceptance ----------------------------------------------------------------------------


async def test_the_kr_owner_accepts_a_done_action_once_audited(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    action = await create_action(deps, ann, w.kr_id, _ready("Visit", w.bob))

    with pytest.raises(RuleViolation) as not_done:
        await accept_action(deps, ann, action.id)
    assert not_done.value.code == "action_not_done"
    assert [e.field for e in not_done.value.errors] == ["status"]

    done = await update_action(
        deps, principal_of(w.bob), action.id, ActionChanges(status=ActionStatus.DONE)
    )
    accepted = await accept_action(deps, ann, action.id, expected_version=done.version)

    assert (accepted.accepted_by, accepted.accepted_at, accepted.version) == (
        w.ann.id,
        MID_Q2,
        done.version + 1,
    )
    assert accepted.status is ActionStatus.DONE
    events = await list_audit_events(
        deps, acme.admin, AuditFilter(resource_type="action", resource_id=action.id), PageRequest()
    )
    assert [(e.action, e.actor) for e in events.items] == [
        ("action.created", f"member:{w.ann.id}"),
        ("action.updated", f"member:{w.bob.id}"),
        ("action.accepted", f"member:{w.ann.id}"),
    ]
    last = events.items[-1]
    assert last.before is not None
    assert last.after is not None
    assert (last.before["accepted_by"], last.after["accepted_by"]) == (None, str(w.ann.id))
    assert last.after["accepted_at"] == "2026-05-16T09:30:00Z"

    with pytest.raises(RuleViolation) as twice:
        await accept_action(deps, ann, action.id)
    assert twice.value.code == "action_accepted"
    with pytest.raises(RuleViolation) as reopened:
        await update_action(deps, ann, action.id, ActionChanges(status=ActionStatus.DOING))
    assert reopened.value.code == "action_accepted"


async def test_the_action_owners_manager_accepts_too(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    done = await _done(deps, w, w.bob)
    accepted = await accept_action(deps, principal_of(w.lena), done.id)
    assert accepted.accepted_by == w.lena.id


async def test_only_the_kr_owner_or_the_owners_manager_accepts(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    done = await _done(deps, w, w.bob)
    # The action's own owner, a peer, an admin who is neither, a service: not acceptors.
    for who in (principal_of(w.bob), principal_of(w.carl), acme.admin, acme.reader):
        with pytest.raises(Forbidden) as caught:
            await accept_action(deps, who, done.id)
        assert caught.value.code == "not_acceptor"
    assert await get_action(deps, acme.admin, done.id) == done


async def test_a_closed_cycle_takes_no_new_or_changed_actions(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    action = await create_action(deps, principal_of(w.ann), w.kr_id, NewAction("Visit"))
    for state in (CycleState.ACTIVE, CycleState.CLOSED):
        await update_cycle(deps, acme.admin, w.cycle_id, CycleChanges(state=state))
    ann = principal_of(w.ann)
    for attempt in (
        create_action(deps, ann, w.kr_id, NewAction("Late")),
        update_action(deps, ann, action.id, ActionChanges(title="Renamed")),
    ):
        with pytest.raises(RuleViolation) as caught:
            await attempt
        assert caught.value.code == "cycle_closed"


async def test_a_closed_cycle_takes_no_acceptances(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    done = await _done(deps, w, w.bob)
    for state in (CycleState.ACTIVE, CycleState.CLOSED):
        await update_cycle(deps, acme.admin, w.cycle_id, CycleChanges(state=state))

    with pytest.raises(RuleViolation) as caught:
        await accept_action(deps, principal_of(w.ann), done.id)

    assert caught.value.code == "cycle_closed"
    assert await get_action(deps, acme.admin, done.id) == done


async def test_an_unknown_action_is_not_found(deps: Deps, acme: Tenant, clock: FixedClock) -> None:
    w = await _world(deps, acme, clock)
    for attempt in (
        get_action(deps, acme.admin, UUID(int=8)),
        accept_action(deps, principal_of(w.ann), UUID(int=8)),
        update_action(deps, acme.admin, UUID(int=8), ActionChanges(title="x")),
    ):
        with pytest.raises(NotFound):
            await attempt
