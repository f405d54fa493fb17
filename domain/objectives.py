"""Rules of objectives themselves: status moves and who may own what."""

from __future__ import annotations

from datetime import date

from domain.errors import FieldError, RuleViolation
from domain.okrs import Level, ObjectiveStatus, OwnerKind
from domain.units import UnitKind

# draft -> active -> closed; an objective may be archived from any state but archived.
_NEXT = {
    ObjectiveStatus.DRAFT: frozenset({ObjectiveStatus.ACTIVE, ObjectiveStatus.ARCHIVED}),
    ObjectiveStatus.ACTIVE: frozenset(
        {ObjectiveStatus.DRAFT, ObjectiveStatus.CLOSED, ObjectiveStatus.ARCHIVED}
    ),
    ObjectiveStatus.CLOSED: frozenset({ObjectiveStatus.ACTIVE, ObjectiveStatus.ARCHIVED}),
    ObjectiveStatus.ARCHIVED: frozenset[ObjectiveStatus](),
}

_UNIT_LEVEL = {
    UnitKind.COMPANY: Level.COMPANY,
    UnitKind.DEPARTMENT: Level.DEPARTMENT,
    UnitKind.TEAM: Level.TEAM,
}


def ensure_status_move(current: ObjectiveStatus, target: ObjectiveStatus) -> None:
    """draft <-> active -> closed (reopenable); archived is final (``invalid_transition``)."""
    if target is not current and target not in _NEXT[current]:
        raise RuleViolation(
            f"an objective cannot go from {current} to {target}",
            code="invalid_transition",
            errors=[FieldError("status", f"cannot go from {current} to {target}")],
        )


def default_level(owner_kind: OwnerKind, unit_kind: UnitKind | None) -> Level:
    """A person's objective is individual; a unit's takes the unit's rank."""
    if owner_kind is OwnerKind.MEMBER or unit_kind is None:
        return Level.INDIVIDUAL
    return _UNIT_LEVEL[unit_kind]


def ensure_owner_active(active: bool, *, field: str) -> None:
    """An objective is owned by someone who is still here: a deactivated member may keep
    what they owned (history) but is given nothing new (``owner_inactive``)."""
    if not active:
        raise RuleViolation(
            f"{field}: the member is deactivated",
            code="owner_inactive",
            errors=[FieldError(field, "the member is deactivated", "owner_inactive")],
        )


def level_after_owner_change(
    current: Level, old_kind: OwnerKind, new_kind: OwnerKind, unit_kind: UnitKind | None
) -> Level:
    """The level an objective takes when its owner changes and no level is sent: from one
    person to another it keeps its level (a reassignment is not a re-scoping); to a unit it
    takes the unit's rank, back to a person it becomes individual, as on creation."""
    if old_kind is OwnerKind.MEMBER and new_kind is OwnerKind.MEMBER:
        return current
    return default_level(new_kind, unit_kind)


def shift_into_cycle(day: date, source: tuple[date, date], target: tuple[date, date]) -> date:
    """A date of one cycle moved into another (copying an objective): the source's end stays
    the end; any other day keeps its offset from the start, clamped into the target."""
    if day == source[1]:
        return target[1]
    return min(max(target[0] + (day - source[0]), target[0]), target[1])


def ensure_other_cycle(source_cycle_id: object, target_cycle_id: object) -> None:
    """A copy goes into another cycle (``same_cycle``): in the same one it only duplicates."""
    if source_cycle_id == target_cycle_id:
        raise RuleViolation(
            "an objective is copied into another cycle, not its own",
            code="same_cycle",
            errors=[FieldError("cycle_id", "is the objective's own cycle", "same_cycle")],
        )
