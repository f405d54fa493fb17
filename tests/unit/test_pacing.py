"""domain/pacing.py: curves, presets, target schedules, expected progress, learned pacing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.errors import RuleViolation
from domain.okrs import MetricKind
from domain.organizations import ScoringSettings
from domain.pacing import (
    BACK_LOADED,
    FRONT_LOADED,
    LINEAR,
    CurveKind,
    CurvePoint,
    PacingCurve,
    PacingPeer,
    ProgressHistory,
    ScheduledValue,
    comparable,
    custom_curve,
    expected_progress,
    learn_curve,
    learning_cycles,
    preset,
    schedule_curve,
)
from domain.quotas import UnitOfMeasure
from domain.scoring import TrackStatus, track_status

D = Decimal
Q_START = date(2026, 1, 1)
Q_END = date(2026, 3, 31)  # 89 days from start to end


def codes(error: RuleViolation) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in error.errors}


@pytest.mark.parametrize(
    ("curve", "t", "expected"),
    [
        (LINEAR, "0", "0.0000"),
        (LINEAR, "0.37", "0.3700"),
        (LINEAR, "1", "1.0000"),
        (BACK_LOADED, "0.5", "0.3500"),
        (BACK_LOADED, "0.25", "0.1500"),  # 0.2 x 0.25 / (1/3)
        (BACK_LOADED, "0.75", "0.6250"),  # 0.5 + (0.75 - 2/3) x 1.5
        (FRONT_LOADED, "0.5", "0.6500"),  # 0.5 + (0.5 - 1/3) x 0.9
        (FRONT_LOADED, "0.9", "0.9400"),
    ],
)
def test_expected_progress_interpolates_between_points(
    curve: PacingCurve, t: str, expected: str
) -> None:
    assert expected_progress(curve, D(t)) == D(expected)


def test_expected_progress_clamps_outside_the_cycle() -> None:
    assert expected_progress(BACK_LOADED, D("-0.2")) == D(0)
    assert expected_progress(BACK_LOADED, D("1.5")) == D(1)


def test_preset_knots_hit_their_split_exactly() -> None:
    one_third = D(1) / D(3)
    assert expected_progress(BACK_LOADED, one_third) == D("0.2000")
    assert expected_progress(BACK_LOADED, 2 * one_third) == D("0.5000")
    assert preset(CurveKind.BACK_LOADED) is BACK_LOADED
    with pytest.raises(KeyError):
        preset(CurveKind.CUSTOM)


def test_back_loaded_reads_on_track_where_the_straight_line_reads_at_risk() -> None:
    settings = ScoringSettings()
    progress, t = D("0.30"), D("0.5")
    assert track_status(progress, expected_progress(LINEAR, t), settings) is TrackStatus.AT_RISK
    assert (
        track_status(progress, expected_progress(BACK_LOADED, t), settings) is TrackStatus.ON_TRACK
    )


def test_custom_curve_keeps_its_points() -> None:
    curve = custom_curve([(D(0), D(0)), (D("0.5"), D("0.1")), (D(1), D(1))])
    assert curve.kind is CurveKind.CUSTOM
    assert expected_progress(curve, D("0.25")) == D("0.0500")
    assert expected_progress(curve, D("0.75")) == D("0.5500")


@pytest.mark.parametrize(
    ("points", "error"),
    [
        ([(D("0.1"), D(0)), (D(1), D(1))], ("pacing.points[0]", "curve_start")),
        ([(D(0), D("0.1")), (D(1), D(1))], ("pacing.points[0]", "curve_start")),
        ([(D(0), D(0)), (D("0.9"), D(1))], ("pacing.points[1]", "curve_end")),
        ([(D(0), D(0)), (D(1), D("0.9"))], ("pacing.points[1]", "curve_end")),
        (
            [(D(0), D(0)), (D("0.5"), D("0.6")), (D("0.5"), D("0.7")), (D(1), D(1))],
            ("pacing.points[2].t", "not_increasing"),
        ),
        (
            [(D(0), D(0)), (D("0.7"), D("0.6")), (D("0.5"), D("0.7")), (D(1), D(1))],
            ("pacing.points[2].t", "not_increasing"),
        ),
        (
            [(D(0), D(0)), (D("0.4"), D("0.6")), (D("0.5"), D("0.5")), (D(1), D(1))],
            ("pacing.points[2].p", "decreasing"),
        ),
        (
            [(D(0), D(0)), (D("0.4"), D("1.2")), (D(1), D(1))],
            ("pacing.points[1].p", "out_of_range"),
        ),
        (
            [(D(0), D(0)), (D("-0.5"), D("0.2")), (D(1), D(1))],
            ("pacing.points[1].t", "out_of_range"),
        ),
        ([(D(0), D(0))], ("pacing.points", "too_few_points")),
        ([], ("pacing.points", "too_few_points")),
    ],
)
def test_invalid_custom_points_are_refused_with_their_field(
    points: list[tuple[Decimal, Decimal]], error: tuple[str, str]
) -> None:
    with pytest.raises(RuleViolation) as caught:
        custom_curve(points)
    assert caught.value.code == "validation_failed"
    assert error in codes(caught.value)


def test_too_many_points_are_refused() -> None:
    steps = 101
    points = [(D(k) / D(steps - 1), D(k) / D(steps - 1)) for k in range(steps)]
    with pytest.raises(RuleViolation) as caught:
        custom_curve(points)
    assert ("pacing.points", "too_many_points") in codes(caught.value)


def test_a_curve_cannot_be_built_invalid_directly() -> None:
    with pytest.raises(RuleViolation) as caught:
        PacingCurve(kind=CurveKind.CUSTOM, points=(CurvePoint(D(0), D(0)), CurvePoint(D(1), D(0))))
    assert ("points[1]", "curve_end") in codes(caught.value)


# --- target schedule ---------------------------------------------------------------------

MONTH_ENDS = (date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31))


def test_schedule_of_month_end_quotas_becomes_points() -> None:
    curve = schedule_curve(
        [
            ScheduledValue(on, D(v))
            for on, v in zip(MONTH_ENDS, (600_000, 1_500_000, 3_000_000), strict=True)
        ],
        start=D(0),
        target=D(3_000_000),
        start_date=Q_START,
        end_date=Q_END,
    )
    assert curve.kind is CurveKind.SCHEDULE
    assert [(p.t, p.p) for p in curve.points] == [
        (D(0), D(0)),
        (D("0.3371"), D("0.2")),  # day 30 of 89
        (D("0.6517"), D("0.5")),  # day 58 of 89
        (D(1), D(1)),
    ]
    # On a scheduled date the KR is expected exactly at its scheduled share.
    assert expected_progress(curve, D("0.3371")) == D("0.2000")


def test_schedule_of_a_decrease_kr_counts_from_start_towards_target() -> None:
    # Sales cycle from 60 days down to 30: 50 by end of January, 40 by end of February.
    curve = schedule_curve(
        [ScheduledValue(MONTH_ENDS[0], D(50)), ScheduledValue(MONTH_ENDS[1], D(40))],
        start=D(60),
        target=D(30),
        start_date=Q_START,
        end_date=Q_END,
    )
    assert [p.p for p in curve.points][1:3] == [D(10) / D(30), D(20) / D(30)]
    assert curve.points[-1] == CurvePoint(D(1), D(1))


def test_schedule_entries_are_sorted_by_date() -> None:
    entries = [ScheduledValue(MONTH_ENDS[1], D(50)), ScheduledValue(MONTH_ENDS[0], D(20))]
    curve = schedule_curve(entries, start=D(0), target=D(100), start_date=Q_START, end_date=Q_END)
    assert [p.p for p in curve.points] == [D(0), D("0.2"), D("0.5"), D(1)]


def schedule_error(
    entries: list[ScheduledValue], start: str = "0", target: str = "100"
) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolation) as caught:
        schedule_curve(
            entries, start=D(start), target=D(target), start_date=Q_START, end_date=Q_END
        )
    assert caught.value.code == "validation_failed"
    return codes(caught.value)


def test_schedule_refusals() -> None:
    assert ("pacing.schedule", "no_range") in schedule_error(
        [ScheduledValue(MONTH_ENDS[0], D(5))], start="5", target="5"
    )
    assert ("pacing.schedule", "empty") in schedule_error([])
    assert ("pacing.schedule[0].on", "outside_cycle") in schedule_error(
        [ScheduledValue(date(2026, 4, 1), D(50))]
    )
    assert ("pacing.schedule[1].on", "duplicate_date") in schedule_error(
        [ScheduledValue(MONTH_ENDS[0], D(20)), ScheduledValue(MONTH_ENDS[0], D(30))]
    )
    # Values must not go back towards the start.
    assert ("pacing.schedule[1].value", "decreasing") in schedule_error(
        [ScheduledValue(MONTH_ENDS[0], D(50)), ScheduledValue(MONTH_ENDS[1], D(40))]
    )
    # Beyond the target, and a last-day value that is not the target.
    assert ("pacing.schedule[0].value", "out_of_range") in schedule_error(
        [ScheduledValue(MONTH_ENDS[0], D(150))]
    )
    assert ("pacing.schedule[0].value", "curve_end") in schedule_error(
        [ScheduledValue(Q_END, D(90))]
    )
    # A decrease KR whose schedule moves the wrong way.
    assert ("pacing.schedule[0].value", "out_of_range") in schedule_error(
        [ScheduledValue(MONTH_ENDS[0], D(70))], start="60", target="30"
    )


def test_schedule_on_the_first_day_must_schedule_the_start() -> None:
    assert ("pacing.schedule[0].value", "curve_start") in schedule_error(
        [ScheduledValue(Q_START, D(10))]
    )
    curve = schedule_curve(
        [ScheduledValue(Q_START, D(0)), ScheduledValue(MONTH_ENDS[0], D(20))],
        start=D(0),
        target=D(100),
        start_date=Q_START,
        end_date=Q_END,
    )
    assert len(curve.points) == 3


# --- learned pacing ----------------------------------------------------------------------


def history(final: str, *series: tuple[str, str]) -> ProgressHistory:
    return ProgressHistory(series=tuple((D(t), D(p)) for t, p in series), final_progress=D(final))


def test_fewer_than_three_krs_fall_back_to_the_default() -> None:
    choice = learn_curve([history("1", ("0.5", "0.5")), history("1", ("0.5", "0.5"))], BACK_LOADED)
    assert choice.curve is BACK_LOADED
    assert choice.used is CurveKind.BACK_LOADED
    assert choice.from_krs == 2


def test_krs_without_final_progress_do_not_count() -> None:
    histories = [history("1", ("0.5", "0.5"))] * 2 + [history("0", ("0.5", "0"))] * 3
    choice = learn_curve(histories, LINEAR)
    assert choice.used is CurveKind.LINEAR
    assert choice.from_krs == 2


def test_learned_curve_is_the_median_share_of_the_final_at_each_grid_point() -> None:
    # Three quarters that close late: the median KR had 1/4 of its final at mid-quarter.
    histories = [
        history("0.8", ("0.5", "0.1"), ("1", "0.8")),  # 0.125 of final at 0.5
        history("1", ("0.5", "0.25"), ("0.9", "1")),  # 0.25
        history("0.5", ("0.4", "0.25"), ("1", "0.5")),  # 0.5 from t = 0.4
    ]
    choice = learn_curve(histories, LINEAR)
    assert choice.used is CurveKind.LEARNED
    assert choice.from_krs == 3
    p = {point.t: point.p for point in choice.curve.points}
    grid = [point.t for point in choice.curve.points]
    assert len(grid) == 13
    assert grid[6] == D("0.5")
    assert p[grid[0]] == 0
    assert p[grid[4]] == 0  # t = 1/3: only the third KR has checked in (median of 0, 0, 0.5)
    assert p[grid[5]] == D("0")  # t = 5/12 ≈ 0.4167: 0, 0, 0.5
    assert p[grid[6]] == D("0.25")  # 0.125, 0.25, 0.5
    assert p[grid[11]] == D("0.5")  # t = 11/12: 0.125, 1, 0.5
    assert p[grid[12]] == 1


def test_learned_curve_takes_the_running_maximum_and_caps_at_one() -> None:
    # Progress that went above the final and fell back: the curve never falls, never passes 1.
    histories = [history("0.5", ("0.25", "0.6"), ("0.5", "0.2"), ("1", "0.5"))] * 3
    p = [point.p for point in learn_curve(histories, LINEAR).curve.points]
    assert p[3] == 1  # 0.6 / 0.5 capped
    assert p[6] == 1  # 0.2 / 0.5 = 0.4, but the running maximum holds 1
    assert p == sorted(p)


def test_learned_curve_starts_at_zero_even_with_a_value_carried_in() -> None:
    histories = [history("1", ("0", "0.3"), ("1", "1"))] * 3
    p = [point.p for point in learn_curve(histories, LINEAR).curve.points]
    assert p[0] == 0
    assert p[1] == D("0.3")


def test_median_of_an_even_number_of_krs_is_the_mean_of_the_middle_two() -> None:
    histories = [history("1", ("0.5", v), ("1", "1")) for v in ("0.1", "0.2", "0.4", "0.9")]
    p = {point.t: point.p for point in learn_curve(histories, LINEAR).curve.points}
    assert p[D("0.5")] == D("0.3")


def peer(
    kpi: UUID | None = None, unit: UUID | None = None, measure: str = "customers"
) -> PacingPeer:
    return PacingPeer(
        kpi_id=kpi,
        unit_id=unit,
        measure=UnitOfMeasure(MetricKind.NUMBER, measure, None),
    )


def test_comparable_krs_follow_the_same_kpi_or_share_unit_and_measure() -> None:
    kpi, sales, marketing = uuid4(), uuid4(), uuid4()
    reference = peer(kpi=kpi, unit=sales)
    assert comparable(peer(kpi=kpi, unit=marketing, measure="leads"), reference)
    assert comparable(peer(unit=sales), reference)
    assert not comparable(peer(unit=sales, measure="deals"), reference)
    assert not comparable(peer(unit=marketing), reference)
    assert not comparable(peer(), peer())  # no KPI and no unit: nothing in common
    assert not comparable(peer(kpi=uuid4(), unit=marketing), reference)


def test_learning_cycles_are_the_last_four_closed() -> None:
    cycles = [(uuid4(), date(2025, month, 28)) for month in (3, 12, 6, 9, 1, 11)]
    chosen = learning_cycles(cycles)
    assert chosen == [cycles[1][0], cycles[5][0], cycles[3][0], cycles[2][0]]
    assert learning_cycles(cycles[:2]) == [cycles[1][0], cycles[0][0]]
