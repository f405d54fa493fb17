"""Org units: a tree company -> department -> team, each with a lead and members."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.errors import FieldError, RuleViolation
from domain.pacing_setting import PacingSetting


class UnitKind(StrEnum):
    COMPANY = "company"
    DEPARTMENT = "department"
    TEAM = "team"


# A unit sits under a unit of its own rank or a higher one (sub-departments, sub-teams).
_RANK = {UnitKind.COMPANY: 0, UnitKind.DEPARTMENT: 1, UnitKind.TEAM: 2}


@dataclass(frozen=True, kw_only=True)
class OrgUnit:
    id: UUID
    organization_id: UUID
    kind: UnitKind
    name: str
    parent_id: UUID | None
    lead_id: UUID | None
    version: int
    created_at: datetime
    updated_at: datetime
    # The curve KRs of objectives this unit owns are judged by unless they set their own.
    pacing: PacingSetting | None = None


def ensure_parent_fits(kind: UnitKind, parent_kind: UnitKind | None) -> None:
    """The company is the root; every other unit hangs under a unit of equal or higher rank."""
    if kind is UnitKind.COMPANY:
        if parent_kind is not None:
            raise RuleViolation(
                "the company unit is the root and has no parent",
                code="invalid_unit_parent",
                errors=[FieldError("parent_id", "the company unit has no parent", "invalid")],
            )
        return
    if parent_kind is None:
        raise RuleViolation(
            f"a {kind} needs a parent unit",
            code="invalid_unit_parent",
            errors=[FieldError("parent_id", "required for a department or team", "required")],
        )
    if _RANK[parent_kind] > _RANK[kind]:
        raise RuleViolation(
            f"a {kind} cannot sit under a {parent_kind}",
            code="invalid_unit_parent",
            errors=[FieldError("parent_id", f"a {kind} cannot sit under a {parent_kind}")],
        )


def ensure_not_under_itself(
    unit_id: UUID, new_parent_id: UUID, parents: Mapping[UUID, UUID | None]
) -> None:
    """Refuse moving a unit under itself or one of its descendants (code ``unit_cycle``)."""
    path = [unit_id]
    current: UUID | None = new_parent_id
    seen: set[UUID] = set()
    while current is not None and current not in seen:
        path.append(current)
        if current == unit_id:
            raise RuleViolation(
                "a unit cannot move under itself or one of its descendants",
                code="unit_cycle",
                errors=[FieldError("parent_id", "is the unit or one of its descendants")],
                extra={"cycle": [str(i) for i in path]},
            )
        seen.add(current)
        current = parents.get(current)
