"""What changed, in the events themselves (issue 17): each type that needs values carries
them in ``data``, from an allow-list per type; every other type carries ``{}``; nothing
private (a check-in's note, a 360 respondent or score) and nothing more visible than the
event itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from service.key_result_tracks import sweep_key_result_tracks
from service.storage.postgres import tables as t
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, key_result, objective, patch
from tests.api.test_events_feed import feed
from tests.api.test_rest_reviews import build_deals, published_worked_example

# Five months into 2027: a KR at 0.1 of its target is off track.
JUNE_1 = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


async def _kr(
    acme: Tenant, admin: httpx.AsyncClient, visibility: str = "public", **kr_fields: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    cycle = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
    made = await objective(
        admin,
        cycle_id=cycle["id"],
        title="Grow",
        owner={"kind": "member", "id": str(acme.admin_id)},
        status="active",
        visibility=visibility,
    )
    kr = await key_result(
        admin, made["id"], title="Deals", target="10", owner_id=str(acme.admin_id), **kr_fields
    )
    return cycle, kr


def _one(events: list[dict[str, Any]], type_name: str) -> dict[str, Any]:
    (found,) = [e for e in events if e["type"] == type_name]
    return found


async def test_each_listed_type_carries_its_values_and_the_others_none(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(JUNE_1)
    async with acme.admin() as admin:
        cycle, kr = await _kr(acme, admin)
        await check_in(
            admin, kr["id"], value="1", external_id="crm-7", note="a private aside", blockers="x"
        )
        await patch(admin, f"/v1/cycles/{cycle['id']}", {"state": "closed"})
        scored = await admin.put(
            f"/v1/key-results/{kr['id']}/final-score",
            json={"score": "0.4", "reason": "a reason, not for integrations"},
        )
        assert scored.status_code == 200, scored.text
        events = await feed(admin)

    checked_in = _one(events, "check_in.created")
    assert checked_in["data"] == {
        "key_result_id": kr["id"],
        "value": "1",
        "milestones_done": None,
        "source": "person",
        "integration": None,
        "external_id": "crm-7",
    }
    track = _one(events, "key_result.track_status_changed")["data"]
    assert set(track) == {"from", "to", "progress", "expected_progress", "at"}
    assert (track["to"], track["progress"], track["at"]) == (
        "off_track",
        "0.1000",
        "2027-06-01T12:00:00Z",
    )
    dates = {"start_date": "2027-01-01", "end_date": "2027-12-31"}
    assert _one(events, "cycle.activated")["data"] == dates
    assert _one(events, "cycle.closed")["data"] == dates
    assert _one(events, "key_result.final_score_set")["data"] == {"score": "0.4"}
    # Not listed: no values at all (changes still name the fields).
    for unlisted in ("cycle.created", "objective.created", "key_result.created"):
        assert _one(events, unlisted)["data"] == {}
    assert "a private aside" not in str(events)
    assert "not for integrations" not in str(events)


async def test_a_stale_kr_says_since_when_and_its_cadence(
    acme: Tenant, app: FastAPI, clock: SettableClock
) -> None:
    clock.pin(JUNE_1)
    async with acme.admin() as admin:
        _, kr = await _kr(acme, admin, cadence="weekly")
        await check_in(admin, kr["id"], value="5")
        clock.pin(JUNE_1 + timedelta(days=10))
        await sweep_key_result_tracks(app.state.okr.services.deps)
        events = await feed(admin)
    stale = _one(events, "key_result.stale")
    assert stale["key_result_id"] == kr["id"]
    assert stale["data"] == {
        "stale_since": "2027-06-08T12:00:00Z",
        "last_check_in_at": "2027-06-01T12:00:00Z",
        "cadence": "weekly",
    }


async def test_a_published_review_says_which_and_nothing_of_respondents(acme: Tenant) -> None:
    world = await build_deals(acme)
    published = await published_worked_example(world)
    async with world.client("HR") as hr:
        events = await feed(hr)
    assert _one(events, "review_cycle.published")["data"] == {"review_cycle_id": published["id"]}


async def test_a_private_objectives_check_in_data_reaches_only_who_may_see_it(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        outsider = await create_member(admin, "Out Sider")
        _, kr = await _kr(acme, admin, visibility="private")
        await check_in(admin, kr["id"], value="9", external_id="secret-deal")
        assert _one(await feed(admin), "check_in.created")["data"]["value"] == "9"
    readers = (
        acme.as_member(outsider["id"]),
        acme.client(acme.token(scopes=("events:read", "org:read"))),
    )
    for reader in readers:
        async with reader:
            seen = await feed(reader)
        assert [e for e in seen if e["type"] == "check_in.created"] == []
        assert "secret-deal" not in str(seen)


async def test_graphql_serves_the_same_data_and_older_events_read_null(
    acme: Tenant, app: FastAPI
) -> None:
    async with acme.admin() as admin:
        _, kr = await _kr(acme, admin)
        await check_in(admin, kr["id"], value="3")
        query = "{ events(first: 50) { nodes { id type data } } }"
        answer = await admin.post("/graphql", json={"query": query})
        assert answer.status_code == 200, answer.text
        nodes = answer.json()["data"]["events"]["nodes"]
        rest = {e["id"]: e["data"] for e in await feed(admin)}
        assert {n["id"]: n["data"] for n in nodes} == rest
        assert _one(nodes, "check_in.created")["data"]["value"] == "3"
        # An event written before revision 0020 has no data: null, not a guess.
        uow = cast(PostgresUnitOfWorkFactory, app.state.okr.services.deps.uow)
        async with uow._engine.begin() as conn:
            await conn.execute(
                update(t.events)
                .where(t.events.c.organization_id == acme.organization_id)
                .values(data=None)
            )
        assert [e["data"] for e in await feed(admin)] == [None] * len(rest)
