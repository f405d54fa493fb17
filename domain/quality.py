# Chinese text is written with full-width punctuation (，：（）；): not a look-alike mistake.
# ruff: noqa: RUF001, RUF003
"""Quality rules of OKRs (the OKR linter): what makes a good O and KR (DOMAIN.md).

Each rule of DOMAIN.md "What makes a good OKR" is a pure function here with a stable
:class:`QualityCode`, a fixed :class:`Severity` and a message in Chinese and English.
:func:`lint` runs them all over an :class:`ObjectiveDraft`: a storage-free view of an
objective and its key results, built from a stored objective by :func:`draft_of` or by an
adapter from a draft payload (for editors that lint as people type). Linting advises; it
never refuses anything.

Severities (what a caller may rely on):

- ``error``: the KR cannot be scored or nobody answers for it, and the service would not
  store it as written (a stored KR always has a target and one owner):
  ``kr_not_measurable``, ``kr_no_owner``.
- ``warning``: a rule of the articles is broken; the OKR can be stored and scored but is
  weak: ``kr_count`` (003: 2 to 5 KRs), ``not_aligned``, ``end_state_only`` (004 终局误区),
  ``kr_is_task``, ``kr_no_midway_progress`` (004), ``long_horizon`` (004 长效误区).
- ``info``: advice with a limit that is our default, not the articles':
  ``too_many_objectives`` (focus: DOMAIN.md says "few", we say 5).

The text heuristics (task verbs, vague aims, outputs and health signals, both languages)
live in :mod:`domain.quality_text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Final, NamedTuple
from uuid import UUID

from domain import quality_text
from domain.errors import FieldError, RuleViolation
from domain.okrs import KeyResult, Level, MetricKind, Objective, OwnerKind
from domain.organizations import Locale


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class QualityCode(StrEnum):
    """The stable codes; the order here is the order of findings on one target."""

    KR_COUNT = "kr_count"
    TOO_MANY_OBJECTIVES = "too_many_objectives"
    NOT_ALIGNED = "not_aligned"
    END_STATE_ONLY = "end_state_only"
    KR_NOT_MEASURABLE = "kr_not_measurable"
    KR_IS_TASK = "kr_is_task"
    KR_NO_OWNER = "kr_no_owner"
    KR_NO_MIDWAY_PROGRESS = "kr_no_midway_progress"
    LONG_HORIZON = "long_horizon"


SEVERITY: Final = MappingProxyType(
    {
        QualityCode.KR_COUNT: Severity.WARNING,
        QualityCode.TOO_MANY_OBJECTIVES: Severity.INFO,
        QualityCode.NOT_ALIGNED: Severity.WARNING,
        QualityCode.END_STATE_ONLY: Severity.WARNING,
        QualityCode.KR_NOT_MEASURABLE: Severity.ERROR,
        QualityCode.KR_IS_TASK: Severity.WARNING,
        QualityCode.KR_NO_OWNER: Severity.ERROR,
        QualityCode.KR_NO_MIDWAY_PROGRESS: Severity.WARNING,
        QualityCode.LONG_HORIZON: Severity.WARNING,
    }
)

OBJECTIVE: Final = "objective"


def key_result_target(index: int) -> str:
    """Where a KR finding points: ``key_results[<index>]``, in the draft's KR order."""
    return f"key_results[{index}]"


# --- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityLimits:
    """The limits an organization may set (defaults: 003 for KRs, ours for objectives)."""

    min_key_results: int = 2
    max_key_results: int = 5
    max_objectives_per_owner: int = 5  # per owner per cycle


DEFAULT_LIMITS: Final = QualityLimits()


def validate_limits(limits: QualityLimits) -> QualityLimits:
    """``1 <= min_key_results <= max_key_results`` and ``max_objectives_per_owner >= 1``."""
    errors: list[FieldError] = []
    if not 1 <= limits.min_key_results <= limits.max_key_results:
        errors.append(
            FieldError(
                "quality.min_key_results",
                "need 1 <= min_key_results <= max_key_results",
                "invalid_bounds",
            )
        )
    if limits.max_objectives_per_owner < 1:
        errors.append(
            FieldError("quality.max_objectives_per_owner", "must be at least 1", "out_of_range")
        )
    if errors:
        raise RuleViolation("invalid quality limits", code="validation_failed", errors=errors)
    return limits


