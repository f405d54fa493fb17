"""Projection and forecast (预测): where a KR will end the cycle at its current pace.

DOMAIN.md "Sales pacing, forecast and quotas". From a tenth of the cycle on, the projected
final progress is progress / p(t) (the KR's pacing curve at the elapsed fraction), capped at
2; earlier, or while the curve still expects nothing, there is no projection. The forecast
status reads the projection against the KR's ambition: ``will_hit`` from 1, ``at_risk``
from the ambition's ``yellow_below`` (where green starts: 0.7 aspirational), else
``will_miss``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from domain.ambition import GradeThresholds
from domain.pacing import PacingCurve, expected_progress
from domain.scoring import ONE, ZERO, quantize

PROJECTION_FROM: Final = Decimal("0.1")  # too early to say before a tenth of the cycle
PROJECTION_CAP: Final = Decimal(2)


class ForecastStatus(StrEnum):
    WILL_HIT = "will_hit"
    AT_RISK = "at_risk"
    WILL_MISS = "will_miss"


def projected_progress(progress: Decimal, *, elapsed: Decimal, expected: Decimal) -> Decimal | None:
    """``progress / expected`` capped at 2, quantized; ``None`` before ``elapsed`` reaches
    0.1 or while ``expected`` (p(t)) is 0."""
    if elapsed < PROJECTION_FROM or expected <= ZERO:
        return None
    return quantize(min(progress / expected, PROJECTION_CAP))


def forecast_status(projected: Decimal, thresholds: GradeThresholds) -> ForecastStatus:
    """``will_hit`` when ``projected >= 1``, ``at_risk`` when it reaches
    ``thresholds.yellow_below``, else ``will_miss``. With the committed defaults
    (yellow_below 1.0) a commitment will be hit or missed, never at risk."""
    if projected >= ONE:
        return ForecastStatus.WILL_HIT
    if projected >= thresholds.yellow_below:
        return ForecastStatus.AT_RISK
    return ForecastStatus.WILL_MISS


@dataclass(frozen=True, kw_only=True)
class Forecast:
    """A KR's projection; both ``None`` when it is too early to project."""

    projected: Decimal | None
    status: ForecastStatus | None


def forecast(
    progress: Decimal, *, curve: PacingCurve, elapsed: Decimal, thresholds: GradeThresholds
) -> Forecast:
    """The projection and forecast status of a KR at ``progress`` on ``curve`` at the
    elapsed fraction ``elapsed``, graded by its ambition's ``thresholds``."""
    projected = projected_progress(
        progress, elapsed=elapsed, expected=expected_progress(curve, elapsed)
    )
    if projected is None:
        return Forecast(projected=None, status=None)
    return Forecast(projected=projected, status=forecast_status(projected, thresholds))
