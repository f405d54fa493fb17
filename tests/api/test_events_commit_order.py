"""The outbox follows the transaction of its change, and the feed follows commit order.

The trap: a number taken at insert is not commit order. A transaction that inserted first
may commit last; a reader whose cursor already passed the later ones must still get it.
These tests hold transactions open by hand, on the app's own units of work.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx

from service.context import Deps
from service.events import RETENTION, delete_expired_events
from service.okr_ports import AuditEvent
from tests.api.harness import Tenant


def _deps(acme: Tenant) -> Deps:
    deps: Deps = acme.app.state.okr.services.deps
    return deps


def _change(acme: Tenant) -> AuditEvent:
    """A directory change (an admin reads every one), as a use case records it."""
    return AuditEvent(
        id=uuid4(),
        organization_id=acme.organization_id,
        occurred_at=datetime.now(UTC),
        actor=str(acme.admin_id),
        action="member.updated",
        resource_type="member",
        resource_id=acme.admin_id,
        before={"name": "A"},
        after={"name": "B"},
    )


async def _read(client: httpx.AsyncClient, after: str | None) -> tuple[list[UUID], str]:
    """One poll: the ids it returned and the cursor to poll with next."""
    params = {"limit": "200", **({"after": after} if after else {})}
    response = await client.get("/v1/events", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return [UUID(e["id"]) for e in body["items"]], body["next_cursor"]


async def test_a_rolled_back_write_leaves_no_event(acme: Tenant) -> None:
    deps = _deps(acme)
    lost, kept = _change(acme), _change(acme)
    async with deps.uow() as uow:
        await uow.audit.record(lost)  # no commit: rolled back
    async with deps.uow() as uow:
        await uow.audit.record(kept)
        await uow.commit()
    async with acme.admin() as admin:
        seen, _ = await _read(admin, None)
    assert seen == [kept.id]


async def test_a_slow_transaction_is_not_passed_by_a_later_one(acme: Tenant) -> None:
    deps = _deps(acme)
    slow, fast = _change(acme), _change(acme)
    async with acme.admin() as admin:
        _, cursor = await _read(admin, None)
        async with deps.uow() as slow_uow:
            await slow_uow.audit.record(slow)  # inserted first: the lower number
            async with deps.uow() as fast_uow:
                await fast_uow.audit.record(fast)
                await fast_uow.commit()
            # The later one has committed, but the earlier is still open: neither shows,
            # or the cursor would move past the one still to come.
            seen, cursor = await _read(admin, cursor)
            assert seen == []
            await slow_uow.commit()
        seen, _ = await _read(admin, cursor)
    assert seen == [slow.id, fast.id]


async def test_a_polling_reader_misses_nothing_under_concurrent_writes(acme: Tenant) -> None:
    deps = _deps(acme)
    rng = random.Random(17)
    written: list[UUID] = []

    async def write(delay: float, rolled_back: bool) -> None:
        async with deps.uow() as uow:
            change = _change(acme)
            await uow.audit.record(change)
            await asyncio.sleep(delay)  # held open while others insert and commit
            if not rolled_back:
                await uow.commit()
                written.append(change.id)

    async def poll(done: asyncio.Event) -> list[UUID]:
        seen: list[UUID] = []
        cursor: str | None = None
        async with acme.admin() as admin:
            while True:
                finished = done.is_set()  # read once more after the last commit
                ids, cursor = await _read(admin, cursor)
                seen += ids
                if finished:
                    return seen
                await asyncio.sleep(0.005)

    done = asyncio.Event()
    reader = asyncio.create_task(poll(done))
    await asyncio.gather(*(write(rng.uniform(0, 0.2), rolled_back=i % 7 == 0) for i in range(30)))
    done.set()
    seen = await reader
    assert len(seen) == len(set(seen)), "an event was read twice"
    assert set(seen) == set(written)


async def test_events_older_than_the_retention_are_forgotten(acme: Tenant) -> None:
    deps = _deps(acme)
    old, recent = _change(acme), _change(acme)
    old = dataclasses.replace(old, occurred_at=datetime.now(UTC) - RETENTION - timedelta(hours=1))
    async with deps.uow() as uow:
        await uow.audit.record_many([old, recent])
        await uow.commit()
    assert await delete_expired_events(deps) >= 1
    async with acme.admin() as admin:
        seen, _ = await _read(admin, None)
    assert seen == [recent.id]
