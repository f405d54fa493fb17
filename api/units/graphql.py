"""Org units in the graph: the ``OrgUnit`` type's edges, the ``unit`` and ``units`` queries,
and the ``createUnit``, ``updateUnit`` and ``deleteUnit`` mutations.

The fields of ``OrgUnit`` and of the inputs are the shapes of ``api.units.shapes``; only
what GraphQL adds is here: the edges a unit has in the graph (its parent, lead and members
through the request's DataLoaders, its objectives), the node id and ``expectedVersion`` of
the inputs, the list filter, and the payloads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

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
from api.graphql.enums import Sort, UnitKind
from api.graphql.fields import field, mutation
from api.graphql.mutations import NodeId, write
from api.members.graphql import Member
from api.units.shapes import UnitCreate, UnitOut, UnitPatch
from service import units
from service.okr_ports import ObjectiveFilter
from service.pagination import DEFAULT_LIMIT
from service.ports import UnitFilter

if TYPE_CHECKING:
    from api.objectives.graphql import Objective

# Objectives point back at their unit: their module loads on first use.
ObjectiveNode = Annotated["Objective", strawberry.lazy("api.objectives.graphql")]
# strawberry.pydantic resolves a resolver's return type while it decorates the class, before
# the name ``OrgUnit`` exists: the parent edge names its own type lazily.
OrgUnitNode = Annotated["OrgUnit", strawberry.lazy("api.units.graphql")]


@strawberry.pydantic.type(description="A unit of the org tree: company -> department -> team.")
class OrgUnit(UnitOut):
    # The graph links the parent and the lead itself; their ids stay for the resolvers.
    parent_id: strawberry.Private[UUID | None]
    lead_id: strawberry.Private[UUID | None]

    @strawberry.pydantic.field(description="The unit above; null for the company.")
    async def parent(self, info: Info) -> OrgUnitNode | None:
        if self.parent_id is None:
            return None
        found = await info.context.loaders.unit.load(self.parent_id)
        return OrgUnit.of(found) if found else None

    @strawberry.pydantic.field(description="Who leads the unit, if anyone.")
    async def lead(self, info: Info) -> Member | None:
        if self.lead_id is None:
            return None
        found = await info.context.loaders.member.load(self.lead_id)
        return Member.of(found) if found else None

    @strawberry.pydantic.field(description="The unit's own members (not those of its sub-units).")
    async def members(self, info: Info) -> list[Member]:
        loaders = info.context.loaders
        ids = await loaders.unit_member_ids.load(self.id)
        return [Member.of(m) for m in await loaders.member.load_many(ids) if m is not None]

    @strawberry.pydantic.field(
        description="The unit's own objectives that you may see, oldest first (one list per unit)."
    )
    async def objectives(
        self,
        info: Info,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        cycle_id: UUID | None = None,
    ) -> Connection[ObjectiveNode]:
        from api.objectives.graphql import objective_connection

        return await objective_connection(
            info, ObjectiveFilter(unit_id=self.id, cycle_id=cycle_id), first, after
        )


@strawberry.pydantic.input(description="Send only what changes; null clears leadId (or parentId).")
class UpdateUnitInput(UnitPatch, NodeId):
    expected_version: int | None = None


@strawberry.pydantic.input(
    description="Deletes a unit with no sub-units; its memberships go with it."
)
class DeleteUnitInput(NodeId):
    expected_version: int | None = None


@strawberry.input(description="Narrows `units`.")
class UnitFilterInput:
    kind: UnitKind | None = None
    parent_id: UUID | None = None

    def to_filter(self) -> UnitFilter:
        return UnitFilter(kind=self.kind, parent_id=self.parent_id)


@strawberry.type
class UnitQuery:
    @field(description="One unit of the org tree (else `not_found`).")
    async def unit(self, info: Info, id: UUID) -> OrgUnit | None:
        ctx = info.context
        return OrgUnit.of(await units.get_unit(ctx.deps, ctx.principal, id))

    @field(
        description="Units of the org tree in `sort` order (oldest first by default), a page "
        "at a time."
    )
    async def units(
        self,
        info: Info,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        filter: UnitFilterInput | None = None,
        sort: SortArg = Sort.CREATED_AT,
        updated_since: UpdatedSinceArg = None,
    ) -> Connection[OrgUnit]:
        ctx = info.context
        page = page_request(first, after, sort=sort, updated_since=updated_since)
        filters = (filter or UnitFilterInput()).to_filter()
        found = await units.list_units(ctx.deps, ctx.principal, filters, page)
        return sorted_connection(found, OrgUnit.of, lambda u: u)


@strawberry.type
class CreateUnitPayload:
    unit: OrgUnit


@strawberry.type
class UpdateUnitPayload:
    unit: OrgUnit


@strawberry.type
class DeleteUnitPayload:
    deleted_unit_id: UUID


@strawberry.type
class UnitMutation:
    @mutation(description="Admins add a unit to the org tree.")
    async def create_unit(self, info: Info, input: UnitCreate) -> CreateUnitPayload:
        unit = await write(info, units.create_unit, input.to_new())
        return CreateUnitPayload(unit=OrgUnit.of(unit))

    @mutation(description="Admins rename, move or re-lead a unit.")
    async def update_unit(self, info: Info, input: UpdateUnitInput) -> UpdateUnitPayload:
        unit = await write(
            info,
            units.update_unit,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        return UpdateUnitPayload(unit=OrgUnit.of(unit))

    @mutation(description="Admins delete a unit with no sub-units.")
    async def delete_unit(self, info: Info, input: DeleteUnitInput) -> DeleteUnitPayload:
        await write(info, units.delete_unit, input.id, expected_version=input.expected_version)
        return DeleteUnitPayload(deleted_unit_id=input.id)
