"""Each scope of a service token reads what its README line says, and nothing more.

README, Auth: service tokens carry scopes instead of roles:
- ``org:read``       read the directory (members, units, cycles)
- ``members:write``  HR sync: create and change members (and read the directory it syncs)
- ``kpis:write``     read KPIs and post their measurements
- ``reviews:export`` read every published 360 result and the completion figures
                     (reading review cycles needs ``org:read`` too)
No scope reads OKR content (objectives, KRs, check-ins, actions, alignment, comments,
meetings, work plans, templates): that is for members.

Every read route of the API is walked with each token, on the demo organization (it has
all of it, a published 360 review included), plus a KPI, a meeting and a comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI

from service.context import Deps
from service.runtime.demo import load_demo
from tests.api.harness import Tenant
from tests.api.okr_harness import get, post

ORG_READ = "org:read"
MEMBERS_WRITE = "members:write"
KPIS_WRITE = "kpis:write"
REVIEWS_EXPORT = "reviews:export"
HR_EXPORT = f"{REVIEWS_EXPORT} {ORG_READ}"  # the README's HR export token

TOKENS = (ORG_READ, MEMBERS_WRITE, KPIS_WRITE, REVIEWS_EXPORT, HR_EXPORT)

# What each kind of read lets through: the README's lines as data.
DIRECTORY = {ORG_READ, MEMBERS_WRITE, HR_EXPORT}
OKR_CONTENT: set[str] = set()
KPIS = {KPIS_WRITE}
REVIEW_CYCLES = {HR_EXPORT}
REVIEW_RESULTS = {REVIEWS_EXPORT, HR_EXPORT}
ADMIN_ONLY: set[str] = set()

ROUTES: dict[str, set[str]] = {
    # the directory
    "/v1/organization": DIRECTORY,
    "/v1/members": DIRECTORY,
    "/v1/members/{member}": DIRECTORY,
    "/v1/units": DIRECTORY,
    "/v1/units/{unit}": DIRECTORY,
    "/v1/units/{unit}/members": DIRECTORY,
    "/v1/cycles": DIRECTORY,
    "/v1/cycles/{cycle}": DIRECTORY,
    # OKR content
    "/v1/objectives": OKR_CONTENT,
    "/v1/objectives/{objective}": OKR_CONTENT,
    "/v1/objectives/{objective}/key-results": OKR_CONTENT,
    "/v1/objectives/{objective}/alignment-path": OKR_CONTENT,
    "/v1/objectives/{objective}/quality": OKR_CONTENT,
    "/v1/objectives/{objective}/comments": OKR_CONTENT,
    "/v1/key-results": OKR_CONTENT,
    "/v1/key-results/{kr}": OKR_CONTENT,
    "/v1/key-results/{kr}/check-ins": OKR_CONTENT,
    "/v1/key-results/{kr}/actions": OKR_CONTENT,
    "/v1/key-results/{kr}/comments": OKR_CONTENT,
    "/v1/actions/{action}": OKR_CONTENT,
    "/v1/actions/{action}/comments": OKR_CONTENT,
    "/v1/comments/{comment}": OKR_CONTENT,
    "/v1/cycles/{cycle}/alignment-tree": OKR_CONTENT,
    "/v1/cycles/{cycle}/coverage": OKR_CONTENT,
    "/v1/cycles/{cycle}/stats": OKR_CONTENT,
    "/v1/cycles/{cycle}/unit-scores": OKR_CONTENT,
    "/v1/meetings": OKR_CONTENT,
    "/v1/meetings/{meeting}": OKR_CONTENT,
    "/v1/members/{member}/work-plan": OKR_CONTENT,
    "/v1/units/{unit}/work-plan": OKR_CONTENT,
    "/v1/templates": OKR_CONTENT,
    "/v1/templates/{template}": OKR_CONTENT,
    "/v1/me/updates-due": OKR_CONTENT,
    "/v1/me/mentions": OKR_CONTENT,
    # 360 reviews
    "/v1/review-cycles": REVIEW_CYCLES,
    "/v1/review-cycles/{review}": REVIEW_CYCLES,
    "/v1/review-cycles/{review}/results": REVIEW_RESULTS,
    "/v1/review-cycles/{review}/results/{member}": REVIEW_RESULTS,
    "/v1/review-cycles/{review}/completion": REVIEW_RESULTS,
    "/v1/review-cycles/{review}/participants": ADMIN_ONLY,
    # the audit trail
    "/v1/audit-events": ADMIN_ONLY,
}

# A refused reader of one person's result is told what a stranger is told (README: 404).
REFUSED_AS_NOT_FOUND = {"/v1/review-cycles/{review}/results/{member}"}

KPI_ROUTES: dict[str, set[str]] = {
    "/v1/kpis": KPIS,
    "/v1/kpis/{kpi}": KPIS,
    "/v1/kpis/{kpi}/measurements": KPIS,
    "/v1/kpis/{kpi}/key-results": OKR_CONTENT,  # the KRs following it are OKR content
}


@dataclass(frozen=True)
class World:
    ids: dict[str, str]

    def path(self, template: str) -> str:
        return template.format(**self.ids)


async def first_action(admin: httpx.AsyncClient) -> dict[str, Any]:
    for kr in (await get(admin, "/v1/key-results?limit=100"))["items"]:
        actions = (await get(admin, f"/v1/key-results/{kr['id']}/actions"))["items"]
        if actions:
            return cast(dict[str, Any], actions[0])
    raise AssertionError("the demo has actions")


async def build_world(app: FastAPI) -> tuple[Tenant, World]:
    deps = cast(Deps, app.state.okr.services.deps)
    demo = await load_demo(deps)
    tenant = Tenant(demo.organization_id, demo.admin_id, app, app.state.settings)
    async with tenant.admin() as admin:
        objective = (await get(admin, "/v1/objectives"))["items"][0]
        cycle = await get(admin, f"/v1/cycles/{objective['cycle_id']}")
        kr = (await get(admin, f"/v1/objectives/{objective['id']}/key-results"))["items"][0]
        action = await first_action(admin)
        unit = (await get(admin, "/v1/units"))["items"][0]
        review = (await get(admin, "/v1/review-cycles"))["items"][0]
        template = (await get(admin, "/v1/templates"))["items"][0]
        kpi = await post(admin, "/v1/kpis", {"name": "New accounts", "target": "40"})
        meeting = await post(
            admin,
            "/v1/meetings",
            {
                "kind": "weekly",
                "title": "Monday sales",
                "held_on": cycle["start_date"],
                "cycle_id": cycle["id"],
            },
        )
        comment = await post(
            admin, f"/v1/objectives/{objective['id']}/comments", {"body": "On track?"}
        )
    ids = {
        "member": str(demo.member_id),
        "unit": unit["id"],
        "cycle": cycle["id"],
        "objective": objective["id"],
        "kr": kr["id"],
        "action": action["id"],
        "comment": comment["id"],
        "meeting": meeting["id"],
        "template": template["id"],
        "review": review["id"],
        "kpi": kpi["id"],
    }
    return tenant, World(ids)


async def walk(
    tenant: Tenant, world: World, routes: dict[str, set[str]]
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """(expected, answered) status per (scope, route): 200 where the scope reads, else 403."""
    expected: dict[tuple[str, str], int] = {}
    answered: dict[tuple[str, str], int] = {}
    for scopes in TOKENS:
        async with tenant.client(tenant.token(None, scopes=tuple(scopes.split()))) as client:
            for route, readers in routes.items():
                response = await client.get(world.path(route))
                refused = 404 if route in REFUSED_AS_NOT_FOUND else 403
                expected[scopes, route] = 200 if scopes in readers else refused
                answered[scopes, route] = response.status_code
                if response.status_code == 403:
                    assert response.json()["code"] == "forbidden", response.text
    return expected, answered


async def test_every_read_route_answers_each_scope_as_the_readme_says(app: FastAPI) -> None:
    tenant, world = await build_world(app)
    # Members read all of it (the routes work at all): the admin gets 200 everywhere.
    async with tenant.admin() as admin:
        for route in [*ROUTES, *KPI_ROUTES]:
            response = await admin.get(world.path(route))
            assert response.status_code == 200, (route, response.text)

    expected, answered = await walk(tenant, world, ROUTES)
    assert_as_expected(expected, answered)


async def test_kpi_routes_answer_each_scope_as_the_readme_says(app: FastAPI) -> None:
    tenant, world = await build_world(app)
    expected, answered = await walk(tenant, world, KPI_ROUTES)
    assert_as_expected(expected, answered)


# -- GraphQL: the same rules, the main queries ----------------------------------------------

QUERIES: dict[str, tuple[str, set[str]]] = {
    "organization": ("{ organization { id } }", DIRECTORY),
    "members": ("{ members(first: 1) { nodes { id } } }", DIRECTORY),
    "units": ("{ units(first: 1) { nodes { id } } }", DIRECTORY),
    "cycles": ("{ cycles(first: 1) { nodes { id } } }", DIRECTORY),
    "objectives": ("{ objectives(first: 1) { nodes { id } } }", OKR_CONTENT),
    "objective": ('{ objective(id: "{objective}") { id } }', OKR_CONTENT),
    "keyResults": ("{ keyResults(first: 1) { nodes { id } } }", OKR_CONTENT),
    "keyResult": ('{ keyResult(id: "{kr}") { id } }', OKR_CONTENT),
    "action": ('{ action(id: "{action}") { id } }', OKR_CONTENT),
    "alignmentTree": ('{ alignmentTree(cycleId: "{cycle}") { __typename } }', OKR_CONTENT),
    "meetings": ("{ meetings(first: 1) { nodes { id } } }", OKR_CONTENT),
    "comment": ('{ comment(id: "{comment}") { id } }', OKR_CONTENT),
    "templates": ("{ templates(first: 1) { nodes { id } } }", OKR_CONTENT),
    "workPlan": ('{ workPlan(memberId: "{member}") { __typename } }', OKR_CONTENT),
    "reviewCycles": ("{ reviewCycles(first: 1) { nodes { id } } }", REVIEW_CYCLES),
    "reviewCycle": ('{ reviewCycle(id: "{review}") { id } }', REVIEW_CYCLES),
    "reviewResults": (
        '{ reviewResults(reviewCycleId: "{review}", first: 1) { edges { node { rating360 } } } }',
        REVIEW_RESULTS,
    ),
}


def assert_as_expected(
    expected: dict[tuple[str, str], int], answered: dict[tuple[str, str], int]
) -> None:
    wrong = [
        f"{scopes:30} {route:50} expected {expected[scopes, route]}, answered {status}"
        for (scopes, route), status in sorted(answered.items())
        if status != expected[scopes, route]
    ]
    if wrong:
        pytest.fail("\n".join(["", *wrong]), pytrace=False)


def fill(query: str, world: World) -> str:
    for name, value in world.ids.items():
        query = query.replace("{" + name + "}", value)
    return query


def outcome(body: dict[str, Any]) -> int:
    """200 when the query answered, 403 when refused as forbidden (GraphQL answers 200)."""
    errors = body.get("errors") or []
    if not errors:
        return 200
    codes = {e.get("extensions", {}).get("code") for e in errors}
    assert codes == {"forbidden"}, body
    return 403


async def test_graphql_answers_each_scope_as_the_readme_says(app: FastAPI) -> None:
    tenant, world = await build_world(app)
    async with tenant.admin() as admin:
        for name, (query, _) in QUERIES.items():
            body = (await admin.post("/graphql", json={"query": fill(query, world)})).json()
            assert outcome(body) == 200, (name, body)

    expected: dict[tuple[str, str], int] = {}
    answered: dict[tuple[str, str], int] = {}
    for scopes in TOKENS:
        async with tenant.client(tenant.token(None, scopes=tuple(scopes.split()))) as client:
            for name, (query, readers) in QUERIES.items():
                response = await client.post("/graphql", json={"query": fill(query, world)})
                assert response.status_code == 200, response.text
                expected[scopes, name] = 200 if scopes in readers else 403
                answered[scopes, name] = outcome(response.json())
    assert_as_expected(expected, answered)
