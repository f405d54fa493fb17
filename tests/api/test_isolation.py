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


# A push URL's secret is its credential, not an id a tenant's token may name: whoever
# holds it pushes, whatever token comes with it (tests/api/test_push_urls.py covers it).
_CREDENTIAL_IN_PATH = frozenset({"/v1/push/{token}"})
# SCIM is its own protocol (a `scim` token, SCIM bodies, no OpenAPI examples): walked by
# tests/api/test_scim_isolation.py.
_SCIM = "/scim/v2/"


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
        if not params or path in _CREDENTIAL_IN_PATH or path.startswith(_SCIM):
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
    objective: dict[str, Any]
    key_result: dict[str, Any]
    check_in: dict[str, Any]
    action: dict[str, Any]
    review_cycle: dict[str, Any]
    assignment: dict[str, Any]
    # Built-in templates are shared by every organization on purpose: the walk uses one of
    # org B's own.
    template: dict[str, Any]
    meeting: dict[str, Any]  # a retrospective of the cycle, by the team
    comment: dict[str, Any]  # on the KR, mentioning the member
    kpi: dict[str, Any]  # with one measurement; no KR follows it (the KR stays at version 1)
    push_url: dict[str, Any]  # of the KR
    webhook_endpoint: dict[str, Any]  # no delivery is made in the walk
    api_client: dict[str, Any]

    def id_for(self, param: str) -> str:
        ids = {
            "member_id": self.member["id"],
            "unit_id": self.team["id"],
            "cycle_id": self.cycle["id"],
            "objective_id": self.objective["id"],
            "key_result_id": self.key_result["id"],
            "action_id": self.action["id"],
            "review_cycle_id": self.review_cycle["id"],
            "reviewee_id": self.member["id"],
            "assignment_id": self.assignment["id"],
            "template_id": self.template["id"],
            "meeting_id": self.meeting["id"],
            "comment_id": self.comment["id"],
            "kpi_id": self.kpi["id"],
            "push_url_id": self.push_url["id"],
            "endpoint_id": self.webhook_endpoint["id"],
            "client_id": self.api_client["id"],
            # No delivery exists without a worker: another id of org B stands in.
            "delivery_id": self.check_in["id"],
        }
        assert param in ids, (
            f"the isolation walk has no id of org B for the path parameter {param!r}: create "
            "such a resource in seed_org_b() and map it in OrgB.id_for()"
        )
        value: str = ids[param]
        return value

    @property
    def okr_ids(self) -> set[str]:
        """Every OKR row of org B: objective, KR, check-in, action."""
        return {
            self.objective["id"],
            self.key_result["id"],
            self.check_in["id"],
            self.action["id"],
        }


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


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
    objective = _created(
        await client.post(
            "/v1/objectives",
            json={
                "cycle_id": cycle.json()["id"],
                "title": "Globex secret expansion",
                "owner": {"kind": "member", "id": member["id"]},
                "status": "active",
            },
        )
    )
    key_result = _created(
        await client.post(
            f"/v1/objectives/{objective['id']}/key-results",
            json={"title": "Globex new customers", "owner_id": member["id"], "target": "10"},
        )
    )
    check_in = _created(
        await client.post(
            f"/v1/key-results/{key_result['id']}/check-ins", json={"value": "4", "note": "four"}
        )
    )
    action = _created(
        await client.post(
            f"/v1/key-results/{key_result['id']}/actions",
            json={
                "title": "Globex roadshow",
                "owner_id": member["id"],
                "due_date": "2027-03-31",
                "completion_standard": "5 cities visited",
            },
        )
    )
    review_cycle, assignment = await seed_review_cycle(client, cycle.json()["id"], member["id"])
    template = _created(
        await client.post(
            "/v1/templates",
            json={
                "key": "globex-secret",
                "role_name_zh": "大客户经理",
                "role_name_en": "Key account manager",
                "title_zh": "Globex 秘密扩张",
                "title_en": "Globex secret expansion playbook",
                "key_results": [
                    {
                        "title_zh": "新客户达到10家",
                        "title_en": "Sign 10 new customers",
                        "metric_kind": "number",
                        "start": "0",
                        "target": "10",
                    }
                ],
            },
        )
    )
    return OrgB(
        member=member,
        lead=lead,
        company=company.json(),
        team=team.json(),
        cycle=cycle.json(),
        objective=objective,
        key_result=key_result,
        check_in=check_in,
        action=action,
        review_cycle=review_cycle,
        assignment=assignment,
        template=template,
        **await seed_management(client, team.json()["id"], member, objective, action),
        **await seed_kpi(client, member),
        push_url=_created(
            await client.post(
                f"/v1/key-results/{key_result['id']}/push-urls", json={"name": "globex-crm"}
            )
        ),
        webhook_endpoint=_created(
            await client.post(
                "/v1/webhook-endpoints", json={"url": "https://hooks.globex.example/okr"}
            )
        ),
        api_client=_created(
            await client.post("/v1/api-clients", json={"name": "HR", "scopes": ["org:read"]})
        ),
    )


