"""Rules of objectives themselves: status moves and who may own what."""

from __future__ import annotations

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
