"""Unit tests of domain/cycles.py: dates, nesting and the planning -> active -> closed flow."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import product
from uuid import UUID, uuid4

import pytest

from domain.cycles import (
    Cycle,
    CycleKind,
    CycleState,
    ensure_children_fit,
    ensure_dates_ordered,
    ensure_fits_parent,
    ensure_transition,
    ensure_writable,
)
from domain.errors import RuleViolation

YEAR, QUARTER, MONTH = CycleKind.YEAR, CycleKind.QUARTER, CycleKind.MONTH
PLANNING, ACTIVE, CLOSED = CycleState.PLANNING, CycleState.ACTIVE, CycleState.CLOSED
NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
ORG = uuid4()
DAY = timedelta(days=1)


def make_cycle(
    kind: CycleKind = YEAR,
    start: date = date(2026, 1, 1),
    end: date = date(2026, 12, 31),
    *,
    state: CycleState = PLANNING,
    parent_id: UUID | None = None,
) -> Cycle:
    return Cycle(
        id=uuid4(),
        organization_id=ORG,
        name=f"{kind} {start.isoformat()}",
        kind=kind,
        start_date=start,
        end_date=end,
        parent_id=parent_id,
        state=state,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


Q1_2026 = (date(2026, 1, 1), date(2026, 3, 31))
Q2_2026 = (date(2026, 4, 1), date(2026, 6, 30))


# --- Cycle.contains ----------------------------------------------------------------------


def test_contains_includes_both_ends() -> None:
    q1 = make_cycle(QUARTER, *Q1_2026)
    assert q1.contains(date(2026, 1, 1))
    assert q1.contains(date(2026, 2, 15))
    assert q1.contains(date(2026, 3, 31))


def test_contains_excludes_days_outside() -> None:
    q1 = make_cycle(QUARTER, *Q1_2026)
    assert not q1.contains(date(2025, 12, 31))
    assert not q1.contains(date(2026, 4, 1))
    assert not q1.contains(date(2027, 2, 15))


def test_one_day_cycle_contains_only_that_day() -> None:
    day = date(2026, 2, 28)
    cycle = make_cycle(MONTH, day, day)
    assert cycle.contains(day)
    assert not cycle.contains(day - DAY)
    assert not cycle.contains(day + DAY)


# --- ensure_dates_ordered ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 1)),  # a one-day cycle
        (date(2024, 2, 28), date(2024, 2, 29)),  # leap day
    ],
)
def test_dates_in_order_pass(start: date, end: date) -> None:
    ensure_dates_ordered(start, end)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 1, 2), date(2026, 1, 1)),
        (date(2026, 12, 31), date(2026, 1, 1)),
        (date(2027, 1, 1), date(2026, 12, 31)),
    ],
)
def test_end_before_start_is_refused(start: date, end: date) -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_dates_ordered(start, end)
    assert info.value.code == "invalid_cycle_dates"
    assert [e.field for e in info.value.errors] == ["end_date"]


# --- ensure_fits_parent ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "parent_kind", "start", "end"),
    [
        (QUARTER, YEAR, *Q1_2026),
        (QUARTER, YEAR, date(2026, 10, 1), date(2026, 12, 31)),
        (MONTH, YEAR, date(2026, 6, 1), date(2026, 6, 30)),
        (MONTH, QUARTER, date(2026, 1, 1), date(2026, 1, 31)),
        (MONTH, QUARTER, date(2026, 3, 1), date(2026, 3, 31)),
    ],
)
def test_shorter_kind_inside_parent_fits(
    kind: CycleKind, parent_kind: CycleKind, start: date, end: date
) -> None:
    parent = make_cycle(YEAR) if parent_kind is YEAR else make_cycle(QUARTER, *Q1_2026)
    ensure_fits_parent(kind=kind, start_date=start, end_date=end, parent=parent)


def test_sub_cycle_may_share_both_of_its_parents_dates() -> None:
    year = make_cycle(YEAR)
    ensure_fits_parent(
        kind=QUARTER, start_date=year.start_date, end_date=year.end_date, parent=year
    )


# Nesting written out by hand: only a strictly shorter kind may sit inside a longer one.
NESTING_OK = {(QUARTER, YEAR), (MONTH, YEAR), (MONTH, QUARTER)}


@pytest.mark.parametrize(
    ("kind", "parent_kind"),
    [pair for pair in product(CycleKind, CycleKind) if pair not in NESTING_OK],
)
def test_same_or_longer_kind_cannot_sit_inside(kind: CycleKind, parent_kind: CycleKind) -> None:
    # dates inside the parent so that only the kinds are wrong
    parent = make_cycle(parent_kind, *Q1_2026)
    with pytest.raises(RuleViolation) as info:
        ensure_fits_parent(
            kind=kind, start_date=date(2026, 2, 1), end_date=date(2026, 2, 28), parent=parent
        )
    assert info.value.code == "invalid_cycle_parent"
    assert [e.field for e in info.value.errors] == ["parent_id"]


def test_year_inside_a_quarter_is_refused() -> None:
    quarter = make_cycle(QUARTER, *Q1_2026)
    with pytest.raises(RuleViolation) as info:
        ensure_fits_parent(
            kind=YEAR, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), parent=quarter
        )
    assert info.value.code == "invalid_cycle_parent"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2025, 12, 31), date(2026, 3, 31)),  # starts one day early
        (date(2026, 10, 1), date(2027, 1, 1)),  # ends one day late
        (date(2025, 12, 1), date(2027, 1, 31)),  # overhangs both ends
        (date(2027, 1, 1), date(2027, 3, 31)),  # entirely after
        (date(2025, 10, 1), date(2025, 12, 31)),  # entirely before
    ],
)
def test_dates_outside_the_parent_are_refused(start: date, end: date) -> None:
    year = make_cycle(YEAR)
    with pytest.raises(RuleViolation) as info:
        ensure_fits_parent(kind=QUARTER, start_date=start, end_date=end, parent=year)
    assert info.value.code == "invalid_cycle_dates"
    assert info.value.errors[0].code == "outside_parent"


# --- ensure_children_fit -----------------------------------------------------------------


def quarters_of_2026(parent_id: UUID) -> list[Cycle]:
    bounds = [
        Q1_2026,
        Q2_2026,
        (date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 12, 31)),
    ]
    return [make_cycle(QUARTER, s, e, parent_id=parent_id) for s, e in bounds]


def test_no_children_always_fit() -> None:
    ensure_children_fit(date(2026, 5, 1), date(2026, 5, 2), [])


def test_children_inside_or_on_the_new_bounds_fit() -> None:
    year = make_cycle(YEAR)
    ensure_children_fit(year.start_date, year.end_date, quarters_of_2026(year.id))
    # widening the parent keeps them inside too
    ensure_children_fit(date(2025, 7, 1), date(2027, 6, 30), quarters_of_2026(year.id))


def test_moving_the_start_after_a_child_starts_is_refused() -> None:
    year = make_cycle(YEAR)
    quarters = quarters_of_2026(year.id)
    with pytest.raises(RuleViolation) as info:
        ensure_children_fit(date(2026, 1, 2), year.end_date, quarters)
    assert info.value.code == "invalid_cycle_dates"
    assert info.value.errors[0].code == "children_outside"
    assert info.value.extra["cycles"] == [str(quarters[0].id)]


def test_moving_the_end_before_a_child_ends_is_refused() -> None:
    year = make_cycle(YEAR)
    quarters = quarters_of_2026(year.id)
    with pytest.raises(RuleViolation) as info:
        ensure_children_fit(year.start_date, date(2026, 12, 30), quarters)
    assert info.value.code == "invalid_cycle_dates"
    assert info.value.extra["cycles"] == [str(quarters[3].id)]


def test_every_child_left_outside_is_listed() -> None:
    year = make_cycle(YEAR)
    quarters = quarters_of_2026(year.id)
    with pytest.raises(RuleViolation) as info:
        ensure_children_fit(date(2026, 4, 1), date(2026, 9, 30), quarters)
    assert info.value.code == "invalid_cycle_dates"
    assert info.value.extra["cycles"] == [str(quarters[0].id), str(quarters[3].id)]


# --- ensure_transition / ensure_writable -------------------------------------------------

ALLOWED_TRANSITIONS = {(PLANNING, ACTIVE), (ACTIVE, CLOSED)}


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED_TRANSITIONS))
def test_forward_transitions_pass(current: CycleState, target: CycleState) -> None:
    ensure_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [pair for pair in product(CycleState, CycleState) if pair not in ALLOWED_TRANSITIONS],
)
def test_every_other_transition_is_refused(current: CycleState, target: CycleState) -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_transition(current, target)
    assert info.value.code == "invalid_transition"
    assert [e.field for e in info.value.errors] == ["state"]


@pytest.mark.parametrize(
    ("current", "target"),
    [(ACTIVE, PLANNING), (PLANNING, CLOSED), (CLOSED, PLANNING), (CLOSED, ACTIVE)],
)
def test_named_refusals(current: CycleState, target: CycleState) -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_transition(current, target)
    assert info.value.code == "invalid_transition"


@pytest.mark.parametrize("state", [PLANNING, ACTIVE])
def test_open_cycles_are_writable(state: CycleState) -> None:
    ensure_writable(make_cycle(state=state))


def test_closed_cycle_is_read_only() -> None:
    with pytest.raises(RuleViolation) as info:
        ensure_writable(make_cycle(state=CLOSED))
    assert info.value.code == "cycle_closed"
