"""Webhooks (Standard Webhooks): admins' endpoints, and the deliveries a worker makes.

Who may do what: admins manage endpoints, read their delivery logs and replay deliveries
(deliveries carry what an admin may see: every event of the catalogue, private objectives'
included). Another organization's endpoint does not exist (``not_found``).

How an event reaches an endpoint: the dispatcher (:func:`dispatch`, run by ``okr worker``)
reads the outbox in commit order past its stored cursor and makes one delivery per enabled
endpoint that wants the event's type; a job of the queue then sends it
(:func:`attempt_delivery`). A failed attempt is retried after the next delay of the
:class:`RetrySchedule` (with jitter); when every attempt has failed the delivery is
``failed``, and its endpoint, unless it succeeded since, is disabled with a reason.

Every attempt is kept in the delivery's log (:func:`get_delivery`), recorded by the
transaction that records the attempt's outcome. A replay sends deliveries again with their
first ``webhook-id`` (the event's id): one (:func:`replay_delivery`) or every one created in a
window (:func:`replay_since`). The log is kept :data:`DELIVERY_RETENTION`, as long as the
events it sends (older ones could not be sent again); :func:`delete_expired_deliveries`
forgets older deliveries and attempts (``okr worker``'s hourly retention runs it).

The signing secret (``whsec_`` + base64 of 24 random bytes) is shown once, at creation and
at rotation. It is stored as is: HMAC signs with it, so a hash could not. A rotation keeps the
previous secret signing too (a second signature) for :data:`ROTATION_OVERLAP`.
"""

from __future__ import annotations

import base64
import binascii
import random
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit
from uuid import UUID

from domain.errors import Conflict, FieldError, NotFound, RuleViolation
from domain.limits import WEBHOOK_DESCRIPTION_MAX_LENGTH, WEBHOOK_URL_MAX_LENGTH
from service import audit
from service.auth import Principal, ensure_admin
from service.context import Deps
from service.events import CATALOGUE, RETENTION
from service.patch import UNSET, Maybe
from service.ports import UnitOfWork
from service.webhook_ports import (
    AttemptOutcome,
    Delivery,
    DeliveryAttempt,
    DeliveryPosition,
    DeliveryStatus,
    PlannedAttempt,
    ReplayedDeliveries,
    ReplayWindow,
    WebhookBacklog,
    WebhookEndpoint,
)

ROTATION_OVERLAP: Final = timedelta(hours=24)
URL_MAX_LENGTH: Final = WEBHOOK_URL_MAX_LENGTH
DESCRIPTION_MAX_LENGTH: Final = WEBHOOK_DESCRIPTION_MAX_LENGTH
MAX_ENDPOINTS: Final = 50  # per organization
DELIVERY_LOG_LIMIT: Final = 100
# The delivery log is kept as long as the events it sends: a replay needs the event.
DELIVERY_RETENTION: Final = RETENTION
REPLAY_LIMIT: Final = 10_000  # deliveries one replay call sends again
# Why a delivery whose event passed the outbox's retention failed (at once, no retry).
EVENT_EXPIRED: Final = "the event passed its retention: nothing to send"
RETENTION_BATCH: Final = 1_000  # rows one retention transaction deletes


@dataclass(frozen=True)
class RetrySchedule:
    """The waits after the first attempt: attempt n+1 waits ``delays[n-1]`` give or take
    ``jitter`` (a fraction), so receivers that failed together are not hit together again."""

    delays: tuple[timedelta, ...]
    jitter: float = 0.2

    @property
    def attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(
        self, attempts_made: int, rand: Callable[[], float] = random.random
    ) -> timedelta | None:
        """The wait before the next attempt; None: no attempt is left."""
        if attempts_made >= self.attempts:
            return None
        base = self.delays[attempts_made - 1]
        return base * (1 + self.jitter * (2 * rand() - 1))


# About 3 days: 10 attempts, the last 75.6 hours after the first.
DEFAULT_SCHEDULE: Final = RetrySchedule(
    tuple(timedelta(seconds=s) for s in (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400))
)


@dataclass(frozen=True)
class NewEndpoint:
    url: str
    event_types: Sequence[str] | None = None  # None: all
    description: str = ""
    enabled: bool = True


@dataclass(frozen=True)
class EndpointChanges:
    url: Maybe[str] = UNSET
    event_types: Maybe[Sequence[str] | None] = UNSET
    description: Maybe[str] = UNSET
    enabled: Maybe[bool] = UNSET


