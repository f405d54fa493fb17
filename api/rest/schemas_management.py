# Chinese text is written with full-width punctuation (，：): not a look-alike mistake.
# ruff: noqa: RUF001, RUF003
"""Request and response bodies of the management rhythm: review meetings (复盘会, 周会,
月报), comments with @mentions, and work plans (工作计划). Inputs forbid unknown fields.

Texts are checked by the domain (:mod:`domain.meetings`, :mod:`domain.comments`), which
names a bad field by its path in the body (``attendee_ids[2]``, ``mentions[0]``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.cycles.shapes import CycleOut
from api.rest.schemas_okrs import ActionOut
from api.shapes import Input
from domain.comments import BODY_MAX, Comment, CommentTarget
from domain.meetings import (
    ATTENDEES_MAX,
    FINDINGS_MAX,
    FOLLOW_UPS_MAX,
    OBJECTIVES_MAX,
    TITLE_MAX,
    MeetingKind,
)
from domain.okrs import ActionStatus
from domain.work_plans import MonthPlan, PlanGroup, QuarterPlan, StatusCounts
from service.meetings import MeetingView, NewMeeting
from service.work_plans import WorkPlanView

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"
_OTHER_ID = "01a209b4-22af-72e5-8995-2bb83bac405a"
_THIRD_ID = "01a209b4-22b3-7c41-a0d5-7a0f3b9e61c2"

MENTION_HELP = (
    "Mention a member with `@[Name](member-id)`, e.g. `@[王芳](0b5c3f0e-8d1a-4f8e-9a57-"
    "2f4c1d6e9b10)`: the id counts, the name is what you saw when writing. Only members of "
    "your organization (else 422 `validation_failed`, `unknown_member` on `mentions[i]`)."
)

# -- meetings --------------------------------------------------------------------------------

MEETING_EXAMPLE: dict[str, Any] = {
    "kind": "retrospective",
    "title": "2026 Q1 销售复盘会",
    "held_on": "2026-04-02",
    "cycle_id": _EXAMPLE_ID,
    "unit_id": _OTHER_ID,
    "attendee_ids": [_THIRD_ID],
    "objective_ids": [_OTHER_ID],
    "findings": "回款周期太长：合同审批平均两周。下季度把审批缩短到3天。",
    "follow_up_action_ids": [_THIRD_ID],
}


class MeetingOut(BaseModel):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    kind: MeetingKind = Field(
        examples=["retrospective"],
        description="`retrospective` (复盘会), `weekly` (周会) or `monthly_report` (月报).",
    )
    title: str = Field(examples=["2026 Q1 销售复盘会"])
    held_on: date = Field(examples=["2026-04-02"])
    cycle_id: UUID | None = Field(description="The cycle it reviews; with `unit_id` or alone.")
    unit_id: UUID | None = Field(description="The unit whose meeting it is.")
    attendee_ids: list[UUID] = Field(description="Members, in the order written.")
    objective_ids: list[UUID] = Field(
        description="The objectives reviewed that you may see (private ones you may not "
        "see are left out)."
    )
    findings: str = Field(examples=["回款周期太长：合同审批平均两周。"])
    follow_up_action_ids: list[UUID] = Field(
        description="The follow-up actions on key results you may see."
    )
    follow_up_actions: list[ActionOut] = Field(
        description="Those actions as they are now (status, owner, due date); read-only."
    )
    version: int = Field(examples=[1])
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: MeetingView) -> MeetingOut:
        m = view.meeting
        return cls(
            id=m.id,
            kind=m.kind,
            title=m.title,
            held_on=m.held_on,
            cycle_id=m.cycle_id,
            unit_id=m.unit_id,
            attendee_ids=list(m.attendee_ids),
            objective_ids=list(m.objective_ids),
            findings=m.findings,
            follow_up_action_ids=list(m.follow_up_action_ids),
            follow_up_actions=[ActionOut.of(a) for a in view.follow_up_actions],
            version=m.version,
            created_at=m.created_at,
            updated_at=m.updated_at,
        )


_IDS = "Each once, at most {}."


class MeetingCreate(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [MEETING_EXAMPLE]})
    kind: MeetingKind
    title: str = Field(description=f"At most {TITLE_MAX} characters.")
    held_on: date = Field(description="May be after the cycle's end: a retrospective is.")
    cycle_id: UUID | None = Field(default=None, description="A cycle, a unit, or both.")
    unit_id: UUID | None = Field(default=None, description="A cycle, a unit, or both.")
    attendee_ids: list[UUID] = Field(
        default_factory=list, description="Members. " + _IDS.format(ATTENDEES_MAX)
    )
    objective_ids: list[UUID] = Field(
        default_factory=list,
        description="Objectives reviewed, which you may see. " + _IDS.format(OBJECTIVES_MAX),
    )
    findings: str = Field(
        default="", description=f"What was found (复盘结论); at most {FINDINGS_MAX} characters."
    )
    follow_up_action_ids: list[UUID] = Field(
        default_factory=list,
        description="Actions decided, on key results you may see. " + _IDS.format(FOLLOW_UPS_MAX),
    )

    def to_new(self) -> NewMeeting:
        return NewMeeting(
            kind=self.kind,
            title=self.title,
            held_on=self.held_on,
            cycle_id=self.cycle_id,
            unit_id=self.unit_id,
            attendee_ids=tuple(self.attendee_ids),
            objective_ids=tuple(self.objective_ids),
            findings=self.findings,
            follow_up_action_ids=tuple(self.follow_up_action_ids),
        )


class MeetingPatch(Input):
    """JSON merge: send only what changes; a list replaces the list (of what you may
    see: reviewed objectives and follow-ups hidden from you stay); `cycle_id: null` or
    `unit_id: null` removes one, as long as the other stays."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "findings": "回款周期太长：合同审批平均两周。",
                    "follow_up_action_ids": [_THIRD_ID],
                }
            ]
        },
    )
    kind: MeetingKind | None = None
    title: str | None = None
    held_on: date | None = None
    cycle_id: UUID | None = None
    unit_id: UUID | None = None
    attendee_ids: list[UUID] | None = None
    objective_ids: list[UUID] | None = None
    findings: str | None = None
    follow_up_action_ids: list[UUID] | None = None


