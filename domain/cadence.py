"""The check-in cadence of key results and stale KRs (the M of OKMA: management rhythm).

A KR's owner checks in on it every day, week (the default), two weeks or month. A KR is
**stale** at an instant ``now`` when its update is overdue: ``now`` is later than its
**due** instant, which is its last check-in (or, with none yet, its creation) plus one
cadence interval. At the due instant itself the KR is not yet stale; it is stale from then
on (``stale_since`` is the due instant).

Intervals count on the organization's calendar (its time zone), like a person does: the
same wall-clock time 1, 7 or 14 days later, or one calendar month later (the same day of
the next month, the last day of a shorter month: from January 31 to February 28 or 29).
So a weekly KR checked in on Monday 09:30 in Shanghai is due the next Monday 09:30 there,
whatever daylight saving did in between. A due time that the clocks skip or pass twice
(a daylight-saving change) is the later of its instants. This is exactly Postgres's
``(t AT TIME ZONE tz + interval) AT TIME ZONE tz``, so a stale filter in SQL agrees.

Only KRs that take updates can be stale: those of an **active** objective (a draft is not
committed to yet; a closed or archived one is done) in a cycle that is not closed (closed
cycles take no check-ins), without a final score (set at cycle close, it ends the KR's
updates). The clock starts at the KR's creation, not at its objective's activation: a KR
created in a draft that is activated later may be stale the moment it is.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from zoneinfo import ZoneInfo

from domain.cycles import CycleState
from domain.okrs import Cadence, KeyResult, ObjectiveStatus


@dataclass(frozen=True)
class Interval:
    """One cadence interval on the calendar: whole months, then whole days."""

    months: int = 0
    days: int = 0

    @property
    def sql(self) -> str:
        """The interval as a Postgres literal ("7 days", "1 mons 0 days")."""
        return f"{self.months} mons {self.days} days"


INTERVALS: Mapping[Cadence, Interval] = MappingProxyType(
    {
        Cadence.DAILY: Interval(days=1),
        Cadence.WEEKLY: Interval(days=7),
        Cadence.BIWEEKLY: Interval(days=14),
        Cadence.MONTHLY: Interval(months=1),
    }
)


def _plus_months(wall: datetime, months: int) -> datetime:
    """``wall`` (naive) ``months`` later, on the month's last day if it is shorter."""
    index = wall.year * 12 + wall.month - 1 + months
    year, month = divmod(index, 12)
    day = min(wall.day, calendar.monthrange(year, month + 1)[1])
    return wall.replace(year=year, month=month + 1, day=day)


def _instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time: the later one when the clocks pass it
    twice or skip it (a daylight-saving change), as Postgres's ``AT TIME ZONE`` does."""
    return max(wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))


def due_at(reference: datetime, cadence: Cadence, time_zone: str) -> datetime:
    """When the next update is due: ``reference`` (the last check-in, else the KR's
    creation) plus one cadence interval on the calendar of ``time_zone``; in UTC."""
    zone = ZoneInfo(time_zone)
    step = INTERVALS[cadence]
    wall = reference.astimezone(zone).replace(tzinfo=None)
    later = _plus_months(wall, step.months) + timedelta(days=step.days)
    return _instant(later, zone)


def takes_updates(
    objective_status: ObjectiveStatus, cycle_state: CycleState, final_score: Decimal | None
) -> bool:
    """Whether a KR is still checked in on: its objective is active, its cycle not
    closed, and it has no final score."""
    return (
        objective_status is ObjectiveStatus.ACTIVE
        and cycle_state is not CycleState.CLOSED
        and final_score is None
    )


@dataclass(frozen=True)
class UpdateStatus:
    """Where a KR stands in its cadence at an instant."""

    last_check_in_at: datetime | None
    due_at: datetime | None  # None: the KR takes no updates (see ``takes_updates``)
    stale: bool

    @property
    def stale_since(self) -> datetime | None:
        """The instant the update fell due, for a stale KR (stale ever since); else None."""
        return self.due_at if self.stale else None


def update_status(
    kr: KeyResult,
    last_check_in_at: datetime | None,
    *,
    objective_status: ObjectiveStatus,
    cycle_state: CycleState,
    now: datetime,
    time_zone: str,
) -> UpdateStatus:
    """The KR's update status at ``now``: when its next update is due, and whether it is
    stale (``now`` past that instant). See the module's rules."""
    if not takes_updates(objective_status, cycle_state, kr.final_score):
        return UpdateStatus(last_check_in_at=last_check_in_at, due_at=None, stale=False)
    reference = last_check_in_at if last_check_in_at is not None else kr.created_at
    due = due_at(reference, kr.cadence, time_zone)
    return UpdateStatus(last_check_in_at=last_check_in_at, due_at=due, stale=now > due)


def is_stale(
    kr: KeyResult,
    last_check_in_at: datetime | None,
    *,
    objective_status: ObjectiveStatus,
    cycle_state: CycleState,
    now: datetime,
    time_zone: str,
) -> bool:
    """Whether the KR's update is overdue at ``now`` (see :func:`update_status`)."""
    return update_status(
        kr,
        last_check_in_at,
        objective_status=objective_status,
        cycle_state=cycle_state,
        now=now,
        time_zone=time_zone,
    ).stale
