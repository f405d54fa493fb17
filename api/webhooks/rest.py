"""/v1/webhook-endpoints: admins' webhook endpoints, their delivery logs (each delivery's
attempts), replay of one delivery or of every one since a time."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from api.rest.dependencies import CurrentPrincipal, UseCaseDeps
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from api.webhooks.shapes import (
    WebhookDeliveryDetailOut,
    WebhookDeliveryListOut,
    WebhookDeliveryOut,
    WebhookEndpointCreate,
    WebhookEndpointListOut,
    WebhookEndpointOut,
    WebhookEndpointPatch,
    WebhookEndpointWithSecretOut,
    WebhookReplay,
    WebhookReplayOut,
    without_secret,
)
from service import webhooks

router = APIRouter(prefix="/v1/webhook-endpoints", tags=["webhooks"])


@router.get(
    "",
    summary="List webhook endpoints",
    description="Your organization's webhook endpoints (admins), oldest first; never their "
    "secrets.",
    response_model=WebhookEndpointListOut,
    responses=error_responses(401, 403),
)
async def list_webhook_endpoints(
    principal: CurrentPrincipal, deps: UseCaseDeps
) -> WebhookEndpointListOut:
    found = await webhooks.list_endpoints(deps, principal)
    return WebhookEndpointListOut(items=[WebhookEndpointOut.of_endpoint(e) for e in found])


@router.post(
    "",
    status_code=201,
    summary="Create a webhook endpoint",
    description="Admins: an http(s) `url`, the `event_types` to receive (null: all), a "
    "`description`. The answer carries the signing `secret` (`whsec_...`), shown this once. "
    "Every event of those types committed after now is POSTed to the URL, signed per "
    "Standard Webhooks. Deliveries carry what an admin may see, private objectives' events "
    "included. Honours `Idempotency-Key` (a replay omits the secret).",
    response_model=WebhookEndpointWithSecretOut,
    responses=error_responses(401, 403, 422),
)
async def create_webhook_endpoint(
    body: WebhookEndpointCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        created = await webhooks.create_endpoint(deps, principal, body.to_new())
        return JSONResponse(
            WebhookEndpointWithSecretOut.of_created(created).model_dump(mode="json"),
            status_code=201,
            headers={"Location": f"/v1/webhook-endpoints/{created.endpoint.id}"},
        )

    # A replay of the same key answers without the secret: it is shown once.
    return await idempotency.run(produce, kept_body=without_secret)


@router.get(
    "/{endpoint_id}",
    summary="Get a webhook endpoint",
    description="One endpoint (admins), without its secret.",
    response_model=WebhookEndpointOut,
    responses=error_responses(401, 403, 404),
)
async def get_webhook_endpoint(
    endpoint_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> WebhookEndpointOut:
    return WebhookEndpointOut.of_endpoint(await webhooks.get_endpoint(deps, principal, endpoint_id))


@router.patch(
    "/{endpoint_id}",
    summary="Change a webhook endpoint",
    description="JSON merge of `url`, `event_types`, `description`, `enabled`. Enabling an "
    "endpoint the service disabled clears its `disabled_reason`; its pending deliveries go "
    "out again.",
    response_model=WebhookEndpointOut,
    responses=error_responses(401, 403, 404, 422),
)
async def update_webhook_endpoint(
    endpoint_id: UUID, body: WebhookEndpointPatch, principal: CurrentPrincipal, deps: UseCaseDeps
) -> WebhookEndpointOut:
    changed = await webhooks.update_endpoint(deps, principal, endpoint_id, body.to_changes())
    return WebhookEndpointOut.of_endpoint(changed)


@router.delete(
    "/{endpoint_id}",
    status_code=204,
    summary="Delete a webhook endpoint",
    description="The endpoint and its delivery log go; nothing more is sent to it.",
    responses=error_responses(401, 403, 404),
)
async def delete_webhook_endpoint(
    endpoint_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> Response:
    await webhooks.delete_endpoint(deps, principal, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    summary="Rotate a webhook endpoint's secret",
    description="A new secret, shown this once. For 24 hours deliveries carry two "
    "signatures (new and old secret), so receivers can switch without losing one.",
    response_model=WebhookEndpointWithSecretOut,
    responses=error_responses(401, 403, 404),
)
async def rotate_webhook_secret(
    endpoint_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> WebhookEndpointWithSecretOut:
    rotated = await webhooks.rotate_secret(deps, principal, endpoint_id)
    return WebhookEndpointWithSecretOut.of_created(rotated)


@router.get(
    "/{endpoint_id}/deliveries",
    summary="List an endpoint's deliveries",
    description="The delivery log, newest first: status (`pending`, `succeeded`, `failed`), "
    "attempts, the last attempt's response code, duration and error, the next attempt.",
    response_model=WebhookDeliveryListOut,
    responses=error_responses(401, 403, 404, 422),
)
async def list_webhook_deliveries(
    endpoint_id: UUID,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    limit: Annotated[
        int, Query(description="At most this many, 1 to 100 (default 100).", examples=[50])
    ] = webhooks.DELIVERY_LOG_LIMIT,
) -> WebhookDeliveryListOut:
    found = await webhooks.list_deliveries(deps, principal, endpoint_id, limit=limit)
    return WebhookDeliveryListOut(items=[WebhookDeliveryOut.of_delivery(d) for d in found])


@router.get(
    "/{endpoint_id}/deliveries/{delivery_id}",
    summary="Get a delivery with its attempts",
    description="One delivery of the endpoint and every attempt of it, oldest first: when, "
    "how long, the response code or why there was none, the start of the answer. Replays "
    "go on numbering the attempts. Kept 30 days.",
    response_model=WebhookDeliveryDetailOut,
    responses=error_responses(401, 403, 404),
)
async def get_webhook_delivery(
    endpoint_id: UUID, delivery_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> WebhookDeliveryDetailOut:
    log = await webhooks.get_delivery(deps, principal, endpoint_id, delivery_id)
    return WebhookDeliveryDetailOut.of_log(log)


@router.post(
    "/{endpoint_id}/replay",
    status_code=202,
    summary="Replay deliveries since a time",
    description="Send again every delivery of the endpoint made at or after `since` (and "
    "before `until`, of the `event_types` given), succeeded and failed alike, each with its "
    "first `webhook-id` (receivers deduplicate) and a fresh retry schedule. At most 10,000 "
    "per call, oldest first: when `truncated`, call again with `after` = `next_cursor` for "
    "the rest (`next_since` is deprecated). `since` may be at most 30 days ago (the log's "
    "and the events' retention): older is 422 `too_old`. Deliveries still pending are not "
    "queued twice (`already_pending`); those whose event passed its retention are not "
    "queued (`expired`). A disabled endpoint's deliveries go out once it is enabled. "
    "Honours `Idempotency-Key` (a retry does not send everything again). Audited.",
    response_model=WebhookReplayOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def replay_webhook_deliveries(
    endpoint_id: UUID,
    body: WebhookReplay,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        replayed = await webhooks.replay_since(
            deps, principal, endpoint_id, body.to_window(), after=body.after
        )
        answer = WebhookReplayOut.of_replayed(replayed)
        return JSONResponse(answer.model_dump(mode="json"), status_code=202)

    return await idempotency.run(produce)


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/replay",
    summary="Replay a delivery",
    description="Send a succeeded or failed delivery again, with the same `webhook-id` and a "
    "fresh retry schedule. A pending one is refused (409 `delivery_pending`).",
    response_model=WebhookDeliveryOut,
    responses=error_responses(401, 403, 404, 409),
)
async def replay_webhook_delivery(
    endpoint_id: UUID, delivery_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> WebhookDeliveryOut:
    replayed = await webhooks.replay_delivery(deps, principal, endpoint_id, delivery_id)
    return WebhookDeliveryOut.of_delivery(replayed)
