"""SCIM 2.0 Users at /scim/v2/Users: members synced by an identity provider."""

from __future__ import annotations

from typing import Any

import httpx

from service.auth import Scope
from tests.api.harness import Tenant

SCIM = "application/scim+json"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def scim_client(tenant: Tenant, *scopes: str) -> httpx.AsyncClient:
    client = tenant.client(tenant.token(None, scopes=scopes or (Scope.SCIM,)))
    client.headers["Content-Type"] = SCIM
    return client


def user(name: str, *, manager: str | None = None, **extra: Any) -> dict[str, Any]:
    given, family = name.split(" ")
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": f"{given.lower()}.{family.lower()}",
        "name": {"givenName": given, "familyName": family},
        "emails": [{"value": f"{given.lower()}@example.com", "primary": True}],
        "externalId": f"hr-{given.lower()}",
        ENTERPRISE: {"department": "Sales", "employeeNumber": f"E-{given}"},
        **extra,
    }
    if manager is not None:
        body[ENTERPRISE]["manager"] = {"value": manager}
    return body


async def post_user(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/scim/v2/Users", json=body)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith(SCIM)
    created: dict[str, Any] = response.json()
    return created


async def test_create_get_list_filter_sort_paginate(acme: Tenant) -> None:
    async with scim_client(acme) as c:
        ann = await post_user(c, user("Ann Zeller"))
        await post_user(c, user("Bob Young"))
        await post_user(c, user("Cid Xu"))
        assert ann["userName"] == "ann.zeller"
        assert ann["meta"]["version"] == 'W/"1"'
        got = (await c.get(f"/scim/v2/Users/{ann['id']}")).json()
        assert got["name"]["familyName"] == "Zeller"
        assert got[ENTERPRISE]["department"] == "Sales"
        assert got["emails"][0]["value"] == "ann@example.com"

        found = await c.get("/scim/v2/Users", params={"filter": 'userName eq "ANN.ZELLER"'})
        assert [u["id"] for u in found.json()["Resources"]] == [ann["id"]]
        both = await c.get(
            "/scim/v2/Users",
            params={"filter": 'emails.value co "example" and name.familyName sw "Y"'},
        )
        assert [u["userName"] for u in both.json()["Resources"]] == ["bob.young"]
        ext = await c.get("/scim/v2/Users", params={"filter": 'externalId eq "hr-cid"'})
        assert ext.json()["totalResults"] == 1

        page = await c.get(
            "/scim/v2/Users",
            params={
                "filter": 'emails.value co "example.com"',
                "sortBy": "name.familyName",
                "sortOrder": "ascending",
                "startIndex": "2",
                "count": "1",
            },
        )
        body = page.json()
        assert body["totalResults"] == 3
        assert body["startIndex"] == 2
        assert [u["name"]["familyName"] for u in body["Resources"]] == ["Young"]

        bad = await c.get("/scim/v2/Users", params={"filter": 'userName eq "a" or active eq true'})
        assert bad.status_code == 400
        assert bad.json()["scimType"] == "invalidFilter"


async def test_patch_active_false_deactivates_and_answers_what_they_own(acme: Tenant) -> None:
    async with scim_client(acme) as c:
        ann = await post_user(c, user("Ann Zeller"))
        patch = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        }
        response = await c.patch(f"/scim/v2/Users/{ann['id']}", json=patch)
        assert response.status_code == 200, response.text
        assert response.json()["active"] is False
        assert response.headers["OKR-Needs-New-Owner"] == "none"
        async with acme.admin() as admin:
            member = (await admin.get(f"/v1/members/{ann['id']}")).json()
        assert member["active"] is False
        # DELETE deactivates too (already inactive: nothing changes) and answers the same.
        deleted = await c.delete(f"/scim/v2/Users/{ann['id']}")
        assert deleted.status_code == 204
        assert deleted.headers["OKR-Needs-New-Owner"] == "none"


