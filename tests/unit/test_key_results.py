"""Unit tests of domain/key_results.py: the input rules of key results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import RuleViolation
from domain.key_results import (
    is_measure,
    validate_check_in_value,
    validate_confidence,
    validate_final_score,
    validate_metric,
    validate_milestones_done,
    validate_weight,
)
from domain.okrs import Direction, KeyResult, MetricKind, Milestone

D = Decimal
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def milestone(weight: str = "1", title: str = "step") -> Milestone:
    return Milestone(id=uuid4(), title=title, weight=D(weight))


def check_metric(
    *,
    metric_kind: MetricKind = MetricKind.NUMBER,
    start: str = "0",
    target: str = "10",
    direction: Direction = Direction.INCREASE,
    currency: str | None = None,
    milestones: Sequence[Milestone] = (),
) -> None:
    validate_metric(
        metric_kind=metric_kind,
        start=D(start),
        target=D(target),
        direction=direction,
        currency=currency,
        milestones=milestones,
    )


def refusal(**kwargs: Any) -> RuleViolation:
    with pytest.raises(RuleViolation) as info:
        check_metric(**kwargs)
    return info.value


def fields(error: RuleViolation) -> list[str]:
    return [e.field for e in error.errors]


def make_kr(
    *, kind: MetricKind = MetricKind.NUMBER, milestones: tuple[Milestone, ...] = ()
) -> KeyResult:
    boolean = kind is MetricKind.BOOLEAN
    return KeyResult(
        id=uuid4(),
        organization_id=uuid4(),
        objective_id=uuid4(),
        title="kr",
        owner_id=uuid4(),
        metric_kind=kind,
        unit=None,
        currency=None,
        start=D(0),
        target=D(1) if boolean else D(10),
        direction=Direction.INCREASE,
        weight=D(1),
        due_date=date(2026, 3, 31),
        confidence=None,
        milestones=milestones,
        final_score=None,
        final_score_reason=None,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


# --- validate_metric: valid metrics --------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "start", "target", "direction", "currency"),
    [
        (MetricKind.NUMBER, "0", "10", Direction.INCREASE, None),  # 10 new customers
        (MetricKind.NUMBER, "40", "36", Direction.DECREASE, None),  # sales cycle -10%
        (MetricKind.NUMBER, "5", "5", Direction.INCREASE, None),  # hold at 5
        (MetricKind.NUMBER, "5", "5", Direction.DECREASE, None),
        (MetricKind.NUMBER, "-3", "-1", Direction.INCREASE, None),
        (MetricKind.PERCENT, "50", "60", Direction.INCREASE, None),  # repeat purchase to 60%
        (MetricKind.PERCENT, "0", "250", Direction.INCREASE, None),  # percent is not capped
        (MetricKind.PERCENT, "-20", "-5", Direction.INCREASE, None),
        (MetricKind.CURRENCY, "1000000", "2000000", Direction.INCREASE, "CNY"),
        (MetricKind.CURRENCY, "500", "300", Direction.DECREASE, "USD"),
        (MetricKind.BOOLEAN, "0", "1", Direction.INCREASE, None),
    ],
)
def test_consistent_metrics_pass(
    kind: MetricKind, start: str, target: str, direction: Direction, currency: str | None
) -> None:
    check_metric(
        metric_kind=kind, start=start, target=target, direction=direction, currency=currency
    )


def test_milestones_metric_passes() -> None:
    check_metric(
        metric_kind=MetricKind.MILESTONES,
        start="0",
        target="1",
        milestones=[milestone("1", "pick a CRM"), milestone("2.5", "roll it out")],
    )


# --- validate_metric: direction ------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target", "direction"),
    [
        ("40", "30", Direction.INCREASE),
        ("30", "40", Direction.DECREASE),
        ("0", "-1", Direction.INCREASE),
        ("0", "0.0001", Direction.DECREASE),
    ],
)
def test_a_direction_that_contradicts_the_target_is_refused(
    start: str, target: str, direction: Direction
) -> None:
    error = refusal(start=start, target=target, direction=direction)
    assert error.code == "direction_contradicts_target"
    assert fields(error) == ["direction"]
    assert error.errors[0].code == "direction_contradicts_target"


@pytest.mark.parametrize(
    "kind", [MetricKind.NUMBER, MetricKind.PERCENT, MetricKind.CURRENCY, MetricKind.MILESTONES]
)
def test_direction_rule_holds_for_every_non_boolean_kind(kind: MetricKind) -> None:
    error = refusal(
        metric_kind=kind,
        start="30",
        target="40",
        direction=Direction.DECREASE,
        currency="CNY" if kind is MetricKind.CURRENCY else None,
        milestones=[milestone()] if kind is MetricKind.MILESTONES else [],
    )
    assert error.code == "direction_contradicts_target"


def test_direction_contradiction_among_other_problems_is_validation_failed() -> None:
    error = refusal(start="40", target="30", direction=Direction.INCREASE, currency="CNY")
    assert error.code == "validation_failed"
    assert sorted(fields(error)) == ["currency", "direction"]


# --- validate_metric: currency -------------------------------------------------------------


@pytest.mark.parametrize("currency", [None, "", "cny", "Cny", "CN", "CNYY", "C1Y", " CNY", "ÄÖÜ"])
def test_currency_krs_need_an_iso_code(currency: str | None) -> None:
    error = refusal(metric_kind=MetricKind.CURRENCY, currency=currency)
    assert error.code == "validation_failed"
    assert fields(error) == ["currency"]


@pytest.mark.parametrize(
    "kind", [MetricKind.NUMBER, MetricKind.PERCENT, MetricKind.BOOLEAN, MetricKind.MILESTONES]
)
def test_other_kinds_carry_no_currency(kind: MetricKind) -> None:
    error = refusal(
        metric_kind=kind,
        start="0",
        target="1",
        currency="CNY",
        milestones=[milestone()] if kind is MetricKind.MILESTONES else [],
    )
    assert error.code == "validation_failed"
    assert fields(error) == ["currency"]
    assert error.errors[0].code == "not_allowed"


# --- validate_metric: boolean --------------------------------------------------------------


@pytest.mark.parametrize(("start", "target"), [("0", "10"), ("1", "1"), ("0", "0"), ("0", "2")])
def test_boolean_krs_go_from_zero_to_one(start: str, target: str) -> None:
    error = refusal(metric_kind=MetricKind.BOOLEAN, start=start, target=target)
    assert error.code == "validation_failed"
    assert fields(error) == ["target"]


def test_boolean_krs_increase() -> None:
    error = refusal(
        metric_kind=MetricKind.BOOLEAN, start="0", target="1", direction=Direction.DECREASE
    )
    assert error.code == "validation_failed"
    assert fields(error) == ["direction"]
    assert error.errors[0].code == "boolean_direction"


def test_a_reversed_boolean_reports_range_and_direction_once_each() -> None:
    error = refusal(
        metric_kind=MetricKind.BOOLEAN, start="1", target="0", direction=Direction.DECREASE
    )
    assert error.code == "validation_failed"
    assert fields(error) == ["target", "direction"]


# --- validate_metric: milestones -----------------------------------------------------------


def test_milestones_kr_needs_a_milestone() -> None:
    error = refusal(metric_kind=MetricKind.MILESTONES, start="0", target="1", milestones=[])
    assert error.code == "validation_failed"
    assert fields(error) == ["milestones"]
    assert error.errors[0].code == "required"


@pytest.mark.parametrize("weight", ["0", "-1", "NaN", "Infinity"])
def test_every_milestone_weighs_more_than_zero(weight: str) -> None:
    error = refusal(
        metric_kind=MetricKind.MILESTONES,
        start="0",
        target="1",
        milestones=[milestone("1"), milestone(weight)],
    )
    assert error.code == "validation_failed"
    assert fields(error) == ["milestones.1.weight"]


def test_milestones_need_titles_and_distinct_ids() -> None:
    first = milestone("1", "kick-off")
    error = refusal(
        metric_kind=MetricKind.MILESTONES,
        start="0",
        target="1",
        milestones=[first, milestone("1", "   "), first],
    )
    assert error.code == "validation_failed"
    assert fields(error) == ["milestones.1.title", "milestones.2.id"]
    assert [e.code for e in error.errors] == ["empty", "duplicate"]


@pytest.mark.parametrize(
    "kind", [MetricKind.NUMBER, MetricKind.PERCENT, MetricKind.CURRENCY, MetricKind.BOOLEAN]
)
def test_other_kinds_have_no_milestones(kind: MetricKind) -> None:
    error = refusal(
        metric_kind=kind,
        start="0",
        target="1",
        currency="CNY" if kind is MetricKind.CURRENCY else None,
        milestones=[milestone()],
    )
    assert error.code == "validation_failed"
    assert fields(error) == ["milestones"]


# --- validate_metric: numbers --------------------------------------------------------------


@pytest.mark.parametrize("bad", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_start_and_target_are_finite(bad: str) -> None:
    error = refusal(start=bad, target="10")
    assert error.code == "validation_failed"
    assert fields(error) == ["start"]
    error = refusal(start="0", target=bad)
    assert fields(error) == ["target"]


def test_every_problem_is_reported_at_once() -> None:
    error = refusal(
        metric_kind=MetricKind.BOOLEAN,
        start="NaN",
        target="1",
        direction=Direction.DECREASE,
        currency="usd",
        milestones=[milestone()],
    )
    assert error.code == "validation_failed"
    assert fields(error) == ["start", "direction", "currency", "milestones"]


# --- weight and confidence -----------------------------------------------------------------


@pytest.mark.parametrize("weight", ["0", "1", "0.5", "100"])
def test_weights_of_zero_or_more_pass(weight: str) -> None:
    assert validate_weight(D(weight)) == D(weight)


@pytest.mark.parametrize("weight", ["-0.0001", "-1", "NaN", "Infinity"])
def test_negative_or_non_finite_weights_are_refused(weight: str) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_weight(D(weight))
    assert info.value.code == "validation_failed"
    assert fields(info.value) == ["weight"]


@pytest.mark.parametrize("confidence", [None, 0, 5, 10])
def test_confidence_in_range_passes(confidence: int | None) -> None:
    assert validate_confidence(confidence) == confidence


@pytest.mark.parametrize("confidence", [-1, 11, 100])
def test_confidence_out_of_range_is_refused(confidence: int) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_confidence(confidence)
    assert info.value.code == "validation_failed"
    assert fields(info.value) == ["confidence"]


@given(st.integers())
def test_confidence_accepts_exactly_zero_to_ten(confidence: int) -> None:
    if 0 <= confidence <= 10:
        assert validate_confidence(confidence) == confidence
    else:
        with pytest.raises(RuleViolation):
            validate_confidence(confidence)


# --- validate_milestones_done --------------------------------------------------------------


def test_known_milestones_pass_as_a_set() -> None:
    a, b = milestone(), milestone()
    kr = make_kr(kind=MetricKind.MILESTONES, milestones=(a, b))
    assert validate_milestones_done(kr, [a.id, b.id, a.id]) == frozenset({a.id, b.id})
    assert validate_milestones_done(kr, []) == frozenset()


def test_unknown_milestones_are_refused() -> None:
    a = milestone()
    other = make_kr(kind=MetricKind.MILESTONES, milestones=(milestone(),))
    stranger = other.milestones[0].id
    kr = make_kr(kind=MetricKind.MILESTONES, milestones=(a,))
    with pytest.raises(RuleViolation) as info:
        validate_milestones_done(kr, [a.id, stranger])
    assert info.value.code == "unknown_milestone"
    assert fields(info.value) == ["milestones_done.1"]
    assert info.value.extra == {"unknown": [str(stranger)]}


def test_a_kr_without_milestones_knows_none() -> None:
    unknown = uuid4()
    with pytest.raises(RuleViolation) as info:
        validate_milestones_done(make_kr(), [unknown])
    assert info.value.code == "unknown_milestone"


# --- validate_check_in_value ---------------------------------------------------------------


def test_numeric_check_ins_take_any_finite_value() -> None:
    kr = make_kr()
    assert validate_check_in_value(kr, D("-12.5")) == D("-12.5")
    assert validate_check_in_value(kr, D(1000)) == D(1000)


@pytest.mark.parametrize("value", [None, "NaN", "Infinity"])
def test_numeric_check_ins_need_a_finite_value(value: str | None) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_check_in_value(make_kr(), None if value is None else D(value))
    assert info.value.code == "validation_failed"
    assert fields(info.value) == ["value"]


@pytest.mark.parametrize(("value", "ok"), [("0", True), ("1", True), ("1.0", True), ("2", False)])
def test_boolean_check_ins_are_zero_or_one(value: str, ok: bool) -> None:
    kr = make_kr(kind=MetricKind.BOOLEAN)
    if ok:
        assert validate_check_in_value(kr, D(value)) == D(value)
    else:
        with pytest.raises(RuleViolation) as info:
            validate_check_in_value(kr, D(value))
        assert info.value.errors[0].code == "boolean_value"


def test_milestones_check_ins_carry_no_value() -> None:
    kr = make_kr(kind=MetricKind.MILESTONES, milestones=(milestone(),))
    assert validate_check_in_value(kr, None) is None
    with pytest.raises(RuleViolation) as info:
        validate_check_in_value(kr, D(1))
    assert info.value.code == "validation_failed"
    assert fields(info.value) == ["value"]


# --- validate_final_score ------------------------------------------------------------------


@pytest.mark.parametrize("score", ["0", "0.7", "1"])
def test_final_scores_in_range_with_a_reason_pass(score: str) -> None:
    assert validate_final_score(D(score), "  customer churned after Q1  ") == (
        D(score),
        "customer churned after Q1",
    )


@pytest.mark.parametrize("score", ["-0.1", "1.0001", "NaN"])
def test_final_scores_out_of_range_are_refused(score: str) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_final_score(D(score), "reason")
    assert info.value.code == "validation_failed"
    assert fields(info.value) == ["score"]


def test_final_scores_need_a_reason() -> None:
    with pytest.raises(RuleViolation) as info:
        validate_final_score(D("2"), "   ")
    assert fields(info.value) == ["score", "reason"]


@pytest.mark.parametrize(
    "value",
    ["1e15", "-1e15", "1e131072", "1e-13", "1e-20000", "0.0000000000001"],
)
def test_figures_past_the_bounds_are_refused_not_rounded_away(value: str) -> None:
    """Postgres NUMERIC refuses tiny exponents (a 500) and rounds huge ones to 0 (data
    lost): such figures are refused at the door."""
    assert not is_measure(Decimal(value))


@pytest.mark.parametrize("value", ["0", "999999999999999", "-5", "0.000000000001", "1E+3"])
def test_business_figures_pass(value: str) -> None:
    assert is_measure(Decimal(value))
