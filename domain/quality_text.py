# Chinese text is written with full-width punctuation (，：（）；): not a look-alike mistake.
# ruff: noqa: RUF001, RUF002, RUF003
"""Text heuristics of the OKR linter (``domain.quality``), in Chinese and English.

Every word list and pattern the quality rules read lives here, so that a word added for
one rule is seen in one place and tested on the worked examples of DOMAIN.md. The
heuristics are deterministic: plain regular expressions over the normalised title
(Unicode NFKC, so full-width ``％`` and digits become ASCII; case folded; runs of
white space made one space). No dictionary, no model, no randomness.

English words match as whole words (``(?<![a-z])...(?![a-z])``, not ``\\b``: Chinese
characters count as word characters for ``\\b``, so ``GMV达到`` would hide ``gmv``), with
an optional plural ``s`` / ``es``; a space inside an entry also matches a hyphen.
Chinese words match as substrings (Chinese has no spaces to anchor on).

What each predicate decides (the rule that reads it in brackets):

- :func:`reads_as_task` (``kr_is_task``): the title describes work to do rather than a
  result to reach. Two signals, in this order:

  1. it *counts activities*: a number (or a frequency) attached to an activity noun,
     "hold 3 training sessions", "a satisfaction survey each quarter", "举办3场培训",
     "每季度进行一次客户满意度调查". The number counts things done, not results, so a
     numeric target does not save it (DOMAIN.md: "hold 3 training sessions" is a task);
  2. it *leads with a task verb* (after a subject, modal or frequency prefix such as
     "we will", "每月", "我们将"): build, hold, launch, 建立, 举办, 完成 ... A leading verb
     is forgiven only when the KR has a numeric target *and* the title names a result
     measure (revenue, quota, customers, rate, 销售额, 配额, 率 ...): "完成销售额200万",
     "create an onboarding program so new reps hit quota within 4 months". A verb in the
     middle of a sentence ("new reps complete their quota in 4 months") is not a lead.

- :func:`is_vague_aim` (``long_horizon``): a company-wide aim with no figure in it, such
  as "提升企业整体业务水平" or "raise the overall business level". A title that holds a
  number ("overall satisfaction above 90%") is specific enough and is not vague.

- :func:`measures_final_output` / :func:`measures_health` (``end_state_only``): the KR
  measures a final output (revenue, sales, GMV, profit, 销售额, 营收 ...), or a health or
  quality signal that keeps the output honest (repeat purchase, satisfaction, returns,
  retention, churn, complaints, channel inventory, 复购, 满意度, 退货, 留存, 库存 ...).
  "Sales" inside a compound that is not an output ("sales cycle", "sales team") does not
  count as an output.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

# --- word lists ---------------------------------------------------------------------------

# Verbs that, leading a KR, describe work to do (004: 描述结果，而不是任务).
TASK_VERBS_EN: Final = (
    "hold",
    "host",
    "build",
    "create",
    "organize",
    "organise",
    "launch",
    "set up",
    "establish",
    "run",
    "conduct",
    "implement",
    "develop",
    "write",
    "draft",
    "design",
    "prepare",
    "complete",
    "finish",
    "roll out",
    "carry out",
    "arrange",
    "schedule",
    "kick off",
    "attend",
    "put in place",
)
# 开发 is left out on purpose: in sales Chinese "开发新客户" means winning customers.
TASK_VERBS_ZH: Final = (
    "举办",
    "举行",
    "召开",
    "建立",
    "建设",
    "创建",
    "搭建",
    "完成",
    "组织",
    "开展",
    "制定",
    "进行",
    "实施",
    "推出",
    "上线",
    "编写",
    "撰写",
    "策划",
    "筹备",
    "拜访",
    "培训",
    "梳理",
    "落实",
    "推进",
    "设计",
    "执行",
)

# What may stand before the verb without making it any less of a lead.
LEADING_PREFIXES_EN: Final = (
    r"(?:we|i|the team|our team|the sales team|team)\s+(?:will|shall|must|to)",
    r"(?:we|i)['’]ll",
    r"will",
    r"to",
    r"(?:each|every|per|once a|once per)\s+(?:day|week|month|quarter|year)",
    r"(?:daily|weekly|biweekly|monthly|quarterly|annually|yearly)",
)
LEADING_PREFIXES_ZH: Final = (
    r"(?:我们|我|团队|本团队|本部门|部门)",
    r"(?:将|要|需要|会|须|必须)",
    r"每(?:天|日|周|月|季度|季|半年|年)",
    r"(?:本|下|这个)?(?:月|季度|季|年|周)(?:内|度)?",
)

# Nouns of activities: counted, they measure work done rather than results.
ACTIVITY_NOUNS_EN: Final = (
    "session",
    "training",
    "meeting",
    "workshop",
    "event",
    "webinar",
    "campaign",
    "survey",
    "visit",
    "call",
    "seminar",
    "course",
)
ACTIVITY_NOUNS_ZH: Final = (
    "培训",
    "会议",
    "活动",
    "调查",
    "调研",
    "拜访",
    "讲座",
    "沙龙",
    "路演",
    "研讨会",
    "宣讲会",
    "分享会",
    "直播",
)
NUMBER_WORDS_EN: Final = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)
PERIODS_EN: Final = ("day", "week", "month", "quarter", "year")
# Chinese measure words that count occurrences or items: 3场, 一次, 两期, 4轮, 5个.
COUNTERS_ZH: Final = "场次期轮届个"
CHINESE_NUMERALS: Final = "一二两三四五六七八九十百千几"

# Result measures: a numeric target on one of these is a result even after a task verb.
# Plural forms on purpose: "customers" counts customers, "customer-feedback" is a modifier.
RESULT_NOUNS_EN: Final = (
    "revenue",
    "sales",
    "profit",
    "profits",
    "margin",
    "bookings",
    "gmv",
    "quota",
    "customers",
    "clients",
    "users",
    "deals",
    "deal value",
    "orders",
    "leads",
    "conversion",
    "conversions",
    "rate",
    "share",
    "score",
    "satisfaction",
    "retention",
    "churn",
    "nps",
)
RESULT_NOUNS_ZH: Final = (
    "销售额",
    "销量",
    "营收",
    "营业额",
    "收入",
    "成交额",
    "利润",
    "回款",
    "业绩",
    "配额",
    "新客户",
    "客户数",
    "用户数",
    "订单",
    "线索",
    "份额",
    "得分",
    "满意度",
    "率",  # any rate: 转化率, 复购率, 完成率, 留存率
)

# Vague, company-wide aims (004 长效误区: "提升企业整体业务水平").
VAGUE_PATTERNS_EN: Final = (
    r"(?<![a-z])overall(?![a-z])",
    r"(?<![a-z])holistic(?:ally)?(?![a-z])",
    r"(?<![a-z])across the board(?![a-z])",
    r"(?<![a-z])(?:raise|improve|increase|enhance|elevate|lift|strengthen)(?![a-z])"
    r".{0,40}?(?<![a-z])(?:level|capabilit(?:y|ies)|competitiveness)(?![a-z])",
)
VAGUE_PATTERNS_ZH: Final = (
    r"整体",
    r"全面",
    r"综合",
    r"(?:提升|提高|改善|增强|加强).{0,8}?(?:水平|实力|能力|竞争力)",
)

# Final outputs (004 终局误区: "本月销售额达到200万元").
FINAL_OUTPUTS_EN: Final = ("revenue", "sales", "turnover", "gmv", "bookings", "profit")
FINAL_OUTPUTS_ZH: Final = (
    "销售额",
    "销量",
    "营收",
    "营业额",
    "收入",
    "成交额",
    "gmv",
    "利润",
    "回款",
    "业绩",
)
# After an output word these make a compound that is not an output: "sales cycle".
OUTPUT_COMPOUNDS_EN: Final = (
    "cycle",
    "team",
    "rep",
    "hire",
    "process",
    "meeting",
    "pipeline",
    "force",
    "funnel",
    "training",
    "staff",
    "manager",
    "call",
    "person",
    "people",
)
# Health and quality signals that keep an output honest (004: pair it with one).
HEALTH_SIGNALS_EN: Final = (
    "repeat purchase",
    "repeat-purchase",
    "repurchase",
    "repeat rate",
    "satisfaction",
    "satisfied",
    "nps",
    "net promoter",
    "returns",
    "return rate",
    "refund",
    "retention",
    "retain",
    "retained",
    "churn",
    "complaint",
    "quality",
    "inventory",
    "sell-through",
    "renewal",
    "loyalty",
    "revisit",
)
HEALTH_SIGNALS_ZH: Final = (
    "复购",
    "回购",
    "满意",
    "净推荐",
    "退货",
    "退款",
    "留存",
    "续费",
    "续约",
    "流失",
    "投诉",
    "质量",
    "口碑",
    "好评",
    "差评",
    "库存",
    "动销",
    "回访",
)


# --- compiled patterns --------------------------------------------------------------------


def _english(words: Iterable[str], *, plural: bool = True) -> str:
    # Longest first, so "set up" is tried before "set"; a space also matches a hyphen.
    alternatives = sorted(
        (r"[\s-]+".join(re.escape(part) for part in word.split()) for word in words),
        key=len,
        reverse=True,
    )
    suffix = "(?:e?s)?" if plural else ""
    return rf"(?<![a-z])(?:{'|'.join(alternatives)}){suffix}(?![a-z])"


def _chinese(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_PREFIX = re.compile(
    rf"^(?:(?:{'|'.join(LEADING_PREFIXES_EN)})(?![a-z])|{'|'.join(LEADING_PREFIXES_ZH)})"
    r"[\s,:;，：；、]*"
)
_TASK_VERB = re.compile(rf"^(?:{_english(TASK_VERBS_EN, plural=False)}|{_chinese(TASK_VERBS_ZH)})")
_COUNTED_ACTIVITY_EN = re.compile(
    rf"(?<![a-z0-9.])(?:\d+|{'|'.join(NUMBER_WORDS_EN)})\s+(?:[a-z-]+\s+){{0,2}}?"
    rf"{_english(ACTIVITY_NOUNS_EN)}"
)
_ACTIVITY_EVERY_PERIOD_EN = re.compile(
    rf"{_english(ACTIVITY_NOUNS_EN)}\s+(?:each|every|per|a|an)\s+"
    rf"{_english(PERIODS_EN, plural=False)}"
)
_COUNTED_ACTIVITY_ZH = re.compile(
    rf"[0-9{CHINESE_NUMERALS}]+\s*[{COUNTERS_ZH}][^,.;。；、]{{0,8}}?(?:{_chinese(ACTIVITY_NOUNS_ZH)})"
)
_RESULT_NOUN = re.compile(rf"{_english(RESULT_NOUNS_EN, plural=False)}|{_chinese(RESULT_NOUNS_ZH)}")
_VAGUE = re.compile("|".join((*VAGUE_PATTERNS_EN, *VAGUE_PATTERNS_ZH)))
_HAS_NUMBER = re.compile(r"[0-9%]")
_FINAL_OUTPUT = re.compile(
    rf"{_english(FINAL_OUTPUTS_EN, plural=False)}(?![\s-]+{_english(OUTPUT_COMPOUNDS_EN)})"
    rf"|{_chinese(FINAL_OUTPUTS_ZH)}"
)
_HEALTH = re.compile(rf"{_english(HEALTH_SIGNALS_EN)}|{_chinese(HEALTH_SIGNALS_ZH)}")
_SPACES = re.compile(r"\s+")


# --- predicates ---------------------------------------------------------------------------


def normalize(text: str) -> str:
    """NFKC, case folded, white space collapsed and trimmed: what every pattern reads."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _without_prefixes(text: str) -> str:
    # Peel "we will", "每月", "我们将" ... one at a time; each pass shortens the text.
    while (match := _PREFIX.match(text)) and match.end() > 0:
        text = text[match.end() :]
    return text


