# Chinese text is written with full-width punctuation (，：): not a look-alike mistake.
# ruff: noqa: RUF001, RUF003
"""Request and response bodies of the OKR linter (domain/quality.py): a report of findings,
and the draft an editor sends to lint as people type. Inputs forbid unknown fields.

Decimals (a draft KR's ``start`` and ``target``) accept JSON strings or numbers, like the
key result create body; nothing here is stored, so nothing is echoed back but findings.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictInt, Tag

from api.shapes import Input
from domain.okrs import Level, MetricKind, OwnerKind
from domain.organizations import Locale
from domain.quality import Finding, KeyResultDraft, ObjectiveDraft, QualityCode, Severity
from service.quality import DraftContext, QualityReport

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"
MAX_DRAFT_KEY_RESULTS = 50
MAX_DRAFT_MILESTONES = 100


# -- the report ----------------------------------------------------------------------------


class FindingOut(BaseModel):
    code: QualityCode = Field(examples=["kr_is_task"], description="Stable, machine-readable.")
    severity: Severity = Field(
        examples=["warning"],
        description="`error`: the KR cannot be scored or nobody answers for it; `warning`: a "
        "rule of the articles is broken; `info`: advice with a limit that is our default.",
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
        description="In the response's language (`locale`, `Content-Language`).",
    )
    message_zh: str = Field(
        examples=["关键结果应为可衡量的结果，而非任务：请写出结果，把任务列为行动"]
    )
    message_en: str = Field(
        examples=[
            "A key result should be a measurable result, not a task: state the outcome and "
            "list the task as an action"
        ]
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
        return cls(
            objective_id=report.objective_id,
            locale=locale,
            findings=[FindingOut.of(f, locale) for f in report.findings],
        )


# -- the draft -----------------------------------------------------------------------------


class MilestoneDraftIn(Input):
    title: str = Field(max_length=300, examples=["Pilot signed"])
    weight: Decimal | None = Field(
        default=None, examples=["1"], description="Accepted for a KR body's shape; not read."
    )


def _milestones_shape(value: object) -> str:
    """A number is a count (errors say ``milestones.count``), anything else a list."""
    return "count" if isinstance(value, int | float) else "list"


class KeyResultDraftIn(Input):
    title: str = Field(max_length=300, examples=["Repeat-purchase rate to 60%"])
    metric_kind: MetricKind | None = Field(
        default=None, description="Not chosen yet: a target counts as a plain number."
    )
    start: Decimal | None = Field(default=None, examples=["45"])
    target: Decimal | None = Field(default=None, examples=["60"], description="None: no target.")
    owner_id: UUID | None = Field(default=None, description="None: nobody owns it yet.")
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
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=10_000)
    level: Level
    cycle_id: UUID | None = Field(
        default=None,
        description="The cycle it will live in: KR due dates are checked against its end and "
        "the owner's objectives in it are counted. Unknown: 422 `unknown_reference`.",
    )
    owner_kind: OwnerKind | None = Field(default=None, description="Default: member.")
    owner_id: UUID | None = Field(default=None, description="Default: you, for a member's.")
    parent_objective_id: UUID | None = Field(
        default=None, description="Given (or `parent_key_result_id`): the draft is aligned."
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