@dataclass(frozen=True)
class KeyResultDraft:
    """What the rules read of a key result, stored or not.

    ``metric_kind`` None: not chosen yet (a target then counts as a plain number).
    ``target`` None: no target yet. ``owner_id`` None: nobody owns it yet.
    ``milestones``: how many milestones it has. ``due_date`` None: the cycle's end.
    ``start`` is carried so a draft mirrors a KR; no rule reads it today.
    """

    title: str
    metric_kind: MetricKind | None = None
    start: Decimal | None = None
    target: Decimal | None = None
    owner_id: UUID | None = None
    milestones: int = 0
    due_date: date | None = None

    @property
    def numeric_target(self) -> bool:
        """A number, percent or currency target is set (a yes/no or milestones KR has none)."""
        return self.target is not None and self.metric_kind in _NUMERIC_KINDS


_NUMERIC_KINDS: Final = frozenset(
    {MetricKind.NUMBER, MetricKind.PERCENT, MetricKind.CURRENCY, None}
)


@dataclass(frozen=True)
class ObjectiveDraft:
    """What the rules read of an objective and its KRs (in the order findings index them).

    ``has_parent``: aligned to an objective or contributing to a KR above it.
    ``rolls_up``: with no KRs, it takes progress from the objectives aligned to it
    (DOMAIN.md "Scoring"), so having no KRs is not a fault. ``description`` and
    ``owner_kind`` are carried for adapters; no rule reads them today.
    """

    title: str
    level: Level
    key_results: tuple[KeyResultDraft, ...] = ()
    has_parent: bool = False
    rolls_up: bool = False
    description: str = ""
    owner_kind: OwnerKind | None = None


def draft_of(objective: Objective, key_results: Sequence[KeyResult]) -> ObjectiveDraft:
    """The draft of a stored objective with its KRs, in the given order.

    ``ValueError`` when a KR belongs to another objective (a caller's mistake).
    """
    strangers = [kr.id for kr in key_results if kr.objective_id != objective.id]
    if strangers:
        raise ValueError(f"key results {strangers} do not belong to objective {objective.id}")
    return ObjectiveDraft(
        title=objective.title,
        description=objective.description,
        level=objective.level,
        owner_kind=objective.owner_kind,
        has_parent=(
            objective.parent_objective_id is not None or objective.parent_key_result_id is not None
        ),
        rolls_up=objective.roll_up,
        key_results=tuple(
            KeyResultDraft(
                title=kr.title,
                metric_kind=kr.metric_kind,
                start=kr.start,
                target=kr.target,
                owner_id=kr.owner_id,
                milestones=len(kr.milestones),
                due_date=kr.due_date,
            )
            for kr in key_results
        ),
    )


