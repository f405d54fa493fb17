"""Shared factories: what a test needs to exist before it acts, built in one place.

Two tiers, both on the session's Postgres and isolated by a fresh organization per test:

* Use-case tier (``async``, take ``deps``): members, cycles, units, objectives, key results
  and actions made through the real use cases, as an admin or a member, so every rule and
  every audit event of a real write applies. A cycle is walked through its states, as a
  user would.
* Storage tier (plain functions): domain entities with fresh ids and fixed instants, every
  field overridable by keyword, and ``seed`` to add them through their repositories in one
  unit of work. For the repository tests, which must reach states the use cases refuse.

Keyword arguments say what varies; everything else is the usual: Q2 2026, a member with no
role, an individual objective, a number KR from 0 to 10.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.comments import Comment
from domain.cycles import Cycle, CycleKind, CycleState
from domain.kpis import Kpi
from domain.meetings import Meeting
from domain.members import Member, Role
from domain.okrs import (
    Action,
    ActionStatus,
    Direction,
    KeyResult,
    Level,
    MetricKind,
    Objective,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.organizations import Locale, Organization, ReviewSettings, ScoringSettings
from domain.units import OrgUnit, UnitKind
from service.actions import NewAction, create_action
from service.auth import Principal
from service.context import Deps
from service.cycles import CycleChanges, NewCycle, create_cycle, update_cycle
from service.ids import new_id
from service.key_results import NewKeyResult, create_key_result
from service.objectives import NewObjective, create_objective
from service.ports import UnitOfWork, UnitOfWorkFactory
from service.units import NewUnit, add_unit_member, create_unit
from tests.service.harness import NOW, Tenant, hire, new_tenant, principal_of

Q2_START, Q2_END = date(2026, 4, 1), date(2026, 6, 30)

# The order a cycle moves in: a test asking for a closed cycle gets one that was active.
_CYCLE_STATES = (CycleState.PLANNING, CycleState.ACTIVE, CycleState.CLOSED)


# -- use-case tier ---------------------------------------------------------------------------


async def tenant(deps: Deps, name: str = "Acme", **settings: Any) -> Tenant:
    """An organization made through the use case, with settings (``time_zone``, ``locale``)
    given at creation rather than changed afterwards."""
    return await new_tenant(deps, name, **settings)


async def member(
    deps: Deps,
    of: Tenant,
    name: str,
    *,
    manager: Member | None = None,
    roles: frozenset[Role] = frozenset({Role.MEMBER}),
) -> Member:
    """A member hired by the admin; the email is derived from the name."""
    return await hire(deps, of, name, roles=roles, manager_id=manager.id if manager else None)


async def reports(deps: Deps, of: Tenant, manager: Member, *names: str) -> tuple[Member, ...]:
    """Members with no role hired in the order named, each reporting to ``manager``."""
    return tuple([await member(deps, of, name, manager=manager) for name in names])


async def cycle(
    deps: Deps,
    of: Tenant,
    name: str = "Q2",
    start: date = Q2_START,
    end: date = Q2_END,
    *,
    kind: CycleKind = CycleKind.QUARTER,
    parent: Cycle | None = None,
    state: CycleState = CycleState.PLANNING,
) -> Cycle:
    """A cycle made by the admin and moved, one state at a time, to ``state``."""
    made = await create_cycle(
        deps, of.admin, NewCycle(name, kind, start, end, parent.id if parent else None)
    )
    return await move_cycle(deps, of, made, state)


async def move_cycle(deps: Deps, of: Tenant, made: Cycle, to: CycleState) -> Cycle:
    """The cycle moved by the admin from its state to ``to``, through every state between."""
    start = _CYCLE_STATES.index(made.state) + 1
    for next_state in _CYCLE_STATES[start : _CYCLE_STATES.index(to) + 1]:
        made = await update_cycle(deps, of.admin, made.id, CycleChanges(state=next_state))
    return made


async def unit(
    deps: Deps,
    of: Tenant,
    name: str,
    kind: UnitKind = UnitKind.TEAM,
    *,
    parent: OrgUnit | None = None,
    lead: Member | None = None,
    members: Sequence[Member] = (),
) -> OrgUnit:
    """A unit made by the admin, under ``parent``, led by ``lead``, with ``members`` in it."""
    made = await create_unit(
        deps,
        of.admin,
        NewUnit(kind, name, parent.id if parent else None, lead.id if lead else None),
    )
    for one in members:
        await add_unit_member(deps, of.admin, made.id, one.id)
    return made


def _as(who: Member | Principal) -> Principal:
    return principal_of(who) if isinstance(who, Member) else who


async def objective(
    deps: Deps,
    by: Member | Principal,
    in_cycle: Cycle | UUID,
    title: str = "Grow",
    *,
    unit: OrgUnit | None = None,
    **fields: Any,
) -> Objective:
    """An objective made by ``by``: its own, or ``unit``'s when one is given; any other field
    of ``NewObjective`` by keyword."""
    if unit is not None:
        fields |= {"owner_kind": OwnerKind.UNIT, "owner_id": unit.id}
    cycle_id = in_cycle.id if isinstance(in_cycle, Cycle) else in_cycle
    made = await create_objective(deps, _as(by), NewObjective(cycle_id, title, **fields))
    return made.objective


async def key_result(
    deps: Deps,
    by: Member | Principal,
    of: Objective | UUID,
    title: str = "New customers",
    *,
    owner: Member,
    **fields: Any,
) -> KeyResult:
    """A KR of ``owner`` made by ``by``; any other field of ``NewKeyResult`` by keyword."""
    objective_id = of.id if isinstance(of, Objective) else of
    data = NewKeyResult(title, owner_id=owner.id, **fields)
    return (await create_key_result(deps, _as(by), objective_id, data)).key_result


async def action(
    deps: Deps,
    by: Member | Principal,
    on: KeyResult | UUID,
    title: str,
    *,
    owner: Member | None = None,
    **fields: Any,
) -> Action:
    """An action on the KR made by ``by``; any other field of ``NewAction`` by keyword."""
    kr_id = on.id if isinstance(on, KeyResult) else on
    data = NewAction(title, owner_id=owner.id if owner else None, **fields)
    return await create_action(deps, _as(by), kr_id, data)


# -- storage tier ----------------------------------------------------------------------------
# Fresh ids, created and updated at NOW, version 1; any field by keyword.


def organization_row(name: str = "Acme", **fields: Any) -> Organization:
    values: dict[str, Any] = {
        "id": new_id(),
        "name": name,
        "time_zone": "Asia/Shanghai",
        "locale": Locale.ZH_CN,
        "scoring": ScoringSettings(),
        "reviews": ReviewSettings(),
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Organization(**values | fields)


def member_row(organization_id: UUID, name: str, **fields: Any) -> Member:
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": organization_id,
        "name": name,
        "email": f"{name.lower().replace(' ', '.')}@example.com",
        "external_id": None,
        "manager_id": None,
        "roles": frozenset({Role.MEMBER}),
        "active": True,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Member(**values | fields)


def cycle_row(
    organization_id: UUID,
    name: str = "Q2",
    start: date = Q2_START,
    end: date = Q2_END,
    kind: CycleKind = CycleKind.QUARTER,
    **fields: Any,
) -> Cycle:
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": organization_id,
        "name": name,
        "kind": kind,
        "start_date": start,
        "end_date": end,
        "parent_id": None,
        "state": CycleState.PLANNING,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Cycle(**values | fields)


def unit_row(
    organization_id: UUID,
    name: str,
    kind: UnitKind = UnitKind.TEAM,
    *,
    parent: OrgUnit | None = None,
    lead: Member | None = None,
    **fields: Any,
) -> OrgUnit:
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": organization_id,
        "kind": kind,
        "name": name,
        "parent_id": parent.id if parent else None,
        "lead_id": lead.id if lead else None,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return OrgUnit(**values | fields)


def objective_row(
    in_cycle: Cycle,
    title: str,
    owner: Member | OrgUnit,
    level: Level = Level.INDIVIDUAL,
    **fields: Any,
) -> Objective:
    """An active, public objective of a member or a unit, in the cycle's organization."""
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": in_cycle.organization_id,
        "cycle_id": in_cycle.id,
        "title": title,
        "description": "",
        "owner_kind": OwnerKind.MEMBER if isinstance(owner, Member) else OwnerKind.UNIT,
        "owner_id": owner.id,
        "level": level,
        "status": ObjectiveStatus.ACTIVE,
        "visibility": Visibility.PUBLIC,
        "roll_up": False,
        "parent_objective_id": None,
        "parent_key_result_id": None,
        "source_objective_id": None,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Objective(**values | fields)


