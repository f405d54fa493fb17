"""Every read of a private objective by a client under ``okrs:read_private`` is audited: one
``okrs.private_read`` event per read, naming the client and the private objectives shown,
whichever path the read takes (REST objective, tree, path, KR, check-ins, forecasts; GraphQL
objective and children). A client holding ``okrs:read`` only, and members, leave none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx

from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, check_in, key_result, objective
from tests.api.test_api_clients import new_client
from tests.api.test_client_unit_scope import member_in, unit
from tests.api.test_graphql import gql
from tests.api.test_oauth_token import client_token

PRIVATE_READ = "okrs.private_read"


@dataclass(frozen=True)
class Seeded:
    cycle: str
    seller: str  # owns the private objective
    parent: str  # the company's public objective
    private: str  # the seller's private objective, aligned to ``parent``
    private_kr: str


async def seed(admin: httpx.AsyncClient) -> Seeded:
    company = await unit(admin, "company", "Acme", None)
    seller = await member_in(admin, "Sam Seller", company)
    cycle = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
    parent = await objective(
        admin,
        cycle_id=cycle["id"],
        title="Grow",
        owner={"kind": "unit", "id": company},
        visibility="public",
        status="active",
    )
    private = await objective(
        admin,
        cycle_id=cycle["id"],
        title="Quiet acquisition",
        owner={"kind": "member", "id": seller["id"]},
        visibility="private",
        status="active",
        parent_objective_id=parent["id"],
    )
    kr = await key_result(
        admin, private["id"], title="Sign the target", owner_id=seller["id"], target="10"
    )
    await check_in(admin, kr["id"], value="3")
    return Seeded(cycle["id"], seller["id"], parent["id"], private["id"], kr["id"])


Read = Callable[[httpx.AsyncClient], Awaitable[Any]]


def reads(s: Seeded) -> dict[str, Read]:
    """Each read path, as a call that fails the test when the read itself fails."""

    def rest(path: str) -> Read:
        async def read(client: httpx.AsyncClient) -> Any:
            response = await client.get(path)
            assert response.status_code in (200, 404), (path, response.text)
            return response.status_code

        return read

    def graphql(query: str, **variables: str) -> Read:
        async def read(client: httpx.AsyncClient) -> Any:
            body = await gql(client, query, variables)
            # A private objective does not exist to whoever may not see it.
            assert {e["extensions"]["code"] for e in body.get("errors", [])} <= {"not_found"}
            return body["data"]

        return read

    return {
        "objective": rest(f"/v1/objectives/{s.private}"),
        "tree": rest(f"/v1/cycles/{s.cycle}/alignment-tree"),
        "tree from a root": rest(f"/v1/cycles/{s.cycle}/alignment-tree?root_id={s.parent}"),
        "path": rest(f"/v1/objectives/{s.private}/alignment-path"),
        "key result": rest(f"/v1/key-results/{s.private_kr}"),
        "key results of the objective": rest(f"/v1/objectives/{s.private}/key-results"),
        "key results list": rest(f"/v1/key-results?cycle_id={s.cycle}"),
        "check-ins": rest(f"/v1/key-results/{s.private_kr}/check-ins"),
        "forecasts": rest(f"/v1/key-results/{s.private_kr}/forecasts"),
        # Figures name no objective, but a unit's figure over one private objective is its
        # score: a read of it under the scope, audited as the objectives that counted.
        "unit scores": rest(f"/v1/cycles/{s.cycle}/unit-scores"),
        "coverage": rest(f"/v1/cycles/{s.cycle}/coverage"),
        "stats": rest(f"/v1/cycles/{s.cycle}/stats"),
        "graphql objective": graphql(
            "query($id: UUID!) { objective(id: $id) { id } }", id=s.private
        ),
        "graphql children": graphql(
            "query($id: UUID!) { objective(id: $id) { id children { id } } }", id=s.parent
        ),
    }


async def private_reads(tenant: Tenant) -> list[dict[str, Any]]:
    """Every ``okrs.private_read`` event of the organization, oldest first."""
    async with tenant.admin() as admin:
        response = await admin.get(
            "/v1/audit-events", params={"resource_type": "api_client", "limit": 100}
        )
    assert response.status_code == 200, response.text
    return [e for e in response.json()["items"] if e["action"] == PRIVATE_READ]


async def client_with(tenant: Tenant, admin: httpx.AsyncClient, scope: str) -> tuple[str, str]:
    created = await new_client(admin, scopes=[scope])
    return created["id"], await client_token(tenant, created)


async def test_each_read_of_a_private_objective_by_a_client_is_audited_once(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        s = await seed(admin)
        client_id, token = await client_with(acme, admin, "okrs:read_private")
    events: dict[str, list[dict[str, Any]]] = {}
    seen = 0
    async with acme.client(token) as reader:
        for name, read in reads(s).items():
            await read(reader)
            found = await private_reads(acme)
            events[name] = [e["after"] for e in found[seen:]]
            seen = len(found)

    expected = {"client_id": client_id, "objective_ids": [s.private]}
    assert {name: after for name, after in events.items() if after != [expected]} == {}


async def test_a_public_only_client_and_members_leave_no_private_read(acme: Tenant) -> None:
    async with acme.admin() as admin:
        s = await seed(admin)
        _, token = await client_with(acme, admin, "okrs:read")
        for read in reads(s).values():
            await read(admin)
    async with acme.as_member(UUID(s.seller)) as owner:
        for read in reads(s).values():
            await read(owner)
    async with acme.client(token) as reader:
        for read in reads(s).values():
            await read(reader)

    assert await private_reads(acme) == []
