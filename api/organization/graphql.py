"""The caller's organization in the graph: the ``Organization`` type's cycles, the
``organization`` query and the ``updateOrganization`` mutation.

The fields of ``Organization``, of its settings groups and of the update input are the
shapes of ``api.organization.shapes``; only what GraphQL adds is here: the organization's
cycles (the root ``cycles`` list), ``expectedVersion`` and the payload.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import strawberry

from api.cycles.graphql import cycle_page
from api.graphql.context import Info
from api.graphql.fields import field, mutation
from api.graphql.mutations import write
from api.organization.shapes import OrganizationOut, OrganizationPatch
from service import organizations


@strawberry.pydantic.type(description="The caller's organization and the defaults its OKRs use.")
class Organization(OrganizationOut):
    time_zone: Annotated[
        str, strawberry.field(description="An IANA time zone, e.g. Asia/Shanghai.")
    ]

    # The root list's resolver, as a field of the type (no model field: a class variable).
    cycles: ClassVar = strawberry.pydantic.field(
        cycle_page,
        description="The organization's OKR cycles in `sort` order (oldest first by "
        "default), a page at a time: the same list as the root `cycles` (one statement; a "
        "caller has one organization, so there is nothing to batch).",
    )


@strawberry.pydantic.input(description="Send only what changes.")
class UpdateOrganizationInput(OrganizationPatch):
    expected_version: int | None = None


@strawberry.type
class OrganizationQuery:
    @field(description="The caller's organization.")
    async def organization(self, info: Info) -> Organization:
        ctx = info.context
        return Organization.of(await organizations.get_organization(ctx.deps, ctx.principal))


@strawberry.type
class UpdateOrganizationPayload:
    organization: Organization


@strawberry.type
class OrganizationMutation:
    @mutation(description="Admins change the name, time zone, locale, scoring and review defaults.")
    async def update_organization(
        self, info: Info, input: UpdateOrganizationInput
    ) -> UpdateOrganizationPayload:
        org = await write(
            info,
            organizations.update_organization,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        return UpdateOrganizationPayload(organization=Organization.of(org))