@dataclass(frozen=True)
class EndpointWithSecret:
    endpoint: WebhookEndpoint
    secret: str  # shown this once


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _invalid(field: str, message: str, code: str = "invalid") -> RuleViolation:
    return RuleViolation(
        f"{field} {message}", code="validation_failed", errors=[FieldError(field, message, code)]
    )


def _checked_url(url: str) -> str:
    if len(url) > URL_MAX_LENGTH:
        raise _invalid("url", f"is longer than {URL_MAX_LENGTH} characters", "too_long")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - read for its check: a port that is no number, or past 65535
    except ValueError:
        # "http://[::1", "http://host:99999/": refused here, not at every delivery attempt.
        raise _invalid("url", "is not a valid URL", "invalid_url") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise _invalid("url", "must be an absolute http or https URL", "invalid_url")
    return url


def _checked_types(types: Sequence[str] | None) -> tuple[str, ...] | None:
    if types is None:
        return None
    unknown = sorted(set(types) - set(CATALOGUE))
    if unknown:
        raise _invalid("event_types", f"not in the event catalogue: {unknown}", "unknown_type")
    if not types:
        raise _invalid("event_types", "must name at least one type, or be null for all")
    return tuple(sorted(set(types)))


def _checked_description(text: str) -> str:
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise _invalid(
            "description", f"is longer than {DESCRIPTION_MAX_LENGTH} characters", "too_long"
        )
    return text


def _audited(endpoint: WebhookEndpoint) -> dict[str, object]:
    """The endpoint as the audit trail keeps it: never its secrets."""
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types) if endpoint.event_types else None,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
    }


async def create_endpoint(deps: Deps, principal: Principal, new: NewEndpoint) -> EndpointWithSecret:
    ensure_admin(principal)
    now = deps.clock.now()
    endpoint = WebhookEndpoint(
        id=deps.new_id(),
        organization_id=principal.organization_id,
        url=_checked_url(new.url),
        description=_checked_description(new.description),
        event_types=_checked_types(new.event_types),
        enabled=new.enabled,
        disabled_reason=None,
        secret=new_secret(),
        previous_secret=None,
        previous_secret_expires_at=None,
        created_at=now,
        updated_at=now,
        last_success_at=None,
    )
    async with deps.uow() as uow:
        if len(await uow.webhooks.list_endpoints(principal.organization_id)) >= MAX_ENDPOINTS:
            raise RuleViolation(
                f"an organization has at most {MAX_ENDPOINTS} webhook endpoints",
                code="too_many_webhook_endpoints",
            )
        await uow.webhooks.add_endpoint(endpoint)
        await _audit(uow, deps, principal, "webhook_endpoint.created", endpoint.id, None, endpoint)
        await uow.commit()
    return EndpointWithSecret(endpoint, endpoint.secret)


async def _audit(
    uow: UnitOfWork,
    deps: Deps,
    principal: Principal,
    action: str,
    endpoint_id: UUID,
    before: WebhookEndpoint | None,
    after: WebhookEndpoint | None,
) -> None:
    await audit.record(
        uow.audit,
        deps,
        principal,
        action=action,
        resource_type="webhook_endpoint",
        resource_id=endpoint_id,
        before=_audited(before) if before else None,
        after=_audited(after) if after else None,
    )


async def list_endpoints(deps: Deps, principal: Principal) -> Sequence[WebhookEndpoint]:
    ensure_admin(principal)
    async with deps.read() as uow:
        return await uow.webhooks.list_endpoints(principal.organization_id)


async def get_endpoint(deps: Deps, principal: Principal, endpoint_id: UUID) -> WebhookEndpoint:
    ensure_admin(principal)
    async with deps.read() as uow:
        return _found(await uow.webhooks.get_endpoint(principal.organization_id, endpoint_id))


def _found(endpoint: WebhookEndpoint | None) -> WebhookEndpoint:
    if endpoint is None:
        raise NotFound("no such webhook endpoint", code="not_found")
    return endpoint


async def update_endpoint(
    deps: Deps, principal: Principal, endpoint_id: UUID, changes: EndpointChanges
) -> WebhookEndpoint:
    """A merge patch. Enabling an endpoint clears its ``disabled_reason``."""
    ensure_admin(principal)
    async with deps.uow() as uow:
        before = _found(await uow.webhooks.get_endpoint(principal.organization_id, endpoint_id))
        after = before
        if changes.url is not UNSET:
            after = replace(after, url=_checked_url(changes.url))
        if changes.event_types is not UNSET:
            after = replace(after, event_types=_checked_types(changes.event_types))
        if changes.description is not UNSET:
            after = replace(after, description=_checked_description(changes.description))
        if changes.enabled is not UNSET:
            after = replace(after, enabled=changes.enabled)
            if changes.enabled:
                after = replace(after, disabled_reason=None)
        after = replace(after, updated_at=deps.clock.now())
        await uow.webhooks.update_endpoint(after)
        await _audit(uow, deps, principal, "webhook_endpoint.updated", endpoint_id, before, after)
        await uow.commit()
    return after


