"""SCIM 2.0 Groups at /scim/v2/Groups: org units and their members."""

from __future__ import annotations

from typing import Any

from tests.api.harness import Tenant
from tests.api.test_scim_users import SCIM, post_user, scim_client, user

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def group(name: str, *member_ids: str) -> dict[str, Any]:
    return {
        "schemas": [GROUP],
        "displayName": name,
        "members": [{"value": m} for m in member_ids],
    }


async def test_groups_create_get_filter_patch_put_delete(acme: Tenant, globex: Tenant) -> None:
    async with scim_client(acme) as c:
        ann = await post_user(c, user("Ann Zeller"))
        bob = await post_user(c, user("Bob Young"))
        created = await c.post("/scim/v2/Groups", json=group("Sales East", ann["id"]))
        assert created.status_code == 201, created.text
        assert created.headers["content-type"].startswith(SCIM)
        gid = created.json()["id"]
        assert [m["value"] for m in created.json()["members"]] == [ann["id"]]

        found = await c.get("/scim/v2/Groups", params={"filter": 'displayName eq "sales east"'})
        assert [g["id"] for g in found.json()["Resources"]] == [gid]

        patched = await c.patch(
            f"/scim/v2/Groups/{gid}",
            json={
                "schemas": [PATCH],
                "Operations": [
                    {"op": "add", "path": "members", "value": [{"value": bob["id"]}]},
                    {"op": "remove", "path": f'members[value eq "{ann["id"]}"]'},
                ],
            },
        )
        assert patched.status_code == 200, patched.text
        assert [m["value"] for m in patched.json()["members"]] == [bob["id"]]

        put = await c.put(f"/scim/v2/Groups/{gid}", json=group("Sales West", ann["id"]))
        assert put.status_code == 200, put.text
        assert put.json()["displayName"] == "Sales West"
        assert [m["value"] for m in put.json()["members"]] == [ann["id"]]

        async with acme.admin() as admin:
            roster = (await admin.get(f"/v1/units/{gid}/members")).json()
        assert ann["id"] in str(roster)

    async with scim_client(globex) as other:
        assert (await other.get(f"/scim/v2/Groups/{gid}")).status_code == 404

    async with scim_client(acme) as c:
        assert (await c.delete(f"/scim/v2/Groups/{gid}")).status_code == 204
        assert (await c.get(f"/scim/v2/Groups/{gid}")).status_code == 404


async def test_discovery_endpoints(acme: Tenant) -> None:
    async with scim_client(acme) as c:
        config = (await c.get("/scim/v2/ServiceProviderConfig")).json()
        assert config["patch"]["supported"] is True
        assert config["etag"]["supported"] is True
        types = (await c.get("/scim/v2/ResourceTypes")).json()
        assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
        schemas = (await c.get("/scim/v2/Schemas")).json()
        assert len(schemas["Resources"]) == 3
