"""The port of webhook endpoints and their deliveries (see service/webhooks.py), and what it
speaks in. Implemented by service/storage/postgres/webhook_repositories.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from service.event_ports import IntegrationEvent


@dataclass(frozen=True)
class WebhookEndpoint:
    """An admin's endpoint. ``event_types`` None: every type of the catalogue. ``secret`` is
    the signing key (``whsec_...``), kept as is: signing needs it."""

    id: UUID
    organization_id: UUID
    url: str
    description: str
    event_types: tuple[str, ...] | None
    enabled: bool
    disabled_reason: str | None
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    last_success_at: datetime | None


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SUCCEEDED = "succeeded"  # the receiver answered 2xx
    FAILED = "failed"  # every attempt of the schedule failed


@dataclass(frozen=True)
class Delivery:
    """One event for one endpoint, with its last attempt."""

    id: UUID
    organization_id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    response_status: int | None
    duration_ms: int | None
    last_error: str | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class PlannedAttempt:
    """What the sender needs for one attempt: the delivery, where, and what to sign."""

    delivery: Delivery
    endpoint: WebhookEndpoint
    event: IntegrationEvent | None  # None: the event passed the outbox's retention


@dataclass(frozen=True)
class AttemptOutcome:
    response_status: int | None  # None: no answer (refused, timed out, unreachable)
    duration_ms: int
    error: str | None  # None: delivered (2xx)
    # The start of the receiver's answer, when the sender read it (RESPONSE_EXCERPT_MAX_LENGTH).
    response_excerpt: str | None = None

    @property
    def delivered(self) -> bool:
        return self.error is None


RESPONSE_EXCERPT_MAX_LENGTH = 1024  # characters of a receiver's answer kept per attempt
ATTEMPT_ERROR_MAX_LENGTH = 500  # characters of an attempt's error kept


@dataclass(frozen=True)
class DeliveryAttempt:
    """One attempt of a delivery, as its log keeps it. ``number`` counts every attempt of the
    delivery, replays' included (1, 2, ...). Never holds a secret: only what came back."""

    delivery_id: UUID
    number: int
    attempted_at: datetime
    duration_ms: int
    response_status: int | None
    error: str | None  # None: delivered
    response_excerpt: str | None


@dataclass(frozen=True, order=True)
class DeliveryPosition:
    """Where a replay stands in an endpoint's deliveries, in (created_at, id) order: the
    dispatcher gives a whole batch one ``created_at``, so the id breaks the ties."""

    created_at: datetime
    id: UUID


@dataclass(frozen=True)
class ReplayWindow:
    """Which deliveries of an endpoint a replay sends again: created in [since, until),
    and past ``after`` (a previous call's last one) when given."""

    since: datetime
    until: datetime | None
    event_types: tuple[str, ...] | None  # None: every type
    after: DeliveryPosition | None = None


@dataclass(frozen=True)
class ReplayedDeliveries:
    queued: int  # made pending again, for the dispatcher to queue
    already_pending: int  # pending anyway: each is sent on its own schedule
    # When more matched than one call replays: the ``created_at`` of the first left out
    # (oldest first). Kept for older clients: a batch shares one ``created_at``, so
    # ``since`` it replays some again; ``next_after`` does not.
    next_since: datetime | None
    # When more matched: the last delivery this call went through; replay ``after`` it.
    next_after: DeliveryPosition | None = None
    # Their event passed the outbox's retention: nothing to send, left as they were.
    expired: int = 0


@dataclass(frozen=True)
class WebhookBacklog:
    """How far behind webhooks are, for ``GET /metrics`` (read from the database at scrape
    time: the worker is another process)."""

    outbox_lag_seconds: float  # the oldest event not yet made into deliveries; 0: none
    jobs: dict[str, int]  # the queue's delivery jobs by pgqueuer status (queued, picked)
    deliveries: dict[str, int]  # the delivery log by status (pending, succeeded, failed)


class WebhookRepository(Protocol):
    async def add_endpoint(self, endpoint: WebhookEndpoint) -> None: ...
    async def get_endpoint(
        self, organization_id: UUID, endpoint_id: UUID
    ) -> WebhookEndpoint | None:
        """The endpoint, locked for update within a writing unit of work."""

    async def list_endpoints(self, organization_id: UUID) -> Sequence[WebhookEndpoint]: ...
    async def update_endpoint(self, endpoint: WebhookEndpoint) -> None: ...
    async def delete_endpoint(self, organization_id: UUID, endpoint_id: UUID) -> None: ...
    async def list_deliveries(
        self, organization_id: UUID, endpoint_id: UUID, limit: int
    ) -> Sequence[Delivery]:
        """The endpoint's deliveries, newest first."""

    async def get_delivery(self, organization_id: UUID, delivery_id: UUID) -> Delivery | None: ...
    async def requeue_delivery(
        self, organization_id: UUID, delivery_id: UUID, at: datetime
    ) -> None:
        """Make the delivery pending again, due ``at``, for the dispatcher to queue; one
        pending already is left as it is (its job may be sending it)."""

    async def list_attempts(
        self, organization_id: UUID, delivery_ids: Sequence[UUID]
    ) -> Sequence[DeliveryAttempt]:
        """The attempts of these deliveries, each delivery's in order (by ``number``)."""

    async def replay_deliveries(
        self,
        organization_id: UUID,
        endpoint_id: UUID,
        window: ReplayWindow,
        *,
        limit: int,
        at: datetime,
    ) -> ReplayedDeliveries:
        """Make up to ``limit`` of the endpoint's deliveries in ``window`` (oldest first, in
        (created_at, id) order) pending again, due ``at``, keeping their event (so their
        ``webhook-id``); those pending already are left on their schedule (a second job
        could send one twice), and those whose event is gone are counted (``expired``)."""

    async def delete_deliveries_before(self, cutoff: datetime, limit: int) -> int:
        """Forget up to ``limit`` deliveries created before ``cutoff`` that are not pending
        or whose event is gone (nothing could ever send them), their attempts with them, and
        up to ``limit`` attempts made before it; every organization's. Returns how many rows
        went."""

    async def backlog(self, now: datetime) -> WebhookBacklog: ...

    # -- the worker's side ---------------------------------------------------------------
    async def dispatch_events(self, limit: int, now: datetime) -> int | None:
        """Turn up to ``limit`` outbox events past the cursor (commit order, ended
        transactions only) into deliveries of the enabled endpoints that want them, and move
        the cursor. ``None``: another dispatcher holds the cursor now."""

    async def queue_due_deliveries(self, now: datetime, limit: int) -> int:
        """Queue a job for each pending delivery of an enabled endpoint that has none, due
        at its ``next_attempt_at``."""

    async def release_lost_deliveries(self, now: datetime, limit: int) -> int:
        """Mark not ``queued`` (for the dispatcher to queue again) up to ``limit`` pending
        deliveries due by ``now`` that are marked queued but whose job is gone (it raised, or
        ended without recording an attempt); returns how many."""

    async def plan_attempt(self, organization_id: UUID, delivery_id: UUID) -> PlannedAttempt | None:
        """The delivery, its endpoint and its event; ``None``: gone or not pending."""

    async def record_attempt(
        self,
        delivery: Delivery,
        outcome: AttemptOutcome,
        *,
        at: datetime,
        next_attempt_at: datetime | None,
        disable_reason: str | None,
    ) -> None:
        """Save an attempt: delivered, pending again (``next_attempt_at``), or failed for
        good; ``disable_reason`` disables the endpoint too."""
