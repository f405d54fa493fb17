"""OKR cycles (周期): year, quarter or month, planning -> active -> closed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from domain.errors import FieldError, RuleViolation


class CycleKind(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


class CycleState(StrEnum):
    PLANNING = "planning"
    ACTIVE = "active"
    CLOSED = "closed"


# Cycles move forward only; a closed cycle is read-only (DOMAIN.md).
_NEXT_STATES = {
    CycleState.PLANNING: frozenset({CycleState.ACTIVE}),
    CycleState.ACTIVE: frozenset({CycleState.CLOSED}),
    CycleState.CLOSED: frozenset[CycleState](),
}

# A cycle may nest only inside a longer kind: a quarter in a year, a month in a quarter or year.
_RANK = {CycleKind.YEAR: 0, CycleKind.QUARTER: 1, CycleKind.MONTH: 2}


@dataclass(frozen=True, kw_only=True)
class Cycle:
    id: UUID
    organization_id: UUID
    name: str
    kind: CycleKind
    start_date: date
    end_date: date
    parent_id: UUID | None
    state: CycleState
    version: int
    created_at: datetime
    updated_at: datetime
    # When it was closed (None while open): what "closed before an instant" reads, for as_of
    # figures that learn from closed cycles (domain.pacing's learned curves).
    closed_at: datetime | None = None

    def contains(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


def ensure_dates_ordered(start_date: date, end_date: date) -> None:
    if end_date < start_date:
        raise RuleViolation(
            "a cycle ends on or after the day it starts",
            code="invalid_cycle_dates",
            errors=[FieldError("end_date", "is before start_date", "before_start")],
        )


def ensure_fits_parent(*, kind: CycleKind, start_date: date, end_date: date, parent: Cycle) -> None:
    """A sub-cycle is of a shorter kind and lies within its parent's dates."""
    if _RANK[parent.kind] >= _RANK[kind]:
        raise RuleViolation(
            f"a {kind} cannot sit inside a {parent.kind}",
            code="invalid_cycle_parent",
            errors=[FieldError("parent_id", f"a {kind} cannot sit inside a {parent.kind}")],
        )
    if not (parent.contains(start_date) and parent.contains(end_date)):
        raise RuleViolation(
            f"the dates must lie within the parent cycle "
            f"({parent.start_date.isoformat()} to {parent.end_date.isoformat()})",
            code="invalid_cycle_dates",
            errors=[FieldError("start_date", "outside the parent cycle", "outside_parent")],
        )


def ensure_children_fit(start_date: date, end_date: date, children: Sequence[Cycle]) -> None:
    """Changing a parent's dates must keep every sub-cycle inside them."""
    outside = [c for c in children if c.start_date < start_date or c.end_date > end_date]
    if outside:
        raise RuleViolation(
            "the new dates leave sub-cycles outside",
            code="invalid_cycle_dates",
            errors=[FieldError("start_date", "sub-cycles would fall outside", "children_outside")],
            extra={"cycles": [str(c.id) for c in outside]},
        )


def ensure_transition(current: CycleState, target: CycleState) -> None:
    """Only planning -> active -> closed; anything else is refused (``invalid_transition``)."""
    if target not in _NEXT_STATES[current]:
        raise RuleViolation(
            f"a cycle cannot go from {current} to {target}",
            code="invalid_transition",
            errors=[FieldError("state", f"cannot go from {current} to {target}")],
        )


def ensure_writable(cycle: Cycle) -> None:
    """A closed cycle is read-only."""
    if cycle.state is CycleState.CLOSED:
        raise RuleViolation("the cycle is closed and read-only", code="cycle_closed")
