"""Use cases of org units: the company -> department -> team tree, leads and members."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from domain.errors import Conflict, FieldError, NotFound, RuleViolation
from domain.limits import UNIT_NAME_MAX_LENGTH
from domain.organizations import validate_name
from domain.pacing_setting import PacingSetting
from domain.units import OrgUnit, UnitKind, ensure_not_under_itself, ensure_parent_fits
from service import audit
from service.auth import Principal, ensure_admin, ensure_can_read_directory
from service.concurrency import ensure_version, retry_lost_updates
from service.context import Deps
from service.management_ports import MeetingFilter
from service.okr_ports import SEES_EVERYTHING, ObjectiveFilter
from service.pacing import ensure_default_pacing
from service.pagination import Page, PageRequest
from service.patch import UNSET, Maybe
from service.ports import Graph, UnitFilter, UnitOfWork


@dataclass(frozen=True)
class NewUnit:
    kind: UnitKind
    name: str
    parent_id: UUID | None = None
    lead_id: UUID | None = None
    pacing: PacingSetting | None = None  # the default curve of its KRs; None: the org's


@dataclass(frozen=True)
class UnitChanges:
    name: Maybe[str] = UNSET
    parent_id: Maybe[UUID | None] = UNSET
    lead_id: Maybe[UUID | None] = UNSET
    pacing: Maybe[PacingSetting | None] = UNSET


async def _parent_kind(uow: UnitOfWork, org_id: UUID, parent_id: UUID | None) -> UnitKind | None:
    if parent_id is None:
        return None
    parent = await uow.units.get(org_id, parent_id)
    if parent is None:
        raise RuleViolation(
            "the parent unit does not exist",
            code="unknown_reference",
            errors=[FieldError("parent_id", "no such unit", "unknown_reference")],
        )
    return parent.kind


async def _ensure_member(uow: UnitOfWork, org_id: UUID, member_id: UUID, field: str) -> None:
    if await uow.members.get(org_id, member_id) is None:
        raise RuleViolation(
            "the member is not part of this organization",
            code="unknown_reference",
            errors=[FieldError(field, "no such member", "unknown_reference")],
        )


async def _get(uow: UnitOfWork, org_id: UUID, unit_id: UUID) -> OrgUnit:
    unit = await uow.units.get(org_id, unit_id)
    if unit is None:
        raise NotFound("unit not found")
    return unit


async def create_unit(deps: Deps, principal: Principal, data: NewUnit) -> OrgUnit:
    ensure_admin(principal)
    org_id = principal.organization_id
    now = deps.clock.now()
    unit = OrgUnit(
        id=deps.new_id(),
        organization_id=org_id,
        kind=data.kind,
        name=validate_name(data.name, max_length=UNIT_NAME_MAX_LENGTH),
        parent_id=data.parent_id,
        lead_id=data.lead_id,
        version=1,
        created_at=now,
        updated_at=now,
        pacing=data.pacing,
    )
    ensure_default_pacing(data.pacing)
    async with deps.uow() as uow:
        if data.parent_id is not None:
            # A new unit closes no loop, but its parent must not be deleted meanwhile.
            await uow.lock_graph(org_id, Graph.UNITS)
        ensure_parent_fits(data.kind, await _parent_kind(uow, org_id, data.parent_id))
        if data.lead_id is not None:
            await _ensure_member(uow, org_id, data.lead_id, "lead_id")
        await uow.units.add(unit)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="unit.created",
            resource_type="unit",
            resource_id=unit.id,
            before=None,
            after=unit,
        )
        await uow.commit()
    return unit


async def _visible_unit(uow: UnitOfWork, principal: Principal, unit_id: UUID) -> OrgUnit:
    """The unit, if the caller sees it: a unit-scoped API client sees only its subtree (one
    statement more, for such clients only); any other unit does not exist (no leak)."""
    unit = await _get(uow, principal.organization_id, unit_id)
    if principal.unit_scope is not None and principal.unit_scope not in await uow.units.ancestors(
        principal.organization_id, unit_id
    ):
        raise NotFound("unit not found")
    return unit


async def _scoped_ids(uow: UnitOfWork, principal: Principal, unit_ids: list[UUID]) -> list[UUID]:
    """Those of ``unit_ids`` in a unit-scoped client's subtree (one walk); all otherwise."""
    if principal.unit_scope is None:
        return unit_ids
    subtree = await uow.units.subtree(principal.organization_id, principal.unit_scope)
    return [u for u in unit_ids if u in subtree]


async def get_unit(deps: Deps, principal: Principal, unit_id: UUID) -> OrgUnit:
    ensure_can_read_directory(principal)
    async with deps.read() as uow:
        return await _visible_unit(uow, principal, unit_id)


async def list_units(
    deps: Deps, principal: Principal, filters: UnitFilter, page: PageRequest
) -> Page[OrgUnit]:
    ensure_can_read_directory(principal)
    if principal.unit_scope is not None:
        filters = replace(filters, within_unit=principal.unit_scope)
    async with deps.read() as uow:
        return await uow.units.list(principal.organization_id, filters, page)


