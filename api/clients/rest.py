"""/v1/api-clients: admins' API clients (machine identities for integrations). Tokens for
them come from ``POST /oauth/token`` (api/oauth/rest.py)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from api.clients.shapes import (
    ApiClientCreate,
    ApiClientListOut,
    ApiClientOut,
    ApiClientWithSecretOut,
    without_secret,
)
from api.rest.dependencies import CurrentPrincipal, UseCaseDeps
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from service import api_clients

router = APIRouter(prefix="/v1/api-clients", tags=["api-clients"])


@router.get(
    "",
    summary="List API clients",
    description="Your organization's API clients (admins), oldest first, revoked ones "
    "included; never their secrets.",
    response_model=ApiClientListOut,
    responses=error_responses(401, 403),
)
async def list_api_clients(principal: CurrentPrincipal, deps: UseCaseDeps) -> ApiClientListOut:
    found = await api_clients.list_clients(deps, principal)
    return ApiClientListOut(items=[ApiClientOut.of_client(c) for c in found])


@router.post(
    "",
    status_code=201,
    summary="Create an API client",
    description="Admins: a `name`, the `scopes` its tokens may carry, optionally a `unit_id` "
    "(the client then reads and writes only that unit's subtree) and an `expires_at`. The "
    "answer carries the `client_secret`, shown this once and stored hashed. Get tokens with "
    "`POST /oauth/token` (client credentials). Audited. Honours `Idempotency-Key` (a replay "
    "omits the secret).",
    response_model=ApiClientWithSecretOut,
    responses=error_responses(401, 403, 422),
)
async def create_api_client(
    body: ApiClientCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        created = await api_clients.create_client(deps, principal, body.to_new())
        return JSONResponse(
            ApiClientWithSecretOut.of_created(created).model_dump(mode="json"),
            status_code=201,
            headers={"Location": f"/v1/api-clients/{created.client.id}"},
        )

    return await idempotency.run(produce, kept_body=without_secret)


@router.get(
    "/{client_id}",
    summary="Get an API client",
    description="One API client (admins), without its secret.",
    response_model=ApiClientOut,
    responses=error_responses(401, 403, 404),
)
async def get_api_client(
    client_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> ApiClientOut:
    return ApiClientOut.of_client(await api_clients.get_client(deps, principal, client_id))


@router.post(
    "/{client_id}/rotate-secret",
    summary="Rotate an API client's secret",
    description="A new `client_secret`, shown this once. The previous secret keeps getting "
    "tokens for 24 hours (`previous_secret_expires_at`), so the integration can switch "
    "without an outage. Audited.",
    response_model=ApiClientWithSecretOut,
    responses=error_responses(401, 403, 404, 422),
)
async def rotate_api_client_secret(
    client_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> ApiClientWithSecretOut:
    rotated = await api_clients.rotate_secret(deps, principal, client_id)
    return ApiClientWithSecretOut.of_created(rotated)


@router.delete(
    "/{client_id}",
    summary="Revoke an API client",
    description="For good: no token is issued to it any more, and tokens already issued "
    "stop working within 30 seconds. The client stays listed with its `revoked_at`. Audited.",
    response_model=ApiClientOut,
    responses=error_responses(401, 403, 404),
)
async def delete_api_client(
    client_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> ApiClientOut:
    return ApiClientOut.of_client(await api_clients.revoke_client(deps, principal, client_id))