async def rotate_secret(deps: Deps, principal: Principal, endpoint_id: UUID) -> EndpointWithSecret:
    """A new secret, shown once; the old one signs too for :data:`ROTATION_OVERLAP`."""
    ensure_admin(principal)
    now = deps.clock.now()
    async with deps.uow() as uow:
        before = _found(await uow.webhooks.get_endpoint(principal.organization_id, endpoint_id))
        after = replace(
            before,
            secret=new_secret(),
            previous_secret=before.secret,
            previous_secret_expires_at=now + ROTATION_OVERLAP,
            updated_at=now,
        )
        await uow.webhooks.update_endpoint(after)
        await _audit(
            uow, deps, principal, "webhook_endpoint.secret_rotated", endpoint_id, before, after
        )
        await uow.commit()
    return EndpointWithSecret(after, after.secret)


async def delete_endpoint(deps: Deps, principal: Principal, endpoint_id: UUID) -> None:
    ensure_admin(principal)
    async with deps.uow() as uow:
        before = _found(await uow.webhooks.get_endpoint(principal.organization_id, endpoint_id))
        await uow.webhooks.delete_endpoint(principal.organization_id, endpoint_id)
        await _audit(uow, deps, principal, "webhook_endpoint.deleted", endpoint_id, before, None)
        await uow.commit()


async def list_deliveries(
    deps: Deps, principal: Principal, endpoint_id: UUID, *, limit: int = DELIVERY_LOG_LIMIT
) -> Sequence[Delivery]:
    """The endpoint's log, newest first."""
    ensure_admin(principal)
    if not 1 <= limit <= DELIVERY_LOG_LIMIT:
        raise _invalid("limit", f"must be between 1 and {DELIVERY_LOG_LIMIT}", "out_of_range")
    async with deps.read() as uow:
        _found(await uow.webhooks.get_endpoint(principal.organization_id, endpoint_id))
        return await uow.webhooks.list_deliveries(principal.organization_id, endpoint_id, limit)


async def replay_delivery(
    deps: Deps, principal: Principal, endpoint_id: UUID, delivery_id: UUID
) -> Delivery:
    """Send the delivery again (same ``webhook-id``), with a fresh retry schedule."""
    ensure_admin(principal)
    async with deps.uow() as uow:
        delivery = await uow.webhooks.get_delivery(principal.organization_id, delivery_id)
        if delivery is None or delivery.endpoint_id != endpoint_id:
            raise NotFound("no such delivery", code="not_found")
        if delivery.status is DeliveryStatus.PENDING:
            # Its attempt is queued already: a second job could send it twice at once.
            raise Conflict(
                "this delivery is still pending: it will be attempted on its schedule",
                code="delivery_pending",
            )
        await uow.webhooks.requeue_delivery(
            principal.organization_id, delivery_id, deps.clock.now()
        )
        replayed = await uow.webhooks.get_delivery(principal.organization_id, delivery_id)
        await uow.commit()
    assert replayed is not None
    return replayed


@dataclass(frozen=True)
class DeliveryLog:
    """A delivery and every attempt of it, oldest first."""

    delivery: Delivery
    attempts: Sequence[DeliveryAttempt]


async def get_delivery(
    deps: Deps, principal: Principal, endpoint_id: UUID, delivery_id: UUID
) -> DeliveryLog:
    """One delivery of the endpoint with its attempts; another endpoint's is ``not_found``."""
    ensure_admin(principal)
    async with deps.read() as uow:
        delivery = await uow.webhooks.get_delivery(principal.organization_id, delivery_id)
        if delivery is None or delivery.endpoint_id != endpoint_id:
            raise NotFound("no such delivery", code="not_found")
        attempts = await uow.webhooks.list_attempts(principal.organization_id, [delivery_id])
    return DeliveryLog(delivery, attempts)