# -- comments --------------------------------------------------------------------------------


class CommentOut(BaseModel):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    target_type: CommentTarget = Field(
        examples=["key_result"], description="`objective`, `key_result` or `action`."
    )
    target_id: UUID = Field(examples=[_OTHER_ID])
    author_id: UUID = Field(examples=[_THIRD_ID])
    body: str = Field(
        examples=[f"客户投诉回复太慢，@[王芳]({_THIRD_ID}) 能帮忙看一下吗？"],
        description="With its mention markup as written.",
    )
    mentions: list[UUID] = Field(
        examples=[[_THIRD_ID]], description="The members mentioned, in the order of the body."
    )
    version: int = Field(examples=[1])
    created_at: datetime
    updated_at: datetime = Field(description="Later than `created_at` once edited.")

    @classmethod
    def of(cls, c: Comment) -> CommentOut:
        return cls(
            id=c.id,
            target_type=c.target,
            target_id=c.target_id,
            author_id=c.author_id,
            body=c.body,
            mentions=list(c.mentions),
            version=c.version,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


_COMMENT_EXAMPLE: dict[str, Any] = {
    "body": f"客户投诉回复太慢，@[王芳]({_THIRD_ID}) 能帮忙看一下吗？"
}


class CommentCreate(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_COMMENT_EXAMPLE]})
    body: str = Field(description=f"Not blank, at most {BODY_MAX} characters. " + MENTION_HELP)


class CommentPatch(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_COMMENT_EXAMPLE]})
    body: str = Field(
        description="Replaces the body; its mentions are read again from it. " + MENTION_HELP
    )


