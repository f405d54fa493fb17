"""The GraphQL schema: the org model here, OKRs in ``okr_schema``; the same use cases as
REST, camelCase.

Limits are on by default (settings): query depth, aliases, tokens, and ``first`` at most
200; introspection (and field suggestions, which leak the schema too) can be switched off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Annotated
from uuid import UUID

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.types.base_scalars import DateTimeDefinition, DecimalDefinition
from strawberry.types import ExecutionContext

from api.config import GraphQLConfig
from api.cycles.graphql import CycleMutation, CycleQuery
from api.decimals import plain, plain_text
from api.graphql.connections import (
    AFTER,
    FIRST,
    Connection,
    SortArg,
    UpdatedSinceArg,
    page_request,
    sorted_connection,
)
from api.graphql.context import Info
from api.graphql.errors import ErrorCodes, log_unexpected
from api.graphql.fields import field, mutation
from api.graphql.inputs import (
    CreateMemberInput,
    CreateUnitInput,
    DeactivateMemberInput,
    DeleteUnitInput,
    MemberFilterInput,
    UnitFilterInput,
    UpdateMemberInput,
    UpdateOrganizationInput,
    UpdateUnitInput,
)
from api.graphql.kpi_schema import KpiMutation, KpiQuery
from api.graphql.limits import DocumentSizeLimiter, IntrospectionDepthLimiter, UnstorableStrings
from api.graphql.management_schema import ManagementMutation, ManagementQuery
from api.graphql.okr_schema import OkrMutation, OkrQuery
from api.graphql.quality_types import QualityQuery
from api.graphql.review_schema import ReviewMutation, ReviewQuery
from api.graphql.template_schema import TemplateMutation, TemplateQuery
from api.graphql.types import Member, Organization, OrgUnit
from api.times import utc_text
from service import members, organizations, units
from service.pagination import DEFAULT_LIMIT, Sort


@strawberry.type
class OrgModelQuery:
    @field(description="The caller's organization.")
    async def organization(self, info: Info) -> Organization:
        ctx = info.context
        return Organization.of(await organizations.get_organization(ctx.deps, ctx.principal))

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
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        filter: MemberFilterInput | None = None,
        sort: SortArg = Sort.CREATED_AT,
        updated_since: UpdatedSinceArg = None,
    ) -> Connection[Member]:
        ctx = info.context
        page = page_request(first, after, sort=sort, updated_since=updated_since)
        filters = (filter or MemberFilterInput()).to_filter()
        found = await members.list_members(ctx.deps, ctx.principal, filters, page)
        return sorted_connection(found, Member.of, lambda m: m)

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
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
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
class Query(
    OkrQuery,
    ReviewQuery,
    QualityQuery,
    TemplateQuery,
    KpiQuery,
    ManagementQuery,
    OrgModelQuery,
    CycleQuery,
):
    """Every capability's queries, in the order the schema lists them."""


# -- mutation payloads ---------------------------------------------------------------------


@strawberry.type
class UpdateOrganizationPayload:
    organization: Organization


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
class CreateUnitPayload:
    unit: OrgUnit


@strawberry.type
class UpdateUnitPayload:
    unit: OrgUnit


@strawberry.type
class DeleteUnitPayload:
    deleted_unit_id: UUID


