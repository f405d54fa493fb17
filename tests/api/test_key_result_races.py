"""Loops through key results never get stored, whatever the interleaving: objectives set to
contribute to each other's KRs at once, and KR moves raced with links or with other moves.
Objective parents and KR contributions form one alignment graph; each round fires the writes
that would together close a loop, over the ASGI app, then walks what was stored."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, get, key_result, objective
from tests.api.test_graph_races import (
    allow_any_alignment,
    has_loop,
    objective_parents,
    refusals,
)

ROUNDS = 20


async def together(
    client: httpx.AsyncClient, writes: list[tuple[str, str, dict[str, Any]]]
) -> list[httpx.Response]:
    """Fire ``(method, path, body)`` writes at the same time."""
    return list(
        await asyncio.gather(
            *(client.request(method, path, json=body) for method, path, body in writes)
        )
    )


def move(kr_id: str, objective_id: str) -> tuple[str, str, dict[str, Any]]:
    return ("POST", f"/v1/key-results/{kr_id}/move", {"objective_id": objective_id})


def link(objective_id: str, **body: Any) -> tuple[str, str, dict[str, Any]]:
    return ("PATCH", f"/v1/objectives/{objective_id}", body)


@dataclass(frozen=True)
class Graph:
    """Builds a round's objectives and KRs in one cycle, owned by the admin."""

    admin: httpx.AsyncClient
    cycle_id: str
    owner_id: str

    async def objectives(self, n: int, **body: Any) -> list[str]:
        """``n`` fresh objectives, created at once (a round's setup is not under test)."""
        made = await asyncio.gather(
            *(
                objective(self.admin, cycle_id=self.cycle_id, title=f"O{i}", **body)
                for i in range(n)
            )
        )
        return [o["id"] for o in made]

    async def krs(self, *objective_ids: str) -> list[str]:
        """A KR of each objective, created at once."""
        body = {"title": "Signed customers", "owner_id": self.owner_id, "target": "10"}
        made = await asyncio.gather(*(key_result(self.admin, o, **body) for o in objective_ids))
        return [k["id"] for k in made]

    async def contributing_to(self, kr_id: str) -> str:
        """A fresh objective contributing to ``kr_id``."""
        (made,) = await self.objectives(1, parent_key_result_id=kr_id)
        return made

    async def parents(self, objective_ids: list[str], kr_ids: list[str]) -> dict[str, str | None]:
        """Each objective's parent as stored now, through the KRs where they sit now."""
        found = await asyncio.gather(*(get(self.admin, f"/v1/key-results/{k}") for k in kr_ids))
        where = {k["id"]: k["objective_id"] for k in found}
        return await objective_parents(self.admin, objective_ids, where)


async def graph(admin: httpx.AsyncClient, tenant: Tenant) -> Graph:
    await allow_any_alignment(admin)
    cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    return Graph(admin, cycle["id"], str(tenant.admin_id))


async def test_objectives_contributing_to_each_others_krs_at_once_never_loop(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        g = await graph(admin, acme)
        for _ in range(ROUNDS):
            x, y = await g.objectives(2)
            kx, ky = await g.krs(x, y)
            answers = await together(
                admin, [link(x, parent_key_result_id=ky), link(y, parent_key_result_id=kx)]
            )
            assert refusals(answers, "alignment_cycle") == 1
            assert not has_loop(await g.parents([x, y], [kx, ky]))


async def test_a_kr_move_raced_with_an_objective_link_never_loops(acme: Tenant) -> None:
    async with acme.admin() as admin:
        g = await graph(admin, acme)
        for _ in range(ROUNDS):
            a, y = await g.objectives(2)
            (ka,) = await g.krs(a)
            x = await g.contributing_to(ka)
            # Moving ka under y makes x serve y; y serving x closes the loop.
            answers = await together(admin, [move(ka, y), link(y, parent_objective_id=x)])
            assert refusals(answers, "alignment_cycle") == 1
            assert not has_loop(await g.parents([a, x, y], [ka]))


async def test_a_kr_move_raced_with_a_contribution_never_loops(acme: Tenant) -> None:
    async with acme.admin() as admin:
        g = await graph(admin, acme)
        for _ in range(ROUNDS):
            a, y = await g.objectives(2)
            (ka,) = await g.krs(a)
            x = await g.contributing_to(ka)
            (kx,) = await g.krs(x)
            answers = await together(admin, [move(ka, y), link(y, parent_key_result_id=kx)])
            assert refusals(answers, "alignment_cycle") == 1
            assert not has_loop(await g.parents([a, x, y], [ka, kx]))


async def test_two_kr_moves_at_once_never_loop(acme: Tenant) -> None:
    async with acme.admin() as admin:
        g = await graph(admin, acme)
        for _ in range(ROUNDS):
            a, b = await g.objectives(2)
            ka, kb = await g.krs(a, b)
            x, y = await asyncio.gather(g.contributing_to(ka), g.contributing_to(kb))
            # Then x serves y (through ka) and y serves x (through kb).
            answers = await together(admin, [move(ka, y), move(kb, x)])
            assert refusals(answers, "alignment_cycle") == 1
            assert not has_loop(await g.parents([a, b, x, y], [ka, kb]))


async def test_a_move_under_the_lock_still_refuses_a_loop_alone(acme: Tenant) -> None:
    """The lock changes nothing for one request at a time: the loop check still answers."""
    async with acme.admin() as admin:
        g = await graph(admin, acme)
        a, b = await g.objectives(2)
        (ka,) = await g.krs(a)
        x = await g.contributing_to(ka)
        refused = await admin.post(f"/v1/key-results/{ka}/move", json={"objective_id": x})
        moved = await admin.post(f"/v1/key-results/{ka}/move", json={"objective_id": b})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "alignment_cycle"
    assert moved.status_code == 200, moved.text