def key_result_row(of: Objective, owner: Member, due_date: date, **fields: Any) -> KeyResult:
    """A number KR from 0 to 10, due on ``due_date`` (the cycle's end, usually)."""
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": of.organization_id,
        "objective_id": of.id,
        "title": "KR",
        "owner_id": owner.id,
        "metric_kind": MetricKind.NUMBER,
        "unit": None,
        "currency": None,
        "start": Decimal(0),
        "target": Decimal(10),
        "direction": Direction.INCREASE,
        "weight": Decimal(1),
        "due_date": due_date,
        "confidence": None,
        "milestones": (),
        "final_score": None,
        "final_score_reason": None,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return KeyResult(**values | fields)


def action_row(
    on: KeyResult, title: str, owner: Member | None, due: date | None, **fields: Any
) -> Action:
    """A to-do action on the KR, with no completion standard."""
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": on.organization_id,
        "key_result_id": on.id,
        "title": title,
        "owner_id": owner.id if owner else None,
        "due_date": due,
        "status": ActionStatus.TODO,
        "completion_standard": None,
        "accepted_by": None,
        "accepted_at": None,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Action(**values | fields)


@dataclass(frozen=True)
class Membership:
    """A member in a unit: a row of its own, seeded after both."""

    unit: OrgUnit
    member: Member


Row = (
    Organization
    | Member
    | OrgUnit
    | Membership
    | Cycle
    | Objective
    | KeyResult
    | Action
    | Kpi
    | Meeting
    | Comment
)


async def _add(work: UnitOfWork, row: Row) -> None:
    match row:
        case Organization():
            await work.organizations.add(row)
        case Member():
            await work.members.add(row)
        case OrgUnit():
            await work.units.add(row)
        case Membership(unit=in_unit, member=one):
            await work.units.add_member(in_unit.organization_id, in_unit.id, one.id)
        case Cycle():
            await work.cycles.add(row)
        case Objective():
            await work.objectives.add(row)
        case KeyResult():
            await work.key_results.add(row)
        case Action():
            await work.actions.add(row)
        case Kpi():
            await work.kpis.add(row)
        case Meeting():
            await work.meetings.add(row)
        case Comment():
            await work.comments.add(row)


async def seed(factory: UnitOfWorkFactory, *rows: Row) -> None:
    """Add the rows through their repositories, in the order given, and commit them together."""
    async with factory() as work:
        for row in rows:
            await _add(work, row)
        await work.commit()
