"""The check-in cadence of key results and stale KRs (domain.cadence): due instants per
cadence on the organization's calendar, the boundary (exactly at the interval: not yet
stale), months of different lengths, daylight-saving changes, and the KRs that take no
updates at all."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from domain.cadence import INTERVALS, due_at, is_stale, takes_updates, update_status
from domain.cycles import CycleState
from domain.okrs import Cadence, Direction, KeyResult, MetricKind, ObjectiveStatus

SHANGHAI = "Asia/Shanghai"
BERLIN = "Europe/Berlin"
# Monday 2026-03-02 09:30 in Shanghai.
CHECKED = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
US = timedelta(microseconds=1)


def _local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A wall-clock time in Shanghai."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(SHANGHAI))


def _kr(cadence: Cadence = Cadence.WEEKLY, *, created_at: datetime = CHECKED) -> KeyResult:
    return KeyResult(
        id=uuid4(),
        organization_id=uuid4(),
        objective_id=uuid4(),
        title="Sell to 10 new customers",
        owner_id=uuid4(),
        metric_kind=MetricKind.NUMBER,
        unit="customers",
        currency=None,
        start=Decimal(0),
        target=Decimal(10),
        direction=Direction.INCREASE,
        weight=Decimal(1),
        due_date=date(2026, 6, 30),
        confidence=None,
        milestones=(),
        final_score=None,
        final_score_reason=None,
        version=1,
        created_at=created_at,
        updated_at=created_at,
        cadence=cadence,
    )


def _stale(
    kr: KeyResult,
    now: datetime,
    last: datetime | None = CHECKED,
    *,
    status: ObjectiveStatus = ObjectiveStatus.ACTIVE,
    cycle: CycleState = CycleState.ACTIVE,
    time_zone: str = SHANGHAI,
) -> bool:
    return is_stale(
        kr, last, objective_status=status, cycle_state=cycle, now=now, time_zone=time_zone
    )


def test_weekly_is_the_default_cadence() -> None:
    assert KeyResult.__dataclass_fields__["cadence"].default is Cadence.WEEKLY
    assert [c.value for c in Cadence] == ["daily", "weekly", "biweekly", "monthly"]
    assert set(INTERVALS) == set(Cadence)


@pytest.mark.parametrize(
    ("cadence", "due"),
    [
        (Cadence.DAILY, datetime(2026, 3, 3, 1, 30, tzinfo=UTC)),
        (Cadence.WEEKLY, datetime(2026, 3, 9, 1, 30, tzinfo=UTC)),
        (Cadence.BIWEEKLY, datetime(2026, 3, 16, 1, 30, tzinfo=UTC)),
        (Cadence.MONTHLY, datetime(2026, 4, 2, 1, 30, tzinfo=UTC)),
    ],
)
def test_each_cadence_is_due_one_interval_after_the_last_check_in(
    cadence: Cadence, due: datetime
) -> None:
    kr = _kr(cadence)
    assert due_at(CHECKED, cadence, SHANGHAI) == due
    # Exactly at the interval the update is due, not yet overdue; a moment later it is.
    assert not _stale(kr, due)
    assert _stale(kr, due + US)
    assert not _stale(kr, due - US)
    status = update_status(
        kr,
        CHECKED,
        objective_status=ObjectiveStatus.ACTIVE,
        cycle_state=CycleState.ACTIVE,
        now=due + US,
        time_zone=SHANGHAI,
    )
    assert status.due_at == status.stale_since == due
    assert status.last_check_in_at == CHECKED


def test_a_weekly_kr_checked_in_8_days_ago_is_stale_and_6_days_ago_is_not() -> None:
    kr = _kr(Cadence.WEEKLY)
    now = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    assert _stale(kr, now, now - timedelta(days=8))
    assert not _stale(kr, now, now - timedelta(days=6))


def test_a_daily_kr_is_stale_after_a_day() -> None:
    kr = _kr(Cadence.DAILY)
    assert not _stale(kr, CHECKED + timedelta(hours=23))
    assert not _stale(kr, CHECKED + timedelta(days=1))
    assert _stale(kr, CHECKED + timedelta(days=1, minutes=1))


def test_without_check_ins_the_clock_starts_at_the_kr_creation() -> None:
    created = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
    kr = _kr(Cadence.WEEKLY, created_at=created)
    due = created + timedelta(days=7)
    status = update_status(
        kr,
        None,
        objective_status=ObjectiveStatus.ACTIVE,
        cycle_state=CycleState.ACTIVE,
        now=due,
        time_zone=SHANGHAI,
    )
    assert (status.due_at, status.stale, status.last_check_in_at) == (due, False, None)
    assert _stale(kr, due + US, None)


@pytest.mark.parametrize(
    ("local_check_in", "local_due"),
    [
        # A month from the 31st ends on the shorter month's last day.
        (_local(2026, 1, 31, 18, 0), _local(2026, 2, 28, 18, 0)),
        (_local(2028, 1, 31, 18, 0), _local(2028, 2, 29, 18, 0)),  # leap year
        (_local(2026, 3, 31, 8, 0), _local(2026, 4, 30, 8, 0)),
        (_local(2026, 3, 15, 8, 0), _local(2026, 4, 15, 8, 0)),
        (_local(2026, 12, 31, 23, 59), _local(2027, 1, 31, 23, 59)),  # over the year end
        (_local(2026, 2, 28, 8, 0), _local(2026, 3, 28, 8, 0)),  # not the month's end
    ],
)
def test_monthly_is_one_calendar_month_on_the_organizations_calendar(
    local_check_in: datetime, local_due: datetime
) -> None:
    last = local_check_in.astimezone(UTC)
    expected = local_due.astimezone(UTC)
    assert due_at(last, Cadence.MONTHLY, SHANGHAI) == expected
    kr = _kr(Cadence.MONTHLY, created_at=last)
    assert not _stale(kr, expected, last)
    assert _stale(kr, expected + US, last)


def test_the_month_is_the_organizations_not_utcs() -> None:
    # 03:00 on March 1 in Shanghai is still February 28 in UTC: a month later is April 1
    # 03:00 there, where a UTC calendar would say March 28, three days early.
    last = datetime(2026, 2, 28, 19, 0, tzinfo=UTC)
    assert due_at(last, Cadence.MONTHLY, SHANGHAI) == datetime(2026, 3, 31, 19, 0, tzinfo=UTC)
    assert due_at(last, Cadence.MONTHLY, "UTC") == datetime(2026, 3, 28, 19, 0, tzinfo=UTC)
    # 01:00 on March 31 in Shanghai (UTC's 30th): due on April 30 there, a day before UTC's.
    last = datetime(2026, 3, 30, 17, 0, tzinfo=UTC)
    assert due_at(last, Cadence.MONTHLY, SHANGHAI) == datetime(2026, 4, 29, 17, 0, tzinfo=UTC)
    assert due_at(last, Cadence.MONTHLY, "UTC") == datetime(2026, 4, 30, 17, 0, tzinfo=UTC)


def test_days_are_calendar_days_across_daylight_saving() -> None:
    # Berlin moves to summer time on 2026-03-29: Monday 09:00 is due the next Monday 09:00
    # local, 7 days less one hour later.
    last = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert due_at(last, Cadence.WEEKLY, BERLIN) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    # And back on 2026-10-25: an hour more.
    last = datetime(2026, 10, 19, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert due_at(last, Cadence.WEEKLY, BERLIN) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_a_due_time_the_clocks_skip_or_pass_twice_is_its_later_instant() -> None:
    # 02:30 on 2026-03-29 does not exist in Berlin: as Postgres, the later reading, 01:30 UTC.
    last = datetime(2026, 3, 28, 1, 30, tzinfo=UTC)  # 02:30 CET the day before
    assert due_at(last, Cadence.DAILY, BERLIN) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 02:30 on 2026-10-25 happens twice (00:30 and 01:30 UTC): the later one.
    last = datetime(2026, 10, 24, 0, 30, tzinfo=UTC)  # 02:30 CEST the day before
    assert due_at(last, Cadence.DAILY, BERLIN) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "cycle", "final"),
    [
        (ObjectiveStatus.DRAFT, CycleState.ACTIVE, None),
        (ObjectiveStatus.CLOSED, CycleState.ACTIVE, None),
        (ObjectiveStatus.ARCHIVED, CycleState.ACTIVE, None),
        (ObjectiveStatus.ACTIVE, CycleState.CLOSED, None),
        (ObjectiveStatus.ACTIVE, CycleState.ACTIVE, Decimal("0.7")),
    ],
)
def test_krs_that_take_no_updates_are_never_stale(
    status: ObjectiveStatus, cycle: CycleState, final: Decimal | None
) -> None:
    kr = replace(_kr(Cadence.DAILY), final_score=final, final_score_reason="x" if final else None)
    years_later = CHECKED + timedelta(days=800)
    assert not takes_updates(status, cycle, final)
    assert not _stale(kr, years_later, status=status, cycle=cycle)
    found = update_status(
        kr, CHECKED, objective_status=status, cycle_state=cycle, now=years_later, time_zone="UTC"
    )
    assert (found.due_at, found.stale_since, found.stale) == (None, None, False)
    assert found.last_check_in_at == CHECKED


def test_a_planning_cycles_active_objective_takes_updates() -> None:
    assert takes_updates(ObjectiveStatus.ACTIVE, CycleState.PLANNING, None)
    assert _stale(_kr(Cadence.DAILY), CHECKED + timedelta(days=2), cycle=CycleState.PLANNING)
