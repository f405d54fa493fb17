"""A member token is honoured only for an active member of the token's organization.

The signature proves who issued a token, not that its ``sub`` belongs where its ``org``
says: a correctly signed token naming a member of Acme with Globex's id, or naming nobody,
must read nothing (401, fail closed). Deactivation reaches tokens already issued within
the cache bound of the lookup. REST and GraphQL authenticate the same way.
"""

from __future__ import annotations

import dataclasses
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI

from service.identity import MemberIdentities
from tests.api.harness import Tenant, create_member
from tests.api.test_rest_okr_counts import sql_statements

ORG_QUERY = {"query": "{ organization { id name } }"}


def assert_refused(response: httpx.Response, code: str, *leaks: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == code
    for secret in leaks:
        assert secret not in response.text


async def read_as(tenant: Tenant, token: str) -> tuple[httpx.Response, httpx.Response]:
    """The directory over REST and the organization over GraphQL, with ``token``."""
    async with tenant.client(token) as client:
        return await client.get("/v1/members"), await client.post("/graphql", json=ORG_QUERY)


async def test_a_member_of_another_organization_reads_nothing(acme: Tenant, globex: Tenant) -> None:
    # Acme's admin id, signed correctly, but for Globex (with or without the admin claim).
    for roles in ((), ("admin",)):
        token = globex.token(acme.admin_id, *roles)
        rest, graphql = await read_as(globex, token)
        assert_refused(rest, "unknown_member", "Globex", str(globex.admin_id))
        assert_refused(graphql, "unknown_member", "Globex")


async def test_an_admin_claim_for_a_foreign_member_changes_nothing(
    acme: Tenant, globex: Tenant
) -> None:
    async with globex.admin() as admin:
        before = (await admin.get("/v1/members")).json()
    async with globex.client(globex.token(acme.admin_id, "admin")) as intruder:
        created = await intruder.post("/v1/members", json={"name": "Eve", "email": "e@x.io"})
        renamed = await intruder.patch("/v1/organization", json={"name": "Pwned"})
        mutation = await intruder.post(
            "/graphql",
            json={
                "query": "mutation($input: CreateMemberInput!) "
                "{ createMember(input: $input) { member { id } } }",
                "variables": {"input": {"name": "Eve", "email": "e@x.io"}},
            },
        )
    for response in (created, renamed, mutation):
        assert_refused(response, "unknown_member", "Globex")
    async with globex.admin() as admin:
        after = (await admin.get("/v1/members")).json()
        organization = (await admin.get("/v1/organization")).json()
    assert after == before
    assert organization["name"] == "Globex"


async def test_a_sub_that_is_nobody_reads_nothing(acme: Tenant) -> None:
    rest, graphql = await read_as(acme, acme.token(uuid4(), "admin"))
    assert_refused(rest, "unknown_member", "Acme")
    assert_refused(graphql, "unknown_member", "Acme")


class ManualTimer:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def with_identities(app: FastAPI, identities: MemberIdentities) -> None:
    app.state.okr = dataclasses.replace(app.state.okr, identities=identities)


async def test_a_deactivated_members_token_is_refused_after_the_cache_bound(
    app: FastAPI, acme: Tenant
) -> None:
    timer = ManualTimer()
    with_identities(app, MemberIdentities(ttl_seconds=30, timer=timer))
    async with acme.admin() as admin:
        ann = await create_member(admin, "Ann")
    token = acme.token(UUID(ann["id"]))
    rest, graphql = await read_as(acme, token)
    assert (rest.status_code, graphql.status_code) == (200, 200), rest.text

    async with acme.admin() as admin:
        deactivated = await admin.delete(f"/v1/members/{ann['id']}")
    assert deactivated.status_code == 200, deactivated.text

    # Within the bound the cached answer may still let it through; past it, never.
    timer.now += 29
    within, _ = await read_as(acme, token)
    assert within.status_code == 200, within.text
    timer.now += 2
    rest, graphql = await read_as(acme, token)
    assert_refused(rest, "member_inactive", "Acme")
    assert_refused(graphql, "member_inactive", "Acme")

    # Reactivated, the token works again (a refusal is not remembered).
    async with acme.admin() as admin:
        back = await admin.patch(f"/v1/members/{ann['id']}", json={"active": True})
    assert back.status_code == 200, back.text
    rest, graphql = await read_as(acme, token)
    assert (rest.status_code, graphql.status_code) == (200, 200), rest.text


async def test_a_deactivated_member_never_seen_before_is_refused_at_once(acme: Tenant) -> None:
    async with acme.admin() as admin:
        bob = await create_member(admin, "Bob")
        assert (await admin.delete(f"/v1/members/{bob['id']}")).status_code == 200
    rest, graphql = await read_as(acme, acme.token(UUID(bob["id"]), "admin"))
    assert_refused(rest, "member_inactive")
    assert_refused(graphql, "member_inactive")


async def test_service_tokens_name_a_client_not_a_member(acme: Tenant) -> None:
    # ``sub`` of a service token is the client's name: nothing to look up.
    async with acme.client(acme.token(None, scopes=("org:read",))) as service:
        listed = await service.get("/v1/members")
        graphql = await service.post("/graphql", json=ORG_QUERY)
    assert listed.status_code == 200, listed.text
    assert graphql.json()["data"]["organization"]["name"] == "Acme"


async def test_a_confirmed_member_costs_no_statement_until_the_bound(
    app: FastAPI, acme: Tenant
) -> None:
    timer = ManualTimer()
    with_identities(app, MemberIdentities(ttl_seconds=30, timer=timer))

    async def statements(client: httpx.AsyncClient) -> list[str]:
        with sql_statements(app) as seen:
            response = await client.get("/v1/organization")
        assert response.status_code == 200, response.text
        return seen

    async with acme.admin() as admin:
        first = await statements(admin)
        second = await statements(admin)
        third = await statements(admin)
        timer.now += 31
        expired = await statements(admin)
    looked_up = [s for s in first if "members" in s]
    assert len(looked_up) == 1, first
    assert len(first) == len(second) + 1 == len(expired)
    assert second == third
    assert not [s for s in second if "members" in s]


async def test_the_cache_is_bounded(acme: Tenant) -> None:
    identities = MemberIdentities(ttl_seconds=30, max_entries=2)
    org = acme.organization_id
    ids = [uuid4() for _ in range(3)]
    for member_id in ids:
        identities.remember(org, member_id)
    assert [identities.is_confirmed(org, m) for m in ids] == [False, True, True]


@pytest.mark.parametrize("ttl", [0, -1, 301])
def test_the_bound_stays_within_reason(ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl_seconds"):
        MemberIdentities(ttl_seconds=ttl)
