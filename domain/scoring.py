"""Scoring (评分): KR progress and score, objective progress, grades and track status.

DOMAIN.md "Scoring". Every figure is a ``Decimal`` on the 0.0-1.0 scale, quantized to four
decimal places (ROUND_HALF_EVEN) by :func:`quantize` and nowhere else, so a score computed
here, stored, and read back compares equal.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from domain.okrs import Direction, MetricKind, Milestone, ObjectiveStatus
from domain.organizations import ScoringSettings

ZERO = Decimal(0)
ONE = Decimal(1)
_PLACES = Decimal("0.0001")

# A draft is not yet committed to and an archived objective was set aside: neither counts
# in any figure (unit and company scores, roll-ups, coverage, cycle stats, 360 OKR scores).
_NOT_COUNTED = frozenset({ObjectiveStatus.DRAFT, ObjectiveStatus.ARCHIVED})


def counts_in_figures(status: ObjectiveStatus) -> bool:
    """Whether an objective in ``status`` counts in figures that aggregate objectives (its
    own score is still shown on its own read)."""
    return status not in _NOT_COUNTED


class Grade(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"


class TrackStatus(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    # A KR with a final score is graded: on/off track against the calendar no longer applies.
    SCORED = "scored"


class Measurable(Protocol):
    """What scoring reads of a key result: a ``KeyResult``, or a lean row of one (trees of
    thousands of KRs are scored from rows, not from whole entities)."""

    @property
    def metric_kind(self) -> MetricKind: ...
    @property
    def start(self) -> Decimal: ...
    @property
    def target(self) -> Decimal: ...
    @property
    def direction(self) -> Direction: ...
    @property
    def milestones(self) -> tuple[Milestone, ...]: ...
    @property
    def final_score(self) -> Decimal | None: ...


def quantize(value: Decimal) -> Decimal:
    """Round a figure to four decimal places, half to even: the one rounding rule."""
    return value.quantize(_PLACES, rounding=ROUND_HALF_EVEN)


# Enough digits that a quotient of figures within the input rules (below 10^15, at most 12
# decimals; sums of thousands of them) is exact to far past its fourth place: the default 28
# would round a quotient just off a tie (x.xxxx5) onto it first, and then to even, where the
# exact fraction rounds the other way (and Postgres, which divides exactly, disagreed).
_EXACT = Context(prec=80, rounding=ROUND_HALF_EVEN)


def _rounded_share(part: Decimal, whole: Decimal) -> Decimal:
    """``clamp(part / whole, 0, 1)`` (``whole > 0``) rounded by :func:`quantize`, exactly."""
    with localcontext(_EXACT):
        return quantize(_clamp01(part / whole))


def _clamp01(value: Decimal) -> Decimal:
    # Comparisons, not min(max()): scoring a tree runs this forty thousand times. At or
    # below zero is zero: a decrease KR's 0 / -3 is -0, which would print "-0.0000".
    if value <= ZERO:
        return ZERO
    if value > ONE:
        return ONE
    return value


def kr_progress(
    kr: Measurable,
    *,
    current: Decimal | None,
    milestones_done: frozenset[UUID] = frozenset(),
) -> Decimal:
    """How far the KR has come from its start towards its target, in [0, 1].

    - number, percent, currency: ``clamp((current - start) / (target - start), 0, 1)``; the
      same formula serves decrease KRs (target < start). When target == start the KR is
      all or nothing: 1 once the target is met (increase: current >= target; decrease:
      current <= target), else 0.
    - boolean: 1 when ``current >= 1`` (true), else 0.
    - milestones: the weight of the done milestones over the total weight (0 when the total
      is 0); ``current`` is ignored, and ids in ``milestones_done`` that are not the KR's
      milestones count for nothing.

    ``current`` None means no check-in yet: the KR stands at its start.
    """
    if kr.metric_kind is MetricKind.MILESTONES:
        with localcontext(_EXACT):  # a dozen weights near 10^15 outgrow 28 digits
            total = sum((m.weight for m in kr.milestones), ZERO)
            done = sum((m.weight for m in kr.milestones if m.id in milestones_done), ZERO)
        if total <= ZERO:
            return quantize(ZERO)
        return _rounded_share(done, total)
    if kr.metric_kind is MetricKind.BOOLEAN:
        return quantize(ONE if current is not None and current >= ONE else ZERO)
    value = kr.start if current is None else current
    if kr.target == kr.start:
        met = value <= kr.target if kr.direction is Direction.DECREASE else value >= kr.target
        return quantize(ONE if met else ZERO)
    with localcontext(_EXACT):
        moved, span = value - kr.start, kr.target - kr.start
    return _rounded_share(moved, span)


def kr_score(kr: Measurable, progress: Decimal) -> Decimal:
    """The KR's score: its progress, unless a final score was set at cycle close."""
    final = kr.final_score
    return quantize(progress if final is None else final)


