"""Closing a cycle's unfinished objectives costs the same statements for 3 or for 30."""

from __future__ import annotations

from typing import Any

from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, get, objective, post
from tests.api.test_rest_okr_counts import sql_statements


async def _close(acme: Tenant, n: int, name: str) -> tuple[int, dict[str, Any]]:
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, name, "quarter", "2027-01-01", "2027-03-31")
        ids = [
            (await objective(admin, cycle_id=cycle["id"], title=f"O{i}", status="active"))["id"]
            for i in range(n)
        ]
        with sql_statements(acme.app) as seen:
            closed = await post(admin, f"/v1/cycles/{cycle['id']}/close-objectives", {})
        one = await get(admin, f"/v1/objectives/{ids[0]}")
    assert sorted(closed["closed"]) == sorted(ids)
    return len(seen), one


async def test_closing_costs_the_same_statements_whatever_the_count(acme: Tenant) -> None:
    few, one = await _close(acme, 3, "Q1 a")
    many, _ = await _close(acme, 30, "Q1 b")
    assert few == many
    assert (one["status"], one["version"]) == ("closed", 2)
