"""DOMAIN.md "Sales pacing, forecast and quotas", worked example, at the domain tier.

A quarter of 90 days, a KR from 0 to 3,000,000 CNY, 900,000 at day 45 (progress 0.30).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from domain.ambition import Ambition, AmbitionSettings
from domain.forecast import ForecastStatus, forecast
from domain.okrs import Direction, KeyResult, MetricKind
from domain.organizations import ScoringSettings
from domain.pacing import BACK_LOADED, LINEAR, elapsed_fraction, expected_progress
from domain.quotas import AllocationStatus, allocation
from domain.scoring import TrackStatus, kr_progress, track_status

D = Decimal
START = date(2026, 1, 1)
END = START + timedelta(days=90)
DAY_45 = START + timedelta(days=45)
THRESHOLDS = AmbitionSettings().thresholds(Ambition.ASPIRATIONAL)


def quota_kr() -> KeyResult:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return KeyResult(
        id=uuid4(),
        organization_id=uuid4(),
        objective_id=uuid4(),
        title="Revenue 3,000,000 CNY",
        owner_id=uuid4(),
        metric_kind=MetricKind.CURRENCY,
        unit=None,
        currency="CNY",
        start=D(0),
        target=D(3_000_000),
        direction=Direction.INCREASE,
        weight=D(1),
        due_date=END,
        confidence=None,
        milestones=(),
        final_score=None,
        final_score_reason=None,
        version=1,
        created_at=now,
        updated_at=now,
    )


def test_worked_example() -> None:
    progress = kr_progress(quota_kr(), current=D(900_000))
    t = elapsed_fraction(START, END, DAY_45)
    assert (progress, t) == (D("0.3000"), D("0.5000"))
    settings = ScoringSettings()

    linear = expected_progress(LINEAR, t)
    assert linear == D("0.5000")
    assert track_status(progress, linear, settings) is TrackStatus.AT_RISK
    linear_forecast = forecast(progress, curve=LINEAR, elapsed=t, thresholds=THRESHOLDS)
    assert linear_forecast.projected == D("0.6000")
    assert linear_forecast.status is ForecastStatus.WILL_MISS

    back_loaded = expected_progress(BACK_LOADED, t)
    assert back_loaded == D("0.3500")
    assert track_status(progress, back_loaded, settings) is TrackStatus.ON_TRACK
    back_forecast = forecast(progress, curve=BACK_LOADED, elapsed=t, thresholds=THRESHOLDS)
    assert back_forecast.projected is not None
    assert back_forecast.projected.quantize(D("0.001")) == D("0.857")
    assert back_forecast.status is ForecastStatus.AT_RISK

    teams = allocation(D(3_000_000), [D(1_000_000)] * 3, Direction.INCREASE)
    assert teams.status is AllocationStatus.ALLOCATED
    assert teams.difference == 0
