"""Pacing curves (节奏): the expected progress of a KR along its cycle.

DOMAIN.md "Sales pacing, forecast and quotas". A straight line calls a back-loaded sales
quarter "off track" for weeks; a pacing curve says how much of the target should be done at
each elapsed fraction ``t`` of the cycle. A curve is piecewise linear through points
``(t, p)`` with ``p(0) = 0`` and ``p(1) = 1``, ``t`` strictly and ``p`` weakly increasing.

Expected progress and track status keep their rules (``domain.scoring``) and read
``p(t)`` instead of ``t``: pass :func:`expected_progress` of the KR's curve as ``expected`` to
:func:`domain.scoring.track_status`.

Rounding: a curve's points keep full precision (1/3 and 2/3 of the presets, the dates of a
target schedule and the 1/12 steps of the learning grid are divisions in a fixed 28-digit
context, half to even); only the figures a caller reads (expected progress, learned points)
are rounded, with :func:`domain.scoring.quantize` (four places, half to even).
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal
from enum import StrEnum
from typing import Final
from uuid import UUID

from domain.errors import FieldError, RuleViolation

# CurveKind lives with the stored setting (a leaf module); re-exported as this module's.
from domain.pacing_setting import CurveKind as CurveKind  # noqa: PLC0414
from domain.pacing_setting import PacingSetting
from domain.quotas import UnitOfMeasure
from domain.scoring import ONE, ZERO, quantize
from domain.scoring import expected_progress as straight_line

# Curve points are divided in this context whatever the caller's decimal context is, so the
# same curve has the same points in every process.
_EXACT: Final = Context(prec=28, rounding=ROUND_HALF_EVEN)

CURVE_POINTS_MAX: Final = 100  # a weekly schedule of a year is 54 points


@dataclass(frozen=True)
class CurvePoint:
    """Expected progress ``p`` at the elapsed fraction ``t`` of the cycle."""

    t: Decimal
    p: Decimal


def _point_errors(points: Sequence[CurvePoint], field: str) -> list[FieldError]:
    """Every reason ``points`` is not a curve, each at ``field[i].t`` or ``field[i].p``."""
    if len(points) < 2:
        return [FieldError(field, "needs at least the points (0, 0) and (1, 1)", "too_few_points")]
    if len(points) > CURVE_POINTS_MAX:
        return [FieldError(field, f"at most {CURVE_POINTS_MAX} points", "too_many_points")]
    errors: list[FieldError] = []
    for i, point in enumerate(points):
        for name, value in (("t", point.t), ("p", point.p)):
            if not ZERO <= value <= ONE:
                errors.append(
                    FieldError(f"{field}[{i}].{name}", "must be in [0, 1]", "out_of_range")
                )
    first, last = points[0], points[-1]
    if first.t != ZERO or first.p != ZERO:
        errors.append(FieldError(f"{field}[0]", "the first point must be (0, 0)", "curve_start"))
    if last.t != ONE or last.p != ONE:
        errors.append(
            FieldError(f"{field}[{len(points) - 1}]", "the last point must be (1, 1)", "curve_end")
        )
    for i in range(1, len(points)):
        if points[i].t <= points[i - 1].t:
            errors.append(
                FieldError(
                    f"{field}[{i}].t", "must be greater than the previous t", "not_increasing"
                )
            )
        if points[i].p < points[i - 1].p:
            errors.append(
                FieldError(f"{field}[{i}].p", "must not be below the previous p", "decreasing")
            )
    return errors


def _ensure_points(points: Sequence[CurvePoint], field: str) -> None:
    if errors := _point_errors(points, field):
        raise RuleViolation("invalid pacing curve", code="validation_failed", errors=errors)


@dataclass(frozen=True, kw_only=True)
class PacingCurve:
    """A validated curve: constructing one with invalid points raises ``RuleViolation``
    (code ``validation_failed``; field errors at ``points[i].t`` / ``points[i].p``)."""

    kind: CurveKind
    points: tuple[CurvePoint, ...]

    def __post_init__(self) -> None:
        _ensure_points(self.points, "points")


def _third(n: int) -> Decimal:
    return _EXACT.divide(Decimal(n), Decimal(3))


def _curve(kind: CurveKind, *pairs: tuple[Decimal, Decimal]) -> PacingCurve:
    return PacingCurve(kind=kind, points=tuple(CurvePoint(t, p) for t, p in pairs))


LINEAR: Final = _curve(CurveKind.LINEAR, (ZERO, ZERO), (ONE, ONE))
# A 20/30/50 month split: most deals close in the quarter's last month.
BACK_LOADED: Final = _curve(
    CurveKind.BACK_LOADED,
    (ZERO, ZERO),
    (_third(1), Decimal("0.2")),
    (_third(2), Decimal("0.5")),
    (ONE, ONE),
)
FRONT_LOADED: Final = _curve(
    CurveKind.FRONT_LOADED,
    (ZERO, ZERO),
    (_third(1), Decimal("0.5")),
    (_third(2), Decimal("0.8")),
    (ONE, ONE),
)
PRESETS: Final = {curve.kind: curve for curve in (LINEAR, BACK_LOADED, FRONT_LOADED)}


def preset(kind: CurveKind) -> PacingCurve:
    """The preset curve of ``kind`` (linear, back_loaded, front_loaded); ``KeyError`` for the
    kinds that carry their own points (custom, schedule, learned)."""
    return PRESETS[kind]


def custom_curve(
    points: Iterable[tuple[Decimal, Decimal]], *, field: str = "pacing.points"
) -> PacingCurve:
    """A ``custom`` curve through ``(t, p)`` points, given with both ends (0, 0) and (1, 1).

    ``RuleViolation`` (``validation_failed``) lists every bad point at ``field[i].t`` /
    ``field[i].p`` with codes ``out_of_range``, ``curve_start``, ``curve_end``,
    ``not_increasing`` (t must strictly increase), ``decreasing`` (p must not fall),
    ``too_few_points``, ``too_many_points``.
    """
    curve_points = tuple(CurvePoint(t, p) for t, p in points)
    _ensure_points(curve_points, field)
    return PacingCurve(kind=CurveKind.CUSTOM, points=curve_points)


def elapsed_fraction(start_date: date, end_date: date, at: date) -> Decimal:
    """The elapsed fraction of a cycle on day ``at``, exactly as
    :func:`domain.scoring.expected_progress` (days elapsed over the cycle's days, clamped to
    [0, 1], four places), so a curve is read at the same ``t`` as today's straight line."""
    return straight_line(start_date, end_date, at)