async def test_a_manager_that_arrives_later_is_resolved(acme: Tenant) -> None:
    async with scim_client(acme) as c:
        report = await post_user(c, user("Ann Zeller", manager="hr-boss"))
        assert report[ENTERPRISE]["manager"]["value"] == "hr-boss"
        boss = await post_user(c, user("Bo Boss", externalId="hr-boss"))
        again = (await c.get(f"/scim/v2/Users/{report['id']}")).json()
        assert again[ENTERPRISE]["manager"]["value"] == boss["id"]
        async with acme.admin() as admin:
            member = (await admin.get(f"/v1/members/{report['id']}")).json()
        assert member["manager_id"] == boss["id"]


async def test_a_loop_is_refused_and_a_pending_loop_never_stored(acme: Tenant) -> None:
    async with scim_client(acme) as c:
        ann = await post_user(c, user("Ann Zeller"))
        bob = await post_user(c, user("Bob Young", manager=ann["id"]))
        patch = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": bob["id"]}}
            ],
        }
        refused = await c.patch(f"/scim/v2/Users/{ann['id']}", json=patch)
        assert refused.status_code == 400, refused.text
        assert refused.json()["scimType"] == "invalidValue"

        # Cid waits for "hr-dan"; Dan arrives as Cid's report: Cid -> Dan would be a loop.
        cid = await post_user(c, user("Cid Xu", manager="hr-dan"))
        dan = await post_user(c, user("Dan Wu", manager=cid["id"], externalId="hr-dan"))
        cid_now = (await c.get(f"/scim/v2/Users/{cid['id']}")).json()
        assert "manager" not in cid_now.get(ENTERPRISE, {})
        assert (await c.get(f"/scim/v2/Users/{dan['id']}")).json()[ENTERPRISE]["manager"][
            "value"
        ] == cid["id"]
    async with acme.admin() as admin:
        audit = await admin.get("/v1/audit-events", params={"resource_id": cid["id"]})
        assert "scim.pending_manager_dropped" in audit.text


async def test_if_match_mismatch_is_412(acme: Tenant) -> None:
    async with scim_client(acme) as c:
        ann = await post_user(c, user("Ann Zeller"))
        stale = await c.put(
            f"/scim/v2/Users/{ann['id']}",
            json=user("Ann Zeller", displayName="x"),
            headers={"If-Match": 'W/"7"'},
        )
        assert stale.status_code == 412
        assert stale.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        ok = await c.put(
            f"/scim/v2/Users/{ann['id']}",
            json=user("Ann Yates"),
            headers={"If-Match": ann["meta"]["version"]},
        )
        assert ok.status_code == 200, ok.text
        assert ok.json()["meta"]["version"] == 'W/"2"'


async def test_another_organizations_user_is_404_and_scope_is_required(
    acme: Tenant, globex: Tenant
) -> None:
    async with scim_client(acme) as c:
        ann = await post_user(c, user("Ann Zeller"))
    async with scim_client(globex) as other:
        response = await other.get(f"/scim/v2/Users/{ann['id']}")
        assert response.status_code == 404
        assert response.json()["status"] == "404"
    async with scim_client(acme, Scope.MEMBERS_WRITE) as no_scope:
        forbidden = await no_scope.get("/scim/v2/Users")
        assert forbidden.status_code == 403
        assert forbidden.headers["content-type"].startswith(SCIM)


async def test_a_huge_start_index_or_count_is_an_empty_page_not_a_500(acme: Tenant) -> None:
    async with scim_client(acme) as c:
        await post_user(c, user("Ann Zeller"))
        for params in ({"startIndex": "100000000000000000000"}, {"count": "-10**30"}):
            response = await c.get("/scim/v2/Users", params=params)
            assert response.status_code in (200, 400), response.text
        far = await c.get("/scim/v2/Users", params={"startIndex": "100000000000000000000"})
        huge = await c.get("/scim/v2/Groups", params={"startIndex": "100000000000000000000"})
    assert far.status_code == 200
    assert far.json().get("Resources", []) == []
    assert huge.status_code == 200
