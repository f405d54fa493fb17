"""Replay since a time (``POST /v1/webhook-endpoints/{id}/replay``): exactly the deliveries
made at or after ``since`` go out again, with their first ``webhook-id``, to a real receiver
on 127.0.0.1; audited; another organization's admin finds nothing to list or replay."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, get, objective, post
from tests.integration.test_webhooks import eventually, receiver, running_worker


async def _endpoint(tenant: Tenant, url: str) -> dict[str, Any]:
    async with tenant.admin() as admin:
        return await post(
            admin, "/v1/webhook-endpoints", {"url": url, "event_types": ["objective.created"]}
        )


@pytest.mark.own_database  # the worker sends every organization's deliveries
async def test_a_replay_since_t_sends_exactly_the_later_deliveries_again_with_their_ids(
    database_url: str, acme: Tenant
) -> None:
    with receiver() as hook:
        endpoint = await _endpoint(acme, hook.url)
        path = f"/v1/webhook-endpoints/{endpoint['id']}"
        async with running_worker(database_url, allow_private=True), acme.admin() as admin:
            cycle = await active_cycle(admin, "Q1", "quarter", "2026-01-01", "2026-03-31")
            await objective(admin, title="Before", cycle_id=cycle["id"])
            await eventually(lambda: len(hook.received) == 1)
            since = datetime.now(UTC)
            await objective(admin, title="After", cycle_id=cycle["id"])
            await objective(admin, title="After too", cycle_id=cycle["id"])
            await eventually(lambda: len(hook.received) == 3)
            first_ids = [h["webhook-id"] for h, _ in hook.received]
            answer = await admin.post(f"{path}/replay", json={"since": since.isoformat()})
            assert answer.status_code == 202, answer.text
            assert answer.json() == {
                "queued": 2,
                "already_pending": 0,
                "expired": 0,
                "truncated": False,
                "next_cursor": None,
                "next_since": None,
            }
            await eventually(lambda: len(hook.received) == 5)
            await asyncio.sleep(0.2)  # nothing more should come
            audit = await get(admin, "/v1/audit-events?resource_type=webhook_endpoint")
    again = [h["webhook-id"] for h, _ in hook.received[3:]]
    assert len(hook.received) == 5
    assert sorted(again) == sorted(first_ids[1:])  # the same ids: receivers deduplicate
    (entry,) = [e for e in audit["items"] if e["action"] == "webhook_endpoint.replayed"]
    assert entry["resource_id"] == endpoint["id"]
    assert entry["after"]["queued"] == 2


async def test_a_replay_since_older_than_the_retention_is_refused(acme: Tenant) -> None:
    endpoint = await _endpoint(acme, "https://hooks.example.com/okr")
    since = datetime.now(UTC) - timedelta(days=31)
    async with acme.admin() as admin:
        answer = await admin.post(
            f"/v1/webhook-endpoints/{endpoint['id']}/replay", json={"since": since.isoformat()}
        )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["code"] == "too_old"


async def test_another_organizations_admin_can_neither_list_nor_replay(
    acme: Tenant, globex: Tenant
) -> None:
    endpoint = await _endpoint(acme, "https://hooks.example.com/okr")
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    async with globex.admin() as admin:
        listed = await admin.get(f"{path}/deliveries")
        one = await admin.get(f"{path}/deliveries/{endpoint['id']}")
        replayed = await admin.post(f"{path}/replay", json={"since": since})
    assert [listed.status_code, one.status_code, replayed.status_code] == [404, 404, 404]
    assert replayed.json()["code"] == "not_found"
