"""OKR templates (模板) in the graph: the ``templates`` and ``template`` queries and the
create, update, delete and instantiate mutations, over the same use cases as REST's
/v1/templates (``service.templates``).

The fields of ``Template`` and of the create and update inputs are the shapes of
``api.templates.shapes``; only what GraphQL adds is here: the node ids and
``expectedVersion``, the list filter, the delete input and the payloads. The built-ins ship
with the service: every organization lists them first under the same ids, and nobody may
change them (``template_read_only``); another organization's is ``not_found``.
``instantiateTemplate`` creates a draft objective with its KRs and actions in one
transaction and returns it as ``objective`` does. Field errors of the domain name the
input's fields by path (``keyResults[1].actions[0].titleEn``).
"""

from __future__ import annotations

from uuid import UUID

import strawberry
from pydantic import BaseModel

from api.graphql.connections import AfterArg, Connection, FirstArg, connection, page_request
from api.graphql.context import Info
from api.graphql.fields import field, mutation
from api.graphql.mutations import NodeId, write
from api.objectives.graphql import Objective
from api.templates.shapes import TemplateCreate, TemplateInstantiate, TemplateOut, TemplatePatch
from domain.errors import FieldError, RuleViolation
from service import templates
from service.pagination import DEFAULT_LIMIT
from service.template_ports import TemplateFilter

# REST's ``role`` and ``q`` query parameters are as long at most.
_MAX_FILTER_LENGTH = 200


@strawberry.pydantic.input(
    description="Send only what changes; `keyResults` replaces every KR; `key: null` "
    "removes the key. Built-ins are `template_read_only`."
)
class UpdateTemplateInput(TemplatePatch, NodeId):
    expected_version: int | None = None


class TemplateId(BaseModel):
    template_id: UUID


@strawberry.pydantic.input(
    description="Where a template's draft objective goes and who owns it, as for `createObjective`."
)
class InstantiateTemplateInput(TemplateInstantiate, TemplateId):
    pass


@strawberry.input(description="Deletes one of the organization's templates for good.")
class DeleteTemplateInput:
    id: UUID
    expected_version: int | None = None


@strawberry.input(description="Narrows `templates`; every field given must match.")
class TemplateFilterInput:
    role: str | None = strawberry.field(
        default=None, description="A role name in either language, whole, any case."
    )
    key: str | None = strawberry.field(default=None, description="The template's key, exactly.")
    q: str | None = strawberry.field(
        default=None, description="Part of a title or role name, either language, any case."
    )
    include_builtin: bool = strawberry.field(
        default=True, description="false: the organization's own templates alone."
    )

    def to_filter(self) -> TemplateFilter:
        too_long = [
            FieldError(f"filter.{name}", f"at most {_MAX_FILTER_LENGTH} characters", "too_long")
            for name, value in (("role", self.role), ("key", self.key), ("q", self.q))
            if value is not None and len(value) > _MAX_FILTER_LENGTH
        ]
        if too_long:
            raise RuleViolation("a filter is too long", code="validation_failed", errors=too_long)
        return TemplateFilter(role=self.role, key=self.key, q=self.q)


@strawberry.type
class TemplateQuery:
    @field(
        description="The built-in templates first, in a fixed order, then the organization's "
        "own, oldest first, a page at a time."
    )
    async def templates(
        self,
        info: Info,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        filter: TemplateFilterInput | None = None,
    ) -> Connection[TemplateOut]:
        ctx = info.context
        page = page_request(first, after)
        given = filter or TemplateFilterInput()
        found = await templates.list_templates(
            ctx.deps,
            ctx.principal,
            given.to_filter(),
            page,
            include_builtin=given.include_builtin,
        )
        return connection(found, TemplateOut.of, lambda t: t.id)

    @field(
        description="A built-in template or one of the organization's own (another "
        "organization's: `not_found`)."
    )
    async def template(self, info: Info, id: UUID) -> TemplateOut | None:
        ctx = info.context
        return TemplateOut.of(await templates.get_template(ctx.deps, ctx.principal, id))


@strawberry.type
class CreateTemplatePayload:
    template: TemplateOut


@strawberry.type
class UpdateTemplatePayload:
    template: TemplateOut


@strawberry.type
class DeleteTemplatePayload:
    deleted_template_id: UUID


@strawberry.type
class InstantiateTemplatePayload:
    objective: Objective = strawberry.field(
        description="The draft objective created, with its key results."
    )


@strawberry.type
class TemplateMutation:
    @mutation(description="Admins and managers add a template to the organization.")
    async def create_template(self, info: Info, input: TemplateCreate) -> CreateTemplatePayload:
        created = await write(info, templates.create_template, input.to_input())
        return CreateTemplatePayload(template=TemplateOut.of(created))

    @mutation(
        description="Admins and managers change one of the organization's templates; the "
        "whole template is checked again. Built-ins: `template_read_only`."
    )
    async def update_template(
        self, info: Info, input: UpdateTemplateInput
    ) -> UpdateTemplatePayload:
        updated = await write(
            info,
            templates.update_template,
            input.id,
            input.to_changes(),
            expected_version=input.expected_version,
        )
        return UpdateTemplatePayload(template=TemplateOut.of(updated))

    @mutation(
        description="Admins and managers delete one of the organization's templates; the "
        "objectives made from it stay. Built-ins: `template_read_only`."
    )
    async def delete_template(
        self, info: Info, input: DeleteTemplateInput
    ) -> DeleteTemplatePayload:
        await write(
            info, templates.delete_template, input.id, expected_version=input.expected_version
        )
        return DeleteTemplatePayload(deleted_template_id=input.id)

    @mutation(
        description="Create a draft objective from a template in one transaction: its KRs "
        "(with milestones, due at the cycle's end, owned by the objective's owner or a "
        "unit's lead) and their actions; the rules of `createObjective` apply "
        "(`cycle_closed`, `unknown_reference`, `forbidden`, alignment)."
    )
    async def instantiate_template(
        self, info: Info, input: InstantiateTemplateInput
    ) -> InstantiateTemplatePayload:
        view = await write(info, templates.instantiate_template, input.template_id, input.to_new())
        return InstantiateTemplatePayload(objective=Objective.of(view))
