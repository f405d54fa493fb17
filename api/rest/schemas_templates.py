# Chinese text is written with full-width punctuation (，：): not a look-alike mistake.
# ruff: noqa: RUF001, RUF003
"""Request and response bodies of OKR templates (模板): a reusable objective for a role, in
Chinese and English, with its key results, their milestones and actions; and the body that
instantiates one into a cycle. Inputs forbid unknown fields.

Decimals (a KR's ``start``, ``target`` and ``weight``, a milestone's ``weight``) are JSON
strings in responses ("6000000", "0.6"), like the key result bodies; inputs accept strings
or numbers. Texts are checked by the domain (``domain.templates.validate_template``), which
names a bad field by its path in the body: ``key_results[1].actions[0].title_en``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.shapes import Input
from domain.okrs import Direction, Level, MetricKind, OwnerKind, Visibility
from domain.organizations import Locale
from domain.templates import (
    DESCRIPTION_MAX,
    KEY_MAX,
    MAX_ACTIONS,
    MAX_KEY_RESULTS,
    MAX_MILESTONES,
    ROLE_NAME_MAX,
    TITLE_MAX,
    UNIT_MAX,
    Template,
    TemplateAction,
    TemplateKeyResult,
    TemplateMilestone,
)
from service.templates import NewObjectiveFromTemplate, TemplateInput

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"
_OTHER_ID = "01a209b4-22af-72e5-8995-2bb83bac405a"
_TITLE = f"At most {TITLE_MAX} characters."
_LONG = f"At most {DESCRIPTION_MAX} characters; in both languages or in neither."

# A template as a client writes it (also the create body's example).
TEMPLATE_EXAMPLE: dict[str, Any] = {
    "key": "key-account-manager",
    "role_name_zh": "大客户经理",
    "role_name_en": "Key account manager",
    "title_zh": "让重点客户持续增长并愿意续约",
    "title_en": "Grow our key accounts and keep them renewing",
    "description_zh": "增长与健康并重：只追销售额会透支客户关系。",
    "description_en": "Growth and health together: chasing revenue alone wears accounts out.",
    "level": "individual",
    "key_results": [
        {
            "title_zh": "重点客户年度合同额从800万元增至1000万元",
            "title_en": "Key-account contract value grows from 8 to 10 million CNY",
            "metric_kind": "currency",
            "start": "8000000",
            "target": "10000000",
            "currency": "CNY",
            "weight": "0.6",
            "actions": [
                {
                    "title_zh": "每季度与每个重点客户召开业务回顾会",
                    "title_en": "Hold a business review with every key account each quarter",
                    "completion_standard_zh": "会议纪要和下季度计划记录在CRM中",
                    "completion_standard_en": "Minutes and next quarter's plan are in the CRM",
                }
            ],
        },
        {
            "title_zh": "重点客户续约率从85%提升到95%",
            "title_en": "Key-account renewal rate rises from 85% to 95%",
            "metric_kind": "percent",
            "start": "85",
            "target": "95",
            "unit_zh": "%",
            "unit_en": "%",
            "weight": "0.4",
        },
    ],
}


# -- the template's parts ------------------------------------------------------------------


class TemplateMilestoneIn(Input):
    title_zh: str = Field(examples=["确定健康度指标"], description=_TITLE)
    title_en: str = Field(examples=["Agree the health measures"], description=_TITLE)
    weight: Decimal = Field(
        default=Decimal(1), examples=["1"], description="Greater than 0; counts in progress."
    )

    def to_domain(self) -> TemplateMilestone:
        return TemplateMilestone(self.title_zh, self.title_en, self.weight)


class TemplateActionIn(Input):
    title_zh: str = Field(examples=["每周检查上线进度"], description=_TITLE)
    title_en: str = Field(examples=["Review onboarding progress weekly"], description=_TITLE)
    completion_standard_zh: str = Field(
        default="", examples=["进度表每周五更新"], description="完成标准. " + _LONG
    )
    completion_standard_en: str = Field(
        default="",
        examples=["The progress sheet is updated every Friday"],
        description="What done means. " + _LONG,
    )

    def to_domain(self) -> TemplateAction:
        return TemplateAction(
            self.title_zh, self.title_en, self.completion_standard_zh, self.completion_standard_en
        )


class TemplateKeyResultIn(Input):
    title_zh: str = Field(examples=["老客户复购率从40%提升至55%"], description=_TITLE)
    title_en: str = Field(
        examples=["Repeat-purchase rate rises from 40% to 55%"], description=_TITLE
    )
    metric_kind: MetricKind = Field(examples=["percent"])
    start: Decimal = Field(
        examples=["40"], description="An example baseline the owner replaces with theirs."
    )
    target: Decimal = Field(examples=["55"])
    direction: Direction = Direction.INCREASE
    unit_zh: str | None = Field(
        default=None, examples=["%"], description=f"At most {UNIT_MAX}; with `unit_en` or not."
    )
    unit_en: str | None = Field(
        default=None, examples=["%"], description=f"At most {UNIT_MAX}; with `unit_zh` or not."
    )
    currency: str | None = Field(
        default=None, examples=[None], description="ISO 4217, for currency KRs."
    )
    weight: Decimal = Field(default=Decimal(1), examples=["1"])
    milestones: list[TemplateMilestoneIn] = Field(
        default_factory=list, description=f"Milestones KRs: at most {MAX_MILESTONES}."
    )
    actions: list[TemplateActionIn] = Field(
        default_factory=list, description=f"Tasks serving the KR (行动): at most {MAX_ACTIONS}."
    )

    def to_domain(self) -> TemplateKeyResult:
        return TemplateKeyResult(
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


class TemplateMilestoneOut(BaseModel):
    title_zh: str = Field(examples=["确定健康度指标"])
    title_en: str = Field(examples=["Agree the health measures"])
    weight: Decimal = Field(examples=["1"])

    @classmethod
    def of(cls, m: TemplateMilestone) -> TemplateMilestoneOut:
        return cls(title_zh=m.title_zh, title_en=m.title_en, weight=m.weight)


class TemplateActionOut(BaseModel):
    title_zh: str = Field(examples=["每周检查上线进度"])
    title_en: str = Field(examples=["Review onboarding progress weekly"])
    completion_standard_zh: str = Field(
        examples=["进度表每周五更新"], description="Empty when the template gives none."
    )
    completion_standard_en: str = Field(examples=["The progress sheet is updated every Friday"])

    @classmethod
    def of(cls, a: TemplateAction) -> TemplateActionOut:
        return cls(
            title_zh=a.title_zh,
            title_en=a.title_en,
            completion_standard_zh=a.completion_standard_zh,
            completion_standard_en=a.completion_standard_en,
        )


class TemplateKeyResultOut(BaseModel):
    title_zh: str = Field(examples=["老客户复购率从40%提升至55%"])
    title_en: str = Field(examples=["Repeat-purchase rate rises from 40% to 55%"])
    metric_kind: MetricKind = Field(examples=["percent"])
    start: Decimal = Field(examples=["40"])
    target: Decimal = Field(examples=["55"])
    direction: Direction = Field(examples=["increase"])
    unit_zh: str | None = Field(examples=["%"])
    unit_en: str | None = Field(examples=["%"])
    currency: str | None = Field(examples=[None])
    weight: Decimal = Field(examples=["1"])
    milestones: list[TemplateMilestoneOut]
    actions: list[TemplateActionOut]

    @classmethod
    def of(cls, kr: TemplateKeyResult) -> TemplateKeyResultOut:
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
            milestones=[TemplateMilestoneOut.of(m) for m in kr.milestones],
            actions=[TemplateActionOut.of(a) for a in kr.actions],
        )


# -- templates -------------------------------------------------------------------------------


class TemplateOut(BaseModel):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    key: str | None = Field(
        examples=["sales-manager"],
        description="A stable slug: every built-in has one, an organization's own may.",
    )
    builtin: bool = Field(
        examples=[True],
        description="Shipped with the service, the same in every organization, read-only.",
    )
    role_name_zh: str = Field(examples=["销售经理"])
    role_name_en: str = Field(examples=["Sales manager"])
    title_zh: str = Field(examples=["带领团队达成季度销售目标，且业绩健康可持续"])
    title_en: str = Field(
        examples=["Lead the team to its quarterly sales target with healthy, lasting business"]
    )
    description_zh: str
    description_en: str
    level: Level = Field(examples=["team"], description="The level the objective is suggested at.")
    key_results: list[TemplateKeyResultOut]
    version: int = Field(examples=[1], description="Always 1 for a built-in.")
    created_at: datetime | None = Field(description="null for a built-in.")
    updated_at: datetime | None = Field(description="null for a built-in.")

    @classmethod
    def of(cls, t: Template) -> TemplateOut:
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
            key_results=[TemplateKeyResultOut.of(kr) for kr in t.key_results],
            version=t.version,
            created_at=t.created_at,
            updated_at=t.updated_at,
        )


class TemplateCreate(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [TEMPLATE_EXAMPLE]})
    key: str | None = Field(
        default=None,
        description=f"A lower-case slug (`key-account-manager`), at most {KEY_MAX}; unique "
        "among the built-ins and the organization's templates.",
    )
    role_name_zh: str = Field(description=f"At most {ROLE_NAME_MAX} characters.")
    role_name_en: str = Field(description=f"At most {ROLE_NAME_MAX} characters.")
    title_zh: str = Field(description="The objective's title. " + _TITLE)
    title_en: str = Field(description="The objective's title. " + _TITLE)
    description_zh: str = Field(default="", description=_LONG)
    description_en: str = Field(default="", description=_LONG)
    level: Level = Field(default=Level.INDIVIDUAL, description="The suggested level.")
    key_results: list[TemplateKeyResultIn] = Field(
        description=f"1 to {MAX_KEY_RESULTS} (the linter asks for 2 to 5), at least one "
        "weighing more than 0."
    )

    def to_input(self) -> TemplateInput:
        return TemplateInput(
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


class TemplatePatch(Input):
    """JSON merge: send only what changes; `key_results` replaces every KR; `key: null`
    removes the key."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title_zh": "让重点客户持续增长",
                    "title_en": "Grow our key accounts",
                }
            ]
        },
    )
    key: str | None = None
    role_name_zh: str | None = None
    role_name_en: str | None = None
    title_zh: str | None = None
    title_en: str | None = None
    description_zh: str | None = None
    description_en: str | None = None
    level: Level | None = None
    key_results: list[TemplateKeyResultIn] | None = Field(
        default=None, description="Replaces every key result."
    )


