# Chinese text is written with full-width punctuation (，：（）；“”): not a look-alike mistake.
# ruff: noqa: RUF001, RUF003
"""The built-in OKR templates: one objective per role, shared by every organization.

The roles are those of reference 004 (市场经理, 用户推广专员, 销售经理, 销售专员) plus sales
operations (001) and the revenue team (002), written from DOMAIN.md's worked examples and the
articles' advice: KRs are measurable results, not tasks (the tasks are the actions); each
output KR sits next to a health or quality KR (004 终局误区: a revenue-only objective led reps
to stuff distributors); 2 to 5 KRs whose progress shows during the cycle; a couple of actions
with a completion standard each (004: no standard is one of the four ways plans fail).

Start values are examples of a baseline that the owner replaces with their own.

Ids are ``uuid5(BUILTIN_NAMESPACE, key)``: they never change between releases, so clients
and organizations may keep them. Never change the namespace or a key; add a new template
instead of renaming one.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final
from uuid import UUID, uuid5

from domain.okrs import Direction, Level, MetricKind
from domain.templates import Template, TemplateAction, TemplateKeyResult

BUILTIN_NAMESPACE: Final = UUID("55cc7ac1-75ed-41d9-aacf-130db4d1f34e")

D = Decimal
_PERCENT = MetricKind.PERCENT
_NUMBER = MetricKind.NUMBER
_CURRENCY = MetricKind.CURRENCY
_DECREASE = Direction.DECREASE


def builtin_template_id(key: str) -> UUID:
    """The id a built-in template with this key has in every release."""
    return uuid5(BUILTIN_NAMESPACE, key)


def _template(
    key: str,
    *,
    role: tuple[str, str],
    title: tuple[str, str],
    description: tuple[str, str],
    level: Level,
    key_results: tuple[TemplateKeyResult, ...],
) -> Template:
    return Template(
        id=builtin_template_id(key),
        key=key,
        role_name_zh=role[0],
        role_name_en=role[1],
        title_zh=title[0],
        title_en=title[1],
        description_zh=description[0],
        description_en=description[1],
        level=level,
        key_results=key_results,
    )


MARKETING_MANAGER: Final = _template(
    "marketing-manager",
    role=("市场经理", "Marketing manager"),
    title=("为销售提供充足、高质量的线索", "Feed sales with enough high-quality leads"),
    description=(
        "承接销售部门的新客户关键结果：线索要多，更要能成交。"
        "线索质量由销售团队评价，只追数量达不成这个目标。",
        "Takes on the sales department's new-customer key result: more leads, and leads "
        "that close. Sales rates the lead quality, so volume alone cannot meet this objective.",
    ),
    level=Level.TEAM,
    key_results=(
        TemplateKeyResult(
            "每月市场合格线索（MQL）从300条增至500条",
            "Marketing-qualified leads grow from 300 to 500 a month",
            metric_kind=_NUMBER,
            start=D(300),
            target=D(500),
            unit_zh="条",
            unit_en="leads",
            actions=(
                TemplateAction(
                    "每月与销售团队召开线索复盘会，商定合格线索标准",
                    "Hold a monthly lead review with sales to agree what a qualified lead is",
                    "会议纪要列出合格线索标准和改进项，销售经理确认",
                    "The minutes list the qualified-lead criteria and fixes; "
                    "the sales manager signs them off",
                ),
            ),
        ),
        TemplateKeyResult(
            "线索到商机的转化率从15%提升到25%",
            "Lead-to-opportunity conversion rate rises from 15% to 25%",
            metric_kind=_PERCENT,
            start=D(15),
            target=D(25),
            unit_zh="%",
            unit_en="%",
        ),
        TemplateKeyResult(
            "每条合格线索的获客成本从200元降至150元",
            "Cost per qualified lead falls from 200 to 150 CNY",
            metric_kind=_CURRENCY,
            start=D(200),
            target=D(150),
            direction=_DECREASE,
            currency="CNY",
            actions=(
                TemplateAction(
                    "每两周复盘各渠道的线索成本，停投成本最高的渠道",
                    "Review cost per lead by channel every two weeks and stop the most "
                    "expensive channel",
                    "每次复盘后更新渠道预算表",
                    "The channel budget sheet is updated after each review",
                ),
            ),
        ),
        TemplateKeyResult(
            "销售团队对线索质量的满意度达到4分（5分制）",
            "Sales team's satisfaction with lead quality reaches 4 out of 5",
            metric_kind=_NUMBER,
            start=D("3.2"),
            target=D(4),
            unit_zh="分",
            unit_en="points",
        ),
    ),
)

USER_GROWTH_SPECIALIST: Final = _template(
    "user-growth-specialist",
    role=("用户推广专员", "User-growth specialist"),
    title=("以合理成本获取留得住的新用户", "Win new users who stay, at a sound cost"),
    description=(
        "拉新数量与留存、获客成本并重：只追注册数，换来的是留不住的用户。",
        "Sign-ups count together with retention and acquisition cost: "
        "chasing sign-ups alone brings users who leave.",
    ),
    level=Level.INDIVIDUAL,
    key_results=(
        TemplateKeyResult(
            "每月新注册用户从2万增至3万",
            "New sign-ups grow from 20,000 to 30,000 a month",
            metric_kind=_NUMBER,
            start=D(20_000),
            target=D(30_000),
            unit_zh="人",
            unit_en="users",
            actions=(
                TemplateAction(
                    "每周对比各推广渠道的注册量与成本，调整投放预算",
                    "Compare sign-ups and cost by channel every week and shift the budget",
                    "每周一前更新渠道数据表，并记录预算调整",
                    "The channel sheet and the budget changes are updated by each Monday",
                ),
            ),
        ),
        TemplateKeyResult(
            "新用户次月留存率从30%提升到40%",
            "Next-month retention of new users rises from 30% to 40%",
            metric_kind=_PERCENT,
            start=D(30),
            target=D(40),
            unit_zh="%",
            unit_en="%",
        ),
        TemplateKeyResult(
            "单个新用户的获客成本从25元降至20元",
            "Acquisition cost per new user falls from 25 to 20 CNY",
            metric_kind=_CURRENCY,
            start=D(25),
            target=D(20),
            direction=_DECREASE,
            currency="CNY",
        ),
        TemplateKeyResult(
            "老用户推荐带来的新用户占比从10%提升到20%",
            "Share of new users referred by existing users rises from 10% to 20%",
            metric_kind=_PERCENT,
            start=D(10),
            target=D(20),
            unit_zh="%",
            unit_en="%",
            actions=(
                TemplateAction(
                    "上线老用户推荐奖励",
                    "Launch a referral reward for existing users",
                    "奖励已上线，推荐带来的注册可按来源统计",
                    "The reward is live and referred sign-ups can be counted by source",
                ),
            ),
        ),
    ),
)

SALES_MANAGER: Final = _template(
    "sales-manager",
    role=("销售经理", "Sales manager"),
    title=(
        "带领团队达成季度销售目标，且业绩健康可持续",
        "Lead the team to its quarterly sales target with healthy, lasting business",
    ),
    description=(
        "销售额之外同时看新人成长、复购和渠道库存，避免为冲业绩向经销商压货（终局误区）。",
        "Next to sales, watch new reps, repeat purchase and channel inventory, so that "
        "nobody stuffs distributors to make the number (the end-state trap).",
    ),
    level=Level.TEAM,
    key_results=(
        TemplateKeyResult(
            "本季度团队销售额达到600万元",
            "Team sales reach 6 million CNY this quarter",
            metric_kind=_CURRENCY,
            start=D(0),
            target=D(6_000_000),
            currency="CNY",
            actions=(
                TemplateAction(
                    "每周召开销售例会，跟进每人的商机与配额进度",
                    "Run a weekly sales meeting on each rep's pipeline and quota progress",
                    "会后当天更新商机表，落后于目标的销售都有下一步措施",
                    "The pipeline sheet is updated the same day and every rep behind "
                    "target has a next step",
                ),
            ),
        ),
        TemplateKeyResult(
            "新销售入职4个月内达成月度配额的比例达到80%",
            "80% of new reps hit their monthly quota within 4 months of joining",
            metric_kind=_PERCENT,
            start=D(50),
            target=D(80),
            unit_zh="%",
            unit_en="%",
            actions=(
                TemplateAction(
                    "为低于目标的销售安排每周一对一辅导",
                    "Coach each rep below target one to one every week",
                    "辅导记录写明问题与下周行动，由销售经理确认",
                    "Each coaching note names the problem and next week's actions, "
                    "signed off by the sales manager",
                ),
            ),
        ),
        TemplateKeyResult(
            "老客户复购率从40%提升至55%",
            "Repeat-purchase rate of existing customers rises from 40% to 55%",
            metric_kind=_PERCENT,
            start=D(40),
            target=D(55),
            unit_zh="%",
            unit_en="%",
        ),
        TemplateKeyResult(
            "渠道库存从45天销量降至30天以内",
            "Channel inventory falls from 45 to 30 days of sales or less",
            metric_kind=_NUMBER,
            start=D(45),
            target=D(30),
            direction=_DECREASE,
            unit_zh="天",
            unit_en="days",
            actions=(
                TemplateAction(
                    "每月核对经销商的进货与动销数据",
                    "Check distributors' orders against their sell-through every month",
                    "月报列出库存超过30天的经销商及处理办法",
                    "The monthly report lists every distributor above 30 days of stock "
                    "and what is done about it",
                ),
            ),
        ),
    ),
)

SALES_SPECIALIST: Final = _template(
    "sales-specialist",
    role=("销售专员", "Sales specialist"),
    title=(
        "完成个人季度业绩，并赢得客户的长期信任",
        "Make my quarterly number and earn customers' lasting trust",
    ),
    description=(
        "业绩来自新客户和老客户两端；回访率和满意度保证成交真实、可持续。",
        "Results come from new and existing customers alike; revisits and satisfaction "
        "keep the deals real and lasting.",
    ),
    level=Level.INDIVIDUAL,
    key_results=(
        TemplateKeyResult(
            "本季度个人回款达到150万元",
            "Cash collected from my deals reaches 1.5 million CNY this quarter",
            metric_kind=_CURRENCY,
            start=D(0),
            target=D(1_500_000),
            currency="CNY",
        ),
        TemplateKeyResult(
            "新签约客户达到8家",
            "8 new customers signed",
            metric_kind=_NUMBER,
            start=D(0),
            target=D(8),
            unit_zh="家",
            unit_en="customers",
            actions=(
                TemplateAction(
                    "制定每周拜访计划：每周至少拜访8位潜在客户",
                    "Keep a weekly visit plan: at least 8 prospects visited each week",
                    "每周一前提交拜访计划，每次拜访记录进CRM",
                    "The plan is in by each Monday and every visit is logged in the CRM",
                ),
            ),
        ),
        TemplateKeyResult(
            "老客户回访率达到80%以上",
            "Revisit rate of existing customers at 80% or above",
            metric_kind=_PERCENT,
            start=D(60),
            target=D(80),
            unit_zh="%",
            unit_en="%",
            actions=(
                TemplateAction(
                    "成交后7天内回访客户并记录反馈",
                    "Call every new customer back within 7 days of the deal and log their feedback",
                    "每次回访的反馈都记录在CRM中",
                    "Every call-back's feedback is recorded in the CRM",
                ),
            ),
        ),
        TemplateKeyResult(
            "客户满意度评分不低于4.5分（5分制）",
            "Customer satisfaction score of 4.5 out of 5 or higher",
            metric_kind=_NUMBER,
            start=D("4.2"),
            target=D("4.5"),
            unit_zh="分",
            unit_en="points",
        ),
    ),
)

SALES_OPERATIONS: Final = _template(
    "sales-operations",
    role=("销售运营", "Sales operations"),
    title=("提升销售业绩", "Improve sales performance"),
    description=(
        "承接公司“销售额增长30%、客户满意度90%以上”的年度目标："
        "新客户、复购、销售周期和投诉响应共同衡量业绩。",
        "Takes on the company's aim of +30% sales and satisfaction above 90%: new "
        "customers, repeat purchase, the sales cycle and complaint response measure "
        "performance together.",
    ),
    level=Level.DEPARTMENT,
    key_results=(
        TemplateKeyResult(
            "新客户获取量同比增长20%",
            "New customers up 20% year on year",
            metric_kind=_PERCENT,
            start=D(0),
            target=D(20),
            unit_zh="%",
            unit_en="%",
            actions=(
                TemplateAction(
                    "每周举行销售例会，回顾上周业绩并商定改进措施",
                    "Hold a weekly sales meeting to review last week's results and agree fixes",
                    "会议纪要当天发出，列明问题、措施和负责人",
                    "The minutes go out the same day with the issues, fixes and owners",
                ),
            ),
        ),
        TemplateKeyResult(
            "老客户复购率提升至60%",
            "Repeat-purchase rate of existing customers up to 60%",
            metric_kind=_PERCENT,
            start=D(45),
            target=D(60),
            unit_zh="%",
            unit_en="%",
            actions=(
                TemplateAction(
                    "每月生成业绩报告，对比各关键结果的目标与实际",
                    "Publish a monthly performance report comparing each key result with "
                    "its target",
                    "每月5日前发布上月报告",
                    "Last month's report is out by the 5th",
                ),
            ),
        ),
        TemplateKeyResult(
            "平均销售周期缩短至30天以内",
            "Average sales cycle down to 30 days or less",
            metric_kind=_NUMBER,
            start=D(45),
            target=D(30),
            direction=_DECREASE,
            unit_zh="天",
            unit_en="days",
        ),
        TemplateKeyResult(
            "客户投诉响应时间缩短至24小时以内",
            "Complaint response time down to 24 hours or less",
            metric_kind=_NUMBER,
            start=D(48),
            target=D(24),
            direction=_DECREASE,
            unit_zh="小时",
            unit_en="hours",
            actions=(
                # 001's "build a monthly customer-feedback process" is work, not a result:
                # it belongs here, as an action.
                TemplateAction(
                    "建立每月客户反馈收集与分析机制",
                    "Set up a monthly customer-feedback collection and analysis process",
                    "每月5日前发布上月客户反馈分析，列出改进项和负责人",
                    "The analysis of last month's feedback is out by the 5th, with "
                    "improvements and owners",
                ),
            ),
        ),
    ),
)

REVENUE_TEAM: Final = _template(
    "revenue-team",
    role=("营收团队", "Revenue team"),
    title=("销售额增长10%", "Increase sales by 10%"),
    description=(
        "承接公司“利润增长5%、收入增长10%”的目标；市场与销售对齐，增长与留住客户并重。",
        "Takes on the company's aim of +5% profit and +10% revenue; marketing and sales "
        "pull together, and growth counts only with the customers we keep.",
    ),
    level=Level.DEPARTMENT,
    key_results=(
        TemplateKeyResult(
            "新签约客户达到10家",
            "Sell to 10 new customers",
            metric_kind=_NUMBER,
            start=D(0),
            target=D(10),
            unit_zh="家",
            unit_en="customers",
            actions=(
                TemplateAction(
                    "市场与销售每两周对齐一次目标客户名单和线索进展",
                    "Marketing and sales align on target accounts and lead progress every "
                    "two weeks",
                    "对齐后更新共享名单，每个目标客户都有负责人",
                    "The shared account list is updated after each meeting and every "
                    "target account has an owner",
                ),
            ),
        ),
        TemplateKeyResult(
            "平均交易额提升20%",
            "Increase deal value by 20%",
            metric_kind=_PERCENT,
            start=D(0),
            target=D(20),
            unit_zh="%",
            unit_en="%",
        ),
        TemplateKeyResult(
            "平均销售周期从40天缩短到36天（缩短10%）",
            "Shorten the average sales cycle by 10%, from 40 to 36 days",
            metric_kind=_NUMBER,
            start=D(40),
            target=D(36),
            direction=_DECREASE,
            unit_zh="天",
            unit_en="days",
        ),
        TemplateKeyResult(
            "现有客户留存率保持在92%以上",
            "Retain 92% of existing customers",
            metric_kind=_PERCENT,
            start=D(88),
            target=D(92),
            unit_zh="%",
            unit_en="%",
            actions=(
                TemplateAction(
                    "续约前90天逐一回访客户，评估健康度",
                    "Check in with every customer 90 days before renewal and rate their health",
                    "每个客户的健康度评分和风险应对记录在CRM中",
                    "Each customer's health score and risk plan are recorded in the CRM",
                ),
            ),
        ),
    ),
)

BUILTIN_TEMPLATES: Final[tuple[Template, ...]] = (
    MARKETING_MANAGER,
    USER_GROWTH_SPECIALIST,
    SALES_MANAGER,
    SALES_SPECIALIST,
    SALES_OPERATIONS,
    REVENUE_TEAM,
)

BUILTIN_BY_ID: Final[Mapping[UUID, Template]] = MappingProxyType(
    {template.id: template for template in BUILTIN_TEMPLATES}
)
BUILTIN_BY_KEY: Final[Mapping[str, Template]] = MappingProxyType(
    {template.key: template for template in BUILTIN_TEMPLATES if template.key is not None}
)
