"""Property tests of domain/pacing.py: every curve is a valid pace, the linear curve is
today's straight line, and learning from identical histories gives back their curve."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.pacing import (
    BACK_LOADED,
    FRONT_LOADED,
    LEARNING_GRID,
    LINEAR,
    CurveKind,
    PacingCurve,
    ProgressHistory,
    custom_curve,
    elapsed_fraction,
    expected_progress,
    learn_curve,
)
from domain.scoring import expected_progress as straight_line

D = Decimal
fractions = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@st.composite
def curves(draw: st.DrawFn) -> PacingCurve:
    """A preset, or custom points: sorted distinct t in (0, 1) and sorted p in [0, 1]."""
    kind = draw(st.sampled_from(["linear", "back", "front", "custom"]))
    if kind != "custom":
        return {"linear": LINEAR, "back": BACK_LOADED, "front": FRONT_LOADED}[kind]
    inner = draw(st.integers(min_value=0, max_value=8))
    ts = sorted(
        draw(st.sets(fractions.filter(lambda t: 0 < t < 1), min_size=inner, max_size=inner))
    )
    ps = sorted(draw(st.lists(fractions, min_size=len(ts), max_size=len(ts))))
    return custom_curve([(D(0), D(0)), *zip(ts, ps, strict=True), (D(1), D(1))])


@given(curves(), fractions, fractions)
def test_a_curve_never_falls(curve: PacingCurve, a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert expected_progress(curve, low) <= expected_progress(curve, high)


@given(curves())
def test_a_curve_runs_from_nothing_to_everything(curve: PacingCurve) -> None:
    assert expected_progress(curve, D(0)) == 0
    assert expected_progress(curve, D(1)) == 1


@given(curves(), fractions)
def test_a_curve_stays_within_zero_and_one(curve: PacingCurve, t: Decimal) -> None:
    assert 0 <= expected_progress(curve, t) <= 1


@given(dates, st.integers(min_value=0, max_value=400), st.integers(min_value=-30, max_value=430))
def test_the_linear_curve_is_todays_expected_progress(start: date, days: int, at: int) -> None:
    end, day = start + timedelta(days=days), start + timedelta(days=at)
    t = elapsed_fraction(start, end, day)
    assert t == straight_line(start, end, day)
    assert expected_progress(LINEAR, t) == straight_line(start, end, day)


@given(
    st.lists(fractions, min_size=11, max_size=11).map(sorted),
    st.lists(
        st.decimals(min_value=D("0.01"), max_value=2, places=2, allow_nan=False),
        min_size=3,
        max_size=6,
    ),
)
def test_identical_paces_teach_their_own_curve(
    shares: list[Decimal], finals: list[Decimal]
) -> None:
    """KRs that all reached the same share of their final at each grid point (whatever their
    final) teach exactly that curve on the grid."""
    common = [D(0), *shares, D(1)]
    histories = [
        ProgressHistory(
            series=tuple(
                (t, final * share) for t, share in zip(LEARNING_GRID, common, strict=True)
            ),
            final_progress=final,
        )
        for final in finals
    ]
    choice = learn_curve(histories, BACK_LOADED)
    assert choice.used is CurveKind.LEARNED
    assert choice.from_krs == len(finals)
    assert [point.t for point in choice.curve.points] == list(LEARNING_GRID)
    assert [point.p for point in choice.curve.points] == common
    for t, share in zip(LEARNING_GRID, common, strict=True):
        assert expected_progress(choice.curve, t) == share.quantize(D("0.0001"))
