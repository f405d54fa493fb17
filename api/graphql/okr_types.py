"""Output types of OKRs: objectives, key results and check-ins.

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
from typing import TYPE_CHECKING, Annotated, TypeVar
from uuid import UUID

import strawberry

from api.actions.graphql import Action
from api.graphql.connections import (
    AFTER,
    FIRST,
    Connection,
    connection,
    page_request,
)
from api.graphql.context import Info
from api.graphql.enums import (
    ActionStatus,
    Direction,
    Grade,
    MetricKind,
    TrackStatus,
)
from api.graphql.fields import field
from api.members.graphql import Member
from domain import okrs
from domain.errors import NotFound
from domain.okrs import Cadence
from service import checkins
from service.key_results import UpdateDue as UpdateDueRecord
from service.pagination import DEFAULT_LIMIT
from service.scores import KeyResultView, ObjectiveView

if TYPE_CHECKING:
    from api.objectives.graphql import Objective

T = TypeVar("T")

# Objectives point back at their key results: their module loads on first use.
ObjectiveNode = Annotated["Objective", strawberry.lazy("api.objectives.graphql")]

# Registered here, next to the KR type that shows it (values are names: WEEKLY).
strawberry.enum(
    Cadence,
    description="How often a key result's owner checks in: DAILY, WEEKLY (the default), "
    "BIWEEKLY or MONTHLY. Past it (the last check-in, else the KR's creation, plus 1, 7 or "
    "14 days or one calendar month on the organization's calendar) the KR is stale.",
)


# -- scores --------------------------------------------------------------------------------


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
    async def objective(self, info: Info) -> ObjectiveNode:
        from api.objectives.graphql import Objective

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
