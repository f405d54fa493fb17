"""/v1/objectives: objectives (目标) with their KRs and scores; alignment links; carry-over."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.objectives.shapes import (
    ClosedObjectives,
    ObjectiveCopy,
    ObjectiveCopyOut,
    ObjectiveCreate,
    ObjectiveOut,
    ObjectivePatch,
)
from api.rest.dependencies import AsOfParam, CurrentPrincipal, UseCaseDeps
from api.rest.http import IfMatch, expected_version, json_response, resource_response
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from api.rest.schemas import Page
from api.rest.sorting import SyncPageDep
from domain.limits import OBJECTIVE_SEARCH_MAX_LENGTH
from domain.okrs import Ambition, Level, ObjectiveStatus
from service import objectives
from service.okr_ports import ObjectiveFilter
from service.scores import ObjectiveView

router = APIRouter(prefix="/v1/objectives", tags=["objectives"])
cycles_router = APIRouter(prefix="/v1/cycles", tags=["objectives"])


def _created(view: ObjectiveView) -> Response:
    return resource_response(
        ObjectiveOut.of(view),
        version=view.objective.version,
        status=201,
        location=f"/v1/objectives/{view.objective.id}",
    )


@router.get(
    "",
    summary="List objectives",
    description="Objectives you may see, oldest first, each with its KRs and scores. Private "
    "objectives of others are absent. Filter by `cycle_id`, `owner_id` (a member), `unit_id` "
    "(a unit owning it), `level`, `status`, `q` (part of the title), `below_unit_id` "
    "(everything below a unit, its members' objectives included), `orphans=true` "
    "(non-company objectives aligned to nothing), `ambition` (`committed` or `aspirational`).",
    response_model=Page[ObjectiveOut],
    responses=error_responses(401, 403, 422),
)
async def list_objectives(
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: SyncPageDep,
    cycle_id: UUID | None = None,
    owner_id: UUID | None = None,
    unit_id: UUID | None = None,
    level: Level | None = None,
    status: ObjectiveStatus | None = None,
    ambition: Ambition | None = None,
    q: Annotated[str | None, Query(max_length=OBJECTIVE_SEARCH_MAX_LENGTH)] = None,
    below_unit_id: Annotated[
        UUID | None,
        Query(
            description="Everything below a unit: owned by it or a unit under it, or by "
            "one of their members."
        ),
    ] = None,
    orphans: Annotated[
        bool, Query(description="Only non-company objectives aligned to nothing.")
    ] = False,
) -> Response:
    found = await objectives.list_objectives(
        deps,
        principal,
        ObjectiveFilter(
            cycle_id=cycle_id,
            owner_id=owner_id,
            unit_id=unit_id,
            level=level,
            status=status,
            ambition=ambition,
            q=q,
            below_unit_id=below_unit_id,
            orphans=orphans,
        ),
        page,
    )
    page_out: Page[ObjectiveOut] = Page(
        items=[ObjectiveOut.of(v) for v in found.items], next_cursor=found.next_cursor
    )
    return json_response(page_out)


@router.post(
    "",
    status_code=201,
    summary="Create an objective",
    description="Create an objective in a cycle that is not closed, owned by you (default), "
    "one of your reports, or a unit you lead (admins: anyone). Align it to one parent "
    "objective (`parent_objective_id`) or contribute to one KR of another objective "
    "(`parent_key_result_id`): upward by level, sideways only to a KR; a loop is refused "
    "(422 `alignment_cycle`). Honours `Idempotency-Key`.",
    response_model=ObjectiveOut,
    responses=error_responses(401, 403, 404, 422),
)
async def create_objective(
    body: ObjectiveCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        view = await objectives.create_objective(deps, principal, body.to_new())
        return _created(view)

    return await idempotency.run(produce)


@router.get(
    "/{objective_id}",
    summary="Get an objective",
    description="One objective with its KRs, their current values and every score; with "
    "`as_of`, as they stood then (KRs created later are absent; an objective created later "
    "is 404).",
    response_model=ObjectiveOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_objective(
    objective_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, as_of: AsOfParam = None
) -> Response:
    view = await objectives.get_objective(deps, principal, objective_id, as_of=as_of)
    return resource_response(ObjectiveOut.of(view), version=view.objective.version)


@router.patch(
    "/{objective_id}",
    summary="Change an objective",
    description="JSON merge. `status`: draft <-> active -> closed (reopenable), archived is "
    "final. Set or clear the alignment link with `parent_objective_id` or "
    "`parent_key_result_id` (one of them). Reassign it with `owner` (see its description).",
    response_model=ObjectiveOut,
    responses=error_responses(401, 403, 404, 412, 422),
)
async def update_objective(
    objective_id: UUID,
    body: ObjectivePatch,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    view = await objectives.update_objective(
        deps,
        principal,
        objective_id,
        body.to_changes(),
        expected_version=expected_version(if_match),
    )
    return resource_response(ObjectiveOut.of(view), version=view.objective.version)


@router.delete(
    "/{objective_id}",
    summary="Delete or archive an objective",
    description="Deletes an objective never checked in on (204). Once any of its KRs has "
    "check-ins it is archived instead, keeping its history (200 with the archived "
    "objective). 409 `objective_has_children` while objectives align to it.",
    response_model=ObjectiveOut,
    responses={204: {"description": "Deleted"}, **error_responses(401, 403, 404, 409, 412, 422)},
)
async def delete_objective(
    objective_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, if_match: IfMatch = None
) -> Response:
    view = await objectives.delete_objective(
        deps, principal, objective_id, expected_version=expected_version(if_match)
    )
    if view is None:
        return Response(status_code=204)
    return resource_response(ObjectiveOut.of(view), version=view.objective.version)


@router.post(
    "/{objective_id}/copy",
    status_code=201,
    summary="Carry an objective over into another cycle",
    description="Copies the objective as a draft into `cycle_id` with its KRs (start, target, "
    "weights, milestones, KPI link) and the actions not done, without check-ins; the copy's "
    "`source_objective_id` names the original. Due dates (KRs', actions') keep their offset "
    "from the cycle's start, clamped into the new cycle; a date on the old cycle's end moves "
    "to the new end. `carry: achieved` starts each KR where the source stands. The copy "
    "aligns to the parent's copy in the new cycle when there is one (`alignment`: "
    "`followed`), else it is unaligned (`unaligned`). Into its own cycle: 422 `same_cycle`.",
    response_model=ObjectiveCopyOut,
    responses=error_responses(401, 403, 404, 422),
)
async def copy_objective(
    objective_id: UUID,
    body: ObjectiveCopy,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        result = await objectives.copy_objective(
            deps,
            principal,
            objective_id,
            body.to_request(),
        )
        return resource_response(
            ObjectiveCopyOut.of_copy(result),
            version=result.view.objective.version,
            status=201,
            location=f"/v1/objectives/{result.view.objective.id}",
        )

    return await idempotency.run(produce)


@cycles_router.post(
    "/{cycle_id}/close-objectives",
    summary="Close a cycle's unfinished objectives",
    description="Admins: every objective of the cycle that is neither closed nor archived is "
    "closed, in one transaction; the ids closed are returned.",
    response_model=ClosedObjectives,
    responses=error_responses(401, 403, 404),
)
async def close_cycle_objectives(
    cycle_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> ClosedObjectives:
    closed = await objectives.close_unfinished(deps, principal, cycle_id)
    return ClosedObjectives(closed=closed)
