"""The OKR linter in the graph: the ``objectiveQuality`` and ``checkObjectiveDraft`` queries.

The report and its findings are the shapes of ``api.quality.shapes``; only what GraphQL
changes is here: a draft's KR takes its milestones as a count (REST also takes the list),
and the language is an argument (REST reads ``Accept-Language``). A draft the shape refuses
is ``validation_failed`` with pydantic's error per field, named from ``draft``.
``objectiveQuality`` lints a stored objective the caller may see (else ``not_found``, like
``objective``). Codes and severities are enums named like the others (``KR_IS_TASK``,
``WARNING``): REST spells the same codes in lower case (``kr_is_task``).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry
from pydantic import Field

from api.graphql.context import Info
from api.graphql.enums import Locale
from api.graphql.fields import field
from api.quality.shapes import (
    MAX_DRAFT_KEY_RESULTS,
    MAX_DRAFT_MILESTONES,
    KeyResultDraftIn,
    ObjectiveDraftIn,
    QualityReportOut,
)
from service import quality

_LANGUAGE = "The language of `message`; default: the organization's locale."
LanguageArg = Annotated[Locale | None, strawberry.argument(description=_LANGUAGE)]


@strawberry.pydantic.input(
    description="A key result as an editor holds it; anything may be missing."
)
class KeyResultDraftInput(KeyResultDraftIn):
    # The count alone: GraphQL has no union of a list and a number.
    milestones: int = Field(
        default=0,
        ge=0,
        le=MAX_DRAFT_MILESTONES,
        description=f"How many milestones it has (0 to {MAX_DRAFT_MILESTONES}).",
    )


@strawberry.pydantic.input(
    description="An objective with its KRs as an editor holds it, linted without saving. "
    "`cycleId`: KR due dates are checked against its end and the owner's objectives in it "
    "are counted (an unknown cycle is `unknown_reference`). A parent id makes it aligned."
)
class ObjectiveDraftInput(ObjectiveDraftIn):
    # Its KRs count their milestones; and GraphQL prints the empty default, which a default
    # factory would not give it. (A list of the subclass overrides a list of the base.)
    key_results: list[KeyResultDraftInput] = Field(  # type: ignore[assignment]
        default=[],
        max_length=MAX_DRAFT_KEY_RESULTS,
        description=f"At most {MAX_DRAFT_KEY_RESULTS}.",
    )


@strawberry.type
class QualityQuery:
    @field(
        description="The linter's findings on an objective you may see (else `not_found`), "
        "with its KRs in order. Linting advises; it changes nothing."
    )
    async def objective_quality(
        self, info: Info, objective_id: UUID, language: LanguageArg = None
    ) -> QualityReportOut | None:
        ctx = info.context
        report = await quality.objective_quality(ctx.deps, ctx.principal, objective_id)
        return QualityReportOut.of(report, language or report.locale)

    @field(
        description="The linter's findings on a draft objective with its KRs, saving nothing "
        "(for editors that lint as people type); `objectiveId` is null."
    )
    async def check_objective_draft(
        self, info: Info, draft: ObjectiveDraftInput, language: LanguageArg = None
    ) -> QualityReportOut | None:
        ctx = info.context
        report = await quality.check_draft(
            ctx.deps, ctx.principal, draft.to_draft(), draft.to_context()
        )
        return QualityReportOut.of(report, language or report.locale)
