"""Members over REST: CRUD, uniqueness, the manager chain, versions and permissions."""

from __future__ import annotations

from tests.api.harness import Tenant, create_member


async def test_create_get_and_list_members(acme: Tenant) -> None:
    async with acme.admin() as client:
        li = await create_member(client, "Li Wei", external_id="HR-1")
        got = await client.get(f"/v1/members/{li['id']}")
        listed = await client.get("/v1/members", params={"q": "li w"})
    assert got.status_code == 200
    assert got.headers["etag"].startswith('"1-')
    assert got.json()["external_id"] == "HR-1"
    assert [m["id"] for m in listed.json()["items"]] == [li["id"]]


async def test_manager_loop_is_refused_and_changes_nothing(acme: Tenant) -> None:
    async with acme.admin() as client:
        a = await create_member(client, "Ann")
        b = await create_member(client, "Bob", manager_id=a["id"])
        c = await create_member(client, "Cai", manager_id=b["id"])
        refused = await client.patch(f"/v1/members/{a['id']}", json={"manager_id": c["id"]})
        after = await client.get(f"/v1/members/{a['id']}")
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert body["code"] == "manager_cycle"
    assert body["cycle"] == [a["id"], c["id"], b["id"], a["id"]]
    assert after.json()["manager_id"] is None
    assert after.json()["version"] == 1


async def test_a_patch_that_changes_nothing_keeps_the_version(acme: Tenant) -> None:
    async with acme.admin() as client:
        li = await create_member(client, "Li Wei")
        same = await client.patch(f"/v1/members/{li['id']}", json={"name": "Li Wei"})
        empty = await client.patch(f"/v1/members/{li['id']}", json={})
        renamed = await client.patch(
            f"/v1/members/{li['id']}", json={"name": "Li W."}, headers={"If-Match": '"1"'}
        )
    assert same.json()["version"] == 1
    assert same.headers["etag"].startswith('"1-')
    assert empty.json()["version"] == 1
    assert renamed.json()["version"] == 2
    assert renamed.headers["etag"].startswith('"2-')
