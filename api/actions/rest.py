"""/v1/key-results/{id}/actions and /v1/actions: actions (行动, the A of OKMA) under a key
result, and their acceptance."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, Response

from api.actions.shapes import ActionCreate, ActionOut, ActionPatch
from api.rest.dependencies import CurrentPrincipal, UseCaseDeps
from api.rest.http import IfMatch, expected_version, resource_response
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from api.rest.schemas import Page
from api.rest.sorting import SyncPageDep
from domain.okrs import ActionStatus
from service import actions
from service.okr_ports import ActionFilter

router = APIRouter(tags=["actions"])


@router.get(
    "/v1/key-results/{key_result_id}/actions",
    summary="List a key result's actions",
    description="Oldest first. Filter by `owner_id`, `status`, `due_before`, `due_after`.",
    response_model=Page[ActionOut],
    responses=error_responses(401, 403, 404, 422),
)
async def list_actions(
    key_result_id: UUID,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: SyncPageDep,
    owner_id: UUID | None = None,
    status: ActionStatus | None = None,
    due_before: date | None = None,
    due_after: date | None = None,
) -> Page[ActionOut]:
    found = await actions.list_actions(
        deps,
        principal,
        key_result_id,
        ActionFilter(owner_id=owner_id, status=status, due_before=due_before, due_after=due_after),
        page,
    )
    return Page(items=[ActionOut.of(a) for a in found.items], next_cursor=found.next_cursor)


@router.post(
    "/v1/key-results/{key_result_id}/actions",
    status_code=201,
    summary="Add an action to a key result",
    description="A concrete task serving the KR: owner, due date and a completion standard "
    "(what done means). An action lacking any of them cannot move to `doing` (422 "
    "`action_not_ready`). Honours `Idempotency-Key`.",
    response_model=ActionOut,
    responses=error_responses(401, 403, 404, 422),
)
async def create_action(
    key_result_id: UUID,
    body: ActionCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        action = await actions.create_action(deps, principal, key_result_id, body.to_new())
        return resource_response(
            ActionOut.of(action),
            version=action.version,
            status=201,
            location=f"/v1/actions/{action.id}",
        )

    return await idempotency.run(produce)


@router.get(
    "/v1/actions/{action_id}",
    summary="Get an action",
    description="One action.",
    response_model=ActionOut,
    responses=error_responses(401, 403, 404),
)
async def get_action(action_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps) -> Response:
    action = await actions.get_action(deps, principal, action_id)
    return resource_response(ActionOut.of(action), version=action.version)


@router.patch(
    "/v1/actions/{action_id}",
    summary="Change an action",
    description="JSON merge; statuses todo, doing, done, blocked. The action's owner may "
    "change it too. An accepted action is final.",
    response_model=ActionOut,
    responses=error_responses(401, 403, 404, 412, 422),
)
async def update_action(
    action_id: UUID,
    body: ActionPatch,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    action = await actions.update_action(
        deps,
        principal,
        action_id,
        body.to_changes(),
        expected_version=expected_version(if_match),
    )
    return resource_response(ActionOut.of(action), version=action.version)


@router.post(
    "/v1/actions/{action_id}/accept",
    summary="Accept a done action",
    description="Only the KR's owner or the action owner's manager may accept (403 "
    "`not_acceptor`), and only a done action (422 `action_not_done`). Records who and when; "
    "audited.",
    response_model=ActionOut,
    responses=error_responses(401, 403, 404, 412, 422),
)
async def accept_action(
    action_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, if_match: IfMatch = None
) -> Response:
    action = await actions.accept_action(
        deps, principal, action_id, expected_version=expected_version(if_match)
    )
    return resource_response(ActionOut.of(action), version=action.version)
