"""Objectives in the graph: the ``Objective`` type's edges, the ``objective`` and
``objectives`` queries, and the mutations that create, change, delete, copy and close them.

The fields of ``Objective`` and of the create and update inputs are the shapes of
``api.objectives.shapes``; only what GraphQL adds is here: the edges an objective has in the
graph (its cycle, owner, key results, alignment links and path, loaded through the request's
DataLoaders), the node id and ``expectedVersion`` of the inputs, the inputs REST has no body
for, the list filter, and the payloads. Objectives and KRs the caller may not see are
``null`` wherever a link points at them, exactly like ones that do not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from pydantic import InstanceOf

from api.cycles.graphql import Cycle
from api.graphql.as_of import AS_OF, parse_as_of
from api.graphql.connections import (
    AfterArg,
    Connection,
    FirstArg,
    SortArg,
    UpdatedSinceArg,
    page_request,
    sorted_connection,
)
from api.graphql.context import Info
from api.graphql.enums import Ambition, Level, ObjectiveStatus, OwnerKind
from api.graphql.fields import field, mutation, present
from api.graphql.mutations import NodeId, write
from api.key_results.shapes import KeyResultOut
from api.members.graphql import Member
from api.objectives.shapes import ObjectiveCreate, ObjectiveOut, ObjectivePatch, Owner
from api.units.graphql import OrgUnit
from domain.errors import FieldError, RuleViolation
from domain.limits import OBJECTIVE_SEARCH_MAX_LENGTH
from service import alignment, objectives
from service.okr_ports import ObjectiveFilter
from service.pagination import DEFAULT_LIMIT, Sort
from service.scores import ObjectiveView

if TYPE_CHECKING:
    from api.key_results.graphql import KeyResult

# Key results point back at their objective: their module loads on first use.
KeyResultNode = Annotated["KeyResult", strawberry.lazy("api.key_results.graphql")]
# strawberry.pydantic resolves a resolver's return type while it decorates the class, before
# the name ``Objective`` exists: the links to other objectives name the type lazily.
ObjectiveNode = Annotated["Objective", strawberry.lazy("api.objectives.graphql")]
AlignmentPathNode = Annotated["AlignmentPath", strawberry.lazy("api.objectives.graphql")]

ObjectiveOwner = Annotated[
    Member | OrgUnit,
    strawberry.union("ObjectiveOwner", description="A member, or an org unit (its lead answers)."),
]


@strawberry.pydantic.type(description="An objective (目标) with its key results and score.")
class Objective(ObjectiveOut):
    # The graph links these itself (edges below); REST's fields stay for the resolvers.
    cycle_id: strawberry.Private[UUID]
    owner: strawberry.Private[Owner]
    parent_objective_id: strawberry.Private[UUID | None]
    parent_key_result_id: strawberry.Private[UUID | None]
    source_objective_id: strawberry.Private[UUID | None]
    key_results: strawberry.Private[list[KeyResultOut]]
    roll_up: Annotated[
        bool,
        strawberry.field(
            description="Without KRs, take progress from the objectives aligned to it."
        ),
    ]
    owner_kind: OwnerKind
    # The use case's view: the KRs' own views (with their latest check-ins) for the edges.
    view: strawberry.Private[InstanceOf[ObjectiveView]]

    @strawberry.pydantic.field(description="The cycle it belongs to.")
    async def cycle(self, info: Info) -> Cycle:
        found = await info.context.loaders.cycle.load(self.cycle_id)
        return Cycle.of(present(found, "cycle"))

    @strawberry.pydantic.field(
        name="owner", description="Who owns it: a member, or an org unit (see `ownerKind`)."
    )
    async def owner_node(self, info: Info) -> ObjectiveOwner:
        loaders = info.context.loaders
        if self.owner.kind is OwnerKind.MEMBER:
            return Member.of(present(await loaders.member.load(self.owner.id), "owner"))
        return OrgUnit.of(present(await loaders.unit.load(self.owner.id), "owner"))

    @strawberry.pydantic.field(
        name="keyResults", description="Its key results, oldest first, each with its score."
    )
    def key_result_nodes(self) -> list[KeyResultNode]:
        from api.key_results.graphql import KeyResult

        return [KeyResult.of(k, self.view) for k in self.view.key_results]

    @strawberry.pydantic.field(
        description="The objective it aligns to, if any (null if you may not see it)."
    )
    async def parent(self, info: Info) -> ObjectiveNode | None:
        return await _objective(info, self.parent_objective_id)

    @strawberry.pydantic.field(
        description="The objectives aligned to it (whose `parent` it is), oldest first; only "
        "those you may see, as in the `objectives` list. Loaded for all objectives of a "
        "query at once. Objectives contributing to one of its KRs are under `parentKeyResult` "
        "on their side, and in `alignmentTree`."
    )
    async def children(self, info: Info) -> list[ObjectiveNode]:
        found = await info.context.loaders.children.load(self.id)
        return [Objective.of(v) for v in found]

    @strawberry.pydantic.field(
        description="The key result of another objective it contributes to, if any (null if "
        "you may not see it)."
    )
    async def parent_key_result(self, info: Info) -> KeyResultNode | None:
        from api.key_results.graphql import KeyResult

        if self.parent_key_result_id is None:
            return None
        found = await info.context.loaders.key_result.load(self.parent_key_result_id)
        return KeyResult.of(found) if found else None

    @strawberry.pydantic.field(
        description="The objective it was carried over from (copied), if any."
    )
    async def source_objective(self, info: Info) -> ObjectiveNode | None:
        return await _objective(info, self.source_objective_id)

    @strawberry.pydantic.field(
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
    ) -> AlignmentPathNode:
        ctx = info.context
        found = await alignment.alignment_path(
            ctx.deps, ctx.principal, self.id, as_of=parse_as_of(as_of)
        )
        return AlignmentPath(
            path=[Objective.of(v) for v in found.path], hidden_above=found.hidden_above
        )


# The published schema lists ``ownerKind`` where REST's body has ``owner``.


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
    """A page of the objectives the caller may see, each with its KRs and scores: the root
    ``objectives`` and the objective lists of a cycle, a member and a unit."""
    ctx = info.context
    page = page_request(first, after, sort=sort, updated_since=updated_since)
    found = await objectives.list_objectives(ctx.deps, ctx.principal, filters, page)
    return sorted_connection(found, Objective.of, lambda v: v.objective)


# -- inputs --------------------------------------------------------------------------------


@strawberry.pydantic.input(
    description="Send only what changes. `parentObjectiveId` / `parentKeyResultId` set the "
    "alignment link (one of them); null clears it; left out, it stays."
)
class UpdateObjectiveInput(ObjectivePatch, NodeId):
    expected_version: int | None = None


@strawberry.pydantic.input(
    description="Deletes an objective never checked in on; once checked in, archives it."
)
class DeleteObjectiveInput(NodeId):
    expected_version: int | None = None


@strawberry.input(
    description="Carries an objective over into another cycle as a draft, with its KRs and "
    "the actions not done, without check-ins."
)
class CopyObjectiveInput:
    id: UUID
    cycle_id: UUID
    owner_id: UUID | None = strawberry.field(default=None, description="Default: the same owner.")
    carry_achieved: bool = strawberry.field(
        default=False,
        description="Start each KR at its current value in the source (never past its "
        "target); false keeps the old start.",
    )

    def to_request(self) -> objectives.CopyRequest:
        carry = objectives.Carry.ACHIEVED if self.carry_achieved else objectives.Carry.START
        return objectives.CopyRequest(cycle_id=self.cycle_id, owner_id=self.owner_id, carry=carry)


@strawberry.input(description="Closes every objective of the cycle not closed or archived.")
class CloseCycleObjectivesInput:
    cycle_id: UUID


@strawberry.input(description="Narrows `objectives`; every field given must match.")
class ObjectiveFilterInput:
    cycle_id: UUID | None = None
    owner_id: UUID | None = strawberry.field(default=None, description="A member owning it.")
    unit_id: UUID | None = strawberry.field(default=None, description="A unit owning it.")
    level: Level | None = None
    status: ObjectiveStatus | None = None
    ambition: Ambition | None = strawberry.field(
        default=None, description="Only COMMITTED (or only ASPIRATIONAL) objectives."
    )
    q: str | None = strawberry.field(default=None, description="Part of the title, any case.")
    below_unit_id: UUID | None = strawberry.field(
        default=None,
        description="Everything below a unit: owned by it or a unit under it, or by one of "
        "their members.",
    )
    orphans: bool = strawberry.field(
        default=False, description="Only non-company objectives aligned to nothing."
    )

    def to_filter(self) -> ObjectiveFilter:
        # Part of a title, no longer than REST's `q` allows.
        if self.q is not None and len(self.q) > OBJECTIVE_SEARCH_MAX_LENGTH:
            raise RuleViolation(
                "too long: filter.q",
                code="validation_failed",
                errors=[
                    FieldError(
                        "filter.q", f"at most {OBJECTIVE_SEARCH_MAX_LENGTH} characters", "too_long"
                    )
                ],
            )
        return ObjectiveFilter(
            cycle_id=self.cycle_id,
            owner_id=self.owner_id,
            unit_id=self.unit_id,
            level=self.level,
            status=self.status,
            ambition=self.ambition,
            q=self.q,
            below_unit_id=self.below_unit_id,
            orphans=self.orphans,
        )


# -- queries ---------------------------------------------------------------------------------


@strawberry.type
class ObjectiveQuery:
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
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        filter: ObjectiveFilterInput | None = None,
        sort: SortArg = Sort.CREATED_AT,
        updated_since: UpdatedSinceArg = None,
    ) -> Connection[Objective]:
        filters = (filter or ObjectiveFilterInput()).to_filter()
        return await objective_connection(
            info, filters, first, after, sort=sort, updated_since=updated_since
        )


# -- payloads and mutations ------------------------------------------------------------------


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
class ObjectiveMutation:
    @mutation(
        description="Create an objective owned by you (default), one of your reports or a "
        "unit you lead (admins: anyone), optionally aligned: upward by level, sideways only "
        "to a KR; a loop is `alignment_cycle`."
    )
    async def create_objective(self, info: Info, input: ObjectiveCreate) -> CreateObjectivePayload:
        view = await write(info, objectives.create_objective, input.to_new())
        return CreateObjectivePayload(objective=Objective.of(view))

    @mutation(
        description="Change an objective, or set or clear its alignment link; status: DRAFT "
        "<-> ACTIVE -> CLOSED (reopenable), ARCHIVED is final."
    )
    async def update_objective(
        self, info: Info, input: UpdateObjectiveInput
    ) -> UpdateObjectivePayload:
        view = await write(
            info,
            objectives.update_objective,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        return UpdateObjectivePayload(objective=Objective.of(view))

    @mutation(
        description="Delete an objective never checked in on, or archive it once it has "
        "check-ins; `objective_has_children` while objectives align to it."
    )
    async def delete_objective(
        self, info: Info, input: DeleteObjectiveInput
    ) -> DeleteObjectivePayload:
        view = await write(
            info, objectives.delete_objective, input.id, expected_version=input.expected_version
        )
        if view is None:
            return DeleteObjectivePayload(deleted_objective_id=input.id, archived_objective=None)
        return DeleteObjectivePayload(
            deleted_objective_id=None, archived_objective=Objective.of(view)
        )

    @mutation(description="Carry an objective over into another cycle, as a draft.")
    async def copy_objective(self, info: Info, input: CopyObjectiveInput) -> CopyObjectivePayload:
        result = await write(info, objectives.copy_objective, input.id, input.to_request())
        return CopyObjectivePayload(
            objective=Objective.of(result.view), alignment=result.alignment.value
        )

    @mutation(description="Admins close every objective of a cycle not closed or archived.")
    async def close_cycle_objectives(
        self, info: Info, input: CloseCycleObjectivesInput
    ) -> CloseCycleObjectivesPayload:
        closed = await write(info, objectives.close_unfinished, input.cycle_id)
        return CloseCycleObjectivesPayload(closed_objective_ids=closed)