@dataclass(frozen=True)
class ScheduledValue:
    """An absolute value the KR should reach by a date (a month-end quota)."""

    on: date
    value: Decimal


def schedule_curve(
    schedule: Iterable[ScheduledValue],
    *,
    start: Decimal,
    target: Decimal,
    start_date: date,
    end_date: date,
    field: str = "pacing.schedule",
) -> PacingCurve:
    """A ``schedule`` curve from absolute values at dates within the cycle.

    Each entry becomes the point ``(t, (value - start) / (target - start))`` where ``t`` is
    :func:`elapsed_fraction` of its date; this serves decrease KRs too (start > target). The
    points (0, 0) and (1, 1) are added unless an entry falls on the cycle's first or last
    day, which must then schedule the start or the target value. Dates must be distinct and
    inside the cycle; values must move from start towards target without going back.
    ``RuleViolation`` (``validation_failed``): ``no_range`` at ``field`` when start == target
    (there is no share to schedule), ``empty`` with no entry, ``outside_cycle`` and
    ``duplicate_date`` at ``field[i].on``, and the curve's own point errors at ``field[i].value``.
    """
    entries = sorted(schedule, key=lambda entry: entry.on)
    if not entries:
        raise _schedule_error(field, "needs at least one scheduled value", "empty")
    if start == target:
        raise _schedule_error(field, "start and target are equal", "no_range")
    errors = [
        FieldError(f"{field}[{i}].on", "must be inside the cycle", "outside_cycle")
        for i, entry in enumerate(entries)
        if not start_date <= entry.on <= end_date
    ]
    errors += [
        FieldError(f"{field}[{i}].on", "two values on the same date", "duplicate_date")
        for i in range(1, len(entries))
        if entries[i].on == entries[i - 1].on
    ]
    if errors:
        raise RuleViolation("invalid target schedule", code="validation_failed", errors=errors)
    points = [
        CurvePoint(
            elapsed_fraction(start_date, end_date, entry.on),
            _EXACT.divide(entry.value - start, target - start),
        )
        for entry in entries
    ]
    offset = 0
    if not points or points[0].t != ZERO:
        points.insert(0, CurvePoint(ZERO, ZERO))
        offset = 1
    if points[-1].t != ONE:
        points.append(CurvePoint(ONE, ONE))
    if point_errors := _point_errors(points, field):
        # Name the entry the user sent, not the point it became.
        raise RuleViolation(
            "invalid target schedule",
            code="validation_failed",
            errors=[_entry_error(e, field, offset, len(entries)) for e in point_errors],
        )
    return PacingCurve(kind=CurveKind.SCHEDULE, points=tuple(points))


