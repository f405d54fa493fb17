"""Unit and property tests of domain/kpis.py: KPIs, measurements, attainment, and the link
that turns a measurement into a check-in of a KR (OKR and KPI together, article 004)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import RuleViolation
from domain.kpis import (
    Kpi,
    KpiMeasurement,
    KpiStatus,
    MeasurementCheckIn,
    attainment,
    check_in_of_measurement,
    ensure_linkable,
    is_met,
    kpi_status,
    latest_measurement,
    validate_kpi,
    validate_measurement,
)
from domain.limits import KPI_NOTE_MAX_LENGTH
from domain.okrs import Direction, KeyResult, MetricKind, Milestone

D = Decimal
INCREASE, DECREASE = Direction.INCREASE, Direction.DECREASE
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ORG = uuid4()
OWNER = uuid4()
ONE = D("1.0000")
ZERO = D("0.0000")


def make_kpi(
    *,
    name: str = "月销售额 monthly revenue",
    unit: str | None = "CNY",
    target: str = "2000000",
    direction: Direction = INCREASE,
) -> Kpi:
    return Kpi(
        id=uuid4(),
        organization_id=ORG,
        name=name,
        owner_id=OWNER,
        unit=unit,
        target=D(target),
        direction=direction,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def measure(
    kpi: Kpi,
    value: str,
    *,
    measured_at: datetime = NOW,
    recorded_by: str = "service:crm-sync",
    note: str = "",
    created_at: datetime = NOW,
) -> KpiMeasurement:
    return KpiMeasurement(
        id=uuid4(),
        organization_id=kpi.organization_id,
        kpi_id=kpi.id,
        value=D(value),
        measured_at=measured_at,
        recorded_by=recorded_by,
        note=note,
        created_at=created_at,
    )


def make_kr(
    *,
    kind: MetricKind = MetricKind.CURRENCY,
    start: str = "0",
    target: str = "6000000",
    direction: Direction = INCREASE,
    organization_id: UUID = ORG,
) -> KeyResult:
    milestones = (Milestone(uuid4(), "step", D(1)),) if kind is MetricKind.MILESTONES else ()
    return KeyResult(
        id=uuid4(),
        organization_id=organization_id,
        objective_id=uuid4(),
        title="Q1 revenue reaches 6 million",
        owner_id=OWNER,
        metric_kind=kind,
        unit=None,
        currency="CNY" if kind is MetricKind.CURRENCY else None,
        start=D(start),
        target=D(target),
        direction=direction,
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


def field_codes(error: RuleViolation) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in error.errors}


# --- validation ----------------------------------------------------------------------------


def test_a_valid_kpi_comes_back_stripped() -> None:
    kpi = make_kpi(name="  客诉数量  ", unit=" 件 ", target="-50")
    cleaned = validate_kpi(kpi)
    assert (cleaned.name, cleaned.unit, cleaned.target) == ("客诉数量", "件", D(-50))
    assert validate_kpi(make_kpi(unit="   ")).unit is None
    assert validate_kpi(make_kpi(unit=None)).unit is None
    assert validate_kpi(make_kpi(name="x" * 200, unit="u" * 40)).name == "x" * 200


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": "  "}, {("name", "empty")}),
        ({"name": "x" * 201}, {("name", "too_long")}),
        ({"unit": "u" * 41}, {("unit", "too_long")}),
        ({"target": D("NaN")}, {("target", "not_finite")}),
        ({"target": D("Infinity")}, {("target", "not_finite")}),
        ({"target": D("1e131072")}, {("target", "not_finite")}),  # NUMERIC would store 0
        ({"target": D("1e-20000")}, {("target", "not_finite")}),  # NUMERIC would refuse
        (
            {"name": "", "unit": "u" * 41, "target": D("-Infinity")},
            {("name", "empty"), ("unit", "too_long"), ("target", "not_finite")},
        ),
    ],
)
def test_an_invalid_kpi_is_refused_naming_each_field(
    changes: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_kpi(replace(make_kpi(), **changes))
    assert caught.value.code == "validation_failed"
    assert field_codes(caught.value) == expected


def test_a_valid_measurement_comes_back_stripped() -> None:
    kpi = make_kpi()
    given_measurement = measure(kpi, "1650000", recorded_by=" service:crm ", note=" 2月 ")
    cleaned = validate_measurement(given_measurement)
    assert (cleaned.recorded_by, cleaned.note) == ("service:crm", "2月")
    assert validate_measurement(measure(kpi, "-3", note="n" * KPI_NOTE_MAX_LENGTH)).value == D(-3)


def test_an_invalid_measurement_is_refused_naming_each_field() -> None:
    bad = replace(
        measure(make_kpi(), "1"),
        value=D("NaN"),
        measured_at=datetime(2026, 3, 1, 9, 0),  # noqa: DTZ001 - the naive datetime under test
        recorded_by="  ",
        note="n" * (KPI_NOTE_MAX_LENGTH + 1),
    )
    with pytest.raises(RuleViolation) as caught:
        validate_measurement(bad)
    assert caught.value.code == "validation_failed"
    assert field_codes(caught.value) == {
        ("value", "not_finite"),
        ("measured_at", "naive_datetime"),
        ("recorded_by", "empty"),
        ("note", "too_long"),
    }


def test_a_measurement_before_1900_is_refused() -> None:
    """Year 1 east of UTC is before the first UTC instant: a 500 if it reached storage."""
    ancient = replace(
        measure(make_kpi(), "1"),
        measured_at=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
    )
    with pytest.raises(RuleViolation) as caught:
        validate_measurement(ancient)
    assert field_codes(caught.value) == {("measured_at", "out_of_range")}


# --- attainment and status -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1600000", D("0.8000")),  # 1.6 of 2 million
        ("2000000", ONE),  # met
        ("3000000", ONE),  # over-achieved: still 1 (004's 3000 units for a 2000 target)
        ("0", ZERO),
        ("-5000", ZERO),  # a negative value reads 0
        ("1999999.99", D("0.9999")),  # short of the target never rounds up to met
    ],
)
def test_attainment_of_an_increase_kpi_is_value_over_target(value: str, expected: Decimal) -> None:
    assert attainment(make_kpi(), D(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("60", D("0.5000")),  # an average sales cycle of 60 days against 30
        ("45", D("0.6667")),
        ("30", ONE),  # met
        ("12", ONE),  # better than the target
        ("0", ONE),
        ("-1", ONE),
        ("30.001", D("0.9999")),
    ],
)
def test_attainment_of_a_decrease_kpi_is_target_over_value(value: str, expected: Decimal) -> None:
    kpi = make_kpi(name="平均销售周期 (天)", unit="天", target="30", direction=DECREASE)
    assert attainment(kpi, D(value)) == expected


@pytest.mark.parametrize(
    ("direction", "value", "expected"),
    [
        (DECREASE, "0", ONE),  # "no complaints": met
        (DECREASE, "1", ZERO),  # one complaint: not met, no ratio to speak of
        (DECREASE, "-1", ONE),
        (INCREASE, "0", ONE),  # "break even": met
        (INCREASE, "5", ONE),
        (INCREASE, "-1", ZERO),
    ],
)
def test_a_zero_target_is_all_or_nothing(
    direction: Direction, value: str, expected: Decimal
) -> None:
    kpi = make_kpi(target="0", direction=direction)
    assert attainment(kpi, D(value)) == expected


def test_a_negative_target_is_all_or_nothing() -> None:
    loss_limit = make_kpi(name="月亏损 monthly result", target="-50")
    assert attainment(loss_limit, D(-80)) == ZERO
    assert attainment(loss_limit, D(-50)) == ONE
    assert attainment(loss_limit, D(-10)) == ONE
    costs = make_kpi(target="-50", direction=DECREASE)
    assert attainment(costs, D(-10)) == ZERO
    assert attainment(costs, D(-60)) == ONE


def test_status_is_met_or_not_met_in_either_direction() -> None:
    revenue = make_kpi()
    assert kpi_status(revenue, D(2000000)) is KpiStatus.MET
    assert kpi_status(revenue, D(2500000)) is KpiStatus.MET
    assert kpi_status(revenue, D(1999999)) is KpiStatus.NOT_MET
    cycle_days = make_kpi(target="30", direction=DECREASE)
    assert kpi_status(cycle_days, D(30)) is KpiStatus.MET
    assert kpi_status(cycle_days, D(29)) is KpiStatus.MET
    assert kpi_status(cycle_days, D("30.5")) is KpiStatus.NOT_MET


figures = st.decimals(
    min_value=-(10**9), max_value=10**9, places=3, allow_nan=False, allow_infinity=False
)


@given(target=figures, value=figures, direction=st.sampled_from(Direction))
def test_attainment_lies_in_zero_one_and_is_one_exactly_when_met(
    target: Decimal, value: Decimal, direction: Direction
) -> None:
    kpi = replace(make_kpi(), target=target, direction=direction)
    figure = attainment(kpi, value)
    assert ZERO <= figure <= ONE
    assert (figure == ONE) is is_met(kpi, value)
    assert (kpi_status(kpi, value) is KpiStatus.MET) is is_met(kpi, value)


@given(target=figures, low=figures, high=figures, direction=st.sampled_from(Direction))
def test_a_better_value_never_attains_less(
    target: Decimal, low: Decimal, high: Decimal, direction: Direction
) -> None:
    low, high = sorted((low, high))
    kpi = replace(make_kpi(), target=target, direction=direction)
    if direction is INCREASE:
        assert attainment(kpi, high) >= attainment(kpi, low)
    else:
        assert attainment(kpi, low) >= attainment(kpi, high)


def test_the_latest_measurement_is_the_latest_moment_then_the_last_posted() -> None:
    kpi = make_kpi()
    january = measure(kpi, "1500000", measured_at=NOW - timedelta(days=30))
    february = measure(kpi, "1650000", measured_at=NOW)
    correction = measure(kpi, "1660000", measured_at=NOW, created_at=NOW + timedelta(hours=2))
    late_january = measure(
        kpi, "1", measured_at=NOW - timedelta(days=31), created_at=NOW + timedelta(days=1)
    )
    assert latest_measurement([]) is None
    assert latest_measurement([february, january]) == february
    assert latest_measurement([correction, january, february, late_january]) == correction


# --- the KR link ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [MetricKind.NUMBER, MetricKind.PERCENT, MetricKind.CURRENCY])
def test_a_numeric_kr_pointing_the_same_way_may_follow_a_kpi(kind: MetricKind) -> None:
    ensure_linkable(make_kpi(), make_kr(kind=kind))
    ensure_linkable(
        make_kpi(target="30", direction=DECREASE),
        make_kr(kind=kind, start="45", target="30", direction=DECREASE),
    )


@pytest.mark.parametrize(
    ("kr", "expected"),
    [
        (make_kr(kind=MetricKind.BOOLEAN, target="1"), {("kpi_id", "kind_not_linkable")}),
        (make_kr(kind=MetricKind.MILESTONES, target="1"), {("kpi_id", "kind_not_linkable")}),
        (
            make_kr(start="45", target="30", direction=DECREASE),
            {("kpi_id", "direction_mismatch")},
        ),
        (make_kr(organization_id=uuid4()), {("kpi_id", "unknown")}),
    ],
)
def test_a_kr_that_cannot_follow_the_kpi_is_refused(
    kr: KeyResult, expected: set[tuple[str, str]]
) -> None:
    with pytest.raises(RuleViolation) as caught:
        ensure_linkable(make_kpi(), kr)
    assert caught.value.code == "validation_failed"
    assert field_codes(caught.value) == expected


def test_a_measurement_becomes_a_check_in_attributed_to_whoever_posted_it() -> None:
    kpi, kr = make_kpi(name="月销售额"), make_kr()
    by_integration = measure(kpi, "1650000", note="2月 CRM")
    assert check_in_of_measurement(by_integration, kr, kpi=kpi) == MeasurementCheckIn(
        organization_id=ORG,
        key_result_id=kr.id,
        value=D(1650000),
        created_at=by_integration.measured_at,
        author="service:crm-sync",
        note="from KPI 月销售额: 2月 CRM",
    )
    member = str(uuid4())
    by_hand = measure(kpi, "1700000", recorded_by=member, measured_at=NOW + timedelta(days=1))
    made = check_in_of_measurement(by_hand, kr, kpi=kpi)
    assert (made.author, made.note, made.confidence, made.blockers) == (
        member,
        "from KPI 月销售额",
        None,
        "",
    )


def test_a_check_in_is_dated_at_its_reading_so_an_older_one_lands_in_the_past() -> None:
    kpi, kr = make_kpi(), make_kr()
    late = measure(kpi, "1500000", measured_at=NOW - timedelta(days=30))
    made = check_in_of_measurement(late, kr, kpi=kpi)
    assert (made.value, made.created_at) == (D(1500000), NOW - timedelta(days=30))


def test_the_value_is_checked_as_any_check_in() -> None:
    kpi = make_kpi()
    with pytest.raises(RuleViolation) as caught:
        check_in_of_measurement(
            measure(kpi, "5"),
            make_kr(kind=MetricKind.BOOLEAN, target="1"),
            kpi=kpi,
        )
    assert field_codes(caught.value) == {("value", "boolean_value")}


def test_records_that_do_not_belong_together_are_a_programming_error() -> None:
    kpi, other = make_kpi(), make_kpi()
    with pytest.raises(ValueError, match="is not of KPI"):
        check_in_of_measurement(measure(other, "1"), make_kr(), kpi=kpi)
    with pytest.raises(ValueError, match="span organizations"):
        check_in_of_measurement(measure(kpi, "1"), make_kr(organization_id=uuid4()), kpi=kpi)
