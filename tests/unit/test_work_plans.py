"""Unit and property tests of domain/work_plans.py: a cycle's actions by quarter and month,
with counts by status (article 004, "turning OKRs into work plans": 将年度工作分解到季度/月度)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.okrs import Action, ActionStatus
from domain.work_plans import is_overdue, status_counts, work_plan

TODO, DOING, DONE, BLOCKED = (
    ActionStatus.TODO,
    ActionStatus.DOING,
    ActionStatus.DONE,
    ActionStatus.BLOCKED,
)
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)


def make_action(
    title: str,
    due: date | None,
    status: ActionStatus = TODO,
    *,
    created_at: datetime = NOW,
    action_id: UUID | None = None,
) -> Action:
    return Action(
        id=action_id or uuid4(),
        organization_id=uuid4(),
        key_result_id=uuid4(),
        title=title,
        owner_id=uuid4(),
        due_date=due,
        status=status,
        completion_standard=None,
        accepted_by=None,
        accepted_at=None,
        version=1,
        created_at=created_at,
        updated_at=created_at,
    )


def counts(**given_counts: int) -> dict[ActionStatus, int]:
    return {s: given_counts.get(s.value, 0) for s in ActionStatus}


# The sales team of 003 with OKMA, over the year 2026.
VISITS_JAN = make_action("key-account visit schedule", date(2026, 1, 20), DONE)
CAMPAIGN_FEB = make_action("spring campaign", date(2026, 2, 28), DONE)
TRAINING_FEB = make_action("training calendar", date(2026, 2, 10), DOING)
SURVEY_MAR = make_action("Q1 satisfaction survey", date(2026, 3, 31), BLOCKED)
REVISIT_MAY = make_action("revisit script", date(2026, 5, 15), TODO)
COACHING_JUN = make_action("coaching for reps below target", date(2026, 6, 15), DOING)
SURVEY_SEP = make_action("Q3 satisfaction survey", date(2026, 9, 30), TODO)
REVIEW_DEC = make_action("year retrospective", date(2026, 12, 31), TODO)
NO_DATE = make_action("CRM clean-up", None, TODO)
NO_DATE_DONE = make_action("price list", None, DONE)
LAST_YEAR = make_action("carry-over from 2025", date(2025, 12, 20), DOING)
NEXT_YEAR = make_action("2027 kick-off", date(2027, 1, 10), TODO)
ALL = [
    REVIEW_DEC,
    NEXT_YEAR,
    SURVEY_SEP,
    NO_DATE,
    TRAINING_FEB,
    VISITS_JAN,
    LAST_YEAR,
    COACHING_JUN,
    CAMPAIGN_FEB,
    NO_DATE_DONE,
    SURVEY_MAR,
    REVISIT_MAY,
]


def test_a_year_is_laid_out_in_four_quarters_of_three_months() -> None:
    plan = work_plan(ALL, cycle_start=YEAR_START, cycle_end=YEAR_END)
    assert [q.key for q in plan.quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert [m.key for m in plan.quarters[0].months] == [
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    assert [len(q.months) for q in plan.quarters] == [3, 3, 3, 3]
    assert [(q.start, q.end) for q in plan.quarters] == [
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 12, 31)),
    ]
    february = plan.quarters[0].months[1]
    assert (february.start, february.end) == (date(2026, 2, 1), date(2026, 2, 28))


def test_each_action_sits_in_the_month_of_its_due_date_in_date_order() -> None:
    plan = work_plan(ALL, cycle_start=YEAR_START, cycle_end=YEAR_END)
    by_month = {m.key: m.actions for q in plan.quarters for m in q.months}
    assert by_month["2026-01"] == (VISITS_JAN,)
    assert by_month["2026-02"] == (TRAINING_FEB, CAMPAIGN_FEB)
    assert by_month["2026-03"] == (SURVEY_MAR,)
    assert by_month["2026-04"] == ()  # an empty month is still shown
    assert by_month["2026-05"] == (REVISIT_MAY,)
    assert by_month["2026-12"] == (REVIEW_DEC,)
    assert plan.quarters[0].actions == (VISITS_JAN, TRAINING_FEB, CAMPAIGN_FEB, SURVEY_MAR)
    assert plan.quarters[2].actions == (SURVEY_SEP,)
    assert set(plan.unscheduled.actions) == {NO_DATE, NO_DATE_DONE}
    assert plan.outside_cycle.actions == (LAST_YEAR, NEXT_YEAR)


def test_counts_by_status_per_month_quarter_and_plan() -> None:
    plan = work_plan(ALL, cycle_start=YEAR_START, cycle_end=YEAR_END)
    q1, q2, q3, q4 = plan.quarters
    assert q1.months[1].counts.by_status == counts(doing=1, done=1)
    assert q1.counts.by_status == counts(done=2, doing=1, blocked=1)
    assert q2.counts.by_status == counts(todo=1, doing=1)
    assert q3.counts.by_status == q4.counts.by_status == counts(todo=1)
    assert plan.unscheduled.counts.by_status == counts(todo=1, done=1)
    assert plan.outside_cycle.counts.by_status == counts(todo=1, doing=1)
    assert plan.counts.by_status == counts(todo=5, doing=3, done=3, blocked=1)
    assert plan.counts.total == len(ALL) == 12
    assert plan.counts.of(BLOCKED) == 1
    # Without a "today" nothing is called overdue.
    assert plan.counts.overdue is None
    assert q1.counts.overdue is None


def test_overdue_counts_what_is_not_done_and_past_its_date() -> None:
    plan = work_plan(ALL, cycle_start=YEAR_START, cycle_end=YEAR_END, today=date(2026, 6, 15))
    q1, q2, q3, _ = plan.quarters
    # Q1: the February training (doing) and the March survey (blocked); done ones are not.
    assert q1.counts.overdue == 2
    assert [m.counts.overdue for m in q1.months] == [0, 1, 1]
    # Q2: the May revisit script; coaching is due today, not yet overdue.
    assert q2.counts.overdue == 1
    assert q3.counts.overdue == 0
    assert plan.unscheduled.counts.overdue == 0  # no date, never overdue
    assert plan.outside_cycle.counts.overdue == 1  # last year's carry-over
    assert plan.counts.overdue == 4


def test_is_overdue() -> None:
    today = date(2026, 6, 15)
    assert is_overdue(make_action("a", date(2026, 6, 14), BLOCKED), today)
    assert is_overdue(make_action("a", date(2026, 6, 14), TODO), today)
    assert not is_overdue(make_action("a", date(2026, 6, 14), DONE), today)
    assert not is_overdue(make_action("a", date(2026, 6, 15), DOING), today)
    assert not is_overdue(make_action("a", None, TODO), today)


def test_a_cycle_cut_across_months_and_years_is_clipped() -> None:
    # A fiscal year from mid-April: the first and last months are partial.
    start, end = date(2026, 4, 15), date(2027, 4, 14)
    plan = work_plan(
        [make_action("x", date(2026, 4, 14)), make_action("y", date(2026, 4, 15))],
        cycle_start=start,
        cycle_end=end,
    )
    assert [q.key for q in plan.quarters] == [
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
        "2027-Q1",
        "2027-Q2",
    ]
    first, last = plan.quarters[0], plan.quarters[-1]
    assert [m.key for m in first.months] == ["2026-04", "2026-05", "2026-06"]
    assert (first.start, first.end) == (start, date(2026, 6, 30))
    assert (first.months[0].start, first.months[0].end) == (start, date(2026, 4, 30))
    assert [m.key for m in last.months] == ["2027-04"]
    assert (last.start, last.end) == (date(2027, 4, 1), end)
    assert [a.title for a in first.months[0].actions] == ["y"]
    assert [a.title for a in plan.outside_cycle.actions] == ["x"]


def test_a_one_day_cycle_and_no_actions() -> None:
    day = date(2026, 2, 28)
    plan = work_plan([], cycle_start=day, cycle_end=day, today=day)
    assert [(q.key, [m.key for m in q.months]) for q in plan.quarters] == [("2026-Q1", ["2026-02"])]
    assert plan.counts.by_status == counts()
    assert plan.counts.overdue == 0


def test_ties_on_a_due_date_go_by_creation_then_id() -> None:
    due = date(2026, 3, 1)
    later = make_action("later", due, created_at=NOW + timedelta(hours=1))
    first_id = make_action("b", due, action_id=UUID(int=1))
    second_id = make_action("a", due, action_id=UUID(int=2))
    plan = work_plan([later, second_id, first_id], cycle_start=YEAR_START, cycle_end=YEAR_END)
    assert plan.quarters[0].months[2].actions == (first_id, second_id, later)


def test_a_cycle_ending_before_it_starts_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        work_plan([], cycle_start=YEAR_END, cycle_end=YEAR_START)


def test_status_counts_list_every_status() -> None:
    assert status_counts([]).by_status == counts()
    assert status_counts([], date(2026, 1, 1)).overdue == 0


# --- properties ----------------------------------------------------------------------------

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
actions = st.builds(
    make_action,
    title=st.text(max_size=5),
    due=st.none() | days,
    status=st.sampled_from(ActionStatus),
)


@given(
    listed=st.lists(actions, max_size=30),
    start=days,
    length=st.integers(min_value=0, max_value=800),
    today=st.none() | days,
)
def test_the_parts_add_up_to_the_whole(
    listed: list[Action], start: date, length: int, today: date | None
) -> None:
    end = start + timedelta(days=length)
    plan = work_plan(listed, cycle_start=start, cycle_end=end, today=today)

    placed = [a for q in plan.quarters for a in q.actions]
    placed += [*plan.unscheduled.actions, *plan.outside_cycle.actions]
    assert sorted(a.id for a in placed) == sorted(a.id for a in listed)
    assert plan.counts == status_counts(listed, today)
    assert plan.counts.total == len(listed)
    groups = [q.counts for q in plan.quarters] + [
        plan.unscheduled.counts,
        plan.outside_cycle.counts,
    ]
    assert sum(g.total for g in groups) == len(listed)
    if today is not None:
        assert sum(g.overdue or 0 for g in groups) == plan.counts.overdue
    for quarter in plan.quarters:
        assert quarter.counts.total == sum(m.counts.total for m in quarter.months)
        for month in quarter.months:
            assert all(a.due_date and month.start <= a.due_date <= month.end for a in month.actions)

    months = [m for q in plan.quarters for m in q.months]
    assert months[0].start == start
    assert months[-1].end == end
    for before, after in pairwise(months):
        assert after.start == before.end + timedelta(days=1)
