"""The OKR part of the schema: queries and mutations of objectives, key results, check-ins,
actions and the audit trail, over the same use cases as REST's /v1 routes.

``schema.Query`` and ``schema.Mutation`` inherit these fields. Every mutation takes one
input and returns a payload with the changed node; ``expectedVersion`` is REST's
``If-Match``. After a write the request's loaders are dropped, so nested fields of the
payload read the new state.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

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
    objective_connection,
)
from api.graphql.types import AFTER, FIRST, Connection, connection, page_request
from service import actions, audit, checkins, key_results, objectives
from service.pagination import DEFAULT_LIMIT


@strawberry.type
class OkrQuery:
    @field(
        description="One objective with its KRs and scores (else `not_found`, as for one "
        "that is private to others)."
    )
    async def objective(self, info: Info, id: UUID) -> Objective | None:
        ctx = info.context
        return Objective.of(await objectives.get_objective(ctx.deps, ctx.principal, id))

    @field(
        description="Objectives you may see, oldest first, a page at a time, each with its "
        "KRs and scores; private objectives of others are absent."
    )
    async def objectives(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        filter: ObjectiveFilterInput | None = None,
    ) -> Connection[Objective]:
        filters = (filter or ObjectiveFilterInput()).to_filter()
        return await objective_connection(info, filters, first, after)

    @field(description="One key result with its current value and score (else `not_found`).")
    async def key_result(self, info: Info, id: UUID) -> KeyResult | None:
        ctx = info.context
        return KeyResult.of(await key_results.get_key_result(ctx.deps, ctx.principal, id))

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
        view = await objectives.copy_objective(
            ctx.deps, ctx.principal, input.id, input.to_request()
        )
        ctx.forget_loaded()
        return CopyObjectivePayload(objective=Objective.of(view))

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
            ctx.deps, ctx.principal, input.key_result_id, input.to_new()
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
