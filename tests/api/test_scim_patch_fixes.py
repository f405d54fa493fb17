"""What scim2-tester's PATCH and attribute checks found that were bugs of ours (issue 19)."""

from __future__ import annotations

from tests.api.harness import Tenant
from tests.api.test_scim_users import ENTERPRISE, post_user, scim_client, user

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


async def test_a_manager_carries_its_ref(acme: Tenant) -> None:
    async with scim_client(acme) as c:
        boss = await post_user(c, user("Bo Boss"))
        ann = await post_user(c, user("Ann Zeller", manager=boss["id"]))
        manager = ann[ENTERPRISE]["manager"]
        assert manager["value"] == boss["id"]
        assert manager["$ref"].endswith(f"/scim/v2/Users/{boss['id']}")


async def test_removing_emails_removes_them(acme: Tenant) -> None:
    async with scim_client(acme) as c:
        ann = await post_user(c, user("Ann Zeller"))
        patch = {"schemas": [PATCH], "Operations": [{"op": "remove", "path": "emails"}]}
        response = await c.patch(f"/scim/v2/Users/{ann['id']}", json=patch)
        assert response.status_code == 200, response.text
        assert "emails" not in response.json()
        assert "emails" not in (await c.get(f"/scim/v2/Users/{ann['id']}")).json()
        # The address is free again for another member.
        bob = user("Bob Young")
        bob["emails"] = [{"value": "ann@example.com", "primary": True}]
        await post_user(c, bob)


async def test_attributes_and_excluded_attributes_are_applied(acme: Tenant) -> None:
    async with scim_client(acme) as c:
        ann = await post_user(c, user("Ann Zeller"))
        got = await c.get(
            f"/scim/v2/Users/{ann['id']}", params={"excludedAttributes": "name,emails"}
        )
        assert "name" not in got.json()
        assert "emails" not in got.json()
        assert got.json()["userName"] == "ann.zeller"
        listed = await c.get("/scim/v2/Users", params={"attributes": "userName"})
        resource = listed.json()["Resources"][0]
        assert set(resource) <= {"schemas", "id", "userName"}, resource
        group = await c.post(
            "/scim/v2/Groups",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Sales",
                "members": [{"value": ann["id"]}],
            },
        )
        gid = group.json()["id"]
        bare = await c.get(f"/scim/v2/Groups/{gid}", params={"excludedAttributes": "members"})
        assert "members" not in bare.json()
        assert bare.json()["displayName"] == "Sales"
