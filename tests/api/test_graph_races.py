"""Graph writes raced together never store a loop: alignment (objective parents and KR
contributions), the manager chain and the unit tree. Each round fires the links that would
close a loop at the same time, over the ASGI app, and then walks what was stored."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx

from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, get, key_result, objective, patch, post

ROUNDS = 20


def has_loop(parent_of: Mapping[str, str | None]) -> bool:
    """Whether following parents from any node comes back to it."""
    for start in parent_of:
        node, seen = parent_of[start], {start}
        while node is not None and node in parent_of:
            if node in seen:
                return True
            seen.add(node)
            node = parent_of[node]
    return False


def refusals(responses: list[httpx.Response], code: str) -> int:
    """How many were refused with ``code``; every other answer must be a success."""
    refused = 0
    for response in responses:
        if response.status_code == 200:
            continue
        assert response.status_code == 422, response.text
        assert response.json()["code"] == code, response.text
        refused += 1
    return refused


async def patch_together(
    client: httpx.AsyncClient, writes: list[tuple[str, dict[str, Any]]]
) -> list[httpx.Response]:
    return list(await asyncio.gather(*(client.patch(path, json=body) for path, body in writes)))


async def allow_any_alignment(admin: httpx.AsyncClient) -> None:
    """Same-level alignment is refused by default; the loop rule is what is under test."""
    scoring = (await get(admin, "/v1/organization"))["scoring"]
    await patch(admin, "/v1/organization", {"scoring": {**scoring, "alignment_upward_only": False}})


async def objective_parents(
    admin: httpx.AsyncClient, ids: list[str], kr_objective: Mapping[str, str]
) -> dict[str, str | None]:
    """Each objective's parent objective, directly or through the KR it contributes to."""
    parents: dict[str, str | None] = {}
    for objective_id in ids:
        body = await get(admin, f"/v1/objectives/{objective_id}")
        kr = body["parent_key_result_id"]
        parents[objective_id] = kr_objective[kr] if kr else body["parent_objective_id"]
    return parents


async def fresh_objectives(admin: httpx.AsyncClient, cycle_id: str, n: int) -> list[str]:
    return [
        (await objective(admin, cycle_id=cycle_id, title=f"Objective {i}"))["id"] for i in range(n)
    ]


async def test_two_objectives_aligned_to_each_other_at_once_never_loop(acme: Tenant) -> None:
    async with acme.admin() as admin:
        await allow_any_alignment(admin)
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        for _ in range(ROUNDS):
            x, y = await fresh_objectives(admin, cycle["id"], 2)
            answers = await patch_together(
                admin,
                [
                    (f"/v1/objectives/{x}", {"parent_objective_id": y}),
                    (f"/v1/objectives/{y}", {"parent_objective_id": x}),
                ],
            )
            assert refusals(answers, "alignment_cycle") == 1
            assert not has_loop(await objective_parents(admin, [x, y], {}))


async def test_three_objectives_aligned_in_a_ring_at_once_never_loop(acme: Tenant) -> None:
    async with acme.admin() as admin:
        await allow_any_alignment(admin)
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        for _ in range(ROUNDS):
            x, y, z = await fresh_objectives(admin, cycle["id"], 3)
            answers = await patch_together(
                admin,
                [
                    (f"/v1/objectives/{x}", {"parent_objective_id": y}),
                    (f"/v1/objectives/{y}", {"parent_objective_id": z}),
                    (f"/v1/objectives/{z}", {"parent_objective_id": x}),
                ],
            )
            assert refusals(answers, "alignment_cycle") == 1
            assert not has_loop(await objective_parents(admin, [x, y, z], {}))


async def test_a_loop_through_a_kr_contribution_raced_is_never_stored(acme: Tenant) -> None:
    async with acme.admin() as admin:
        await allow_any_alignment(admin)
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        for _ in range(ROUNDS):
            x, y = await fresh_objectives(admin, cycle["id"], 2)
            kr_of_y = await key_result(
                admin, y, title="Signed customers", target="10", owner_id=str(acme.admin_id)
            )
            answers = await patch_together(
                admin,
                [
                    (f"/v1/objectives/{x}", {"parent_key_result_id": kr_of_y["id"]}),
                    (f"/v1/objectives/{y}", {"parent_objective_id": x}),
                ],
            )
            assert refusals(answers, "alignment_cycle") == 1
            parents = await objective_parents(admin, [x, y], {kr_of_y["id"]: y})
            assert not has_loop(parents)


async def test_two_members_made_each_others_manager_at_once_never_loop(acme: Tenant) -> None:
    async with acme.admin() as admin:
        for i in range(ROUNDS):
            a = (await create_member(admin, f"A{i}"))["id"]
            b = (await create_member(admin, f"B{i}"))["id"]
            answers = await patch_together(
                admin,
                [(f"/v1/members/{a}", {"manager_id": b}), (f"/v1/members/{b}", {"manager_id": a})],
            )
            assert refusals(answers, "manager_cycle") == 1
            managers = {m: (await get(admin, f"/v1/members/{m}"))["manager_id"] for m in (a, b)}
            assert not has_loop(managers)


async def department(admin: httpx.AsyncClient, company_id: str, name: str) -> str:
    body = {"kind": "department", "name": name, "parent_id": company_id}
    unit_id: str = (await post(admin, "/v1/units", body))["id"]
    return unit_id


async def test_two_units_put_under_each_other_at_once_never_loop(acme: Tenant) -> None:
    async with acme.admin() as admin:
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        for i in range(ROUNDS):
            d1 = await department(admin, company["id"], f"D{i}a")
            d2 = await department(admin, company["id"], f"D{i}b")
            answers = await patch_together(
                admin,
                [(f"/v1/units/{d1}", {"parent_id": d2}), (f"/v1/units/{d2}", {"parent_id": d1})],
            )
            assert refusals(answers, "unit_cycle") == 1
            units = {u: (await get(admin, f"/v1/units/{u}"))["parent_id"] for u in (d1, d2)}
            assert not has_loop(units)


def outcome(responses: list[httpx.Response]) -> list[tuple[int, str | None]]:
    return [
        (r.status_code, r.json().get("code") if r.status_code >= 400 else None) for r in responses
    ]


async def test_deleting_an_objective_while_another_aligns_to_it_answers_one_or_the_other(
    acme: Tenant,
) -> None:
    """The delete sees the new child (409), or the link finds its parent gone (422)."""
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        for _ in range(ROUNDS):
            parent = await objective(admin, cycle_id=cycle["id"], title="Company", level="company")
            child = await objective(admin, cycle_id=cycle["id"], title="Mine")
            answers = list(
                await asyncio.gather(
                    admin.delete(f"/v1/objectives/{parent['id']}"),
                    admin.patch(
                        f"/v1/objectives/{child['id']}", json={"parent_objective_id": parent["id"]}
                    ),
                )
            )
            assert outcome(answers) in (
                [(409, "objective_has_children"), (200, None)],
                [(204, None), (422, "unknown_reference")],
            )


async def test_deleting_a_unit_while_another_moves_under_it_answers_one_or_the_other(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        for i in range(ROUNDS):
            doomed = await department(admin, company["id"], f"D{i}a")
            mover = await department(admin, company["id"], f"D{i}b")
            answers = list(
                await asyncio.gather(
                    admin.delete(f"/v1/units/{doomed}"),
                    admin.patch(f"/v1/units/{mover}", json={"parent_id": doomed}),
                )
            )
            assert outcome(answers) in (
                [(409, "unit_has_children"), (200, None)],
                [(204, None), (422, "unknown_reference")],
            )
