"""A client limited to a unit subtree reads only that subtree's members: others are 404
(no existence leak) and missing from lists, as in tests/api/test_isolation.py."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.harness import Tenant, create_member
from tests.api.test_api_clients import new_client
from tests.api.test_oauth_token import client_token


async def unit(admin: httpx.AsyncClient, kind: str, name: str, parent: str | None) -> str:
    response = await admin.post("/v1/units", json={"kind": kind, "name": name, "parent_id": parent})
    assert response.status_code == 201, response.text
    unit_id: str = response.json()["id"]
    return unit_id


async def member_in(admin: httpx.AsyncClient, name: str, unit_id: str) -> dict[str, Any]:
    member = await create_member(admin, name)
    added = await admin.put(f"/v1/units/{unit_id}/members/{member['id']}")
    assert added.status_code == 204, added.text
    return member


async def test_a_unit_scoped_client_sees_only_its_subtrees_members(acme: Tenant) -> None:
    async with acme.admin() as admin:
        company = await unit(admin, "company", "Acme", None)
        sales = await unit(admin, "department", "Sales", company)
        emea = await unit(admin, "team", "Sales EMEA", sales)
        finance = await unit(admin, "department", "Finance", company)
        seller = await member_in(admin, "Sam Seller", sales)
        emea_seller = await member_in(admin, "Erin Emea", emea)
        accountant = await member_in(admin, "Alex Accountant", finance)
        created = await new_client(admin, scopes=["org:read"], unit_id=sales)
    token = await client_token(acme, created)

    async with acme.client(token) as regional:
        listed = await regional.get("/v1/members")
        in_scope = [await regional.get(f"/v1/members/{m['id']}") for m in (seller, emea_seller)]
        outside = [
            await regional.get(f"/v1/members/{m}") for m in (accountant["id"], str(acme.admin_id))
        ]
        by_email = await regional.get("/v1/members", params={"email": accountant["email"]})

    assert listed.status_code == 200
    assert {m["id"] for m in listed.json()["items"]} == {seller["id"], emea_seller["id"]}
    assert [r.status_code for r in in_scope] == [200, 200]
    assert [r.status_code for r in outside] == [404, 404]
    assert by_email.json()["items"] == []