def leads_with_task_verb(title: str) -> bool:
    """The title starts with a task verb, after any subject, modal or frequency prefix."""
    return _TASK_VERB.match(_without_prefixes(normalize(title))) is not None


def counts_activities(title: str) -> bool:
    """A number or a frequency is attached to an activity noun ("3 training sessions",
    "a survey each quarter", "3场培训", "一次客户满意度调查")."""
    text = normalize(title)
    return any(
        pattern.search(text)
        for pattern in (_COUNTED_ACTIVITY_EN, _ACTIVITY_EVERY_PERIOD_EN, _COUNTED_ACTIVITY_ZH)
    )


def names_result(title: str) -> bool:
    """The title names a result measure (revenue, customers, a rate, 销售额, 配额 ...)."""
    return _RESULT_NOUN.search(normalize(title)) is not None


def reads_as_task(title: str, *, numeric_target: bool) -> bool:
    """The KR describes work to do, not a result (see the module docstring for the order).

    ``numeric_target``: the KR has a number, percent or currency target; it forgives a
    leading task verb when the title names a result, never a count of activities.
    """
    if counts_activities(title):
        return True
    if not leads_with_task_verb(title):
        return False
    return not (numeric_target and names_result(title))


def is_vague_aim(title: str) -> bool:
    """A vague, company-wide aim ("整体", "提升...水平", "overall") with no figure in it."""
    text = normalize(title)
    return _VAGUE.search(text) is not None and _HAS_NUMBER.search(text) is None


def measures_final_output(title: str) -> bool:
    """The title measures a final output: revenue, sales, GMV, profit, 销售额, 营收 ..."""
    return _FINAL_OUTPUT.search(normalize(title)) is not None


def measures_health(title: str) -> bool:
    """The title measures a health or quality signal: repeat purchase, satisfaction,
    returns, retention, churn, complaints, inventory, 复购, 满意度, 退货, 留存 ..."""
    return _HEALTH.search(normalize(title)) is not None