def weighted_mean(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    """The weighted mean of ``(value, weight)`` pairs; ``None`` when no weight is positive.

    Zero-weight pairs do not count. A negative weight is a programming error (input rules
    refuse them) and raises ``ValueError``. Used for objectives (over KR scores) and for the
    roll-ups of units, the company and members (over objective scores).
    """
    total_weight = ZERO
    weighted_sum = ZERO
    with localcontext(_EXACT):  # the products, their sum and the quotient, all exact
        for value, weight in pairs:
            if weight < ZERO:
                raise ValueError(f"negative weight {weight}")
            if weight == ZERO:
                continue
            total_weight += weight
            weighted_sum += value * weight
        if total_weight == ZERO:
            return None
        return quantize(weighted_sum / total_weight)


def objective_progress(scored: Sequence[tuple[Decimal, Decimal]]) -> Decimal | None:
    """The objective's progress from its KRs' ``(score, weight)`` pairs.

    ``None`` when the objective has no KRs or all their weights are 0: nothing to measure
    (the caller may then roll up from aligned objectives, if the objective asks to).
    """
    return weighted_mean(scored)


def grade(score: Decimal, settings: ScoringSettings) -> Grade:
    """Red below ``red_below``, yellow below ``yellow_below``, green from it."""
    if score < settings.red_below:
        return Grade.RED
    if score < settings.yellow_below:
        return Grade.YELLOW
    return Grade.GREEN


def expected_progress(start_date: date, end_date: date, at: date) -> Decimal:
    """The elapsed fraction of a cycle on day ``at``, in [0, 1].

    ``(at - start_date).days / (end_date - start_date).days``, clamped: 0 on or before the
    first day, 1 on or after the last. A one-day cycle (start == end) is 0 before its day
    and 1 from it. ``ValueError`` when the cycle ends before it starts.
    """
    if end_date < start_date:
        raise ValueError(f"the cycle ends ({end_date}) before it starts ({start_date})")
    if end_date == start_date:
        return quantize(ONE if at >= start_date else ZERO)
    elapsed = Decimal((at - start_date).days) / Decimal((end_date - start_date).days)
    return quantize(_clamp01(elapsed))


def track_status(progress: Decimal, expected: Decimal, settings: ScoringSettings) -> TrackStatus:
    """On track when progress >= expected - on_track_margin; at risk when >= expected -
    at_risk_margin; else off track."""
    if progress >= expected - settings.on_track_margin:
        return TrackStatus.ON_TRACK
    if progress >= expected - settings.at_risk_margin:
        return TrackStatus.AT_RISK
    return TrackStatus.OFF_TRACK


def kr_track_status(
    kr: Measurable, progress: Decimal, expected: Decimal, settings: ScoringSettings
) -> TrackStatus:
    """A KR's status: ``scored`` once it has a final score, else ``track_status``."""
    if kr.final_score is not None:
        return TrackStatus.SCORED
    return track_status(progress, expected, settings)


def rolled_up_progress(
    own: Mapping[UUID, Decimal | None],
    children: Mapping[UUID, Sequence[UUID]],
    rolls_up: Container[UUID],
) -> dict[UUID, Decimal | None]:
    """Each objective's progress, rolling up where it asks to (DOMAIN.md "Scoring").

    ``own`` is each objective's progress from its KRs (``None``: no KRs to measure);
    ``children`` lists the objectives aligned to each one. An objective in ``rolls_up``
    whose own progress is ``None`` takes the mean of its children's progress (children
    without any progress do not count), recursively: a roll-up child first rolls up from
    its own children. Children outside ``own`` do not count. A loop in the stored graph
    (there should be none) counts nothing twice and cannot hang the walk.
    """
    result: dict[UUID, Decimal | None] = {}
    for start in own:
        if start in result:
            continue
        # Depth-first, children before parents, without recursion.
        stack: list[tuple[UUID, bool]] = [(start, False)]
        on_path: set[UUID] = set()
        while stack:
            objective_id, expanded = stack.pop()
            if objective_id in result:
                continue
            progress = own[objective_id]
            if progress is not None or objective_id not in rolls_up:
                result[objective_id] = progress
                continue
            below = [c for c in children.get(objective_id, ()) if c in own]
            if not expanded:
                on_path.add(objective_id)
                stack.append((objective_id, True))
                stack.extend((c, False) for c in below if c not in result and c not in on_path)
                continue
            on_path.discard(objective_id)
            result[objective_id] = weighted_mean(
                (p, ONE) for c in below if (p := result.get(c)) is not None
            )
    return result


def share(part: int, whole: int) -> Decimal | None:
    """``part / whole`` on the 0-1 scale (coverage, participation); ``None`` when whole is 0."""
    return quantize(Decimal(part) / Decimal(whole)) if whole else None
