"""One shape of an objective for both adapters: REST and GraphQL refuse the same input alike.

The title and description limits live in the shape (``domain.limits``), so a too-long text
is the same field error over REST and GraphQL; a field sent as ``null`` is told from one
left out (the ``Patch`` shape) in both, and ``null`` clears only the alignment links.
"""

from __future__ import annotations

from typing import Any

from domain.limits import OKR_DESCRIPTION_MAX_LENGTH, OKR_TITLE_MAX_LENGTH
from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, objective
from tests.api.test_graphql import codes, gql

CREATE = """
mutation($input: CreateObjectiveInput!) {
  createObjective(input: $input) { objective { id title ownerKind } }
}"""
UPDATE = """
mutation($input: UpdateObjectiveInput!) {
  updateObjective(input: $input) { objective { title description version parent { id } } }
}"""


def field_errors(extensions_or_problem: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in extensions_or_problem["errors"]]


async def test_too_long_texts_are_the_same_error_in_rest_and_graphql(acme: Tenant) -> None:
    title = "x" * (OKR_TITLE_MAX_LENGTH + 1)
    description = "x" * (OKR_DESCRIPTION_MAX_LENGTH + 1)
    async with acme.admin() as client:
        cycle = await active_cycle(client, "2027", "year", "2027-01-01", "2027-12-31")
        rest = await client.post(
            "/v1/objectives",
            json={"cycle_id": cycle["id"], "title": title, "description": description},
        )
        graph = await gql(
            client,
            CREATE,
            {"input": {"cycleId": cycle["id"], "title": title, "description": description}},
        )
        listed = await client.get("/v1/objectives")
    assert rest.status_code == 422, rest.text
    problem = rest.json()
    assert field_errors(problem) == [
        ("title", "string_too_long"),
        ("description", "string_too_long"),
    ]
    assert codes(graph) == ["validation_failed"]
    assert graph["errors"][0]["extensions"]["errors"] == problem["errors"]
    assert listed.json()["items"] == []


async def test_a_too_long_title_in_an_update_is_the_same_error(acme: Tenant) -> None:
    title = "x" * (OKR_TITLE_MAX_LENGTH + 1)
    async with acme.admin() as client:
        cycle = await active_cycle(client, "2027", "year", "2027-01-01", "2027-12-31")
        created = await objective(client, cycle_id=cycle["id"], title="Grow")
        rest = await client.patch(f"/v1/objectives/{created['id']}", json={"title": title})
        graph = await gql(client, UPDATE, {"input": {"id": created["id"], "title": title}})
    assert rest.status_code == 422, rest.text
    assert field_errors(rest.json()) == [("title", "string_too_long")]
    assert graph["errors"][0]["extensions"]["errors"] == rest.json()["errors"]


async def test_null_clears_the_link_and_is_refused_elsewhere_in_both(acme: Tenant) -> None:
    async with acme.admin() as client:
        cycle = await active_cycle(client, "2027", "year", "2027-01-01", "2027-12-31")
        parent = await objective(client, cycle_id=cycle["id"], title="Company", level="company")
        child = await objective(
            client, cycle_id=cycle["id"], title="Team", parent_objective_id=parent["id"]
        )
        rest_null = await client.patch(f"/v1/objectives/{child['id']}", json={"title": None})
        graph_null = await gql(client, UPDATE, {"input": {"id": child["id"], "title": None}})
        cleared = await gql(
            client,
            UPDATE,
            {"input": {"id": child["id"], "parentObjectiveId": None, "description": "Why"}},
        )
    assert rest_null.status_code == 422, rest_null.text
    assert field_errors(rest_null.json()) == [("title", "null")]
    assert codes(graph_null) == ["validation_failed"]
    assert field_errors(graph_null["errors"][0]["extensions"]) == [("title", "null")]
    assert cleared["data"]["updateObjective"]["objective"] == {
        "title": "Team",
        "description": "Why",
        "version": 2,
        "parent": None,
    }


async def test_the_owner_input_is_the_rest_owner(acme: Tenant) -> None:
    async with acme.admin() as client:
        cycle = await active_cycle(client, "2027", "year", "2027-01-01", "2027-12-31")
        me = (await client.get("/v1/me")).json()
        created = await gql(
            client,
            CREATE,
            {
                "input": {
                    "cycleId": cycle["id"],
                    "title": "Mine",
                    "owner": {"kind": "MEMBER", "id": me["id"]},
                }
            },
        )
        listed = (await client.get("/v1/objectives")).json()["items"]
    assert created["data"]["createObjective"]["objective"]["ownerKind"] == "MEMBER"
    assert [o["owner"] for o in listed] == [{"kind": "member", "id": me["id"]}]
