"""Members in the graph: the ``Member`` type's edges, the ``me``, ``member`` and ``members``
queries, and the ``createMember``, ``updateMember`` and ``deactivateMember`` mutations.

The fields of ``Member`` and of the inputs are the shapes of ``api.members.shapes``; only
what GraphQL adds is here: the edges a member has in the graph (manager and reports through
the request's DataLoaders, objectives, review results), the node id and ``expectedVersion``
of the inputs, the list filter, and the payloads.
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
from api.graphql.enums import Role, Sort
from api.graphql.fields import field, mutation
from api.graphql.mutations import NodeId, write
from api.members.shapes import MemberCreate, MemberOut, MemberPatch
from domain.errors import FieldError, RuleViolation
from domain.limits import MEMBER_SEARCH_MAX_LENGTH
from service import members, review_results
from service.okr_ports import ObjectiveFilter
from service.pagination import DEFAULT_LIMIT
from service.ports import MemberFilter

if TYPE_CHECKING:
    from api.objectives.graphql import Objective
    from api.reviews.graphql import ReviewResult

# Objectives and review results point back at members: their modules load on first use.
ObjectiveNode = Annotated["Objective", strawberry.lazy("api.objectives.graphql")]
ReviewResultNode = Annotated["ReviewResult", strawberry.lazy("api.reviews.graphql")]
# strawberry.pydantic resolves a resolver's return type while it decorates the class, before
# the name ``Member`` exists: the manager chain names its own type lazily.
MemberNode = Annotated["Member", strawberry.lazy("api.members.graphql")]


@strawberry.pydantic.type(description="A person of the organization.")
class Member(MemberOut):
    external_id: Annotated[str | None, strawberry.field(description="The HR system's id.")]
    # The graph links the manager itself; its id stays for the resolver.
    manager_id: strawberry.Private[UUID | None]

    @strawberry.pydantic.field(description="The direct manager (上级), if any.")
    async def manager(self, info: Info) -> MemberNode | None:
        if self.manager_id is None:
            return None
        found = await info.context.loaders.member.load(self.manager_id)
        return Member.of(found) if found else None

    @strawberry.pydantic.field(description="Direct reports, oldest first.")
    async def reports(self, info: Info) -> list[MemberNode]:
        return [Member.of(m) for m in await info.context.loaders.reports.load(self.id)]

    @strawberry.pydantic.field(
        description="The objectives they own that you may see, oldest first (one list per member)."
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
            info, ObjectiveFilter(owner_id=self.id, cycle_id=cycle_id), first, after
        )

    @strawberry.pydantic.field(
        description="Their published 360 review results, oldest review cycle first: for "
        "them, anyone above them in the manager chain, admins, HR and `reviews:export` "
        "tokens; an empty list for anyone else, as for someone never reviewed (one list per "
        "member: a few statements per published review cycle)."
    )
    async def review_results(self, info: Info) -> list[ReviewResultNode]:
        from api.reviews.graphql import ReviewResult

        ctx = info.context
        found = await review_results.results_of_member(ctx.deps, ctx.principal, self.id)
        return [ReviewResult.of(r) for r in found]


# The published schema lists ``active`` before ``roles``, REST's body the other way round.


@strawberry.pydantic.input(
    description="A new member; the email and externalId are unique in the org."
)
class CreateMemberInput(MemberCreate):
    # The same default as REST's body, given as a value: GraphQL prints it (`= [MEMBER]`),
    # where a default factory would make the field nullable (pydantic copies the list).
    roles: list[Role] = [Role.MEMBER]


@strawberry.pydantic.input(
    description="Send only what changes; null clears managerId or externalId."
)
class UpdateMemberInput(MemberPatch, NodeId):
    expected_version: int | None = None


@strawberry.pydantic.input(description="Members are deactivated, never deleted.")
class DeactivateMemberInput(NodeId):
    expected_version: int | None = None


@strawberry.input(description="Narrows `members`; every field given must match.")
class MemberFilterInput:
    active: bool | None = None
    manager_id: UUID | None = None
    unit_id: UUID | None = None
    email: str | None = strawberry.field(default=None, description="Exact, any case.")
    external_id: str | None = None
    q: str | None = strawberry.field(default=None, description="Part of a name or email.")

    def to_filter(self) -> MemberFilter:
        # A filter argument, not a shape: REST bounds its query parameter the same way.
        if self.q is not None and len(self.q) > MEMBER_SEARCH_MAX_LENGTH:
            raise RuleViolation(
                f"q is longer than {MEMBER_SEARCH_MAX_LENGTH} characters",
                code="validation_failed",
                errors=[
                    FieldError(
                        "filter.q", f"at most {MEMBER_SEARCH_MAX_LENGTH} characters", "too_long"
                    )
                ],
            )
        return MemberFilter(
            active=self.active,
            manager_id=self.manager_id,
            unit_id=self.unit_id,
            email=self.email,
            external_id=self.external_id,
            q=self.q,
        )


@strawberry.type
class MemberQuery:
    @field(description="The caller as a member; null for a service token.")
    async def me(self, info: Info) -> Member | None:
        ctx = info.context
        if ctx.principal.member_id is None:
            return None
        return Member.of(await members.get_member(ctx.deps, ctx.principal, ctx.principal.member_id))

    @field(description="One member of your organization (else `not_found`).")
    async def member(self, info: Info, id: UUID) -> Member | None:
        ctx = info.context
        return Member.of(await members.get_member(ctx.deps, ctx.principal, id))

    @field(description="Members in `sort` order (oldest first by default), a page at a time.")
    async def members(
        self,
        info: Info,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        filter: MemberFilterInput | None = None,
        sort: SortArg = Sort.CREATED_AT,
        updated_since: UpdatedSinceArg = None,
    ) -> Connection[Member]:
        ctx = info.context
        page = page_request(first, after, sort=sort, updated_since=updated_since)
        filters = (filter or MemberFilterInput()).to_filter()
        found = await members.list_members(ctx.deps, ctx.principal, filters, page)
        return sorted_connection(found, Member.of, lambda m: m)


@strawberry.type
class CreateMemberPayload:
    member: Member


@strawberry.type
class UpdateMemberPayload:
    member: Member


@strawberry.type
class DeactivateMemberPayload:
    member: Member


@strawberry.type
class MemberMutation:
    @mutation(description="Admins and HR (or `members:write`) add a member.")
    async def create_member(self, info: Info, input: CreateMemberInput) -> CreateMemberPayload:
        member = await write(info, members.create_member, input.to_new())
        return CreateMemberPayload(member=Member.of(member))

    @mutation(description="Change a member; a manager that would close a loop is `manager_cycle`.")
    async def update_member(self, info: Info, input: UpdateMemberInput) -> UpdateMemberPayload:
        member = await write(
            info,
            members.update_member,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        return UpdateMemberPayload(member=Member.of(member))

    @mutation(description="Deactivate a member (never deleted); `active: true` undoes.")
    async def deactivate_member(
        self, info: Info, input: DeactivateMemberInput
    ) -> DeactivateMemberPayload:
        member = await write(
            info, members.deactivate_member, input.id, expected_version=input.expected_version
        )
        return DeactivateMemberPayload(member=Member.of(member))
