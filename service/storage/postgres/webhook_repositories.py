"""Webhook endpoints, their deliveries, and the dispatcher's side: the outbox into
deliveries, and deliveries into jobs of the queue (pgqueuer), each in one transaction.

The dispatcher reads the outbox as the feed does (service/storage/postgres/
event_repositories.py): in (transaction_id, seq) order, only events of transactions that
have ended, so its cursor is never passed by an event that commits later. It holds the
cursor's row (``FOR UPDATE SKIP LOCKED``) while it moves it: one dispatcher at a time,
across workers; the others skip the step.

A delivery gets a job only while it has none (``queued``): the job is inserted into the
queue's table by the same transaction that marks the delivery queued, through the queue's
own API on this transaction's connection, so neither exists without the other. A job that
raised (the database gone a moment) leaves its delivery ``queued`` with no job:
:meth:`PostgresWebhooks.release_lost_deliveries` finds those by reading the queue's own table
and hands them back to the dispatcher.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID

from pgqueuer.db import AsyncpgDriver
from pgqueuer.queries import Queries
from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from service.event_ports import Audience, IntegrationEvent
from service.storage.postgres import tables as t
from service.webhook_ports import (
    ATTEMPT_ERROR_MAX_LENGTH,
    RESPONSE_EXCERPT_MAX_LENGTH,
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

# The queue's entrypoint that sends one delivery (service/runtime/worker.py registers it).
DELIVER: Final = "webhooks.deliver"

_w, _d, _e = t.webhook_endpoints, t.webhook_deliveries, t.events
_a = t.webhook_delivery_attempts

_DISPATCH = text(
    """
WITH batch AS (
    SELECT organization_id, id, type, occurred_at, transaction_id, seq
    FROM events
    WHERE (transaction_id, seq) > (:transaction_id, :seq)
      AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
    ORDER BY transaction_id, seq
    LIMIT :limit
),
made AS (
    INSERT INTO webhook_deliveries (
        organization_id, id, endpoint_id, event_id, event_type, status, attempts, queued,
        created_at, next_attempt_at
    )
    SELECT b.organization_id, gen_random_uuid(), w.id, b.id, b.type, 'pending', 0, false,
           :now, :now
    FROM batch b
    JOIN webhook_endpoints w
      ON w.organization_id = b.organization_id
     AND w.enabled
     AND (w.event_types IS NULL OR b.type = ANY (w.event_types))
     AND w.created_at <= b.occurred_at
    ON CONFLICT DO NOTHING
    RETURNING 1
),
last AS (
    SELECT transaction_id, seq FROM batch ORDER BY transaction_id DESC, seq DESC LIMIT 1
),
moved AS (
    UPDATE webhook_dispatch_cursor c
    SET transaction_id = last.transaction_id, seq = last.seq
    FROM last
    WHERE c.id = 1
    RETURNING 1
)
SELECT (SELECT count(*) FROM made) AS made, (SELECT count(*) FROM moved) AS moved
"""
)


def _event_kept() -> ColumnElement[bool]:
    """The delivery's event is still in the outbox (not past its retention)."""
    return (
        select(literal_column("1"))
        .select_from(_e)
        .where(_e.c.organization_id == _d.c.organization_id, _e.c.id == _d.c.event_id)
        .exists()
    )


def _endpoint(row: Any) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row.id,
        organization_id=row.organization_id,
        url=row.url,
        description=row.description,
        event_types=tuple(row.event_types) if row.event_types is not None else None,
        enabled=row.enabled,
        disabled_reason=row.disabled_reason,
        secret=row.secret,
        previous_secret=row.previous_secret,
        previous_secret_expires_at=row.previous_secret_expires_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_success_at=row.last_success_at,
    )


def _endpoint_row(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "organization_id": endpoint.organization_id,
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types) if endpoint.event_types is not None else None,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "secret": endpoint.secret,
        "previous_secret": endpoint.previous_secret,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
        "last_success_at": endpoint.last_success_at,
    }


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        organization_id=row.organization_id,
        endpoint_id=row.endpoint_id,
        event_id=row.event_id,
        event_type=row.event_type,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        last_attempt_at=row.last_attempt_at,
        response_status=row.response_status,
        duration_ms=row.duration_ms,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
    )


