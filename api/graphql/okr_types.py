"""Output types of OKRs: objectives, key results, check-ins, actions and audit events.

Decimals are the ``Decimal`` scalar, serialized as strings ("0.6000") like REST. Nodes are
built from the use cases' views (``ObjectiveView`` carries its KRs' views and every score),
so an objective's ``keyResults``, ``score`` and each KR's ``latestCheckIn`` cost nothing
more; owners, cycles, alignment links and actions load through the request's DataLoaders.
Objectives and KRs the caller may not see (private, or another organization's) are
``null`` wherever a link points at them, exactly like ones that do not exist.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, TypeVar
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from api.cycles.graphql import Cycle
from api.graphql.as_of import AS_OF, parse_as_of
from api.graphql.connections import (
    AFTER,
    FIRST,
    Connection,
    connection,
    page_request,
    sorted_connection,
)
from api.graphql.context import Info
from api.graphql.enums import (
    ActionStatus,
    Direction,
    Grade,
    Level,
    MetricKind,
    ObjectiveStatus,
    OwnerKind,
    TrackStatus,
    Visibility,
)
from api.graphql.fields import field
from api.members.graphql import Member
from api.units.graphql import OrgUnit
from domain import okrs
from domain.errors import NotFound
from domain.okrs import Cadence
from service import alignment, checkins, objectives
from service.key_results import UpdateDue as UpdateDueRecord
from service.okr_ports import AuditEvent as AuditEventRecord
from service.okr_ports import ObjectiveFilter
from service.pagination import DEFAULT_LIMIT, Sort
from service.scores import KeyResultView, ObjectiveView

T = TypeVar("T")

# Registered here, next to the KR type that shows it (values are names: WEEKLY).
strawberry.enum(
    Cadence,
    description="How often a key result's owner checks in: DAILY, WEEKLY (the default), "
    "BIWEEKLY or MONTHLY. Past it (the last check-in, else the KR's creation, plus 1, 7 or "
    "14 days or one calendar month on the organization's calendar) the KR is stale.",
)


# -- scores --------------------------------------------------------------------------------


@strawberry.type(
    description="An objective's score, derived on every read from its KRs' latest check-ins "
    "(0 to 1, four decimal places)."
)
class ObjectiveScore:
    progress: Decimal | None = strawberry.field(
        description="The weighted mean of its KRs' scores (or, for a roll-up objective "
        "without KRs, of the objectives aligned to it); null while there is nothing to measure."
    )
    grade: Grade | None
    expected_progress: Decimal = strawberry.field(
        description="The elapsed share of the cycle, in the organization's time zone."
    )
    track_status: TrackStatus | None = strawberry.field(
        description="The progress against the expected progress; null while there is "
        "nothing to measure."
    )
    rolled_up: bool = strawberry.field(
        description="The progress comes from the objectives aligned to it (a roll-up "
        "objective without KRs of its own), over those you may see."
    )

    @classmethod
    def of(cls, v: ObjectiveView) -> ObjectiveScore:
        return cls(
            progress=v.progress,
            grade=v.grade,
            expected_progress=v.expected_progress,
            track_status=v.status,
            rolled_up=v.rolled_up,
        )


@strawberry.type(
    description="A key result's score, derived on every read from its latest check-in."
)
class KeyResultScore:
    progress: Decimal = strawberry.field(
        description="clamp((current - start) / (target - start)); milestones: weight done."
    )
    score: Decimal = strawberry.field(description="The progress, or the final score once set.")
    grade: Grade
    expected_progress: Decimal = strawberry.field(description="The elapsed share of the cycle.")
    track_status: TrackStatus = strawberry.field(
        description="The progress against the expected progress (the pace)."
    )

    @classmethod
    def of(cls, v: KeyResultView) -> KeyResultScore:
        return cls(
            progress=v.progress,
            score=v.score,
            grade=v.grade,
            expected_progress=v.expected_progress,
            track_status=v.status,
        )


# -- check-ins -----------------------------------------------------------------------------


@strawberry.type(description="One immutable update of a key result (进度更新).")
class CheckIn:
    id: UUID
    author: str = strawberry.field(
        description="Who checked in: a member id, or `service:<client>` for an integration."
    )
    value: Decimal | None = strawberry.field(
        description="The KR's value as of this check-in; null for milestones KRs."
    )
    milestones_done: list[UUID] | None = strawberry.field(
        description="Milestones KRs: the milestones done as of this check-in."
    )
    confidence: int | None = strawberry.field(description="0 to 10.")
    note: str = strawberry.field(description="What happened.")
    blockers: str = strawberry.field(description="What blocks.")
    created_at: datetime
    key_result_id: strawberry.Private[UUID]

    @classmethod
    def of(cls, c: okrs.CheckIn) -> CheckIn:
        return cls(
            id=c.id,
            author=c.author,
            value=c.value,
            milestones_done=list(c.milestones_done) if c.milestones_done is not None else None,
            confidence=c.confidence,
            note=c.note,
            blockers=c.blockers,
            created_at=c.created_at,
            key_result_id=c.key_result_id,
        )

    @field(description="The member who checked in; null for an integration.")
    async def author_member(self, info: Info) -> Member | None:
        try:
            member_id = UUID(self.author)
        except ValueError:
            return None
        found = await info.context.loaders.member.load(member_id)
        return Member.of(found) if found else None

    @field(description="The key result checked in on.")
    async def key_result(self, info: Info) -> KeyResult | None:
        found = await info.context.loaders.key_result.load(self.key_result_id)
        return KeyResult.of(found) if found else None


# -- actions -------------------------------------------------------------------------------


@strawberry.type(
    description="A concrete task serving a key result (行动): an owner, a due date, a "
    "completion standard, and an acceptance once done."
)
class Action:
    id: UUID
    title: str
    due_date: date | None
    status: ActionStatus
    completion_standard: str | None = strawberry.field(description="What done means.")
    accepted_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    owner_id: strawberry.Private[UUID | None]
    accepted_by_id: strawberry.Private[UUID | None]
    key_result_id: strawberry.Private[UUID]

    @classmethod
    def of(cls, a: okrs.Action) -> Action:
        return cls(
            id=a.id,
            title=a.title,
            due_date=a.due_date,
            status=a.status,
            completion_standard=a.completion_standard,
            accepted_at=a.accepted_at,
            version=a.version,
            created_at=a.created_at,
            updated_at=a.updated_at,
            owner_id=a.owner_id,
            accepted_by_id=a.accepted_by,
            key_result_id=a.key_result_id,
        )

    @field(description="Who does it; an action in progress always has one.")
    async def owner(self, info: Info) -> Member | None:
        return await _member(info, self.owner_id)

    @field(description="Who accepted it (the KR's owner or the action owner's manager).")
    async def accepted_by(self, info: Info) -> Member | None:
        return await _member(info, self.accepted_by_id)

    @field(description="The key result it serves.")
    async def key_result(self, info: Info) -> KeyResult | None:
        found = await info.context.loaders.key_result.load(self.key_result_id)
        return KeyResult.of(found) if found else None


def present(found: T | None, what: str) -> T:
    """A row a foreign key guarantees (an owner, a cycle); missing only if it vanished."""
    if found is None:
        raise NotFound(f"{what} not found")
    return found


async def _member(info: Info, member_id: UUID | None) -> Member | None:
    if member_id is None:
        return None
    found = await info.context.loaders.member.load(member_id)
    return Member.of(found) if found else None


# -- key results ---------------------------------------------------------------------------


@strawberry.type(description="A weighted step of a milestones KR, done as of the latest check-in.")
class Milestone:
    id: UUID
    title: str
    weight: Decimal
    done: bool


@strawberry.type(description="A measurable result of an objective (关键结果), with its score.")
class KeyResult:
    id: UUID
    title: str
    metric_kind: MetricKind
    unit: str | None = strawberry.field(description='What is counted: "customers", "days".')
    currency: str | None = strawberry.field(description="ISO 4217, for currency KRs.")
    start: Decimal
    target: Decimal
    direction: Direction
    weight: Decimal = strawberry.field(description="Its share of the objective's progress.")
    due_date: date
    confidence: int | None = strawberry.field(
        description="0 to 10: the latest check-in's, else the one set on the KR."
    )
    milestones: list[Milestone]
    current: Decimal | None = strawberry.field(
        description="The latest check-in's value; null before any (and for milestones KRs)."
    )
    last_check_in_at: datetime | None
    final_score: Decimal | None = strawberry.field(
        description="Set at cycle close, with a reason; it replaces the progress as the score."
    )
    final_score_reason: str | None
    score: KeyResultScore
    cadence: Cadence = strawberry.field(
        description="How often its owner checks in; past it the KR is stale."
    )
    kpi_id: UUID | None = strawberry.field(
        description="The KPI it follows: each new measurement of the KPI is a check-in of "
        "the KR (`linkKeyResultToKpi`); null when it follows none."
    )
    version: int
    created_at: datetime
    updated_at: datetime
    view: strawberry.Private[KeyResultView]
    objective_view: strawberry.Private[ObjectiveView | None]

    @classmethod
    def of(cls, v: KeyResultView, objective: ObjectiveView | None = None) -> KeyResult:
        kr = v.key_result
        latest = v.latest
        return cls(
            id=kr.id,
            title=kr.title,
            metric_kind=kr.metric_kind,
            unit=kr.unit,
            currency=kr.currency,
            start=kr.start,
            target=kr.target,
            direction=kr.direction,
            weight=kr.weight,
            due_date=kr.due_date,
            confidence=latest.confidence
            if latest is not None and latest.confidence is not None
            else kr.confidence,
            milestones=[
                Milestone(id=m.id, title=m.title, weight=m.weight, done=m.id in v.milestones_done)
                for m in kr.milestones
            ],
            current=v.current,
            last_check_in_at=latest.created_at if latest is not None else None,
            final_score=kr.final_score,
            final_score_reason=kr.final_score_reason,
            score=KeyResultScore.of(v),
            cadence=kr.cadence,
            kpi_id=kr.kpi_id,
            version=kr.version,
            created_at=kr.created_at,
            updated_at=kr.updated_at,
            view=v,
            objective_view=objective,
        )

    @field(description="The KR's owner: a KR always has exactly one.")
    async def owner(self, info: Info) -> Member:
        return present(await _member(info, self.view.key_result.owner_id), "owner")

    @field(description="The latest check-in (the current value), loaded with the KR itself.")
    def latest_check_in(self) -> CheckIn | None:
        latest = self.view.latest
        return CheckIn.of(latest) if latest is not None else None

    @field(
        description="Every check-in, newest first, a page at a time. One query per KR: to "
        "list many KRs, ask for `latestCheckIn` instead."
    )
    async def check_ins(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[CheckIn]:
        ctx = info.context
        page = page_request(first, after)
        found = await checkins.check_in_history(ctx.deps, ctx.principal, self.id, page)
        return connection(found, CheckIn.of, lambda c: c.id)

    @field(description="Its actions, oldest first, optionally only those of a status or owner.")
    async def actions(
        self,
        info: Info,
        status: ActionStatus | None = None,
        owner_id: UUID | None = None,
    ) -> list[Action]:
        found = await info.context.loaders.actions_of_key_result.load(self.id)
        return [
            Action.of(a)
            for a in found
            if (status is None or a.status is status)
            and (owner_id is None or a.owner_id == owner_id)
        ]

    @field(description="The objective it measures (seen by whoever sees the KR).")
    async def objective(self, info: Info) -> Objective:
        if self.objective_view is not None:
            return Objective.of(self.objective_view)
        found = await info.context.loaders.objective.load(self.view.key_result.objective_id)
        return Objective.of(present(found, "objective"))


@strawberry.type(description="A key result of yours whose check-in is overdue (stale).")
class UpdateDue:
    key_result: KeyResult
    last_check_in_at: datetime | None = strawberry.field(
        description="The KR's latest check-in; null before any."
    )
    due_at: datetime = strawberry.field(
        description="When the check-in fell due: the last check-in (else the KR's creation) "
        "plus its cadence, on the organization's calendar."
    )
    stale_since: datetime = strawberry.field(
        description="Since when the KR is stale: any instant after `dueAt` (the same instant)."
    )

    @classmethod
    def of(cls, due: UpdateDueRecord) -> UpdateDue:
        return cls(
            key_result=KeyResult.of(due.key_result),
            last_check_in_at=due.last_check_in_at,
            due_at=due.due_at,
            stale_since=due.stale_since,
        )


# -- objectives ----------------------------------------------------------------------------


ObjectiveOwner = Annotated[
    Member | OrgUnit,
    strawberry.union("ObjectiveOwner", description="A member, or an org unit (its lead answers)."),
]


@strawberry.type(description="An objective (目标) with its key results and score.")
class Objective:
    id: UUID
    title: str
    description: str
    owner_kind: OwnerKind
    level: Level
    status: ObjectiveStatus
    visibility: Visibility
    roll_up: bool = strawberry.field(
        description="Without KRs, take progress from the objectives aligned to it."
    )
    score: ObjectiveScore
    version: int
    created_at: datetime
    updated_at: datetime
    view: strawberry.Private[ObjectiveView]

    @classmethod
    def of(cls, v: ObjectiveView) -> Objective:
        o = v.objective
        return cls(
            id=o.id,
            title=o.title,
            description=o.description,
            owner_kind=o.owner_kind,
            level=o.level,
            status=o.status,
            visibility=o.visibility,
            roll_up=o.roll_up,
            score=ObjectiveScore.of(v),
            version=o.version,
            created_at=o.created_at,
            updated_at=o.updated_at,
            view=v,
        )

    @field(description="The cycle it belongs to.")
    async def cycle(self, info: Info) -> Cycle:
        found = await info.context.loaders.cycle.load(self.view.objective.cycle_id)
        return Cycle.of(present(found, "cycle"))

    @field(description="Who owns it: a member, or an org unit (see `ownerKind`).")
    async def owner(self, info: Info) -> ObjectiveOwner:
        o = self.view.objective
        loaders = info.context.loaders
        if o.owner_kind is OwnerKind.MEMBER:
            return Member.of(present(await loaders.member.load(o.owner_id), "owner"))
        return OrgUnit.of(present(await loaders.unit.load(o.owner_id), "owner"))

    @field(description="Its key results, oldest first, each with its score.")
    def key_results(self) -> list[KeyResult]:
        return [KeyResult.of(k, self.view) for k in self.view.key_results]

    @field(description="The objective it aligns to, if any (null if you may not see it).")
    async def parent(self, info: Info) -> Objective | None:
        return await _objective(info, self.view.objective.parent_objective_id)

    @field(
        description="The objectives aligned to it (whose `parent` it is), oldest first; only "
        "those you may see, as in the `objectives` list. Loaded for all objectives of a "
        "query at once. Objectives contributing to one of its KRs are under `parentKeyResult` "
        "on their side, and in `alignmentTree`."
    )
    async def children(self, info: Info) -> list[Objective]:
        found = await info.context.loaders.children.load(self.id)
        return [Objective.of(v) for v in found]

    @field(
        description="The key result of another objective it contributes to, if any (null if "
        "you may not see it)."
    )
    async def parent_key_result(self, info: Info) -> KeyResult | None:
        parent_id = self.view.objective.parent_key_result_id
        if parent_id is None:
            return None
        found = await info.context.loaders.key_result.load(parent_id)
        return KeyResult.of(found) if found else None

    @field(description="The objective it was carried over from (copied), if any.")
    async def source_objective(self, info: Info) -> Objective | None:
        return await _objective(info, self.view.objective.source_objective_id)

    @field(
        description="The path up to the company (对齐, 层层递进): this objective, then each "
        "objective it serves (aligned to it, or contributing to one of its KRs), up to the "
        "top, each with its KRs and scores; it stops below an objective you may not see "
        "(`hiddenAbove`). A few statements per objective it is asked on: ask for it on one "
        "objective, not on every node of a list."
    )
    async def alignment_path(
        self,
        info: Info,
        as_of: Annotated[str | None, strawberry.argument(description=AS_OF)] = None,
    ) -> AlignmentPath:
        ctx = info.context
        found = await alignment.alignment_path(
            ctx.deps, ctx.principal, self.id, as_of=parse_as_of(as_of)
        )
        return AlignmentPath(
            path=[Objective.of(v) for v in found.path], hidden_above=found.hidden_above
        )


@strawberry.type(description="An objective and what it serves, up to the top.")
class AlignmentPath:
    path: list[Objective] = strawberry.field(
        description="The objective first, then each objective it serves, upward."
    )
    hidden_above: bool = strawberry.field(
        description="The path goes on through an objective you may not see; it stops below it."
    )


async def _objective(info: Info, objective_id: UUID | None) -> Objective | None:
    if objective_id is None:
        return None
    found = await info.context.loaders.objective.load(objective_id)
    return Objective.of(found) if found else None


async def objective_connection(
    info: Info,
    filters: ObjectiveFilter,
    first: int,
    after: str | None,
    *,
    sort: Sort = Sort.CREATED_AT,
    updated_since: datetime | None = None,
) -> Connection[Objective]:
    """A page of the objectives the caller may see, each with its KRs and scores."""
    ctx = info.context
    page = page_request(first, after, sort=sort, updated_since=updated_since)
    found = await objectives.list_objectives(ctx.deps, ctx.principal, filters, page)
    return sorted_connection(found, Objective.of, lambda v: v.objective)


# -- audit ---------------------------------------------------------------------------------


@strawberry.type(description="Who changed what, with the values before and after (admins).")
class AuditEvent:
    id: UUID
    occurred_at: datetime
    actor: str = strawberry.field(description="A member id, or `service:<client>`.")
    action: str = strawberry.field(description='What happened, e.g. "key_result.final_scored".')
    resource_type: str = strawberry.field(
        description="objective, key_result, check_in, action, member, unit, cycle, organization..."
    )
    resource_id: UUID
    before: JSON | None = strawberry.field(description="The resource before; null on creation.")
    after: JSON | None = strawberry.field(description="The resource after; null on deletion.")

    @classmethod
    def of(cls, e: AuditEventRecord) -> AuditEvent:
        return cls(
            id=e.id,
            occurred_at=e.occurred_at,
            actor=e.actor,
            action=e.action,
            resource_type=e.resource_type,
            resource_id=e.resource_id,
            before=JSON(e.before) if e.before is not None else None,
            after=JSON(e.after) if e.after is not None else None,
        )
