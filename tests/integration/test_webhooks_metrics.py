"""``GET /metrics`` and webhooks: the outbox's lag, the queue's delivery jobs and the
deliveries by status, read from the database at scrape time (the worker is another
process)."""

from __future__ import annotations

import asyncio

from tests.api.harness import Tenant
from tests.api.test_metrics import scrape, value
from tests.integration.test_webhooks import (
    _endpoint,
    _objective,
    acme,
    app,
    receiver,
    running_worker,
)

__all__ = ["acme", "app"]  # fixtures shared with test_webhooks


async def test_outbox_lag_jobs_and_deliveries_are_scraped(database_url: str, acme: Tenant) -> None:
    with receiver() as hook:
        await _endpoint(acme, hook.url, event_types=["objective.created"])
        async with acme.admin() as client:
            before = await scrape(client)
            await _objective(acme)
            await asyncio.sleep(0.3)
            waiting = await scrape(client)  # no worker yet: the event waits in the outbox
            async with running_worker(database_url, allow_private=True):
                deadline = asyncio.get_running_loop().time() + 10
                while not hook.received:
                    assert asyncio.get_running_loop().time() < deadline, "never delivered"
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.3)
                after = await scrape(client)
    assert value(before, "okr_webhook_deliveries", status="succeeded") == 0
    assert value(waiting, "okr_outbox_lag_seconds") >= 0.3
    assert ("okr_webhook_jobs", frozenset({("status", "queued")})) in after
    assert value(after, "okr_outbox_lag_seconds") == 0
    assert value(after, "okr_webhook_deliveries", status="succeeded") == 1
    assert value(after, "okr_webhook_deliveries", status="pending") == 0
    assert value(after, "okr_webhook_jobs", status="queued") == 0
    assert value(after, "okr_webhook_jobs", status="picked") == 0
