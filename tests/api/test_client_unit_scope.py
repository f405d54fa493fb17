"""A client limited to a unit subtree reads only that subtree's members: others are 404
(no existence leak) and missing from lists, as in tests/api/test_isolation.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
from fastapi import FastAPI

from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, key_result, objective, post
from tests.api.test_api_clients import new_client
from tests.api.test_events_feed import feed, types_of
from tests.api.test_isolation import endpoints_with_ids
from tests.api.test_oauth_token import client_token


async def unit(admin: httpx.AsyncClient, kind: str, name: str, parent: str | None) -> str:
    response = await admin.post("/v1/units", json={"kind": kind, "name": name, "parent_id": parent})
    assert response.status_code == 201, response.text
    unit_id: str = response.json()["id"]
    return unit_id


async def member_in(admin: httpx.AsyncClient, name: str, unit_id: str) -> dict[str, Any]:
    member = await create_member(admin, name)
    added = await admin.put(f"/v1/units/{unit_id}/members/{member['id']}")
    assert added.status_code == 204, added.text
    return member


async def test_a_unit_scoped_client_sees_only_its_subtrees_members(acme: Tenant) -> None:
    async with acme.admin() as admin:
        company = await unit(admin, "company", "Acme", None)
        sales = await unit(admin, "department", "Sales", company)
        emea = await unit(admin, "team", "Sales EMEA", sales)
        finance = await unit(admin, "department", "Finance", company)
        seller = await member_in(admin, "Sam Seller", sales)
        emea_seller = await member_in(admin, "Erin Emea", emea)
        accountant = await member_in(admin, "Alex Accountant", finance)
        created = await new_client(admin, scopes=["org:read"], unit_id=sales)
    token = await client_token(acme, created)

    async with acme.client(token) as regional:
        listed = await regional.get("/v1/members")
        in_scope = [await regional.get(f"/v1/members/{m['id']}") for m in (seller, emea_seller)]
        outside = [
            await regional.get(f"/v1/members/{m}") for m in (accountant["id"], str(acme.admin_id))
        ]
        by_email = await regional.get("/v1/members", params={"email": accountant["email"]})

    assert listed.status_code == 200
    assert {m["id"] for m in listed.json()["items"]} == {seller["id"], emea_seller["id"]}
    assert [r.status_code for r in in_scope] == [200, 200]
    assert [r.status_code for r in outside] == [404, 404]
    assert by_email.json()["items"] == []


# -- the walk: a client limited to unit A reads nothing of unit B, by any GET route ----------

# GET routes with ids a unit-scoped client may read with unit B's ids, and why: they are not
# bound to a unit subtree (the organization's cycles and review cycles) or they answer
# figures filtered by the client's viewer, where B's rows count for nothing (checked below
# for the alignment tree and the review results).
_NOT_SUBTREE_BOUND = frozenset(
    {
        "/v1/cycles/{cycle_id}",  # a cycle is the whole organization's
        "/v1/cycles/{cycle_id}/alignment-tree",  # B's objectives absent: checked below
        # Figures of the subtree only, the viewer's objectives: checked by
        # test_a_client_of_unit_a_gets_the_figures_of_its_subtree_only.
        "/v1/cycles/{cycle_id}/unit-scores",
        "/v1/cycles/{cycle_id}/coverage",
        "/v1/cycles/{cycle_id}/stats",
        "/v1/review-cycles/{review_cycle_id}",  # a review cycle's setup: the organization's
        "/v1/review-cycles/{review_cycle_id}/results",  # B's reviewees absent: checked below
        "/v1/review-cycles/{review_cycle_id}/completion",  # counts only, never per reviewee
    }
)


@dataclass(frozen=True)
class UnitB:
    """Unit B's rows (a department beside the client's unit A), by path parameter."""

    ids: dict[str, str]
    cycle_id: str
    review_cycle_id: str


async def seed_units(admin: httpx.AsyncClient, admin_id: str) -> tuple[str, dict[str, Any], UnitB]:
    """Unit A (Sales, with a member) and unit B (Finance: a member with a public objective,
    a KR, a check-in, an action, and a published 360 review of both members)."""
    company = await unit(admin, "company", "Acme", None)
    sales = await unit(admin, "department", "Sales", company)
    finance = await unit(admin, "department", "Finance", company)
    seller = await member_in(admin, "Sam Seller", sales)
    accountant = await member_in(admin, "Alex Accountant", finance)
    cycle = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
    books = await objective(
        admin,
        cycle_id=cycle["id"],
        title="Close the books",
        owner={"kind": "member", "id": accountant["id"]},
        status="active",
    )
    kr = await key_result(admin, books["id"], title="Days", owner_id=accountant["id"], target="5")
    await check_in(admin, kr["id"], value="3")
    action = await post(
        admin,
        f"/v1/key-results/{kr['id']}/actions",
        {"title": "Automate the ledger", "owner_id": accountant["id"]},
    )
    review_cycle = await post(
        admin,
        "/v1/review-cycles",
        {
            "cycle_id": cycle["id"],
            "name": "Acme 360",
            "questions": [{"text_zh": "协作", "text_en": "Collaboration"}],
            "min_peers": 1,
            "peer_anonymity_threshold": 2,
        },
    )
    path = f"/v1/review-cycles/{review_cycle['id']}"
    reviewees = [seller["id"], accountant["id"]]
    await post(admin, f"{path}/participants", {"reviewee_ids": reviewees})
    for reviewee in reviewees:
        peers = await admin.put(
            f"{path}/participants/{reviewee}/peers", json={"peer_ids": [admin_id]}
        )
        assert peers.status_code == 200, peers.text
    for phase in ("collecting", "closed", "published"):
        moved = await admin.patch(path, json={"phase": phase})
        assert moved.status_code == 200, moved.text
    b = UnitB(
        ids={
            "member_id": accountant["id"],
            "reviewee_id": accountant["id"],
            "unit_id": finance,
            "objective_id": books["id"],
            "key_result_id": kr["id"],
            "action_id": action["id"],
            "cycle_id": cycle["id"],
            "review_cycle_id": review_cycle["id"],
        },
        cycle_id=cycle["id"],
        review_cycle_id=review_cycle["id"],
    )
    return sales, seller, b


async def test_every_get_route_with_unit_bs_ids_answers_404_to_a_client_of_unit_a(
    app: FastAPI, acme: Tenant
) -> None:
    async with acme.admin() as admin:
        sales, seller, b = await seed_units(admin, str(acme.admin_id))
        created = await new_client(
            admin,
            scopes=["org:read", "okrs:read_private", "reviews:export", "events:read"],
            unit_id=sales,
        )
    token = await client_token(acme, created)

    routes = [e for e in endpoints_with_ids(app) if e.method == "GET"]
    assert {"/v1/members/{member_id}", "/v1/units/{unit_id}", "/v1/objectives/{objective_id}"} <= {
        e.path for e in routes
    }
    leaks: dict[str, int] = {}
    async with acme.client(token) as regional:
        for endpoint in routes:
            if endpoint.path in _NOT_SUBTREE_BOUND:
                continue
            # Ids not bound to a unit (templates, meetings, webhooks ...): a fresh id; such
            # routes answer 403 or 404 to a client whatever the id.
            path = endpoint.path
            for param in endpoint.params:
                path = path.replace(f"{{{param}}}", b.ids.get(param, str(uuid4())))
            response = await regional.get(path)
            if response.status_code not in (403, 404):
                leaks[endpoint.path] = response.status_code
        tree = await regional.get(f"/v1/cycles/{b.cycle_id}/alignment-tree")
        results = await regional.get(f"/v1/review-cycles/{b.review_cycle_id}/results")
        units = await regional.get("/v1/units")
        objectives = await regional.get("/v1/objectives")

    assert leaks == {}
    assert tree.status_code == 200, tree.text
    assert b.ids["objective_id"] not in tree.text
    assert results.status_code == 200, results.text
    assert [r["reviewee"]["id"] for r in results.json()["items"]] == [seller["id"]]
    assert {u["id"] for u in units.json()["items"]} == {sales}
    assert objectives.json()["items"] == []


async def test_the_feed_of_a_client_of_unit_a_omits_unit_bs_events(acme: Tenant) -> None:
    async with acme.admin() as admin:
        sales, seller, b = await seed_units(admin, str(acme.admin_id))
        created = await new_client(
            admin,
            scopes=["events:read", "org:read", "okrs:read", "reviews:export"],
            unit_id=sales,
        )
    token = await client_token(acme, created)
    async with acme.client(token) as regional:
        events = await feed(regional)

    about = {e["resource"]["id"] for e in events} | {e["objective_id"] for e in events}
    outside = {b.ids[p] for p in ("member_id", "unit_id", "objective_id", "key_result_id")}
    assert about & outside == set()
    assert "review_cycle.published" not in types_of(events)
    # Unit A's own directory events are there: its unit, its member joining it.
    assert {sales, seller["id"]} <= about


async def test_a_client_of_unit_a_writes_only_unit_as_members(acme: Tenant) -> None:
    async with acme.admin() as admin:
        sales, seller, b = await seed_units(admin, str(acme.admin_id))
        created = await new_client(admin, scopes=["members:write"], unit_id=sales)
    token = await client_token(acme, created)
    async with acme.client(token) as regional:
        outside = await regional.patch(f"/v1/members/{b.ids['member_id']}", json={"name": "X"})
        deactivated = await regional.delete(f"/v1/members/{b.ids['member_id']}")
        outside_manager = await regional.patch(
            f"/v1/members/{seller['id']}", json={"manager_id": b.ids["member_id"]}
        )
        renamed = await regional.patch(f"/v1/members/{seller['id']}", json={"name": "Sam S."})
        hired = await regional.post(
            "/v1/members", json={"name": "Nina New", "email": "nina@acme.example"}
        )
        seen = await regional.get(f"/v1/members/{hired.json()['id']}")
        roster = await regional.get(f"/v1/units/{sales}/members")

    assert outside.status_code == 404, outside.text
    assert deactivated.status_code == 404, deactivated.text
    assert outside_manager.status_code == 422, outside_manager.text
    assert outside_manager.json()["errors"][0]["field"] == "manager_id"
    assert renamed.status_code == 200, renamed.text
    assert hired.status_code == 201, hired.text
    # A member a unit-scoped client creates joins the root of its subtree: still in sight.
    assert seen.status_code == 200, seen.text
    assert hired.json()["id"] in roster.text


async def test_a_client_of_unit_a_gets_the_figures_of_its_subtree_only(acme: Tenant) -> None:
    # A review found unit scores and coverage listing every unit of the organization (with
    # member counts) to a client limited to Sales, and stats over the whole organization.
    async with acme.admin() as admin:
        company = await unit(admin, "company", "Acme", None)
        sales = await unit(admin, "department", "Sales", company)
        await unit(admin, "department", "Secret M&A", company)
        await member_in(admin, "Sam Seller", sales)
        cycle = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
        created = await new_client(admin, scopes=["okrs:read"], unit_id=sales)
    token = await client_token(acme, created)
    path = f"/v1/cycles/{cycle['id']}"
    async with acme.client(token) as regional:
        scores = await regional.get(f"{path}/unit-scores")
        coverage = await regional.get(f"{path}/coverage")
        stats = await regional.get(f"{path}/stats")
        outside = await regional.get(f"{path}/stats", params={"unit_id": company})
    assert scores.status_code == 200, scores.text
    assert [u["name"] for u in scores.json()["units"]] == ["Sales"]
    assert coverage.status_code == 200, coverage.text
    assert "Secret M&A" not in coverage.text
    assert "Acme" not in coverage.text
    assert stats.status_code == 200, stats.text
    assert outside.status_code == 404