def _schedule_error(field: str, message: str, code: str) -> RuleViolation:
    return RuleViolation(
        "invalid target schedule",
        code="validation_failed",
        errors=[FieldError(field, message, code)],
    )


def _entry_error(error: FieldError, field: str, offset: int, entries: int) -> FieldError:
    """Map a point error at ``field[i].x`` to the schedule entry it came from."""
    rest = error.field.removeprefix(field)
    if not rest.startswith("["):
        return error
    index_text, _, _ = rest[1:].partition("]")
    index = int(index_text) - offset
    if not 0 <= index < entries:  # an added end point: the nearest entry is at fault
        index = 0 if index < 0 else entries - 1
    return FieldError(f"{field}[{index}].value", error.message, error.code)


def expected_progress(curve: PacingCurve, elapsed: Decimal) -> Decimal:
    """``p(t)`` at the elapsed fraction ``elapsed`` (clamped to [0, 1]), interpolated
    linearly between the curve's points and quantized to four places. On the linear curve
    it is exactly :func:`domain.scoring.expected_progress`'s figure for the same ``t``."""
    t = min(max(elapsed, ZERO), ONE)
    points = curve.points
    index = bisect_right([point.t for point in points], t)
    if index >= len(points):
        return quantize(points[-1].p)
    left, right = points[index - 1], points[index]
    slope = _EXACT.divide(right.p - left.p, right.t - left.t)
    return quantize(left.p + _EXACT.multiply(t - left.t, slope))


# --- learned pacing ---------------------------------------------------------------------

LEARNING_STEPS: Final = 12
LEARNING_MIN_KRS: Final = 3  # below this, the default curve
LEARNING_CYCLES: Final = 4  # the last closed cycles the comparable KRs come from
LEARNING_GRID: Final = tuple(
    _EXACT.divide(Decimal(k), Decimal(LEARNING_STEPS)) for k in range(LEARNING_STEPS + 1)
)


@dataclass(frozen=True, kw_only=True)
class ProgressHistory:
    """One closed KR's path: ``(t, progress)`` at each check-in (``t`` the elapsed fraction
    of its cycle at the check-in) and its final progress."""

    series: tuple[tuple[Decimal, Decimal], ...]
    final_progress: Decimal


@dataclass(frozen=True, kw_only=True)
class PacingChoice:
    """The curve a KR is judged by and where it came from: ``used`` is ``learned`` or the
    default's kind, ``from_krs`` how many comparable KRs were found (also when too few)."""

    curve: PacingCurve
    from_krs: int

    @property
    def used(self) -> CurveKind:
        return self.curve.kind


def _progress_at(series: Sequence[tuple[Decimal, Decimal]], t: Decimal) -> Decimal:
    """The progress of the latest check-in at or before ``t``; 0 before the first."""
    latest = ZERO
    for at, progress in series:  # sorted by the caller
        if at > t:
            break
        latest = progress
    return latest


