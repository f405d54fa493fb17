"""One shape of a cycle for both adapters: REST and GraphQL refuse the same input the same way.

The name's length limit lives in the shape (``domain.limits``), so a too-long name is the
same field error over REST and GraphQL; a field sent as ``null`` is told from one left out
(the ``Patch`` shape) in both; unstorable text is refused in a PATCH as in a POST.
"""

from __future__ import annotations

from typing import Any

from domain.limits import CYCLE_NAME_MAX_LENGTH
from tests.api.harness import Tenant
from tests.api.test_graphql import codes, gql

YEAR = {"name": "2027", "kind": "year", "start_date": "2027-01-01", "end_date": "2027-12-31"}
CREATE = """
mutation($input: CreateCycleInput!) { createCycle(input: $input) { cycle { id name } } }"""
UPDATE = """
mutation($input: UpdateCycleInput!) {
  updateCycle(input: $input) { cycle { name startDate state version } }
}"""


def field_errors(extensions_or_problem: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in extensions_or_problem["errors"]]


async def test_a_too_long_name_is_the_same_error_in_rest_and_graphql(acme: Tenant) -> None:
    too_long = "x" * (CYCLE_NAME_MAX_LENGTH + 1)
    async with acme.admin() as client:
        rest = await client.post("/v1/cycles", json={**YEAR, "name": too_long})
        graph = await gql(
            client,
            CREATE,
            {
                "input": {
                    "name": too_long,
                    "kind": "YEAR",
                    "startDate": "2027-01-01",
                    "endDate": "2027-12-31",
                }
            },
        )
        listed = await client.get("/v1/cycles")
    assert rest.status_code == 422, rest.text
    problem = rest.json()
    assert problem["code"] == "validation_failed"
    assert field_errors(problem) == [("name", "string_too_long")]
    assert codes(graph) == ["validation_failed"]
    extensions = graph["errors"][0]["extensions"]
    assert extensions["errors"] == problem["errors"]
    assert graph["errors"][0]["path"] == ["createCycle"]
    assert listed.json()["items"] == []


async def test_graphql_tells_a_left_out_field_from_null(acme: Tenant) -> None:
    async with acme.admin() as client:
        created = await gql(
            client,
            CREATE,
            {
                "input": {
                    "name": "2027",
                    "kind": "YEAR",
                    "startDate": "2027-01-01",
                    "endDate": "2027-12-31",
                }
            },
        )
        cycle_id = created["data"]["createCycle"]["cycle"]["id"]
        nulls = await gql(client, UPDATE, {"input": {"id": cycle_id, "name": None}})
        null_date = await gql(client, UPDATE, {"input": {"id": cycle_id, "startDate": None}})
        renamed = await gql(client, UPDATE, {"input": {"id": cycle_id, "name": "FY27"}})
        as_literal = await gql(
            client,
            "mutation($id: UUID!) { updateCycle(input: {id: $id, state: ACTIVE}) "
            "{ cycle { name startDate state version } } }",
            {"id": cycle_id},
        )
    assert codes(nulls) == ["validation_failed"]
    assert nulls["errors"][0]["extensions"]["errors"] == [
        {"field": "name", "message": "cannot be null", "code": "null"}
    ]
    assert field_errors(null_date["errors"][0]["extensions"]) == [("startDate", "null")]
    assert renamed["data"]["updateCycle"]["cycle"] == {
        "name": "FY27",
        "startDate": "2027-01-01",
        "state": "PLANNING",
        "version": 2,
    }
    assert as_literal["data"]["updateCycle"]["cycle"] == {
        "name": "FY27",
        "startDate": "2027-01-01",
        "state": "ACTIVE",
        "version": 3,
    }


async def test_unstorable_text_is_refused_in_a_patch(acme: Tenant) -> None:
    async with acme.admin() as client:
        year = (await client.post("/v1/cycles", json=YEAR)).json()
        refused = await client.patch(f"/v1/cycles/{year['id']}", json={"name": "FY\x0027"})
        after = await client.get(f"/v1/cycles/{year['id']}")
    assert refused.status_code == 422, refused.text
    assert field_errors(refused.json()) == [("name", "value_error")]
    assert after.json() == year
