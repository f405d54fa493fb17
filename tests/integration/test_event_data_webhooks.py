"""Event data in webhook bodies (issue 17): a delivery carries the same ``data`` as the
feed's item of its event, verified by the independent ``standardwebhooks`` package."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, check_in, key_result, objective
from tests.api.test_events_feed import feed
from tests.integration.test_webhooks import (
    _endpoint,
    acme,
    app,
    eventually,
    receiver,
    running_worker,
)

__all__ = ["acme", "app"]  # the fixtures, shared with test_webhooks

TYPES = ["cycle.activated", "check_in.created", "key_result.track_status_changed"]

# A cycle two thirds gone whatever day it runs: a KR at 0.1 of its target is off track.
TODAY = datetime.now(UTC).date()
START, END = (TODAY - timedelta(days=240)).isoformat(), (TODAY + timedelta(days=120)).isoformat()


async def test_a_webhook_body_carries_the_events_data(database_url: str, acme: Tenant) -> None:
    with receiver() as hook:
        endpoint = await _endpoint(acme, hook.url, event_types=TYPES)
        async with running_worker(database_url, allow_private=True):
            async with acme.admin() as admin:
                cycle = await active_cycle(admin, "Year", "year", START, END)
                made = await objective(
                    admin,
                    cycle_id=cycle["id"],
                    title="Sell",
                    owner={"kind": "member", "id": str(acme.admin_id)},
                    status="active",
                    visibility="private",
                )
                kr = await key_result(
                    admin, made["id"], title="Deals", target="10", owner_id=str(acme.admin_id)
                )
                await check_in(admin, kr["id"], value="1", external_id="crm-1", note="aside")
            # One event of each type.
            await eventually(lambda: len(hook.received) >= len(TYPES))
            await asyncio.sleep(0.1)
        bodies = hook.bodies(endpoint["secret"])
        async with acme.admin() as admin:
            # The feed shows an event once every older transaction ended (the worker's too).
            expected: dict[str, Any] = {}
            for _ in range(100):
                expected = {e["id"]: e for e in await feed(admin) if e["type"] in TYPES}
                if len(expected) >= len(TYPES):
                    break
                await asyncio.sleep(0.05)
    assert {b["type"] for b in bodies} == set(TYPES)
    # The same payload as the feed's, data included.
    assert {b["id"]: b for b in bodies} == expected
    by_type = {b["type"]: b["data"] for b in bodies}
    assert by_type["cycle.activated"] == {"start_date": START, "end_date": END}
    assert by_type["check_in.created"] == {
        "key_result_id": kr["id"],
        "value": "1",
        "milestones_done": None,
        "source": "person",
        "integration": None,
        "external_id": "crm-1",
    }
    assert by_type["key_result.track_status_changed"]["to"] == "off_track"
    assert "aside" not in str(bodies)