class TemplateInstantiate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "cycle_id": _EXAMPLE_ID,
                    "locale": "zh-CN",
                    "parent_objective_id": _OTHER_ID,
                }
            ]
        },
    )
    cycle_id: UUID = Field(description="A cycle that is not closed.")
    owner_kind: OwnerKind = Field(default=OwnerKind.MEMBER, description="A member or a unit.")
    owner_id: UUID | None = Field(
        default=None, description="Default: you (a member). Required for a unit."
    )
    locale: Locale | None = Field(
        default=None,
        description="The language of the objective's texts: `zh-CN` or `en`. Default: the "
        "organization's.",
    )
    level: Level | None = Field(
        default=None,
        description="Default: a unit's rank for a unit's objective, else the template's.",
    )
    visibility: Visibility = Visibility.PUBLIC
    parent_objective_id: UUID | None = Field(default=None, description="Align it to this.")
    parent_key_result_id: UUID | None = Field(
        default=None, description="Or contribute to this KR of another objective."
    )

    def to_new(self) -> NewObjectiveFromTemplate:
        return NewObjectiveFromTemplate(
            cycle_id=self.cycle_id,
            owner_kind=self.owner_kind,
            owner_id=self.owner_id,
            locale=self.locale,
            level=self.level,
            visibility=self.visibility,
            parent_objective_id=self.parent_objective_id,
            parent_key_result_id=self.parent_key_result_id,
        )
