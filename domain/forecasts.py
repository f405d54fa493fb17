"""External forecasts (外部预测) of a KR: a CRM's commit and best case, kept as a series.

DOMAIN.md "Sales pacing, forecast and quotas": an external forecast (commit and best-case
values sent by a CRM, with their date) is kept as a series beside the check-ins and shown
next to the projection (``domain.forecast``). An entry is never edited: a new forecast is a
new entry. Its ``source``, ``integration`` and ``external_id`` follow the check-ins' rules
(``domain.okrs.check_in_source`` / ``validate_check_in_origin``).

``as_of_date`` is the day the forecast was made (the CRM's snapshot date, in its own
calendar), not the day it forecasts: a sales forecast is always for the KR's cycle end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from domain.errors import FieldError, RuleViolation
from domain.key_results import is_measure
from domain.limits import FORECAST_NOTE_MAX_LENGTH
from domain.okrs import CheckInSource, Direction, KeyResult, MetricKind
from domain.organizations import too_long


@dataclass(frozen=True, kw_only=True)
class ExternalForecast:
    """One forecast of a KR's final value. Named apart from ``domain.forecast.Forecast``
    (the projection the service derives from the pace)."""

    id: UUID
    organization_id: UUID
    key_result_id: UUID
    commit: Decimal  # the value the sender commits to at the cycle's end
    best_case: Decimal | None  # the value if the upside closes too
    as_of_date: date  # the day the forecast was made
    note: str
    author: str  # the principal's subject: a member id or service:<client>
    created_at: datetime
    source: CheckInSource
    integration: str | None = None  # set exactly when source is integration
    external_id: str | None = None  # the sender's id: sent twice to a KR, one entry


def validate_forecast(
    kr: KeyResult,
    *,
    commit: Decimal,
    best_case: Decimal | None,
    as_of_date: date,
    note: str,
    today: date,
) -> str:
    """Refuse a forecast that does not fit ``kr``; return the note, stripped.

    - the KR is measured by a value (a milestones KR has no value to forecast);
    - commit and best case are measures (finite, below 10^15, at most 12 decimals);
    - the best case is no worse than the commit: ``>=`` for an increasing KR, ``<=`` for a
      decreasing one (FieldError ``best_case`` / ``best_case_below_commit``);
    - ``as_of_date`` is not after tomorrow (``today`` is the UTC day: a sender ahead of UTC
      may already be in tomorrow), since a forecast is made on a day that has come;
    - the note is at most ``FORECAST_NOTE_MAX_LENGTH`` characters.
    Every problem is listed in one ``RuleViolation`` (code ``validation_failed``).
    """
    errors: list[FieldError] = []
    if kr.metric_kind is MetricKind.MILESTONES:
        errors.append(
            FieldError("key_result_id", "a milestones KR has no value to forecast", "not_allowed")
        )
    measures_ok = True
    for field, value in (("commit", commit), ("best_case", best_case)):
        if value is not None and not is_measure(value):
            measures_ok = False
            errors.append(
                FieldError(
                    field, "must be a number below 10^15 with at most 12 decimals", "not_finite"
                )
            )
    if measures_ok and best_case is not None and _worse(best_case, commit, kr.direction):
        errors.append(
            FieldError(
                "best_case",
                f"the best case of an {kr.direction} KR cannot be "
                f"{'below' if kr.direction is Direction.INCREASE else 'above'} "
                f"its commit ({commit})",
                "best_case_below_commit",
            )
        )
    if as_of_date > today + timedelta(days=1):
        errors.append(FieldError("as_of_date", "a forecast is made on a past day", "in_future"))
    stripped = note.strip()
    errors += too_long(stripped, max_length=FORECAST_NOTE_MAX_LENGTH, field_name="note")
    if errors:
        raise RuleViolation("invalid forecast", code="validation_failed", errors=errors)
    return stripped


def _worse(best_case: Decimal, commit: Decimal, direction: Direction) -> bool:
    if direction is Direction.INCREASE:
        return best_case < commit
    return best_case > commit