# -- work plans ------------------------------------------------------------------------------


class StatusCountsOut(BaseModel):
    todo: int = Field(examples=[3])
    doing: int = Field(examples=[1])
    done: int = Field(examples=[4])
    blocked: int = Field(examples=[0])
    total: int = Field(examples=[8])
    overdue: int = Field(
        examples=[2],
        description="Not done and due before today (in the organization's time zone).",
    )

    @classmethod
    def of(cls, counts: StatusCounts) -> StatusCountsOut:
        return cls(
            todo=counts.of(ActionStatus.TODO),
            doing=counts.of(ActionStatus.DOING),
            done=counts.of(ActionStatus.DONE),
            blocked=counts.of(ActionStatus.BLOCKED),
            total=counts.total,
            overdue=counts.overdue or 0,
        )


class MonthPlanOut(BaseModel):
    key: str = Field(examples=["2026-03"])
    year: int = Field(examples=[2026])
    month: int = Field(examples=[3])
    start: date = Field(description="Its first day in the cycle.")
    end: date = Field(description="Its last day in the cycle.")
    counts: StatusCountsOut
    actions: list[ActionOut] = Field(description="By due date, then creation.")

    @classmethod
    def of(cls, m: MonthPlan) -> MonthPlanOut:
        return cls(
            key=m.key,
            year=m.year,
            month=m.month,
            start=m.start,
            end=m.end,
            counts=StatusCountsOut.of(m.counts),
            actions=[ActionOut.of(a) for a in m.actions],
        )


class QuarterPlanOut(BaseModel):
    key: str = Field(examples=["2026-Q1"])
    year: int = Field(examples=[2026])
    quarter: int = Field(examples=[1], description="1 to 4: calendar quarters.")
    start: date
    end: date
    counts: StatusCountsOut = Field(description="The sum of its months'.")
    months: list[MonthPlanOut] = Field(description="Every month the cycle touches, in order.")

    @classmethod
    def of(cls, q: QuarterPlan) -> QuarterPlanOut:
        return cls(
            key=q.key,
            year=q.year,
            quarter=q.quarter,
            start=q.start,
            end=q.end,
            counts=StatusCountsOut.of(q.counts),
            months=[MonthPlanOut.of(m) for m in q.months],
        )


class PlanGroupOut(BaseModel):
    counts: StatusCountsOut
    actions: list[ActionOut]

    @classmethod
    def of(cls, g: PlanGroup) -> PlanGroupOut:
        return cls(
            counts=StatusCountsOut.of(g.counts), actions=[ActionOut.of(a) for a in g.actions]
        )


class WorkPlanOut(BaseModel):
    member_id: UUID | None = Field(
        examples=[_EXAMPLE_ID], description="Whose plan: a member's, or null for a unit's."
    )
    unit_id: UUID | None = Field(examples=[None], description="A unit's plan: the unit.")
    cycle: CycleOut
    today: date = Field(
        examples=["2026-04-01"], description="Today in the organization's time zone."
    )
    counts: StatusCountsOut = Field(description="Of every action in the plan.")
    quarters: list[QuarterPlanOut] = Field(
        description="Every calendar quarter the cycle touches, with its months."
    )
    unscheduled: PlanGroupOut = Field(description="Actions without a due date.")
    outside_cycle: PlanGroupOut = Field(description="Actions due before or after the cycle.")

    @classmethod
    def of(cls, view: WorkPlanView) -> WorkPlanOut:
        plan = view.plan
        assert plan.today is not None  # the use case always plans as of today
        return cls(
            member_id=view.member_id,
            unit_id=view.unit_id,
            cycle=CycleOut.of(view.cycle),
            today=plan.today,
            counts=StatusCountsOut.of(plan.counts),
            quarters=[QuarterPlanOut.of(q) for q in plan.quarters],
            unscheduled=PlanGroupOut.of(plan.unscheduled),
            outside_cycle=PlanGroupOut.of(plan.outside_cycle),
        )
