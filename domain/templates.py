"""OKR templates (模板): a reusable objective for a role, with its key results and actions.

DOMAIN.md "Template": a template is written in Chinese and English, and instantiated into
a cycle for an owner as a draft objective. Built-in templates (:mod:`domain.builtin_templates`)
ship with the service, are shared by every organization (``organization_id`` None) and are
read-only; an organization's own templates belong to it and carry a version for ``If-Match``.

What a caller may rely on:

- :func:`validate_template` refuses a template with ``validation_failed`` naming every bad
  field by its path (``title_en``, ``key_results[1].start``,
  ``key_results[0].actions[2].completion_standard_zh``); it returns the template with every
  text stripped. The metric rules are those of stored key results
  (:func:`domain.key_results.validate_metric`), so an instantiated template always stores.
- :func:`instantiate` turns a template into an :class:`ObjectivePlan` in one language: what
  a use case creates (a draft objective, its KRs with milestones, and the KRs' actions).
  Numbers, kinds, directions and weights are kept as they are; only texts are chosen.
- :func:`draft_of_plan` is the plan as the OKR linter (:mod:`domain.quality`) reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Final
from uuid import UUID

from domain.errors import FieldError, Forbidden, RuleViolation
from domain.key_results import validate_metric, validate_weight
from domain.limits import (
    KEY_RESULT_UNIT_MAX_LENGTH,
    OKR_DESCRIPTION_MAX_LENGTH,
    OKR_TITLE_MAX_LENGTH,
    TEMPLATE_KEY_MAX_LENGTH,
    TEMPLATE_ROLE_NAME_MAX_LENGTH,
)
from domain.okrs import Direction, Level, MetricKind, Milestone
from domain.organizations import Locale
from domain.quality import KeyResultDraft, ObjectiveDraft

# 003: 2 to 5 KRs per objective. One is accepted (the linter warns about it) so that a
# template can be saved while it is being written; more than five is refused.
MIN_KEY_RESULTS: Final = 1
MAX_KEY_RESULTS: Final = 5
MAX_MILESTONES: Final = 20
MAX_ACTIONS: Final = 10

_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


# --- the template ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateMilestone:
    """A step of a milestones KR; its weight counts in the KR's progress."""

    title_zh: str
    title_en: str
    weight: Decimal = Decimal(1)


@dataclass(frozen=True)
class TemplateAction:
    """A concrete task serving a KR (行动), with what "done" means (完成标准)."""

    title_zh: str
    title_en: str
    completion_standard_zh: str = ""
    completion_standard_en: str = ""


