"""GraphQL at /graphql: the org model's queries and mutations, errors, tenancy and auth."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import httpx
from fastapi import FastAPI
from sqlalchemy import event

from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.api.harness import Tenant


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST an operation; GraphQL answers 200 even when the operation has errors."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@contextmanager
def sql_statements(app: FastAPI) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    uow = cast(PostgresUnitOfWorkFactory, app.state.okr.services.deps.uow)
    engine = uow._engine.sync_engine
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


CREATE_MEMBER = """
mutation($input: CreateMemberInput!) {
  createMember(input: $input) { member { id name email roles version active } }
}"""
UPDATE_MEMBER = """
mutation($input: UpdateMemberInput!) {
  updateMember(input: $input) {
    member { id name externalId version active roles manager { id } }
  }
}"""
DELETE_UNIT = """
mutation($input: DeleteUnitInput!) { deleteUnit(input: $input) { deletedUnitId } }"""


async def new_member(client: httpx.AsyncClient, name: str, **fields: Any) -> dict[str, Any]:
    email = fields.pop("email", f"{name.lower().replace(' ', '.')}@example.com")
    body = await gql(client, CREATE_MEMBER, {"input": {"name": name, "email": email, **fields}})
    assert "errors" not in body, body
    member: dict[str, Any] = body["data"]["createMember"]["member"]
    return member


# -- queries -------------------------------------------------------------------------------


async def test_organization_and_me(acme: Tenant) -> None:
    async with acme.admin() as client:
        body = await gql(
            client,
            """{
              organization { id name timeZone locale version
                scoring { redBelow yellowBelow alignmentUpwardOnly }
                reviews { weightSelf weightManager minPeers } }
              me { id roles manager { id } reports { id } }
            }""",
        )
    assert "errors" not in body, body
    org = body["data"]["organization"]
    assert org["id"] == str(acme.organization_id)
    assert org["name"] == "Acme"
    assert org["locale"] == "EN"
    # Decimals are strings, exactly as stored: no float rounding.
    assert org["scoring"] == {"redBelow": "0.4", "yellowBelow": "0.7", "alignmentUpwardOnly": True}
    assert org["reviews"] == {"weightSelf": "0.10", "weightManager": "0.40", "minPeers": 3}
    me = body["data"]["me"]
    assert me == {"id": str(acme.admin_id), "roles": ["ADMIN"], "manager": None, "reports": []}


async def test_me_is_null_for_a_service_token(acme: Tenant) -> None:
    async with acme.client(acme.token(scopes=("org:read",))) as client:
        body = await gql(client, "{ me { id } organization { name } }")
    assert "errors" not in body, body
    assert body["data"] == {"me": None, "organization": {"name": "Acme"}}


async def test_update_organization_with_settings_and_versions(acme: Tenant) -> None:
    mutation = """
    mutation($input: UpdateOrganizationInput!) {
      updateOrganization(input: $input) {
        organization { name timeZone locale version scoring { redBelow } reviews { weightPeer } }
      }
    }"""
    async with acme.admin() as client:
        changed = await gql(
            client,
            mutation,
            {
                "input": {
                    "name": "Acme Sales",
                    "timeZone": "Asia/Shanghai",
                    "locale": "ZH_CN",
                    "scoring": {"redBelow": "0.3"},
                    "reviews": {"weightSelf": "0.2", "weightPeer": "0.2"},
                    "expectedVersion": 1,
                }
            },
        )
        stale = await gql(client, mutation, {"input": {"name": "Again", "expectedVersion": 1}})
        bad_weights = await gql(client, mutation, {"input": {"reviews": {"weightSelf": "0.9"}}})
        null_name = await gql(client, mutation, {"input": {"name": None}})
    assert "errors" not in changed, changed
    assert changed["data"]["updateOrganization"]["organization"] == {
        "name": "Acme Sales",
        "timeZone": "Asia/Shanghai",
        "locale": "ZH_CN",
        "version": 2,
        "scoring": {"redBelow": "0.3"},
        "reviews": {"weightPeer": "0.2"},
    }
    assert codes(stale) == ["stale_version"]
    assert stale["errors"][0]["extensions"]["currentVersion"] == 2
    assert codes(bad_weights) == ["validation_failed"]
    fields = {e["field"] for e in bad_weights["errors"][0]["extensions"]["errors"]}
    assert "reviews" in fields
    assert codes(null_name) == ["validation_failed"]
    assert null_name["errors"][0]["extensions"]["errors"] == [
        {"field": "name", "message": "cannot be null", "code": "null"}
    ]


async def test_members_end_to_end(acme: Tenant) -> None:
    async with acme.admin() as client:
        ann = await new_member(client, "Ann", externalId="HR-1")
        bob = await new_member(client, "Bob", managerId=ann["id"], roles=["MANAGER", "MEMBER"])
        taken = await gql(
            client, CREATE_MEMBER, {"input": {"name": "Ann Two", "email": "ANN@example.com"}}
        )
        renamed = await gql(
            client,
            UPDATE_MEMBER,
            {"input": {"id": bob["id"], "name": "Bobby", "expectedVersion": 1}},
        )
        cleared = await gql(client, UPDATE_MEMBER, {"input": {"id": ann["id"], "externalId": None}})
        deactivated = await gql(
            client,
            """mutation($input: DeactivateMemberInput!) {
                 deactivateMember(input: $input) { member { id active version } } }""",
            {"input": {"id": ann["id"]}},
        )
        read = await gql(
            client,
            """query($id: UUID!) {
                 member(id: $id) { name externalId active manager { name } reports { name } }
               }""",
            {"id": ann["id"]},
        )
    assert ann["roles"] == ["MEMBER"]
    assert ann["version"] == 1
    assert sorted(bob["roles"]) == ["MANAGER", "MEMBER"]
    assert codes(taken) == ["email_taken"]
    member = renamed["data"]["updateMember"]["member"]
    # Only the name was sent: the manager stays (UNSET is "leave alone", not null).
    assert member["name"] == "Bobby"
    assert member["manager"] == {"id": ann["id"]}
    assert member["version"] == 2
    assert cleared["data"]["updateMember"]["member"]["externalId"] is None
    assert deactivated["data"]["deactivateMember"]["member"] == {
        "id": ann["id"],
        "active": False,
        "version": 3,
    }
    assert read["data"]["member"] == {
        "name": "Ann",
        "externalId": None,
        "active": False,
        "manager": None,
        "reports": [{"name": "Bobby"}],
    }


async def test_members_connection_pages_and_filters(acme: Tenant) -> None:
    query = """
    query($first: Int!, $after: String, $filter: MemberFilterInput) {
      members(first: $first, after: $after, filter: $filter) {
        edges { cursor node { name } }
        nodes { name }
        pageInfo { hasNextPage endCursor }
      }
    }"""
    async with acme.admin() as client:
        for name in ("Ann", "Bob", "Cai"):
            await new_member(client, name)
        first = await gql(client, query, {"first": 2})
        cursor = first["data"]["members"]["pageInfo"]["endCursor"]
        second = await gql(client, query, {"first": 2, "after": cursor})
        found = await gql(client, query, {"first": 10, "filter": {"q": "bo"}})
        too_many = await gql(client, query, {"first": 201})
        none = await gql(client, query, {"first": 0})
        bad_cursor = await gql(client, query, {"first": 2, "after": "nonsense"})
    page = first["data"]["members"]
    assert [n["name"] for n in page["nodes"]] == ["admin", "Ann"]
    assert [e["node"]["name"] for e in page["edges"]] == ["admin", "Ann"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["edges"][-1]["cursor"] == cursor
    rest = second["data"]["members"]
    assert [n["name"] for n in rest["nodes"]] == ["Bob", "Cai"]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert [n["name"] for n in found["data"]["members"]["nodes"]] == ["Bob"]
    assert codes(too_many) == ["validation_failed"]
    assert too_many["errors"][0]["extensions"]["errors"][0]["field"] == "first"
    assert codes(none) == ["validation_failed"]
    assert codes(bad_cursor) == ["invalid_cursor"]
    assert bad_cursor["errors"][0]["extensions"]["errors"][0]["field"] == "after"


async def test_units_end_to_end(acme: Tenant) -> None:
    create = """
    mutation($input: CreateUnitInput!) {
      createUnit(input: $input) { unit { id kind name version } }
    }"""
    async with acme.admin() as client:
        lead = await new_member(client, "Lead")
        company = await gql(client, create, {"input": {"kind": "COMPANY", "name": "Acme"}})
        company_id = company["data"]["createUnit"]["unit"]["id"]
        sales = await gql(
            client,
            create,
            {"input": {"kind": "DEPARTMENT", "name": "Sales", "parentId": company_id}},
        )
        sales_id = sales["data"]["createUnit"]["unit"]["id"]
        orphan = await gql(client, create, {"input": {"kind": "TEAM", "name": "Lost"}})
        updated = await gql(
            client,
            """mutation($input: UpdateUnitInput!) {
                 updateUnit(input: $input) { unit { name version lead { name } } } }""",
            {"input": {"id": sales_id, "name": "Sales EU", "leadId": lead["id"]}},
        )
        read = await gql(
            client,
            """query($id: UUID!, $parent: UUID!) {
                 unit(id: $id) { name parent { name kind } lead { name } members { name } }
                 units(filter: { parentId: $parent }) { nodes { name } pageInfo { hasNextPage } }
               }""",
            {"id": sales_id, "parent": company_id},
        )
        refused = await gql(
            client,
            DELETE_UNIT,
            {"input": {"id": company_id}},
        )
        deleted = await gql(
            client,
            DELETE_UNIT,
            {"input": {"id": sales_id, "expectedVersion": 2}},
        )
        gone = await gql(client, "query($id: UUID!) { unit(id: $id) { id } }", {"id": sales_id})
    assert company["data"]["createUnit"]["unit"]["kind"] == "COMPANY"
    assert codes(orphan) == ["invalid_unit_parent"]
    assert orphan["errors"][0]["extensions"]["errors"][0]["field"] == "parentId"
    assert updated["data"]["updateUnit"]["unit"] == {
        "name": "Sales EU",
        "version": 2,
        "lead": {"name": "Lead"},
    }
    assert read["data"]["unit"] == {
        "name": "Sales EU",
        "parent": {"name": "Acme", "kind": "COMPANY"},
        "lead": {"name": "Lead"},
        "members": [],
    }
    assert read["data"]["units"] == {
        "nodes": [{"name": "Sales EU"}],
        "pageInfo": {"hasNextPage": False},
    }
    assert codes(refused) == ["unit_has_children"]
    assert deleted["data"]["deleteUnit"] == {"deletedUnitId": sales_id}
    assert codes(gone) == ["not_found"]
    assert gone["data"] == {"unit": None}


async def test_cycles_end_to_end(acme: Tenant) -> None:
    create = """
    mutation($input: CreateCycleInput!) {
      createCycle(input: $input) { cycle { id name kind state startDate endDate version } }
    }"""
    update = """
    mutation($input: UpdateCycleInput!) {
      updateCycle(input: $input) { cycle { name state version endDate } }
    }"""
    async with acme.admin() as client:
        year = await gql(
            client,
            create,
            {
                "input": {
                    "name": "2027",
                    "kind": "YEAR",
                    "startDate": "2027-01-01",
                    "endDate": "2027-12-31",
                }
            },
        )
        year_id = year["data"]["createCycle"]["cycle"]["id"]
        q1 = await gql(
            client,
            create,
            {
                "input": {
                    "name": "2027 Q1",
                    "kind": "QUARTER",
                    "startDate": "2027-01-01",
                    "endDate": "2027-03-31",
                    "parentId": year_id,
                }
            },
        )
        q1_id = q1["data"]["createCycle"]["cycle"]["id"]
        started = await gql(client, update, {"input": {"id": q1_id, "state": "ACTIVE"}})
        backwards = await gql(client, update, {"input": {"id": q1_id, "state": "PLANNING"}})
        outside = await gql(client, update, {"input": {"id": q1_id, "endDate": "2028-01-31"}})
        read = await gql(
            client,
            """{
              active: cycles(filter: { state: ACTIVE }) { nodes { name parent { name } } }
              onDay: cycles(filter: { containsDate: "2027-06-01" }) { nodes { name } }
              quarters: cycles(filter: { kind: QUARTER }) { nodes { name } }
            }""",
        )
        one = await gql(
            client, "query($id: UUID!) { cycle(id: $id) { name parent { id } } }", {"id": q1_id}
        )
    assert year["data"]["createCycle"]["cycle"]["state"] == "PLANNING"
    assert year["data"]["createCycle"]["cycle"]["startDate"] == "2027-01-01"
    assert started["data"]["updateCycle"]["cycle"] == {
        "name": "2027 Q1",
        "state": "ACTIVE",
        "version": 2,
        "endDate": "2027-03-31",
    }
    assert codes(backwards) == ["invalid_transition"]
    assert codes(outside) == ["invalid_cycle_dates"]
    assert read["data"] == {
        "active": {"nodes": [{"name": "2027 Q1", "parent": {"name": "2027"}}]},
        "onDay": {"nodes": [{"name": "2027"}]},
        "quarters": {"nodes": [{"name": "2027 Q1"}]},
    }
    assert one["data"]["cycle"] == {"name": "2027 Q1", "parent": {"id": year_id}}


# -- errors, tenancy and auth --------------------------------------------------------------


async def test_a_manager_loop_is_manager_cycle(acme: Tenant) -> None:
    async with acme.admin() as client:
        a = await new_member(client, "Ann")
        b = await new_member(client, "Bob", managerId=a["id"])
        c = await new_member(client, "Cai", managerId=b["id"])
        refused = await gql(client, UPDATE_MEMBER, {"input": {"id": a["id"], "managerId": c["id"]}})
        after = await gql(
            client,
            "query($id: UUID!) { member(id: $id) { version manager { id } } }",
            {"id": a["id"]},
        )
    assert refused["data"] is None
    assert len(refused["errors"]) == 1
    error = refused["errors"][0]
    assert error["path"] == ["updateMember"]
    assert error["extensions"]["code"] == "manager_cycle"
    assert error["extensions"]["errors"] == [
        {"field": "managerId", "message": "would create a loop", "code": "manager_cycle"}
    ]
    assert error["extensions"]["cycle"] == [a["id"], c["id"], b["id"], a["id"]]
    assert after["data"]["member"] == {"version": 1, "manager": None}


async def test_another_tenant_sees_not_found(acme: Tenant, globex: Tenant) -> None:
    async with acme.admin() as client:
        ann = await new_member(client, "Ann")
    async with globex.admin() as client:
        read = await gql(
            client, "query($id: UUID!) { member(id: $id) { name } }", {"id": ann["id"]}
        )
        write = await gql(client, UPDATE_MEMBER, {"input": {"id": ann["id"], "name": "Mine"}})
        listed = await gql(client, "{ members { nodes { name } } }")
    assert codes(read) == ["not_found"]
    assert read["data"] == {"member": None}
    assert codes(write) == ["not_found"]
    assert [n["name"] for n in listed["data"]["members"]["nodes"]] == ["admin"]


async def test_a_plain_member_may_not_create_members(acme: Tenant) -> None:
    async with acme.admin() as client:
        ann = await new_member(client, "Ann")
    async with acme.as_member(ann["id"]) as client:
        refused = await gql(
            client, CREATE_MEMBER, {"input": {"name": "Eve", "email": "eve@example.com"}}
        )
        me = await gql(client, "{ me { name roles } }")
    assert codes(refused) == ["forbidden"]
    assert refused["data"] is None
    assert me["data"]["me"] == {"name": "Ann", "roles": ["MEMBER"]}


async def test_no_token_is_a_401_problem(acme: Tenant) -> None:
    async with acme.client() as client:
        missing = await client.post("/graphql", json={"query": "{ organization { name } }"})
    async with acme.client("not-a-jwt") as client:
        invalid = await client.post("/graphql", json={"query": "{ organization { name } }"})
    for response in (missing, invalid):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer ")
    assert missing.json()["code"] == "missing_token"
    assert invalid.json()["code"] == "invalid_token"


async def test_get_serves_graphiql_but_runs_no_query(acme: Tenant) -> None:
    async with acme.client() as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        query = await client.get("/graphql", params={"query": "{ organization { name } }"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    assert "Acme" not in query.text
    assert query.status_code >= 400


async def test_graphql_errors_about_the_document_are_invalid_query(acme: Tenant) -> None:
    async with acme.admin() as client:
        unknown = await gql(client, "{ organization { nope } }")
        bad_id = await gql(client, "query($id: UUID!) { member(id: $id) { id } }", {"id": "x"})
    assert codes(unknown) == ["invalid_query"]
    assert codes(bad_id) == ["invalid_query"]
