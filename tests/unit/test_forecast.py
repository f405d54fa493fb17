"""domain/forecast.py: projected final progress and the forecast status."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.ambition import Ambition, AmbitionSettings
from domain.forecast import (
    Forecast,
    ForecastStatus,
    forecast,
    forecast_status,
    projected_progress,
)
from domain.pacing import BACK_LOADED, LINEAR, custom_curve

D = Decimal
ASPIRATIONAL = AmbitionSettings().thresholds(Ambition.ASPIRATIONAL)
COMMITTED = AmbitionSettings().thresholds(Ambition.COMMITTED)


def test_projection_is_progress_over_expected() -> None:
    assert projected_progress(D("0.3"), elapsed=D("0.5"), expected=D("0.5")) == D("0.6000")
    assert projected_progress(D("0.3"), elapsed=D("0.5"), expected=D("0.35")) == D("0.8571")


def test_no_projection_before_a_tenth_of_the_cycle() -> None:
    assert projected_progress(D("0.05"), elapsed=D("0.0999"), expected=D("0.0999")) is None
    assert projected_progress(D("0.05"), elapsed=D("0.1"), expected=D("0.1")) == D("0.5000")


def test_no_projection_while_the_curve_expects_nothing() -> None:
    assert projected_progress(D("0.2"), elapsed=D("0.3"), expected=D(0)) is None


def test_projection_is_capped_at_two() -> None:
    assert projected_progress(D("0.9"), elapsed=D("0.2"), expected=D("0.2")) == D("2.0000")
    assert projected_progress(D("0.3"), elapsed=D("0.2"), expected=D("0.2")) == D("1.5000")


@pytest.mark.parametrize(
    ("projected", "status"),
    [
        ("1", ForecastStatus.WILL_HIT),
        ("1.8", ForecastStatus.WILL_HIT),
        ("0.9999", ForecastStatus.AT_RISK),
        ("0.7", ForecastStatus.AT_RISK),
        ("0.6999", ForecastStatus.WILL_MISS),
        ("0", ForecastStatus.WILL_MISS),
    ],
)
def test_aspirational_forecast(projected: str, status: ForecastStatus) -> None:
    assert forecast_status(D(projected), ASPIRATIONAL) is status


def test_a_commitment_will_be_hit_or_missed() -> None:
    assert forecast_status(D("1"), COMMITTED) is ForecastStatus.WILL_HIT
    assert forecast_status(D("0.9"), COMMITTED) is ForecastStatus.WILL_MISS


def test_forecast_reads_the_krs_curve() -> None:
    late = custom_curve([(D(0), D(0)), (D("0.5"), D(0)), (D(1), D(1))])
    assert forecast(D("0.1"), curve=late, elapsed=D("0.5"), thresholds=ASPIRATIONAL) == Forecast(
        projected=None, status=None
    )
    assert forecast(D("0.3"), curve=LINEAR, elapsed=D("0.05"), thresholds=ASPIRATIONAL) == Forecast(
        projected=None, status=None
    )
    assert forecast(
        D("0.2"), curve=BACK_LOADED, elapsed=D("1") / D("3"), thresholds=ASPIRATIONAL
    ) == Forecast(projected=D("1.0000"), status=ForecastStatus.WILL_HIT)
