"""The audit trail (service/audit.py): every OKR write records who did what, with the values
before and after, in the same unit of work as the write; admins read it; a refused or
failed write leaves no event."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.cycles import CycleState
from domain.errors import Forbidden, RuleViolation, StaleVersion
from domain.members import Member
from domain.okrs import ActionStatus, ObjectiveStatus
from service.actions import ActionChanges, NewAction, accept_action, create_action, update_action
from service.audit import list_audit_events, snapshot
from service.auth import Scope
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.cycles import CycleChanges, update_cycle
from service.key_results import (
    KeyResultChanges,
    NewKeyResult,
    create_key_result,
    delete_key_result,
    move_key_result,
    set_final_score,
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
    update_objective,
)
from service.okr_ports import AuditEvent, AuditFilter, ObjectiveFilter, Viewer
from service.pagination import PageRequest
from service.storage.postgres.unit_of_work import PostgresUnitOfWork
from tests import factories as make
from tests.service.harness import FixedClock, Tenant, hire, principal_of

MID_Q2 = datetime(2026, 5, 16, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    acme: Tenant
    q2_id: UUID
    q3_id: UUID
    lena: Member  # Ann's manager
    ann: Member


async def _world(deps: Deps, acme: Tenant, clock: FixedClock) -> World:
    clock.current = MID_Q2
    lena = await make.member(deps, acme, "Lena")
    ann = await make.member(deps, acme, "Ann", manager=lena)
    q2 = await make.cycle(deps, acme)
    q3 = await make.cycle(deps, acme, "Q3", date(2026, 7, 1), date(2026, 9, 30))
    return World(acme, q2.id, q3.id, lena, ann)


# Writes to the directory and settings are audited too (tests/api/test_directory_audit.py);
# the tests here follow the OKR writes, so the world they build is left out of their reads.
DIRECTORY = {"member", "unit", "cycle", "organization"}


async def _events(
    deps: Deps, acme: Tenant, filters: AuditFilter | None = None, *, directory: bool = False
) -> list[AuditEvent]:
    """Every event of the organization (oldest first), page by page; the OKR ones only
    unless ``directory``."""
    everything = await _every_event(deps, acme, filters)
    return [e for e in everything if directory or e.resource_type not in DIRECTORY]


async def _every_event(
    deps: Deps, acme: Tenant, filters: AuditFilter | None = None
) -> list[AuditEvent]:
    found: list[AuditEvent] = []
    after = None
    while True:
        page = await list_audit_events(
            deps, acme.admin, filters or AuditFilter(), PageRequest(limit=200, after=after)
        )
        found.extend(page.items)
        if page.next_after is None:
            return found
        after = page.next_after


# -- what is recorded ----------------------------------------------------------------------


async def test_every_okr_write_records_who_did_what_to_which_resource(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann, lena, admin = principal_of(w.ann), principal_of(w.lena), acme.admin
    by_ann, by_lena = f"member:{w.ann.id}", f"member:{w.lena.id}"
    by_admin = f"member:{acme.admin_member.id}"

    grow = (await create_objective(deps, ann, NewObjective(w.q2_id, "Grow"))).objective
    await update_objective(deps, ann, grow.id, ObjectiveChanges(status=ObjectiveStatus.ACTIVE))
    keep = await create_objective(deps, lena, NewObjective(w.q2_id, "Keep", owner_id=w.ann.id))
    kr = (
        await create_key_result(deps, ann, grow.id, NewKeyResult("Deals", owner_id=w.ann.id))
    ).key_result
    spare = (
        await create_key_result(deps, ann, grow.id, NewKeyResult("Spare", owner_id=w.ann.id))
    ).key_result
    await update_key_result(deps, ann, kr.id, KeyResultChanges(target=Decimal(5)))
    entry = await check_in(deps, ann, kr.id, NewCheckIn(value=Decimal(2)))
    action = await create_action(
        deps,
        ann,
        kr.id,
        NewAction("Visit", owner_id=w.ann.id, due_date=date(2026, 6, 1), completion_standard="ok"),
    )
    await update_action(deps, ann, action.id, ActionChanges(status=ActionStatus.DONE))
    await accept_action(deps, lena, action.id)
    await delete_key_result(deps, ann, spare.id)
    await move_key_result(deps, ann, kr.id, keep.objective.id)
    follow_up = await create_action(deps, ann, kr.id, NewAction("Follow up"))
    copied = (await copy_objective(deps, ann, keep.objective.id, CopyRequest(w.q3_id))).view
    copy = copied.objective
    (kr_copy,) = (v.key_result for v in copied.key_results)
    async with deps.uow() as uow:
        (action_copy,) = (await uow.actions.of_key_results(acme.id, [kr_copy.id]))[kr_copy.id]
    await delete_objective(deps, ann, keep.objective.id)  # checked in: archived
    await delete_objective(deps, ann, copy.id)  # never checked in: deleted
    await close_unfinished(deps, admin, w.q2_id)
    for state in (CycleState.ACTIVE, CycleState.CLOSED):
        await update_cycle(deps, admin, w.q2_id, CycleChanges(state=state))
    await set_final_score(deps, lena, kr.id, score=Decimal("0.5"), reason="half way")

    events = await _events(deps, acme)

    assert [(e.actor, e.action, e.resource_type, e.resource_id) for e in events] == [
        (by_ann, "objective.created", "objective", grow.id),
        (by_ann, "objective.updated", "objective", grow.id),
        (by_lena, "objective.created", "objective", keep.objective.id),
        (by_ann, "key_result.created", "key_result", kr.id),
        (by_ann, "key_result.created", "key_result", spare.id),
        (by_ann, "key_result.updated", "key_result", kr.id),
        (by_ann, "check_in.created", "check_in", entry.id),
        (by_ann, "action.created", "action", action.id),
        (by_ann, "action.updated", "action", action.id),
        (by_lena, "action.accepted", "action", action.id),
        (by_ann, "key_result.deleted", "key_result", spare.id),
        (by_ann, "key_result.moved", "key_result", kr.id),
        (by_ann, "action.created", "action", follow_up.id),
        # A copy records each row it writes: the KRs, the open actions, the objective.
        (by_ann, "key_result.copied", "key_result", kr_copy.id),
        (by_ann, "action.copied", "action", action_copy.id),
        (by_ann, "objective.copied", "objective", copy.id),
        (by_ann, "objective.archived", "objective", keep.objective.id),
        (by_ann, "objective.deleted", "objective", copy.id),
        (by_admin, "objective.closed", "objective", grow.id),
        (by_lena, "key_result.final_scored", "key_result", kr.id),
    ]
    assert all(e.organization_id == acme.id and e.occurred_at == MID_Q2 for e in events)
    assert len({e.id for e in events}) == len(events)


async def test_an_event_holds_the_values_before_and_after(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    created = (await create_objective(deps, ann, NewObjective(w.q2_id, "Grow"))).objective
    clock.current = MID_Q2 + timedelta(hours=2)
    updated = (
        await update_objective(deps, ann, created.id, ObjectiveChanges(title="Grow faster"))
    ).objective
    await delete_objective(deps, ann, created.id)

    made, changed, deleted = await _events(deps, acme, AuditFilter(resource_id=created.id))

    assert (made.before, made.after) == (None, snapshot(created))
    assert (changed.before, changed.after) == (snapshot(created), snapshot(updated))
    assert changed.occurred_at == MID_Q2 + timedelta(hours=2)
    assert (deleted.before, deleted.after) == (snapshot(updated), None)
    assert changed.after is not None
    assert (changed.after["title"], changed.after["version"], changed.after["status"]) == (
        "Grow faster",
        2,
        "draft",
    )
    assert changed.after["owner_id"] == str(w.ann.id)


async def test_the_event_is_written_in_the_writes_own_unit_of_work(
    deps: Deps, engine: AsyncEngine, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)

    class CommitFails(PostgresUnitOfWork):
        async def commit(self) -> None:
            raise RuntimeError("the database went away")

    opened: list[PostgresUnitOfWork] = []

    def failing() -> PostgresUnitOfWork:
        opened.append(CommitFails(engine))
        return opened[-1]

    broken = Deps(uow=failing, clock=clock)
    with pytest.raises(RuntimeError, match="went away"):
        await create_objective(broken, principal_of(w.ann), NewObjective(w.q2_id, "Lost"))

    # One unit of work held both writes; its failed commit kept neither.
    assert len(opened) == 1
    assert await _events(deps, acme) == []
    async with deps.uow() as uow:
        everyone = Viewer(member_id=None, sees_everything=True)
        page = await uow.objectives.list(acme.id, ObjectiveFilter(), PageRequest(), everyone)
    assert list(page.items) == []


# -- refused writes ------------------------------------------------------------------------


async def test_a_refused_write_records_nothing(deps: Deps, acme: Tenant, clock: FixedClock) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    grow = (await create_objective(deps, ann, NewObjective(w.q2_id, "Grow"))).objective
    kr = (
        await create_key_result(deps, ann, grow.id, NewKeyResult("Deals", owner_id=w.ann.id))
    ).key_result
    before = await _events(deps, acme)
    peer = principal_of(await hire(deps, acme, "Bob", manager_id=w.lena.id))

    refusals: list[tuple[Awaitable[object], type[Exception]]] = [
        (update_objective(deps, peer, grow.id, ObjectiveChanges(title="x")), Forbidden),
        (
            update_objective(deps, ann, grow.id, ObjectiveChanges(status=ObjectiveStatus.CLOSED)),
            RuleViolation,
        ),
        (
            update_objective(deps, ann, grow.id, ObjectiveChanges(title="x"), expected_version=7),
            StaleVersion,
        ),
        (check_in(deps, ann, kr.id, NewCheckIn(value=Decimal("NaN"))), RuleViolation),
        (set_final_score(deps, ann, kr.id, score=Decimal(1), reason="mine"), Forbidden),
        (
            create_action(deps, ann, kr.id, NewAction("Go", status=ActionStatus.DOING)),
            RuleViolation,
        ),
    ]
    for attempt, error in refusals:
        with pytest.raises(error):
            await attempt
    for state in (CycleState.ACTIVE, CycleState.CLOSED):
        await update_cycle(deps, acme.admin, w.q2_id, CycleChanges(state=state))
    with pytest.raises(RuleViolation, match="closed"):
        await check_in(deps, ann, kr.id, NewCheckIn(value=Decimal(1)))

    assert await _events(deps, acme) == before


# -- reading the trail ---------------------------------------------------------------------


async def test_only_admins_read_the_trail(deps: Deps, acme: Tenant, clock: FixedClock) -> None:
    w = await _world(deps, acme, clock)
    for who in (principal_of(w.ann), principal_of(w.lena), acme.service(*Scope.ALL)):
        with pytest.raises(Forbidden):
            await list_audit_events(deps, who, AuditFilter(), PageRequest())


async def test_the_trail_filters_and_pages_oldest_first(
    deps: Deps, acme: Tenant, globex: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann, lena = principal_of(w.ann), principal_of(w.lena)
    grow = (await create_objective(deps, ann, NewObjective(w.q2_id, "Grow"))).objective
    keep = (await create_objective(deps, lena, NewObjective(w.q2_id, "Keep"))).objective
    kr = (
        await create_key_result(deps, lena, grow.id, NewKeyResult("Deals", owner_id=w.ann.id))
    ).key_result
    await update_objective(deps, lena, grow.id, ObjectiveChanges(title="Grow more"))

    async def actions(filters: AuditFilter) -> list[tuple[str, UUID]]:
        return [(e.action, e.resource_id) for e in await _events(deps, acme, filters)]

    assert await actions(AuditFilter(resource_type="objective")) == [
        ("objective.created", grow.id),
        ("objective.created", keep.id),
        ("objective.updated", grow.id),
    ]
    assert await actions(AuditFilter(resource_id=grow.id, actor=f"member:{w.lena.id}")) == [
        ("objective.updated", grow.id)
    ]
    assert await actions(AuditFilter(resource_type="key_result")) == [("key_result.created", kr.id)]
    assert await actions(AuditFilter(actor="service:nobody")) == []

    first = await list_audit_events(deps, acme.admin, AuditFilter(), PageRequest(limit=3))
    rest = await list_audit_events(
        deps, acme.admin, AuditFilter(), PageRequest(limit=3, after=first.next_after)
    )
    everything = await _events(deps, acme, directory=True)
    assert [*first.items, *rest.items] == everything[:6]
    assert [e.resource_id for e in everything[-4:]] == [grow.id, keep.id, kr.id, grow.id]
    # Another tenant's admin sees an empty trail.
    assert (
        list((await list_audit_events(deps, globex.admin, AuditFilter(), PageRequest())).items)
        == []
    )
