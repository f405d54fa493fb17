"""Incremental sync: lists sort by creation or update (`sort`) and keep what changed since an
instant (`updated_since`, inclusive), over REST and GraphQL, with cursors bound to their
order; an objective's `updated_at` moves whenever its representation does (its KRs and their
check-ins included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, patch, post
from tests.api.test_rest_okr_counts import sql_statements

T0 = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def rfc3339(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def problem(response: httpx.Response, code: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


Params = dict[str, str | int]


async def read_all(client: httpx.AsyncClient, path: str, params: Params) -> list[dict[str, Any]]:
    """Every page of a list, following ``next_cursor`` from ``params['cursor']`` if given."""
    items: list[dict[str, Any]] = []
    cursor = params.get("cursor")
    while True:
        response = await client.get(path, params={**params, "cursor": cursor} if cursor else params)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def listed(client: httpx.AsyncClient, path: str, params: Params) -> dict[str, Any]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def objectives_since(client: httpx.AsyncClient, since: datetime) -> list[str]:
    params: Params = {"sort": "updated_at", "updated_since": rfc3339(since), "limit": 200}
    return ids(await listed(client, "/v1/objectives", params))


async def a_cycle(admin: httpx.AsyncClient) -> dict[str, Any]:
    return await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")


# -- the objective moves with what it embeds --------------------------------------------------


@pytest.mark.parametrize("change", ["check_in", "create_kr", "edit_kr", "delete_kr"])
async def test_what_changes_an_objective_moves_it_into_the_next_sync(
    acme: Tenant, clock: SettableClock, change: str
) -> None:
    clock.pin(at(0))
    async with acme.admin() as admin:
        cycle = await a_cycle(admin)
        goal = await objective(admin, cycle_id=cycle["id"], title="Grow", status="active")
        kr = await key_result(admin, goal["id"], title="Sell", owner_id=str(acme.admin_id))
        first_sync = await objectives_since(admin, at(0))
        clock.pin(at(5))
        if change == "check_in":
            await check_in(admin, kr["id"], value="0.5")
        elif change == "create_kr":
            await key_result(admin, goal["id"], title="Sell more", owner_id=str(acme.admin_id))
        elif change == "edit_kr":
            await patch(admin, f"/v1/key-results/{kr['id']}", {"title": "Sell well"})
        else:
            assert (await admin.delete(f"/v1/key-results/{kr['id']}")).status_code in (200, 204)
        second_sync = await objectives_since(admin, at(5))
        after = await get(admin, f"/v1/objectives/{goal['id']}")
        krs_since = await listed(
            admin, "/v1/key-results", {"updated_since": rfc3339(at(5)), "sort": "updated_at"}
        )

    assert first_sync == [goal["id"]]
    assert second_sync == [goal["id"]]
    assert after["updated_at"] == rfc3339(at(5))
    assert after["version"] == goal["version"]  # only updated_at: the version guards its fields
    if change in ("check_in", "edit_kr"):
        assert ids(krs_since) == [kr["id"]]  # a check-in moves its KR too


async def test_a_check_in_moves_a_roll_up_parent_too(acme: Tenant, clock: SettableClock) -> None:
    clock.pin(at(0))
    async with acme.admin() as admin:
        cycle = await a_cycle(admin)
        company = await objective(
            admin,
            cycle_id=cycle["id"],
            title="Company",
            status="active",
            roll_up=True,
            level="company",
        )
        team = await objective(
            admin,
            cycle_id=cycle["id"],
            title="Team",
            status="active",
            parent_objective_id=company["id"],
        )
        kr = await key_result(admin, team["id"], title="Sell", owner_id=str(acme.admin_id))
        clock.pin(at(5))
        await check_in(admin, kr["id"], value="0.5")
        synced = await objectives_since(admin, at(5))

    assert sorted(synced) == sorted([company["id"], team["id"]])


# -- order and pagination ---------------------------------------------------------------------


async def test_update_order_pages_while_rows_change(acme: Tenant, clock: SettableClock) -> None:
    async with acme.admin() as admin:
        clock.pin(at(0))
        cycle = await a_cycle(admin)
        made = []
        for i in range(5):
            clock.pin(at(i + 1))
            made.append((await objective(admin, cycle_id=cycle["id"], title=f"O{i}"))["id"])
        clock.pin(at(10))
        await patch(admin, f"/v1/objectives/{made[1]}", {"title": "O1 changed"})
        # Sync order: least recently changed first: 0 2 3 4 1.
        params: Params = {"sort": "updated_at", "limit": 2}
        first = await listed(admin, "/v1/objectives", params)
        # While the reader pages: one row it saw and one it did not change, and one is made.
        clock.pin(at(11))
        await patch(admin, f"/v1/objectives/{made[0]}", {"title": "O0 changed"})
        clock.pin(at(12))
        await patch(admin, f"/v1/objectives/{made[3]}", {"title": "O3 changed"})
        clock.pin(at(13))
        late = (await objective(admin, cycle_id=cycle["id"], title="late"))["id"]
        rest = await read_all(admin, "/v1/objectives", {**params, "cursor": first["next_cursor"]})
        newest_first = await read_all(admin, "/v1/objectives", {"sort": "-updated_at", "limit": 2})
        oldest_first = await read_all(admin, "/v1/objectives", {"sort": "updated_at", "limit": 2})
        created_desc = await read_all(admin, "/v1/objectives", {"sort": "-created_at", "limit": 2})
        created = await read_all(admin, "/v1/objectives", {"limit": 2})

    assert ids(first) == [made[0], made[2]]
    # Nothing is missed: what changed behind the cursor comes again, in its new place.
    assert [i["id"] for i in rest] == [made[4], made[1], made[0], made[3], late]
    stamps = [i["updated_at"] for i in rest]
    assert stamps == sorted(stamps)
    sync = [made[2], made[4], made[1], made[0], made[3], late]
    assert [i["id"] for i in oldest_first] == sync
    assert [i["id"] for i in newest_first] == sync[::-1]
    assert [i["id"] for i in created] == [*made, late]
    assert [i["id"] for i in created_desc] == [late, *made[::-1]]


async def test_ties_of_updated_at_are_broken_by_id_across_pages(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(at(0))
    async with acme.admin() as admin:
        root = await post(admin, "/v1/units", {"name": "Acme", "kind": "company"})
        units = [root["id"]] + [
            (
                await post(
                    admin,
                    "/v1/units",
                    {"name": f"U{i}", "kind": "department", "parent_id": root["id"]},
                )
            )["id"]
            for i in range(5)
        ]
        asc = await read_all(admin, "/v1/units", {"sort": "updated_at", "limit": 2})
        desc = await read_all(admin, "/v1/units", {"sort": "-updated_at", "limit": 3})

    assert [u["id"] for u in asc] == units
    assert [u["id"] for u in desc] == units[::-1]


# -- updated_since ----------------------------------------------------------------------------


async def test_updated_since_is_inclusive_and_needs_an_offset(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        made = []
        for i in range(3):
            clock.pin(at(i))
            made.append((await create_member(admin, f"Member {i}"))["id"])
        boundary = await listed(admin, "/v1/members", {"updated_since": rfc3339(at(1))})
        # The same instant in another offset.
        shanghai = await listed(
            admin, "/v1/members", {"updated_since": "2027-02-01T17:01:00+08:00"}
        )
        after_all = await listed(admin, "/v1/members", {"updated_since": rfc3339(at(3))})
        naive = await admin.get("/v1/members", params={"updated_since": "2027-02-01T09:01:00"})
        not_a_time = await admin.get("/v1/members", params={"updated_since": "yesterday"})

    assert ids(boundary) == made[1:]
    assert ids(shanghai) == made[1:]
    assert ids(after_all) == []
    body = problem(naive, "validation_failed")
    assert [e["field"] for e in body["errors"]] == ["updated_since"]
    assert "offset" in body["errors"][0]["message"]
    assert [e["field"] for e in problem(not_a_time, "validation_failed")["errors"]] == [
        "updated_since"
    ]


# -- refusals ---------------------------------------------------------------------------------


SORTED_LISTS = [
    "/v1/objectives",
    "/v1/key-results",
    "/v1/members",
    "/v1/units",
    "/v1/cycles",
    "/v1/kpis",
    "/v1/meetings",
    "/v1/review-cycles",
]


@pytest.mark.parametrize("path", SORTED_LISTS)
async def test_every_sorted_list_takes_the_orders_and_refuses_others(
    acme: Tenant, path: str
) -> None:
    async with acme.admin() as admin:
        for sort in ("created_at", "-created_at", "updated_at", "-updated_at"):
            ok = await admin.get(path, params={"sort": sort, "updated_since": rfc3339(T0)})
            assert ok.status_code == 200, (sort, ok.text)
        bad = await admin.get(path, params={"sort": "title"})

    body = problem(bad, "validation_failed")
    assert [e["field"] for e in body["errors"]] == ["sort"]
    for allowed in ("created_at", "-created_at", "updated_at", "-updated_at"):
        assert f"'{allowed}'" in body["errors"][0]["message"]


async def test_a_cursor_works_only_with_the_order_it_came_from(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(at(0))
    async with acme.admin() as admin:
        for i in range(3):
            await create_member(admin, f"Member {i}")
        by_update = await get(admin, "/v1/members?sort=updated_at&limit=1")
        by_creation = await get(admin, "/v1/members?limit=1")
        other_sort = await admin.get("/v1/members", params={"cursor": by_update["next_cursor"]})
        reversed_sort = await admin.get(
            "/v1/members", params={"cursor": by_creation["next_cursor"], "sort": "-created_at"}
        )
        tampered = await admin.get(
            "/v1/members",
            params={"cursor": by_update["next_cursor"][:-3] + "xyz", "sort": "updated_at"},
        )
        same = await admin.get(
            "/v1/members", params={"cursor": by_update["next_cursor"], "sort": "updated_at"}
        )
        # A cursor of the default order cut before sorting existed still works.
        legacy = await admin.get(
            "/v1/members", params={"cursor": by_creation["next_cursor"], "sort": "created_at"}
        )

    for refused in (other_sort, reversed_sort, tampered):
        assert [e["field"] for e in problem(refused, "invalid_cursor")["errors"]] == ["cursor"]
    assert same.status_code == 200
    assert legacy.status_code == 200
    assert ids(legacy.json())[0] != ids(by_creation)[0]


# -- visibility -------------------------------------------------------------------------------


async def test_sync_shows_only_what_the_reader_may_see(
    acme: Tenant, globex: Tenant, clock: SettableClock
) -> None:
    clock.pin(at(0))
    async with acme.admin() as admin:
        cycle = await a_cycle(admin)
        alice = await create_member(admin, "Alice")
        bob = await create_member(admin, "Bob")
        hidden = await objective(
            admin,
            cycle_id=cycle["id"],
            title="Bob's secret",
            owner={"kind": "member", "id": bob["id"]},
            visibility="private",
        )
        public = await objective(admin, cycle_id=cycle["id"], title="Open")
        clock.pin(at(5))
        hidden_kr = await key_result(admin, hidden["id"], title="KR", owner_id=bob["id"])
        await check_in(admin, hidden_kr["id"], value="0.3")
    async with globex.admin() as other:
        other_cycle = await a_cycle(other)
        await objective(other, cycle_id=other_cycle["id"], title="Globex's")
    async with acme.as_member(alice["id"]) as reader:
        synced = await read_all(
            reader,
            "/v1/objectives",
            {"sort": "-updated_at", "updated_since": rfc3339(T0), "limit": 1},
        )
        krs = await read_all(
            reader, "/v1/key-results", {"sort": "updated_at", "updated_since": rfc3339(T0)}
        )

    assert [o["id"] for o in synced] == [public["id"]]
    assert krs == []


# -- statements -------------------------------------------------------------------------------


async def test_sorting_and_filtering_cost_no_statement(acme: Tenant, clock: SettableClock) -> None:
    clock.pin(at(0))
    async with acme.admin() as admin:
        cycle = await a_cycle(admin)
        for i in range(4):
            goal = await objective(admin, cycle_id=cycle["id"], title=f"O{i}", status="active")
            kr = await key_result(admin, goal["id"], title="KR", owner_id=str(acme.admin_id))
            await check_in(admin, kr["id"], value="0.2")
        await get(admin, "/v1/objectives?limit=2")  # warm the token and settings caches
        counts = []
        plain: Params = {"limit": 2}
        synced: Params = {"limit": 2, "sort": "-updated_at", "updated_since": rfc3339(T0)}
        for params in (plain, synced):
            with sql_statements(acme.app) as seen:
                page = await listed(admin, "/v1/objectives", params)
            counts.append(len(seen))
            with sql_statements(acme.app) as seen:
                await listed(admin, "/v1/objectives", {**params, "cursor": page["next_cursor"]})
            counts.append(len(seen))

    assert len(set(counts)) == 1, counts


# -- GraphQL ----------------------------------------------------------------------------------

OBJECTIVES = """
query($first: Int!, $after: String, $sort: ListSort!, $since: DateTime) {
  objectives(first: $first, after: $after, sort: $sort, updatedSince: $since) {
    edges { cursor node { id updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_graphql_sorts_and_syncs_with_the_same_semantics(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        clock.pin(at(0))
        cycle = await a_cycle(admin)
        made = []
        for i in range(3):
            clock.pin(at(i + 1))
            goal = await objective(admin, cycle_id=cycle["id"], title=f"O{i}", status="active")
            made.append(goal["id"])
        kr = await key_result(admin, made[0], title="KR", owner_id=str(acme.admin_id))
        clock.pin(at(10))
        await check_in(admin, kr["id"], value="0.5")
        pages: list[list[str]] = []
        after = None
        while True:
            body = await graphql(admin, OBJECTIVES, first=2, after=after, sort="UPDATED_AT")
            connection = body["data"]["objectives"]
            pages.append([e["node"]["id"] for e in connection["edges"]])
            after = connection["pageInfo"]["endCursor"]
            if not connection["pageInfo"]["hasNextPage"]:
                break
        # An edge's cursor continues right after its node.
        first_edge = (await graphql(admin, OBJECTIVES, first=3, sort="UPDATED_AT_DESC"))["data"][
            "objectives"
        ]["edges"][0]["cursor"]
        after_first = await graphql(
            admin, OBJECTIVES, first=3, sort="UPDATED_AT_DESC", after=first_edge
        )
        since = await graphql(admin, OBJECTIVES, first=10, sort="UPDATED_AT", since=rfc3339(at(10)))
        naive = await graphql(
            admin, OBJECTIVES, first=10, sort="UPDATED_AT", since="2027-02-01T09:10:00"
        )
        wrong_order = await graphql(admin, OBJECTIVES, first=2, after=first_edge, sort="CREATED_AT")
        members = await graphql(
            admin,
            "query { members(sort: CREATED_AT_DESC) { nodes { id } } "
            "units(sort: UPDATED_AT) { nodes { id } } cycles(sort: UPDATED_AT_DESC, "
            'updatedSince: "2027-02-01T09:00:00Z") { nodes { id } } '
            'keyResults(sort: UPDATED_AT, updatedSince: "2027-02-01T09:10:00Z") '
            "{ nodes { id } } organization { cycles(sort: CREATED_AT_DESC) { nodes { id } } } }",
        )
        rest_members = await get(admin, "/v1/members?sort=-created_at")

    assert pages == [[made[1], made[2]], [made[0]]]
    assert [e["node"]["id"] for e in after_first["data"]["objectives"]["edges"]] == [
        made[2],
        made[1],
    ]
    assert [e["node"]["id"] for e in since["data"]["objectives"]["edges"]] == [made[0]]
    assert naive["errors"][0]["extensions"]["code"] == "validation_failed"
    assert wrong_order["errors"][0]["extensions"]["code"] == "invalid_cursor"
    data = members["data"]
    assert "errors" not in members, members
    assert [m["id"] for m in data["members"]["nodes"]] == ids(rest_members)
    assert [c["id"] for c in data["cycles"]["nodes"]] == [cycle["id"]]
    assert [k["id"] for k in data["keyResults"]["nodes"]] == [kr["id"]]
    assert data["organization"]["cycles"]["nodes"] == data["cycles"]["nodes"]


async def test_actions_and_comments_sort_and_sync_too(acme: Tenant, clock: SettableClock) -> None:
    clock.pin(at(0))
    async with acme.admin() as admin:
        cycle = await a_cycle(admin)
        goal = await objective(admin, cycle_id=cycle["id"], title="Grow", status="active")
        kr = await key_result(admin, goal["id"], title="Sell", owner_id=str(acme.admin_id))
        made: dict[str, list[str]] = {"actions": [], "comments": []}
        for i in range(3):
            clock.pin(at(i + 1))
            made["actions"].append(
                (await post(admin, f"/v1/key-results/{kr['id']}/actions", {"title": f"A{i}"}))["id"]
            )
            made["comments"].append(
                (await post(admin, f"/v1/objectives/{goal['id']}/comments", {"body": f"C{i}"}))[
                    "id"
                ]
            )
        paths = {
            "actions": f"/v1/key-results/{kr['id']}/actions",
            "comments": f"/v1/objectives/{goal['id']}/comments",
        }
        newest = {
            k: await read_all(admin, p, {"sort": "-updated_at", "limit": 2})
            for k, p in paths.items()
        }
        since = {
            k: await read_all(admin, p, {"updated_since": rfc3339(at(2))}) for k, p in paths.items()
        }
        bad = await admin.get(paths["actions"], params={"sort": "due_date"})

    for kind in paths:
        assert [i["id"] for i in newest[kind]] == made[kind][::-1]
        assert [i["id"] for i in since[kind]] == made[kind][1:]
    problem(bad, "validation_failed")


async def test_a_reading_moves_its_kpi_into_the_next_sync(
    acme: Tenant, clock: SettableClock
) -> None:
    # A KPI's body shows its latest measurement: a new reading changes what a sync must fetch.
    clock.pin(at(0))
    async with acme.admin() as admin:
        kpi = await post(
            admin,
            "/v1/kpis",
            {"name": "GMV", "target": 100, "owner_id": str(acme.admin_id)},
        )
        clock.pin(at(5))
        await post(admin, f"/v1/kpis/{kpi['id']}/measurements", {"value": 40})
        since = await listed(
            admin, "/v1/kpis", {"sort": "updated_at", "updated_since": rfc3339(at(5))}
        )
        after = await get(admin, f"/v1/kpis/{kpi['id']}")

    assert ids(since) == [kpi["id"]]
    assert after["updated_at"] == rfc3339(at(5))
    assert after["version"] == kpi["version"]