async def delivery_log(
    deps: Deps, principal: Principal, endpoint_id: UUID, *, limit: int = DELIVERY_LOG_LIMIT
) -> Sequence[DeliveryLog]:
    """The endpoint's deliveries, newest first, each with its attempts (three statements
    whatever the number of deliveries)."""
    ensure_admin(principal)
    if not 1 <= limit <= DELIVERY_LOG_LIMIT:
        raise _invalid("limit", f"must be between 1 and {DELIVERY_LOG_LIMIT}", "out_of_range")
    org = principal.organization_id
    async with deps.read() as uow:
        _found(await uow.webhooks.get_endpoint(org, endpoint_id))
        deliveries = await uow.webhooks.list_deliveries(org, endpoint_id, limit)
        attempts = await uow.webhooks.list_attempts(org, [d.id for d in deliveries])
    by_delivery: dict[UUID, list[DeliveryAttempt]] = {d.id: [] for d in deliveries}
    for attempt in attempts:
        by_delivery[attempt.delivery_id].append(attempt)
    return [DeliveryLog(d, by_delivery[d.id]) for d in deliveries]


def encode_replay_cursor(position: DeliveryPosition) -> str:
    """An opaque cursor of a replay: where the next call goes on from."""
    raw = f"{position.created_at.isoformat()}|{position.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_replay_cursor(cursor: str) -> DeliveryPosition:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        instant, delivery_id = raw.split("|")
        position = DeliveryPosition(datetime.fromisoformat(instant), UUID(delivery_id))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _invalid("after", "is not a cursor of a replay", "invalid_cursor") from None
    if position.created_at.utcoffset() is None:
        raise _invalid("after", "is not a cursor of a replay", "invalid_cursor")
    return position


async def replay_since(
    deps: Deps,
    principal: Principal,
    endpoint_id: UUID,
    window: ReplayWindow,
    *,
    after: str | None = None,
) -> ReplayedDeliveries:
    """Send again every delivery of the endpoint created in ``[since, until)`` (of the
    ``event_types`` given), succeeded and failed alike, each with its first ``webhook-id``
    and a fresh retry schedule: for a receiver that lost what it had. At most
    :data:`REPLAY_LIMIT` per call, oldest first by (created_at, id): a call with ``after``
    = the answer's cursor (:func:`encode_replay_cursor` of ``next_after``) goes on with
    the rest, none twice. A delivery whose event passed its retention is not queued (it
    could not be sent): counted as ``expired``. ``since`` no older than
    :data:`DELIVERY_RETENTION`. Audited. A disabled endpoint's deliveries go out once it
    is enabled again."""
    ensure_admin(principal)
    now = deps.clock.now()
    async with deps.read() as uow:
        # Another organization's endpoint is not_found whatever the window asks.
        listed = await uow.webhooks.list_endpoints(principal.organization_id)
    _found(next((e for e in listed if e.id == endpoint_id), None))
    checked = _checked_window(window, now)
    if after is not None:
        checked = replace(checked, after=decode_replay_cursor(after))
    async with deps.uow() as uow:
        # The deliveries' rows first, the endpoint's after: the order a worker recording an
        # attempt takes them in (the other order deadlocks with it). An endpoint deleted
        # meanwhile has no delivery here, and is not_found below: nothing is committed.
        replayed = await uow.webhooks.replay_deliveries(
            principal.organization_id, endpoint_id, checked, limit=REPLAY_LIMIT, at=now
        )
        endpoint = _found(await uow.webhooks.get_endpoint(principal.organization_id, endpoint_id))
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="webhook_endpoint.replayed",
            resource_type="webhook_endpoint",
            resource_id=endpoint.id,
            before=None,
            after={
                "since": checked.since.isoformat(),
                "until": checked.until.isoformat() if checked.until else None,
                "event_types": list(checked.event_types) if checked.event_types else None,
                "after": after,
                "queued": replayed.queued,
                "already_pending": replayed.already_pending,
                "expired": replayed.expired,
            },
        )
        await uow.commit()
    return replayed


def _checked_window(window: ReplayWindow, now: datetime) -> ReplayWindow:
    for name, moment in (("since", window.since), ("until", window.until)):
        if moment is not None and moment.utcoffset() is None:
            raise _invalid(name, "must carry a time zone (RFC 3339)", "invalid")
    if window.since < now - DELIVERY_RETENTION:
        days = DELIVERY_RETENTION.days
        raise _invalid(
            "since", f"is older than the delivery log's retention ({days} days)", "too_old"
        )
    if window.until is not None and window.until <= window.since:
        raise _invalid("until", "must be after since", "out_of_range")
    return replace(window, event_types=_checked_types(window.event_types))


