"""Key results and check-ins over REST: defaults, metric rules (direction, currency, yes/no,
milestones), moving between objectives, final scores at cycle close, deleting, the check-in
history, closed cycles, ETag/If-Match and Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, patch, post


@dataclass(frozen=True)
class World:
    boss: dict[str, Any]  # head's manager (skip-level of rep)
    head: dict[str, Any]  # rep's manager
    rep: dict[str, Any]
    peer: dict[str, Any]  # reports to boss, not in rep's line
    q1: dict[str, Any]
    q2: dict[str, Any]
    goal: dict[str, Any]  # rep's objective in q1


async def build_world(admin: httpx.AsyncClient) -> World:
    boss = await create_member(admin, "Zhao Min", roles=["manager"])
    head = await create_member(admin, "Zhang Wei", roles=["manager"], manager_id=boss["id"])
    rep = await create_member(admin, "Li Na", manager_id=head["id"])
    peer = await create_member(admin, "Qian Jun", manager_id=boss["id"])
    q1 = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    q2 = await active_cycle(admin, "2027 Q2", "quarter", "2027-04-01", "2027-06-30")
    goal = await objective(
        admin,
        cycle_id=q1["id"],
        title="Grow revenue",
        owner={"kind": "member", "id": rep["id"]},
        status="active",
    )
    return World(boss=boss, head=head, rep=rep, peer=peer, q1=q1, q2=q2, goal=goal)


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def fields(body: dict[str, Any]) -> list[str]:
    return [e["field"] for e in body["errors"]]


# -- create ----------------------------------------------------------------------------------


async def test_a_key_result_with_defaults(acme: Tenant, clock: SettableClock) -> None:
    # 2027-01-31 is day 30 of Q1 (89 days apart): 30/89 = 0.33707 -> 0.3371.
    clock.pin(datetime(2027, 1, 31, 12, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        w = await build_world(admin)
    async with acme.as_member(w.rep["id"]) as rep:
        created = await rep.post(
            f"/v1/objectives/{w.goal['id']}/key-results",
            json={"title": "Sell to 10 new customers", "owner_id": w.rep["id"]},
        )
        read = await rep.get(created.headers["location"])
        listed = await get(rep, f"/v1/objectives/{w.goal['id']}/key-results")

    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/v1/key-results/{body['id']}"
    assert created.headers["etag"].startswith('"1-')
    assert {k: v for k, v in body.items() if k not in {"id", "created_at", "updated_at"}} == {
        "objective_id": w.goal["id"],
        "title": "Sell to 10 new customers",
        "owner_id": w.rep["id"],
        "metric_kind": "number",
        "unit": None,
        "currency": None,
        "start": "0",
        "target": "1",
        "direction": "increase",
        "weight": "1",
        "due_date": "2027-03-31",  # the cycle's end
        "confidence": None,
        "milestones": [],
        "current": None,
        "last_check_in_at": None,
        "final_score": None,
        "final_score_reason": None,
        # No check-in: the KR stands at its start, 0; 0 < 0.3371 - 0.25 = 0.0871: off track.
        "score": {
            "progress": "0.0000",
            "score": "0.0000",
            "grade": "red",
            "expected_progress": "0.3371",
            "track_status": "off_track",
        },
        "cadence": "weekly",  # checked in on every week unless told otherwise
        "kpi_id": None,  # follows no KPI
        # No curve set anywhere: the straight line; 0 / 0.3371 projects 0: will miss.
        "pacing": {
            "curve": "linear",
            "source": "default",
            "points": [{"t": "0", "p": "0"}, {"t": "1", "p": "1"}],
            "learned_from": None,
            "fallback": None,
        },
        "forecast": {"projected_progress": "0.0000", "status": "will_miss"},
        "ambition": "aspirational",  # its objective's
        "contributes_to_key_result_id": None,  # adds into no KR (quota roll-up)
        "aggregation": "none",  # its value is its own check-ins'
        "version": 1,
    }
    assert read.status_code == 200
    assert read.json() == body
    assert read.headers["etag"].startswith('"1-')
    assert listed == {"items": [body], "next_cursor": None}


async def test_a_direction_that_contradicts_start_and_target_is_refused(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        path = f"/v1/objectives/{w.goal['id']}/key-results"
        kr = {"title": "Sales cycle", "owner_id": w.rep["id"], "unit": "days"}
        up_below = await admin.post(path, json={**kr, "start": "40", "target": "30"})
        down_above = await admin.post(
            path, json={**kr, "start": "30", "target": "40", "direction": "decrease"}
        )
        down = await post(
            admin, path, {**kr, "start": "40", "target": "30", "direction": "decrease"}
        )
        flat = await post(
            admin, path, {**kr, "start": "30", "target": "30", "direction": "decrease"}
        )
        flipped = await admin.patch(f"/v1/key-results/{down['id']}", json={"target": "45"})
        both = await admin.post(
            path, json={**kr, "start": "40", "target": "30", "metric_kind": "currency"}
        )

    body = problem(up_below, 422, "direction_contradicts_target")
    assert body["errors"][0]["field"] == "direction"
    assert body["errors"][0]["code"] == "direction_contradicts_target"
    problem(down_above, 422, "direction_contradicts_target")
    assert (down["direction"], down["start"], down["target"]) == ("decrease", "40", "30")
    assert flat["target"] == "30"
    problem(flipped, 422, "direction_contradicts_target")
    # With another problem too, the code is the general one and every problem is listed.
    assert sorted(fields(problem(both, 422, "validation_failed"))) == ["currency", "direction"]


async def test_currency_key_results_carry_an_iso_code(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        path = f"/v1/objectives/{w.goal['id']}/key-results"
        kr = {"title": "Deal value", "owner_id": w.rep["id"], "start": "50000", "target": "60000"}
        cny = await post(admin, path, {**kr, "metric_kind": "currency", "currency": "CNY"})
        missing = await admin.post(path, json={**kr, "metric_kind": "currency"})
        lower = await admin.post(path, json={**kr, "metric_kind": "currency", "currency": "cny"})
        long = await admin.post(path, json={**kr, "metric_kind": "currency", "currency": "YUAN"})
        on_number = await admin.post(path, json={**kr, "currency": "CNY"})
        cleared = await admin.patch(f"/v1/key-results/{cny['id']}", json={"currency": None})
        to_usd = await patch(admin, f"/v1/key-results/{cny['id']}", {"currency": "USD"})

    assert (cny["metric_kind"], cny["currency"]) == ("currency", "CNY")
    for refused in (missing, lower, long):
        assert fields(problem(refused, 422, "validation_failed")) == ["currency"]
    assert problem(on_number, 422, "validation_failed")["errors"][0]["code"] == "not_allowed"
    problem(cleared, 422, "validation_failed")
    assert (to_usd["currency"], to_usd["version"]) == ("USD", 2)


async def test_yes_no_key_results(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        path = f"/v1/objectives/{w.goal['id']}/key-results"
        survey = await post(
            admin, path, {"title": "Survey", "owner_id": w.rep["id"], "metric_kind": "boolean"}
        )
        wrong_range = await admin.post(
            path,
            json={"title": "S", "owner_id": w.rep["id"], "metric_kind": "boolean", "target": "5"},
        )
        two = await admin.post(f"/v1/key-results/{survey['id']}/check-ins", json={"value": "2"})
        no_value = await admin.post(f"/v1/key-results/{survey['id']}/check-ins", json={})
        await check_in(admin, survey["id"], value="1")
        done = await get(admin, f"/v1/key-results/{survey['id']}")

    assert (survey["start"], survey["target"]) == ("0", "1")
    assert fields(problem(wrong_range, 422, "validation_failed")) == ["target"]
    assert problem(two, 422, "validation_failed")["errors"][0]["code"] == "boolean_value"
    assert fields(problem(no_value, 422, "validation_failed")) == ["value"]
    assert done["current"] == "1"
    assert done["score"]["progress"] == "1.0000"


async def test_milestones_key_results(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        path = f"/v1/objectives/{w.goal['id']}/key-results"
        kr = {"title": "Feedback process", "owner_id": w.rep["id"], "metric_kind": "milestones"}
        process = await post(
            admin,
            path,
            {
                **kr,
                "milestones": [
                    {"title": "Survey designed"},  # weight defaults to 1
                    {"title": "Channel live", "weight": "2"},
                    {"title": "First report", "weight": "1.5"},
                ],
            },
        )
        designed, live, first_report = (m["id"] for m in process["milestones"])
        empty = await admin.post(path, json=kr)
        bad = await admin.post(
            path, json={**kr, "milestones": [{"title": " "}, {"title": "x", "weight": "0"}]}
        )
        on_number = await admin.post(
            path, json={"title": "N", "owner_id": w.rep["id"], "milestones": [{"title": "x"}]}
        )
        await check_in(admin, process["id"], milestones_done=[live, designed])
        after_two = await get(admin, f"/v1/key-results/{process['id']}")
        unknown = await admin.post(
            f"/v1/key-results/{process['id']}/check-ins",
            json={"milestones_done": [designed, w.rep["id"]]},
        )
        with_value = await admin.post(
            f"/v1/key-results/{process['id']}/check-ins", json={"value": "1"}
        )
        # Replacing the list: keep two milestones by id, drop one, add one.
        edited = await patch(
            admin,
            f"/v1/key-results/{process['id']}",
            {
                "milestones": [
                    {"id": designed, "title": "Survey designed", "weight": "1"},
                    {"id": live, "title": "Channel live", "weight": "2"},
                    {"title": "Monthly reports", "weight": "3"},
                ]
            },
        )

    assert [(m["title"], m["weight"], m["done"]) for m in process["milestones"]] == [
        ("Survey designed", "1", False),
        ("Channel live", "2", False),
        ("First report", "1.5", False),
    ]
    # Done: 1 + 2 = 3 of 1 + 2 + 1.5 = 4.5: 3/4.5 = 0.66667 -> 0.6667.
    assert [m["done"] for m in after_two["milestones"]] == [True, True, False]
    assert after_two["current"] is None
    assert after_two["score"]["progress"] == "0.6667"
    assert fields(problem(empty, 422, "validation_failed")) == ["milestones"]
    assert sorted(fields(problem(bad, 422, "validation_failed"))) == [
        "milestones.0.title",
        "milestones.1.weight",
    ]
    assert problem(on_number, 422, "validation_failed")["errors"][0]["code"] == "not_allowed"
    body = problem(unknown, 422, "unknown_milestone")
    assert body["unknown"] == [w.rep["id"]]
    assert fields(body) == ["milestones_done.1"]
    assert fields(problem(with_value, 422, "validation_failed")) == ["value"]
    # The kept milestones keep their done state: 1 + 2 = 3 of 1 + 2 + 3 = 6: 0.5.
    assert [
        (m["id"] == mid, m["done"])
        for m, mid in zip(edited["milestones"][:2], [designed, live], strict=True)
    ] == [
        (True, True),
        (True, True),
    ]
    assert edited["milestones"][2]["done"] is False
    assert first_report not in {m["id"] for m in edited["milestones"]}
    assert edited["score"]["progress"] == "0.5000"


# -- check-ins -------------------------------------------------------------------------------


async def test_check_in_history_is_newest_first_and_a_correction_is_a_new_check_in(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        kr = await key_result(
            admin, w.goal["id"], title="New customers", owner_id=w.rep["id"], target="10"
        )
    start = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
    made: list[dict[str, Any]] = []
    async with acme.as_member(w.rep["id"]) as rep:
        for week, (value, confidence) in enumerate([("1", 5), ("3", 6), ("4", 6), ("6", 7)]):
            clock.pin(start + timedelta(weeks=week))
            made.append(
                await check_in(
                    rep,
                    kr["id"],
                    value=value,
                    confidence=confidence,
                    note=f"  week {week}  ",
                    blockers="legal review" if week == 3 else "",
                )
            )
        # The last figure was wrong: the correction is a new check-in, nothing is rewritten.
        clock.pin(start + timedelta(weeks=3, hours=2))
        posted = await rep.post(
            f"/v1/key-results/{kr['id']}/check-ins",
            json={"value": "5", "note": "correction: one deal was a renewal"},
        )
        made.append(posted.json())
        pages: list[list[str]] = []
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = (await rep.get(f"/v1/key-results/{kr['id']}/check-ins", params=params)).json()
            pages.append([c["value"] for c in page["items"]])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        everything = await get(rep, f"/v1/key-results/{kr['id']}/check-ins")
        current = await get(rep, f"/v1/key-results/{kr['id']}")

    assert posted.status_code == 201
    assert posted.headers["location"] == f"/v1/key-results/{kr['id']}/check-ins"
    assert pages == [["5", "6"], ["4", "3"], ["1"]]
    assert everything["items"] == list(reversed(made))
    first = made[0]
    assert {k: v for k, v in first.items() if k != "id"} == {
        "key_result_id": kr["id"],
        "author": w.rep["id"],
        "value": "1",
        "milestones_done": None,
        "confidence": 5,
        "note": "week 0",
        "blockers": "",
        "created_at": "2027-01-10T09:00:00Z",
        "source": "person",
        "integration": None,
        "external_id": None,
    }
    assert made[3]["blockers"] == "legal review"
    # The current value is the latest check-in: 5/10 = 0.5.
    assert current["current"] == "5"
    assert current["last_check_in_at"] == "2027-01-31T11:00:00Z"
    assert current["score"]["progress"] == "0.5000"
    assert current["version"] == 1  # check-ins do not change the KR itself


async def test_check_in_refusals(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        kr = await key_result(admin, w.goal["id"], title="KR", owner_id=w.rep["id"])
        path = f"/v1/key-results/{kr['id']}/check-ins"
        answers = {
            "no value": await admin.post(path, json={"note": "nothing"}),
            "confidence 11": await admin.post(path, json={"value": "1", "confidence": 11}),
            "author": await admin.post(path, json={"value": "1", "author": "me"}),
            "text value": await admin.post(path, json={"value": "lots"}),
            "infinite value": await admin.post(path, json={"value": "Infinity"}),
        }
        history = await get(admin, path)

    codes = {name: (r.status_code, r.json()["code"]) for name, r in answers.items()}
    assert codes == dict.fromkeys(answers, (422, "validation_failed"))
    assert history == {"items": [], "next_cursor": None}


async def test_milestones_done_on_a_number_key_result_is_refused(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        kr = await key_result(admin, w.goal["id"], title="KR", owner_id=w.rep["id"])
        path = f"/v1/key-results/{kr['id']}/check-ins"
        answer = await admin.post(path, json={"value": "1", "milestones_done": [kr["id"]]})
        history = await get(admin, path)

    assert fields(problem(answer, 422, "validation_failed")) == ["milestones_done"]
    assert history["items"] == []


# -- move ------------------------------------------------------------------------------------


async def test_move_within_the_cycle_carries_check_ins_and_actions(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        other = await objective(admin, cycle_id=w.q1["id"], title="Keep customers", status="active")
        elsewhere = await objective(admin, cycle_id=w.q2["id"], title="Q2 goal")
        kr = await key_result(admin, w.goal["id"], title="Repeat rate", owner_id=w.rep["id"])
        await check_in(admin, kr["id"], value="1")
        task = await post(admin, f"/v1/key-results/{kr['id']}/actions", {"title": "Call back"})
        moved = await admin.post(
            f"/v1/key-results/{kr['id']}/move", json={"objective_id": other["id"]}
        )
        source_after = await get(admin, f"/v1/objectives/{w.goal['id']}")
        target_after = await get(admin, f"/v1/objectives/{other['id']}")
        history = await get(admin, f"/v1/key-results/{kr['id']}/check-ins")
        actions = await get(admin, f"/v1/key-results/{kr['id']}/actions")
        same = await post(admin, f"/v1/key-results/{kr['id']}/move", {"objective_id": other["id"]})
        across = await admin.post(
            f"/v1/key-results/{kr['id']}/move", json={"objective_id": elsewhere["id"]}
        )
        nowhere = await admin.post(
            f"/v1/key-results/{kr['id']}/move", json={"objective_id": w.rep["id"]}
        )
        stale = await admin.post(
            f"/v1/key-results/{kr['id']}/move",
            json={"objective_id": w.goal["id"]},
            headers={"If-Match": '"1"'},
        )

    assert moved.status_code == 200, moved.text
    assert moved.json()["objective_id"] == other["id"]
    assert moved.headers["etag"].startswith('"2-')
    assert source_after["key_results"] == []
    assert source_after["score"]["progress"] is None
    assert [k["id"] for k in target_after["key_results"]] == [kr["id"]]
    assert target_after["score"]["progress"] == "1.0000"
    assert [c["value"] for c in history["items"]] == ["1"]
    assert [a["id"] for a in actions["items"]] == [task["id"]]
    assert same["version"] == 2  # already there: nothing changes
    body = problem(across, 422, "different_cycle")
    assert fields(body) == ["objective_id"]
    problem(nowhere, 404, "not_found")
    problem(stale, 412, "stale_version")


async def test_moving_a_key_result_into_its_contributor_is_an_alignment_loop(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        top = await objective(admin, cycle_id=w.q1["id"], title="Top", level="company")
        kr = await key_result(admin, top["id"], title="Company KR", owner_id=w.head["id"])
        contributor = await objective(
            admin, cycle_id=w.q1["id"], title="Mine", parent_key_result_id=kr["id"]
        )
        moved = await admin.post(
            f"/v1/key-results/{kr['id']}/move", json={"objective_id": contributor["id"]}
        )
        after = await get(admin, f"/v1/key-results/{kr['id']}")

    body = problem(moved, 422, "alignment_cycle")
    assert body["cycle"] == [contributor["id"], contributor["id"]]
    assert after["objective_id"] == top["id"]


# -- final score at cycle close ----------------------------------------------------------------


async def test_final_score_on_a_closed_cycle(acme: Tenant, clock: SettableClock) -> None:
    clock.pin(datetime(2027, 3, 25, 9, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        w = await build_world(admin)
        kr = await key_result(
            admin, w.goal["id"], title="New customers", owner_id=w.rep["id"], target="10"
        )
        other = await key_result(
            admin, w.goal["id"], title="Repeat rate", owner_id=w.rep["id"], target="10"
        )
        await check_in(admin, kr["id"], value="3")
        await check_in(admin, other["id"], value="9")
        clock.pin(datetime(2027, 4, 2, 9, 0, tzinfo=UTC))
        await patch(admin, f"/v1/cycles/{w.q1['id']}", {"state": "closed"})
    path = f"/v1/key-results/{kr['id']}/final-score"
    async with acme.as_member(w.rep["id"]) as rep:
        by_owner = await rep.put(path, json={"score": "1", "reason": "I did my best"})
        late_check_in = await rep.post(f"/v1/key-results/{kr['id']}/check-ins", json={"value": "4"})
        late_edit = await rep.patch(f"/v1/key-results/{kr['id']}", json={"title": "Other"})
    async with acme.as_member(w.peer["id"]) as peer:
        by_peer = await peer.put(path, json={"score": "1", "reason": "friendly"})
    async with acme.as_member(w.head["id"], "manager") as head:
        no_reason = await head.put(path, json={"score": "0.7"})
        blank = await head.put(path, json={"score": "0.7", "reason": "   "})
        too_high = await head.put(path, json={"score": "1.5", "reason": "stellar"})
        scored = await head.put(
            path,
            json={"score": "0.7", "reason": "  Two deals slipped to Q2 for legal reasons  "},
            headers={"If-Match": '"1"'},
        )
        stale = await head.put(
            path, json={"score": "0.8", "reason": "x"}, headers={"If-Match": '"1"'}
        )
        seen = await get(head, f"/v1/objectives/{w.goal['id']}")
    async with acme.as_member(w.boss["id"], "manager") as boss:
        by_skip_level = await boss.put(path, json={"score": "0.6", "reason": "calibration"})
    async with acme.admin() as admin:
        by_admin = await admin.put(
            f"/v1/key-results/{other['id']}/final-score", json={"score": "1", "reason": "done"}
        )
        new_kr = await admin.post(
            f"/v1/objectives/{w.goal['id']}/key-results",
            json={"title": "x", "owner_id": w.rep["id"]},
        )
        deleted = await admin.delete(f"/v1/key-results/{other['id']}")

    problem(by_owner, 403, "forbidden")  # the owner does not grade their own KR
    problem(by_peer, 403, "forbidden")
    problem(late_check_in, 422, "cycle_closed")
    problem(late_edit, 422, "cycle_closed")
    assert fields(problem(no_reason, 422, "validation_failed")) == ["reason"]
    problem(blank, 422, "validation_failed")
    problem(too_high, 422, "validation_failed")
    assert scored.status_code == 200, scored.text
    body = scored.json()
    assert scored.headers["etag"].startswith('"2-')
    assert (body["final_score"], body["final_score_reason"]) == (
        "0.7",
        "Two deals slipped to Q2 for legal reasons",
    )
    # Progress stays 3/10 = 0.3; the score is the final score, 0.7: green. Expected progress
    # is 1 after the cycle's end; a KR with a final score reads "scored", not on/off track.
    assert body["current"] == "3"
    assert body["score"] == {
        "progress": "0.3000",
        "score": "0.7000",
        "grade": "green",
        "expected_progress": "1.0000",
        "track_status": "scored",
    }
    problem(stale, 412, "stale_version")
    # The objective: (0.7 + 0.9) / 2 = 0.8: green.
    assert seen["score"]["progress"] == "0.8000"
    assert seen["score"]["grade"] == "green"
    assert by_skip_level.status_code == 200, by_skip_level.text
    assert by_skip_level.json()["final_score"] == "0.6"
    assert by_admin.status_code == 200, by_admin.text
    assert by_admin.json()["score"]["score"] == "1.0000"
    problem(new_kr, 422, "cycle_closed")
    problem(deleted, 422, "cycle_closed")


async def test_final_score_errors_name_the_fields_of_the_request(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        kr = await key_result(admin, w.goal["id"], title="KR", owner_id=w.rep["id"])
        refused = await admin.put(
            f"/v1/key-results/{kr['id']}/final-score", json={"score": "1.5", "reason": "  "}
        )

    assert sorted(fields(problem(refused, 422, "validation_failed"))) == ["reason", "score"]


# -- delete ----------------------------------------------------------------------------------


async def test_delete_a_key_result_only_without_check_ins(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        unused = await key_result(admin, w.goal["id"], title="Unused", owner_id=w.rep["id"])
        task = await post(admin, f"/v1/key-results/{unused['id']}/actions", {"title": "Task"})
        used = await key_result(admin, w.goal["id"], title="Used", owner_id=w.rep["id"])
        await check_in(admin, used["id"], value="1")
        stale = await admin.delete(f"/v1/key-results/{unused['id']}", headers={"If-Match": '"2"'})
        deleted = await admin.delete(f"/v1/key-results/{unused['id']}", headers={"If-Match": '"1"'})
        gone = await admin.get(f"/v1/key-results/{unused['id']}")
        gone_task = await admin.get(f"/v1/actions/{task['id']}")
        kept = await admin.delete(f"/v1/key-results/{used['id']}")
        left = await get(admin, f"/v1/objectives/{w.goal['id']}/key-results")

    problem(stale, 412, "stale_version")
    assert deleted.status_code == 204
    problem(gone, 404, "not_found")
    problem(gone_task, 404, "not_found")  # its actions go with it
    problem(kept, 409, "key_result_has_check_ins")
    assert [k["id"] for k in left["items"]] == [used["id"]]


async def test_deleting_a_key_result_objectives_contribute_to_is_a_conflict(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        top = await objective(admin, cycle_id=w.q1["id"], title="Top", level="company")
        kr = await key_result(admin, top["id"], title="Company KR", owner_id=w.head["id"])
        contributor = await objective(
            admin, cycle_id=w.q1["id"], title="Mine", parent_key_result_id=kr["id"]
        )
        refused = await admin.delete(f"/v1/key-results/{kr['id']}")
        after = await get(admin, f"/v1/objectives/{contributor['id']}")

    assert refused.status_code == 409, refused.text  # like objective_has_children
    assert after["parent_key_result_id"] == kr["id"]


# -- representation ----------------------------------------------------------------------------


async def test_large_round_values_read_back_in_plain_notation(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        created = await key_result(
            admin,
            w.goal["id"],
            title="Sales +30%",
            owner_id=w.rep["id"],
            metric_kind="currency",
            currency="CNY",
            start="80000000",
            target="104000000",
            weight="10000",
        )
        checked = await check_in(admin, created["id"], value="84800000")
        read = await get(admin, f"/v1/key-results/{created['id']}")
        history = await get(admin, f"/v1/key-results/{created['id']}/check-ins")

    assert (created["start"], created["target"], checked["value"]) == (
        "80000000",
        "104000000",
        "84800000",
    )
    # Same values, same strings, whichever route reads them back.
    assert Decimal(read["start"]) == Decimal("80000000")  # numerically right already
    assert (read["start"], read["target"], read["weight"], read["current"]) == (
        "80000000",
        "104000000",
        "10000",
        "84800000",
    )
    assert history["items"][0]["value"] == "84800000"


# -- concurrency and retries -------------------------------------------------------------------


async def test_if_match_on_patch(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        kr = await key_result(admin, w.goal["id"], title="KR", owner_id=w.rep["id"], target="10")
        path = f"/v1/key-results/{kr['id']}"
        fresh = await admin.patch(path, json={"target": "12"}, headers={"If-Match": '"1"'})
        stale = await admin.patch(path, json={"target": "14"}, headers={"If-Match": '"1"'})
        read = await admin.get(path)
        values = await admin.patch(path, json={"current": "3"})

    assert fresh.status_code == 200
    assert fresh.headers["etag"].startswith('"2-')
    problem(stale, 412, "stale_version")
    assert read.json()["target"] == "12"
    assert read.headers["etag"].startswith('"2-')
    # A KR's value changes only through check-ins.
    assert problem(values, 422, "validation_failed")["errors"][0]["code"] == "unknown_field"


async def test_idempotency_key_on_key_results_and_check_ins(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        kr_path = f"/v1/objectives/{w.goal['id']}/key-results"
        body = {"title": "KR", "owner_id": w.rep["id"], "target": "10"}
        first = await admin.post(kr_path, json=body, headers={"Idempotency-Key": "kr-1"})
        again = await admin.post(kr_path, json=body, headers={"Idempotency-Key": "kr-1"})
        reused = await admin.post(
            kr_path, json={**body, "target": "11"}, headers={"Idempotency-Key": "kr-1"}
        )
        ci_path = f"/v1/key-results/{first.json()['id']}/check-ins"
        ci = await admin.post(ci_path, json={"value": "2"}, headers={"Idempotency-Key": "ci-1"})
        ci_again = await admin.post(
            ci_path, json={"value": "2"}, headers={"Idempotency-Key": "ci-1"}
        )
        ci_reused = await admin.post(
            ci_path, json={"value": "3"}, headers={"Idempotency-Key": "ci-1"}
        )
        krs = await get(admin, kr_path)
        history = await get(admin, ci_path)

    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    problem(reused, 422, "idempotency_key_reused")
    assert ci.status_code == ci_again.status_code == 201
    assert ci_again.headers["idempotent-replayed"] == "true"
    assert ci_again.json() == ci.json()
    problem(ci_reused, 422, "idempotency_key_reused")
    assert [k["id"] for k in krs["items"]] == [first.json()["id"]]
    assert [c["id"] for c in history["items"]] == [ci.json()["id"]]
