# Chinese text is written with full-width punctuation (，：（）): not a look-alike mistake.
# ruff: noqa: RUF001, RUF003
"""Unit tests of domain/templates.py and domain/builtin_templates.py: OKR templates (模板).

The built-ins are the data: each lints clean in both languages (no error, no warning), pairs
an output with a health signal, and keeps its id across releases. Then validation refuses
what could not become a stored objective, naming fields by path, and instantiation picks
one language and keeps every number.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain import quality_text
from domain.builtin_templates import (
    BUILTIN_BY_ID,
    BUILTIN_BY_KEY,
    BUILTIN_NAMESPACE,
    BUILTIN_TEMPLATES,
    SALES_OPERATIONS,
    builtin_template_id,
)
from domain.errors import FieldError, Forbidden, RuleViolation
from domain.limits import OKR_TITLE_MAX_LENGTH
from domain.okrs import Direction, Level, MetricKind
from domain.organizations import Locale
from domain.quality import QualityCode, Severity, lint
from domain.templates import (
    MAX_KEY_RESULTS,
    PlannedAction,
    PlannedMilestone,
    Template,
    TemplateAction,
    TemplateKeyResult,
    TemplateMilestone,
    draft_of_plan,
    ensure_editable,
    instantiate,
    validate_template,
)

D = Decimal
OWNER = uuid4()
ORG = uuid4()
NOW = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
BUILTIN_IDS = [t.key for t in BUILTIN_TEMPLATES]


def lint_template(template: Template, locale: Locale) -> list[tuple[str, QualityCode]]:
    """The errors and warnings of the template instantiated in ``locale``, as the use case
    would create it: one owner for every KR, aligned to something above unless company-level."""
    plan = instantiate(template, locale)
    draft = draft_of_plan(plan, owner_id=OWNER, has_parent=template.level is not Level.COMPANY)
    return [
        (f.target, f.code)
        for f in lint(draft, objectives_of_owner_in_cycle=1)
        if f.severity in {Severity.ERROR, Severity.WARNING}
    ]


def kr(title_en: str = "Repeat-purchase rate to 60%", **changes: Any) -> TemplateKeyResult:
    base = TemplateKeyResult(
        "老客户复购率提升至60%",
        title_en,
        metric_kind=MetricKind.PERCENT,
        start=D(45),
        target=D(60),
        unit_zh="%",
        unit_en="%",
    )
    return replace(base, **changes)


def template(*key_results: TemplateKeyResult, **changes: Any) -> Template:
    base = Template(
        id=uuid4(),
        key="customer-care",
        role_name_zh="客户成功经理",
        role_name_en="Customer success manager",
        title_zh="优化客户体验",
        title_en="Improve customer experience",
        description_zh="",
        description_en="",
        level=Level.TEAM,
        key_results=key_results or (kr(), kr("Retain 92% of customers")),
        organization_id=ORG,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(base, **changes)


def refusal(candidate: Template) -> list[FieldError]:
    with pytest.raises(RuleViolation) as caught:
        validate_template(candidate)
    assert caught.value.code == "validation_failed"
    return list(caught.value.errors)


def fields(errors: list[FieldError]) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in errors}


# --- the built-ins ------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", list(Locale))
@pytest.mark.parametrize("builtin", BUILTIN_TEMPLATES, ids=BUILTIN_IDS)
def test_every_builtin_lints_clean_in_both_languages(builtin: Template, locale: Locale) -> None:
    assert lint_template(builtin, locale) == []


def test_the_lint_check_catches_a_template_that_falls_into_a_trap() -> None:
    # Guards the test above: a template with 004's end-state KR alone does not pass.
    trap = template(
        TemplateKeyResult(
            "本月销售额达到200万元",
            "Sales reach 2 million this month",
            metric_kind=MetricKind.CURRENCY,
            start=D(0),
            target=D(2_000_000),
            currency="CNY",
        ),
    )
    for locale in Locale:
        assert lint_template(trap, locale) == [
            ("objective", QualityCode.KR_COUNT),
            ("objective", QualityCode.END_STATE_ONLY),
        ]


@pytest.mark.parametrize("builtin", BUILTIN_TEMPLATES, ids=BUILTIN_IDS)
def test_every_builtin_is_valid_and_already_clean(builtin: Template) -> None:
    assert validate_template(builtin) == builtin


@pytest.mark.parametrize("builtin", BUILTIN_TEMPLATES, ids=BUILTIN_IDS)
def test_every_builtin_follows_the_articles(builtin: Template) -> None:
    # 003: 2 to 5 KRs; 004: a health or quality KR next to the outputs, in both languages;
    # OKMA: a couple of actions, each with what "done" means.
    assert 2 <= len(builtin.key_results) <= 5
    assert any(quality_text.measures_health(k.title_zh) for k in builtin.key_results)
    assert any(quality_text.measures_health(k.title_en) for k in builtin.key_results)
    actions = [a for k in builtin.key_results for a in k.actions]
    assert len(actions) >= 2
    assert all(a.completion_standard_zh and a.completion_standard_en for a in actions)


def test_builtins_cover_the_roles_of_the_articles() -> None:
    assert {(t.key, t.role_name_zh, t.role_name_en) for t in BUILTIN_TEMPLATES} == {
        ("marketing-manager", "市场经理", "Marketing manager"),
        ("user-growth-specialist", "用户推广专员", "User-growth specialist"),
        ("sales-manager", "销售经理", "Sales manager"),
        ("sales-specialist", "销售专员", "Sales specialist"),
        ("sales-operations", "销售运营", "Sales operations"),
        ("revenue-team", "营收团队", "Revenue team"),
    }


def test_builtins_are_shared_and_read_only() -> None:
    for builtin in BUILTIN_TEMPLATES:
        assert builtin.is_builtin
        assert builtin.organization_id is None
        assert builtin.version == 1
        with pytest.raises(Forbidden) as caught:
            ensure_editable(builtin)
        assert caught.value.code == "template_read_only"
    ensure_editable(template())  # an organization's own template may change


def test_builtin_keys_and_ids_are_unique_and_stable() -> None:
    assert len(BUILTIN_BY_KEY) == len(BUILTIN_BY_ID) == len(BUILTIN_TEMPLATES) == 6
    for builtin in BUILTIN_TEMPLATES:
        assert builtin.key is not None
        assert builtin.id == builtin_template_id(builtin.key)
        assert BUILTIN_BY_ID[builtin.id] is BUILTIN_BY_KEY[builtin.key] is builtin
    # Literal ids: clients keep them, so a changed namespace or key must fail here.
    assert UUID("55cc7ac1-75ed-41d9-aacf-130db4d1f34e") == BUILTIN_NAMESPACE
    assert BUILTIN_BY_KEY["sales-manager"].id == UUID("e7ea7446-e0f2-5228-8caa-a883181745c9")
    assert BUILTIN_BY_KEY["sales-operations"].id == UUID("204aaff1-022b-5389-8ecf-e4839151b56d")
    assert BUILTIN_BY_KEY["marketing-manager"].id == UUID("40ca1ae5-dbe6-5385-899c-8ff07f876eda")


def test_sales_operations_moves_the_feedback_process_from_kr_to_action() -> None:
    # 001's "build a monthly customer-feedback process" is a task (the linter says so):
    # the built-in keeps it as an action, not as a KR.
    krs = SALES_OPERATIONS.key_results
    assert not any(quality_text.reads_as_task(k.title_en, numeric_target=True) for k in krs)
    feedback = [a for k in krs for a in k.actions if "feedback" in a.title_en]
    assert len(feedback) == 1
    assert quality_text.reads_as_task(feedback[0].title_en, numeric_target=False)
    assert quality_text.reads_as_task(feedback[0].title_zh, numeric_target=False)


# --- validation ---------------------------------------------------------------------------------


def test_a_valid_template_comes_back_stripped() -> None:
    messy = template(
        kr(" Repeat-purchase rate to 60% ", unit_zh=" % ", unit_en="%"),
        kr(
            actions=(TemplateAction(" 每周回访 ", "Weekly call-backs ", "  ", ""),),
        ),
        title_zh=" 优化客户体验 ",
        description_zh="  ",
        description_en="",
    )
    cleaned = validate_template(messy)
    assert cleaned.title_zh == "优化客户体验"
    assert cleaned.description_zh == ""
    assert cleaned.key_results[0].title_en == "Repeat-purchase rate to 60%"
    assert cleaned.key_results[0].unit_zh == "%"
    action = cleaned.key_results[1].actions[0]
    assert (action.title_zh, action.title_en) == ("每周回访", "Weekly call-backs")
    assert (action.completion_standard_zh, action.completion_standard_en) == ("", "")


def test_validation_refuses_blank_and_oversized_titles_with_their_paths() -> None:
    errors = refusal(
        template(
            kr(),
            kr(title_zh=" ", title_en="x" * (OKR_TITLE_MAX_LENGTH + 1)),
            title_zh="  ",
            title_en="x" * (OKR_TITLE_MAX_LENGTH + 1),
            role_name_en="",
        )
    )
    assert fields(errors) == {
        ("role_name_en", "empty"),
        ("title_zh", "empty"),
        ("title_en", "too_long"),
        ("key_results[1].title_zh", "empty"),
        ("key_results[1].title_en", "too_long"),
    }


def test_a_title_of_exactly_the_limit_is_accepted() -> None:
    validate_template(template(title_en="x" * OKR_TITLE_MAX_LENGTH))


def test_validation_refuses_too_many_and_no_key_results() -> None:
    too_many = template(*(kr() for _ in range(MAX_KEY_RESULTS + 1)))
    assert fields(refusal(too_many)) == {("key_results", "too_many")}
    validate_template(template(*(kr() for _ in range(MAX_KEY_RESULTS))))
    assert fields(refusal(replace(template(), key_results=()))) == {("key_results", "required")}
    # One KR is accepted (the linter warns about it): a template may be saved half-written.
    validate_template(template(kr()))


def test_validation_refuses_a_metric_a_stored_kr_would_refuse() -> None:
    errors = refusal(
        template(
            kr(direction=Direction.DECREASE),  # 45 -> 60 is not a decrease
            kr(metric_kind=MetricKind.CURRENCY, unit_zh=None, unit_en=None),  # no currency
            kr(milestones=(TemplateMilestone("签约", "Signed"),)),  # a percent KR
            kr(metric_kind=MetricKind.MILESTONES),  # with no milestones
            kr(weight=D(-1)),
        )
    )
    assert fields(errors) == {
        ("key_results[0].direction", "direction_contradicts_target"),
        ("key_results[1].currency", "invalid"),
        ("key_results[2].milestones", "not_allowed"),
        ("key_results[3].milestones", "required"),
        ("key_results[4].weight", "out_of_range"),
    }


def test_validation_checks_milestones_and_actions_in_both_languages() -> None:
    milestones_kr = kr(
        metric_kind=MetricKind.MILESTONES,
        start=D(0),
        target=D(1),
        unit_zh=None,
        unit_en=None,
        milestones=(
            TemplateMilestone("问卷设计完成", "Survey designed"),
            TemplateMilestone(" ", "First monthly report", weight=D(0)),
        ),
        actions=(TemplateAction("每月回访", "", "回访记录进CRM", ""),),
    )
    errors = refusal(template(milestones_kr, kr()))
    assert fields(errors) == {
        ("key_results[0].milestones[1].title_zh", "empty"),
        ("key_results[0].milestones[1].weight", "out_of_range"),
        ("key_results[0].actions[0].title_en", "empty"),
        ("key_results[0].actions[0].completion_standard_en", "missing_translation"),
    }


def test_validation_refuses_text_given_in_one_language_only() -> None:
    errors = refusal(
        template(kr(unit_zh="天", unit_en=None), kr(), description_en="Only in English")
    )
    assert fields(errors) == {
        ("description_zh", "missing_translation"),
        ("key_results[0].unit_en", "missing_translation"),
    }


@pytest.mark.parametrize("key", ["Sales Manager", "sales_manager", "-sales", "a" * 65, ""])
def test_validation_refuses_a_key_that_is_not_a_slug(key: str) -> None:
    assert fields(refusal(template(key=key))) == {("key", "invalid")}


def test_an_organization_template_may_have_no_key() -> None:
    validate_template(template(key=None))


def test_validation_refuses_key_results_that_all_weigh_nothing() -> None:
    errors = refusal(template(kr(weight=D(0)), kr(weight=D(0))))
    assert fields(errors) == {("key_results", "no_weight")}


# --- instantiation ------------------------------------------------------------------------------


@pytest.mark.parametrize("builtin", BUILTIN_TEMPLATES, ids=BUILTIN_IDS)
def test_instantiate_picks_the_language_and_keeps_the_numbers(builtin: Template) -> None:
    zh = instantiate(builtin, Locale.ZH_CN)
    en = instantiate(builtin, Locale.EN)
    assert (zh.title, zh.description) == (builtin.title_zh, builtin.description_zh)
    assert (en.title, en.description) == (builtin.title_en, builtin.description_en)
    assert zh.template_id == en.template_id == builtin.id
    assert zh.level == en.level == builtin.level
    assert [k.title for k in zh.key_results] == [k.title_zh for k in builtin.key_results]
    assert [k.title for k in en.key_results] == [k.title_en for k in builtin.key_results]
    for source, in_zh, in_en in zip(
        builtin.key_results, zh.key_results, en.key_results, strict=True
    ):
        numbers = (
            source.metric_kind,
            source.start,
            source.target,
            source.direction,
            source.currency,
            source.weight,
        )
        for planned in (in_zh, in_en):
            assert (
                planned.metric_kind,
                planned.start,
                planned.target,
                planned.direction,
                planned.currency,
                planned.weight,
            ) == numbers
        assert in_zh.unit == source.unit_zh
        assert in_en.unit == source.unit_en
        assert [a.title for a in in_zh.actions] == [a.title_zh for a in source.actions]
        assert [a.title for a in in_en.actions] == [a.title_en for a in source.actions]


def test_instantiate_sales_manager_by_hand() -> None:
    plan = instantiate(BUILTIN_BY_KEY["sales-manager"], Locale.ZH_CN)
    assert plan.title == "带领团队达成季度销售目标，且业绩健康可持续"
    assert plan.level is Level.TEAM
    inventory = plan.key_results[3]
    assert inventory.title == "渠道库存从45天销量降至30天以内"
    assert (inventory.start, inventory.target, inventory.direction) == (
        D(45),
        D(30),
        Direction.DECREASE,
    )
    assert inventory.unit == "天"
    assert inventory.actions == (
        PlannedAction("每月核对经销商的进货与动销数据", "月报列出库存超过30天的经销商及处理办法"),
    )
    sales = instantiate(BUILTIN_BY_KEY["sales-manager"], Locale.EN).key_results[0]
    assert (sales.title, sales.target, sales.currency) == (
        "Team sales reach 6 million CNY this quarter",
        D(6_000_000),
        "CNY",
    )


def test_instantiate_carries_milestones_and_optional_texts() -> None:
    feedback = template(
        kr(
            "Monthly customer-feedback loop closed",
            title_zh="每月客户反馈闭环",
            metric_kind=MetricKind.MILESTONES,
            start=D(0),
            target=D(1),
            unit_zh=None,
            unit_en=None,
            weight=D(2),
            milestones=(
                TemplateMilestone("问卷设计完成", "Survey designed"),
                TemplateMilestone("首份月度反馈报告", "First monthly report", weight=D(3)),
            ),
            actions=(TemplateAction("每月5日前发布报告", "Publish the report by the 5th"),),
        ),
        kr(),
    )
    zh = instantiate(validate_template(feedback), Locale.ZH_CN)
    en = instantiate(feedback, Locale.EN)
    assert zh.key_results[0].milestones == (
        PlannedMilestone("问卷设计完成", D(1)),
        PlannedMilestone("首份月度反馈报告", D(3)),
    )
    assert [m.title for m in en.key_results[0].milestones] == [
        "Survey designed",
        "First monthly report",
    ]
    assert zh.key_results[0].weight == D(2)
    assert zh.key_results[0].unit is None
    assert en.key_results[0].actions == (PlannedAction("Publish the report by the 5th", None),)
    assert zh.description == ""
    draft = draft_of_plan(en, owner_id=OWNER, has_parent=True)
    assert draft.key_results[0].milestones == 2
    assert {k.owner_id for k in draft.key_results} == {OWNER}
    assert draft.has_parent
