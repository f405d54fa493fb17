"""/v1/audit-events: every OKR write leaves who did what, with the values before and after;
admins read it, filtered by resource type, resource and actor; a refused write leaves
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, key_result, objective, patch, post


@dataclass(frozen=True)
class World:
    manager: dict[str, Any]
    rep: dict[str, Any]
    peer: dict[str, Any]
    cycle: dict[str, Any]


async def build_world(admin: httpx.AsyncClient) -> World:
    manager = await create_member(admin, "Zhang Wei", roles=["manager"])
    rep = await create_member(admin, "Li Na", manager_id=manager["id"])
    peer = await create_member(admin, "Qian Jun", manager_id=manager["id"])
    cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    return World(manager=manager, rep=rep, peer=peer, cycle=cycle)


# Writes to the directory and settings are audited too (tests/api/test_directory_audit.py);
# the tests here follow the OKR writes, so the world they build is left out of their reads.
DIRECTORY = {"member", "unit", "cycle", "organization"}


async def all_events(
    client: httpx.AsyncClient, *, directory: bool = False, **params: str
) -> list[dict[str, Any]]:
    everything = await every_event(client, **params)
    return [e for e in everything if directory or e["resource_type"] not in DIRECTORY]


async def every_event(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query: dict[str, str | int] = {"limit": 200, **params}
        if cursor:
            query["cursor"] = cursor
        response = await client.get("/v1/audit-events", params=query)
        assert response.status_code == 200, response.text
        events.extend(response.json()["items"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return events


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [(e["actor"], e["action"], e["resource_type"], e["resource_id"]) for e in events]


def problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code, response.text


async def test_every_write_is_recorded_with_actor_and_before_after(
    acme: Tenant, clock: SettableClock
) -> None:
    t0 = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    clock.pin(t0)
    async with acme.admin() as admin:
        w = await build_world(admin)
        admin_id = str(acme.admin_id)
        o = await objective(
            admin,
            cycle_id=w.cycle["id"],
            title="Grow revenue",
            owner={"kind": "member", "id": w.rep["id"]},
        )
    clock.pin(t0 + timedelta(minutes=1))
    async with acme.as_member(w.rep["id"]) as rep:
        renamed = await patch(rep, f"/v1/objectives/{o['id']}", {"title": "Grow revenue 10%"})
        kr = await key_result(rep, o["id"], title="New customers", owner_id=w.rep["id"])
        kr = await patch(rep, f"/v1/key-results/{kr['id']}", {"target": "10"})
        entry = await check_in(rep, kr["id"], value="3", confidence=6, note="3 signed")
        task = await post(
            rep,
            f"/v1/key-results/{kr['id']}/actions",
            {
                "title": "Visits",
                "owner_id": w.peer["id"],
                "due_date": "2027-02-28",
                "completion_standard": "10 visits",
            },
        )
    async with acme.as_member(w.peer["id"]) as peer:
        done = await patch(peer, f"/v1/actions/{task['id']}", {"status": "done"})
    clock.pin(t0 + timedelta(minutes=2))
    async with acme.as_member(w.rep["id"]) as rep:
        accepted = await post(rep, f"/v1/actions/{task['id']}/accept", {})
    async with acme.as_member(w.manager["id"], "manager") as manager:
        clock.pin(datetime(2027, 3, 31, 9, 0, tzinfo=UTC))  # final scores from the end date
        scored = await manager.put(
            f"/v1/key-results/{kr['id']}/final-score", json={"score": "0.5", "reason": "calibrated"}
        )
        assert scored.status_code == 200, scored.text
    async with acme.admin() as admin:
        events = await all_events(admin)

    m, rep_id, peer_id = w.manager["id"], w.rep["id"], w.peer["id"]
    assert summary(events) == [
        (admin_id, "objective.created", "objective", o["id"]),
        (rep_id, "objective.updated", "objective", o["id"]),
        (rep_id, "key_result.created", "key_result", kr["id"]),
        (rep_id, "key_result.updated", "key_result", kr["id"]),
        (rep_id, "check_in.created", "check_in", entry["id"]),
        (rep_id, "action.created", "action", task["id"]),
        (peer_id, "action.updated", "action", task["id"]),
        (rep_id, "action.accepted", "action", task["id"]),
        (m, "key_result.final_scored", "key_result", kr["id"]),
    ]
    by_action = {e["action"]: e for e in events}
    created = by_action["objective.created"]
    assert created["before"] is None
    assert created["occurred_at"] == "2027-02-01T09:00:00Z"
    assert created["after"]["title"] == "Grow revenue"
    assert created["after"]["owner_id"] == rep_id
    assert created["after"]["version"] == 1
    updated = by_action["objective.updated"]
    assert (updated["before"]["title"], updated["after"]["title"]) == (
        "Grow revenue",
        "Grow revenue 10%",
    )
    assert (updated["before"]["version"], updated["after"]["version"]) == (1, renamed["version"])
    assert updated["occurred_at"] == "2027-02-01T09:01:00Z"
    kr_updated = by_action["key_result.updated"]
    assert (kr_updated["before"]["target"], kr_updated["after"]["target"]) == ("1", "10")
    checked = by_action["check_in.created"]
    assert checked["before"] is None
    assert (checked["after"]["value"], checked["after"]["confidence"]) == ("3", 6)
    assert checked["after"]["key_result_id"] == kr["id"]
    assert checked["after"]["author"] == rep_id
    assert by_action["action.created"]["after"]["completion_standard"] == "10 visits"
    moved = by_action["action.updated"]
    assert (moved["before"]["status"], moved["after"]["status"]) == ("todo", "done")
    acceptance = by_action["action.accepted"]
    assert (acceptance["before"]["accepted_by"], acceptance["after"]["accepted_by"]) == (
        None,
        rep_id,
    )
    assert acceptance["after"]["accepted_at"] == accepted["accepted_at"]
    assert acceptance["occurred_at"] == "2027-02-01T09:02:00Z"
    final = by_action["key_result.final_scored"]
    assert (final["before"]["final_score"], final["before"]["final_score_reason"]) == (None, None)
    assert (final["after"]["final_score"], final["after"]["final_score_reason"]) == (
        "0.5",
        "calibrated",
    )
    assert done["version"] == 2


async def test_deletes_moves_copies_and_closes_are_recorded(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        admin_id = str(acme.admin_id)
        next_cycle = await active_cycle(admin, "2027 Q2", "quarter", "2027-04-01", "2027-06-30")
        first = await objective(admin, cycle_id=w.cycle["id"], title="First")
        second = await objective(admin, cycle_id=w.cycle["id"], title="Second")
        kr = await key_result(admin, first["id"], title="KR", owner_id=w.rep["id"])
        spare = await key_result(admin, first["id"], title="Spare", owner_id=w.rep["id"])
        await post(admin, f"/v1/key-results/{kr['id']}/move", {"objective_id": second["id"]})
        deleted_kr = await admin.delete(f"/v1/key-results/{spare['id']}")
        copy = await post(
            admin, f"/v1/objectives/{second['id']}/copy", {"cycle_id": next_cycle["id"]}
        )
        entry = await check_in(admin, kr["id"], value="1")
        archived = await admin.delete(f"/v1/objectives/{second['id']}")
        deleted = await admin.delete(f"/v1/objectives/{first['id']}")
        await post(admin, f"/v1/cycles/{next_cycle['id']}/close-objectives", {})
        events = await all_events(admin)

    assert (deleted_kr.status_code, archived.status_code, deleted.status_code) == (204, 200, 204)
    # A copy also records each KR and action it creates (checked in its own test).
    copies = {"key_result.copied", "action.copied"}
    assert [(a, act, rid) for a, act, _, rid in summary(events) if act not in copies][-7:] == [
        (admin_id, "key_result.moved", kr["id"]),
        (admin_id, "key_result.deleted", spare["id"]),
        (admin_id, "objective.copied", copy["id"]),
        (admin_id, "check_in.created", entry["id"]),
        (admin_id, "objective.archived", second["id"]),
        (admin_id, "objective.deleted", first["id"]),
        (admin_id, "objective.closed", copy["id"]),
    ]
    by_action = {e["action"]: e for e in events}
    moved = by_action["key_result.moved"]
    assert (moved["before"]["objective_id"], moved["after"]["objective_id"]) == (
        first["id"],
        second["id"],
    )
    assert by_action["key_result.deleted"]["after"] is None
    assert by_action["key_result.deleted"]["before"]["title"] == "Spare"
    assert by_action["objective.copied"]["after"]["source_objective_id"] == second["id"]
    assert (
        by_action["objective.archived"]["before"]["status"],
        by_action["objective.archived"]["after"]["status"],
    ) == ("draft", "archived")
    assert by_action["objective.deleted"]["after"] is None
    assert by_action["objective.closed"]["after"]["status"] == "closed"


async def test_filters_by_resource_type_resource_and_actor(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        o = await objective(
            admin,
            cycle_id=w.cycle["id"],
            title="Grow",
            owner={"kind": "member", "id": w.rep["id"]},
        )
        kr = await key_result(admin, o["id"], title="KR", owner_id=w.rep["id"], target="10")
    async with acme.as_member(w.rep["id"]) as rep:
        first = await check_in(rep, kr["id"], value="1")
        await patch(rep, f"/v1/objectives/{o['id']}", {"status": "active"})
    async with acme.as_member(w.manager["id"], "manager") as manager:
        second = await check_in(manager, kr["id"], value="2")
    async with acme.admin() as admin:
        admin_id = str(acme.admin_id)
        check_ins = await all_events(admin, resource_type="check_in")
        objectives = await all_events(admin, resource_type="objective")
        about_o = await all_events(admin, resource_id=o["id"])
        about_kr = await all_events(admin, resource_id=kr["id"])
        by_rep = await all_events(admin, actor=w.rep["id"])
        by_admin = await all_events(admin, actor=admin_id)
        rep_check_ins = await all_events(admin, actor=w.rep["id"], resource_type="check_in")
        nothing = await all_events(admin, resource_type="meeting")
        raw = await all_events(admin, directory=True)
        page = (await admin.get("/v1/audit-events", params={"limit": 2})).json()
        rest = (
            await admin.get("/v1/audit-events", params={"limit": 2, "cursor": page["next_cursor"]})
        ).json()
        bad_id = await admin.get("/v1/audit-events", params={"resource_id": "nope"})

    assert [e["resource_id"] for e in check_ins] == [first["id"], second["id"]]
    assert [e["actor"] for e in check_ins] == [w.rep["id"], w.manager["id"]]
    assert [e["action"] for e in objectives] == ["objective.created", "objective.updated"]
    assert [e["action"] for e in about_o] == ["objective.created", "objective.updated"]
    assert [e["action"] for e in about_kr] == ["key_result.created"]
    assert [e["action"] for e in by_rep] == ["check_in.created", "objective.updated"]
    assert [e["action"] for e in by_admin] == ["objective.created", "key_result.created"]
    assert [e["resource_id"] for e in rep_check_ins] == [first["id"]]
    assert nothing == []
    assert page["items"] + rest["items"] == raw[:4]
    assert rest["next_cursor"] is not None  # the fifth event is on the next page
    problem(bad_id, 422, "validation_failed")


async def test_only_admins_read_the_audit_trail(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
    readers = {
        "member": acme.as_member(w.rep["id"]),
        "manager": acme.as_member(w.manager["id"], "manager"),
        "hr": acme.as_member(w.peer["id"], "hr"),
        "service": acme.client(acme.token(None, scopes=("org:read", "reviews:export"))),
    }
    answers: dict[str, tuple[int, str]] = {}
    for name, client in readers.items():
        async with client:
            response = await client.get("/v1/audit-events")
            answers[name] = (response.status_code, response.json()["code"])
    async with acme.client() as anonymous:
        unauthenticated = await anonymous.get("/v1/audit-events")

    assert answers == dict.fromkeys(readers, (403, "forbidden"))
    assert unauthenticated.status_code == 401


async def test_a_refused_write_records_nothing(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        o = await objective(
            admin,
            cycle_id=w.cycle["id"],
            title="Grow",
            owner={"kind": "member", "id": w.rep["id"]},
        )
        private = await objective(
            admin,
            cycle_id=w.cycle["id"],
            title="Secret",
            owner={"kind": "member", "id": w.rep["id"]},
            visibility="private",
        )
        kr = await key_result(admin, o["id"], title="KR", owner_id=w.rep["id"], target="10")
        entry = await admin.post(
            f"/v1/key-results/{kr['id']}/check-ins",
            json={"value": "1"},
            headers={"Idempotency-Key": "ci"},
        )
        task = await post(admin, f"/v1/key-results/{kr['id']}/actions", {"title": "Todo"})
        before = await all_events(admin)

        refused = {
            "stale": await admin.patch(
                f"/v1/objectives/{o['id']}", json={"title": "x"}, headers={"If-Match": '"9"'}
            ),
            "direction": await admin.post(
                f"/v1/objectives/{o['id']}/key-results",
                json={"title": "x", "owner_id": w.rep["id"], "start": "5", "target": "1"},
            ),
            "has check-ins": await admin.delete(f"/v1/key-results/{kr['id']}"),
            "not ready": await admin.patch(f"/v1/actions/{task['id']}", json={"status": "doing"}),
            "not done": await admin.post(f"/v1/actions/{task['id']}/accept"),
            "no reason": await admin.put(
                f"/v1/key-results/{kr['id']}/final-score", json={"score": "1", "reason": " "}
            ),
            "bad transition": await admin.patch(
                f"/v1/objectives/{o['id']}", json={"status": "closed"}
            ),
        }
        replayed = await admin.post(
            f"/v1/key-results/{kr['id']}/check-ins",
            json={"value": "1"},
            headers={"Idempotency-Key": "ci"},
        )
        no_op = await admin.patch(f"/v1/objectives/{o['id']}", json={"title": "Grow"})
    async with acme.as_member(w.peer["id"]) as peer:
        refused["forbidden"] = await peer.patch(f"/v1/objectives/{o['id']}", json={"title": "x"})
        refused["hidden"] = await peer.patch(f"/v1/objectives/{private['id']}", json={"title": "x"})
        refused["forbidden check-in"] = await peer.post(
            f"/v1/key-results/{kr['id']}/check-ins", json={"value": "9"}
        )
    async with acme.as_member(w.rep["id"]) as rep:
        refused["own final score"] = await rep.put(
            f"/v1/key-results/{kr['id']}/final-score", json={"score": "1", "reason": "mine"}
        )
    async with acme.admin() as admin:
        await patch(admin, f"/v1/cycles/{w.cycle['id']}", {"state": "closed"})
        refused["closed cycle"] = await admin.post(
            f"/v1/key-results/{kr['id']}/check-ins", json={"value": "2"}
        )
        after = await all_events(admin)

    assert entry.status_code == 201
    assert {name: r.status_code for name, r in refused.items()} == {
        "stale": 412,
        "direction": 422,
        "has check-ins": 409,
        "not ready": 422,
        "not done": 403,  # the admin is no acceptor: refused before "not done"
        "no reason": 422,
        "bad transition": 422,
        "forbidden": 403,
        "hidden": 404,
        "forbidden check-in": 403,
        "own final score": 403,
        "closed cycle": 422,
    }
    assert replayed.headers["idempotent-replayed"] == "true"
    assert no_op.json()["version"] == 1
    assert after == before  # closing the cycle is a directory write, left out here


async def test_copying_an_objective_audits_the_key_results_and_actions_it_creates(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        next_cycle = await active_cycle(admin, "2027 Q2", "quarter", "2027-04-01", "2027-06-30")
        source = await objective(admin, cycle_id=w.cycle["id"], title="Carry over")
        kr = await key_result(admin, source["id"], title="KR", owner_id=w.rep["id"])
        await post(admin, f"/v1/key-results/{kr['id']}/actions", {"title": "Open task"})
        copy = await post(
            admin, f"/v1/objectives/{source['id']}/copy", {"cycle_id": next_cycle["id"]}
        )
        copied_kr = copy["key_results"][0]
        copied_actions = (await admin.get(f"/v1/key-results/{copied_kr['id']}/actions")).json()[
            "items"
        ]
        about_kr = await all_events(admin, resource_id=copied_kr["id"])
        about_action = await all_events(admin, resource_id=copied_actions[0]["id"])

    assert [e["after"]["objective_id"] for e in about_kr] == [copy["id"]]
    assert [e["after"]["key_result_id"] for e in about_action] == [copied_kr["id"]]