def learn_curve(histories: Iterable[ProgressHistory], default: PacingCurve) -> PacingChoice:
    """The ``learned`` curve of comparable KRs' histories (DOMAIN.md "Learned pacing").

    At each of the 13 points of :data:`LEARNING_GRID` (12 equal steps), the median over the
    KRs of progress(t) / final progress; then the running maximum (non-decreasing), capped
    at 1, with p(0) = 0 and p(1) = 1 forced (a value carried in at the start is not pace).
    Points are quantized to four places. Histories with final progress <= 0 do not count.
    Fewer than :data:`LEARNING_MIN_KRS` that count: ``default``.
    """
    usable = [
        (sorted(history.series), history.final_progress)
        for history in histories
        if history.final_progress > ZERO
    ]
    if len(usable) < LEARNING_MIN_KRS:
        return PacingChoice(curve=default, from_krs=len(usable))
    points = [CurvePoint(ZERO, ZERO)]
    running = ZERO
    for t in LEARNING_GRID[1:-1]:
        median = statistics.median(
            _EXACT.divide(_progress_at(series, t), final) for series, final in usable
        )
        running = min(max(running, quantize(median)), ONE)
        points.append(CurvePoint(t, running))
    points.append(CurvePoint(ONE, ONE))
    return PacingChoice(
        curve=PacingCurve(kind=CurveKind.LEARNED, points=tuple(points)), from_krs=len(usable)
    )


@dataclass(frozen=True, kw_only=True)
class PacingPeer:
    """What decides whether two KRs pace alike: the KPI followed, the unit owning the KR,
    the unit of measure. ``unit_id`` is the org unit the use case attributes the KR to."""

    kpi_id: UUID | None
    unit_id: UUID | None
    measure: UnitOfMeasure


def comparable(candidate: PacingPeer, reference: PacingPeer) -> bool:
    """Whether ``candidate`` (a closed KR) may teach ``reference``'s curve: it follows the
    same KPI, or it is owned in the same unit with the same unit of measure."""
    if candidate.kpi_id is not None and candidate.kpi_id == reference.kpi_id:
        return True
    return (
        candidate.unit_id is not None
        and candidate.unit_id == reference.unit_id
        and candidate.measure == reference.measure
    )


def learning_cycles(
    closed: Iterable[tuple[UUID, date]], *, count: int = LEARNING_CYCLES
) -> list[UUID]:
    """The ids of the last ``count`` closed cycles, latest end date first, from ``(id,
    end_date)`` pairs of the cycles closed before the instant the curve is read at (the
    caller filters by state and ``as_of``, and by kind: quarters teach quarters)."""
    ordered = sorted(closed, key=lambda pair: (pair[1], str(pair[0])), reverse=True)
    return [cycle_id for cycle_id, _ in ordered[:count]]


# --- which curve a KR is judged by -------------------------------------------------------


class PacingSource(StrEnum):
    """Where a KR's curve comes from: its own setting, its objective's owner unit's default,
    the organization's default, or none of them (linear)."""

    KEY_RESULT = "key_result"
    UNIT = "unit"
    ORGANIZATION = "organization"
    DEFAULT = "default"


# Kinds a unit or an organization may set as the default: a schedule holds one KR's
# absolute values, so it is no default.
DEFAULT_KINDS: Final = frozenset(CurveKind) - {CurveKind.SCHEDULE}


def validate_setting(
    setting: PacingSetting, *, field: str = "pacing", default: bool = False
) -> PacingSetting:
    """Refuse a setting that cannot become a curve, whatever KR it is read for: custom
    points that are no curve (errors at ``field.points[i].t``), points or a schedule given
    to a kind that takes none, an empty schedule, and a ``schedule`` as a ``default``. A
    schedule's values are checked against the KR with :func:`setting_curve`."""
    errors: list[FieldError] = []
    if default and setting.kind not in DEFAULT_KINDS:
        errors.append(FieldError(f"{field}.curve", "a schedule is no default", "not_a_default"))
    if setting.points and setting.kind is not CurveKind.CUSTOM:
        errors.append(FieldError(f"{field}.points", "only a custom curve has points", "unexpected"))
    if setting.schedule and setting.kind is not CurveKind.SCHEDULE:
        errors.append(
            FieldError(f"{field}.schedule", "only a schedule curve has one", "unexpected")
        )
    if setting.kind is CurveKind.CUSTOM:
        errors += _point_errors([CurvePoint(t, p) for t, p in setting.points], f"{field}.points")
    if setting.kind is CurveKind.SCHEDULE and not setting.schedule:
        errors.append(
            FieldError(f"{field}.schedule", "needs at least one scheduled value", "empty")
        )
    if errors:
        raise RuleViolation("invalid pacing curve", code="validation_failed", errors=errors)
    return setting


