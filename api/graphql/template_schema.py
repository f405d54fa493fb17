"""OKR templates (模板) over GraphQL: the types, the inputs, and the ``TemplateQuery`` and
``TemplateMutation`` fields ``schema.Query`` and ``schema.Mutation`` inherit, over the same
use cases as REST's /v1/templates (``service.templates``).

A template is a reusable objective for a role, in Chinese and English, with its key
results, their milestones and actions. The built-ins ship with the service: every
organization lists them first under the same ids, and nobody may change them
(``template_read_only``). An organization's own are read by its members and written by its
admins and managers; another organization's is ``not_found``. ``instantiateTemplate``
creates a draft objective with its KRs and actions in one transaction and returns it as
``objective`` does.

Decimals are the ``Decimal`` scalar, serialized as strings like the OKR types. Field errors
name the input's fields by path (``keyResults[1].actions[0].titleEn``). After a write the
request's loaders are dropped, so nested fields of the payload read the new state.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import strawberry

from api.graphql.connections import AFTER, FIRST, Connection, connection, page_request
from api.graphql.context import Info
from api.graphql.enums import Direction, Level, Locale, MetricKind, OwnerKind, Visibility
from api.graphql.fields import field, mutation
from api.graphql.inputs import Sent
from api.graphql.okr_types import Objective
from domain import templates as domain_templates
from domain.errors import FieldError, RuleViolation
from service import templates
from service.pagination import DEFAULT_LIMIT
from service.patch import UNSET
from service.template_ports import TemplateFilter

_MAX_FILTER_LENGTH = 200


# -- types -----------------------------------------------------------------------------------


@strawberry.type(description="A step of a milestones key result.")
class TemplateMilestone:
    title_zh: str
    title_en: str
    weight: Decimal = strawberry.field(description="Counts in the KR's progress.")

    @classmethod
    def of(cls, m: domain_templates.TemplateMilestone) -> TemplateMilestone:
        return cls(title_zh=m.title_zh, title_en=m.title_en, weight=m.weight)


@strawberry.type(description="A task serving a key result (行动), with what done means.")
class TemplateAction:
    title_zh: str
    title_en: str
    completion_standard_zh: str = strawberry.field(
        description="完成标准; empty when the template gives none."
    )
    completion_standard_en: str = strawberry.field(
        description="What done means; empty when the template gives none."
    )

    @classmethod
    def of(cls, a: domain_templates.TemplateAction) -> TemplateAction:
        return cls(
            title_zh=a.title_zh,
            title_en=a.title_en,
            completion_standard_zh=a.completion_standard_zh,
            completion_standard_en=a.completion_standard_en,
        )


@strawberry.type(
    description="A key result as a template suggests it; `start` and `target` are examples "
    "the owner adjusts to their baseline."
)
class TemplateKeyResult:
    title_zh: str
    title_en: str
    metric_kind: MetricKind
    start: Decimal
    target: Decimal
    direction: Direction
    unit_zh: str | None
    unit_en: str | None
    currency: str | None = strawberry.field(description="ISO 4217, for currency KRs.")
    weight: Decimal
    milestones: list[TemplateMilestone]
    actions: list[TemplateAction]

    @classmethod
    def of(cls, kr: domain_templates.TemplateKeyResult) -> TemplateKeyResult:
        return cls(
            title_zh=kr.title_zh,
            title_en=kr.title_en,
            metric_kind=kr.metric_kind,
            start=kr.start,
            target=kr.target,
            direction=kr.direction,
            unit_zh=kr.unit_zh,
            unit_en=kr.unit_en,
            currency=kr.currency,
            weight=kr.weight,
            milestones=[TemplateMilestone.of(m) for m in kr.milestones],
            actions=[TemplateAction.of(a) for a in kr.actions],
        )


@strawberry.type(
    description="An OKR template (模板): a reusable objective for a role, in Chinese and "
    "English, with its key results and their actions."
)
class Template:
    id: UUID
    key: str | None = strawberry.field(
        description="A stable slug (sales-manager): every built-in has one, an "
        "organization's own may."
    )
    builtin: bool = strawberry.field(
        description="Shipped with the service, the same in every organization, read-only."
    )
    role_name_zh: str
    role_name_en: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    level: Level = strawberry.field(description="The level the objective is suggested at.")
    key_results: list[TemplateKeyResult]
    version: int = strawberry.field(description="Always 1 for a built-in.")
    created_at: datetime | None = strawberry.field(description="null for a built-in.")
    updated_at: datetime | None = strawberry.field(description="null for a built-in.")

    @classmethod
    def of(cls, t: domain_templates.Template) -> Template:
        return cls(
            id=t.id,
            key=t.key,
            builtin=t.is_builtin,
            role_name_zh=t.role_name_zh,
            role_name_en=t.role_name_en,
            title_zh=t.title_zh,
            title_en=t.title_en,
            description_zh=t.description_zh,
            description_en=t.description_en,
            level=t.level,
            key_results=[TemplateKeyResult.of(kr) for kr in t.key_results],
            version=t.version,
            created_at=t.created_at,
            updated_at=t.updated_at,
        )


# -- inputs ----------------------------------------------------------------------------------


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


@strawberry.input(description="A step of a milestones key result.")
class TemplateMilestoneInput:
    title_zh: str
    title_en: str
    weight: Decimal = strawberry.field(default=Decimal(1), description="Greater than 0.")

    def to_domain(self) -> domain_templates.TemplateMilestone:
        return domain_templates.TemplateMilestone(self.title_zh, self.title_en, self.weight)


@strawberry.input(description="A task serving a key result, with what done means (optional).")
class TemplateActionInput:
    title_zh: str
    title_en: str
    completion_standard_zh: str = strawberry.field(
        default="", description="In both languages or in neither."
    )
    completion_standard_en: str = strawberry.field(
        default="", description="In both languages or in neither."
    )

    def to_domain(self) -> domain_templates.TemplateAction:
        return domain_templates.TemplateAction(
            self.title_zh, self.title_en, self.completion_standard_zh, self.completion_standard_en
        )


@strawberry.input(
    description="A key result of a template; the metric rules are those of key results."
)
class TemplateKeyResultInput:
    title_zh: str
    title_en: str
    metric_kind: MetricKind
    start: Decimal
    target: Decimal
    direction: Direction = Direction.INCREASE
    unit_zh: str | None = strawberry.field(default=None, description="With `unitEn`, or neither.")
    unit_en: str | None = strawberry.field(default=None, description="With `unitZh`, or neither.")
    currency: str | None = strawberry.field(default=None, description="ISO 4217.")
    weight: Decimal = Decimal(1)
    milestones: list[TemplateMilestoneInput] = strawberry.field(default_factory=list)
    actions: list[TemplateActionInput] = strawberry.field(default_factory=list)

    def to_domain(self) -> domain_templates.TemplateKeyResult:
        return domain_templates.TemplateKeyResult(
            self.title_zh,
            self.title_en,
            metric_kind=self.metric_kind,
            start=self.start,
            target=self.target,
            direction=self.direction,
            unit_zh=self.unit_zh,
            unit_en=self.unit_en,
            currency=self.currency,
            weight=self.weight,
            milestones=tuple(m.to_domain() for m in self.milestones),
            actions=tuple(a.to_domain() for a in self.actions),
        )


@strawberry.input(
    description="A new template of the organization: 1 to 5 KRs, texts in both languages; "
    "a `key` a built-in or another template has is `template_key_taken`."
)
class CreateTemplateInput:
    role_name_zh: str
    role_name_en: str
    title_zh: str
    title_en: str
    key_results: list[TemplateKeyResultInput]
    description_zh: str = ""
    description_en: str = ""
    level: Level = Level.INDIVIDUAL
    key: str | None = strawberry.field(
        default=None, description="A lower-case slug (key-account-manager)."
    )

    def to_input(self) -> templates.TemplateInput:
        return templates.TemplateInput(
            role_name_zh=self.role_name_zh,
            role_name_en=self.role_name_en,
            title_zh=self.title_zh,
            title_en=self.title_en,
            key_results=[kr.to_domain() for kr in self.key_results],
            level=self.level,
            description_zh=self.description_zh,
            description_en=self.description_en,
            key=self.key,
        )


@strawberry.input(
    description="Send only what changes; `keyResults` replaces every KR; `key: null` "
    "removes the key. Built-ins are `template_read_only`."
)
class UpdateTemplateInput:
    id: UUID
    key: str | None = strawberry.UNSET
    role_name_zh: str | None = strawberry.UNSET
    role_name_en: str | None = strawberry.UNSET
    title_zh: str | None = strawberry.UNSET
    title_en: str | None = strawberry.UNSET
    description_zh: str | None = strawberry.UNSET
    description_en: str | None = strawberry.UNSET
    level: Level | None = strawberry.UNSET
    key_results: list[TemplateKeyResultInput] | None = strawberry.UNSET
    expected_version: int | None = None

    def to_changes(self) -> dict[str, Any]:
        """The fields sent, as ``TemplateInput`` names them."""
        sent = Sent()
        key_results = sent.value(self.key_results, "keyResults")
        values: dict[str, Any] = {
            "key": sent.nullable(self.key),
            "role_name_zh": sent.value(self.role_name_zh, "roleNameZh"),
            "role_name_en": sent.value(self.role_name_en, "roleNameEn"),
            "title_zh": sent.value(self.title_zh, "titleZh"),
            "title_en": sent.value(self.title_en, "titleEn"),
            "description_zh": sent.value(self.description_zh, "descriptionZh"),
            "description_en": sent.value(self.description_en, "descriptionEn"),
            "level": sent.value(self.level, "level"),
            "key_results": UNSET
            if key_results is UNSET
            else tuple(kr.to_domain() for kr in key_results),
        }
        sent.check()
        return {name: value for name, value in values.items() if value is not UNSET}


@strawberry.input(description="Deletes one of the organization's templates for good.")
class DeleteTemplateInput:
    id: UUID
    expected_version: int | None = None


@strawberry.input(
    description="Where a template's draft objective goes and who owns it, as for `createObjective`."
)
class InstantiateTemplateInput:
    template_id: UUID
    cycle_id: UUID = strawberry.field(description="A cycle that is not closed.")
    owner_kind: OwnerKind = OwnerKind.MEMBER
    owner_id: UUID | None = strawberry.field(
        default=None, description="Default: you (a member). Required for a unit."
    )
    locale: Locale | None = strawberry.field(
        default=None, description="The language of the texts; default: the organization's."
    )
    level: Level | None = strawberry.field(
        default=None,
        description="Default: a unit's rank for a unit's objective, else the template's.",
    )
    visibility: Visibility = Visibility.PUBLIC
    parent_objective_id: UUID | None = None
    parent_key_result_id: UUID | None = None

    def to_new(self) -> templates.NewObjectiveFromTemplate:
        return templates.NewObjectiveFromTemplate(
            cycle_id=self.cycle_id,
            owner_kind=self.owner_kind,
            owner_id=self.owner_id,
            locale=self.locale,
            level=self.level,
            visibility=self.visibility,
            parent_objective_id=self.parent_objective_id,
            parent_key_result_id=self.parent_key_result_id,
        )


# -- queries ---------------------------------------------------------------------------------


@strawberry.type
class TemplateQuery:
    @field(
        description="The built-in templates first, in a fixed order, then the organization's "
        "own, oldest first, a page at a time."
    )
    async def templates(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST)] = DEFAULT_LIMIT,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        filter: TemplateFilterInput | None = None,
    ) -> Connection[Template]:
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
        return connection(found, Template.of, lambda t: t.id)

    @field(
        description="A built-in template or one of the organization's own (another "
        "organization's: `not_found`)."
    )
    async def template(self, info: Info, id: UUID) -> Template | None:
        ctx = info.context
        return Template.of(await templates.get_template(ctx.deps, ctx.principal, id))


# -- payloads --------------------------------------------------------------------------------


@strawberry.type
class CreateTemplatePayload:
    template: Template


@strawberry.type
class UpdateTemplatePayload:
    template: Template


@strawberry.type
class DeleteTemplatePayload:
    deleted_template_id: UUID


@strawberry.type
class InstantiateTemplatePayload:
    objective: Objective = strawberry.field(
        description="The draft objective created, with its key results."
    )


# -- mutations -------------------------------------------------------------------------------


@strawberry.type
class TemplateMutation:
    @mutation(description="Admins and managers add a template to the organization.")
    async def create_template(
        self, info: Info, input: CreateTemplateInput
    ) -> CreateTemplatePayload:
        ctx = info.context
        created = await templates.create_template(ctx.deps, ctx.principal, input.to_input())
        ctx.forget_loaded()
        return CreateTemplatePayload(template=Template.of(created))

    @mutation(
        description="Admins and managers change one of the organization's templates; the "
        "whole template is checked again. Built-ins: `template_read_only`."
    )
    async def update_template(
        self, info: Info, input: UpdateTemplateInput
    ) -> UpdateTemplatePayload:
        ctx = info.context
        updated = await templates.update_template(
            ctx.deps,
            ctx.principal,
            input.id,
            templates.TemplateChanges(**input.to_changes()),
            expected_version=input.expected_version,
        )
        ctx.forget_loaded()
        return UpdateTemplatePayload(template=Template.of(updated))

    @mutation(
        description="Admins and managers delete one of the organization's templates; the "
        "objectives made from it stay. Built-ins: `template_read_only`."
    )
    async def delete_template(
        self, info: Info, input: DeleteTemplateInput
    ) -> DeleteTemplatePayload:
        ctx = info.context
        await templates.delete_template(
            ctx.deps, ctx.principal, input.id, expected_version=input.expected_version
        )
        ctx.forget_loaded()
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
        ctx = info.context
        view = await templates.instantiate_template(
            ctx.deps, ctx.principal, input.template_id, input.to_new()
        )
        ctx.forget_loaded()
        return InstantiateTemplatePayload(objective=Objective.of(view))
