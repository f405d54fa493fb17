"""An objective's owner changes (PATCH `owner`, GraphQL `updateObjective`) under the rules of
creating it for that owner: who may, which owners exist and are active, the level a unit
gives; audited, with its history (KRs, check-ins) kept."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, patch, post
from tests.api.test_graphql import codes, gql


async def _team(admin: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    boss = await create_member(admin, "Zhang Wei", roles=["manager"])
    leaver = await create_member(admin, "Li Na", manager_id=boss["id"])
    heir = await create_member(admin, "Qian Jun", manager_id=boss["id"])
    outsider = await create_member(admin, "Sun Li")
    cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    return {"boss": boss, "leaver": leaver, "heir": heir, "outsider": outsider, "cycle": cycle}


async def test_an_admin_reassigns_an_objective_keeping_its_history_and_auditing_it(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        t = await _team(admin)
        mine = await objective(
            admin,
            cycle_id=t["cycle"]["id"],
            title="Ship v2",
            owner={"kind": "member", "id": t["leaver"]["id"]},
        )
        kr = await key_result(
            admin, mine["id"], title="Users", owner_id=t["leaver"]["id"], start="0", target="10"
        )
        await check_in(admin, kr["id"], value="4")
        await patch(admin, f"/v1/members/{t['leaver']['id']}", {"active": False})
        moved = await patch(
            admin,
            f"/v1/objectives/{mine['id']}",
            {"owner": {"kind": "member", "id": t["heir"]["id"]}},
        )
        again = await get(admin, f"/v1/objectives/{mine['id']}")
        check_ins = await get(admin, f"/v1/key-results/{kr['id']}/check-ins")
        events = (
            await admin.get("/v1/audit-events", params={"resource_id": mine["id"], "limit": 50})
        ).json()["items"]

    assert moved["owner"] == {"kind": "member", "id": t["heir"]["id"]}
    assert moved["version"] == 2
    assert again["owner"] == moved["owner"]
    assert again["key_results"][0]["current"] == "4"
    assert len(check_ins["items"]) == 1
    updated = [e for e in events if e["action"] == "objective.updated"]
    assert len(updated) == 1
    assert updated[0]["before"]["owner_id"] == t["leaver"]["id"]
    assert updated[0]["after"]["owner_id"] == t["heir"]["id"]


async def test_an_inactive_or_unknown_owner_is_refused_with_a_code(acme: Tenant) -> None:
    async with acme.admin() as admin:
        t = await _team(admin)
        mine = await objective(admin, cycle_id=t["cycle"]["id"], title="Ship v2")
        await patch(admin, f"/v1/members/{t['leaver']['id']}", {"active": False})
        path = f"/v1/objectives/{mine['id']}"
        inactive = await admin.patch(
            path, json={"owner": {"kind": "member", "id": t["leaver"]["id"]}}
        )
        unknown = await admin.patch(
            path, json={"owner": {"kind": "member", "id": t["cycle"]["id"]}}
        )
        no_unit = await admin.patch(path, json={"owner": {"kind": "unit", "id": t["heir"]["id"]}})
        null = await admin.patch(path, json={"owner": None})
        after = await get(admin, path)

    assert inactive.status_code == 422, inactive.text
    assert inactive.json()["code"] == "owner_inactive"
    assert inactive.json()["errors"][0]["field"] == "owner.id"
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_reference"
    assert no_unit.status_code == 422
    assert no_unit.json()["code"] == "unknown_reference"
    assert null.status_code == 422
    assert after["version"] == 1
    assert after["owner"]["id"] == str(acme.admin_id)


async def test_who_may_reassign_follows_who_may_create_for_that_owner(acme: Tenant) -> None:
    async with acme.admin() as admin:
        t = await _team(admin)
        theirs = await objective(
            admin,
            cycle_id=t["cycle"]["id"],
            title="Ship v2",
            owner={"kind": "member", "id": t["leaver"]["id"]},
        )
    path = f"/v1/objectives/{theirs['id']}"
    async with acme.as_member(t["leaver"]["id"]) as leaver:
        to_peer = await leaver.patch(
            path, json={"owner": {"kind": "member", "id": t["heir"]["id"]}}
        )
    async with acme.as_member(t["boss"]["id"], "manager") as boss:
        to_outsider = await boss.patch(
            path, json={"owner": {"kind": "member", "id": t["outsider"]["id"]}}
        )
        within_team = await boss.patch(
            path, json={"owner": {"kind": "member", "id": t["heir"]["id"]}}
        )
    async with acme.as_member(t["boss"]["id"], "hr") as hr:
        hr_moves = await hr.patch(
            path, json={"owner": {"kind": "member", "id": t["outsider"]["id"]}}
        )

    # A member may not create for a peer, nor a manager for someone outside their chain.
    assert to_peer.status_code == 403, to_peer.text
    assert to_outsider.status_code == 403, to_outsider.text
    assert within_team.status_code == 200, within_team.text
    assert within_team.json()["owner"]["id"] == t["heir"]["id"]
    # HR without the admin role may not create objectives for others: nor reassign them.
    assert hr_moves.status_code == 403, hr_moves.text


async def test_a_unit_owner_gives_the_units_rank_unless_a_level_is_sent(acme: Tenant) -> None:
    async with acme.admin() as admin:
        t = await _team(admin)
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        sales = await post(
            admin, "/v1/units", {"kind": "department", "name": "Sales", "parent_id": company["id"]}
        )
        a = await objective(admin, cycle_id=t["cycle"]["id"], title="A")
        b = await objective(admin, cycle_id=t["cycle"]["id"], title="B")
        to_unit = await patch(
            admin, f"/v1/objectives/{a['id']}", {"owner": {"kind": "unit", "id": sales["id"]}}
        )
        with_level = await patch(
            admin,
            f"/v1/objectives/{b['id']}",
            {"owner": {"kind": "unit", "id": sales["id"]}, "level": "team"},
        )
        back = await patch(
            admin,
            f"/v1/objectives/{a['id']}",
            {"owner": {"kind": "member", "id": t["heir"]["id"]}},
        )

    assert to_unit["owner"] == {"kind": "unit", "id": sales["id"]}
    assert to_unit["level"] == "department"
    assert with_level["level"] == "team"
    assert back["level"] == "individual"


UPDATE = """
mutation($input: UpdateObjectiveInput!) {
  updateObjective(input: $input) { objective { id version ownerKind owner { __typename } } }
}"""


async def test_graphql_update_objective_changes_the_owner(acme: Tenant) -> None:
    async with acme.admin() as admin:
        t = await _team(admin)
        mine = await objective(admin, cycle_id=t["cycle"]["id"], title="Ship v2")
        await patch(admin, f"/v1/members/{t['leaver']['id']}", {"active": False})
        moved = await gql(
            admin,
            UPDATE,
            {"input": {"id": mine["id"], "owner": {"kind": "MEMBER", "id": t["heir"]["id"]}}},
        )
        refused = await gql(
            admin,
            UPDATE,
            {"input": {"id": mine["id"], "owner": {"kind": "MEMBER", "id": t["leaver"]["id"]}}},
        )
        after = await get(admin, f"/v1/objectives/{mine['id']}")

    assert "errors" not in moved, moved
    assert moved["data"]["updateObjective"]["objective"]["version"] == 2
    assert after["owner"]["id"] == t["heir"]["id"]
    assert codes(refused) == ["owner_inactive"]