def setting_curve(
    setting: PacingSetting,
    *,
    start: Decimal,
    target: Decimal,
    start_date: date,
    end_date: date,
    field: str = "pacing",
) -> PacingCurve:
    """The curve of a preset, custom or schedule setting for a KR from ``start`` to
    ``target`` in a cycle from ``start_date`` to ``end_date`` (``RuleViolation`` when it is
    none); ``learned`` is not a setting's own curve (``ValueError``: see :func:`learn_curve`)."""
    if setting.kind in PRESETS:
        return PRESETS[setting.kind]
    if setting.kind is CurveKind.CUSTOM:
        return custom_curve(setting.points, field=f"{field}.points")
    if setting.kind is CurveKind.SCHEDULE:
        return schedule_curve(
            (ScheduledValue(on, value) for on, value in setting.schedule),
            start=start,
            target=target,
            start_date=start_date,
            end_date=end_date,
            field=f"{field}.schedule",
        )
    raise ValueError("a learned curve comes from history (learn_curve)")


def chosen_setting(
    own: PacingSetting | None, unit: PacingSetting | None, organization: PacingSetting | None
) -> tuple[PacingSetting | None, PacingSource]:
    """The setting a KR is judged by: its own, else its unit's default, else the
    organization's; ``(None, DEFAULT)`` when none is set (the linear curve)."""
    for setting, source in (
        (own, PacingSource.KEY_RESULT),
        (unit, PacingSource.UNIT),
        (organization, PacingSource.ORGANIZATION),
    ):
        if setting is not None:
            return setting, source
    return None, PacingSource.DEFAULT


def default_curve(unit: PacingSetting | None, organization: PacingSetting | None) -> PacingCurve:
    """The curve a ``learned`` KR falls back to with too little history: the unit's or the
    organization's default when that is a curve of its own (a preset or custom points),
    else linear."""
    for setting in (unit, organization):
        if setting is not None and setting.kind in PRESETS:
            return PRESETS[setting.kind]
        if setting is not None and setting.kind is CurveKind.CUSTOM:
            return custom_curve(setting.points)
    return LINEAR


@dataclass(frozen=True, kw_only=True)
class JudgedPacing:
    """The curve a KR is judged by, where its setting came from, and for ``learned``: from
    how many comparable KRs, and the default's kind used when they were too few."""

    curve: PacingCurve
    source: PacingSource
    learned_from: int | None = None
    fallback: CurveKind | None = None


def judge_pacing(
    own: PacingSetting | None,
    unit: PacingSetting | None,
    organization: PacingSetting | None,
    *,
    start: Decimal,
    target: Decimal,
    start_date: date,
    end_date: date,
    learned: PacingChoice | None = None,
) -> JudgedPacing:
    """The curve of the setting :func:`chosen_setting` picks. A ``learned`` setting takes
    ``learned`` (:func:`learn_curve` of the KR's comparable history; none given: no history,
    the default curve). A stored schedule that a later change of the KR's start, target or
    cycle made impossible is judged by the default curve rather than failing every read."""
    setting, source = chosen_setting(own, unit, organization)
    if setting is None:
        return JudgedPacing(curve=LINEAR, source=source)
    if setting.kind is CurveKind.LEARNED:
        choice = learned or PacingChoice(curve=default_curve(unit, organization), from_krs=0)
        fallback = None if choice.used is CurveKind.LEARNED else choice.used
        return JudgedPacing(
            curve=choice.curve, source=source, learned_from=choice.from_krs, fallback=fallback
        )
    try:
        curve = setting_curve(
            setting, start=start, target=target, start_date=start_date, end_date=end_date
        )
    except RuleViolation:
        curve = default_curve(unit, organization)
    return JudgedPacing(curve=curve, source=source)
