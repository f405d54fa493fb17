"""Actions (行动, the A of OKMA) over REST: create and read, filters and pages, the rule that
work starts only with an owner, a due date and a completion standard, acceptance (验收),
who may change an action, closed cycles, ETag/If-Match and Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, get, key_result, objective, patch, post


@dataclass(frozen=True)
class World:
    sun: dict[str, Any]  # manager of wu (the KR owner)
    wu: dict[str, Any]  # owns the objective and its KR
    chen: dict[str, Any]  # manager of zhou
    zhou: dict[str, Any]  # does the work: owns the actions
    ma: dict[str, Any]  # a stranger to all of it
    cycle: dict[str, Any]
    kr: dict[str, Any]


async def build_world(admin: httpx.AsyncClient) -> World:
    sun = await create_member(admin, "Sun Li", roles=["manager"])
    wu = await create_member(admin, "Wu Hao", manager_id=sun["id"])
    chen = await create_member(admin, "Chen Jie", roles=["manager"])
    zhou = await create_member(admin, "Zhou Qiang", manager_id=chen["id"])
    ma = await create_member(admin, "Ma Lin")
    cycle = await active_cycle(admin, "2027 Q2", "quarter", "2027-04-01", "2027-06-30")
    goal = await objective(
        admin,
        cycle_id=cycle["id"],
        title="Revisit rate 80%+",
        owner={"kind": "member", "id": wu["id"]},
        status="active",
    )
    kr = await key_result(
        admin,
        goal["id"],
        title="Revisit rate",
        owner_id=wu["id"],
        metric_kind="percent",
        start="62",
        target="80",
    )
    return World(sun=sun, wu=wu, chen=chen, zhou=zhou, ma=ma, cycle=cycle, kr=kr)


def ready(w: World, title: str, **extra: Any) -> dict[str, Any]:
    """An action with everything work needs: owner, due date, completion standard."""
    return {
        "title": title,
        "owner_id": w.zhou["id"],
        "due_date": "2027-05-31",
        "completion_standard": "All 40 accounts visited, notes in the CRM",
        **extra,
    }


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


async def test_create_and_read_an_action(acme: Tenant, clock: SettableClock) -> None:
    clock.pin(datetime(2027, 4, 6, 9, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        w = await build_world(admin)
    async with acme.as_member(w.wu["id"]) as kr_owner:
        created = await kr_owner.post(
            f"/v1/key-results/{w.kr['id']}/actions",
            json=ready(w, "  Visit schedule  ", completion_standard="  40 visited  "),
        )
        read = await kr_owner.get(created.headers["location"])
        bare = await post(kr_owner, f"/v1/key-results/{w.kr['id']}/actions", {"title": "Idea"})
        accepted_field = await kr_owner.post(
            f"/v1/key-results/{w.kr['id']}/actions",
            json={"title": "x", "accepted_by": w.wu["id"]},
        )
        stranger_owner = await kr_owner.post(
            f"/v1/key-results/{w.kr['id']}/actions", json={"title": "x", "owner_id": w.kr["id"]}
        )

    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/v1/actions/{body['id']}"
    assert created.headers["etag"].startswith('"1-')
    assert {k: v for k, v in body.items() if k != "id"} == {
        "key_result_id": w.kr["id"],
        "title": "Visit schedule",
        "owner_id": w.zhou["id"],
        "due_date": "2027-05-31",
        "status": "todo",
        "completion_standard": "40 visited",
        "accepted_by": None,
        "accepted_at": None,
        "version": 1,
        "created_at": "2027-04-06T09:00:00Z",
        "updated_at": "2027-04-06T09:00:00Z",
    }
    assert read.status_code == 200
    assert read.json() == body
    assert read.headers["etag"].startswith('"1-')
    assert (bare["owner_id"], bare["due_date"], bare["completion_standard"]) == (None, None, None)
    assert problem(accepted_field, 422, "validation_failed")["errors"][0]["field"] == (
        "accepted_by"
    )
    problem(stranger_owner, 422, "unknown_reference")


async def test_filters_and_pages(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        path = f"/v1/key-results/{w.kr['id']}/actions"
        april = await post(admin, path, ready(w, "April visits", due_date="2027-04-30"))
        may = await post(admin, path, ready(w, "May visits", due_date="2027-05-15"))
        june = await post(
            admin, path, ready(w, "June visits", due_date="2027-06-20", owner_id=w.wu["id"])
        )
        undated = await post(admin, path, {"title": "Someday", "owner_id": w.wu["id"]})
        blocked = await post(admin, path, ready(w, "Blocked", due_date="2027-05-01"))
        await patch(admin, f"/v1/actions/{may['id']}", {"status": "doing"})
        await patch(admin, f"/v1/actions/{blocked['id']}", {"status": "blocked"})

        async def listed(**params: str) -> list[str]:
            response = await admin.get(path, params=params)
            assert response.status_code == 200, response.text
            return ids(response.json())

        everything = await listed()
        zhous = await listed(owner_id=w.zhou["id"])
        wus = await listed(owner_id=w.wu["id"])
        doing = await listed(status="doing")
        todo = await listed(status="todo")
        before_may = await listed(due_before="2027-05-10")
        after_may = await listed(due_after="2027-05-10")
        window = await listed(due_after="2027-04-30", due_before="2027-06-01")
        combined = await listed(owner_id=w.zhou["id"], status="todo", due_before="2027-06-30")
        first = (await admin.get(path, params={"limit": 2})).json()
        second = (await admin.get(path, params={"limit": 2, "cursor": first["next_cursor"]})).json()
        third = (await admin.get(path, params={"limit": 2, "cursor": second["next_cursor"]})).json()
        bad_status = await admin.get(path, params={"status": "finished"})
        bad_date = await admin.get(path, params={"due_before": "soon"})

    made = [april["id"], may["id"], june["id"], undated["id"], blocked["id"]]
    assert everything == made  # oldest first
    assert zhous == [april["id"], may["id"], blocked["id"]]
    assert wus == [june["id"], undated["id"]]
    assert doing == [may["id"]]
    assert todo == [april["id"], june["id"], undated["id"]]
    assert before_may == [april["id"], blocked["id"]]  # an undated action is due never
    assert after_may == [may["id"], june["id"]]
    assert window == [may["id"], blocked["id"]]
    assert combined == [april["id"]]
    assert [ids(first), ids(second), ids(third)] == [made[0:2], made[2:4], made[4:5]]
    assert third["next_cursor"] is None
    problem(bad_status, 422, "validation_failed")
    problem(bad_date, 422, "validation_failed")


async def test_work_starts_only_with_an_owner_a_due_date_and_a_standard(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        path = f"/v1/key-results/{w.kr['id']}/actions"
        bare = await post(admin, path, {"title": "Training calendar"})
        start_bare = await admin.patch(f"/v1/actions/{bare['id']}", json={"status": "doing"})
        blank_standard = await post(admin, path, ready(w, "Campaigns", completion_standard="   "))
        start_blank = await admin.patch(
            f"/v1/actions/{blank_standard['id']}", json={"status": "doing"}
        )
        born_doing = await admin.post(
            path, json={"title": "Go", "owner_id": w.zhou["id"], "status": "doing"}
        )
        # Other moves need nothing: an idea can be blocked or even done.
        blocked = await patch(admin, f"/v1/actions/{bare['id']}", {"status": "blocked"})
        # Supplying what is missing in the same change starts it.
        started = await patch(
            admin,
            f"/v1/actions/{bare['id']}",
            {
                "owner_id": w.zhou["id"],
                "due_date": "2027-04-30",
                "completion_standard": "Weekly sessions booked to June",
                "status": "doing",
            },
        )
        born_ready = await post(admin, path, ready(w, "Visits", status="doing"))
        listed = await get(admin, path)

    body = problem(start_bare, 422, "action_not_ready")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("owner_id", "required"),
        ("due_date", "required"),
        ("completion_standard", "required"),
    ]
    assert blank_standard["completion_standard"] is None  # blank is no standard
    assert [e["field"] for e in problem(start_blank, 422, "action_not_ready")["errors"]] == [
        "completion_standard"
    ]
    assert [e["field"] for e in problem(born_doing, 422, "action_not_ready")["errors"]] == [
        "due_date",
        "completion_standard",
    ]
    assert blocked["status"] == "blocked"
    assert (started["status"], started["version"]) == ("doing", 3)
    assert born_ready["status"] == "doing"
    assert ids(listed) == [bare["id"], blank_standard["id"], born_ready["id"]]


async def test_acceptance_rules(acme: Tenant, clock: SettableClock) -> None:
    clock.pin(datetime(2027, 5, 2, 8, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        w = await build_world(admin)
        path = f"/v1/key-results/{w.kr['id']}/actions"
        visits = await post(admin, path, ready(w, "Visits"))
        calls = await post(admin, path, ready(w, "Calls"))
        # OKMA's four failures: work without owner, deadline or standard is never done.
        unready_done = await admin.post(path, json={"title": "Unowned", "status": "done"})
        by_admin_early = await admin.post(f"/v1/actions/{visits['id']}/accept")
    async with acme.as_member(w.zhou["id"]) as doer:
        early = await doer.post(f"/v1/actions/{visits['id']}/accept")
        await patch(doer, f"/v1/actions/{visits['id']}", {"status": "doing"})
        await patch(doer, f"/v1/actions/{visits['id']}", {"status": "done"})
        await patch(doer, f"/v1/actions/{calls['id']}", {"status": "done"})
        by_doer = await doer.post(f"/v1/actions/{visits['id']}/accept")
    async with acme.admin() as admin:
        by_admin = await admin.post(f"/v1/actions/{visits['id']}/accept")
    async with acme.as_member(w.ma["id"]) as stranger:
        by_stranger = await stranger.post(f"/v1/actions/{visits['id']}/accept")
    async with acme.as_member(w.sun["id"], "manager") as kr_owners_manager:
        by_kr_owners_manager = await kr_owners_manager.post(f"/v1/actions/{visits['id']}/accept")
    async with acme.client(acme.token(None, scopes=("org:read",))) as service:
        by_service = await service.post(f"/v1/actions/{visits['id']}/accept")
    clock.pin(datetime(2027, 5, 3, 18, 30, tzinfo=UTC))
    async with acme.as_member(w.wu["id"]) as kr_owner:
        stale = await kr_owner.post(
            f"/v1/actions/{visits['id']}/accept", headers={"If-Match": '"2"'}
        )
        by_kr_owner = await kr_owner.post(
            f"/v1/actions/{visits['id']}/accept", headers={"If-Match": '"3"'}
        )
        twice = await kr_owner.post(f"/v1/actions/{visits['id']}/accept")
        reopened = await kr_owner.patch(f"/v1/actions/{visits['id']}", json={"status": "todo"})
    async with acme.as_member(w.chen["id"], "manager") as doers_manager:
        by_doers_manager = await post(doers_manager, f"/v1/actions/{calls['id']}/accept", {})
        after = await get(doers_manager, f"/v1/actions/{visits['id']}")

    problem(by_admin_early, 403, "not_acceptor")
    problem(early, 403, "not_acceptor")  # the doer never accepts, done or not
    problem(by_doer, 403, "not_acceptor")
    problem(by_admin, 403, "not_acceptor")  # acceptance is a person's judgement, not a role
    problem(by_stranger, 403, "not_acceptor")
    problem(by_kr_owners_manager, 403, "not_acceptor")
    problem(by_service, 403, "not_acceptor")
    problem(stale, 412, "stale_version")
    # The owner of the KR the action serves accepts it: who and when are recorded.
    assert by_kr_owner.status_code == 200, by_kr_owner.text
    assert by_kr_owner.headers["etag"].startswith('"4-')
    assert by_kr_owner.json()["accepted_by"] == w.wu["id"]
    assert by_kr_owner.json()["accepted_at"] == "2027-05-03T18:30:00Z"
    problem(twice, 422, "action_accepted")
    problem(reopened, 422, "action_accepted")  # an accepted action is final
    unready = problem(unready_done, 422, "action_not_ready")
    assert [e["field"] for e in unready["errors"]] == [
        "owner_id",
        "due_date",
        "completion_standard",
    ]
    assert by_doers_manager["accepted_by"] == w.chen["id"]
    assert by_doers_manager["accepted_at"] == "2027-05-03T18:30:00Z"
    assert (after["status"], after["accepted_by"], after["version"]) == ("done", w.wu["id"], 4)


async def test_accepting_an_action_that_is_not_done_is_refused(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        path = f"/v1/key-results/{w.kr['id']}/actions"
        todo = await post(admin, path, ready(w, "Todo"))
        doing = await post(admin, path, ready(w, "Doing", status="doing"))
        blocked = await post(admin, path, ready(w, "Blocked", status="blocked"))
    async with acme.as_member(w.wu["id"]) as kr_owner:
        answers = [await kr_owner.post(f"/v1/actions/{a['id']}/accept") for a in (todo, doing)]
        answers.append(await kr_owner.post(f"/v1/actions/{blocked['id']}/accept"))
    for answer in answers:
        body = problem(answer, 422, "action_not_done")
        assert body["errors"][0]["field"] == "status"


async def test_who_may_change_an_action(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        visits = await post(admin, f"/v1/key-results/{w.kr['id']}/actions", ready(w, "Visits"))
    path = f"/v1/actions/{visits['id']}"
    async with acme.as_member(w.zhou["id"]) as doer:
        by_doer = await patch(doer, path, {"status": "doing"})  # the action's owner may
        add_by_doer = await doer.post(
            f"/v1/key-results/{w.kr['id']}/actions", json={"title": "More"}
        )
    async with acme.as_member(w.ma["id"]) as stranger:
        by_stranger = await stranger.patch(path, json={"title": "Mine now"})
        add_by_stranger = await stranger.post(
            f"/v1/key-results/{w.kr['id']}/actions", json={"title": "More"}
        )
    async with acme.as_member(w.wu["id"]) as kr_owner:
        by_kr_owner = await patch(kr_owner, path, {"due_date": "2027-06-10"})
    async with acme.as_member(w.sun["id"], "manager") as kr_owners_manager:
        by_manager = await patch(kr_owners_manager, path, {"title": "Visit schedule"})
    async with acme.as_member(w.chen["id"], "manager") as doers_manager:
        # The doer's manager accepts the doer's work but does not edit another's KR plan.
        by_doers_manager = await doers_manager.patch(path, json={"title": "Renamed"})

    assert by_doer["status"] == "doing"
    problem(add_by_doer, 403, "forbidden")
    problem(by_stranger, 403, "forbidden")
    problem(add_by_stranger, 403, "forbidden")
    assert by_kr_owner["due_date"] == "2027-06-10"
    assert (by_manager["title"], by_manager["version"]) == ("Visit schedule", 4)
    problem(by_doers_manager, 403, "forbidden")


async def test_if_match_and_idempotency_key(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        path = f"/v1/key-results/{w.kr['id']}/actions"
        key = {"Idempotency-Key": "visits-1"}
        first = await admin.post(path, json=ready(w, "Visits"), headers=key)
        again = await admin.post(path, json=ready(w, "Visits"), headers=key)
        other = await admin.post(path, json=ready(w, "Calls"), headers=key)
        action = f"/v1/actions/{first.json()['id']}"
        fresh = await admin.patch(action, json={"status": "doing"}, headers={"If-Match": '"1"'})
        stale = await admin.patch(action, json={"status": "done"}, headers={"If-Match": '"1"'})
        read = await admin.get(action)
        listed = await get(admin, path)

    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"].startswith('"1-')
    problem(other, 422, "idempotency_key_reused")
    assert fresh.headers["etag"].startswith('"2-')
    problem(stale, 412, "stale_version")
    assert read.json()["status"] == "doing"
    assert read.headers["etag"].startswith('"2-')
    assert ids(listed) == [first.json()["id"]]


async def test_a_closed_cycles_actions_are_read_only(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        visits = await post(admin, f"/v1/key-results/{w.kr['id']}/actions", ready(w, "Visits"))
        await patch(admin, f"/v1/cycles/{w.cycle['id']}", {"state": "closed"})
        added = await admin.post(f"/v1/key-results/{w.kr['id']}/actions", json={"title": "x"})
        changed = await admin.patch(f"/v1/actions/{visits['id']}", json={"status": "done"})
        read = await get(admin, f"/v1/actions/{visits['id']}")

    problem(added, 422, "cycle_closed")
    problem(changed, 422, "cycle_closed")
    assert (read["status"], read["version"]) == ("todo", 1)


async def test_accepting_in_a_closed_cycle_is_refused(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        visits = await post(
            admin, f"/v1/key-results/{w.kr['id']}/actions", ready(w, "Visits", status="done")
        )
        await patch(admin, f"/v1/cycles/{w.cycle['id']}", {"state": "closed"})
    async with acme.as_member(w.wu["id"]) as kr_owner:
        accepted = await kr_owner.post(f"/v1/actions/{visits['id']}/accept")
        read = await get(kr_owner, f"/v1/actions/{visits['id']}")

    problem(accepted, 422, "cycle_closed")
    assert (read["accepted_by"], read["version"]) == (None, 1)


async def test_an_accepted_action_is_final(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        visits = await post(
            admin, f"/v1/key-results/{w.kr['id']}/actions", ready(w, "Visits", status="done")
        )
    async with acme.as_member(w.wu["id"]) as kr_owner:
        accepted = await post(kr_owner, f"/v1/actions/{visits['id']}/accept", {})
    async with acme.as_member(w.zhou["id"]) as doer:
        rewritten = await doer.patch(
            f"/v1/actions/{visits['id']}", json={"completion_standard": "Visited 5 accounts"}
        )
        read = await get(doer, f"/v1/actions/{visits['id']}")

    problem(rewritten, 422, "action_accepted")
    assert read["completion_standard"] == visits["completion_standard"]
    assert read["version"] == accepted["version"]


async def test_no_way_into_done_skips_the_readiness_rule(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        path = f"/v1/key-results/{w.kr['id']}/actions"
        bare = await post(admin, path, {"title": "Bare"})
        straight_to_done = await admin.patch(f"/v1/actions/{bare['id']}", json={"status": "done"})
        ready_done = await post(admin, path, ready(w, "Ready", status="done"))
        cleared = await admin.patch(f"/v1/actions/{ready_done['id']}", json={"due_date": None})
        after = await get(admin, f"/v1/actions/{bare['id']}")
    problem(straight_to_done, 422, "action_not_ready")
    problem(cleared, 422, "action_not_ready")  # a done action keeps its due date
    assert (after["status"], after["version"]) == ("todo", 1)


async def test_a_kr_owner_who_owns_the_action_leaves_acceptance_to_their_manager(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        own = await post(
            admin,
            f"/v1/key-results/{w.kr['id']}/actions",
            {**ready(w, "Own work", status="done"), "owner_id": w.wu["id"]},
        )
    async with acme.as_member(w.wu["id"]) as kr_owner:
        by_self = await kr_owner.post(f"/v1/actions/{own['id']}/accept")
    problem(by_self, 403, "not_acceptor")
    async with acme.as_member(w.sun["id"], "manager") as wus_manager:
        accepted = await post(wus_manager, f"/v1/actions/{own['id']}/accept", {})
    assert accepted["accepted_by"] == w.sun["id"]
