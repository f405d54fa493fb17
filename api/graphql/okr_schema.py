"""The OKR part of the schema: queries and mutations of objectives, key results and check-ins
(the alignment reads are ``api.alignment.graphql``), over the same use cases as REST's /v1
routes.

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
    CheckInInput,
    CreateKeyResultInput,
    DeleteKeyResultInput,
    KeyResultFilterInput,
    MoveKeyResultInput,
    SetFinalScoreInput,
    UpdateKeyResultInput,
)
from api.graphql.okr_types import (
    CheckIn,
    KeyResult,
    UpdateDue,
)
from service import checkins, key_results
from service.pagination import DEFAULT_LIMIT, Sort


@strawberry.type
class OkrQuery:
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


# -- payloads ------------------------------------------------------------------------------


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
class OkrMutation:
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
