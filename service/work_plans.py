"""Use cases of work plans (工作计划): a member's or a unit's actions for a cycle, laid out by
calendar quarter and month with counts by status and overdue (article 004, "turning OKRs
into work plans"; :mod:`domain.work_plans` lays them out).

Which actions:

- a member's plan: the actions the member owns, and those without an owner on a key
  result the member owns (they fall to the KR's owner);
- a unit's plan: the actions on key results of the unit's own objectives, and the actions
  its members own (direct membership), wherever they serve;

in both cases on objectives of the cycle that are not archived, and only on key results
the caller may see (a private objective's actions are left out for those who may not see
it). "Overdue" is as of today in the organization's time zone.

The cycle is ``cycle_id``; without one, the cycle running today (in the organization's
time zone), the longest when several do (the year before its quarters). Everyone who reads
the organization's directory reads work plans; an unknown member or unit (or another
organization's) is ``not_found``, an unknown cycle ``unknown_reference``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final
from uuid import UUID

from domain.cycles import Cycle
from domain.errors import FieldError, NotFound, RuleViolation
from domain.work_plans import WorkPlan, work_plan
from service.auth import Principal, ensure_member_reads_okr_workspace
from service.context import Deps
from service.objectives import organization_of
from service.okr_access import viewer_of
from service.pagination import MAX_LIMIT, PageRequest
from service.ports import CycleFilter, UnitOfWork
from service.scores import local_today

# A plan is read whole: more actions than this in one plan is a broadcast, not a plan.
MAX_ACTIONS: Final = 2000


@dataclass(frozen=True)
class WorkPlanView:
    """Whose plan (a member or a unit), for which cycle, and the plan itself."""

    member_id: UUID | None
    unit_id: UUID | None
    cycle: Cycle
    plan: WorkPlan


async def _cycle(uow: UnitOfWork, org_id: UUID, cycle_id: UUID | None, today: date) -> Cycle:
    if cycle_id is not None:
        cycle = await uow.cycles.get(org_id, cycle_id)
        if cycle is None:
            raise RuleViolation(
                "the cycle does not exist",
                code="unknown_reference",
                errors=[FieldError("cycle_id", "no such cycle", "unknown_reference")],
            )
        return cycle
    running = await uow.cycles.list(
        org_id, CycleFilter(contains_date=today), PageRequest(limit=MAX_LIMIT)
    )
    if not running.items:
        raise RuleViolation(
            "no cycle runs today: name one",
            code="validation_failed",
            errors=[FieldError("cycle_id", "required: no cycle runs today", "required")],
        )
    return min(running.items, key=lambda c: (c.start_date - c.end_date, c.start_date, c.id))


async def _plan(
    deps: Deps,
    principal: Principal,
    uow: UnitOfWork,
    cycle_id: UUID | None,
    *,
    member_id: UUID | None = None,
    unit_id: UUID | None = None,
) -> WorkPlanView:
    org = await organization_of(uow, principal)
    today = local_today(org, deps.clock.now())
    cycle = await _cycle(uow, org.id, cycle_id, today)
    actions = await uow.work_plans.plan_actions(
        org.id,
        cycle.id,
        viewer_of(principal),
        member_id=member_id,
        unit_id=unit_id,
        limit=MAX_ACTIONS,
    )
    if len(actions) > MAX_ACTIONS:
        raise RuleViolation(
            f"the plan holds more than {MAX_ACTIONS} actions: plan a shorter cycle or a "
            "smaller unit",
            code="work_plan_too_large",
        )
    plan = work_plan(actions, cycle_start=cycle.start_date, cycle_end=cycle.end_date, today=today)
    return WorkPlanView(member_id=member_id, unit_id=unit_id, cycle=cycle, plan=plan)


async def member_work_plan(
    deps: Deps, principal: Principal, member_id: UUID, cycle_id: UUID | None = None
) -> WorkPlanView:
    """A member's actions for a cycle by quarter and month (see the module)."""
    ensure_member_reads_okr_workspace(principal)
    async with deps.read() as uow:
        if await uow.members.get(principal.organization_id, member_id) is None:
            raise NotFound("member not found")
        return await _plan(deps, principal, uow, cycle_id, member_id=member_id)


async def unit_work_plan(
    deps: Deps, principal: Principal, unit_id: UUID, cycle_id: UUID | None = None
) -> WorkPlanView:
    """A unit's actions for a cycle by quarter and month (see the module)."""
    ensure_member_reads_okr_workspace(principal)
    async with deps.read() as uow:
        if await uow.units.get(principal.organization_id, unit_id) is None:
            raise NotFound("unit not found")
        return await _plan(deps, principal, uow, cycle_id, unit_id=unit_id)
