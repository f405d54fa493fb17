"""The shapes of webhook endpoints, deliveries and their attempts, and of a replay. The
secret appears only in ``WebhookEndpointWithSecretOut`` (creation and rotation). GraphQL
serves the same classes (api/webhooks/graphql.py)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Self
from uuid import UUID

import strawberry
from pydantic import BaseModel, ConfigDict, Field

from api.shapes import Input, Output
from api.times import UtcInstant
from service import webhooks
from service.webhook_ports import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    ReplayedDeliveries,
    ReplayWindow,
    WebhookEndpoint,
)

# Registered here, beside the only shapes that use it (GraphQL: PENDING, SUCCEEDED, FAILED).
strawberry.enum(
    DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="pending (waiting for its next attempt), succeeded (2xx), failed (every "
    "attempt of the schedule failed).",
)

_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"
_TYPES = Field(
    default=None,
    examples=[["check_in.created", "key_result.updated"]],
    description="Event types of the catalogue to receive; null: every type.",
)


class WebhookEndpointCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.com/okr",
                    "event_types": ["check_in.created"],
                    "description": "CRM sync",
                }
            ]
        },
    )

    url: str = Field(max_length=webhooks.URL_MAX_LENGTH, examples=["https://hooks.example.com/okr"])
    event_types: list[str] | None = _TYPES
    description: str = Field(
        default="", max_length=webhooks.DESCRIPTION_MAX_LENGTH, examples=["CRM sync"]
    )
    enabled: bool = True

    def to_new(self) -> webhooks.NewEndpoint:
        return webhooks.NewEndpoint(
            url=self.url,
            event_types=self.event_types,
            description=self.description,
            enabled=self.enabled,
        )


class WebhookEndpointPatch(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"enabled": True}]})

    url: str | None = Field(default=None, max_length=webhooks.URL_MAX_LENGTH)
    event_types: list[str] | None = _TYPES
    description: str | None = Field(default=None, max_length=webhooks.DESCRIPTION_MAX_LENGTH)
    enabled: bool | None = Field(
        default=None, description="true re-enables an endpoint and clears `disabled_reason`."
    )

    def to_changes(self) -> webhooks.EndpointChanges:
        sent = self.model_fields_set
        kwargs: dict[str, object] = {}
        for name in ("url", "description", "enabled"):
            if name in sent and getattr(self, name) is not None:
                kwargs[name] = getattr(self, name)
        if "event_types" in sent:
            kwargs["event_types"] = self.event_types
        return webhooks.EndpointChanges(**kwargs)  # type: ignore[arg-type]


class WebhookEndpointOut(Output):
    id: UUID = Field(examples=[_ID])
    url: str = Field(examples=["https://hooks.example.com/okr"])
    event_types: list[str] | None = Field(
        examples=[["check_in.created"]], description="null: every type of the catalogue."
    )
    description: str = Field(examples=["CRM sync"])
    enabled: bool
    disabled_reason: str | None = Field(
        examples=[None],
        description="Why the service disabled it (every attempt failed over the schedule).",
    )
    created_at: datetime
    updated_at: datetime
    last_success_at: datetime | None = Field(examples=["2026-02-14T09:30:00Z"])

    @classmethod
    def of_endpoint(cls, endpoint: WebhookEndpoint) -> Self:
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            event_types=list(endpoint.event_types) if endpoint.event_types else None,
            description=endpoint.description,
            enabled=endpoint.enabled,
            disabled_reason=endpoint.disabled_reason,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
            last_success_at=endpoint.last_success_at,
        )


class WebhookEndpointWithSecretOut(WebhookEndpointOut):
    secret: str = Field(
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        description="The signing secret: shown now only. Verify `webhook-signature` with it.",
    )

    @classmethod
    def of_created(cls, created: webhooks.EndpointWithSecret) -> Self:
        base = WebhookEndpointOut.of_endpoint(created.endpoint)
        return cls(**base.model_dump(), secret=created.secret)


class WebhookEndpointListOut(BaseModel):
    items: list[WebhookEndpointOut]


class WebhookDeliveryOut(Output):
    id: UUID
    event_id: UUID = Field(description="Also the `webhook-id` header of every attempt.")
    event_type: str
    status: DeliveryStatus = Field(examples=["succeeded"])
    attempts: int = Field(examples=[3], description="Attempts since it was made or last replayed.")
    created_at: datetime
    last_attempt_at: datetime | None = Field(examples=["2026-02-14T09:30:05Z"])
    response_status: int | None = Field(
        examples=[503], description="The last attempt's HTTP status, if any."
    )
    duration_ms: int | None = Field(examples=[120], description="How long the last attempt took.")
    last_error: str | None = Field(examples=["HTTP 503"])
    next_attempt_at: datetime | None = Field(examples=["2026-02-14T09:35:05Z"])
    delivered_at: datetime | None = Field(examples=[None])

    @classmethod
    def of_delivery(cls, delivery: Delivery) -> Self:
        return cls(
            id=delivery.id,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            status=delivery.status,
            attempts=delivery.attempts,
            created_at=delivery.created_at,
            last_attempt_at=delivery.last_attempt_at,
            response_status=delivery.response_status,
            duration_ms=delivery.duration_ms,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at,
            delivered_at=delivery.delivered_at,
        )


class WebhookDeliveryListOut(BaseModel):
    items: list[WebhookDeliveryOut]


@strawberry.pydantic.type(
    name="WebhookDeliveryAttempt",
    description="One attempt of a delivery: what came back, never what was signed.",
)
class WebhookAttemptOut(Output):
    number: int = Field(
        examples=[1], description="1 for the first attempt; replays go on counting."
    )
    attempted_at: datetime = Field(examples=["2026-02-14T09:30:05Z"])
    duration_ms: int = Field(examples=[120])
    response_status: int | None = Field(
        examples=[503], description="The receiver's HTTP status; null: no answer."
    )
    error: str | None = Field(
        examples=["HTTP 503"],
        description="Why it failed (`HTTP 503`, `timed out after 10 s`, a refused address); "
        "null: delivered.",
    )
    response_excerpt: str | None = Field(
        examples=["upstream busy"],
        description="The start of the receiver's answer (at most 1,024 characters), when kept.",
    )

    @classmethod
    def of_attempt(cls, attempt: DeliveryAttempt) -> Self:
        return cls.of(attempt)


class WebhookDeliveryDetailOut(WebhookDeliveryOut):
    attempt_log: list[WebhookAttemptOut] = Field(
        description="Every attempt, oldest first (kept 30 days)."
    )

    @classmethod
    def of_log(cls, log: webhooks.DeliveryLog) -> Self:
        base = WebhookDeliveryOut.of_delivery(log.delivery)
        return cls(
            **dict(base),
            attempt_log=[WebhookAttemptOut.of_attempt(a) for a in log.attempts],
        )


class WebhookReplay(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"since": "2026-02-14T00:00:00Z", "event_types": ["check_in.created"]}]
        },
    )

    since: UtcInstant = Field(
        examples=["2026-02-14T00:00:00Z"],
        description="Deliveries made at or after this instant (RFC 3339, not older than the "
        "30 days the log is kept).",
    )
    until: UtcInstant | None = Field(
        default=None, examples=[None], description="...and before this one; null: until now."
    )
    event_types: list[str] | None = Field(
        default=None,
        examples=[["check_in.created"]],
        description="Only deliveries of these event types; null: every type.",
    )
    after: str | None = Field(
        default=None,
        max_length=200,
        examples=[None],
        description="The `next_cursor` of a truncated answer: go on after the last delivery "
        "it replayed (send the same `since`, `until` and `event_types`); null: from `since`.",
    )

    def to_window(self) -> ReplayWindow:
        return ReplayWindow(
            since=self.since,
            until=self.until,
            event_types=tuple(self.event_types) if self.event_types is not None else None,
        )


class WebhookReplayOut(BaseModel):
    queued: int = Field(
        examples=[42], description="Deliveries made pending again: each is sent once more."
    )
    already_pending: int = Field(
        examples=[1],
        description="Deliveries in the window still pending: sent on their own "
        "schedule, not twice.",
    )
    expired: int = Field(
        examples=[0],
        description="Deliveries in the window whose event passed its 30-day retention: "
        "nothing to send, not queued.",
    )
    truncated: bool = Field(
        examples=[False],
        description="More than 10,000 deliveries matched: only the oldest 10,000 were "
        "replayed; call again with `after` = `next_cursor` for the rest.",
    )
    next_cursor: str | None = Field(
        examples=[None],
        description="When `truncated`: pass it as `after` (with the same window) for the "
        "rest, none replayed twice; else null.",
    )
    next_since: datetime | None = Field(
        examples=[None],
        description="Deprecated, kept for older clients: the `created_at` of the first "
        "delivery left out when `truncated`. Deliveries made together share it, so `since` "
        "= `next_since` replays some again: use `next_cursor`.",
    )

    @classmethod
    def of_replayed(cls, replayed: ReplayedDeliveries) -> Self:
        after = replayed.next_after
        return cls(
            queued=replayed.queued,
            already_pending=replayed.already_pending,
            expired=replayed.expired,
            truncated=replayed.next_since is not None,
            next_cursor=webhooks.encode_replay_cursor(after) if after is not None else None,
            next_since=replayed.next_since,
        )


def without_secret(body: bytes) -> bytes:
    """What the idempotency store keeps of a creation's answer: not the secret."""
    kept = json.loads(body)
    kept.pop("secret", None)
    return json.dumps(kept).encode()
