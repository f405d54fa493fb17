"""Pure rules of an objective's owner: active owners only; the level a new owner gives."""

from __future__ import annotations

import pytest

from domain.errors import RuleViolation
from domain.objectives import ensure_owner_active, level_after_owner_change
from domain.okrs import Level, OwnerKind
from domain.units import UnitKind


def test_a_deactivated_member_is_given_nothing_new() -> None:
    ensure_owner_active(True, field="owner.id")
    with pytest.raises(RuleViolation) as refused:
        ensure_owner_active(False, field="owner.id")
    assert refused.value.code == "owner_inactive"
    assert refused.value.errors[0].field == "owner.id"


@pytest.mark.parametrize(
    ("current", "old", "new", "unit", "expected"),
    [
        (Level.TEAM, OwnerKind.MEMBER, OwnerKind.MEMBER, None, Level.TEAM),
        (Level.INDIVIDUAL, OwnerKind.MEMBER, OwnerKind.UNIT, UnitKind.DEPARTMENT, Level.DEPARTMENT),
        (Level.COMPANY, OwnerKind.UNIT, OwnerKind.UNIT, UnitKind.TEAM, Level.TEAM),
        (Level.DEPARTMENT, OwnerKind.UNIT, OwnerKind.MEMBER, None, Level.INDIVIDUAL),
    ],
)
def test_the_level_a_new_owner_gives(
    current: Level, old: OwnerKind, new: OwnerKind, unit: UnitKind | None, expected: Level
) -> None:
    assert level_after_owner_change(current, old, new, unit) is expected


def test_a_copied_date_keeps_its_offset_clamped_and_the_end_stays_the_end() -> None:
    from datetime import date

    from domain.objectives import shift_into_cycle

    q1, q2 = (date(2027, 1, 1), date(2027, 3, 31)), (date(2027, 4, 1), date(2027, 6, 30))
    assert shift_into_cycle(date(2027, 2, 15), q1, q2) == date(2027, 5, 16)
    assert shift_into_cycle(date(2027, 3, 31), q1, q2) == date(2027, 6, 30)
    assert shift_into_cycle(date(2026, 12, 1), q1, q2) == date(2027, 4, 1)
    assert shift_into_cycle(date(2027, 8, 1), q1, q2) == date(2027, 6, 30)
