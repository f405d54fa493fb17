# Chinese text is written with full-width punctuation (，：（）；): not a look-alike mistake.
# ruff: noqa: RUF001, RUF003
"""Unit tests of domain/quality.py and domain/quality_text.py: the OKR linter.

The worked examples of DOMAIN.md (articles 001 to 004) are the data, in English and in the
articles' Chinese: the good ones lint clean, the sales-ops O2 feedback-process KR is a task,
the 003 survey KR counts activities, "sales reach 2 million this month" alone is the
end-state trap, "提升企业整体业务水平" is the long-horizon trap. Each rule then has a case
that fires and one that does not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import quality_text
from domain.errors import RuleViolation
from domain.okrs import (
    Direction,
    KeyResult,
    Level,
    MetricKind,
    Milestone,
    Objective,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.organizations import Locale
from domain.quality import (
    DEFAULT_LIMITS,
    OBJECTIVE,
    SEVERITY,
    Finding,
    KeyResultDraft,
    ObjectiveDraft,
    QualityCode,
    QualityLimits,
    Severity,
    draft_of,
    key_result_target,
    lint,
    validate_limits,
)

D = Decimal
C = QualityCode
OWNER = uuid4()
NOW = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
YEAR_END = date(2026, 12, 31)
QUARTER_END = date(2026, 6, 30)
MONTH_END = date(2026, 3, 31)

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")


def kr(
    title: str,
    *,
    kind: MetricKind | None = MetricKind.PERCENT,
    target: str | None = "60",
    owner_id: UUID | None = OWNER,
    milestones: int = 0,
    due_date: date | None = None,
) -> KeyResultDraft:
    return KeyResultDraft(
        title=title,
        metric_kind=kind,
        start=D(0),
        target=None if target is None else D(target),
        owner_id=owner_id,
        milestones=milestones,
        due_date=due_date,
    )


def objective(
    *key_results: KeyResultDraft,
    title: str = "Improve customer experience",
    level: Level = Level.DEPARTMENT,
    has_parent: bool = True,
    rolls_up: bool = False,
) -> ObjectiveDraft:
    return ObjectiveDraft(
        title=title,
        level=level,
        key_results=key_results,
        has_parent=has_parent,
        rolls_up=rolls_up,
        owner_kind=OwnerKind.UNIT,
    )


def good_krs(count: int = 3) -> tuple[KeyResultDraft, ...]:
    titles = (
        "new customers +20% year on year",
        "repeat-purchase rate to 60%",
        "retain 92% of customers",
        "complaint response under 24 hours",
        "raise the customer satisfaction score by 5%",
        "reduce support requests by 8%",
    )
    return tuple(kr(titles[i % len(titles)]) for i in range(count))


def codes(findings: list[Finding]) -> list[tuple[str, QualityCode]]:
    return [(f.target, f.code) for f in findings]


# --- the worked examples of DOMAIN.md -------------------------------------------------------


@dataclass(frozen=True)
class ExampleKR:
    en: str
    zh: str
    kind: MetricKind
    target: str


@dataclass(frozen=True)
class Example:
    title_en: str
    title_zh: str
    level: Level
    has_parent: bool
    cycle_end: date
    key_results: tuple[ExampleKR, ...]

    def draft(self, lang: Lang) -> ObjectiveDraft:
        return ObjectiveDraft(
            title=self.title_en if lang == "en" else self.title_zh,
            level=self.level,
            has_parent=self.has_parent,
            owner_kind=OwnerKind.UNIT,
            key_results=tuple(
                kr(k.en if lang == "en" else k.zh, kind=k.kind, target=k.target)
                for k in self.key_results
            ),
        )


P, N, M, B = MetricKind.PERCENT, MetricKind.NUMBER, MetricKind.CURRENCY, MetricKind.BOOLEAN

# 001, sales operations, a year; both objectives align to the company's +30% sales and 90%.
SALES_OPS_O1 = Example(
    "Improve sales performance",
    "提升销售业绩",
    Level.DEPARTMENT,
    True,
    YEAR_END,
    (
        ExampleKR("new customers +20% year on year", "新客户获取量同比增长20%", P, "20"),
        ExampleKR("repeat-purchase rate to 60%", "老客户复购率提升至60%", P, "60"),
        ExampleKR("average sales cycle under 30 days", "平均销售周期缩短至30天以内", N, "30"),
    ),
)
SALES_OPS_O2 = Example(
    "Improve customer experience",
    "优化客户体验",
    Level.DEPARTMENT,
    True,
    YEAR_END,
    (
        ExampleKR(
            "complaint response under 24 hours", "客户投诉处理响应时间缩短至24小时内", N, "24"
        ),
        ExampleKR(
            '"very satisfied" share above 50%',
            "客户满意度调查结果中“非常满意”比例提升至50%以上",
            P,
            "50",
        ),
        ExampleKR(
            "build a monthly customer-feedback process",
            "建立并完善客户反馈机制，确保每月收集并分析客户反馈",
            B,
            "1",
        ),
    ),
)
# 002, revenue team, a quarter; aligned to the company's profit +5% and revenue +10%.
REVENUE_GROWTH = Example(
    "Increase sales by 10%",
    "增加销售额10%",
    Level.TEAM,
    True,
    QUARTER_END,
    (
        ExampleKR("sell to 10 new customers", "卖给10个新客户", N, "10"),
        ExampleKR("increase deal value by 20%", "增加交易价值20%", P, "20"),
        ExampleKR("shorten the sales cycle by 10%", "缩短销售周期10%", P, "10"),
    ),
)
REVENUE_CHURN = Example(
    "Reduce churn by 2%",
    "将客户流失率降低2%",
    Level.TEAM,
    True,
    QUARTER_END,
    (
        ExampleKR("raise the customer satisfaction score by 5%", "提高客户满意度得分5%", P, "5"),
        ExampleKR("retain 92% of customers", "保留现有客户的92%", P, "92"),
        ExampleKR("reduce support requests by 8%", "减少客户支持请求8%", P, "8"),
    ),
)
# 003, a sales team with OKMA, a year; its third KR counts surveys held, an activity.
OKMA_SALES_TEAM = Example(
    "Grow sales 30% with customer satisfaction above 90%",
    "实现销售额增长30%，客户满意度提升至90%以上",
    Level.TEAM,
    True,
    YEAR_END,
    (
        ExampleKR("10 new customers a month", "每月新增客户10家", N, "10"),
        ExampleKR("revisit rate above 80%", "客户回访率提升至80%以上", P, "80"),
        ExampleKR("a satisfaction survey each quarter", "每季度进行一次客户满意度调查", N, "4"),
    ),
)
# 004, an e-commerce company's month: sales as the only KR (终局误区).
END_STATE = Example(
    "Hit this month's sales target",
    "冲刺本月销售目标",
    Level.COMPANY,
    False,
    MONTH_END,
    (ExampleKR("sales reach 2 million this month", "本月销售额达到200万元", M, "2000000"),),
)

GOOD_EXAMPLES = {
    "001 O1": SALES_OPS_O1,
    "002 growth": REVENUE_GROWTH,
    "002 churn": REVENUE_CHURN,
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(GOOD_EXAMPLES))
def test_the_good_worked_examples_lint_clean(name: str, lang: Lang) -> None:
    example = GOOD_EXAMPLES[name]
    assert (
        lint(example.draft(lang), cycle_end=example.cycle_end, objectives_of_owner_in_cycle=2) == []
    )


@pytest.mark.parametrize("lang", LANGS)
def test_the_sales_ops_feedback_process_is_a_task_that_cannot_show_midway_progress(
    lang: Lang,
) -> None:
    findings = lint(SALES_OPS_O2.draft(lang), cycle_end=YEAR_END)

    assert codes(findings) == [
        ("key_results[2]", C.KR_IS_TASK),
        ("key_results[2]", C.KR_NO_MIDWAY_PROGRESS),
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_the_feedback_process_as_milestones_is_still_a_task(lang: Lang) -> None:
    draft = SALES_OPS_O2.draft(lang)
    process = replace(draft.key_results[2], metric_kind=MetricKind.MILESTONES, milestones=4)
    draft = replace(draft, key_results=(*draft.key_results[:2], process))

    assert codes(lint(draft, cycle_end=YEAR_END)) == [("key_results[2]", C.KR_IS_TASK)]


@pytest.mark.parametrize("lang", LANGS)
def test_the_okma_survey_each_quarter_counts_activities_despite_its_number(lang: Lang) -> None:
    # DOMAIN.md: "hold 3 training sessions" is a task; four surveys a year is the same shape.
    findings = lint(OKMA_SALES_TEAM.draft(lang), cycle_end=YEAR_END)

    assert codes(findings) == [("key_results[2]", C.KR_IS_TASK)]


@pytest.mark.parametrize("lang", LANGS)
def test_sales_as_the_only_kr_is_the_end_state_trap_with_too_few_krs(lang: Lang) -> None:
    findings = lint(END_STATE.draft(lang), cycle_end=MONTH_END)

    assert codes(findings) == [(OBJECTIVE, C.KR_COUNT), (OBJECTIVE, C.END_STATE_ONLY)]
    assert [f.severity for f in findings] == [Severity.WARNING, Severity.WARNING]
    assert findings[0].message_en == "An objective should have 2 to 5 key results; this one has 1"
    assert findings[0].message_zh == "目标应有2至5个关键结果，当前为1个"


@pytest.mark.parametrize(
    "title", ["提升企业整体业务水平", "raise the overall business level of the company"]
)
def test_a_vague_company_wide_kr_is_the_long_horizon_trap(title: str) -> None:
    draft = objective(*good_krs(2), kr(title, kind=MetricKind.BOOLEAN, target="1"))

    findings = [f for f in lint(draft) if f.target == "key_results[2]"]

    assert codes(findings) == [
        ("key_results[2]", C.KR_NO_MIDWAY_PROGRESS),
        ("key_results[2]", C.LONG_HORIZON),
    ]
    assert "长效误区" in findings[1].message_zh
    assert "long-horizon trap" in findings[1].message_en


# --- kr_count -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 6, 9])
def test_kr_count_flags_fewer_than_two_or_more_than_five(count: int) -> None:
    findings = lint(objective(*good_krs(count)))

    assert codes(findings) == [(OBJECTIVE, C.KR_COUNT)]
    assert f"{count}" in findings[0].message_en


@pytest.mark.parametrize("count", [2, 3, 5])
def test_kr_count_accepts_two_to_five(count: int) -> None:
    assert lint(objective(*good_krs(count))) == []


def test_a_roll_up_objective_without_krs_is_measured_by_its_children() -> None:
    assert lint(objective(rolls_up=True)) == []
    assert codes(lint(objective(*good_krs(1), rolls_up=True))) == [(OBJECTIVE, C.KR_COUNT)]


def test_kr_count_reads_the_organization_limits() -> None:
    limits = QualityLimits(min_key_results=1, max_key_results=3)

    assert lint(objective(*good_krs(1)), limits=limits) == []
    findings = lint(objective(*good_krs(4)), limits=limits)
    assert codes(findings) == [(OBJECTIVE, C.KR_COUNT)]
    assert findings[0].message_en == "An objective should have 1 to 3 key results; this one has 4"


# --- too_many_objectives --------------------------------------------------------------------


def test_an_owner_with_more_than_five_objectives_in_the_cycle_is_told_to_focus() -> None:
    findings = lint(objective(*good_krs()), objectives_of_owner_in_cycle=6)

    assert codes(findings) == [(OBJECTIVE, C.TOO_MANY_OBJECTIVES)]
    assert findings[0].severity is Severity.INFO
    assert "6" in findings[0].message_zh
    assert "more than 5" in findings[0].message_en


@pytest.mark.parametrize("count", [None, 1, 5])
def test_five_objectives_or_an_unknown_count_pass(count: int | None) -> None:
    assert lint(objective(*good_krs()), objectives_of_owner_in_cycle=count) == []


def test_the_objective_limit_is_configurable() -> None:
    limits = QualityLimits(max_objectives_per_owner=3)

    assert lint(objective(*good_krs()), objectives_of_owner_in_cycle=3, limits=limits) == []
    assert codes(lint(objective(*good_krs()), objectives_of_owner_in_cycle=4, limits=limits)) == [
        (OBJECTIVE, C.TOO_MANY_OBJECTIVES)
    ]


# --- not_aligned ----------------------------------------------------------------------------


@pytest.mark.parametrize("level", [Level.DEPARTMENT, Level.TEAM, Level.INDIVIDUAL])
def test_a_non_company_objective_aligned_to_nothing_is_flagged(level: Level) -> None:
    findings = lint(objective(*good_krs(), level=level, has_parent=False))

    assert codes(findings) == [(OBJECTIVE, C.NOT_ALIGNED)]
    assert findings[0].severity is Severity.WARNING


def test_a_company_objective_needs_no_parent_and_an_aligned_one_passes() -> None:
    assert lint(objective(*good_krs(), level=Level.COMPANY, has_parent=False)) == []
    assert lint(objective(*good_krs(), level=Level.TEAM, has_parent=True)) == []


# --- end_state_only -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "titles",
    [
        ("sales reach 2 million this month", "quarterly revenue above 6 million"),
        ("本月销售额达到200万元", "季度营收突破600万元", "GMV达到1000万"),
    ],
)
def test_krs_that_all_measure_the_final_output_are_the_end_state_trap(
    titles: tuple[str, ...],
) -> None:
    draft = objective(*(kr(t, kind=MetricKind.CURRENCY, target="2000000") for t in titles))

    assert codes(lint(draft)) == [(OBJECTIVE, C.END_STATE_ONLY)]


@pytest.mark.parametrize(
    "health",
    [
        "repeat-purchase rate to 60%",
        "returns below 3% of units sold",
        "distributor inventory under 30 days of sales",
        "复购率提升至60%",
        "退货率低于3%",
        "客户满意度达到90%以上",
    ],
)
def test_a_health_kr_beside_the_output_keeps_it_honest(health: str) -> None:
    draft = objective(kr("本月销售额达到200万元", kind=MetricKind.CURRENCY), kr(health))

    assert lint(draft) == []


def test_an_output_kr_that_names_its_health_is_not_output_only() -> None:
    draft = objective(
        kr("sales reach 2 million this month"),
        kr("repeat-purchase sales reach 40% of sales"),
    )

    assert lint(draft) == []


def test_the_sales_cycle_is_not_a_final_output() -> None:
    draft = objective(kr("shorten the sales cycle by 10%"), kr("sales team headcount to 12"))

    assert lint(draft) == []


# --- kr_not_measurable ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "key_result",
    [
        kr("more loyal customers", kind=MetricKind.NUMBER, target=None),
        kr("更多忠实客户", kind=None, target=None),
        kr("ship the loyalty programme", kind=MetricKind.MILESTONES, target=None, milestones=0),
    ],
)
def test_a_kr_without_a_target_or_milestones_is_not_measurable(
    key_result: KeyResultDraft,
) -> None:
    findings = lint(objective(key_result, *good_krs(2)))

    assert codes(findings) == [("key_results[0]", C.KR_NOT_MEASURABLE)]
    assert findings[0].severity is Severity.ERROR


@pytest.mark.parametrize(
    "key_result",
    [
        kr("retain 92% of customers", kind=MetricKind.PERCENT, target="92"),
        kr("保留现有客户的92%", kind=None, target="92"),
        kr("loyalty programme shipped", kind=MetricKind.MILESTONES, target=None, milestones=3),
    ],
)
def test_a_target_or_milestones_make_a_kr_measurable(key_result: KeyResultDraft) -> None:
    assert lint(objective(key_result, *good_krs(2))) == []


# --- kr_is_task -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "kind", "target"),
    [
        ("hold 3 training sessions", MetricKind.NUMBER, "3"),
        ("举办3场新人培训", MetricKind.NUMBER, "3"),
        ("We will launch the partner portal", MetricKind.BOOLEAN, "1"),
        ("每月召开一次销售复盘会", MetricKind.NUMBER, "12"),
        ("set up a CRM dashboard for the sales team", MetricKind.BOOLEAN, "1"),
        ("我们将制定新的客户分级制度", MetricKind.BOOLEAN, "1"),
        ("organize 2 customer events per quarter", MetricKind.NUMBER, "8"),
        ("组织两期产品沙龙", MetricKind.NUMBER, "2"),
    ],
)
def test_a_kr_that_describes_work_is_a_task(title: str, kind: MetricKind, target: str) -> None:
    findings = lint(objective(kr(title, kind=kind, target=target), *good_krs(2)))

    assert [f.code for f in findings if f.target == "key_results[0]"][:1] == [C.KR_IS_TASK]
    task = next(f for f in findings if f.code is C.KR_IS_TASK)
    assert task.severity is Severity.WARNING
    assert task.message_zh.startswith("关键结果应为可衡量的结果，而非任务")
    assert task.message_en.startswith("A key result should be a measurable result, not a task")


@pytest.mark.parametrize(
    ("title", "kind", "target"),
    [
        ("new reps reach quota in 4 months", MetricKind.PERCENT, "100"),
        ("新销售人员在四个月内完成月度配额", MetricKind.PERCENT, "100"),
        ("完成销售额200万元", MetricKind.CURRENCY, "2000000"),
        ("complete 100% of the quarterly quota", MetricKind.PERCENT, "100"),
        (
            "create an onboarding program so new sales hires hit their quota within 4 months",
            MetricKind.PERCENT,
            "80",
        ),
        ("培训覆盖率达到100%", MetricKind.PERCENT, "100"),
        ("10 new customers a month", MetricKind.NUMBER, "10"),
        ("每月新增客户10家", MetricKind.NUMBER, "10"),
    ],
)
def test_a_number_on_a_result_is_a_result(title: str, kind: MetricKind, target: str) -> None:
    assert lint(objective(kr(title, kind=kind, target=target), *good_krs(2))) == []


@pytest.mark.parametrize(
    ("title", "numeric_target", "expected"),
    [
        # Counted activities: a task, number or not.
        ("hold 3 training sessions", True, True),
        ("举办3场培训", True, True),
        ("a satisfaction survey each quarter", True, True),
        ("每季度进行一次客户满意度调查", True, True),
        ("visits per month to key accounts", True, True),
        # A leading task verb, after a subject, modal or frequency prefix.
        ("build a monthly customer-feedback process", False, True),
        ("build a monthly customer-feedback process", True, True),  # no result noun
        ("建立并完善客户反馈机制，确保每月收集并分析客户反馈", False, True),
        ("Each quarter, we will run a pricing review", False, True),
        ("我们将每月拜访重点客户", True, True),
        ("Set-up a referral scheme", False, True),
        # ... forgiven when a numeric target sits on a result measure.
        ("完成销售额200万", True, False),
        ("完成销售额200万", False, True),
        ("launch a bundle that lifts conversion to 5%", True, False),
        # No lead, no count of activities: a result.
        ("new reps reach quota in 4 months", True, False),
        ("revisit rate above 80%", True, False),
        ("客户回访率提升至80%以上", True, False),
        ("the team completes onboarding within 2 weeks", True, False),
        ("answer 95% of calls within one minute", True, False),
        ("runway of 18 months", True, False),
        ("", False, False),
    ],
)
def test_reads_as_task(title: str, numeric_target: bool, expected: bool) -> None:
    assert quality_text.reads_as_task(title, numeric_target=numeric_target) is expected


# --- kr_no_owner ----------------------------------------------------------------------------


def test_a_kr_without_an_owner_is_flagged_and_one_with_an_owner_is_not() -> None:
    findings = lint(objective(kr("retain 92% of customers", owner_id=None), *good_krs(2)))

    assert codes(findings) == [("key_results[0]", C.KR_NO_OWNER)]
    assert findings[0].severity is Severity.ERROR
    assert lint(objective(kr("retain 92% of customers", owner_id=uuid4()), *good_krs(2))) == []


# --- kr_no_midway_progress ------------------------------------------------------------------


@pytest.mark.parametrize(
    "key_result",
    [
        kr("partner portal live", kind=MetricKind.BOOLEAN, target="1"),
        kr("合作伙伴门户上线", kind=MetricKind.BOOLEAN, target="1"),
        kr("partner portal live", kind=MetricKind.MILESTONES, target=None, milestones=1),
    ],
)
def test_a_yes_no_kr_without_milestones_shows_no_midway_progress(
    key_result: KeyResultDraft,
) -> None:
    findings = lint(objective(key_result, *good_krs(2)))

    assert codes(findings) == [("key_results[0]", C.KR_NO_MIDWAY_PROGRESS)]
    assert findings[0].severity is Severity.WARNING


@pytest.mark.parametrize(
    "key_result",
    [
        kr("partner portal live", kind=MetricKind.BOOLEAN, target="1", milestones=3),
        kr("partner portal live", kind=MetricKind.MILESTONES, target=None, milestones=3),
        kr("retain 92% of customers", kind=MetricKind.PERCENT, target="92"),
    ],
)
def test_milestones_or_a_number_show_midway_progress(key_result: KeyResultDraft) -> None:
    assert lint(objective(key_result, *good_krs(2))) == []


# --- long_horizon ---------------------------------------------------------------------------


def test_a_kr_due_after_the_cycle_ends_is_long_horizon() -> None:
    late = kr("retain 92% of customers", due_date=date(2027, 3, 31))

    findings = lint(objective(late, *good_krs(2)), cycle_end=YEAR_END)

    assert codes(findings) == [("key_results[0]", C.LONG_HORIZON)]
    assert findings[0].message_en == (
        "The key result is due (2027-03-31) after the cycle ends (2026-12-31): "
        "choose a result this cycle can move"
    )
    assert "2027-03-31" in findings[0].message_zh


@pytest.mark.parametrize(
    ("due_date", "cycle_end"),
    [
        (YEAR_END, YEAR_END),
        (date(2026, 6, 30), YEAR_END),
        (None, YEAR_END),
        (date(2030, 1, 1), None),
    ],
)
def test_a_kr_due_by_the_cycle_end_or_with_no_dates_to_compare_passes(
    due_date: date | None, cycle_end: date | None
) -> None:
    on_time = kr("retain 92% of customers", due_date=due_date)

    assert lint(objective(on_time, *good_krs(2)), cycle_end=cycle_end) == []


def test_a_late_and_vague_kr_gets_one_finding_naming_both_reasons() -> None:
    both = kr(
        "全面提升团队综合能力", kind=MetricKind.MILESTONES, milestones=3, due_date=date(2027, 1, 1)
    )

    findings = lint(objective(both, *good_krs(2)), cycle_end=YEAR_END)

    assert codes(findings) == [("key_results[0]", C.LONG_HORIZON)]
    assert "2027-01-01" in findings[0].message_en
    assert "long-horizon trap" in findings[0].message_en
    assert "长效误区" in findings[0].message_zh


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("提升企业整体业务水平", True),
        ("全面提升服务质量", True),
        ("提高销售团队的专业水平", True),
        ("raise the overall business level", True),
        ("a holistic improvement of sales", True),
        ("improve the capability level of the sales team", True),
        # A figure makes it specific; a plain result is not vague.
        ("整体客户满意度提升至90%", False),
        ("overall satisfaction above 90%", False),
        ("retain 92% of customers", False),
        ("新客户获取量同比增长20%", False),
    ],
)
def test_is_vague_aim(title: str, expected: bool) -> None:
    assert quality_text.is_vague_aim(title) is expected


@pytest.mark.parametrize(
    ("title", "output", "health"),
    [
        ("sales reach 2 million this month", True, False),
        ("本月销售额达到200万元", True, False),
        ("GMV达到1000万", True, False),
        ("quarterly revenue above 6 million", True, False),
        ("average sales cycle under 30 days", False, False),
        ("平均销售周期缩短至30天以内", False, False),
        ("repeat-purchase rate to 60%", False, True),
        ("老客户复购率提升至60%", False, True),
        ("退货率低于3%", False, True),
        ("retain 92% of customers", False, True),
        ("渠道库存不超过30天销量", True, True),
    ],
)
def test_outputs_and_health_signals(title: str, output: bool, health: bool) -> None:
    assert quality_text.measures_final_output(title) is output
    assert quality_text.measures_health(title) is health


# --- findings, messages, limits -------------------------------------------------------------


def test_every_code_has_a_severity() -> None:
    assert dict(SEVERITY) == {
        C.KR_COUNT: Severity.WARNING,
        C.TOO_MANY_OBJECTIVES: Severity.INFO,
        C.NOT_ALIGNED: Severity.WARNING,
        C.END_STATE_ONLY: Severity.WARNING,
        C.KR_NOT_MEASURABLE: Severity.ERROR,
        C.KR_IS_TASK: Severity.WARNING,
        C.KR_NO_OWNER: Severity.ERROR,
        C.KR_NO_MIDWAY_PROGRESS: Severity.WARNING,
        C.LONG_HORIZON: Severity.WARNING,
    }


def test_everything_wrong_at_once_yields_every_code_in_a_stable_order() -> None:
    worst = objective(
        kr("举办3场培训", owner_id=None, target=None, due_date=date(2027, 1, 1)),
        kr("提升企业整体业务水平", kind=MetricKind.BOOLEAN, target="1"),
        kr("sales reach 2 million this month"),
        *(kr("本月销售额达到200万元") for _ in range(3)),
        level=Level.TEAM,
        has_parent=False,
    )
    findings = lint(worst, cycle_end=YEAR_END, objectives_of_owner_in_cycle=7)

    assert codes(findings) == [
        (OBJECTIVE, C.KR_COUNT),
        (OBJECTIVE, C.TOO_MANY_OBJECTIVES),
        (OBJECTIVE, C.NOT_ALIGNED),
        ("key_results[0]", C.KR_NOT_MEASURABLE),
        ("key_results[0]", C.KR_IS_TASK),
        ("key_results[0]", C.KR_NO_OWNER),
        ("key_results[0]", C.LONG_HORIZON),
        ("key_results[1]", C.KR_NO_MIDWAY_PROGRESS),
        ("key_results[1]", C.LONG_HORIZON),
    ]


def test_every_message_is_bilingual_and_the_locale_picks_one() -> None:
    worst = objective(
        kr("举办3场培训", owner_id=None, target=None, due_date=date(2027, 1, 1)),
        kr("提升企业整体业务水平", kind=MetricKind.BOOLEAN, target="1"),
        *(kr("本月销售额达到200万元") for _ in range(4)),
        level=Level.TEAM,
        has_parent=False,
    )
    findings = [
        *lint(worst, cycle_end=YEAR_END, objectives_of_owner_in_cycle=7),
        *lint(objective(*worst.key_results[2:])),
    ]

    assert {f.code for f in findings} == set(QualityCode)
    for finding in findings:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in finding.message_zh)
        assert finding.message_en.isascii()
        assert finding.message(Locale.ZH_CN) == finding.message_zh
        assert finding.message(Locale.EN) == finding.message_en


def test_key_result_target_names_the_index() -> None:
    assert key_result_target(0) == "key_results[0]"
    assert key_result_target(12) == "key_results[12]"


@pytest.mark.parametrize(
    "limits",
    [
        QualityLimits(min_key_results=0),
        QualityLimits(min_key_results=4, max_key_results=3),
        QualityLimits(max_objectives_per_owner=0),
    ],
)
def test_invalid_limits_are_refused(limits: QualityLimits) -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_limits(limits)
    assert caught.value.code == "validation_failed"


def test_the_default_limits_are_valid() -> None:
    assert validate_limits(DEFAULT_LIMITS) == QualityLimits(2, 5, 5)
    assert validate_limits(QualityLimits(1, 1, 1)) == QualityLimits(1, 1, 1)


# --- draft_of: from a stored objective ------------------------------------------------------


def stored_objective(
    *,
    parent_objective_id: UUID | None = None,
    parent_key_result_id: UUID | None = None,
    roll_up: bool = False,
) -> Objective:
    return Objective(
        id=uuid4(),
        organization_id=uuid4(),
        cycle_id=uuid4(),
        title="Improve customer experience",
        description="001, objective two",
        owner_kind=OwnerKind.UNIT,
        owner_id=uuid4(),
        level=Level.DEPARTMENT,
        status=ObjectiveStatus.ACTIVE,
        visibility=Visibility.PUBLIC,
        roll_up=roll_up,
        parent_objective_id=parent_objective_id,
        parent_key_result_id=parent_key_result_id,
        source_objective_id=None,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def stored_kr(
    objective_id: UUID,
    title: str,
    *,
    kind: MetricKind = MetricKind.PERCENT,
    target: str = "50",
    milestones: tuple[Milestone, ...] = (),
    due_date: date = YEAR_END,
) -> KeyResult:
    return KeyResult(
        id=uuid4(),
        organization_id=uuid4(),
        objective_id=objective_id,
        title=title,
        owner_id=OWNER,
        metric_kind=kind,
        unit=None,
        currency=None,
        start=D(0),
        target=D(target),
        direction=Direction.INCREASE,
        weight=D(1),
        due_date=due_date,
        confidence=None,
        milestones=milestones,
        final_score=None,
        final_score_reason=None,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def test_draft_of_a_stored_objective_lints_like_the_worked_example() -> None:
    stored = stored_objective(parent_key_result_id=uuid4())
    krs = [
        stored_kr(stored.id, "complaint response under 24 hours", kind=MetricKind.NUMBER),
        stored_kr(stored.id, '"very satisfied" share above 50%'),
        stored_kr(
            stored.id,
            "build a monthly customer-feedback process",
            kind=MetricKind.BOOLEAN,
            target="1",
        ),
    ]

    draft = draft_of(stored, krs)

    assert draft.has_parent
    assert draft.level is Level.DEPARTMENT
    assert draft.owner_kind is OwnerKind.UNIT
    assert draft.description == "001, objective two"
    assert [k.title for k in draft.key_results] == [k.title for k in krs]
    assert draft.key_results[0] == KeyResultDraft(
        title="complaint response under 24 hours",
        metric_kind=MetricKind.NUMBER,
        start=D(0),
        target=D(50),
        owner_id=OWNER,
        milestones=0,
        due_date=YEAR_END,
    )
    assert codes(lint(draft, cycle_end=YEAR_END)) == codes(
        lint(SALES_OPS_O2.draft("en"), cycle_end=YEAR_END)
    )


def test_draft_of_reads_alignment_roll_up_and_milestones() -> None:
    steps = tuple(Milestone(id=uuid4(), title=f"step {i}", weight=D(1)) for i in range(3))
    aligned = stored_objective(parent_objective_id=uuid4(), roll_up=True)
    orphan = stored_objective()

    draft = draft_of(
        aligned,
        [stored_kr(aligned.id, "portal live", kind=MetricKind.MILESTONES, milestones=steps)],
    )

    assert draft.has_parent
    assert draft.rolls_up
    assert draft.key_results[0].milestones == 3
    assert not draft_of(orphan, []).has_parent
    assert codes(lint(draft_of(orphan, []))) == [
        (OBJECTIVE, C.KR_COUNT),
        (OBJECTIVE, C.NOT_ALIGNED),
    ]


def test_draft_of_refuses_key_results_of_another_objective() -> None:
    stored = stored_objective()

    with pytest.raises(ValueError, match="do not belong"):
        draft_of(stored, [stored_kr(uuid4(), "retain 92% of customers")])


# --- properties -----------------------------------------------------------------------------

TITLES = (
    *(
        k.en
        for e in (SALES_OPS_O1, SALES_OPS_O2, OKMA_SALES_TEAM, END_STATE)
        for k in e.key_results
    ),
    *(
        k.zh
        for e in (SALES_OPS_O1, SALES_OPS_O2, OKMA_SALES_TEAM, END_STATE)
        for k in e.key_results
    ),
    "hold 3 training sessions",
    "提升企业整体业务水平",
    "raise the overall business level",
)
titles = st.one_of(st.sampled_from(TITLES), st.text(max_size=40))
key_results = st.builds(
    KeyResultDraft,
    title=titles,
    metric_kind=st.one_of(st.none(), st.sampled_from(MetricKind)),
    start=st.none(),
    target=st.one_of(st.none(), st.decimals(0, 1000, places=2)),
    owner_id=st.one_of(st.none(), st.just(OWNER)),
    milestones=st.integers(0, 4),
    due_date=st.one_of(st.none(), st.dates(date(2026, 1, 1), date(2027, 12, 31))),
)
drafts = st.builds(
    ObjectiveDraft,
    title=titles,
    level=st.sampled_from(Level),
    key_results=st.lists(key_results, max_size=7).map(tuple),
    has_parent=st.booleans(),
    rolls_up=st.booleans(),
)
CODE_RANK = {code: rank for rank, code in enumerate(QualityCode)}


def _rank(finding: Finding) -> tuple[int, int]:
    index = -1 if finding.target == OBJECTIVE else int(finding.target[len("key_results[") : -1])
    return index, CODE_RANK[finding.code]


@given(draft=drafts, count=st.one_of(st.none(), st.integers(0, 9)))
def test_lint_is_deterministic_ordered_and_consistent(
    draft: ObjectiveDraft, count: int | None
) -> None:
    findings = lint(draft, cycle_end=YEAR_END, objectives_of_owner_in_cycle=count)

    assert findings == lint(draft, cycle_end=YEAR_END, objectives_of_owner_in_cycle=count)
    assert [_rank(f) for f in findings] == sorted({_rank(f) for f in findings})  # no repeats
    valid_targets = {OBJECTIVE} | {key_result_target(i) for i in range(len(draft.key_results))}
    for finding in findings:
        assert finding.target in valid_targets
        assert finding.severity is SEVERITY[finding.code]
        assert finding.message_zh
        assert finding.message_en


@given(draft=drafts)
def test_a_krs_findings_follow_it_when_the_krs_are_reordered(draft: ObjectiveDraft) -> None:
    last = len(draft.key_results) - 1
    reversed_draft = replace(draft, key_results=draft.key_results[::-1])

    def by_kr(d: ObjectiveDraft, *, flip: bool) -> set[tuple[int, QualityCode]]:
        on_krs = [f for f in lint(d, cycle_end=YEAR_END) if f.target != OBJECTIVE]
        return {(last - _rank(f)[0] if flip else _rank(f)[0], f.code) for f in on_krs}

    assert by_kr(reversed_draft, flip=True) == by_kr(draft, flip=False)
    objective_codes = {f.code for f in lint(draft) if f.target == OBJECTIVE}
    assert objective_codes == {f.code for f in lint(reversed_draft) if f.target == OBJECTIVE}


@given(st.text(max_size=200))
def test_the_text_predicates_take_any_text(text: str) -> None:
    for numeric in (True, False):
        quality_text.reads_as_task(text, numeric_target=numeric)
    quality_text.is_vague_aim(text)
    quality_text.measures_final_output(text)
    quality_text.measures_health(text)
