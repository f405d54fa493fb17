"""A final score is set from the cycle's end date (organization time) or once it is closed,
and a scored KR's track status reads ``scored``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.api.harness import SettableClock, Tenant
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, patch

SCORE = {"score": "0.7", "reason": "two deals slipped to Q2"}


async def quarter_kr(
    admin: httpx.AsyncClient, tenant: Tenant
) -> tuple[dict[str, Any], dict[str, Any]]:
    cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    goal = await objective(admin, cycle_id=cycle["id"], title="Win the north")
    kr = await key_result(
        admin, goal["id"], title="New customers", target="10", owner_id=str(tenant.admin_id)
    )
    return cycle, kr


async def test_a_final_score_mid_cycle_is_too_early(acme: Tenant, clock: SettableClock) -> None:
    clock.pin(datetime(2027, 3, 15, 9, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        _, kr = await quarter_kr(admin, acme)
        early = await admin.put(f"/v1/key-results/{kr['id']}/final-score", json=SCORE)
        after = await get(admin, f"/v1/key-results/{kr['id']}")
    assert early.status_code == 422, early.text
    body = early.json()
    assert body["code"] == "final_score_too_early"
    assert "2027-03-31" in body["detail"]
    assert after["final_score"] is None


async def test_the_end_date_counts_in_the_organizations_time_zone(
    acme: Tenant, clock: SettableClock
) -> None:
    # 2027-03-30 17:00 UTC is already 2027-03-31 01:00 in Shanghai, the cycle's last day.
    clock.pin(datetime(2027, 3, 30, 17, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        await patch(admin, "/v1/organization", {"time_zone": "Asia/Shanghai"})
        _, kr = await quarter_kr(admin, acme)
        await check_in(admin, kr["id"], value="3")
        scored = await admin.put(f"/v1/key-results/{kr['id']}/final-score", json=SCORE)
        read = await get(admin, f"/v1/key-results/{kr['id']}")
    assert scored.status_code == 200, scored.text
    assert scored.json()["score"]["track_status"] == "scored"
    assert read["final_score"] == "0.7"
    assert read["score"]["track_status"] == "scored"


async def test_a_closed_cycle_takes_a_final_score(acme: Tenant, clock: SettableClock) -> None:
    clock.pin(datetime(2027, 3, 10, 9, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        cycle, kr = await quarter_kr(admin, acme)
        # Closed early, before its end date: grading is open from then on.
        await patch(admin, f"/v1/cycles/{cycle['id']}", {"state": "closed"})
        scored = await admin.put(f"/v1/key-results/{kr['id']}/final-score", json=SCORE)
        goal = await get(admin, f"/v1/objectives/{kr['objective_id']}")
    assert scored.status_code == 200, scored.text
    assert [k["score"]["track_status"] for k in goal["key_results"]] == ["scored"]
