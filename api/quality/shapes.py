# Chinese text is written with full-width punctuation (，：): not a look-alike mistake.
# ruff: noqa: RUF001, RUF003
"""The shapes of the OKR linter (domain/quality.py): REST bodies and GraphQL types are these.

``FindingOut`` and ``QualityReportOut`` are REST's report and GraphQL's ``QualityFinding``
and ``QualityReport``; ``ObjectiveDraftIn`` / ``KeyResultDraftIn`` are REST's draft and the
bases of GraphQL's draft inputs (``api.quality.graphql``), which only count milestones.
Nothing here is stored, so nothing is echoed back but findings.

Decimals accept JSON strings or numbers over REST, like the key result create body.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry
from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictInt, Tag

from api.graphql.enums import Level, Locale, MetricKind, OwnerKind
from api.shapes import Input
from domain.limits import OKR_DESCRIPTION_MAX_LENGTH, OKR_TITLE_MAX_LENGTH
from domain.quality import Finding, KeyResultDraft, ObjectiveDraft, QualityCode, Severity
from service.quality import DraftContext, QualityReport

# How much a draft may hold: a bound on the request, not a rule of the domain.
MAX_DRAFT_KEY_RESULTS = 50
MAX_DRAFT_MILESTONES = 100

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"
Title = Annotated[str, Field(max_length=OKR_TITLE_MAX_LENGTH)]

# The domain's enums, registered for GraphQL in place (named like the others: KR_IS_TASK).
strawberry.enum(
    QualityCode,
    description='A quality rule (DOMAIN.md "What makes a good OKR"): KR_COUNT (2 to 5 KRs), '
    "TOO_MANY_OBJECTIVES (focus), NOT_ALIGNED, END_STATE_ONLY (终局误区), KR_NOT_MEASURABLE, "
    "KR_IS_TASK, KR_NO_OWNER, KR_NO_MIDWAY_PROGRESS, LONG_HORIZON (长效误区).",
)
strawberry.enum(
    Severity,
    name="QualitySeverity",
    description="ERROR: the KR cannot be scored or nobody answers for it; WARNING: a rule of "
    "the articles is broken; INFO: advice with a limit that is our default.",
)


# -- the report ----------------------------------------------------------------------------
# Each message is in the report's language: computed, so these keep an ``of`` of their own.


@strawberry.pydantic.type(
    name="QualityFinding", description="One problem the linter found, with what to do about it."
)
class FindingOut(BaseModel):
    code: QualityCode = Field(examples=["kr_is_task"], description="Stable, machine-readable.")
    severity: Severity = Field(
        examples=["warning"],
        description="`error`: the KR cannot be scored or nobody answers for it; "
        "`warning`: a rule of the articles is broken; `info`: advice with a limit that is "
        "our default.",
    )
    target: str = Field(
        examples=["key_results[2]"],
        description='Where the problem is: `"objective"`, or `"key_results[<index>]"` (0-based, '
        "in the order the KRs were sent, or the stored KRs' order).",
    )
    message: str = Field(
        examples=[
            "A key result should be a measurable result, not a task: state the outcome and "
            "list the task as an action"
        ],
        description="In the report's language (`locale`).",
    )
    message_zh: str = Field(
        examples=["关键结果应为可衡量的结果，而非任务：请写出结果，把任务列为行动"],
        description="In Chinese.",
    )
    message_en: str = Field(
        examples=[
            "A key result should be a measurable result, not a task: state the outcome and "
            "list the task as an action"
        ],
        description="In English.",
    )

    @classmethod
    def of(cls, finding: Finding, locale: Locale) -> FindingOut:
        return cls(
            code=finding.code,
            severity=finding.severity,
            target=finding.target,
            message=finding.message(locale),
            message_zh=finding.message_zh,
            message_en=finding.message_en,
        )


@strawberry.pydantic.type(
    name="QualityReport", description="The linter's findings on an objective or a draft."
)
class QualityReportOut(BaseModel):
    objective_id: UUID | None = Field(
        examples=[_EXAMPLE_ID], description="The objective linted; null for a draft."
    )
    locale: Locale = Field(
        examples=["en"],
        description="The language of every `message`: the first supported one of "
        "`Accept-Language`, else the organization's locale (also sent as `Content-Language`).",
    )
    findings: list[FindingOut] = Field(
        description="Empty when the OKR is clean. The objective's findings first, then each "
        "KR's in order; at most one per code and target."
    )

    @classmethod
    def of(cls, report: QualityReport, locale: Locale) -> QualityReportOut:
        """The report with every ``message`` in ``locale``."""
        return cls(
            objective_id=report.objective_id,
            locale=locale,
            findings=[FindingOut.of(f, locale) for f in report.findings],
        )


# -- the draft -----------------------------------------------------------------------------


class MilestoneDraftIn(Input):
    title: Title = Field(examples=["Pilot signed"])
    weight: Decimal | None = Field(
        default=None, examples=["1"], description="Accepted for a KR body's shape; not read."
    )


def _milestones_shape(value: object) -> str:
    """A number is a count (errors say ``milestones.count``), anything else a list."""
    return "count" if isinstance(value, int | float) else "list"


class KeyResultDraftIn(Input):
    title: Title = Field(examples=["Repeat-purchase rate to 60%"])
    metric_kind: MetricKind | None = Field(
        default=None, description="Not chosen yet: a target counts as a plain number."
    )
    start: Decimal | None = Field(default=None, examples=["45"])
    target: Decimal | None = Field(
        default=None, examples=["60"], description="Null: no target yet."
    )
    owner_id: UUID | None = Field(default=None, description="Null: nobody owns it yet.")
    # GraphQL's input takes the count alone (``api.quality.graphql``).
    milestones: Annotated[
        Annotated[list[MilestoneDraftIn], Field(max_length=MAX_DRAFT_MILESTONES), Tag("list")]
        | Annotated[StrictInt, Field(ge=0, le=MAX_DRAFT_MILESTONES), Tag("count")],
        Discriminator(_milestones_shape),
    ] = Field(
        default=0,
        description="The milestones (`[{title}]`, as a key result has them) or how many.",
    )
    due_date: date | None = Field(default=None, description="Default: the cycle's end.")

    def to_draft(self) -> KeyResultDraft:
        count = self.milestones if isinstance(self.milestones, int) else len(self.milestones)
        return KeyResultDraft(
            title=self.title,
            metric_kind=self.metric_kind,
            start=self.start,
            target=self.target,
            owner_id=self.owner_id,
            milestones=count,
            due_date=self.due_date,
        )


class ObjectiveDraftIn(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Improve sales performance",
                    "level": "department",
                    "cycle_id": _EXAMPLE_ID,
                    "owner_kind": "unit",
                    "owner_id": _EXAMPLE_ID,
                    "parent_key_result_id": _EXAMPLE_ID,
                    "key_results": [
                        {
                            "title": "New customers +20% year on year",
                            "metric_kind": "number",
                            "start": "500",
                            "target": "600",
                            "owner_id": _EXAMPLE_ID,
                        },
                        {
                            "title": "Repeat-purchase rate to 60%",
                            "metric_kind": "percent",
                            "start": "45",
                            "target": "60",
                            "owner_id": _EXAMPLE_ID,
                        },
                    ],
                }
            ]
        },
    )
    title: Title
    level: Level
    description: str = Field(default="", max_length=OKR_DESCRIPTION_MAX_LENGTH)
    cycle_id: UUID | None = Field(
        default=None,
        description="The cycle it will live in: KR due dates are checked against its "
        "end and the owner's objectives in it are counted. Unknown: 422 "
        "`unknown_reference`.",
    )
    owner_kind: OwnerKind | None = Field(default=None, description="Default: member.")
    owner_id: UUID | None = Field(default=None, description="Default: you, for a member's.")
    parent_objective_id: UUID | None = Field(
        default=None,
        description="Given (or `parent_key_result_id`): the draft is aligned.",
    )
    parent_key_result_id: UUID | None = None
    roll_up: bool = Field(
        default=False, description="Takes progress from its children: no KRs is no fault."
    )
    key_results: list[KeyResultDraftIn] = Field(
        default_factory=list, max_length=MAX_DRAFT_KEY_RESULTS
    )

    def to_draft(self) -> ObjectiveDraft:
        return ObjectiveDraft(
            title=self.title,
            description=self.description,
            level=self.level,
            owner_kind=self.owner_kind,
            has_parent=(
                self.parent_objective_id is not None or self.parent_key_result_id is not None
            ),
            rolls_up=self.roll_up,
            key_results=tuple(kr.to_draft() for kr in self.key_results),
        )

    def to_context(self) -> DraftContext:
        return DraftContext(
            cycle_id=self.cycle_id,
            owner_kind=self.owner_kind or OwnerKind.MEMBER,
            owner_id=self.owner_id,
        )
