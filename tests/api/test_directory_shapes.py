"""One shape per directory resource (organization, members, units) for both adapters.

The text limits live in the shapes (``domain.limits``), so a too-long value is the same
field error over REST and GraphQL; a field sent as ``null`` is told from one left out (the
``Patch`` shapes) in both, the settings groups' ``null`` included (it restores the default).
"""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.utils.str_converters import to_camel_case

from domain.limits import (
    EMAIL_MAX_LENGTH,
    EXTERNAL_ID_MAX_LENGTH,
    MEMBER_NAME_MAX_LENGTH,
    ORGANIZATION_NAME_MAX_LENGTH,
    UNIT_NAME_MAX_LENGTH,
)
from tests.api.harness import Tenant, create_member
from tests.api.test_graphql import codes, gql

CREATE_MEMBER = """
mutation($input: CreateMemberInput!) { createMember(input: $input) { member { id } } }"""
UPDATE_MEMBER = """
mutation($input: UpdateMemberInput!) {
  updateMember(input: $input) { member { name externalId roles active version manager { id } } }
}"""
CREATE_UNIT = """
mutation($input: CreateUnitInput!) { createUnit(input: $input) { unit { id } } }"""
UPDATE_UNIT = """
mutation($input: UpdateUnitInput!) {
  updateUnit(input: $input) { unit { name version lead { id } } }
}"""
UPDATE_ORGANIZATION = """
mutation($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) {
    organization { name scoring { redBelow yellowBelow } reviews { maxPeers minPeers } }
  }
}"""


def field_errors(extensions_or_problem: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in extensions_or_problem["errors"]]


def same_error(rest: Any, graph: dict[str, Any], field: str) -> None:
    """REST's 422 and GraphQL's error name the same field (in each one's spelling) with the
    same code and message."""
    assert rest.status_code == 422, rest.text
    problem = rest.json()
    assert problem["code"] == "validation_failed"
    assert field_errors(problem) == [(field, "string_too_long")]
    assert codes(graph) == ["validation_failed"]
    camel = {"field": to_camel_case(field)}
    assert graph["errors"][0]["extensions"]["errors"] == [{**e, **camel} for e in problem["errors"]]


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("name", MEMBER_NAME_MAX_LENGTH),
        ("email", EMAIL_MAX_LENGTH),
        ("external_id", EXTERNAL_ID_MAX_LENGTH),
    ],
)
async def test_a_too_long_member_field_is_the_same_error_in_rest_and_graphql(
    acme: Tenant, field: str, limit: int
) -> None:
    # Still an email address, however long: the limit is what refuses it.
    too_long = "x" * (limit + 1 - len("@example.com")) + "@example.com"
    body = {"name": "Li Wei", "email": "li.wei@example.com", field: too_long}
    graph_input = {to_camel_case(field): too_long}
    async with acme.admin() as client:
        rest = await client.post("/v1/members", json=body)
        graph = await gql(
            client,
            CREATE_MEMBER,
            {"input": {"name": "Li Wei", "email": "li.wei@example.com", **graph_input}},
        )
        listed = await client.get("/v1/members", params={"email": "li.wei@example.com"})
    same_error(rest, graph, field)
    assert listed.json()["items"] == []


async def test_a_too_long_unit_or_organization_name_is_the_same_error(acme: Tenant) -> None:
    unit_name = "x" * (UNIT_NAME_MAX_LENGTH + 1)
    org_name = "x" * (ORGANIZATION_NAME_MAX_LENGTH + 1)
    async with acme.admin() as client:
        rest_unit = await client.post("/v1/units", json={"kind": "company", "name": unit_name})
        graph_unit = await gql(
            client, CREATE_UNIT, {"input": {"kind": "COMPANY", "name": unit_name}}
        )
        rest_org = await client.patch("/v1/organization", json={"name": org_name})
        graph_org = await gql(client, UPDATE_ORGANIZATION, {"input": {"name": org_name}})
    same_error(rest_unit, graph_unit, "name")
    same_error(rest_org, graph_org, "name")


async def test_graphql_member_update_tells_left_out_from_null(acme: Tenant) -> None:
    async with acme.admin() as client:
        boss = await create_member(client, "Boss")
        member = await create_member(
            client, "Li Wei", external_id="HR-1", manager_id=boss["id"], roles=["manager"]
        )
        nulls = await gql(
            client, UPDATE_MEMBER, {"input": {"id": member["id"], "name": None, "roles": None}}
        )
        cleared = await gql(
            client,
            UPDATE_MEMBER,
            {"input": {"id": member["id"], "externalId": None, "managerId": None}},
        )
    assert codes(nulls) == ["validation_failed"]
    assert field_errors(nulls["errors"][0]["extensions"]) == [("name", "null"), ("roles", "null")]
    assert cleared["data"]["updateMember"]["member"] == {
        "name": "Li Wei",
        "externalId": None,
        "roles": ["MANAGER"],
        "active": True,
        "version": 2,
        "manager": None,
    }


async def test_graphql_unit_update_clears_the_lead_but_not_the_name(acme: Tenant) -> None:
    async with acme.admin() as client:
        company = (
            await client.post(
                "/v1/units", json={"kind": "company", "name": "Acme", "lead_id": str(acme.admin_id)}
            )
        ).json()
        named_null = await gql(client, UPDATE_UNIT, {"input": {"id": company["id"], "name": None}})
        no_lead = await gql(client, UPDATE_UNIT, {"input": {"id": company["id"], "leadId": None}})
    assert field_errors(named_null["errors"][0]["extensions"]) == [("name", "null")]
    assert no_lead["data"]["updateUnit"]["unit"] == {"name": "Acme", "version": 2, "lead": None}


async def test_settings_null_restores_a_default_in_both_adapters(acme: Tenant) -> None:
    async with acme.admin() as client:
        await client.patch(
            "/v1/organization",
            json={"scoring": {"red_below": "0.3"}, "reviews": {"max_peers": 6}},
        )
        graph = await gql(
            client,
            UPDATE_ORGANIZATION,
            {"input": {"scoring": {"redBelow": None}, "reviews": {"minPeers": 2}}},
        )
        rest = await client.patch("/v1/organization", json={"reviews": {"max_peers": None}})
        group_null = await client.patch("/v1/organization", json={"scoring": None})
        graph_group_null = await gql(client, UPDATE_ORGANIZATION, {"input": {"scoring": None}})
    assert graph["data"]["updateOrganization"]["organization"]["scoring"] == {
        "redBelow": "0.4",
        "yellowBelow": "0.7",
    }
    assert graph["data"]["updateOrganization"]["organization"]["reviews"] == {
        "maxPeers": 6,
        "minPeers": 2,
    }
    assert rest.status_code == 200, rest.text
    assert rest.json()["reviews"]["max_peers"] == 8
    assert rest.json()["reviews"]["min_peers"] == 2
    assert group_null.status_code == 422
    assert field_errors(group_null.json()) == [("scoring", "null")]
    assert field_errors(graph_group_null["errors"][0]["extensions"]) == [("scoring", "null")]
