"""Cycles in the graph: the ``Cycle`` type's edges, the ``cycle`` and ``cycles`` queries,
and the ``createCycle`` and ``updateCycle`` mutations.

The fields of ``Cycle`` and of the inputs are the shapes of ``api.cycles.shapes``; only
what GraphQL adds is here: the edges a cycle has in the graph (its parent through the
request's DataLoader, its objectives), the node id and ``expectedVersion`` of the update
input, the list filter, and the payloads.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

from api.cycles.shapes import CycleCreate, CycleOut, CyclePatch
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
from api.graphql.enums import CycleKind, CycleState, Sort
from api.graphql.fields import mutation
from api.graphql.mutations import NodeId, write
from service import cycles
from service.okr_ports import ObjectiveFilter
from service.pagination import DEFAULT_LIMIT
from service.ports import CycleFilter

if TYPE_CHECKING:
    from api.objectives.graphql import Objective

# Objectives point back at their cycle: their module loads on first use.
ObjectiveNode = Annotated["Objective", strawberry.lazy("api.objectives.graphql")]
# strawberry.pydantic resolves a resolver's return type while it decorates the class, before
# the name ``Cycle`` exists: the parent edge names its own type lazily.
CycleNode = Annotated["Cycle", strawberry.lazy("api.cycles.graphql")]


@strawberry.pydantic.type(description="An OKR period (周期): a year, quarter or month.")
class Cycle(CycleOut):
    # The graph links the parent itself; its id stays for the resolver.
    parent_id: strawberry.Private[UUID | None]

    @strawberry.pydantic.field(description="The longer cycle this one sits in, if any.")
    async def parent(self, info: Info) -> CycleNode | None:
        if self.parent_id is None:
            return None
        found = await info.context.loaders.cycle.load(self.parent_id)
        return Cycle.of(found) if found else None

    @strawberry.pydantic.field(
        description="The cycle's objectives that you may see, oldest first (one list per cycle)."
    )
    async def objectives(
        self, info: Info, first: FirstArg = DEFAULT_LIMIT, after: AfterArg = None
    ) -> Connection[ObjectiveNode]:
        from api.objectives.graphql import objective_connection

        return await objective_connection(info, ObjectiveFilter(cycle_id=self.id), first, after)


@strawberry.pydantic.input(
    description="Rename, re-date, or move forward: planning -> active -> closed."
)
class UpdateCycleInput(CyclePatch, NodeId):
    expected_version: int | None = None


@strawberry.input(description="Narrows `cycles`.")
class CycleFilterInput:
    kind: CycleKind | None = None
    state: CycleState | None = None
    contains_date: date | None = strawberry.field(
        default=None, description="Cycles running on that day."
    )
    parent_id: UUID | None = None

    def to_filter(self) -> CycleFilter:
        return CycleFilter(
            kind=self.kind,
            state=self.state,
            contains_date=self.contains_date,
            parent_id=self.parent_id,
        )


async def cycle_page(
    info: Info,
    first: FirstArg = DEFAULT_LIMIT,
    after: AfterArg = None,
    filter: CycleFilterInput | None = None,
    sort: SortArg = Sort.CREATED_AT,
    updated_since: UpdatedSinceArg = None,
) -> Connection[Cycle]:
    """A page of the organization's cycles: the resolver of the root ``cycles`` and of
    ``Organization.cycles``, so both take the same arguments."""
    page = page_request(first, after, sort=sort, updated_since=updated_since)
    ctx = info.context
    filters = (filter or CycleFilterInput()).to_filter()
    found = await cycles.list_cycles(ctx.deps, ctx.principal, filters, page)
    return sorted_connection(found, Cycle.of, lambda c: c)


async def one_cycle(info: Info, id: UUID) -> Cycle | None:
    ctx = info.context
    return Cycle.of(await cycles.get_cycle(ctx.deps, ctx.principal, id))


@strawberry.type
class CycleQuery:
    # Fields with a resolver function, not methods: Strawberry lists assigned fields before
    # methods, and ``cycles`` shares its resolver with ``Organization.cycles``.
    cycle: Cycle | None = strawberry.field(
        resolver=one_cycle, description="One OKR cycle (else `not_found`)."
    )
    cycles: Connection[Cycle] = strawberry.field(
        resolver=cycle_page,
        description="OKR cycles in `sort` order (oldest first by default), a page at a time.",
    )


@strawberry.type
class CreateCyclePayload:
    cycle: Cycle


@strawberry.type
class UpdateCyclePayload:
    cycle: Cycle


@strawberry.type
class CycleMutation:
    @mutation(description="Admins add an OKR cycle, in planning.")
    async def create_cycle(self, info: Info, input: CycleCreate) -> CreateCyclePayload:
        cycle = await write(info, cycles.create_cycle, input.to_new())
        return CreateCyclePayload(cycle=Cycle.of(cycle))

    @mutation(description="Admins rename, re-date or move a cycle forward.")
    async def update_cycle(self, info: Info, input: UpdateCycleInput) -> UpdateCyclePayload:
        cycle = await write(
            info,
            cycles.update_cycle,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        return UpdateCyclePayload(cycle=Cycle.of(cycle))
