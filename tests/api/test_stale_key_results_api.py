"""The check-in cadence of key results and stale KRs over REST and GraphQL: the cadence on
create and change (422 for an unknown one), `GET /v1/key-results?stale=true&cycle_id=`,
`GET /v1/me/updates-due`, `keyResults(filter: {stale, cycleId})` and `updatesDue`, with
visibility and tenant isolation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, patch
from tests.api.test_graphql import codes, gql, sql_statements
from tests.api.test_rest_key_results import fields, problem

# Monday 2027-01-04 09:00 UTC: the KRs are made; "now" is 2027-02-15 09:00 UTC.
MADE = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
NOW = datetime(2027, 2, 15, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class World:
    rep: dict[str, Any]
    head: dict[str, Any]  # the rep's manager
    peer: dict[str, Any]
    q1: dict[str, Any]
    goal: dict[str, Any]  # the rep's active objective in Q1
    krs: dict[str, str]  # name -> id


async def build_world(tenant: Tenant, clock: SettableClock) -> World:
    """The rep's KRs, checked in so that at NOW these are stale: ``weekly_8`` (8 days ago),
    ``daily_25h``, ``monthly_stale`` (a month and a minute ago); and these are not:
    ``weekly_6`` (6 days ago), ``daily_23h``, ``monthly_fresh`` (a minute less than a
    month). ``draft`` sits in a draft objective: never stale."""
    clock.pin(MADE)
    async with tenant.admin() as admin:
        head = await create_member(admin, "Zhang Wei", roles=["manager"])
        rep = await create_member(admin, "Li Na", manager_id=head["id"])
        peer = await create_member(admin, "Qian Jun")
        q1 = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    async with tenant.as_member(UUID(rep["id"])) as client:
        goal = await objective(client, cycle_id=q1["id"], title="Grow revenue", status="active")
        later = await objective(client, cycle_id=q1["id"], title="Maybe later")
        cadences = {
            "weekly_8": None,  # the default
            "weekly_6": "weekly",
            "daily_25h": "daily",
            "daily_23h": "daily",
            "monthly_stale": "monthly",
            "monthly_fresh": "monthly",
        }
        krs: dict[str, str] = {}
        for name, cadence in cadences.items():
            extra = {"cadence": cadence} if cadence else {}
            made = await key_result(
                client, goal["id"], title=name, owner_id=rep["id"], target="10", **extra
            )
            krs[name] = made["id"]
        drafted = await key_result(
            client, later["id"], title="draft", owner_id=rep["id"], cadence="daily"
        )
        krs["draft"] = drafted["id"]
        check_ins = {
            "weekly_8": NOW - 8 * DAY,
            "weekly_6": NOW - 6 * DAY,
            "daily_25h": NOW - 25 * timedelta(hours=1),
            "daily_23h": NOW - 23 * timedelta(hours=1),
            "monthly_stale": datetime(2027, 1, 15, 8, 59, tzinfo=UTC),
            "monthly_fresh": datetime(2027, 1, 15, 9, 1, tzinfo=UTC),
        }
        for name, at in sorted(check_ins.items(), key=lambda item: item[1]):
            clock.pin(at)
            await check_in(client, krs[name], value="1")
    clock.pin(NOW)
    return World(rep=rep, head=head, peer=peer, q1=q1, goal=goal, krs=krs)


STALE = {"weekly_8", "daily_25h", "monthly_stale"}
FRESH = {"weekly_6", "daily_23h", "monthly_fresh", "draft"}

KEY_RESULTS = """
query($filter: KeyResultFilterInput, $first: Int! = 50, $after: String) {
  keyResults(filter: $filter, first: $first, after: $after) {
    nodes { id title cadence lastCheckInAt objective { title } }
    pageInfo { hasNextPage endCursor }
  }
}"""
UPDATES_DUE = """
query($cycleId: UUID) {
  updatesDue(cycleId: $cycleId) {
    nodes { keyResult { id title cadence owner { name } } lastCheckInAt dueAt staleSince }
    pageInfo { hasNextPage }
  }
}"""


def _names(w: World, items: list[dict[str, Any]]) -> set[str]:
    by_id = {v: k for k, v in w.krs.items()}
    return {by_id[item["id"]] for item in items}


# -- REST ----------------------------------------------------------------------------------


async def test_stale_key_results_over_rest(acme: Tenant, clock: SettableClock) -> None:
    w = await build_world(acme, clock)
    async with acme.as_member(UUID(w.rep["id"])) as rep:
        stale = await get(rep, f"/v1/key-results?stale=true&cycle_id={w.q1['id']}")
        fresh = await get(rep, f"/v1/key-results?stale=false&cycle_id={w.q1['id']}")
        every = await get(rep, f"/v1/key-results?cycle_id={w.q1['id']}")
        goal_only = await get(rep, f"/v1/key-results?objective_id={w.goal['id']}&stale=true")
        paged = await get(rep, "/v1/key-results?stale=true&limit=2")
        rest = await get(rep, f"/v1/key-results?stale=true&limit=2&cursor={paged['next_cursor']}")
    assert _names(w, stale["items"]) == STALE
    assert stale["next_cursor"] is None
    assert _names(w, fresh["items"]) == FRESH
    assert _names(w, every["items"]) == STALE | FRESH
    assert _names(w, goal_only["items"]) == STALE
    assert [i["id"] for i in paged["items"] + rest["items"]] == sorted(
        w.krs[n] for n in STALE
    )  # UUIDv7: oldest first
    weekly = next(i for i in stale["items"] if i["id"] == w.krs["weekly_8"])
    assert weekly["cadence"] == "weekly"
    assert _instant(weekly["last_check_in_at"]) == NOW - 8 * DAY

    # A moment later the 6-day-old weekly KR is still fresh; two days later it is stale.
    clock.pin(NOW + 2 * DAY)
    async with acme.as_member(UUID(w.rep["id"])) as rep:
        later = await get(rep, f"/v1/key-results?stale=true&cycle_id={w.q1['id']}")
    assert _names(w, later["items"]) == STALE | {"weekly_6", "daily_23h", "monthly_fresh"}


async def test_updates_due_over_rest(acme: Tenant, clock: SettableClock) -> None:
    w = await build_world(acme, clock)
    async with acme.as_member(UUID(w.rep["id"])) as rep:
        due = await get(rep, "/v1/me/updates-due")
        in_q1 = await get(rep, f"/v1/me/updates-due?cycle_id={w.q1['id']}")
    async with acme.as_member(UUID(w.head["id"]), "manager") as head:
        heads = await get(head, "/v1/me/updates-due")
        reports = await get(head, f"/v1/key-results?stale=true&owner_id={w.rep['id']}")
    async with acme.client(acme.token(None, scopes=("org:read",))) as service:
        refused = await service.get("/v1/me/updates-due")
        listed = await service.get("/v1/key-results?stale=true")

    assert _names(w, due["items"]) == STALE
    assert in_q1 == due
    by_name = {n: i for n in STALE for i in due["items"] if i["id"] == w.krs[n]}
    expected = {
        "weekly_8": (NOW - 8 * DAY, NOW - DAY),
        "daily_25h": (NOW - 25 * timedelta(hours=1), NOW - timedelta(hours=1)),
        "monthly_stale": (
            datetime(2027, 1, 15, 8, 59, tzinfo=UTC),
            datetime(2027, 2, 15, 8, 59, tzinfo=UTC),
        ),
    }
    for name, (last, due_at) in expected.items():
        item = by_name[name]
        assert _instant(item["last_check_in_at"]) == last, name
        assert _instant(item["due_at"]) == _instant(item["stale_since"]) == due_at, name
        assert item["objective_title"] == "Grow revenue"
        assert item["title"] == name
        assert item["due_at"].endswith("Z")  # RFC 3339, UTC
    assert heads["items"] == []  # the manager owns no KR
    assert _names(w, reports["items"]) == STALE  # but sees his report's
    problem(refused, 403, "forbidden")
    problem(listed, 403, "forbidden")  # no scope reads KRs (README, Auth)


async def test_the_cadence_is_set_changed_and_validated_over_rest(
    acme: Tenant, clock: SettableClock
) -> None:
    w = await build_world(acme, clock)
    path = f"/v1/objectives/{w.goal['id']}/key-results"
    async with acme.as_member(UUID(w.rep["id"])) as rep:
        unknown = await rep.post(
            path, json={"title": "x", "owner_id": w.rep["id"], "cadence": "hourly"}
        )
        uppercase = await rep.post(
            path, json={"title": "x", "owner_id": w.rep["id"], "cadence": "WEEKLY"}
        )
        kr_path = f"/v1/key-results/{w.krs['weekly_6']}"
        bad_patch = await rep.patch(kr_path, json={"cadence": "fortnightly"})
        null_patch = await rep.patch(kr_path, json={"cadence": None})
        unchanged = await get(rep, kr_path)
        changed = await patch(rep, kr_path, {"cadence": "daily"})
        bad_filter = await rep.get("/v1/key-results?stale=sometimes")
        now_stale = await get(rep, f"/v1/key-results?stale=true&cycle_id={w.q1['id']}")
        listed = await get(rep, f"/v1/objectives/{w.goal['id']}/key-results")
    for refused in (unknown, uppercase, bad_patch):
        assert fields(problem(refused, 422, "validation_failed")) == ["cadence"]
    assert fields(problem(null_patch, 422, "validation_failed")) == ["cadence"]
    assert unchanged["cadence"] == "weekly"
    assert (changed["cadence"], changed["version"]) == ("daily", unchanged["version"] + 1)
    problem(bad_filter, 422, "validation_failed")
    # Checked in 6 days ago, now daily: stale.
    assert _names(w, now_stale["items"]) == STALE | {"weekly_6"}
    assert {i["title"]: i["cadence"] for i in listed["items"]} == {
        "weekly_8": "weekly",
        "weekly_6": "daily",
        "daily_25h": "daily",
        "daily_23h": "daily",
        "monthly_stale": "monthly",
        "monthly_fresh": "monthly",
    }


async def test_a_private_objectives_stale_krs_are_hidden_from_others(
    acme: Tenant, clock: SettableClock
) -> None:
    w = await build_world(acme, clock)
    clock.pin(MADE)
    async with acme.as_member(UUID(w.rep["id"])) as rep:
        secret = await objective(
            rep, cycle_id=w.q1["id"], title="Secret", status="active", visibility="private"
        )
        hidden = await key_result(rep, secret["id"], title="hidden", owner_id=w.rep["id"])
    clock.pin(NOW)
    query = f"/v1/key-results?stale=true&cycle_id={w.q1['id']}"
    async with acme.as_member(UUID(w.peer["id"])) as peer:
        peers = await get(peer, query)
        peers_gql = await gql(peer, KEY_RESULTS, {"filter": {"stale": True, "cycleId": w.q1["id"]}})
    async with acme.as_member(UUID(w.head["id"]), "manager") as head:
        heads = await get(head, query)
    async with acme.as_member(UUID(w.rep["id"])) as rep:
        mine = await get(rep, "/v1/me/updates-due")
    ids = {i["id"] for i in peers["items"]}
    assert hidden["id"] not in ids
    assert ids == {w.krs[n] for n in STALE}
    assert hidden["id"] not in {n["id"] for n in peers_gql["data"]["keyResults"]["nodes"]}
    assert hidden["id"] in {i["id"] for i in heads["items"]}
    assert hidden["id"] in {i["id"] for i in mine["items"]}


# -- GraphQL -------------------------------------------------------------------------------


async def test_stale_key_results_and_updates_due_over_graphql(
    acme: Tenant, clock: SettableClock
) -> None:
    w = await build_world(acme, clock)
    async with acme.as_member(UUID(w.rep["id"])) as rep:
        stale = await gql(rep, KEY_RESULTS, {"filter": {"stale": True, "cycleId": w.q1["id"]}})
        fresh = await gql(rep, KEY_RESULTS, {"filter": {"stale": False, "cycleId": w.q1["id"]}})
        first = await gql(rep, KEY_RESULTS, {"filter": {"stale": True}, "first": 2})
        due = await gql(rep, UPDATES_DUE, {"cycleId": w.q1["id"]})
    async with acme.client(acme.token(None, scopes=("org:read",))) as service:
        refused = await gql(service, UPDATES_DUE)

    assert "errors" not in stale, stale
    nodes = stale["data"]["keyResults"]["nodes"]
    assert _names(w, nodes) == STALE
    assert {n["title"]: n["cadence"] for n in nodes} == {
        "weekly_8": "WEEKLY",
        "daily_25h": "DAILY",
        "monthly_stale": "MONTHLY",
    }
    assert {n["objective"]["title"] for n in nodes} == {"Grow revenue"}
    assert _names(w, fresh["data"]["keyResults"]["nodes"]) == FRESH
    assert first["data"]["keyResults"]["pageInfo"]["hasNextPage"] is True

    assert "errors" not in due, due
    items = due["data"]["updatesDue"]["nodes"]
    assert {i["keyResult"]["title"] for i in items} == STALE
    weekly = next(i for i in items if i["keyResult"]["title"] == "weekly_8")
    assert weekly["keyResult"]["owner"]["name"] == "Li Na"
    assert _instant(weekly["lastCheckInAt"]) == NOW - 8 * DAY
    assert _instant(weekly["dueAt"]) == _instant(weekly["staleSince"]) == NOW - DAY
    assert codes(refused) == ["forbidden"]


CREATE = """
mutation($input: CreateKeyResultInput!) {
  createKeyResult(input: $input) { keyResult { id cadence } }
}"""
UPDATE = """
mutation($input: UpdateKeyResultInput!) {
  updateKeyResult(input: $input) { keyResult { id cadence version } }
}"""


async def test_the_cadence_over_graphql(acme: Tenant, clock: SettableClock) -> None:
    w = await build_world(acme, clock)
    base = {"objectiveId": w.goal["id"], "title": "New", "ownerId": w.rep["id"]}
    async with acme.as_member(UUID(w.rep["id"])) as rep:
        default = await gql(rep, CREATE, {"input": base})
        monthly = await gql(rep, CREATE, {"input": {**base, "cadence": "MONTHLY"}})
        unknown = await gql(rep, CREATE, {"input": {**base, "cadence": "HOURLY"}})
        kr_id = monthly["data"]["createKeyResult"]["keyResult"]["id"]
        changed = await gql(rep, UPDATE, {"input": {"id": kr_id, "cadence": "BIWEEKLY"}})
        nulled = await gql(rep, UPDATE, {"input": {"id": kr_id, "cadence": None}})
    assert default["data"]["createKeyResult"]["keyResult"]["cadence"] == "WEEKLY"
    assert monthly["data"]["createKeyResult"]["keyResult"]["cadence"] == "MONTHLY"
    assert codes(unknown) == ["invalid_query"]
    assert changed["data"]["updateKeyResult"]["keyResult"] == {
        "id": kr_id,
        "cadence": "BIWEEKLY",
        "version": 2,
    }
    assert codes(nulled) == ["validation_failed"]


# -- tenants -------------------------------------------------------------------------------


async def test_another_tenants_stale_krs_never_show(
    acme: Tenant, globex: Tenant, clock: SettableClock
) -> None:
    b = await build_world(globex, clock)
    a = await build_world(acme, clock)
    async with acme.as_member(UUID(a.rep["id"])) as rep:
        mine = await get(rep, "/v1/key-results?stale=true")
        by_b_cycle = await get(rep, f"/v1/key-results?stale=true&cycle_id={b.q1['id']}")
        by_b_owner = await get(rep, f"/v1/key-results?owner_id={b.rep['id']}")
        by_b_objective = await get(rep, f"/v1/key-results?objective_id={b.goal['id']}")
        due = await get(rep, "/v1/me/updates-due")
        due_b_cycle = await get(rep, f"/v1/me/updates-due?cycle_id={b.q1['id']}")
        gql_mine = await gql(rep, KEY_RESULTS, {"filter": {"stale": True}})
        gql_b = await gql(rep, KEY_RESULTS, {"filter": {"cycleId": b.q1["id"]}})
        gql_due = await gql(rep, UPDATES_DUE)
    async with acme.admin() as admin:
        everything = await get(admin, "/v1/key-results?limit=200")
    b_ids = set(b.krs.values())
    assert _names(a, mine["items"]) == STALE
    assert by_b_cycle["items"] == by_b_owner["items"] == by_b_objective["items"] == []
    assert _names(a, due["items"]) == STALE
    assert due_b_cycle["items"] == []
    assert _names(a, gql_mine["data"]["keyResults"]["nodes"]) == STALE
    assert gql_b["data"]["keyResults"]["nodes"] == []
    assert {i["keyResult"]["id"] for i in gql_due["data"]["updatesDue"]["nodes"]} == {
        a.krs[n] for n in STALE
    }
    assert not {i["id"] for i in everything["items"]} & b_ids
    assert {i["id"] for i in everything["items"]} == set(a.krs.values())


# -- cost ----------------------------------------------------------------------------------


async def test_the_lists_cost_the_same_statements_whatever_their_size(
    acme: Tenant, clock: SettableClock
) -> None:
    w = await build_world(acme, clock)
    app = acme.app
    stale_path = f"/v1/key-results?stale=true&cycle_id={w.q1['id']}&limit=200"

    async def count(path: str) -> tuple[int, int]:
        async with acme.as_member(UUID(w.rep["id"])) as rep:
            with sql_statements(app) as seen:
                found = await get(rep, path)
        return len(seen), len(found["items"])

    small = (await count(stale_path), await count("/v1/me/updates-due?limit=200"))
    clock.pin(MADE)
    async with acme.as_member(UUID(w.rep["id"])) as rep:
        for n in range(12):
            await key_result(rep, w.goal["id"], title=f"more {n}", owner_id=w.rep["id"])
    clock.pin(NOW)
    large = (await count(stale_path), await count("/v1/me/updates-due?limit=200"))
    assert [items for _, items in small] == [3, 3]
    assert [items for _, items in large] == [15, 15]
    assert [statements for statements, _ in large] == [statements for statements, _ in small]
