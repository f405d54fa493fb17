"""A forecast posted on a KR is an event (``key_result.forecast_recorded``), written with the
forecast through the audit/outbox path like a check-in: its numbers and origin in ``data``,
never its note; one event for a duplicate external id; none to who may not see the KR."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, key_result, objective
from tests.api.test_events_feed import feed

FORECAST = "key_result.forecast_recorded"
T0 = datetime(2027, 2, 10, 9, tzinfo=UTC)


async def _kr(admin: Any, owner: str, visibility: str) -> dict[str, Any]:
    cycle = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
    made = await objective(
        admin,
        cycle_id=cycle["id"],
        title="Sell",
        owner={"kind": "member", "id": owner},
        status="active",
        visibility=visibility,
    )
    return await key_result(admin, made["id"], title="Revenue", target="100", owner_id=owner)


async def _post(admin: Any, kr_id: str, **body: Any) -> dict[str, Any]:
    answer = await admin.post(f"/v1/key-results/{kr_id}/forecasts", json=body)
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_a_forecast_is_one_event_with_its_numbers_and_origin_never_its_note(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(T0)
    async with acme.admin() as admin:
        kr = await _kr(admin, str(acme.admin_id), "public")
        body = {
            "commit": "60",
            "best_case": "80",
            "as_of_date": "2027-02-10",
            "note": "a private aside about a deal",
            "external_id": "crm-42",
            "integration": "salesforce",
        }
        await _post(admin, kr["id"], **body)
        await _post(admin, kr["id"], **body)  # the same external id: a duplicate, no event
        events = [e for e in await feed(admin) if e["type"] == FORECAST]

    (event,) = events
    assert event["data"] == {
        "key_result_id": kr["id"],
        "commit": "60",
        "best_case": "80",
        "as_of_date": "2027-02-10",
        "source": "integration",
        "integration": "salesforce",
        "external_id": "crm-42",
    }
    assert event["key_result_id"] == kr["id"]
    assert event["resource"]["type"] == "key_result_forecast"
    assert event["resource"]["url"] == f"/v1/key-results/{kr['id']}/forecasts"
    assert "a private aside" not in str(events)


async def test_who_may_not_see_the_kr_hears_of_no_forecast(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(T0)
    async with acme.admin() as admin:
        bob = await create_member(admin, "Bob")
        kr = await _kr(admin, str(acme.admin_id), "private")
        await _post(admin, kr["id"], commit="10")
        seen_by_admin = [e for e in await feed(admin) if e["type"] == FORECAST]
    async with acme.as_member(bob["id"]) as as_bob:
        seen_by_bob = [e for e in await feed(as_bob) if e["type"] == FORECAST]
    assert len(seen_by_admin) == 1
    assert seen_by_bob == []
