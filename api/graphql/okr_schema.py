"""The OKR part of the schema: queries and mutations of objectives, key results, check-ins,
actions and the audit trail, and the alignment reads (tree, unit scores, coverage, cycle
stats; ``alignment_types``), over the same use cases as REST's /v1 routes.

``asOf`` (time travel) reads the scores as they stood then; what a field loads through the
request's DataLoaders (an objective's ``parent``, ``owner``, a tree node's ``objective``)
is read as it stands now.

``schema.Query`` and ``schema.Mutation`` inherit these fields. Every mutation takes one
input and returns a payload with the changed node; ``expectedVersion`` is REST's
``If-Match``. After a write the request's loaders are dropped, so nested fields of the
payload read the new state.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.alignment_types import (
    AlignmentCoverage,
    AlignmentTree,
    CycleStats,
    UnitScores,
)
from api.graphql.as_of import AS_OF, parse_as_of
from api.graphql.connections import (
    AFTER,
    FIRST,
    Connection,
    SortArg,
    UpdatedSinceArg,
    connection,
    page_request,
    sorted_connection,
)
from api.graphql.context import Info
from api.graphql.fields import field, mutation
from api.graphql.okr_inputs import (
    AcceptActionInput,
    AuditEventFilterInput,
    CheckInInput,
    CloseCycleObjectivesInput,
    CopyObjectiveInput,
    CreateActionInput,
    CreateKeyResultInput,
    CreateObjectiveInput,
    DeleteKeyResultInput,
    DeleteObjectiveInput,
    KeyResultFilterInput,
    MoveKeyResultInput,
    ObjectiveFilterInput,
    SetFinalScoreInput,
    UpdateActionInput,
    UpdateKeyResultInput,
    UpdateObjectiveInput,
)
from api.graphql.okr_types import (
    Action,
    AuditEvent,
    CheckIn,
    KeyResult,
    Objective,
    UpdateDue,
    objective_connection,
)
from service import actions, alignment, audit, checkins, key_results, objectives
from service.pagination import DEFAULT_LIMIT, Sort


@strawberry.type
class OkrQuery:
    @field(
        description="One objective with its KRs and scores (else `not_found`, as for one "
        "that is private to others); with `asOf`, its KRs and scores as they stood then "
        "(`not_found` if it did not exist yet)."
    )
    async def objective(
        self,
        info: Info,
        id: UUID,
        as_of: Annotated[str | None, strawberry.argument(description=AS_OF)] = None,
    ) -> Objective | None:
        ctx = info.context
        view = await objectives.get_objective(ctx.deps, ctx.principal, id, as_of=parse_as_of(as_of))
        return Objective.of(view)

    @field(
        description="Objectives you may see in `sort` order (oldest first by default), a "
        "page at a time, each with its KRs and scores; private objectives of others are "
        "absent. An objective's `updatedAt` moves whenever its representation does: its own "
        "fields, and its KRs created, edited, deleted or checked in on."
    )
    async def objectives(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        filter: ObjectiveFilterInput | None = None,
        sort: SortArg = Sort.CREATED_AT,
        updated_since: UpdatedSinceArg = None,
    ) -> Connection[Objective]:
        filters = (filter or ObjectiveFilterInput()).to_filter()
        return await objective_connection(
            info, filters, first, after, sort=sort, updated_since=updated_since
        )

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
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
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
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        cycle_id: UUID | None = None,
    ) -> Connection[UpdateDue]:
        ctx = info.context
        page = page_request(first, after)
        found = await key_results.updates_due(ctx.deps, ctx.principal, page, cycle_id=cycle_id)
        return connection(found, UpdateDue.of, lambda d: d.key_result.key_result.id)

    @field(description="One action (else `not_found`).")
    async def action(self, info: Info, id: UUID) -> Action | None:
        ctx = info.context
        return Action.of(await actions.get_action(ctx.deps, ctx.principal, id))

    @field(description="Admins: every OKR write, oldest first, with values before and after.")
    async def audit_events(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        filter: AuditEventFilterInput | None = None,
    ) -> Connection[AuditEvent]:
        ctx = info.context
        page = page_request(first, after)
        filters = (filter or AuditEventFilterInput()).to_filter()
        found = await audit.list_audit_events(ctx.deps, ctx.principal, filters, page)
        return connection(found, AuditEvent.of, lambda e: e.id)

    # -- alignment (对齐) ------------------------------------------------------------------

    @field(
        description="Every objective of the cycle and of the cycles nested in it (a year's "
        "quarters), nested under the objective it aligns to or whose KR it contributes to "
        "(`link`), each with its progress, grade and track status, flattened depth first "
        "(`parentId`, `depth`). `rootId` starts from one objective (and follows its subtree "
        "into any cycle); `depth` cuts the tree (0: the roots alone). An objective you may "
        "not see is left out with its subtree. The same few SQL statements whatever the "
        "size of the tree (and one batch more for the nodes' `objective`)."
    )
    async def alignment_tree(
        self,
        info: Info,
        cycle_id: UUID,
        root_id: Annotated[
            UUID | None, strawberry.argument(description="Start from this objective.")
        ] = None,
        depth: Annotated[
            int | None,
            strawberry.argument(description="Levels kept below the roots (0 or more)."),
        ] = None,
        as_of: Annotated[str | None, strawberry.argument(description=AS_OF)] = None,
    ) -> AlignmentTree:
        ctx = info.context
        tree = await alignment.alignment_tree(
            ctx.deps,
            ctx.principal,
            cycle_id,
            root_id=root_id,
            depth=depth,
            as_of=parse_as_of(as_of),
        )
        return AlignmentTree.of(tree)

    @field(
        description="For each org unit: the mean of its objectives' scores (owned by the "
        "unit or its members; each objective weighs 1) alone (`own`) and with every unit "
        "below it (`total`), with the count behind each figure; and the company's figure "
        "over every objective of the cycle. Objectives you may not see count for nothing; "
        "objectives without KRs count only when they roll up."
    )
    async def unit_scores(
        self,
        info: Info,
        cycle_id: UUID,
        as_of: Annotated[str | None, strawberry.argument(description=AS_OF)] = None,
    ) -> UnitScores:
        ctx = info.context
        scores = await alignment.unit_scores(
            ctx.deps, ctx.principal, cycle_id, as_of=parse_as_of(as_of)
        )
        return UnitScores.of(scores)

    @field(
        description="For each org unit: the share of its non-company objectives that align "
        "to something above them, and the share of its active members with at least one "
        "objective in the cycle (objectives you may see)."
    )
    async def alignment_coverage(self, info: Info, cycle_id: UUID) -> AlignmentCoverage:
        ctx = info.context
        return AlignmentCoverage.of(
            await alignment.alignment_coverage(ctx.deps, ctx.principal, cycle_id)
        )

    @field(
        description="A retrospective (复盘): objectives and KRs by grade and track status, "
        "objectives by state, the share of units and members with OKRs, and check-ins per "
        "week of the cycle (quiet weeks included); for the whole cycle or one unit with the "
        "units below it (`unitId`)."
    )
    async def cycle_stats(
        self,
        info: Info,
        cycle_id: UUID,
        unit_id: Annotated[
            UUID | None,
            strawberry.argument(description="Only this unit, with the units below it."),
        ] = None,
        as_of: Annotated[str | None, strawberry.argument(description=AS_OF)] = None,
    ) -> CycleStats:
        ctx = info.context
        stats = await alignment.cycle_stats(
            ctx.deps, ctx.principal, cycle_id, unit_id=unit_id, as_of=parse_as_of(as_of)
        )
        return CycleStats.of(stats)


# -- payloads ------------------------------------------------------------------------------


@strawberry.type
class CreateObjectivePayload:
    objective: Objective


@strawberry.type
class UpdateObjectivePayload:
    objective: Objective


@strawberry.type(description="Exactly one of the two is set.")
class DeleteObjectivePayload:
    deleted_objective_id: UUID | None = strawberry.field(
        description="Set when the objective was deleted (it had no check-ins)."
    )
    archived_objective: Objective | None = strawberry.field(
        description="Set when it was archived instead, keeping its check-in history."
    )


@strawberry.type
class CopyObjectivePayload:
    objective: Objective = strawberry.field(description="The copy, a draft in the new cycle.")
    alignment: str = strawberry.field(
        description="followed (aligned to the parent's copy), unaligned or none."
    )


@strawberry.type
class CloseCycleObjectivesPayload:
    closed_objective_ids: list[UUID]

    @field(description="The objectives closed, now CLOSED.")
    async def closed_objectives(self, info: Info) -> list[Objective]:
        found = await info.context.loaders.objective.load_many(self.closed_objective_ids)
        return [Objective.of(v) for v in found if v is not None]


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

    @field(description="The key result with its new current value and score.")
    async def key_result(self, info: Info) -> KeyResult | None:
        found = await info.context.loaders.key_result.load(self.check_in.key_result_id)
        return KeyResult.of(found) if found else None


@strawberry.type
class CreateActionPayload:
    action: Action


@strawberry.type
class UpdateActionPayload:
    action: Action


@strawberry.type
class AcceptActionPayload:
    action: Action


@strawberry.type
class OkrMutation:
    @mutation(
        description="Create an objective owned by you (default), one of your reports or a "
        "unit you lead (admins: anyone), optionally aligned: upward by level, sideways only "
        "to a KR; a loop is `alignment_cycle`."
    )
    async def create_objective(
        self, info: Info, input: CreateObjectiveInput
    ) -> CreateObjectivePayload:
        ctx = info.context
        view = await objectives.create_objective(ctx.deps, ctx.principal, input.to_new())
        ctx.forget_loaded()
        return CreateObjectivePayload(objective=Objective.of(view))

    @mutation(
        description="Change an objective, or set or clear its alignment link; status: DRAFT "
        "<-> ACTIVE -> CLOSED (reopenable), ARCHIVED is final."
    )
    async def update_objective(
        self, info: Info, input: UpdateObjectiveInput
    ) -> UpdateObjectivePayload:
        ctx = info.context
        view = await objectives.update_objective(
            ctx.deps,
            ctx.principal,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        ctx.forget_loaded()
        return UpdateObjectivePayload(objective=Objective.of(view))

    @mutation(
        description="Delete an objective never checked in on, or archive it once it has "
        "check-ins; `objective_has_children` while objectives align to it."
    )
    async def delete_objective(
        self, info: Info, input: DeleteObjectiveInput
    ) -> DeleteObjectivePayload:
        ctx = info.context
        view = await objectives.delete_objective(
            ctx.deps, ctx.principal, input.id, expected_version=input.expected_version
        )
        ctx.forget_loaded()
        if view is None:
            return DeleteObjectivePayload(deleted_objective_id=input.id, archived_objective=None)
        return DeleteObjectivePayload(
            deleted_objective_id=None, archived_objective=Objective.of(view)
        )

    @mutation(description="Carry an objective over into another cycle, as a draft.")
    async def copy_objective(self, info: Info, input: CopyObjectiveInput) -> CopyObjectivePayload:
        ctx = info.context
        result = await objectives.copy_objective(
            ctx.deps, ctx.principal, input.id, input.to_request()
        )
        ctx.forget_loaded()
        return CopyObjectivePayload(
            objective=Objective.of(result.view), alignment=result.alignment.value
        )

    @mutation(description="Admins close every objective of a cycle not closed or archived.")
    async def close_cycle_objectives(
        self, info: Info, input: CloseCycleObjectivesInput
    ) -> CloseCycleObjectivesPayload:
        ctx = info.context
        closed = await objectives.close_unfinished(ctx.deps, ctx.principal, input.cycle_id)
        ctx.forget_loaded()
        return CloseCycleObjectivesPayload(closed_objective_ids=closed)

    @mutation(description="Add a key result to an objective you may edit.")
    async def create_key_result(
        self, info: Info, input: CreateKeyResultInput
    ) -> CreateKeyResultPayload:
        ctx = info.context
        view = await key_results.create_key_result(
            ctx.deps, ctx.principal, input.objective_id, input.to_new()
        )
        ctx.forget_loaded()
        return CreateKeyResultPayload(key_result=KeyResult.of(view))

    @mutation(description="Change a key result (its value changes only through check-ins).")
    async def update_key_result(
        self, info: Info, input: UpdateKeyResultInput
    ) -> UpdateKeyResultPayload:
        ctx = info.context
        view = await key_results.update_key_result(
            ctx.deps,
            ctx.principal,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        ctx.forget_loaded()
        return UpdateKeyResultPayload(key_result=KeyResult.of(view))

    @mutation(description="Move a key result to another objective of the same cycle.")
    async def move_key_result(self, info: Info, input: MoveKeyResultInput) -> MoveKeyResultPayload:
        ctx = info.context
        view = await key_results.move_key_result(
            ctx.deps,
            ctx.principal,
            input.id,
            input.objective_id,
            expected_version=input.expected_version,
        )
        ctx.forget_loaded()
        return MoveKeyResultPayload(key_result=KeyResult.of(view))

    @mutation(
        description="Admins or the KR owner's managers set its final score with a reason; "
        "allowed on closed cycles; audited."
    )
    async def set_final_score(self, info: Info, input: SetFinalScoreInput) -> SetFinalScorePayload:
        ctx = info.context
        view = await key_results.set_final_score(
            ctx.deps,
            ctx.principal,
            input.id,
            score=input.score,
            reason=input.checked_reason(),
            expected_version=input.expected_version,
        )
        ctx.forget_loaded()
        return SetFinalScorePayload(key_result=KeyResult.of(view))

    @mutation(description="Delete a key result never checked in on (`key_result_has_check_ins`).")
    async def delete_key_result(
        self, info: Info, input: DeleteKeyResultInput
    ) -> DeleteKeyResultPayload:
        ctx = info.context
        await key_results.delete_key_result(
            ctx.deps, ctx.principal, input.id, expected_version=input.expected_version
        )
        ctx.forget_loaded()
        return DeleteKeyResultPayload(deleted_key_result_id=input.id)

    @mutation(description="Check in on a key result: its new current value.")
    async def check_in(self, info: Info, input: CheckInInput) -> CheckInPayload:
        ctx = info.context
        entry = await checkins.check_in(
            ctx.deps,
            ctx.principal,
            input.key_result_id,
            input.to_new(),
            expected_version=input.expected_version,
        )
        ctx.forget_loaded()
        return CheckInPayload(check_in=CheckIn.of(entry))

    @mutation(description="Add an action to a key result.")
    async def create_action(self, info: Info, input: CreateActionInput) -> CreateActionPayload:
        ctx = info.context
        action = await actions.create_action(
            ctx.deps, ctx.principal, input.key_result_id, input.to_new()
        )
        ctx.forget_loaded()
        return CreateActionPayload(action=Action.of(action))

    @mutation(description="Change an action; moving to DOING needs an owner, due date, standard.")
    async def update_action(self, info: Info, input: UpdateActionInput) -> UpdateActionPayload:
        ctx = info.context
        action = await actions.update_action(
            ctx.deps,
            ctx.principal,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        ctx.forget_loaded()
        return UpdateActionPayload(action=Action.of(action))

    @mutation(description="Accept a done action (the KR's owner or the action owner's manager).")
    async def accept_action(self, info: Info, input: AcceptActionInput) -> AcceptActionPayload:
        ctx = info.context
        action = await actions.accept_action(
            ctx.deps, ctx.principal, input.id, expected_version=input.expected_version
        )
        ctx.forget_loaded()
        return AcceptActionPayload(action=Action.of(action))
