"""Webhook endpoints in the graph, for admins: the ``webhookEndpoints`` and
``webhookEndpoint`` queries, and an endpoint's ``deliveries`` with their attempts.

The types are the REST shapes of ``api.webhooks.shapes`` (``WebhookEndpoint`` is
``WebhookEndpointOut`` plus its deliveries; ``WebhookDelivery`` is the delivery with its
``attemptLog``, as ``GET .../deliveries/{id}`` answers). Who may read them is said in
``service.webhooks`` (admins; another organization's endpoint does not exist). Writes
(create, change, rotate, replay) are REST's: a secret is shown once, in a REST answer.

An endpoint's deliveries load with their attempts in a fixed number of statements; the
lists are short and bounded (50 endpoints, 100 deliveries), as in REST, so they are plain
lists, not connections.
"""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.graphql.context import Info
from api.graphql.fields import field
from api.webhooks.shapes import WebhookAttemptOut, WebhookDeliveryDetailOut, WebhookEndpointOut
from service import webhooks

__all__ = ["WebhookAttemptOut", "WebhookDelivery", "WebhookEndpoint", "WebhookQuery"]


@strawberry.pydantic.type(
    name="WebhookDelivery",
    description="One event for one endpoint: its state, its last attempt, and every attempt.",
)
class WebhookDelivery(WebhookDeliveryDetailOut):
    pass


@strawberry.pydantic.type(
    name="WebhookEndpoint",
    description="An admin's webhook endpoint (Standard Webhooks), never its secret.",
)
class WebhookEndpoint(WebhookEndpointOut):
    @strawberry.pydantic.field(
        description="The delivery log, newest first, each delivery with its attempts "
        "(`first`: 1 to 100)."
    )
    async def deliveries(
        self, info: Info, first: int = webhooks.DELIVERY_LOG_LIMIT
    ) -> list[WebhookDelivery]:
        ctx = info.context
        logs = await webhooks.delivery_log(ctx.deps, ctx.principal, self.id, limit=first)
        return [WebhookDelivery.of_log(log) for log in logs]


@strawberry.type
class WebhookQuery:
    @field(description="Your organization's webhook endpoints (admins), oldest first.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        ctx = info.context
        found = await webhooks.list_endpoints(ctx.deps, ctx.principal)
        return [WebhookEndpoint.of_endpoint(e) for e in found]

    @field(description="One webhook endpoint (admins; else `not_found`).")
    async def webhook_endpoint(self, info: Info, id: UUID) -> WebhookEndpoint | None:
        ctx = info.context
        return WebhookEndpoint.of_endpoint(await webhooks.get_endpoint(ctx.deps, ctx.principal, id))