class PostgresWebhooks:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        await self._conn.execute(insert(_w).values(_endpoint_row(endpoint)))

    async def get_endpoint(
        self, organization_id: UUID, endpoint_id: UUID
    ) -> WebhookEndpoint | None:
        # Locked: a writer's read-modify-write of the endpoint takes turns (harmless in a read).
        query = (
            select(_w)
            .where(_w.c.organization_id == organization_id, _w.c.id == endpoint_id)
            .with_for_update()
        )
        row = (await self._conn.execute(query)).first()
        return _endpoint(row) if row is not None else None

    async def list_endpoints(self, organization_id: UUID) -> Sequence[WebhookEndpoint]:
        query = select(_w).where(_w.c.organization_id == organization_id).order_by(_w.c.created_at)
        return [_endpoint(row) for row in await self._conn.execute(query)]

    async def update_endpoint(self, endpoint: WebhookEndpoint) -> None:
        values = _endpoint_row(endpoint)
        await self._conn.execute(
            update(_w)
            .where(_w.c.organization_id == endpoint.organization_id, _w.c.id == endpoint.id)
            .values({k: v for k, v in values.items() if k not in {"organization_id", "id"}})
        )

    async def delete_endpoint(self, organization_id: UUID, endpoint_id: UUID) -> None:
        await self._conn.execute(
            delete(_w).where(_w.c.organization_id == organization_id, _w.c.id == endpoint_id)
        )

    async def list_deliveries(
        self, organization_id: UUID, endpoint_id: UUID, limit: int
    ) -> Sequence[Delivery]:
        query = (
            select(_d)
            .where(_d.c.organization_id == organization_id, _d.c.endpoint_id == endpoint_id)
            .order_by(_d.c.created_at.desc(), _d.c.id.desc())
            .limit(limit)
        )
        return [_delivery(row) for row in await self._conn.execute(query)]

    async def get_delivery(self, organization_id: UUID, delivery_id: UUID) -> Delivery | None:
        query = select(_d).where(_d.c.organization_id == organization_id, _d.c.id == delivery_id)
        row = (await self._conn.execute(query)).first()
        return _delivery(row) if row is not None else None

    async def requeue_delivery(
        self, organization_id: UUID, delivery_id: UUID, at: datetime
    ) -> None:
        await self._conn.execute(
            update(_d)
            .where(
                _d.c.organization_id == organization_id,
                _d.c.id == delivery_id,
                # A pending one keeps its schedule and attempts: its job may be sending it.
                _d.c.status != DeliveryStatus.PENDING.value,
            )
            .values(
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                queued=False,
                next_attempt_at=at,
                delivered_at=None,
            )
        )

    async def list_attempts(
        self, organization_id: UUID, delivery_ids: Sequence[UUID]
    ) -> Sequence[DeliveryAttempt]:
        if not delivery_ids:
            return []
        query = (
            select(_a)
            .where(_a.c.organization_id == organization_id, _a.c.delivery_id.in_(delivery_ids))
            .order_by(_a.c.delivery_id, _a.c.number)
        )
        return [
            DeliveryAttempt(
                delivery_id=row.delivery_id,
                number=row.number,
                attempted_at=row.attempted_at,
                duration_ms=row.duration_ms,
                response_status=row.response_status,
                error=row.error,
                response_excerpt=row.response_excerpt,
            )
            for row in await self._conn.execute(query)
        ]

    async def replay_deliveries(
        self,
        organization_id: UUID,
        endpoint_id: UUID,
        window: ReplayWindow,
        *,
        limit: int,
        at: datetime,
    ) -> ReplayedDeliveries:
        conditions = [
            _d.c.organization_id == organization_id,
            _d.c.endpoint_id == endpoint_id,
            _d.c.created_at >= window.since,
        ]
        if window.until is not None:
            conditions.append(_d.c.created_at < window.until)
        if window.event_types is not None:
            conditions.append(_d.c.event_type.in_(window.event_types))
        if window.after is not None:
            after = window.after
            conditions.append(
                tuple_(_d.c.created_at, _d.c.id)
                > tuple_(literal(after.created_at, _d.c.created_at.type), literal(after.id))
            )
        # One more than the limit tells whether the window holds more than one call replays.
        # Locked: a worker's attempt recording on one of them waits, so none is sent twice.
        picked = (
            await self._conn.execute(
                select(_d.c.id, _d.c.status, _d.c.created_at, _event_kept().label("sendable"))
                .where(*conditions)
                .order_by(_d.c.created_at, _d.c.id)
                .limit(limit + 1)
                .with_for_update(of=_d)
            )
        ).all()
        kept, rest = picked[:limit], picked[limit:]
        sendable = [r for r in kept if r.sendable]
        again = [r.id for r in sendable if r.status != DeliveryStatus.PENDING.value]
        if again:
            await self._conn.execute(
                update(_d)
                .where(_d.c.organization_id == organization_id, _d.c.id.in_(again))
                .values(
                    status=DeliveryStatus.PENDING.value,
                    attempts=0,
                    queued=False,
                    next_attempt_at=at,
                    delivered_at=None,
                )
            )
        return ReplayedDeliveries(
            queued=len(again),
            already_pending=len(sendable) - len(again),
            next_since=rest[0].created_at if rest else None,
            next_after=DeliveryPosition(kept[-1].created_at, kept[-1].id) if rest else None,
            expired=len(kept) - len(sendable),
        )

    async def delete_deliveries_before(self, cutoff: datetime, limit: int) -> int:
        # A pending delivery stays (its job may be about to send it), unless its event is
        # gone: nothing could send it (on a disabled endpoint it would wait forever).
        old_deliveries = (
            select(_d.c.organization_id, _d.c.id)
            .where(
                _d.c.created_at < cutoff,
                or_(_d.c.status != DeliveryStatus.PENDING.value, ~_event_kept()),
            )
            .order_by(_d.c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("old_deliveries")
        )
        deliveries = await self._conn.execute(
            delete(_d).where(
                tuple_(_d.c.organization_id, _d.c.id).in_(
                    select(old_deliveries.c.organization_id, old_deliveries.c.id)
                )
            )
        )
        old_attempts = (
            select(_a.c.organization_id, _a.c.delivery_id, _a.c.number)
            .where(_a.c.attempted_at < cutoff)
            .order_by(_a.c.attempted_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("old_attempts")
        )
        attempts = await self._conn.execute(
            delete(_a).where(
                tuple_(_a.c.organization_id, _a.c.delivery_id, _a.c.number).in_(
                    select(
                        old_attempts.c.organization_id,
                        old_attempts.c.delivery_id,
                        old_attempts.c.number,
                    )
                )
            )
        )
        return int(deliveries.rowcount) + int(attempts.rowcount)

    async def backlog(self, now: datetime) -> WebhookBacklog:
        # The first event past the dispatcher's cursor (the (transaction_id, seq) index).
        cursor = t.webhook_dispatch_cursor
        oldest = (
            await self._conn.execute(
                select(_e.c.occurred_at)
                .select_from(_e.join(cursor, cursor.c.id == 1))
                .where(
                    tuple_(_e.c.transaction_id, _e.c.seq)
                    > tuple_(cursor.c.transaction_id, cursor.c.seq)
                )
                .order_by(_e.c.transaction_id, _e.c.seq)
                .limit(1)
            )
        ).scalar()
        lag = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        deliveries = {
            row.status: int(row.n)
            for row in await self._conn.execute(
                select(_d.c.status, func.count().label("n")).group_by(_d.c.status)
            )
        }
        return WebhookBacklog(lag, await self._jobs(), deliveries)

    async def _jobs(self) -> dict[str, int]:
        raw = await self._conn.get_raw_connection()
        queue_table = Queries(AsyncpgDriver(raw.driver_connection)).qbe.settings.queue_table
        exists = await self._conn.execute(text("SELECT to_regclass(:t)"), {"t": queue_table})
        if exists.scalar() is None:  # no worker has installed the queue yet
            return {}
        rows = await self._conn.execute(
            text(
                f"SELECT status::text AS status, count(*) AS n FROM {queue_table}"  # noqa: S608 - pgqueuer's own table name
                " WHERE entrypoint = :entrypoint GROUP BY status"
            ),
            {"entrypoint": DELIVER},
        )
        return {row.status: int(row.n) for row in rows}

    # -- the worker's side ---------------------------------------------------------------

    async def dispatch_events(self, limit: int, now: datetime) -> int | None:
        cursor = (
            await self._conn.execute(
                select(t.webhook_dispatch_cursor)
                .where(t.webhook_dispatch_cursor.c.id == 1)
                .with_for_update(skip_locked=True)
            )
        ).first()
        if cursor is None:  # another dispatcher is moving it
            return None
        result = (
            await self._conn.execute(
                _DISPATCH,
                {
                    "transaction_id": cursor.transaction_id,
                    "seq": cursor.seq,
                    "limit": limit,
                    "now": now,
                },
            )
        ).one()
        return int(result.made)

    async def queue_due_deliveries(self, now: datetime, limit: int) -> int:
        enabled = (
            select(literal_column("1"))
            .select_from(_w)
            .where(
                _w.c.organization_id == _d.c.organization_id,
                _w.c.id == _d.c.endpoint_id,
                _w.c.enabled,
            )
            .exists()
        )
        due = (
            await self._conn.execute(
                select(_d.c.organization_id, _d.c.id, _d.c.next_attempt_at)
                .where(_d.c.status == DeliveryStatus.PENDING.value, ~_d.c.queued, enabled)
                .order_by(_d.c.next_attempt_at)
                .limit(limit)
                .with_for_update(of=_d, skip_locked=True)
            )
        ).all()
        if not due:
            return 0
        raw = await self._conn.get_raw_connection()
        queue = Queries(AsyncpgDriver(raw.driver_connection))  # this transaction's connection
        await queue.enqueue(
            [DELIVER] * len(due),
            [
                json.dumps({"organization_id": str(r.organization_id), "id": str(r.id)}).encode()
                for r in due
            ],
            [0] * len(due),
            [
                max(r.next_attempt_at - now, timedelta(0)) if r.next_attempt_at else None
                for r in due
            ],
        )
        for row in due:
            await self._conn.execute(
                update(_d)
                .where(_d.c.organization_id == row.organization_id, _d.c.id == row.id)
                .values(queued=True)
            )
        return len(due)

    async def release_lost_deliveries(self, now: datetime, limit: int) -> int:
        # Lock the candidates first, then look for their jobs in a later statement: under
        # READ COMMITTED that statement's snapshot is taken after the locks, so a job enqueued
        # (and committed) before them is seen, and none can be enqueued or finished for these
        # deliveries until this transaction ends. SKIP LOCKED: several workers sweep at once.
        candidates = (
            await self._conn.execute(
                select(_d.c.organization_id, _d.c.id)
                .where(
                    _d.c.status == DeliveryStatus.PENDING.value,
                    _d.c.queued,
                    _d.c.next_attempt_at <= now,
                )
                .order_by(_d.c.next_attempt_at)
                .limit(limit)
                .with_for_update(of=_d, skip_locked=True)
            )
        ).all()
        if not candidates:
            return 0
        raw = await self._conn.get_raw_connection()
        queue_table = Queries(AsyncpgDriver(raw.driver_connection)).qbe.settings.queue_table
        # pgqueuer keeps a job in its table while queued or picked (a picked job whose worker
        # died is picked again by another after the heartbeat timeout: still alive), and
        # moves it to its log when it ends, whether it returned or raised.
        live = text(
            f"SELECT convert_from(payload, 'UTF8')::jsonb ->> 'id' AS id FROM {queue_table}"  # noqa: S608 - pgqueuer's own table name
            " WHERE entrypoint = :entrypoint AND convert_from(payload, 'UTF8')::jsonb ->> 'id'"
            " = ANY(:ids)"
        )
        ids = [str(row.id) for row in candidates]
        alive = {
            row.id for row in await self._conn.execute(live, {"entrypoint": DELIVER, "ids": ids})
        }
        lost = [row for row in candidates if str(row.id) not in alive]
        for row in lost:
            await self._conn.execute(
                update(_d)
                .where(_d.c.organization_id == row.organization_id, _d.c.id == row.id)
                .values(queued=False)
            )
        return len(lost)

    async def plan_attempt(self, organization_id: UUID, delivery_id: UUID) -> PlannedAttempt | None:
        delivery = await self.get_delivery(organization_id, delivery_id)
        if delivery is None or delivery.status is not DeliveryStatus.PENDING:
            return None
        endpoint_row = (
            await self._conn.execute(
                select(_w).where(
                    _w.c.organization_id == organization_id, _w.c.id == delivery.endpoint_id
                )
            )
        ).first()
        if endpoint_row is None:
            return None
        event_row = (
            await self._conn.execute(
                select(_e).where(
                    and_(_e.c.organization_id == organization_id, _e.c.id == delivery.event_id)
                )
            )
        ).first()
        return PlannedAttempt(
            delivery=delivery,
            endpoint=_endpoint(endpoint_row),
            event=_event(event_row) if event_row is not None else None,
        )

    async def record_attempt(
        self,
        delivery: Delivery,
        outcome: AttemptOutcome,
        *,
        at: datetime,
        next_attempt_at: datetime | None,
        disable_reason: str | None,
    ) -> None:
        if outcome.delivered:
            status = DeliveryStatus.SUCCEEDED
        elif next_attempt_at is None:
            status = DeliveryStatus.FAILED
        else:
            status = DeliveryStatus.PENDING
        org = delivery.organization_id
        saved = await self._conn.execute(
            update(_d)
            .where(_d.c.organization_id == org, _d.c.id == delivery.id)
            .values(
                status=status.value,
                attempts=_d.c.attempts + 1,
                queued=False,
                last_attempt_at=at,
                next_attempt_at=next_attempt_at,
                response_status=outcome.response_status,
                duration_ms=outcome.duration_ms,
                last_error=outcome.error[:ATTEMPT_ERROR_MAX_LENGTH] if outcome.error else None,
                delivered_at=at if outcome.delivered else None,
            )
            .returning(_d.c.id)
        )
        if saved.first() is None:  # deleted meanwhile (its endpoint, or the retention)
            return
        # After the update, which holds the delivery's row: numbers are taken one at a time.
        last = (
            select(func.coalesce(func.max(_a.c.number), 0))
            .where(_a.c.organization_id == org, _a.c.delivery_id == delivery.id)
            .scalar_subquery()
        )
        excerpt = outcome.response_excerpt
        await self._conn.execute(
            insert(_a).values(
                organization_id=org,
                delivery_id=delivery.id,
                number=last + 1,
                attempted_at=at,
                duration_ms=outcome.duration_ms,
                response_status=outcome.response_status,
                error=outcome.error[:ATTEMPT_ERROR_MAX_LENGTH] if outcome.error else None,
                response_excerpt=excerpt[:RESPONSE_EXCERPT_MAX_LENGTH] if excerpt else None,
            )
        )
        endpoint = _w.c.organization_id == org, _w.c.id == delivery.endpoint_id
        if outcome.delivered:
            await self._conn.execute(update(_w).where(*endpoint).values(last_success_at=at))
        elif disable_reason is not None:
            await self._conn.execute(
                update(_w)
                .where(*endpoint)
                .values(enabled=False, disabled_reason=disable_reason, updated_at=at)
            )


def _event(row: Any) -> IntegrationEvent:
    return IntegrationEvent(
        id=row.id,
        organization_id=row.organization_id,
        type=row.type,
        version=row.version,
        occurred_at=row.occurred_at,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        audience=Audience(row.audience),
        objective_id=row.objective_id,
        key_result_id=row.key_result_id,
        changes=tuple(row.changes),
        link=row.link,
        data=row.data,
    )
