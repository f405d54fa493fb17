"""/v1/cycles: OKR periods (周期) and their planning -> active -> closed life."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, Response

from api.cycles.shapes import CycleCreate, CycleOut, CyclePatch
from api.rest.dependencies import CurrentPrincipal, UseCaseDeps
from api.rest.http import IfMatch, expected_version, resource_response
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from api.rest.schemas import Page
from api.rest.sorting import SyncPageDep
from domain.cycles import CycleKind, CycleState
from service import cycles
from service.ports import CycleFilter

router = APIRouter(prefix="/v1/cycles", tags=["cycles"])


@router.get(
    "",
    summary="List cycles",
    description="Cycles of your organization, oldest first. Filter by `kind`, `state`, "
    "`parent_id`, or `contains_date` (cycles running on that day).",
    response_model=Page[CycleOut],
    responses=error_responses(401, 403, 422),
)
async def list_cycles(
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: SyncPageDep,
    kind: CycleKind | None = None,
    state: CycleState | None = None,
    parent_id: UUID | None = None,
    contains_date: date | None = None,
) -> Page[CycleOut]:
    found = await cycles.list_cycles(
        deps,
        principal,
        CycleFilter(kind=kind, state=state, parent_id=parent_id, contains_date=contains_date),
        page,
    )
    return Page(items=[CycleOut.of(c) for c in found.items], next_cursor=found.next_cursor)


@router.post(
    "",
    status_code=201,
    summary="Create a cycle",
    description="Admins create cycles in `planning`. A quarter may sit inside a year (or a "
    "month inside a quarter) through `parent_id`: its dates must lie within the parent's "
    "(422 `invalid_cycle_dates`). Honours `Idempotency-Key`.",
    response_model=CycleOut,
    responses=error_responses(401, 403, 422),
)
async def create_cycle(
    body: CycleCreate, principal: CurrentPrincipal, deps: UseCaseDeps, idempotency: IdempotencyDep
) -> Response:
    async def produce() -> Response:
        cycle = await cycles.create_cycle(deps, principal, body.to_new())
        return resource_response(
            CycleOut.of(cycle), version=cycle.version, status=201, location=f"/v1/cycles/{cycle.id}"
        )

    return await idempotency.run(produce)


@router.get(
    "/{cycle_id}",
    summary="Get a cycle",
    description="One cycle of your organization.",
    response_model=CycleOut,
    responses=error_responses(401, 403, 404),
)
async def get_cycle(cycle_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps) -> Response:
    cycle = await cycles.get_cycle(deps, principal, cycle_id)
    return resource_response(CycleOut.of(cycle), version=cycle.version)


@router.patch(
    "/{cycle_id}",
    summary="Change a cycle or move its state",
    description="Rename or re-date a cycle, or move `state` forward: planning -> active -> "
    "closed (422 `invalid_transition` otherwise). A closed cycle is read-only (422 "
    "`cycle_closed`).",
    response_model=CycleOut,
    responses=error_responses(401, 403, 404, 412, 422),
)
async def update_cycle(
    cycle_id: UUID,
    body: CyclePatch,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    cycle = await cycles.update_cycle(
        deps,
        principal,
        cycle_id,
        body.to_changes(),
        expected_version=expected_version(if_match),
    )
    return resource_response(CycleOut.of(cycle), version=cycle.version)
