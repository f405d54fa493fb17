"""``okr worker``: the outbox's events to webhook endpoints, on a Postgres job queue.

The queue is pgqueuer (asyncpg-native like the rest of the service, one library and no other
driver; ``FOR UPDATE SKIP LOCKED`` dequeues so several workers share the jobs without two
taking the same one, LISTEN/NOTIFY wake-ups so a job starts within milliseconds, delayed jobs
for the retry schedule, and a heartbeat that hands a dead worker's job to another: at least
once). Each worker also runs the dispatcher (service.webhooks.dispatch): one at a time takes
the outbox's cursor, the others skip.

A job sends one delivery: a POST of the event (the feed's JSON) signed per Standard Webhooks
with the ``standardwebhooks`` package, through the SSRF guard of
service/runtime/webhook_transport.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import httpx
from pgqueuer.db import AsyncpgDriver
from pgqueuer.models import Job
from pgqueuer.qm import QueueManager
from pgqueuer.queries import Queries
from sqlalchemy import make_url
from standardwebhooks.webhooks import Webhook

from api.events.shapes import EventOut
from service import events, key_result_tracks, webhooks
from service.context import Deps
from service.runtime.webhook_transport import GuardedBackend, guarded_transport
from service.storage.postgres.database import async_url, create_engine
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from service.storage.postgres.webhook_repositories import DELIVER
from service.webhook_ports import RESPONSE_EXCERPT_MAX_LENGTH, AttemptOutcome, PlannedAttempt

log = logging.getLogger("okr.worker")

_INSTALL_LOCK = 0x6F6B7271756575  # "okrqueu": one worker installs the queue's tables


@dataclass(frozen=True)
class WorkerConfig:
    schedule: webhooks.RetrySchedule = webhooks.DEFAULT_SCHEDULE
    allow_private: bool = False
    timeout: float = 10.0
    concurrency: int = 20
    dispatch_interval: float = 0.1  # seconds between two looks at the outbox when idle
    # A job that raised leaves its delivery queued with no job: looked for this often.
    sweep_interval: float = 60.0
    # A picked job whose worker stopped beating this long (killed) is picked by another.
    heartbeat_timeout: float = 30.0


def signature_header(plan: PlannedAttempt, msg_id: str, at: datetime, body: bytes) -> str:
    """``v1,<sig>``; during a rotation's overlap, a second one by the previous secret."""
    endpoint = plan.endpoint
    signatures = [Webhook(endpoint.secret).sign(msg_id, at, body)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > at:
        signatures.append(Webhook(endpoint.previous_secret).sign(msg_id, at, body))
    return " ".join(signatures)


def make_sender(
    client: httpx.AsyncClient, config: WorkerConfig, now: Callable[[], datetime]
) -> Callable[[PlannedAttempt], object]:
    async def send(plan: PlannedAttempt) -> AttemptOutcome:
        assert plan.event is not None
        body = EventOut.of_event(plan.event).model_dump_json().encode()
        msg_id = str(plan.event.id)  # the same on every retry: receivers deduplicate by it
        at = now()
        headers = {
            "content-type": "application/json",
            "user-agent": "okr-service-webhooks/1",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature_header(plan, msg_id, at, body),
        }
        started = time.perf_counter()
        try:
            async with client.stream(
                "POST", plan.endpoint.url, content=body, headers=headers
            ) as response:
                answer = await _start_of(response)
        except httpx.ConnectError as error:
            return AttemptOutcome(None, _ms(started), str(error)[:500] or "ConnectError")
        except httpx.TimeoutException:
            return AttemptOutcome(None, _ms(started), f"timed out after {config.timeout:g} s")
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as error:
            # ValueError: a URL stored before its checks (a bad port, an over-long label):
            # an attempt that failed, logged, counted toward disabling; never a job that raises.
            return AttemptOutcome(None, _ms(started), f"{type(error).__name__}: {error}"[:500])
        duration = _ms(started)
        excerpt = answer or None
        if 200 <= response.status_code < 300:
            return AttemptOutcome(response.status_code, duration, None, excerpt)
        return AttemptOutcome(
            response.status_code, duration, f"HTTP {response.status_code}", excerpt
        )

    return send


async def _start_of(response: httpx.Response) -> str:
    """The start of a receiver's answer for the delivery log: at most a few KB are read
    (a huge answer is not), decoded leniently, without NULs (Postgres text refuses them)."""
    read = bytearray()
    async for chunk in response.aiter_bytes():
        read += chunk
        if len(read) >= 4 * RESPONSE_EXCERPT_MAX_LENGTH:
            break
    text = read.decode(response.encoding or "utf-8", errors="replace").replace("\x00", "")
    return text[:RESPONSE_EXCERPT_MAX_LENGTH]


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def asyncpg_dsn(url: str) -> str:
    return (
        make_url(async_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)
    )


async def install_queue(connection: asyncpg.Connection) -> None:
    """The queue's tables, once (``pgq install``), under a lock so two workers starting
    together do not both try."""
    queries = Queries(AsyncpgDriver(connection))
    await connection.execute("SELECT pg_advisory_lock($1)", _INSTALL_LOCK)
    try:
        if not await queries.schema_is_installed():
            await queries.install()
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", _INSTALL_LOCK)


class Worker:
    """One worker: the dispatcher loop and the queue's consumer, until :meth:`stop`."""

    def __init__(self, database_url: str, config: WorkerConfig, deps: Deps | None = None) -> None:
        self._url = database_url
        self._config = config
        self._given_deps = deps
        self._stopping = asyncio.Event()
        self._qm: QueueManager | None = None

    def stop(self) -> None:
        self._stopping.set()
        if self._qm is not None:
            self._qm.shutdown.set()

    async def run(self) -> None:
        engine = create_engine(
            self._url, pool_size=self._config.concurrency + 2, statement_cache_size=0
        )
        deps = self._given_deps or Deps(uow=PostgresUnitOfWorkFactory(engine))
        connection = await asyncpg.connect(asyncpg_dsn(self._url))
        timeout = httpx.Timeout(self._config.timeout)
        try:
            await install_queue(connection)
            backend = GuardedBackend(allow_private=self._config.allow_private)
            async with httpx.AsyncClient(
                transport=guarded_transport(backend), timeout=timeout, follow_redirects=False
            ) as client:
                send = make_sender(client, self._config, deps.clock.now)
                qm = QueueManager(Queries(AsyncpgDriver(connection)))
                self._qm = qm

                @qm.entrypoint(DELIVER, accepts_context=False)
                async def deliver(job: Job) -> None:
                    payload = json.loads(job.payload or b"{}")
                    await webhooks.attempt_delivery(
                        deps,
                        UUID(payload["organization_id"]),
                        UUID(payload["id"]),
                        send,  # type: ignore[arg-type]
                        self._config.schedule,
                    )

                dispatcher = asyncio.create_task(self._dispatch_loop(deps))
                retention = asyncio.create_task(self._retention_loop(deps))
                sweep = asyncio.create_task(self._sweep_loop(deps))
                tracks = asyncio.create_task(self._track_loop(deps))
                try:
                    if not self._stopping.is_set():
                        await qm.run(
                            dequeue_timeout=timedelta(seconds=5),
                            batch_size=self._config.concurrency,
                            max_concurrent_tasks=self._config.concurrency * 2,
                            heartbeat_timeout=timedelta(seconds=self._config.heartbeat_timeout),
                        )
                finally:
                    self._stopping.set()
                    for task in (dispatcher, retention, sweep, tracks):
                        task.cancel()
                        with suppress(asyncio.CancelledError):
                            await task
        finally:
            await connection.close()
            await engine.dispose()

    async def _dispatch_loop(self, deps: Deps) -> None:
        while not self._stopping.is_set():
            made = 0
            try:
                made = await webhooks.dispatch(deps)
            except Exception:  # the database went away a moment: try again next round
                log.exception("webhook dispatch failed")
            if made < 500:
                with suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._stopping.wait(), timeout=self._config.dispatch_interval
                    )

    async def _sweep_loop(self, deps: Deps) -> None:
        """Deliveries whose job raised go back to the dispatcher (service.webhooks.
        release_lost_deliveries): without it they would stay queued forever."""
        while not self._stopping.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._config.sweep_interval)
            if self._stopping.is_set():
                return
            try:
                released = await webhooks.release_lost_deliveries(deps)
                if released:
                    log.warning("deliveries whose job was lost, queued again: %d", released)
            except Exception:  # the database went away a moment: try again next round
                log.exception("the sweep of lost deliveries failed")

    async def _retention_loop(self, deps: Deps) -> None:
        """The change feed and the webhook delivery log keep 30 days (service.events.
        RETENTION, service.webhooks): each worker forgets older events, deliveries and
        attempts at start and every hour after (in batches, so no long transaction holds the
        feed back; several workers doing it is harmless)."""
        while not self._stopping.is_set():
            try:
                gone = await events.delete_expired_events(deps)
                if gone:
                    log.info("expired events deleted: %d", gone)
                gone = await webhooks.delete_expired_deliveries(deps)
                if gone:
                    log.info("expired webhook deliveries and attempts deleted: %d", gone)
            except Exception:  # the database went away a moment: try again next round
                log.exception("deleting expired events failed")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=RETENTION_INTERVAL_SECONDS)

    async def _track_loop(self, deps: Deps) -> None:
        """KRs whose track status moved with the calendar, or that went stale, since last
        reported (service.key_result_tracks): at start and every hour after; several
        workers doing it report each change once."""
        interval = key_result_tracks.SWEEP_INTERVAL.total_seconds()
        while not self._stopping.is_set():
            try:
                reported = await key_result_tracks.sweep_key_result_tracks(deps)
                if reported:
                    log.info("KR track and stale events recorded: %d", reported)
            except Exception:  # the database went away a moment: try again next round
                log.exception("the sweep of KR track statuses failed")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=interval)


RETENTION_INTERVAL_SECONDS = 3600


def utc_now() -> datetime:
    return datetime.now(UTC)
