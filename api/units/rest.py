"""/v1/units: the org tree (company -> department -> team), leads and members."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.rest.dependencies import CurrentPrincipal, UseCaseDeps
from api.rest.http import IfMatch, expected_version, resource_response
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from api.rest.schemas import Page
from api.rest.sorting import SyncPageDep
from api.units.shapes import UnitCreate, UnitMembersOut, UnitOut, UnitPatch
from domain.units import UnitKind
from service import units
from service.ports import UnitFilter

router = APIRouter(prefix="/v1/units", tags=["units"])


@router.get(
    "",
    summary="List org units",
    description="Units of your organization, oldest first. Filter by `kind` or `parent_id`.",
    response_model=Page[UnitOut],
    responses=error_responses(401, 403, 422),
)
async def list_units(
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: SyncPageDep,
    kind: UnitKind | None = None,
    parent_id: UUID | None = None,
) -> Page[UnitOut]:
    found = await units.list_units(
        deps, principal, UnitFilter(kind=kind, parent_id=parent_id), page
    )
    return Page(items=[UnitOut.of(u) for u in found.items], next_cursor=found.next_cursor)


@router.post(
    "",
    status_code=201,
    summary="Create an org unit",
    description="Admins create units. The one `company` unit is the root (a second one gets "
    "409 `company_unit_exists`); a `department` or `team` needs a `parent_id` of equal or "
    "higher rank. Honours `Idempotency-Key`.",
    response_model=UnitOut,
    responses=error_responses(401, 403, 409, 422),
)
async def create_unit(
    body: UnitCreate, principal: CurrentPrincipal, deps: UseCaseDeps, idempotency: IdempotencyDep
) -> Response:
    async def produce() -> Response:
        unit = await units.create_unit(deps, principal, body.to_new())
        return resource_response(
            UnitOut.of(unit), version=unit.version, status=201, location=f"/v1/units/{unit.id}"
        )

    return await idempotency.run(produce)


@router.get(
    "/{unit_id}",
    summary="Get an org unit",
    description="One unit of your organization.",
    response_model=UnitOut,
    responses=error_responses(401, 403, 404),
)
async def get_unit(unit_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps) -> Response:
    unit = await units.get_unit(deps, principal, unit_id)
    return resource_response(UnitOut.of(unit), version=unit.version)


@router.patch(
    "/{unit_id}",
    summary="Rename, move or re-lead an org unit",
    description="Moving a unit under itself or one of its descendants is refused (422 "
    "`unit_cycle`); `null` clears `lead_id`.",
    response_model=UnitOut,
    responses=error_responses(401, 403, 404, 412, 422),
)
async def update_unit(
    unit_id: UUID,
    body: UnitPatch,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    unit = await units.update_unit(
        deps,
        principal,
        unit_id,
        body.to_changes(),
        expected_version=expected_version(if_match),
    )
    return resource_response(UnitOut.of(unit), version=unit.version)


@router.delete(
    "/{unit_id}",
    status_code=204,
    summary="Delete an org unit",
    description="Deletes a unit without sub-units (409 `unit_has_children` otherwise); its "
    "memberships go with it, the members stay.",
    responses=error_responses(401, 403, 404, 409, 412),
)
async def delete_unit(
    unit_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, if_match: IfMatch = None
) -> Response:
    await units.delete_unit(deps, principal, unit_id, expected_version=expected_version(if_match))
    return Response(status_code=204)


@router.get(
    "/{unit_id}/members",
    summary="List a unit's members",
    description="The ids of the unit's members (not of its sub-units).",
    response_model=UnitMembersOut,
    responses=error_responses(401, 403, 404),
)
async def list_unit_members(
    unit_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> UnitMembersOut:
    ids = await units.list_unit_members(deps, principal, unit_id)
    return UnitMembersOut(unit_id=unit_id, member_ids=ids)


@router.put(
    "/{unit_id}/members/{member_id}",
    status_code=204,
    summary="Add a member to a unit",
    description="Idempotent: adding a member twice keeps one membership.",
    responses=error_responses(401, 403, 404),
)
async def add_unit_member(
    unit_id: UUID, member_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> Response:
    await units.add_unit_member(deps, principal, unit_id, member_id)
    return Response(status_code=204)


@router.delete(
    "/{unit_id}/members/{member_id}",
    status_code=204,
    summary="Remove a member from a unit",
    description="404 when the member is not in the unit.",
    responses=error_responses(401, 403, 404),
)
async def remove_unit_member(
    unit_id: UUID, member_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> Response:
    await units.remove_unit_member(deps, principal, unit_id, member_id)
    return Response(status_code=204)
