"""The OKR linter over GraphQL (domain/quality.py, service/quality.py): the report and its
findings, the draft input, and the ``QualityQuery`` fields ``schema.Query`` inherits.

``objectiveQuality`` lints a stored objective the caller may see (else ``not_found``, like
``objective``); ``checkObjectiveDraft`` lints a draft as an editor holds it, saving nothing.
``message`` is in ``language`` when given, else the organization's locale; ``messageZh`` and
``messageEn`` are always there. Codes and severities are enums named like the others
(``KR_IS_TASK``, ``WARNING``): REST spells the same codes in lower case (``kr_is_task``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.context import Info
from api.graphql.enums import Level, Locale, MetricKind, OwnerKind
from api.graphql.fields import field
from domain.errors import FieldError, RuleViolation
from domain.quality import Finding, KeyResultDraft, ObjectiveDraft, QualityCode, Severity
from service import quality

MAX_DRAFT_KEY_RESULTS = 50
MAX_DRAFT_MILESTONES = 100

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

_LANGUAGE = "The language of `message`; default: the organization's locale."


# -- output --------------------------------------------------------------------------------


@strawberry.type(description="One problem the linter found, with what to do about it.")
class QualityFinding:
    code: QualityCode
    severity: Severity
    target: str = strawberry.field(
        description='Where: "objective", or "key_results[<index>]" (0-based, in KR order).'
    )
    message: str = strawberry.field(description="In the report's `locale`.")
    message_zh: str = strawberry.field(description="In Chinese.")
    message_en: str = strawberry.field(description="In English.")

    @classmethod
    def of(cls, finding: Finding, locale: Locale) -> QualityFinding:
        return cls(
            code=finding.code,
            severity=finding.severity,
            target=finding.target,
            message=finding.message(locale),
            message_zh=finding.message_zh,
            message_en=finding.message_en,
        )


@strawberry.type(description="The linter's findings on an objective or a draft.")
class QualityReport:
    objective_id: UUID | None = strawberry.field(description="Null for a draft.")
    locale: Locale = strawberry.field(description="The language of every `message`.")
    findings: list[QualityFinding] = strawberry.field(
        description="Empty when clean: the objective's findings first, then each KR's in order."
    )

    @classmethod
    def of(cls, report: quality.QualityReport, language: Locale | None) -> QualityReport:
        locale = language or report.locale
        return cls(
            objective_id=report.objective_id,
            locale=locale,
            findings=[QualityFinding.of(f, locale) for f in report.findings],
        )


# -- input ---------------------------------------------------------------------------------


@strawberry.input(description="A key result as an editor holds it; anything may be missing.")
class KeyResultDraftInput:
    title: str
    metric_kind: MetricKind | None = strawberry.field(
        default=None, description="Not chosen yet: a target counts as a plain number."
    )
    start: Decimal | None = None
    target: Decimal | None = strawberry.field(default=None, description="Null: no target yet.")
    owner_id: UUID | None = strawberry.field(default=None, description="Null: nobody owns it.")
    milestones: int = strawberry.field(
        default=0, description=f"How many milestones it has (0 to {MAX_DRAFT_MILESTONES})."
    )
    due_date: date | None = strawberry.field(default=None, description="Default: cycle's end.")

    def to_draft(self) -> KeyResultDraft:
        return KeyResultDraft(
            title=self.title,
            metric_kind=self.metric_kind,
            start=self.start,
            target=self.target,
            owner_id=self.owner_id,
            milestones=self.milestones,
            due_date=self.due_date,
        )


@strawberry.input(
    description="An objective with its KRs as an editor holds it, linted without saving. "
    "`cycleId`: KR due dates are checked against its end and the owner's objectives in it "
    "are counted (an unknown cycle is `unknown_reference`). A parent id makes it aligned."
)
class ObjectiveDraftInput:
    title: str
    level: Level
    description: str = ""
    cycle_id: UUID | None = None
    owner_kind: OwnerKind | None = strawberry.field(default=None, description="Default: MEMBER.")
    owner_id: UUID | None = strawberry.field(
        default=None, description="Default: you, for a member's."
    )
    parent_objective_id: UUID | None = None
    parent_key_result_id: UUID | None = None
    roll_up: bool = strawberry.field(
        default=False, description="Takes progress from its children: no KRs is no fault."
    )
    key_results: list[KeyResultDraftInput] = strawberry.field(
        default_factory=list, description=f"At most {MAX_DRAFT_KEY_RESULTS}."
    )

    def _check(self) -> None:
        """REST's limits, every bad field named at once (``validation_failed``)."""
        errors: list[FieldError] = []

        def too_long(value: str, where: str, limit: int) -> None:
            if len(value) > limit:
                errors.append(FieldError(where, f"at most {limit} characters", "too_long"))

        too_long(self.title, "draft.title", 300)
        too_long(self.description, "draft.description", 10_000)
        if len(self.key_results) > MAX_DRAFT_KEY_RESULTS:
            errors.append(
                FieldError(
                    "draft.key_results", f"at most {MAX_DRAFT_KEY_RESULTS} items", "too_long"
                )
            )
        for index, kr in enumerate(self.key_results[:MAX_DRAFT_KEY_RESULTS]):
            where = f"draft.key_results.{index}"
            too_long(kr.title, f"{where}.title", 300)
            if not 0 <= kr.milestones <= MAX_DRAFT_MILESTONES:
                errors.append(
                    FieldError(
                        f"{where}.milestones", f"0 to {MAX_DRAFT_MILESTONES}", "out_of_range"
                    )
                )
            for name, value in (("start", kr.start), ("target", kr.target)):
                if value is not None and not value.is_finite():
                    errors.append(FieldError(f"{where}.{name}", "must be a number", "invalid"))
        if errors:
            raise RuleViolation(
                "the draft is not valid: see errors", code="validation_failed", errors=errors
            )

    def to_draft(self) -> ObjectiveDraft:
        self._check()
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

    def to_context(self) -> quality.DraftContext:
        return quality.DraftContext(
            cycle_id=self.cycle_id,
            owner_kind=self.owner_kind or OwnerKind.MEMBER,
            owner_id=self.owner_id,
        )


# -- queries -------------------------------------------------------------------------------


@strawberry.type
class QualityQuery:
    @field(
        description="The linter's findings on an objective you may see (else `not_found`), "
        "with its KRs in order. Linting advises; it changes nothing."
    )
    async def objective_quality(
        self,
        info: Info,
        objective_id: UUID,
        language: Annotated[Locale | None, strawberry.argument(description=_LANGUAGE)] = None,
    ) -> QualityReport | None:
        ctx = info.context
        report = await quality.objective_quality(ctx.deps, ctx.principal, objective_id)
        return QualityReport.of(report, language)

    @field(
        description="The linter's findings on a draft objective with its KRs, saving nothing "
        "(for editors that lint as people type); `objectiveId` is null."
    )
    async def check_objective_draft(
        self,
        info: Info,
        draft: ObjectiveDraftInput,
        language: Annotated[Locale | None, strawberry.argument(description=_LANGUAGE)] = None,
    ) -> QualityReport | None:
        ctx = info.context
        report = await quality.check_draft(
            ctx.deps, ctx.principal, draft.to_draft(), draft.to_context()
        )
        return QualityReport.of(report, language)
