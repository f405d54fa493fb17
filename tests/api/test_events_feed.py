"""The change feed (issue 17): events written with their change, read in commit order,
filtered for the caller exactly as reads are."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, key_result, objective, patch


async def feed(client: httpx.AsyncClient, after: str | None = None) -> list[dict[str, Any]]:
    """Every event the caller may read after ``after``, page by page."""
    seen: list[dict[str, Any]] = []
    while True:
        params = {"limit": "2", **({"after": after} if after else {})}
        response = await client.get("/v1/events", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += body["items"]
        after = body["next_cursor"]
        if not body["has_more"]:
            return seen


def types_of(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


async def _okrs(acme: Tenant, admin: httpx.AsyncClient, **objective_fields: Any) -> dict[str, Any]:
    cycle = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
    made = await objective(
        admin,
        cycle_id=cycle["id"],
        title="Grow",
        owner={"kind": "member", "id": str(acme.admin_id)},
        **objective_fields,
    )
    kr = await key_result(
        admin, made["id"], title="Deals", target="10", owner_id=str(acme.admin_id)
    )
    # At its target, so the KR stays on track whatever day the suite runs on (no track event).
    await check_in(admin, kr["id"], value="10")
    await patch(admin, f"/v1/objectives/{made['id']}", {"title": "Grow more"})
    return {"cycle": cycle, "objective": made, "key_result": kr}


async def test_each_change_is_one_event_with_its_payload(acme: Tenant) -> None:
    async with acme.admin() as admin:
        made = await _okrs(acme, admin)
        events = await feed(admin)
    assert types_of(events) == [
        "cycle.created",
        "cycle.activated",
        "objective.created",
        "key_result.created",
        "check_in.created",
        "objective.updated",
    ]
    objective_id, kr_id = made["objective"]["id"], made["key_result"]["id"]
    updated, checked_in = events[-1], events[-2]
    assert updated["version"] == 1
    assert updated["organization_id"] == str(acme.organization_id)
    assert updated["resource"] == {
        "type": "objective",
        "id": objective_id,
        "url": f"/v1/objectives/{objective_id}",
    }
    assert updated["changes"] == ["title"]
    assert checked_in["objective_id"] == objective_id
    assert checked_in["key_result_id"] == kr_id
    assert checked_in["resource"]["url"] == f"/v1/key-results/{kr_id}/check-ins"
    assert len({e["id"] for e in events}) == len(events)


async def test_a_cursor_replays_and_resumes(acme: Tenant) -> None:
    async with acme.admin() as admin:
        await _okrs(acme, admin)
        first = (await admin.get("/v1/events", params={"limit": "3"})).json()
        again = (await admin.get("/v1/events", params={"limit": "3"})).json()
        assert first == again
        rest = await feed(admin, first["next_cursor"])
        assert len(first["items"]) + len(rest) == 6
        # Nothing new: the same cursor comes back, to poll with.
        last = (await admin.get("/v1/events", params={"after": first["next_cursor"]})).json()
        idle = (await admin.get("/v1/events", params={"after": last["next_cursor"]})).json()
        assert idle == {"items": [], "next_cursor": last["next_cursor"], "has_more": False}


async def test_another_organizations_events_never_appear(acme: Tenant, globex: Tenant) -> None:
    async with acme.admin() as admin:
        await _okrs(acme, admin)
    async with globex.admin() as admin:
        assert await feed(admin) == []


async def test_a_private_objectives_events_reach_only_who_may_see_it(acme: Tenant) -> None:
    async with acme.admin() as admin:
        outsider = await create_member(admin, "Out Sider")
        made = await _okrs(acme, admin, visibility="private")
        everything = await feed(admin)
    okr_events = [e for e in everything if e["objective_id"] == made["objective"]["id"]]
    assert len(okr_events) == 4
    async with acme.as_member(outsider["id"]) as member:
        seen = await feed(member)
        assert not [e for e in seen if e["objective_id"] is not None]
        # Directory events are the directory's: every member reads them.
        assert "cycle.activated" in types_of(seen)
        # Made public, its events (the earlier ones too) are readable: visibility is now's.
        async with acme.admin() as admin:
            await patch(
                admin, f"/v1/objectives/{made['objective']['id']}", {"visibility": "public"}
            )
        seen = await feed(member)
    assert len([e for e in seen if e["objective_id"] == made["objective"]["id"]]) == 5


async def test_what_leaves_a_readers_view_still_reaches_who_could_read_it(acme: Tenant) -> None:
    """A tombstone reveals only what the reader could already see: a public objective
    deleted or made private, a KR moved from a public objective to a private one, reach
    a member and an events:read token who read it before; a private one never does."""
    async with acme.admin() as admin:
        member = await create_member(admin, "Mem Ber")
        made = await _okrs(acme, admin)
        cycle_id = made["cycle"]["id"]
        owner = {"kind": "member", "id": str(acme.admin_id)}
        doomed = await objective(admin, cycle_id=cycle_id, title="Doomed", owner=owner)
        hidden = await objective(
            admin, cycle_id=cycle_id, title="Hidden", owner=owner, visibility="private"
        )
        secret = await objective(
            admin, cycle_id=cycle_id, title="Secret", owner=owner, visibility="private"
        )
        moved = await admin.post(
            f"/v1/key-results/{made['key_result']['id']}/move",
            json={"objective_id": hidden["id"]},
        )
        assert moved.status_code == 200, moved.text
        await patch(admin, f"/v1/objectives/{made['objective']['id']}", {"visibility": "private"})
        for gone in (doomed, secret):
            deleted = await admin.delete(f"/v1/objectives/{gone['id']}")
            assert deleted.status_code == 204, deleted.text
    token = acme.token(scopes=("events:read",))
    for client in (acme.as_member(member["id"]), acme.client(token)):
        async with client:
            seen = [(e["type"], e["resource"]["id"]) for e in await feed(client)]
        assert ("key_result.updated", made["key_result"]["id"]) in seen
        assert ("objective.updated", made["objective"]["id"]) in seen
        assert ("objective.deleted", doomed["id"]) in seen
        # Never public: neither its creation nor its deletion.
        assert not [s for s in seen if s[1] in (secret["id"], hidden["id"])]


async def test_service_tokens_need_events_read(acme: Tenant) -> None:
    async with acme.admin() as admin:
        await _okrs(acme, admin)
    async with acme.client(acme.token(scopes=("org:read",))) as service:
        response = await service.get("/v1/events")
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    async with acme.client(acme.token(scopes=("events:read",))) as service:
        seen = types_of(await feed(service))
    # Public OKR events; no directory without org:read.
    assert seen == [
        "objective.created",
        "key_result.created",
        "check_in.created",
        "objective.updated",
    ]
    async with acme.client(acme.token(scopes=("events:read", "org:read"))) as service:
        assert len(await feed(service)) == 6


async def test_a_bad_cursor_is_refused(acme: Tenant) -> None:
    async with acme.admin() as admin:
        response = await admin.get("/v1/events", params={"after": "not a cursor!"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "after"
        response = await admin.get("/v1/events", params={"limit": "0"})
        assert response.status_code == 422


async def test_graphql_reads_the_same_feed(acme: Tenant) -> None:
    async with acme.admin() as admin:
        await _okrs(acme, admin)
        query = """query($after: String) { events(first: 4, after: $after) {
            edges { cursor node { type changes resource { type url } } }
            pageInfo { hasNextPage endCursor } } }"""
        first = (await admin.post("/graphql", json={"query": query})).json()["data"]["events"]
        cursor = first["pageInfo"]["endCursor"]
        rest = (
            await admin.post("/graphql", json={"query": query, "variables": {"after": cursor}})
        ).json()["data"]["events"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["type"] for e in rest["edges"]] == ["check_in.created", "objective.updated"]
    assert rest["edges"][-1]["node"]["changes"] == ["title"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_a_cursor_beyond_the_feeds_numbers_is_refused_not_a_500(acme: Tenant) -> None:
    # Postgres bigints: 2**63 fits no cursor the feed gave; it failed in the database (500).
    huge = base64.urlsafe_b64encode(f"{2**63}.0".encode()).decode().rstrip("=")
    query = "query($after: String) { events(first: 1, after: $after) { edges { cursor } } }"
    async with acme.admin() as admin:
        response = await admin.get("/v1/events", params={"after": huge})
        answer = await admin.post("/graphql", json={"query": query, "variables": {"after": huge}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "invalid_cursor"
    assert answer.json()["errors"][0]["extensions"]["code"] == "validation_failed"


async def test_an_idle_graphql_poll_keeps_its_cursor_as_rest_does(acme: Tenant) -> None:
    # endCursor null on an empty page sent pollers back to the start of the retention.
    query = """query($after: String) { events(first: 50, after: $after) {
        edges { cursor } pageInfo { hasNextPage endCursor } } }"""
    async with acme.admin() as admin:
        await _okrs(acme, admin)
        first = (await admin.post("/graphql", json={"query": query})).json()["data"]["events"]
        cursor = first["pageInfo"]["endCursor"]
        idle = (
            await admin.post("/graphql", json={"query": query, "variables": {"after": cursor}})
        ).json()["data"]["events"]
        rest = (await admin.get("/v1/events", params={"after": cursor})).json()
    assert idle["edges"] == []
    assert idle["pageInfo"]["endCursor"] == cursor == rest["next_cursor"]
