"""Contribution loops never get stored, whatever the interleaving (issue 18, "Quota roll-up").

Two contributions that each pass the checks alone but together close a loop are fired at
the same time, many times. Contributions follow the alignment of their objectives, so a
loop needs a link left from an earlier alignment (see ``_stale_triangle``): a -> b and
c -> a race, and with b -> c already stored they would close a -> b -> c -> a. The writes
take the alignment graph's lock: one of them must be refused."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from tests.api.harness import SettableClock, Tenant
from tests.api.okr_harness import get
from tests.api.test_quota_rollup import _quotas, _stale_triangle

ROUNDS = 12


async def _contributes_to(admin: httpx.AsyncClient, kr_ids: list[str]) -> dict[str, str | None]:
    found = await asyncio.gather(*(get(admin, f"/v1/key-results/{k}") for k in kr_ids))
    return {k["id"]: k["contributes_to_key_result_id"] for k in found}


def _has_loop(edges: dict[str, str | None]) -> bool:
    for start in edges:
        seen: set[str] = set()
        current: str | None = start
        while current is not None and current not in seen:
            seen.add(current)
            current = edges.get(current)
        if current is not None:
            return True
    return False


async def test_racing_contributions_never_store_a_loop(
    acme: Tenant, app: FastAPI, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        q = await _quotas(admin, clock)
        for _ in range(ROUNDS):
            a, b, c = await _stale_triangle(q, app)
            answers = await asyncio.gather(
                admin.patch(
                    f"/v1/key-results/{a['id']}", json={"contributes_to_key_result_id": b["id"]}
                ),
                admin.patch(
                    f"/v1/key-results/{c['id']}", json={"contributes_to_key_result_id": a["id"]}
                ),
            )
            statuses = sorted(r.status_code for r in answers)
            assert statuses == [200, 422], [r.text for r in answers]
            refused = next(r for r in answers if r.status_code == 422)
            assert refused.json()["code"] == "alignment_cycle"
            edges = await _contributes_to(admin, [a["id"], b["id"], c["id"]])
            assert not _has_loop(edges), edges
