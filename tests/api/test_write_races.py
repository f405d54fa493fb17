"""Writes that race each other answer as if they had come one after the other.

- A DELETE that loses its race to a write referencing the resource answers its documented
  409 (the resource is still in use), never 422 ``unknown_reference``; the write that loses
  to a DELETE answers 422 ``unknown_reference`` (or 404), never 500.
- PATCHes without ``If-Match`` that race are applied in turn: every one succeeds and every
  change is kept. With ``If-Match`` the losers get 412 as before.

Each round fires the conflicting requests at once (``asyncio.gather``) over the ASGI app.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, post

ROUNDS = 20


def outcome(response: httpx.Response) -> str:
    """``<status>`` or ``<status> <code>`` for a problem."""
    if response.status_code < 400:
        return str(response.status_code)
    return f"{response.status_code} {response.json()['code']}"


# -- a DELETE that loses -------------------------------------------------------------------


async def test_a_unit_deleted_while_an_objective_is_created_for_it(acme: Tenant) -> None:
    seen: Counter[tuple[str, str]] = Counter()
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        for n in range(ROUNDS):
            team = await post(
                admin,
                "/v1/units",
                {"kind": "team", "name": f"Team {n}", "parent_id": company["id"]},
            )
            deleted, created = await asyncio.gather(
                admin.delete(f"/v1/units/{team['id']}"),
                admin.post(
                    "/v1/objectives",
                    json={
                        "cycle_id": cycle["id"],
                        "title": f"Objective {n}",
                        "owner": {"kind": "unit", "id": team["id"]},
                    },
                ),
            )
            seen[outcome(deleted), outcome(created)] += 1
    # Whichever came first, the other answers as it would have one after the other.
    assert set(seen) <= {
        ("204", "422 unknown_reference"),
        ("409 unit_has_objectives", "201"),
    }, seen


async def test_a_unit_deleted_while_a_meeting_is_held_for_it(acme: Tenant) -> None:
    """The meeting never goes with the unit: it is the record of a retrospective."""
    seen: Counter[tuple[str, str]] = Counter()
    async with acme.admin() as admin:
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        for n in range(ROUNDS):
            team = await post(
                admin,
                "/v1/units",
                {"kind": "team", "name": f"Team {n}", "parent_id": company["id"]},
            )
            deleted, held = await asyncio.gather(
                admin.delete(f"/v1/units/{team['id']}"),
                admin.post(
                    "/v1/meetings",
                    json={
                        "kind": "weekly",
                        "title": f"Weekly {n}",
                        "held_on": "2027-01-08",
                        "unit_id": team["id"],
                        "findings": "pipeline reviewed",
                    },
                ),
            )
            seen[outcome(deleted), outcome(held)] += 1
            if held.status_code == 201:
                kept = await admin.get(f"/v1/meetings/{held.json()['id']}")
                assert kept.status_code == 200, (n, kept.text)
    assert set(seen) <= {
        ("204", "422 unknown_reference"),
        ("409 unit_has_meetings", "201"),
    }, seen


async def test_a_key_result_deleted_while_it_is_checked_in_on(acme: Tenant) -> None:
    seen: Counter[tuple[str, str]] = Counter()
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        goal = await objective(admin, cycle_id=cycle["id"], title="Grow", status="active")
        for n in range(ROUNDS):
            kr = await key_result(
                admin, goal["id"], title=f"KR {n}", owner_id=str(acme.admin_id), target=10
            )
            deleted, checked_in = await asyncio.gather(
                admin.delete(f"/v1/key-results/{kr['id']}"),
                admin.post(f"/v1/key-results/{kr['id']}/check-ins", json={"value": 1}),
            )
            seen[outcome(deleted), outcome(checked_in)] += 1
    assert set(seen) <= {
        ("204", "404 not_found"),
        ("204", "422 unknown_reference"),
        ("409 key_result_has_check_ins", "201"),
    }, seen


# -- PATCHes without If-Match --------------------------------------------------------------


async def _patch_together(
    client: httpx.AsyncClient, path: str, bodies: list[dict[str, Any]], **headers: str
) -> list[httpx.Response]:
    return list(
        await asyncio.gather(*(client.patch(path, json=body, headers=headers) for body in bodies))
    )


async def test_patches_without_if_match_are_applied_in_turn(acme: Tenant) -> None:
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        goal = await objective(admin, cycle_id=cycle["id"], title="Grow")
        path = f"/v1/objectives/{goal['id']}"
        titles = [f"Grow {i}" for i in range(16)]
        answers = await _patch_together(admin, path, [{"title": t} for t in titles])
        after = await get(admin, path)
    assert [a.status_code for a in answers] == [200] * len(titles), [outcome(a) for a in answers]
    assert after["version"] == goal["version"] + len(titles)
    assert after["title"] in titles
    assert sorted(a.json()["version"] for a in answers) == list(
        range(goal["version"] + 1, after["version"] + 1)
    )


async def test_patches_of_different_fields_all_stay(acme: Tenant) -> None:
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        for n in range(ROUNDS // 4):
            goal = await objective(admin, cycle_id=cycle["id"], title=f"Grow {n}")
            member = await create_member(admin, f"Ann {n}")
            kr = await key_result(
                admin, goal["id"], title=f"KR {n}", owner_id=str(acme.admin_id), target=10
            )
            o_path, m_path = f"/v1/objectives/{goal['id']}", f"/v1/members/{member['id']}"
            k_path = f"/v1/key-results/{kr['id']}"
            o_changes: list[dict[str, Any]] = [
                {"title": "Grow faster"},
                {"description": "why"},
                {"visibility": "private"},
                {"roll_up": True},
            ]
            m_changes: list[dict[str, Any]] = [
                {"name": "Ann B"},
                {"email": f"ann.b{n}@example.com"},
                {"external_id": f"HR-{n}"},
                {"roles": ["manager"]},
            ]
            k_changes: list[dict[str, Any]] = [
                {"title": "KR renamed"},
                {"target": "20"},
                {"weight": "2"},
                {"confidence": 3},
                {"cadence": "monthly"},
                {"due_date": "2027-03-01"},
            ]
            answers = await asyncio.gather(
                _patch_together(admin, o_path, o_changes),
                _patch_together(admin, m_path, m_changes),
                _patch_together(admin, k_path, k_changes),
            )
            assert [outcome(a) for group in answers for a in group] == ["200"] * 14
            for path, start, changes in (
                (o_path, goal, o_changes),
                (m_path, member, m_changes),
                (k_path, kr, k_changes),
            ):
                after = await get(admin, path)
                assert after["version"] == start["version"] + len(changes), path
                for change in changes:
                    for field, value in change.items():
                        assert after[field] == value, (path, field)


async def test_with_if_match_the_losers_still_get_412(acme: Tenant) -> None:
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        goal = await objective(admin, cycle_id=cycle["id"], title="Grow")
        path = f"/v1/objectives/{goal['id']}"
        answers = await _patch_together(
            admin,
            path,
            [{"title": f"Grow {i}"} for i in range(10)],
            **{"If-Match": f'"{goal["version"]}"'},
        )
        after = await get(admin, path)
    assert sorted(outcome(a) for a in answers) == ["200"] + ["412 stale_version"] * 9
    assert after["version"] == goal["version"] + 1


async def test_check_ins_and_patches_of_one_key_result_race_without_412(acme: Tenant) -> None:
    """Check-ins bump nothing a PATCH compares; the PATCHes still all pass."""
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        goal = await objective(admin, cycle_id=cycle["id"], title="Grow", status="active")
        kr = await key_result(
            admin, goal["id"], title="KR", owner_id=str(acme.admin_id), target=100
        )
        path = f"/v1/key-results/{kr['id']}"
        answers = await asyncio.gather(
            *(admin.patch(path, json={"title": f"KR {i}"}) for i in range(10)),
            *(check_in(admin, kr["id"], value=i) for i in range(5)),
        )
        after = await get(admin, path)
    patched = [a for a in answers if isinstance(a, httpx.Response)]
    assert [outcome(a) for a in patched] == ["200"] * 10
    assert after["version"] == kr["version"] + 10
