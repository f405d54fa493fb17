"""KR track events in the change feed (issue 17): a KR's track status change reaches exactly
who may read its objective, and a check-in that reports one costs one statement more."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective
from tests.api.test_events_feed import feed
from tests.api.test_rest_okr_counts import sql_statements

# Five months into 2027: a KR at 0.1 of its target is off track.
JUNE_1 = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
CHANGED = "key_result.track_status_changed"


async def _active_kr(acme: Tenant, admin: Any, visibility: str) -> dict[str, Any]:
    cycle = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
    made = await objective(
        admin,
        cycle_id=cycle["id"],
        title="Grow",
        owner={"kind": "member", "id": str(acme.admin_id)},
        status="active",
        visibility=visibility,
    )
    return await key_result(
        admin, made["id"], title="Deals", target="10", owner_id=str(acme.admin_id)
    )


async def test_a_private_objectives_track_event_reaches_only_who_may_see_it(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(JUNE_1)
    async with acme.admin() as admin:
        outsider = await create_member(admin, "Out Sider")
        kr = await _active_kr(acme, admin, "private")
        await check_in(admin, kr["id"], value="1")
        seen_by_admin = [e for e in await feed(admin) if e["type"] == CHANGED]
    assert [(e["key_result_id"], e["resource"]["url"]) for e in seen_by_admin] == [
        (kr["id"], f"/v1/key-results/{kr['id']}")
    ]
    async with acme.as_member(outsider["id"]) as member:
        assert CHANGED not in [e["type"] for e in await feed(member)]


async def test_a_public_objectives_track_event_reaches_every_member(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(JUNE_1)
    async with acme.admin() as admin:
        reader = await create_member(admin, "Rea Der")
        kr = await _active_kr(acme, admin, "public")
        await check_in(admin, kr["id"], value="1")
    async with acme.as_member(reader["id"]) as member:
        assert [e["key_result_id"] for e in await feed(member) if e["type"] == CHANGED] == [
            kr["id"]
        ]


async def test_a_check_in_on_an_active_kr_is_five_statements(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(JUNE_1)
    async with acme.admin() as admin:
        kr = await _active_kr(acme, admin, "public")
        await get(admin, "/v1/organization")
        with sql_statements(acme.app) as seen:
            await check_in(admin, kr["id"], value="1")  # off track: an event
        with sql_statements(acme.app) as again:
            await check_in(admin, kr["id"], value="2")  # still off track: none
    # The KR with its objective, cycle and organization; the check-in moving its KR; the
    # objective's updated_at; the KR's reported track status; the audit and outbox rows.
    assert len(seen) == 5, seen
    assert len(again) == 5, again
