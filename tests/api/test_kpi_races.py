"""A KR following a KPI follows the newest reading, whatever order the readings arrive in.

Each round posts 30 readings (values 1..30, dated one minute apart in the value's order) at
once, in a shuffled order, over the ASGI app. The rule (``service.kpis``): every reading makes
one check-in on each following KR, dated at the reading's ``measured_at``, so the KR's current
value is the newest reading's and the count is one per reading, whatever the arrival order.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, get, key_result, objective, post

ROUNDS = 5
READINGS = 30


async def _followed_kr(
    admin: httpx.AsyncClient, objective: dict[str, Any], n: int
) -> tuple[str, str]:
    """A fresh KPI and a KR that follows it: (kpi id, kr id)."""
    kpi = await post(admin, "/v1/kpis", {"name": f"Signups {n}", "target": "100"})
    kr = await key_result(
        admin,
        objective["id"],
        title=f"Signups reach 100 ({n})",
        owner_id=objective["owner"]["id"],
        target=100,
    )
    linked = await admin.put(f"/v1/key-results/{kr['id']}/kpi", json={"kpi_id": kpi["id"]})
    assert linked.status_code == 200, linked.text
    return kpi["id"], kr["id"]


async def _history(admin: httpx.AsyncClient, kr_id: str) -> list[dict[str, Any]]:
    page = await get(admin, f"/v1/key-results/{kr_id}/check-ins?limit=100")
    items: list[dict[str, Any]] = page["items"]
    return items


async def test_readings_posted_together_leave_the_kr_on_the_newest(acme: Tenant) -> None:
    shuffle = random.Random(12)
    async with acme.admin() as admin:
        now = datetime.now(UTC)
        cycle = await active_cycle(
            admin, "Now", "quarter", str((now - timedelta(days=40)).date()), str(now.date())
        )
        goal = await objective(admin, cycle_id=cycle["id"], title="Grow", status="active")
        base = now - timedelta(hours=1)
        for n in range(ROUNDS):
            kpi_id, kr_id = await _followed_kr(admin, goal, n)
            readings = [
                {"value": v, "measured_at": (base + timedelta(minutes=v)).isoformat()}
                for v in range(1, READINGS + 1)
            ]
            shuffle.shuffle(readings)
            answers = await asyncio.gather(
                *(admin.post(f"/v1/kpis/{kpi_id}/measurements", json=r) for r in readings)
            )
            assert [a.status_code for a in answers] == [201] * READINGS
            kr = await get(admin, f"/v1/key-results/{kr_id}")
            kpi = await get(admin, f"/v1/kpis/{kpi_id}")
            history = await _history(admin, kr_id)

            assert kpi["latest_measurement"]["value"] == str(READINGS)
            assert kr["current"] == str(READINGS), f"round {n}"
            # One check-in per reading, dated at it, listed newest first.
            assert [c["value"] for c in history] == [str(v) for v in range(READINGS, 0, -1)]
            assert kr["last_check_in_at"] == history[0]["created_at"]


async def test_corrections_for_one_moment_end_on_the_last_posted(acme: Tenant) -> None:
    """Readings for the same moment are corrections: the last one posted wins, in the KPI
    and in the KR alike."""
    async with acme.admin() as admin:
        now = datetime.now(UTC)
        cycle = await active_cycle(
            admin, "Now", "quarter", str((now - timedelta(days=40)).date()), str(now.date())
        )
        goal = await objective(admin, cycle_id=cycle["id"], title="Grow", status="active")
        moment = (now - timedelta(minutes=10)).isoformat()
        for n in range(ROUNDS):
            kpi_id, kr_id = await _followed_kr(admin, goal, n)
            await asyncio.gather(
                *(
                    admin.post(
                        f"/v1/kpis/{kpi_id}/measurements", json={"value": v, "measured_at": moment}
                    )
                    for v in range(1, 11)
                )
            )
            kpi = await get(admin, f"/v1/kpis/{kpi_id}")
            kr = await get(admin, f"/v1/key-results/{kr_id}")
            assert kr["current"] == kpi["latest_measurement"]["value"], f"round {n}"
            assert len(await _history(admin, kr_id)) == 10
