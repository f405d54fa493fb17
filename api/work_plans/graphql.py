"""Work plans in the graph: the ``WorkPlan`` type and its parts, and the ``workPlan`` query.

The fields are the shapes of ``api.work_plans.shapes``; only what GraphQL adds is here: its
``Action`` and ``Cycle`` types where REST nests its bodies, whose plan it is (a member or a
unit, through the request's DataLoaders), and the query naming one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated
from uuid import UUID

import strawberry

from api.actions.graphql import Action
from api.cycles.graphql import Cycle
from api.graphql.context import Info
from api.graphql.fields import field
from api.members.graphql import Member
from api.units.graphql import OrgUnit
from api.work_plans.shapes import MonthPlanOut, PlanGroupOut, QuarterPlanOut, WorkPlanOut
from domain.errors import FieldError, RuleViolation
from service import work_plans


@strawberry.pydantic.type(
    description="The actions due in one calendar month of the cycle (月度计划)."
)
class MonthPlan(MonthPlanOut):
    actions: Annotated[
        Sequence[Action], strawberry.field(description="By due date, then creation.")
    ]


@strawberry.pydantic.type(description="A calendar quarter of the cycle (季度计划) and its months.")
class QuarterPlan(QuarterPlanOut):
    months: Sequence[MonthPlan]


@strawberry.pydantic.type(
    description="Actions outside the months: unscheduled, or due outside the cycle."
)
class PlanGroup(PlanGroupOut):
    actions: Sequence[Action]


@strawberry.pydantic.type(
    description="A member's or a unit's actions for a cycle by calendar quarter and month "
    "(工作计划), only on key results you may see."
)
class WorkPlan(WorkPlanOut):
    # The graph links whose plan it is itself; the ids stay for the resolvers.
    member_id: strawberry.Private[UUID | None]
    unit_id: strawberry.Private[UUID | None]
    cycle: Cycle
    quarters: Sequence[QuarterPlan]
    unscheduled: Annotated[PlanGroup, strawberry.field(description="Actions without a due date.")]
    outside_cycle: Annotated[
        PlanGroup, strawberry.field(description="Actions due outside the cycle.")
    ]

    @strawberry.pydantic.field(description="Whose plan, for a member's.")
    async def member(self, info: Info) -> Member | None:
        if self.member_id is None:
            return None
        found = await info.context.loaders.member.load(self.member_id)
        return Member.of(found) if found else None

    @strawberry.pydantic.field(description="Whose plan, for a unit's.")
    async def unit(self, info: Info) -> OrgUnit | None:
        if self.unit_id is None:
            return None
        found = await info.context.loaders.unit.load(self.unit_id)
        return OrgUnit.of(found) if found else None


@strawberry.type
class WorkPlanQuery:
    @field(
        description="A member's (`memberId`) or a unit's (`unitId`) work plan for a cycle: "
        "their actions by quarter and month with counts by status and overdue. `cycleId` "
        "defaults to the longest cycle running today."
    )
    async def work_plan(
        self,
        info: Info,
        cycle_id: UUID | None = None,
        member_id: UUID | None = None,
        unit_id: UUID | None = None,
    ) -> WorkPlan:
        ctx = info.context
        if member_id is not None and unit_id is None:
            view = await work_plans.member_work_plan(ctx.deps, ctx.principal, member_id, cycle_id)
        elif unit_id is not None and member_id is None:
            view = await work_plans.unit_work_plan(ctx.deps, ctx.principal, unit_id, cycle_id)
        else:
            raise RuleViolation(
                "name a member or a unit",
                code="validation_failed",
                errors=[
                    FieldError(name, "exactly one of memberId and unitId", "required")
                    for name in ("memberId", "unitId")
                ],
            )
        return WorkPlan.of(view)
