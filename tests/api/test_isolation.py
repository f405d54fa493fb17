"""Tenant isolation over REST: a token of org A sees nothing of org B, through any route.

The walk derives the routes from the app itself, so a new route with an id in its path is
checked the day it is added, and one whose id parameter the walk cannot fill fails loudly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from tests.api.harness import Tenant, create_member

_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
_IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    params: tuple[str, ...]


def endpoints_with_ids(app: FastAPI) -> list[Endpoint]:
    """Every (method, path) of the app that takes a path parameter.

    ``app.routes`` holds one node per included router since FastAPI 0.137;
    ``iter_route_contexts`` flattens it into the routes the app serves, with full paths.
    """
    found: list[Endpoint] = []
    for route in iter_route_contexts(app.routes):
        path, methods = route.path, route.methods
        if path is None or methods is None:
            continue  # mounts (static files) take no ids
        params = tuple(_PATH_PARAM.findall(path))
        if not params:
            continue
        found.extend(
            Endpoint(method, path, params) for method in sorted(methods - _IGNORED_METHODS)
        )
    return found


def example_body(app: FastAPI, endpoint: Endpoint) -> dict[str, Any] | None:
    """A valid body for the route: the example its OpenAPI request schema documents."""
    spec = app.openapi()
    operation = spec["paths"][endpoint.path][endpoint.method.lower()]
    request_body = operation.get("requestBody")
    if request_body is None:
        return {} if endpoint.method in _BODY_METHODS else None
    schema = request_body["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    examples = schema.get("examples") or []
    assert examples, (
        f"{endpoint.method} {endpoint.path} takes a body but documents no example: add one "
        "(API.md) so the isolation walk can send a valid body"
    )
    body: dict[str, Any] = examples[0]
    return body


@dataclass(frozen=True)
class OrgB:
    member: dict[str, Any]
    lead: dict[str, Any]
    company: dict[str, Any]
    team: dict[str, Any]
    cycle: dict[str, Any]

    def id_for(self, param: str) -> str:
        ids = {
            "member_id": self.member["id"],
            "unit_id": self.team["id"],
            "cycle_id": self.cycle["id"],
        }
        assert param in ids, (
            f"the isolation walk has no id of org B for the path parameter {param!r}: create "
            "such a resource in seed_org_b() and map it in OrgB.id_for()"
        )
        value: str = ids[param]
        return value


async def seed_org_b(client: httpx.AsyncClient) -> OrgB:
    lead = await create_member(client, "Gina Lead", email="gina@globex.example")
    member = await create_member(
        client,
        "Hank Member",
        email="hank@globex.example",
        external_id="GX-1",
        manager_id=lead["id"],
    )
    company = await client.post("/v1/units", json={"kind": "company", "name": "Globex"})
    assert company.status_code == 201, company.text
    team = await client.post(
        "/v1/units",
        json={
            "kind": "team",
            "name": "Globex Sales",
            "parent_id": company.json()["id"],
            "lead_id": lead["id"],
        },
    )
    assert team.status_code == 201, team.text
    joined = await client.put(f"/v1/units/{team.json()['id']}/members/{member['id']}")
    assert joined.status_code == 204, joined.text
    cycle = await client.post(
        "/v1/cycles",
        json={"name": "2027", "kind": "year", "start_date": "2027-01-01", "end_date": "2027-12-31"},
    )
    assert cycle.status_code == 201, cycle.text
    return OrgB(
        member=member, lead=lead, company=company.json(), team=team.json(), cycle=cycle.json()
    )


async def assert_org_b_unchanged(client: httpx.AsyncClient, b: OrgB) -> None:
    member = await client.get(f"/v1/members/{b.member['id']}")
    assert member.status_code == 200
    assert member.json() == b.member
    team = await client.get(f"/v1/units/{b.team['id']}")
    assert team.status_code == 200
    assert team.json() == b.team
    assert team.json()["version"] == 1
    cycle = await client.get(f"/v1/cycles/{b.cycle['id']}")
    assert cycle.status_code == 200
    assert cycle.json() == b.cycle
    assert cycle.json()["version"] == 1
    assert cycle.json()["state"] == "planning"
    in_team = await client.get(f"/v1/units/{b.team['id']}/members")
    assert in_team.json()["member_ids"] == [b.member["id"]]
    everyone = await client.get("/v1/members")
    assert {m["email"] for m in everyone.json()["items"]} == {
        "admin@globex.example",
        "gina@globex.example",
        "hank@globex.example",
    }
    assert all(m["version"] == 1 and m["active"] for m in everyone.json()["items"])


async def test_every_route_with_an_id_answers_404_for_another_tenants_ids(
    app: FastAPI, acme: Tenant, globex: Tenant
) -> None:
    async with globex.admin() as b_client:
        b = await seed_org_b(b_client)

    endpoints = endpoints_with_ids(app)
    # The walk must really see the REST routes; an empty walk would prove nothing.
    walked = {(e.method, e.path) for e in endpoints}
    assert {
        ("GET", "/v1/members/{member_id}"),
        ("PATCH", "/v1/members/{member_id}"),
        ("DELETE", "/v1/members/{member_id}"),
        ("GET", "/v1/units/{unit_id}"),
        ("PATCH", "/v1/units/{unit_id}"),
        ("DELETE", "/v1/units/{unit_id}"),
        ("GET", "/v1/units/{unit_id}/members"),
        ("PUT", "/v1/units/{unit_id}/members/{member_id}"),
        ("DELETE", "/v1/units/{unit_id}/members/{member_id}"),
        ("GET", "/v1/cycles/{cycle_id}"),
        ("PATCH", "/v1/cycles/{cycle_id}"),
    } <= walked

    answers: dict[str, tuple[int, str]] = {}
    async with acme.admin() as a_client:
        for endpoint in endpoints:
            url = endpoint.path
            for param in endpoint.params:
                url = re.sub(r"{" + param + r"(?::[^}]*)?}", b.id_for(param), url)
            body = example_body(app, endpoint)
            response = await a_client.request(endpoint.method, url, json=body)
            code = (
                response.json().get("code", "")
                if response.headers.get("content-type") == "application/problem+json"
                else ""
            )
            answers[f"{endpoint.method} {endpoint.path}"] = (response.status_code, code)

    assert answers == dict.fromkeys(answers, (404, "not_found"))

    async with globex.admin() as b_client:
        await assert_org_b_unchanged(b_client, b)


async def test_a_404_for_another_tenants_id_is_the_same_as_for_no_id(
    acme: Tenant, globex: Tenant
) -> None:
    async with globex.admin() as b_client:
        b = await seed_org_b(b_client)
    nobody = str(uuid4())
    async with acme.admin() as a_client:
        theirs = await a_client.get(f"/v1/members/{b.member['id']}")
        unknown = await a_client.get(f"/v1/members/{nobody}")
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.headers["content-type"] == "application/problem+json"
    strip = {"request_id"}
    assert {k: v for k, v in theirs.json().items() if k not in strip} == {
        k: v for k, v in unknown.json().items() if k not in strip
    }


async def test_own_unit_with_another_tenants_member_is_404_and_adds_nothing(
    acme: Tenant, globex: Tenant
) -> None:
    async with globex.admin() as b_client:
        b = await seed_org_b(b_client)
    async with acme.admin() as a_client:
        company = await a_client.post("/v1/units", json={"kind": "company", "name": "Acme"})
        unit_id = company.json()["id"]
        added = await a_client.put(f"/v1/units/{unit_id}/members/{b.member['id']}")
        removed = await a_client.delete(f"/v1/units/{unit_id}/members/{b.member['id']}")
        members = await a_client.get(f"/v1/units/{unit_id}/members")
    assert added.status_code == 404
    assert added.json()["code"] == "not_found"
    assert removed.status_code == 404
    assert members.json() == {"unit_id": unit_id, "member_ids": []}


async def test_references_to_another_tenants_ids_are_unknown(acme: Tenant, globex: Tenant) -> None:
    async with globex.admin() as b_client:
        b = await seed_org_b(b_client)
    async with acme.admin() as a_client:
        manager = await a_client.post(
            "/v1/members",
            json={"name": "Ivy", "email": "ivy@acme.example", "manager_id": b.member["id"]},
        )
        lead = await a_client.post(
            "/v1/units", json={"kind": "company", "name": "Acme", "lead_id": b.member["id"]}
        )
        parent_unit = await a_client.post(
            "/v1/units", json={"kind": "team", "name": "Sales", "parent_id": b.company["id"]}
        )
        parent_cycle = await a_client.post(
            "/v1/cycles",
            json={
                "name": "Q1",
                "kind": "quarter",
                "start_date": "2027-01-01",
                "end_date": "2027-03-31",
                "parent_id": b.cycle["id"],
            },
        )
        own = await create_member(a_client, "Jo", email="jo@acme.example")
        re_managed = await a_client.patch(
            f"/v1/members/{own['id']}", json={"manager_id": b.lead["id"]}
        )
        listed = await a_client.get("/v1/members")
        units = await a_client.get("/v1/units")
        cycles = await a_client.get("/v1/cycles")
    for refused in (manager, lead, parent_unit, parent_cycle, re_managed):
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "unknown_reference"
    assert {m["email"] for m in listed.json()["items"]} == {"admin@acme.example", "jo@acme.example"}
    assert units.json()["items"] == []
    assert cycles.json()["items"] == []


async def test_lists_never_contain_another_tenants_rows(acme: Tenant, globex: Tenant) -> None:
    async with globex.admin() as b_client:
        b = await seed_org_b(b_client)
    async with acme.admin() as a_client:
        mine = await create_member(a_client, "Kai", email="kai@acme.example", external_id="GX-1")
        requests = {
            "members": ("/v1/members", {}),
            "members by manager": ("/v1/members", {"manager_id": b.lead["id"]}),
            "members by unit": ("/v1/members", {"unit_id": b.team["id"]}),
            "members by email": ("/v1/members", {"email": "hank@globex.example"}),
            "members by q": ("/v1/members", {"q": "globex"}),
            "members inactive": ("/v1/members", {"active": "false"}),
            "units": ("/v1/units", {}),
            "units by parent": ("/v1/units", {"parent_id": b.company["id"]}),
            "units by kind": ("/v1/units", {"kind": "company"}),
            "cycles": ("/v1/cycles", {}),
            "cycles by parent": ("/v1/cycles", {"parent_id": b.cycle["id"]}),
            "cycles by date": ("/v1/cycles", {"contains_date": "2027-06-01"}),
            "cycles by state": ("/v1/cycles", {"state": "planning"}),
        }
        seen: dict[str, list[str]] = {}
        for name, (path, params) in requests.items():
            response = await a_client.get(path, params=params)
            assert response.status_code == 200, (name, response.text)
            seen[name] = [item["id"] for item in response.json()["items"]]
        by_external_id = await a_client.get("/v1/members", params={"external_id": "GX-1"})
        organization = await a_client.get("/v1/organization")

    b_ids = {b.member["id"], b.lead["id"], b.company["id"], b.team["id"], b.cycle["id"]}
    assert {name: sorted(set(ids) & b_ids) for name, ids in seen.items()} == {
        name: [] for name in seen
    }
    assert seen["members by email"] == []
    assert seen["units"] == []
    assert seen["cycles"] == []
    # The same external id in both tenants: each sees only its own.
    assert [m["id"] for m in by_external_id.json()["items"]] == [mine["id"]]
    assert organization.json()["id"] == str(acme.organization_id)
    assert organization.json()["name"] == "Acme"


async def test_another_tenants_cursor_reveals_nothing(acme: Tenant, globex: Tenant) -> None:
    async with globex.admin() as b_client:
        await seed_org_b(b_client)
        page = await b_client.get("/v1/members", params={"limit": 1})
    cursor = page.json()["next_cursor"]
    assert cursor is not None
    async with acme.admin() as a_client:
        listed = await a_client.get("/v1/members", params={"cursor": cursor})
    assert listed.status_code == 200
    assert {m["email"] for m in listed.json()["items"]} <= {"admin@acme.example"}
