"""Property tests of domain/scoring.py: bounds, monotonicity and the laws of the mean."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from hypothesis import assume, given
from hypothesis import strategies as st

from domain.okrs import Direction, KeyResult, MetricKind, Milestone
from domain.organizations import ScoringSettings
from domain.scoring import (
    Grade,
    TrackStatus,
    expected_progress,
    grade,
    kr_progress,
    objective_progress,
    quantize,
    track_status,
    weighted_mean,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SETTINGS = ScoringSettings()

values = st.decimals(
    min_value=Decimal("-1000000"),
    max_value=Decimal("1000000"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)
scores = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
weights = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
positive_weights = weights.filter(lambda w: w > 0)
factors = st.decimals(
    min_value=Decimal("0.01"), max_value=100, places=2, allow_nan=False, allow_infinity=False
)
directions = st.sampled_from(Direction)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


def make_kr(
    *,
    start: Decimal,
    target: Decimal,
    direction: Direction,
    kind: MetricKind = MetricKind.NUMBER,
    milestones: tuple[Milestone, ...] = (),
) -> KeyResult:
    return KeyResult(
        id=uuid4(),
        organization_id=uuid4(),
        objective_id=uuid4(),
        title="kr",
        owner_id=uuid4(),
        metric_kind=kind,
        unit=None,
        currency=None,
        start=start,
        target=target,
        direction=direction,
        weight=Decimal(1),
        due_date=date(2026, 3, 31),
        confidence=None,
        milestones=milestones,
        final_score=None,
        final_score_reason=None,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def in_unit_interval(value: Decimal) -> bool:
    return Decimal(0) <= value <= Decimal(1)


# --- progress is always in [0, 1] ----------------------------------------------------------


@given(
    start=values,
    target=values,
    direction=directions,
    kind=st.sampled_from([MetricKind.NUMBER, MetricKind.PERCENT, MetricKind.CURRENCY]),
    current=st.none() | values,
)
def test_numeric_progress_is_in_the_unit_interval(
    start: Decimal, target: Decimal, direction: Direction, kind: MetricKind, current: Decimal | None
) -> None:
    kr = make_kr(start=start, target=target, direction=direction, kind=kind)
    assert in_unit_interval(kr_progress(kr, current=current))


@given(current=st.none() | values)
def test_boolean_progress_is_zero_or_one(current: Decimal | None) -> None:
    kr = make_kr(
        start=Decimal(0), target=Decimal(1), direction=Direction.INCREASE, kind=MetricKind.BOOLEAN
    )
    assert kr_progress(kr, current=current) in {Decimal(0), Decimal(1)}


@given(data=st.data(), milestone_weights=st.lists(weights, max_size=8))
def test_milestones_progress_is_in_the_unit_interval(
    data: st.DataObject, milestone_weights: list[Decimal]
) -> None:
    milestones = tuple(Milestone(id=uuid4(), title="m", weight=w) for w in milestone_weights)
    done = data.draw(st.sets(st.sampled_from(milestones)) if milestones else st.just(set()))
    kr = make_kr(
        start=Decimal(0),
        target=Decimal(1),
        direction=Direction.INCREASE,
        kind=MetricKind.MILESTONES,
        milestones=milestones,
    )
    progress = kr_progress(kr, current=None, milestones_done=frozenset(m.id for m in done))
    assert in_unit_interval(progress)
    if done == set(milestones) and sum(milestone_weights) > 0:
        assert progress == 1


# --- monotonicity --------------------------------------------------------------------------


@given(start=values, target=values, a=values, b=values)
def test_increase_progress_never_falls_as_the_value_rises(
    start: Decimal, target: Decimal, a: Decimal, b: Decimal
) -> None:
    assume(target >= start)
    low, high = sorted((a, b))
    kr = make_kr(start=start, target=target, direction=Direction.INCREASE)
    assert kr_progress(kr, current=low) <= kr_progress(kr, current=high)


@given(start=values, target=values, a=values, b=values)
def test_decrease_progress_never_falls_as_the_value_drops(
    start: Decimal, target: Decimal, a: Decimal, b: Decimal
) -> None:
    assume(target <= start)
    low, high = sorted((a, b))
    kr = make_kr(start=start, target=target, direction=Direction.DECREASE)
    assert kr_progress(kr, current=low) >= kr_progress(kr, current=high)


@given(start=values, target=values, direction=directions)
def test_reaching_the_target_is_full_progress_and_the_start_none(
    start: Decimal, target: Decimal, direction: Direction
) -> None:
    kr = make_kr(start=start, target=target, direction=direction)
    assert kr_progress(kr, current=target) == 1
    if target != start:
        assert kr_progress(kr, current=start) == 0


@given(data=st.data(), milestone_weights=st.lists(weights, min_size=1, max_size=8))
def test_milestones_progress_never_falls_as_more_are_done(
    data: st.DataObject, milestone_weights: list[Decimal]
) -> None:
    milestones = tuple(Milestone(id=uuid4(), title="m", weight=w) for w in milestone_weights)
    ids = [m.id for m in milestones]
    fewer = data.draw(st.sets(st.sampled_from(ids)))
    more = fewer | data.draw(st.sets(st.sampled_from(ids)))
    kr = make_kr(
        start=Decimal(0),
        target=Decimal(1),
        direction=Direction.INCREASE,
        kind=MetricKind.MILESTONES,
        milestones=milestones,
    )
    before = kr_progress(kr, current=None, milestones_done=frozenset(fewer))
    after = kr_progress(kr, current=None, milestones_done=frozenset(more))
    assert before <= after


# --- laws of the weighted mean -------------------------------------------------------------

pairs_strategy = st.lists(st.tuples(scores, weights), max_size=12)


@given(pairs=pairs_strategy, factor=factors)
def test_scaling_every_weight_leaves_the_mean_unchanged(
    pairs: list[tuple[Decimal, Decimal]], factor: Decimal
) -> None:
    scaled = [(score, weight * factor) for score, weight in pairs]
    assert weighted_mean(scaled) == weighted_mean(pairs)


@given(pairs=pairs_strategy)
def test_the_mean_lies_between_the_lowest_and_highest_counted_score(
    pairs: list[tuple[Decimal, Decimal]],
) -> None:
    counted = [score for score, weight in pairs if weight > 0]
    mean = weighted_mean(pairs)
    if not counted:
        assert mean is None
        return
    assert mean is not None
    assert quantize(min(counted)) <= mean <= quantize(max(counted))


@given(pairs=pairs_strategy, data=st.data())
def test_the_mean_ignores_order_and_zero_weights(
    pairs: list[tuple[Decimal, Decimal]], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(pairs))
    extra = data.draw(st.lists(st.tuples(scores, st.just(Decimal(0))), max_size=3))
    assert weighted_mean([*shuffled, *extra]) == weighted_mean(pairs)
    assert objective_progress([*extra, *pairs]) == weighted_mean(pairs)


@given(score=scores, weight=positive_weights)
def test_the_mean_of_one_is_itself(score: Decimal, weight: Decimal) -> None:
    assert weighted_mean([(score, weight)]) == score


@given(score=scores, count=st.integers(min_value=1, max_value=10), weight=positive_weights)
def test_the_mean_of_equal_scores_is_that_score(
    score: Decimal, count: int, weight: Decimal
) -> None:
    assert weighted_mean([(score, weight)] * count) == score


# --- grades, expected progress, status -----------------------------------------------------


GRADE_ORDER = {Grade.RED: 0, Grade.YELLOW: 1, Grade.GREEN: 2}
STATUS_ORDER = {TrackStatus.OFF_TRACK: 0, TrackStatus.AT_RISK: 1, TrackStatus.ON_TRACK: 2}


@given(a=scores, b=scores)
def test_a_higher_score_never_gets_a_worse_grade(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert GRADE_ORDER[grade(low, SETTINGS)] <= GRADE_ORDER[grade(high, SETTINGS)]


@given(start=dates, length=st.integers(min_value=0, max_value=800), a=dates, b=dates)
def test_expected_progress_is_in_the_unit_interval_and_never_falls(
    start: date, length: int, a: date, b: date
) -> None:
    end = start + timedelta(days=length)
    early, late = sorted((a, b))
    before = expected_progress(start, end, early)
    after = expected_progress(start, end, late)
    assert in_unit_interval(before)
    assert in_unit_interval(after)
    assert before <= after


@given(a=scores, b=scores, expected=scores)
def test_more_progress_never_worsens_the_status(a: Decimal, b: Decimal, expected: Decimal) -> None:
    low, high = sorted((a, b))
    assert (
        STATUS_ORDER[track_status(low, expected, SETTINGS)]
        <= STATUS_ORDER[track_status(high, expected, SETTINGS)]
    )


@given(progress=scores, a=scores, b=scores)
def test_a_later_expectation_never_improves_the_status(
    progress: Decimal, a: Decimal, b: Decimal
) -> None:
    low, high = sorted((a, b))
    assert (
        STATUS_ORDER[track_status(progress, low, SETTINGS)]
        >= STATUS_ORDER[track_status(progress, high, SETTINGS)]
    )
