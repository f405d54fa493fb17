"""Query parameters an operation does not take are refused, as unknown body fields are."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, get, objective


async def test_a_misspelt_filter_is_refused_not_ignored(acme: Tenant) -> None:
    async with acme.admin() as client:
        cycle = await active_cycle(client, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        await objective(client, cycle_id=cycle["id"], title="Grow revenue 20%")
        misspelt = await client.get("/v1/objectives", params={"cycle": cycle["id"]})
        two = await client.get("/v1/members", params={"limit": 5, "nme": "x", "order_by": "name"})
        right = await get(client, f"/v1/objectives?cycle_id={cycle['id']}")
        paged = await get(client, "/v1/members?limit=1")
    body = _problem(misspelt)
    assert body["errors"] == [
        {
            "field": "cycle",
            "message": "is not a query parameter of this operation",
            "code": "unknown_field",
        }
    ]
    assert [e["field"] for e in _problem(two)["errors"]] == ["nme", "order_by"]
    assert len(right["items"]) == 1
    assert len(paged["items"]) == 1


async def test_declared_parameters_of_dependencies_and_graphql_get_pass(acme: Tenant) -> None:
    async with acme.admin() as client:
        health = await client.get("/healthz")
        graphql = await client.get("/graphql", params={"query": "{ organization { name } }"})
    assert health.status_code == 200
    assert "unknown_field" not in graphql.text  # GraphQL answers GET itself


def _problem(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == "validation_failed"
    return body
