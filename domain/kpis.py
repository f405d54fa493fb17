"""KPIs (关键绩效指标): standing metrics with an owner, a unit, a target and measurements.

DOMAIN.md "KPI" and article 004 (OKR 与 KPI 融合应用): a KPI is measured period after period
(monthly revenue, complaint count); an OKR is a cycle's push. Used together, a key result
may link to a KPI so that each new measurement of the KPI becomes a check-in of the KR,
attributed to whoever posted the measurement (a member or an integration).

What a caller may rely on:

- :func:`validate_kpi` and :func:`validate_measurement` refuse bad input with
  ``validation_failed``, naming every bad field; they return the record with texts stripped.
- :func:`attainment` (达成率) is on the 0-1 scale of :mod:`domain.scoring`, quantized to
  four places, and is exactly 1 when and only when :func:`kpi_status` says the target is met.
- :func:`ensure_linkable` decides whether a KR may follow a KPI; :func:`check_in_of_measurement`
  turns every measurement into the values of a check-in of the KR, dated at the reading's
  ``measured_at``: a late-posted past reading takes its place in the KR's history, so the
  KR's current value (its latest check-in by time) is the newest reading's whatever order
  the readings arrive in.
- Unlinking a KR from its KPI changes nothing here: the check-ins that measurements made
  stay in the KR's history (history is kept forever, DOMAIN.md "Check-in"), and the
  measurements stay with the KPI. Only later measurements stop reaching the KR.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final
from uuid import UUID

from domain.errors import FieldError, RuleViolation
from domain.key_results import is_measure, validate_check_in_value
from domain.limits import (
    KPI_NAME_MAX_LENGTH,
    KPI_NOTE_MAX_LENGTH,
    KPI_RECORDED_BY_MAX_LENGTH,
    KPI_UNIT_MAX_LENGTH,
)
from domain.okrs import Direction, KeyResult, MetricKind
from domain.scoring import ONE, ZERO, quantize

# The largest attainment of a value short of its target: rounding must not show 1.0000
# (met) for 99.999%.
_JUST_SHORT: Final = Decimal("0.9999")

# A KR follows a KPI's value as is: that needs a KR measured by a free number. A yes/no KR
# takes only 0 or 1 and a milestones KR takes no value at all.
LINKABLE_KINDS: Final = frozenset({MetricKind.NUMBER, MetricKind.PERCENT, MetricKind.CURRENCY})


class KpiStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"


@dataclass(frozen=True, kw_only=True)
class Kpi:
    """A standing metric (关键绩效指标). ``unit`` is free text ("CNY", "%", "单"), shown
    next to values; ``direction`` says whether more (revenue) or less (complaints) is better."""

    id: UUID
    organization_id: UUID
    name: str
    owner_id: UUID  # a member
    unit: str | None
    target: Decimal
    direction: Direction
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class KpiMeasurement:
    """One immutable reading of a KPI. A correction is a new measurement, never an edit.

    ``measured_at``: the moment the value describes (may be earlier than ``created_at``,
    when the reading was posted). ``recorded_by``: the principal's subject, a member id or
    ``service:<client>`` for an integration, as :class:`domain.okrs.CheckIn` ``author``.
    """

    id: UUID
    organization_id: UUID
    kpi_id: UUID
    value: Decimal
    measured_at: datetime
    recorded_by: str
    note: str
    created_at: datetime


# --- validation -----------------------------------------------------------------------------


def _refuse(detail: str, errors: list[FieldError]) -> None:
    if errors:
        raise RuleViolation(detail, code="validation_failed", errors=errors)


EARLIEST_MEASUREMENT = 1900


def _finite(value: Decimal, field: str, errors: list[FieldError]) -> None:
    if not is_measure(value):  # the same bounds as a KR's figures, which it feeds
        errors.append(
            FieldError(field, "must be a number below 10^15 with at most 12 decimals", "not_finite")
        )


def validate_kpi(kpi: Kpi) -> Kpi:
    """Name non-blank and at most ``KPI_NAME_MAX_LENGTH`` characters; unit at most
    ``KPI_UNIT_MAX_LENGTH`` (a blank unit becomes None); target a finite number (any sign:
    a loss limit may be negative).

    Returns the KPI with name and unit stripped.
    """
    errors: list[FieldError] = []
    name = kpi.name.strip()
    if not name:
        errors.append(FieldError("name", "must not be empty", "empty"))
    elif len(name) > KPI_NAME_MAX_LENGTH:
        errors.append(FieldError("name", f"at most {KPI_NAME_MAX_LENGTH} characters", "too_long"))
    unit = kpi.unit.strip() if kpi.unit is not None else None
    if unit is not None and len(unit) > KPI_UNIT_MAX_LENGTH:
        errors.append(FieldError("unit", f"at most {KPI_UNIT_MAX_LENGTH} characters", "too_long"))
    _finite(kpi.target, "target", errors)
    _refuse("invalid KPI", errors)
    return replace(kpi, name=name, unit=unit or None)


def validate_measurement(measurement: KpiMeasurement) -> KpiMeasurement:
    """Value a finite number; ``measured_at`` carries a time zone; ``recorded_by`` non-blank
    (at most ``KPI_RECORDED_BY_MAX_LENGTH``); note at most ``KPI_NOTE_MAX_LENGTH`` characters.

    A measurement may be dated in the past (a month's revenue posted on the 2nd); whether
    a date in the future is acceptable needs the clock, and is the use case's to decide.
    Returns the measurement with note and recorded_by stripped.
    """
    errors: list[FieldError] = []
    _finite(measurement.value, "value", errors)
    if measurement.measured_at.utcoffset() is None:
        errors.append(FieldError("measured_at", "must carry a time zone", "naive_datetime"))
    elif not measurement.measured_at.year >= EARLIEST_MEASUREMENT:
        # Year 1 in a time zone east of UTC is not even a UTC instant.
        errors.append(
            FieldError("measured_at", f"must be in {EARLIEST_MEASUREMENT} or later", "out_of_range")
        )
    recorded_by = measurement.recorded_by.strip()
    if not recorded_by:
        errors.append(FieldError("recorded_by", "must not be empty", "empty"))
    elif len(recorded_by) > KPI_RECORDED_BY_MAX_LENGTH:
        errors.append(
            FieldError(
                "recorded_by", f"at most {KPI_RECORDED_BY_MAX_LENGTH} characters", "too_long"
            )
        )
    note = measurement.note.strip()
    if len(note) > KPI_NOTE_MAX_LENGTH:
        errors.append(FieldError("note", f"at most {KPI_NOTE_MAX_LENGTH} characters", "too_long"))
    _refuse("invalid KPI measurement", errors)
    return replace(measurement, recorded_by=recorded_by, note=note)


# --- attainment -----------------------------------------------------------------------------


def is_met(kpi: Kpi, value: Decimal) -> bool:
    """Increase: ``value >= target``; decrease: ``value <= target``."""
    if kpi.direction is Direction.DECREASE:
        return value <= kpi.target
    return value >= kpi.target


def kpi_status(kpi: Kpi, value: Decimal) -> KpiStatus:
    """Met or not met, by :func:`is_met`. A KPI with no measurement yet has no status: the
    caller shows none rather than asking with a made-up value."""
    return KpiStatus.MET if is_met(kpi, value) else KpiStatus.NOT_MET


def attainment(kpi: Kpi, value: Decimal) -> Decimal:
    """How far ``value`` has come towards the KPI's target (达成率), in [0, 1].

    - met (:func:`is_met`): 1. Over-achievement is not shown above 1; the value itself says
      by how much, and 1 keeps the figure on the scale of KR scores.
    - not met, target > 0: increase ``value / target`` (80 of 100 -> 0.8); decrease
      ``target / value`` (6 complaints against a target of 3 -> 0.5). Clamped to
      [0, 0.9999]: a negative value reads 0, and a value short of the target never
      rounds up to 1.
    - not met, target <= 0 (a zero target, "no complaints", or a negative one, "a loss of
      at most 50"): a ratio would mean nothing, so 0: all or nothing.

    ``value`` and the target are finite (:func:`validate_kpi`, :func:`validate_measurement`).
    """
    if is_met(kpi, value):
        return quantize(ONE)
    target = kpi.target
    if target <= ZERO:
        return quantize(ZERO)
    # Not met with a positive target: increase means value < target; decrease means
    # value > target > 0, so the division is safe.
    ratio = value / target if kpi.direction is Direction.INCREASE else target / value
    if ratio <= ZERO:
        return quantize(ZERO)
    return min(quantize(ratio), _JUST_SHORT)


def latest_measurement(measurements: Iterable[KpiMeasurement]) -> KpiMeasurement | None:
    """The KPI's current reading: the latest ``measured_at``; of readings for the same
    moment, the one posted last (a correction); ``None`` with no measurements."""
    return max(measurements, key=lambda m: (m.measured_at, m.created_at, m.id), default=None)


# --- the KR link (OKR 与 KPI 融合) ------------------------------------------------------------


def ensure_linkable(kpi: Kpi, key_result: KeyResult) -> None:
    """Refuse a link a KR could not follow (``validation_failed``, errors on ``kpi_id``).

    - the KPI and the KR belong to one organization (reported as an unknown KPI, never as
      "another organization's");
    - the KR is measured by a number, percent or currency (``LINKABLE_KINDS``);
    - both point the same way: one metric cannot be better higher and better lower.

    Units are free text and are not compared ("CNY" and "元" name one unit).
    """
    errors: list[FieldError] = []
    if kpi.organization_id != key_result.organization_id:
        errors.append(FieldError("kpi_id", "no such KPI", "unknown"))
    else:
        if key_result.metric_kind not in LINKABLE_KINDS:
            errors.append(
                FieldError(
                    "kpi_id",
                    f"a {key_result.metric_kind} KR cannot follow a KPI's value",
                    "kind_not_linkable",
                )
            )
        if kpi.direction is not key_result.direction:
            errors.append(
                FieldError(
                    "kpi_id",
                    f"the KPI is {kpi.direction} but the KR is {key_result.direction}",
                    "direction_mismatch",
                )
            )
    _refuse("the key result cannot be linked to this KPI", errors)


@dataclass(frozen=True)
class MeasurementCheckIn:
    """The values of the check-in a measurement makes on its linked KR; the use case adds
    the id and stores a :class:`domain.okrs.CheckIn` of them."""

    organization_id: UUID
    key_result_id: UUID
    value: Decimal
    created_at: datetime  # the reading's measured_at: the moment the value describes
    author: str  # the measurement's recorded_by: the person or integration that posted it
    note: str
    confidence: int | None = None  # a KPI reading says nothing of the owner's confidence
    blockers: str = ""


def check_in_note(kpi: Kpi, measurement: KpiMeasurement) -> str:
    """``from KPI <name>``, followed by ``: <note>`` when the measurement has one."""
    note = measurement.note.strip()
    return f"from KPI {kpi.name}: {note}" if note else f"from KPI {kpi.name}"


def check_in_of_measurement(
    measurement: KpiMeasurement,
    key_result: KeyResult,
    *,
    kpi: Kpi,
) -> MeasurementCheckIn:
    """The check-in a new measurement of ``kpi`` makes on ``key_result``, linked to it.

    Every measurement makes one, dated at its ``measured_at``. A late-posted past reading
    therefore lands in the KR's history where it belongs and does not move the KR back (the
    KR's current value is its latest check-in by time); the check-ins a set of readings
    makes, and the value the KR ends on, are the same whatever order they were posted in.

    The value is checked as any check-in's (:func:`domain.key_results.validate_check_in_value`).
    ``ValueError`` when the measurement is not of ``kpi`` or the KR is in another
    organization: the caller loaded the wrong records.
    """
    if measurement.kpi_id != kpi.id:
        raise ValueError(f"measurement {measurement.id} is not of KPI {kpi.id}")
    if len({kpi.organization_id, measurement.organization_id, key_result.organization_id}) != 1:
        raise ValueError("the KPI, its measurement and the key result span organizations")
    value = validate_check_in_value(key_result, measurement.value)
    if value is None:  # unreachable: a milestones KR refuses a value above
        raise ValueError(f"key result {key_result.id} takes no value")
    return MeasurementCheckIn(
        organization_id=key_result.organization_id,
        key_result_id=key_result.id,
        value=value,
        created_at=measurement.measured_at,
        author=measurement.recorded_by,
        note=check_in_note(kpi, measurement),
    )
