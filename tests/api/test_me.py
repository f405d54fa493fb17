"""GET /v1/me and GraphQL `me`: the caller's own member record; a service token is no member."""

from __future__ import annotations

from uuid import UUID

from tests.api.harness import Tenant, create_member
from tests.api.test_graphql import codes, gql


async def test_me_is_the_callers_member_record_with_its_etag(acme: Tenant) -> None:
    async with acme.admin() as admin:
        li = await create_member(admin, "Li Wei", roles=["manager"])
        by_id = await admin.get(f"/v1/members/{li['id']}")
    async with acme.as_member(UUID(li["id"]), "manager") as client:
        me = await client.get("/v1/me")
    assert me.status_code == 200, me.text
    assert me.json() == by_id.json()
    assert me.headers["etag"] == by_id.headers["etag"]
    assert by_id.headers["etag"].startswith('"1-')


async def test_me_follows_changes_to_the_record(acme: Tenant) -> None:
    async with acme.admin() as admin:
        li = await create_member(admin, "Li Wei")
        patched = await admin.patch(
            f"/v1/members/{li['id']}", json={"name": "李伟"}, headers={"If-Match": '"1"'}
        )
        assert patched.status_code == 200, patched.text
    async with acme.as_member(UUID(li["id"])) as client:
        me = await client.get("/v1/me")
    assert me.json()["name"] == "李伟"
    assert me.headers["etag"].startswith('"2-')


async def test_a_service_token_gets_403_not_a_member(acme: Tenant) -> None:
    async with acme.client(acme.token(None, scopes=("org:read",))) as client:
        response = await client.get("/v1/me")
        graphql = await gql(client, "{ me { id } }")
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_a_member"
    # GraphQL keeps its documented answer: `me` is null for a service token, no error.
    assert graphql == {"data": {"me": None}}


async def test_me_needs_a_token(acme: Tenant) -> None:
    async with acme.client() as client:
        response = await client.get("/v1/me")
    assert response.status_code == 401


async def test_graphql_me_matches_rest_me(acme: Tenant) -> None:
    async with acme.admin() as client:
        rest = (await client.get("/v1/me")).json()
        body = await gql(client, "{ me { id name email roles version } }")
    assert codes(body) == []
    me = body["data"]["me"]
    assert (me["id"], me["name"], me["email"], me["version"]) == (
        rest["id"],
        rest["name"],
        rest["email"],
        rest["version"],
    )
    assert [r.lower() for r in me["roles"]] == rest["roles"] == ["admin"]
