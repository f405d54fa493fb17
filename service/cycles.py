"""Use cases of OKR cycles (周期): planning -> active -> closed; closed is read-only."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

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
from domain.errors import FieldError, NotFound, RuleViolation
from domain.limits import CYCLE_NAME_MAX_LENGTH
from domain.organizations import validate_name
from service import audit
from service.auth import Principal, ensure_admin, ensure_can_read_directory
from service.concurrency import ensure_version, retry_lost_updates
from service.context import Deps
from service.pagination import Page, PageRequest
from service.patch import UNSET, Maybe
from service.ports import CycleFilter, UnitOfWork


@dataclass(frozen=True)
class NewCycle:
    name: str
    kind: CycleKind
    start_date: date
    end_date: date
    parent_id: UUID | None = None


@dataclass(frozen=True)
class CycleChanges:
    name: Maybe[str] = UNSET
    start_date: Maybe[date] = UNSET
    end_date: Maybe[date] = UNSET
    state: Maybe[CycleState] = UNSET


async def _get(uow: UnitOfWork, org_id: UUID, cycle_id: UUID) -> Cycle:
    cycle = await uow.cycles.get(org_id, cycle_id)
    if cycle is None:
        raise NotFound("cycle not found")
    return cycle


async def _parent(uow: UnitOfWork, org_id: UUID, parent_id: UUID) -> Cycle:
    parent = await uow.cycles.get(org_id, parent_id)
    if parent is None:
        raise RuleViolation(
            "the parent cycle does not exist",
            code="unknown_reference",
            errors=[FieldError("parent_id", "no such cycle", "unknown_reference")],
        )
    return parent


async def create_cycle(deps: Deps, principal: Principal, data: NewCycle) -> Cycle:
    ensure_admin(principal)
    org_id = principal.organization_id
    ensure_dates_ordered(data.start_date, data.end_date)
    now = deps.clock.now()
    cycle = Cycle(
        id=deps.new_id(),
        organization_id=org_id,
        name=validate_name(data.name, max_length=CYCLE_NAME_MAX_LENGTH),
        kind=data.kind,
        start_date=data.start_date,
        end_date=data.end_date,
        parent_id=data.parent_id,
        state=CycleState.PLANNING,
        version=1,
        created_at=now,
        updated_at=now,
    )
    async with deps.uow() as uow:
        if data.parent_id is not None:
            parent = await _parent(uow, org_id, data.parent_id)
            ensure_writable(parent)
            ensure_fits_parent(
                kind=data.kind, start_date=data.start_date, end_date=data.end_date, parent=parent
            )
        await uow.cycles.add(cycle)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="cycle.created",
            resource_type="cycle",
            resource_id=cycle.id,
            before=None,
            after=cycle,
        )
        await uow.commit()
    return cycle


async def get_cycle(deps: Deps, principal: Principal, cycle_id: UUID) -> Cycle:
    ensure_can_read_directory(principal)
    async with deps.read() as uow:
        return await _get(uow, principal.organization_id, cycle_id)


async def list_cycles(
    deps: Deps, principal: Principal, filters: CycleFilter, page: PageRequest
) -> Page[Cycle]:
    ensure_can_read_directory(principal)
    async with deps.read() as uow:
        return await uow.cycles.list(principal.organization_id, filters, page)


async def cycles_by_id(
    deps: Deps, principal: Principal, cycle_ids: list[UUID]
) -> dict[UUID, Cycle]:
    """Many cycles at once (for GraphQL DataLoaders); unknown ids are simply absent."""
    ensure_can_read_directory(principal)
    async with deps.read() as uow:
        return dict(await uow.cycles.get_many(principal.organization_id, cycle_ids))


@retry_lost_updates
async def update_cycle(
    deps: Deps,
    principal: Principal,
    cycle_id: UUID,
    changes: CycleChanges,
    *,
    expected_version: int | None = None,
) -> Cycle:
    """Rename, re-date or move a cycle forward (planning -> active -> closed)."""
    ensure_admin(principal)
    org_id = principal.organization_id
    async with deps.uow() as uow:
        cycle = await _get(uow, org_id, cycle_id)
        ensure_version(cycle.version, expected_version)
        ensure_writable(cycle)
        parent = await _parent(uow, org_id, cycle.parent_id) if cycle.parent_id else None
        if parent is not None:
            # A closed year keeps its quarters as they were.
            ensure_writable(parent)
        updated = cycle
        if changes.name is not UNSET:
            updated = replace(
                updated, name=validate_name(changes.name, max_length=CYCLE_NAME_MAX_LENGTH)
            )
        if changes.start_date is not UNSET:
            updated = replace(updated, start_date=changes.start_date)
        if changes.end_date is not UNSET:
            updated = replace(updated, end_date=changes.end_date)
        if (updated.start_date, updated.end_date) != (cycle.start_date, cycle.end_date):
            ensure_dates_ordered(updated.start_date, updated.end_date)
            if parent is not None:
                ensure_fits_parent(
                    kind=cycle.kind,
                    start_date=updated.start_date,
                    end_date=updated.end_date,
                    parent=parent,
                )
            children = await uow.cycles.children(org_id, cycle_id)
            ensure_children_fit(updated.start_date, updated.end_date, children)
        if changes.state is not UNSET and changes.state is not cycle.state:
            ensure_transition(cycle.state, changes.state)
            closed_at = deps.clock.now() if changes.state is CycleState.CLOSED else None
            updated = replace(updated, state=changes.state, closed_at=closed_at)
        if updated == cycle:
            return cycle  # nothing changed: keep the version, so other clients' ETags hold
        updated = replace(updated, version=cycle.version + 1, updated_at=deps.clock.now())
        await uow.cycles.update(updated, previous_version=cycle.version)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action=_cycle_action(cycle, updated),
            resource_type="cycle",
            resource_id=cycle.id,
            before=cycle,
            after=updated,
        )
        await uow.commit()
    return updated


def _cycle_action(before: Cycle, after: Cycle) -> str:
    # A state change names itself in the trail: "who closed the quarter" is the usual question.
    if after.state is before.state:
        return "cycle.updated"
    return "cycle.closed" if after.state is CycleState.CLOSED else "cycle.activated"
