"""Unit tests of domain/scoring.py: KR progress and score, means, grades, expected progress
and track status, with the revenue-team worked example (DOMAIN.md, 002) computed by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.okrs import Direction, KeyResult, MetricKind, Milestone, ObjectiveStatus
from domain.organizations import ScoringSettings
from domain.scoring import (
    Grade,
    TrackStatus,
    counts_in_figures,
    expected_progress,
    grade,
    kr_progress,
    kr_score,
    objective_progress,
    quantize,
    track_status,
    weighted_mean,
)

D = Decimal
NOW = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
SETTINGS = ScoringSettings()


def make_kr(
    *,
    start: str = "0",
    target: str = "10",
    direction: Direction = Direction.INCREASE,
    kind: MetricKind = MetricKind.NUMBER,
    milestones: tuple[Milestone, ...] = (),
    weight: str = "1",
    final_score: str | None = None,
    currency: str | None = None,
    title: str = "a key result",
) -> KeyResult:
    return KeyResult(
        id=uuid4(),
        organization_id=uuid4(),
        objective_id=uuid4(),
        title=title,
        owner_id=uuid4(),
        metric_kind=kind,
        unit=None,
        currency=currency,
        start=D(start),
        target=D(target),
        direction=direction,
        weight=D(weight),
        due_date=date(2026, 3, 31),
        confidence=None,
        milestones=milestones,
        final_score=None if final_score is None else D(final_score),
        final_score_reason=None if final_score is None else "closed by the review",
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def milestone(weight: str, title: str = "step") -> Milestone:
    return Milestone(id=uuid4(), title=title, weight=D(weight))


# --- quantize ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.12345", "0.1234"),  # half to even: down to the even 4
        ("0.12355", "0.1236"),  # half to even: up to the even 6
        ("0.123451", "0.1235"),  # above half
        ("0.6", "0.6000"),
        ("1", "1.0000"),
        ("0", "0.0000"),
    ],
)
def test_quantize_rounds_half_even_to_four_places(raw: str, expected: str) -> None:
    result = quantize(D(raw))
    assert result == D(expected)
    assert str(result) == expected


# --- kr_progress: number, percent, currency ------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target", "current", "expected"),
    [
        ("0", "10", "0", "0"),
        ("0", "10", "6", "0.6"),
        ("0", "10", "10", "1"),
        ("0", "10", "15", "1"),  # clamped above 1
        ("0", "10", "-3", "0"),  # clamped below 0
        ("20", "80", "50", "0.5"),
        ("20", "80", "10", "0"),  # fell below the start
        ("0", "3", "1", "0.3333"),
        ("0", "3", "2", "0.6667"),
        ("-10", "10", "0", "0.5"),  # negative start
    ],
)
def test_increase_progress(start: str, target: str, current: str, expected: str) -> None:
    kr = make_kr(start=start, target=target)
    assert kr_progress(kr, current=D(current)) == D(expected)


@pytest.mark.parametrize(
    ("start", "target", "current", "expected"),
    [
        ("40", "36", "38", "0.5"),
        ("40", "36", "40", "0"),
        ("40", "36", "36", "1"),
        ("40", "36", "30", "1"),  # beat the target: clamped to 1
        ("40", "36", "45", "0"),  # got worse: clamped to 0
        ("100", "0", "25", "0.75"),
        ("24", "12", "21", "0.25"),
    ],
)
def test_decrease_progress(start: str, target: str, current: str, expected: str) -> None:
    kr = make_kr(start=start, target=target, direction=Direction.DECREASE)
    assert kr_progress(kr, current=D(current)) == D(expected)


@pytest.mark.parametrize("kind", [MetricKind.NUMBER, MetricKind.PERCENT, MetricKind.CURRENCY])
def test_every_numeric_kind_uses_the_same_formula(kind: MetricKind) -> None:
    kr = make_kr(start="50", target="60", kind=kind, currency="CNY" if kind == "currency" else None)
    assert kr_progress(kr, current=D("57.5")) == D("0.75")


@pytest.mark.parametrize(
    ("direction", "current", "expected"),
    [
        (Direction.INCREASE, "5", "1"),  # met exactly
        (Direction.INCREASE, "7", "1"),  # beaten
        (Direction.INCREASE, "4.99", "0"),  # missed
        (Direction.DECREASE, "5", "1"),  # met exactly
        (Direction.DECREASE, "3", "1"),  # beaten
        (Direction.DECREASE, "5.01", "0"),  # missed
    ],
)
def test_target_equal_to_start_is_all_or_nothing(
    direction: Direction, current: str, expected: str
) -> None:
    kr = make_kr(start="5", target="5", direction=direction)
    assert kr_progress(kr, current=D(current)) == D(expected)


def test_no_check_in_yet_stands_at_the_start() -> None:
    assert kr_progress(make_kr(start="0", target="10"), current=None) == 0
    assert (
        kr_progress(make_kr(start="40", target="36", direction=Direction.DECREASE), current=None)
        == 0
    )
    # "keep it at 5" is met before anyone reports, for both directions
    assert kr_progress(make_kr(start="5", target="5"), current=None) == 1
    kr = make_kr(start="5", target="5", direction=Direction.DECREASE)
    assert kr_progress(kr, current=None) == 1


def test_progress_is_quantized_to_four_places() -> None:
    kr = make_kr(start="0", target="7")
    result = kr_progress(kr, current=D(1))
    assert result == D("0.1429")
    assert result.as_tuple().exponent == -4


def test_numeric_progress_ignores_milestones_done() -> None:
    kr = make_kr(start="0", target="10")
    assert kr_progress(kr, current=D(2), milestones_done=frozenset({uuid4()})) == D("0.2")


# --- kr_progress: boolean ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "expected"),
    [(None, "0"), ("0", "0"), ("1", "1"), ("0.99", "0"), ("2", "1")],
)
def test_boolean_progress_is_zero_or_one(current: str | None, expected: str) -> None:
    kr = make_kr(start="0", target="1", kind=MetricKind.BOOLEAN)
    value = None if current is None else D(current)
    assert kr_progress(kr, current=value) == D(expected)


# --- kr_progress: milestones ---------------------------------------------------------------


def test_milestones_progress_is_the_done_share_of_the_weights() -> None:
    a, b, c = milestone("1"), milestone("2"), milestone("1")
    kr = make_kr(kind=MetricKind.MILESTONES, milestones=(a, b, c))
    assert kr_progress(kr, current=None) == 0
    assert kr_progress(kr, current=None, milestones_done=frozenset({a.id})) == D("0.25")
    assert kr_progress(kr, current=None, milestones_done=frozenset({b.id})) == D("0.5")
    assert kr_progress(kr, current=None, milestones_done=frozenset({a.id, b.id})) == D("0.75")
    everything = frozenset({a.id, b.id, c.id})
    assert kr_progress(kr, current=None, milestones_done=everything) == 1


def test_milestones_with_equal_weights_count_equally() -> None:
    steps = tuple(milestone("1") for _ in range(3))
    kr = make_kr(kind=MetricKind.MILESTONES, milestones=steps)
    assert kr_progress(kr, current=None, milestones_done=frozenset({steps[0].id})) == D("0.3333")


def test_milestones_progress_ignores_current_and_unknown_ids() -> None:
    a, b = milestone("1"), milestone("1")
    kr = make_kr(kind=MetricKind.MILESTONES, milestones=(a, b))
    done = frozenset({a.id, uuid4()})
    assert kr_progress(kr, current=D(100), milestones_done=done) == D("0.5")


def test_milestones_with_zero_total_weight_have_no_progress() -> None:
    a, b = milestone("0"), milestone("0")
    kr = make_kr(kind=MetricKind.MILESTONES, milestones=(a, b))
    assert kr_progress(kr, current=None, milestones_done=frozenset({a.id, b.id})) == 0


def test_milestones_kr_without_milestones_has_no_progress() -> None:
    kr = make_kr(kind=MetricKind.MILESTONES, milestones=())
    assert kr_progress(kr, current=None) == 0


def test_a_zero_weight_milestone_adds_nothing() -> None:
    a, free = milestone("2"), milestone("0")
    kr = make_kr(kind=MetricKind.MILESTONES, milestones=(a, free))
    assert kr_progress(kr, current=None, milestones_done=frozenset({free.id})) == 0
    assert kr_progress(kr, current=None, milestones_done=frozenset({a.id})) == 1


# --- kr_score ------------------------------------------------------------------------------


def test_score_is_progress_without_a_final_score() -> None:
    kr = make_kr()
    assert kr_score(kr, D("0.6")) == D("0.6")


@pytest.mark.parametrize("final", ["0", "0.3", "1"])
def test_final_score_overrides_progress(final: str) -> None:
    kr = make_kr(final_score=final)
    assert kr_score(kr, D("0.8")) == D(final)
    assert kr_score(kr, kr_progress(kr, current=D(10))) == D(final)


def test_score_is_quantized() -> None:
    assert kr_score(make_kr(final_score="0.33335"), D(0)) == D("0.3334")
    assert str(kr_score(make_kr(), D("0.5"))) == "0.5000"


# --- weighted_mean / objective_progress ----------------------------------------------------


def test_objective_progress_of_equal_weights_is_the_plain_mean() -> None:
    assert objective_progress([(D("0.6"), D(1)), (D("0.5"), D(1))]) == D("0.55")


def test_objective_progress_weighs_the_scores() -> None:
    # (1 * 3 + 0 * 1) / 4
    assert objective_progress([(D(1), D(3)), (D(0), D(1))]) == D("0.75")
    assert objective_progress([(D("0.2"), D("0.5")), (D("0.8"), D("1.5"))]) == D("0.65")


def test_objective_with_no_krs_has_no_progress() -> None:
    assert objective_progress([]) is None


def test_objective_whose_krs_all_weigh_zero_has_no_progress() -> None:
    assert objective_progress([(D("0.9"), D(0)), (D("0.1"), D(0))]) is None


def test_zero_weight_krs_do_not_count() -> None:
    assert objective_progress([(D("0.8"), D(1)), (D(0), D(0))]) == D("0.8")


def test_single_kr_objective_takes_its_score() -> None:
    assert objective_progress([(D("0.37"), D(2))]) == D("0.37")


def test_mean_is_quantized_half_even() -> None:
    assert weighted_mean([(D(1), D(1)), (D(0), D(1)), (D(0), D(1))]) == D("0.3333")
    assert weighted_mean([(D("0.0001"), D(1)), (D(0), D(1))]) == D("0.0000")  # 0.00005
    assert weighted_mean([(D("0.0003"), D(1)), (D(0), D(1))]) == D("0.0002")  # 0.00015


def test_weighted_mean_accepts_any_iterable() -> None:
    pairs = ((D(i) / 10, D(1)) for i in range(5))
    assert weighted_mean(pairs) == D("0.2")


def test_weighted_mean_refuses_a_negative_weight() -> None:
    with pytest.raises(ValueError, match="negative weight"):
        weighted_mean([(D("0.5"), D(1)), (D("0.5"), D(-1))])


# --- grade ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ("0", Grade.RED),
        ("0.3999", Grade.RED),
        ("0.4", Grade.YELLOW),  # exactly at red_below: no longer red
        ("0.4000", Grade.YELLOW),
        ("0.6999", Grade.YELLOW),
        ("0.7", Grade.GREEN),  # exactly at yellow_below: green
        ("0.7000", Grade.GREEN),
        ("1", Grade.GREEN),
    ],
)
def test_grade_boundaries(score: str, expected: Grade) -> None:
    assert grade(D(score), SETTINGS) is expected


def test_grade_follows_the_organization_settings() -> None:
    strict = ScoringSettings(red_below=D("0.5"), yellow_below=D("0.9"))
    assert grade(D("0.45"), strict) is Grade.RED
    assert grade(D("0.5"), strict) is Grade.YELLOW
    assert grade(D("0.85"), strict) is Grade.YELLOW
    assert grade(D("0.9"), strict) is Grade.GREEN


def test_grade_values_are_stable_strings() -> None:
    assert [g.value for g in Grade] == ["red", "yellow", "green"]


# --- expected_progress ---------------------------------------------------------------------

Q1_START, Q1_END = date(2026, 1, 1), date(2026, 3, 31)  # 89 days from start to end


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (date(2025, 12, 1), "0"),  # before the cycle
        (date(2025, 12, 31), "0"),  # the day before
        (Q1_START, "0"),  # the first day
        (date(2026, 1, 2), "0.0112"),  # 1 / 89
        (date(2026, 2, 15), "0.5056"),  # 45 / 89
        (date(2026, 3, 30), "0.9888"),  # 88 / 89
        (Q1_END, "1"),  # the last day
        (date(2026, 4, 1), "1"),  # the day after
        (date(2027, 1, 1), "1"),  # long after
    ],
)
def test_expected_progress_is_the_elapsed_fraction(at: date, expected: str) -> None:
    assert expected_progress(Q1_START, Q1_END, at) == D(expected)


def test_expected_progress_of_a_two_day_cycle() -> None:
    start, end = date(2026, 5, 1), date(2026, 5, 3)
    assert expected_progress(start, end, date(2026, 5, 2)) == D("0.5")


@pytest.mark.parametrize(
    ("at", "expected"),
    [(date(2026, 4, 30), "0"), (date(2026, 5, 1), "1"), (date(2026, 5, 2), "1")],
)
def test_expected_progress_of_a_one_day_cycle(at: date, expected: str) -> None:
    day = date(2026, 5, 1)
    assert expected_progress(day, day, at) == D(expected)


def test_expected_progress_refuses_a_cycle_that_ends_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        expected_progress(date(2026, 2, 1), date(2026, 1, 1), date(2026, 1, 15))


def test_expected_progress_is_quantized() -> None:
    result = expected_progress(Q1_START, Q1_END, date(2026, 1, 2))
    assert result.as_tuple().exponent == -4


# --- track_status --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("progress", "expected_value", "status"),
    [
        ("0.5", "0.5", TrackStatus.ON_TRACK),
        ("0.9", "0.5", TrackStatus.ON_TRACK),  # ahead
        ("0.4", "0.5", TrackStatus.ON_TRACK),  # exactly expected - 0.1
        ("0.3999", "0.5", TrackStatus.AT_RISK),
        ("0.25", "0.5", TrackStatus.AT_RISK),  # exactly expected - 0.25
        ("0.2499", "0.5", TrackStatus.OFF_TRACK),
        ("0", "0.5", TrackStatus.OFF_TRACK),
        ("0", "0", TrackStatus.ON_TRACK),  # the cycle has not started
        ("0", "0.1", TrackStatus.ON_TRACK),
        ("0", "0.1001", TrackStatus.AT_RISK),
        ("0", "0.25", TrackStatus.AT_RISK),
        ("0", "0.2501", TrackStatus.OFF_TRACK),
        ("0.9", "1", TrackStatus.ON_TRACK),
        ("0.8999", "1", TrackStatus.AT_RISK),
        ("0.75", "1", TrackStatus.AT_RISK),
        ("0.7499", "1", TrackStatus.OFF_TRACK),
    ],
)
def test_track_status_boundaries(progress: str, expected_value: str, status: TrackStatus) -> None:
    assert track_status(D(progress), D(expected_value), SETTINGS) is status


def test_track_status_follows_the_organization_settings() -> None:
    tight = ScoringSettings(on_track_margin=D(0), at_risk_margin=D("0.05"))
    assert track_status(D("0.5"), D("0.5"), tight) is TrackStatus.ON_TRACK
    assert track_status(D("0.4999"), D("0.5"), tight) is TrackStatus.AT_RISK
    assert track_status(D("0.45"), D("0.5"), tight) is TrackStatus.AT_RISK
    assert track_status(D("0.4499"), D("0.5"), tight) is TrackStatus.OFF_TRACK


def test_track_status_values_are_stable_strings() -> None:
    assert [s.value for s in TrackStatus] == ["on_track", "at_risk", "off_track", "scored"]


# --- worked example: the revenue team (DOMAIN.md, 002) -------------------------------------


def score_of(kr: KeyResult, current: str) -> tuple[Decimal, Decimal]:
    return kr_score(kr, kr_progress(kr, current=D(current))), kr.weight


def test_revenue_team_increase_sales_by_ten_percent() -> None:
    """O "Increase sales by 10%": sell to 10 new customers; deal value +20%; sales cycle -10%.

    By hand: new customers 6 of 10 -> 0.6; average deal value from 50,000 to 60,000 CNY,
    now 53,000 -> 3,000 / 10,000 = 0.3; sales cycle from 40 to 36 days, now 38 ->
    (38 - 40) / (36 - 40) = 0.5. Objective: (0.6 + 0.3 + 0.5) / 3 = 0.4666... -> 0.4667,
    yellow. Half way through Q1 (expected 0.5056) it is on track (>= 0.4056).
    """
    new_customers = make_kr(start="0", target="10", title="sell to 10 new customers")
    deal_value = make_kr(
        start="50000",
        target="60000",
        kind=MetricKind.CURRENCY,
        currency="CNY",
        title="average deal value +20%",
    )
    sales_cycle = make_kr(
        start="40", target="36", direction=Direction.DECREASE, title="sales cycle -10%"
    )

    assert kr_progress(new_customers, current=D(6)) == D("0.6")
    assert kr_progress(deal_value, current=D(53000)) == D("0.3")
    assert kr_progress(sales_cycle, current=D(38)) == D("0.5")

    scored = [
        score_of(new_customers, "6"),
        score_of(deal_value, "53000"),
        score_of(sales_cycle, "38"),
    ]
    progress = objective_progress(scored)
    assert progress == D("0.4667")
    assert progress is not None
    assert grade(progress, SETTINGS) is Grade.YELLOW
    expected = expected_progress(Q1_START, Q1_END, date(2026, 2, 15))
    assert track_status(progress, expected, SETTINGS) is TrackStatus.ON_TRACK
    assert track_status(progress, D("0.6"), SETTINGS) is TrackStatus.AT_RISK


def test_revenue_team_weighted_when_new_customers_count_double() -> None:
    new_customers = make_kr(start="0", target="10", weight="2")
    deal_value = make_kr(start="50000", target="60000")
    sales_cycle = make_kr(start="40", target="36", direction=Direction.DECREASE)
    scored = [
        score_of(new_customers, "6"),
        score_of(deal_value, "53000"),
        score_of(sales_cycle, "38"),
    ]
    # (0.6 * 2 + 0.3 + 0.5) / 4 = 2.0 / 4
    assert objective_progress(scored) == D("0.5")


def test_revenue_team_reduce_churn_by_two_percent() -> None:
    """O "Reduce churn by 2%": satisfaction +5%; retain 92% of customers; support -8%.

    By hand: satisfaction score from 80 to 84, now 85 -> clamped to 1; retention from 88%
    to 92%, now 90% -> 0.5; support requests from 100 to 92 a week, now 96 -> 0.5.
    Objective: 2 / 3 = 0.6667, yellow. Closing the cycle with a final score of 0.8 on
    retention makes it (1 + 0.8 + 0.5) / 3 = 0.7667, green.
    """
    satisfaction = make_kr(start="80", target="84")
    retention = make_kr(start="88", target="92", kind=MetricKind.PERCENT)
    support = make_kr(start="100", target="92", direction=Direction.DECREASE)
    scored = [score_of(satisfaction, "85"), score_of(retention, "90"), score_of(support, "96")]
    assert [s for s, _ in scored] == [D(1), D("0.5"), D("0.5")]
    progress = objective_progress(scored)
    assert progress == D("0.6667")
    assert progress is not None
    assert grade(progress, SETTINGS) is Grade.YELLOW

    closed = replace(retention, final_score=D("0.8"), final_score_reason="agreed at review")
    scored[1] = score_of(closed, "90")
    final = objective_progress(scored)
    assert final == D("0.7667")
    assert final is not None
    assert grade(final, SETTINGS) is Grade.GREEN


@pytest.mark.parametrize(
    ("status", "counts"),
    [
        (ObjectiveStatus.DRAFT, False),
        (ObjectiveStatus.ACTIVE, True),
        (ObjectiveStatus.CLOSED, True),
        (ObjectiveStatus.ARCHIVED, False),
    ],
)
def test_drafts_and_archived_objectives_count_in_no_figure(
    status: ObjectiveStatus, counts: bool
) -> None:
    assert counts_in_figures(status) is counts
