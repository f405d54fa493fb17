"""Writes to the directory and the settings are audited like OKR writes: members (roles and
manager included), units and their memberships, cycles, the organization's settings. Each
event names the actor and holds the values before and after; a refused or empty write leaves
nothing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import get, patch, post


async def events_of(
    admin: httpx.AsyncClient, resource_type: str, resource_id: str | None = None
) -> list[dict[str, Any]]:
    params = {"resource_type": resource_type, "limit": "200"}
    if resource_id is not None:
        params["resource_id"] = resource_id
    response = await admin.get("/v1/audit-events", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    assert all(e["resource_type"] == resource_type for e in items)
    return items


def changed(event: dict[str, Any], field: str) -> tuple[Any, Any]:
    return event["before"][field], event["after"][field]


async def test_member_writes_are_audited_with_actor_and_before_after(acme: Tenant) -> None:
    admin_id = str(acme.admin_id)
    async with acme.admin() as admin:
        boss = await create_member(admin, "Zhang Wei", roles=["manager"])
        member = await create_member(admin, "Li Na", external_id="E-1")
        mid = member["id"]
        await patch(
            admin,
            f"/v1/members/{mid}",
            {
                "name": "Li Na (Sales)",
                "email": "na.li@example.com",
                "external_id": "E-2",
                "manager_id": boss["id"],
                "roles": ["member", "manager"],
            },
        )
        deactivated = await admin.delete(f"/v1/members/{mid}")
        assert deactivated.status_code in (200, 204), deactivated.text
        await patch(admin, f"/v1/members/{mid}", {"active": True})
        events = await events_of(admin, "member", mid)

    assert [(e["actor"], e["action"]) for e in events] == [
        (admin_id, "member.created"),
        (admin_id, "member.updated"),
        (admin_id, "member.deactivated"),
        (admin_id, "member.reactivated"),
    ]
    created, updated, gone, back = events
    assert created["before"] is None
    assert created["after"]["email"] == "li.na@example.com"
    assert created["after"]["roles"] == ["member"]
    assert changed(updated, "name") == ("Li Na", "Li Na (Sales)")
    assert changed(updated, "email") == ("li.na@example.com", "na.li@example.com")
    assert changed(updated, "external_id") == ("E-1", "E-2")
    assert changed(updated, "manager_id") == (None, boss["id"])
    assert changed(updated, "roles") == (["member"], ["manager", "member"])
    assert changed(updated, "version") == (1, 2)
    assert changed(gone, "active") == (True, False)
    assert changed(back, "active") == (False, True)


async def test_hr_setting_their_own_manager_is_audited(acme: Tenant) -> None:
    async with acme.admin() as admin:
        boss = await create_member(admin, "Zhang Wei", roles=["manager"])
        hr = await create_member(admin, "Wang Fang", roles=["hr"])
    async with acme.as_member(hr["id"], "hr") as client:
        await patch(client, f"/v1/members/{hr['id']}", {"manager_id": boss["id"]})
    async with acme.admin() as admin:
        events = await events_of(admin, "member", hr["id"])
    assert [(e["actor"], e["action"]) for e in events][-1] == (hr["id"], "member.updated")
    assert changed(events[-1], "manager_id") == (None, boss["id"])


async def test_a_service_token_is_the_actor_of_what_it_writes(acme: Tenant) -> None:
    async with acme.client(acme.token(scopes=("members:write",))) as hr_system:
        member = await create_member(hr_system, "Li Na")
    async with acme.admin() as admin:
        (event,) = await events_of(admin, "member", member["id"])
    assert event["actor"].startswith("service:")
    assert event["action"] == "member.created"


async def test_refused_and_empty_member_writes_leave_nothing(acme: Tenant) -> None:
    async with acme.admin() as admin:
        a = await create_member(admin, "A")
        b = await create_member(admin, "B", manager_id=a["id"])
        refused = await admin.patch(f"/v1/members/{a['id']}", json={"manager_id": b["id"]})
        assert refused.status_code == 422, refused.text
        await patch(admin, f"/v1/members/{a['id']}", {"name": "A"})  # changes nothing
        events = await events_of(admin, "member", a["id"])
    assert [e["action"] for e in events] == ["member.created"]


async def test_unit_writes_and_memberships_are_audited(acme: Tenant) -> None:
    admin_id = str(acme.admin_id)
    async with acme.admin() as admin:
        person = await create_member(admin, "Li Na")
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        sales = await post(
            admin,
            "/v1/units",
            {"kind": "department", "name": "Sales", "parent_id": company["id"]},
        )
        team = await post(
            admin, "/v1/units", {"kind": "team", "name": "North", "parent_id": company["id"]}
        )
        await patch(admin, f"/v1/units/{team['id']}", {"name": "North team"})
        await patch(admin, f"/v1/units/{team['id']}", {"parent_id": sales["id"]})
        for _ in range(2):  # the second add changes nothing, so records nothing
            added = await admin.put(f"/v1/units/{team['id']}/members/{person['id']}")
            assert added.status_code == 204, added.text
        removed = await admin.delete(f"/v1/units/{team['id']}/members/{person['id']}")
        deleted = await admin.delete(f"/v1/units/{team['id']}")
        assert (removed.status_code, deleted.status_code) == (204, 204)
        events = await events_of(admin, "unit", team["id"])
        every_unit = await events_of(admin, "unit")

    assert [(e["actor"], e["action"]) for e in events] == [
        (admin_id, "unit.created"),
        (admin_id, "unit.updated"),
        (admin_id, "unit.updated"),
        (admin_id, "unit.member_added"),
        (admin_id, "unit.member_removed"),
        (admin_id, "unit.deleted"),
    ]
    created, renamed, moved, joined, left, gone = events
    assert (created["before"], created["after"]["parent_id"]) == (None, company["id"])
    assert changed(renamed, "name") == ("North", "North team")
    assert changed(moved, "parent_id") == (company["id"], sales["id"])
    assert (joined["before"], joined["after"]) == (None, {"member_id": person["id"]})
    assert (left["before"], left["after"]) == ({"member_id": person["id"]}, None)
    assert (gone["before"]["name"], gone["after"]) == ("North team", None)
    assert [e["resource_id"] for e in every_unit if e["action"] == "unit.created"] == [
        company["id"],
        sales["id"],
        team["id"],
    ]


async def test_cycle_writes_and_state_changes_are_audited(acme: Tenant) -> None:
    admin_id = str(acme.admin_id)
    async with acme.admin() as admin:
        cycle = await post(
            admin,
            "/v1/cycles",
            {
                "name": "2027 Q1",
                "kind": "quarter",
                "start_date": "2027-01-01",
                "end_date": "2027-03-31",
            },
        )
        await patch(
            admin, f"/v1/cycles/{cycle['id']}", {"name": "Q1 2027", "end_date": "2027-03-30"}
        )
        await patch(admin, f"/v1/cycles/{cycle['id']}", {"state": "active"})
        await patch(admin, f"/v1/cycles/{cycle['id']}", {"state": "closed"})
        events = await events_of(admin, "cycle", cycle["id"])

    assert [(e["actor"], e["action"]) for e in events] == [
        (admin_id, "cycle.created"),
        (admin_id, "cycle.updated"),
        (admin_id, "cycle.activated"),
        (admin_id, "cycle.closed"),
    ]
    created, updated, activated, closed = events
    assert (created["before"], created["after"]["state"]) == (None, "planning")
    assert changed(updated, "name") == ("2027 Q1", "Q1 2027")
    assert changed(updated, "end_date") == ("2027-03-31", "2027-03-30")
    assert changed(activated, "state") == ("planning", "active")
    assert changed(closed, "state") == ("active", "closed")


async def test_organization_settings_changes_are_audited(acme: Tenant) -> None:
    async with acme.admin() as admin:
        scoring = (await get(admin, "/v1/organization"))["scoring"]
        await patch(
            admin,
            "/v1/organization",
            {"name": "Acme Sales", "scoring": {**scoring, "alignment_upward_only": False}},
        )
        await patch(admin, "/v1/organization", {"name": "Acme Sales"})  # changes nothing
        events = await events_of(admin, "organization")

    (event,) = events
    assert (event["actor"], event["action"]) == (str(acme.admin_id), "organization.updated")
    assert event["resource_id"] == str(acme.organization_id)
    assert changed(event, "name") == ("Acme", "Acme Sales")
    before, after = event["before"]["scoring"], event["after"]["scoring"]
    assert (before["alignment_upward_only"], after["alignment_upward_only"]) == (True, False)
    assert after["red_below"] == "0.4"


async def test_graphql_lists_directory_events_by_resource_type(acme: Tenant) -> None:
    async with acme.admin() as admin:
        member = await create_member(admin, "Li Na")
        response = await admin.post(
            "/graphql",
            json={
                "query": '{ auditEvents(filter: {resourceType: "member"}) '
                "{ nodes { action resourceId actor } } }"
            },
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    nodes = body["data"]["auditEvents"]["nodes"]
    assert {(n["action"], n["resourceId"]) for n in nodes} >= {("member.created", member["id"])}
