"""Who sees and who changes OKRs (service/okr_access.py): private objectives are seen by their
owner, the owner's manager chain and admins, and do not exist for anyone else (404, absent
from lists and searches); public ones are read by everyone in the organization; members
change their own, managers their reports', unit leads their unit's, admins everything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx

from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, patch, post


@dataclass(frozen=True)
class World:
    boss: dict[str, Any]  # the owner's manager's manager
    manager: dict[str, Any]  # the owner's manager
    owner: dict[str, Any]
    peer: dict[str, Any]  # same manager as the owner
    lead: dict[str, Any]  # leads the marketing team
    marketer: dict[str, Any]  # a member of the marketing team
    marketing: dict[str, Any]
    cycle: dict[str, Any]


async def build_world(admin: httpx.AsyncClient) -> World:
    boss = await create_member(admin, "Zhao Min", roles=["manager"])
    manager = await create_member(admin, "Zhang Wei", roles=["manager"], manager_id=boss["id"])
    owner = await create_member(admin, "Li Na", manager_id=manager["id"])
    peer = await create_member(admin, "Qian Jun", manager_id=manager["id"])
    lead = await create_member(admin, "Sun Li", roles=["manager"])
    marketer = await create_member(admin, "Ma Lin")
    company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
    marketing = await post(
        admin,
        "/v1/units",
        {"kind": "team", "name": "Marketing", "parent_id": company["id"], "lead_id": lead["id"]},
    )
    joined = await admin.put(f"/v1/units/{marketing['id']}/members/{marketer['id']}")
    assert joined.status_code == 204, joined.text
    cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    return World(
        boss=boss,
        manager=manager,
        owner=owner,
        peer=peer,
        lead=lead,
        marketer=marketer,
        marketing=marketing,
        cycle=cycle,
    )


@dataclass(frozen=True)
class Okr:
    objective: dict[str, Any]
    key_result: dict[str, Any]
    action: dict[str, Any]


async def private_okr(client: httpx.AsyncClient, w: World, owner: dict[str, Any]) -> Okr:
    o = await objective(
        client,
        cycle_id=w.cycle["id"],
        title="Confidential: pivot East China to SMB",
        owner=owner,
        visibility="private",
        status="active",
    )
    kr = await key_result(
        client, o["id"], title="SMB pilots signed", owner_id=w.owner["id"], target="5"
    )
    await check_in(client, kr["id"], value="2", note="two pilots")
    action = await post(client, f"/v1/key-results/{kr['id']}/actions", {"title": "SMB pricing"})
    return Okr(objective=o, key_result=kr, action=action)


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def what_they_see(client: httpx.AsyncClient, okr: Okr, w: World) -> dict[str, Any]:
    """Every way to reach a private objective: by id, in lists, in searches, through its
    KR, check-ins and actions."""
    o, kr, a = okr.objective["id"], okr.key_result["id"], okr.action["id"]

    async def listed(**params: str) -> bool:
        response = await client.get("/v1/objectives", params=params)
        assert response.status_code == 200, response.text
        return o in {item["id"] for item in response.json()["items"]}

    return {
        "get": (await client.get(f"/v1/objectives/{o}")).status_code,
        "key results": (await client.get(f"/v1/objectives/{o}/key-results")).status_code,
        "key result": (await client.get(f"/v1/key-results/{kr}")).status_code,
        "check-ins": (await client.get(f"/v1/key-results/{kr}/check-ins")).status_code,
        "actions": (await client.get(f"/v1/key-results/{kr}/actions")).status_code,
        "action": (await client.get(f"/v1/actions/{a}")).status_code,
        "listed": await listed(),
        "by cycle": await listed(cycle_id=w.cycle["id"]),
        "by owner": await listed(owner_id=w.owner["id"]),
        "searched": await listed(q="pivot"),
        "by status": await listed(status="active"),
    }


SEEN = {
    "get": 200,
    "key results": 200,
    "key result": 200,
    "check-ins": 200,
    "actions": 200,
    "action": 200,
    "listed": True,
    "by cycle": True,
    "by owner": True,
    "searched": True,
    "by status": True,
}
ABSENT = {
    "get": 404,
    "key results": 404,
    "key result": 404,
    "check-ins": 404,
    "actions": 404,
    "action": 404,
    "listed": False,
    "by cycle": False,
    "by owner": False,
    "searched": False,
    "by status": False,
}


async def test_a_private_objective_is_seen_by_its_owner_their_managers_and_admins(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
    async with acme.as_member(w.owner["id"]) as owner:
        okr = await private_okr(owner, w, {"kind": "member", "id": w.owner["id"]})
        public = await objective(owner, cycle_id=w.cycle["id"], title="Public pivot plan")

    seen: dict[str, dict[str, Any]] = {}
    viewers = {
        "owner": acme.as_member(w.owner["id"]),
        "manager": acme.as_member(w.manager["id"], "manager"),
        "manager's manager": acme.as_member(w.boss["id"], "manager"),
        "admin": acme.admin(),
        "peer": acme.as_member(w.peer["id"]),
        "peer with the manager role": acme.as_member(w.peer["id"], "manager"),
        "unit lead elsewhere": acme.as_member(w.lead["id"], "manager"),
        "hr": acme.as_member(w.marketer["id"], "hr"),
    }  # service tokens read no OKRs at all: see the next test and test_scopes.py
    for name, client in viewers.items():
        async with client:
            seen[name] = await what_they_see(client, okr, w)
            public_read = await client.get(f"/v1/objectives/{public['id']}")
            assert public_read.status_code == 200, (name, public_read.text)

    assert seen == {
        "owner": SEEN,
        "manager": SEEN,
        "manager's manager": SEEN,
        "admin": SEEN,
        "peer": ABSENT,
        "peer with the manager role": ABSENT,  # a role is not a reporting line
        "unit lead elsewhere": ABSENT,
        "hr": ABSENT,
    }


async def test_a_hidden_objective_looks_exactly_like_a_missing_one(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        okr = await private_okr(admin, w, {"kind": "member", "id": w.owner["id"]})
    async with acme.as_member(w.peer["id"]) as peer:
        hidden = await peer.get(f"/v1/objectives/{okr.objective['id']}")
        missing = await peer.get(f"/v1/objectives/{UUID(int=1)}")
        hidden_kr = await peer.patch(f"/v1/key-results/{okr.key_result['id']}", json={"title": "x"})
        check_in_hidden = await peer.post(
            f"/v1/key-results/{okr.key_result['id']}/check-ins", json={"value": "5"}
        )
        edit_hidden = await peer.patch(f"/v1/objectives/{okr.objective['id']}", json={"title": "x"})
        aligned = await peer.post(
            "/v1/objectives",
            json={
                "cycle_id": w.cycle["id"],
                "title": "Mine",
                "parent_key_result_id": okr.key_result["id"],
            },
        )
    strip = {"request_id"}
    assert {k: v for k, v in hidden.json().items() if k not in strip} == {
        k: v for k, v in missing.json().items() if k not in strip
    }
    for refused in (hidden, hidden_kr, check_in_hidden, edit_hidden):
        problem(refused, 404, "not_found")  # not 403: existence does not leak
    problem(aligned, 422, "unknown_reference")


async def test_a_units_private_objective_is_seen_by_its_lead_not_by_its_members(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        okr = await private_okr(admin, w, {"kind": "unit", "id": w.marketing["id"]})
    async with acme.as_member(w.lead["id"], "manager") as lead:
        by_lead = await what_they_see(lead, okr, w)
    async with acme.as_member(w.marketer["id"]) as marketer:
        by_member = await what_they_see(marketer, okr, w)
    # "by owner" filters member owners: a unit's objective never matches it.
    assert by_lead == SEEN | {"by owner": False}
    assert by_member == ABSENT


async def test_a_peer_reads_public_okrs_but_does_not_change_them(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        q2 = await active_cycle(admin, "2027 Q2", "quarter", "2027-04-01", "2027-06-30")
    async with acme.as_member(w.owner["id"]) as owner:
        mine = await objective(owner, cycle_id=w.cycle["id"], title="Grow revenue")
        kr = await key_result(owner, mine["id"], title="New customers", owner_id=w.owner["id"])
        task = await post(owner, f"/v1/key-results/{kr['id']}/actions", {"title": "Visits"})
    async with acme.as_member(w.peer["id"]) as peer:
        read = await peer.get(f"/v1/objectives/{mine['id']}")
        history = await peer.get(f"/v1/key-results/{kr['id']}/check-ins")
        writes = {
            "patch objective": await peer.patch(
                f"/v1/objectives/{mine['id']}", json={"title": "Mine now"}
            ),
            "delete objective": await peer.delete(f"/v1/objectives/{mine['id']}"),
            "add KR": await peer.post(
                f"/v1/objectives/{mine['id']}/key-results",
                json={"title": "x", "owner_id": w.peer["id"]},
            ),
            "patch KR": await peer.patch(f"/v1/key-results/{kr['id']}", json={"target": "9"}),
            "delete KR": await peer.delete(f"/v1/key-results/{kr['id']}"),
            "check in": await peer.post(
                f"/v1/key-results/{kr['id']}/check-ins", json={"value": "1"}
            ),
            "add action": await peer.post(
                f"/v1/key-results/{kr['id']}/actions", json={"title": "x"}
            ),
            "patch action": await peer.patch(f"/v1/actions/{task['id']}", json={"title": "x"}),
            "objective for the owner": await peer.post(
                "/v1/objectives",
                json={
                    "cycle_id": w.cycle["id"],
                    "title": "x",
                    "owner": {"kind": "member", "id": w.owner["id"]},
                },
            ),
            "objective for a unit": await peer.post(
                "/v1/objectives",
                json={
                    "cycle_id": w.cycle["id"],
                    "title": "x",
                    "owner": {"kind": "unit", "id": w.marketing["id"]},
                },
            ),
        }
        # Carrying a public objective over for oneself is fine: the copy is one's own.
        own_copy = await peer.post(
            f"/v1/objectives/{mine['id']}/copy",
            json={"cycle_id": q2["id"], "owner_id": w.peer["id"]},
        )
    async with acme.as_member(w.owner["id"]) as owner:
        after = await get(owner, f"/v1/objectives/{mine['id']}")
        actions = await get(owner, f"/v1/key-results/{kr['id']}/actions")

    assert read.status_code == 200
    assert history.status_code == 200
    codes = {name: (r.status_code, r.json()["code"]) for name, r in writes.items()}
    assert codes == dict.fromkeys(writes, (403, "forbidden"))
    assert own_copy.status_code == 201, own_copy.text
    assert own_copy.json()["owner"] == {"kind": "member", "id": w.peer["id"]}
    assert (after["title"], after["version"]) == ("Grow revenue", 1)
    assert [(k["target"], k["version"], k["current"]) for k in after["key_results"]] == [
        ("1", 1, None)
    ]
    assert [(a["title"], a["version"]) for a in actions["items"]] == [("Visits", 1)]


async def test_managers_change_their_reports_okrs(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
    async with acme.as_member(w.owner["id"]) as owner:
        mine = await objective(owner, cycle_id=w.cycle["id"], title="Grow revenue")
        kr = await key_result(owner, mine["id"], title="New customers", owner_id=w.owner["id"])
    async with acme.as_member(w.manager["id"], "manager") as manager:
        edited = await patch(manager, f"/v1/objectives/{mine['id']}", {"status": "active"})
        added = await key_result(
            manager, mine["id"], title="Repeat rate", owner_id=w.owner["id"], target="60"
        )
        checked = await check_in(manager, kr["id"], value="1", note="entered at the 1:1")
        assigned = await objective(
            manager,
            cycle_id=w.cycle["id"],
            title="Shadow two senior reps",
            owner={"kind": "member", "id": w.owner["id"]},
        )
        own = await objective(manager, cycle_id=w.cycle["id"], title="Manager's own")
    async with acme.as_member(w.boss["id"], "manager") as boss:
        by_skip_level = await patch(boss, f"/v1/objectives/{mine['id']}", {"title": "Grow more"})
    async with acme.as_member(w.owner["id"]) as owner:
        upward = await owner.patch(f"/v1/objectives/{own['id']}", json={"title": "x"})
        own_kr = await patch(owner, f"/v1/key-results/{added['id']}", {"target": "65"})

    assert (edited["status"], edited["version"]) == ("active", 2)
    assert added["owner_id"] == w.owner["id"]
    assert checked["author"] == w.manager["id"]
    assert assigned["owner"] == {"kind": "member", "id": w.owner["id"]}
    assert (by_skip_level["title"], by_skip_level["version"]) == ("Grow more", 3)
    problem(upward, 403, "forbidden")  # a report does not edit their manager's objective
    assert own_kr["target"] == "65"


async def test_a_key_results_owner_works_on_it_inside_anothers_objective(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
    async with acme.as_member(w.owner["id"]) as owner:
        mine = await objective(owner, cycle_id=w.cycle["id"], title="Grow revenue")
        theirs = await key_result(owner, mine["id"], title="Leads", owner_id=w.peer["id"])
    async with acme.as_member(w.peer["id"]) as peer:
        checked = await check_in(peer, theirs["id"], value="1")
        changed = await patch(peer, f"/v1/key-results/{theirs['id']}", {"unit": "leads"})
        action = await post(peer, f"/v1/key-results/{theirs['id']}/actions", {"title": "Webinar"})
        objective_edit = await peer.patch(f"/v1/objectives/{mine['id']}", json={"title": "x"})
        deleted = await peer.delete(f"/v1/key-results/{theirs['id']}")

    assert checked["author"] == w.peer["id"]
    assert changed["unit"] == "leads"
    assert action["key_result_id"] == theirs["id"]
    problem(objective_edit, 403, "forbidden")
    problem(deleted, 403, "forbidden")  # removing a KR is the objective's editors' call


async def test_a_unit_lead_changes_the_units_objectives(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        team = await objective(
            admin,
            cycle_id=w.cycle["id"],
            title="Leads for sales",
            owner={"kind": "unit", "id": w.marketing["id"]},
        )
    unit_owner = {"kind": "unit", "id": w.marketing["id"]}
    async with acme.as_member(w.lead["id"], "manager") as lead:
        edited = await patch(lead, f"/v1/objectives/{team['id']}", {"status": "active"})
        created = await objective(
            lead, cycle_id=w.cycle["id"], title="Brand awareness", owner=unit_owner
        )
        kr = await key_result(lead, team["id"], title="MQLs", owner_id=w.marketer["id"])
    async with acme.as_member(w.marketer["id"]) as marketer:
        by_member = await marketer.patch(f"/v1/objectives/{team['id']}", json={"title": "x"})
        create_by_member = await marketer.post(
            "/v1/objectives",
            json={"cycle_id": w.cycle["id"], "title": "x", "owner": unit_owner},
        )
        # ... but the member checks in on the KR they own.
        checked = await check_in(marketer, kr["id"], value="1")
    async with acme.as_member(w.manager["id"], "manager") as other_manager:
        by_other_manager = await other_manager.patch(
            f"/v1/objectives/{team['id']}", json={"title": "x"}
        )

    assert (edited["status"], edited["level"]) == ("active", "team")
    assert created["owner"] == unit_owner
    problem(by_member, 403, "forbidden")
    problem(create_by_member, 403, "forbidden")
    assert checked["author"] == w.marketer["id"]
    problem(by_other_manager, 403, "forbidden")


async def test_service_tokens_read_no_okrs_even_with_org_read_and_never_write(
    acme: Tenant,
) -> None:
    # org:read reads the directory (members, units, cycles), not OKRs (README, Auth).
    async with acme.admin() as admin:
        w = await build_world(admin)
        public = await objective(admin, cycle_id=w.cycle["id"], title="Public")
        kr = await key_result(admin, public["id"], title="KR", owner_id=w.owner["id"])
    async with acme.client(acme.token(None, scopes=("org:read",))) as reader:
        listed = await reader.get("/v1/objectives")
        read_one = await reader.get(f"/v1/objectives/{public['id']}")
        created = await reader.post(
            "/v1/objectives",
            json={
                "cycle_id": w.cycle["id"],
                "title": "Bot's",
                "owner": {"kind": "member", "id": w.owner["id"]},
            },
        )
        checked = await reader.post(f"/v1/key-results/{kr['id']}/check-ins", json={"value": "1"})
        edited = await reader.patch(f"/v1/objectives/{public['id']}", json={"title": "x"})
    async with acme.client(acme.token(None, scopes=("reviews:export",))) as exporter:
        unscoped = await exporter.get("/v1/objectives")
        unscoped_one = await exporter.get(f"/v1/objectives/{public['id']}")

    problem(listed, 403, "forbidden")
    problem(read_one, 403, "forbidden")
    problem(created, 403, "forbidden")
    problem(checked, 403, "forbidden")
    problem(edited, 403, "forbidden")
    problem(unscoped, 403, "forbidden")
    problem(unscoped_one, 403, "forbidden")
