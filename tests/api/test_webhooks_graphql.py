"""Webhook endpoints in GraphQL: the same shape as REST, with deliveries and their attempts,
for admins only (a member gets a coded error; another organization's endpoint is not found)."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import httpx

from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import get, post

_ENDPOINT_FIELDS = """
  id url eventTypes description enabled disabledReason createdAt updatedAt lastSuccessAt
"""
_ONE = (
    "query($id: UUID!) { webhookEndpoint(id: $id) {"
    + _ENDPOINT_FIELDS
    + " deliveries(first: 10) { id status attempts attemptLog { number responseStatus } } } }"
)
_ALL = "{ webhookEndpoints {" + _ENDPOINT_FIELDS + "} }"


async def _graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


async def test_graphql_returns_the_endpoint_in_the_shape_rest_does(acme: Tenant) -> None:
    async with acme.admin() as admin:
        created = await post(
            admin,
            "/v1/webhook-endpoints",
            {"url": "https://hooks.example.com/okr", "event_types": ["check_in.created"]},
        )
        rest = await get(admin, f"/v1/webhook-endpoints/{created['id']}")
        one = await _graphql(admin, _ONE, {"id": created["id"]})
        listed = await _graphql(admin, _ALL)
    assert "errors" not in one, one
    node = one["data"]["webhookEndpoint"]
    assert node["deliveries"] == []
    assert {k: v for k, v in node.items() if k != "deliveries"} == {
        _camel(k): v for k, v in rest.items()
    }
    assert [e["id"] for e in listed["data"]["webhookEndpoints"]] == [created["id"]]


async def test_a_member_who_is_not_an_admin_is_refused_with_a_code(acme: Tenant) -> None:
    async with acme.admin() as admin:
        member = await create_member(admin, "Mia Member")
    async with acme.as_member(UUID(member["id"]), "member") as client:
        answer = await _graphql(client, _ALL)
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "forbidden"


async def test_another_organizations_endpoint_is_not_found(acme: Tenant, globex: Tenant) -> None:
    async with acme.admin() as admin:
        created = await post(admin, "/v1/webhook-endpoints", {"url": "https://hooks.example.com"})
    async with globex.admin() as other:
        answer = await _graphql(other, _ONE, {"id": created["id"]})
    assert answer["data"] == {"webhookEndpoint": None}
    assert answer["errors"][0]["extensions"]["code"] == "not_found"