async def seed_management(
    client: httpx.AsyncClient,
    unit_id: str,
    member: dict[str, Any],
    objective: dict[str, Any],
    action: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    """Org B's retrospective of its cycle and team, and a comment on its KR mentioning its
    member."""
    meeting = _created(
        await client.post(
            "/v1/meetings",
            json={
                "kind": "retrospective",
                "title": "Globex 复盘会",
                "held_on": "2027-04-02",
                "cycle_id": objective["cycle_id"],
                "unit_id": unit_id,
                "attendee_ids": [member["id"]],
                "objective_ids": [objective["id"]],
                "findings": "Globex secret findings",
                "follow_up_action_ids": [action["id"]],
            },
        )
    )
    comment = _created(
        await client.post(
            f"/v1/key-results/{action['key_result_id']}/comments",
            json={"body": f"@[Hank]({member['id']}) Globex secret plan"},
        )
    )
    return {"meeting": meeting, "comment": comment}


async def seed_kpi(client: httpx.AsyncClient, member: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Org B's KPI, owned by its member, with one measurement."""
    kpi = _created(
        await client.post(
            "/v1/kpis",
            json={"name": "Globex secret revenue", "target": "100", "owner_id": member["id"]},
        )
    )
    _created(await client.post(f"/v1/kpis/{kpi['id']}/measurements", json={"value": "42"}))
    return {"kpi": kpi}


async def seed_review_cycle(
    client: httpx.AsyncClient, cycle_id: str, reviewee_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A published 360 review cycle of org B with one reviewee (peer: org B's admin), and
    one of its assignments."""
    admins = await client.get("/v1/members", params={"email": "admin@globex.example"})
    (admin,) = admins.json()["items"]
    review_cycle = _created(
        await client.post(
            "/v1/review-cycles",
            json={
                "cycle_id": cycle_id,
                "name": "Globex 360",
                "questions": [{"text_zh": "协作", "text_en": "Collaboration"}],
                "min_peers": 1,
                "peer_anonymity_threshold": 2,
            },
        )
    )
    path = f"/v1/review-cycles/{review_cycle['id']}"
    added = await client.post(f"{path}/participants", json={"reviewee_ids": [reviewee_id]})
    assert added.status_code == 200, added.text
    peers = await client.put(
        f"{path}/participants/{reviewee_id}/peers", json={"peer_ids": [admin["id"]]}
    )
    assert peers.status_code == 200, peers.text
    for phase in ("collecting", "closed", "published"):
        moved = await client.patch(path, json={"phase": phase})
        assert moved.status_code == 200, moved.text
    participants = await client.get(f"{path}/participants")
    assert participants.status_code == 200, participants.text
    (participant,) = participants.json()["items"]
    assignment: dict[str, Any] = participant["assignments"][0]
    return moved.json(), assignment


async def okr_state(client: httpx.AsyncClient, b: OrgB) -> dict[str, Any]:
    """Org B's OKR and review rows as org B's admin reads them (scores left out: they move
    with time; review results do not, they are fixed at publication)."""

    async def read(path: str) -> Any:
        response = await client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    objective = await read(f"/v1/objectives/{b.objective['id']}")
    key_result = await read(f"/v1/key-results/{b.key_result['id']}")
    for body in (objective, key_result, *objective["key_results"]):
        body.pop("score")
    return {
        "objective": objective,
        "key_result": key_result,
        "check_ins": await read(f"/v1/key-results/{b.key_result['id']}/check-ins"),
        "actions": await read(f"/v1/key-results/{b.key_result['id']}/actions"),
        "objectives": [o["id"] for o in (await read("/v1/objectives"))["items"]],
        "audit_events": [e["id"] for e in (await read("/v1/audit-events?limit=200"))["items"]],
        "review_cycle": await read(f"/v1/review-cycles/{b.review_cycle['id']}"),
        "participants": await read(f"/v1/review-cycles/{b.review_cycle['id']}/participants"),
        "review_results": await read(f"/v1/review-cycles/{b.review_cycle['id']}/results"),
        "template": await read(f"/v1/templates/{b.template['id']}"),
        "own_templates": await read("/v1/templates?include_builtin=false"),
        "kpi": await read(f"/v1/kpis/{b.kpi['id']}"),
        "kpi_measurements": await read(f"/v1/kpis/{b.kpi['id']}/measurements"),
        "kpis": await read("/v1/kpis"),
        "meetings": await read("/v1/meetings"),
        "comments": await read(f"/v1/key-results/{b.key_result['id']}/comments"),
    }


async def assert_org_b_unchanged(
    client: httpx.AsyncClient, b: OrgB, okrs_before: dict[str, Any] | None = None
) -> None:
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
    okrs = await okr_state(client, b)
    assert (okrs["objective"]["version"], okrs["objective"]["status"]) == (1, "active")
    assert okrs["objective"]["title"] == "Globex secret expansion"
    assert (okrs["key_result"]["version"], okrs["key_result"]["current"]) == (1, "4")
    assert okrs["key_result"]["objective_id"] == b.objective["id"]
    assert okrs["key_result"]["final_score"] is None
    assert [c["id"] for c in okrs["check_ins"]["items"]] == [b.check_in["id"]]
    assert [
        (a["id"], a["version"], a["status"], a["accepted_by"]) for a in okrs["actions"]["items"]
    ] == [(b.action["id"], 1, "todo", None)]
    assert okrs["objectives"] == [b.objective["id"]]
    assert okrs["review_cycle"] == b.review_cycle
    assert [p["reviewee_id"] for p in okrs["participants"]["items"]] == [b.member["id"]]
    assert okrs["template"] == b.template
    assert (okrs["kpi"]["version"], okrs["kpi"]["target"]) == (1, "100")
    assert [m["value"] for m in okrs["kpi_measurements"]["items"]] == ["42"]
    assert [k["id"] for k in okrs["kpis"]["items"]] == [b.kpi["id"]]
    assert [t["id"] for t in okrs["own_templates"]["items"]] == [b.template["id"]]
    if okrs_before is not None:
        assert okrs == okrs_before


async def test_every_route_with_an_id_answers_404_for_another_tenants_ids(
    app: FastAPI, acme: Tenant, globex: Tenant
) -> None:
    async with globex.admin() as b_client:
        b = await seed_org_b(b_client)
        okrs_before = await okr_state(b_client, b)

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
        ("POST", "/v1/cycles/{cycle_id}/close-objectives"),
        ("GET", "/v1/objectives/{objective_id}"),
        ("PATCH", "/v1/objectives/{objective_id}"),
        ("DELETE", "/v1/objectives/{objective_id}"),
        ("POST", "/v1/objectives/{objective_id}/copy"),
        ("GET", "/v1/objectives/{objective_id}/key-results"),
        ("POST", "/v1/objectives/{objective_id}/key-results"),
        ("GET", "/v1/key-results/{key_result_id}"),
        ("PATCH", "/v1/key-results/{key_result_id}"),
        ("DELETE", "/v1/key-results/{key_result_id}"),
        ("POST", "/v1/key-results/{key_result_id}/move"),
        ("PUT", "/v1/key-results/{key_result_id}/final-score"),
        ("GET", "/v1/key-results/{key_result_id}/check-ins"),
        ("POST", "/v1/key-results/{key_result_id}/check-ins"),
        ("GET", "/v1/key-results/{key_result_id}/actions"),
        ("POST", "/v1/key-results/{key_result_id}/actions"),
        ("GET", "/v1/actions/{action_id}"),
        ("PATCH", "/v1/actions/{action_id}"),
        ("POST", "/v1/actions/{action_id}/accept"),
        ("GET", "/v1/review-cycles/{review_cycle_id}"),
        ("PATCH", "/v1/review-cycles/{review_cycle_id}"),
        ("GET", "/v1/review-cycles/{review_cycle_id}/participants"),
        ("POST", "/v1/review-cycles/{review_cycle_id}/participants"),
        ("PUT", "/v1/review-cycles/{review_cycle_id}/participants/{reviewee_id}/peers"),
        ("DELETE", "/v1/review-cycles/{review_cycle_id}/participants/{reviewee_id}"),
        ("GET", "/v1/review-cycles/{review_cycle_id}/my-reviews"),
        ("GET", "/v1/review-cycles/{review_cycle_id}/results"),
        ("GET", "/v1/review-cycles/{review_cycle_id}/results/{reviewee_id}"),
        ("GET", "/v1/review-cycles/{review_cycle_id}/completion"),
        ("GET", "/v1/review-assignments/{assignment_id}"),
        ("PUT", "/v1/review-assignments/{assignment_id}/response"),
        ("GET", "/v1/templates/{template_id}"),
        ("PATCH", "/v1/templates/{template_id}"),
        ("DELETE", "/v1/templates/{template_id}"),
        ("POST", "/v1/templates/{template_id}/instantiate"),
        ("GET", "/v1/kpis/{kpi_id}"),
        ("PATCH", "/v1/kpis/{kpi_id}"),
        ("DELETE", "/v1/kpis/{kpi_id}"),
        ("GET", "/v1/kpis/{kpi_id}/measurements"),
        ("POST", "/v1/kpis/{kpi_id}/measurements"),
        ("GET", "/v1/kpis/{kpi_id}/key-results"),
        ("PUT", "/v1/key-results/{key_result_id}/kpi"),
        ("DELETE", "/v1/key-results/{key_result_id}/kpi"),
        ("GET", "/v1/meetings/{meeting_id}"),
        ("PATCH", "/v1/meetings/{meeting_id}"),
        ("DELETE", "/v1/meetings/{meeting_id}"),
        ("GET", "/v1/objectives/{objective_id}/comments"),
        ("POST", "/v1/objectives/{objective_id}/comments"),
        ("GET", "/v1/key-results/{key_result_id}/comments"),
        ("POST", "/v1/key-results/{key_result_id}/comments"),
        ("GET", "/v1/actions/{action_id}/comments"),
        ("POST", "/v1/actions/{action_id}/comments"),
        ("GET", "/v1/comments/{comment_id}"),
        ("PATCH", "/v1/comments/{comment_id}"),
        ("DELETE", "/v1/comments/{comment_id}"),
        ("GET", "/v1/members/{member_id}/work-plan"),
        ("GET", "/v1/units/{unit_id}/work-plan"),
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
        await assert_org_b_unchanged(b_client, b, okrs_before)


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


async def test_okr_lists_never_contain_another_tenants_rows(acme: Tenant, globex: Tenant) -> None:
    async with globex.admin() as b_client:
        b = await seed_org_b(b_client)
    async with acme.admin() as a_client:
        cycle = await a_client.post(
            "/v1/cycles",
            json={
                "name": "2027",
                "kind": "year",
                "start_date": "2027-01-01",
                "end_date": "2027-12-31",
            },
        )
        mine = _created(
            await a_client.post(
                "/v1/objectives",
                json={
                    "cycle_id": cycle.json()["id"],
                    "title": "Acme expansion",
                    "status": "active",
                },
            )
        )
        kr = _created(
            await a_client.post(
                f"/v1/objectives/{mine['id']}/key-results",
                json={"title": "Acme new customers", "owner_id": str(acme.admin_id)},
            )
        )
        checked = _created(
            await a_client.post(f"/v1/key-results/{kr['id']}/check-ins", json={"value": "1"})
        )
        task = _created(
            await a_client.post(f"/v1/key-results/{kr['id']}/actions", json={"title": "Acme task"})
        )
        requests = {
            "objectives": ("/v1/objectives", {}),
            "objectives by cycle": ("/v1/objectives", {"cycle_id": b.cycle["id"]}),
            "objectives by owner": ("/v1/objectives", {"owner_id": b.member["id"]}),
            "objectives by unit": ("/v1/objectives", {"unit_id": b.team["id"]}),
            "objectives by q": ("/v1/objectives", {"q": "Globex"}),
            "objectives by status": ("/v1/objectives", {"status": "active"}),
            "objectives by level": ("/v1/objectives", {"level": "individual"}),
            "key results": (f"/v1/objectives/{mine['id']}/key-results", {}),
            "check-ins": (f"/v1/key-results/{kr['id']}/check-ins", {}),
            "actions": (f"/v1/key-results/{kr['id']}/actions", {}),
            "actions by owner": (
                f"/v1/key-results/{kr['id']}/actions",
                {"owner_id": b.member["id"]},
            ),
            "audit events": ("/v1/audit-events", {"limit": 200}),
            "audit events by resource": ("/v1/audit-events", {"resource_id": b.objective["id"]}),
            "audit events by check-in": ("/v1/audit-events", {"resource_id": b.check_in["id"]}),
            "audit events by actor": ("/v1/audit-events", {"actor": str(globex.admin_id)}),
            "audit events by type": ("/v1/audit-events", {"resource_type": "action"}),
        }
        seen: dict[str, list[str]] = {}
        resources: dict[str, list[str]] = {}
        for name, (path, params) in requests.items():
            response = await a_client.get(path, params=params)
            assert response.status_code == 200, (name, response.text)
            items = response.json()["items"]
            seen[name] = [item["id"] for item in items]
            resources[name] = [item.get("resource_id", "") for item in items]

    b_rows = b.okr_ids | {b.member["id"], b.lead["id"], b.team["id"], b.cycle["id"]}
    assert {
        name: sorted((set(ids) | set(resources[name])) & b_rows) for name, ids in seen.items()
    } == {name: [] for name in seen}
    assert seen["objectives"] == seen["objectives by status"] == [mine["id"]]
    assert seen["objectives by cycle"] == seen["objectives by owner"] == []
    assert seen["objectives by unit"] == seen["objectives by q"] == []
    assert seen["check-ins"] == [checked["id"]]
    assert seen["actions"] == [task["id"]]
    assert seen["audit events by resource"] == seen["audit events by check-in"] == []
    assert seen["audit events by actor"] == []
    # Acme's own directory writes (its cycle) are audited too: they are Acme's rows.
    assert {mine["id"], kr["id"], checked["id"], task["id"]} <= set(resources["audit events"])
    assert resources["audit events by type"] == [task["id"]]


async def test_okr_references_to_another_tenants_ids_are_unknown(
    acme: Tenant, globex: Tenant
) -> None:
    async with globex.admin() as b_client:
        b = await seed_org_b(b_client)
        okrs_before = await okr_state(b_client, b)
    async with acme.admin() as a_client:
        cycle = _created(
            await a_client.post(
                "/v1/cycles",
                json={
                    "name": "2027",
                    "kind": "year",
                    "start_date": "2027-01-01",
                    "end_date": "2027-12-31",
                },
            )
        )
        mine = _created(
            await a_client.post("/v1/objectives", json={"cycle_id": cycle["id"], "title": "Acme"})
        )
        kr = _created(
            await a_client.post(
                f"/v1/objectives/{mine['id']}/key-results",
                json={"title": "Acme KR", "owner_id": str(acme.admin_id)},
            )
        )
        unknown = {
            "objective in their cycle": await a_client.post(
                "/v1/objectives", json={"cycle_id": b.cycle["id"], "title": "x"}
            ),
            "objective owned by their member": await a_client.post(
                "/v1/objectives",
                json={
                    "cycle_id": cycle["id"],
                    "title": "x",
                    "owner": {"kind": "member", "id": b.member["id"]},
                },
            ),
            "objective owned by their unit": await a_client.post(
                "/v1/objectives",
                json={
                    "cycle_id": cycle["id"],
                    "title": "x",
                    "owner": {"kind": "unit", "id": b.team["id"]},
                },
            ),
            "aligned to their objective": await a_client.post(
                "/v1/objectives",
                json={
                    "cycle_id": cycle["id"],
                    "title": "x",
                    "parent_objective_id": b.objective["id"],
                },
            ),
            "contributing to their KR": await a_client.post(
                "/v1/objectives",
                json={
                    "cycle_id": cycle["id"],
                    "title": "x",
                    "parent_key_result_id": b.key_result["id"],
                },
            ),
            "re-aligned to their objective": await a_client.patch(
                f"/v1/objectives/{mine['id']}", json={"parent_objective_id": b.objective["id"]}
            ),
            "KR owned by their member": await a_client.post(
                f"/v1/objectives/{mine['id']}/key-results",
                json={"title": "x", "owner_id": b.member["id"]},
            ),
            "KR handed to their member": await a_client.patch(
                f"/v1/key-results/{kr['id']}", json={"owner_id": b.member["id"]}
            ),
            "action owned by their member": await a_client.post(
                f"/v1/key-results/{kr['id']}/actions",
                json={"title": "x", "owner_id": b.member["id"]},
            ),
            "copied into their cycle": await a_client.post(
                f"/v1/objectives/{mine['id']}/copy", json={"cycle_id": b.cycle["id"]}
            ),
        }
        moved = await a_client.post(
            f"/v1/key-results/{kr['id']}/move", json={"objective_id": b.objective["id"]}
        )
        mine_after = await a_client.get(f"/v1/objectives/{mine['id']}")
        listed = await a_client.get("/v1/objectives")

    assert {
        name: (r.status_code, r.json()["code"]) for name, r in unknown.items()
    } == dict.fromkeys(unknown, (422, "unknown_reference"))
    assert (moved.status_code, moved.json()["code"]) == (404, "not_found")
    assert mine_after.json()["version"] == 1
    assert [k["id"] for k in mine_after.json()["key_results"]] == [kr["id"]]
    assert mine_after.json()["key_results"][0]["owner_id"] == str(acme.admin_id)
    assert [o["id"] for o in listed.json()["items"]] == [mine["id"]]
    async with globex.admin() as b_client:
        await assert_org_b_unchanged(b_client, b, okrs_before)


async def test_another_tenants_objective_cursor_reveals_nothing(
    acme: Tenant, globex: Tenant
) -> None:
    async with globex.admin() as b_client:
        b = await seed_org_b(b_client)
        second = await b_client.post(
            "/v1/objectives", json={"cycle_id": b.cycle["id"], "title": "Globex second"}
        )
        assert second.status_code == 201, second.text
        page = await b_client.get("/v1/objectives", params={"limit": 1})
        history = await b_client.get(
            f"/v1/key-results/{b.key_result['id']}/check-ins", params={"limit": 1}
        )
    cursor = page.json()["next_cursor"]
    assert cursor is not None
    assert history.json()["next_cursor"] is None
    async with acme.admin() as a_client:
        listed = await a_client.get("/v1/objectives", params={"cursor": cursor})
        events = await a_client.get("/v1/audit-events", params={"cursor": cursor})
    assert listed.status_code == 200
    assert listed.json() == {"items": [], "next_cursor": None}
    assert events.status_code == 200
    assert events.json() == {"items": [], "next_cursor": None}
