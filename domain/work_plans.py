"""Work plans (工作计划): a cycle's actions laid out by quarter and month.

Article 004, "还不会根据OKR制定工作计划?": a year's work is broken down into quarters and
months (将年度工作分解到季度/月度), each with its tasks, their standard and their deadline.
A work plan here is that breakdown read from the actions (:class:`domain.okrs.Action`)
of a member's or a unit's OKRs in a cycle: the use case chooses the actions, this module
only lays them out and counts.

What a caller may rely on, from :func:`work_plan`:

- every month the cycle touches appears, empty or not, in calendar order, inside its
  calendar quarter (Q1 = January to March); a month or quarter cut by the cycle's first
  or last day has ``start`` / ``end`` clipped to the cycle;
- each action appears exactly once: in the month of its due date, in ``unscheduled``
  when it has none, or in ``outside_cycle`` when it is due before the cycle starts or
  after it ends (a plan should show those, not silently drop them);
- within a group, actions are ordered by due date, then creation, then id;
- counts are by status, every status present (0 when none); with ``today`` given they
  also count the overdue actions (:func:`is_overdue`), else ``overdue`` is ``None``;
- a quarter's counts are the sum of its months'; the plan's counts are those of all the
  actions, so the parts always add up to the whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from uuid import UUID

from domain.okrs import Action, ActionStatus


def is_overdue(action: Action, today: date) -> bool:
    """Not done, and due before ``today`` (an action due today is not yet overdue).
    A blocked action past its date is overdue too: being blocked does not move a deadline."""
    return (
        action.status is not ActionStatus.DONE
        and action.due_date is not None
        and action.due_date < today
    )


@dataclass(frozen=True)
class StatusCounts:
    """How many actions are in each status, and how many are overdue (``None`` when the
    plan was made without a ``today``)."""

    by_status: Mapping[ActionStatus, int]
    overdue: int | None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def of(self, status: ActionStatus) -> int:
        return self.by_status[status]


def status_counts(actions: Iterable[Action], today: date | None = None) -> StatusCounts:
    """The counts of :class:`StatusCounts` over ``actions``."""
    by_status = dict.fromkeys(ActionStatus, 0)
    overdue = 0
    for action in actions:
        by_status[action.status] += 1
        if today is not None and is_overdue(action, today):
            overdue += 1
    return StatusCounts(by_status=by_status, overdue=None if today is None else overdue)


@dataclass(frozen=True)
class PlanGroup:
    """Actions that share no month: the unscheduled, or those due outside the cycle."""

    actions: tuple[Action, ...]
    counts: StatusCounts


@dataclass(frozen=True)
class MonthPlan:
    """The actions due in one calendar month of the cycle (月度工作计划)."""

    year: int
    month: int
    start: date
    end: date
    actions: tuple[Action, ...]
    counts: StatusCounts

    @property
    def key(self) -> str:
        """``2026-03``."""
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class QuarterPlan:
    """A calendar quarter of the cycle (季度工作计划) and its months."""

    year: int
    quarter: int  # 1-4
    start: date
    end: date
    months: tuple[MonthPlan, ...]
    counts: StatusCounts

    @property
    def key(self) -> str:
        """``2026-Q1``."""
        return f"{self.year:04d}-Q{self.quarter}"

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(action for month in self.months for action in month.actions)


@dataclass(frozen=True)
class WorkPlan:
    cycle_start: date
    cycle_end: date
    today: date | None
    quarters: tuple[QuarterPlan, ...]
    unscheduled: PlanGroup
    outside_cycle: PlanGroup
    counts: StatusCounts


def _month_end(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _months(start: date, end: date) -> list[tuple[int, int]]:
    months: list[tuple[int, int]] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _quarter_of(month: int) -> int:
    return (month - 1) // 3 + 1


def _order(action: Action) -> tuple[date, datetime, UUID]:
    return (action.due_date or date.max, action.created_at, action.id)


def _sum_counts(parts: Sequence[StatusCounts], today: date | None) -> StatusCounts:
    by_status = {s: sum(p.of(s) for p in parts) for s in ActionStatus}
    overdue = None if today is None else sum(p.overdue or 0 for p in parts)
    return StatusCounts(by_status=by_status, overdue=overdue)


def work_plan(
    actions: Iterable[Action],
    *,
    cycle_start: date,
    cycle_end: date,
    today: date | None = None,
) -> WorkPlan:
    """Lay ``actions`` out over the cycle by calendar quarter and month of their due date
    (see the module for what the result guarantees).

    ``ValueError`` when the cycle ends before it starts (stored cycles never do).
    """
    if cycle_end < cycle_start:
        raise ValueError(f"the cycle ends ({cycle_end}) before it starts ({cycle_start})")
    by_month: dict[tuple[int, int], list[Action]] = {m: [] for m in _months(cycle_start, cycle_end)}
    unscheduled: list[Action] = []
    outside: list[Action] = []
    everything = sorted(actions, key=_order)
    for action in everything:
        due = action.due_date
        if due is None:
            unscheduled.append(action)
        elif cycle_start <= due <= cycle_end:
            by_month[(due.year, due.month)].append(action)
        else:
            outside.append(action)

    months = [
        MonthPlan(
            year=year,
            month=month,
            start=max(date(year, month, 1), cycle_start),
            end=min(_month_end(year, month), cycle_end),
            actions=tuple(listed),
            counts=status_counts(listed, today),
        )
        for (year, month), listed in by_month.items()
    ]
    quarters: list[QuarterPlan] = []
    for (year, quarter), grouped in groupby(months, key=lambda m: (m.year, _quarter_of(m.month))):
        in_quarter = tuple(grouped)
        quarters.append(
            QuarterPlan(
                year=year,
                quarter=quarter,
                start=in_quarter[0].start,
                end=in_quarter[-1].end,
                months=in_quarter,
                counts=_sum_counts([m.counts for m in in_quarter], today),
            )
        )
    return WorkPlan(
        cycle_start=cycle_start,
        cycle_end=cycle_end,
        today=today,
        quarters=tuple(quarters),
        unscheduled=PlanGroup(tuple(unscheduled), status_counts(unscheduled, today)),
        outside_cycle=PlanGroup(tuple(outside), status_counts(outside, today)),
        counts=status_counts(everything, today),
    )