@dataclass(frozen=True)
class TemplateKeyResult:
    """A KR as the template suggests it. ``start`` and ``target`` are examples the owner
    adjusts to their baseline; the unit is written in both languages ("天" / "days")."""

    title_zh: str
    title_en: str
    _: KW_ONLY  # start and target are both numbers: name them at every call
    metric_kind: MetricKind
    start: Decimal
    target: Decimal
    direction: Direction = Direction.INCREASE
    unit_zh: str | None = None
    unit_en: str | None = None
    currency: str | None = None  # ISO 4217, currency KRs only
    weight: Decimal = Decimal(1)
    milestones: tuple[TemplateMilestone, ...] = ()
    actions: tuple[TemplateAction, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Template:
    """A reusable objective for a role (模板).

    ``key``: a stable slug ("sales-manager"); every built-in has one, an organization's own
    template may. ``level``: the level the objective is suggested at. ``organization_id``
    None: a built-in (shared and read-only), whose ``version`` stays 1 and which has no
    timestamps.
    """

    id: UUID
    key: str | None
    role_name_zh: str
    role_name_en: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    level: Level
    key_results: tuple[TemplateKeyResult, ...]
    organization_id: UUID | None = None
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_builtin(self) -> bool:
        return self.organization_id is None


def ensure_editable(template: Template) -> None:
    """Built-in templates are read-only for everyone (``Forbidden``, code
    ``template_read_only``); an organization copies one to change it."""
    if template.is_builtin:
        raise Forbidden(
            "built-in templates are read-only: copy one into the organization to change it",
            code="template_read_only",
        )


# --- validation -----------------------------------------------------------------------------


def _text(
    value: str, path: str, errors: list[FieldError], *, max_length: int, required: bool = True
) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        errors.append(FieldError(path, "must not be empty", "empty"))
    elif len(cleaned) > max_length:
        errors.append(FieldError(path, f"at most {max_length} characters", "too_long"))
    return cleaned


def _both_or_neither(zh: str | None, en: str | None, path: str, errors: list[FieldError]) -> None:
    # An optional text given in one language only would vanish when instantiated in the other.
    has_zh, has_en = bool(zh), bool(en)
    if has_zh != has_en:
        missing = f"{path}_en" if has_zh else f"{path}_zh"
        errors.append(
            FieldError(missing, "give it in both languages, or in neither", "missing_translation")
        )


def _optional_text(
    value: str | None, path: str, errors: list[FieldError], *, max_length: int
) -> str | None:
    if value is None:
        return None
    return _text(value, path, errors, max_length=max_length, required=False) or None


def _errors_of(check: Callable[[], object], prefix: str) -> list[FieldError]:
    """The field errors of a validator written for a stored record, under ``prefix``."""
    try:
        check()
    except RuleViolation as refusal:
        return [replace(e, field=f"{prefix}.{e.field}") for e in refusal.errors]
    return []


def _count(items: Sequence[object], path: str, errors: list[FieldError], *, high: int) -> None:
    if len(items) > high:
        errors.append(FieldError(path, f"at most {high}", "too_many"))


def _milestone(
    milestone: TemplateMilestone, path: str, errors: list[FieldError]
) -> TemplateMilestone:
    title_zh = _text(
        milestone.title_zh, f"{path}.title_zh", errors, max_length=OKR_TITLE_MAX_LENGTH
    )
    title_en = _text(
        milestone.title_en, f"{path}.title_en", errors, max_length=OKR_TITLE_MAX_LENGTH
    )
    if not milestone.weight.is_finite() or milestone.weight <= 0:
        errors.append(
            FieldError(f"{path}.weight", "must be a number greater than 0", "out_of_range")
        )
    return replace(milestone, title_zh=title_zh, title_en=title_en)


def _action(action: TemplateAction, path: str, errors: list[FieldError]) -> TemplateAction:
    title_zh = _text(action.title_zh, f"{path}.title_zh", errors, max_length=OKR_TITLE_MAX_LENGTH)
    title_en = _text(action.title_en, f"{path}.title_en", errors, max_length=OKR_TITLE_MAX_LENGTH)
    standard_zh = _text(
        action.completion_standard_zh,
        f"{path}.completion_standard_zh",
        errors,
        max_length=OKR_DESCRIPTION_MAX_LENGTH,
        required=False,
    )
    standard_en = _text(
        action.completion_standard_en,
        f"{path}.completion_standard_en",
        errors,
        max_length=OKR_DESCRIPTION_MAX_LENGTH,
        required=False,
    )
    _both_or_neither(standard_zh, standard_en, f"{path}.completion_standard", errors)
    return TemplateAction(title_zh, title_en, standard_zh, standard_en)


def _key_result(kr: TemplateKeyResult, path: str, errors: list[FieldError]) -> TemplateKeyResult:
    title_zh = _text(kr.title_zh, f"{path}.title_zh", errors, max_length=OKR_TITLE_MAX_LENGTH)
    title_en = _text(kr.title_en, f"{path}.title_en", errors, max_length=OKR_TITLE_MAX_LENGTH)
    unit_zh = _optional_text(
        kr.unit_zh, f"{path}.unit_zh", errors, max_length=KEY_RESULT_UNIT_MAX_LENGTH
    )
    unit_en = _optional_text(
        kr.unit_en, f"{path}.unit_en", errors, max_length=KEY_RESULT_UNIT_MAX_LENGTH
    )
    _both_or_neither(unit_zh, unit_en, f"{path}.unit", errors)
    # The stored KR's metric rules decide whether kind, start, target, direction, currency
    # and the presence of milestones fit together. Its milestone checks read one title, so
    # it is handed stand-ins, and each milestone's two titles and weight are checked here.
    stand_ins = tuple(
        Milestone(id=UUID(int=index), title="-", weight=Decimal(1))
        for index in range(len(kr.milestones))
    )
    errors.extend(
        _errors_of(
            lambda: validate_metric(
                metric_kind=kr.metric_kind,
                start=kr.start,
                target=kr.target,
                direction=kr.direction,
                currency=kr.currency,
                milestones=stand_ins,
            ),
            path,
        )
    )
    errors.extend(_errors_of(lambda: validate_weight(kr.weight), path))
    _count(kr.milestones, f"{path}.milestones", errors, high=MAX_MILESTONES)
    _count(kr.actions, f"{path}.actions", errors, high=MAX_ACTIONS)
    return replace(
        kr,
        title_zh=title_zh,
        title_en=title_en,
        unit_zh=unit_zh,
        unit_en=unit_en,
        milestones=tuple(
            _milestone(m, f"{path}.milestones[{i}]", errors) for i, m in enumerate(kr.milestones)
        ),
        actions=tuple(_action(a, f"{path}.actions[{i}]", errors) for i, a in enumerate(kr.actions)),
    )


def validate_template(template: Template) -> Template:
    """Refuse a template that could not become a stored objective in both languages.

    - role name, title (both languages) non-blank; at most ``TEMPLATE_ROLE_NAME_MAX_LENGTH`` /
      ``OKR_TITLE_MAX_LENGTH`` characters; descriptions at most ``OKR_DESCRIPTION_MAX_LENGTH``,
      and given in both languages or in neither (so are units and completion standards);
    - ``key``, when given, a lower-case slug (``sales-manager``) of at most
      ``TEMPLATE_KEY_MAX_LENGTH``;
    - ``MIN_KEY_RESULTS`` to ``MAX_KEY_RESULTS`` KRs, at least one with a weight above 0;
      each with non-blank titles and a metric a stored KR accepts; at most
      ``MAX_MILESTONES`` milestones (titles in both languages, weight > 0) and
      ``MAX_ACTIONS`` actions (titles in both languages).

    Code ``validation_failed``; ``errors`` lists every problem with its field path.
    Returns the template with every text stripped and blank optional texts made None/"".
    """
    errors: list[FieldError] = []
    if template.key is not None and not (
        len(template.key) <= TEMPLATE_KEY_MAX_LENGTH and _KEY.fullmatch(template.key)
    ):
        errors.append(
            FieldError(
                "key",
                f"a lower-case slug such as sales-manager, at most {TEMPLATE_KEY_MAX_LENGTH}",
                "invalid",
            )
        )
    role_zh = _text(
        template.role_name_zh, "role_name_zh", errors, max_length=TEMPLATE_ROLE_NAME_MAX_LENGTH
    )
    role_en = _text(
        template.role_name_en, "role_name_en", errors, max_length=TEMPLATE_ROLE_NAME_MAX_LENGTH
    )
    title_zh = _text(template.title_zh, "title_zh", errors, max_length=OKR_TITLE_MAX_LENGTH)
    title_en = _text(template.title_en, "title_en", errors, max_length=OKR_TITLE_MAX_LENGTH)
    description_zh = _text(
        template.description_zh,
        "description_zh",
        errors,
        max_length=OKR_DESCRIPTION_MAX_LENGTH,
        required=False,
    )
    description_en = _text(
        template.description_en,
        "description_en",
        errors,
        max_length=OKR_DESCRIPTION_MAX_LENGTH,
        required=False,
    )
    _both_or_neither(description_zh, description_en, "description", errors)

    count = len(template.key_results)
    if count < MIN_KEY_RESULTS:
        errors.append(FieldError("key_results", "a template needs a key result", "required"))
    _count(template.key_results, "key_results", errors, high=MAX_KEY_RESULTS)
    key_results = tuple(
        _key_result(kr, f"key_results[{i}]", errors) for i, kr in enumerate(template.key_results)
    )
    if key_results and all(kr.weight == 0 for kr in key_results):
        errors.append(
            FieldError("key_results", "at least one key result must weigh more than 0", "no_weight")
        )
    if errors:
        raise RuleViolation("invalid template", code="validation_failed", errors=errors)
    return replace(
        template,
        role_name_zh=role_zh,
        role_name_en=role_en,
        title_zh=title_zh,
        title_en=title_en,
        description_zh=description_zh,
        description_en=description_en,
        key_results=key_results,
    )


# --- instantiation --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedMilestone:
    title: str
    weight: Decimal


@dataclass(frozen=True)
class PlannedAction:
    title: str
    completion_standard: str | None  # None: the template gave none


@dataclass(frozen=True)
class PlannedKeyResult:
    """A KR to create: everything but its owner, due date and confidence, which the use
    case sets (the owner's, the cycle's end, none)."""

    title: str
    metric_kind: MetricKind
    start: Decimal
    target: Decimal
    direction: Direction
    unit: str | None
    currency: str | None
    weight: Decimal
    milestones: tuple[PlannedMilestone, ...]
    actions: tuple[PlannedAction, ...]


@dataclass(frozen=True)
class ObjectivePlan:
    """What instantiating a template creates, in one language: a draft objective at the
    suggested level with its KRs (in template order) and their actions."""

    template_id: UUID
    title: str
    description: str
    level: Level
    key_results: tuple[PlannedKeyResult, ...]


def _pick(locale: Locale, zh: str, en: str) -> str:
    return zh if locale is Locale.ZH_CN else en


def instantiate(template: Template, locale: Locale) -> ObjectivePlan:
    """The objective a template makes in ``locale`` (zh-CN: the Chinese texts; en: the
    English). Numbers, kinds, directions, currencies and weights are the template's."""
    return ObjectivePlan(
        template_id=template.id,
        title=_pick(locale, template.title_zh, template.title_en),
        description=_pick(locale, template.description_zh, template.description_en),
        level=template.level,
        key_results=tuple(
            PlannedKeyResult(
                title=_pick(locale, kr.title_zh, kr.title_en),
                metric_kind=kr.metric_kind,
                start=kr.start,
                target=kr.target,
                direction=kr.direction,
                unit=_pick(locale, kr.unit_zh or "", kr.unit_en or "") or None,
                currency=kr.currency,
                weight=kr.weight,
                milestones=tuple(
                    PlannedMilestone(_pick(locale, m.title_zh, m.title_en), m.weight)
                    for m in kr.milestones
                ),
                actions=tuple(
                    PlannedAction(
                        _pick(locale, a.title_zh, a.title_en),
                        _pick(locale, a.completion_standard_zh, a.completion_standard_en) or None,
                    )
                    for a in kr.actions
                ),
            )
            for kr in template.key_results
        ),
    )


def draft_of_plan(plan: ObjectivePlan, *, owner_id: UUID, has_parent: bool) -> ObjectiveDraft:
    """The plan as the OKR linter reads it, every KR owned by ``owner_id`` (as the use case
    will create them) and due at the cycle's end."""
    return ObjectiveDraft(
        title=plan.title,
        description=plan.description,
        level=plan.level,
        has_parent=has_parent,
        key_results=tuple(
            KeyResultDraft(
                title=kr.title,
                metric_kind=kr.metric_kind,
                start=kr.start,
                target=kr.target,
                owner_id=owner_id,
                milestones=len(kr.milestones),
            )
            for kr in plan.key_results
        ),
    )
