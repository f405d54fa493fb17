"""/v1/cycles: dates that fit, planning -> active -> closed, closed is read-only."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from tests.api.harness import Tenant, create_member

YEAR = {"name": "2027", "kind": "year", "start_date": "2027-01-01", "end_date": "2027-12-31"}


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def new_cycle(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/cycles", json=body)
    assert response.status_code == 201, response.text
    cycle: dict[str, Any] = response.json()
    return cycle


async def quarter(
    client: httpx.AsyncClient, parent: dict[str, Any], n: int, start: str, end: str
) -> dict[str, Any]:
    return await new_cycle(
        client,
        name=f"Q{n}",
        kind="quarter",
        start_date=start,
        end_date=end,
        parent_id=parent["id"],
    )


async def set_state(client: httpx.AsyncClient, cycle: dict[str, Any], state: str) -> httpx.Response:
    return await client.patch(f"/v1/cycles/{cycle['id']}", json={"state": state})


# -- create --------------------------------------------------------------------------------


async def test_create_a_year_and_its_quarters(acme: Tenant) -> None:
    async with acme.admin() as client:
        created = await client.post("/v1/cycles", json=YEAR)
        year = created.json()
        q1 = await quarter(client, year, 1, "2027-01-01", "2027-03-31")
        got = await client.get(f"/v1/cycles/{q1['id']}")
    assert created.status_code == 201
    assert created.headers["location"] == f"/v1/cycles/{year['id']}"
    assert created.headers["etag"].startswith('"1-')
    assert {k: year[k] for k in ("name", "kind", "start_date", "end_date", "parent_id")} == {
        **YEAR,
        "parent_id": None,
    }
    assert year["state"] == "planning"
    assert year["version"] == 1
    assert q1["parent_id"] == year["id"]
    assert got.json() == q1
    assert got.headers["etag"].startswith('"1-')


async def test_dates_must_be_ordered_and_fit_the_parent(acme: Tenant) -> None:
    async with acme.admin() as client:
        backwards = await client.post(
            "/v1/cycles", json={**YEAR, "start_date": "2027-12-31", "end_date": "2027-01-01"}
        )
        year = await new_cycle(client, **YEAR)
        spills_over = await client.post(
            "/v1/cycles",
            json={
                "name": "Q4",
                "kind": "quarter",
                "start_date": "2027-10-01",
                "end_date": "2028-01-31",
                "parent_id": year["id"],
            },
        )
        starts_before = await client.post(
            "/v1/cycles",
            json={
                "name": "Q0",
                "kind": "quarter",
                "start_date": "2026-12-01",
                "end_date": "2027-02-28",
                "parent_id": year["id"],
            },
        )
        q1 = await quarter(client, year, 1, "2027-01-01", "2027-03-31")
        year_in_quarter = await client.post(
            "/v1/cycles", json={**YEAR, "name": "Nested", "parent_id": q1["id"]}
        )
        unknown_parent = await client.post(
            "/v1/cycles", json={**YEAR, "name": "Orphan", "parent_id": str(uuid4())}
        )
        bad_date = await client.post("/v1/cycles", json={**YEAR, "end_date": "2027-02-30"})
        bad_kind = await client.post("/v1/cycles", json={**YEAR, "kind": "week"})
        listed = await client.get("/v1/cycles")
    assert [e["field"] for e in problem(backwards, 422, "invalid_cycle_dates")["errors"]] == [
        "end_date"
    ]
    problem(spills_over, 422, "invalid_cycle_dates")
    problem(starts_before, 422, "invalid_cycle_dates")
    problem(year_in_quarter, 422, "invalid_cycle_parent")
    problem(unknown_parent, 422, "unknown_reference")
    problem(bad_date, 422, "validation_failed")
    problem(bad_kind, 422, "validation_failed")
    assert [c["id"] for c in listed.json()["items"]] == [year["id"], q1["id"]]


async def test_re_dating_keeps_parents_and_children_consistent(acme: Tenant) -> None:
    async with acme.admin() as client:
        year = await new_cycle(client, **YEAR)
        q1 = await quarter(client, year, 1, "2027-01-01", "2027-03-31")
        child_out = await client.patch(f"/v1/cycles/{q1['id']}", json={"end_date": "2028-01-15"})
        parent_shrinks = await client.patch(
            f"/v1/cycles/{year['id']}", json={"start_date": "2027-02-01"}
        )
        backwards = await client.patch(f"/v1/cycles/{q1['id']}", json={"end_date": "2026-12-31"})
        fine = await client.patch(f"/v1/cycles/{q1['id']}", json={"end_date": "2027-03-30"})
        year_after = await client.get(f"/v1/cycles/{year['id']}")
    problem(child_out, 422, "invalid_cycle_dates")
    assert problem(parent_shrinks, 422, "invalid_cycle_dates")["cycles"] == [q1["id"]]
    problem(backwards, 422, "invalid_cycle_dates")
    assert fine.status_code == 200
    assert fine.json()["end_date"] == "2027-03-30"
    assert fine.json()["version"] == 2
    assert year_after.json() == year


# -- states --------------------------------------------------------------------------------


async def test_planning_to_active_to_closed(acme: Tenant) -> None:
    async with acme.admin() as client:
        year = await new_cycle(client, **YEAR)
        active = await set_state(client, year, "active")
        closed = await set_state(client, year, "closed")
        got = await client.get(f"/v1/cycles/{year['id']}")
    assert active.status_code == 200
    assert active.json()["state"] == "active"
    assert active.json()["version"] == 2
    assert active.headers["etag"].startswith('"2-')
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed"
    assert closed.json()["version"] == 3
    assert got.json() == closed.json()


async def test_invalid_transitions_are_refused(acme: Tenant) -> None:
    async with acme.admin() as client:
        year = await new_cycle(client, **YEAR)
        skip = await set_state(client, year, "closed")
        planning_after = await client.get(f"/v1/cycles/{year['id']}")
        await set_state(client, year, "active")
        back = await set_state(client, year, "planning")
        active_after = await client.get(f"/v1/cycles/{year['id']}")
        unknown = await set_state(client, year, "archived")
    body = problem(skip, 422, "invalid_transition")
    assert [e["field"] for e in body["errors"]] == ["state"]
    assert planning_after.json() == year
    problem(back, 422, "invalid_transition")
    assert active_after.json()["state"] == "active"
    assert active_after.json()["version"] == 2
    problem(unknown, 422, "validation_failed")


async def test_a_closed_cycle_is_read_only(acme: Tenant) -> None:
    async with acme.admin() as client:
        year = await new_cycle(client, **YEAR)
        await set_state(client, year, "active")
        closed = (await set_state(client, year, "closed")).json()
        renamed = await client.patch(f"/v1/cycles/{year['id']}", json={"name": "2027 bis"})
        re_dated = await client.patch(f"/v1/cycles/{year['id']}", json={"end_date": "2027-12-30"})
        reopened = await set_state(client, year, "active")
        closed_again = await set_state(client, year, "closed")
        child = await client.post(
            "/v1/cycles",
            json={
                "name": "Q1",
                "kind": "quarter",
                "start_date": "2027-01-01",
                "end_date": "2027-03-31",
                "parent_id": year["id"],
            },
        )
        after = await client.get(f"/v1/cycles/{year['id']}")
        children = await client.get("/v1/cycles", params={"parent_id": year["id"]})
    for refused in (renamed, re_dated, reopened, closed_again, child):
        problem(refused, 422, "cycle_closed")
    assert after.json() == closed
    assert children.json()["items"] == []


# -- patch rules ---------------------------------------------------------------------------


async def test_if_match_guards_patch(acme: Tenant) -> None:
    async with acme.admin() as client:
        year = await new_cycle(client, **YEAR)
        fresh = await client.patch(
            f"/v1/cycles/{year['id']}", json={"name": "FY27"}, headers={"If-Match": '"1"'}
        )
        stale = await client.patch(
            f"/v1/cycles/{year['id']}", json={"state": "active"}, headers={"If-Match": '"1"'}
        )
        after = await client.get(f"/v1/cycles/{year['id']}")
    assert fresh.status_code == 200
    assert fresh.headers["etag"].startswith('"2-')
    assert problem(stale, 412, "stale_version")["current_version"] == 2
    assert after.json()["state"] == "planning"
    assert after.json()["name"] == "FY27"
    assert after.json()["version"] == 2


@pytest.mark.parametrize("field", ["name", "start_date", "end_date", "state"])
async def test_null_is_refused(acme: Tenant, field: str) -> None:
    async with acme.admin() as client:
        year = await new_cycle(client, **YEAR)
        refused = await client.patch(f"/v1/cycles/{year['id']}", json={field: None})
        after = await client.get(f"/v1/cycles/{year['id']}")
    body = problem(refused, 422, "validation_failed")
    assert [e["field"] for e in body["errors"]] == [field]
    assert after.json() == year


async def test_unknown_and_read_only_fields_are_refused(acme: Tenant) -> None:
    async with acme.admin() as client:
        year = await new_cycle(client, **YEAR)
        unknown = await client.patch(f"/v1/cycles/{year['id']}", json={"kind": "month"})
        read_only = await client.patch(f"/v1/cycles/{year['id']}", json={"updated_at": "x"})
        created = await client.post("/v1/cycles", json={**YEAR, "id": str(uuid4())})
        after = await client.get(f"/v1/cycles/{year['id']}")
        listed = await client.get("/v1/cycles")
    assert problem(unknown, 422, "validation_failed")["errors"][0]["code"] == "unknown_field"
    assert [
        (e["field"], e["code"]) for e in problem(read_only, 422, "validation_failed")["errors"]
    ] == [("updated_at", "read_only")]
    assert [
        (e["field"], e["code"]) for e in problem(created, 422, "validation_failed")["errors"]
    ] == [("id", "read_only")]
    assert after.json() == year
    assert len(listed.json()["items"]) == 1


# -- lists ---------------------------------------------------------------------------------


async def test_filters(acme: Tenant) -> None:
    async with acme.admin() as client:
        year = await new_cycle(client, **YEAR)
        q1 = await quarter(client, year, 1, "2027-01-01", "2027-03-31")
        q2 = await quarter(client, year, 2, "2027-04-01", "2027-06-30")
        jan = await new_cycle(
            client,
            name="Jan",
            kind="month",
            start_date="2027-01-01",
            end_date="2027-01-31",
            parent_id=q1["id"],
        )
        await set_state(client, q1, "active")

        async def ids(**params: Any) -> list[str]:
            response = await client.get("/v1/cycles", params=params)
            assert response.status_code == 200, response.text
            return [c["id"] for c in response.json()["items"]]

        quarters = await ids(kind="quarter")
        active = await ids(state="active")
        planning_quarters = await ids(state="planning", kind="quarter")
        on_jan_15 = await ids(contains_date="2027-01-15")
        on_q_boundary = await ids(contains_date="2027-03-31")
        on_apr_1 = await ids(contains_date="2027-04-01")
        next_year = await ids(contains_date="2028-01-01")
        under_year = await ids(parent_id=year["id"])
        bad_date = await client.get("/v1/cycles", params={"contains_date": "soon"})
        bad_state = await client.get("/v1/cycles", params={"state": "done"})
    assert quarters == [q1["id"], q2["id"]]
    assert active == [q1["id"]]
    assert planning_quarters == [q2["id"]]
    assert on_jan_15 == [year["id"], q1["id"], jan["id"]]
    assert on_q_boundary == [year["id"], q1["id"]]
    assert on_apr_1 == [year["id"], q2["id"]]
    assert next_year == []
    assert under_year == [q1["id"], q2["id"]]
    problem(bad_date, 422, "validation_failed")
    problem(bad_state, 422, "validation_failed")


async def test_pages_walk_every_cycle_once(acme: Tenant) -> None:
    async with acme.admin() as client:
        created = [
            (
                await new_cycle(
                    client,
                    name=f"M{m}",
                    kind="month",
                    start_date=f"2027-{m:02d}-01",
                    end_date=f"2027-{m:02d}-28",
                )
            )["id"]
            for m in range(1, 8)
        ]
        seen: list[str] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 3}
            if cursor is not None:
                params["cursor"] = cursor
            page = await client.get("/v1/cycles", params=params)
            assert page.status_code == 200, page.text
            seen.extend(c["id"] for c in page.json()["items"])
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        too_many = await client.get("/v1/cycles", params={"limit": 201})
        garbage = await client.get("/v1/cycles", params={"cursor": "not-a-cursor"})
    assert seen == created
    problem(too_many, 422, "validation_failed")
    problem(garbage, 422, "invalid_cursor")


# -- who may write -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["hr", "member"])
async def test_only_admins_change_cycles(acme: Tenant, role: str) -> None:
    async with acme.admin() as client:
        caller = await create_member(client, "Caller", roles=[role])
        year = await new_cycle(client, **YEAR)
    async with acme.as_member(UUID(caller["id"]), role) as client:
        listed = await client.get("/v1/cycles")
        got = await client.get(f"/v1/cycles/{year['id']}")
        created = await client.post("/v1/cycles", json={**YEAR, "name": "Mine"})
        activated = await set_state(client, year, "active")
    async with acme.admin() as client:
        after = await client.get(f"/v1/cycles/{year['id']}")
        everything = await client.get("/v1/cycles")
    assert listed.status_code == got.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == [year["id"]]
    problem(created, 403, "forbidden")
    problem(activated, 403, "forbidden")
    assert after.json() == year
    assert len(everything.json()["items"]) == 1
