"""The management rhythm over GraphQL: review meetings (复盘会, 周会, 月报), comments with
@mentions, and work plans (工作计划). The types, the inputs, and the ``ManagementQuery`` and
``ManagementMutation`` fields ``schema.Query`` and ``schema.Mutation`` inherit, over the same
use cases as REST (``service.meetings``, ``service.comments``, ``service.work_plans``).

- A meeting reads with the reviewed objectives and follow-up actions the reader may see;
  admins and managers record any meeting, a unit's lead those of the unit and the units
  under it.
- A comment lives with its objective, key result or action: whoever may see the target
  reads and writes its comments; mentions (``@[Name](member-id)``) name members of the
  organization only (``validation_failed``, ``unknown_member`` on ``mentions[i]``, another
  organization's member alike). ``mentionsOfMe``: newest first, on targets the caller may
  see now.
- ``workPlan``: a member's or a unit's actions for a cycle by quarter and month, with
  counts by status and overdue as of today in the organization's time zone.

Members, units, cycles and objectives nested in these types load through the request's
DataLoaders. After a write the loaders are dropped, so the payload reads the new state.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import strawberry

from api.cycles.graphql import Cycle
from api.graphql.connections import AFTER, FIRST, Connection, connection, page_request
from api.graphql.context import Info
from api.graphql.fields import field, mutation
from api.graphql.inputs import Sent
from api.graphql.okr_types import Action, Objective
from api.members.graphql import Member
from api.units.graphql import OrgUnit
from domain import comments as domain_comments
from domain import work_plans as domain_work_plans
from domain.comments import CommentTarget
from domain.errors import FieldError, RuleViolation
from domain.meetings import MeetingKind
from domain.okrs import ActionStatus
from service import comments, meetings, work_plans
from service.management_ports import MeetingFilter
from service.meetings import MeetingChanges, MeetingView, NewMeeting
from service.pagination import DEFAULT_LIMIT
from service.patch import UNSET
from service.work_plans import WorkPlanView

strawberry.enum(
    MeetingKind, description="RETROSPECTIVE (复盘会), WEEKLY (周会) or MONTHLY_REPORT (月报)."
)
strawberry.enum(
    CommentTarget,
    name="CommentTargetType",
    description="What a comment is on: an OBJECTIVE, a KEY_RESULT or an ACTION.",
)


async def _members(info: Info, ids: tuple[UUID, ...]) -> list[Member]:
    found = await info.context.loaders.member.load_many(list(ids))
    return [Member.of(m) for m in found if m is not None]


# -- meetings --------------------------------------------------------------------------------


@strawberry.type(
    description="A review meeting (管理节奏) of a cycle, a unit or both: who attended, the "
    "objectives reviewed, what was found, and the follow-up actions decided."
)
class Meeting:
    id: UUID
    kind: MeetingKind
    title: str
    held_on: date = strawberry.field(description="After the cycle's end for its retrospective.")
    findings: str = strawberry.field(description="What was found (复盘结论).")
    attendee_ids: list[UUID]
    objective_ids: list[UUID] = strawberry.field(
        description="The objectives reviewed that you may see."
    )
    follow_up_action_ids: list[UUID] = strawberry.field(
        description="The follow-up actions on key results you may see."
    )
    follow_up_actions: list[Action] = strawberry.field(description="Those actions as they are now.")
    version: int
    created_at: datetime
    updated_at: datetime
    cycle_id: strawberry.Private[UUID | None]
    unit_id: strawberry.Private[UUID | None]

    @classmethod
    def of(cls, view: MeetingView) -> Meeting:
        m = view.meeting
        return cls(
            id=m.id,
            kind=m.kind,
            title=m.title,
            held_on=m.held_on,
            findings=m.findings,
            attendee_ids=list(m.attendee_ids),
            objective_ids=list(m.objective_ids),
            follow_up_action_ids=list(m.follow_up_action_ids),
            follow_up_actions=[Action.of(a) for a in view.follow_up_actions],
            version=m.version,
            created_at=m.created_at,
            updated_at=m.updated_at,
            cycle_id=m.cycle_id,
            unit_id=m.unit_id,
        )

    @field(description="The cycle it reviews, if any.")
    async def cycle(self, info: Info) -> Cycle | None:
        if self.cycle_id is None:
            return None
        found = await info.context.loaders.cycle.load(self.cycle_id)
        return Cycle.of(found) if found else None

    @field(description="The unit whose meeting it is, if any.")
    async def unit(self, info: Info) -> OrgUnit | None:
        if self.unit_id is None:
            return None
        found = await info.context.loaders.unit.load(self.unit_id)
        return OrgUnit.of(found) if found else None

    @field(description="Who attended, in the order written.")
    async def attendees(self, info: Info) -> list[Member]:
        return await _members(info, tuple(self.attendee_ids))

    @field(description="The objectives reviewed that you may see, with their scores.")
    async def objectives_reviewed(self, info: Info) -> list[Objective]:
        found = await info.context.loaders.objective.load_many(self.objective_ids)
        return [Objective.of(v) for v in found if v is not None]


@strawberry.input(description="Narrows `meetings`; every field given must match.")
class MeetingFilterInput:
    cycle_id: UUID | None = None
    unit_id: UUID | None = None
    kind: MeetingKind | None = None

    def to_filter(self) -> MeetingFilter:
        return MeetingFilter(cycle_id=self.cycle_id, unit_id=self.unit_id, kind=self.kind)


@strawberry.input(
    description="A new meeting of a cycle, a unit or both. Attendees are members; the "
    "objectives reviewed and the follow-up actions must be ones you may see (else "
    "`validation_failed`, `unknown`); an unknown cycle or unit is `unknown_reference`."
)
class CreateMeetingInput:
    kind: MeetingKind
    title: str
    held_on: date
    cycle_id: UUID | None = None
    unit_id: UUID | None = None
    attendee_ids: list[UUID] = strawberry.field(default_factory=list)
    objective_ids: list[UUID] = strawberry.field(default_factory=list)
    findings: str = ""
    follow_up_action_ids: list[UUID] = strawberry.field(default_factory=list)

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


@strawberry.input(
    description="Send only what changes. A list replaces the list of what you may see "
    "(reviewed objectives and follow-ups hidden from you stay); `cycleId: null` or "
    "`unitId: null` removes one as long as the other stays."
)
class UpdateMeetingInput:
    id: UUID
    kind: MeetingKind | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    held_on: date | None = strawberry.UNSET
    cycle_id: UUID | None = strawberry.UNSET
    unit_id: UUID | None = strawberry.UNSET
    attendee_ids: list[UUID] | None = strawberry.UNSET
    objective_ids: list[UUID] | None = strawberry.UNSET
    findings: str | None = strawberry.UNSET
    follow_up_action_ids: list[UUID] | None = strawberry.UNSET
    expected_version: int | None = None

    def to_changes(self) -> MeetingChanges:
        sent = Sent()
        attendees = sent.value(self.attendee_ids, "attendeeIds")
        objectives = sent.value(self.objective_ids, "objectiveIds")
        follow_ups = sent.value(self.follow_up_action_ids, "followUpActionIds")
        changes = MeetingChanges(
            kind=sent.value(self.kind, "kind"),
            title=sent.value(self.title, "title"),
            held_on=sent.value(self.held_on, "heldOn"),
            cycle_id=sent.nullable(self.cycle_id),
            unit_id=sent.nullable(self.unit_id),
            attendee_ids=attendees if attendees is UNSET else tuple(attendees),
            objective_ids=objectives if objectives is UNSET else tuple(objectives),
            findings=sent.value(self.findings, "findings"),
            follow_up_action_ids=follow_ups if follow_ups is UNSET else tuple(follow_ups),
        )
        sent.check()
        return changes


@strawberry.input(description="Deletes a meeting's record; its follow-up actions stay.")
class DeleteMeetingInput:
    id: UUID
    expected_version: int | None = None


@strawberry.type
class CreateMeetingPayload:
    meeting: Meeting


@strawberry.type
class UpdateMeetingPayload:
    meeting: Meeting


@strawberry.type
class DeleteMeetingPayload:
    deleted_meeting_id: UUID


# -- comments --------------------------------------------------------------------------------


@strawberry.type(
    description="A comment on an objective, a key result or an action, with the members it "
    "mentions (`@[Name](member-id)` in its body)."
)
class Comment:
    id: UUID
    target_type: CommentTarget
    target_id: UUID
    body: str = strawberry.field(description="With its mention markup as written.")
    mention_ids: list[UUID] = strawberry.field(
        description="The members mentioned, in the order of the body."
    )
    version: int
    created_at: datetime
    updated_at: datetime = strawberry.field(description="Later than createdAt once edited.")
    author_id: strawberry.Private[UUID]

    @classmethod
    def of(cls, c: domain_comments.Comment) -> Comment:
        return cls(
            id=c.id,
            target_type=c.target,
            target_id=c.target_id,
            body=c.body,
            mention_ids=list(c.mentions),
            version=c.version,
            created_at=c.created_at,
            updated_at=c.updated_at,
            author_id=c.author_id,
        )

    @field(description="Who wrote it.")
    async def author(self, info: Info) -> Member | None:
        found = await info.context.loaders.member.load(self.author_id)
        return Member.of(found) if found else None

    @field(description="The members it mentions, in the order of the body.")
    async def mentioned(self, info: Info) -> list[Member]:
        return await _members(info, tuple(self.mention_ids))


@strawberry.input(
    description="A comment on a target you may see. Mentions (`@[Name](member-id)`) name "
    "members of your organization only (`validation_failed`, `unknown_member` on "
    f"`mentions[i]`); at most {domain_comments.MENTIONS_MAX}."
)
class AddCommentInput:
    target_type: CommentTarget
    target_id: UUID
    body: str


@strawberry.input(description="Replaces the body of your own comment; mentions are read again.")
class UpdateCommentInput:
    id: UUID
    body: str
    expected_version: int | None = None


@strawberry.input(description="Deletes a comment: its author, or an admin.")
class DeleteCommentInput:
    id: UUID
    expected_version: int | None = None


@strawberry.type
class AddCommentPayload:
    comment: Comment


@strawberry.type
class UpdateCommentPayload:
    comment: Comment


@strawberry.type
class DeleteCommentPayload:
    deleted_comment_id: UUID


# -- work plans ------------------------------------------------------------------------------


@strawberry.type(description="How many actions are in each status, and how many are overdue.")
class StatusCounts:
    todo: int
    doing: int
    done: int
    blocked: int
    total: int
    overdue: int = strawberry.field(
        description="Not done and due before today (the organization's time zone)."
    )

    @classmethod
    def of(cls, c: domain_work_plans.StatusCounts) -> StatusCounts:
        return cls(
            todo=c.of(ActionStatus.TODO),
            doing=c.of(ActionStatus.DOING),
            done=c.of(ActionStatus.DONE),
            blocked=c.of(ActionStatus.BLOCKED),
            total=c.total,
            overdue=c.overdue or 0,
        )


@strawberry.type(description="The actions due in one calendar month of the cycle (月度计划).")
class MonthPlan:
    key: str = strawberry.field(description="2026-03")
    year: int
    month: int
    start: date = strawberry.field(description="Its first day in the cycle.")
    end: date = strawberry.field(description="Its last day in the cycle.")
    counts: StatusCounts
    actions: list[Action] = strawberry.field(description="By due date, then creation.")

    @classmethod
    def of(cls, m: domain_work_plans.MonthPlan) -> MonthPlan:
        return cls(
            key=m.key,
            year=m.year,
            month=m.month,
            start=m.start,
            end=m.end,
            counts=StatusCounts.of(m.counts),
            actions=[Action.of(a) for a in m.actions],
        )


@strawberry.type(description="A calendar quarter of the cycle (季度计划) and its months.")
class QuarterPlan:
    key: str = strawberry.field(description="2026-Q1")
    year: int
    quarter: int = strawberry.field(description="1 to 4.")
    start: date
    end: date
    counts: StatusCounts = strawberry.field(description="The sum of its months'.")
    months: list[MonthPlan]

    @classmethod
    def of(cls, q: domain_work_plans.QuarterPlan) -> QuarterPlan:
        return cls(
            key=q.key,
            year=q.year,
            quarter=q.quarter,
            start=q.start,
            end=q.end,
            counts=StatusCounts.of(q.counts),
            months=[MonthPlan.of(m) for m in q.months],
        )


@strawberry.type(description="Actions outside the months: unscheduled, or due outside the cycle.")
class PlanGroup:
    counts: StatusCounts
    actions: list[Action]

    @classmethod
    def of(cls, g: domain_work_plans.PlanGroup) -> PlanGroup:
        return cls(counts=StatusCounts.of(g.counts), actions=[Action.of(a) for a in g.actions])


@strawberry.type(
    description="A member's or a unit's actions for a cycle by calendar quarter and month "
    "(工作计划), only on key results you may see."
)
class WorkPlan:
    cycle: Cycle
    today: date = strawberry.field(description="Today in the organization's time zone.")
    counts: StatusCounts = strawberry.field(description="Of every action in the plan.")
    quarters: list[QuarterPlan]
    unscheduled: PlanGroup = strawberry.field(description="Actions without a due date.")
    outside_cycle: PlanGroup = strawberry.field(description="Actions due outside the cycle.")
    member_id: strawberry.Private[UUID | None]
    unit_id: strawberry.Private[UUID | None]

    @classmethod
    def of(cls, view: WorkPlanView) -> WorkPlan:
        plan = view.plan
        assert plan.today is not None  # the use case always plans as of today
        return cls(
            cycle=Cycle.of(view.cycle),
            today=plan.today,
            counts=StatusCounts.of(plan.counts),
            quarters=[QuarterPlan.of(q) for q in plan.quarters],
            unscheduled=PlanGroup.of(plan.unscheduled),
            outside_cycle=PlanGroup.of(plan.outside_cycle),
            member_id=view.member_id,
            unit_id=view.unit_id,
        )

    @field(description="Whose plan, for a member's.")
    async def member(self, info: Info) -> Member | None:
        if self.member_id is None:
            return None
        found = await info.context.loaders.member.load(self.member_id)
        return Member.of(found) if found else None

    @field(description="Whose plan, for a unit's.")
    async def unit(self, info: Info) -> OrgUnit | None:
        if self.unit_id is None:
            return None
        found = await info.context.loaders.unit.load(self.unit_id)
        return OrgUnit.of(found) if found else None


# -- queries ---------------------------------------------------------------------------------


@strawberry.type
class ManagementQuery:
    @field(description="The organization's review meetings, oldest first, a page at a time.")
    async def meetings(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        filter: MeetingFilterInput | None = None,
    ) -> Connection[Meeting]:
        ctx = info.context
        page = page_request(first, after)
        filters = (filter or MeetingFilterInput()).to_filter()
        found = await meetings.list_meetings(ctx.deps, ctx.principal, filters, page)
        return connection(found, Meeting.of, lambda v: v.meeting.id)

    @field(description="One meeting of the organization (else `not_found`).")
    async def meeting(self, info: Info, id: UUID) -> Meeting | None:
        ctx = info.context
        return Meeting.of(await meetings.get_meeting(ctx.deps, ctx.principal, id))

    @field(
        description="The comments on an objective, a key result or an action you may see "
        "(else `not_found`), oldest first."
    )
    async def comments(
        self,
        info: Info,
        target_type: CommentTarget,
        target_id: UUID,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Comment]:
        ctx = info.context
        page = page_request(first, after)
        found = await comments.list_comments(ctx.deps, ctx.principal, target_type, target_id, page)
        return connection(found, Comment.of, lambda c: c.id)

    @field(description="One comment, if you may see its target (else `not_found`).")
    async def comment(self, info: Info, id: UUID) -> Comment | None:
        ctx = info.context
        return Comment.of(await comments.get_comment(ctx.deps, ctx.principal, id))

    @field(
        description="The comments mentioning you, newest first, on targets you may see now "
        "(a member's token only)."
    )
    async def mentions_of_me(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Comment]:
        ctx = info.context
        page = page_request(first, after)
        found = await comments.mentions_of_me(ctx.deps, ctx.principal, page)
        return connection(found, Comment.of, lambda c: c.id)

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


# -- mutations -------------------------------------------------------------------------------


@strawberry.type
class ManagementMutation:
    @mutation(
        description="Record a meeting: admins and managers any, a unit's lead those of the "
        "unit and the units under it."
    )
    async def create_meeting(self, info: Info, input: CreateMeetingInput) -> CreateMeetingPayload:
        ctx = info.context
        view = await meetings.create_meeting(ctx.deps, ctx.principal, input.to_new())
        ctx.forget_loaded()
        return CreateMeetingPayload(meeting=Meeting.of(view))

    @mutation(description="Change a meeting (those who may record it).")
    async def update_meeting(self, info: Info, input: UpdateMeetingInput) -> UpdateMeetingPayload:
        ctx = info.context
        view = await meetings.update_meeting(
            ctx.deps,
            ctx.principal,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        ctx.forget_loaded()
        return UpdateMeetingPayload(meeting=Meeting.of(view))

    @mutation(description="Delete a meeting's record (those who may record it).")
    async def delete_meeting(self, info: Info, input: DeleteMeetingInput) -> DeleteMeetingPayload:
        ctx = info.context
        await meetings.delete_meeting(
            ctx.deps, ctx.principal, input.id, expected_version=input.expected_version
        )
        ctx.forget_loaded()
        return DeleteMeetingPayload(deleted_meeting_id=input.id)

    @mutation(description="Comment on an objective, a key result or an action you may see.")
    async def add_comment(self, info: Info, input: AddCommentInput) -> AddCommentPayload:
        ctx = info.context
        made = await comments.add_comment(
            ctx.deps, ctx.principal, input.target_type, input.target_id, input.body
        )
        ctx.forget_loaded()
        return AddCommentPayload(comment=Comment.of(made))

    @mutation(description="Edit your own comment.")
    async def update_comment(self, info: Info, input: UpdateCommentInput) -> UpdateCommentPayload:
        ctx = info.context
        edited = await comments.update_comment(
            ctx.deps, ctx.principal, input.id, input.body, expected_version=input.expected_version
        )
        ctx.forget_loaded()
        return UpdateCommentPayload(comment=Comment.of(edited))

    @mutation(description="Delete a comment: its author, or an admin.")
    async def delete_comment(self, info: Info, input: DeleteCommentInput) -> DeleteCommentPayload:
        ctx = info.context
        await comments.delete_comment(
            ctx.deps, ctx.principal, input.id, expected_version=input.expected_version
        )
        ctx.forget_loaded()
        return DeleteCommentPayload(deleted_comment_id=input.id)