# --- findings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One problem: its code and severity, what to do about it in both languages, and
    where it is: ``"objective"`` or ``"key_results[<index>]"``."""

    code: QualityCode
    severity: Severity
    message_zh: str
    message_en: str
    target: str

    def message(self, locale: Locale) -> str:
        return self.message_zh if locale is Locale.ZH_CN else self.message_en


class _Text(NamedTuple):
    zh: str
    en: str


# Every message in one place: short, and saying what to do.
_MESSAGES: Final = MappingProxyType(
    {
        "kr_count": _Text(
            "目标应有{low}至{high}个关键结果，当前为{count}个",
            "An objective should have {low} to {high} key results; this one has {count}",
        ),
        "too_many_objectives": _Text(
            "负责人本周期有{count}个目标，多于{limit}个：请聚焦最重要的几个",
            "The owner has {count} objectives this cycle, more than {limit}: "
            "focus on the few that matter most",
        ),
        "not_aligned": _Text(
            "非公司级目标应对齐上级的目标或关键结果",
            "A non-company objective should align to an objective or key result above it",
        ),
        "end_state_only": _Text(
            "关键结果只衡量最终产出（如销售额）：请补充健康或质量指标，如复购率、满意度、退货率",
            "The key results measure only the final output (such as sales): add a health "
            "or quality key result, such as repeat purchase, satisfaction or returns",
        ),
        "kr_not_measurable": _Text(
            "关键结果应可衡量：请设定数值目标或里程碑",
            "A key result should be measurable: set a numeric target or milestones",
        ),
        "kr_is_task": _Text(
            "关键结果应为可衡量的结果，而非任务：请写出结果，把任务列为行动",
            "A key result should be a measurable result, not a task: state the outcome "
            "and list the task as an action",
        ),
        "kr_no_owner": _Text(
            "关键结果应有一位明确的负责人",
            "A key result needs one owner",
        ),
        "kr_no_midway_progress": _Text(
            "是/否型关键结果在周期中看不到进度：请改用数值目标或拆分为里程碑",
            "A yes/no key result shows no progress during the cycle: use a numeric target "
            "or split it into milestones",
        ),
        "long_horizon.due_date": _Text(
            "关键结果的截止日期（{due}）晚于周期结束（{end}）：请设定本周期内能推动的结果",
            "The key result is due ({due}) after the cycle ends ({end}): "
            "choose a result this cycle can move",
        ),
        "long_horizon.vague": _Text(
            "关键结果笼统、见效慢（长效误区）：请改为本周期可衡量的具体结果",
            "The key result is a vague, slow-moving aim (long-horizon trap): "
            "name a specific result this cycle can move",
        ),
    }
)


def _finding(code: QualityCode, target: str, *texts: _Text) -> Finding:
    return Finding(
        code=code,
        severity=SEVERITY[code],
        message_zh="；".join(t.zh for t in texts),
        message_en=". ".join(t.en for t in texts),
        target=target,
    )


def _message(key: str, **params: object) -> _Text:
    text = _MESSAGES[key]
    return _Text(text.zh.format(**params), text.en.format(**params))


# --- rules on the objective ---------------------------------------------------------------


def check_kr_count(draft: ObjectiveDraft, limits: QualityLimits) -> Finding | None:
    """``kr_count``: between ``min_key_results`` and ``max_key_results`` KRs (003: 2 to 5).
    A roll-up objective with no KRs at all is measured by its children and passes."""
    count = len(draft.key_results)
    if limits.min_key_results <= count <= limits.max_key_results:
        return None
    if count == 0 and draft.rolls_up:
        return None
    text = _message(
        "kr_count", low=limits.min_key_results, high=limits.max_key_results, count=count
    )
    return _finding(QualityCode.KR_COUNT, OBJECTIVE, text)


def check_too_many_objectives(
    objectives_of_owner_in_cycle: int | None, limits: QualityLimits
) -> Finding | None:
    """``too_many_objectives``: the owner keeps at most ``max_objectives_per_owner``
    objectives in the cycle (focus). The count includes this objective; None: unknown."""
    count = objectives_of_owner_in_cycle
    if count is None or count <= limits.max_objectives_per_owner:
        return None
    text = _message("too_many_objectives", count=count, limit=limits.max_objectives_per_owner)
    return _finding(QualityCode.TOO_MANY_OBJECTIVES, OBJECTIVE, text)


def check_not_aligned(draft: ObjectiveDraft) -> Finding | None:
    """``not_aligned``: an objective below the company aligns to something above it."""
    if draft.level is Level.COMPANY or draft.has_parent:
        return None
    return _finding(QualityCode.NOT_ALIGNED, OBJECTIVE, _MESSAGES["not_aligned"])


def check_end_state_only(draft: ObjectiveDraft) -> Finding | None:
    """``end_state_only``: every KR measures a final output (revenue, sales ...) and none
    a health or quality signal (004 终局误区). Silent for an objective with no KRs."""
    krs = draft.key_results
    if krs and all(
        quality_text.measures_final_output(kr.title) and not quality_text.measures_health(kr.title)
        for kr in krs
    ):
        return _finding(QualityCode.END_STATE_ONLY, OBJECTIVE, _MESSAGES["end_state_only"])
    return None


# --- rules on one key result --------------------------------------------------------------


def check_kr_not_measurable(kr: KeyResultDraft, index: int) -> Finding | None:
    """``kr_not_measurable``: a number, percent or currency KR (or one of no kind yet)
    without a target, or a milestones KR without milestones. A yes/no KR is measurable
    (``kr_no_midway_progress`` speaks about it)."""
    if kr.metric_kind is MetricKind.BOOLEAN:
        return None
    if kr.metric_kind is MetricKind.MILESTONES:
        measurable = kr.milestones > 0
    else:
        measurable = kr.target is not None
    if measurable:
        return None
    return _finding(
        QualityCode.KR_NOT_MEASURABLE, key_result_target(index), _MESSAGES["kr_not_measurable"]
    )


def check_kr_is_task(kr: KeyResultDraft, index: int) -> Finding | None:
    """``kr_is_task``: the title describes a task, not a result
    (:func:`domain.quality_text.reads_as_task`)."""
    if not quality_text.reads_as_task(kr.title, numeric_target=kr.numeric_target):
        return None
    return _finding(QualityCode.KR_IS_TASK, key_result_target(index), _MESSAGES["kr_is_task"])


def check_kr_no_owner(kr: KeyResultDraft, index: int) -> Finding | None:
    """``kr_no_owner``: a KR has one owner (004: KR一定要有明确的负责人)."""
    if kr.owner_id is not None:
        return None
    return _finding(QualityCode.KR_NO_OWNER, key_result_target(index), _MESSAGES["kr_no_owner"])


def check_kr_no_midway_progress(kr: KeyResultDraft, index: int) -> Finding | None:
    """``kr_no_midway_progress``: the KR can move before the cycle ends (004). Fires for a
    yes/no KR without milestones and for a milestones KR with a single milestone (yes/no
    in disguise). A milestones KR with none is ``kr_not_measurable`` instead."""
    yes_or_no = (kr.metric_kind is MetricKind.BOOLEAN and kr.milestones == 0) or (
        kr.metric_kind is MetricKind.MILESTONES and kr.milestones == 1
    )
    if not yes_or_no:
        return None
    return _finding(
        QualityCode.KR_NO_MIDWAY_PROGRESS,
        key_result_target(index),
        _MESSAGES["kr_no_midway_progress"],
    )


def check_long_horizon(kr: KeyResultDraft, index: int, cycle_end: date | None) -> Finding | None:
    """``long_horizon`` (004 长效误区): the KR is due after the cycle ends, or its title is
    a vague company-wide aim (:func:`domain.quality_text.is_vague_aim`). One finding,
    naming both reasons when both hold. A KR without a due date is due at the cycle's end;
    with ``cycle_end`` None only the title is read."""
    texts: list[_Text] = []
    if kr.due_date is not None and cycle_end is not None and kr.due_date > cycle_end:
        texts.append(
            _message(
                "long_horizon.due_date", due=kr.due_date.isoformat(), end=cycle_end.isoformat()
            )
        )
    if quality_text.is_vague_aim(kr.title):
        texts.append(_MESSAGES["long_horizon.vague"])
    if not texts:
        return None
    return _finding(QualityCode.LONG_HORIZON, key_result_target(index), *texts)


# --- all of them --------------------------------------------------------------------------


def lint(
    draft: ObjectiveDraft,
    *,
    cycle_end: date | None = None,
    objectives_of_owner_in_cycle: int | None = None,
    limits: QualityLimits = DEFAULT_LIMITS,
) -> list[Finding]:
    """Every finding of every rule on the draft; empty when the OKR is clean.

    Context: ``cycle_end`` the last day of the cycle (None: due dates are not checked);
    ``objectives_of_owner_in_cycle`` how many live objectives the owner has in the cycle,
    counting this one (None: focus is not checked).

    The order is stable: the objective's findings first, then each KR's in draft order;
    on one target, in :class:`QualityCode` order. At most one finding per code and target.
    """
    on_objective = (
        check_kr_count(draft, limits),
        check_too_many_objectives(objectives_of_owner_in_cycle, limits),
        check_not_aligned(draft),
        check_end_state_only(draft),
    )
    findings = [f for f in on_objective if f is not None]
    for index, kr in enumerate(draft.key_results):
        on_key_result = (
            check_kr_not_measurable(kr, index),
            check_kr_is_task(kr, index),
            check_kr_no_owner(kr, index),
            check_kr_no_midway_progress(kr, index),
            check_long_horizon(kr, index, cycle_end),
        )
        findings.extend(f for f in on_key_result if f is not None)
    return findings
