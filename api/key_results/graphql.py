"""Key results and check-ins in the graph: the ``KeyResult`` and ``CheckIn`` types' edges,
the ``keyResult``, ``keyResults`` and ``updatesDue`` queries, and the mutations that create,
change, move, score, delete and check in on a KR.

The fields of ``KeyResult``, ``CheckIn`` and of the inputs are the shapes of
``api.key_results.shapes``; only what GraphQL adds is here: the edges (a KR's owner, latest
check-in, check-ins, actions and objective; a check-in's author and KR, which point at each
other), the node ids and ``expectedVersion`` of the inputs, the list filter, and the payloads.
``asOf`` (time travel) reads the scores as they stood then; what an edge loads through the
request's DataLoaders is read as it stands now.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from pydantic import BaseModel, Field, InstanceOf

from api.actions.graphql import Action
from api.graphql.as_of import AS_OF, parse_as_of
from api.graphql.connections import (
    AfterArg,
    Connection,
    FirstArg,
    SortArg,
    UpdatedSinceArg,
    connection,
    page_request,
    sorted_connection,
)
from api.graphql.context import Info
from api.graphql.enums import ActionStatus
from api.graphql.fields import field, mutation, present
from api.graphql.mutations import NodeId, write
from api.key_results.shapes import (
    AllocationOut,
    BulkItemError,
    CheckInBulk,
    CheckInBulkItem,
    CheckInCreate,
    CheckInOut,
    FinalScore,
    KeyResultCreate,
    KeyResultMove,
    KeyResultOut,
    KeyResultPatch,
)
from api.members.graphql import Member
from service import checkins, key_results, quotas
from service.checkins import BULK_CHECK_INS_MAX, BulkAnswer, BulkItem, Outcome
from service.key_results import UpdateDue as UpdateDueRecord
from service.okr_ports import KeyResultFilter
from service.pagination import DEFAULT_LIMIT, Sort
from service.scores import KeyResultView, ObjectiveView

if TYPE_CHECKING:
    from api.objectives.graphql import Objective

# Objectives point back at their key results: their module loads on first use.
ObjectiveNode = Annotated["Objective", strawberry.lazy("api.objectives.graphql")]
# A check-in points back at its KR: strawberry.pydantic resolves an edge's type while it
# decorates the class, before ``KeyResult`` exists, so the type is named lazily.
KeyResultNode = Annotated["KeyResult", strawberry.lazy("api.key_results.graphql")]


# The published ``MilestoneInput`` lists the id last (REST's body first).


@strawberry.pydantic.type(description="One immutable update of a key result (进度更新).")
class CheckIn(CheckInOut):
    # The graph links the KR itself (the edge below).
    key_result_id: strawberry.Private[UUID]

    @strawberry.pydantic.field(description="The member who checked in; null for an integration.")
    async def author_member(self, info: Info) -> Member | None:
        try:
            member_id = UUID(self.author)
        except ValueError:
            return None
        found = await info.context.loaders.member.load(member_id)
        return Member.of(found) if found else None

    @strawberry.pydantic.field(description="The key result checked in on.")
    async def key_result(self, info: Info) -> KeyResultNode | None:
        found = await info.context.loaders.key_result.load(self.key_result_id)
        return KeyResult.of(found) if found else None


@strawberry.pydantic.type(
    description="A measurable result of an objective (关键结果), with its score."
)
class KeyResult(KeyResultOut):
    # The graph links these itself (edges below); REST's fields stay for the resolvers.
    objective_id: strawberry.Private[UUID]
    owner_id: strawberry.Private[UUID]
    # The use case's views: the latest check-in, and the objective when it was read along.
    view: strawberry.Private[InstanceOf[KeyResultView]]
    objective_view: strawberry.Private[InstanceOf[ObjectiveView] | None] = None

    @strawberry.pydantic.field(description="The KR's owner: a KR always has exactly one.")
    async def owner(self, info: Info) -> Member:
        return Member.of(present(await info.context.loaders.member.load(self.owner_id), "owner"))

    @strawberry.pydantic.field(
        description="The latest check-in (the current value), loaded with the KR itself."
    )
    def latest_check_in(self) -> CheckIn | None:
        latest = self.view.latest
        return CheckIn.of(latest) if latest is not None else None

    @strawberry.pydantic.field(
        description="Every check-in, newest first, a page at a time. One query per KR: to "
        "list many KRs, ask for `latestCheckIn` instead."
    )
    async def check_ins(
        self, info: Info, first: FirstArg = DEFAULT_LIMIT, after: AfterArg = None
    ) -> Connection[CheckIn]:
        ctx = info.context
        page = page_request(first, after)
        found = await checkins.check_in_history(ctx.deps, ctx.principal, self.id, page)
        return connection(found, CheckIn.of, lambda c: c.id)

    @strawberry.pydantic.field(
        description="Its actions, oldest first, optionally only those of a status or owner."
    )
    async def actions(
        self, info: Info, status: ActionStatus | None = None, owner_id: UUID | None = None
    ) -> list[Action]:
        found = await info.context.loaders.actions_of_key_result.load(self.id)
        return [
            Action.of(a)
            for a in found
            if (status is None or a.status is status)
            and (owner_id is None or a.owner_id == owner_id)
        ]

    @strawberry.pydantic.field(
        description="Whether the targets of the key results contributing to it (that you may "
        "see) cover its own, with their current values (as of `asOf` when given, as REST's "
        "`?as_of=`). One query per KR: ask for it on a few KRs, not on a long list."
    )
    async def allocation(
        self,
        info: Info,
        as_of: Annotated[str | None, strawberry.argument(description=AS_OF)] = None,
    ) -> AllocationOut:
        ctx = info.context
        view = await quotas.key_result_allocation(
            ctx.deps, ctx.principal, self.id, as_of=parse_as_of(as_of)
        )
        return AllocationOut.of_view(view)

    @strawberry.pydantic.field(
        description="The objective it measures (seen by whoever sees the KR)."
    )
    async def objective(self, info: Info) -> ObjectiveNode:
        from api.objectives.graphql import Objective

        if self.objective_view is not None:
            return Objective.of(self.objective_view)
        found = await info.context.loaders.objective.load(self.objective_id)
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


# -- inputs --------------------------------------------------------------------------------


class _ObjectiveId(BaseModel):
    objective_id: UUID


class _KeyResultId(BaseModel):
    key_result_id: UUID


@strawberry.pydantic.input(
    description="A new key result; it always has an owner. A direction that contradicts "
    "start and target is `direction_contradicts_target`."
)
class CreateKeyResultInput(KeyResultCreate, _ObjectiveId):
    pass


# The published input lists the unit and currency after the direction.


@strawberry.pydantic.input(
    description="Send only what changes; null clears unit, currency or confidence. "
    "`milestones` replaces the list. The value changes only through check-ins."
)
class UpdateKeyResultInput(KeyResultPatch, NodeId):
    expected_version: int | None = None


@strawberry.pydantic.input(
    description="Moves a KR, with its check-ins and actions, to another objective of the "
    "same cycle."
)
class MoveKeyResultInput(KeyResultMove, NodeId):
    expected_version: int | None = None


@strawberry.pydantic.input(
    description="At cycle close: the KR's final score (0 to 1) with a required reason."
)
class SetFinalScoreInput(FinalScore, NodeId):
    expected_version: int | None = None


@strawberry.pydantic.input(description="Deletes a KR never checked in on; its actions go with it.")
class DeleteKeyResultInput(NodeId):
    expected_version: int | None = None


@strawberry.pydantic.input(
    description="A KR's new value (or, for a milestones KR, the milestones done), with a "
    "confidence and a note. History is never rewritten: a correction is a new check-in."
)
class CheckInInput(CheckInCreate, _KeyResultId):
    expected_version: int | None = Field(
        default=None,
        description="The KR's version you read: refused (STALE_VERSION) when it changed since.",
    )


@strawberry.pydantic.input(
    description="One check-in of a bulk call: a KR and what `checkIn` takes (no expected version)."
)
class BulkCheckInItemInput(CheckInBulkItem):
    pass


@strawberry.pydantic.input(
    description=f"1 to {BULK_CHECK_INS_MAX} check-ins (a nightly sync), each answered on its own."
)
class BulkCheckInInput(CheckInBulk):
    # Each item is GraphQL's input type (a list of the subclass overrides a list of the base).
    items: list[BulkCheckInItemInput] = Field(  # type: ignore[assignment]
        min_length=1,
        max_length=BULK_CHECK_INS_MAX,
        description=f"1 to {BULK_CHECK_INS_MAX} check-ins, each answered on its own.",
    )


@strawberry.input(description="Narrows `keyResults`; every field given must match.")
class KeyResultFilterInput:
    cycle_id: UUID | None = strawberry.field(default=None, description="The objective's cycle.")
    objective_id: UUID | None = None
    owner_id: UUID | None = strawberry.field(default=None, description="The member owning the KR.")
    stale: bool | None = strawberry.field(
        default=None,
        description="true: only KRs whose check-in is overdue now (the last check-in, else "
        "the KR's creation, plus its cadence, on the organization's calendar; only KRs of "
        "active objectives in cycles not closed, without a final score); false: the others.",
    )

    def to_filter(self) -> KeyResultFilter:
        return KeyResultFilter(
            cycle_id=self.cycle_id,
            objective_id=self.objective_id,
            owner_id=self.owner_id,
            stale=self.stale,
        )


# -- queries ---------------------------------------------------------------------------------


@strawberry.type
class KeyResultQuery:
    @field(
        description="One key result with its current value and score (else `not_found`); "
        "with `asOf`, its value and score as they stood then (its latest check-in by then, "
        "no final score set later; `not_found` if it did not exist yet)."
    )
    async def key_result(
        self,
        info: Info,
        id: UUID,
        as_of: Annotated[str | None, strawberry.argument(description=AS_OF)] = None,
    ) -> KeyResult | None:
        ctx = info.context
        view = await key_results.get_key_result(
            ctx.deps, ctx.principal, id, as_of=parse_as_of(as_of)
        )
        return KeyResult.of(view)

    @field(
        description="Key results of the objectives you may see (private objectives of "
        "others are absent) in `sort` order (oldest first by default), a page at a time, "
        "each with its score; a check-in moves its KR's `updatedAt`. "
        "`filter: {stale: true, cycleId}`: those whose check-in is overdue now."
    )
    async def key_results(
        self,
        info: Info,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        filter: KeyResultFilterInput | None = None,
        sort: SortArg = Sort.CREATED_AT,
        updated_since: UpdatedSinceArg = None,
    ) -> Connection[KeyResult]:
        ctx = info.context
        page = page_request(first, after, sort=sort, updated_since=updated_since)
        filters = (filter or KeyResultFilterInput()).to_filter()
        found = await key_results.find_key_results(ctx.deps, ctx.principal, filters, page)
        return sorted_connection(found, KeyResult.of, lambda v: v.key_result)

    @field(
        description="What needs your update: the KRs you own whose check-in is overdue now "
        "(stale), of objectives you may see, oldest KR first, each with when it fell due; "
        "`cycleId` narrows it to one cycle. A member's token only (`forbidden` otherwise)."
    )
    async def updates_due(
        self,
        info: Info,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        cycle_id: UUID | None = None,
    ) -> Connection[UpdateDue]:
        ctx = info.context
        page = page_request(first, after)
        found = await key_results.updates_due(ctx.deps, ctx.principal, page, cycle_id=cycle_id)
        return connection(found, UpdateDue.of, lambda d: d.key_result.key_result.id)


# -- payloads and mutations ------------------------------------------------------------------


@strawberry.type
class CreateKeyResultPayload:
    key_result: KeyResult


@strawberry.type
class UpdateKeyResultPayload:
    key_result: KeyResult


@strawberry.type
class MoveKeyResultPayload:
    key_result: KeyResult


@strawberry.type
class SetFinalScorePayload:
    key_result: KeyResult


@strawberry.type
class DeleteKeyResultPayload:
    deleted_key_result_id: UUID


@strawberry.type
class CheckInPayload:
    check_in: CheckIn
    duplicate: bool = strawberry.field(
        default=False,
        description="True when the KR had a check-in with this `externalId`: `checkIn` is "
        "that one, and nothing changed.",
    )

    @field(description="The key result with its new current value and score.")
    async def key_result(self, info: Info) -> KeyResult | None:
        found = await info.context.loaders.key_result.load(self.check_in.key_result_id)
        return KeyResult.of(found) if found else None


@strawberry.pydantic.type(
    name="BulkCheckInFieldError", description="A field of a refused item, and why."
)
class BulkItemFieldErrorType(BaseModel):
    field: str
    message: str
    code: str


@strawberry.pydantic.type(
    name="BulkCheckInError",
    description="Why an item was refused: the `code`, message and field errors a single "
    "`checkIn` would have been answered with.",
)
class BulkItemErrorType(BulkItemError):
    errors: list[BulkItemFieldErrorType]  # type: ignore[assignment]


@strawberry.type(description="The answer to one item of `checkInBulk`, in the items' order.")
class BulkCheckInResult:
    index: int = strawberry.field(description="The item's position in `items`, from 0.")
    key_result_id: UUID
    outcome: Outcome
    check_in: CheckIn | None = strawberry.field(
        description="Applied: the new check-in; duplicate: the one stored with its external "
        "id; refused: null."
    )
    error: BulkItemErrorType | None = strawberry.field(description="Refused: why.")


@strawberry.type
class BulkCheckInPayload:
    items: list[BulkCheckInResult]
    applied: int
    duplicates: int
    refused: int

    @classmethod
    def of(cls, items: list[BulkItem], answers: list[BulkAnswer]) -> BulkCheckInPayload:
        # GraphQL's ID scalar read every item's KR id: only a REST item may have none.
        assert all(item.key_result_id is not None for item in items)
        counts = Counter(a.outcome for a in answers)
        return cls(
            items=[
                BulkCheckInResult(
                    index=index,
                    key_result_id=item.key_result_id,  # type: ignore[arg-type]
                    outcome=answer.outcome,
                    check_in=CheckIn.of(answer.check_in) if answer.check_in else None,
                    error=BulkItemErrorType.of(answer.error) if answer.error else None,
                )
                for index, (item, answer) in enumerate(zip(items, answers, strict=True))
            ],
            applied=counts[Outcome.APPLIED],
            duplicates=counts[Outcome.DUPLICATE],
            refused=counts[Outcome.REFUSED],
        )


@strawberry.type
class KeyResultMutation:
    @mutation(description="Add a key result to an objective you may edit.")
    async def create_key_result(
        self, info: Info, input: CreateKeyResultInput
    ) -> CreateKeyResultPayload:
        view = await write(info, key_results.create_key_result, input.objective_id, input.to_new())
        return CreateKeyResultPayload(key_result=KeyResult.of(view))

    @mutation(description="Change a key result (its value changes only through check-ins).")
    async def update_key_result(
        self, info: Info, input: UpdateKeyResultInput
    ) -> UpdateKeyResultPayload:
        view = await write(
            info,
            key_results.update_key_result,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        return UpdateKeyResultPayload(key_result=KeyResult.of(view))

    @mutation(description="Move a key result to another objective of the same cycle.")
    async def move_key_result(self, info: Info, input: MoveKeyResultInput) -> MoveKeyResultPayload:
        view = await write(
            info,
            key_results.move_key_result,
            input.id,
            input.objective_id,
            expected_version=input.expected_version,
        )
        return MoveKeyResultPayload(key_result=KeyResult.of(view))

    @mutation(
        description="Admins or the KR owner's managers set its final score with a reason; "
        "allowed on closed cycles; audited."
    )
    async def set_final_score(self, info: Info, input: SetFinalScoreInput) -> SetFinalScorePayload:
        view = await write(
            info,
            key_results.set_final_score,
            input.id,
            score=input.score,
            reason=input.reason,
            expected_version=input.expected_version,
        )
        return SetFinalScorePayload(key_result=KeyResult.of(view))

    @mutation(
        description="Delete a key result never checked in on (`key_result_has_check_ins`) "
        "and, for a sum, never added into (`key_result_has_history`)."
    )
    async def delete_key_result(
        self, info: Info, input: DeleteKeyResultInput
    ) -> DeleteKeyResultPayload:
        await write(
            info, key_results.delete_key_result, input.id, expected_version=input.expected_version
        )
        return DeleteKeyResultPayload(deleted_key_result_id=input.id)

    @mutation(
        description="Check in on a key result: its new current value. With an `externalId` "
        "the KR already has, nothing is stored: `duplicate` and that check-in."
    )
    async def check_in(self, info: Info, input: CheckInInput) -> CheckInPayload:
        recorded = await write(
            info,
            checkins.record_check_in,
            input.key_result_id,
            input.to_new(),
            expected_version=input.expected_version,
        )
        return CheckInPayload(check_in=CheckIn.of(recorded.check_in), duplicate=recorded.duplicate)

    @mutation(
        description=f"Check in on many KRs at once (1 to {BULK_CHECK_INS_MAX}, a nightly "
        "sync): each item answered on its own, APPLIED, DUPLICATE (its `externalId` was the "
        "KR's already) or REFUSED with the error a single `checkIn` would get; a refused item "
        "does not stop the others, and the applied ones are stored in one transaction."
    )
    async def check_in_bulk(self, info: Info, input: BulkCheckInInput) -> BulkCheckInPayload:
        items = input.to_items()
        answers = await write(info, checkins.check_in_bulk, items)
        return BulkCheckInPayload.of(items, answers)