@retry_lost_updates
async def update_unit(
    deps: Deps,
    principal: Principal,
    unit_id: UUID,
    changes: UnitChanges,
    *,
    expected_version: int | None = None,
) -> OrgUnit:
    ensure_admin(principal)
    org_id = principal.organization_id
    async with deps.uow() as uow:
        unit = await _get(uow, org_id, unit_id)
        ensure_version(unit.version, expected_version)
        updated = unit
        if changes.name is not UNSET:
            updated = replace(
                updated, name=validate_name(changes.name, max_length=UNIT_NAME_MAX_LENGTH)
            )
        if changes.lead_id is not UNSET:
            if changes.lead_id is not None:
                await _ensure_member(uow, org_id, changes.lead_id, "lead_id")
            updated = replace(updated, lead_id=changes.lead_id)
        if changes.pacing is not UNSET:
            ensure_default_pacing(changes.pacing)
            updated = replace(updated, pacing=changes.pacing)
        if changes.parent_id is not UNSET:
            # Before the ancestors are read: two units put under each other apart would both
            # pass the check.
            await uow.lock_graph(org_id, Graph.UNITS)
            ensure_parent_fits(unit.kind, await _parent_kind(uow, org_id, changes.parent_id))
            if changes.parent_id is not None:
                ancestors = await uow.units.ancestors(org_id, changes.parent_id)
                ensure_not_under_itself(unit_id, changes.parent_id, ancestors)
            updated = replace(updated, parent_id=changes.parent_id)
        if updated == unit:
            return unit  # nothing changed: keep the version, so other clients' ETags hold
        updated = replace(updated, version=unit.version + 1, updated_at=deps.clock.now())
        await uow.units.update(updated, previous_version=unit.version)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="unit.updated",
            resource_type="unit",
            resource_id=unit.id,
            before=unit,
            after=updated,
        )
        await uow.commit()
    return updated


@retry_lost_updates
async def delete_unit(
    deps: Deps, principal: Principal, unit_id: UUID, *, expected_version: int | None = None
) -> None:
    """Delete a unit with no sub-units, objectives or meetings; its memberships go with it."""
    ensure_admin(principal)
    org_id = principal.organization_id
    async with deps.uow() as uow:
        unit = await _get(uow, org_id, unit_id)
        ensure_version(unit.version, expected_version)
        # So that no unit moves or is created under this one between the check and the delete.
        await uow.lock_graph(org_id, Graph.UNITS)
        if await uow.units.has_children(org_id, unit_id):
            raise Conflict("move or delete the sub-units first", code="unit_has_children")
        owned = await uow.objectives.list(
            org_id,
            ObjectiveFilter(unit_id=unit_id),
            PageRequest(1),
            SEES_EVERYTHING,
        )
        if owned.items:
            raise Conflict("the unit owns objectives: keep it", code="unit_has_objectives")
        # Its meetings are the record of its retrospectives: deleting the unit would lose them.
        meetings = await uow.meetings.list(org_id, MeetingFilter(unit_id=unit_id), PageRequest(1))
        if meetings.items:
            raise Conflict("the unit has review meetings: keep it", code="unit_has_meetings")
        await uow.units.delete(org_id, unit_id)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="unit.deleted",
            resource_type="unit",
            resource_id=unit.id,
            before=unit,
            after=None,
        )
        await uow.commit()


async def list_unit_members(deps: Deps, principal: Principal, unit_id: UUID) -> list[UUID]:
    ensure_can_read_directory(principal)
    async with deps.read() as uow:
        await _visible_unit(uow, principal, unit_id)
        return list(await uow.units.member_ids(principal.organization_id, unit_id))


async def units_by_id(
    deps: Deps, principal: Principal, unit_ids: list[UUID]
) -> dict[UUID, OrgUnit]:
    """Many units at once (for GraphQL DataLoaders); unknown ids are simply absent."""
    ensure_can_read_directory(principal)
    async with deps.read() as uow:
        unit_ids = await _scoped_ids(uow, principal, unit_ids)
        return dict(await uow.units.get_many(principal.organization_id, unit_ids))


async def unit_member_ids(
    deps: Deps, principal: Principal, unit_ids: list[UUID]
) -> dict[UUID, list[UUID]]:
    """The member ids of many units at once (for GraphQL DataLoaders), ordered by id.

    Every requested unit is a key; a unit unknown to the organization has no members.
    """
    ensure_can_read_directory(principal)
    async with deps.read() as uow:
        scoped = await _scoped_ids(uow, principal, unit_ids)
        found = await uow.units.member_ids_of(principal.organization_id, scoped)
    return {u: list(found.get(u, ())) for u in unit_ids}


async def add_unit_member(deps: Deps, principal: Principal, unit_id: UUID, member_id: UUID) -> None:
    ensure_admin(principal)
    org_id = principal.organization_id
    async with deps.uow() as uow:
        await _get(uow, org_id, unit_id)
        if await uow.members.get(org_id, member_id) is None:
            raise NotFound("member not found")
        if await uow.units.add_member(org_id, unit_id, member_id):
            await _record_membership(uow, deps, principal, unit_id, member_id, added=True)
        await uow.commit()


async def remove_unit_member(
    deps: Deps, principal: Principal, unit_id: UUID, member_id: UUID
) -> None:
    ensure_admin(principal)
    org_id = principal.organization_id
    async with deps.uow() as uow:
        await _get(uow, org_id, unit_id)
        if not await uow.units.remove_member(org_id, unit_id, member_id):
            raise NotFound("the member is not in this unit")
        await _record_membership(uow, deps, principal, unit_id, member_id, added=False)
        await uow.commit()


async def _record_membership(
    uow: UnitOfWork,
    deps: Deps,
    principal: Principal,
    unit_id: UUID,
    member_id: UUID,
    *,
    added: bool,
) -> None:
    """A membership is recorded on its unit: the unit's events read as its roster's history."""
    membership = {"member_id": member_id}
    await audit.record(
        uow.audit,
        deps,
        principal,
        action="unit.member_added" if added else "unit.member_removed",
        resource_type="unit",
        resource_id=unit_id,
        before=None if added else membership,
        after=membership if added else None,
    )
