"""Work plans (工作计划): a member's or a unit's actions for a cycle laid out by calendar
quarter and month, with counts by status and overdue (004, "turning OKRs into work plans").

Only actions on key results you may see count; "overdue" is as of today in the
organization's time zone.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api.rest.dependencies import CurrentPrincipal, UseCaseDeps
from api.rest.problems import error_responses
from api.work_plans.shapes import WorkPlanOut
from service import work_plans

router = APIRouter(tags=["work plans"])

_CYCLE = (
    "The cycle; default: the cycle running today in the organization's time zone, the "
    "longest when several do (the year before its quarters)."
)
CycleParam = Annotated[UUID | None, Query(description=_CYCLE)]
_PLAN = (
    "Every month the cycle touches appears, empty or not, inside its calendar quarter; each "
    "action once: in the month of its due date, in `unscheduled` without one, in "
    "`outside_cycle` when due outside the cycle. Within a month, by due date then creation. "
    "Counts by status and `overdue` (not done, due before today in the organization's time "
    "zone) for each month, quarter and the whole plan. Only actions on objectives of the "
    "cycle that are not archived, and on key results you may see. An unknown cycle: 422 "
    "`unknown_reference`; no `cycle_id` and no cycle running today: 422 "
    "`validation_failed`; more than 2000 actions: 422 `work_plan_too_large`."
)


@router.get(
    "/v1/members/{member_id}/work-plan",
    summary="A member's work plan",
    description="The member's actions for a cycle by quarter and month: those they own, "
    "and those without an owner on a key result they own. " + _PLAN,
    response_model=WorkPlanOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_member_work_plan(
    member_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, cycle_id: CycleParam = None
) -> WorkPlanOut:
    return WorkPlanOut.of(await work_plans.member_work_plan(deps, principal, member_id, cycle_id))


@router.get(
    "/v1/units/{unit_id}/work-plan",
    summary="A unit's work plan",
    description="The unit's actions for a cycle by quarter and month: those on key results "
    "of the unit's own objectives, and those its members own (direct members). " + _PLAN,
    response_model=WorkPlanOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_unit_work_plan(
    unit_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, cycle_id: CycleParam = None
) -> WorkPlanOut:
    return WorkPlanOut.of(await work_plans.unit_work_plan(deps, principal, unit_id, cycle_id))