async def delete_expired_deliveries(deps: Deps, *, batch: int = RETENTION_BATCH) -> int:
    """Forget deliveries created, and attempts made, before :data:`DELIVERY_RETENTION`,
    every organization's, ``batch`` rows per transaction (no long transaction holds the log
    back; several workers doing it at once skip each other's rows). A pending delivery stays
    until it ends, unless its event is gone too (nothing could send it). A job for the
    worker (hourly). Returns how many rows went."""
    cutoff = deps.clock.now() - DELIVERY_RETENTION
    total = 0
    while True:
        async with deps.uow() as uow:
            gone = await uow.webhooks.delete_deliveries_before(cutoff, batch)
            await uow.commit()
        total += gone
        if gone == 0:
            return total


# -- the worker's side --------------------------------------------------------------------


async def dispatch(deps: Deps, *, limit: int = 500) -> int:
    """One step of the dispatcher: new outbox events into deliveries, then a job for every
    delivery due and not queued. Returns how many deliveries were made (0 also when another
    worker's dispatcher held the cursor)."""
    async with deps.uow() as uow:
        made = await uow.webhooks.dispatch_events(limit, deps.clock.now())
        await uow.commit()
    async with deps.uow() as uow:
        await uow.webhooks.queue_due_deliveries(deps.clock.now(), limit)
        await uow.commit()
    return made or 0


async def backlog(deps: Deps) -> WebhookBacklog:
    """Outbox lag, queued jobs and deliveries by status, across organizations: for the
    operator's ``GET /metrics`` only (no principal: never shown through the API)."""
    async with deps.read() as uow:
        return await uow.webhooks.backlog(deps.clock.now())


async def release_lost_deliveries(deps: Deps, *, limit: int = 500) -> int:
    """The sweep: a job that raised (the database gone a moment) or ended without recording
    an attempt leaves its delivery marked queued with no job; this hands such deliveries
    back to :func:`dispatch`, which queues them again. Safe beside other workers' sweeps."""
    async with deps.uow() as uow:
        released = await uow.webhooks.release_lost_deliveries(deps.clock.now(), limit)
        await uow.commit()
    return released


async def attempt_delivery(
    deps: Deps,
    organization_id: UUID,
    delivery_id: UUID,
    send: Callable[[PlannedAttempt], Awaitable[AttemptOutcome]],
    schedule: RetrySchedule = DEFAULT_SCHEDULE,
) -> AttemptOutcome | None:
    """One attempt of one delivery (the job of the queue); None: nothing to send (delivered,
    failed for good, or the endpoint disabled or gone). A delivery whose event passed its
    retention (it waited on a disabled endpoint) fails at once, with that attempt logged:
    no retry could send it, and it is no fault of the endpoint's (never disabled for it)."""
    async with deps.read() as uow:
        plan = await uow.webhooks.plan_attempt(organization_id, delivery_id)
    if plan is None or not plan.endpoint.enabled:
        return None
    wait: timedelta | None = None
    disable: str | None = None
    if plan.event is None:
        outcome = AttemptOutcome(None, 0, EVENT_EXPIRED)
    else:
        outcome = await send(plan)
        wait, disable = _after_attempt(plan, outcome, schedule)
    now = deps.clock.now()
    async with deps.uow() as uow:
        await uow.webhooks.record_attempt(
            plan.delivery,
            outcome,
            at=now,
            next_attempt_at=None if wait is None else now + wait,
            disable_reason=disable,
        )
        await uow.commit()
    return outcome


def _after_attempt(
    plan: PlannedAttempt, outcome: AttemptOutcome, schedule: RetrySchedule
) -> tuple[timedelta | None, str | None]:
    """The wait before the next attempt (None: no more), and why the endpoint is disabled
    when every attempt failed and it had no success since the delivery was made."""
    if outcome.delivered:
        return None, None
    wait = schedule.delay_after(plan.delivery.attempts + 1)
    if wait is not None:
        return wait, None
    last_success = plan.endpoint.last_success_at
    if last_success is not None and last_success >= plan.delivery.created_at:
        return None, None
    reason = (
        f"every attempt of delivery {plan.delivery.id} failed over "
        f"{_span(schedule)} (last: {outcome.error})"
    )
    return None, reason[:DESCRIPTION_MAX_LENGTH]


def _span(schedule: RetrySchedule) -> str:
    total = sum(schedule.delays, timedelta())
    hours = total.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours >= 1 else f"{total.total_seconds():.0f} seconds"


__all__ = [
    "DEFAULT_SCHEDULE",
    "DeliveryStatus",
    "EndpointChanges",
    "NewEndpoint",
    "RetrySchedule",
    "attempt_delivery",
    "backlog",
    "delete_expired_deliveries",
    "dispatch",
    "release_lost_deliveries",
]
