"""The shapes of a work plan (工作计划): REST bodies and GraphQL types are these classes.

A plan is a member's or a unit's actions for a cycle by calendar quarter and month, with
counts by status and overdue. ``WorkPlanOut`` and its parts are REST's and the bases of
GraphQL's ``WorkPlan``, ``QuarterPlan``, ``MonthPlan`` and ``PlanGroup``
(``api.work_plans.graphql`` gives them GraphQL's ``Action`` and ``Cycle`` and the plan's
owner); ``StatusCountsOut`` is GraphQL's ``StatusCounts`` as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Self
from uuid import UUID

import strawberry
from pydantic import Field, model_validator

from api.actions.shapes import ActionOut
from api.cycles.shapes import CycleOut
from api.graphql.enums import ActionStatus
from api.shapes import Output
from domain import work_plans as plans
from service.work_plans import WorkPlanView

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"


@strawberry.pydantic.type(
    name="StatusCounts",
    description="How many actions are in each status, and how many are overdue.",
)
class StatusCountsOut(Output):
    todo: int = Field(examples=[3])
    doing: int = Field(examples=[1])
    done: int = Field(examples=[4])
    blocked: int = Field(examples=[0])
    total: int = Field(examples=[8])
    overdue: int = Field(
        examples=[2],
        description="Not done and due before today (in the organization's time zone).",
    )

    @model_validator(mode="before")
    @classmethod
    def _by_status(cls, counts: Any) -> Any:
        # The domain counts by status; a plan always counts overdue (it is made as of today).
        if not isinstance(counts, plans.StatusCounts):
            return counts
        return {
            **{str(s): counts.of(s) for s in ActionStatus},
            "total": counts.total,
            "overdue": counts.overdue or 0,
        }


class MonthPlanOut(Output):
    key: str = Field(examples=["2026-03"], description="2026-03")
    year: int = Field(examples=[2026])
    month: int = Field(examples=[3])
    start: date = Field(description="Its first day in the cycle.")
    end: date = Field(description="Its last day in the cycle.")
    counts: StatusCountsOut
    actions: Sequence[ActionOut] = Field(description="By due date, then creation.")


class QuarterPlanOut(Output):
    key: str = Field(examples=["2026-Q1"], description="2026-Q1")
    year: int = Field(examples=[2026])
    quarter: int = Field(examples=[1], description="1 to 4: calendar quarters.")
    start: date
    end: date
    counts: StatusCountsOut = Field(description="The sum of its months'.")
    months: Sequence[MonthPlanOut] = Field(description="Every month the cycle touches, in order.")


class PlanGroupOut(Output):
    counts: StatusCountsOut
    actions: Sequence[ActionOut]


class WorkPlanOut(Output):
    member_id: UUID | None = Field(
        examples=[_EXAMPLE_ID], description="Whose plan: a member's, or null for a unit's."
    )
    unit_id: UUID | None = Field(examples=[None], description="A unit's plan: the unit.")
    cycle: CycleOut
    today: date = Field(
        examples=["2026-04-01"], description="Today in the organization's time zone."
    )
    counts: StatusCountsOut = Field(description="Of every action in the plan.")
    quarters: Sequence[QuarterPlanOut] = Field(
        description="Every calendar quarter the cycle touches, with its months."
    )
    unscheduled: PlanGroupOut = Field(description="Actions without a due date.")
    outside_cycle: PlanGroupOut = Field(description="Actions due before or after the cycle.")

    @classmethod
    def of(cls, view: WorkPlanView) -> Self:  # type: ignore[override]
        """The plan's parts by name (``today`` always set: a plan is made as of today),
        with whose plan it is and its cycle."""
        return cls.model_validate(
            {
                **vars(view.plan),
                "member_id": view.member_id,
                "unit_id": view.unit_id,
                "cycle": view.cycle,
            },
            from_attributes=True,
        )
