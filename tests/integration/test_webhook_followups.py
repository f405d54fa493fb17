"""The webhook and event gaps a review found (issue 17), each fixed with a test here:

- a replay pages on a (created_at, id) cursor: a batch shares one ``created_at``, and paging
  on it replayed the same deliveries again; a retried replay with its ``Idempotency-Key``
  runs once; a single delivery's requeue leaves a pending one alone;
- a delivery whose event passed its retention fails at once (no 3-day schedule), the
  retention forgets such pending deliveries, and a replay skips and counts them;
- the hourly KR track sweep runs once across workers: one that finds the lock taken skips.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from service import key_result_tracks, webhooks
from service.context import Deps
from service.storage.postgres.database import create_engine
from service.storage.postgres.track_repositories import SWEEP_LOCK
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from service.storage.postgres.webhook_repositories import PostgresWebhooks
from service.webhook_ports import AttemptOutcome, PlannedAttempt
from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, post
from tests.integration.test_webhooks import acme, app

__all__ = ["acme", "app"]  # fixtures shared with test_webhooks


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    created = create_engine(database_url, pool_size=4, statement_cache_size=0)
    yield created
    await created.dispose()


@pytest.fixture
def deps(engine: AsyncEngine) -> Deps:
    return Deps(uow=PostgresUnitOfWorkFactory(engine))


async def _deliveries(acme: Tenant, deps: Deps, count: int) -> dict[str, Any]:
    """An endpoint with ``count`` objective.created deliveries, made by one dispatch (so
    they share one ``created_at``) and marked succeeded; nothing is sent."""
    async with acme.admin() as admin:
        endpoint = await post(
            admin,
            "/v1/webhook-endpoints",
            {"url": "https://hooks.example.com/okr", "event_types": ["objective.created"]},
        )
        cycle = await active_cycle(admin, "Q1", "quarter", "2026-01-01", "2026-03-31")
        for n in range(count):
            await objective(admin, title=f"Grow {n}", cycle_id=cycle["id"])
    # The dispatcher's first half (no job queue needed: nothing is sent here).
    async with deps.uow() as uow:
        assert await uow.webhooks.dispatch_events(500, datetime.now(UTC)) == count
        await uow.commit()
    await _sql(deps, "UPDATE webhook_deliveries SET status = 'succeeded', attempts = 1")
    return endpoint


async def _sql(deps: Deps, statement: str, **values: Any) -> list[Any]:
    async with deps.uow() as uow:
        conn = uow._conn  # type: ignore[attr-defined]  # the test reads rows as they are
        result = await conn.execute(text(statement), values)
        rows = list(result.all()) if result.returns_rows else []
        await uow.commit()
    return rows


async def _statuses(deps: Deps) -> list[str]:
    rows = await _sql(deps, "SELECT status FROM webhook_deliveries ORDER BY created_at, id")
    return [r.status for r in rows]


async def _replay(
    acme: Tenant, endpoint: dict[str, Any], headers: dict[str, str] | None = None, **body: Any
) -> Any:
    since = (
        (datetime.now(UTC) - timedelta(hours=1))
        .replace(minute=0, second=0, microsecond=0)
        .isoformat()
    )
    async with acme.admin() as admin:
        answer = await admin.post(
            f"/v1/webhook-endpoints/{endpoint['id']}/replay",
            json={"since": since, **body},
            headers=headers or {},
        )
    assert answer.status_code == 202, answer.text
    return answer


# -- replay paging, idempotency, requeue --------------------------------------------------


async def test_a_replay_goes_on_from_its_cursor_and_replays_none_twice(
    acme: Tenant, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = await _deliveries(acme, deps, 3)  # one created_at for all three
    monkeypatch.setattr(webhooks, "REPLAY_LIMIT", 2)
    first = (await _replay(acme, endpoint)).json()
    assert (first["queued"], first["already_pending"], first["truncated"]) == (2, 0, True)
    assert first["next_cursor"]
    rest = (await _replay(acme, endpoint, after=first["next_cursor"])).json()
    # The third one only: the first two are not counted again (as pending or anything).
    assert rest == {
        "queued": 1,
        "already_pending": 0,
        "expired": 0,
        "truncated": False,
        "next_cursor": None,
        "next_since": None,
    }
    assert await _statuses(deps) == ["pending"] * 3


async def test_a_replay_cursor_that_is_no_cursor_is_refused(acme: Tenant, deps: Deps) -> None:
    endpoint = await _deliveries(acme, deps, 1)
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    async with acme.admin() as admin:
        answer = await admin.post(
            f"/v1/webhook-endpoints/{endpoint['id']}/replay",
            json={"since": since, "after": "not-a-cursor"},
        )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["code"] == "invalid_cursor"


async def test_a_replay_retried_with_its_idempotency_key_runs_once(
    acme: Tenant, deps: Deps
) -> None:
    endpoint = await _deliveries(acme, deps, 2)
    key = {"Idempotency-Key": "replay-1"}
    first = await _replay(acme, endpoint, headers=key)
    # The deliveries were sent meanwhile: a second run would queue them all again.
    await _sql(deps, "UPDATE webhook_deliveries SET status = 'succeeded'")
    again = await _replay(acme, endpoint, headers=key)
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert await _statuses(deps) == ["succeeded", "succeeded"]
    async with acme.admin() as admin:
        audit = await get(admin, "/v1/audit-events?resource_type=webhook_endpoint")
    assert [e["action"] for e in audit["items"]].count("webhook_endpoint.replayed") == 1


async def test_a_requeue_leaves_a_pending_delivery_and_its_attempts_alone(
    acme: Tenant, deps: Deps
) -> None:
    await _deliveries(acme, deps, 1)
    await _sql(deps, "UPDATE webhook_deliveries SET status = 'pending', attempts = 3")
    (row,) = await _sql(deps, "SELECT organization_id, id FROM webhook_deliveries")
    async with deps.uow() as uow:
        repository = PostgresWebhooks(uow._conn)  # type: ignore[attr-defined]
        await repository.requeue_delivery(row.organization_id, row.id, datetime.now(UTC))
        await uow.commit()
    (after,) = await _sql(deps, "SELECT status, attempts FROM webhook_deliveries")
    assert (after.status, after.attempts) == ("pending", 3)


# -- deliveries whose event passed its retention ------------------------------------------


async def _expire_events(deps: Deps) -> None:
    await _sql(deps, "DELETE FROM events WHERE type = 'objective.created'")


async def test_a_delivery_whose_event_expired_fails_at_once_with_the_reason(
    acme: Tenant, deps: Deps
) -> None:
    await _deliveries(acme, deps, 1)
    await _sql(deps, "UPDATE webhook_deliveries SET status = 'pending', attempts = 0")
    await _expire_events(deps)
    (row,) = await _sql(deps, "SELECT organization_id, id FROM webhook_deliveries")
    sent: list[PlannedAttempt] = []

    async def send(plan: PlannedAttempt) -> AttemptOutcome:
        sent.append(plan)
        return AttemptOutcome(204, 1, None)

    await webhooks.attempt_delivery(deps, row.organization_id, row.id, send)
    (after,) = await _sql(
        deps, "SELECT status, attempts, next_attempt_at, last_error FROM webhook_deliveries"
    )
    assert (after.status, after.attempts, after.next_attempt_at) == ("failed", 1, None)
    assert after.last_error == webhooks.EVENT_EXPIRED
    (attempt,) = await _sql(deps, "SELECT error FROM webhook_delivery_attempts")
    assert attempt.error == webhooks.EVENT_EXPIRED
    assert sent == []
    (endpoint,) = await _sql(deps, "SELECT enabled FROM webhook_endpoints")
    assert endpoint.enabled  # not the endpoint's fault


async def test_the_retention_forgets_old_pending_deliveries_whose_event_is_gone(
    acme: Tenant, deps: Deps
) -> None:
    await _deliveries(acme, deps, 2)
    ago = datetime.now(UTC) - timedelta(days=31)
    await _sql(deps, "UPDATE webhook_deliveries SET status = 'pending', created_at = :at", at=ago)
    # One event is gone (past the outbox's retention); the other is still there.
    (gone,) = await _sql(
        deps,
        "DELETE FROM events WHERE id = (SELECT min(event_id::text)::uuid FROM "
        "webhook_deliveries) RETURNING id",
    )
    deleted = await webhooks.delete_expired_deliveries(deps)
    left = await _sql(deps, "SELECT event_id FROM webhook_deliveries")
    assert deleted == 1
    assert [r.event_id for r in left] != [gone.id]
    assert len(left) == 1  # a pending delivery with its event stays until it ends


async def test_a_replay_skips_and_counts_deliveries_whose_event_is_gone(
    acme: Tenant, deps: Deps
) -> None:
    endpoint = await _deliveries(acme, deps, 2)
    await _sql(
        deps,
        "DELETE FROM events WHERE id = (SELECT min(event_id::text)::uuid FROM webhook_deliveries)",
    )
    answer = (await _replay(acme, endpoint)).json()
    assert (answer["queued"], answer["expired"]) == (1, 1)
    assert sorted(await _statuses(deps)) == ["pending", "succeeded"]


# -- the KR track sweep, once across workers ----------------------------------------------


async def _a_kr_to_report(acme: Tenant) -> None:
    """A weekly KR checked in on long ago: stale (and off track) for the next sweep."""
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "2026", "year", "2026-01-01", "2026-12-31")
        made = await objective(
            admin,
            cycle_id=cycle["id"],
            title="Grow",
            owner={"kind": "member", "id": str(acme.admin_id)},
            status="active",
        )
        kr = await key_result(
            admin,
            made["id"],
            title="Deals",
            target="100",
            owner_id=str(acme.admin_id),
            cadence="weekly",
        )
        await check_in(admin, kr["id"], value="1")


async def test_a_sweep_skips_while_another_holds_the_lock_then_runs(
    acme: Tenant, deps: Deps, engine: AsyncEngine
) -> None:
    await _a_kr_to_report(acme)
    later = Deps(uow=deps.uow, clock=_Later(timedelta(days=10)))
    async with engine.connect() as other_worker, other_worker.begin():
        await other_worker.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK})
        skipped = await key_result_tracks.sweep_key_result_tracks(later)
    ran = await key_result_tracks.sweep_key_result_tracks(later)
    assert skipped == 0
    assert ran >= 1


async def test_two_concurrent_sweeps_do_the_work_once(acme: Tenant, deps: Deps) -> None:
    await _a_kr_to_report(acme)
    later = Deps(uow=deps.uow, clock=_Later(timedelta(days=10)))
    counts = await asyncio.gather(
        key_result_tracks.sweep_key_result_tracks(later),
        key_result_tracks.sweep_key_result_tracks(later),
    )
    assert sorted(counts)[0] == 0  # one of them skipped (or found nothing left)
    assert sum(counts) >= 1


class _Later:
    """The system clock, moved on (the KR goes stale as the calendar moves)."""

    def __init__(self, by: timedelta) -> None:
        self._by = by

    def now(self) -> datetime:
        return datetime.now(UTC) + self._by