@strawberry.type
class OrgModelMutation:
    @mutation(description="Admins change the name, time zone, locale, scoring and review defaults.")
    async def update_organization(
        self,
        info: Info,
        input: UpdateOrganizationInput,
    ) -> UpdateOrganizationPayload:
        ctx = info.context
        org = await organizations.update_organization(
            ctx.deps, ctx.principal, input.to_changes(), expected_version=input.expected_version
        )
        ctx.forget_loaded()
        return UpdateOrganizationPayload(organization=Organization.of(org))

    @mutation(description="Admins and HR (or `members:write`) add a member.")
    async def create_member(
        self,
        info: Info,
        input: CreateMemberInput,
    ) -> CreateMemberPayload:
        ctx = info.context
        member = await members.create_member(ctx.deps, ctx.principal, input.to_new())
        ctx.forget_loaded()
        return CreateMemberPayload(member=Member.of(member))

    @mutation(description="Change a member; a manager that would close a loop is `manager_cycle`.")
    async def update_member(
        self,
        info: Info,
        input: UpdateMemberInput,
    ) -> UpdateMemberPayload:
        ctx = info.context
        member = await members.update_member(
            ctx.deps,
            ctx.principal,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        ctx.forget_loaded()
        return UpdateMemberPayload(member=Member.of(member))

    @mutation(description="Deactivate a member (never deleted); `active: true` undoes.")
    async def deactivate_member(
        self,
        info: Info,
        input: DeactivateMemberInput,
    ) -> DeactivateMemberPayload:
        ctx = info.context
        member = await members.deactivate_member(
            ctx.deps, ctx.principal, input.id, expected_version=input.expected_version
        )
        ctx.forget_loaded()
        return DeactivateMemberPayload(member=Member.of(member))

    @mutation(description="Admins add a unit to the org tree.")
    async def create_unit(
        self,
        info: Info,
        input: CreateUnitInput,
    ) -> CreateUnitPayload:
        ctx = info.context
        unit = await units.create_unit(ctx.deps, ctx.principal, input.to_new())
        ctx.forget_loaded()
        return CreateUnitPayload(unit=OrgUnit.of(unit))

    @mutation(description="Admins rename, move or re-lead a unit.")
    async def update_unit(
        self,
        info: Info,
        input: UpdateUnitInput,
    ) -> UpdateUnitPayload:
        ctx = info.context
        unit = await units.update_unit(
            ctx.deps,
            ctx.principal,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        ctx.forget_loaded()
        return UpdateUnitPayload(unit=OrgUnit.of(unit))

    @mutation(description="Admins delete a unit with no sub-units.")
    async def delete_unit(
        self,
        info: Info,
        input: DeleteUnitInput,
    ) -> DeleteUnitPayload:
        ctx = info.context
        await units.delete_unit(
            ctx.deps, ctx.principal, input.id, expected_version=input.expected_version
        )
        ctx.forget_loaded()
        return DeleteUnitPayload(deleted_unit_id=input.id)


@strawberry.type
class Mutation(
    OkrMutation,
    ReviewMutation,
    TemplateMutation,
    KpiMutation,
    ManagementMutation,
    OrgModelMutation,
    CycleMutation,
):
    """Every capability's mutations, in the order the schema lists them."""


class OkrSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry logs every error with its traceback; ours are the client's to read.
        log_unexpected(errors, execution_context)


# The token limit counts no comment or whitespace; a document may be this many characters
# per token allowed (100,000 at the default 2,000 tokens), and no longer.
CHARACTERS_PER_TOKEN = 50


def _serialize_decimal(value: object) -> str:
    return plain_text(value) if isinstance(value, Decimal) else str(value)


def _parse_decimal(value: object) -> object:
    parsed = DecimalDefinition.parse_value(value)  # type: ignore[misc]
    return plain(parsed) if isinstance(parsed, Decimal) else parsed


# Strawberry's Decimal prints exponent form (1E+3) where REST and the database say 1000.
PLAIN_DECIMAL = dataclasses.replace(
    DecimalDefinition, serialize=_serialize_decimal, parse_value=_parse_decimal
)


def _serialize_datetime(value: object) -> str:
    return utc_text(value) if isinstance(value, datetime) else str(value)


# Strawberry prints isoformat (+00:00, or the offset a value happens to carry); REST says
# RFC 3339 in UTC with Z, and so does every DateTime here, the echoed asOf included.
UTC_DATETIME = dataclasses.replace(
    DateTimeDefinition,
    description="An instant, RFC 3339 in UTC with Z, e.g. 2027-05-03T18:30:00Z.",
    serialize=_serialize_datetime,
)


def build_schema(config: GraphQLConfig) -> strawberry.Schema:
    """The schema with its limits; extensions are factories, so no state is shared by requests."""
    extensions: list[Callable[[], SchemaExtension]] = [
        partial(DocumentSizeLimiter, max_chars=config.max_tokens * CHARACTERS_PER_TOKEN),
        partial(QueryDepthLimiter, max_depth=config.max_depth),
        partial(IntrospectionDepthLimiter, max_depth=config.max_depth),
        partial(MaxAliasesLimiter, max_alias_count=config.max_aliases),
        partial(MaxTokensLimiter, max_token_count=config.max_tokens),
        UnstorableStrings,
        ErrorCodes,
    ]
    if not config.introspection:
        extensions.append(DisableIntrospection)
    return OkrSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        scalar_overrides={Decimal: PLAIN_DECIMAL, datetime: UTC_DATETIME},
        config=StrawberryConfig(disable_field_suggestions=not config.introspection),
    )
