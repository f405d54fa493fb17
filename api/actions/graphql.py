"""Actions in the graph: the ``Action`` type's edges, the ``action`` query, and the
``createAction``, ``updateAction`` and ``acceptAction`` mutations.

The fields of ``Action`` and of the inputs are the shapes of ``api.actions.shapes``; only
what GraphQL adds is here: the edges an action has in the graph (its owner, who accepted it,
its key result, through the request's DataLoaders), the key result and node ids and
``expectedVersion`` of the inputs, and the payloads. ``KeyResult.actions`` lists a key
result's actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

from api.actions.shapes import ActionCreate, ActionOut, ActionPatch, CompletionStandard
from api.graphql.context import Info
from api.graphql.fields import field, mutation
from api.graphql.mutations import NodeId, write
from api.kpis.shapes import KeyResultRef
from api.members.graphql import Member
from service import actions

if TYPE_CHECKING:
    from api.key_results.graphql import KeyResult

# Key results list their actions: their module loads on first use.
KeyResultNode = Annotated["KeyResult", strawberry.lazy("api.key_results.graphql")]

WHAT_DONE_MEANS = "What done means."


async def _member(info: Info, member_id: UUID | None) -> Member | None:
    if member_id is None:
        return None
    found = await info.context.loaders.member.load(member_id)
    return Member.of(found) if found else None


@strawberry.pydantic.type(
    description="A concrete task serving a key result (行动): an owner, a due date, a "
    "completion standard, and an acceptance once done."
)
class Action(ActionOut):
    # The graph links the key result and the members itself; their ids stay for the resolvers.
    key_result_id: strawberry.Private[UUID]
    owner_id: strawberry.Private[UUID | None]
    accepted_by: strawberry.Private[UUID | None]
    completion_standard: Annotated[str | None, strawberry.field(description=WHAT_DONE_MEANS)]

    @strawberry.pydantic.field(description="Who does it; an action in progress always has one.")
    async def owner(self, info: Info) -> Member | None:
        return await _member(info, self.owner_id)

    @strawberry.pydantic.field(
        name="acceptedBy",
        description="Who accepted it (the KR's owner or the action owner's manager).",
    )
    async def acceptor(self, info: Info) -> Member | None:
        return await _member(info, self.accepted_by)

    @strawberry.pydantic.field(description="The key result it serves.")
    async def key_result(self, info: Info) -> KeyResultNode | None:
        from api.key_results.graphql import KeyResult

        found = await info.context.loaders.key_result.load(self.key_result_id)
        return KeyResult.of(found) if found else None


@strawberry.pydantic.input(
    description="A task serving a KR. Without an owner, a due date and a completion "
    "standard it cannot move to DOING (`action_not_ready`)."
)
class CreateActionInput(ActionCreate, KeyResultRef):
    completion_standard: Annotated[
        CompletionStandard | None, strawberry.field(description=WHAT_DONE_MEANS)
    ] = None


@strawberry.pydantic.input(
    description="Send only what changes; null clears ownerId, dueDate or completionStandard. "
    "The action's owner may change it too; an accepted action is final."
)
class UpdateActionInput(ActionPatch, NodeId):
    expected_version: int | None = None


@strawberry.pydantic.input(
    description="Accepts a done action: only the KR's owner or the action owner's manager "
    "may (`not_acceptor`)."
)
class AcceptActionInput(NodeId):
    expected_version: int | None = None


@strawberry.type
class ActionQuery:
    @field(description="One action (else `not_found`).")
    async def action(self, info: Info, id: UUID) -> Action | None:
        ctx = info.context
        return Action.of(await actions.get_action(ctx.deps, ctx.principal, id))


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
class ActionMutation:
    @mutation(description="Add an action to a key result.")
    async def create_action(self, info: Info, input: CreateActionInput) -> CreateActionPayload:
        action = await write(info, actions.create_action, input.key_result_id, input.to_new())
        return CreateActionPayload(action=Action.of(action))

    @mutation(description="Change an action; moving to DOING needs an owner, due date, standard.")
    async def update_action(self, info: Info, input: UpdateActionInput) -> UpdateActionPayload:
        action = await write(
            info,
            actions.update_action,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        return UpdateActionPayload(action=Action.of(action))

    @mutation(description="Accept a done action (the KR's owner or the action owner's manager).")
    async def accept_action(self, info: Info, input: AcceptActionInput) -> AcceptActionPayload:
        action = await write(
            info, actions.accept_action, input.id, expected_version=input.expected_version
        )
        return AcceptActionPayload(action=Action.of(action))
