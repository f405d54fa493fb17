"""/v1/units: the company -> department -> team tree, leads, members, versions, roles."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from tests.api.harness import Tenant, create_member


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def new_unit(
    client: httpx.AsyncClient,
    kind: str,
    name: str,
    parent: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": kind, "name": name, **extra}
    if parent is not None:
        body["parent_id"] = parent["id"]
    response = await client.post("/v1/units", json=body)
    assert response.status_code == 201, response.text
    unit: dict[str, Any] = response.json()
    return unit


async def member_ids(client: httpx.AsyncClient, unit_id: str) -> list[str]:
    response = await client.get(f"/v1/units/{unit_id}/members")
    assert response.status_code == 200, response.text
    assert response.json()["unit_id"] == unit_id
    ids: list[str] = response.json()["member_ids"]
    return ids


# -- the tree ------------------------------------------------------------------------------


async def test_create_the_tree(acme: Tenant) -> None:
    async with acme.admin() as client:
        lead = await create_member(client, "Lee")
        created = await client.post(
            "/v1/units", json={"kind": "company", "name": " Acme ", "lead_id": lead["id"]}
        )
        company = created.json()
        sales = await new_unit(client, "department", "Sales", company)
        emea = await new_unit(client, "department", "Sales EMEA", sales)
        team = await new_unit(client, "team", "Inside Sales", emea)
        got = await client.get(f"/v1/units/{team['id']}")
    assert created.status_code == 201
    assert created.headers["location"] == f"/v1/units/{company['id']}"
    assert created.headers["etag"].startswith('"1-')
    assert company["kind"] == "company"
    assert company["name"] == "Acme"
    assert company["parent_id"] is None
    assert company["lead_id"] == lead["id"]
    assert company["version"] == 1
    assert sales["parent_id"] == company["id"]
    assert emea["parent_id"] == sales["id"]
    assert got.json() == team
    assert got.headers["etag"].startswith('"1-')


async def test_one_company_unit_per_organization(acme: Tenant, globex: Tenant) -> None:
    async with acme.admin() as client:
        await new_unit(client, "company", "Acme")
        second = await client.post("/v1/units", json={"kind": "company", "name": "Acme 2"})
        companies = await client.get("/v1/units", params={"kind": "company"})
    async with globex.admin() as other:
        theirs = await other.post("/v1/units", json={"kind": "company", "name": "Globex"})
    problem(second, 409, "company_unit_exists")
    assert len(companies.json()["items"]) == 1
    assert theirs.status_code == 201


async def test_parents_must_fit_the_kind(acme: Tenant) -> None:
    async with acme.admin() as client:
        company = await new_unit(client, "company", "Acme")
        team = await new_unit(client, "team", "Ops", company)
        orphan = await client.post("/v1/units", json={"kind": "department", "name": "Sales"})
        under_team = await client.post(
            "/v1/units", json={"kind": "department", "name": "Sales", "parent_id": team["id"]}
        )
        company_under = await client.post(
            "/v1/units", json={"kind": "company", "name": "Holding", "parent_id": company["id"]}
        )
        unknown_parent = await client.post(
            "/v1/units", json={"kind": "team", "name": "Ghost", "parent_id": str(uuid4())}
        )
        bad_kind = await client.post("/v1/units", json={"kind": "division", "name": "X"})
        units = await client.get("/v1/units")
    for refused in (orphan, under_team, company_under):
        body = problem(refused, 422, "invalid_unit_parent")
        assert [e["field"] for e in body["errors"]] == ["parent_id"]
    problem(unknown_parent, 422, "unknown_reference")
    problem(bad_kind, 422, "validation_failed")
    assert [u["id"] for u in units.json()["items"]] == [company["id"], team["id"]]


async def test_moving_under_a_descendant_is_a_cycle(acme: Tenant) -> None:
    async with acme.admin() as client:
        company = await new_unit(client, "company", "Acme")
        sales = await new_unit(client, "department", "Sales", company)
        emea = await new_unit(client, "department", "EMEA", sales)
        dach = await new_unit(client, "department", "DACH", emea)
        under_grandchild = await client.patch(
            f"/v1/units/{sales['id']}", json={"parent_id": dach["id"]}
        )
        under_itself = await client.patch(
            f"/v1/units/{sales['id']}", json={"parent_id": sales["id"]}
        )
        after = await client.get(f"/v1/units/{sales['id']}")
    body = problem(under_grandchild, 422, "unit_cycle")
    assert body["cycle"] == [sales["id"], dach["id"], emea["id"], sales["id"]]
    problem(under_itself, 422, "unit_cycle")
    assert after.json() == sales


async def test_move_rename_and_lead(acme: Tenant) -> None:
    async with acme.admin() as client:
        lead = await create_member(client, "Lee")
        company = await new_unit(client, "company", "Acme")
        sales = await new_unit(client, "department", "Sales", company)
        ops = await new_unit(client, "department", "Ops", company)
        moved = await client.patch(
            f"/v1/units/{ops['id']}",
            json={"parent_id": sales["id"], "name": "Sales Ops", "lead_id": lead["id"]},
        )
        cleared = await client.patch(f"/v1/units/{ops['id']}", json={"lead_id": None})
        orphaned = await client.patch(f"/v1/units/{ops['id']}", json={"parent_id": None})
        unknown_lead = await client.patch(f"/v1/units/{ops['id']}", json={"lead_id": str(uuid4())})
        children = await client.get("/v1/units", params={"parent_id": sales["id"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["parent_id"] == sales["id"]
    assert moved.json()["name"] == "Sales Ops"
    assert moved.json()["lead_id"] == lead["id"]
    assert moved.json()["version"] == 2
    assert moved.headers["etag"].startswith('"2-')
    assert cleared.json()["lead_id"] is None
    assert cleared.json()["version"] == 3
    problem(orphaned, 422, "invalid_unit_parent")
    problem(unknown_lead, 422, "unknown_reference")
    assert [u["id"] for u in children.json()["items"]] == [ops["id"]]


@pytest.mark.parametrize("field", ["name"])
async def test_null_name_is_refused(acme: Tenant, field: str) -> None:
    async with acme.admin() as client:
        company = await new_unit(client, "company", "Acme")
        refused = await client.patch(f"/v1/units/{company['id']}", json={field: None})
        after = await client.get(f"/v1/units/{company['id']}")
    body = problem(refused, 422, "validation_failed")
    assert [e["field"] for e in body["errors"]] == [field]
    assert after.json() == company


async def test_input_rules(acme: Tenant) -> None:
    async with acme.admin() as client:
        company = await new_unit(client, "company", "Acme")
        unknown = await client.patch(f"/v1/units/{company['id']}", json={"color": "red"})
        read_only = await client.patch(
            f"/v1/units/{company['id']}", json={"version": 7, "kind": "team"}
        )
        created = await client.post(
            "/v1/units", json={"kind": "team", "name": "X", "organization_id": str(uuid4())}
        )
    assert [
        (e["field"], e["code"]) for e in problem(unknown, 422, "validation_failed")["errors"]
    ] == [("color", "unknown_field")]
    assert sorted(
        (e["field"], e["code"]) for e in problem(read_only, 422, "validation_failed")["errors"]
    ) == [("kind", "unknown_field"), ("version", "read_only")]
    assert [
        (e["field"], e["code"]) for e in problem(created, 422, "validation_failed")["errors"]
    ] == [("organization_id", "read_only")]


# -- delete --------------------------------------------------------------------------------


async def test_a_unit_with_children_cannot_be_deleted(acme: Tenant) -> None:
    async with acme.admin() as client:
        company = await new_unit(client, "company", "Acme")
        sales = await new_unit(client, "department", "Sales", company)
        refused = await client.delete(f"/v1/units/{company['id']}")
        still = await client.get(f"/v1/units/{company['id']}")
        deleted = await client.delete(f"/v1/units/{sales['id']}")
        gone = await client.get(f"/v1/units/{sales['id']}")
        again = await client.delete(f"/v1/units/{sales['id']}")
        now_leaf = await client.delete(f"/v1/units/{company['id']}")
    problem(refused, 409, "unit_has_children")
    assert still.json() == company
    assert deleted.status_code == 204
    assert deleted.content == b""
    problem(gone, 404, "not_found")
    problem(again, 404, "not_found")
    assert now_leaf.status_code == 204


async def test_deleting_a_unit_drops_its_memberships_not_its_members(acme: Tenant) -> None:
    async with acme.admin() as client:
        ann = await create_member(client, "Ann")
        company = await new_unit(client, "company", "Acme")
        await client.put(f"/v1/units/{company['id']}/members/{ann['id']}")
        deleted = await client.delete(f"/v1/units/{company['id']}")
        member = await client.get(f"/v1/members/{ann['id']}")
        members = await client.get(f"/v1/units/{company['id']}/members")
    assert deleted.status_code == 204
    assert member.json() == ann
    problem(members, 404, "not_found")


async def test_if_match_guards_patch_and_delete(acme: Tenant) -> None:
    async with acme.admin() as client:
        company = await new_unit(client, "company", "Acme")
        team = await new_unit(client, "team", "Ops", company)
        renamed = await client.patch(
            f"/v1/units/{team['id']}", json={"name": "Ops 2"}, headers={"If-Match": '"1"'}
        )
        stale_patch = await client.patch(
            f"/v1/units/{team['id']}", json={"name": "Ops 3"}, headers={"If-Match": '"1"'}
        )
        stale_delete = await client.delete(f"/v1/units/{team['id']}", headers={"If-Match": '"1"'})
        after = await client.get(f"/v1/units/{team['id']}")
        fresh_delete = await client.delete(f"/v1/units/{team['id']}", headers={"If-Match": '"2"'})
    assert renamed.status_code == 200
    assert problem(stale_patch, 412, "stale_version")["current_version"] == 2
    problem(stale_delete, 412, "stale_version")
    assert after.json()["name"] == "Ops 2"
    assert after.json()["version"] == 2
    assert fresh_delete.status_code == 204


# -- members of a unit ---------------------------------------------------------------------


async def test_unit_members(acme: Tenant) -> None:
    async with acme.admin() as client:
        ann = await create_member(client, "Ann")
        bob = await create_member(client, "Bob")
        company = await new_unit(client, "company", "Acme")
        team = await new_unit(client, "team", "Ops", company)
        unit_id = team["id"]
        added = await client.put(f"/v1/units/{unit_id}/members/{ann['id']}")
        twice = await client.put(f"/v1/units/{unit_id}/members/{ann['id']}")
        await client.put(f"/v1/units/{unit_id}/members/{bob['id']}")
        both = await member_ids(client, unit_id)
        in_company = await member_ids(client, company["id"])
        by_filter = await client.get("/v1/members", params={"unit_id": unit_id})
        removed = await client.delete(f"/v1/units/{unit_id}/members/{ann['id']}")
        removed_again = await client.delete(f"/v1/units/{unit_id}/members/{ann['id']}")
        left = await member_ids(client, unit_id)
        unknown_member = await client.put(f"/v1/units/{unit_id}/members/{uuid4()}")
        unknown_unit = await client.put(f"/v1/units/{uuid4()}/members/{bob['id']}")
        unit_after = await client.get(f"/v1/units/{unit_id}")
    assert added.status_code == 204
    assert added.content == b""
    assert twice.status_code == 204
    assert both == sorted([ann["id"], bob["id"]])
    assert in_company == []  # members of sub-units are not listed
    assert [m["id"] for m in by_filter.json()["items"]] == [ann["id"], bob["id"]]
    assert removed.status_code == 204
    problem(removed_again, 404, "not_found")
    assert left == [bob["id"]]
    problem(unknown_member, 404, "not_found")
    problem(unknown_unit, 404, "not_found")
    assert unit_after.json() == team


# -- lists ---------------------------------------------------------------------------------


async def test_filters_and_pages(acme: Tenant) -> None:
    async with acme.admin() as client:
        company = await new_unit(client, "company", "Acme")
        departments = [await new_unit(client, "department", f"D{i}", company) for i in range(3)]
        teams = [await new_unit(client, "team", f"T{i}", departments[0]) for i in range(2)]
        by_kind = await client.get("/v1/units", params={"kind": "team"})
        by_parent = await client.get("/v1/units", params={"parent_id": company["id"]})
        seen: list[str] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 2}
            if cursor is not None:
                params["cursor"] = cursor
            page = await client.get("/v1/units", params=params)
            assert page.status_code == 200, page.text
            seen.extend(u["id"] for u in page.json()["items"])
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        too_many = await client.get("/v1/units", params={"limit": 201})
        garbage = await client.get("/v1/units", params={"cursor": "%%%"})
        bad_kind = await client.get("/v1/units", params={"kind": "division"})
    assert [u["id"] for u in by_kind.json()["items"]] == [t["id"] for t in teams]
    assert [u["id"] for u in by_parent.json()["items"]] == [d["id"] for d in departments]
    assert seen == [company["id"], *(d["id"] for d in departments), *(t["id"] for t in teams)]
    problem(too_many, 422, "validation_failed")
    problem(garbage, 422, "invalid_cursor")
    problem(bad_kind, 422, "validation_failed")


# -- who may write -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["hr", "member", "manager"])
async def test_only_admins_change_units(acme: Tenant, role: str) -> None:
    async with acme.admin() as client:
        caller = await create_member(client, "Caller", roles=[role])
        ann = await create_member(client, "Ann")
        company = await new_unit(client, "company", "Acme")
        team = await new_unit(client, "team", "Ops", company)
        await client.put(f"/v1/units/{team['id']}/members/{ann['id']}")
    async with acme.as_member(UUID(caller["id"]), role) as client:
        listed = await client.get("/v1/units")
        got = await client.get(f"/v1/units/{team['id']}")
        members = await client.get(f"/v1/units/{team['id']}/members")
        refused = [
            await client.post(
                "/v1/units", json={"kind": "team", "name": "X", "parent_id": company["id"]}
            ),
            await client.patch(f"/v1/units/{team['id']}", json={"name": "Mine"}),
            await client.delete(f"/v1/units/{team['id']}"),
            await client.put(f"/v1/units/{team['id']}/members/{caller['id']}"),
            await client.delete(f"/v1/units/{team['id']}/members/{ann['id']}"),
        ]
    async with acme.admin() as client:
        after = await client.get(f"/v1/units/{team['id']}")
        after_members = await member_ids(client, team["id"])
        units = await client.get("/v1/units")
    assert listed.status_code == got.status_code == members.status_code == 200
    assert [r.status_code for r in refused] == [403] * 5
    for response in refused:
        problem(response, 403, "forbidden")
    assert after.json() == team
    assert after_members == [ann["id"]]
    assert len(units.json()["items"]) == 2
